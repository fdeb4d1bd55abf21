//! Practices and their rosters, the eligibility view of a practice-year (with the warnings that matter),
//! the score impact page with its chart, and evidence upload and download.

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status, see, text, ticked};
use crate::AppState;
use crate::api::ScoreQuery;
use crate::assess::Assessment;
use crate::dto::{
    self, ApplicationDto, ClinicianDto, ContactDto, DocumentDto, NewClinicianDto, NewPracticeDto,
    PracticeDto, PracticeUpdateDto,
};
use crate::error::ApiError;
use crate::extract::{parse_id, parse_year};
use crate::impact::{self, ScoreImpact};
use crate::service::{self, DeadlineView};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use hardship_rules::{ClinicianType, PerformanceYear, SpecialStatus};
use hardship_store::*;
use serde::Deserialize;

fn practice_id(t: &str) -> Result<PracticeId, WebError> {
    Ok(parse_id("practice", t)?)
}

fn years() -> Vec<u16> {
    crate::service::years_newest_first()
}

pub fn clinician_types() -> Vec<(&'static str, &'static str)> {
    ClinicianType::ALL
        .iter()
        .map(|t| (t.code(), t.label()))
        .collect()
}

// ---- list and create ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "practices.html")]
struct PracticesPage {
    nav: Nav,
    practices: Vec<PracticeDto>,
}

pub async fn list(State(state): State<AppState>, user: WebUser) -> PageResult {
    let list = state.store.list_practices(user.0.tenant).await?;
    Ok(html(&PracticesPage {
        nav: user.nav(&state).await?,
        practices: list.iter().map(PracticeDto::from).collect(),
    }))
}

#[derive(Template)]
#[template(path = "practice_form.html")]
struct PracticeFormPage {
    nav: Nav,
    error: Option<String>,
    /// None when creating.
    id: Option<String>,
    version: i64,
    tin: String,
    name: String,
    address: String,
    contact: ContactDto,
    zip: String,
}

pub async fn new_page(State(state): State<AppState>, user: WebUser) -> PageResult {
    user.0.require_write()?;
    Ok(html(&PracticeFormPage {
        nav: user.nav(&state).await?,
        error: None,
        id: None,
        version: 0,
        tin: String::new(),
        name: String::new(),
        address: String::new(),
        zip: String::new(),
        contact: ContactDto::default(),
    }))
}

#[derive(Deserialize)]
pub struct PracticeForm {
    #[serde(default)]
    tin: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    zip: String,
    #[serde(default)]
    version: i64,
}

impl PracticeForm {
    fn contact(&self) -> ContactDto {
        ContactDto {
            name: self.contact_name.clone(),
            email: self.contact_email.clone(),
            phone: self.contact_phone.clone(),
        }
    }
}

pub async fn create(State(state): State<AppState>, Form(p, f): Form<PracticeForm>) -> PageResult {
    p.require_write()?;
    let dto = NewPracticeDto {
        tin: f.tin.clone(),
        name: f.name.clone(),
        address: f.address.clone(),
        contact: f.contact(),
        zip: Some(f.zip.clone()),
    };
    let result = match dto.parse() {
        Ok(new) => state
            .store
            .create_practice(p.tenant, &p.actor(), new)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(pr) => Ok(see(&format!("/practices/{}?notice=created", pr.id))),
        Err(e) => {
            let user = WebUser(p);
            Ok(html_status(
                e.status(),
                &PracticeFormPage {
                    nav: user.nav(&state).await?,
                    error: Some(e.public_message()),
                    id: None,
                    version: 0,
                    contact: f.contact(),
                    tin: f.tin,
                    name: f.name,
                    address: f.address.clone(),
                    zip: f.zip.clone(),
                },
            ))
        }
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> PageResult {
    user.0.require_write()?;
    let pr = state
        .store
        .get_practice(user.0.tenant, practice_id(&id)?)
        .await?;
    Ok(html(&PracticeFormPage {
        nav: user.nav(&state).await?,
        error: None,
        id: Some(pr.id.to_string()),
        version: pr.version,
        tin: pr.tin.to_string(),
        name: pr.name.clone(),
        address: pr.address.clone(),
        contact: (&pr.contact).into(),
        zip: pr.zip.map(|z| z.to_string()).unwrap_or_default(),
    }))
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<PracticeForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let current = state.store.get_practice(p.tenant, id).await?;
    let dto = PracticeUpdateDto {
        version: f.version,
        name: f.name.clone(),
        address: f.address.clone(),
        contact: f.contact(),
        zip: Some(f.zip.clone()),
    };
    let result = match dto.parse() {
        Ok((v, u)) => state
            .store
            .update_practice(p.tenant, &p.actor(), id, v, u)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(pr) => Ok(see(&format!("/practices/{}?notice=saved", pr.id))),
        Err(e) => {
            let user = WebUser(p);
            Ok(html_status(
                e.status(),
                &PracticeFormPage {
                    nav: user.nav(&state).await?,
                    error: Some(e.public_message()),
                    id: Some(id.to_string()),
                    version: current.version,
                    contact: f.contact(),
                    tin: current.tin.to_string(),
                    name: f.name,
                    address: f.address.clone(),
                    zip: f.zip.clone(),
                },
            ))
        }
    }
}

// ---- one practice ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "practice.html")]
struct PracticePage {
    nav: Nav,
    notice: Option<String>,
    error: Option<String>,
    import_errors: Vec<dto::ImportErrorDto>,
    practice: PracticeDto,
    clinicians: Vec<ClinicianDto>,
    applications: Vec<ApplicationDto>,
    documents: Vec<DocumentDto>,
    years: Vec<u16>,
    year: u16,
    types: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct NoticeParam {
    notice: Option<String>,
    // What a roster import did (numbers only, so a link cannot put words on the page).
    added: Option<u32>,
    updated: Option<u32>,
    unchanged: Option<u32>,
    statuses: Option<u32>,
    kept: Option<u32>,
    years: Option<String>,
    ignored: Option<u8>,
    nppes: Option<u8>,
}

impl NoticeParam {
    fn text(&self) -> Option<String> {
        if self.notice.as_deref() != Some("imported") {
            return notice_text(self.notice.as_deref());
        }
        let n = |v: Option<u32>| v.unwrap_or(0);
        let mut t = format!(
            "Roster imported: {} added, {} updated, {} unchanged, {} statuses recorded",
            n(self.added),
            n(self.updated),
            n(self.unchanged),
            n(self.statuses)
        );
        if n(self.kept) > 0 {
            t.push_str(&format!(
                ", {} kept from CMS eligibility data",
                n(self.kept)
            ));
        }
        let years: Vec<u16> = self
            .years
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|y| y.parse().ok())
            .filter(|y| (PerformanceYear::FIRST..=PerformanceYear::LAST).contains(y))
            .collect();
        if !years.is_empty() {
            let list: Vec<String> = years.iter().map(u16::to_string).collect();
            t.push_str(&format!("; reporting profile set for {}", list.join(", ")));
        }
        t.push('.');
        if self.nppes == Some(1) {
            t.push_str(" Clinician types come from the primary taxonomy codes (NUCC v25.1 and CMS's specialty crosswalk).");
        }
        if self.ignored == Some(1) {
            t.push_str(" Hardship reason and status columns are not imported: record applications with the wizard, where their facts and evidence are kept.");
        }
        Some(t)
    }
}

fn notice_text(code: Option<&str>) -> Option<String> {
    Some(
        match code? {
            "created" => "Practice created.",
            "saved" => "Saved.",
            "added" => "Clinician added.",
            "uploaded" => "Evidence stored in the vault.",
            "status" => "Status recorded.",
            "cms_imported" => "CMS eligibility data imported: its statuses show \"from CMS eligibility data\" below and outrank imported and hand-entered values.",
            _ => return None,
        }
        .to_owned(),
    )
}

struct PracticeExtras {
    notice: Option<String>,
    error: Option<String>,
    import_errors: Vec<dto::ImportErrorDto>,
}

async fn practice_page(
    state: &AppState,
    user: WebUser,
    id: PracticeId,
    extras: PracticeExtras,
) -> Result<PracticePage, WebError> {
    let p = &user.0;
    let pr = state.store.get_practice(p.tenant, id).await?;
    let clinicians = state.store.list_clinicians(p.tenant, id).await?;
    let apps = state.store.list_applications(p.tenant, None).await?;
    let docs = state.store.list_documents(p.tenant, Some(id)).await?;
    Ok(PracticePage {
        nav: user.nav(state).await?,
        notice: extras.notice,
        error: extras.error,
        import_errors: extras.import_errors,
        practice: (&pr).into(),
        clinicians: clinicians.iter().map(ClinicianDto::from).collect(),
        applications: apps
            .iter()
            .filter(|a| a.draft.practice == id)
            .map(ApplicationDto::from)
            .collect(),
        documents: docs.iter().map(DocumentDto::from).collect(),
        years: years(),
        year: service::current_year(state.now()).get(),
        types: clinician_types(),
        kinds: service::DOCUMENT_KINDS.to_vec(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let id = practice_id(&id)?;
    let page = practice_page(
        &state,
        user,
        id,
        PracticeExtras {
            notice: q.text(),
            error: None,
            import_errors: vec![],
        },
    )
    .await?;
    Ok(html(&page))
}

async fn practice_error(
    state: &AppState,
    p: crate::principal::Principal,
    id: PracticeId,
    e: ApiError,
) -> PageResult {
    let status = e.status();
    let page = practice_page(
        state,
        WebUser(p),
        id,
        PracticeExtras {
            notice: None,
            error: Some(e.public_message()),
            import_errors: vec![],
        },
    )
    .await?;
    Ok(html_status(status, &page))
}

#[derive(Deserialize)]
pub struct ClinicianForm {
    #[serde(default)]
    npi: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    clinician_type: String,
    #[serde(default)]
    version: i64,
}

pub async fn add_clinician(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<ClinicianForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    state.store.get_practice(p.tenant, id).await?;
    let dto = NewClinicianDto {
        npi: f.npi,
        name: f.name,
        clinician_type: f.clinician_type,
    };
    let result = match dto.parse() {
        Ok(new) => state
            .store
            .add_clinician(p.tenant, &p.actor(), id, new)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see(&format!("/practices/{id}?notice=added#roster"))),
        Err(e) => practice_error(&state, p, id, e).await,
    }
}

#[derive(Template)]
#[template(path = "clinician.html")]
struct ClinicianPage {
    nav: Nav,
    error: Option<String>,
    practice: PracticeDto,
    clinician: ClinicianDto,
    types: Vec<(&'static str, &'static str)>,
    year: u16,
    years: Vec<u16>,
    /// (code, label, value if recorded, origin)
    statuses: Vec<(String, String, Option<bool>, String)>,
}

async fn clinician_of(
    state: &AppState,
    p: &crate::principal::Principal,
    practice: &str,
    clinician: &str,
) -> Result<(Practice, Clinician), WebError> {
    let practice = state
        .store
        .get_practice(p.tenant, practice_id(practice)?)
        .await?;
    let id: ClinicianId = parse_id("clinician", clinician)?;
    let c = state.store.get_clinician(p.tenant, id).await?;
    if c.practice != practice.id {
        return Err(
            ApiError::NotFound(format!("clinician {id} not found in this practice")).into(),
        );
    }
    Ok((practice, c))
}

#[derive(Deserialize)]
pub struct ClinicianQuery {
    year: Option<String>,
}

async fn clinician_page_for(
    state: &AppState,
    user: WebUser,
    practice: Practice,
    c: Clinician,
    year: PerformanceYear,
    error: Option<String>,
) -> Result<ClinicianPage, WebError> {
    let recorded = state
        .store
        .statuses(user.0.tenant, practice.id, year)
        .await?;
    let statuses = SpecialStatus::ALL
        .iter()
        .map(|s| {
            let r = recorded
                .iter()
                .find(|x| x.clinician == c.id && x.status == *s);
            (
                s.code().to_owned(),
                s.label().to_owned(),
                r.map(|x| x.value),
                r.map_or_else(|| "not recorded".to_owned(), |x| x.origin.describe()),
            )
        })
        .collect();
    Ok(ClinicianPage {
        nav: user.nav(state).await?,
        error,
        practice: (&practice).into(),
        clinician: (&c).into(),
        types: clinician_types(),
        year: year.get(),
        years: years(),
        statuses,
    })
}

pub async fn clinician_page(
    State(state): State<AppState>,
    user: WebUser,
    Path((practice, clinician)): Path<(String, String)>,
    Query(q): Query<ClinicianQuery>,
) -> PageResult {
    let (pr, c) = clinician_of(&state, &user.0, &practice, &clinician).await?;
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => parse_year(y)?,
        _ => service::current_year(state.now()),
    };
    let page = clinician_page_for(&state, user, pr, c, year, None).await?;
    Ok(html(&page))
}

pub async fn edit_clinician(
    State(state): State<AppState>,
    Path((practice, clinician)): Path<(String, String)>,
    Form(p, f): Form<ClinicianForm>,
) -> PageResult {
    p.require_write()?;
    let (pr, c) = clinician_of(&state, &p, &practice, &clinician).await?;
    let result = match dto::parse_clinician_type(&f.clinician_type) {
        Ok(t) => state
            .store
            .update_clinician(
                p.tenant,
                &p.actor(),
                c.id,
                f.version,
                ClinicianUpdate {
                    name: f.name.clone(),
                    clinician_type: t,
                },
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see(&format!("/practices/{}?notice=saved#roster", pr.id))),
        Err(e) => {
            let status = e.status();
            let year = service::current_year(state.now());
            let page =
                clinician_page_for(&state, WebUser(p), pr, c, year, Some(e.public_message()))
                    .await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    value: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    Path((practice, clinician)): Path<(String, String)>,
    Form(p, f): Form<StatusForm>,
) -> PageResult {
    p.require_write()?;
    let (pr, c) = clinician_of(&state, &p, &practice, &clinician).await?;
    let year = parse_year(&f.year)?;
    let result: Result<(), ApiError> = async {
        let status = dto::parse_status(&f.status)?;
        let value = match f.value.as_str() {
            "true" => true,
            "false" => false,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "invalid value {other:?}: true or false"
                )));
            }
        };
        state
            .store
            .set_status(
                p.tenant,
                &p.actor(),
                ClinicianStatus {
                    clinician: c.id,
                    year,
                    status,
                    value,
                    origin: StatusOrigin::Manual,
                    recorded_at: state.now(),
                },
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see(&format!(
            "/practices/{}/clinicians/{}/edit?year={year}",
            pr.id, c.id
        ))),
        Err(e) => {
            let status = e.status();
            let page =
                clinician_page_for(&state, WebUser(p), pr, c, year, Some(e.public_message()))
                    .await?;
            Ok(html_status(status, &page))
        }
    }
}

/// A multipart page form: its text fields (the `csrf` field checked first) and then the file.
pub struct FileForm {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Vec<u8>,
}

/// Reads a multipart page form: the `csrf` field before anything else, then text fields, then the file
/// (at most the upload limit).
pub async fn csrf_then_file(
    state: &AppState,
    p: &crate::principal::Principal,
    mut multipart: Multipart,
) -> Result<FileForm, ApiError> {
    let mut csrf_ok = false;
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("invalid multipart upload: {}", e.body_text())))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if !csrf_ok {
                break;
            }
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::PayloadTooLarge(format!(
                    "the file could not be read within the upload limit of {} bytes: {}",
                    state.settings.body_limit,
                    e.body_text()
                ))
            })?;
            return Ok(FileForm {
                fields,
                file: bytes.to_vec(),
            });
        }
        let v = field
            .text()
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if name == "csrf" {
            csrf_ok = crate::security::constant_time_eq(v.trim().as_bytes(), p.csrf().as_bytes());
        } else if csrf_ok && v.len() <= 1000 {
            fields.insert(name, v.trim().to_owned());
        }
    }
    if csrf_ok {
        Err(ApiError::BadRequest("invalid upload: choose a file".into()))
    } else {
        Err(ApiError::Forbidden(
            "CSRF check failed: reload the page and submit the form again".into(),
        ))
    }
}

/// Imports a roster (batch contract or NPPES layout) or CMS eligibility data from the practice page.
pub async fn import_file(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let p = user.0;
    let id = practice_id(&id)?;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let form = csrf_then_file(&state, &p, multipart).await?;
    p.require_write()?;
    let q = crate::api::ImportQuery {
        year: form.fields.get("year").cloned(),
        organization: form.fields.get("organization").cloned(),
        retrieved_on: form.fields.get("retrieved_on").cloned(),
        keep_good_rows: form.fields.get("keep_good_rows").cloned(),
    };
    let rows = match crate::imports::import_file(&state, &p, id, &form.file, q.parse()?).await {
        // See the result on a page of its own (a reload does not import again).
        Ok(r) if r.eligibility.is_some() => {
            let year = r.eligibility.as_ref().map_or(0, |e| e.year);
            return Ok(see(&format!(
                "/practices/{id}/years/{year}?notice=cms_imported#clinicians"
            )));
        }
        Ok(r) if !r.left_out.is_empty() => {
            // Some rows were left out on request: show them now, with what was imported.
            let extras = PracticeExtras {
                notice: Some(format!(
                    "Imported the good rows: {} added, {} updated, {} unchanged. {} row(s) left out, listed below.",
                    r.added,
                    r.updated,
                    r.unchanged,
                    r.left_out.len()
                )),
                error: None,
                import_errors: r.left_out,
            };
            let page = practice_page(&state, WebUser(p), id, extras).await?;
            return Ok(html(&page));
        }
        Ok(r) => {
            let years: Vec<String> = r.profiles_set.iter().map(u16::to_string).collect();
            return Ok(see(&format!(
                "/practices/{id}?notice=imported&added={}&updated={}&unchanged={}&statuses={}&kept={}&years={}&ignored={}&nppes={}#roster",
                r.added,
                r.updated,
                r.unchanged,
                r.statuses_set,
                r.statuses_kept_from_cms,
                years.join(","),
                u8::from(r.notes.iter().any(|c| c.contains("hardship_reason"))),
                u8::from(r.format == "nppes"),
            )));
        }
        Err(crate::imports::ImportFailure::Other(e)) => {
            return practice_error(&state, p, id, e).await;
        }
        Err(crate::imports::ImportFailure::Rows(rows)) => rows,
    };
    let extras = PracticeExtras {
        notice: None,
        error: Some(format!(
            "The file was not imported: {} problem(s) found, nothing was written.",
            rows.len()
        )),
        import_errors: crate::api::import_errors(rows),
    };
    let page = practice_page(&state, WebUser(p), id, extras).await?;
    Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let p = user.0;
    let id = practice_id(&id)?;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let csrf = p.csrf().to_owned();
    match crate::upload::receive(&state, &p, id, multipart, Some(&csrf)).await {
        Ok(doc) => Ok(match doc.application {
            Some(a) => see(&format!("/applications/{a}?notice=uploaded#evidence")),
            None => see(&format!("/practices/{id}?notice=uploaded#evidence")),
        }),
        Err(e @ ApiError::Forbidden(_)) => Err(e.into()),
        Err(e) => practice_error(&state, p, id, e).await,
    }
}

pub async fn download(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let id: DocumentId = parse_id("document", &id)?;
    let (doc, body) = service::open_document(&state, &user.0, id).await?;
    Ok(crate::upload::download_response(&doc, body))
}

// ---- the eligibility view -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    nav: Nav,
    notice: Option<String>,
    error: Option<String>,
    practice: PracticeDto,
    year: u16,
    years: Vec<u16>,
    a: Assessment,
    profile: dto::ProfileDto,
    deadline: DeadlineView,
    applications: Vec<ApplicationDto>,
    pi_name: String,
}

async fn eligibility_page(
    state: &AppState,
    user: WebUser,
    id: PracticeId,
    year: PerformanceYear,
    notice: Option<String>,
    error: Option<String>,
) -> Result<EligibilityPage, WebError> {
    let b = service::practice_year(state, &user.0, id, year).await?;
    let mut nav = user.nav(state).await?;
    nav.year = year.get();
    Ok(EligibilityPage {
        nav,
        notice,
        error,
        practice: (&b.practice).into(),
        year: year.get(),
        years: years(),
        a: b.assessment.clone(),
        profile: (&b.profile).into(),
        deadline: service::deadline_view(year, state.now())?,
        applications: b
            .applications
            .iter()
            .filter(|a| a.draft.year == year)
            .map(ApplicationDto::from)
            .collect(),
        pi_name: service::rules(year)?.pi_category_name.clone(),
    })
}

pub async fn year(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let page = eligibility_page(
        &state,
        user,
        practice_id(&id)?,
        parse_year(&year)?,
        notice_text(q.notice.as_deref()).or_else(|| {
            (q.notice.as_deref() == Some("filed")).then(|| {
                "The assessment was filed with its rule-set version and sources.".to_owned()
            })
        }),
        None,
    )
    .await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    level: String,
    pi_submitted: Option<String>,
    no_cehrt: Option<String>,
    clinician_count: Option<String>,
    quality: Option<String>,
    cost: Option<String>,
    ia: Option<String>,
    pi: Option<String>,
}

pub async fn save_profile(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, f): Form<ProfileForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let result: Result<(), ApiError> = async {
        let count = match text(&f.clinician_count) {
            "" => None,
            t => Some(t.parse::<u32>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "invalid clinician_count {t:?}: a whole number of clinicians"
                ))
            })?),
        };
        let profile = ReportingProfile {
            level: dto::parse_level(&f.level)?,
            pi_submitted: match text(&f.pi_submitted) {
                "" => hardship_rules::PiSubmission::No,
                // A checkbox from an older page.
                "on" => hardship_rules::PiSubmission::Qualifying,
                t => hardship_rules::PiSubmission::parse(t)
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?,
            },
            clinician_count: count,
            has_cehrt: !ticked(&f.no_cehrt),
            scores: ScoreEstimates {
                quality: dto::parse_opt_score("quality", f.quality.as_deref())?,
                cost: dto::parse_opt_score("cost", f.cost.as_deref())?,
                ia: dto::parse_opt_score("ia", f.ia.as_deref())?,
                pi: dto::parse_opt_score("pi", f.pi.as_deref())?,
            },
        };
        state
            .store
            .set_practice_year(p.tenant, &p.actor(), id, year, f.version, profile)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see(&format!("/practices/{id}/years/{year}?notice=saved"))),
        Err(e) => {
            let status = e.status();
            let page =
                eligibility_page(&state, WebUser(p), id, year, None, Some(e.public_message()))
                    .await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct Nothing {}

/// Files the current assessment (each clinician and the group) as stored decisions with the rule-set
/// version and sources, for the audit binder.
pub async fn file_decisions(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, _): Form<Nothing>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let b = service::practice_year(&state, &p, id, year).await?;
    let now = state.now();
    let mut decisions: Vec<(Option<ClinicianId>, &crate::assess::Outcome)> = b
        .assessment
        .clinicians
        .iter()
        .map(|c| (Some(ClinicianId(c.clinician)), &c.individual))
        .collect();
    if let Some(g) = &b.assessment.group {
        decisions.push((None, g));
    }
    for (clinician, o) in decisions {
        let d = StoredDecision {
            id: DecisionId(uuid::Uuid::new_v4()),
            tenant: p.tenant,
            practice: id,
            clinician,
            year,
            rule_set_version: b.assessment.rule_set_version.clone(),
            reweighted: o.reweighted,
            basis: o.basis.clone(),
            explanation: serde_json::to_value(&o.explanation)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            decided_at: now,
        };
        state.store.record_decision(p.tenant, &p.actor(), d).await?;
    }
    Ok(see(&format!("/practices/{id}/years/{year}?notice=filed")))
}

// ---- score impact ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "score.html")]
struct ScorePage {
    nav: Nav,
    practice: PracticeDto,
    year: u16,
    i: ScoreImpact,
    svg: String,
    quality: String,
    cost: String,
    ia: String,
    pi: String,
}

fn show_score(v: Option<f64>) -> String {
    v.map(hardship_rules::ruleset::fmt_num).unwrap_or_default()
}

pub async fn score(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<ScoreQuery>,
) -> PageResult {
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let (b, i) = service::score_impact(&state, &user.0, id, year, q.parse()?).await?;
    let svg = impact::render_svg(&i);
    let mut nav = user.nav(&state).await?;
    nav.year = year.get();
    Ok(html(&ScorePage {
        nav,
        practice: (&b.practice).into(),
        year: year.get(),
        quality: show_score(i.quality),
        cost: show_score(i.cost),
        ia: show_score(i.ia),
        pi: hardship_rules::ruleset::fmt_num(i.pi_score),
        svg,
        i,
    }))
}

/// The chart alone, for the page's script to swap in as the inputs change.
pub async fn score_svg(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<ScoreQuery>,
) -> PageResult {
    let (_, i) = service::score_impact(
        &state,
        &user.0,
        practice_id(&id)?,
        parse_year(&year)?,
        q.parse()?,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        impact::render_svg(&i),
    )
        .into_response())
}

// ---- the submission guard -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "guard.html")]
struct GuardPage {
    nav: Nav,
    practice: PracticeDto,
    year: u16,
    r: crate::guard::GuardReport,
}

/// Checks a submission file (from the eligibility page) before the registry or EHR sends it.
pub async fn submission_check(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let p = user.0;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let form = csrf_then_file(&state, &p, multipart).await?;
    let b = service::practice_year(&state, &p, id, year).await?;
    let r = crate::guard::check(&b, year, &form.file)?;
    let status = if r.blocked {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut nav = WebUser(p).nav(&state).await?;
    nav.year = year.get();
    Ok(html_status(
        status,
        &GuardPage {
            nav,
            practice: (&b.practice).into(),
            year: year.get(),
            r,
        },
    ))
}

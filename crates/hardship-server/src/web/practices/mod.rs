//! Practices and their rosters, the eligibility view of a practice-year (with the warnings that matter),
//! the score impact page with its chart, and evidence upload and download.

/// Clinicians: adding, editing, statuses, roster imports, and evidence upload and download.
mod clinicians;
/// "Fetch from CMS": the practice's clinicians asked of CMS's QPP Eligibility API.
mod cms;
/// A practice-year: the eligibility view, the profile, filed decisions, the score impact and the guard.
mod years;

pub use clinicians::*;
pub use cms::fetch_from_cms;
pub use years::*;

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status, see, text, ticked};
use crate::AppState;
use crate::dto::ScoreQuery;
use crate::dto::{
    self, ApplicationDto, ClinicianDto, ContactDto, DocumentDto, NewClinicianDto, NewPracticeDto,
    PracticeDto, PracticeUpdateDto,
};
use crate::error::ApiError;
use crate::extract::{parse_id, parse_year};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use hardship_app::assess::Assessment;
use hardship_app::impact::{self, ScoreImpact};
use hardship_app::years::DeadlineView;
use hardship_rules::{ClinicianType, PerformanceYear, SpecialStatus};
use hardship_store::*;
use serde::Deserialize;

fn practice_id(t: &str) -> Result<PracticeId, WebError> {
    Ok(parse_id("practice", t)?)
}

fn years() -> Vec<u16> {
    hardship_app::years::years_newest_first()
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
pub(super) struct PracticesPage {
    pub(super) nav: Nav,
    pub(super) practices: Vec<PracticeDto>,
    pub(super) archived: Vec<PracticeDto>,
}

pub async fn list(State(state): State<AppState>, user: WebUser) -> PageResult {
    let list = state
        .store_for(&user.0)
        .list_practices(user.0.tenant)
        .await?;
    let (archived, practices): (Vec<_>, Vec<_>) = list.iter().partition(|p| p.archived.is_some());
    Ok(html(&PracticesPage {
        nav: user.nav(&state).await?,
        practices: practices.into_iter().map(PracticeDto::from).collect(),
        archived: archived.into_iter().map(PracticeDto::from).collect(),
    }))
}

/// Archives a practice (with why) from its page.
pub async fn archive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<clinicians::ArchiveForm>,
) -> PageResult {
    set_archived(&state, p, &id, f, true).await
}

/// Restores an archived practice from its page.
pub async fn restore(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<clinicians::ArchiveForm>,
) -> PageResult {
    set_archived(&state, p, &id, f, false).await
}

async fn set_archived(
    state: &AppState,
    p: crate::principal::Principal,
    id: &str,
    f: clinicians::ArchiveForm,
    archive: bool,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(id)?;
    let why = archive.then(|| f.why.clone().unwrap_or_default());
    match state
        .store_for(&p)
        .archive_practice(p.tenant, &p.actor(), id, f.version, why)
        .await
    {
        Ok(_) => Ok(see(&format!("/practices/{id}"))),
        Err(e) => practice_error(state, p, id, e.into()).await,
    }
}

#[derive(Template)]
#[template(path = "practice_form.html")]
pub(super) struct PracticeFormPage {
    pub(super) nav: Nav,
    pub(super) error: Option<String>,
    /// None when creating.
    pub(super) id: Option<String>,
    pub(super) version: i64,
    pub(super) tin: String,
    pub(super) name: String,
    pub(super) address: String,
    pub(super) contact: ContactDto,
    pub(super) zip: String,
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
    pub(super) tin: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) address: String,
    #[serde(default)]
    pub(super) contact_name: String,
    #[serde(default)]
    pub(super) contact_email: String,
    #[serde(default)]
    pub(super) contact_phone: String,
    #[serde(default)]
    pub(super) zip: String,
    #[serde(default)]
    pub(super) version: i64,
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
            .store_for(&p)
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
        .store_for(&user.0)
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
    let current = state.store_for(&p).get_practice(p.tenant, id).await?;
    let dto = PracticeUpdateDto {
        version: f.version,
        name: f.name.clone(),
        address: f.address.clone(),
        contact: f.contact(),
        zip: Some(f.zip.clone()),
        // The form shows the TIN editable: a corrected one is recorded as a correction.
        tin: Some(f.tin.clone()),
    };
    let result = match dto.parse() {
        Ok((v, u)) => state
            .store_for(&p)
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
pub(super) struct PracticePage {
    pub(super) nav: Nav,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) import_errors: Vec<dto::ImportErrorDto>,
    pub(super) practice: PracticeDto,
    pub(super) clinicians: Vec<ClinicianDto>,
    pub(super) applications: Vec<ApplicationDto>,
    pub(super) documents: Vec<DocumentDto>,
    pub(super) years: Vec<u16>,
    pub(super) year: u16,
    pub(super) types: Vec<(&'static str, &'static str)>,
    pub(super) kinds: Vec<(&'static str, &'static str)>,
    /// After "Fetch from CMS": the NPIs it could not simply record, and why.
    pub(super) cms_notes: Vec<cms::CmsNote>,
}

#[derive(Deserialize, Default)]
pub struct NoticeParam {
    pub(super) notice: Option<String>,
    // What a roster import did (numbers only, so a link cannot put words on the page).
    pub(super) added: Option<u32>,
    pub(super) updated: Option<u32>,
    pub(super) unchanged: Option<u32>,
    pub(super) statuses: Option<u32>,
    pub(super) kept: Option<u32>,
    pub(super) years: Option<String>,
    pub(super) ignored: Option<u8>,
    pub(super) nppes: Option<u8>,
    // What a fetch from CMS did (numbers only, like the import's).
    pub(super) year: Option<u16>,
    pub(super) fetched: Option<u32>,
    pub(super) not_found: Option<u32>,
    pub(super) unmatched: Option<u32>,
    pub(super) failed: Option<u32>,
    pub(super) fresh: Option<u32>,
    pub(super) deferred: Option<u32>,
}

impl NoticeParam {
    fn text(&self) -> Option<String> {
        let n = |v: Option<u32>| v.unwrap_or(0);
        if self.notice.as_deref() == Some("cms_fetched") {
            let counts = cms::FetchCounts {
                year: self
                    .year
                    .filter(|y| (PerformanceYear::FIRST..=PerformanceYear::LAST).contains(y)),
                fetched: n(self.fetched),
                statuses: n(self.statuses),
                not_found: n(self.not_found),
                unmatched: n(self.unmatched),
                failed: n(self.failed),
                fresh: n(self.fresh),
                deferred: n(self.deferred),
            };
            return Some(counts.text());
        }
        if self.notice.as_deref() != Some("imported") {
            return notice_text(self.notice.as_deref());
        }
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

pub(super) fn notice_text(code: Option<&str>) -> Option<String> {
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

pub(super) struct PracticeExtras {
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) import_errors: Vec<dto::ImportErrorDto>,
}

pub(super) async fn practice_page(
    state: &AppState,
    user: WebUser,
    id: PracticeId,
    extras: PracticeExtras,
) -> Result<PracticePage, WebError> {
    let p = &user.0;
    let pr = state.store_for(p).get_practice(p.tenant, id).await?;
    let clinicians = state.store_for(p).list_clinicians(p.tenant, id).await?;
    let apps = state.store_for(p).list_applications(p.tenant, None).await?;
    let docs = state
        .store_for(p)
        .list_documents(p.tenant, Some(id))
        .await?;
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
        year: hardship_app::years::current_year(state.now()).get(),
        types: clinician_types(),
        kinds: hardship_app::evidence::DOCUMENT_KINDS.to_vec(),
        cms_notes: vec![],
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let id = practice_id(&id)?;
    let tenant = user.0.tenant;
    let mut page = practice_page(
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
    if q.notice.as_deref() == Some("cms_fetched") {
        page.cms_notes = cms::last_fetch_notes(&*state.store, tenant, id).await?;
    }
    Ok(html(&page))
}

pub(super) async fn practice_error(
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

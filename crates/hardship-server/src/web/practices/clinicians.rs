//! Clinicians of a practice: adding, editing, special statuses, roster imports, and evidence upload and
//! download.

use super::*;

#[derive(Deserialize)]
pub struct ClinicianForm {
    #[serde(default)]
    pub(super) npi: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) clinician_type: String,
    #[serde(default)]
    pub(super) version: i64,
    #[serde(default)]
    pub(super) joined_on: String,
    #[serde(default)]
    pub(super) left_on: String,
}

pub async fn add_clinician(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<ClinicianForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    state.store_for(&p).get_practice(p.tenant, id).await?;
    let dto = NewClinicianDto {
        npi: f.npi,
        name: f.name,
        clinician_type: f.clinician_type,
    };
    let result = match dto.parse() {
        Ok(new) => state
            .store_for(&p)
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
pub(super) struct ClinicianPage {
    pub(super) nav: Nav,
    pub(super) error: Option<String>,
    pub(super) practice: PracticeDto,
    pub(super) clinician: ClinicianDto,
    pub(super) types: Vec<(&'static str, &'static str)>,
    pub(super) year: u16,
    pub(super) years: Vec<u16>,
    /// (code, label, value if recorded, origin)
    pub(super) statuses: Vec<(String, String, Option<bool>, String)>,
}

pub(super) async fn clinician_of(
    state: &AppState,
    p: &crate::principal::Principal,
    practice: &str,
    clinician: &str,
) -> Result<(Practice, Clinician), WebError> {
    let practice = state
        .store_for(p)
        .get_practice(p.tenant, practice_id(practice)?)
        .await?;
    let id: ClinicianId = parse_id("clinician", clinician)?;
    let c = state.store_for(p).get_clinician(p.tenant, id).await?;
    if c.practice != practice.id {
        return Err(
            ApiError::NotFound(format!("clinician {id} not found in this practice")).into(),
        );
    }
    Ok((practice, c))
}

#[derive(Deserialize)]
pub struct ClinicianQuery {
    pub(super) year: Option<String>,
}

pub(super) async fn clinician_page_for(
    state: &AppState,
    user: WebUser,
    practice: Practice,
    c: Clinician,
    year: PerformanceYear,
    error: Option<String>,
) -> Result<ClinicianPage, WebError> {
    let recorded = state
        .store_for(&user.0)
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
        _ => hardship_app::years::current_year(state.now()),
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
    let update = || -> Result<ClinicianUpdate, ApiError> {
        Ok(ClinicianUpdate {
            name: f.name.clone(),
            clinician_type: dto::parse_clinician_type(&f.clinician_type)?,
            // The NPI field of the edit form corrects a typo; left as it was, it changes nothing.
            npi: match f.npi.trim() {
                "" => None,
                n => Some(dto::parse_npi(n)?).filter(|n| *n != c.npi),
            },
            joined_on: dto::parse_opt_date("joined_on", Some(f.joined_on.as_str()))?,
            left_on: dto::parse_opt_date("left_on", Some(f.left_on.as_str()))?,
        })
    };
    let result = match update() {
        Ok(u) => state
            .store_for(&p)
            .update_clinician(p.tenant, &p.actor(), c.id, f.version, u)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see(&format!("/practices/{}?notice=saved#roster", pr.id))),
        Err(e) => {
            let status = e.status();
            let year = hardship_app::years::current_year(state.now());
            let page =
                clinician_page_for(&state, WebUser(p), pr, c, year, Some(e.public_message()))
                    .await?;
            Ok(html_status(status, &page))
        }
    }
}

/// Archiving (with why) or restoring a record from its page.
#[derive(Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    pub(super) version: i64,
    #[serde(default)]
    pub(super) why: Option<String>,
}

/// Archives a clinician (`restore`: brings one back), then shows the clinician's page.
async fn archive_or_restore(
    state: &AppState,
    p: crate::principal::Principal,
    practice: &str,
    clinician: &str,
    f: ArchiveForm,
    archive: bool,
) -> PageResult {
    p.require_write()?;
    let (pr, c) = clinician_of(state, &p, practice, clinician).await?;
    let why = archive.then(|| f.why.clone().unwrap_or_default());
    match state
        .store_for(&p)
        .archive_clinician(p.tenant, &p.actor(), c.id, f.version, why)
        .await
    {
        Ok(_) => Ok(see(&format!(
            "/practices/{}/clinicians/{}/edit",
            pr.id, c.id
        ))),
        Err(e) => {
            let e = ApiError::from(e);
            let year = hardship_app::years::current_year(state.now());
            let page = clinician_page_for(state, WebUser(p), pr, c, year, Some(e.public_message()))
                .await?;
            Ok(html_status(e.status(), &page))
        }
    }
}

pub async fn archive_clinician(
    State(state): State<AppState>,
    Path((practice, clinician)): Path<(String, String)>,
    Form(p, f): Form<ArchiveForm>,
) -> PageResult {
    archive_or_restore(&state, p, &practice, &clinician, f, true).await
}

pub async fn restore_clinician(
    State(state): State<AppState>,
    Path((practice, clinician)): Path<(String, String)>,
    Form(p, f): Form<ArchiveForm>,
) -> PageResult {
    archive_or_restore(&state, p, &practice, &clinician, f, false).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub(super) year: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) value: String,
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
            .store_for(&p)
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
    /// The file's name as the browser sent it (for the audit log).
    pub name: String,
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
            let file_name = field.file_name().unwrap_or("").chars().take(200).collect();
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::PayloadTooLarge(format!(
                    "the file could not be read within the upload limit of {} bytes: {}",
                    state.settings.body_limit,
                    e.body_text()
                ))
            })?;
            return Ok(FileForm {
                fields,
                name: file_name,
                file: bytes.to_vec(),
            });
        }
        let v = field
            .text()
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        // A previewed file comes back in the confirming form as base64 instead of a second upload.
        if name == "file_b64" && csrf_ok {
            use base64::Engine;
            let file = base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .map_err(|_| ApiError::BadRequest("invalid file_b64: not base64".into()))?;
            return Ok(FileForm {
                name: fields.get("file_name").cloned().unwrap_or_default(),
                fields,
                file,
            });
        }
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
    let q = crate::dto::ImportQuery {
        year: form.fields.get("year").cloned(),
        organization: form.fields.get("organization").cloned(),
        retrieved_on: form.fields.get("retrieved_on").cloned(),
        keep_good_rows: form.fields.get("keep_good_rows").cloned(),
    };
    let rows = match hardship_app::imports::import_file(&state, &p, id, &form.file, q.parse()?)
        .await
    {
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
        Err(hardship_app::imports::ImportFailure::Other(e)) => {
            return practice_error(&state, p, id, e.into()).await;
        }
        Err(hardship_app::imports::ImportFailure::Rows(rows)) => rows,
    };
    let extras = PracticeExtras {
        notice: None,
        error: Some(format!(
            "The file was not imported: {} problem(s) found, nothing was written.",
            rows.len()
        )),
        import_errors: hardship_app::imports::problems(rows),
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
    let (doc, body) = hardship_app::evidence::open_document(&state, &user.0, id).await?;
    Ok(crate::upload::download_response(&doc, body))
}

/// A document's correction, from the evidence list.
#[derive(Deserialize)]
pub struct DocumentEditForm {
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) note: String,
    #[serde(default)]
    pub(super) superseded_by: String,
}

/// Corrects what a document is, then goes back to where it is listed (its application, else its
/// practice's evidence).
pub async fn edit_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<DocumentEditForm>,
) -> PageResult {
    p.require_write()?;
    let id: DocumentId = parse_id("document", &id)?;
    let superseded_by = match f.superseded_by.trim() {
        "" => None,
        t => Some(parse_id::<DocumentId>("superseded_by", t)?),
    };
    let edit = DocumentEdit {
        kind: f.kind,
        note: f.note,
        superseded_by,
    };
    let doc = state.store_for(&p).get_document(p.tenant, id).await?;
    match state
        .store_for(&p)
        .edit_document(p.tenant, &p.actor(), id, edit)
        .await
    {
        Ok(d) => Ok(see(&match d.application {
            Some(a) => format!("/applications/{a}#document-{id}"),
            None => format!("/practices/{}?notice=saved#document-{id}", d.practice),
        })),
        Err(e) => practice_error(&state, p, doc.practice, e.into()).await,
    }
}

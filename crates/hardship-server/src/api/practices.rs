//! Practices, their rosters, special statuses and imports.

use super::prelude::*;

/// The organization's practices (archived ones only when asked).
#[utoipa::path(get, path = "/api/v1/practices", tag = "practices", params(PracticesQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<PracticeDto>), (status = 401, body = ErrorBody)))]
pub(super) async fn list_practices(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<PracticesQuery>,
) -> ApiResult<Json<Vec<PracticeDto>>> {
    let archived = q.archived()?;
    let list = state.store_for(&p).list_practices(p.tenant).await?;
    Ok(Json(
        list.iter()
            .filter(|pr| archived || pr.archived.is_none())
            .map(PracticeDto::from)
            .collect(),
    ))
}

/// Archives a practice, saying why: it leaves the lists, the dashboard and the portfolio; its records
/// and their history stay, and it can be restored.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/archive", tag = "practices", request_body = ArchiveInput,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn archive_practice(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ArchiveInput>,
) -> ApiResult<Json<PracticeDto>> {
    p.require_write()?;
    let why = Some(body.why.unwrap_or_default());
    let pr = state
        .store_for(&p)
        .archive_practice(p.tenant, &p.actor(), practice_id(&id)?, body.version, why)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// Restores an archived practice (its TIN must still be free).
#[utoipa::path(post, path = "/api/v1/practices/{practice}/restore", tag = "practices", request_body = ArchiveInput,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn restore_practice(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ArchiveInput>,
) -> ApiResult<Json<PracticeDto>> {
    p.require_write()?;
    let pr = state
        .store_for(&p)
        .archive_practice(p.tenant, &p.actor(), practice_id(&id)?, body.version, None)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// Adds a practice (one TIN).
#[utoipa::path(post, path = "/api/v1/practices", tag = "practices", request_body = NewPracticeDto,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = PracticeDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_practice(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(body): ApiJson<NewPracticeDto>,
) -> ApiResult<Response> {
    p.require_write()?;
    let new = body.parse()?;
    let pr = state
        .store_for(&p)
        .create_practice(p.tenant, &p.actor(), new)
        .await?;
    Ok(created(PracticeDto::from(&pr)))
}

/// One practice.
#[utoipa::path(get, path = "/api/v1/practices/{practice}", tag = "practices",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody)))]
pub(super) async fn get_practice(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PracticeDto>> {
    let pr = state
        .store_for(&p)
        .get_practice(p.tenant, practice_id(&id)?)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// Edits a practice's name, address, contact and ZIP; a corrected TIN is recorded as a correction (one
/// another practice of the organization has is refused).
#[utoipa::path(put, path = "/api/v1/practices/{practice}", tag = "practices", request_body = PracticeUpdateDto,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_practice(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PracticeUpdateDto>,
) -> ApiResult<Json<PracticeDto>> {
    p.require_write()?;
    let id = practice_id(&id)?;
    let (version, update) = body.parse()?;
    let pr = state
        .store_for(&p)
        .update_practice(p.tenant, &p.actor(), id, version, update)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// A practice's roster.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/clinicians", tag = "practices",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ClinicianDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_clinicians(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ClinicianDto>>> {
    let list = state
        .store_for(&p)
        .list_clinicians(p.tenant, practice_id(&id)?)
        .await?;
    Ok(Json(list.iter().map(ClinicianDto::from).collect()))
}

/// Adds a clinician to a practice's roster.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians", tag = "practices", request_body = NewClinicianDto,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ClinicianDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn add_clinician(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewClinicianDto>,
) -> ApiResult<Response> {
    p.require_write()?;
    let id = practice_id(&id)?;
    let c = state
        .store_for(&p)
        .add_clinician(p.tenant, &p.actor(), id, body.parse()?)
        .await?;
    Ok(created(ClinicianDto::from(&c)))
}

pub(super) async fn clinician_in(
    state: &AppState,
    p: &Principal,
    practice: &str,
    clinician: &str,
) -> ApiResult<Clinician> {
    let practice = practice_id(practice)?;
    let id: ClinicianId = parse_id("clinician", clinician)?;
    let c = state.store_for(p).get_clinician(p.tenant, id).await?;
    if c.practice != practice {
        return Err(ApiError::NotFound(format!(
            "clinician {id} not found in practice {practice}"
        )));
    }
    Ok(c)
}

/// Edits a clinician: name, type, the dates they joined and left; a corrected NPI is recorded as a
/// correction (one another clinician of the practice has is refused).
#[utoipa::path(put, path = "/api/v1/practices/{practice}/clinicians/{clinician}", tag = "practices",
    request_body = ClinicianUpdateDto,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ClinicianDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_clinician(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, clinician)): Path<(String, String)>,
    ApiJson(body): ApiJson<ClinicianUpdateDto>,
) -> ApiResult<Json<ClinicianDto>> {
    p.require_write()?;
    let c = clinician_in(&state, &p, &practice, &clinician).await?;
    let (version, update) = body.parse()?;
    let c = state
        .store_for(&p)
        .update_clinician(p.tenant, &p.actor(), c.id, version, update)
        .await?;
    Ok(Json(ClinicianDto::from(&c)))
}

/// Archives a clinician entered by mistake (with why): on no year's roster, history kept. A clinician
/// who left is not archived: give the date they left.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians/{clinician}/archive", tag = "practices",
    request_body = ArchiveInput,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ClinicianDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn archive_clinician(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, clinician)): Path<(String, String)>,
    ApiJson(body): ApiJson<ArchiveInput>,
) -> ApiResult<Json<ClinicianDto>> {
    p.require_write()?;
    let c = clinician_in(&state, &p, &practice, &clinician).await?;
    let why = Some(body.why.unwrap_or_default());
    let c = state
        .store_for(&p)
        .archive_clinician(p.tenant, &p.actor(), c.id, body.version, why)
        .await?;
    Ok(Json(ClinicianDto::from(&c)))
}

/// Restores an archived clinician.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians/{clinician}/restore", tag = "practices",
    request_body = ArchiveInput,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ClinicianDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn restore_clinician(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, clinician)): Path<(String, String)>,
    ApiJson(body): ApiJson<ArchiveInput>,
) -> ApiResult<Json<ClinicianDto>> {
    p.require_write()?;
    let c = clinician_in(&state, &p, &practice, &clinician).await?;
    let c = state
        .store_for(&p)
        .archive_clinician(p.tenant, &p.actor(), c.id, body.version, None)
        .await?;
    Ok(Json(ClinicianDto::from(&c)))
}

/// Records a special status by hand (CMS eligibility data on file outranks it and is kept: 422).
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians/{clinician}/statuses", tag = "practices",
    request_body = StatusInput,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "Recorded"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_clinician_status(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, clinician)): Path<(String, String)>,
    ApiJson(body): ApiJson<StatusInput>,
) -> ApiResult<StatusCode> {
    p.require_write()?;
    let c = clinician_in(&state, &p, &practice, &clinician).await?;
    let status = ClinicianStatus {
        clinician: c.id,
        year: PerformanceYear::new(body.year)?,
        status: parse_status(&body.status)?,
        value: body.value,
        origin: StatusOrigin::Manual,
        recorded_at: state.now(),
    };
    state
        .store_for(&p)
        .set_status(p.tenant, &p.actor(), status)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a file into the practice, all or nothing, recognising its format: a roster CSV in the batch
/// contract's columns (`npi` and `clinician_type` required, `name` optional), a roster in the NPPES file's
/// layout (types from primary taxonomy codes), or the QPP Eligibility API's JSON for one NPI (statuses
/// recorded as CMS data). Bad rows are listed with line, column (or JSON path) and value.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/imports", tag = "practices",
    request_body(content = String, content_type = "text/csv", description = "The file: CSV (batch contract or NPPES layout) or JSON (QPP eligibility)"),
    params(("practice" = String, Path, description = "Practice id"), ImportQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::imports::ImportResult), (status = 422, description = "Bad rows; nothing was written", body = Vec<ImportErrorDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn import_file(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let id = practice_id(&id)?;
    let opts = q.parse()?;
    match hardship_app::imports::import_file(&state, &p, id, &body, opts).await {
        Ok(r) => Ok(Json(r).into_response()),
        Err(hardship_app::imports::ImportFailure::Other(e)) => Err(e.into()),
        Err(hardship_app::imports::ImportFailure::Rows(rows)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(hardship_app::imports::problems(rows)),
        )
            .into_response()),
    }
}

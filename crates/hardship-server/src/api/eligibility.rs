//! A practice-year: its profile, the eligibility decision, screening for reasons, the score impact, and
//! the decisions filed with submissions.

use super::prelude::*;

/// How the practice reports in a year (level, PI submitted, size, CEHRT, score estimates).
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/profile", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_profile(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Json<ProfileDto>> {
    let py = state
        .store_for(&p)
        .get_practice_year(p.tenant, practice_id(&practice)?, parse_year(&year)?)
        .await?;
    Ok(Json(ProfileDto::from(&py)))
}

/// Saves the practice's profile for a year.
#[utoipa::path(put, path = "/api/v1/practices/{practice}/years/{year}/profile", tag = "eligibility",
    request_body = ProfileUpdateDto,
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_profile(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<ProfileUpdateDto>,
) -> ApiResult<Json<ProfileDto>> {
    p.require_write()?;
    let (version, input) = body.parse()?;
    let py = hardship_app::practice_years::set_profile(
        &state,
        &p,
        practice_id(&practice)?,
        parse_year(&year)?,
        version,
        input,
    )
    .await?;
    Ok(Json(ProfileDto::from(&py)))
}

/// Who is reweighted in the practice-year, on what basis (with the rules' explanation and sources), the
/// warnings that matter and what is missing.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/eligibility", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::assess::Assessment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn eligibility(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let b = hardship_app::practice_years::practice_year(
        &state,
        &p,
        practice_id(&practice)?,
        parse_year(&year)?,
    )
    .await?;
    // The assessment is serialized once per tenant revision; requests in between send the same bytes.
    Ok(([(header::CONTENT_TYPE, "application/json")], b.json.clone()).into_response())
}

/// Which hardship reasons the practice may cite this year from its answers, which not and why.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/years/{year}/screening", tag = "eligibility",
    request_body = FactsDto,
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ScreeningDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn screening(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<FactsDto>,
) -> ApiResult<Json<ScreeningDto>> {
    let facts = body.parse()?;
    let s = hardship_app::applications::screen_practice(
        &state,
        &p,
        practice_id(&practice)?,
        parse_year(&year)?,
        &facts,
    )
    .await?;
    Ok(Json(s))
}

/// Final score and adjustment with PI reweighted versus reported, across PI scores, and the break-even.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/score-impact", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year"), ScoreQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::impact::ScoreImpact), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn score_impact(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ScoreQuery>,
) -> ApiResult<Json<hardship_app::impact::ScoreImpact>> {
    let (_, i) = hardship_app::applications::score_impact(
        &state,
        &p,
        practice_id(&practice)?,
        parse_year(&year)?,
        q.parse()?,
    )
    .await?;
    Ok(Json(i))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DecisionDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: DecisionId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub clinician: Option<ClinicianId>,
    pub year: u16,
    pub rule_set_version: String,
    pub reweighted: bool,
    pub basis: String,
    pub explanation: serde_json::Value,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

/// The eligibility decisions filed for a practice (each with the rule-set version that produced it).
#[utoipa::path(get, path = "/api/v1/practices/{practice}/decisions", tag = "audit",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<DecisionDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_decisions(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(practice): Path<String>,
) -> ApiResult<Json<Vec<DecisionDto>>> {
    let id = practice_id(&practice)?;
    state.store_for(&p).get_practice(p.tenant, id).await?;
    let list = state.store_for(&p).list_decisions(p.tenant, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DecisionDto {
                id: d.id,
                clinician: d.clinician,
                year: d.year.get(),
                rule_set_version: d.rule_set_version,
                reweighted: d.reweighted,
                basis: d.basis,
                explanation: d.explanation,
                decided_at: d.decided_at,
            })
            .collect(),
    ))
}

/// Asks CMS's QPP Eligibility API (`GET /api/eligibility/npi/{npi}?year=`, one NPI per request, paced,
/// retried on 429 with its Retry-After, 5xx and dropped connections) about every clinician of the
/// practice for a year, and records what it says: the hospital-based, non-patient-facing and ASC-based
/// statuses as CMS eligibility data (they outrank imported and hand-entered values) and every status of
/// the answer with its URL, API version and retrieval time. CMS masks TINs: the practice is found among
/// a clinician's organizations by name, or as the only one; when that is ambiguous nothing is recorded
/// for the NPI (`unmatched`). A 400 or 404 is recorded as "not known to CMS" (`not_found`). Clinicians
/// answered in the last 24 hours are skipped unless `refresh`. A run stops starting requests after about
/// 20 seconds; what is left is `deferred` (call again).
#[utoipa::path(post, path = "/api/v1/practices/{practice}/eligibility/fetch", tag = "eligibility",
    request_body = FetchInput,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::eligibility_fetch::FetchSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn fetch_from_cms(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(practice): Path<String>,
    ApiJson(body): ApiJson<FetchInput>,
) -> ApiResult<Json<hardship_app::eligibility_fetch::FetchSummary>> {
    p.require_write()?;
    let req = hardship_app::eligibility_fetch::FetchRequest {
        scope: hardship_app::eligibility_fetch::Scope::Practice(practice_id(&practice)?),
        year: PerformanceYear::new(body.year)?,
        refresh: body.refresh,
    };
    let summary = hardship_app::eligibility_fetch::fetch_from_cms(
        &state,
        &p,
        req,
        &state.settings.qpp,
        &hardship_app::eligibility_fetch::Quiet,
    )
    .await?;
    Ok(Json(summary))
}

//! Targeted-review cases (42 CFR 414.1385): the list, one opened by hand, its request edited, sent and
//! decided, its packet; the reasons and window of a year; and data validation and audit requests with
//! their checklist. Every change is the organization's (owners and staff); a client reads its
//! practices' cases.

use super::prelude::*;
use hardship_app::review::{
    self, ChangeInput, DvaChangeInput, DvaOpenInput, DvaView, OpenInput, ReasonView, ReviewView,
    WindowView, packet::ReviewPacket,
};
use uuid::Uuid;

fn review_id(text: &str) -> ApiResult<Uuid> {
    parse_id("targeted review", text)
}

fn dva_id(text: &str) -> ApiResult<Uuid> {
    parse_id("data validation and audit request", text)
}

fn optional_year(text: Option<&str>) -> ApiResult<Option<PerformanceYear>> {
    match text {
        Some(y) if !y.is_empty() => Ok(Some(parse_year(y)?)),
        _ => Ok(None),
    }
}

/// The targeted-review cases of a year (all years without `year`), oldest first, each with the year's
/// window at this instant.
#[utoipa::path(get, path = "/api/v1/targeted-reviews", tag = "eligibility",
    params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ReviewView>), (status = 400, body = ErrorBody)))]
pub(super) async fn targeted_reviews(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<ReviewView>>> {
    let year = optional_year(q.year.as_deref())?;
    Ok(Json(review::list(&state, &p, year).await?))
}

/// Opens a case by hand for a practice's TIN (or one NPI under it) and year; one per subject and year
/// (409 naming the subject when it has one).
#[utoipa::path(post, path = "/api/v1/targeted-reviews", tag = "eligibility", request_body = OpenInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ReviewView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn open_targeted_review(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(body): ApiJson<OpenInput>,
) -> ApiResult<Response> {
    Ok(created(review::open(&state, &p, body).await?))
}

/// The reasons CMS lists for targeted review in a year, and the year's window now.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct ReasonsDto {
    reasons: Vec<ReasonView>,
    window: WindowView,
}

/// The year's targeted-review reasons (with sources) and window (UNCONFIRMED when no source states it).
#[utoipa::path(get, path = "/api/v1/targeted-reviews/reasons", tag = "eligibility",
    params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReasonsDto), (status = 400, body = ErrorBody)))]
pub(super) async fn review_reasons(
    State(state): State<AppState>,
    ApiCaller(_p): ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<ReasonsDto>> {
    let year = year_or_current(&state, q.year.as_deref())?;
    Ok(Json(ReasonsDto {
        reasons: review::reasons_of(year)?,
        window: review::window_view(year, state.now())?,
    }))
}

/// One case.
#[utoipa::path(get, path = "/api/v1/targeted-reviews/{review}", tag = "eligibility",
    params(("review" = String, Path, description = "Case id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReviewView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_targeted_review(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(review::get(&state, &p, review_id(&id)?).await?))
}

/// Edits the request of a draft (`action: edit`), records it sent (`submit`: the day and CMS's
/// reference; refused with 409 naming the close after a confirmed window, allowed with
/// `submit_warning` after an UNCONFIRMED one) or CMS's decision (`decide`: approved, denied or closed;
/// final). A step the state refuses is 409 naming the state; a stale `version` is 409.
#[utoipa::path(post, path = "/api/v1/targeted-reviews/{review}/transition", tag = "eligibility",
    request_body = ChangeInput,
    params(("review" = String, Path, description = "Case id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReviewView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn transition_targeted_review(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeInput>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(
        review::change(&state, &p, review_id(&id)?, body).await?,
    ))
}

/// The case's packet: the request and every piece of evidence with its SHA-256.
#[utoipa::path(get, path = "/api/v1/targeted-reviews/{review}/packet", tag = "eligibility",
    params(("review" = String, Path, description = "Case id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ReviewPacket), (status = 404, body = ErrorBody)))]
pub(super) async fn targeted_review_packet(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewPacket>> {
    Ok(Json(
        review::packet::packet(&state, &p, review_id(&id)?).await?,
    ))
}

/// The case's packet as a PDF.
#[utoipa::path(get, path = "/api/v1/targeted-reviews/{review}/packet.pdf", tag = "eligibility",
    params(("review" = String, Path, description = "Case id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "A PDF", content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub(super) async fn targeted_review_packet_pdf(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let pk = review::packet::packet(&state, &p, review_id(&id)?).await?;
    Ok(pdf_response(
        &review::packet::packet_pdf(&pk),
        &format!("targeted-review-{}-{}.pdf", pk.review.tin, pk.review.year),
    ))
}

/// Data validation and audit requests of a year (all without `year`), with their 45-day clock.
#[utoipa::path(get, path = "/api/v1/dva-requests", tag = "audit",
    params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<DvaView>), (status = 400, body = ErrorBody)))]
pub(super) async fn dva_requests(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<DvaView>>> {
    let year = optional_year(q.year.as_deref())?;
    Ok(Json(review::dva_list(&state, &p, year).await?))
}

/// Records CMS's data validation and audit notice for a practice-year (one per practice and year): the
/// data are due 45 days after the notice (42 CFR 414.1390(a)(1)).
#[utoipa::path(post, path = "/api/v1/dva-requests", tag = "audit", request_body = DvaOpenInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = DvaView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn open_dva_request(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(body): ApiJson<DvaOpenInput>,
) -> ApiResult<Response> {
    Ok(created(review::dva_open(&state, &p, body).await?))
}

/// One DVA request.
#[utoipa::path(get, path = "/api/v1/dva-requests/{dva}", tag = "audit",
    params(("dva" = String, Path, description = "DVA request id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DvaView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_dva_request(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<DvaView>> {
    Ok(Json(review::dva_get(&state, &p, dva_id(&id)?).await?))
}

/// Adds an item the auditor asked for (`text`) or checks item `n` off (`done`, default true).
#[utoipa::path(post, path = "/api/v1/dva-requests/{dva}/checklist", tag = "audit",
    request_body = DvaChangeInput,
    params(("dva" = String, Path, description = "DVA request id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DvaView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn change_dva_checklist(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DvaChangeInput>,
) -> ApiResult<Json<DvaView>> {
    Ok(Json(
        review::dva_change(&state, &p, dva_id(&id)?, body).await?,
    ))
}

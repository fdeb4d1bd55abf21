//! The JSON API under `/api/v1`: every route documented with `utoipa` and collected into the router and
//! the OpenAPI document by the same `routes!` calls, so the document cannot miss a route.
//!
//! Authentication: `Authorization: Bearer <token>` (API tokens are tenant-scoped, with a role), or the
//! browser's session cookie plus `X-CSRF-Token` on unsafe methods. Ids of another tenant are 404, an
//! auditor's write is 403, bad input is 400/422 naming the field and value, a stale version is 409.

use crate::dto::*;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, parse_id, parse_year};
use crate::principal::Principal;
use crate::service::{self, DeadlineView};
use crate::{AppState, assess, impact, upload};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hardship API",
        description = "MIPS Promoting Interoperability hardship exception: eligibility, applications, evidence, audit. Every rule the answers use names its rule-book source; rules marked UNCONFIRMED are listed as such.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "practices", description = "Practices and their clinician rosters"),
        (name = "eligibility", description = "Who is reweighted, why, and what it does to the score"),
        (name = "applications", description = "Hardship applications from draft to CMS's answer"),
        (name = "evidence", description = "The evidence vault"),
        (name = "audit", description = "The append-only audit trail"),
        (name = "organization", description = "The caller, members, invitations and API tokens")
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::security::SESSION_COOKIE_SECURE,
                "The browser session; unsafe methods also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// The API's router and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .routes(routes!(me))
        .routes(routes!(dashboard))
        .routes(routes!(deadlines))
        .routes(routes!(calendar))
        .routes(routes!(list_practices, create_practice))
        .routes(routes!(get_practice, update_practice))
        .routes(routes!(list_clinicians, add_clinician))
        .routes(routes!(update_clinician))
        .routes(routes!(set_clinician_status))
        .routes(routes!(import_file))
        .routes(routes!(get_profile, set_profile))
        .routes(routes!(eligibility))
        .routes(routes!(screening))
        .routes(routes!(score_impact))
        .routes(routes!(list_decisions))
        .routes(routes!(submission_check))
        .routes(routes!(binder_pdf))
        .routes(routes!(portfolio_export))
        .routes(routes!(list_applications, create_application))
        .routes(routes!(get_application, update_application))
        .routes(routes!(transition_application))
        .routes(routes!(application_audit))
        .routes(routes!(application_packet))
        .routes(routes!(application_packet_pdf))
        .routes(routes!(list_documents, upload_document))
        .routes(routes!(get_document))
        .routes(routes!(document_content))
        .routes(routes!(audit_trail))
        .routes(routes!(audit_verify))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_members))
        .routes(routes!(list_invites, create_invite))
        .split_for_parts();
    let mut doc = doc;
    document_errors(&mut doc);
    (router, doc)
}

/// Declares on every operation the error answers its kind of route can give, beside those its own
/// annotation names: 401/403 where credentials are needed, 400 for bad parameters or bodies, 404 for ids,
/// 413/415 for bodies, 409/422 for writes. All of them carry an [`ErrorBody`].
fn document_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [
            (false, &mut item.get),
            (true, &mut item.put),
            (true, &mut item.post),
            (true, &mut item.delete),
        ];
        for (write, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_params = !params.is_empty();
            let ids = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path) || p.name == "practice");
            let body = op.request_body.as_ref();
            let json = body.is_some_and(|b| b.content.contains_key("application/json"));
            let mut codes: Vec<(&str, &str)> = Vec::new();
            if secured {
                codes.push(("401", "No credentials, or an unknown or revoked API token"));
                codes.push(("403", "The caller's role may not do this (auditors change nothing; tokens and invitations are for owners), or a session's CSRF token is missing"));
            }
            if has_params || body.is_some() {
                codes.push((
                    "400",
                    "Bad input: the message names the field and the value",
                ));
            }
            if ids {
                codes.push(("404", "No such record in the caller's organization (another organization's ids are not found either)"));
            }
            if body.is_some() {
                codes.push(("413", "The body is larger than the upload limit"));
            }
            if json {
                codes.push((
                    "415",
                    "The body is not JSON (Content-Type: application/json)",
                ));
            }
            if write && secured {
                codes.push((
                    "409",
                    "A stale version, a duplicate, or a step the record's state does not allow",
                ));
                codes.push((
                    "422",
                    "Well-formed values that are not acceptable; the message names them",
                ));
            }
            for (code, what) in codes {
                op.responses
                    .responses
                    .entry(code.to_owned())
                    .or_insert_with(|| error(what));
            }
        }
    }
}

fn practice_id(text: &str) -> ApiResult<PracticeId> {
    parse_id("practice", text)
}

fn created<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

// ---- basics ---------------------------------------------------------------------------------------------

/// Liveness and the database's reachability.
#[utoipa::path(get, path = "/api/v1/health", tag = "organization",
    responses((status = 200, description = "The service and its database answer", body = Object)))]
async fn health(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    // A real read, so a load balancer's check fails when the database does; nothing about the data is
    // revealed to the anonymous caller.
    state.store.list_tenants().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "organization",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi_document(),
    )
        .into_response()
}

/// The caller and the organizations it belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "organization", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, p: Principal) -> ApiResult<Json<MeDto>> {
    let mut orgs = Vec::new();
    for (t, role) in &p.tenants {
        let o = state.store.get_organization(*t).await?;
        orgs.push(OrganizationDto {
            id: o.id,
            name: o.name,
            kind: o.kind.code().to_owned(),
            role: role.code().to_owned(),
        });
    }
    let current = orgs
        .iter()
        .find(|o| o.id == p.tenant)
        .cloned()
        .ok_or_else(|| ApiError::Internal("current organization missing".into()))?;
    Ok(Json(MeDto {
        label: p.label.clone(),
        organization: current,
        organizations: orgs,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Performance year (default: the year whose application window closes next).
    pub year: Option<String>,
}

fn year_or_current(state: &AppState, y: Option<&str>) -> ApiResult<PerformanceYear> {
    match y {
        Some(t) if !t.trim().is_empty() => parse_year(t),
        _ => Ok(service::current_year(state.now())),
    }
}

/// The portfolio for a performance year: per practice who is reweighted, who needs an application,
/// applications by state, what is missing, and the days left to the deadline.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "eligibility", params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = service::Dashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<service::Dashboard>> {
    let year = year_or_current(&state, q.year.as_deref())?;
    let (pf, deadline) = service::dashboard(&state, &p, year).await?;
    Ok(Json(service::Dashboard {
        year: year.get(),
        organization: pf.organization.name.clone(),
        deadline,
        totals: pf.totals.clone(),
        practices: pf.rows.clone(),
    }))
}

/// The application window of every performance year, with the time left.
#[utoipa::path(get, path = "/api/v1/deadlines", tag = "applications",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<DeadlineView>), (status = 401, body = ErrorBody)))]
async fn deadlines(
    State(state): State<AppState>,
    _p: Principal,
) -> ApiResult<Json<Vec<DeadlineView>>> {
    let now = state.now();
    let mut out = Vec::new();
    for y in PerformanceYear::all() {
        out.push(service::deadline_view(y, now)?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// A calendar link's secret (a token of scope `calendar`), for calendar apps that cannot send
    /// headers. API tokens are refused here: a URL is kept by calendar apps on their servers.
    pub token: Option<String>,
}

/// The organization's deadline calendar (iCalendar): each open year's deadline, with alarms and the
/// practices that still need an application.
#[utoipa::path(get, path = "/api/v1/calendar.ics", tag = "applications", params(CalendarQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Response> {
    let p = match q.token.as_deref() {
        Some(t) => crate::principal::from_token(&state, t, TokenScope::Calendar).await?,
        None => {
            let token = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthenticated)?;
            match crate::principal::from_api_token(&state, token.trim()).await {
                // A calendar link's secret in the header is fine too.
                Err(ApiError::Forbidden(_)) => {
                    crate::principal::from_token(&state, token.trim(), TokenScope::Calendar).await?
                }
                other => other?,
            }
        }
    };
    let body = calendar_feed(&state, &p).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// The feed's text (also served to signed-in users by the pages).
pub async fn calendar_feed(state: &AppState, p: &Principal) -> ApiResult<String> {
    let now = state.now();
    let org = state.store.get_organization(p.tenant).await?;
    let mut events = Vec::new();
    for y in PerformanceYear::all() {
        let d = service::deadline_view(y, now)?;
        // A closed window is history; one CMS has not announced has no date to put in a calendar.
        let Some(closes) = d.closes.filter(|_| d.state != "closed") else {
            continue;
        };
        let pf = service::portfolio(state, p, y).await?;
        events.push(crate::ical::DeadlineEvent {
            year: y.get(),
            closes,
            unconfirmed: !d.confirmed,
            sources: d.sources,
            practices_to_file: pf
                .rows
                .iter()
                .filter(|r| r.needs_application > 0)
                .map(|r| (r.name.clone(), r.tin.clone()))
                .collect(),
        });
    }
    Ok(crate::ical::calendar(
        &p.tenant.to_string(),
        &org.name,
        &events,
        now,
    ))
}

// ---- practices and rosters ------------------------------------------------------------------------------

/// The organization's practices.
#[utoipa::path(get, path = "/api/v1/practices", tag = "practices", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<PracticeDto>), (status = 401, body = ErrorBody)))]
async fn list_practices(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<PracticeDto>>> {
    let list = state.store.list_practices(p.tenant).await?;
    Ok(Json(list.iter().map(PracticeDto::from).collect()))
}

/// Adds a practice (one TIN).
#[utoipa::path(post, path = "/api/v1/practices", tag = "practices", request_body = NewPracticeDto,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = PracticeDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_practice(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewPracticeDto>,
) -> ApiResult<Response> {
    p.require_write()?;
    let new = body.parse()?;
    let pr = state
        .store
        .create_practice(p.tenant, &p.actor(), new)
        .await?;
    Ok(created(PracticeDto::from(&pr)))
}

/// One practice.
#[utoipa::path(get, path = "/api/v1/practices/{practice}", tag = "practices",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody)))]
async fn get_practice(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<PracticeDto>> {
    let pr = state
        .store
        .get_practice(p.tenant, practice_id(&id)?)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// Edits a practice's name, address and contact (the TIN identifies it and does not change).
#[utoipa::path(put, path = "/api/v1/practices/{practice}", tag = "practices", request_body = PracticeUpdateDto,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = PracticeDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_practice(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PracticeUpdateDto>,
) -> ApiResult<Json<PracticeDto>> {
    p.require_write()?;
    let id = practice_id(&id)?;
    let (version, update) = body.parse()?;
    let pr = state
        .store
        .update_practice(p.tenant, &p.actor(), id, version, update)
        .await?;
    Ok(Json(PracticeDto::from(&pr)))
}

/// A practice's roster.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/clinicians", tag = "practices",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ClinicianDto>), (status = 404, body = ErrorBody)))]
async fn list_clinicians(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ClinicianDto>>> {
    let list = state
        .store
        .list_clinicians(p.tenant, practice_id(&id)?)
        .await?;
    Ok(Json(list.iter().map(ClinicianDto::from).collect()))
}

/// Adds a clinician to a practice's roster.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians", tag = "practices", request_body = NewClinicianDto,
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ClinicianDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_clinician(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewClinicianDto>,
) -> ApiResult<Response> {
    p.require_write()?;
    let id = practice_id(&id)?;
    let c = state
        .store
        .add_clinician(p.tenant, &p.actor(), id, body.parse()?)
        .await?;
    Ok(created(ClinicianDto::from(&c)))
}

async fn clinician_in(
    state: &AppState,
    p: &Principal,
    practice: &str,
    clinician: &str,
) -> ApiResult<Clinician> {
    let practice = practice_id(practice)?;
    let id: ClinicianId = parse_id("clinician", clinician)?;
    let c = state.store.get_clinician(p.tenant, id).await?;
    if c.practice != practice {
        return Err(ApiError::NotFound(format!(
            "clinician {id} not found in practice {practice}"
        )));
    }
    Ok(c)
}

/// Edits a clinician's name and type (the NPI identifies the clinician and does not change).
#[utoipa::path(put, path = "/api/v1/practices/{practice}/clinicians/{clinician}", tag = "practices",
    request_body = ClinicianUpdateDto,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ClinicianDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_clinician(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, clinician)): Path<(String, String)>,
    ApiJson(body): ApiJson<ClinicianUpdateDto>,
) -> ApiResult<Json<ClinicianDto>> {
    p.require_write()?;
    let c = clinician_in(&state, &p, &practice, &clinician).await?;
    let (version, update) = body.parse()?;
    let c = state
        .store
        .update_clinician(p.tenant, &p.actor(), c.id, version, update)
        .await?;
    Ok(Json(ClinicianDto::from(&c)))
}

/// Records a special status by hand (CMS eligibility data on file outranks it and is kept: 422).
#[utoipa::path(post, path = "/api/v1/practices/{practice}/clinicians/{clinician}/statuses", tag = "practices",
    request_body = StatusInput,
    params(("practice" = String, Path, description = "Practice id"), ("clinician" = String, Path, description = "Clinician id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "Recorded"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_clinician_status(
    State(state): State<AppState>,
    p: Principal,
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
    state.store.set_status(p.tenant, &p.actor(), status).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The performance year of an eligibility file (it does not say).
    pub year: Option<String>,
    /// Which `organizations[]` entry of an eligibility file is this practice (numbered from 0).
    pub organization: Option<String>,
    /// When the eligibility data was retrieved from CMS (YYYY-MM-DD; default today).
    pub retrieved_on: Option<String>,
    /// `true`: import the good rows of a CSV and list the bad ones instead of refusing the file.
    pub keep_good_rows: Option<String>,
}

impl ImportQuery {
    pub fn parse(&self) -> ApiResult<crate::imports::ImportOptions> {
        Ok(crate::imports::ImportOptions {
            year: match self.year.as_deref() {
                Some(y) if !y.trim().is_empty() => Some(parse_year(y)?),
                _ => None,
            },
            organization: match self.organization.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(t) => Some(t.parse().map_err(|_| {
                    ApiError::BadRequest(format!("invalid organization {t:?}: a number from 0"))
                })?),
            },
            retrieved_on: parse_opt_date("retrieved_on", self.retrieved_on.as_deref())?,
            keep_good_rows: match self.keep_good_rows.as_deref().map(str::trim) {
                None | Some("") | Some("false") => false,
                Some("true") | Some("on") => true,
                Some(other) => {
                    return Err(ApiError::BadRequest(format!(
                        "invalid keep_good_rows {other:?}: true or false"
                    )));
                }
            },
        })
    }
}

/// The problems of a refused import, as the API sends them.
pub fn import_errors(rows: Vec<hardship_formats::roster::RosterError>) -> Vec<ImportErrorDto> {
    rows.into_iter()
        .map(|e| ImportErrorDto {
            line: e.line,
            column: e.column,
            value: e.value,
            message: e.message,
        })
        .collect()
}

/// Imports a file into the practice, all or nothing, recognising its format: a roster CSV in the batch
/// contract's columns (`npi` and `clinician_type` required, `name` optional), a roster in the NPPES file's
/// layout (types from primary taxonomy codes), or the QPP Eligibility API's JSON for one NPI (statuses
/// recorded as CMS data). Bad rows are listed with line, column (or JSON path) and value.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/imports", tag = "practices",
    request_body(content = String, content_type = "text/csv", description = "The file: CSV (batch contract or NPPES layout) or JSON (QPP eligibility)"),
    params(("practice" = String, Path, description = "Practice id"), ImportQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = crate::imports::ImportResult), (status = 422, description = "Bad rows; nothing was written", body = Vec<ImportErrorDto>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn import_file(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    let id = practice_id(&id)?;
    let opts = q.parse()?;
    match crate::imports::import_file(&state, &p, id, &body, opts).await {
        Ok(r) => Ok(Json(r).into_response()),
        Err(crate::imports::ImportFailure::Other(e)) => Err(e),
        Err(crate::imports::ImportFailure::Rows(rows)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(import_errors(rows))).into_response())
        }
    }
}

// ---- a practice-year ------------------------------------------------------------------------------------

/// How the practice reports in a year (level, PI submitted, size, CEHRT, score estimates).
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/profile", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_profile(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Json<ProfileDto>> {
    let py = state
        .store
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
async fn set_profile(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<ProfileUpdateDto>,
) -> ApiResult<Json<ProfileDto>> {
    p.require_write()?;
    let (version, profile) = body.parse()?;
    let py = state
        .store
        .set_practice_year(
            p.tenant,
            &p.actor(),
            practice_id(&practice)?,
            parse_year(&year)?,
            version,
            profile,
        )
        .await?;
    Ok(Json(ProfileDto::from(&py)))
}

/// Who is reweighted in the practice-year, on what basis (with the rules' explanation and sources), the
/// warnings that matter and what is missing.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/eligibility", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = assess::Assessment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn eligibility(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let b = service::practice_year(&state, &p, practice_id(&practice)?, parse_year(&year)?).await?;
    // The assessment is serialized once per tenant revision; requests in between send the same bytes.
    Ok(([(header::CONTENT_TYPE, "application/json")], b.json.clone()).into_response())
}

/// Which hardship reasons the practice may cite this year from its answers, which not and why.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/years/{year}/screening", tag = "eligibility",
    request_body = FactsDto,
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ScreeningDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn screening(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<FactsDto>,
) -> ApiResult<Json<ScreeningDto>> {
    let facts = body.parse()?;
    let s = service::screen_practice(
        &state,
        &p,
        practice_id(&practice)?,
        parse_year(&year)?,
        &facts,
    )
    .await?;
    Ok(Json(s))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Quality score 0–100 (default: the profile's estimate).
    pub quality: Option<String>,
    pub cost: Option<String>,
    pub ia: Option<String>,
    /// The PI score reporting would earn.
    pub pi: Option<String>,
}

impl ScoreQuery {
    pub fn parse(&self) -> ApiResult<ScoreEstimates> {
        Ok(ScoreEstimates {
            quality: parse_opt_score("quality", self.quality.as_deref())?,
            cost: parse_opt_score("cost", self.cost.as_deref())?,
            ia: parse_opt_score("ia", self.ia.as_deref())?,
            pi: parse_opt_score("pi", self.pi.as_deref())?,
        })
    }
}

/// Final score and adjustment with PI reweighted versus reported, across PI scores, and the break-even.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/score-impact", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year"), ScoreQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = impact::ScoreImpact), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn score_impact(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ScoreQuery>,
) -> ApiResult<Json<impact::ScoreImpact>> {
    let (_, i) = service::score_impact(
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
async fn list_decisions(
    State(state): State<AppState>,
    p: Principal,
    Path(practice): Path<String>,
) -> ApiResult<Json<Vec<DecisionDto>>> {
    let id = practice_id(&practice)?;
    state.store.get_practice(p.tenant, id).await?;
    let list = state.store.list_decisions(p.tenant, id).await?;
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

// ---- applications ---------------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    pub year: Option<String>,
    /// Only this practice's applications.
    pub practice: Option<String>,
}

/// Applications of the organization.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationsQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ApplicationDto>), (status = 400, body = ErrorBody)))]
async fn list_applications(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ApplicationsQuery>,
) -> ApiResult<Json<Vec<ApplicationDto>>> {
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => Some(parse_year(y)?),
        _ => None,
    };
    let practice = match q.practice.as_deref() {
        Some(pr) if !pr.is_empty() => Some(practice_id(pr)?),
        _ => None,
    };
    let list = state.store.list_applications(p.tenant, year).await?;
    Ok(Json(
        list.iter()
            .filter(|a| practice.is_none_or(|pr| a.draft.practice == pr))
            .map(ApplicationDto::from)
            .collect(),
    ))
}

/// Starts an application as a draft (the year must accept the reason; the applicant must belong to the
/// practice).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_application(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<ApplicationInput>,
) -> ApiResult<Response> {
    p.require_write()?;
    let app = service::create_application(&state, &p, body.parse()?).await?;
    Ok(created(ApplicationDto::from(&app)))
}

fn application_id(text: &str) -> ApiResult<ApplicationId> {
    parse_id("application", text)
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{application}", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 404, body = ErrorBody)))]
async fn get_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationDto>> {
    let app = state
        .store
        .get_application(p.tenant, application_id(&id)?)
        .await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// Edits a draft or ready application (a ready one returns to draft).
#[utoipa::path(put, path = "/api/v1/applications/{application}", tag = "applications", request_body = ApplicationInput,
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationInput>,
) -> ApiResult<Json<ApplicationDto>> {
    p.require_write()?;
    let id = application_id(&id)?;
    let version = body.version.ok_or_else(|| {
        ApiError::BadRequest("invalid version \"\": send the version you read".into())
    })?;
    let app = service::update_application(&state, &p, id, version, body.parse()?).await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// Moves an application on: mark ready, back to draft, submit (portal confirmation number or call
/// reference; refused after the deadline), approve or deny (CMS's e-mail), withdraw, void.
#[utoipa::path(post, path = "/api/v1/applications/{application}/transitions", tag = "applications",
    request_body = TransitionInput,
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transition_application(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionInput>,
) -> ApiResult<Json<ApplicationDto>> {
    p.require_write()?;
    let id = application_id(&id)?;
    let (version, t) = body.parse()?;
    let app = service::transition(&state, &p, id, version, t).await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// The audit events of one application.
#[utoipa::path(get, path = "/api/v1/applications/{application}/audit", tag = "audit",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AuditEventDto>), (status = 404, body = ErrorBody)))]
async fn application_audit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AuditEventDto>>> {
    let id = application_id(&id)?;
    state.store.get_application(p.tenant, id).await?;
    let events = state
        .store
        .audit_events(p.tenant, Some(&id.to_string()))
        .await?;
    Ok(Json(events.iter().map(AuditEventDto::from).collect()))
}

// ---- evidence -------------------------------------------------------------------------------------------

/// The evidence of a practice, with hashes and retain-until dates.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/documents", tag = "evidence",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<DocumentDto>), (status = 404, body = ErrorBody)))]
async fn list_documents(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DocumentDto>>> {
    let id = practice_id(&id)?;
    state.store.get_practice(p.tenant, id).await?;
    let docs = state.store.list_documents(p.tenant, Some(id)).await?;
    Ok(Json(docs.iter().map(DocumentDto::from).collect()))
}

/// Uploads evidence (multipart: optional `kind`, `application`, `year` fields, then the `file`). Streamed
/// into the encrypted vault, size-limited, written once and retention-locked.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/documents", tag = "evidence",
    request_body(content = upload::UploadForm, content_type = "multipart/form-data"),
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = DocumentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn upload_document(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    p.require_write()?;
    let id = practice_id(&id)?;
    let multipart = multipart
        .map_err(|e| ApiError::BadRequest(format!("expected a multipart/form-data upload: {e}")))?;
    let doc = upload::receive(&state, &p, id, multipart, None).await?;
    Ok(created(DocumentDto::from(&doc)))
}

fn document_id(text: &str) -> ApiResult<DocumentId> {
    parse_id("document", text)
}

/// A document's record.
#[utoipa::path(get, path = "/api/v1/documents/{document}", tag = "evidence",
    params(("document" = String, Path, description = "Document id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DocumentDto), (status = 404, body = ErrorBody)))]
async fn get_document(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<DocumentDto>> {
    let d = state
        .store
        .get_document(p.tenant, document_id(&id)?)
        .await?;
    Ok(Json(DocumentDto::from(&d)))
}

/// A document's bytes, verified against the recorded SHA-256 before they are sent.
#[utoipa::path(get, path = "/api/v1/documents/{document}/content", tag = "evidence",
    params(("document" = String, Path, description = "Document id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The document as uploaded", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn document_content(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (doc, body) = service::open_document(&state, &p, document_id(&id)?).await?;
    Ok(upload::download_response(&doc, body))
}

// ---- audit ----------------------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the events of this entity (an application, practice, clinician or document id).
    pub entity: Option<String>,
}

/// The organization's audit trail, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AuditEventDto>)))]
async fn audit_trail(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEventDto>>> {
    let events = state
        .store
        .audit_events(p.tenant, q.entity.as_deref().filter(|e| !e.is_empty()))
        .await?;
    Ok(Json(events.iter().map(AuditEventDto::from).collect()))
}

/// Recomputes the organization's audit hash chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AuditVerifyDto)))]
async fn audit_verify(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<AuditVerifyDto>> {
    Ok(Json(service::verify_audit(&state, &p).await?))
}

// ---- tokens, members, invitations -----------------------------------------------------------------------

/// The organization's API tokens (owners only).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<TokenDto>>> {
    p.require_owner()?;
    let list = state.store.list_api_tokens(p.tenant).await?;
    Ok(Json(list.iter().map(TokenDto::from).collect()))
}

/// Creates an API token (owners only); the secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "organization", request_body = NewTokenDto,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedTokenDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<NewTokenDto>,
) -> ApiResult<Response> {
    p.require_owner()?;
    let created_token = crate::web::settings::make_token(
        &state,
        &p,
        &body.name,
        parse_role(&body.role)?,
        crate::dto::parse_scope(body.scope.as_deref())?,
    )
    .await?;
    Ok(created(created_token))
}

/// Revokes an API token (owners only).
#[utoipa::path(delete, path = "/api/v1/tokens/{token}", tag = "organization",
    params(("token" = String, Path, description = "Token id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "Revoked"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    p.require_owner()?;
    let id: uuid::Uuid = parse_id("api token", &id)?;
    state
        .store
        .revoke_api_token(p.tenant, &p.actor(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<MemberDto>)))]
async fn list_members(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<MemberDto>>> {
    let list = state.store.members(p.tenant).await?;
    Ok(Json(
        list.iter()
            .map(|(m, u)| MemberDto {
                user: u.id,
                email: u.email.clone(),
                role: m.role.code().to_owned(),
            })
            .collect(),
    ))
}

/// Invitations of the organization (owners only).
#[utoipa::path(get, path = "/api/v1/invites", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<InviteDto>), (status = 403, body = ErrorBody)))]
async fn list_invites(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<InviteDto>>> {
    p.require_owner()?;
    let list = state.store.list_invites(p.tenant).await?;
    Ok(Json(list.iter().map(InviteDto::from).collect()))
}

/// Invites someone to the organization with a role (owners only); the answer holds the one-time link.
#[utoipa::path(post, path = "/api/v1/invites", tag = "organization", request_body = InviteInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedInviteDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_invite(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<InviteInput>,
) -> ApiResult<Response> {
    p.require_owner()?;
    let inv =
        crate::web::settings::make_invite(&state, &p, &body.email, parse_role(&body.role)?).await?;
    Ok(created(inv))
}

// ---- the guard, packets, binders, exports ---------------------------------------------------------------

/// Checks a QPP submission file before it is sent: does it carry PI data for a submitter whose PI is
/// reweighted? `blocked` says not to send it as it is; the message names who loses what and the
/// final-score consequence.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/years/{year}/submission-check", tag = "eligibility",
    request_body(content = Object, content_type = "application/json", description = "The QPP submission JSON (Submissions API measurement-set format)"),
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = crate::guard::GuardReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn submission_check(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<crate::guard::GuardReport>> {
    let year = parse_year(&year)?;
    let b = service::practice_year(&state, &p, practice_id(&practice)?, year).await?;
    Ok(Json(crate::guard::check(&b, year, &body)?))
}

/// Everything the CMS form or the phone call needs, the reason's criteria and how the practice meets
/// them, and the documents to keep.
#[utoipa::path(get, path = "/api/v1/applications/{application}/packet", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = crate::report::ApplicationPacket), (status = 404, body = ErrorBody)))]
async fn application_packet(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::report::ApplicationPacket>> {
    Ok(Json(
        crate::report::packet(&state, &p, application_id(&id)?).await?,
    ))
}

/// The packet as a printable PDF.
#[utoipa::path(get, path = "/api/v1/applications/{application}/packet.pdf", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "A PDF", content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn application_packet_pdf(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let pk = crate::report::packet(&state, &p, application_id(&id)?).await?;
    Ok(pdf_response(
        &crate::report::packet_pdf(&pk),
        &format!("packet-{}-{}.pdf", pk.practice.tin, pk.application.year),
    ))
}

/// A PDF download of a document.
pub fn pdf_response(doc: &crate::pdf::Document, filename: &str) -> Response {
    let bytes = crate::pdf::render(doc);
    let disposition = format!("inline; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The audit binder of a practice-year: decisions with explanations and sources, applications with their
/// history and CMS's e-mails, the evidence inventory (SHA-256, retain-until), the audit-trail extract, and
/// the audit chain and vault verified now.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/years/{year}/binder.pdf", tag = "audit",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "A PDF", content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn binder_pdf(
    State(state): State<AppState>,
    p: Principal,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let year = parse_year(&year)?;
    let b = crate::report::binder(&state, &p, practice_id(&practice)?, year).await?;
    Ok(pdf_response(
        &crate::report::binder_pdf(&b),
        &format!("audit-binder-{}-{year}.pdf", b.practice.tin),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    pub year: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A consultancy's year: every clinician of every practice with its decision and the practice's
/// applications, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "eligibility", params(PortfolioQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<crate::report::PortfolioRow>), (status = 400, body = ErrorBody)))]
async fn portfolio_export(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> ApiResult<Response> {
    let year = year_or_current(&state, q.year.as_deref())?;
    let rows = crate::report::portfolio(&state, &p, year).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(rows).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"portfolio-{year}.csv\""),
                ),
            ],
            crate::report::portfolio_csv(&rows)?,
        )
            .into_response()),
        other => Err(ApiError::BadRequest(format!(
            "invalid format {other:?}: json or csv"
        ))),
    }
}

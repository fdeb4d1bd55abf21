//! The caller and its organizations, the dashboard, deadlines and the calendar feed, members,
//! invitations and API tokens.

use super::prelude::*;

/// Liveness and the database's reachability.
#[utoipa::path(get, path = "/api/v1/health", tag = "organization",
    responses((status = 200, description = "The service and its database answer", body = Object)))]
pub(super) async fn health(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    // A real read, so a load balancer's check fails when the database does; nothing about the data is
    // revealed to the anonymous caller.
    state.store.list_tenants().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "organization",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
pub(super) async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi_document(),
    )
        .into_response()
}

/// The caller and the organizations it belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "organization", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub(super) async fn me(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Json<MeDto>> {
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

pub(super) fn year_or_current(state: &AppState, y: Option<&str>) -> ApiResult<PerformanceYear> {
    match y {
        Some(t) if !t.trim().is_empty() => parse_year(t),
        _ => Ok(hardship_app::years::current_year(state.now())),
    }
}

/// The portfolio for a performance year: per practice who is reweighted, who needs an application,
/// applications by state, what is missing, and the days left to the deadline.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "eligibility", params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::portfolio::Dashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn dashboard(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<hardship_app::portfolio::Dashboard>> {
    let year = year_or_current(&state, q.year.as_deref())?;
    let (pf, deadline) = hardship_app::portfolio::dashboard(&state, &p, year).await?;
    Ok(Json(hardship_app::portfolio::Dashboard {
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
pub(super) async fn deadlines(
    State(state): State<AppState>,
    ApiCaller(_p): ApiCaller,
) -> ApiResult<Json<Vec<DeadlineView>>> {
    let now = state.now();
    let mut out = Vec::new();
    for y in PerformanceYear::all() {
        out.push(hardship_app::years::deadline_view(y, now)?);
    }
    Ok(Json(out))
}

/// The organization's deadline calendar (iCalendar): each open year's deadline, with alarms and the
/// practices that still need an application.
#[utoipa::path(get, path = "/api/v1/calendar.ics", tag = "applications", params(CalendarQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Response> {
    use hardship_app::access::{Refused, from_token};
    let p = match q.token.as_deref() {
        Some(t) => from_token(&state, t, TokenScope::Calendar).await?,
        None => {
            let token = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthenticated)?
                .trim();
            match from_token(&state, token, TokenScope::Api).await {
                // A calendar link's secret in the header is fine too.
                Err(Refused::Error(hardship_app::AppError::Forbidden(_))) => {
                    from_token(&state, token, TokenScope::Calendar).await?
                }
                other => other?,
            }
        }
    };
    let body = hardship_app::calendar::feed(&state, &p).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// The organization's API tokens (owners only).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_tokens(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Json<Vec<TokenDto>>> {
    p.require_owner()?;
    let list = state.store_for(&p).list_api_tokens(p.tenant).await?;
    Ok(Json(list.iter().map(TokenDto::from).collect()))
}

/// Creates an API token (owners only); the secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "organization", request_body = NewTokenDto,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedTokenDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(body): ApiJson<NewTokenDto>,
) -> ApiResult<Response> {
    p.require_owner()?;
    let created_token = make_token(
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
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    p.require_owner()?;
    let id: uuid::Uuid = parse_id("api token", &id)?;
    state
        .store_for(&p)
        .revoke_api_token(p.tenant, &p.actor(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's members, clients with their practices (not shown to clients).
#[utoipa::path(get, path = "/api/v1/members", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<MemberDto>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_members(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Json<Vec<MemberDto>>> {
    let list = hardship_app::members::list(&state, &p).await?;
    Ok(Json(list.into_iter().map(MemberDto::from).collect()))
}

/// Changes a member's role (a client's with its practices); its sessions in this organization end and
/// its API tokens here are revoked at once (owners only; the last owner cannot be demoted).
#[utoipa::path(put, path = "/api/v1/members/{user}", tag = "organization", request_body = MemberInput,
    params(("user" = String, Path, description = "The member's user id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MemberChangedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn change_member(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(user): Path<String>,
    ApiJson(body): ApiJson<MemberInput>,
) -> ApiResult<Json<MemberChangedDto>> {
    p.require_owner()?;
    let user: UserId = parse_id("user", &user)?;
    let change = MemberChange::Role {
        role: parse_role(&body.role)?,
        practices: body.practices,
    };
    let done = hardship_app::members::change(&state, &p, user, change).await?;
    Ok(Json((&done).into()))
}

/// Removes a member; its sessions in this organization end and its API tokens here are revoked at once
/// (owners only; the last owner cannot be removed).
#[utoipa::path(delete, path = "/api/v1/members/{user}", tag = "organization",
    params(("user" = String, Path, description = "The member's user id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MemberChangedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(user): Path<String>,
) -> ApiResult<Json<MemberChangedDto>> {
    p.require_owner()?;
    let user: UserId = parse_id("user", &user)?;
    let done = hardship_app::members::change(&state, &p, user, MemberChange::Remove).await?;
    Ok(Json((&done).into()))
}

/// Invitations of the organization (owners only).
#[utoipa::path(get, path = "/api/v1/invites", tag = "organization",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<InviteDto>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_invites(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Json<Vec<InviteDto>>> {
    p.require_owner()?;
    let list = state.store_for(&p).list_invites(p.tenant).await?;
    Ok(Json(list.iter().map(InviteDto::from).collect()))
}

/// Invites someone to the organization with a role (owners only); the answer holds the one-time link,
/// which is also e-mailed to the invitee when the server has an SMTP server (`mailed` says).
#[utoipa::path(post, path = "/api/v1/invites", tag = "organization", request_body = InviteInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedInviteDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_invite(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    crate::web::Origin(origin): crate::web::Origin,
    ApiJson(body): ApiJson<InviteInput>,
) -> ApiResult<Response> {
    p.require_owner()?;
    let inv = make_invite(
        &state,
        &p,
        &body.email,
        parse_role(&body.role)?,
        body.practices,
        &origin,
    )
    .await?;
    Ok(created(inv))
}

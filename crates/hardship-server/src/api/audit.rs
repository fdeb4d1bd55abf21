//! The audit trail and its verification.

use super::prelude::*;

/// The organization's audit trail, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AuditEventDto>)))]
pub(super) async fn audit_trail(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
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
pub(super) async fn audit_verify(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Json<AuditVerifyDto>> {
    Ok(Json(
        hardship_app::evidence::verify_audit(&state, &p).await?,
    ))
}

//! The audit trail and its verification.

use super::prelude::*;

/// The organization's audit trail, oldest first: each event as a sentence with the names of its records
/// and the fields it changed, filtered by record, practice, person, action and dates; as JSON or as CSV
/// for a spreadsheet. Exporting it is itself recorded.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody)))]
pub(super) async fn audit_trail(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let filter = q.filter()?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::BadRequest(format!(
            "invalid format {:?}: json or csv",
            format.chars().take(20).collect::<String>()
        )));
    }
    let entries = hardship_app::audit_trail::trail(&state, &p, &filter).await?;
    if format == "json" {
        return Ok(Json(entries).into_response());
    }
    let csv = hardship_app::audit_trail::export_csv(&state, &p, &filter, &entries).await?;
    Ok(csv_response(csv, "audit-trail.csv"))
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

//! CMS's final feedback, imported and reconciled with the product's decisions; targeted-review
//! candidates opened for what CMS got wrong.

use super::prelude::*;
use hardship_app::feedback;
use hardship_app::imports::{ImportFailure, problems};

/// Imports CMS's final feedback for a performance year and reconciles it: a CSV in the plain layout
/// (`tin, npi` (empty for the group)`, performance_year, final_score, quality_score, cost_score, ia_score,
/// pi_score, quality_weight, cost_weight, ia_weight, pi_weight, payment_adjustment`) or in the layout of
/// CMS's QPP Experience public use file of that year (columns by name). Each row is compared with the
/// product's decision for that TIN/NPI; every discrepancy is listed with a code, a sentence and its
/// evidence ids, and each subject with a reviewable one gets a draft targeted-review candidate (once:
/// the same file again opens none).
#[utoipa::path(post, path = "/api/v1/feedback", tag = "eligibility",
    request_body(content = String, content_type = "text/csv", description = "Final feedback: the plain CSV or the PUF layout"),
    params(YearQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::feedback::Reconciliation), (status = 422, description = "Bad rows; nothing was written", body = Vec<ImportErrorDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn import_feedback(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<YearQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    p.require_write()?;
    let year = year_or_current(&state, q.year.as_deref())?;
    match feedback::import_feedback(&state, &p, year, &body).await {
        Ok(r) => Ok(Json(r).into_response()),
        Err(ImportFailure::Other(e)) => Err(e.into()),
        Err(ImportFailure::Rows(rows)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(problems(rows))).into_response())
        }
    }
}

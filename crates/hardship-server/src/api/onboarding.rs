//! A consultancy's client list: many practices and their clinicians from one CSV or XLSX.

use super::prelude::*;
use hardship_app::imports::{ImportFailure, problems};
use hardship_app::onboarding;

/// Onboards a client list: a CSV or XLSX whose rows name a practice by TIN (and practice name, optional ZIP
/// and reporting level) and one of its clinicians (NPI, name, type). Each practice is created or updated by
/// TIN and its clinicians merged, in one transaction; the same file again changes nothing. With
/// `preview=true` nothing is written and the answer says what would be. Headers in any case and the usual
/// names (NPI, Name, Type, Specialty…), type abbreviations (MD, DO, NP, PA, CRNA…), TINs with a dash, a
/// UTF-8 BOM, CRLF and Windows-1252 files are read; bad rows are listed by the line the user's editor shows.
#[utoipa::path(post, path = "/api/v1/imports", tag = "practices",
    request_body(content = String, content_type = "text/csv", description = "The client list: CSV, or XLSX (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
    params(OnboardingQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::onboarding::OnboardingReport), (status = 422, description = "Bad rows; nothing was written", body = Vec<ImportErrorDto>), (status = 400, body = ErrorBody)))]
pub(super) async fn import_client_list(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<OnboardingQuery>,
    body: Bytes,
) -> ApiResult<Response> {
    p.require_write()?;
    let opts = q.parse()?;
    if !onboarding::is_client_list(&body) {
        return Err(ApiError::BadRequest(
            "invalid file: it names no practices (no TIN and practice name columns); import the clinicians of one practice with POST /api/v1/practices/{practice}/imports, or start from GET /api/v1/imports/template".into(),
        ));
    }
    match onboarding::onboard(&state, &p, &body, opts).await {
        Ok(r) => Ok(Json(r).into_response()),
        Err(ImportFailure::Other(e)) => Err(e.into()),
        Err(ImportFailure::Rows(rows)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(problems(rows))).into_response())
        }
    }
}

/// A client-list template to fill in: the columns an import reads, with example rows (UTF-8 with a BOM,
/// so Excel shows the names right).
#[utoipa::path(get, path = "/api/v1/imports/template", tag = "practices",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub(super) async fn client_list_template(ApiCaller(_p): ApiCaller) -> ApiResult<Response> {
    Ok(csv_response(
        hardship_formats::client_list::template_for_excel(),
        "client-list-template.csv",
    ))
}

//! The submission guard, PDFs, the audit binder and the portfolio export.

use super::prelude::*;

/// A PDF download of a document.
pub fn pdf_response(doc: &hardship_app::pdf::Document, filename: &str) -> Response {
    let bytes = hardship_app::pdf::render(doc);
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

/// A CSV download for a spreadsheet.
pub fn csv_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
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
pub(super) async fn binder_pdf(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
) -> ApiResult<Response> {
    let year = parse_year(&year)?;
    let b = hardship_app::report::binder(&state, &p, practice_id(&practice)?, year).await?;
    Ok(pdf_response(
        &hardship_app::report::binder_pdf(&b),
        &format!("audit-binder-{}-{year}.pdf", b.practice.tin),
    ))
}

/// A consultancy's year: every clinician of every practice with its decision and the practice's
/// applications, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "eligibility", params(PortfolioQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<hardship_app::report::PortfolioRow>), (status = 400, body = ErrorBody)))]
pub(super) async fn portfolio_export(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> ApiResult<Response> {
    let year = year_or_current(&state, q.year.as_deref())?;
    let rows = hardship_app::report::portfolio(&state, &p, year).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(rows).into_response()),
        "csv" => Ok(csv_response(
            hardship_app::report::portfolio_csv(&rows)?,
            &format!("portfolio-{year}.csv"),
        )),
        other => Err(ApiError::BadRequest(format!(
            "invalid format {other:?}: json or csv"
        ))),
    }
}

//! The client-list page: upload a CSV or XLSX naming many practices, see what would be created, changed
//! and refused, then confirm. The confirming form carries the previewed file back (base64), so the user
//! does not pick it twice and what is written is exactly what was previewed.

use super::practices::{FileForm, csrf_then_file};
use super::{Nav, PageResult, WebUser, html, html_status};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use base64::Engine;
use hardship_app::imports::{ImportFailure, ImportProblem, problems};
use hardship_app::onboarding::{self, OnboardingOptions, OnboardingReport};

#[derive(Template)]
#[template(path = "onboarding.html")]
struct OnboardingPage {
    nav: Nav,
    report: Option<OnboardingReport>,
    /// The previewed file, for the confirming form.
    file_b64: String,
    file_name: String,
    keep_good_rows: bool,
    error: Option<String>,
    problems: Vec<ImportProblem>,
}

impl OnboardingPage {
    /// The upload form shows until a preview waits for confirmation.
    fn show_upload(&self) -> bool {
        self.report.as_ref().is_none_or(|r| r.committed)
    }
}

impl OnboardingPage {
    fn empty(nav: Nav) -> OnboardingPage {
        OnboardingPage {
            nav,
            report: None,
            file_b64: String::new(),
            file_name: String::new(),
            keep_good_rows: false,
            error: None,
            problems: vec![],
        }
    }
}

pub async fn page(State(state): State<AppState>, user: WebUser) -> PageResult {
    user.0.require_write()?;
    Ok(html(&OnboardingPage::empty(user.nav(&state).await?)))
}

/// The template, as the API serves it.
pub async fn template(_user: WebUser) -> PageResult {
    Ok(crate::api::csv_response(
        hardship_formats::client_list::template_for_excel(),
        "client-list-template.csv",
    ))
}

/// Previews (`action=preview`) or writes (`action=commit`) an uploaded client list.
pub async fn submit(
    State(state): State<AppState>,
    user: WebUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let nav = user.nav(&state).await?;
    let p = user.0;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let FileForm { fields, name, file } = csrf_then_file(&state, &p, multipart).await?;
    p.require_write()?;
    let commit = fields.get("action").map(String::as_str) == Some("commit");
    let keep_good_rows = fields
        .get("keep_good_rows")
        .is_some_and(|v| v == "on" || v == "true");
    let mut page = OnboardingPage {
        file_name: name,
        keep_good_rows,
        ..OnboardingPage::empty(nav)
    };
    if !onboarding::is_client_list(&file) {
        page.error = Some("This file names no practices: a client list needs a TIN column and a practice name column (download the template). To add the clinicians of one practice, import the file on that practice's page.".into());
        return Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let opts = OnboardingOptions {
        year: None,
        keep_good_rows,
        preview: !commit,
    };
    match onboarding::onboard(&state, &p, &file, opts).await {
        Ok(report) => {
            if !commit {
                page.file_b64 = base64::engine::general_purpose::STANDARD.encode(&file);
            }
            page.report = Some(report);
            Ok(html(&page))
        }
        Err(ImportFailure::Other(e)) => {
            let e: ApiError = e.into();
            page.error = Some(e.public_message());
            Ok(html_status(e.status(), &page))
        }
        Err(ImportFailure::Rows(rows)) => {
            page.error = Some(format!(
                "The file was not imported: {} problem(s) found, nothing was written. Fix them, or tick “import the good rows” to leave those rows out.",
                rows.len()
            ));
            page.problems = problems(rows);
            Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

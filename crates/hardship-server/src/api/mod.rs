//! The JSON API under `/api/v1`: every route documented with `utoipa` and collected into the router and
//! the OpenAPI document by the same `routes!` calls, so the document cannot miss a route. One module per
//! resource; each handler reads the request, calls a use case of [`hardship_app`], and writes its answer.
//!
//! Authentication: `Authorization: Bearer <token>` (API tokens are tenant-scoped, with a role), or the
//! browser's session cookie plus `X-CSRF-Token` on unsafe methods. Ids of another tenant are 404, an
//! auditor's write is 403, bad input is 400/422 naming the field and value, a stale version is 409.

/// Applications, their history and their packets.
mod applications;
/// The audit trail and its verification.
mod audit;
/// Who is reweighted, why, and what it does to the score: profiles, screening, score impact, decisions.
mod eligibility;
/// Evidence documents.
mod evidence;
/// The submission guard, the audit binder and the portfolio export.
mod exports;
/// CMS's final feedback reconciled; targeted-review candidates.
mod feedback;
/// A client list of many practices in one file.
mod onboarding;
/// The caller, the dashboard, deadlines and the calendar, members, invitations and API tokens.
mod organization;
/// Practices, rosters and imports.
mod practices;
/// The work queue: pages of the portfolio, assignees and notes.
mod queue;
/// Targeted-review cases and their packets; data validation and audit requests.
mod reviews;

pub use exports::{csv_response, pdf_response};

/// What every handler module uses.
mod prelude {
    pub(super) use super::exports::{csv_response, pdf_response};
    pub(super) use super::organization::year_or_current;
    pub(super) use super::{ApiResult, created, practice_id};
    pub(super) use crate::AppState;
    pub(super) use crate::dto::*;
    pub(super) use crate::error::{ApiError, ErrorBody};
    pub(super) use crate::extract::{ApiJson, ApiQuery, parse_id, parse_year};
    pub(super) use crate::principal::{ApiCaller, Principal};
    pub(super) use crate::upload;
    pub(super) use axum::Json;
    pub(super) use axum::body::Bytes;
    pub(super) use axum::extract::{Path, State};
    pub(super) use axum::http::{HeaderMap, StatusCode, header};
    pub(super) use axum::response::{IntoResponse, Response};
    pub(super) use hardship_app::years::DeadlineView;
    pub(super) use hardship_rules::PerformanceYear;
    pub(super) use hardship_store::*;
}

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::parse_id;
use applications::*;
use audit::*;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use eligibility::*;
use evidence::*;
use exports::*;
use feedback::*;
use hardship_store::PracticeId;
use onboarding::*;
use organization::*;
use practices::*;
use queue::*;
use reviews::*;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) type ApiResult<T> = Result<T, ApiError>;

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
        .routes(routes!(archive_practice))
        .routes(routes!(restore_practice))
        .routes(routes!(list_clinicians, add_clinician))
        .routes(routes!(update_clinician))
        .routes(routes!(archive_clinician))
        .routes(routes!(restore_clinician))
        .routes(routes!(set_clinician_status))
        .routes(routes!(import_file))
        .routes(routes!(import_client_list))
        .routes(routes!(client_list_template))
        .routes(routes!(import_feedback))
        .routes(routes!(targeted_reviews, open_targeted_review))
        .routes(routes!(review_reasons))
        .routes(routes!(get_targeted_review))
        .routes(routes!(transition_targeted_review))
        .routes(routes!(targeted_review_packet))
        .routes(routes!(targeted_review_packet_pdf))
        .routes(routes!(dva_requests, open_dva_request))
        .routes(routes!(get_dva_request))
        .routes(routes!(change_dva_checklist))
        .routes(routes!(get_profile, set_profile))
        .routes(routes!(set_work_item))
        .routes(routes!(work_queue))
        .routes(routes!(eligibility))
        .routes(routes!(fetch_from_cms))
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
        .routes(routes!(list_attestations, sign_attestation))
        .routes(routes!(list_documents, upload_document))
        .routes(routes!(get_document, edit_document))
        .routes(routes!(document_content))
        .routes(routes!(audit_trail))
        .routes(routes!(audit_verify))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_members))
        .routes(routes!(change_member, remove_member))
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

pub(crate) fn practice_id(text: &str) -> ApiResult<PracticeId> {
    parse_id("practice", text)
}

pub(crate) fn created<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// The OpenAPI document, built once from the same routes the server serves.
pub fn openapi_document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let (_, doc) = router();
        doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned())
    })
}

//! Evidence uploads and downloads over HTTP: a multipart body is read field by field, its description
//! checked before the first byte of the file is stored, and the file streamed into the vault (never held in
//! memory). Downloads send the bytes as an attachment with a safe file name.

use crate::AppState;
use crate::error::ApiError;
use crate::principal::Principal;
use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use hardship_app::evidence::UploadMeta;
use hardship_store::{ApplicationId, Document, PracticeId};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The multipart form of an upload (for the OpenAPI document). Text fields come before `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The page's CSRF token (session uploads from the pages only).
    csrf: Option<String>,
    /// `barrier_documentation`, `cms_decision_email`, `submission_confirmation`, `decertification_notice`,
    /// `outage_record`, `event_evidence`, `eligibility_screenshot`, `other` (default).
    kind: Option<String>,
    /// The application the evidence belongs to (its year sets the retain-until date).
    #[schema(format = Uuid)]
    application: Option<String>,
    /// The performance year, when not linked to an application.
    year: Option<u16>,
    /// The file itself, last.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads an upload. `csrf` is the session's token when the request came from a page form: the form's
/// `csrf` field must match it before the file is read.
pub async fn receive(
    state: &AppState,
    p: &Principal,
    practice: PracticeId,
    mut multipart: Multipart,
    csrf: Option<&str>,
) -> Result<Document, ApiError> {
    let mut kind = String::from("other");
    let mut application: Option<ApplicationId> = None;
    let mut year = None;
    let mut csrf_ok = csrf.is_none();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        if name != "file" {
            let value = field.text().await.map_err(multipart_error)?;
            if value.len() > 1000 {
                return Err(ApiError::BadRequest(format!(
                    "invalid {name}: longer than 1000 characters"
                )));
            }
            let v = value.trim();
            match name.as_str() {
                // Checked for page forms only: API callers have no form token (and need none).
                "csrf" => {
                    if let Some(c) = csrf {
                        csrf_ok = crate::security::constant_time_eq(c.as_bytes(), v.as_bytes());
                    }
                }
                "kind" if !v.is_empty() => kind = v.to_owned(),
                "kind" => {}
                "application" if !v.is_empty() => {
                    application = Some(crate::extract::parse_id("application", v)?);
                }
                "application" => {}
                "year" if !v.is_empty() => year = Some(crate::extract::parse_year(v)?),
                "year" => {}
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown upload field {other:?}: expected csrf, kind, application, year, file"
                    )));
                }
            }
            continue;
        }
        if !csrf_ok {
            return Err(ApiError::Forbidden(
                "CSRF check failed: the form's csrf field must come before the file and match the session".into(),
            ));
        }
        let filename = field.file_name().map(str::to_owned).ok_or_else(|| {
            ApiError::BadRequest("invalid file: the file part has no file name".into())
        })?;
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let meta = UploadMeta {
            practice,
            application,
            kind: kind.clone(),
            filename,
            content_type,
            year,
        };
        let (id, retain_until) = hardship_app::evidence::check_upload(state, p, &meta).await?;
        // Tell a client that broke off from a stored-too-much or vault failure: only the former is theirs.
        let body_failed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&body_failed);
        let stream = field.map_err(move |e| {
            flag.store(true, Ordering::SeqCst);
            std::io::Error::other(e.to_string())
        });
        let reader = tokio_util::io::StreamReader::new(stream);
        let result = hardship_app::evidence::store_upload(state, p, meta, id, retain_until, reader)
            .await
            .map_err(ApiError::from);
        return match result {
            Err(ApiError::Internal(detail)) if body_failed.load(Ordering::SeqCst) => {
                if detail.contains("limit") {
                    Err(ApiError::PayloadTooLarge(format!(
                        "the upload is larger than the limit of {} bytes",
                        state.settings.body_limit
                    )))
                } else {
                    Err(ApiError::BadRequest(format!(
                        "the upload was cut off before it ended: {detail}"
                    )))
                }
            }
            other => other,
        };
    }
    Err(ApiError::BadRequest(
        "invalid upload: no file field (the form needs a part named \"file\")".into(),
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let text = e.body_text();
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE || text.contains("limit") {
        ApiError::PayloadTooLarge(format!("the upload is too large: {text}"))
    } else {
        ApiError::BadRequest(format!("invalid multipart upload: {text}"))
    }
}

/// The response that sends a document: an attachment, never rendered inline by the browser.
/// A verified document's bytes as a download (the reader is the vault's, decrypting as it streams).
pub fn download_response(doc: &Document, reader: tokio::io::DuplexStream) -> Response {
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    let safe: String = doc
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&doc.size.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    if let Ok(v) = HeaderValue::from_str(&hardship_store::hex(&doc.sha256)) {
        h.insert("x-content-sha256", v);
    }
    r
}

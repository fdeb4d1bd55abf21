//! Evidence documents: list, upload, describe, download (verified before the first byte).

use super::prelude::*;

/// The evidence of a practice, with hashes and retain-until dates.
#[utoipa::path(get, path = "/api/v1/practices/{practice}/documents", tag = "evidence",
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<DocumentDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_documents(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DocumentDto>>> {
    let id = practice_id(&id)?;
    state.store_for(&p).get_practice(p.tenant, id).await?;
    let docs = state
        .store_for(&p)
        .list_documents(p.tenant, Some(id))
        .await?;
    Ok(Json(docs.iter().map(DocumentDto::from).collect()))
}

/// Uploads evidence (multipart: optional `kind`, `application`, `year` fields, then the `file`). Streamed
/// into the encrypted vault, size-limited, written once and retention-locked.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/documents", tag = "evidence",
    request_body(content = upload::UploadForm, content_type = "multipart/form-data"),
    params(("practice" = String, Path, description = "Practice id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = DocumentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(super) async fn upload_document(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    // A client uploads its practices' evidence too.
    p.require_contribute()?;
    let id = practice_id(&id)?;
    let multipart = multipart
        .map_err(|e| ApiError::BadRequest(format!("expected a multipart/form-data upload: {e}")))?;
    let doc = upload::receive(&state, &p, id, multipart, None).await?;
    Ok(created(DocumentDto::from(&doc)))
}

pub(super) fn document_id(text: &str) -> ApiResult<DocumentId> {
    parse_id("document", text)
}

/// Corrects what a document is — its kind, a note, the document that supersedes it. Its bytes never
/// change; each correction is an audit event.
#[utoipa::path(put, path = "/api/v1/documents/{document}", tag = "evidence", request_body = DocumentEditInput,
    params(("document" = String, Path, description = "Document id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DocumentDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn edit_document(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DocumentEditInput>,
) -> ApiResult<Json<DocumentDto>> {
    p.require_write()?;
    let d = state
        .store_for(&p)
        .edit_document(p.tenant, &p.actor(), document_id(&id)?, body.into_edit())
        .await?;
    Ok(Json(DocumentDto::from(&d)))
}

/// A document's record.
#[utoipa::path(get, path = "/api/v1/documents/{document}", tag = "evidence",
    params(("document" = String, Path, description = "Document id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DocumentDto), (status = 404, body = ErrorBody)))]
pub(super) async fn get_document(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<DocumentDto>> {
    let d = state
        .store_for(&p)
        .get_document(p.tenant, document_id(&id)?)
        .await?;
    Ok(Json(DocumentDto::from(&d)))
}

/// A document's bytes, verified against the recorded SHA-256 before they are sent.
#[utoipa::path(get, path = "/api/v1/documents/{document}/content", tag = "evidence",
    params(("document" = String, Path, description = "Document id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The document as uploaded", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub(super) async fn document_content(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (doc, body) = hardship_app::evidence::open_document(&state, &p, document_id(&id)?).await?;
    Ok(upload::download_response(&doc, body))
}

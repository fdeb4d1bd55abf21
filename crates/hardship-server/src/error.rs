//! The one error type of the HTTP layer. Bad input becomes a 4xx whose message names the problem;
//! anything internal becomes a 500 that reveals nothing (the details go to the log with the request id).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hardship_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first, or send an API token (Authorization: Bearer …)")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many attempts; the number is the seconds to wait (sent as `Retry-After`).
    #[error("{0}")]
    TooManyRequests(String, u64),
    #[error("storage unavailable")]
    Unavailable(String),
    /// The evidence vault has no room left (the disk or the bucket's quota).
    #[error("{0}")]
    InsufficientStorage(String),
    /// Stored evidence that failed its integrity check: a server-side fault, but one the user must be
    /// told about by name (the message says which document and what to do).
    #[error("{0}")]
    Integrity(String),
    #[error("internal error")]
    Internal(String),
}

/// The JSON body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, …
    pub error: String,
    /// What went wrong, naming the field and value for bad input; nothing internal for a 5xx.
    pub message: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Integrity(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A body that could not be read: too large (413) or cut off (400).
    pub fn from_body_rejection(text: &str, status: StatusCode) -> ApiError {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!("request body too large: {text}"))
        } else {
            ApiError::BadRequest(format!("could not read the request body: {text}"))
        }
    }

    /// The public message: the problem for a 4xx, nothing internal for a 5xx (details go to the log).
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Internal(detail) | ApiError::Unavailable(detail) => {
                tracing::error!(%detail, status = %self.status(), "request failed");
                match self {
                    ApiError::Unavailable(_) => {
                        "the service is temporarily unavailable; try again shortly".to_owned()
                    }
                    _ => "something went wrong on our side; it has been logged".to_owned(),
                }
            }
            other => other.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::UnsupportedMedia(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::TooManyRequests(..) => "too_many_requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::InsufficientStorage(_) => "insufficient_storage",
            ApiError::Integrity(_) => "integrity",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            StoreError::Duplicate { .. }
            | StoreError::Conflict { .. }
            | StoreError::IllegalTransition { .. }
            | StoreError::Refused(_) => ApiError::Conflict(e.to_string()),
            StoreError::Invalid { .. } => ApiError::Unprocessable(e.to_string()),
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            StoreError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Internals are logged, never sent.
        let message = self.public_message();
        let mut r = (
            self.status(),
            Json(ErrorBody {
                error: self.code().to_owned(),
                message,
            }),
        )
            .into_response();
        if let ApiError::TooManyRequests(_, wait) = &self
            && let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string())
        {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        if let ApiError::Unauthenticated = &self {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"hardship\""),
            );
        }
        r
    }
}

/// Each kind of use-case error has its status code; the message is the use case's.
impl From<hardship_app::AppError> for ApiError {
    fn from(e: hardship_app::AppError) -> Self {
        use hardship_app::AppError as E;
        match e {
            E::Malformed(m) => ApiError::BadRequest(m),
            E::Invalid { message, .. } => ApiError::Unprocessable(message),
            E::NotFound(m) => ApiError::NotFound(m),
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::Conflict(m) => ApiError::Conflict(m),
            E::TooMany {
                message,
                retry_after,
            } => ApiError::TooManyRequests(message, retry_after),
            E::TooLarge(m) => ApiError::PayloadTooLarge(m),
            E::Unsupported(m) => ApiError::UnsupportedMedia(m),
            E::Unavailable(m) => ApiError::Unavailable(m),
            E::StorageFull(m) => ApiError::InsufficientStorage(m),
            E::Integrity(m) => ApiError::Integrity(m),
            E::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl From<hardship_rules::InvalidValue> for ApiError {
    fn from(e: hardship_rules::InvalidValue) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

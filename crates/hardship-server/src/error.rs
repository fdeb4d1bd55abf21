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
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("storage unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
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
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::Unavailable(_) => "unavailable",
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
            | StoreError::IllegalTransition { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Invalid { .. } => ApiError::Unprocessable(e.to_string()),
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            StoreError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            // Internals are logged, never sent.
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
        };
        (
            self.status(),
            Json(Body {
                error: self.code(),
                message,
            }),
        )
            .into_response()
    }
}

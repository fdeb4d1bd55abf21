//! Request extractors whose rejections name the problem: a JSON body or query string that does not parse
//! says which field and why (via `serde_path_to_error`), and a malformed id in a path says which id.
//! Every rejection is a 4xx [`ApiError`], never a 5xx.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// A JSON request body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.split(';').next().unwrap_or("").trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            });
        if !json {
            return Err(ApiError::UnsupportedMedia(
                "expected a JSON body (Content-Type: application/json)".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::from_body_rejection(&e.body_text(), e.status()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON bytes, naming the field that failed.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            ApiError::BadRequest(format!("invalid JSON body: {inner}"))
        } else {
            ApiError::BadRequest(format!("invalid JSON body: field {path}: {inner}"))
        }
    })
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or("")).map(ApiQuery)
    }
}

/// Parses a query string (or a form body), naming the field that failed.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            ApiError::BadRequest(format!("invalid parameters: {inner}"))
        } else {
            ApiError::BadRequest(format!("invalid parameter {path}: {inner}"))
        }
    })
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// Parses an id from a path segment, naming it when malformed (a 404: an id that cannot exist is not found).
pub fn parse_id<T: FromStr>(entity: &str, text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::NotFound(format!(
            "{entity} {:?} not found (ids are UUIDs)",
            truncate(text)
        ))
    })
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 64 {
        format!("{}…", s.chars().take(64).collect::<String>())
    } else {
        s.to_owned()
    }
}

/// A performance year from a path segment or parameter.
pub fn parse_year(text: &str) -> Result<hardship_rules::PerformanceYear, ApiError> {
    hardship_rules::PerformanceYear::parse(text).map_err(|e| ApiError::BadRequest(e.to_string()))
}

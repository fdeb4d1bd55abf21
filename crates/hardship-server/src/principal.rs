//! Who is asking, found from the request: an API token (`Authorization: Bearer …`) or the session cookie,
//! resolved by [`hardship_app::access`] into the [`Principal`] every use case takes. Tenant isolation
//! rests on that principal: every store call passes its tenant, and the store finds nothing of another.
//!
//! Unsafe requests (anything but GET/HEAD/OPTIONS) made with the cookie must prove they come from our own
//! pages: the API checks the `X-CSRF-Token` header here; page forms check their hidden `csrf` field in
//! [`crate::web::form`]. Requests with an API token carry no ambient credential, so they need no CSRF token.

use crate::AppState;
use crate::error::ApiError;
use crate::security::{self, CSRF_HEADER};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use hardship_app::access::{self, Refused};
pub use hardship_app::{Credential, Principal};
use hardship_store::TokenScope;

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Unknown => ApiError::Unauthenticated,
            Refused::Error(e) => e.into(),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The principal of an API token (scope `api`). A calendar secret is refused here: it opens the calendar
/// feed and nothing else.
pub async fn from_api_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    Ok(access::from_token(state, token, TokenScope::Api).await?)
}

/// The principal of the session cookie, if there is a live session whose user still belongs to a tenant.
pub async fn from_session(state: &AppState, parts: &Parts) -> Result<Option<Principal>, ApiError> {
    let Some(secret) = security::cookie(&parts.headers, state.cookies().session_name()) else {
        return Ok(None);
    };
    match access::from_session(state, secret).await {
        Ok(p) => Ok(Some(p)),
        Err(Refused::Unknown) => Ok(None),
        Err(Refused::Error(e)) => Err(e.into()),
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The caller of an `/api/v1` route: an API token, else the session cookie (with `X-CSRF-Token` on unsafe
/// methods). Anonymous callers get 401.
pub struct ApiCaller(pub Principal);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(ApiCaller(p.clone()));
        }
        let mut p = if let Some(token) = bearer(parts) {
            from_api_token(state, token).await?
        } else {
            let p = from_session(state, parts)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            if !is_safe(&parts.method) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !access::constant_time_eq(sent.as_bytes(), p.csrf().as_bytes()) {
                    return Err(ApiError::Forbidden(
                        "CSRF check failed: a request made with the session cookie must send the session's X-CSRF-Token header".into(),
                    ));
                }
            }
            p
        };
        if !is_safe(&parts.method) {
            p.revision = None;
        }
        parts.extensions.insert(p.clone());
        Ok(ApiCaller(p))
    }
}

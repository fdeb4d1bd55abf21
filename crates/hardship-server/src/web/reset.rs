//! "Forgot your password?": asking for a reset link, and setting a new password through it.
//!
//! Asking answers the same page whatever the address, and the work (finding the account, making the
//! link, mailing it) happens in a background task after the answer, so neither the words nor the time
//! tell whether an account exists. Requests are limited per address and per client address like
//! sign-ins. A link is a path with a 256-bit secret (never logged, never sent as a referrer: every page
//! is `no-referrer`); a used, expired or unknown link gets a page that says which and how to go on.

use super::{PageResult, WebError, anonymous_form, form_token, html, html_status, with_cookie};
use crate::AppState;
use crate::error::ApiError;
use crate::security::Reserved;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use hardship_app::AppError;
use hardship_app::password_reset::{self, Requested};
use hardship_store::ResetRefusal;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    csrf: String,
    error: Option<String>,
    email: String,
    /// The address a link was asked for (the same answer whether it has an account).
    sent: Option<String>,
    available: bool,
}

pub async fn forgot_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let (csrf, cookie) = form_token(&state, &headers)?;
    let page = ForgotPage {
        csrf,
        error: None,
        email: String::new(),
        sent: None,
        available: password_reset::available(&state),
    };
    Ok(with_cookie(html(&page), cookie))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn forgot(State(state): State<AppState>, req: Request) -> PageResult {
    let (_, addr, f): (_, _, ForgotForm) = anonymous_form(&state, req).await?;
    let available = password_reset::available(&state);
    let page = |error: Option<String>, sent: Option<String>| ForgotPage {
        csrf: f.csrf.clone(),
        error,
        email: f.email.clone(),
        sent,
        available,
    };
    if !available {
        return Ok(html_status(
            StatusCode::SERVICE_UNAVAILABLE,
            &page(None, None),
        ));
    }
    let email = match hardship_store::normalize_email(&f.email) {
        Ok(e) => e.to_lowercase(),
        Err(e) => {
            return Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(Some(e.to_string()), None),
            ));
        }
    };
    let max = u32::try_from(state.settings.reset_max_requests).unwrap_or(u32::MAX);
    let limits = state.limiter.password_reset(addr, &email, max);
    if let Reserved::Wait(wait) = state
        .limiter
        .reserve(&*state.store, &limits, state.now())
        .await?
    {
        let error = format!(
            "Too many reset links were asked for. Try again in {} minute(s).",
            wait.div_ceil(60)
        );
        return Ok(super::auth::too_many(&page(Some(error), None), wait));
    }
    // After the answer, in the background: the time to answer is the same for every address.
    let app = state.app.clone();
    let who = email.clone();
    tokio::spawn(async move {
        match password_reset::send_link(&app, &who).await {
            Ok(Requested::Mailed) => tracing::info!(email = %who, "password reset link mailed"),
            Ok(outcome) => {
                tracing::info!(email = %who, ?outcome, "password reset asked, nothing mailed")
            }
            Err(e) => tracing::warn!(email = %who, error = %e, "password reset link not mailed"),
        }
    });
    Ok(html(&page(None, Some(email))))
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    csrf: String,
    token: String,
    error: Option<String>,
    /// Why the link does not work, when it does not.
    refused: Option<&'static str>,
    done: bool,
}

/// A refused link: 404 when no link has the secret, 410 Gone when it was used or has expired.
fn refused(csrf: String, token: String, r: ResetRefusal) -> axum::response::Response {
    let status = match r {
        ResetRefusal::Unknown => StatusCode::NOT_FOUND,
        ResetRefusal::Used | ResetRefusal::Expired => StatusCode::GONE,
    };
    html_status(
        status,
        &ResetPage {
            csrf,
            token,
            error: None,
            refused: Some(password_reset::refusal_words(r)),
            done: false,
        },
    )
}

pub async fn reset_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let (csrf, cookie) = form_token(&state, &headers)?;
    if let Err(r) = password_reset::check(&state, &token).await? {
        return Ok(with_cookie(refused(csrf, token, r), cookie));
    }
    let page = ResetPage {
        csrf,
        token,
        error: None,
        refused: None,
        done: false,
    };
    Ok(with_cookie(html(&page), cookie))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Request,
) -> PageResult {
    let (_, _, f): (_, _, ResetForm) = anonymous_form(&state, req).await?;
    let page = |error: Option<String>, done: bool| ResetPage {
        csrf: f.csrf.clone(),
        token: token.clone(),
        error,
        refused: None,
        done,
    };
    match password_reset::complete(&state, &token, &f.password, &f.password_confirm).await {
        Ok(Ok(user)) => {
            tracing::info!(user = %user.id, "password reset through an e-mailed link");
            Ok(html(&page(None, true)))
        }
        Ok(Err(r)) => Ok(refused(f.csrf.clone(), token.clone(), r)),
        Err(AppError::Invalid { message, .. }) => Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(Some(message), false),
        )),
        Err(AppError::TooMany {
            message,
            retry_after,
        }) => Ok(super::auth::too_many(
            &page(Some(message), false),
            retry_after,
        )),
        Err(e) => Err(WebError::from(ApiError::from(e))),
    }
}

//! Members and invitations, API tokens (and the calendar feed's address), and changing one's password.
//! Inviting and minting tokens is for owners; a token's secret and an invitation's link are shown once
//! and only their hashes are stored.

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status};
use crate::AppState;
use crate::auth::{check_password_policy, hash_password_async, verify_password_async};
use crate::dto::{self, CreatedInviteDto, CreatedTokenDto, InviteDto, MemberDto, TokenDto};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::principal::{Credential, Principal};
use crate::security;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hardship_store::Role;
use serde::Deserialize;

/// Mints an API token for the principal's tenant.
pub async fn make_token(
    state: &AppState,
    p: &Principal,
    name: &str,
    role: Role,
) -> Result<CreatedTokenDto, ApiError> {
    p.require_owner()?;
    // The prefix makes leaked tokens easy to recognise (secret scanners, logs).
    let token = format!("hs_{}", security::new_token().map_err(ApiError::Internal)?);
    let t = state
        .store
        .create_api_token(
            p.tenant,
            &p.actor(),
            name,
            role,
            security::token_hash(&token),
        )
        .await?;
    Ok(CreatedTokenDto {
        token,
        info: (&t).into(),
    })
}

/// Creates an invitation valid for the configured time; the link holds the only copy of its secret.
pub async fn make_invite(
    state: &AppState,
    p: &Principal,
    email: &str,
    role: Role,
) -> Result<CreatedInviteDto, ApiError> {
    p.require_owner()?;
    let token = security::new_token().map_err(ApiError::Internal)?;
    let ttl =
        chrono::Duration::from_std(state.settings.invite_ttl).unwrap_or(chrono::Duration::days(7));
    let inv = state
        .store
        .create_invite(
            p.tenant,
            &p.actor(),
            email,
            role,
            security::token_hash(&token),
            state.now() + ttl,
        )
        .await?;
    Ok(CreatedInviteDto {
        link_path: format!("/invite/{token}"),
        invite: (&inv).into(),
    })
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    error: Option<String>,
    members: Vec<MemberDto>,
    invites: Vec<InviteDto>,
    created: Option<CreatedInviteDto>,
    host: String,
}

fn host_of(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080")
        .to_owned()
}

async fn users_page(
    state: &AppState,
    user: WebUser,
    error: Option<String>,
    created: Option<CreatedInviteDto>,
    host: String,
) -> Result<UsersPage, WebError> {
    let p = &user.0;
    let members = state.store.members(p.tenant).await?;
    let invites = if p.role == Role::Owner {
        state.store.list_invites(p.tenant).await?
    } else {
        Vec::new()
    };
    Ok(UsersPage {
        nav: user.nav(state).await?,
        error,
        members: members
            .iter()
            .map(|(m, u)| MemberDto {
                user: u.id,
                email: u.email.clone(),
                role: m.role.code().to_owned(),
            })
            .collect(),
        invites: invites.iter().map(InviteDto::from).collect(),
        created,
        host,
    })
}

pub async fn users(
    State(state): State<AppState>,
    user: WebUser,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let page = users_page(&state, user, None, None, host_of(&headers)).await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(p, f): Form<InviteForm>,
) -> PageResult {
    p.require_owner()?;
    let result = async { make_invite(&state, &p, &f.email, dto::parse_role(&f.role)?).await }.await;
    let host = host_of(&headers);
    match result {
        Ok(created) => {
            let page = users_page(&state, WebUser(p), None, Some(created), host).await?;
            Ok(html(&page))
        }
        Err(e) => {
            let status = e.status();
            let page = users_page(&state, WebUser(p), Some(e.public_message()), None, host).await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    nav: Nav,
    error: Option<String>,
    tokens: Vec<TokenDto>,
    created: Option<CreatedTokenDto>,
    host: String,
}

async fn tokens_page(
    state: &AppState,
    user: WebUser,
    error: Option<String>,
    created: Option<CreatedTokenDto>,
    host: String,
) -> Result<TokensPage, WebError> {
    user.0.require_owner()?;
    let tokens = state.store.list_api_tokens(user.0.tenant).await?;
    Ok(TokensPage {
        nav: user.nav(state).await?,
        error,
        tokens: tokens.iter().map(TokenDto::from).collect(),
        created,
        host,
    })
}

pub async fn tokens(
    State(state): State<AppState>,
    user: WebUser,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let page = tokens_page(&state, user, None, None, host_of(&headers)).await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(p, f): Form<TokenForm>,
) -> PageResult {
    p.require_owner()?;
    let host = host_of(&headers);
    let result = async { make_token(&state, &p, &f.name, dto::parse_role(&f.role)?).await }.await;
    match result {
        Ok(created) => {
            let page = tokens_page(&state, WebUser(p), None, Some(created), host).await?;
            Ok(html(&page))
        }
        Err(e) => {
            let status = e.status();
            let page =
                tokens_page(&state, WebUser(p), Some(e.public_message()), None, host).await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, _): Form<Nothing>,
) -> PageResult {
    p.require_owner()?;
    let id: uuid::Uuid = parse_id("api token", &id)?;
    state
        .store
        .revoke_api_token(p.tenant, &p.actor(), id)
        .await?;
    Ok(super::see("/settings/tokens"))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    error: Option<String>,
    done: bool,
}

pub async fn password_page(State(state): State<AppState>, user: WebUser) -> PageResult {
    Ok(html(&PasswordPage {
        nav: user.nav(&state).await?,
        error: None,
        done: false,
    }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Changes the password and signs the user out of every other session.
pub async fn change_password(
    State(state): State<AppState>,
    Form(p, f): Form<PasswordForm>,
) -> PageResult {
    let user_id = p
        .user
        .ok_or_else(|| ApiError::Forbidden("API tokens have no password".into()))?;
    let user = state.store.get_user(user_id).await?;
    let problem = if !verify_password_async(f.current.clone(), user.password_hash.clone()).await {
        Some("current: wrong password".to_owned())
    } else if let Err(e) = check_password_policy(&f.password) {
        Some(e)
    } else if f.password != f.password_confirm {
        Some("password_confirm: the two passwords differ".to_owned())
    } else {
        None
    };
    if let Some(error) = problem {
        return Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                nav: WebUser(p).nav(&state).await?,
                error: Some(error),
                done: false,
            },
        ));
    }
    let hash = hash_password_async(f.password.clone())
        .await
        .map_err(ApiError::Internal)?;
    state.store.set_password(user_id, &hash).await?;
    let keep = match &p.credential {
        Credential::Session { token_hash, .. } => Some(*token_hash),
        Credential::ApiToken { .. } | Credential::Cli => None,
    };
    state
        .store
        .delete_user_sessions(user_id, keep.as_ref())
        .await?;
    Ok(html(&PasswordPage {
        nav: WebUser(p).nav(&state).await?,
        error: None,
        done: true,
    }))
}

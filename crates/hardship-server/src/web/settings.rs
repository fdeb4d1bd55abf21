//! Members and invitations, API tokens (and the calendar feed's address), and changing one's password.
//! Inviting and minting tokens is for owners; a token's secret and an invitation's link are shown once
//! and only their hashes are stored.

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status};
use crate::AppState;
use crate::dto::{self, CreatedInviteDto, CreatedTokenDto, InviteDto, MemberDto, TokenDto};
use crate::error::ApiError;
use crate::extract::parse_id;
use crate::principal::{Credential, Principal};
use crate::security::Reserved;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hardship_app::passwords::{HashError, check_password_policy};
use hardship_store::{Role, TokenScope};
use serde::Deserialize;

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
    super::Origin(origin): super::Origin,
) -> PageResult {
    let page = users_page(&state, user, None, None, origin.clone()).await?;
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
    super::Origin(origin): super::Origin,
    Form(p, f): Form<InviteForm>,
) -> PageResult {
    p.require_owner()?;
    let result =
        async { dto::make_invite(&state, &p, &f.email, dto::parse_role(&f.role)?, &origin).await }
            .await;
    // The link shown is the one mailed: on the public address when one is configured.
    let host = state.public_url().unwrap_or(&origin).to_owned();
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
    super::Origin(origin): super::Origin,
) -> PageResult {
    let page = tokens_page(&state, user, None, None, origin.clone()).await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: Option<String>,
}

pub async fn create_token(
    State(state): State<AppState>,
    super::Origin(origin): super::Origin,
    Form(p, f): Form<TokenForm>,
) -> PageResult {
    p.require_owner()?;
    let host = origin.clone();
    let result = async {
        let scope = dto::parse_scope(f.scope.as_deref())?;
        let role = match scope {
            TokenScope::Api => dto::parse_role(&f.role)?,
            TokenScope::Calendar => Role::Auditor,
        };
        dto::make_token(&state, &p, &f.name, role, scope).await
    }
    .await;
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

/// How long a refused password check asks the user to wait, at least.
const BUSY_OR_LIMIT_RETRY: u64 = 5;

/// Changes the password and signs the user out of every other session.
pub async fn change_password(
    State(state): State<AppState>,
    Form(p, f): Form<PasswordForm>,
) -> PageResult {
    let user_id = p
        .user
        .ok_or_else(|| ApiError::Forbidden("API tokens have no password".into()))?;
    let user = state.store.get_user(user_id).await?;
    let st = &state;
    let again = |p: Principal, error: String, status: StatusCode| async move {
        let page = PasswordPage {
            nav: WebUser(p).nav(st).await?,
            error: Some(error),
            done: false,
        };
        Ok::<_, WebError>(match status {
            StatusCode::TOO_MANY_REQUESTS => super::auth::too_many(&page, BUSY_OR_LIMIT_RETRY),
            s => html_status(s, &page),
        })
    };
    // The current password is a secret a stolen session must not be able to guess at will: the same
    // reservation as a sign-in, per user.
    let limits = state.limiter.password_check(&user_id.to_string());
    let attempt = match state
        .limiter
        .reserve(&*state.store, &limits, state.now())
        .await?
    {
        Reserved::Go(a) => a,
        Reserved::Wait(wait) => {
            return again(
                p,
                format!(
                    "current: too many wrong passwords; try again in {} minute(s)",
                    wait.div_ceil(60)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
    };
    let right = match state
        .passwords
        .verify(f.current.clone(), user.password_hash.clone())
        .await
    {
        Ok(right) => right,
        Err(HashError::Busy) => {
            state.limiter.not_checked(&*state.store, attempt).await?;
            return again(
                p,
                HashError::Busy.to_string(),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
        Err(HashError::Failed(e)) => return Err(ApiError::Internal(e).into()),
    };
    if !right {
        return again(
            p,
            "current: wrong password".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    state
        .limiter
        .succeeded(&*state.store, attempt, &limits)
        .await?;
    let problem = if let Err(e) = check_password_policy(&f.password) {
        Some(e)
    } else if f.password != f.password_confirm {
        Some("password_confirm: the two passwords differ".to_owned())
    } else {
        None
    };
    if let Some(error) = problem {
        return again(p, error, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let hash = super::auth::hash(&state, &f.password).await?;
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

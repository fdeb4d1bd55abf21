//! Members and invitations, API tokens (and the calendar feed's address), and changing one's password.
//! Inviting, changing a member's role, removing a member and minting tokens are for owners; a token's
//! secret and an invitation's link are shown once and only their hashes are stored. Clients see none of
//! this but their own password.

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
use hardship_store::{MemberChange, PracticeId, Role, TokenScope, UserId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    error: Option<String>,
    notice: Option<String>,
    members: Vec<MemberDto>,
    invites: Vec<InviteDto>,
    created: Option<CreatedInviteDto>,
    host: String,
    /// (id, name) of the practices a client can be linked to (for owners' forms).
    practices: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

/// The roles an owner gives, with what each may do.
const ROLES: &[(&str, &str)] = &[
    ("staff", "staff — prepares and files applications"),
    ("auditor", "auditor — sees everything, changes nothing"),
    (
        "client",
        "client — sees only its practices: uploads evidence, answers and signs their applications",
    ),
    ("owner", "owner — also manages people and mints API tokens"),
];

async fn users_page(
    state: &AppState,
    user: WebUser,
    error: Option<String>,
    created: Option<CreatedInviteDto>,
    host: String,
) -> Result<UsersPage, WebError> {
    let p = &user.0;
    let members = hardship_app::members::list(state, p).await?;
    let owner = p.role == Role::Owner;
    let invites = if owner {
        state.store_for(p).list_invites(p.tenant).await?
    } else {
        Vec::new()
    };
    let practices = if owner {
        state
            .store_for(p)
            .list_practices(p.tenant)
            .await?
            .into_iter()
            .filter(|x| x.archived.is_none())
            .map(|x| {
                (
                    x.id.to_string(),
                    format!("{} (TIN {})", x.name, x.tin.dashed()),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(UsersPage {
        nav: user.nav(state).await?,
        error,
        notice: None,
        members: members.into_iter().map(MemberDto::from).collect(),
        invites: invites.iter().map(InviteDto::from).collect(),
        created,
        host,
        practices,
        roles: ROLES.to_vec(),
    })
}

/// A form's values of `name` (a multiple select sends one pair per choice), parsed as practice ids.
fn practice_ids(fields: &[(String, String)]) -> Result<Vec<PracticeId>, ApiError> {
    fields
        .iter()
        .filter(|(k, v)| k == "practices" && !v.trim().is_empty())
        .map(|(_, v)| parse_id("practice", v.trim()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

pub async fn users(
    State(state): State<AppState>,
    user: WebUser,
    super::Origin(origin): super::Origin,
) -> PageResult {
    let page = users_page(&state, user, None, None, origin.clone()).await?;
    Ok(html(&page))
}

pub async fn invite(
    State(state): State<AppState>,
    super::Origin(origin): super::Origin,
    Form(p, f): Form<Vec<(String, String)>>,
) -> PageResult {
    p.require_owner()?;
    let result = async {
        let role = dto::parse_role(field(&f, "role"))?;
        let practices = practice_ids(&f)?;
        dto::make_invite(&state, &p, field(&f, "email"), role, practices, &origin).await
    }
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
    let tokens = state
        .store_for(&user.0)
        .list_api_tokens(user.0.tenant)
        .await?;
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
        .store_for(&p)
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

/// Changes a member's role (a client's practices with it); the member is signed out of this
/// organization and its API tokens here stop working.
pub async fn change_role(
    State(state): State<AppState>,
    super::Origin(origin): super::Origin,
    Path(user): Path<String>,
    Form(p, f): Form<Vec<(String, String)>>,
) -> PageResult {
    p.require_owner()?;
    let user: UserId = parse_id("user", &user)?;
    let result = async {
        let change = MemberChange::Role {
            role: dto::parse_role(field(&f, "role"))?,
            practices: practice_ids(&f)?,
        };
        hardship_app::members::change(&state, &p, user, change)
            .await
            .map_err(ApiError::from)
    }
    .await;
    let own = p.user == Some(user);
    member_changed(&state, p, origin, own, result).await
}

/// Removes a member; it is signed out of this organization and its API tokens here stop working.
pub async fn remove_member(
    State(state): State<AppState>,
    super::Origin(origin): super::Origin,
    Path(user): Path<String>,
    Form(p, _): Form<Nothing>,
) -> PageResult {
    p.require_owner()?;
    let user: UserId = parse_id("user", &user)?;
    let result = hardship_app::members::change(&state, &p, user, MemberChange::Remove)
        .await
        .map_err(ApiError::from);
    let own = p.user == Some(user);
    member_changed(&state, p, origin, own, result).await
}

/// The people page after a member change: what it ended, or why it was refused. A change of one's own
/// role ends one's own session too: then the way on is signing in again.
async fn member_changed(
    state: &AppState,
    p: Principal,
    origin: String,
    own: bool,
    result: Result<hardship_store::MemberChanged, ApiError>,
) -> PageResult {
    match result {
        // One's own role changed: this session has just ended.
        Ok(_) if own => Ok(super::see("/login")),
        Ok(done) => {
            let mut page = users_page(state, WebUser(p), None, None, origin).await?;
            page.notice = Some(format!(
                "Done: {} of the member's session(s) ended and {} API token(s) revoked.",
                done.sessions_ended,
                done.tokens_revoked.len()
            ));
            Ok(html(&page))
        }
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            let page =
                users_page(state, WebUser(p), Some(e.public_message()), None, origin).await?;
            Ok(html_status(status, &page))
        }
    }
}

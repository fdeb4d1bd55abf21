//! Sign-in, first-run set-up, sign-out, accepting an invitation and switching organization.
//!
//! A new session (new random token) is created at every sign-in, so a session id planted before sign-in
//! is worthless (no fixation). Failed sign-ins answer the same whether or not the e-mail exists, take the
//! same argon2 time either way, and are rate limited per client address and per e-mail address.

use super::{
    Form, PageResult, WebError, WebUser, anonymous_form, form_token, html, html_status, see,
    with_cookie,
};
use crate::AppState;
use crate::auth::{check_password_policy, hash_password_async, verify_password_async};
use crate::error::ApiError;
use crate::principal::Credential;
use crate::security;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use hardship_store::{Actor, OrganizationKind, Role, Session, TenantId, UserId};
use serde::Deserialize;

/// `/`: the dashboard when signed in, set-up on a fresh installation, else sign-in.
pub async fn home(State(state): State<AppState>, user: Result<WebUser, WebError>) -> PageResult {
    if user.is_ok() {
        return Ok(see("/dashboard"));
    }
    if state.store.count_users().await? == 0 {
        return Ok(see("/setup"));
    }
    Ok(see("/login"))
}

/// Starts a session for `user` in `tenant`; returns the cookie that carries it.
pub async fn start_session(
    state: &AppState,
    user: UserId,
    tenant: Option<TenantId>,
) -> Result<HeaderValue, WebError> {
    let token = security::new_token().map_err(ApiError::Internal)?;
    let csrf = security::new_token().map_err(ApiError::Internal)?;
    let now = state.now();
    let ttl = state.settings.session_ttl;
    state
        .store
        .create_session(Session {
            token_hash: security::token_hash(&token),
            user,
            tenant,
            csrf_token: csrf,
            created_at: now,
            expires_at: now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(8)),
        })
        .await?;
    Ok(state.cookies().set_session(&token, ttl))
}

// ---- first-run set-up -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    csrf: String,
    error: Option<String>,
    organization: String,
    kind: String,
    email: String,
}

pub async fn setup_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if state.store.count_users().await? > 0 {
        return Ok(see("/login"));
    }
    let (csrf, cookie) = form_token(&state, &headers)?;
    let page = SetupPage {
        csrf,
        error: None,
        organization: String::new(),
        kind: "consultancy".into(),
        email: String::new(),
    };
    Ok(with_cookie(html(&page), cookie))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn setup(State(state): State<AppState>, req: Request) -> PageResult {
    let (_, _, f): (_, _, SetupForm) = anonymous_form(&state, req).await?;
    // One set-up at a time, and only on a fresh installation.
    let _guard = state.setup_lock.lock().await;
    if state.store.count_users().await? > 0 {
        return Err(
            ApiError::Forbidden("this installation is already set up: sign in".into()).into(),
        );
    }
    let again = |error: String| {
        html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                csrf: f.csrf.clone(),
                error: Some(error),
                organization: f.organization.clone(),
                kind: f.kind.clone(),
                email: f.email.clone(),
            },
        )
    };
    let Some(kind) = OrganizationKind::parse(f.kind.trim()) else {
        return Ok(again(format!(
            "invalid kind {:?}: consultancy or practice",
            f.kind
        )));
    };
    if f.organization.trim().is_empty() {
        return Ok(again("organization: give the organization a name".into()));
    }
    let email = match hardship_store::normalize_email(&f.email) {
        Ok(e) => e,
        Err(e) => return Ok(again(e.to_string())),
    };
    if let Err(e) = check_password_policy(&f.password) {
        return Ok(again(e));
    }
    if f.password != f.password_confirm {
        return Ok(again("password_confirm: the two passwords differ".into()));
    }
    let hash = hash_password_async(f.password.clone())
        .await
        .map_err(ApiError::Internal)?;
    let actor = Actor {
        user: None,
        label: format!("set-up by {email}"),
        role: Role::Owner,
    };
    let org = match state
        .store
        .create_organization(&actor, f.organization.trim(), kind)
        .await
    {
        Ok(o) => o,
        Err(e) => return Ok(again(e.to_string())),
    };
    let user = state.store.create_user(&email, &hash).await?;
    state
        .store
        .add_membership(org.id, &actor, user.id, Role::Owner)
        .await?;
    let cookie = start_session(&state, user.id, Some(org.id)).await?;
    Ok(with_cookie(see("/dashboard"), Some(cookie)))
}

// ---- sign-in --------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site (no scheme, no `//host`): no open redirects.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 500 =>
        {
            n.to_owned()
        }
        _ => "/dashboard".to_owned(),
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> PageResult {
    if state.store.count_users().await? == 0 {
        return Ok(see("/setup"));
    }
    let (csrf, cookie) = form_token(&state, &headers)?;
    let page = LoginPage {
        csrf,
        error: None,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
    };
    Ok(with_cookie(html(&page), cookie))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// A valid argon2id hash of a random password: verifying against it when the e-mail is unknown takes
/// the same time as a real check, so timing does not reveal which e-mails have accounts.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bU8dL0t3hWw5F2yPq3jjx+0m0bWQy8C5xXy6mTzQ2A";

pub async fn login(State(state): State<AppState>, req: Request) -> PageResult {
    let (_, addr, f): (_, _, LoginForm) = anonymous_form(&state, req).await?;
    let email = f.email.trim().to_lowercase();
    let keys = vec![
        format!(
            "ip:{}",
            addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
        ),
        format!("email:{email}"),
    ];
    let now = state.now();
    let page = |error: &str| LoginPage {
        csrf: f.csrf.clone(),
        error: Some(error.to_owned()),
        email: f.email.clone(),
        next: safe_next(f.next.as_deref()),
    };
    if let Err(wait) = state.limiter.check(&*state.store, &keys, now).await? {
        let mut r = html_status(
            StatusCode::TOO_MANY_REQUESTS,
            &page(&format!(
                "Too many failed sign-ins. Try again in {} minute(s).",
                wait.div_ceil(60)
            )),
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let user = state.store.find_user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| DECOY_HASH.to_owned(), |u| u.password_hash.clone());
    let ok = verify_password_async(f.password.clone(), hash).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.fail(&*state.store, &keys, now).await?;
        tracing::warn!(email = %email, "sign-in failed");
        return Ok(html_status(
            StatusCode::UNAUTHORIZED,
            &page("Wrong e-mail address or password."),
        ));
    };
    // The e-mail's count is forgotten; the address's stays, or a guesser with one valid account could
    // reset its own budget.
    state.limiter.succeed(&*state.store, &keys[1..]).await?;
    let first = state
        .store
        .memberships_of(user.id)
        .await?
        .first()
        .map(|m| m.tenant);
    let cookie = start_session(&state, user.id, first).await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(with_cookie(
        see(&safe_next(f.next.as_deref())),
        Some(cookie),
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(State(state): State<AppState>, Form(p, _): Form<Empty>) -> PageResult {
    if let Credential::Session { token_hash, .. } = &p.credential {
        state.store.delete_session(token_hash).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, state.cookies().clear_session());
    Ok(r)
}

#[derive(Deserialize)]
pub struct SwitchForm {
    tenant: String,
}

pub async fn switch_org(State(state): State<AppState>, Form(p, f): Form<SwitchForm>) -> PageResult {
    let tenant = super::parse_tenant(&f.tenant)?;
    if !p.tenants.iter().any(|(t, _)| *t == tenant) {
        return Err(ApiError::NotFound(format!("organization {tenant} not found")).into());
    }
    if let Credential::Session { token_hash, .. } = &p.credential {
        state.store.set_session_tenant(token_hash, tenant).await?;
    }
    Ok(see("/dashboard"))
}

// ---- invitations ----------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    csrf: String,
    error: Option<String>,
    token: String,
    organization: String,
    email: String,
    role: String,
    has_account: bool,
}

async fn invite_of(
    state: &AppState,
    token: &str,
) -> Result<(hardship_store::Invite, String, bool), WebError> {
    let invite = state
        .store
        .find_invite(&security::token_hash(token), state.now())
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "this invitation was already used, has expired or does not exist".into(),
            )
        })?;
    let org = state.store.get_organization(invite.tenant).await?;
    let has_account = state
        .store
        .find_user_by_email(&invite.email)
        .await?
        .is_some();
    Ok((invite, org.name, has_account))
}

pub async fn invite_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> PageResult {
    let (invite, organization, has_account) = invite_of(&state, &token).await?;
    let (csrf, cookie) = form_token(&state, &headers)?;
    let page = InvitePage {
        csrf,
        error: None,
        token,
        organization,
        email: invite.email,
        role: invite.role.code().to_owned(),
        has_account,
    };
    Ok(with_cookie(html(&page), cookie))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Request,
) -> PageResult {
    let (_, _, f): (_, _, InviteForm) = anonymous_form(&state, req).await?;
    let (invite, organization, has_account) = invite_of(&state, &token).await?;
    let again = |error: String| {
        html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &InvitePage {
                csrf: f.csrf.clone(),
                error: Some(error),
                token: token.clone(),
                organization: organization.clone(),
                email: invite.email.clone(),
                role: invite.role.code().to_owned(),
                has_account,
            },
        )
    };
    let new_hash = if has_account {
        // Joining with an existing account: prove it is yours.
        let user = state
            .store
            .find_user_by_email(&invite.email)
            .await?
            .ok_or_else(|| ApiError::Internal("account vanished".into()))?;
        if !verify_password_async(f.password.clone(), user.password_hash).await {
            return Ok(again("Wrong password for this account.".into()));
        }
        None
    } else {
        if let Err(e) = check_password_policy(&f.password) {
            return Ok(again(e));
        }
        if f.password != f.password_confirm {
            return Ok(again("password_confirm: the two passwords differ".into()));
        }
        Some(
            hash_password_async(f.password.clone())
                .await
                .map_err(ApiError::Internal)?,
        )
    };
    let (invite, user) = state
        .store
        .accept_invite(
            &security::token_hash(&token),
            state.now(),
            new_hash.as_deref(),
        )
        .await?;
    let cookie = start_session(&state, user.id, Some(invite.tenant)).await?;
    Ok(with_cookie(see("/dashboard"), Some(cookie)))
}

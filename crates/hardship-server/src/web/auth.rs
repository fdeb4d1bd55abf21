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
use crate::error::ApiError;
use crate::principal::Credential;
use crate::security::Reserved;
use askama::Template;
use axum::extract::FromRequest;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use hardship_app::passwords::{HashError, check_password_policy};
use hardship_store::{Actor, InviteAcceptance, OrganizationKind, Role, Session, TenantId, UserId};
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
    let token = hardship_app::access::new_secret()?;
    let csrf = hardship_app::access::new_secret()?;
    let now = state.now();
    let ttl = state.settings.session_ttl;
    state
        .store
        .create_session(Session {
            token_hash: hardship_app::access::secret_hash(&token),
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
    let hash = hash(&state, &f.password).await?;
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
    /// Whether "Forgot your password?" can mail a link here.
    reset: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a plain path on this site: it starts with one `/`, and holds only visible ASCII other than `\\`
/// (no tab, newline or space a browser would drop or that would break the `Location` header), and no
/// percent-escape of a control character, space or `/` and `\\` (`/%2F/evil.example` and
/// `/%09/evil.example` resolve to another host). Anything else goes to the dashboard: no open redirects.
pub fn safe_next(next: Option<&str>) -> String {
    let plain = |n: &str| {
        let b = n.as_bytes();
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\' | b'%'))
            && n.len() < 500
            && b.iter().all(|&c| c.is_ascii_graphic() && c != b'\\')
            && !n.to_ascii_lowercase().split('%').skip(1).any(|esc| {
                esc.get(..2).is_none_or(|h| {
                    u8::from_str_radix(h, 16)
                        .map_or(true, |c| c < 0x21 || c == 0x7f || c == b'/' || c == b'\\')
                })
            })
    };
    match next {
        Some(n) if plain(n) => n.to_owned(),
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
        reset: hardship_app::password_reset::available(&state),
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
    let now = state.now();
    let page = |error: &str| LoginPage {
        csrf: f.csrf.clone(),
        error: Some(error.to_owned()),
        email: f.email.clone(),
        next: safe_next(f.next.as_deref()),
        reset: hardship_app::password_reset::available(&state),
    };
    // The attempt is reserved before the password is checked, so concurrent guesses cannot all pass.
    let limits = state.limiter.sign_in(addr, &email);
    let attempt = match state.limiter.reserve(&*state.store, &limits, now).await? {
        Reserved::Go(attempt) => attempt,
        Reserved::Wait(wait) => {
            return Ok(too_many(
                &page(&format!(
                    "Too many failed sign-ins. Try again in {} minute(s).",
                    wait.div_ceil(60)
                )),
                wait,
            ));
        }
    };
    let user = state.store.find_user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| DECOY_HASH.to_owned(), |u| u.password_hash.clone());
    let ok = match state.passwords.verify(f.password.clone(), hash).await {
        Ok(ok) => ok && user.is_some(),
        Err(HashError::Busy) => {
            state.limiter.not_checked(&*state.store, attempt).await?;
            return Ok(too_many(&page(&HashError::Busy.to_string()), BUSY_RETRY));
        }
        Err(HashError::Failed(e)) => return Err(ApiError::Internal(e).into()),
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(email = %email, "sign-in failed");
        return Ok(html_status(
            StatusCode::UNAUTHORIZED,
            &page("Wrong e-mail address or password."),
        ));
    };
    state
        .limiter
        .succeeded(&*state.store, attempt, &limits)
        .await?;
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

/// Seconds a caller turned away by a busy hasher is asked to wait.
pub const BUSY_RETRY: u64 = 5;

/// A form shown again with 429 and `Retry-After`.
pub fn too_many<T: Template>(page: &T, wait: u64) -> axum::response::Response {
    let mut r = html_status(StatusCode::TOO_MANY_REQUESTS, page);
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Hashes a new password with the bounded hasher; a full queue is a 429 with `Retry-After`.
pub async fn hash(state: &AppState, password: &str) -> Result<String, WebError> {
    state
        .passwords
        .hash(password.to_owned())
        .await
        .map_err(|e| match e {
            HashError::Busy => ApiError::TooManyRequests(e.to_string(), BUSY_RETRY).into(),
            HashError::Failed(m) => ApiError::Internal(m).into(),
        })
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
//
// The holder of an invitation link must never get a session of an account that already exists: the page
// says nothing about whether the invited address has an account, a new account is created only when the
// address has none, and an existing account joins only while signed in (through the rate-limited sign-in).
// The store is told which of the two cases was checked and refuses the other inside its transaction.

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    csrf: String,
    error: Option<String>,
    token: String,
    organization: String,
    email: String,
    role: String,
    /// The signed-in user's address, when someone is signed in.
    signed_in_as: Option<String>,
    /// Whether the signed-in user is the invited address.
    is_invitee: bool,
    /// A client invitation's practices, by name.
    practices: Vec<String>,
}

/// The names of a client invitation's practices (the invitee is about to see them).
async fn practice_names(
    state: &AppState,
    invite: &hardship_store::Invite,
) -> Result<Vec<String>, WebError> {
    let mut names = Vec::new();
    for id in &invite.practices {
        names.push(state.store.get_practice(invite.tenant, *id).await?.name);
    }
    Ok(names)
}

async fn invite_of(
    state: &AppState,
    token: &str,
) -> Result<(hardship_store::Invite, String), WebError> {
    let invite = state
        .store
        .find_invite(&hardship_app::access::secret_hash(token), state.now())
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "this invitation was already used, has expired or does not exist".into(),
            )
        })?;
    let org = state.store.get_organization(invite.tenant).await?;
    Ok((invite, org.name))
}

/// The signed-in user of the request, if any (an invitation page is open to both).
async fn signed_in(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
) -> Result<Option<crate::principal::Principal>, WebError> {
    match crate::principal::from_session(state, parts).await {
        Ok(p) => Ok(p),
        // Signed in but a member of no organization yet: still someone who may accept.
        Err(ApiError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn invite_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    req: Request,
) -> PageResult {
    let (mut parts, _) = req.into_parts();
    let (invite, organization) = invite_of(&state, &token).await?;
    let me = signed_in(&state, &mut parts).await?;
    let (csrf, cookie) = match &me {
        Some(p) => (p.csrf().to_owned(), None),
        None => form_token(&state, &parts.headers)?,
    };
    let is_invitee = me
        .as_ref()
        .is_some_and(|p| p.label.eq_ignore_ascii_case(&invite.email));
    let page = InvitePage {
        csrf,
        error: None,
        token,
        organization,
        practices: practice_names(&state, &invite).await?,
        email: invite.email,
        role: invite.role.code().to_owned(),
        signed_in_as: me.map(|p| p.label),
        is_invitee,
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
    let (mut parts, body) = req.into_parts();
    let me = signed_in(&state, &mut parts).await?;
    let req = Request::from_parts(parts, body);
    let (invite, organization) = invite_of(&state, &token).await?;
    let practices = practice_names(&state, &invite).await?;
    let (acceptance, f) = match &me {
        // Signed in: the session's CSRF token, and the store checks the account is the invited one.
        Some(p) => {
            let Form(_, f): Form<InviteForm> = Form::from_request(req, &state).await?;
            let user = p.user.ok_or(ApiError::Unauthenticated)?;
            (InviteAcceptance::SignedIn { user }, f)
        }
        None => {
            let (_, _, f): (_, _, InviteForm) = anonymous_form(&state, req).await?;
            (
                InviteAcceptance::NewAccount {
                    password_hash: String::new(),
                },
                f,
            )
        }
    };
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
                signed_in_as: me.as_ref().map(|p| p.label.clone()),
                is_invitee: me
                    .as_ref()
                    .is_some_and(|p| p.label.eq_ignore_ascii_case(&invite.email)),
                practices: practices.clone(),
            },
        )
    };
    let acceptance = match acceptance {
        InviteAcceptance::NewAccount { .. } => {
            if let Err(e) = check_password_policy(&f.password) {
                return Ok(again(e));
            }
            if f.password != f.password_confirm {
                return Ok(again("password_confirm: the two passwords differ".into()));
            }
            InviteAcceptance::NewAccount {
                password_hash: hash(&state, &f.password).await?,
            }
        }
        signed_in => signed_in,
    };
    let accepted = state
        .store
        .accept_invite(
            &hardship_app::access::secret_hash(&token),
            state.now(),
            acceptance,
        )
        .await;
    let (invite, user) = match accepted {
        Ok(done) => done,
        // The same words whether the address has an account or not: no account is created, nothing
        // about it is signed in, and signing in is the way on.
        Err(hardship_store::StoreError::Duplicate { .. }) => {
            return Ok(again(
                "This invitation cannot be accepted with a new password. If you already have an \
                 account, sign in first and open the invitation link again."
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if me.is_some() {
        // Already signed in: switch this session to the organization just joined.
        if let Some(crate::principal::Principal {
            credential: Credential::Session { token_hash, .. },
            ..
        }) = &me
        {
            state
                .store
                .set_session_tenant(token_hash, invite.tenant)
                .await?;
        }
        return Ok(see("/dashboard"));
    }
    let cookie = start_session(&state, user.id, Some(invite.tenant)).await?;
    Ok(with_cookie(see("/dashboard"), Some(cookie)))
}

//! Who is asking, in which tenant, with which role: resolved once per request from an API token
//! (`Authorization: Bearer …`) or the session cookie, and handed to every handler. Tenant isolation rests
//! on this: every store call a handler makes passes `principal.tenant`, and the store finds nothing of
//! another tenant.
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
use hardship_store::{Actor, ApiToken, Role, TenantId, TokenScope, UserId};

/// How the request authenticated.
#[derive(Clone, Debug)]
pub enum Credential {
    Session {
        token_hash: [u8; 32],
        csrf: String,
    },
    ApiToken {
        id: uuid::Uuid,
    },
    /// The `hardship` command line, run by an operator of the installation.
    Cli,
}

/// The authenticated caller, in one tenant.
#[derive(Clone, Debug)]
pub struct Principal {
    pub tenant: TenantId,
    pub role: Role,
    pub user: Option<UserId>,
    /// The e-mail address, or `api token <name>`: what the audit log records.
    pub label: String,
    pub credential: Credential,
    /// Every tenant the user belongs to (for the organization switcher); one for API tokens.
    pub tenants: Vec<(TenantId, Role)>,
    /// The tenant's revision as read while authenticating a read-only request, so the caches need not
    /// read it a second time (a write changes it, so writes leave this empty).
    pub revision: Option<i64>,
}

impl Principal {
    /// The command line acting in a tenant as an owner; the audit log records it as `cli`.
    pub fn cli(tenant: TenantId) -> Principal {
        Principal {
            tenant,
            role: Role::Owner,
            user: None,
            label: "cli".into(),
            credential: Credential::Cli,
            tenants: vec![(tenant, Role::Owner)],
            revision: None,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user,
            label: self.label.clone(),
            role: self.role,
        }
    }

    /// Refuses read-only callers before anything else happens.
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{} is an auditor in this organization and cannot change anything",
                self.label
            )))
        }
    }

    pub fn require_owner(&self) -> Result<(), ApiError> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "only an owner of the organization can do this ({} is {})",
                self.label,
                self.role.code()
            )))
        }
    }

    /// The session's CSRF token (empty for API tokens, which need none).
    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::ApiToken { .. } | Credential::Cli => "",
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

/// The principal of an API token (scope `api`), served from the revision-checked cache when the tenant
/// is unchanged. A calendar token is refused here: it opens the calendar feed and nothing else.
pub async fn from_api_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    from_token(state, token, TokenScope::Api).await
}

/// The principal of a token of exactly `scope`.
pub async fn from_token(
    state: &AppState,
    token: &str,
    scope: TokenScope,
) -> Result<Principal, ApiError> {
    let hash = security::token_hash(token);
    let cached = state
        .caches
        .tokens
        .lock()
        .ok()
        .and_then(|m| m.get(&hash).cloned());
    // A cached token is good while its tenant's revision is unchanged (a revocation moves it).
    let current = match &cached {
        Some((t, _)) => Some(state.store.revision(t.tenant).await?),
        None => None,
    };
    let mut revision = current;
    let found: ApiToken = match cached {
        Some((t, rev)) if current == Some(rev) => t,
        _ => {
            let t = state
                .store
                .find_api_token(&hash)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            let rev = state.store.revision(t.tenant).await?;
            revision = Some(rev);
            if let Ok(mut m) = state.caches.tokens.lock() {
                if m.len() > 10_000 {
                    m.clear();
                }
                m.insert(hash, (t.clone(), rev));
            }
            t
        }
    };
    if found.scope != scope {
        return Err(ApiError::Forbidden(match found.scope {
            TokenScope::Calendar => {
                "a calendar link's secret can read the calendar feed and nothing else".into()
            }
            TokenScope::Api => {
                "only a calendar link's secret may be sent in the address: create a \
                calendar link under Settings → API tokens (an API token belongs in the \
                Authorization header, never in a URL)"
                    .into()
            }
        }));
    }
    Ok(Principal {
        tenant: found.tenant,
        role: found.role,
        user: None,
        label: format!("api token {}", found.name),
        credential: Credential::ApiToken { id: found.id },
        tenants: vec![(found.tenant, found.role)],
        revision,
    })
}

/// The principal of the session cookie, if there is a live session whose user still belongs to a tenant.
pub async fn from_session(state: &AppState, parts: &Parts) -> Result<Option<Principal>, ApiError> {
    let Some(token) = security::cookie(&parts.headers, state.cookies().session_name()) else {
        return Ok(None);
    };
    let hash = security::token_hash(token);
    let Some(session) = state.store.get_session(&hash, state.now()).await? else {
        return Ok(None);
    };
    let user = state.store.get_user(session.user).await?;
    let memberships = state.store.memberships_of(user.id).await?;
    let tenants: Vec<(TenantId, Role)> = memberships.iter().map(|m| (m.tenant, m.role)).collect();
    let current = session
        .tenant
        .and_then(|t| tenants.iter().find(|(id, _)| *id == t))
        .or_else(|| tenants.first())
        .copied();
    let Some((tenant, role)) = current else {
        return Err(ApiError::Forbidden(format!(
            "{} is not a member of any organization",
            user.email
        )));
    };
    Ok(Some(Principal {
        tenant,
        role,
        user: Some(user.id),
        label: user.email,
        credential: Credential::Session {
            token_hash: hash,
            csrf: session.csrf_token,
        },
        tenants,
        revision: None,
    }))
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The caller of an `/api/v1` route: an API token, else the session cookie (with `X-CSRF-Token` on unsafe
/// methods). Anonymous callers get 401.
impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
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
                if !security::constant_time_eq(sent.as_bytes(), p.csrf().as_bytes()) {
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
        Ok(p)
    }
}

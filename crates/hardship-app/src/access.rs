//! Secrets that open the door: API tokens, calendar links, invitations and sessions. A secret is 32
//! random bytes shown once (hex, with a prefix that makes a leaked one easy to recognise); the store
//! keeps only its SHA-256, so a copy of the database signs nobody in. Minting is for owners.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::PracticeFilter;
use crate::principal::{Credential, Principal};
use hardship_store::{ApiToken, Invite, NewInvite, PracticeId, Role, TenantId, TokenScope};
use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system.
pub fn random_bytes() -> AppResult<[u8; 32]> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut b)
        .map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(b)
}

/// A new secret as text (64 hex digits).
pub fn new_secret() -> AppResult<String> {
    random_bytes().map(hex::encode)
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Equality that takes the same time wherever the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// A token just minted: the secret (shown once) and what the store keeps.
pub struct MintedToken {
    pub secret: String,
    pub token: ApiToken,
}

/// Mints an API token, or a calendar link's secret, for the principal's tenant.
pub async fn mint_token(
    app: &App,
    p: &Principal,
    name: &str,
    role: Role,
    scope: TokenScope,
) -> AppResult<MintedToken> {
    p.require_owner()?;
    mint_token_unchecked(app.store.as_ref(), p, name, role, scope).await
}

/// The minting itself, for a caller that has already decided the principal may (the command line).
pub async fn mint_token_unchecked(
    store: &dyn hardship_store::Store,
    p: &Principal,
    name: &str,
    role: Role,
    scope: TokenScope,
) -> AppResult<MintedToken> {
    // The prefix makes leaked tokens easy to recognise (secret scanners, logs); a calendar secret has
    // its own, so it is never mistaken for (or tried as) an API token.
    let prefix = match scope {
        TokenScope::Api => "hs_",
        TokenScope::Calendar => "hscal_",
    };
    let secret = format!("{prefix}{}", new_secret()?);
    // A calendar secret can change nothing, whatever was asked.
    let role = match scope {
        TokenScope::Api => role,
        TokenScope::Calendar => Role::Auditor,
    };
    let token = store
        .create_api_token(
            p.tenant,
            &p.actor(),
            name,
            role,
            scope,
            secret_hash(&secret),
        )
        .await?;
    Ok(MintedToken { secret, token })
}

/// An invitation just made: the secret of its link (shown once) and what the store keeps.
pub struct MadeInvite {
    pub secret: String,
    pub invite: Invite,
    /// Whether the link was also e-mailed to the invitee.
    pub mailed: Mailed,
}

/// What became of an e-mail the product tried to send alongside a page's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mailed {
    /// No SMTP server is configured: the link is only shown.
    NotConfigured,
    Sent,
    /// The server refused or could not be reached (the message, without secrets).
    Failed(String),
}

/// Invites an address into the principal's tenant with a role (a client for the named practices), for
/// the configured time, and mails the link when
/// SMTP is configured. `origin` is the address the owner reached us at: the link's base when no public
/// address is configured (the owner's own request, so its `Host` is theirs to choose).
pub async fn invite(
    app: &App,
    p: &Principal,
    email: &str,
    role: Role,
    practices: Vec<PracticeId>,
    origin: &str,
) -> AppResult<MadeInvite> {
    p.require_owner()?;
    let secret = new_secret()?;
    let ttl =
        chrono::Duration::from_std(app.settings.invite_ttl).unwrap_or(chrono::Duration::days(7));
    let invite = app
        .store_for(p)
        .create_invite(
            p.tenant,
            &p.actor(),
            NewInvite {
                email: email.to_owned(),
                role,
                practices,
                token_hash: secret_hash(&secret),
                expires_at: app.now() + ttl,
            },
        )
        .await?;
    let mailed = match &app.mailer {
        None => Mailed::NotConfigured,
        Some(mailer) => {
            let org = app.store.get_organization(p.tenant).await?;
            let link = crate::mail::link(
                app.public_url().unwrap_or(origin),
                &format!("/invite/{secret}"),
            );
            let message = crate::mail::texts::invitation(
                &invite.email,
                &org.name,
                &p.label,
                role.code(),
                &link,
                invite.expires_at,
            );
            match mailer.send(&message).await {
                Ok(()) => Mailed::Sent,
                Err(e) => {
                    // The link holds the secret: it is never logged, only the failure.
                    tracing::warn!(invite = %invite.id, error = %e, "invitation not mailed");
                    Mailed::Failed(e.to_string())
                }
            }
        }
    };
    Ok(MadeInvite {
        secret,
        invite,
        mailed,
    })
}

/// Why a secret did not open the door.
#[derive(Debug)]
pub enum Refused {
    /// No live token or session has this secret.
    Unknown,
    Error(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Error(e)
    }
}

impl From<hardship_store::StoreError> for Refused {
    fn from(e: hardship_store::StoreError) -> Self {
        Refused::Error(e.into())
    }
}

/// The principal of a token of exactly `scope`, served from the revision-checked cache when the
/// tenant is unchanged. A calendar secret opens the calendar feed and nothing else; an API token is
/// never accepted where a calendar secret is expected (it would travel in a URL).
pub async fn from_token(app: &App, secret: &str, scope: TokenScope) -> Result<Principal, Refused> {
    let hash = secret_hash(secret);
    let cached = app
        .caches
        .tokens
        .lock()
        .ok()
        .and_then(|m| m.get(&hash).cloned());
    // A cached token is good while its tenant's revision is unchanged (a revocation moves it).
    let current = match &cached {
        Some((t, _)) => Some(app.store.revision(t.tenant).await?),
        None => None,
    };
    let mut revision = current;
    let found: ApiToken = match cached {
        Some((t, rev)) if current == Some(rev) => t,
        _ => {
            let t = app
                .store
                .find_api_token(&hash)
                .await?
                .ok_or(Refused::Unknown)?;
            let rev = app.store.revision(t.tenant).await?;
            revision = Some(rev);
            if let Ok(mut m) = app.caches.tokens.lock() {
                if m.len() > 10_000 {
                    m.clear();
                }
                m.insert(hash, (t.clone(), rev));
            }
            t
        }
    };
    if found.scope != scope {
        return Err(Refused::Error(AppError::Forbidden(match found.scope {
            TokenScope::Calendar => {
                "a calendar link's secret can read the calendar feed and nothing else".into()
            }
            TokenScope::Api => {
                "only a calendar link's secret may be sent in the address: create a \
                calendar link under Settings → API tokens (an API token belongs in the \
                Authorization header, never in a URL)"
                    .into()
            }
        })));
    }
    Ok(Principal {
        tenant: found.tenant,
        role: found.role,
        user: None,
        label: format!("api token {}", found.name),
        credential: Credential::ApiToken { id: found.id },
        tenants: vec![(found.tenant, found.role)],
        // No token has the client role (the store refuses to mint one); were one found, it would see
        // no practice at all.
        practices: match found.role {
            Role::Client => PracticeFilter::only([]),
            _ => PracticeFilter::All,
        },
        revision,
    })
}

/// The principal of a session secret, if there is a live session whose user still belongs to a tenant.
pub async fn from_session(app: &App, secret: &str) -> Result<Principal, Refused> {
    let hash = secret_hash(secret);
    let Some(session) = app.store.get_session(&hash, app.now()).await? else {
        return Err(Refused::Unknown);
    };
    let user = app.store.get_user(session.user).await?;
    let memberships = app.store.memberships_of(user.id).await?;
    let tenants: Vec<(TenantId, Role)> = memberships.iter().map(|m| (m.tenant, m.role)).collect();
    let current = session
        .tenant
        .and_then(|t| tenants.iter().find(|(id, _)| *id == t))
        .or_else(|| tenants.first())
        .copied();
    let Some((tenant, role)) = current else {
        return Err(Refused::Error(AppError::Forbidden(format!(
            "{} is not a member of any organization",
            user.email
        ))));
    };
    // A client sees the practices it is linked to, read with every request: an owner's change applies
    // at once (and ends the client's sessions besides).
    let practices = match role {
        Role::Client => PracticeFilter::only(app.store.client_practices(tenant, user.id).await?),
        _ => PracticeFilter::All,
    };
    Ok(Principal {
        tenant,
        role,
        practices,
        user: Some(user.id),
        label: user.email,
        credential: Credential::Session {
            token_hash: hash,
            csrf: session.csrf_token,
        },
        tenants,
        revision: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a), secret_hash(&a));
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }

    #[test]
    fn equality_in_constant_time_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

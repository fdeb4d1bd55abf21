//! Signing in and machine access: browser sessions, sign-in attempt limits, API tokens and
//! invitations.

use super::*;

/// A signed-in browser session. Only the SHA-256 of the cookie's token is stored, so a copy of the
/// database does not let anyone sign in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Session {
    pub token_hash: [u8; 32],
    pub user: UserId,
    /// The organization the session is working in (the user may belong to several).
    pub tenant: Option<TenantId>,
    /// The per-session CSRF token forms and htmx requests must echo.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The recent failed sign-ins of one limiter key (a client address or an e-mail address).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignInFailures {
    pub key: String,
    pub count: u32,
    pub earliest: DateTime<Utc>,
}

/// A key that limits attempts, and how many it allows in the window.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttemptLimit {
    pub key: String,
    pub max: u32,
}

/// A token for machine clients of the API, scoped to one tenant with one role.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub tenant: TenantId,
    pub name: String,
    pub role: Role,
    pub scope: TokenScope,
    #[serde(skip_serializing)]
    pub token_hash: [u8; 32],
    pub created_by: String,
    /// The member who minted it (none from the command line): its tokens stop working when that
    /// member's role changes or it leaves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// An invitation to join an organization with a role. Only the SHA-256 of the link's token is stored.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Invite {
    pub id: InviteId,
    pub tenant: TenantId,
    pub email: String,
    pub role: Role,
    /// The practices a client invitation links the new member to (empty for every other role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub practices: Vec<PracticeId>,
    #[serde(skip_serializing)]
    pub token_hash: [u8; 32],
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// How an invitation is being accepted, as the server checked it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InviteAcceptance {
    /// A new account for the invited address, with this password hash.
    NewAccount { password_hash: String },
    /// The existing account of the signed-in user (whose address must be the invited one).
    SignedIn { user: UserId },
}

impl InviteAcceptance {
    /// The user this acceptance may end with, given the account the invited address has (if any).
    pub fn check(&self, email: &str, existing: Option<&User>) -> StoreResult<()> {
        match (self, existing) {
            (InviteAcceptance::NewAccount { password_hash }, None) => {
                if password_hash.trim().is_empty() {
                    return Err(StoreError::invalid(
                        "password",
                        "choose a password for the new account",
                    ));
                }
                Ok(())
            }
            (InviteAcceptance::NewAccount { .. }, Some(_)) => Err(StoreError::Duplicate {
                field: "email",
                value: email.to_owned(),
                context: " (an account with this address exists: sign in first, then open the invitation again)".into(),
            }),
            (InviteAcceptance::SignedIn { user }, Some(u)) if u.id == *user => Ok(()),
            (InviteAcceptance::SignedIn { .. }, _) => Err(StoreError::Forbidden(format!(
                "this invitation is for {email}: sign in as that account to accept it"
            ))),
        }
    }
}

/// What a token may be used for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// The JSON API, with the token's role.
    Api,
    /// Reading the deadline calendar feed, nothing else: the secret a calendar app keeps in its
    /// subscription URL (and so on its servers).
    Calendar,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Calendar => "calendar",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "api" => Some(TokenScope::Api),
            "calendar" => Some(TokenScope::Calendar),
            _ => None,
        }
    }
}

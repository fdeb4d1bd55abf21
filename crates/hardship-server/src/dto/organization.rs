//! The caller, organizations, members, invitations and API tokens.

use super::*;
use utoipa::IntoParams;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub name: String,
    pub role: String,
    /// `api` (the JSON API with the role) or `calendar` (the deadline calendar feed only).
    pub scope: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

impl From<&ApiToken> for TokenDto {
    fn from(t: &ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: t.name.clone(),
            role: t.role.code().to_owned(),
            scope: t.scope.code().to_owned(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            revoked: t.revoked,
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenDto {
    pub name: String,
    /// `owner`, `staff` or `auditor` (ignored for a calendar token, which can change nothing; a client
    /// signs in with its own account and has no token).
    pub role: String,
    /// `api` (default) or `calendar`: a secret for a calendar subscription URL, which can read the
    /// deadline calendar and nothing else.
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreatedTokenDto {
    /// The secret, shown only now: send it as `Authorization: Bearer <token>` (an API token), or use
    /// `calendar_path` (a calendar token).
    pub token: String,
    pub info: TokenDto,
    /// For a calendar token: the feed's path with the secret, to append to this server's address.
    pub calendar_path: Option<String>,
}

/// Parses a token scope, naming the field and value when it is not one.
pub fn parse_scope(s: Option<&str>) -> Result<TokenScope, ApiError> {
    match s.map(str::trim) {
        None | Some("") => Ok(TokenScope::Api),
        Some(v) => TokenScope::parse(v).ok_or_else(|| {
            ApiError::Unprocessable(format!("invalid scope {v:?}: api or calendar"))
        }),
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MemberDto {
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    pub email: String,
    pub role: String,
    /// A client's practices (empty for every other role, which sees them all).
    #[schema(value_type = Vec<String>)]
    pub practices: Vec<PracticeId>,
    /// Their names, in the same order.
    pub practice_names: Vec<String>,
}

impl MemberDto {
    /// Whether the member (a client) is linked to the practice with this id.
    pub fn has_practice(&self, id: &str) -> bool {
        self.practices.iter().any(|p| p.to_string() == id)
    }
}

impl From<hardship_app::members::MemberView> for MemberDto {
    fn from(m: hardship_app::members::MemberView) -> Self {
        MemberDto {
            user: m.user,
            email: m.email,
            role: m.role,
            practices: m.practices,
            practice_names: m.practice_names,
        }
    }
}

/// A member's new role: `owner`, `staff`, `auditor`, or `client` with its `practices`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub role: String,
    /// A client's practices (at least one); none for any other role.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub practices: Vec<PracticeId>,
}

/// What changing or removing a member did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MemberChangedDto {
    /// The role now (none once removed).
    pub role: Option<String>,
    pub previous: String,
    /// The member's sessions in this organization that were ended.
    pub sessions_ended: u64,
    /// The member's API tokens of this organization that were revoked.
    #[schema(value_type = Vec<String>)]
    pub tokens_revoked: Vec<uuid::Uuid>,
}

impl From<&MemberChanged> for MemberChangedDto {
    fn from(c: &MemberChanged) -> Self {
        MemberChangedDto {
            role: c.membership.as_ref().map(|m| m.role.code().to_owned()),
            previous: c.previous.code().to_owned(),
            sessions_ended: c.sessions_ended,
            tokens_revoked: c.tokens_revoked.clone(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub email: String,
    /// `owner`, `staff`, `auditor` or `client`.
    pub role: String,
    /// A client's practices (at least one); none for any other role.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub practices: Vec<PracticeId>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InviteDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: InviteId,
    pub email: String,
    pub role: String,
    /// A client invitation's practices.
    #[schema(value_type = Vec<String>)]
    pub practices: Vec<PracticeId>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl From<&Invite> for InviteDto {
    fn from(i: &Invite) -> Self {
        InviteDto {
            id: i.id,
            email: i.email.clone(),
            role: i.role.code().to_owned(),
            practices: i.practices.clone(),
            created_by: i.created_by.clone(),
            expires_at: i.expires_at,
            accepted_at: i.accepted_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreatedInviteDto {
    /// The link to send to the invitee (shown only now).
    pub link_path: String,
    pub invite: InviteDto,
    /// Whether the link was e-mailed to the invitee: `sent`, `not_configured` (no SMTP server: send the
    /// link yourself) or `failed` (see `mail_error`; the invitation stands, send the link yourself).
    pub mailed: String,
    /// Why the e-mail did not go out, when `mailed` is `failed`.
    pub mail_error: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrganizationDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: TenantId,
    pub name: String,
    /// `consultancy` or `practice`.
    pub kind: String,
    /// The caller's role in it.
    pub role: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// An e-mail address, or `api token <name>`.
    pub label: String,
    pub organization: OrganizationDto,
    pub organizations: Vec<OrganizationDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Performance year (default: the year whose application window closes next).
    pub year: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// A calendar link's secret (a token of scope `calendar`), for calendar apps that cannot send
    /// headers. API tokens are refused here: a URL is kept by calendar apps on their servers.
    pub token: Option<String>,
}

/// Mints an API token (or a calendar link's secret) for the principal's tenant.
pub async fn make_token(
    state: &hardship_app::App,
    p: &hardship_app::Principal,
    name: &str,
    role: Role,
    scope: TokenScope,
) -> Result<CreatedTokenDto, ApiError> {
    let minted = hardship_app::access::mint_token(state, p, name, role, scope).await?;
    let calendar_path = (scope == TokenScope::Calendar)
        .then(|| format!("/api/v1/calendar.ics?token={}", minted.secret));
    Ok(CreatedTokenDto {
        info: (&minted.token).into(),
        token: minted.secret,
        calendar_path,
    })
}

/// Creates an invitation valid for the configured time, mailed when SMTP is configured; the link holds
/// the only copy of its secret. `origin` is the caller's own address (links' base without a public URL).
pub async fn make_invite(
    state: &hardship_app::App,
    p: &hardship_app::Principal,
    email: &str,
    role: Role,
    practices: Vec<PracticeId>,
    origin: &str,
) -> Result<CreatedInviteDto, ApiError> {
    use hardship_app::access::Mailed;
    let made = hardship_app::access::invite(state, p, email, role, practices, origin).await?;
    let (mailed, mail_error) = match made.mailed {
        Mailed::Sent => ("sent", None),
        Mailed::NotConfigured => ("not_configured", None),
        Mailed::Failed(e) => ("failed", Some(e)),
    };
    Ok(CreatedInviteDto {
        link_path: format!("/invite/{}", made.secret),
        invite: (&made.invite).into(),
        mailed: mailed.to_owned(),
        mail_error,
    })
}

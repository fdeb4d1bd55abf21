//! Who is asking, in which tenant, with which role, and which of the tenant's practices. Every use case
//! takes the [`Principal`] and reads the store through [`crate::App::store_for`], which passes its tenant
//! to every call and applies its [`PracticeFilter`]: tenant isolation and a client's practices rest on
//! this. How a front end finds the principal (a cookie, a header, the operator at a terminal) is its own
//! business; see [`crate::access`].

use crate::error::AppError;
use hardship_store::{Actor, PracticeId, Role, StoreError, TenantId, UserId};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The practices of its tenant a principal may see: all of them, or a client's own. Anything outside
/// is not found, exactly like another tenant's id (never "forbidden", which would say it exists).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PracticeFilter {
    All,
    Only(Arc<BTreeSet<PracticeId>>),
}

impl PracticeFilter {
    pub fn only(practices: impl IntoIterator<Item = PracticeId>) -> PracticeFilter {
        PracticeFilter::Only(Arc::new(practices.into_iter().collect()))
    }

    pub fn allows(&self, practice: PracticeId) -> bool {
        match self {
            PracticeFilter::All => true,
            PracticeFilter::Only(set) => set.contains(&practice),
        }
    }

    /// `NotFound` for a practice outside the filter (`entity` and `id` name what was asked for).
    pub fn check(
        &self,
        practice: PracticeId,
        entity: &'static str,
        id: impl ToString,
    ) -> Result<(), StoreError> {
        if self.allows(practice) {
            Ok(())
        } else {
            Err(StoreError::not_found(entity, id))
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, PracticeFilter::All)
    }
}

/// How the caller authenticated.
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
    /// The tenant's practices this caller sees (a client's own; everyone else's: all).
    pub practices: PracticeFilter,
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
            practices: PracticeFilter::All,
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

    /// Refuses callers who may not change the organization's records (auditors, clients) before
    /// anything else happens.
    pub fn require_write(&self) -> Result<(), AppError> {
        match self.role {
            r if r.can_write() => Ok(()),
            Role::Client => Err(AppError::Forbidden(format!(
                "{} is a client in this organization: it uploads evidence, answers its applications and signs them, and changes nothing else",
                self.label
            ))),
            _ => Err(AppError::Forbidden(format!(
                "{} is an auditor in this organization and cannot change anything",
                self.label
            ))),
        }
    }

    /// Refuses read-only callers of a contribution to a practice's file (evidence, application drafts,
    /// signatures), which clients may make for their practices.
    pub fn require_contribute(&self) -> Result<(), AppError> {
        if self.role.can_contribute() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{} is an auditor in this organization and cannot change anything",
                self.label
            )))
        }
    }

    /// Refuses clients what concerns the whole organization (its members, tokens, invitations): a client
    /// sees its own practices and nothing of the organization beyond them.
    pub fn require_organization(&self) -> Result<(), AppError> {
        if self.role == Role::Client {
            Err(AppError::Forbidden(format!(
                "{} is a client: the organization's members, tokens and invitations are not shown to clients",
                self.label
            )))
        } else {
            Ok(())
        }
    }

    pub fn require_owner(&self) -> Result<(), AppError> {
        if self.role == Role::Owner {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only an owner of the organization can do this ({} is {})",
                self.label,
                self.role.code()
            )))
        }
    }

    /// The session's CSRF token (empty for API tokens and the command line, which need none).
    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::ApiToken { .. } | Credential::Cli => "",
        }
    }
}

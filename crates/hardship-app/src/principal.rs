//! Who is asking, in which tenant, with which role. Every use case takes the [`Principal`] and passes
//! its tenant to every store call: tenant isolation rests on this. How a front end finds the principal
//! (a cookie, a header, the operator at a terminal) is its own business; see [`crate::access`].

use crate::error::AppError;
use hardship_store::{Actor, Role, TenantId, UserId};

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
    pub fn require_write(&self) -> Result<(), AppError> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{} is an auditor in this organization and cannot change anything",
                self.label
            )))
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

//! Roles, and members after they joined: an owner changes a member's role (a client's together with its practices)
//! or removes it. Either ends the member's sessions in the tenant and revokes its API tokens there at once,
//! so a demoted member keeps no door its old role opened; the last owner can be neither demoted nor
//! removed, so an organization always has someone who can manage it.

use crate::error::{StoreError, StoreResult};
use crate::model::{Membership, PracticeId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a member may do in a tenant.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Staff,
    /// Read-only: sees evidence and history, changes nothing.
    Auditor,
    /// A client practice's person: sees only the practices it is linked to (a client scope), uploads
    /// their evidence, answers their applications' questions and signs the attestation.
    Client,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
            Role::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            "auditor" => Some(Role::Auditor),
            "client" => Some(Role::Client),
            _ => None,
        }
    }

    /// Changes the organization's records: practices, rosters, profiles, transitions, corrections.
    pub fn can_write(self) -> bool {
        matches!(self, Role::Owner | Role::Staff)
    }

    /// Contributes to a practice's file: evidence uploads, application drafts (and marking them ready),
    /// attestations. A client may, within its practices; an auditor may not.
    pub fn can_contribute(self) -> bool {
        !matches!(self, Role::Auditor)
    }

    /// Who the role is, for a refusal ("an auditor", "a client").
    pub fn with_article(self) -> &'static str {
        match self {
            Role::Owner => "an owner",
            Role::Staff => "staff",
            Role::Auditor => "an auditor",
            Role::Client => "a client",
        }
    }
}

/// An invitation about to be made: only the SHA-256 of its link's secret is kept.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewInvite {
    pub email: String,
    pub role: Role,
    /// A client invitation's practices (none for any other role).
    pub practices: Vec<PracticeId>,
    pub token_hash: [u8; 32],
    pub expires_at: DateTime<Utc>,
}

/// What an owner does to a member.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum MemberChange {
    /// A new role; `practices` are a client's (and must be empty for every other role).
    Role {
        role: Role,
        practices: Vec<PracticeId>,
    },
    Remove,
}

/// What a member change did.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct MemberChanged {
    /// The membership now (`None` once removed).
    pub membership: Option<Membership>,
    pub previous: Role,
    /// Browser sessions of the member that were working in the tenant (or in none yet), now ended.
    pub sessions_ended: u64,
    /// The member's API tokens of the tenant, now revoked.
    pub tokens_revoked: Vec<uuid::Uuid>,
}

/// A role's practices, checked: a client needs at least one, every other role none (it sees them all).
/// Returns them sorted, without repeats.
pub fn check_role_practices(role: Role, practices: &[PracticeId]) -> StoreResult<Vec<PracticeId>> {
    let mut list = practices.to_vec();
    list.sort();
    list.dedup();
    match (role, list.is_empty()) {
        (Role::Client, true) => Err(StoreError::invalid(
            "practices",
            "a client sees only the practices it is linked to: name at least one",
        )),
        (Role::Client, false) => Ok(list),
        (_, true) => Ok(list),
        (other, false) => Err(StoreError::invalid(
            "practices",
            format!(
                "only a client is linked to practices ({} sees every practice of the organization)",
                other.with_article()
            ),
        )),
    }
}

/// Refuses a change that would leave the tenant without an owner: `owners` counts them now.
pub fn keep_an_owner(previous: Role, next: Option<Role>, owners: u64) -> StoreResult<()> {
    if previous == Role::Owner && next != Some(Role::Owner) && owners <= 1 {
        return Err(StoreError::Refused(format!(
            "the last owner cannot be {}: an organization needs an owner; make someone else an \
             owner first",
            if next.is_some() { "demoted" } else { "removed" }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn id(n: u128) -> PracticeId {
        PracticeId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn clients_need_practices_and_nobody_else_has_any() {
        assert!(check_role_practices(Role::Client, &[]).is_err());
        assert_eq!(
            check_role_practices(Role::Client, &[id(2), id(1), id(2)]).unwrap(),
            vec![id(1), id(2)]
        );
        assert!(check_role_practices(Role::Staff, &[id(1)]).is_err());
        assert!(check_role_practices(Role::Owner, &[]).unwrap().is_empty());
    }

    #[test]
    fn the_last_owner_stays() {
        assert!(keep_an_owner(Role::Owner, Some(Role::Staff), 1).is_err());
        assert!(keep_an_owner(Role::Owner, None, 1).is_err());
        assert!(keep_an_owner(Role::Owner, Some(Role::Owner), 1).is_ok());
        assert!(keep_an_owner(Role::Owner, None, 2).is_ok());
        assert!(keep_an_owner(Role::Staff, None, 0).is_ok());
    }
}

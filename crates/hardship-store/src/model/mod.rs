//! The records the store keeps. Every record belongs to one tenant (an organization: a consultancy or a
//! single practice); ids are UUIDs so they reveal nothing about other tenants.
//!
//! The ids and the organization, its users and members are here; `practice.rs` holds practices,
//! clinicians, profiles and statuses, `application.rs` applications, decisions and documents, and
//! `access.rs` sessions, tokens and invitations.

use crate::error::{StoreError, StoreResult};
pub use crate::members::Role;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hardship_rules::screening::{EucEvent, EucKind, PracticeFacts};
use hardship_rules::{
    Category, CategorySet, ClinicianType, EucEventType, HardshipReason, Npi, PerformanceYear,
    PiSubmission, ReportingLevel, SpecialStatus, Tin, Zip5,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

mod access;
mod application;
mod practice;

pub use access::*;
pub use application::*;
pub use practice::*;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id_type!(
    /// An organization: the tenant every other record belongs to.
    TenantId
);
id_type!(UserId);
id_type!(PracticeId);
id_type!(ClinicianId);
id_type!(ApplicationId);
id_type!(DocumentId);
id_type!(DecisionId);
id_type!(InviteId);
id_type!(
    /// A signed attestation of an application's packet.
    AttestationId
);

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Consultancy,
    Practice,
}

impl OrganizationKind {
    pub fn code(self) -> &'static str {
        match self {
            OrganizationKind::Consultancy => "consultancy",
            OrganizationKind::Practice => "practice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "consultancy" => Some(OrganizationKind::Consultancy),
            "practice" => Some(OrganizationKind::Practice),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Organization {
    pub id: TenantId,
    pub name: String,
    pub kind: OrganizationKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    /// argon2id PHC string; never logged.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Membership {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: Role,
}

/// Who makes a change, as the audit log records it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Actor {
    pub user: Option<UserId>,
    /// A readable name: the user's email, or `system`, or `cli`.
    pub label: String,
    /// The role the change was made under; auditors are refused every change.
    pub role: Role,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user: None,
            label: "system".into(),
            role: Role::Owner,
        }
    }
}

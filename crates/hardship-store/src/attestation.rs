//! Attestations: a person signs an application's packet — their typed full name, the date, their
//! account, and the SHA-256 of the packet as it read when they signed. One signature per packet hash
//! (write-once: the row is never updated or deleted, and the schemas refuse it); when the packet changes,
//! its hash changes and it needs a new signature, while the old one stays on record, naming the packet it
//! was given for.

use crate::error::{StoreError, StoreResult};
use crate::model::{ApplicationId, AttestationId, PracticeId, Role, TenantId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What the signer gives.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewAttestation {
    /// The signer's full name as they typed it.
    pub typed_name: String,
    /// The SHA-256 of the packet the signer read (the application layer computes it and checks it
    /// against the packet as it is now, so nobody signs a packet they did not see).
    pub packet_sha256: [u8; 32],
}

/// A signature, as recorded.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Attestation {
    pub id: AttestationId,
    pub tenant: TenantId,
    pub application: ApplicationId,
    pub practice: PracticeId,
    /// The application's version when it was signed.
    pub application_version: i64,
    pub typed_name: String,
    /// The signer's account and its address then.
    pub user: UserId,
    pub email: String,
    pub role: Role,
    /// The day it was signed (UTC), as printed.
    pub signed_on: NaiveDate,
    pub signed_at: DateTime<Utc>,
    #[serde(with = "hex_hash")]
    pub packet_sha256: [u8; 32],
}

impl Attestation {
    /// The line printed on the packet and in the binder.
    pub fn line(&self) -> String {
        format!(
            "Attested by {} ({}) on {}, packet SHA-256 {}",
            self.typed_name,
            self.email,
            self.signed_on,
            hex::encode(self.packet_sha256)
        )
    }
}

/// A typed full name: not blank, at most 200 characters, no control or bidirectional characters.
pub fn check_typed_name(name: &str) -> StoreResult<()> {
    if name.trim().chars().count() < 2 {
        return Err(StoreError::invalid(
            "typed_name",
            "type your full name to sign the attestation",
        ));
    }
    crate::check_text("typed_name", name, 200)
}

mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        crate::unhex32(&text).ok_or_else(|| serde::de::Error::custom("not a SHA-256"))
    }
}

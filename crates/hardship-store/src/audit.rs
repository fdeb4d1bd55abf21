//! The audit log: one event per change, each carrying the hash of the previous event of its tenant.
//!
//! `hash = SHA-256(prev_hash ‖ tenant ‖ seq ‖ at ‖ actor ‖ action ‖ entity ‖ entity_id ‖ before ‖ after)`,
//! every variable-length field prefixed by its length, so no two different events hash alike and editing
//! any field of any event breaks the chain from that event on.

use crate::model::{Actor, TenantId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Audit action codes, the same on every backend (they are what auditors read and filter on).
pub mod actions {
    pub const ORGANIZATION_CREATE: &str = "organization.create";
    pub const MEMBERSHIP_SET: &str = "membership.set";
    /// An owner changed a member's role (and a client's practices); its sessions and tokens ended.
    pub const MEMBERSHIP_CHANGE: &str = "membership.change";
    /// An owner removed a member; its sessions and tokens ended.
    pub const MEMBERSHIP_REMOVE: &str = "membership.remove";
    pub const PRACTICE_CREATE: &str = "practice.create";
    pub const PRACTICE_UPDATE: &str = "practice.update";
    pub const PRACTICE_ARCHIVE: &str = "practice.archive";
    pub const PRACTICE_RESTORE: &str = "practice.restore";
    pub const CLINICIAN_ADD: &str = "clinician.add";
    pub const CLINICIAN_STATUS: &str = "clinician.status";
    pub const CLINICIAN_UPDATE: &str = "clinician.update";
    pub const CLINICIAN_ARCHIVE: &str = "clinician.archive";
    pub const CLINICIAN_RESTORE: &str = "clinician.restore";
    pub const PRACTICE_YEAR_SET: &str = "practice_year.set";
    pub const INVITE_CREATE: &str = "invite.create";
    pub const INVITE_ACCEPT: &str = "invite.accept";
    pub const APPLICATION_CREATE: &str = "application.create";
    pub const APPLICATION_EDIT: &str = "application.edit";
    /// Someone signed the attestation of an application's packet.
    pub const APPLICATION_ATTEST: &str = "application.attest";
    pub const DECISION_RECORD: &str = "decision.record";
    pub const DOCUMENT_UPLOAD: &str = "document.upload";
    pub const DOCUMENT_DELETE_REFUSED: &str = "document.delete_refused";
    /// A document re-classified, annotated or marked superseded (its bytes never change).
    pub const DOCUMENT_EDIT: &str = "document.edit";
    pub const API_TOKEN_CREATE: &str = "api_token.create";
    pub const API_TOKEN_REVOKE: &str = "api_token.revoke";
    /// A member set a new password through an e-mailed reset link (every session of theirs ended).
    pub const USER_PASSWORD_RESET: &str = "user.password_reset";
    /// A document whose stored bytes or record did not pass its integrity check when opened.
    pub const DOCUMENT_INTEGRITY_FAILED: &str = "document.integrity_failed";

    /// Who looked at what: a document's bytes read (downloaded, or re-read into a binder).
    pub const DOCUMENT_READ: &str = "document.read";
    /// An export made: a packet, a binder, a portfolio, an audit-trail extract.
    pub const EXPORT: &str = "export";
    /// A submission file checked against the practice-year's reweighting.
    pub const GUARD_CHECK: &str = "guard.check";
    /// CMS's QPP Eligibility API asked for the clinicians of a practice or of the organization: who ran
    /// it, how many NPIs, where from, what came back (each answer is its own `eligibility.answer`).
    pub const ELIGIBILITY_FETCH: &str = "eligibility.fetch";
    /// CMS's answer for one NPI of a practice recorded, with its URL, API version and retrieval time.
    pub const ELIGIBILITY_ANSWER: &str = "eligibility.answer";
    /// A targeted-review candidate opened from CMS's final feedback.
    pub const TARGETED_REVIEW_OPEN: &str = "targeted_review.open";
    /// A draft case's reasons, statement or evidence changed.
    pub const TARGETED_REVIEW_EDIT: &str = "targeted_review.edit";
    /// A case sent to CMS (the day, CMS's reference).
    pub const TARGETED_REVIEW_SUBMIT: &str = "targeted_review.submit";
    /// CMS's final decision on a case.
    pub const TARGETED_REVIEW_DECIDE: &str = "targeted_review.decide";
    /// A data validation and audit request recorded (the notice day).
    pub const DVA_OPEN: &str = "dva_request.open";
    /// An item the auditor asked for added to the checklist.
    pub const DVA_ITEM_ADD: &str = "dva_request.item_add";
    /// A checklist item checked off, or reopened.
    pub const DVA_ITEM_CHECK: &str = "dva_request.item_check";

    /// Actions that record an observation and change no record.
    pub const OBSERVATIONS: &[&str] = &[
        DOCUMENT_INTEGRITY_FAILED,
        DOCUMENT_READ,
        EXPORT,
        GUARD_CHECK,
        ELIGIBILITY_FETCH,
    ];
}

/// The hash before a tenant's first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// A change about to be recorded: what the store fills in around the caller's description.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Change {
    /// `practice.create`, `application.submit`, `document.delete_refused`, ...
    pub action: String,
    pub entity: &'static str,
    pub entity_id: String,
    /// Short summaries (JSON), not whole records.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct AuditEvent {
    pub tenant: TenantId,
    /// 1, 2, 3, ... within the tenant.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    #[serde(with = "hex32")]
    pub prev_hash: [u8; 32],
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

impl AuditEvent {
    /// Builds the next event of a chain whose last event is `(prev_seq, prev_hash)`.
    pub fn next(
        tenant: TenantId,
        prev: Option<(i64, [u8; 32])>,
        at: DateTime<Utc>,
        actor: &Actor,
        change: Change,
    ) -> AuditEvent {
        let (prev_seq, prev_hash) = prev.unwrap_or((0, GENESIS));
        // Stored timestamps are kept to the microsecond so both databases give back what was hashed.
        let at = truncate_micros(at);
        let mut e = AuditEvent {
            tenant,
            seq: prev_seq + 1,
            at,
            actor_user: actor.user.map(|u| u.to_string()),
            actor_label: actor.label.clone(),
            action: change.action,
            entity: change.entity.to_owned(),
            entity_id: change.entity_id,
            before: change.before,
            after: change.after,
            prev_hash,
            hash: [0; 32],
        };
        e.hash = e.compute_hash();
        e
    }

    pub fn compute_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.prev_hash);
        h.update(self.tenant.0.as_bytes());
        h.update(self.seq.to_be_bytes());
        field(
            &mut h,
            self.at
                .to_rfc3339_opts(SecondsFormat::Micros, true)
                .as_bytes(),
        );
        field(&mut h, self.actor_user.as_deref().unwrap_or("").as_bytes());
        field(&mut h, self.actor_label.as_bytes());
        field(&mut h, self.action.as_bytes());
        field(&mut h, self.entity.as_bytes());
        field(&mut h, self.entity_id.as_bytes());
        opt_field(&mut h, self.before.as_deref());
        opt_field(&mut h, self.after.as_deref());
        h.finalize().into()
    }
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn opt_field(h: &mut Sha256, v: Option<&str>) {
    match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            field(h, s.as_bytes());
        }
    }
}

pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(t)
}

/// The first place a tenant's chain is broken, in words.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct BrokenLink {
    pub tenant: TenantId,
    pub seq: i64,
    pub problem: String,
}

/// Checks a tenant's events, in `seq` order: numbering, links and hashes.
pub fn verify_chain(tenant: TenantId, events: &[AuditEvent]) -> Result<usize, BrokenLink> {
    let mut prev = GENESIS;
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let broken = |problem: String| BrokenLink {
            tenant,
            seq: e.seq,
            problem,
        };
        if e.tenant != tenant {
            return Err(broken("event belongs to another tenant".into()));
        }
        if e.seq != expected_seq {
            return Err(broken(format!(
                "expected event number {expected_seq}: an event is missing or out of order"
            )));
        }
        if e.prev_hash != prev {
            return Err(broken(
                "does not link to the previous event (an event before it was removed or altered)"
                    .into(),
            ));
        }
        if e.compute_hash() != e.hash {
            return Err(broken(
                "its contents do not match its hash (the event was altered)".into(),
            ));
        }
        prev = e.hash;
    }
    Ok(events.len())
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::hex(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        crate::unhex32(&text).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// The audit record of a clinician status change, the same on every backend.
pub fn status_change(
    before: Option<&crate::model::ClinicianStatus>,
    after: &crate::model::ClinicianStatus,
) -> Change {
    let describe = |s: &crate::model::ClinicianStatus| {
        serde_json::json!({
            "year": s.year.get(),
            "status": s.status.code(),
            "value": s.value,
            "origin": s.origin.describe(),
        })
        .to_string()
    };
    Change {
        action: actions::CLINICIAN_STATUS.into(),
        entity: "clinician",
        entity_id: after.clinician.to_string(),
        before: before.map(describe),
        after: Some(describe(after)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn chain(n: usize) -> (TenantId, Vec<AuditEvent>) {
        let tenant = TenantId(Uuid::from_u128(7));
        let mut events: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let prev = events.last().map(|e| (e.seq, e.hash));
            let change = Change {
                action: "practice.create".into(),
                entity: "practice",
                entity_id: format!("p{i}"),
                before: None,
                after: Some(format!("{{\"n\":{i}}}")),
            };
            let at = DateTime::from_timestamp(1_700_000_000 + i as i64, 123_456_789).unwrap();
            events.push(AuditEvent::next(tenant, prev, at, &Actor::system(), change));
        }
        (tenant, events)
    }

    #[test]
    fn intact_chain_verifies() {
        let (t, events) = chain(5);
        assert_eq!(verify_chain(t, &events), Ok(5));
    }

    #[test]
    fn any_edit_or_removal_names_the_first_broken_event() {
        let (t, events) = chain(5);
        let mut edited = events.clone();
        edited[2].after = Some("{\"n\":99}".into());
        assert_eq!(verify_chain(t, &edited).unwrap_err().seq, 3);
        let mut removed = events.clone();
        removed.remove(1);
        assert_eq!(verify_chain(t, &removed).unwrap_err().seq, 3);
        let mut relinked = events.clone();
        relinked[3].actor_label = "mallory".into();
        relinked[3].hash = relinked[3].compute_hash();
        assert_eq!(
            verify_chain(t, &relinked).unwrap_err().seq,
            5,
            "re-hashing one event breaks the next link"
        );
    }
}

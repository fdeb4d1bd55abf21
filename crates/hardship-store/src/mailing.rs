//! The records behind the e-mails the product sends: password reset links and reminders.
//!
//! - A password reset link holds a random secret of which only the SHA-256 is stored (like sessions,
//!   API tokens and invitations); it works once, until it expires, and using it ends every session of
//!   its user and writes an audit event in each of the user's organizations.
//! - A reminder is sent once per (tenant, recipient, kind, period): the sender claims that key in the
//!   database before sending, so a restart or a second instance sharing the database cannot send it
//!   again. A failed send releases the claim (the next run retries); a claim whose sender died holding it
//!   can be taken over once it is older than the caller's lease.

use crate::model::{TenantId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A password reset link as stored: its secret's hash, whose account, until when, and when it was used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PasswordReset {
    pub id: Uuid,
    pub user: UserId,
    pub token_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Why a password reset link did not set a password.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResetRefusal {
    /// No link has this secret.
    Unknown,
    /// The link (or a later one of the same account) has been used already.
    Used,
    /// The link's hour is over.
    Expired,
}

impl PasswordReset {
    /// Whether the link may still set a password at `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ResetRefusal> {
        if self.used_at.is_some() {
            Err(ResetRefusal::Used)
        } else if now >= self.expires_at {
            Err(ResetRefusal::Expired)
        } else {
            Ok(())
        }
    }
}

/// What makes a reminder the same reminder: sent once per key.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ReminderKey {
    pub tenant: TenantId,
    pub recipient: UserId,
    /// `deadline_30`, `deadline_7`, `deadline_1`, `weekly`.
    pub kind: String,
    /// Which deadline or week: `PY2026 2027-01-01T01:00:00Z`, `2026-W47`.
    pub period: String,
}

/// A reminder claimed or sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reminder {
    pub key: ReminderKey,
    /// The claim of the sender holding it (only that sender may mark it sent or release it).
    pub claim: Uuid,
    pub claimed_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

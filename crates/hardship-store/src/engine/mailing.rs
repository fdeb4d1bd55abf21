//! Password reset links and reminders sent once: the use cases behind the e-mails.

use super::{Backend, Engine, Lock, payloads};
use crate::error::{StoreError, StoreResult};
use crate::mailing::{PasswordReset, Reminder, ReminderKey, ResetRefusal};
use crate::model::*;
use chrono::{DateTime, Utc};
use uuid::Uuid;

impl<B: Backend> Engine<B> {
    pub(super) async fn create_password_reset_(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<PasswordReset> {
        let reset = PasswordReset {
            id: self.id(),
            user,
            token_hash,
            created_at: self.now(),
            expires_at: crate::audit::truncate_micros(expires_at),
            used_at: None,
        };
        self.backend.insert_password_reset(&reset).await?;
        Ok(reset)
    }

    /// The link is read for update first, so two uses of one link queue and the second finds it used;
    /// then the user's tenants are locked in id order (a tenant's own writers take only its lock, so
    /// no two transactions wait on each other crosswise) and each gets its audit event.
    pub(super) async fn reset_password_(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Result<User, ResetRefusal>> {
        if password_hash.trim().is_empty() {
            return Err(StoreError::invalid("password", "choose a new password"));
        }
        let mut tx = self.backend.begin(Lock::Account, &[]).await?;
        let Some(reset) = tx.password_reset_for_update(token_hash).await? else {
            return Ok(Err(ResetRefusal::Unknown));
        };
        if let Err(refused) = reset.check(now) {
            return Ok(Err(refused));
        }
        let mut memberships = tx.memberships_of(reset.user).await?;
        memberships.sort_by_key(|m| m.tenant.0);
        for m in &memberships {
            tx.lock_tenant(m.tenant).await?;
        }
        if !tx.set_password(reset.user, password_hash).await? {
            return Err(StoreError::not_found("user", reset.user));
        }
        tx.spend_password_resets(reset.user, self.now()).await?;
        tx.delete_user_sessions(reset.user).await?;
        let user = self
            .backend
            .user(reset.user)
            .await?
            .ok_or_else(|| StoreError::not_found("user", reset.user))?;
        for m in &memberships {
            let actor = Actor {
                user: Some(user.id),
                label: user.email.clone(),
                role: m.role,
            };
            self.audit(&mut tx, m.tenant, &actor, payloads::password_reset(&user))
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(user))
    }

    pub(super) async fn claim_reminder_(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        check_reminder_key(key)?;
        let reminder = Reminder {
            key: key.clone(),
            claim,
            claimed_at: crate::audit::truncate_micros(now),
            sent_at: None,
        };
        // The tenant's lock makes "insert, or take over a stale claim" one step for every instance.
        let mut tx = self.begin(key.tenant).await?;
        let claimed = tx.insert_reminder(&reminder).await?
            || tx.take_over_reminder(&reminder, stale_before).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    pub(super) async fn mark_reminder_sent_(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        if self
            .backend
            .mark_reminder_sent(key, claim, crate::audit::truncate_micros(at))
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Conflict {
                entity: "reminder",
                id: format!("{} {} {}", key.recipient, key.kind, key.period),
                expected: 0,
            })
        }
    }
}

/// Kinds and periods are ours, but they are stored and shown: short, plain text.
fn check_reminder_key(key: &ReminderKey) -> StoreResult<()> {
    crate::check_name("a reminder kind", &key.kind, 40).map_err(|_| {
        StoreError::invalid("kind", format!("{:?} is not a reminder kind", key.kind))
    })?;
    crate::check_name("a reminder period", &key.period, 80).map_err(|_| {
        StoreError::invalid(
            "period",
            format!("{:?} is not a reminder period", key.period),
        )
    })
}

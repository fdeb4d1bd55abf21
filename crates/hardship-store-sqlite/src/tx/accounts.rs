//! The transaction's rows of accounts and outreach: sign-in attempts, password resets and sessions,
//! targeted reviews and DVA requests, reminders.

use super::SqliteTx;
use crate::rows::{self, db, is_foreign_key_violation, to_json, ts};
use chrono::{DateTime, Utc};
use hardship_store::*;
use uuid::Uuid;

impl SqliteTx {
    pub(super) async fn insert_attempts(
        &mut self,
        keys: &[&str],
        at: DateTime<Utc>,
        attempt: Uuid,
    ) -> StoreResult<()> {
        for key in keys {
            sqlx::query("INSERT INTO sign_in_failures (key, at, attempt) VALUES (?, ?, ?)")
                .bind(key)
                .bind(ts(at))
                .bind(attempt.to_string())
                .execute(&mut *self.0)
                .await
                .map_err(db)?;
        }
        Ok(())
    }

    pub(super) async fn spend_password_resets(
        &mut self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
            .bind(ts(at))
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
        sqlx::query("SELECT * FROM memberships WHERE user_id = ? ORDER BY tenant")
            .bind(user.to_string())
            .fetch_all(&mut *self.0)
            .await
            .map_err(db)?
            .iter()
            .map(rows::membership)
            .collect()
    }

    pub(super) async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO targeted_reviews (id, tenant, practice, year, tin, npi, state, codes, summary, evidence, created_at, created_by, detail, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, year, tin, npi) DO NOTHING")
            .bind(r.id.to_string())
            .bind(r.tenant.to_string())
            .bind(r.practice.to_string())
            .bind(i64::from(r.year.get()))
            .bind(r.tin.as_str())
            .bind(r.npi.as_ref().map_or("", |n| n.as_str()))
            .bind(r.state.name())
            .bind(to_json(&r.codes)?)
            .bind(&r.summary)
            .bind(to_json(&r.evidence)?)
            .bind(ts(r.created_at))
            .bind(&r.created_by)
            .bind(to_json(&r.detail)?)
            .bind(r.version)
            .bind(ts(r.updated_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn insert_reminder(&mut self, r: &Reminder) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO reminders (tenant, recipient, kind, period, claim, claimed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(r.key.tenant.to_string())
            .bind(r.key.recipient.to_string())
            .bind(&r.key.kind)
            .bind(&r.key.period)
            .bind(r.claim.to_string())
            .bind(ts(r.claimed_at))
            .execute(&mut *self.0)
            .await;
        match done {
            Ok(d) => Ok(d.rows_affected() > 0),
            Err(e) if is_foreign_key_violation(&e) => {
                Err(StoreError::not_found("user", r.key.recipient))
            }
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn take_over_reminder(
        &mut self,
        r: &Reminder,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE reminders SET claim = ?, claimed_at = ? WHERE tenant = ? AND recipient = ? AND kind = ? AND period = ? AND sent_at IS NULL AND claimed_at < ?")
            .bind(r.claim.to_string())
            .bind(ts(r.claimed_at))
            .bind(r.key.tenant.to_string())
            .bind(r.key.recipient.to_string())
            .bind(&r.key.kind)
            .bind(&r.key.period)
            .bind(ts(stale_before))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }
}

//! The transaction's rows of accounts and outreach: sign-in attempts, password resets and sessions,
//! targeted reviews and DVA requests, reminders.

use super::{PgTx, json_value, year};
use crate::error::db;
use crate::rows;
use chrono::{DateTime, Utc};
use hardship_store::*;
use uuid::Uuid;

impl PgTx {
    pub(super) async fn insert_attempts(
        &mut self,
        keys: &[&str],
        at: DateTime<Utc>,
        attempt: Uuid,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sign_in_failures (key, at, attempt) SELECT k, $2, $3 FROM unnest($1::text[]) AS k",
        )
        .bind(keys)
        .bind(at)
        .bind(attempt)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn spend_password_resets(
        &mut self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(at)
        .bind(user.0)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
        sqlx::query_as::<_, rows::MembershipRow>(
            "SELECT tenant, user_id, role FROM memberships WHERE user_id = $1 ORDER BY tenant",
        )
        .bind(user.0)
        .fetch_all(&mut *self.0)
        .await
        .map_err(db)?
        .into_iter()
        .map(rows::MembershipRow::into_model)
        .collect()
    }

    pub(super) async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO targeted_reviews (id, tenant, practice, year, tin, npi, state, codes, summary, \
             evidence, created_at, created_by, detail, version, updated_at) VALUES ($1, $2, $3, $4, $5, \
             $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (tenant, year, tin, npi) DO NOTHING",
        )
        .bind(r.id)
        .bind(r.tenant.0)
        .bind(r.practice.0)
        .bind(year(r.year))
        .bind(r.tin.as_str())
        .bind(r.npi.as_ref().map_or("", |n| n.as_str()))
        .bind(r.state.name())
        .bind(json_value("review codes", &r.codes)?)
        .bind(&r.summary)
        .bind(json_value("review evidence", &r.evidence)?)
        .bind(r.created_at)
        .bind(&r.created_by)
        .bind(json_value("review detail", &r.detail)?)
        .bind(r.version)
        .bind(r.updated_at)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn insert_reminder(&mut self, r: &Reminder) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO reminders (tenant, recipient, kind, period, claim, claimed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(r.key.tenant.0)
        .bind(r.key.recipient.0)
        .bind(&r.key.kind)
        .bind(&r.key.period)
        .bind(r.claim)
        .bind(r.claimed_at)
        .execute(&mut *self.0)
        .await;
        match done {
            Ok(d) => Ok(d.rows_affected() > 0),
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
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
        let done = sqlx::query(
            "UPDATE reminders SET claim = $1, claimed_at = $2 WHERE tenant = $3 AND recipient = $4 \
             AND kind = $5 AND period = $6 AND sent_at IS NULL AND claimed_at < $7",
        )
        .bind(r.claim)
        .bind(r.claimed_at)
        .bind(r.key.tenant.0)
        .bind(r.key.recipient.0)
        .bind(&r.key.kind)
        .bind(&r.key.period)
        .bind(stale_before)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }
}

//! The backend's reads and single-statement writes of accounts, outside write transactions: sessions,
//! API tokens, invitations, sign-in attempts, password resets and reminders.

use crate::rows::{db, is_foreign_key_violation, ts};
use crate::{SqliteBackend, queries, rows};
use chrono::{DateTime, Utc};
use hardship_store::*;
use uuid::Uuid;

impl SqliteBackend {
    pub(super) async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        let r = sqlx::query("INSERT INTO sessions (token_hash, user_id, tenant, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(s.token_hash.to_vec())
            .bind(s.user.to_string())
            .bind(s.tenant.map(|t| t.to_string()))
            .bind(&s.csrf_token)
            .bind(ts(s.created_at))
            .bind(ts(s.expires_at))
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::not_found("user", s.user)),
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        sqlx::query("SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?")
            .bind(token_hash.to_vec())
            .bind(ts(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| rows::session(&r))
            .transpose()
    }

    pub(super) async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn purge(
        &self,
        now: DateTime<Utc>,
        attempts_before: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE at < ?")
            .bind(ts(attempts_before))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn set_session_tenant(
        &self,
        token_hash: &[u8; 32],
        tenant: TenantId,
    ) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE sessions SET tenant = ? WHERE token_hash = ?")
            .bind(tenant.to_string())
            .bind(token_hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
            .bind(user.to_string())
            .bind(keep.map(|k| k.to_vec()).unwrap_or_default())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked = 0")
            .bind(token_hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| rows::api_token(&r))
            .transpose()
    }

    pub(super) async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        sqlx::query("SELECT * FROM api_tokens WHERE tenant = ? ORDER BY created_at, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::api_token)
            .collect()
    }

    pub(super) async fn invite_tenant(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<TenantId>> {
        sqlx::query("SELECT * FROM invites WHERE token_hash = ?")
            .bind(token_hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| rows::invite(&r).map(|i| i.tenant))
            .transpose()
    }

    pub(super) async fn invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        sqlx::query("SELECT * FROM invites WHERE tenant = ? ORDER BY created_at, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::invite)
            .collect()
    }

    pub(super) async fn attempts(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        let mut out = Vec::new();
        for key in keys {
            if let (count, Some(earliest)) = queries::count_attempts(&self.pool, key, since).await?
            {
                out.push(SignInFailures {
                    key: key.clone(),
                    count,
                    earliest,
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn release_attempt(
        &self,
        attempt: Uuid,
        forget: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE attempt = ?")
            .bind(attempt.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for key in forget {
            sqlx::query("DELETE FROM sign_in_failures WHERE key = ?")
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    pub(super) async fn insert_password_reset(&self, r: &PasswordReset) -> StoreResult<()> {
        let done = sqlx::query("INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(r.id.to_string())
            .bind(r.user.to_string())
            .bind(r.token_hash.to_vec())
            .bind(ts(r.created_at))
            .bind(ts(r.expires_at))
            .execute(&self.pool)
            .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::not_found("user", r.user)),
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE reminders SET sent_at = ? WHERE tenant = ? AND recipient = ? AND kind = ? AND period = ? AND claim = ? AND sent_at IS NULL")
            .bind(ts(at))
            .bind(key.tenant.to_string())
            .bind(key.recipient.to_string())
            .bind(&key.kind)
            .bind(&key.period)
            .bind(claim.to_string())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM reminders WHERE tenant = ? AND recipient = ? AND kind = ? AND period = ? AND claim = ? AND sent_at IS NULL")
            .bind(key.tenant.to_string())
            .bind(key.recipient.to_string())
            .bind(&key.kind)
            .bind(&key.period)
            .bind(claim.to_string())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        sqlx::query(
            "SELECT * FROM reminders WHERE tenant = ? ORDER BY claimed_at, recipient, kind, period",
        )
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::reminder)
        .collect()
    }
}

//! The backend's reads and single-statement writes of accounts, outside write transactions: sessions,
//! API tokens, invitations, sign-in attempts, password resets and reminders.

use crate::error::db;
use crate::rows::*;
use crate::{PgBackend, queries};
use chrono::{DateTime, Utc};
use hardship_store::*;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

impl PgBackend {
    pub(super) async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, tenant, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.token_hash.to_vec())
        .bind(s.user.0)
        .bind(s.tenant.map(|t| t.0))
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                match (d.constraint(), s.tenant) {
                    (Some("sessions_tenant_fkey"), Some(t)) => {
                        StoreError::not_found("organization", t)
                    }
                    _ => StoreError::not_found("user", s.user),
                }
            }
            _ => db(e),
        })?;
        Ok(())
    }

    pub(super) async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1 AND expires_at > $2"
        );
        sqlx::query_as::<_, SessionRow>(AssertSqlSafe(sql))
            .bind(token_hash.to_vec())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(SessionRow::into_model)
            .transpose()
    }

    pub(super) async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
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
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
            .bind(attempts_before)
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
        let r = sqlx::query("UPDATE sessions SET tenant = $2 WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .bind(tenant.0)
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                    StoreError::not_found("organization", tenant)
                }
                _ => db(e),
            })?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        let r = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
        )
        .bind(user.0)
        .bind(keep.map(|k| k.to_vec()))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND NOT revoked"
        );
        sqlx::query_as::<_, ApiTokenRow>(AssertSqlSafe(sql))
            .bind(token_hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(ApiTokenRow::into_model)
            .transpose()
    }

    pub(super) async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        self.all(
            format!(
                "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE tenant = $1 ORDER BY created_at, id"
            ),
            |q| q.bind(tenant.0),
            ApiTokenRow::into_model,
        )
        .await
    }

    pub(super) async fn invite_tenant(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<TenantId>> {
        let t: Option<Uuid> =
            sqlx::query_scalar("SELECT tenant FROM invites WHERE token_hash = $1")
                .bind(token_hash.to_vec())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(t.map(TenantId))
    }

    pub(super) async fn invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        self.all(
            format!(
                "SELECT {INVITE_COLUMNS} FROM invites WHERE tenant = $1 ORDER BY created_at, id"
            ),
            |q| q.bind(tenant.0),
            InviteRow::into_model,
        )
        .await
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
        sqlx::query("DELETE FROM sign_in_failures WHERE attempt = $1 OR key = ANY($2)")
            .bind(attempt)
            .bind(forget)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn insert_password_reset(&self, r: &PasswordReset) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.id)
        .bind(r.user.0)
        .bind(r.token_hash.to_vec())
        .bind(r.created_at)
        .bind(r.expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::not_found("user", r.user)
            }
            _ => db(e),
        })?;
        Ok(())
    }

    pub(super) async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE reminders SET sent_at = $1 WHERE tenant = $2 AND recipient = $3 AND kind = $4 \
             AND period = $5 AND claim = $6 AND sent_at IS NULL",
        )
        .bind(at)
        .bind(key.tenant.0)
        .bind(key.recipient.0)
        .bind(&key.kind)
        .bind(&key.period)
        .bind(claim)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM reminders WHERE tenant = $1 AND recipient = $2 AND kind = $3 \
             AND period = $4 AND claim = $5 AND sent_at IS NULL",
        )
        .bind(key.tenant.0)
        .bind(key.recipient.0)
        .bind(&key.kind)
        .bind(&key.period)
        .bind(claim)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        self.all(
            format!(
                "SELECT {REMINDER_COLUMNS} FROM reminders WHERE tenant = $1 \
                 ORDER BY claimed_at, recipient, kind, period"
            ),
            |q| q.bind(tenant.0),
            ReminderRow::into_model,
        )
        .await
    }
}

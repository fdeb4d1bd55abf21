//! The transaction's rows of organizations and people: organizations, users, memberships and their
//! client practices, API tokens, invitations, sessions ended, attestations.

use super::PgTx;
use crate::error::{db, duplicate_or_db};
use chrono::{DateTime, Utc};
use hardship_store::*;
use uuid::Uuid;

impl PgTx {
    pub(super) async fn insert_organization(&mut self, o: &Organization) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(o.id.0)
        .bind(&o.name)
        .bind(o.kind.code())
        .bind(o.created_at)
        .execute(&mut *self.0)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "organizations_pkey",
                "organization id",
                &o.id.to_string(),
                "",
            )
        })?;
        Ok(())
    }

    pub(super) async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
        let previous: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE tenant = $1 AND user_id = $2")
                .bind(m.tenant.0)
                .bind(m.user.0)
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db)?;
        let r = sqlx::query(
            "INSERT INTO memberships (tenant, user_id, role, created_at) VALUES ($1, $2, $3, now()) \
             ON CONFLICT (tenant, user_id) DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(m.tenant.0)
        .bind(m.user.0)
        .bind(m.role.code())
        .execute(&mut *self.0)
        .await;
        match r {
            Ok(_) => Ok(previous.and_then(|p| Role::parse(&p))),
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                Err(StoreError::not_found("user", m.user))
            }
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
        sqlx::query("INSERT INTO api_tokens (id, tenant, name, role, scope, token_hash, created_by, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(t.id)
            .bind(t.tenant.0)
            .bind(&t.name)
            .bind(t.role.code())
            .bind(t.scope.code())
            .bind(t.token_hash.to_vec())
            .bind(&t.created_by)
            .bind(t.user.map(|u| u.0))
            .bind(t.created_at)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn revoke_api_token(
        &mut self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE api_tokens SET revoked = true WHERE tenant = $1 AND id = $2 AND NOT revoked",
        )
        .bind(tenant.0)
        .bind(id)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invites (id, tenant, email, role, token_hash, created_by, created_at, expires_at, practices) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(i.id.0)
        .bind(i.tenant.0)
        .bind(&i.email)
        .bind(i.role.code())
        .bind(i.token_hash.to_vec())
        .bind(&i.created_by)
        .bind(i.created_at)
        .bind(i.expires_at)
        .bind(serde_json::json!(i.practices))
        .execute(&mut *self.0)
        .await
        .map_err(|e| duplicate_or_db(e, "invites_token_hash_key", "invitation token", "(this link's)", ""))?;
        Ok(())
    }

    pub(super) async fn mark_invite_accepted(
        &mut self,
        id: InviteId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE invites SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL",
        )
        .bind(id.0)
        .bind(at)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn membership_role(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<Role>> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE tenant = $1 AND user_id = $2 FOR UPDATE",
        )
        .bind(tenant.0)
        .bind(user.0)
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(role.and_then(|r| Role::parse(&r)))
    }

    pub(super) async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE tenant = $1 AND role = 'owner'",
        )
        .bind(tenant.0)
        .fetch_one(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(super) async fn delete_membership(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<bool> {
        self.set_client_practices(tenant, user, &[]).await?;
        let r = sqlx::query("DELETE FROM memberships WHERE tenant = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn set_client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
        practices: &[PracticeId],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM client_practices WHERE tenant = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        let ids: Vec<Uuid> = practices.iter().map(|p| p.0).collect();
        sqlx::query(
            "INSERT INTO client_practices (tenant, user_id, practice) \
             SELECT $1, $2, unnest($3::uuid[])",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(ids)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn revoke_user_tokens(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<Uuid>> {
        let mut ids: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked = true WHERE tenant = $1 AND user_id = $2 AND NOT revoked \
             RETURNING id",
        )
        .bind(tenant.0)
        .bind(user.0)
        .fetch_all(&mut *self.0)
        .await
        .map_err(db)?;
        // RETURNING gives no order: sorted, so the audit payload is the same on every backend.
        ids.sort();
        Ok(ids)
    }

    pub(super) async fn end_user_sessions(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<u64> {
        let r = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND (tenant IS NULL OR tenant = $2)",
        )
        .bind(user.0)
        .bind(tenant.0)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO attestations (id, tenant, application, practice, application_version, typed_name, \
             user_id, email, role, signed_on, signed_at, packet_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(a.id.0)
        .bind(a.tenant.0)
        .bind(a.application.0)
        .bind(a.practice.0)
        .bind(a.application_version)
        .bind(&a.typed_name)
        .bind(a.user.0)
        .bind(&a.email)
        .bind(a.role.code())
        .bind(a.signed_on)
        .bind(a.signed_at)
        .bind(a.packet_sha256.to_vec())
        .execute(&mut *self.0)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "attestations_packet_key",
                "packet_sha256",
                &hex(&a.packet_sha256),
                " (this packet is already signed)",
            )
        })?;
        Ok(())
    }
}

//! The transaction's rows of organizations and people: organizations, users, memberships and their
//! client practices, API tokens, invitations, sessions ended, attestations.

use super::{SqliteTx, duplicate};
use crate::rows::{db, is_foreign_key_violation, is_unique_violation, to_json, ts};
use chrono::{DateTime, Utc};
use hardship_store::*;
use uuid::Uuid;

impl SqliteTx {
    pub(super) async fn insert_organization(&mut self, o: &Organization) -> StoreResult<()> {
        sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)")
            .bind(o.id.to_string())
            .bind(&o.name)
            .bind(o.kind.code())
            .bind(ts(o.created_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
        let previous: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE tenant = ? AND user_id = ?")
                .bind(m.tenant.to_string())
                .bind(m.user.to_string())
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db)?;
        let r = sqlx::query("INSERT INTO memberships (tenant, user_id, role) VALUES (?, ?, ?) ON CONFLICT (tenant, user_id) DO UPDATE SET role = excluded.role")
            .bind(m.tenant.to_string())
            .bind(m.user.to_string())
            .bind(m.role.code())
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(_) => Ok(previous.and_then(|p| Role::parse(&p))),
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::not_found("user", m.user)),
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
        sqlx::query("INSERT INTO api_tokens (id, tenant, name, role, scope, token_hash, created_by, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(t.id.to_string())
            .bind(t.tenant.to_string())
            .bind(&t.name)
            .bind(t.role.code())
            .bind(t.scope.code())
            .bind(t.token_hash.to_vec())
            .bind(&t.created_by)
            .bind(t.user.map(|u| u.to_string()))
            .bind(ts(t.created_at))
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
            "UPDATE api_tokens SET revoked = 1 WHERE tenant = ? AND id = ? AND revoked = 0",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
        sqlx::query("INSERT INTO invites (id, tenant, email, role, practices, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(i.id.to_string())
            .bind(i.tenant.to_string())
            .bind(&i.email)
            .bind(i.role.code())
            .bind(to_json(&i.practices)?)
            .bind(i.token_hash.to_vec())
            .bind(&i.created_by)
            .bind(ts(i.created_at))
            .bind(ts(i.expires_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn mark_invite_accepted(
        &mut self,
        id: InviteId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let r =
            sqlx::query("UPDATE invites SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL")
                .bind(ts(at))
                .bind(id.to_string())
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
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE tenant = ? AND user_id = ?")
                .bind(tenant.to_string())
                .bind(user.to_string())
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db)?;
        Ok(role.and_then(|r| Role::parse(&r)))
    }

    pub(super) async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE tenant = ? AND role = 'owner'",
        )
        .bind(tenant.to_string())
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
        let r = sqlx::query("DELETE FROM memberships WHERE tenant = ? AND user_id = ?")
            .bind(tenant.to_string())
            .bind(user.to_string())
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
        sqlx::query("DELETE FROM client_practices WHERE tenant = ? AND user_id = ?")
            .bind(tenant.to_string())
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        for p in practices {
            sqlx::query(
                "INSERT INTO client_practices (tenant, user_id, practice) VALUES (?, ?, ?)",
            )
            .bind(tenant.to_string())
            .bind(user.to_string())
            .bind(p.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    pub(super) async fn revoke_user_tokens(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked = 1 WHERE tenant = ? AND user_id = ? AND revoked = 0 RETURNING id",
        )
        .bind(tenant.to_string())
        .bind(user.to_string())
        .fetch_all(&mut *self.0)
        .await
        .map_err(db)?;
        let mut ids = ids
            .iter()
            .map(|i| {
                Uuid::parse_str(i)
                    .map_err(|e| StoreError::Internal(format!("stored id {i:?}: {e}")))
            })
            .collect::<StoreResult<Vec<_>>>()?;
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
            "DELETE FROM sessions WHERE user_id = ? AND (tenant IS NULL OR tenant = ?)",
        )
        .bind(user.to_string())
        .bind(tenant.to_string())
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    pub(super) async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
        let r = sqlx::query("INSERT INTO attestations (id, tenant, application, practice, application_version, typed_name, user_id, email, role, signed_on, signed_at, packet_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(a.id.to_string())
            .bind(a.tenant.to_string())
            .bind(a.application.to_string())
            .bind(a.practice.to_string())
            .bind(a.application_version)
            .bind(&a.typed_name)
            .bind(a.user.to_string())
            .bind(&a.email)
            .bind(a.role.code())
            .bind(a.signed_on.to_string())
            .bind(ts(a.signed_at))
            .bind(hex(&a.packet_sha256))
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(duplicate(
                "packet_sha256",
                hex(&a.packet_sha256),
                " (this packet is already signed)",
            )),
            Err(e) => Err(db(e)),
        }
    }
}

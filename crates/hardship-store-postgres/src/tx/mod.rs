//! One write transaction on PostgreSQL: the row primitives the engine composes.

use crate::error::db;
use crate::queries;
use crate::rows;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::audit::AuditEvent;
use hardship_store::engine::Tx;
use hardship_store::*;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

// The longer row primitives live in one file per area, as methods of the transaction that the `Tx`
// impl below calls; the one-line ones stay inline.
mod accounts;
mod applications;
mod people;
mod practices;

/// Holds the lock it was begun with (the tenant's row, or the attempt keys) until it ends.
pub struct PgTx(pub Transaction<'static, Postgres>);

pub(crate) fn json_value<T: serde::Serialize>(what: &str, v: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(v)
        .map_err(|e| StoreError::Internal(format!("cannot encode the {what}: {e}")))
}

fn year(y: PerformanceYear) -> i32 {
    i32::from(y.get())
}

#[async_trait]
impl Tx for PgTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.0.commit().await.map_err(db)
    }

    async fn audit_head(&mut self, tenant: TenantId) -> StoreResult<Option<(i64, [u8; 32])>> {
        let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT seq, hash FROM audit_events WHERE tenant = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.0)
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?;
        last.map(|(seq, hash)| Ok((seq, rows::hash32("audit hash", hash)?)))
            .transpose()
    }

    async fn insert_audit(&mut self, e: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, \
             prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(e.tenant.0)
        .bind(e.seq)
        .bind(e.at)
        .bind(e.actor_user.as_deref())
        .bind(&e.actor_label)
        .bind(&e.action)
        .bind(&e.entity)
        .bind(&e.entity_id)
        .bind(e.before.as_deref())
        .bind(e.after.as_deref())
        .bind(e.prev_hash.as_slice())
        .bind(e.hash.as_slice())
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_organization(&mut self, o: &Organization) -> StoreResult<()> {
        PgTx::insert_organization(self, o).await
    }

    async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
        PgTx::upsert_membership(self, m).await
    }

    async fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&mut *self.0, email).await
    }

    async fn insert_user(&mut self, u: &User) -> StoreResult<()> {
        queries::insert_user(&mut *self.0, u).await
    }

    async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
        PgTx::insert_api_token(self, t).await
    }

    async fn revoke_api_token(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
        PgTx::revoke_api_token(self, tenant, id).await
    }

    async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
        PgTx::insert_invite(self, i).await
    }

    async fn invite_for_update(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&mut *self.0, token_hash, now).await
    }

    async fn mark_invite_accepted(&mut self, id: InviteId, at: DateTime<Utc>) -> StoreResult<bool> {
        PgTx::mark_invite_accepted(self, id, at).await
    }

    async fn membership_role(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<Role>> {
        PgTx::membership_role(self, tenant, user).await
    }

    async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        PgTx::count_owners(self, tenant).await
    }

    async fn client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        queries::client_practices(&mut *self.0, tenant, user).await
    }

    async fn delete_membership(&mut self, tenant: TenantId, user: UserId) -> StoreResult<bool> {
        PgTx::delete_membership(self, tenant, user).await
    }

    async fn set_client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
        practices: &[PracticeId],
    ) -> StoreResult<()> {
        PgTx::set_client_practices(self, tenant, user, practices).await
    }

    async fn revoke_user_tokens(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<Uuid>> {
        PgTx::revoke_user_tokens(self, tenant, user).await
    }

    async fn end_user_sessions(&mut self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
        PgTx::end_user_sessions(self, tenant, user).await
    }

    async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
        PgTx::insert_attestation(self, a).await
    }

    async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
        PgTx::insert_practice(self, p).await
    }

    async fn practice(
        &mut self,
        tenant: TenantId,
        id: PracticeId,
    ) -> StoreResult<Option<Practice>> {
        queries::practice(&mut *self.0, tenant, id).await
    }

    async fn update_practice(&mut self, p: &Practice, expected: i64) -> StoreResult<bool> {
        PgTx::update_practice(self, p, expected).await
    }

    async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
        PgTx::insert_clinician(self, c).await
    }

    async fn clinician(
        &mut self,
        tenant: TenantId,
        id: ClinicianId,
    ) -> StoreResult<Option<Clinician>> {
        queries::clinician(&mut *self.0, tenant, id).await
    }

    async fn practice_clinicians(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        queries::practice_clinicians(&mut *self.0, tenant, practice).await
    }

    async fn update_clinician(&mut self, c: &Clinician, expected: i64) -> StoreResult<bool> {
        PgTx::update_clinician(self, c, expected).await
    }

    async fn status(
        &mut self,
        clinician: ClinicianId,
        year_: PerformanceYear,
        status: SpecialStatus,
    ) -> StoreResult<Option<ClinicianStatus>> {
        PgTx::status(self, clinician, year_, status).await
    }

    async fn upsert_status(&mut self, tenant: TenantId, s: &ClinicianStatus) -> StoreResult<()> {
        PgTx::upsert_status(self, tenant, s).await
    }

    async fn practice_year(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Option<PracticeYear>> {
        queries::practice_year(&mut *self.0, tenant, practice, year).await
    }

    async fn upsert_practice_year(&mut self, y: &PracticeYear) -> StoreResult<()> {
        PgTx::upsert_practice_year(self, y).await
    }

    async fn cms_answer(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        npi: hardship_rules::Npi,
        y: PerformanceYear,
    ) -> StoreResult<Option<CmsAnswer>> {
        PgTx::cms_answer(self, tenant, practice, npi, y).await
    }

    async fn upsert_cms_answer(&mut self, tenant: TenantId, a: &CmsAnswer) -> StoreResult<()> {
        PgTx::upsert_cms_answer(self, tenant, a).await
    }

    async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        PgTx::insert_application(self, a).await
    }

    async fn application(
        &mut self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>> {
        queries::application(&mut *self.0, tenant, id).await
    }

    async fn update_application(&mut self, a: &Application, expected: i64) -> StoreResult<bool> {
        PgTx::update_application(self, a, expected).await
    }

    async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        PgTx::insert_decision(self, d).await
    }

    async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        PgTx::insert_document(self, d).await
    }

    async fn practice_with_tin(
        &mut self,
        tenant: TenantId,
        tin: hardship_rules::Tin,
    ) -> StoreResult<Option<Practice>> {
        PgTx::practice_with_tin(self, tenant, tin).await
    }

    async fn document(
        &mut self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<Option<Document>> {
        queries::document(&mut *self.0, tenant, id).await
    }

    async fn update_document(&mut self, d: &Document) -> StoreResult<()> {
        PgTx::update_document(self, d).await
    }

    async fn document_exists(&mut self, tenant: TenantId, id: DocumentId) -> StoreResult<bool> {
        PgTx::document_exists(self, tenant, id).await
    }

    async fn count_attempts(
        &mut self,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
        queries::count_attempts(&mut *self.0, key, since).await
    }

    async fn insert_attempts(
        &mut self,
        keys: &[&str],
        at: DateTime<Utc>,
        attempt: Uuid,
    ) -> StoreResult<()> {
        PgTx::insert_attempts(self, keys, at, attempt).await
    }

    async fn lock_tenant(&mut self, tenant: TenantId) -> StoreResult<()> {
        sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(tenant.0)
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found("organization", tenant))
    }

    async fn password_reset_for_update(
        &mut self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>> {
        queries::password_reset(&mut *self.0, token_hash, true).await
    }

    async fn spend_password_resets(&mut self, user: UserId, at: DateTime<Utc>) -> StoreResult<()> {
        PgTx::spend_password_resets(self, user, at).await
    }

    async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        PgTx::set_password(self, user, hash).await
    }

    async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        PgTx::delete_user_sessions(self, user).await
    }

    async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
        PgTx::memberships_of(self, user).await
    }

    async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
        PgTx::insert_targeted_review(self, r).await
    }

    async fn targeted_review(
        &mut self,
        t: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<TargetedReview>> {
        queries::targeted_review(&mut *self.0, t, id).await
    }
    async fn update_targeted_review(&mut self, r: &TargetedReview, v: i64) -> StoreResult<bool> {
        queries::update_targeted_review(&mut *self.0, r, v).await
    }
    async fn insert_dva_request(&mut self, d: &DvaRequest) -> StoreResult<bool> {
        queries::insert_dva_request(&mut *self.0, d).await
    }
    async fn dva_request(&mut self, t: TenantId, id: Uuid) -> StoreResult<Option<DvaRequest>> {
        queries::dva_request(&mut *self.0, t, id).await
    }
    async fn update_dva_request(&mut self, d: &DvaRequest, v: i64) -> StoreResult<bool> {
        queries::update_dva_request(&mut *self.0, d, v).await
    }

    async fn insert_reminder(&mut self, r: &Reminder) -> StoreResult<bool> {
        PgTx::insert_reminder(self, r).await
    }

    async fn take_over_reminder(
        &mut self,
        r: &Reminder,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        PgTx::take_over_reminder(self, r, stale_before).await
    }
}

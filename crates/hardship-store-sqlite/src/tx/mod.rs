//! One write transaction on SQLite: the row primitives the engine composes.

use crate::queries;
use crate::rows::{self, db, ts};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::audit::AuditEvent;
use hardship_store::engine::Tx;
use hardship_store::*;
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

// The longer row primitives live in one file per area, as methods of the transaction that the `Tx`
// impl below calls; the one-line ones stay inline.
mod accounts;
mod applications;
mod people;
mod practices;

/// Begun with `BEGIN IMMEDIATE`: it holds the database's write lock from its first statement, so two
/// writers never deadlock upgrading a read lock, and a tenant's audit chain never forks.
pub struct SqliteTx(pub Transaction<'static, Sqlite>);

fn duplicate(field: &'static str, value: String, context: &str) -> StoreError {
    StoreError::Duplicate {
        field,
        value,
        context: context.into(),
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.0.commit().await.map_err(db)
    }

    async fn audit_head(&mut self, tenant: TenantId) -> StoreResult<Option<(i64, [u8; 32])>> {
        let row = sqlx::query(
            "SELECT seq, hash FROM audit_events WHERE tenant = ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.to_string())
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?;
        row.map(|r| {
            let seq: i64 = r.try_get("seq").map_err(db)?;
            let hash: Vec<u8> = r.try_get("hash").map_err(db)?;
            Ok((seq, rows::to32(&hash)?))
        })
        .transpose()
    }

    async fn insert_audit(&mut self, e: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(e.tenant.to_string())
        .bind(e.seq)
        .bind(ts(e.at))
        .bind(&e.actor_user)
        .bind(&e.actor_label)
        .bind(&e.action)
        .bind(&e.entity)
        .bind(&e.entity_id)
        .bind(&e.before)
        .bind(&e.after)
        .bind(e.prev_hash.to_vec())
        .bind(e.hash.to_vec())
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_organization(&mut self, o: &Organization) -> StoreResult<()> {
        SqliteTx::insert_organization(self, o).await
    }

    async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
        SqliteTx::upsert_membership(self, m).await
    }

    async fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&mut *self.0, email).await
    }

    async fn insert_user(&mut self, u: &User) -> StoreResult<()> {
        queries::insert_user(&mut *self.0, u).await
    }

    async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
        SqliteTx::insert_api_token(self, t).await
    }

    async fn revoke_api_token(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
        SqliteTx::revoke_api_token(self, tenant, id).await
    }

    async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
        SqliteTx::insert_invite(self, i).await
    }

    async fn invite_for_update(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&mut *self.0, token_hash, now).await
    }

    async fn mark_invite_accepted(&mut self, id: InviteId, at: DateTime<Utc>) -> StoreResult<bool> {
        SqliteTx::mark_invite_accepted(self, id, at).await
    }

    async fn membership_role(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<Role>> {
        SqliteTx::membership_role(self, tenant, user).await
    }

    async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        SqliteTx::count_owners(self, tenant).await
    }

    async fn client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        queries::client_practices(&mut *self.0, tenant, user).await
    }

    async fn delete_membership(&mut self, tenant: TenantId, user: UserId) -> StoreResult<bool> {
        SqliteTx::delete_membership(self, tenant, user).await
    }

    async fn set_client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
        practices: &[PracticeId],
    ) -> StoreResult<()> {
        SqliteTx::set_client_practices(self, tenant, user, practices).await
    }

    async fn revoke_user_tokens(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<Uuid>> {
        SqliteTx::revoke_user_tokens(self, tenant, user).await
    }

    async fn end_user_sessions(&mut self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
        SqliteTx::end_user_sessions(self, tenant, user).await
    }

    async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
        SqliteTx::insert_attestation(self, a).await
    }

    async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
        SqliteTx::insert_practice(self, p).await
    }

    async fn practice(
        &mut self,
        tenant: TenantId,
        id: PracticeId,
    ) -> StoreResult<Option<Practice>> {
        queries::practice(&mut *self.0, tenant, id).await
    }

    async fn update_practice(&mut self, p: &Practice, expected: i64) -> StoreResult<bool> {
        SqliteTx::update_practice(self, p, expected).await
    }

    async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
        SqliteTx::insert_clinician(self, c).await
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
        SqliteTx::update_clinician(self, c, expected).await
    }

    async fn status(
        &mut self,
        clinician: ClinicianId,
        year: PerformanceYear,
        status: SpecialStatus,
    ) -> StoreResult<Option<ClinicianStatus>> {
        SqliteTx::status(self, clinician, year, status).await
    }

    async fn upsert_status(&mut self, tenant: TenantId, s: &ClinicianStatus) -> StoreResult<()> {
        SqliteTx::upsert_status(self, tenant, s).await
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
        SqliteTx::upsert_practice_year(self, y).await
    }

    async fn cms_answer(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        npi: hardship_rules::Npi,
        year: PerformanceYear,
    ) -> StoreResult<Option<CmsAnswer>> {
        SqliteTx::cms_answer(self, tenant, practice, npi, year).await
    }

    async fn upsert_cms_answer(&mut self, tenant: TenantId, a: &CmsAnswer) -> StoreResult<()> {
        SqliteTx::upsert_cms_answer(self, tenant, a).await
    }

    async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        SqliteTx::insert_application(self, a).await
    }

    async fn application(
        &mut self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>> {
        queries::application(&mut *self.0, tenant, id).await
    }

    async fn update_application(&mut self, a: &Application, expected: i64) -> StoreResult<bool> {
        SqliteTx::update_application(self, a, expected).await
    }

    async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        SqliteTx::insert_decision(self, d).await
    }

    async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        SqliteTx::insert_document(self, d).await
    }

    async fn practice_with_tin(
        &mut self,
        tenant: TenantId,
        tin: hardship_rules::Tin,
    ) -> StoreResult<Option<Practice>> {
        SqliteTx::practice_with_tin(self, tenant, tin).await
    }

    async fn document(
        &mut self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<Option<Document>> {
        queries::document(&mut *self.0, tenant, id).await
    }

    async fn update_document(&mut self, d: &Document) -> StoreResult<()> {
        SqliteTx::update_document(self, d).await
    }

    async fn document_exists(&mut self, tenant: TenantId, id: DocumentId) -> StoreResult<bool> {
        SqliteTx::document_exists(self, tenant, id).await
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
        SqliteTx::insert_attempts(self, keys, at, attempt).await
    }

    async fn lock_tenant(&mut self, tenant: TenantId) -> StoreResult<()> {
        // BEGIN IMMEDIATE already holds the one write lock; the tenant must still exist.
        let exists = sqlx::query("SELECT 1 FROM organizations WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db)?;
        exists
            .map(|_| ())
            .ok_or_else(|| StoreError::not_found("organization", tenant))
    }

    async fn password_reset_for_update(
        &mut self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>> {
        queries::password_reset(&mut *self.0, token_hash).await
    }

    async fn spend_password_resets(&mut self, user: UserId, at: DateTime<Utc>) -> StoreResult<()> {
        SqliteTx::spend_password_resets(self, user, at).await
    }

    async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        SqliteTx::set_password(self, user, hash).await
    }

    async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        SqliteTx::delete_user_sessions(self, user).await
    }

    async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
        SqliteTx::memberships_of(self, user).await
    }

    async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
        SqliteTx::insert_targeted_review(self, r).await
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
        SqliteTx::insert_reminder(self, r).await
    }

    async fn take_over_reminder(
        &mut self,
        r: &Reminder,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        SqliteTx::take_over_reminder(self, r, stale_before).await
    }
}

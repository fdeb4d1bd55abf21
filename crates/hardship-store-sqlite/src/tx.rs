//! One write transaction on SQLite: the row primitives the engine composes.

use crate::queries;
use crate::rows::{self, db, is_foreign_key_violation, is_unique_violation, to_json, ts};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::audit::AuditEvent;
use hardship_store::engine::Tx;
use hardship_store::*;
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

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

    async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
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

    async fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&mut *self.0, email).await
    }

    async fn insert_user(&mut self, u: &User) -> StoreResult<()> {
        queries::insert_user(&mut *self.0, u).await
    }

    async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
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

    async fn revoke_api_token(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
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

    async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
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

    async fn invite_for_update(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&mut *self.0, token_hash, now).await
    }

    async fn mark_invite_accepted(&mut self, id: InviteId, at: DateTime<Utc>) -> StoreResult<bool> {
        let r =
            sqlx::query("UPDATE invites SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL")
                .bind(ts(at))
                .bind(id.to_string())
                .execute(&mut *self.0)
                .await
                .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn membership_role(
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

    async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE tenant = ? AND role = 'owner'",
        )
        .bind(tenant.to_string())
        .fetch_one(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        queries::client_practices(&mut *self.0, tenant, user).await
    }

    async fn delete_membership(&mut self, tenant: TenantId, user: UserId) -> StoreResult<bool> {
        self.set_client_practices(tenant, user, &[]).await?;
        let r = sqlx::query("DELETE FROM memberships WHERE tenant = ? AND user_id = ?")
            .bind(tenant.to_string())
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_client_practices(
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

    async fn revoke_user_tokens(
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

    async fn end_user_sessions(&mut self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
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

    async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
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

    async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
        sqlx::query("INSERT INTO practices (id, tenant, tin, name, address, contact_name, contact_email, contact_phone, zip, archived, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(p.id.to_string())
            .bind(p.tenant.to_string())
            .bind(p.tin.as_str())
            .bind(&p.name)
            .bind(&p.address)
            .bind(&p.contact.name)
            .bind(&p.contact.email)
            .bind(&p.contact.phone)
            .bind(p.zip.map(|z| z.to_string()))
            .bind(rows::opt_to_json(p.archived.as_ref())?)
            .bind(p.version)
            .bind(ts(p.created_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn practice(
        &mut self,
        tenant: TenantId,
        id: PracticeId,
    ) -> StoreResult<Option<Practice>> {
        queries::practice(&mut *self.0, tenant, id).await
    }

    async fn update_practice(&mut self, p: &Practice, expected: i64) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE practices SET tin = ?, name = ?, address = ?, contact_name = ?, contact_email = ?, contact_phone = ?, zip = ?, archived = ?, version = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(p.tin.as_str())
            .bind(&p.name)
            .bind(&p.address)
            .bind(&p.contact.name)
            .bind(&p.contact.email)
            .bind(&p.contact.phone)
            .bind(p.zip.map(|z| z.to_string()))
            .bind(rows::opt_to_json(p.archived.as_ref())?)
            .bind(p.version)
            .bind(p.tenant.to_string())
            .bind(p.id.to_string())
            .bind(expected)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
        let r = sqlx::query("INSERT INTO clinicians (id, tenant, practice, npi, name, clinician_type, joined_on, left_on, archived, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(c.id.to_string())
            .bind(c.tenant.to_string())
            .bind(c.practice.to_string())
            .bind(c.npi.as_str())
            .bind(&c.name)
            .bind(c.clinician_type.code())
            .bind(c.joined_on.map(|d| d.to_string()))
            .bind(c.left_on.map(|d| d.to_string()))
            .bind(rows::opt_to_json(c.archived.as_ref())?)
            .bind(c.version)
            .bind(ts(c.created_at))
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(duplicate(
                "npi",
                c.npi.to_string(),
                " on this practice's roster",
            )),
            Err(e) => Err(db(e)),
        }
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
        let r = sqlx::query("UPDATE clinicians SET npi = ?, name = ?, clinician_type = ?, joined_on = ?, left_on = ?, archived = ?, version = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(c.npi.as_str())
            .bind(&c.name)
            .bind(c.clinician_type.code())
            .bind(c.joined_on.map(|d| d.to_string()))
            .bind(c.left_on.map(|d| d.to_string()))
            .bind(rows::opt_to_json(c.archived.as_ref())?)
            .bind(c.version)
            .bind(c.tenant.to_string())
            .bind(c.id.to_string())
            .bind(expected)
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(r) => Ok(r.rows_affected() > 0),
            Err(e) if is_unique_violation(&e) => Err(duplicate(
                "npi",
                c.npi.to_string(),
                " on this practice's roster",
            )),
            Err(e) => Err(db(e)),
        }
    }

    async fn status(
        &mut self,
        clinician: ClinicianId,
        year: PerformanceYear,
        status: SpecialStatus,
    ) -> StoreResult<Option<ClinicianStatus>> {
        sqlx::query(
            "SELECT * FROM clinician_statuses WHERE clinician = ? AND year = ? AND status = ?",
        )
        .bind(clinician.to_string())
        .bind(i64::from(year.get()))
        .bind(status.code())
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?
        .map(|r| rows::status(&r))
        .transpose()
    }

    async fn upsert_status(&mut self, tenant: TenantId, s: &ClinicianStatus) -> StoreResult<()> {
        sqlx::query("INSERT INTO clinician_statuses (tenant, clinician, year, status, value, origin, origin_rank, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (clinician, year, status) DO UPDATE SET value = excluded.value, origin = excluded.origin, origin_rank = excluded.origin_rank, recorded_at = excluded.recorded_at")
            .bind(tenant.to_string())
            .bind(s.clinician.to_string())
            .bind(i64::from(s.year.get()))
            .bind(s.status.code())
            .bind(i64::from(s.value))
            .bind(to_json(&s.origin)?)
            .bind(i64::from(s.origin.rank()))
            .bind(ts(s.recorded_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
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
        sqlx::query("INSERT INTO practice_years (tenant, practice, year, profile, version, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (practice, year) DO UPDATE SET profile = excluded.profile, version = excluded.version, updated_at = excluded.updated_at")
            .bind(y.tenant.to_string())
            .bind(y.practice.to_string())
            .bind(i64::from(y.year.get()))
            .bind(to_json(&y.profile)?)
            .bind(y.version)
            .bind(ts(y.updated_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn cms_answer(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        npi: hardship_rules::Npi,
        year: PerformanceYear,
    ) -> StoreResult<Option<CmsAnswer>> {
        sqlx::query(
            "SELECT answer FROM cms_answers WHERE tenant = ? AND practice = ? AND npi = ? AND year = ?",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .bind(npi.as_str())
        .bind(i64::from(year.get()))
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?
        .map(|r| rows::cms_answer(&r))
        .transpose()
    }

    async fn upsert_cms_answer(&mut self, tenant: TenantId, a: &CmsAnswer) -> StoreResult<()> {
        sqlx::query("INSERT INTO cms_answers (tenant, practice, npi, year, retrieved_at, answer) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (practice, npi, year) DO UPDATE SET retrieved_at = excluded.retrieved_at, answer = excluded.answer")
            .bind(tenant.to_string())
            .bind(a.practice.to_string())
            .bind(a.npi.as_str())
            .bind(i64::from(a.year.get()))
            .bind(ts(a.retrieved_at))
            .bind(to_json(a)?)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        sqlx::query("INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(a.id.to_string())
            .bind(a.tenant.to_string())
            .bind(a.draft.practice.to_string())
            .bind(i64::from(a.draft.year.get()))
            .bind(to_json(&a.draft)?)
            .bind(to_json(&a.state)?)
            .bind(a.state.name())
            .bind(a.version)
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn application(
        &mut self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>> {
        queries::application(&mut *self.0, tenant, id).await
    }

    async fn update_application(&mut self, a: &Application, expected: i64) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE applications SET draft = ?, year = ?, state = ?, state_name = ?, version = ?, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(to_json(&a.draft)?)
            .bind(i64::from(a.draft.year.get()))
            .bind(to_json(&a.state)?)
            .bind(a.state.name())
            .bind(a.version)
            .bind(ts(a.updated_at))
            .bind(a.tenant.to_string())
            .bind(a.id.to_string())
            .bind(expected)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        sqlx::query("INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, explanation, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id.to_string())
            .bind(d.tenant.to_string())
            .bind(d.practice.to_string())
            .bind(d.clinician.map(|c| c.to_string()))
            .bind(i64::from(d.year.get()))
            .bind(&d.rule_set_version)
            .bind(i64::from(d.reweighted))
            .bind(&d.basis)
            .bind(d.explanation.to_string())
            .bind(ts(d.decided_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        let size = i64::try_from(d.size)
            .map_err(|_| StoreError::invalid("size", format!("{} bytes is too large", d.size)))?;
        let r = sqlx::query("INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, object_key, retain_until, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id.to_string())
            .bind(d.tenant.to_string())
            .bind(d.practice.to_string())
            .bind(d.application.map(|a| a.to_string()))
            .bind(&d.kind)
            .bind(&d.filename)
            .bind(&d.content_type)
            .bind(size)
            .bind(hex(&d.sha256))
            .bind(&d.object_key)
            .bind(d.retain_until.to_string())
            .bind(&d.uploaded_by)
            .bind(ts(d.uploaded_at))
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(duplicate("document", d.id.to_string(), "")),
            Err(e) => Err(db(e)),
        }
    }

    async fn practice_with_tin(
        &mut self,
        tenant: TenantId,
        tin: hardship_rules::Tin,
    ) -> StoreResult<Option<Practice>> {
        sqlx::query(
            "SELECT * FROM practices WHERE tenant = ? AND tin = ? ORDER BY created_at LIMIT 1",
        )
        .bind(tenant.to_string())
        .bind(tin.as_str())
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?
        .map(|r| rows::practice(&r))
        .transpose()
    }

    async fn document(
        &mut self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<Option<Document>> {
        queries::document(&mut *self.0, tenant, id).await
    }

    async fn update_document(&mut self, d: &Document) -> StoreResult<()> {
        sqlx::query("UPDATE documents SET kind = ?, note = ?, superseded_by = ? WHERE tenant = ? AND id = ?")
            .bind(&d.kind)
            .bind(&d.note)
            .bind(d.superseded_by.map(|x| x.to_string()))
            .bind(d.tenant.to_string())
            .bind(d.id.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn document_exists(&mut self, tenant: TenantId, id: DocumentId) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM documents WHERE tenant = ? AND id = ?")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(row.is_some())
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
        sqlx::query("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
            .bind(ts(at))
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.to_string())
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
        sqlx::query("SELECT * FROM memberships WHERE user_id = ? ORDER BY tenant")
            .bind(user.to_string())
            .fetch_all(&mut *self.0)
            .await
            .map_err(db)?
            .iter()
            .map(rows::membership)
            .collect()
    }

    async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
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

    async fn take_over_reminder(
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

//! One write transaction on PostgreSQL: the row primitives the engine composes.

use crate::error::{db, duplicate_or_db, unique_violation};
use crate::queries;
use crate::rows::{self, origin_columns};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::audit::AuditEvent;
use hardship_store::engine::Tx;
use hardship_store::*;
use sqlx::{AssertSqlSafe, Postgres, Transaction};
use uuid::Uuid;

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

    async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>> {
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

    async fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&mut *self.0, email).await
    }

    async fn insert_user(&mut self, u: &User) -> StoreResult<()> {
        queries::insert_user(&mut *self.0, u).await
    }

    async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()> {
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

    async fn revoke_api_token(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<bool> {
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

    async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()> {
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

    async fn invite_for_update(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&mut *self.0, token_hash, now).await
    }

    async fn mark_invite_accepted(&mut self, id: InviteId, at: DateTime<Utc>) -> StoreResult<bool> {
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

    async fn membership_role(
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

    async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE tenant = $1 AND role = 'owner'",
        )
        .bind(tenant.0)
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
        let r = sqlx::query("DELETE FROM memberships WHERE tenant = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(user.0)
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

    async fn revoke_user_tokens(
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

    async fn end_user_sessions(&mut self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
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

    async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()> {
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

    async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO practices (id, tenant, tin, name, address, contact_name, contact_email, contact_phone, \
             zip, version, created_at, archived) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(p.id.0)
        .bind(p.tenant.0)
        .bind(p.tin.as_str())
        .bind(&p.name)
        .bind(&p.address)
        .bind(&p.contact.name)
        .bind(&p.contact.email)
        .bind(&p.contact.phone)
        .bind(p.zip.map(|z| z.to_string()))
        .bind(p.version)
        .bind(p.created_at)
        .bind(rows::opt_value(p.archived.as_ref())?)
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
        let r = sqlx::query(
            "UPDATE practices SET name = $4, address = $5, contact_name = $6, contact_email = $7, contact_phone = $8, \
             zip = $9, version = $10, tin = $11, archived = $12 WHERE tenant = $1 AND id = $2 AND version = $3",
        )
        .bind(p.tenant.0)
        .bind(p.id.0)
        .bind(expected)
        .bind(&p.name)
        .bind(&p.address)
        .bind(&p.contact.name)
        .bind(&p.contact.email)
        .bind(&p.contact.phone)
        .bind(p.zip.map(|z| z.to_string()))
        .bind(p.version)
        .bind(p.tin.as_str())
        .bind(rows::opt_value(p.archived.as_ref())?)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO clinicians (id, tenant, practice, npi, name, clinician_type, version, created_at, \
             joined_on, left_on, archived) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(c.id.0)
        .bind(c.tenant.0)
        .bind(c.practice.0)
        .bind(c.npi.as_str())
        .bind(&c.name)
        .bind(c.clinician_type.code())
        .bind(c.version)
        .bind(c.created_at)
        .bind(c.joined_on)
        .bind(c.left_on)
        .bind(rows::opt_value(c.archived.as_ref())?)
        .execute(&mut *self.0)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "clinicians_npi_key",
                "npi",
                c.npi.as_str(),
                " on this practice's roster",
            )
        })?;
        Ok(())
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
        let r = sqlx::query(
            "UPDATE clinicians SET name = $4, clinician_type = $5, version = $6, npi = $7, joined_on = $8, \
             left_on = $9, archived = $10 WHERE tenant = $1 AND id = $2 AND version = $3",
        )
        .bind(c.tenant.0)
        .bind(c.id.0)
        .bind(expected)
        .bind(&c.name)
        .bind(c.clinician_type.code())
        .bind(c.version)
        .bind(c.npi.as_str())
        .bind(c.joined_on)
        .bind(c.left_on)
        .bind(rows::opt_value(c.archived.as_ref())?)
        .execute(&mut *self.0)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "clinicians_npi_key",
                "npi",
                c.npi.as_str(),
                " on this practice's roster",
            )
        })?;
        Ok(r.rows_affected() > 0)
    }

    async fn status(
        &mut self,
        clinician: ClinicianId,
        year_: PerformanceYear,
        status: SpecialStatus,
    ) -> StoreResult<Option<ClinicianStatus>> {
        let sql = format!(
            "SELECT {} FROM clinician_statuses WHERE clinician = $1 AND year = $2 AND status = $3",
            rows::STATUS_COLUMNS
        );
        sqlx::query_as::<_, rows::StatusRow>(AssertSqlSafe(sql))
            .bind(clinician.0)
            .bind(year(year_))
            .bind(status.code())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db)?
            .map(rows::StatusRow::into_model)
            .transpose()
    }

    async fn upsert_status(&mut self, tenant: TenantId, s: &ClinicianStatus) -> StoreResult<()> {
        let (origin, rank, retrieved_on) = origin_columns(s.origin);
        sqlx::query(
            "INSERT INTO clinician_statuses (tenant, clinician, year, status, value, origin, origin_rank, \
             retrieved_on, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (clinician, year, status) DO UPDATE SET value = EXCLUDED.value, \
             origin = EXCLUDED.origin, origin_rank = EXCLUDED.origin_rank, \
             retrieved_on = EXCLUDED.retrieved_on, recorded_at = EXCLUDED.recorded_at",
        )
        .bind(tenant.0)
        .bind(s.clinician.0)
        .bind(year(s.year))
        .bind(s.status.code())
        .bind(s.value)
        .bind(origin)
        .bind(rank)
        .bind(retrieved_on)
        .bind(s.recorded_at)
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
        sqlx::query(
            "INSERT INTO practice_years (tenant, practice, year, profile, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (practice, year) DO UPDATE SET \
             profile = EXCLUDED.profile, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at",
        )
        .bind(y.tenant.0)
        .bind(y.practice.0)
        .bind(year(y.year))
        .bind(json_value("reporting profile", &y.profile)?)
        .bind(y.version)
        .bind(y.updated_at)
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
        y: PerformanceYear,
    ) -> StoreResult<Option<CmsAnswer>> {
        sqlx::query_as::<_, rows::CmsAnswerRow>(
            "SELECT answer FROM cms_answers WHERE tenant = $1 AND practice = $2 AND npi = $3 AND year = $4",
        )
        .bind(tenant.0)
        .bind(practice.0)
        .bind(npi.as_str())
        .bind(year(y))
        .fetch_optional(&mut *self.0)
        .await
        .map_err(db)?
        .map(rows::CmsAnswerRow::into_model)
        .transpose()
    }

    async fn upsert_cms_answer(&mut self, tenant: TenantId, a: &CmsAnswer) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO cms_answers (tenant, practice, npi, year, retrieved_at, answer) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (practice, npi, year) DO UPDATE SET \
             retrieved_at = EXCLUDED.retrieved_at, answer = EXCLUDED.answer",
        )
        .bind(tenant.0)
        .bind(a.practice.0)
        .bind(a.npi.as_str())
        .bind(year(a.year))
        .bind(a.retrieved_at)
        .bind(json_value("CMS answer", a)?)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id.0)
        .bind(a.tenant.0)
        .bind(a.draft.practice.0)
        .bind(year(a.draft.year))
        .bind(json_value("application draft", &a.draft)?)
        .bind(json_value("application state", &a.state)?)
        .bind(a.state.name())
        .bind(a.version)
        .bind(a.created_at)
        .bind(a.updated_at)
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
        let r = sqlx::query(
            "UPDATE applications SET draft = $4, practice = $5, year = $6, state = $7, state_name = $8, \
             version = $9, updated_at = $10 WHERE tenant = $1 AND id = $2 AND version = $3",
        )
        .bind(a.tenant.0)
        .bind(a.id.0)
        .bind(expected)
        .bind(json_value("application draft", &a.draft)?)
        .bind(a.draft.practice.0)
        .bind(year(a.draft.year))
        .bind(json_value("application state", &a.state)?)
        .bind(a.state.name())
        .bind(a.version)
        .bind(a.updated_at)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, \
             explanation, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(d.id.0)
        .bind(d.tenant.0)
        .bind(d.practice.0)
        .bind(d.clinician.map(|c| c.0))
        .bind(year(d.year))
        .bind(&d.rule_set_version)
        .bind(d.reweighted)
        .bind(&d.basis)
        .bind(&d.explanation)
        .bind(d.decided_at)
        .execute(&mut *self.0)
        .await
        .map_err(|e| duplicate_or_db(e, "decisions_pkey", "decision", &d.id.to_string(), ""))?;
        Ok(())
    }

    async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        let size = i64::try_from(d.size)
            .map_err(|_| StoreError::invalid("size", format!("{} bytes is too large", d.size)))?;
        sqlx::query(
            "INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, \
             object_key, retain_until, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(d.id.0)
        .bind(d.tenant.0)
        .bind(d.practice.0)
        .bind(d.application.map(|a| a.0))
        .bind(&d.kind)
        .bind(&d.filename)
        .bind(&d.content_type)
        .bind(size)
        .bind(d.sha256.as_slice())
        .bind(&d.object_key)
        .bind(d.retain_until)
        .bind(&d.uploaded_by)
        .bind(d.uploaded_at)
        .execute(&mut *self.0)
        .await
        .map_err(|e| match unique_violation(&e) {
            // Either key: the record of this upload exists already.
            Some("documents_pkey" | "documents_object_key_key") => StoreError::Duplicate {
                field: "document",
                value: d.id.to_string(),
                context: String::new(),
            },
            _ => db(e),
        })?;
        Ok(())
    }

    async fn practice_with_tin(
        &mut self,
        tenant: TenantId,
        tin: hardship_rules::Tin,
    ) -> StoreResult<Option<Practice>> {
        let sql = format!(
            "SELECT {} FROM practices WHERE tenant = $1 AND tin = $2 ORDER BY created_at LIMIT 1",
            rows::PRACTICE_COLUMNS
        );
        sqlx::query_as::<_, rows::PracticeRow>(AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(tin.as_str())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db)?
            .map(rows::PracticeRow::into_model)
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
        sqlx::query(
            "UPDATE documents SET kind = $3, note = $4, superseded_by = $5 WHERE tenant = $1 AND id = $2",
        )
        .bind(d.tenant.0)
        .bind(d.id.0)
        .bind(&d.kind)
        .bind(&d.note)
        .bind(d.superseded_by.map(|x| x.0))
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn document_exists(&mut self, tenant: TenantId, id: DocumentId) -> StoreResult<bool> {
        Ok(
            sqlx::query_scalar::<_, i32>("SELECT 1 FROM documents WHERE tenant = $1 AND id = $2")
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db)?
                .is_some(),
        )
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

    async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>> {
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

    async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool> {
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

    async fn take_over_reminder(
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

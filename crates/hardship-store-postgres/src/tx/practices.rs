//! The transaction's rows of practices: practices and clinicians, special statuses, practice-year
//! profiles and CMS's answers.

use super::{PgTx, json_value, year};
use crate::error::{db, duplicate_or_db};
use crate::rows::{self, origin_columns};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::*;
use sqlx::AssertSqlSafe;

impl PgTx {
    pub(super) async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
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

    pub(super) async fn update_practice(
        &mut self,
        p: &Practice,
        expected: i64,
    ) -> StoreResult<bool> {
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

    pub(super) async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
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

    pub(super) async fn update_clinician(
        &mut self,
        c: &Clinician,
        expected: i64,
    ) -> StoreResult<bool> {
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

    pub(super) async fn status(
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

    pub(super) async fn upsert_status(
        &mut self,
        tenant: TenantId,
        s: &ClinicianStatus,
    ) -> StoreResult<()> {
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

    pub(super) async fn upsert_practice_year(&mut self, y: &PracticeYear) -> StoreResult<()> {
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

    pub(super) async fn cms_answer(
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

    pub(super) async fn upsert_cms_answer(
        &mut self,
        tenant: TenantId,
        a: &CmsAnswer,
    ) -> StoreResult<()> {
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

    pub(super) async fn practice_with_tin(
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
}

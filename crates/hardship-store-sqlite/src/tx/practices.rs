//! The transaction's rows of practices: practices and clinicians, special statuses, practice-year
//! profiles and CMS's answers.

use super::{SqliteTx, duplicate};
use crate::rows::{self, db, is_unique_violation, to_json, ts};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::*;

impl SqliteTx {
    pub(super) async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()> {
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

    pub(super) async fn update_practice(
        &mut self,
        p: &Practice,
        expected: i64,
    ) -> StoreResult<bool> {
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

    pub(super) async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()> {
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

    pub(super) async fn update_clinician(
        &mut self,
        c: &Clinician,
        expected: i64,
    ) -> StoreResult<bool> {
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

    pub(super) async fn status(
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

    pub(super) async fn upsert_status(
        &mut self,
        tenant: TenantId,
        s: &ClinicianStatus,
    ) -> StoreResult<()> {
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

    pub(super) async fn upsert_practice_year(&mut self, y: &PracticeYear) -> StoreResult<()> {
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

    pub(super) async fn cms_answer(
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

    pub(super) async fn upsert_cms_answer(
        &mut self,
        tenant: TenantId,
        a: &CmsAnswer,
    ) -> StoreResult<()> {
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

    pub(super) async fn practice_with_tin(
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
}

//! The scoped store's longer methods over practices: the practices themselves (none added by a client),
//! their clinicians and rosters, special statuses and practice-year profiles — each checked against
//! the client's practices before the inner store is asked.

use super::ScopedStore;
use hardship_rules::PerformanceYear;
use hardship_store::*;
use std::collections::HashSet;

impl ScopedStore {
    pub(super) async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        self.practice_ok(id)?;
        self.inner
            .update_practice(tenant, actor, id, expected_version, update)
            .await
    }
    pub(super) async fn archive_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Practice> {
        self.practice_ok(id)?;
        self.inner
            .archive_practice(tenant, actor, id, expected_version, why)
            .await
    }
    pub(super) async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician> {
        self.practice_ok(practice)?;
        self.inner.add_clinician(tenant, actor, practice, new).await
    }
    pub(super) async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        self.practice_ok(practice)?;
        self.inner
            .add_clinicians(tenant, actor, practice, new)
            .await
    }
    pub(super) async fn get_clinician(
        &self,
        tenant: TenantId,
        id: ClinicianId,
    ) -> StoreResult<Clinician> {
        let c = self.inner.get_clinician(tenant, id).await?;
        self.check(c.practice, "clinician", id)?;
        Ok(c)
    }
    pub(super) async fn update_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        self.get_clinician(tenant, id).await?;
        self.inner
            .update_clinician(tenant, actor, id, expected_version, update)
            .await
    }
    pub(super) async fn archive_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Clinician> {
        self.get_clinician(tenant, id).await?;
        self.inner
            .archive_clinician(tenant, actor, id, expected_version, why)
            .await
    }
    pub(super) async fn import_roster(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary> {
        self.practice_ok(practice)?;
        self.inner
            .import_roster(tenant, actor, practice, entries, profiles)
            .await
    }
    pub(super) async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        let mine: HashSet<ClinicianId> = self
            .list_tenant_clinicians(tenant)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        let all = self.inner.tenant_statuses(tenant, year).await?;
        Ok(all
            .into_iter()
            .filter(|s| mine.contains(&s.clinician))
            .collect())
    }
    pub(super) async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        self.practice_ok(practice)?;
        self.inner.list_clinicians(tenant, practice).await
    }
    pub(super) async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        self.get_clinician(tenant, status.clinician).await?;
        self.inner.set_status(tenant, actor, status).await
    }
    pub(super) async fn statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        self.practice_ok(practice)?;
        self.inner.statuses(tenant, practice, year).await
    }

    pub(super) async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear> {
        self.practice_ok(practice)?;
        self.inner.get_practice_year(tenant, practice, year).await
    }
    pub(super) async fn set_practice_year(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        year: PerformanceYear,
        expected_version: i64,
        profile: ReportingProfile,
    ) -> StoreResult<PracticeYear> {
        self.practice_ok(practice)?;
        self.inner
            .set_practice_year(tenant, actor, practice, year, expected_version, profile)
            .await
    }
    pub(super) async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        let all = self.inner.list_practice_years(tenant, year).await?;
        Ok(self.keep(all, |y| y.practice))
    }
}

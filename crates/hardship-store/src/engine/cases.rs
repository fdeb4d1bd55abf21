//! Practices, clinicians, special statuses, roster imports and practice-year profiles.

use super::{Backend, Engine, Tx, payloads, stale};
use crate::error::{StoreError, StoreResult};
use crate::model::*;
use crate::{
    PracticeUpdate, check_clinician_name, check_practice_fields, check_text, ensure_can_write,
};
use hardship_rules::{Npi, PerformanceYear};
use std::collections::HashMap;

/// What to do with a status being recorded, given what is recorded (status precedence).
#[derive(Debug, PartialEq, Eq)]
pub enum StatusPlan {
    Write,
    /// The same value from the same origin is recorded: nothing to write.
    Unchanged,
    /// A higher-ranking origin holds the value: CMS eligibility data outranks imported data, which
    /// outranks values entered by hand.
    Outranked,
}

pub fn status_plan(current: Option<&ClinicianStatus>, new: &ClinicianStatus) -> StatusPlan {
    match current {
        Some(c) if c.origin.rank() > new.origin.rank() => StatusPlan::Outranked,
        Some(c) if c.value == new.value && c.origin == new.origin => StatusPlan::Unchanged,
        _ => StatusPlan::Write,
    }
}

/// What a roster entry does to the roster (the roster merge).
#[derive(Debug, PartialEq, Eq)]
pub enum RosterStep {
    Add,
    /// Same NPI, another name or type.
    Update,
    Unchanged,
}

pub fn roster_step(existing: Option<&Clinician>, entry: &RosterEntry) -> RosterStep {
    match existing {
        None => RosterStep::Add,
        Some(c) if c.name == entry.name.trim() && c.clinician_type == entry.clinician_type => {
            RosterStep::Unchanged
        }
        Some(_) => RosterStep::Update,
    }
}

impl<B: Backend> Engine<B> {
    pub(super) async fn create_practice_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewPractice,
    ) -> StoreResult<Practice> {
        ensure_can_write(actor)?;
        check_practice_fields(&new.name, &new.address, &new.contact)?;
        let p = Practice {
            id: PracticeId(self.id()),
            tenant,
            tin: new.tin,
            name: new.name.trim().to_owned(),
            address: new.address,
            contact: new.contact,
            zip: new.zip,
            archived: None,
            version: 1,
            created_at: self.now(),
        };
        let mut tx = self.begin(tenant).await?;
        refuse_taken_tin(&mut tx, tenant, p.tin, None).await?;
        tx.insert_practice(&p).await?;
        self.audit(&mut tx, tenant, actor, payloads::practice_created(&p))
            .await?;
        tx.commit().await?;
        Ok(p)
    }

    pub(super) async fn update_practice_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        ensure_can_write(actor)?;
        check_practice_fields(&update.name, &update.address, &update.contact)?;
        let mut tx = self.begin(tenant).await?;
        let before = self.practice_in(&mut tx, tenant, id).await?;
        if before.version != expected {
            return Err(stale("practice", id, expected));
        }
        let tin = update.tin.unwrap_or(before.tin);
        if tin != before.tin {
            refuse_taken_tin(&mut tx, tenant, tin, Some(id)).await?;
        }
        let after = Practice {
            tin,
            name: update.name.trim().to_owned(),
            address: update.address,
            contact: update.contact,
            zip: update.zip,
            version: expected + 1,
            ..before.clone()
        };
        if !tx.update_practice(&after, expected).await? {
            return Err(stale("practice", id, expected));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::practice_updated(&before, &after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Archives (`why` given) or restores (`None`) a practice, at the version the caller read.
    pub(super) async fn archive_practice_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected: i64,
        why: Option<String>,
    ) -> StoreResult<Practice> {
        ensure_can_write(actor)?;
        let archive = self.archive_of(actor, why)?;
        let mut tx = self.begin(tenant).await?;
        let before = self.practice_in(&mut tx, tenant, id).await?;
        if before.version != expected {
            return Err(stale("practice", id, expected));
        }
        if archive.is_none() && before.archived.is_some() {
            // Restoring brings the TIN back into use: it must still be free.
            refuse_taken_tin(&mut tx, tenant, before.tin, Some(id)).await?;
        }
        let after = Practice {
            archived: archive,
            version: expected + 1,
            ..before.clone()
        };
        if !tx.update_practice(&after, expected).await? {
            return Err(stale("practice", id, expected));
        }
        self.audit(&mut tx, tenant, actor, payloads::practice_archived(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Archives (`why` given) or restores (`None`) a clinician, at the version the caller read.
    pub(super) async fn archive_clinician_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected: i64,
        why: Option<String>,
    ) -> StoreResult<Clinician> {
        ensure_can_write(actor)?;
        let archive = self.archive_of(actor, why)?;
        let mut tx = self.begin(tenant).await?;
        let before = tx
            .clinician(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("clinician", id))?;
        if before.version != expected {
            return Err(stale("clinician", id, expected));
        }
        let after = Clinician {
            archived: archive,
            version: expected + 1,
            ..before.clone()
        };
        if !tx.update_clinician(&after, expected).await? {
            return Err(stale("clinician", id, expected));
        }
        self.audit(&mut tx, tenant, actor, payloads::clinician_archived(&after))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The archive record of an archiving (`why` must say why), or `None` for a restore.
    fn archive_of(&self, actor: &Actor, why: Option<String>) -> StoreResult<Option<Archive>> {
        match why {
            None => Ok(None),
            Some(w) if w.trim().is_empty() => Err(StoreError::invalid(
                "why",
                "say why the record is archived (an auditor will ask)",
            )),
            Some(w) => {
                crate::check_text("why", &w, 500)?;
                Ok(Some(Archive {
                    at: self.now(),
                    by: actor.label.clone(),
                    why: w.trim().to_owned(),
                }))
            }
        }
    }

    pub(super) async fn add_clinicians_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        ensure_can_write(actor)?;
        for c in &new {
            check_clinician_name(Some(c.npi), &c.name)?;
        }
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, practice).await?;
        let now = self.now();
        let mut out = Vec::with_capacity(new.len());
        for c in new {
            let cl = Clinician {
                id: ClinicianId(self.id()),
                tenant,
                practice,
                npi: c.npi,
                name: c.name.trim().to_owned(),
                clinician_type: c.clinician_type,
                joined_on: None,
                left_on: None,
                archived: None,
                version: 1,
                created_at: now,
            };
            self.insert_clinician(&mut tx, actor, &cl).await?;
            out.push(cl);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn insert_clinician(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        cl: &Clinician,
    ) -> StoreResult<()> {
        tx.insert_clinician(cl).await?;
        self.audit(tx, cl.tenant, actor, payloads::clinician_added(cl))
            .await
    }

    /// Writes `update` over `before` (read in the same transaction), with its audit event.
    async fn write_clinician_update(
        &self,
        tx: &mut Box<dyn Tx>,
        actor: &Actor,
        before: &Clinician,
        update: &ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        if let (Some(j), Some(l)) = (update.joined_on, update.left_on)
            && l < j
        {
            return Err(StoreError::invalid(
                "left_on",
                format!("{l} is before the day the clinician joined, {j}"),
            ));
        }
        let after = Clinician {
            npi: update.npi.unwrap_or(before.npi),
            name: update.name.trim().to_owned(),
            clinician_type: update.clinician_type,
            joined_on: update.joined_on,
            left_on: update.left_on,
            version: before.version + 1,
            ..before.clone()
        };
        if !tx.update_clinician(&after, before.version).await? {
            return Err(stale("clinician", before.id, before.version));
        }
        self.audit(
            tx,
            before.tenant,
            actor,
            payloads::clinician_updated(before, &after),
        )
        .await?;
        Ok(after)
    }

    pub(super) async fn update_clinician_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        ensure_can_write(actor)?;
        check_clinician_name(None, &update.name)?;
        let mut tx = self.begin(tenant).await?;
        let before = tx
            .clinician(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("clinician", id))?;
        if before.version != expected {
            return Err(stale("clinician", id, expected));
        }
        let after = self
            .write_clinician_update(&mut tx, actor, &before, &update)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records one status with its audit event, unless precedence or sameness says not to.
    async fn write_status(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        status: &ClinicianStatus,
    ) -> StoreResult<(StatusPlan, Option<ClinicianStatus>)> {
        let current = tx
            .status(status.clinician, status.year, status.status)
            .await?;
        let plan = status_plan(current.as_ref(), status);
        if plan == StatusPlan::Write {
            let recorded = ClinicianStatus {
                recorded_at: self.now(),
                ..status.clone()
            };
            tx.upsert_status(tenant, &recorded).await?;
            self.audit(
                tx,
                tenant,
                actor,
                crate::audit::status_change(current.as_ref(), &recorded),
            )
            .await?;
        }
        Ok((plan, current))
    }

    pub(super) async fn set_status_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        let mut tx = self.begin(tenant).await?;
        if tx.clinician(tenant, status.clinician).await?.is_none() {
            return Err(StoreError::not_found("clinician", status.clinician));
        }
        if let (StatusPlan::Outranked, Some(held)) =
            self.write_status(&mut tx, tenant, actor, &status).await?
        {
            return Err(StoreError::invalid(
                "origin",
                format!(
                    "{} is already set {}; a value {} does not replace it",
                    status.status.label(),
                    held.origin.describe(),
                    status.origin.describe()
                ),
            ));
        }
        tx.commit().await
    }

    /// Saves a year profile at its expected version, with its audit event, inside `tx`.
    pub(super) async fn write_practice_year(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        w: ProfileWrite,
    ) -> StoreResult<PracticeYear> {
        let current = tx.practice_year(tenant, practice, w.year).await?;
        let current_version = current.as_ref().map_or(0, |c| c.version);
        if current_version != w.expected_version {
            return Err(stale(
                "practice year",
                format!("{practice}/{}", w.year),
                w.expected_version,
            ));
        }
        let stored = PracticeYear {
            tenant,
            practice,
            year: w.year,
            profile: w.profile,
            version: w.expected_version + 1,
            updated_at: self.now(),
        };
        tx.upsert_practice_year(&stored).await?;
        self.audit(
            tx,
            tenant,
            actor,
            payloads::practice_year_set(current.as_ref(), &stored),
        )
        .await?;
        Ok(stored)
    }

    pub(super) async fn set_practice_year_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        year: PerformanceYear,
        expected_version: i64,
        profile: ReportingProfile,
    ) -> StoreResult<PracticeYear> {
        ensure_can_write(actor)?;
        profile.validate()?;
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, practice).await?;
        let stored = self
            .write_practice_year(
                &mut tx,
                tenant,
                actor,
                practice,
                ProfileWrite {
                    year,
                    expected_version,
                    profile,
                },
            )
            .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// New NPIs added, changed names and types updated, statuses recorded as imported (CMS data kept),
    /// profiles saved at their versions: one transaction, all or nothing.
    pub(super) async fn import_roster_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary> {
        ensure_can_write(actor)?;
        for p in &profiles {
            p.profile.validate()?;
        }
        for e in &entries {
            check_clinician_name(Some(e.npi), &e.name)?;
        }
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, practice).await?;
        let mut summary = RosterImportSummary::default();
        self.merge_roster(&mut tx, tenant, actor, practice, entries, &mut summary)
            .await?;
        for p in profiles {
            self.write_practice_year(&mut tx, tenant, actor, practice, p)
                .await?;
            summary.profiles_set += 1;
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// The roster merge of one practice inside `tx`: adds new NPIs, updates changed names and types (a
    /// roster speaks of names and types; membership dates stay), records statuses by precedence, and
    /// counts what it did into `summary`.
    pub(super) async fn merge_roster(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        summary: &mut RosterImportSummary,
    ) -> StoreResult<()> {
        let mut by_npi: HashMap<Npi, Clinician> = tx
            .practice_clinicians(tenant, practice)
            .await?
            .into_iter()
            .map(|c| (c.npi, c))
            .collect();
        let now = self.now();
        for e in entries {
            let current = by_npi.get(&e.npi);
            let clinician = match (roster_step(current, &e), current) {
                (RosterStep::Unchanged, Some(c)) => {
                    summary.unchanged += 1;
                    c.id
                }
                (RosterStep::Update, Some(c)) => {
                    // A roster file speaks of names and types; membership dates stay as they are.
                    let update = ClinicianUpdate {
                        name: e.name.clone(),
                        clinician_type: e.clinician_type,
                        npi: None,
                        joined_on: c.joined_on,
                        left_on: c.left_on,
                    };
                    let after = self
                        .write_clinician_update(tx, actor, &c.clone(), &update)
                        .await?;
                    summary.updated += 1;
                    let id = after.id;
                    // A later entry for the same NPI compares against what was just written.
                    by_npi.insert(after.npi, after);
                    id
                }
                _ => {
                    let cl = Clinician {
                        id: ClinicianId(self.id()),
                        tenant,
                        practice,
                        npi: e.npi,
                        name: e.name.trim().to_owned(),
                        clinician_type: e.clinician_type,
                        joined_on: None,
                        left_on: None,
                        archived: None,
                        version: 1,
                        created_at: now,
                    };
                    self.insert_clinician(tx, actor, &cl).await?;
                    summary.added += 1;
                    let id = cl.id;
                    by_npi.insert(cl.npi, cl);
                    id
                }
            };
            for (year, status, value) in e.statuses {
                let s = ClinicianStatus {
                    clinician,
                    year,
                    status,
                    value,
                    origin: e.origin,
                    recorded_at: now,
                };
                match self.write_status(tx, tenant, actor, &s).await?.0 {
                    StatusPlan::Write => summary.statuses_set += 1,
                    StatusPlan::Unchanged => {}
                    StatusPlan::Outranked => summary.statuses_kept_from_cms += 1,
                }
            }
        }
        Ok(())
    }

    /// CMS's answer for an NPI and, for a profile, its clinician and statuses: one transaction.
    pub(super) async fn record_cms_answer_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        answer: CmsAnswer,
        entry: Option<RosterEntry>,
    ) -> StoreResult<RosterImportSummary> {
        ensure_can_write(actor)?;
        if let Some(e) = &entry {
            check_clinician_name(Some(e.npi), &e.name)?;
            if e.npi != answer.npi {
                return Err(StoreError::invalid(
                    "npi",
                    format!(
                        "the entry's NPI {} is not the answer's {}",
                        e.npi, answer.npi
                    ),
                ));
            }
        }
        check_text("url", &answer.url, 2000)?;
        check_text("api_version", &answer.api_version, 40)?;
        let answer = CmsAnswer {
            retrieved_at: crate::audit::truncate_micros(answer.retrieved_at),
            ..answer
        };
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, answer.practice).await?;
        let summary = match entry {
            Some(e) => {
                let mut summary = RosterImportSummary::default();
                self.merge_roster(
                    &mut tx,
                    tenant,
                    actor,
                    answer.practice,
                    vec![e],
                    &mut summary,
                )
                .await?;
                summary
            }
            None => RosterImportSummary::default(),
        };
        let before = tx
            .cms_answer(tenant, answer.practice, answer.npi, answer.year)
            .await?;
        tx.upsert_cms_answer(tenant, &answer).await?;
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::eligibility_answer(before.as_ref(), &answer),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}

/// A tenant keeps one practice per TIN (archived ones included: restore that one instead). `except` is the
/// practice being changed.
async fn refuse_taken_tin(
    tx: &mut Box<dyn Tx>,
    tenant: TenantId,
    tin: hardship_rules::Tin,
    except: Option<PracticeId>,
) -> StoreResult<()> {
    match tx.practice_with_tin(tenant, tin).await? {
        Some(other) if Some(other.id) != except => Err(StoreError::Duplicate {
            field: "tin",
            value: tin.to_string(),
            context: format!(
                ": the practice {:?} already has it{}",
                other.name,
                if other.archived.is_some() {
                    " (archived: restore it instead)"
                } else {
                    ""
                }
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;
    use hardship_rules::SpecialStatus;

    fn status(value: bool, origin: StatusOrigin) -> ClinicianStatus {
        ClinicianStatus {
            clinician: ClinicianId(uuid::Uuid::from_u128(1)),
            year: PerformanceYear::new(2024).unwrap(),
            status: SpecialStatus::HospitalBased,
            value,
            origin,
            recorded_at: chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn cms_data_outranks_imports_which_outrank_hand_entry() {
        let cms = status(
            true,
            StatusOrigin::CmsEligibility {
                retrieved_on: chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
            },
        );
        let manual = status(false, StatusOrigin::Manual);
        assert_eq!(status_plan(Some(&cms), &manual), StatusPlan::Outranked);
        assert_eq!(status_plan(Some(&manual), &cms), StatusPlan::Write);
        assert_eq!(status_plan(Some(&manual), &manual), StatusPlan::Unchanged);
        assert_eq!(status_plan(None, &manual), StatusPlan::Write);
    }
}

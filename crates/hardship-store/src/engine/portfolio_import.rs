//! A consultancy's client list written in one transaction: every practice created or brought up to date
//! by TIN, its clinicians merged as a roster import merges them, and the year's reporting level set where
//! the file states one. Nothing is written for what is already as the file says, so re-running the same
//! file changes nothing and writes no audit event.

use super::{Backend, Engine, Tx, payloads};
use crate::check_clinician_name;
use crate::check_practice_fields;
use crate::ensure_can_write;
use crate::error::StoreResult;
use crate::model::*;
use hardship_rules::PerformanceYear;

impl<B: Backend> Engine<B> {
    pub(super) async fn import_portfolio_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        year: PerformanceYear,
        practices: Vec<PracticeImport>,
    ) -> StoreResult<PortfolioImportSummary> {
        ensure_can_write(actor)?;
        // Every input is checked before the transaction starts: a bad one refuses the whole list.
        for p in &practices {
            check_practice_fields(&p.name, "", &Contact::default())?;
            for c in &p.clinicians {
                check_clinician_name(Some(c.npi), &c.name)?;
            }
        }
        let mut tx = self.begin(tenant).await?;
        let mut summary = PortfolioImportSummary::default();
        for p in practices {
            let Some(id) = self
                .upsert_practice(&mut tx, tenant, actor, &p, &mut summary)
                .await?
            else {
                continue;
            };
            self.merge_roster(
                &mut tx,
                tenant,
                actor,
                id,
                p.clinicians,
                &mut summary.roster,
            )
            .await?;
            if let Some(level) = p.level
                && self
                    .set_level(&mut tx, tenant, actor, id, year, level)
                    .await?
            {
                summary.levels_set += 1;
            }
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// Creates the practice or brings its name and ZIP up to date; `None` for an archived one.
    async fn upsert_practice(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        p: &PracticeImport,
        summary: &mut PortfolioImportSummary,
    ) -> StoreResult<Option<PracticeId>> {
        let name = p.name.trim();
        let Some(before) = tx.practice_with_tin(tenant, p.tin).await? else {
            let created = Practice {
                id: PracticeId(self.id()),
                tenant,
                tin: p.tin,
                name: name.to_owned(),
                address: String::new(),
                contact: Contact::default(),
                zip: p.zip,
                archived: None,
                version: 1,
                created_at: self.now(),
            };
            tx.insert_practice(&created).await?;
            self.audit(tx, tenant, actor, payloads::practice_created(&created))
                .await?;
            summary.practices_created += 1;
            return Ok(Some(created.id));
        };
        if before.archived.is_some() {
            summary.archived_skipped.push(p.tin.to_string());
            return Ok(None);
        }
        let zip = p.zip.or(before.zip);
        if before.name == name && before.zip == zip {
            summary.practices_unchanged += 1;
            return Ok(Some(before.id));
        }
        let after = Practice {
            name: name.to_owned(),
            zip,
            version: before.version + 1,
            ..before.clone()
        };
        if !tx.update_practice(&after, before.version).await? {
            return Err(super::stale("practice", before.id, before.version));
        }
        self.audit(
            tx,
            tenant,
            actor,
            payloads::practice_updated(&before, &after),
        )
        .await?;
        summary.practices_updated += 1;
        Ok(Some(after.id))
    }

    /// Records the level the file states as the practice-year's decided level; false when it already was.
    async fn set_level(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        year: PerformanceYear,
        level: hardship_rules::ReportingLevel,
    ) -> StoreResult<bool> {
        let current = tx.practice_year(tenant, practice, year).await?;
        let version = current.as_ref().map_or(0, |c| c.version);
        let mut profile = current.map(|c| c.profile).unwrap_or_default();
        if profile.level == level && profile.level_decided {
            return Ok(false);
        }
        profile.level = level;
        profile.level_decided = true;
        let write = ProfileWrite {
            year,
            expected_version: version,
            profile,
        };
        self.write_practice_year(tx, tenant, actor, practice, write)
            .await?;
        Ok(true)
    }
}

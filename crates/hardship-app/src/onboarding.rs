//! Onboarding a consultancy's client list: one CSV or XLSX naming many practices (by TIN) and their
//! clinicians. A preview says, practice by practice, what would be created, changed, left alone or refused;
//! the commit writes it all in one transaction (or only the good rows, when asked). The same file imported
//! twice changes nothing the second time.

use crate::App;
use crate::error::AppError;
use crate::imports::{ImportFailure, ImportProblem, problems};
use crate::principal::Principal;
use crate::years;
use hardship_formats::client_list::{self, ClientList, ClientListFormat, ClientPractice};
use hardship_rules::{Npi, PerformanceYear};
use hardship_store::engine::{RosterStep, roster_step};
use hardship_store::*;
use serde::Serialize;
use std::collections::HashMap;

/// How to read and whether to write.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnboardingOptions {
    /// The performance year a stated reporting level is for (default: the year whose window is open).
    pub year: Option<PerformanceYear>,
    /// Write the good rows and report the bad ones, instead of refusing the file.
    pub keep_good_rows: bool,
    /// Only say what would happen.
    pub preview: bool,
}

/// What happens to one practice of the list.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticePlan {
    /// The first line (CSV) or row (XLSX) naming the TIN.
    pub line: u64,
    /// `12-3456789`.
    pub tin: String,
    pub name: String,
    /// `create`, `update`, `unchanged`, or `archived` (left alone: restore the practice first).
    pub action: String,
    /// What an update changes, in words ("name: Old → New").
    pub changes: Vec<String>,
    pub clinicians_added: u32,
    pub clinicians_updated: u32,
    pub clinicians_unchanged: u32,
    /// The reporting level the file states, in words, and whether it changes the year's decision.
    pub level: Option<String>,
    pub level_changes: bool,
}

/// Totals of a client-list import.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingTotals {
    pub practices_created: u32,
    pub practices_updated: u32,
    pub practices_unchanged: u32,
    pub practices_archived_skipped: u32,
    pub clinicians_added: u32,
    pub clinicians_updated: u32,
    pub clinicians_unchanged: u32,
    pub levels_set: u32,
}

/// The preview or the result of a client-list import.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardingReport {
    /// `client_list` (CSV) or `client_list_xlsx`.
    pub format: String,
    pub rows: u64,
    pub year: u16,
    /// False for a preview: nothing was written.
    pub committed: bool,
    pub totals: OnboardingTotals,
    pub practices: Vec<PracticePlan>,
    /// Bad rows left out (only when the good rows were kept).
    pub left_out: Vec<ImportProblem>,
    /// What the reader did that the user should know (encoding, leading zeros restored, the sheet read).
    pub notes: Vec<String>,
}

/// Whether a file names many practices (a client list) rather than the clinicians of one.
pub fn is_client_list(bytes: &[u8]) -> bool {
    client_list::is_client_list(bytes)
}

/// Previews or imports a client list into the caller's organization.
pub async fn onboard(
    app: &App,
    p: &Principal,
    bytes: &[u8],
    opts: OnboardingOptions,
) -> Result<OnboardingReport, ImportFailure> {
    p.require_write()?;
    let (list, left_out) = if opts.keep_good_rows {
        client_list::parse_client_list_keeping_good(bytes, 100)
    } else {
        client_list::parse_client_list(bytes, 100).map(|l| (l, Vec::new()))
    }
    .map_err(ImportFailure::Rows)?;
    let year = opts.year.unwrap_or_else(|| years::current_year(app.now()));
    let existing = Existing::load(app, p.tenant, year).await?;
    let mut plans: Vec<PracticePlan> = Vec::with_capacity(list.practices.len());
    let mut writes: Vec<PracticeImport> = Vec::with_capacity(list.practices.len());
    for practice in &list.practices {
        let (plan, write) = existing.plan(practice);
        plans.push(plan);
        writes.extend(write);
    }
    let mut totals = sum(&plans);
    if !opts.preview {
        let done = app
            .store_for(p)
            .import_portfolio(p.tenant, &p.actor(), year, writes)
            .await
            .map_err(AppError::from)?;
        // The store's counts are what was written (another writer may have moved since the preview).
        totals = OnboardingTotals {
            practices_created: done.practices_created,
            practices_updated: done.practices_updated,
            practices_unchanged: done.practices_unchanged,
            practices_archived_skipped: u32::try_from(done.archived_skipped.len())
                .unwrap_or(u32::MAX),
            clinicians_added: done.roster.added,
            clinicians_updated: done.roster.updated,
            clinicians_unchanged: done.roster.unchanged,
            levels_set: done.levels_set,
        };
    }
    Ok(report(list, year, !opts.preview, totals, plans, left_out))
}

fn report(
    list: ClientList,
    year: PerformanceYear,
    committed: bool,
    totals: OnboardingTotals,
    practices: Vec<PracticePlan>,
    left_out: Vec<hardship_formats::roster::RosterError>,
) -> OnboardingReport {
    OnboardingReport {
        format: match list.format {
            ClientListFormat::Csv => "client_list",
            ClientListFormat::Xlsx => "client_list_xlsx",
        }
        .into(),
        rows: list.rows,
        year: year.get(),
        committed,
        totals,
        practices,
        left_out: problems(left_out),
        notes: list.notes,
    }
}

fn sum(plans: &[PracticePlan]) -> OnboardingTotals {
    let mut t = OnboardingTotals::default();
    for p in plans {
        match p.action.as_str() {
            "create" => t.practices_created += 1,
            "update" => t.practices_updated += 1,
            "unchanged" => t.practices_unchanged += 1,
            _ => {
                t.practices_archived_skipped += 1;
                continue;
            }
        }
        t.clinicians_added += p.clinicians_added;
        t.clinicians_updated += p.clinicians_updated;
        t.clinicians_unchanged += p.clinicians_unchanged;
        t.levels_set += u32::from(p.level_changes);
    }
    t
}

/// The tenant's practices by TIN, their clinicians by NPI and the year's levels, read once.
struct Existing {
    practices: HashMap<String, Practice>,
    clinicians: HashMap<PracticeId, HashMap<Npi, Clinician>>,
    levels: HashMap<PracticeId, ReportingProfile>,
}

impl Existing {
    async fn load(
        app: &App,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> Result<Existing, AppError> {
        let practices: HashMap<String, Practice> = app
            .store
            .list_practices(tenant)
            .await?
            .into_iter()
            .map(|p| (p.tin.to_string(), p))
            .collect();
        let mut clinicians: HashMap<PracticeId, HashMap<Npi, Clinician>> = HashMap::new();
        for c in app.store.list_tenant_clinicians(tenant).await? {
            clinicians.entry(c.practice).or_default().insert(c.npi, c);
        }
        let levels = app
            .store
            .list_practice_years(tenant, year)
            .await?
            .into_iter()
            .map(|y| (y.practice, y.profile))
            .collect();
        Ok(Existing {
            practices,
            clinicians,
            levels,
        })
    }

    /// What importing `row` would do, and the write that does it (none for an archived practice).
    fn plan(&self, row: &ClientPractice) -> (PracticePlan, Option<PracticeImport>) {
        let current = self.practices.get(row.tin.as_str());
        let roster = current.and_then(|p| self.clinicians.get(&p.id));
        let mut plan = PracticePlan {
            line: row.line,
            tin: row.tin.dashed(),
            name: row.name.clone(),
            action: "create".into(),
            changes: Vec::new(),
            clinicians_added: 0,
            clinicians_updated: 0,
            clinicians_unchanged: 0,
            level: row.level.map(|l| crate::assess::level_words(l).to_owned()),
            level_changes: false,
        };
        if let Some(cur) = current {
            if cur.archived.is_some() {
                plan.action = "archived".into();
                return (plan, None);
            }
            if cur.name != row.name.trim() {
                plan.changes
                    .push(format!("name: {} → {}", cur.name, row.name.trim()));
            }
            if let Some(zip) = row.zip
                && cur.zip != Some(zip)
            {
                let was = cur.zip.map_or_else(|| "none".to_owned(), |z| z.to_string());
                plan.changes.push(format!("ZIP: {was} → {zip}"));
            }
            plan.action = if plan.changes.is_empty() {
                "unchanged"
            } else {
                "update"
            }
            .into();
        }
        let entries: Vec<RosterEntry> = row
            .clinicians
            .iter()
            .map(|c| {
                let known = roster.and_then(|r| r.get(&c.npi));
                // A name left blank keeps the one on file (or says which NPI it is, for a new one).
                let name = c.name.clone().unwrap_or_else(|| {
                    known.map_or_else(|| format!("NPI {}", c.npi), |k| k.name.clone())
                });
                let entry = RosterEntry {
                    npi: c.npi,
                    name,
                    clinician_type: c.clinician_type,
                    statuses: vec![],
                    origin: StatusOrigin::Imported,
                };
                // The preview counts with the store's own merge rule, so it says what the commit does.
                match roster_step(known, &entry) {
                    RosterStep::Add => plan.clinicians_added += 1,
                    RosterStep::Unchanged => plan.clinicians_unchanged += 1,
                    RosterStep::Update => plan.clinicians_updated += 1,
                }
                entry
            })
            .collect();
        if let Some(level) = row.level {
            let decided = current
                .and_then(|p| self.levels.get(&p.id))
                .is_some_and(|y| y.level_decided && y.level == level);
            plan.level_changes = !decided;
        }
        let write = PracticeImport {
            tin: row.tin,
            name: row.name.clone(),
            zip: row.zip,
            level: row.level,
            clinicians: entries,
        };
        (plan, Some(write))
    }
}

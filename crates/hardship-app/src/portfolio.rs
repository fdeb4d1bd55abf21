//! The portfolio: every practice of the tenant for a year, with its decision, its applications by state
//! and what needs doing — the dashboard's tiles and rows.

use crate::App;
use crate::assess::{self, Detail, PracticeRecords};
use crate::error::AppError;
use crate::portfolio_refresh;
use crate::practice_years::revision;
use crate::principal::Principal;
use crate::years::{DeadlineView, deadline_view, rules};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

// ---- the portfolio dashboard ----------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationCounts {
    pub draft: u32,
    pub ready: u32,
    pub submitted: u32,
    pub approved: u32,
    pub denied: u32,
    pub withdrawn: u32,
    pub voided_by_pi_submission: u32,
}

impl ApplicationCounts {
    fn add(&mut self, s: &ApplicationState) {
        let slot = match s {
            ApplicationState::Draft => &mut self.draft,
            ApplicationState::Ready => &mut self.ready,
            ApplicationState::Submitted { .. } => &mut self.submitted,
            ApplicationState::Approved { .. } => &mut self.approved,
            ApplicationState::Denied { .. } => &mut self.denied,
            ApplicationState::Withdrawn { .. } => &mut self.withdrawn,
            ApplicationState::VoidedByPiSubmission { .. } => &mut self.voided_by_pi_submission,
        };
        *slot += 1;
    }

    fn merge(&mut self, o: &ApplicationCounts) {
        self.draft += o.draft;
        self.ready += o.ready;
        self.submitted += o.submitted;
        self.approved += o.approved;
        self.denied += o.denied;
        self.withdrawn += o.withdrawn;
        self.voided_by_pi_submission += o.voided_by_pi_submission;
    }

    pub fn total(&self) -> u32 {
        self.draft
            + self.ready
            + self.submitted
            + self.approved
            + self.denied
            + self.withdrawn
            + self.voided_by_pi_submission
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardRow {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: PracticeId,
    pub name: String,
    pub tin: String,
    pub level: String,
    pub clinicians: u32,
    pub reweighted_automatically: u32,
    pub reweighted_by_hardship: u32,
    pub not_reweighted: u32,
    pub needs_application: u32,
    pub applications: ApplicationCounts,
    /// Alert codes (see the eligibility view for their words).
    pub alerts: Vec<String>,
    pub missing: Vec<String>,
    /// The TIN as people write it: `12-3456789`.
    pub tin_dashed: String,
    /// Where the practice-year stands in the queue (a [`crate::queue::Status`] code) and the next step, short.
    pub status: String,
    pub next_step: String,
    /// The member who works it, and the queue's notes.
    pub assignee: Option<String>,
    pub notes: String,
    /// The practice-year's version, for the queue's row forms.
    pub profile_version: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardTotals {
    pub practices: u32,
    pub clinicians: u32,
    pub reweighted_automatically: u32,
    pub reweighted_by_hardship: u32,
    pub not_reweighted: u32,
    pub needs_application: u32,
    /// Practices with at least one clinician needing an application.
    pub practices_needing_application: u32,
    pub practices_with_missing_items: u32,
    pub applications: ApplicationCounts,
}

/// The cached part of the dashboard (everything but the clock-dependent deadline).
pub struct Portfolio {
    pub year: PerformanceYear,
    pub organization: Organization,
    pub totals: DashboardTotals,
    pub rows: Vec<DashboardRow>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub year: u16,
    pub organization: String,
    pub deadline: DeadlineView,
    pub totals: DashboardTotals,
    pub practices: Vec<DashboardRow>,
}

/// The tenant's portfolio for a year as the caller sees it (a client: its practices, totals included):
/// every practice assessed (counts only), read in six queries.
pub async fn portfolio(
    app: &App,
    p: &Principal,
    year: PerformanceYear,
) -> Result<Arc<Portfolio>, AppError> {
    let revision = revision(app, p).await?;
    let closed = crate::years::window_closed(year, app.now());
    let key = (p.tenant, year, closed, p.practices.clone());
    // Taken before the entry moves to the new revision: the rows to patch.
    let previous = app.caches.portfolios.latest(&key);
    app.caches
        .portfolios
        .get_or_try_init(key, revision, || async move {
            let s = app.store_for(p);
            if let Some((from, old)) = previous.filter(|(r, _)| *r < revision)
                && let Some(fresh) =
                    portfolio_refresh::refresh(&*s, p.tenant, year, closed, &old, from, revision)
                        .await?
            {
                app.caches.portfolio_patches.fetch_add(1, Ordering::Relaxed);
                return Ok(fresh);
            }
            app.caches
                .portfolio_full_loads
                .fetch_add(1, Ordering::Relaxed);
            load_portfolio(&*s, p.tenant, year, closed).await
        })
        .await
}

/// Loads and assesses a tenant's portfolio from the store, without the cache.
async fn load_portfolio(
    s: &dyn Store,
    tenant: TenantId,
    year: PerformanceYear,
    window_closed: bool,
) -> Result<Portfolio, AppError> {
    let organization = s.get_organization(tenant).await?;
    let records = YearRecords {
        practices: s.list_practices(tenant).await?,
        clinicians: s.list_tenant_clinicians(tenant).await?,
        statuses: s.tenant_statuses(tenant, year).await?,
        profiles: s.list_practice_years(tenant, year).await?,
        applications: s.list_applications(tenant, Some(year)).await?,
        documents: s.list_documents(tenant, None).await?,
    };
    let rows = records.rows(year, window_closed)?;
    Ok(Portfolio {
        year,
        organization,
        totals: totals(&rows),
        rows,
    })
}

/// The records of some practices for a year, as loaded: the whole tenant's in six queries, or a few
/// practices' (after a change) in a few queries each.
pub(crate) struct YearRecords {
    pub practices: Vec<Practice>,
    pub clinicians: Vec<Clinician>,
    pub statuses: Vec<ClinicianStatus>,
    pub profiles: Vec<PracticeYear>,
    pub applications: Vec<Application>,
    pub documents: Vec<Document>,
}

impl YearRecords {
    /// The records of `ids` (those that still exist) for `year`.
    pub(crate) async fn of_practices(
        s: &dyn Store,
        tenant: TenantId,
        year: PerformanceYear,
        ids: &[PracticeId],
    ) -> Result<YearRecords, AppError> {
        let mut r = YearRecords {
            practices: Vec::new(),
            clinicians: Vec::new(),
            statuses: Vec::new(),
            profiles: Vec::new(),
            applications: Vec::new(),
            documents: Vec::new(),
        };
        for id in ids {
            let practice = match s.get_practice(tenant, *id).await {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            r.practices.push(practice);
            r.clinicians.extend(s.list_clinicians(tenant, *id).await?);
            r.statuses.extend(s.statuses(tenant, *id, year).await?);
            r.profiles
                .push(s.get_practice_year(tenant, *id, year).await?);
            r.documents
                .extend(s.list_documents(tenant, Some(*id)).await?);
        }
        if !r.practices.is_empty() {
            r.applications = s
                .list_applications(tenant, Some(year))
                .await?
                .into_iter()
                .filter(|a| ids.contains(&a.draft.practice))
                .collect();
        }
        Ok(r)
    }

    /// One row per practice that is not archived (archived practices leave the portfolio; their records
    /// stay), in the order of `practices`.
    pub(crate) fn rows(
        &self,
        year: PerformanceYear,
        window_closed: bool,
    ) -> Result<Vec<DashboardRow>, AppError> {
        let mut by_practice: HashMap<PracticeId, Vec<&Clinician>> = HashMap::new();
        for c in &self.clinicians {
            by_practice.entry(c.practice).or_default().push(c);
        }
        let clinician_practice: HashMap<ClinicianId, PracticeId> =
            self.clinicians.iter().map(|c| (c.id, c.practice)).collect();
        let mut statuses_of: HashMap<PracticeId, Vec<&ClinicianStatus>> = HashMap::new();
        for st in &self.statuses {
            if let Some(pr) = clinician_practice.get(&st.clinician) {
                statuses_of.entry(*pr).or_default().push(st);
            }
        }
        let profile_of: HashMap<PracticeId, &PracticeYear> =
            self.profiles.iter().map(|y| (y.practice, y)).collect();
        let mut apps_of: HashMap<PracticeId, Vec<&Application>> = HashMap::new();
        for a in &self.applications {
            apps_of.entry(a.draft.practice).or_default().push(a);
        }
        let mut docs_of: HashMap<PracticeId, Vec<&Document>> = HashMap::new();
        for d in &self.documents {
            docs_of.entry(d.practice).or_default().push(d);
        }
        let rules = rules(year)?;
        let default_profile = ReportingProfile::default();
        let (empty_c, empty_s, empty_a, empty_d) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut rows = Vec::with_capacity(self.practices.len());
        for pr in self.practices.iter().filter(|p| p.archived.is_none()) {
            let apps = apps_of.get(&pr.id).unwrap_or(&empty_a);
            let saved = profile_of.get(&pr.id).copied();
            let profile = saved.map_or(&default_profile, |y| &y.profile);
            let a = assess::assess(
                rules,
                year,
                &PracticeRecords {
                    practice: pr,
                    profile,
                    clinicians: by_practice.get(&pr.id).unwrap_or(&empty_c),
                    statuses: statuses_of.get(&pr.id).unwrap_or(&empty_s),
                    applications: apps,
                    documents: docs_of.get(&pr.id).unwrap_or(&empty_d),
                    window_closed,
                },
                Detail::Counts,
            );
            let mut counts = ApplicationCounts::default();
            for app in apps {
                counts.add(&app.state);
            }
            let mut row = DashboardRow {
                practice: pr.id,
                name: pr.name.clone(),
                tin: pr.tin.to_string(),
                level: a.level.clone(),
                clinicians: u32::try_from(a.clinicians.len()).unwrap_or(u32::MAX),
                reweighted_automatically: a.reweighted_automatically,
                reweighted_by_hardship: a.reweighted_by_hardship,
                not_reweighted: a.not_reweighted,
                needs_application: a.needs_application,
                applications: counts,
                alerts: a
                    .alerts
                    .iter()
                    .filter(|x| x.code != "unconfirmed_rule")
                    .map(|x| x.code.clone())
                    .collect(),
                status: String::new(),
                next_step: String::new(),
                tin_dashed: pr.tin.dashed(),
                assignee: profile.assignee.clone(),
                notes: profile.notes.clone(),
                profile_version: saved.map_or(0, |y| y.version),
                missing: a.missing,
            };
            let status = crate::queue::Status::of(&row, profile.not_applying.is_some());
            row.status = status.code().to_owned();
            row.next_step = crate::queue::next_step(status, &row);
            rows.push(row);
        }
        Ok(rows)
    }
}

/// The dashboard's tiles, summed over its rows.
pub(crate) fn totals(rows: &[DashboardRow]) -> DashboardTotals {
    let mut t = DashboardTotals::default();
    for r in rows {
        t.practices += 1;
        t.clinicians += r.clinicians;
        t.reweighted_automatically += r.reweighted_automatically;
        t.reweighted_by_hardship += r.reweighted_by_hardship;
        t.not_reweighted += r.not_reweighted;
        t.needs_application += r.needs_application;
        t.practices_needing_application += u32::from(r.needs_application > 0);
        t.practices_with_missing_items += u32::from(!r.missing.is_empty());
        t.applications.merge(&r.applications);
    }
    t
}

pub async fn dashboard(
    app: &App,
    p: &Principal,
    year: PerformanceYear,
) -> Result<(Arc<Portfolio>, DeadlineView), AppError> {
    let pf = portfolio(app, p, year).await?;
    let d = deadline_view(year, app.now())?;
    Ok((pf, d))
}

/// Applications grouped by practice name for listing pages.
pub fn group_by_state(apps: &[Application]) -> BTreeMap<&'static str, u32> {
    let mut m = BTreeMap::new();
    for a in apps {
        *m.entry(a.state.name()).or_insert(0) += 1;
    }
    m
}

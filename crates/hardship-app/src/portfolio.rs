//! The portfolio: every practice of the tenant for a year, with its decision, its applications by state
//! and what needs doing — the dashboard's tiles and rows.

use crate::App;
use crate::assess::{self, Detail, PracticeRecords};
use crate::error::AppError;
use crate::practice_years::revision;
use crate::principal::Principal;
use crate::years::{DeadlineView, deadline_view, rules};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    app.caches
        .portfolios
        .get_or_try_init(
            (p.tenant, year, closed, p.practices.clone()),
            revision,
            || async move { load_portfolio(&*app.store_for(p), p.tenant, year, closed).await },
        )
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
    let practices = s.list_practices(tenant).await?;
    let clinicians = s.list_tenant_clinicians(tenant).await?;
    let statuses = s.tenant_statuses(tenant, year).await?;
    let profiles = s.list_practice_years(tenant, year).await?;
    let applications = s.list_applications(tenant, Some(year)).await?;
    let documents = s.list_documents(tenant, None).await?;

    let mut by_practice: HashMap<PracticeId, Vec<&Clinician>> = HashMap::new();
    for c in &clinicians {
        by_practice.entry(c.practice).or_default().push(c);
    }
    let clinician_practice: HashMap<ClinicianId, PracticeId> =
        clinicians.iter().map(|c| (c.id, c.practice)).collect();
    let mut statuses_of: HashMap<PracticeId, Vec<&ClinicianStatus>> = HashMap::new();
    for st in &statuses {
        if let Some(pr) = clinician_practice.get(&st.clinician) {
            statuses_of.entry(*pr).or_default().push(st);
        }
    }
    let profile_of: HashMap<PracticeId, &ReportingProfile> =
        profiles.iter().map(|y| (y.practice, &y.profile)).collect();
    let version_of: HashMap<PracticeId, i64> =
        profiles.iter().map(|y| (y.practice, y.version)).collect();
    let mut apps_of: HashMap<PracticeId, Vec<&Application>> = HashMap::new();
    for a in &applications {
        apps_of.entry(a.draft.practice).or_default().push(a);
    }
    let mut docs_of: HashMap<PracticeId, Vec<&Document>> = HashMap::new();
    for d in &documents {
        docs_of.entry(d.practice).or_default().push(d);
    }
    let rules = rules(year)?;
    let default_profile = ReportingProfile::default();
    let empty_c: Vec<&Clinician> = Vec::new();
    let empty_s: Vec<&ClinicianStatus> = Vec::new();
    let empty_a: Vec<&Application> = Vec::new();
    let empty_d: Vec<&Document> = Vec::new();
    let mut totals = DashboardTotals::default();
    let mut rows = Vec::with_capacity(practices.len());
    // Archived practices leave the portfolio; their records stay.
    for pr in practices.iter().filter(|p| p.archived.is_none()) {
        let apps = apps_of.get(&pr.id).unwrap_or(&empty_a);
        let profile = profile_of.get(&pr.id).copied().unwrap_or(&default_profile);
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
        totals.practices += 1;
        totals.clinicians += u32::try_from(a.clinicians.len()).unwrap_or(u32::MAX);
        totals.reweighted_automatically += a.reweighted_automatically;
        totals.reweighted_by_hardship += a.reweighted_by_hardship;
        totals.not_reweighted += a.not_reweighted;
        totals.needs_application += a.needs_application;
        totals.practices_needing_application += u32::from(a.needs_application > 0);
        totals.practices_with_missing_items += u32::from(!a.missing.is_empty());
        totals.applications.merge(&counts);
        rows.push(DashboardRow {
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
            profile_version: version_of.get(&pr.id).copied().unwrap_or(0),
            missing: a.missing,
        });
        if let Some(row) = rows.last_mut() {
            let status = crate::queue::Status::of(row, profile.not_applying.is_some());
            row.status = status.code().to_owned();
            row.next_step = crate::queue::next_step(status, row);
        }
    }
    Ok(Portfolio {
        year,
        organization,
        totals,
        rows,
    })
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

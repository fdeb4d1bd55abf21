//! The operations behind both the pages and the API, so the two never disagree: loading and assessing a
//! practice-year (cached per tenant revision), the portfolio dashboard, deadlines, screening, the score
//! impact, roster imports, evidence upload and download, and the checks that tie an application to its
//! practice. Every function takes the [`Principal`] and passes its tenant to every store call.

use crate::AppState;
use crate::assess::{self, Assessment, Detail, PracticeRecords};
use crate::dto::{self, ScreeningDto};
use crate::error::ApiError;
use crate::impact::{self, ScoreImpact};
use crate::principal::Principal;
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use hardship_rules::deadline::{self, WindowState};
use hardship_rules::screening::{self, PracticeFacts};
use hardship_rules::{PerformanceYear, ReportingLevel, RuleBook, RuleSet};
use hardship_store::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa::ToSchema;

/// The embedded rule book (validated once).
pub fn book() -> Result<&'static RuleBook, ApiError> {
    RuleBook::embedded().map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn rules(year: PerformanceYear) -> Result<&'static RuleSet, ApiError> {
    Ok(book()?.year(year))
}

/// The performance year whose application window is the next to close at `now` (the last year once all
/// announced windows have closed, so PY 2027 from January 1 2027): what the dashboard shows by default.
pub fn current_year(now: DateTime<Utc>) -> PerformanceYear {
    RuleBook::embedded()
        .ok()
        .and_then(|book| {
            book.years()
                .iter()
                .find(|r| {
                    r.application_window
                        .closes
                        .is_some_and(|c| c.with_timezone(&Utc) > now)
                })
                .and_then(|r| PerformanceYear::new(r.year).ok())
        })
        .unwrap_or_else(PerformanceYear::latest)
}

/// Every performance year of the rule book, newest first (for year pickers).
pub fn years_newest_first() -> Vec<u16> {
    (PerformanceYear::FIRST..=PerformanceYear::LAST)
        .rev()
        .collect()
}

// ---- deadlines ------------------------------------------------------------------------------------------

/// The application window of a year at an instant, for people and machines.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    pub year: u16,
    /// `not_yet_open`, `open`, `closed`, or `not_announced` (CMS has not published the window).
    pub state: String,
    /// The deadline; absent while CMS has not announced it.
    pub closes: Option<DateTime<Utc>>,
    /// The deadline in the time zone CMS states it in, e.g. `2026-12-31 20:00 -05:00 America/New_York (ET)`,
    /// or `not yet announced`.
    pub closes_local: String,
    pub days_left: Option<i64>,
    pub hours_left: Option<i64>,
    pub seconds_left: Option<i64>,
    /// False when the rule book has not confirmed the deadline's hour.
    pub confirmed: bool,
    pub sources: Vec<String>,
    pub text: String,
}

pub fn deadline_view(year: PerformanceYear, now: DateTime<Utc>) -> Result<DeadlineView, ApiError> {
    let w = deadline::window_status(rules(year)?, now);
    Ok(DeadlineView {
        year: w.year,
        state: match w.state {
            WindowState::NotYetOpen => "not_yet_open",
            WindowState::Open => "open",
            WindowState::Closed => "closed",
            WindowState::NotAnnounced => "not_announced",
        }
        .to_owned(),
        closes: w.closes.map(|c| c.with_timezone(&Utc)),
        closes_local: w.closes.map_or_else(
            || "not yet announced".to_owned(),
            |c| format!("{} {}", c.format("%Y-%m-%d %H:%M %:z"), w.time_zone),
        ),
        days_left: w.days_left,
        hours_left: w.seconds_left.map(|s| s.max(0) % 86_400 / 3_600),
        seconds_left: w.seconds_left,
        confirmed: w.confirmed,
        text: w.describe(),
        sources: w.sources,
    })
}

/// The tenant's revision: the one read while authenticating this (read-only) request, else a fresh read.
async fn revision(state: &AppState, p: &Principal) -> Result<i64, ApiError> {
    match p.revision {
        Some(r) => Ok(r),
        None => Ok(state.store.revision(p.tenant).await?),
    }
}

// ---- a practice-year ------------------------------------------------------------------------------------

/// A practice-year as loaded and assessed, with the assessment pre-serialized for the API.
pub struct PracticeYearBundle {
    pub practice: Practice,
    pub profile: PracticeYear,
    pub clinicians: Vec<Clinician>,
    pub applications: Vec<Application>,
    pub documents: Vec<Document>,
    pub assessment: Assessment,
    pub json: Bytes,
}

/// Loads and assesses a practice-year, or serves it from the cache when the tenant has not changed since.
pub async fn practice_year(
    state: &AppState,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
) -> Result<Arc<PracticeYearBundle>, ApiError> {
    // Read the revision first: anything written while loading makes the entry miss next time.
    let revision = revision(state, p).await?;
    state
        .caches
        .assessments
        .get_or_try_init((p.tenant, practice, year), revision, || {
            load_practice_year(&*state.store, p.tenant, practice, year)
        })
        .await
}

/// Loads and assesses a practice-year from the store, without the cache (the CLI uses it directly).
pub async fn load_practice_year(
    s: &dyn Store,
    tenant: TenantId,
    practice: PracticeId,
    year: PerformanceYear,
) -> Result<PracticeYearBundle, ApiError> {
    let practice_rec = s.get_practice(tenant, practice).await?;
    let profile = s.get_practice_year(tenant, practice, year).await?;
    let clinicians = s.list_clinicians(tenant, practice).await?;
    let statuses = s.statuses(tenant, practice, year).await?;
    let applications: Vec<Application> = s
        .list_applications(tenant, None)
        .await?
        .into_iter()
        .filter(|a| a.draft.practice == practice)
        .collect();
    let documents = s.list_documents(tenant, Some(practice)).await?;
    let cl: Vec<&Clinician> = clinicians.iter().collect();
    let st: Vec<&ClinicianStatus> = statuses.iter().collect();
    let ap: Vec<&Application> = applications.iter().collect();
    let dc: Vec<&Document> = documents.iter().collect();
    let assessment = assess::assess(
        rules(year)?,
        year,
        &PracticeRecords {
            practice: &practice_rec,
            profile: &profile.profile,
            clinicians: &cl,
            statuses: &st,
            applications: &ap,
            documents: &dc,
        },
        Detail::Full,
    );
    let json = serde_json::to_vec(&assessment)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(PracticeYearBundle {
        practice: practice_rec,
        profile,
        clinicians,
        applications,
        documents,
        assessment,
        json,
    })
}

/// The score impact of a loaded practice-year: the profile's estimates, overridden by what is given.
pub fn impact_of(
    b: &PracticeYearBundle,
    year: PerformanceYear,
    overrides: ScoreEstimates,
) -> Result<ScoreImpact, ApiError> {
    let base = b.profile.profile.scores;
    let rules = rules(year)?;
    // CMS set cost to 0% for this level in the COVID-19 years: a cost estimate is not used.
    let cost_counts = !rules
        .cost_not_scored
        .levels
        .contains(&b.profile.profile.level);
    let est = ScoreEstimates {
        quality: overrides.quality.or(base.quality),
        cost: overrides.cost.or(base.cost).filter(|_| cost_counts),
        ia: overrides.ia.or(base.ia),
        pi: None,
    };
    let pi = overrides.pi.or(base.pi).unwrap_or(0.0);
    Ok(impact::score_impact(
        rules,
        est,
        b.assessment.small_practice,
        pi,
    ))
}

// ---- the portfolio dashboard ----------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
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

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DashboardRow {
    #[schema(value_type = String, format = Uuid)]
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
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
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

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub year: u16,
    pub organization: String,
    pub deadline: DeadlineView,
    pub totals: DashboardTotals,
    pub practices: Vec<DashboardRow>,
}

/// The tenant's portfolio for a year: every practice assessed (counts only), read in six queries.
pub async fn portfolio(
    state: &AppState,
    p: &Principal,
    year: PerformanceYear,
) -> Result<Arc<Portfolio>, ApiError> {
    let revision = revision(state, p).await?;
    state
        .caches
        .portfolios
        .get_or_try_init((p.tenant, year), revision, || {
            load_portfolio(&*state.store, p.tenant, year)
        })
        .await
}

/// Loads and assesses a tenant's portfolio from the store, without the cache.
async fn load_portfolio(
    s: &dyn Store,
    tenant: TenantId,
    year: PerformanceYear,
) -> Result<Portfolio, ApiError> {
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
    for pr in &practices {
        let apps = apps_of.get(&pr.id).unwrap_or(&empty_a);
        let a = assess::assess(
            rules,
            year,
            &PracticeRecords {
                practice: pr,
                profile: profile_of.get(&pr.id).copied().unwrap_or(&default_profile),
                clinicians: by_practice.get(&pr.id).unwrap_or(&empty_c),
                statuses: statuses_of.get(&pr.id).unwrap_or(&empty_s),
                applications: apps,
                documents: docs_of.get(&pr.id).unwrap_or(&empty_d),
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
            missing: a.missing,
        });
    }
    Ok(Portfolio {
        year,
        organization,
        totals,
        rows,
    })
}

pub async fn dashboard(
    state: &AppState,
    p: &Principal,
    year: PerformanceYear,
) -> Result<(Arc<Portfolio>, DeadlineView), ApiError> {
    let pf = portfolio(state, p, year).await?;
    let d = deadline_view(year, state.now())?;
    Ok((pf, d))
}

// ---- screening and score impact -------------------------------------------------------------------------

/// Screens a practice's answers for a year, knowing whether the practice is already reweighted at its level.
pub async fn screen_practice(
    state: &AppState,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    facts: &PracticeFacts,
) -> Result<ScreeningDto, ApiError> {
    let b = practice_year(state, p, practice, year).await?;
    let rules = rules(year)?;
    let mut s = screening::screen(rules, facts, None);
    // Already reweighted automatically at the practice's level: the group's basis when it reports as
    // one; an individually reporting practice only when every clinician is.
    let a = &b.assessment;
    let automatic = if b.profile.profile.level.is_collective() {
        a.group
            .as_ref()
            .filter(|g| g.reweighted && g.automatic)
            .map(|g| g.basis.clone())
    } else if !a.clinicians.is_empty() && a.reweighted_automatically as usize == a.clinicians.len()
    {
        a.clinicians.first().map(|c| c.individual.basis.clone())
    } else {
        None
    };
    if let Some(basis) = automatic {
        s.needs_to_apply = false;
        s.advice.retain(|x| !x.starts_with("Apply before"));
        s.advice.insert(
            0,
            format!("Already reweighted automatically ({basis}): no application needed. Do not submit any PI data."),
        );
        s.automatic = Some(basis);
    }
    Ok(ScreeningDto::from_screening(rules, s))
}

/// The score impact for a practice-year: the profile's estimates, overridden by what the caller gives.
pub async fn score_impact(
    state: &AppState,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    overrides: ScoreEstimates,
) -> Result<(Arc<PracticeYearBundle>, ScoreImpact), ApiError> {
    let b = practice_year(state, p, practice, year).await?;
    let i = impact_of(&b, year, overrides)?;
    Ok((b, i))
}

// ---- applications ---------------------------------------------------------------------------------------

/// Checks that the applicant belongs to the practice: its TIN, and for an individual an NPI on its roster.
pub async fn check_applicant(
    state: &AppState,
    p: &Principal,
    draft: &ApplicationDraft,
) -> Result<(), ApiError> {
    let pr = state.store.get_practice(p.tenant, draft.practice).await?;
    match &draft.applicant {
        Applicant::Group { tin } if *tin != pr.tin => Err(ApiError::Unprocessable(format!(
            "invalid applicant.tin {tin}: the practice's TIN is {}",
            pr.tin
        ))),
        Applicant::Individual { tin, .. } if *tin != pr.tin => {
            Err(ApiError::Unprocessable(format!(
                "invalid applicant.tin {tin}: the practice's TIN is {}",
                pr.tin
            )))
        }
        Applicant::Individual { npi, .. } => {
            let roster = state.store.list_clinicians(p.tenant, pr.id).await?;
            if roster.iter().any(|c| c.npi == *npi) {
                Ok(())
            } else {
                Err(ApiError::Unprocessable(format!(
                    "invalid applicant.npi {npi}: not on the roster of {}",
                    pr.name
                )))
            }
        }
        _ => Ok(()),
    }
}

pub async fn create_application(
    state: &AppState,
    p: &Principal,
    draft: ApplicationDraft,
) -> Result<Application, ApiError> {
    p.require_write()?;
    check_applicant(state, p, &draft).await?;
    Ok(state
        .store
        .create_application(p.tenant, &p.actor(), draft)
        .await?)
}

pub async fn update_application(
    state: &AppState,
    p: &Principal,
    id: ApplicationId,
    version: i64,
    draft: ApplicationDraft,
) -> Result<Application, ApiError> {
    p.require_write()?;
    check_applicant(state, p, &draft).await?;
    Ok(state
        .store
        .update_application(p.tenant, &p.actor(), id, version, draft)
        .await?)
}

/// Moves an application on; a submission also files the eligibility decision it was sent under, with its
/// rule-set version and sources, so an audit years later sees what the rules said on that day.
pub async fn transition(
    state: &AppState,
    p: &Principal,
    id: ApplicationId,
    version: i64,
    t: Transition,
) -> Result<Application, ApiError> {
    p.require_write()?;
    if let Transition::Approve {
        email: Some(doc), ..
    }
    | Transition::Deny {
        email: Some(doc), ..
    } = &t
    {
        let d = state.store.get_document(p.tenant, *doc).await?;
        let app = state.store.get_application(p.tenant, id).await?;
        if d.practice != app.draft.practice {
            return Err(ApiError::Unprocessable(format!(
                "invalid decision_email {doc}: the document belongs to another practice"
            )));
        }
    }
    let submitting = matches!(t, Transition::Submit { .. });
    let app = state
        .store
        .transition_application(p.tenant, &p.actor(), id, version, t)
        .await?;
    if submitting {
        file_decision(state, p, &app).await?;
    }
    Ok(app)
}

/// Records the applicant's eligibility decision as it stands now.
async fn file_decision(state: &AppState, p: &Principal, app: &Application) -> Result<(), ApiError> {
    let b = practice_year(state, p, app.draft.practice, app.draft.year).await?;
    let (clinician, outcome) = match &app.draft.applicant {
        Applicant::Individual { npi, .. } => {
            match b
                .assessment
                .clinicians
                .iter()
                .find(|c| c.npi == npi.as_str())
            {
                Some(c) => (Some(ClinicianId(c.clinician)), &c.individual),
                None => return Ok(()),
            }
        }
        _ => match &b.assessment.group {
            Some(g) => (None, g),
            None => return Ok(()),
        },
    };
    let d = StoredDecision {
        id: DecisionId(uuid::Uuid::new_v4()),
        tenant: p.tenant,
        practice: app.draft.practice,
        clinician,
        year: app.draft.year,
        rule_set_version: b.assessment.rule_set_version.clone(),
        reweighted: outcome.reweighted,
        basis: outcome.basis.clone(),
        explanation: serde_json::to_value(&outcome.explanation)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        decided_at: state.now(),
    };
    state.store.record_decision(p.tenant, &p.actor(), d).await?;
    Ok(())
}

// ---- evidence -------------------------------------------------------------------------------------------

/// What an upload says about itself.
pub struct UploadMeta {
    pub practice: PracticeId,
    pub application: Option<ApplicationId>,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    /// The performance year the evidence belongs to (sets retain-until); the application's when linked.
    pub year: Option<PerformanceYear>,
}

/// The document kinds the product knows (any other short kind is accepted too).
pub const DOCUMENT_KINDS: &[(&str, &str)] = &[
    (
        assess::BARRIER_DOCUMENTATION,
        "small-practice overwhelming-barrier documentation",
    ),
    (assess::CMS_DECISION_EMAIL, "CMS approval or denial e-mail"),
    (
        "submission_confirmation",
        "portal confirmation or call record",
    ),
    ("decertification_notice", "ONC decertification notice"),
    ("outage_record", "internet or EHR outage record"),
    (
        "event_evidence",
        "extreme and uncontrollable circumstance evidence",
    ),
    (
        "eligibility_screenshot",
        "QPP participation status screenshot",
    ),
    ("other", "other evidence"),
];

/// Checks an upload's description before any byte is stored.
pub async fn check_upload(
    state: &AppState,
    p: &Principal,
    meta: &UploadMeta,
) -> Result<(DocumentId, chrono::NaiveDate), ApiError> {
    p.require_write()?;
    state.store.get_practice(p.tenant, meta.practice).await?;
    let year = match meta.application {
        Some(a) => {
            let app = state.store.get_application(p.tenant, a).await?;
            if app.draft.practice != meta.practice {
                return Err(ApiError::NotFound(format!(
                    "application {a} not found in this practice"
                )));
            }
            app.draft.year
        }
        None => meta.year.unwrap_or_else(|| current_year(state.now())),
    };
    let retain_until = rules(year)?.retain_until();
    let id = DocumentId(uuid::Uuid::new_v4());
    let probe = NewDocument {
        id,
        practice: meta.practice,
        application: meta.application,
        kind: meta.kind.clone(),
        filename: meta.filename.clone(),
        content_type: meta.content_type.clone(),
        size: 0,
        sha256: [0; 32],
        object_key: String::new(),
        retain_until,
    };
    validate_new_document(&probe)?;
    if meta.content_type.len() > 200 || meta.content_type.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "invalid content_type {:?}",
            meta.content_type.chars().take(60).collect::<String>()
        )));
    }
    Ok((id, retain_until))
}

/// Streams an upload into the vault (encrypted, hashed, write-once), then records it. Nothing is recorded
/// unless every byte was stored; an upload over the limit leaves nothing behind.
pub async fn store_upload(
    state: &AppState,
    p: &Principal,
    meta: UploadMeta,
    id: DocumentId,
    retain_until: chrono::NaiveDate,
    body: impl tokio::io::AsyncRead + Unpin + Send,
) -> Result<Document, ApiError> {
    let limit = state.settings.body_limit as u64;
    let stored = state
        .vault
        .put(p.tenant.0, id.0, retain_until, body, limit)
        .await
        .map_err(|e| match e {
            hardship_vault::VaultError::TooLarge { limit } => ApiError::PayloadTooLarge(format!(
                "file {:?} is larger than the upload limit of {limit} bytes",
                meta.filename
            )),
            hardship_vault::VaultError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                vault_full(&meta.filename)
            }
            other => vault_error(other),
        })
        .map_err(|e| match e {
            ApiError::InsufficientStorage(_) => vault_full(&meta.filename),
            e => e,
        })?;
    let doc = NewDocument {
        id,
        practice: meta.practice,
        application: meta.application,
        kind: meta.kind,
        filename: meta.filename,
        content_type: meta.content_type,
        size: stored.size,
        sha256: stored.sha256,
        object_key: stored.key,
        retain_until,
    };
    Ok(state
        .store
        .record_document(p.tenant, &p.actor(), doc)
        .await?)
}

fn vault_full(filename: &str) -> ApiError {
    ApiError::InsufficientStorage(format!(
        "the evidence vault is out of space: {filename:?} was not stored and nothing was recorded; ask the operator to free or add storage, then upload it again"
    ))
}

fn vault_error(e: hardship_vault::VaultError) -> ApiError {
    let text = e.to_string();
    if text.contains("No space left")
        || text.contains("os error 28")
        || text.contains("QuotaExceeded")
    {
        tracing::error!(error = %text, "the evidence vault is out of space");
        vault_full("the file")
    } else {
        ApiError::Internal(format!("vault: {text}"))
    }
}

/// A document's bytes, verified against its recorded SHA-256 before the first byte is sent.
pub async fn open_document(
    state: &AppState,
    p: &Principal,
    id: DocumentId,
) -> Result<(Document, axum::body::Body), ApiError> {
    let doc = state.store.get_document(p.tenant, id).await?;
    // The record against its upload event, the key against the record, the bytes against the hash:
    // any failure is named to the user and recorded, and nothing is sent.
    let events = state
        .store
        .audit_events(p.tenant, Some(&id.to_string()))
        .await?;
    let upload = events
        .iter()
        .find(|e| e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD);
    let problem = match hardship_store::integrity::document(&doc, upload) {
        Some(f) => Some(f.problem),
        None => match state.vault.check_key(p.tenant.0, id.0, &doc.object_key) {
            Err(e) => Some(e.to_string()),
            Ok(()) => state
                .vault
                .verify(p.tenant.0, &doc.object_key, &doc.sha256)
                .await
                .err()
                .map(|e| e.to_string()),
        },
    };
    if let Some(problem) = problem {
        tracing::error!(document = %id, %problem, "evidence failed its integrity check");
        state
            .store
            .record_observation(
                p.tenant,
                &p.actor(),
                hardship_store::engine::payloads::document_integrity_failed(id, &problem),
            )
            .await?;
        return Err(ApiError::Integrity(format!(
            "document {id} ({}) failed its integrity check and was not sent: it is not the file that \
             was uploaded. This has been recorded in the audit log; restore the document from a backup.",
            doc.filename
        )));
    }
    let (reader, writer) = tokio::io::duplex(64 * 1024);
    let vault = Arc::clone(&state.vault);
    let key = doc.object_key.clone();
    let tenant = p.tenant.0;
    tokio::spawn(async move {
        if let Err(e) = vault.get(tenant, &key, writer).await {
            tracing::error!(error = %e, key = %key, "evidence download failed mid-stream");
        }
    });
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    Ok((doc, body))
}

/// Audit verification as the API and the audit page show it.
pub async fn verify_audit(
    state: &AppState,
    p: &Principal,
) -> Result<dto::AuditVerifyDto, ApiError> {
    let records: Vec<String> = state
        .store
        .verify_records(p.tenant)
        .await?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(match state.store.verify_audit(p.tenant).await? {
        Ok(n) => dto::AuditVerifyDto {
            ok: records.is_empty(),
            events: n,
            broken_at: None,
            problem: (!records.is_empty()).then(|| {
                format!(
                    "records disagree with the audit log: {}",
                    records.join("; ")
                )
            }),
            record_problems: records,
        },
        Err(b) => dto::AuditVerifyDto {
            ok: false,
            events: 0,
            broken_at: Some(b.seq),
            problem: Some(format!("event {}: {}", b.seq, b.problem)),
            record_problems: records,
        },
    })
}

/// Applications grouped by practice name for listing pages.
pub fn group_by_state(apps: &[Application]) -> BTreeMap<&'static str, u32> {
    let mut m = BTreeMap::new();
    for a in apps {
        *m.entry(a.state.name()).or_insert(0) += 1;
    }
    m
}

/// The levels that may apply in a year (the wizard offers only these).
pub fn application_levels(year: PerformanceYear) -> Result<Vec<ReportingLevel>, ApiError> {
    Ok(rules(year)?.application_levels.levels.clone())
}

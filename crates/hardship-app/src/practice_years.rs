//! A practice-year loaded and assessed: the practice, its profile for the year, its roster, applications
//! and evidence, and the engine's assessment — cached per tenant revision, so a page and the API asking
//! the same question of an unchanged tenant read the database once.

use crate::App;
use crate::assess::{self, Assessment, Detail, PracticeRecords};
use crate::error::AppError;
use crate::impact::{self, ScoreImpact};
use crate::principal::Principal;
use crate::years::rules;
use bytes::Bytes;
use hardship_rules::PerformanceYear;
use hardship_store::*;
use std::sync::Arc;

/// The tenant's revision: the one read while authenticating this (read-only) request, else a fresh read.
pub(crate) async fn revision(app: &App, p: &Principal) -> Result<i64, AppError> {
    match p.revision {
        Some(r) => Ok(r),
        None => Ok(app.store.revision(p.tenant).await?),
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
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
) -> Result<Arc<PracticeYearBundle>, AppError> {
    // A client's filter before the cache: a cached practice-year of another practice is not its to see.
    p.practices.check(practice, "practice", practice)?;
    // Read the revision first: anything written while loading makes the entry miss next time.
    let revision = revision(app, p).await?;
    // The window's closing changes what is missing, without any write: it is part of the key.
    let closed = crate::years::window_closed(year, app.now());
    app.caches
        .assessments
        .get_or_try_init(
            (p.tenant, practice, year, closed),
            revision,
            || async move {
                load_practice_year(&*app.store_for(p), p.tenant, practice, year, closed).await
            },
        )
        .await
}

/// Loads and assesses a practice-year from the store, without the cache (the CLI uses it directly).
pub async fn load_practice_year(
    s: &dyn Store,
    tenant: TenantId,
    practice: PracticeId,
    year: PerformanceYear,
    window_closed: bool,
) -> Result<PracticeYearBundle, AppError> {
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
            window_closed,
        },
        Detail::Full,
    );
    let json = serde_json::to_vec(&assessment)
        .map(Bytes::from)
        .map_err(|e| AppError::Internal(e.to_string()))?;
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
) -> Result<ScoreImpact, AppError> {
    let base = b.profile.profile.scores;
    let rules = rules(year)?;
    // CMS set cost to 0% for this level in the COVID-19 years: a cost estimate is not used.
    let cost_counts = !rules
        .cost_not_scored
        .levels
        .contains(&b.profile.profile.level);
    // An approved EUC exception weights its categories 0% (those without data that overrides it):
    // they are left out, and the year's redistribution row for what remains applies.
    let euc = |c: &str| !b.assessment.euc_reweighted.iter().any(|x| x == c);
    let est = ScoreEstimates {
        quality: overrides
            .quality
            .or(base.quality)
            .filter(|_| euc("quality")),
        cost: overrides
            .cost
            .or(base.cost)
            .filter(|_| cost_counts && euc("cost")),
        ia: overrides.ia.or(base.ia).filter(|_| euc("ia")),
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

/// What a caller says of a practice-year's decision to report PI instead of applying.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum NotApplyingChange {
    /// Leave it as it is.
    #[default]
    Keep,
    /// The practice will report PI and not apply, for this reason.
    Decide(String),
    /// It may apply after all.
    Withdraw,
}

/// A practice-year's profile as a caller sets it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileInput {
    /// The reporting level, or `None`: not decided yet.
    pub level: Option<hardship_rules::ReportingLevel>,
    pub pi_submitted: hardship_rules::PiSubmission,
    pub clinician_count: Option<u32>,
    pub has_cehrt: bool,
    pub scores: ScoreEstimates,
    pub not_applying: NotApplyingChange,
}

/// Saves a practice-year's profile at the version the caller read. Who decided not to apply, and when,
/// is the caller and now.
pub async fn set_profile(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    expected_version: i64,
    input: ProfileInput,
) -> Result<PracticeYear, AppError> {
    p.require_write()?;
    let current = app
        .store_for(p)
        .get_practice_year(p.tenant, practice, year)
        .await?;
    let not_applying = match input.not_applying {
        NotApplyingChange::Keep => current.profile.not_applying.clone(),
        NotApplyingChange::Withdraw => None,
        NotApplyingChange::Decide(why) if why.trim().is_empty() => {
            return Err(AppError::invalid(
                "not_applying",
                "say why the practice will report PI instead of applying",
            ));
        }
        NotApplyingChange::Decide(why) => Some(NotApplying {
            by: p.label.clone(),
            at: app.now(),
            why: why.trim().to_owned(),
        }),
    };
    let profile = ReportingProfile {
        level: input.level.unwrap_or(current.profile.level),
        level_decided: input.level.is_some(),
        not_applying,
        pi_submitted: input.pi_submitted,
        clinician_count: input.clinician_count,
        has_cehrt: input.has_cehrt,
        scores: input.scores,
        // The queue's own fields are set from the queue (`set_work_item`), not by this form.
        assignee: current.profile.assignee.clone(),
        notes: current.profile.notes.clone(),
    };
    Ok(app
        .store_for(p)
        .set_practice_year(
            p.tenant,
            &p.actor(),
            practice,
            year,
            expected_version,
            profile,
        )
        .await?)
}

/// A change to a practice-year's place in the work queue; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct WorkItemChange {
    /// `Some(None)` unassigns; `Some(Some(email))` assigns to that member.
    pub assignee: Option<Option<String>>,
    pub notes: Option<String>,
    pub not_applying: NotApplyingChange,
}

/// Assigns, annotates or marks a practice-year "not applying" from the queue, at the version the caller
/// read. An assignee must be a member of the organization.
pub async fn set_work_item(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    expected_version: i64,
    change: WorkItemChange,
) -> Result<PracticeYear, AppError> {
    p.require_write()?;
    let current = app
        .store_for(p)
        .get_practice_year(p.tenant, practice, year)
        .await?;
    let mut profile = current.profile.clone();
    if let Some(assignee) = change.assignee {
        profile.assignee = match assignee.map(|a| a.trim().to_owned()) {
            None => None,
            Some(a) if a.is_empty() => None,
            Some(a) => {
                let members = app.store_for(p).members(p.tenant).await?;
                let Some((_, user)) = members
                    .iter()
                    .find(|(_, u)| u.email.eq_ignore_ascii_case(&a))
                else {
                    return Err(AppError::invalid(
                        "assignee",
                        format!("{a:?} is not a member of this organization"),
                    ));
                };
                Some(user.email.clone())
            }
        };
    }
    if let Some(notes) = change.notes {
        profile.notes = notes.trim().to_owned();
    }
    match change.not_applying {
        NotApplyingChange::Keep => {}
        NotApplyingChange::Withdraw => profile.not_applying = None,
        NotApplyingChange::Decide(why) if why.trim().is_empty() => {
            return Err(AppError::invalid(
                "not_applying",
                "say why the practice will report PI instead of applying",
            ));
        }
        NotApplyingChange::Decide(why) => {
            profile.not_applying = Some(NotApplying {
                by: p.label.clone(),
                at: app.now(),
                why: why.trim().to_owned(),
            });
        }
    }
    if profile == current.profile {
        return Ok(current);
    }
    Ok(app
        .store_for(p)
        .set_practice_year(
            p.tenant,
            &p.actor(),
            practice,
            year,
            expected_version,
            profile,
        )
        .await?)
}

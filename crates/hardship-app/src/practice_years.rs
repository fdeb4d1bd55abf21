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
    // Read the revision first: anything written while loading makes the entry miss next time.
    let revision = revision(app, p).await?;
    app.caches
        .assessments
        .get_or_try_init((p.tenant, practice, year), revision, || {
            load_practice_year(&*app.store, p.tenant, practice, year)
        })
        .await
}

/// Loads and assesses a practice-year from the store, without the cache (the CLI uses it directly).
pub async fn load_practice_year(
    s: &dyn Store,
    tenant: TenantId,
    practice: PracticeId,
    year: PerformanceYear,
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

//! Screening a practice for the reasons it may cite, the score impact of reweighting, and an application's
//! life: the checks that tie it to its practice, creation, edits, and the transitions (a submission files
//! the eligibility decision it was sent under).

use crate::App;
use crate::error::AppError;
use crate::impact::ScoreImpact;
use crate::practice_years::{PracticeYearBundle, impact_of, practice_year};
use crate::principal::Principal;
use crate::years::rules;
use hardship_rules::PerformanceYear;
use hardship_rules::screening::{self, PracticeFacts};
use hardship_store::*;
use serde::Serialize;
use std::sync::Arc;

// ---- screening and score impact -------------------------------------------------------------------------

// What the year says of one reason for this practice (no doc comment: the OpenAPI schema has none).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReasonVerdictDto))]
pub struct ReasonVerdict {
    pub reason: String,
    pub label: String,
    /// The year accepts this reason at all.
    pub accepted: bool,
    pub may_cite: bool,
    pub why: String,
    pub criteria: String,
    pub sources: Vec<String>,
    /// False when the rule book marks the rule UNCONFIRMED.
    pub confirmed: bool,
}

// The reasons a practice may cite in a year, and whether it needs to apply at all (no doc comment: the
// OpenAPI schema has none).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ScreeningDto))]
pub struct Screening {
    pub year: u16,
    pub reasons: Vec<ReasonVerdict>,
    /// The automatic basis when the practice is already reweighted (no application needed).
    pub automatic: Option<String>,
    pub needs_to_apply: bool,
    /// Lacking CEHRT with no reason to cite: lacking CEHRT alone is never a reason.
    pub lacking_cehrt_only: bool,
    pub advice: Vec<String>,
}

impl Screening {
    pub fn from_rules(rules: &hardship_rules::RuleSet, s: screening::Screening) -> Self {
        Screening {
            year: s.year,
            reasons: s
                .reasons
                .into_iter()
                .map(|r| ReasonVerdict {
                    reason: r.reason.code().to_owned(),
                    label: r.reason.label().to_owned(),
                    accepted: rules.reason_rule(r.reason).is_some_and(|x| x.accepted),
                    may_cite: r.may_cite,
                    why: r.why,
                    criteria: r.criteria,
                    sources: r.sources,
                    confirmed: r.confirmed,
                })
                .collect(),
            automatic: s.automatic,
            needs_to_apply: s.needs_to_apply,
            lacking_cehrt_only: s.lacking_cehrt_only,
            advice: s.advice,
        }
    }
}

/// Screens a practice's answers for a year, knowing whether the practice is already reweighted at its level.
pub async fn screen_practice(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    facts: &PracticeFacts,
) -> Result<Screening, AppError> {
    let b = practice_year(app, p, practice, year).await?;
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
    Ok(Screening::from_rules(rules, s))
}

/// The score impact for a practice-year: the profile's estimates, overridden by what the caller gives.
pub async fn score_impact(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
    overrides: ScoreEstimates,
) -> Result<(Arc<PracticeYearBundle>, ScoreImpact), AppError> {
    let b = practice_year(app, p, practice, year).await?;
    let i = impact_of(&b, year, overrides)?;
    Ok((b, i))
}

// ---- applications ---------------------------------------------------------------------------------------

/// Checks that the applicant belongs to the practice: its TIN, and for an individual an NPI on its roster.
pub async fn check_applicant(
    app: &App,
    p: &Principal,
    draft: &ApplicationDraft,
) -> Result<(), AppError> {
    let pr = app
        .store_for(p)
        .get_practice(p.tenant, draft.practice)
        .await?;
    match &draft.applicant {
        Applicant::Group { tin } if *tin != pr.tin => Err(AppError::invalid(
            "applicant.tin",
            format!(
                "invalid applicant.tin {tin}: the practice's TIN is {}",
                pr.tin
            ),
        )),
        Applicant::Individual { tin, .. } if *tin != pr.tin => Err(AppError::invalid(
            "applicant.tin",
            format!(
                "invalid applicant.tin {tin}: the practice's TIN is {}",
                pr.tin
            ),
        )),
        Applicant::Individual { npi, .. } => {
            let roster = app.store_for(p).list_clinicians(p.tenant, pr.id).await?;
            if roster.iter().any(|c| c.npi == *npi) {
                Ok(())
            } else {
                Err(AppError::invalid(
                    "applicant.npi",
                    format!(
                        "invalid applicant.npi {npi}: not on the roster of {}",
                        pr.name
                    ),
                ))
            }
        }
        _ => Ok(()),
    }
}

pub async fn create_application(
    app: &App,
    p: &Principal,
    draft: ApplicationDraft,
) -> Result<Application, AppError> {
    p.require_contribute()?;
    check_applicant(app, p, &draft).await?;
    Ok(app
        .store_for(p)
        .create_application(p.tenant, &p.actor(), draft)
        .await?)
}

pub async fn update_application(
    app: &App,
    p: &Principal,
    id: ApplicationId,
    version: i64,
    draft: ApplicationDraft,
) -> Result<Application, AppError> {
    p.require_contribute()?;
    check_applicant(app, p, &draft).await?;
    Ok(app
        .store_for(p)
        .update_application(p.tenant, &p.actor(), id, version, draft)
        .await?)
}

/// Moves an application on; a submission also files the eligibility decision it was sent under, with its
/// rule-set version and sources, so an audit years later sees what the rules said on that day.
pub async fn transition(
    app: &App,
    p: &Principal,
    id: ApplicationId,
    version: i64,
    t: Transition,
) -> Result<Application, AppError> {
    // Getting a draft ready (and back) is the practice's own work, a client's too; sending it and
    // recording CMS's answer are the organization's.
    if t.prepares() {
        p.require_contribute()?;
    } else {
        p.require_write()?;
    }
    if let Transition::Approve {
        email: Some(doc), ..
    }
    | Transition::Deny {
        email: Some(doc), ..
    }
    | Transition::LinkDecisionEmail { email: doc } = &t
    {
        let d = app.store_for(p).get_document(p.tenant, *doc).await?;
        let application = app.store_for(p).get_application(p.tenant, id).await?;
        if d.practice != application.draft.practice {
            return Err(AppError::invalid(
                "decision_email",
                format!("invalid decision_email {doc}: the document belongs to another practice"),
            ));
        }
    }
    let submitting = matches!(t, Transition::Submit { .. });
    let application = app
        .store_for(p)
        .transition_application(p.tenant, &p.actor(), id, version, t)
        .await?;
    if submitting {
        file_decision(app, p, &application).await?;
    }
    Ok(application)
}

/// Records the applicant's eligibility decision as it stands now.
async fn file_decision(
    app: &App,
    p: &Principal,
    application: &Application,
) -> Result<(), AppError> {
    let b = practice_year(app, p, application.draft.practice, application.draft.year).await?;
    let (clinician, outcome) = match &application.draft.applicant {
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
        practice: application.draft.practice,
        clinician,
        year: application.draft.year,
        rule_set_version: b.assessment.rule_set_version.clone(),
        reweighted: outcome.reweighted,
        basis: outcome.basis.clone(),
        explanation: serde_json::to_value(&outcome.explanation)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        decided_at: app.now(),
    };
    app.store_for(p)
        .record_decision(p.tenant, &p.actor(), d)
        .await?;
    Ok(())
}

//! The submission guard: before a registry or EHR sends a QPP submission, check whether it carries PI
//! data for a submitter whose PI is reweighted — automatically or by an approved hardship. Reporting any
//! PI data voids that reweighting (RULEBOOK §4), so such a file is blocked with a warning that names who
//! loses what, and the final-score consequence from the what-if. The pages, the API and
//! `hardship guard` (which exits non-zero) all call [`check`].

use crate::assess::Outcome;
use crate::error::AppError;
use crate::practice_years::{self, PracticeYearBundle};
use crate::years;
use hardship_formats::submission::{self, PiFinding};
use hardship_rules::PerformanceYear;
use hardship_store::ScoreEstimates;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PiSet {
    /// JSON path of the measurement set.
    pub path: String,
    /// Where it is, in words ("measurement set 2 of the file").
    pub place: String,
    pub category: String,
    pub measures: Vec<String>,
    /// Complete for the year by CMS's PI measures (UNCONFIRMED what CMS counts as qualifying); absent
    /// when the file names no year.
    pub complete: Option<bool>,
    /// What keeps it from being complete.
    pub missing: Vec<String>,
}

impl From<&PiFinding> for PiSet {
    fn from(f: &PiFinding) -> Self {
        PiSet {
            path: f.path.clone(),
            place: place(&f.path),
            category: f.category.clone(),
            measures: f.measures.clone(),
            complete: f.completeness.as_ref().map(|c| c.complete),
            missing: f
                .completeness
                .as_ref()
                .map(|c| c.missing.clone())
                .unwrap_or_default(),
        }
    }
}

/// A measurement set's JSON path in words: `$.measurementSets[1]` is the file's second set.
fn place(path: &str) -> String {
    path.strip_prefix("$.measurementSets[")
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|n| n.parse::<usize>().ok())
        .map_or_else(
            || format!("at {path} in the file"),
            |i| format!("measurement set {} of the file", i + 1),
        )
}

/// The final score both ways, at the PI score the practice expects.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consequence {
    pub pi_score: f64,
    pub reweighted_final_score: f64,
    pub reweighted_adjustment: String,
    pub reported_final_score: f64,
    pub reported_adjustment: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardReport {
    /// The file holds PI data.
    pub contains_pi: bool,
    /// `complete`, `incomplete`, or `unknown` (no year in the file): complete PI data voids reweighting
    /// in every year; incomplete data voids it before PY 2025 only.
    pub pi_data: String,
    /// Whether the PI data would void the reweighting in the year checked.
    pub voids: bool,
    /// The submitter's PI is reweighted (or would be, but for PI data already recorded as submitted).
    pub reweighting_at_stake: bool,
    /// Both: do not send this file as it is.
    pub blocked: bool,
    /// Who submits: "the group (TIN …)" or "NAME (NPI …)".
    pub submitter: String,
    /// The basis the PI data would void, e.g. `special_status:hospital_based`, `hardship:decertified_ehr`.
    pub basis: Option<String>,
    /// The same, in words.
    pub basis_label: Option<String>,
    pub pi_sets: Vec<PiSet>,
    pub entity_type: Option<String>,
    pub message: String,
    pub consequence: Option<Consequence>,
    /// Where the file and the practice disagree (TIN, year, NPI not on the roster).
    pub warnings: Vec<String>,
    /// Categories an approved EUC exception weights 0% at the practice's level in which the file holds
    /// data: sending it overrides that reweighting category by category (the year's rules); the file is
    /// then blocked too.
    pub euc_overridden: Vec<String>,
}

/// The basis a submitter would keep without PI data, if it is reweighted at all.
fn at_stake(o: &Outcome) -> Option<(String, String)> {
    // A voided basis: the explanation's summary names it in words; the code is not kept separately.
    (o.reweighted || o.basis == "voided_by_pi_submission")
        .then(|| (o.basis.clone(), o.basis_label.clone()))
}

/// Checks a submission file against a practice-year.
pub fn check(
    b: &PracticeYearBundle,
    year: PerformanceYear,
    bytes: &[u8],
) -> Result<GuardReport, AppError> {
    let scan = submission::scan_submission(bytes)
        .map_err(|e| AppError::Malformed(format!("invalid submission: {e}")))?;
    let pr = &b.practice;
    let mut warnings = Vec::new();
    if let Some(t) = scan.tin
        && t != pr.tin
    {
        warnings.push(format!(
            "the file's taxpayerIdentificationNumber {t} is not {}'s TIN {}",
            pr.name, pr.tin
        ));
    }
    if let Some(y) = scan.year
        && y != year.get()
    {
        warnings.push(format!(
            "the file's performanceYear {y} is not {year}, the year checked"
        ));
    }
    let individual = scan.entity_type.as_deref() == Some("individual");
    let (submitter, outcome) = if individual {
        match scan
            .npi
            .and_then(|n| b.assessment.clinicians.iter().find(|c| c.npi == n.as_str()))
        {
            Some(c) => (format!("{} (NPI {})", c.name, c.npi), Some(&c.individual)),
            None => {
                warnings.push(match scan.npi {
                    Some(n) => format!("NPI {n} is not on {}'s roster", pr.name),
                    None => "an individual submission without nationalProviderIdentifier".into(),
                });
                (
                    scan.npi
                        .map_or_else(|| "an unknown clinician".into(), |n| format!("NPI {n}")),
                    None,
                )
            }
        }
    } else {
        (
            format!("the group (TIN {})", pr.tin),
            b.assessment.group.as_ref(),
        )
    };
    let (basis, basis_label) = outcome.and_then(at_stake).unzip();
    let contains_pi = scan.contains_pi();
    let rules = years::rules(year)?;
    let complete = scan.pi_complete();
    let pi_data = match complete {
        Some(true) => "complete",
        Some(false) => "incomplete",
        None => "unknown",
    };
    // Incomplete PI data voids reweighting before PY 2025 only (the year's rule); when the file names
    // no year its completeness is unknown, so it is taken to void.
    let voids = contains_pi
        && rules.pi_submission_voids_reweighting.applies
        && (complete != Some(false) || rules.pi_submission_voids_reweighting.incomplete_voids);
    // The same trap for the other categories an approved EUC exception reweights.
    let euc_overridden: Vec<String> = b
        .assessment
        .euc_reweighted
        .iter()
        .filter(|c| {
            scan.categories.contains(c)
                && hardship_rules::Category::parse(c)
                    .is_ok_and(|cat| crate::euc::overridable(rules, cat))
        })
        .cloned()
        .collect();
    let pi_blocked = voids && basis.is_some();
    let blocked = pi_blocked || !euc_overridden.is_empty();
    let completeness_words = match complete {
        Some(true) => "complete: voids the reweighting".to_owned(),
        Some(false) if rules.pi_submission_voids_reweighting.incomplete_voids => {
            format!("incomplete, but before PY 2025 any PI data voids the reweighting ({year})")
        }
        Some(false) => format!(
            "incomplete: from PY 2025 it does not void the reweighting and is not scored ({year}; what CMS counts as qualifying is UNCONFIRMED)"
        ),
        None => "completeness unknown (the file names no performanceYear)".to_owned(),
    };
    let impact = practice_years::impact_of(b, year, ScoreEstimates::default())?;
    let consequence = Consequence {
        pi_score: impact.pi_score,
        reweighted_final_score: impact.reweighted.final_score,
        reweighted_adjustment: impact.reweighted.adjustment.clone(),
        reported_final_score: impact.reported.final_score,
        reported_adjustment: impact.reported.adjustment.clone(),
    };
    let message = if !euc_overridden.is_empty() && !pi_blocked {
        format!(
            "This submission holds {} data, which an approved EUC exception weights at 0% for {year}: sending it overrides that reweighting and the category is scored. Remove those measurement sets before sending.",
            euc_overridden.join(", ")
        )
    } else if blocked {
        format!(
            "This submission contains PI data ({} PI measurement set(s), {completeness_words}) and will void the PI reweighting of {submitter} ({}) for {year}: the final score goes from {:.2} ({}) to {:.2} ({}) at a PI score of {:.0}. Remove the PI measurement sets before sending [RULEBOOK §4].",
            scan.pi.len(),
            basis_label.as_deref().unwrap_or(""),
            consequence.reweighted_final_score,
            consequence.reweighted_adjustment,
            consequence.reported_final_score,
            consequence.reported_adjustment,
            consequence.pi_score
        )
    } else if contains_pi && basis.is_some() {
        format!(
            "This submission contains PI data ({completeness_words}), so the PI reweighting of {submitter} stands; the incomplete PI data is not scored. Completing it would void the reweighting."
        )
    } else if contains_pi {
        format!(
            "This submission contains PI data ({completeness_words}); {submitter} has no PI reweighting in {year} to lose, so PI is scored either way."
        )
    } else {
        format!("This submission contains no PI data: the PI reweighting of {submitter} is safe.")
    };
    Ok(GuardReport {
        contains_pi,
        pi_data: pi_data.to_owned(),
        voids,
        reweighting_at_stake: basis.is_some(),
        blocked,
        submitter,
        basis,
        basis_label,
        pi_sets: scan.pi.iter().map(PiSet::from).collect(),
        entity_type: scan.entity_type.clone(),
        message,
        consequence: pi_blocked.then_some(consequence),
        warnings,
        euc_overridden,
    })
}

/// Checks a submission file against the caller's practice-year, and records the check in the audit log
/// (who checked which file, and what the guard said): an auditor sees every check made before a
/// submission.
pub async fn check_submission(
    app: &crate::App,
    p: &crate::Principal,
    practice: hardship_store::PracticeId,
    year: PerformanceYear,
    file: &str,
    bytes: &[u8],
) -> Result<GuardReport, AppError> {
    let b = practice_years::practice_year(app, p, practice, year).await?;
    let report = check(&b, year, bytes)?;
    app.store_for(p)
        .record_observation(
            p.tenant,
            &p.actor(),
            hardship_store::engine::payloads::guard_checked(
                practice,
                year.get(),
                report.blocked,
                file,
            ),
        )
        .await?;
    Ok(report)
}

//! Hardship screening: from facts a practice can answer, which reasons it may cite this year, which it may
//! not and why, and whether it needs to apply at all.

use crate::eligibility::{Basis, Decision};
use crate::error::InvalidValue;
use crate::model::HardshipReason;
use crate::ruleset::RuleSet;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Kinds of extreme and uncontrollable circumstance the CMS form offers (2017 list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EucKind {
    Disaster,
    PracticeOrHospitalClosure,
    SevereFinancialDistress,
    EhrVendorIssues,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EucEvent {
    pub kind: EucKind,
    pub start: NaiveDate,
    /// Still going on when `None`.
    pub end: Option<NaiveDate>,
}

/// What a practice can tell us. Every field is optional: unknown facts make a reason "not shown", not "no".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeFacts {
    /// Clinicians (NPIs) billing under the TIN.
    pub clinician_count: Option<u32>,
    /// The practice has documented overwhelming barriers to meeting the PI requirements.
    #[serde(default)]
    pub overwhelming_barriers: bool,
    /// When the EHR was decertified by ONC.
    pub ehr_decertified_on: Option<NaiveDate>,
    /// The practice made a good-faith effort to adopt another CEHRT before the performance period.
    #[serde(default)]
    pub good_faith_new_cehrt: bool,
    /// Years this practice has already been granted the decertification exception.
    #[serde(default)]
    pub decertified_exception_years_used: u32,
    #[serde(default)]
    pub insufficient_internet: bool,
    pub event: Option<EucEvent>,
    /// Share (0–1) of outpatient encounters at locations where the clinician cannot control CEHRT.
    pub share_encounters_without_cehrt_control: Option<f64>,
    /// Whether the practice has certified EHR technology at all.
    #[serde(default = "yes")]
    pub has_cehrt: bool,
    /// The practice was adversely affected by the COVID-19 public health emergency (the PY 2019 COVID-19
    /// application, 414.1380(c)(2)(i)(C)(11)).
    #[serde(default)]
    pub covid19_affected: bool,
}

fn yes() -> bool {
    true
}

/// Nothing known, and CEHRT assumed present — the same as an empty JSON object (a derived `Default` would
/// claim the practice lacks CEHRT).
impl Default for PracticeFacts {
    fn default() -> Self {
        Self {
            clinician_count: None,
            overwhelming_barriers: false,
            ehr_decertified_on: None,
            good_faith_new_cehrt: false,
            decertified_exception_years_used: 0,
            insufficient_internet: false,
            event: None,
            share_encounters_without_cehrt_control: None,
            has_cehrt: yes(),
            covid19_affected: false,
        }
    }
}

impl PracticeFacts {
    /// Rejects impossible facts (end before start, shares outside 0–1) with the field named.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if let Some(e) = self.event
            && let Some(end) = e.end
            && end < e.start
        {
            return Err(InvalidValue::new(
                "event.end",
                &end.to_string(),
                format!("the end date must not be before the start date {}", e.start),
            ));
        }
        if let Some(s) = self.share_encounters_without_cehrt_control
            && (!(0.0..=1.0).contains(&s) || !s.is_finite())
        {
            return Err(InvalidValue::new(
                "share_encounters_without_cehrt_control",
                &s.to_string(),
                "a share from 0 to 1",
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReasonVerdict {
    pub reason: HardshipReason,
    pub may_cite: bool,
    pub why: String,
    pub criteria: String,
    pub sources: Vec<String>,
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Screening {
    pub year: u16,
    pub reasons: Vec<ReasonVerdict>,
    /// Already reweighted automatically: the basis, and no application is needed.
    pub automatic: Option<String>,
    pub needs_to_apply: bool,
    /// The practice lacks CEHRT and has no reason it may cite: lacking CEHRT alone never qualifies.
    pub lacking_cehrt_only: bool,
    pub advice: Vec<String>,
}

/// Screens a practice's facts against a year. `automatic` is the eligibility decision for the subject
/// that would apply (individual or group), if known.
pub fn screen(
    rules: &RuleSet,
    facts: &PracticeFacts,
    automatic: Option<&Decision<'_>>,
) -> Screening {
    let y = rules.year;
    let year_start = NaiveDate::from_ymd_opt(i32::from(y), 1, 1);
    let year_end = NaiveDate::from_ymd_opt(i32::from(y), 12, 31);
    let mut reasons = Vec::new();
    for rule in &rules.hardship_reasons {
        let (may, why) = if !rule.accepted {
            (
                false,
                format!("{y} does not accept this reason{}", note_suffix(&rule.note)),
            )
        } else {
            match rule.reason {
                HardshipReason::SmallPractice => match facts.clinician_count {
                    None => (
                        false,
                        "give the number of clinicians billing under the TIN".to_owned(),
                    ),
                    Some(n) if n > rules.small_practice.max_clinicians => (
                        false,
                        format!(
                            "{n} clinicians bill under the TIN; the limit is {}",
                            rules.small_practice.max_clinicians
                        ),
                    ),
                    Some(n) if !facts.overwhelming_barriers => (
                        false,
                        format!(
                            "{n} clinicians qualifies as small, but the reason also needs documented overwhelming barriers"
                        ),
                    ),
                    Some(n) => (
                        true,
                        format!(
                            "{n} clinicians and documented overwhelming barriers; keep the documentation for an audit"
                        ),
                    ),
                },
                HardshipReason::DecertifiedEhr => match facts.ehr_decertified_on {
                    None => (false, "no decertification date given".to_owned()),
                    Some(d) => {
                        let earliest = NaiveDate::from_ymd_opt(i32::from(y) - 1, 1, 1);
                        if earliest.is_some_and(|e| d < e) {
                            (
                                false,
                                format!("decertified {d}: before the calendar year preceding {y}"),
                            )
                        } else if year_end.is_some_and(|e| d > e) {
                            (
                                false,
                                format!("decertified {d}: after the {y} performance period"),
                            )
                        } else if facts.decertified_exception_years_used >= 5 {
                            (
                                false,
                                "this exception cannot be granted for more than 5 years".to_owned(),
                            )
                        } else if !facts.good_faith_new_cehrt {
                            (
                                false,
                                format!(
                                    "decertified {d}, but the reason needs a good-faith effort to adopt another CEHRT"
                                ),
                            )
                        } else {
                            (
                                true,
                                format!(
                                    "decertified {d}, within the performance period or the year before, with a good-faith effort to replace it"
                                ),
                            )
                        }
                    }
                },
                HardshipReason::InsufficientInternet => {
                    if facts.insufficient_internet {
                        (
                            true,
                            "a practice location lacks sufficient internet access".to_owned(),
                        )
                    } else {
                        (false, "no insufficient internet access reported".to_owned())
                    }
                }
                HardshipReason::ExtremeUncontrollable => match facts.event {
                    None => (
                        false,
                        "no extreme and uncontrollable event reported".to_owned(),
                    ),
                    Some(e) => {
                        let ends = e.end.or(year_end);
                        let overlaps = match (year_start, year_end, ends) {
                            (Some(ys), Some(ye), Some(en)) => e.start <= ye && en >= ys,
                            _ => false,
                        };
                        if overlaps {
                            let end = e
                                .end
                                .map_or_else(|| "ongoing".to_owned(), |d| d.to_string());
                            (
                                true,
                                format!(
                                    "event from {} to {end} falls in the {y} performance period",
                                    e.start
                                ),
                            )
                        } else {
                            (
                                false,
                                format!(
                                    "the event ({} to {}) lies outside the {y} performance period",
                                    e.start,
                                    e.end
                                        .map_or_else(|| "ongoing".to_owned(), |d| d.to_string())
                                ),
                            )
                        }
                    }
                },
                HardshipReason::Covid19 => {
                    if facts.covid19_affected {
                        (
                            true,
                            "adversely affected by the COVID-19 public health emergency".to_owned(),
                        )
                    } else {
                        (
                            false,
                            "no effect of COVID-19 on the practice reported".to_owned(),
                        )
                    }
                }
                HardshipReason::LackOfControlCehrt => {
                    match facts.share_encounters_without_cehrt_control {
                        None => (
                            false,
                            "no share of encounters at locations without control over CEHRT given"
                                .to_owned(),
                        ),
                        Some(s) if s >= 0.5 => (
                            true,
                            format!(
                                "{:.0}% of outpatient encounters at locations without control over CEHRT (50% or more needed)",
                                s * 100.0
                            ),
                        ),
                        Some(s) => (
                            false,
                            format!(
                                "{:.0}% of outpatient encounters; 50% or more are needed",
                                s * 100.0
                            ),
                        ),
                    }
                }
            }
        };
        reasons.push(ReasonVerdict {
            reason: rule.reason,
            may_cite: may,
            why,
            criteria: rule.criteria.clone(),
            sources: rule.sources.clone(),
            confirmed: rule.confirmed,
        });
    }
    let automatic_basis = automatic.filter(|d| d.reweighted).map(|d| d.basis);
    let any = reasons.iter().any(|r| r.may_cite);
    let lacking_cehrt_only = !facts.has_cehrt && !any;
    let mut advice = Vec::new();
    if let Some(b) = automatic_basis {
        advice.push(format!("Already reweighted automatically ({b}): no application needed. Do not submit any PI data."));
    } else if any {
        advice.push(match rules.application_window.closes {
            Some(closes) => format!(
                "Apply before the deadline: {}.",
                closes.format("%Y-%m-%d %H:%M %:z")
            ),
            None => format!(
                "CMS has not announced the {y} application window yet; prepare the application and its evidence now and apply when it opens."
            ),
        });
    }
    if lacking_cehrt_only {
        advice.push("Lacking certified EHR technology alone is never a hardship reason [QPP-HE-2017] [HITA-2019].".to_owned());
    }
    if reasons
        .iter()
        .any(|r| r.may_cite && r.reason == HardshipReason::SmallPractice)
    {
        advice.push(format!(
            "Keep the overwhelming-barrier documentation at least {} years ({} recommended).",
            rules.retention.regulatory_years, rules.retention.recommended_years
        ));
    }
    Screening {
        year: y,
        reasons,
        automatic: automatic_basis.map(|b: Basis| b.to_string()),
        needs_to_apply: automatic_basis.is_none() && any,
        lacking_cehrt_only,
        advice,
    }
}

fn note_suffix(note: &Option<String>) -> String {
    note.as_ref().map_or_else(String::new, |n| format!(": {n}"))
}

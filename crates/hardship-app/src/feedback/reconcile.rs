//! CMS's final feedback against the product's own decision, row by row (pure: no I/O, no clock).
//!
//! For each row (TIN/NPI, or TIN for the group) the product's decision is the assessment's at the level
//! the practice reports (`assess/`). Checks, each a [`Discrepancy`] with a code, a sentence and the
//! evidence ids:
//! - `approved_hardship_not_applied`: PI weighted > 0 although an approved application covers the subject
//!   (42 CFR 414.1380(c)(2)(i)(C): PI is reweighted for an approved hardship);
//! - `approved_euc_not_applied`: a category weighted > 0 although an approved EUC exception application
//!   covering the subject reweights it (414.1380(c)(2)(i)(A)(6) for quality, cost and IA; (C)(2) for PI)
//!   and no data the year lets override it was expected in it;
//! - `automatic_reweighting_not_applied`: a special status, clinician type or small practice the
//!   product reweights for (414.1380(c)(2)(i)(A)) not reflected;
//! - `pi_weighted_expected_reweighted`: any other basis on which the product expects 0 %;
//! - `weights_not_redistribution_row`: weights that are neither the base weights nor the year's
//!   redistribution row for the categories CMS weighted 0 (414.1380(c)(2)(ii));
//! - `final_score_differs`: the final score more than 0.01 from Σ category score × weight CMS gave;
//! - `unexpected_reweighting`: CMS reweighted PI where the product did not expect it — our rule or data
//!   may be wrong (not a review candidate: a reweighting in the clinician's favour);
//! - `unknown_subject`: a row for a TIN/NPI the portfolio does not have.

use crate::assess::{Assessment, Outcome, short};
use hardship_formats::feedback::{Feedback, FeedbackRow};
use hardship_rules::model::CategorySet;
use hardship_rules::{Category, RuleSet, Tin};
use hardship_store::{
    Applicant, Application, ApplicationState, Document, NewTargetedReview, Practice,
};
use serde::Serialize;

/// Scores are compared at CMS's published precision.
const SCORE_TOLERANCE: f64 = 0.01;
/// A weight this close to 0 is 0 (weights are published as whole percent, or fractions of 1).
const WEIGHT_ZERO: f64 = 0.005;

/// One disagreement between CMS's feedback and the product.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discrepancy {
    /// `approved_hardship_not_applied`, `approved_euc_not_applied`, `automatic_reweighting_not_applied`,
    /// `pi_weighted_expected_reweighted`, `weights_not_redistribution_row`, `final_score_differs`,
    /// `unexpected_reweighting`, `unknown_subject`.
    pub code: String,
    /// The feedback file's line.
    pub line: u64,
    pub tin: Option<String>,
    /// Absent for the group's row.
    pub npi: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub practice: Option<uuid::Uuid>,
    /// The discrepancy in words.
    pub text: String,
    /// Evidence ids: `feedback_line:<n>`, `application:<uuid>`, `document:<uuid>`.
    pub evidence: Vec<String>,
    /// Rule-book source keys of the rule the product applied.
    pub sources: Vec<String>,
    /// Whether it opens a targeted-review candidate.
    pub reviewable: bool,
}

/// What the product knows of one practice in the year.
pub struct Known<'a> {
    pub practice: &'a Practice,
    pub assessment: &'a Assessment,
    pub applications: &'a [Application],
    pub documents: &'a [Document],
}

/// The reconciliation of a file.
#[derive(Clone, Debug, Default)]
pub struct Outcomes {
    pub matched: usize,
    /// Rows matched with no discrepancy.
    pub agreed: usize,
    pub discrepancies: Vec<Discrepancy>,
    /// One per subject with a reviewable discrepancy.
    pub candidates: Vec<NewTargetedReview>,
}

/// Compares every row of `feedback` with what the product decided for `known`.
pub fn reconcile(rules: &RuleSet, feedback: &Feedback, known: &[Known<'_>]) -> Outcomes {
    let mut out = Outcomes::default();
    for row in &feedback.rows {
        let Some((k, subject)) = find(row, known) else {
            out.discrepancies.push(Discrepancy {
                code: "unknown_subject".into(),
                line: row.line,
                tin: row.tin.map(|t| t.to_string()),
                npi: row.npi.map(|n| n.as_str().to_owned()),
                practice: None,
                text: format!(
                    "Line {}: {} is not in the portfolio (or names more than one practice); nothing to compare.",
                    row.line,
                    who(row.tin, row.npi.as_ref().map(|n| n.as_str()))
                ),
                evidence: vec![format!("feedback_line:{}", row.line)],
                sources: vec![],
                reviewable: false,
            });
            continue;
        };
        out.matched += 1;
        let found = check_row(rules, row, k, subject);
        if found.is_empty() {
            out.agreed += 1;
            continue;
        }
        let reviewable: Vec<&Discrepancy> = found.iter().filter(|d| d.reviewable).collect();
        if !reviewable.is_empty() {
            let mut evidence: Vec<String> = Vec::new();
            for d in &reviewable {
                for e in &d.evidence {
                    if !evidence.contains(e) {
                        evidence.push(e.clone());
                    }
                }
            }
            // The packet also carries the year's eligibility snapshot and binder.
            evidence.extend(["eligibility".to_owned(), "binder".to_owned()]);
            let codes: Vec<String> = reviewable.iter().map(|d| d.code.clone()).collect();
            out.candidates.push(NewTargetedReview {
                practice: k.practice.id,
                year: feedback.year,
                tin: k.practice.tin,
                npi: row.npi,
                detail: hardship_store::ReviewDetail {
                    reasons: hardship_rules::review::reasons_for_discrepancies(rules, &codes),
                    ..Default::default()
                },
                codes,
                summary: reviewable
                    .iter()
                    .map(|d| d.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                evidence,
            });
        }
        out.discrepancies.extend(found);
    }
    out
}

/// The subject's decision at the level the practice reports: a clinician's, or the group's.
enum Subject<'a> {
    Clinician(&'a crate::assess::ClinicianAssessment),
    Group(&'a Outcome),
}

fn find<'a, 'k>(row: &FeedbackRow, known: &'a [Known<'k>]) -> Option<(&'a Known<'k>, Subject<'a>)> {
    let mut hits = known.iter().filter_map(|k| {
        if row.tin.is_some_and(|t| t != k.practice.tin) {
            return None;
        }
        match row.npi {
            Some(npi) => k
                .assessment
                .clinicians
                .iter()
                .find(|c| c.npi == npi.as_str())
                .map(|c| (k, Subject::Clinician(c))),
            None => k.assessment.group.as_ref().map(|g| (k, Subject::Group(g))),
        }
    });
    let first = hits.next()?;
    // A PUF row names no TIN: an NPI billing under two of our TINs cannot be placed.
    if hits.next().is_some() {
        return None;
    }
    Some(first)
}

fn who(tin: Option<Tin>, npi: Option<&str>) -> String {
    match (tin, npi) {
        (Some(t), Some(n)) => format!("NPI {n} under TIN {t}"),
        (None, Some(n)) => format!("NPI {n}"),
        (Some(t), None) => format!("the group TIN {t}"),
        (None, None) => "a row without TIN or NPI".into(),
    }
}

/// Whether CMS weighted PI above 0: from the weights, else the PUF's reweighting flags.
fn cms_pi_weighted(row: &FeedbackRow) -> Option<bool> {
    match row.weights {
        Some(w) => Some(w[3] > WEIGHT_ZERO),
        None => row.pi_flags.any().map(|reweighted| !reweighted),
    }
}

fn check_row(
    rules: &RuleSet,
    row: &FeedbackRow,
    k: &Known<'_>,
    s: Subject<'_>,
) -> Vec<Discrepancy> {
    let (reweighted, basis, basis_label, sources) = match &s {
        Subject::Clinician(c) => (
            c.reweighted,
            c.basis.as_str(),
            c.basis_label.as_str(),
            // The decision at the reporting level: the group's sources when it reports as a group.
            if k.assessment.level == "individual" {
                c.individual.explanation.sources.clone()
            } else {
                k.assessment
                    .group
                    .as_ref()
                    .map(|g| g.explanation.sources.clone())
                    .unwrap_or_default()
            },
        ),
        Subject::Group(g) => (
            g.reweighted,
            g.basis.as_str(),
            g.basis_label.as_str(),
            g.explanation.sources.clone(),
        ),
    };
    let npi = row.npi.as_ref().map(|n| n.as_str().to_owned());
    let subject = who(Some(k.practice.tin), npi.as_deref());
    let pi_weight = row
        .weights
        .map_or("above 0 %".to_owned(), |w| format!("at {} %", fmt(w[3])));
    let base =
        |code: &str, text: String, evidence: Vec<String>, sources: Vec<String>, reviewable| {
            Discrepancy {
                code: code.into(),
                line: row.line,
                tin: Some(k.practice.tin.to_string()),
                npi: npi.clone(),
                practice: Some(k.practice.id.0),
                text,
                evidence,
                sources,
                reviewable,
            }
        };
    let line_ev = format!("feedback_line:{}", row.line);
    let mut out = Vec::new();

    match (reweighted, cms_pi_weighted(row)) {
        (true, Some(true)) if basis.starts_with("hardship:") => {
            let mut evidence = vec![line_ev.clone()];
            let approval = approved_cover(k, row)
                .map(|(a, decided_on, email)| {
                    approval_words(a, decided_on, email, a.draft.reason.label(), &mut evidence)
                })
                .unwrap_or_else(|| "an approved application covers it".into());
            out.push(base(
                "approved_hardship_not_applied",
                format!(
                    "CMS weighted PI {pi_weight} for {subject} in PY {}, although its PI hardship was approved: {approval}. PI should be 0 % (42 CFR 414.1380(c)(2)(i)(C)).",
                    rules.year
                ),
                evidence,
                sources.clone(),
                true,
            ));
        }
        (true, Some(true)) => {
            let automatic = ["special_status:", "clinician_type:", "small_practice"]
                .iter()
                .any(|p| basis.starts_with(p));
            let code = if automatic {
                "automatic_reweighting_not_applied"
            } else {
                "pi_weighted_expected_reweighted"
            };
            out.push(base(
                code,
                format!(
                    "CMS weighted PI {pi_weight} for {subject} in PY {}, but the product expects 0 % ({basis_label}).",
                    rules.year
                ),
                vec![line_ev.clone()],
                sources.clone(),
                true,
            ));
        }
        (false, Some(false)) => {
            let why = [
                (row.pi_flags.hardship, "an approved hardship"),
                (
                    row.pi_flags.special_status,
                    "a special status or clinician type",
                ),
                (row.pi_flags.euc, "extreme and uncontrollable circumstances"),
            ]
            .iter()
            .filter(|(f, _)| *f == Some(true))
            .map(|(_, w)| *w)
            .collect::<Vec<_>>();
            out.push(base(
                "unexpected_reweighting",
                format!(
                    "CMS reweighted PI to 0 % for {subject} in PY {}{}, where the product expected PI to count ({basis_label}): our rule or data may be wrong — check the clinician's type, special statuses and applications for the year.",
                    rules.year,
                    if why.is_empty() { String::new() } else { format!(" for {}", why.join(" and ")) }
                ),
                vec![line_ev.clone()],
                sources.clone(),
                false,
            ));
        }
        _ => {}
    }

    if let Some(w) = row.weights {
        out.extend(
            euc_not_applied(k, row, &w)
                .into_iter()
                .map(|(text, evidence, sources)| {
                    let text = format!("{text} for {subject} in PY {}.", rules.year);
                    let mut ev = vec![line_ev.clone()];
                    ev.extend(evidence);
                    base("approved_euc_not_applied", text, ev, sources, true)
                }),
        );
        let zero = Category::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| w[*i] <= WEIGHT_ZERO)
            .fold(CategorySet::EMPTY, |set, (_, c)| set.with(*c));
        let small = row.statuses[0].unwrap_or(k.assessment.small_practice);
        let base_w = rules.base_weights.weights();
        let active = base_w.active();
        let not_scored = CategorySet::of(
            &zero
                .iter()
                .filter(|c| active.contains(*c))
                .collect::<Vec<_>>(),
        );
        let (expected, cite) = if not_scored.is_empty() {
            (Some(base_w), rules.base_weights.sources.clone())
        } else {
            match rules.redistribution_for(not_scored, small) {
                Some(r) => (Some(r.weights), r.sources.clone()),
                None => (None, vec![]),
            }
        };
        let matches = expected.is_some_and(|e| {
            e.as_array()
                .iter()
                .zip(w.iter())
                .all(|(a, b)| (f64::from(*a) - b).abs() < 0.5)
        });
        if !matches {
            out.push(base(
                "weights_not_redistribution_row",
                format!(
                    "CMS weighted {subject} Q {} / C {} / IA {} / PI {}, which is {} for PY {} (42 CFR 414.1380(c)(2)(ii)).",
                    fmt(w[0]),
                    fmt(w[1]),
                    fmt(w[2]),
                    fmt(w[3]),
                    match expected {
                        Some(e) => format!("not the year's row ({})", e.describe()),
                        None => "no row of the year's redistribution table".into(),
                    },
                    rules.year
                ),
                vec![line_ev.clone()],
                cite,
                true,
            ));
        }
        if let Some(final_score) = row.final_score {
            let mut recomputed: f64 = Category::ALL
                .iter()
                .enumerate()
                .filter_map(|(i, _)| row.scores[i].map(|s| s * w[i] / 100.0))
                .sum();
            recomputed += row.complex_patient_bonus.unwrap_or(0.0);
            let recomputed = recomputed.clamp(0.0, 100.0);
            if (recomputed - final_score).abs() > SCORE_TOLERANCE {
                out.push(base(
                    "final_score_differs",
                    format!(
                        "CMS's final score for {subject} is {}, but its own category scores and weights give {:.2}.",
                        fmt(final_score),
                        recomputed
                    ),
                    vec![line_ev.clone()],
                    vec![],
                    true,
                ));
            }
        }
    }
    out
}

/// "application … (…) was approved on …; CMS's decision e-mail is …", adding the evidence ids.
fn approval_words(
    a: &Application,
    decided_on: chrono::NaiveDate,
    email: Option<&Document>,
    what: &str,
    evidence: &mut Vec<String>,
) -> String {
    evidence.push(format!("application:{}", a.id.0));
    let email_words = match email {
        Some(d) => {
            evidence.push(format!("document:{}", d.id.0));
            format!(
                "CMS's decision e-mail is on file as {} (document {})",
                d.filename,
                short(d.id.0)
            )
        }
        None => "CMS's decision e-mail is not on file".into(),
    };
    format!(
        "application {} ({what}) was approved on {decided_on}; {email_words}",
        short(a.id.0)
    )
}

/// Approved EUC exception applications covering the row's subject whose reweighted categories other
/// than PI (PI is the hardship check's) CMS weighted above 0: (sentence start, evidence, sources).
fn euc_not_applied(
    k: &Known<'_>,
    row: &FeedbackRow,
    w: &[f64; 4],
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for view in &k.assessment.euc_applications {
        let Some(a) = k.applications.iter().find(|a| a.id.0 == view.application) else {
            continue;
        };
        let ApplicationState::Approved {
            decided_on, email, ..
        } = &a.state
        else {
            continue;
        };
        if !covers(k, row, &a.draft.applicant) {
            continue;
        }
        let weighted: Vec<String> = Category::ALL
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                **c != Category::Pi
                    && view.reweighted.iter().any(|r| r == c.code())
                    && w[*i] > WEIGHT_ZERO
            })
            .map(|(i, c)| format!("{} at {} %", c.label(), fmt(w[i])))
            .collect();
        if weighted.is_empty() {
            continue;
        }
        let email = email.and_then(|id| k.documents.iter().find(|d| d.id == id));
        let mut evidence = Vec::new();
        let approval = approval_words(
            a,
            *decided_on,
            email,
            &format!("EUC exception: {}", view.event_label),
            &mut evidence,
        );
        out.push((
            format!(
                "CMS weighted {} although an approved EUC exception reweights {} to 0 % (42 CFR 414.1380(c)(2)(i)(A)(6)): {approval}; no data that would override it was expected in those categories",
                weighted.join(" and "),
                if weighted.len() == 1 { "it" } else { "them" }
            ),
            evidence,
            view.sources.clone(),
        ));
    }
    out
}

/// Whether an application by `applicant` covers the row's subject: its NPI under the TIN, or the TIN's
/// group application (for the group's row, or a clinician of a practice reporting as a group).
fn covers(k: &Known<'_>, row: &FeedbackRow, applicant: &Applicant) -> bool {
    let tin = k.practice.tin;
    let group_level = k.assessment.level != "individual";
    match (applicant, row.npi) {
        (Applicant::Individual { npi, tin: t }, Some(n)) => *npi == n && *t == tin,
        (Applicant::Group { tin: t }, None) => *t == tin,
        (Applicant::Group { tin: t }, Some(_)) => *t == tin && group_level,
        _ => false,
    }
}

/// The approved application covering the row's subject: for its NPI under the TIN, or the TIN's
/// group application (for the group's row, or a clinician of a practice reporting as a group).
fn approved_cover<'a>(
    k: &'a Known<'_>,
    row: &FeedbackRow,
) -> Option<(&'a Application, chrono::NaiveDate, Option<&'a Document>)> {
    k.applications.iter().find_map(|a| {
        let ApplicationState::Approved {
            decided_on, email, ..
        } = &a.state
        else {
            return None;
        };
        // An EUC exception that leaves PI alone is no PI approval.
        if a.draft
            .euc
            .as_ref()
            .is_some_and(|e| !e.category_set().contains(hardship_rules::Category::Pi))
        {
            return None;
        }
        covers(k, row, &a.draft.applicant).then(|| {
            let doc = email.and_then(|id| k.documents.iter().find(|d| d.id == id));
            (a, *decided_on, doc)
        })
    })
}

/// A percentage or score without needless decimals.
fn fmt(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

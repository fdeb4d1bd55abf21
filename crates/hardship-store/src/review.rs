//! Targeted-review candidates: a TIN or TIN/NPI and performance year whose final feedback from CMS
//! disagrees with what the product expected (an approved hardship not applied, …), opened when the
//! feedback is imported. One per subject and year, so importing the same file again opens nothing.
//! States: `draft` (opened by the import, or by hand) → `submitted` (the request filed with CMS: the day
//! and CMS's reference) → `decided` (CMS's outcome, which is final: 42 CFR 414.1385(a)(4), "no further
//! review or appeal", so nothing moves a decided case). Editing the request is for drafts only.

use crate::error::{StoreError, StoreResult};
use crate::model::{PracticeId, TenantId};
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::{Npi, PerformanceYear, Tin};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a candidate stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Draft,
    Submitted,
    Decided,
}

impl ReviewState {
    pub fn name(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::Submitted => "submitted",
            ReviewState::Decided => "decided",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewState> {
        match text {
            "draft" => Some(ReviewState::Draft),
            "submitted" => Some(ReviewState::Submitted),
            "decided" => Some(ReviewState::Decided),
            _ => None,
        }
    }
}

/// What the import asks to open.
#[derive(Clone, PartialEq, Debug)]
pub struct NewTargetedReview {
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub tin: Tin,
    /// `None` for the group (TIN).
    pub npi: Option<Npi>,
    /// The discrepancy codes behind it (`approved_hardship_not_applied`, …).
    pub codes: Vec<String>,
    /// The discrepancies in words.
    pub summary: String,
    /// Evidence ids: `application:<uuid>`, `document:<uuid>`, `feedback_line:<n>`, `binder`,
    /// `eligibility`.
    pub evidence: Vec<String>,
    /// What the case says to CMS and why (empty from an import until someone writes it).
    pub detail: ReviewDetail,
}

/// How a case came to be.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOrigin {
    /// Opened by an import of CMS's final feedback, from its discrepancies.
    #[default]
    Feedback,
    /// Opened by a person.
    Hand,
}

impl ReviewOrigin {
    pub fn name(self) -> &'static str {
        match self {
            ReviewOrigin::Feedback => "feedback",
            ReviewOrigin::Hand => "hand",
        }
    }
}

/// CMS's answer to a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The review was warranted and CMS corrected the score or adjustment.
    Approved,
    /// The review was not warranted; the score stands.
    Denied,
    /// CMS closed the request (e.g. information not sent within 30 days, 414.1385(a)(3)).
    Closed,
}

impl ReviewOutcome {
    pub fn name(self) -> &'static str {
        match self {
            ReviewOutcome::Approved => "approved",
            ReviewOutcome::Denied => "denied",
            ReviewOutcome::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewOutcome> {
        match text {
            "approved" => Some(ReviewOutcome::Approved),
            "denied" => Some(ReviewOutcome::Denied),
            "closed" => Some(ReviewOutcome::Closed),
            _ => None,
        }
    }
}

/// The case's request and CMS's handling of it (one JSON column, so the schema stays small).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ReviewDetail {
    pub origin: ReviewOrigin,
    /// Reason codes of the year's rule set (`hardship_not_applied`, …).
    pub reasons: Vec<String>,
    /// The request in the practice's words.
    pub statement: String,
    pub submitted_on: Option<NaiveDate>,
    /// CMS's reference for the request (the portal's confirmation or case number).
    pub cms_reference: Option<String>,
    /// The warning given when it was sent (an UNCONFIRMED window), kept with the case.
    pub submit_warning: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub outcome: Option<ReviewOutcome>,
    pub decision_note: Option<String>,
}

/// A change of a case; each is one audit event.
#[derive(Clone, PartialEq, Debug)]
pub enum ReviewChange {
    /// The request's reasons, statement and evidence (drafts only).
    Edit {
        reasons: Vec<String>,
        statement: String,
        evidence: Vec<String>,
    },
    /// Filed with CMS on a day with CMS's reference; the window is the caller's (the engine checks it).
    Submit {
        submitted_on: NaiveDate,
        cms_reference: String,
    },
    /// CMS's decision: final.
    Decide {
        decided_on: NaiveDate,
        outcome: ReviewOutcome,
        note: String,
    },
}

impl ReviewChange {
    pub fn action(&self) -> &'static str {
        match self {
            ReviewChange::Edit { .. } => crate::audit::actions::TARGETED_REVIEW_EDIT,
            ReviewChange::Submit { .. } => crate::audit::actions::TARGETED_REVIEW_SUBMIT,
            ReviewChange::Decide { .. } => crate::audit::actions::TARGETED_REVIEW_DECIDE,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            ReviewChange::Edit { .. } => "edit",
            ReviewChange::Submit { .. } => "submit",
            ReviewChange::Decide { .. } => "decide",
        }
    }
}

/// The case after `change`, or why it may not happen (the state it is in, named). `warning` is what the
/// window check said of a submission. Pure: the engine checks the window, the version and evidence ids.
pub fn apply(
    r: &TargetedReview,
    change: &ReviewChange,
    warning: Option<String>,
) -> StoreResult<TargetedReview> {
    let refuse = |why: &str| {
        StoreError::Refused(format!(
            "cannot {} targeted review {}: it is {}{why}",
            change.verb(),
            r.id,
            r.state.name()
        ))
    };
    let mut next = r.clone();
    match (r.state, change) {
        (ReviewState::Decided, _) => {
            return Err(refuse(
                " (CMS's decision is final: no further review or appeal, 42 CFR 414.1385(a)(4))",
            ));
        }
        (
            ReviewState::Draft,
            ReviewChange::Edit {
                reasons,
                statement,
                evidence,
            },
        ) => {
            check_request(reasons, statement, evidence)?;
            next.detail.reasons = reasons.clone();
            next.detail.statement = statement.trim().to_owned();
            next.evidence = evidence.clone();
        }
        (
            ReviewState::Draft,
            ReviewChange::Submit {
                submitted_on,
                cms_reference,
            },
        ) => {
            let reference = cms_reference.trim();
            if reference.is_empty() {
                return Err(StoreError::invalid(
                    "cms_reference",
                    "CMS's reference for the request is required",
                ));
            }
            crate::check_text("cms_reference", reference, 200)?;
            if r.detail.reasons.is_empty() || r.detail.statement.trim().is_empty() {
                return Err(StoreError::invalid(
                    "statement",
                    "a request names at least one reason and states what is wrong before it is sent",
                ));
            }
            next.state = ReviewState::Submitted;
            next.detail.submitted_on = Some(*submitted_on);
            next.detail.cms_reference = Some(reference.to_owned());
            next.detail.submit_warning = warning;
        }
        (
            ReviewState::Submitted,
            ReviewChange::Decide {
                decided_on,
                outcome,
                note,
            },
        ) => {
            crate::check_text("note", note, 4000)?;
            if r.detail.submitted_on.is_some_and(|s| *decided_on < s) {
                return Err(StoreError::invalid(
                    "decided_on",
                    format!("{decided_on} is before the request was sent"),
                ));
            }
            next.state = ReviewState::Decided;
            next.detail.decided_on = Some(*decided_on);
            next.detail.outcome = Some(*outcome);
            next.detail.decision_note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
        }
        (ReviewState::Draft, ReviewChange::Decide { .. }) => {
            return Err(refuse(" (a request is sent to CMS before CMS decides it)"));
        }
        (ReviewState::Submitted, _) => {
            return Err(refuse(" (a sent request is not edited or sent again)"));
        }
    }
    Ok(next)
}

/// The request's fields, checked before anything is written.
pub fn check_request(reasons: &[String], statement: &str, evidence: &[String]) -> StoreResult<()> {
    crate::check_text("statement", statement, 8000)?;
    if reasons.len() > 20 || evidence.len() > 100 {
        return Err(StoreError::invalid(
            "reasons",
            "too many reasons or evidence items",
        ));
    }
    for e in evidence {
        let ok = e == "binder"
            || e == "eligibility"
            || e.strip_prefix("document:")
                .or_else(|| e.strip_prefix("application:"))
                .is_some_and(|id| Uuid::parse_str(id).is_ok())
            || e.strip_prefix("feedback_line:")
                .is_some_and(|n| n.parse::<u32>().is_ok());
        if !ok {
            return Err(StoreError::invalid(
                "evidence",
                format!(
                    "{e:?} is not document:<id>, application:<id>, binder, eligibility or feedback_line:<n>"
                ),
            ));
        }
    }
    Ok(())
}

/// A targeted-review candidate as stored.
#[derive(Clone, PartialEq, Debug)]
pub struct TargetedReview {
    pub id: Uuid,
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub tin: Tin,
    pub npi: Option<Npi>,
    pub state: ReviewState,
    pub codes: Vec<String>,
    pub summary: String,
    pub evidence: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub detail: ReviewDetail,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

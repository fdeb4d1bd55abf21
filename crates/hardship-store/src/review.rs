//! Targeted-review candidates: a TIN or TIN/NPI and performance year whose final feedback from CMS
//! disagrees with what the product expected (an approved hardship not applied, …), opened when the
//! feedback is imported. One per subject and year, so importing the same file again opens nothing.
//! States: `draft` (opened by the import) → `submitted` (the request filed with CMS) → `decided`.

use crate::model::{PracticeId, TenantId};
use chrono::{DateTime, Utc};
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
    /// Evidence ids: `application:<uuid>`, `document:<uuid>`, `feedback_line:<n>`.
    pub evidence: Vec<String>,
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
}

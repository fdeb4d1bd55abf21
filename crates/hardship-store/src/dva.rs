//! A data validation and audit (DVA) request of CMS for a practice-year (42 CFR 414.1390): the day of
//! the notice, from which the practice has 45 days to share the data ((a)(1)), and the checklist of what
//! the auditor asked for, each item added and checked off by someone, each change audited. One request
//! per practice and year.

use crate::error::{StoreError, StoreResult};
use crate::model::{PracticeId, TenantId};
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::PerformanceYear;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Days from the notice to share the data (414.1390(a)(1), "within 45 days of the data sharing
/// request"; CMS's notices from 2019: "45 calendar days from the date of the notice").
pub const RESPONSE_DAYS: i64 = 45;

/// What a person records when the notice arrives.
#[derive(Clone, PartialEq, Debug)]
pub struct NewDvaRequest {
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub notice_date: NaiveDate,
}

/// One thing the auditor asked for.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct DvaItem {
    /// Its number in the list, from 1.
    pub n: u32,
    pub text: String,
    pub done: bool,
    pub added_by: String,
    pub done_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// A DVA request as stored.
#[derive(Clone, PartialEq, Debug)]
pub struct DvaRequest {
    pub id: Uuid,
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub notice_date: NaiveDate,
    pub items: Vec<DvaItem>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl DvaRequest {
    /// The last day to share the data: the notice day plus 45 days.
    pub fn due(&self) -> NaiveDate {
        self.notice_date + chrono::Days::new(RESPONSE_DAYS.unsigned_abs())
    }
}

/// A change of a request's checklist; each is one audit event.
#[derive(Clone, PartialEq, Debug)]
pub enum DvaChange {
    AddItem {
        text: String,
    },
    /// Checks item `n` off (or back on, when `done` is false).
    CheckItem {
        n: u32,
        done: bool,
    },
}

impl DvaChange {
    pub fn action(&self) -> &'static str {
        match self {
            DvaChange::AddItem { .. } => crate::audit::actions::DVA_ITEM_ADD,
            DvaChange::CheckItem { .. } => crate::audit::actions::DVA_ITEM_CHECK,
        }
    }
}

/// The request after `change` by `who` at `now` (pure).
pub fn apply(
    d: &DvaRequest,
    change: &DvaChange,
    who: &str,
    now: DateTime<Utc>,
) -> StoreResult<DvaRequest> {
    let mut next = d.clone();
    match change {
        DvaChange::AddItem { text } => {
            let text = text.trim();
            if text.is_empty() {
                return Err(StoreError::invalid(
                    "text",
                    "an item says what the auditor asked for",
                ));
            }
            crate::check_text("text", text, 1000)?;
            if d.items.len() >= 200 {
                return Err(StoreError::invalid(
                    "text",
                    "a checklist holds at most 200 items",
                ));
            }
            next.items.push(DvaItem {
                n: u32::try_from(d.items.len())
                    .unwrap_or(u32::MAX)
                    .saturating_add(1),
                text: text.to_owned(),
                done: false,
                added_by: who.to_owned(),
                done_by: None,
                done_at: None,
            });
        }
        DvaChange::CheckItem { n, done } => {
            let count = next.items.len();
            let Some(item) = next.items.iter_mut().find(|i| i.n == *n) else {
                return Err(StoreError::invalid(
                    "n",
                    format!("there is no item {n} (the checklist has {count})"),
                ));
            };
            if item.done == *done {
                return Err(StoreError::Refused(format!(
                    "item {n} is already {}",
                    if *done { "checked off" } else { "open" }
                )));
            }
            item.done = *done;
            item.done_by = done.then(|| who.to_owned());
            item.done_at = done.then_some(now);
        }
    }
    Ok(next)
}

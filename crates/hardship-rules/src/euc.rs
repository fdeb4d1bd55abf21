//! The extreme and uncontrollable circumstances (EUC) exception application: which categories, events and
//! levels a year accepts, whether an application may be filed at an instant (the main window, or a window
//! CMS reopened for one reason only), and which of the categories an approved application still reweights
//! once data has been submitted in them. All of it is data of the year (`euc_application` in the year
//! file); instants are parameters.

use crate::cites::Cites;
use crate::model::{Category, CategorySet, EucEventType, PiSubmission, ReportingLevel};
use crate::ruleset::{EucApplication, ReopenedWindow, RuleSet};
use chrono::{DateTime, FixedOffset, Utc};

/// Why an EUC application cannot be filed (or sent) as it is. [`field`](EucRefusal::field) names the
/// input at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EucRefusal {
    #[error(
        "{year} has no EUC exception application (EUC was a reason of the PI hardship application)"
    )]
    NoApplication { year: u16 },
    #[error("choose at least one performance category to reweight")]
    NoCategory,
    #[error("a {year} EUC application cannot reweight {category}")]
    Category { year: u16, category: &'static str },
    #[error("an APM entity's EUC application must cover every performance category in {year}")]
    ApmEntityAllCategories { year: u16 },
    #[error("{year} does not accept \"{event}\" as an extreme and uncontrollable circumstance")]
    EventType { year: u16, event: &'static str },
    #[error("a {level} may not file an EUC application in {year}")]
    Level { year: u16, level: &'static str },
    #[error(
        "CMS has not announced the {year} EUC application window yet; an application cannot be filed before it opens"
    )]
    NotAnnounced { year: u16 },
    #[error(
        "the {year} EUC application window closed at {closes} and no window CMS reopened is open at {at}"
    )]
    Closed {
        year: u16,
        closes: DateTime<FixedOffset>,
        at: DateTime<Utc>,
    },
    #[error(
        "the {year} EUC window reopened {opens} – {closes} accepts only applications citing {reason}; CMS will deny applications for reasons outside {reason}, and \"{cited}\" is one"
    )]
    OutsideReason {
        year: u16,
        reason: &'static str,
        cited: &'static str,
        opens: DateTime<FixedOffset>,
        closes: DateTime<FixedOffset>,
    },
}

impl EucRefusal {
    /// The input field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            EucRefusal::NoApplication { .. } => "kind",
            EucRefusal::NoCategory
            | EucRefusal::Category { .. }
            | EucRefusal::ApmEntityAllCategories { .. } => "categories",
            EucRefusal::EventType { .. } | EucRefusal::OutsideReason { .. } => "euc_event",
            EucRefusal::Level { .. } => "applicant",
            EucRefusal::NotAnnounced { .. } | EucRefusal::Closed { .. } => "year",
        }
    }
}

/// The year's EUC application rules, or why there are none.
pub fn rules_of(rules: &RuleSet) -> Result<&EucApplication, EucRefusal> {
    rules
        .euc_application
        .as_ref()
        .ok_or(EucRefusal::NoApplication { year: rules.year })
}

/// Checks what an application asks for against the year: at least one category the year's application
/// may cover (every category for an APM entity, when the year says so), an event the year accepts, a
/// level that may file.
pub fn check_request(
    rules: &RuleSet,
    categories: CategorySet,
    event: EucEventType,
    level: ReportingLevel,
) -> Result<(), EucRefusal> {
    let year = rules.year;
    let e = rules_of(rules)?;
    if categories.is_empty() {
        return Err(EucRefusal::NoCategory);
    }
    let allowed = CategorySet::of(&e.coverage.categories);
    if let Some(c) = categories.iter().find(|&c| !allowed.contains(c)) {
        return Err(EucRefusal::Category {
            year,
            category: c.label(),
        });
    }
    if !e.levels.levels.contains(&level) {
        return Err(EucRefusal::Level {
            year,
            level: level.label(),
        });
    }
    if level == ReportingLevel::ApmEntity
        && e.levels.apm_entity_all_categories
        && categories != allowed
    {
        return Err(EucRefusal::ApmEntityAllCategories { year });
    }
    if !e.coverage.event_types.contains(&event) {
        return Err(EucRefusal::EventType {
            year,
            event: event.label(),
        });
    }
    Ok(())
}

/// The window an application filed at an instant falls in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EucWindow<'r> {
    /// The year's main window (the PI hardship application's).
    Main,
    /// A window CMS reopened for one reason, which the application cites.
    Reopened(&'r ReopenedWindow),
}

impl EucWindow<'_> {
    /// Whether an application approved in this window reweights categories that have data (PY 2019
    /// COVID-19).
    pub fn overrides_data(&self) -> bool {
        matches!(self, EucWindow::Reopened(w) if w.overrides_data)
    }
}

/// When a reopened window opens: its own opening, or the main window's close.
pub fn opens_at(rules: &RuleSet, w: &ReopenedWindow) -> Option<DateTime<FixedOffset>> {
    w.opens.or(rules.application_window.closes)
}

/// The reopened windows open at `at` for `level` (what the wizard offers once the main window closed).
pub fn reopened_open_at(
    rules: &RuleSet,
    at: DateTime<Utc>,
    level: Option<ReportingLevel>,
) -> Vec<&ReopenedWindow> {
    let Some(e) = &rules.euc_application else {
        return Vec::new();
    };
    e.reopened
        .iter()
        .filter(|w| {
            opens_at(rules, w).is_some_and(|o| o.with_timezone(&Utc) <= at)
                && at < w.closes.with_timezone(&Utc)
                && level.is_none_or(|l| w.levels.is_empty() || w.levels.contains(&l))
        })
        .collect()
}

/// Whether an application citing `event` may be filed (created, or sent) at `at`: before the main
/// window closes any accepted event; after it only inside a window CMS reopened, and only citing that
/// window's reason ("CMS will deny applications for reasons outside …"). Boundaries to the second: a
/// window is open from its opening instant up to, not including, its closing instant.
pub fn window_at(
    rules: &RuleSet,
    at: DateTime<Utc>,
    event: EucEventType,
    level: ReportingLevel,
) -> Result<EucWindow<'_>, EucRefusal> {
    let year = rules.year;
    let _ = rules_of(rules)?;
    let Some(closes) = rules.application_window.closes else {
        return Err(EucRefusal::NotAnnounced { year });
    };
    if at < closes.with_timezone(&Utc) {
        return Ok(EucWindow::Main);
    }
    let open = reopened_open_at(rules, at, Some(level));
    if let Some(w) = open.iter().find(|w| w.reason == event) {
        return Ok(EucWindow::Reopened(w));
    }
    match open.first() {
        Some(w) => Err(EucRefusal::OutsideReason {
            year,
            reason: w.reason.label(),
            cited: event.label(),
            opens: opens_at(rules, w).unwrap_or(closes),
            closes: w.closes,
        }),
        None => Err(EucRefusal::Closed { year, closes, at }),
    }
}

/// The window an application sent at `at` citing `event` was sent in, for deciding overrides later
/// (`Main` when none matches: an application recorded by hand after the fact).
pub fn window_of_submission(
    rules: &RuleSet,
    at: DateTime<Utc>,
    event: EucEventType,
    level: ReportingLevel,
) -> EucWindow<'_> {
    window_at(rules, at, event, level).unwrap_or(EucWindow::Main)
}

/// Whether PI data counts as "data submitted" for overriding this year: any PI data before PY 2025, a
/// qualifying submission from then (`pi_submission_voids_reweighting`).
pub fn pi_data_counts(rules: &RuleSet, pi: PiSubmission) -> bool {
    let v = &rules.pi_submission_voids_reweighting;
    match pi {
        PiSubmission::No => false,
        PiSubmission::Incomplete => v.incomplete_voids,
        PiSubmission::Qualifying => true,
    }
}

/// What an approved EUC application does to the categories it covers.
#[derive(Debug, Clone, Copy)]
pub struct EucOutcome<'r> {
    /// Categories weighted 0%.
    pub reweighted: CategorySet,
    /// Categories the application covers whose submitted data is scored after all.
    pub overridden: CategorySet,
    pub cites: Cites<'r>,
}

/// The categories an approved application reweights, given the categories with submitted data: data in
/// a category the year lists under `data_override` is scored instead, unless the applicant is an APM
/// entity (whose reweighting data never overrides, when the year says so) or the application was
/// approved in a window whose applications override data (PY 2019 COVID-19).
pub fn outcome<'r>(
    rules: &'r RuleSet,
    covered: CategorySet,
    level: ReportingLevel,
    window: EucWindow<'r>,
    submitted: CategorySet,
) -> EucOutcome<'r> {
    let mut cites = Cites::default();
    let (mut reweighted, mut overridden) = (CategorySet::EMPTY, CategorySet::EMPTY);
    let Some(e) = &rules.euc_application else {
        return EucOutcome {
            reweighted,
            overridden,
            cites,
        };
    };
    cites.push(e.coverage.cite("EUC application: categories and events"));
    cites.push(e.data_override.cite("EUC application: data overrides"));
    if let EucWindow::Reopened(w) = window {
        cites.push(w.cite("EUC window reopened for one reason"));
    }
    let apm_exempt = level == ReportingLevel::ApmEntity && !e.data_override.apm_entity;
    if level == ReportingLevel::ApmEntity {
        cites.push(e.levels.cite("EUC application: who may file"));
    }
    for c in covered.iter() {
        let overrides = e.data_override.categories.contains(&c)
            && submitted.contains(c)
            && !apm_exempt
            && !window.overrides_data();
        if overrides {
            overridden = overridden.with(c);
        } else {
            reweighted = reweighted.with(c);
        }
    }
    EucOutcome {
        reweighted,
        overridden,
        cites,
    }
}

/// The categories the year lets an EUC application cover, in `Category::ALL` order.
pub fn coverable(rules: &RuleSet) -> Vec<Category> {
    rules
        .euc_application
        .as_ref()
        .map(|e| {
            let set = CategorySet::of(&e.coverage.categories);
            set.iter().collect()
        })
        .unwrap_or_default()
}

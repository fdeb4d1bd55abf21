//! The rule book's years: which year is current, the application window of a year, and the levels that
//! may apply. Pure lookups in the embedded rule book.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use hardship_rules::deadline::{self, WindowState};
use hardship_rules::{PerformanceYear, ReportingLevel, RuleBook, RuleSet};
use serde::Serialize;

/// The embedded rule book (validated once).
pub fn book() -> Result<&'static RuleBook, AppError> {
    RuleBook::embedded().map_err(|e| AppError::Internal(e.to_string()))
}

pub fn rules(year: PerformanceYear) -> Result<&'static RuleSet, AppError> {
    Ok(book()?.year(year))
}

/// The performance year whose application window is the next to close at `now` (the last year once all
/// announced windows have closed, so PY 2027 from January 1 2027): what the dashboard shows by default.
pub fn current_year(now: DateTime<Utc>) -> PerformanceYear {
    RuleBook::embedded()
        .ok()
        .and_then(|book| {
            book.years()
                .iter()
                .find(|r| {
                    r.application_window
                        .closes
                        .is_some_and(|c| c.with_timezone(&Utc) > now)
                })
                .and_then(|r| PerformanceYear::new(r.year).ok())
        })
        .unwrap_or_else(PerformanceYear::latest)
}

/// Every performance year of the rule book, newest first (for year pickers).
pub fn years_newest_first() -> Vec<u16> {
    (PerformanceYear::FIRST..=PerformanceYear::LAST)
        .rev()
        .collect()
}

// ---- deadlines ------------------------------------------------------------------------------------------

/// The application window of a year at an instant, for people and machines.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineView {
    pub year: u16,
    /// `not_yet_open`, `open`, `closed`, or `not_announced` (CMS has not published the window).
    pub state: String,
    /// The deadline; absent while CMS has not announced it.
    pub closes: Option<DateTime<Utc>>,
    /// The deadline in the time zone CMS states it in, e.g. `2026-12-31 20:00 -05:00 America/New_York (ET)`,
    /// or `not yet announced`.
    pub closes_local: String,
    pub days_left: Option<i64>,
    pub hours_left: Option<i64>,
    pub seconds_left: Option<i64>,
    /// False when the rule book has not confirmed the deadline's hour.
    pub confirmed: bool,
    pub sources: Vec<String>,
    pub text: String,
}

pub fn deadline_view(year: PerformanceYear, now: DateTime<Utc>) -> Result<DeadlineView, AppError> {
    let w = deadline::window_status(rules(year)?, now);
    Ok(DeadlineView {
        year: w.year,
        state: match w.state {
            WindowState::NotYetOpen => "not_yet_open",
            WindowState::Open => "open",
            WindowState::Closed => "closed",
            WindowState::NotAnnounced => "not_announced",
        }
        .to_owned(),
        closes: w.closes.map(|c| c.with_timezone(&Utc)),
        closes_local: w.closes.map_or_else(
            || "not yet announced".to_owned(),
            |c| format!("{} {}", c.format("%Y-%m-%d %H:%M %:z"), w.time_zone),
        ),
        days_left: w.days_left,
        hours_left: w.seconds_left.map(|s| s.max(0) % 86_400 / 3_600),
        seconds_left: w.seconds_left,
        confirmed: w.confirmed,
        text: w.describe(),
        sources: w.sources,
    })
}

/// A window CMS reopened for one reason, as the wizard and the API show it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReopenedWindowView {
    /// The one event it accepts (`iv_fluid_shortage`, …) and in words.
    pub reason: String,
    pub reason_label: String,
    pub opens: Option<DateTime<Utc>>,
    pub closes: DateTime<Utc>,
    pub closes_local: String,
    /// Levels it is open to (empty: every level that may file).
    pub levels: Vec<String>,
    /// Whether applications approved in it override data already submitted.
    pub overrides_data: bool,
    pub via: Option<String>,
    pub confirmed: bool,
    pub sources: Vec<String>,
    /// "CMS will deny applications for reasons outside …".
    pub text: String,
}

/// The EUC windows CMS reopened for one reason that are open at `now` (after the main deadline these
/// are the only way to file, citing their reason).
pub fn reopened_windows(
    year: PerformanceYear,
    now: DateTime<Utc>,
) -> Result<Vec<ReopenedWindowView>, AppError> {
    let r = rules(year)?;
    Ok(hardship_rules::euc::reopened_open_at(r, now, None)
        .into_iter()
        .map(|w| ReopenedWindowView {
            reason: w.reason.code().to_owned(),
            reason_label: w.reason.label().to_owned(),
            opens: hardship_rules::euc::opens_at(r, w).map(|o| o.with_timezone(&Utc)),
            closes: w.closes.with_timezone(&Utc),
            closes_local: format!("{} {}", w.closes.format("%Y-%m-%d %H:%M %:z"), w.time_zone),
            levels: w.levels.iter().map(|l| l.code().to_owned()).collect(),
            overrides_data: w.overrides_data,
            via: w.via.clone(),
            confirmed: w.confirmed,
            sources: w.sources.clone(),
            text: format!(
                "The {year} EUC application window is reopened to {} for {} only: CMS will deny applications for reasons outside {}.{}",
                w.closes.format("%Y-%m-%d %H:%M %:z"),
                w.reason.label(),
                w.reason.label(),
                w.via
                    .as_ref()
                    .map(|v| format!(" Filed through {v}."))
                    .unwrap_or_default()
            ),
        })
        .collect())
}

/// The levels that may file an EUC application in a year (none when the year has no such application).
pub fn euc_levels(year: PerformanceYear) -> Result<Vec<ReportingLevel>, AppError> {
    Ok(rules(year)?
        .euc_application
        .as_ref()
        .map(|e| e.levels.levels.clone())
        .unwrap_or_default())
}

/// The levels that may apply in a year (the wizard offers only these).
pub fn application_levels(year: PerformanceYear) -> Result<Vec<ReportingLevel>, AppError> {
    Ok(rules(year)?.application_levels.levels.clone())
}

/// Whether the year's application window has closed at `now` (a window CMS has not announced has not).
pub fn window_closed(year: PerformanceYear, now: DateTime<Utc>) -> bool {
    rules(year).is_ok_and(|r| deadline::window_status(r, now).state == WindowState::Closed)
}

//! The application window of a year: is it open at a given instant, how long is left, and refusing late
//! applications. The instant is always a parameter; this crate never reads a clock.

use crate::ruleset::RuleSet;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    /// Before the first day CMS is known to have accepted applications.
    NotYetOpen,
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowStatus {
    pub year: u16,
    pub opens: Option<NaiveDate>,
    pub closes: DateTime<FixedOffset>,
    pub time_zone: String,
    pub state: WindowState,
    /// Whole days left until the deadline (0 on the last day; negative once closed).
    pub days_left: i64,
    /// Seconds left until the deadline (negative once closed).
    pub seconds_left: i64,
    pub confirmed: bool,
    pub sources: Vec<String>,
}

/// The window's state at `now`.
pub fn window_status(rules: &RuleSet, now: DateTime<Utc>) -> WindowStatus {
    let w = &rules.application_window;
    let left: TimeDelta = w.closes.with_timezone(&Utc) - now;
    let state = if left <= TimeDelta::zero() {
        WindowState::Closed
    } else if w.opens.is_some_and(|o| now.date_naive() < o) {
        WindowState::NotYetOpen
    } else {
        WindowState::Open
    };
    WindowStatus {
        year: rules.year,
        opens: w.opens,
        closes: w.closes,
        time_zone: w.time_zone.clone(),
        state,
        days_left: left.num_seconds().div_euclid(86_400),
        seconds_left: left.num_seconds(),
        confirmed: w.confirmed,
        sources: w.sources.clone(),
    }
}

/// An application submitted after the window closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {year} PI hardship application window closed at {closes}; an application submitted at {at} is late"
)]
pub struct LateApplication {
    pub year: u16,
    pub closes: DateTime<FixedOffset>,
    pub at: DateTime<Utc>,
}

/// Refuses an application submitted at or after the deadline.
pub fn check_submission(rules: &RuleSet, at: DateTime<Utc>) -> Result<(), LateApplication> {
    let closes = rules.application_window.closes;
    if at >= closes.with_timezone(&Utc) {
        return Err(LateApplication {
            year: rules.year,
            closes,
            at,
        });
    }
    Ok(())
}

impl WindowStatus {
    /// "12 days 4 hours left (closes 2024-12-31 20:00 -05:00 America/New_York (ET))".
    pub fn describe(&self) -> String {
        let closes = format!(
            "{} {}",
            self.closes.format("%Y-%m-%d %H:%M %:z"),
            self.time_zone
        );
        let unconfirmed = if self.confirmed {
            ""
        } else {
            " [deadline hour UNCONFIRMED]"
        };
        match self.state {
            WindowState::Closed => format!("closed (closed {closes}){unconfirmed}"),
            _ => {
                let hours = (self.seconds_left % 86_400) / 3_600;
                let opens = match (self.state, self.opens) {
                    (WindowState::NotYetOpen, Some(o)) => format!(", not open until {o}"),
                    _ => String::new(),
                };
                format!(
                    "{} days {hours} hours left (closes {closes}){opens}{unconfirmed}",
                    self.days_left
                )
            }
        }
    }
}

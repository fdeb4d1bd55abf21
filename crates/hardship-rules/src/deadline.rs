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
    /// CMS has not announced the year's window (a provisional year): no date is invented.
    NotAnnounced,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowStatus {
    pub year: u16,
    pub opens: Option<NaiveDate>,
    /// The deadline, when CMS has announced it.
    pub closes: Option<DateTime<FixedOffset>>,
    pub time_zone: String,
    pub state: WindowState,
    /// Whole days left until the deadline (0 on the last day; negative once closed); none when the
    /// deadline is not announced.
    pub days_left: Option<i64>,
    /// Seconds left until the deadline (negative once closed).
    pub seconds_left: Option<i64>,
    pub confirmed: bool,
    pub sources: Vec<String>,
}

/// The window's state at `now`.
pub fn window_status(rules: &RuleSet, now: DateTime<Utc>) -> WindowStatus {
    let w = &rules.application_window;
    let left: Option<TimeDelta> = w.closes.map(|c| c.with_timezone(&Utc) - now);
    let state = match left {
        None => WindowState::NotAnnounced,
        Some(l) if l <= TimeDelta::zero() => WindowState::Closed,
        Some(_) if w.opens.is_some_and(|o| now.date_naive() < o) => WindowState::NotYetOpen,
        Some(_) => WindowState::Open,
    };
    WindowStatus {
        year: rules.year,
        opens: w.opens,
        closes: w.closes,
        time_zone: w.time_zone.clone(),
        state,
        days_left: left.map(|l| l.num_seconds().div_euclid(86_400)),
        seconds_left: left.map(|l| l.num_seconds()),
        confirmed: w.confirmed,
        sources: w.sources.clone(),
    }
}

/// An application that cannot be submitted at this instant: after the window closed, or before CMS has
/// announced the window at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LateApplication {
    #[error(
        "the {year} PI hardship application window closed at {closes}; an application submitted at {at} is late"
    )]
    Closed {
        year: u16,
        closes: DateTime<FixedOffset>,
        at: DateTime<Utc>,
    },
    #[error(
        "CMS has not announced the {year} PI hardship application window yet; an application cannot be submitted before it opens"
    )]
    NotAnnounced { year: u16 },
}

/// Refuses an application submitted at or after the deadline, or while the window is not announced.
pub fn check_submission(rules: &RuleSet, at: DateTime<Utc>) -> Result<(), LateApplication> {
    let Some(closes) = rules.application_window.closes else {
        return Err(LateApplication::NotAnnounced { year: rules.year });
    };
    if at >= closes.with_timezone(&Utc) {
        return Err(LateApplication::Closed {
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
        let (Some(closes), Some(days_left), Some(seconds_left)) =
            (self.closes, self.days_left, self.seconds_left)
        else {
            let unconfirmed = if self.confirmed { "" } else { " [UNCONFIRMED]" };
            return format!(
                "not yet announced: CMS has not published the {} application window{unconfirmed}",
                self.year
            );
        };
        let closes = format!("{} {}", closes.format("%Y-%m-%d %H:%M %:z"), self.time_zone);
        let unconfirmed = if self.confirmed {
            ""
        } else {
            " [deadline hour UNCONFIRMED]"
        };
        match self.state {
            WindowState::Closed => format!("closed (closed {closes}){unconfirmed}"),
            _ => {
                let hours = (seconds_left % 86_400) / 3_600;
                let opens = match (self.state, self.opens) {
                    (WindowState::NotYetOpen, Some(o)) => format!(", not open until {o}"),
                    _ => String::new(),
                };
                format!("{days_left} days {hours} hours left (closes {closes}){opens}{unconfirmed}")
            }
        }
    }
}

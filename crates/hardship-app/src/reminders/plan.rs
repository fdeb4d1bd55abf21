//! When reminders are due and who gets which practices: pure functions of the clock and the portfolio.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use hardship_store::{Membership, PracticeId, Role, User};

/// Days before a deadline at which its reminder goes out, nearest first.
pub const DEADLINE_DAYS: [i64; 3] = [1, 7, 30];

/// The deadline reminder due at `now` for a window closing at `closes`: the nearest threshold already
/// passed (30, 7 or 1 days before), none before the first or once the window has closed. Only the
/// nearest: a job that did not run between 30 and 7 days before sends the 7-day one, not both.
pub fn deadline_due(closes: DateTime<Utc>, now: DateTime<Utc>) -> Option<i64> {
    if now >= closes {
        return None;
    }
    DEADLINE_DAYS
        .iter()
        .copied()
        .find(|d| now >= closes - Duration::days(*d))
}

/// Whole days left, rounded up (half a day left is "1 day").
pub fn days_left(closes: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (closes - now).num_seconds().max(0);
    (secs + 86_399) / 86_400
}

/// The weekly digest's period when `now` is a Monday (UTC): its ISO week, `2026-W47`.
pub fn weekly_period(now: DateTime<Utc>) -> Option<String> {
    (now.weekday() == Weekday::Mon).then(|| {
        let w = now.iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    })
}

/// One practice-year with work open, as a reminder lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub practice: PracticeId,
    pub name: String,
    pub tin: String,
    pub year: u16,
    /// Clinicians not reweighted and not covered by an application.
    pub needs_application: u32,
    /// Applications drafted or ready but not sent to CMS.
    pub unsent: u32,
    /// Applications sent, CMS's decision not yet recorded.
    pub awaiting_decision: u32,
    /// What the practice-year still lacks (evidence, CMS's e-mail, …), in words.
    pub missing: Vec<String>,
}

impl Line {
    /// At risk before a deadline: someone still needs an application, or one is not yet sent.
    pub fn at_risk(&self) -> bool {
        self.needs_application > 0 || self.unsent > 0
    }

    /// Anything still to do (the weekly digest).
    pub fn open(&self) -> bool {
        self.at_risk() || self.awaiting_decision > 0 || !self.missing.is_empty()
    }
}

/// Who hears about which practices. There are no assignees yet, so every owner and staff member hears
/// of every practice listed (auditors act on nothing and are not asked to); when practices get
/// assignees, this is the one place that narrows each person's list. People with nothing listed get no
/// message.
pub fn recipients<'a>(
    members: &'a [(Membership, User)],
    lines: &[Line],
) -> Vec<(&'a Membership, &'a User, Vec<Line>)> {
    if lines.is_empty() {
        return Vec::new();
    }
    members
        .iter()
        .filter(|(m, _)| matches!(m.role, Role::Owner | Role::Staff))
        .map(|(m, u)| (m, u, lines.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_nearest_threshold_passed_is_due() {
        let closes = Utc.with_ymd_and_hms(2027, 1, 1, 1, 0, 0).unwrap();
        let at = |d: i64, h: i64| closes - Duration::days(d) - Duration::hours(h);
        assert_eq!(deadline_due(closes, at(31, 0)), None);
        assert_eq!(deadline_due(closes, at(30, 0)), Some(30));
        assert_eq!(deadline_due(closes, at(29, 5)), Some(30));
        assert_eq!(deadline_due(closes, at(7, 0)), Some(7));
        assert_eq!(deadline_due(closes, at(6, 0)), Some(7));
        assert_eq!(deadline_due(closes, at(0, 12)), Some(1));
        assert_eq!(deadline_due(closes, closes), None, "closed");
        assert_eq!(days_left(closes, at(29, 5)), 30);
        assert_eq!(days_left(closes, at(0, 12)), 1);
    }

    #[test]
    fn the_weekly_digest_is_a_monday_thing() {
        let monday = Utc.with_ymd_and_hms(2026, 11, 16, 6, 0, 0).unwrap();
        assert_eq!(weekly_period(monday).as_deref(), Some("2026-W47"));
        assert_eq!(weekly_period(monday + Duration::days(1)), None);
        let new_year = Utc.with_ymd_and_hms(2024, 12, 30, 0, 0, 0).unwrap();
        assert_eq!(
            weekly_period(new_year).as_deref(),
            Some("2025-W01"),
            "ISO week-year"
        );
    }
}

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
    /// The member who works it in the queue (an e-mail), if someone was assigned.
    pub assignee: Option<String>,
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

/// Who hears about which practices: an assigned practice-year goes to its assignee alone; an unassigned
/// one to every owner and staff member (auditors act on nothing and are not asked to). An assignee who is
/// no longer an owner or staff member is treated as unassigned, so nothing falls through. People with
/// nothing listed get no message.
pub fn recipients<'a>(
    members: &'a [(Membership, User)],
    lines: &[Line],
) -> Vec<(&'a Membership, &'a User, Vec<Line>)> {
    let acting = |m: &Membership| matches!(m.role, Role::Owner | Role::Staff);
    let assigned_to = |l: &Line| {
        l.assignee.as_deref().and_then(|a| {
            members
                .iter()
                .find(|(m, u)| acting(m) && u.email.eq_ignore_ascii_case(a))
                .map(|(_, u)| u.id)
        })
    };
    members
        .iter()
        .filter(|(m, _)| acting(m))
        .filter_map(|(m, u)| {
            let mine: Vec<Line> = lines
                .iter()
                .filter(|l| assigned_to(l).is_none_or(|who| who == u.id))
                .cloned()
                .collect();
            (!mine.is_empty()).then_some((m, u, mine))
        })
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

    #[test]
    fn an_assigned_practice_goes_to_its_assignee_and_the_rest_to_every_owner_and_staff_member() {
        let tenant = hardship_store::TenantId(uuid::Uuid::from_u128(1));
        let member = |n: u128, email: &str, role: Role| {
            let id = hardship_store::UserId(uuid::Uuid::from_u128(n));
            (
                Membership {
                    tenant,
                    user: id,
                    role,
                },
                User {
                    id,
                    email: email.into(),
                    password_hash: String::new(),
                    created_at: Utc::now(),
                },
            )
        };
        let members = vec![
            member(1, "owner@acme.test", Role::Owner),
            member(2, "ana@acme.test", Role::Staff),
            member(3, "audit@acme.test", Role::Auditor),
        ];
        let line = |n: u128, assignee: Option<&str>| Line {
            practice: PracticeId(uuid::Uuid::from_u128(n)),
            name: format!("P{n}"),
            tin: "12-3456789".into(),
            year: 2026,
            needs_application: 1,
            unsent: 0,
            awaiting_decision: 0,
            missing: vec![],
            assignee: assignee.map(str::to_owned),
        };
        // Ana's, nobody's, and one assigned to an auditor (who acts on nothing: everyone hears of it).
        let lines = [
            line(1, Some("ANA@acme.test")),
            line(2, None),
            line(3, Some("audit@acme.test")),
        ];
        let got: Vec<(&str, Vec<String>)> = recipients(&members, &lines)
            .into_iter()
            .map(|(_, u, ls)| (u.email.as_str(), ls.into_iter().map(|l| l.name).collect()))
            .collect();
        assert_eq!(
            got,
            [
                ("owner@acme.test", vec!["P2".to_owned(), "P3".to_owned()]),
                (
                    "ana@acme.test",
                    vec!["P1".to_owned(), "P2".to_owned(), "P3".to_owned()]
                ),
            ]
        );
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Application windows (RULEBOOK §2.1): deadlines per year, lateness at the second, days left.

use super::rules;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::deadline::{LateApplication, WindowState, check_submission, window_status};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Published deadlines per year, 8 p.m. ET: [APMA-2017] [QSOURCE-2018] [PALTC-2019] [AASM-2020]
/// [AAPMR-2021] [HITA-2022] [EYEF-2022] (Jan 3 2023) [PALTC-2023] [QPP-EA-2023] (Jan 2 2024) [PALTC-2024]
/// [QPP-EA-2025] [MEDISYS-2026] [TEXMED-2026]; opening dates where a first notice was seen.
#[test]
fn deadline_per_year_rulebook_2_1() {
    let want: [(u16, &str, Option<&str>); 10] = [
        (2017, "2018-01-01T01:00:00Z", Some("2017-08-07")),
        (2018, "2019-01-01T01:00:00Z", None),
        (2019, "2020-01-01T01:00:00Z", Some("2019-08-22")),
        (2020, "2021-01-01T01:00:00Z", None),
        (2021, "2022-01-01T01:00:00Z", Some("2021-05-21")),
        (2022, "2023-01-04T01:00:00Z", None),
        (2023, "2024-01-03T01:00:00Z", None),
        (2024, "2025-01-01T01:00:00Z", Some("2024-05-16")),
        (2025, "2026-01-01T01:00:00Z", Some("2025-05-30")),
        (2026, "2027-01-01T01:00:00Z", None),
    ];
    for (year, closes, opens) in want {
        let w = &rules(year).application_window;
        let c = w.closes.unwrap();
        assert_eq!(c.with_timezone(&Utc), at(closes), "PY {year}");
        // Eastern Standard Time, as published ("8 p.m. ET").
        assert_eq!(c.offset().local_minus_utc(), -5 * 3600, "PY {year}");
        assert_eq!(
            w.opens,
            opens.map(|d| d.parse::<NaiveDate>().unwrap()),
            "PY {year}"
        );
        assert!(!w.sources.is_empty());
    }
    // The 2026 hour comes only from a secondary source: shown as unconfirmed.
    let s = window_status(rules(2026), at("2026-12-01T00:00:00Z"));
    assert!(!s.confirmed);
    assert!(s.describe().contains("UNCONFIRMED"));
    assert!(window_status(rules(2024), at("2024-12-01T00:00:00Z")).confirmed);
}

/// PY 2022 closed Tue Jan 3 2023, 8 p.m. ET = 2023-01-04 01:00 UTC [HITA-2022] [EYEF-2022]: at that instant an
/// application is late, one second earlier it is not.
#[test]
fn py2022_deadline_to_the_second_hita_2022() {
    let set = rules(2022);
    assert_eq!(
        set.application_window.closes.unwrap().to_rfc3339(),
        "2023-01-03T20:00:00-05:00"
    );
    assert!(check_submission(set, at("2023-01-04T00:59:59Z")).is_ok());
    let late = check_submission(set, at("2023-01-04T01:00:00Z")).unwrap_err();
    assert!(matches!(late, LateApplication::Closed { year: 2022, .. }));
    let msg = late.to_string();
    assert!(msg.contains("2022") && msg.contains("late"), "{msg}");
    assert!(check_submission(set, at("2023-01-04T01:00:01Z")).is_err());
    // The same instant written in Eastern time.
    assert!(check_submission(set, at("2023-01-03T19:59:59-05:00")).is_ok());
    assert!(check_submission(set, at("2023-01-03T20:00:00-05:00")).is_err());
    // Dec 31 2022 (the usual date) was not the deadline: still open then.
    let s = window_status(set, at("2023-01-01T12:00:00Z"));
    assert_eq!(s.state, WindowState::Open);
}

/// Days and seconds left on given instants (PY 2022 window [HITA-2022]).
#[test]
fn days_left_on_given_instants() {
    let set = rules(2022);
    let cases = [
        // (now, state, days_left, seconds_left)
        ("2022-12-04T01:00:00Z", WindowState::Open, 31, 31 * 86_400),
        ("2023-01-03T01:00:00Z", WindowState::Open, 1, 86_400),
        ("2023-01-03T01:00:01Z", WindowState::Open, 0, 86_399),
        ("2023-01-04T00:59:59Z", WindowState::Open, 0, 1),
        ("2023-01-04T01:00:00Z", WindowState::Closed, 0, 0),
        ("2023-01-04T01:00:01Z", WindowState::Closed, -1, -1),
        ("2023-01-06T01:00:00Z", WindowState::Closed, -2, -2 * 86_400),
    ];
    for (now, state, days, secs) in cases {
        let s = window_status(set, at(now));
        assert_eq!(s.state, state, "{now}");
        assert_eq!(s.days_left, Some(days), "{now}");
        assert_eq!(s.seconds_left, Some(secs), "{now}");
        assert_eq!(s.year, 2022);
    }
    let s = window_status(set, at("2023-01-02T21:00:00Z"));
    assert_eq!(
        s.describe().split(" (").next().unwrap(),
        "1 days 4 hours left"
    );
    let s = window_status(set, at("2023-01-05T00:00:00Z"));
    assert!(s.describe().starts_with("closed"), "{}", s.describe());
}

/// Before the first day applications were seen accepted the window is "not yet open" (PY 2024 opened
/// May 16 2024 [PALTC-2024]); a year without a known opening date is open until it closes.
#[test]
fn not_yet_open_before_opens() {
    let set = rules(2024);
    let s = window_status(set, at("2024-05-15T12:00:00Z"));
    assert_eq!(s.state, WindowState::NotYetOpen);
    assert!(s.days_left.unwrap() > 200);
    assert!(
        s.describe().contains("not open until 2024-05-16"),
        "{}",
        s.describe()
    );
    assert_eq!(
        window_status(set, at("2024-05-16T12:00:00Z")).state,
        WindowState::Open
    );
    assert_eq!(
        window_status(set, at("2024-01-01T00:00:00Z")).state,
        WindowState::NotYetOpen
    );
    // PY 2022 has no opening date in the rule book: open at any time before the deadline.
    assert_eq!(
        window_status(rules(2022), at("2022-01-01T00:00:00Z")).state,
        WindowState::Open
    );
    // Every year: closed after its deadline, refused by `check_submission`.
    for year in 2017..=2026 {
        let set = rules(year);
        let closes = set.application_window.closes.unwrap().with_timezone(&Utc);
        assert_eq!(window_status(set, closes).state, WindowState::Closed);
        assert!(check_submission(set, closes).is_err());
        assert!(check_submission(set, closes - chrono::TimeDelta::seconds(1)).is_ok());
    }
}

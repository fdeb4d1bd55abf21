//! The targeted-review window of a year (42 CFR 414.1385(a)(1)): open, closed or not announced at a
//! given instant, the time left, and whether a request sent at an instant is late. The instant is a
//! parameter; this crate never reads a clock. An UNCONFIRMED window (a projection, or an hour no source
//! states) never blocks: a request after it is allowed with a warning, because refusing on a guess could
//! cost a practice its only appeal.

use crate::deadline::WindowState;
use crate::ruleset::{ReviewReason, RuleSet};
#[cfg(test)]
use chrono::Datelike as _;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

/// The source that makes CMS's decision final ("no further review or appeal").
pub const FINALITY_SOURCE: &str = "ECFR-414.1385-2019";

/// The targeted-review window of a year at an instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewWindowStatus {
    pub year: u16,
    /// The day CMS released the final scores, when known.
    pub opens: Option<NaiveDate>,
    /// The close, when announced (or projected, then `confirmed` is false).
    pub closes: Option<DateTime<FixedOffset>>,
    pub time_zone: String,
    pub state: WindowState,
    /// Whole days left (0 on the last day; negative once closed).
    pub days_left: Option<i64>,
    pub seconds_left: Option<i64>,
    /// False when a source does not state the dates: shown as UNCONFIRMED, and never blocks.
    pub confirmed: bool,
    pub sources: Vec<String>,
    pub note: Option<String>,
}

/// The year's targeted-review window at `now`.
pub fn review_window(rules: &RuleSet, now: DateTime<Utc>) -> ReviewWindowStatus {
    let w = &rules.targeted_review;
    let left: Option<TimeDelta> = w.closes.map(|c| c.with_timezone(&Utc) - now);
    let state = match left {
        None => WindowState::NotAnnounced,
        Some(l) if l <= TimeDelta::zero() => WindowState::Closed,
        Some(_) if w.opens.is_some_and(|o| now.date_naive() < o) => WindowState::NotYetOpen,
        Some(_) => WindowState::Open,
    };
    ReviewWindowStatus {
        year: rules.year,
        opens: w.opens,
        closes: w.closes,
        time_zone: w.time_zone.clone(),
        state,
        days_left: left.map(|l| l.num_seconds().div_euclid(86_400)),
        seconds_left: left.map(|l| l.num_seconds()),
        confirmed: w.confirmed,
        sources: w.sources.clone(),
        note: w.note.clone(),
    }
}

/// A request that cannot be sent: the confirmed window closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the PY {year} targeted-review window closed at {closes} ({time_zone}); a request sent at {at} is late"
)]
pub struct LateReview {
    pub year: u16,
    pub closes: DateTime<FixedOffset>,
    pub time_zone: String,
    pub at: DateTime<Utc>,
}

/// Whether a request sent at `at` is on time. `Err` only when a confirmed window has closed;
/// `Ok(Some(warning))` when the window is UNCONFIRMED and the request may be late or early.
pub fn check_review_submission(
    rules: &RuleSet,
    at: DateTime<Utc>,
) -> Result<Option<String>, LateReview> {
    let w = &rules.targeted_review;
    let Some(closes) = w.closes else {
        return Ok(Some(format!(
            "CMS has not announced the PY {} targeted-review window (UNCONFIRMED): check that CMS is \
             accepting requests",
            rules.year
        )));
    };
    let late = at >= closes.with_timezone(&Utc);
    match (late, w.confirmed) {
        (true, true) => Err(LateReview {
            year: rules.year,
            closes,
            time_zone: w.time_zone.clone(),
            at,
        }),
        (true, false) => Ok(Some(format!(
            "after the PY {} targeted-review window's UNCONFIRMED close ({}): not refused, because no \
             source states the date; check that CMS still accepts the request",
            rules.year,
            closes.format("%Y-%m-%d %H:%M %:z")
        ))),
        (false, false) => Ok(Some(format!(
            "the PY {} targeted-review window's close ({}) is UNCONFIRMED",
            rules.year,
            closes.format("%Y-%m-%d %H:%M %:z")
        ))),
        (false, true) => Ok(None),
    }
}

impl ReviewWindowStatus {
    /// "12 days 4 hours left (closes 2025-11-14 20:00 -05:00 America/New_York (ET))".
    pub fn describe(&self) -> String {
        let unconfirmed = if self.confirmed { "" } else { " [UNCONFIRMED]" };
        let (Some(closes), Some(days), Some(secs)) =
            (self.closes, self.days_left, self.seconds_left)
        else {
            return format!(
                "not yet announced: CMS has not published the PY {} targeted-review window{unconfirmed}",
                self.year
            );
        };
        let at = format!("{} {}", closes.format("%Y-%m-%d %H:%M %:z"), self.time_zone);
        match self.state {
            WindowState::Closed => format!("closed (closed {at}){unconfirmed}"),
            WindowState::NotYetOpen => format!(
                "not open until {} (closes {at}){unconfirmed}",
                self.opens.map(|o| o.to_string()).unwrap_or_default()
            ),
            _ => format!(
                "{days} days {} hours left (closes {at}){unconfirmed}",
                (secs % 86_400) / 3_600
            ),
        }
    }
}

/// The year's reason with this code.
pub fn reason<'r>(rules: &'r RuleSet, code: &str) -> Option<&'r ReviewReason> {
    rules
        .targeted_review_reasons
        .iter()
        .find(|r| r.reason == code)
}

/// The reasons a discrepancy found in CMS's final feedback suggests (its code, as the feedback
/// reconciliation writes it), among those the year lists.
pub fn reasons_for_discrepancies(rules: &RuleSet, codes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let want = match code.as_str() {
            "approved_hardship_not_applied" => "hardship_not_applied",
            "automatic_reweighting_not_applied" | "pi_weighted_expected_reweighted" => {
                if reason(rules, "eligibility_special_status").is_some() {
                    "eligibility_special_status"
                } else {
                    "eligibility"
                }
            }
            _ => "other",
        };
        if reason(rules, want).is_some() && !out.iter().any(|r| r == want) {
            out.push(want.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PerformanceYear, RuleBook};
    use chrono::TimeZone;

    fn rules(y: u16) -> RuleSet {
        let book = RuleBook::embedded().unwrap();
        book.year(PerformanceYear::new(y).unwrap()).clone()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    /// PY 2024 closed 8 p.m. ET November 14, 2025 = 01:00 UTC November 15 (PALTMED-2025TR: "Open Until
    /// 8:00 PM ET November 14"): open one second before, refused at the second itself.
    #[test]
    fn py2024_closes_to_the_second_and_refuses_a_late_request() {
        let r = rules(2024);
        let before = utc(2025, 11, 15, 0, 59, 59);
        let at = utc(2025, 11, 15, 1, 0, 0);
        let w = review_window(&r, before);
        assert_eq!(w.state, WindowState::Open);
        assert_eq!((w.days_left, w.seconds_left), (Some(0), Some(1)));
        assert_eq!(check_review_submission(&r, before), Ok(None));
        assert_eq!(review_window(&r, at).state, WindowState::Closed);
        let err = check_review_submission(&r, at).unwrap_err();
        assert!(
            err.to_string().contains("2025-11-14 20:00:00 -05:00"),
            "{err}"
        );
    }

    /// PY 2023 opened with the feedback on August 14, 2024 (NWAHEC-2023FB) and closed 8 p.m. EDT
    /// October 11, 2024 (AMA-2024TR): about 58 days, the "about 60 days" of 414.1385(a)(1).
    #[test]
    fn py2023_window_is_the_published_one() {
        let r = rules(2023);
        assert_eq!(
            review_window(&r, utc(2024, 8, 13, 12, 0, 0)).state,
            WindowState::NotYetOpen
        );
        let w = review_window(&r, utc(2024, 8, 14, 12, 0, 0));
        assert_eq!(w.state, WindowState::Open);
        assert_eq!(w.days_left, Some(58));
        assert!(w.confirmed);
        assert!(w.describe().starts_with("58 days"), "{}", w.describe());
        assert_eq!(
            review_window(&r, utc(2024, 10, 12, 0, 0, 0)).state,
            WindowState::Closed
        );
    }

    /// PY 2017's window was extended from October 1 to October 15, 2018 (AAFP-2018TR): a request on
    /// October 10 is on time.
    #[test]
    fn py2017_extension_is_the_close() {
        let r = rules(2017);
        assert_eq!(
            check_review_submission(&r, utc(2018, 10, 10, 12, 0, 0)),
            Ok(None)
        );
        assert!(check_review_submission(&r, utc(2018, 10, 16, 12, 0, 0)).is_err());
    }

    /// PY 2025's dates are a projection (no CMS text found): after the projected close a request is
    /// warned about, not refused, and the window says UNCONFIRMED.
    #[test]
    fn an_unconfirmed_window_warns_and_never_blocks() {
        let r = rules(2025);
        let late = utc(2026, 11, 16, 15, 0, 0);
        let w = review_window(&r, late);
        assert_eq!(w.state, WindowState::Closed);
        assert!(!w.confirmed);
        assert!(w.describe().contains("UNCONFIRMED"), "{}", w.describe());
        let warning = check_review_submission(&r, late).unwrap().unwrap();
        assert!(
            warning.contains("UNCONFIRMED") && warning.contains("not refused"),
            "{warning}"
        );
        let early = check_review_submission(&r, utc(2026, 10, 1, 0, 0, 0)).unwrap();
        assert!(early.unwrap().contains("UNCONFIRMED"));
    }

    /// PY 2026's final scores come in 2027: no window is invented.
    #[test]
    fn an_unannounced_window_has_no_dates() {
        let r = rules(2026);
        let w = review_window(&r, utc(2026, 11, 16, 15, 0, 0));
        assert_eq!(w.state, WindowState::NotAnnounced);
        assert_eq!(w.closes, None);
        assert!(w.describe().contains("not yet announced"));
        assert!(
            check_review_submission(&r, utc(2026, 11, 16, 15, 0, 0))
                .unwrap()
                .is_some()
        );
    }

    /// Every year carries a window and CMS's reasons with sources; only PY 2018 closed on the
    /// regulation's September 30 (414.1385(a)(1) "or a later date specified by CMS").
    #[test]
    fn every_year_has_reasons_and_the_closes_are_in_the_year_after() {
        let book = RuleBook::embedded().unwrap();
        for y in 2017..=2027u16 {
            let r = book.year(PerformanceYear::new(y).unwrap());
            assert!(reason(r, "other").is_some(), "{y}");
            assert!(reason(r, "hardship_not_applied").is_some(), "{y}");
            if let Some(c) = r.targeted_review.closes {
                assert_eq!(c.date_naive().year(), i32::from(y) + 1, "{y}");
                assert!(!r.targeted_review.sources.is_empty(), "{y}");
            }
        }
        assert_eq!(
            rules(2018).targeted_review.closes.map(|c| c.date_naive()),
            NaiveDate::from_ymd_opt(2019, 9, 30)
        );
    }

    #[test]
    fn discrepancies_suggest_the_years_reasons() {
        let r = rules(2024);
        let got = reasons_for_discrepancies(
            &r,
            &[
                "approved_hardship_not_applied".into(),
                "final_score_differs".into(),
                "pi_weighted_expected_reweighted".into(),
            ],
        );
        assert_eq!(
            got,
            [
                "hardship_not_applied",
                "other",
                "eligibility_special_status"
            ]
        );
        let r = rules(2017);
        assert_eq!(
            reasons_for_discrepancies(&r, &["automatic_reweighting_not_applied".into()]),
            ["eligibility"]
        );
    }
}

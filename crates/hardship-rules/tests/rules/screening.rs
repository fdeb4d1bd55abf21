#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `screening::screen`: every reason's yes and no branches, lacking CEHRT alone, already-automatic subjects,
//! and facts `PracticeFacts::validate` refuses.

use super::{py, rules};
use chrono::NaiveDate;
use hardship_rules::HardshipReason;
use hardship_rules::eligibility::{Case, ClinicianFacts, Subject, decide};
use hardship_rules::screening::{EucEvent, EucKind, PracticeFacts, Screening, screen};
use hardship_rules::{ClinicianType, ReportingLevel};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Facts of a practice that has CEHRT and reports nothing else.
fn facts() -> PracticeFacts {
    PracticeFacts {
        has_cehrt: true,
        ..PracticeFacts::default()
    }
}

fn verdict(s: &Screening, r: HardshipReason) -> (bool, String) {
    let v = s.reasons.iter().find(|v| v.reason == r).unwrap();
    (v.may_cite, v.why.clone())
}

#[track_caller]
fn assert_may(year: u16, f: &PracticeFacts, r: HardshipReason, want: bool, why_contains: &str) {
    let s = screen(rules(year), f, None);
    let (may, why) = verdict(&s, r);
    assert_eq!(may, want, "PY {year} {r}: {why}");
    assert!(
        why.contains(why_contains),
        "PY {year} {r}: {why:?} lacks {why_contains:?}"
    );
}

/// A screening lists every reason once, with its criteria and sources.
#[test]
fn every_reason_is_listed_with_sources() {
    for year in 2017..=2026 {
        let s = screen(rules(year), &facts(), None);
        assert_eq!(s.year, year);
        assert_eq!(s.reasons.len(), HardshipReason::ALL.len());
        for &r in HardshipReason::ALL {
            assert_eq!(s.reasons.iter().filter(|v| v.reason == r).count(), 1);
        }
        for v in &s.reasons {
            assert!(!v.sources.is_empty(), "PY {year} {}", v.reason);
            assert!(!v.criteria.is_empty());
            assert!(!v.may_cite, "PY {year} {}: nothing reported", v.reason);
        }
        assert!(!s.needs_to_apply);
        assert!(!s.lacking_cehrt_only);
    }
}

/// Small practice reason, 2018–2021 only, needs ≤ 15 clinicians and documented overwhelming barriers
/// (42 CFR 414.1380(c)(2)(i)(C)(9) [ECFR-414.1380-2020] [ECFR-414.1380-2023]).
#[test]
fn small_practice_reason_branches_ecfr_414_1380_c_2_i_c_9() {
    use HardshipReason::SmallPractice as SP;
    let y = 2019;
    assert_may(y, &facts(), SP, false, "give the number of clinicians");
    let f = PracticeFacts {
        clinician_count: Some(16),
        overwhelming_barriers: true,
        ..facts()
    };
    assert_may(
        y,
        &f,
        SP,
        false,
        "16 clinicians bill under the TIN; the limit is 15",
    );
    let f = PracticeFacts {
        clinician_count: Some(15),
        ..facts()
    };
    assert_may(y, &f, SP, false, "overwhelming barriers");
    let f = PracticeFacts {
        clinician_count: Some(15),
        overwhelming_barriers: true,
        ..facts()
    };
    assert_may(y, &f, SP, true, "keep the documentation");
    let s = screen(rules(y), &f, None);
    assert!(s.needs_to_apply);
    assert!(
        s.advice
            .iter()
            .any(|a| a.contains("at least 6 years (10 recommended)")),
        "{:?}",
        s.advice
    );
    assert!(
        s.advice
            .iter()
            .any(|a| a.starts_with("Apply before the deadline: 2019-12-31 20:00 -05:00"))
    );
    for year in [2018, 2020, 2021] {
        assert_may(year, &f, SP, true, "");
    }
    // Not a reason in 2017 [QPP-HE-2017] nor from 2022 (automatic) [AAO-2022].
    for year in [2017, 2022, 2023, 2024, 2025, 2026] {
        assert_may(
            year,
            &f,
            SP,
            false,
            &format!("{year} does not accept this reason"),
        );
    }
}

/// Decertified EHR: during the performance period or the preceding calendar year, with a good-faith effort
/// to replace it, at most 5 years (414.1380(c)(2)(i)(C)(8) [ECFR-414.1380-2020]); not a reason in 2017
/// [QPP-HE-2017].
#[test]
fn decertified_ehr_branches_and_look_back_ecfr_414_1380_c_2_i_c_8() {
    use HardshipReason::DecertifiedEhr as D;
    let y = 2024;
    assert_may(y, &facts(), D, false, "no decertification date");
    let on = |d: NaiveDate| PracticeFacts {
        ehr_decertified_on: Some(d),
        good_faith_new_cehrt: true,
        ..facts()
    };
    // Inside the look-back: Jan 1 of the preceding year through Dec 31 of the performance year.
    for d in [
        date(2023, 1, 1),
        date(2023, 7, 1),
        date(2024, 1, 1),
        date(2024, 12, 31),
    ] {
        assert_may(
            y,
            &on(d),
            D,
            true,
            "within the performance period or the year before",
        );
    }
    // Outside it: refused.
    assert_may(
        y,
        &on(date(2022, 12, 31)),
        D,
        false,
        "before the calendar year preceding 2024",
    );
    assert_may(
        y,
        &on(date(2025, 1, 1)),
        D,
        false,
        "after the 2024 performance period",
    );
    // No good-faith effort.
    let f = PracticeFacts {
        good_faith_new_cehrt: false,
        ..on(date(2024, 3, 1))
    };
    assert_may(y, &f, D, false, "good-faith effort");
    // Five years used already.
    let f = PracticeFacts {
        decertified_exception_years_used: 5,
        ..on(date(2024, 3, 1))
    };
    assert_may(y, &f, D, false, "more than 5 years");
    let f = PracticeFacts {
        decertified_exception_years_used: 4,
        ..on(date(2024, 3, 1))
    };
    assert_may(y, &f, D, true, "");
    // 2017: not accepted whatever the facts.
    assert_may(
        2017,
        &on(date(2017, 3, 1)),
        D,
        false,
        "2017 does not accept this reason",
    );
    assert_may(2018, &on(date(2017, 3, 1)), D, true, "");
}

/// Insufficient internet connectivity, every year [ACUMEN-2018] [QPP-HE-2017].
#[test]
fn insufficient_internet_branches() {
    use HardshipReason::InsufficientInternet as I;
    for year in 2017..=2026 {
        assert_may(year, &facts(), I, false, "no insufficient internet");
        let f = PracticeFacts {
            insufficient_internet: true,
            ..facts()
        };
        assert_may(year, &f, I, true, "lacks sufficient internet access");
    }
}

/// Extreme and uncontrollable circumstances: an event overlapping the performance year [ASCRS-2017b]
/// [NEQPP-2019].
#[test]
fn extreme_uncontrollable_branches() {
    use HardshipReason::ExtremeUncontrollable as E;
    let y = 2021;
    assert_may(y, &facts(), E, false, "no extreme and uncontrollable event");
    let ev = |start, end| PracticeFacts {
        event: Some(EucEvent {
            kind: EucKind::Disaster,
            start,
            end,
        }),
        ..facts()
    };
    assert_may(
        y,
        &ev(date(2021, 3, 1), Some(date(2021, 4, 1))),
        E,
        true,
        "falls in the 2021 performance period",
    );
    assert_may(y, &ev(date(2020, 6, 1), None), E, true, "ongoing");
    assert_may(
        y,
        &ev(date(2020, 6, 1), Some(date(2021, 1, 1))),
        E,
        true,
        "",
    );
    assert_may(y, &ev(date(2021, 12, 31), None), E, true, "");
    assert_may(
        y,
        &ev(date(2020, 1, 1), Some(date(2020, 12, 31))),
        E,
        false,
        "outside the 2021 performance period",
    );
    assert_may(y, &ev(date(2022, 1, 1), None), E, false, "outside");
}

/// Lack of control over CEHRT: 50 % or more of outpatient encounters (414.1380(c)(2)(i)(C)(4)
/// [ECFR-414.1380-2020]).
#[test]
fn lack_of_control_branches_ecfr_414_1380_c_2_i_c_4() {
    use HardshipReason::LackOfControlCehrt as L;
    let share = |s| PracticeFacts {
        share_encounters_without_cehrt_control: Some(s),
        ..facts()
    };
    for year in 2017..=2026 {
        assert_may(year, &facts(), L, false, "no share of encounters");
        assert_may(year, &share(0.49), L, false, "50% or more are needed");
        assert_may(year, &share(0.5), L, true, "50% of outpatient encounters");
        assert_may(year, &share(1.0), L, true, "");
    }
}

/// Lacking CEHRT alone is never a reason [QPP-HE-2017] [MSMS-2017] [HITA-2019].
#[test]
fn lacking_cehrt_alone_is_flagged_qpp_he_2017() {
    for year in 2017..=2026 {
        let f = PracticeFacts {
            has_cehrt: false,
            ..facts()
        };
        let s = screen(rules(year), &f, None);
        assert!(s.lacking_cehrt_only, "PY {year}");
        assert!(!s.needs_to_apply);
        assert!(
            s.advice
                .iter()
                .any(|a| a.contains("never a hardship reason")),
            "{:?}",
            s.advice
        );
        // Lacking CEHRT with a reason it may cite is not "alone".
        let f = PracticeFacts {
            insufficient_internet: true,
            ..f
        };
        let s = screen(rules(year), &f, None);
        assert!(!s.lacking_cehrt_only);
        assert!(s.needs_to_apply);
    }
}

/// Already reweighted automatically → no application needed ([TEXMED-2021] [AAPMR-2021] [HITA-2019]), and the
/// advice warns against submitting PI data (O1 [MACRAU]).
#[test]
fn already_automatic_needs_no_application() {
    let hb = ClinicianFacts {
        clinician_type: ClinicianType::Physician,
        hospital_based: true,
        non_patient_facing: false,
        asc_based: false,
    };
    let case = Case {
        year: py(2024),
        level: ReportingLevel::Individual,
        subject: Subject::Clinician(hb),
        practice_size: Some(40),
        application: None,
        pi_submission: false.into(),
        practice_zip: None,
        euc_reported_by_cms: false,
    };
    let d = decide(rules(2024), &case);
    let f = PracticeFacts {
        insufficient_internet: true,
        ..facts()
    };
    let s = screen(rules(2024), &f, Some(&d));
    assert!(!s.needs_to_apply);
    assert_eq!(
        s.automatic.as_deref(),
        Some("special_status:hospital_based")
    );
    assert!(
        s.advice[0].contains("no application needed"),
        "{:?}",
        s.advice
    );
    assert!(s.advice[0].contains("Do not submit any PI data"));
    // A decision that is not reweighted (PI submitted) does not count as automatic.
    let d = decide(
        rules(2024),
        &Case {
            pi_submission: true.into(),
            practice_zip: None,
            euc_reported_by_cms: false,
            ..case
        },
    );
    let s = screen(rules(2024), &f, Some(&d));
    assert!(s.needs_to_apply);
    assert_eq!(s.automatic, None);
}

/// Impossible facts are refused with the field named.
#[test]
fn validate_refuses_impossible_facts() {
    let f = PracticeFacts {
        event: Some(EucEvent {
            kind: EucKind::PracticeOrHospitalClosure,
            start: date(2024, 5, 2),
            end: Some(date(2024, 5, 1)),
        }),
        ..facts()
    };
    let e = f.validate().unwrap_err();
    assert_eq!(e.field, "event.end");
    assert_eq!(e.value, "2024-05-01");
    assert!(e.to_string().contains("2024-05-02"), "{e}");
    // Same day is fine; ongoing is fine.
    for end in [Some(date(2024, 5, 2)), None] {
        let f = PracticeFacts {
            event: Some(EucEvent {
                kind: EucKind::SevereFinancialDistress,
                start: date(2024, 5, 2),
                end,
            }),
            ..facts()
        };
        assert!(f.validate().is_ok());
    }
    for bad in [-0.01, 1.01, f64::NAN, f64::INFINITY] {
        let f = PracticeFacts {
            share_encounters_without_cehrt_control: Some(bad),
            ..facts()
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.field, "share_encounters_without_cehrt_control", "{bad}");
        assert_eq!(e.value, bad.to_string());
    }
    assert!(facts().validate().is_ok());
}

/// Facts arrive as JSON: unknown fields are refused, `has_cehrt` defaults to true, and a default-built value
/// means the same as an empty JSON object.
#[test]
fn practice_facts_from_json_and_default_agree() {
    let from_json: PracticeFacts = serde_json::from_str("{}").unwrap();
    assert!(from_json.has_cehrt);
    assert_eq!(PracticeFacts::default(), from_json);
    assert!(serde_json::from_str::<PracticeFacts>(r#"{"clinicians": 3}"#).is_err());
    let f: PracticeFacts = serde_json::from_str(
        r#"{"clinician_count": 12, "overwhelming_barriers": true,
            "event": {"kind": "ehr_vendor_issues", "start": "2020-03-01", "end": null}}"#,
    )
    .unwrap();
    assert_eq!(f.clinician_count, Some(12));
    assert_eq!(f.event.unwrap().kind, EucKind::EhrVendorIssues);
    // A default-built practice has CEHRT: nothing reported is not "lacking CEHRT".
    let s = screen(rules(2024), &PracticeFacts::default(), None);
    assert!(!s.lacking_cehrt_only);
}

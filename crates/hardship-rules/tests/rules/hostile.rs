//! Hostile input for the domain's parsers (`Npi`, `Tin`, `PerformanceYear`, `CategoryScore`,
//! `HardshipReason::parse_with_hint` and the coded enums): any text, including huge and non-ASCII text,
//! is parsed without panic into a value that keeps the type's promise, or refused with an error whose
//! echoed value is cut to a readable length. Failures are persisted in `proptest-regressions/hostile.txt`.

use hardship_rules::ids::npi_check_digit;
use hardship_rules::{
    ApplicationStatus, CategoryScore, ClinicianType, HardshipReason, InvalidValue, Npi,
    PerformanceYear, ReportingLevel, SpecialStatus, Tin,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/hostile.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Text a user or a hostile client might send: anything, digits with decorations, and long text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{0,12}",
        "[ \t]{0,2}[0-9-]{8,11}[ \t\n]{0,2}",
        "[0-9０-９٠-٩+.eE-]{0,12}",
        "[a-z_]{0,30}",
        (0usize..5000).prop_map(|n| "9".repeat(n)),
        (0usize..300).prop_map(|n| "\u{1}é".repeat(n)),
    ]
}

/// The error's echo is at most 64 characters and an ellipsis.
fn readable(e: &InvalidValue) -> Result<(), TestCaseError> {
    prop_assert!(
        e.value.chars().count() <= 65,
        "{} chars",
        e.value.chars().count()
    );
    prop_assert!(e.expected.chars().count() <= 400, "{}", e.expected);
    prop_assert!(e.to_string().chars().count() <= 600);
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn npi_parses_only_ten_digits_with_their_check_digit(t in text()) {
        match Npi::parse(&t) {
            Ok(n) => {
                let s = n.as_str();
                prop_assert_eq!(s, t.trim());
                prop_assert!(s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(s.as_bytes()[9] - b'0', npi_check_digit(&s.as_bytes()[..9]));
                prop_assert_eq!(n.to_string().parse::<Npi>().unwrap(), n);
            }
            Err(e) => {
                prop_assert_eq!(e.field, "npi");
                readable(&e)?;
            }
        }
    }

    #[test]
    fn every_single_digit_error_in_an_npi_is_caught(first in "[0-9]{9}", at in 0usize..10, by in 1u8..10) {
        let d = npi_check_digit(first.as_bytes());
        let good = format!("{first}{d}");
        prop_assert!(Npi::parse(&good).is_ok());
        let mut bad = good.into_bytes();
        bad[at] = b'0' + (bad[at] - b'0' + by) % 10;
        prop_assert!(Npi::parse(std::str::from_utf8(&bad).unwrap()).is_err(), "Luhn catches one changed digit");
    }

    #[test]
    fn tin_parses_only_nine_digits(t in text()) {
        match Tin::parse(&t) {
            Ok(tin) => {
                let s = tin.as_str();
                prop_assert!(s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()));
                let trimmed = t.trim();
                prop_assert!(trimmed == s || trimmed == format!("{}-{}", &s[..2], &s[2..]), "{:?}", t);
            }
            Err(e) => {
                prop_assert_eq!(e.field, "tin");
                readable(&e)?;
            }
        }
    }

    #[test]
    fn years_parse_only_inside_the_rule_book(t in text(), y in any::<u16>()) {
        match PerformanceYear::parse(&t) {
            Ok(py) => {
                prop_assert!((PerformanceYear::FIRST..=PerformanceYear::LAST).contains(&py.get()));
                prop_assert_eq!(py.to_string(), t.trim());
            }
            Err(e) => readable(&e)?,
        }
        let r = PerformanceYear::parse(&format!("{y:04}"));
        prop_assert_eq!(r.is_ok(), (2017..=2027).contains(&y));
    }

    #[test]
    fn scores_are_finite_percentages(t in text(), f in any::<f64>()) {
        match CategoryScore::parse("quality_score", &t) {
            Ok(s) => prop_assert!(s.percent().is_finite() && (0.0..=100.0).contains(&s.percent())),
            Err(e) => {
                prop_assert_eq!(e.field, "quality_score");
                readable(&e)?;
            }
        }
        match CategoryScore::new("pi_score", f) {
            Ok(s) => prop_assert_eq!(s.percent(), f),
            Err(e) => {
                prop_assert!(!(f.is_finite() && (0.0..=100.0).contains(&f)));
                readable(&e)?;
            }
        }
        if f.is_finite() && (0.0..=100.0).contains(&f) {
            let back = CategoryScore::parse("ia_score", &f.to_string()).unwrap();
            prop_assert_eq!(back.percent(), f, "the text form round-trips");
        }
    }

    #[test]
    fn codes_parse_to_themselves_and_lacking_cehrt_is_never_a_reason(t in text()) {
        match HardshipReason::parse_with_hint(&t) {
            Ok(r) => prop_assert_eq!(r.code(), t.trim()),
            Err(e) => {
                readable(&e)?;
                if ["lacking_cehrt", "no_cehrt", "lack_of_cehrt", "no_ehr", "lacking_ehr"].contains(&t.trim()) {
                    prop_assert!(e.expected.contains("CEHRT"), "{}", e);
                }
            }
        }
        // Every closed vocabulary: a code is accepted as itself, anything else is refused readably.
        macro_rules! closed {
            ($($t:ty),+) => {$(
                match <$t>::parse(&t) {
                    Ok(v) => prop_assert_eq!(v.code(), t.trim()),
                    Err(e) => readable(&e)?,
                }
                for v in <$t>::ALL {
                    prop_assert_eq!(<$t>::parse(&format!(" {} ", v.code())).unwrap(), *v);
                }
            )+};
        }
        closed!(ClinicianType, SpecialStatus, ApplicationStatus, ReportingLevel);
    }
}

#[test]
fn a_megabyte_of_digits_is_refused_with_a_short_echo() {
    let big = "1".repeat(1 << 20);
    for e in [
        Npi::parse(&big).unwrap_err(),
        Tin::parse(&big).unwrap_err(),
        PerformanceYear::parse(&big).unwrap_err(),
        CategoryScore::parse("pi_score", &big).unwrap_err(),
        HardshipReason::parse_with_hint(&big).unwrap_err(),
    ] {
        assert!(e.value.chars().count() <= 65, "{}", e.field);
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bad input for every newtype and enum: refused, and the error names the field and the value.

use hardship_rules::ids::npi_check_digit;
use hardship_rules::{
    ApplicationStatus, Category, CategoryScore, ClinicianType, HardshipReason, InvalidValue, Npi,
    PerformanceYear, ReportingLevel, SpecialStatus, Tin,
};

#[track_caller]
fn assert_names(e: &InvalidValue, field: &str, value: &str) {
    assert_eq!(e.field, field);
    assert_eq!(e.value, value);
    let text = e.to_string();
    assert!(text.contains(field), "{text}");
    assert!(text.contains(&format!("{value:?}")), "{text}");
}

/// Every vector of tests/fixtures/npi_test_vectors.csv (copied from the shared data set; CMS "Requirements
/// for NPI Check Digit" and third-party vectors, each re-checked with the algorithm).
#[test]
fn npi_test_vectors_from_fixture() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/npi_test_vectors.csv"
    );
    let mut reader = csv::Reader::from_path(path).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for row in reader.records() {
        let row = row.unwrap();
        let (value, expected, note) = (&row[0], &row[1], &row[2]);
        match Npi::parse(value) {
            Ok(npi) => {
                assert_eq!(expected, "valid", "{value} accepted");
                assert_eq!(npi.as_str(), value);
                assert_eq!(npi.to_string(), value);
                let first_nine = &value.as_bytes()[..9];
                assert_eq!(npi_check_digit(first_nine), value.as_bytes()[9] - b'0');
                valid += 1;
            }
            Err(e) => {
                assert_ne!(expected, "valid", "{value} refused: {e}");
                assert_names(&e, "npi", value);
                if let Some(digit) = note.strip_prefix("check digit should be ")
                    && value.len() == 10
                {
                    assert!(
                        e.to_string()
                            .contains(&format!("check digit should be {digit}")),
                        "{value}: {e}"
                    );
                }
                if note == "not 10 digits" || value.len() != 10 {
                    assert!(e.expected.contains("10 digits"), "{value}: {e}");
                }
                invalid += 1;
            }
        }
    }
    assert_eq!(valid + invalid, 23);
    assert_eq!(valid, 12);
}

/// The edge cases the fixture's README names: check digit 0, the CMS worked example, CMS's own sample.
#[test]
fn npi_edge_cases() {
    assert!(Npi::parse("1659872240").is_ok());
    assert_eq!(npi_check_digit(b"165987224"), 0);
    assert!(Npi::parse("1234567893").is_ok());
    let e = Npi::parse("1234567890").unwrap_err();
    assert!(e.to_string().contains("check digit should be 3"));
    // Surrounding spaces are trimmed; the stored value has none.
    assert_eq!(Npi::parse(" 1234567893 ").unwrap().as_str(), "1234567893");
    for bad in [
        "",
        " ",
        "12345678 93",
        "1234-567893",
        "１２３４５６７８９３",
        "0x12345678",
    ] {
        let e = Npi::parse(bad).unwrap_err();
        assert_names(&e, "npi", bad);
    }
    // Huge input: the error keeps a readable value.
    let huge = "9".repeat(10_000);
    let e = Npi::parse(&huge).unwrap_err();
    assert_eq!(e.field, "npi");
    assert!(e.value.chars().count() <= 65);
    // Through serde as well.
    let e = serde_json::from_str::<Npi>("\"1234567890\"").unwrap_err();
    assert!(e.to_string().contains("invalid npi \"1234567890\""), "{e}");
    let n: Npi = serde_json::from_str("\"1659872240\"").unwrap();
    assert_eq!(serde_json::to_string(&n).unwrap(), "\"1659872240\"");
}

#[test]
fn tin_bad_input() {
    assert_eq!(Tin::parse("000000002").unwrap().as_str(), "000000002");
    assert_eq!(Tin::parse("12-3456789").unwrap().as_str(), "123456789");
    assert_eq!(Tin::parse(" 123456789 ").unwrap().to_string(), "123456789");
    for bad in [
        "",
        "12345678",
        "1234567890",
        "12345678a",
        "123-456789",
        "1-23456789",
        "12-345678",
        "12--456789",
        "12 3456789",
        "-123456789",
        "１２３４５６７８９",
        "12-34567８9",
    ] {
        let e = Tin::parse(bad).unwrap_err();
        assert_names(&e, "tin", bad);
        assert!(e.expected.contains("9 digits"));
    }
    let e = serde_json::from_str::<Tin>("\"12345\"").unwrap_err();
    assert!(e.to_string().contains("invalid tin \"12345\""), "{e}");
}

/// The rule book covers PY 2017–2027 (2027 provisional).
#[test]
fn performance_year_bad_input() {
    for bad in ["2016", "2028", "1999", "9999"] {
        let e = PerformanceYear::parse(bad).unwrap_err();
        assert_names(&e, "performance_year", bad);
        assert!(e.expected.contains("2017–2027"), "{e}");
    }
    for bad in [
        "",
        "0",
        "20a4",
        "+2024",
        "-2024",
        "2024.0",
        "20245",
        "２０２４",
        "65535",
    ] {
        let e = PerformanceYear::parse(bad).unwrap_err();
        assert_names(&e, "performance_year", bad);
    }
    for y in [0u16, 2016, 2028, u16::MAX] {
        let e = PerformanceYear::new(y).unwrap_err();
        assert_names(&e, "performance_year", &y.to_string());
    }
    assert_eq!(PerformanceYear::parse(" 2017 ").unwrap().get(), 2017);
    assert_eq!(PerformanceYear::parse("2026").unwrap().payment_year(), 2028);
    assert_eq!(PerformanceYear::all().count(), 11);
    assert!(serde_json::from_str::<PerformanceYear>("2016").is_err());
    assert_eq!(
        serde_json::from_str::<PerformanceYear>("2020")
            .unwrap()
            .get(),
        2020
    );
}

#[test]
fn category_score_bad_input() {
    for bad in [
        "-0.01", "100.0001", "NaN", "nan", "inf", "-inf", "", "  ", "abc", "1e400", "50%", "5,5",
    ] {
        let e = CategoryScore::parse("pi_score", bad).unwrap_err();
        assert_names(&e, "pi_score", bad);
    }
    for bad in [-1.0, 100.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = CategoryScore::new("quality_score", bad).unwrap_err();
        assert_eq!(e.field, "quality_score");
        assert_eq!(e.value, bad.to_string());
    }
    for (ok, v) in [
        ("0", 0.0),
        ("100", 100.0),
        (" 18.946 ", 18.946),
        ("1e1", 10.0),
    ] {
        assert_eq!(CategoryScore::parse("q", ok).unwrap().percent(), v);
    }
    assert!(serde_json::from_str::<CategoryScore>("101").is_err());
    assert_eq!(
        serde_json::from_str::<CategoryScore>("64")
            .unwrap()
            .percent(),
        64.0
    );
}

/// Every enum refuses unknown codes, naming its field and listing what it accepts; codes round-trip.
#[test]
fn enums_bad_input_and_round_trip() {
    fn check<T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display>(
        field: &str,
        all: &[T],
        parse: fn(&str) -> Result<T, InvalidValue>,
        bad: &[&str],
    ) {
        for &v in all {
            assert_eq!(parse(&v.to_string()).unwrap(), v);
            assert_eq!(parse(&format!(" {v} ")).unwrap(), v);
        }
        for b in bad {
            let e = parse(b).unwrap_err();
            assert_names(&e, field, b);
            assert!(e.expected.starts_with("expected one of: "), "{e}");
            for v in all {
                assert!(e.expected.contains(&v.to_string()), "{e}");
            }
        }
    }
    check(
        "category",
        Category::ALL,
        Category::parse,
        &["", "Quality", "aci", "promoting_interoperability"],
    );
    check(
        "clinician_type",
        ClinicianType::ALL,
        ClinicianType::parse,
        &["", "Physician", "np", "nurse practitioner", "doctor"],
    );
    check(
        "special_status",
        SpecialStatus::ALL,
        SpecialStatus::parse,
        &["", "rural", "hpsa", "hospital-based"],
    );
    check(
        "hardship_reason",
        HardshipReason::ALL,
        HardshipReason::parse,
        &["", "lacking_cehrt", "euc", "Small_Practice"],
    );
    check(
        "hardship_status",
        ApplicationStatus::ALL,
        ApplicationStatus::parse,
        &["", "dismissed", "APPROVED"],
    );
    check(
        "reporting_level",
        ReportingLevel::ALL,
        ReportingLevel::parse,
        &["", "tin", "apm", "subgroup"],
    );
    // Through serde: the same error text.
    let e = serde_json::from_str::<ClinicianType>("\"doctor\"").unwrap_err();
    assert!(
        e.to_string().contains("invalid clinician_type \"doctor\""),
        "{e}"
    );
    assert_eq!(
        serde_json::to_string(&ReportingLevel::VirtualGroup).unwrap(),
        "\"virtual_group\""
    );
}

/// "Lacking CEHRT" is never a reason, and the parser says so with its source [QPP-HE-2017].
#[test]
fn lacking_cehrt_is_never_a_reason_qpp_he_2017() {
    for text in [
        "lacking_cehrt",
        "no_cehrt",
        "lack_of_cehrt",
        "no_ehr",
        "lacking_ehr",
        " no_cehrt ",
    ] {
        let e = HardshipReason::parse_with_hint(text).unwrap_err();
        assert_names(&e, "hardship_reason", text);
        assert!(e.expected.contains("never a hardship reason"), "{e}");
        assert!(e.expected.contains("[QPP-HE-2017]"));
    }
    assert_eq!(
        HardshipReason::parse_with_hint("insufficient_internet").unwrap(),
        HardshipReason::InsufficientInternet
    );
    assert!(HardshipReason::parse_with_hint("bogus").is_err());
}

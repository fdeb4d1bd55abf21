//! The roster reader's cases: plain and batch-contract rosters, errors by line and column, CRLF files,
//! other TINs, status columns, rows of one year agreeing, duplicates, ragged rows and error caps, and
//! arbitrary bytes never panic.

#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;

fn tin() -> Tin {
    Tin::parse("123456789").unwrap()
}

#[test]
fn a_plain_roster_imports() {
    let csv = "npi,name,clinician_type\n1234567893,Dr. Ada,physician\n1245319599,Ben Nurse,nurse_practitioner\n";
    let r = parse_roster(csv.as_bytes(), tin(), 10).unwrap();
    assert_eq!(r.clinicians.len(), 2);
    assert_eq!(r.clinicians[0].name.as_deref(), Some("Dr. Ada"));
    assert_eq!(
        r.clinicians[1].clinician_type,
        ClinicianType::NursePractitioner
    );
    assert!(r.years.is_empty());
}

#[test]
fn a_bad_npi_names_line_column_and_value_and_nothing_is_returned() {
    let csv = "npi,clinician_type\n1234567893,physician\n1234567890,physician\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, 3);
    assert_eq!(e[0].column, "npi");
    assert_eq!(e[0].value, "1234567890");
    assert!(
        e[0].to_string().starts_with("line 3: column npi:"),
        "{}",
        e[0]
    );
}

#[test]
fn lines_are_right_in_a_crlf_file_and_after_blank_lines() {
    // The issue report: every line number was one too low for a CRLF file (csv's position().line()).
    let csv =
        "npi,clinician_type\r\n1234567893,physician\r\n1245319599,crna\r\n1234567890,physician\r\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!((e[0].line, e[0].value.as_str()), (4, "1234567890"));
    let csv = "\u{feff}npi,name,clinician_type\r\n1234567893,\"Doe,\r\nAda\",physician\r\n\r\n1234567890,x,physician\r\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!((e[0].line, e[0].column.as_str()), (2, "name"), "{e:?}");
    assert_eq!(
        (e[1].line, e[1].column.as_str()),
        (5, "npi"),
        "a quoted newline and a blank line each count"
    );
}

#[test]
fn rows_of_another_tin_are_refused() {
    let csv = "npi,clinician_type,tin\n1234567893,physician,98-7654321\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!(e[0].column, "tin");
    assert!(e[0].message.contains("123456789"), "{}", e[0]);
}

#[test]
fn status_columns_need_a_year_and_unknown_columns_are_named() {
    let e = parse_roster(b"npi,clinician_type,hospital_based\n", tin(), 10).unwrap_err();
    assert!(e[0].message.contains("performance_year"), "{}", e[0]);
    let e = parse_roster(b"npi,clinician_type,shoe_size\n", tin(), 10).unwrap_err();
    assert!(e[0].message.contains("\"shoe_size\""), "{}", e[0]);
    let e = parse_roster(b"npi,name\n", tin(), 10).unwrap_err();
    assert!(e[0].message.contains("clinician_type"), "{}", e[0]);
}

#[test]
fn a_full_batch_contract_file_gives_statuses_and_the_year_profile() {
    let csv = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score\n\
2024,1234567893,123456789,group,physician,true,false,false,12,,,false,80,50,100,\n\
2024,1245319599,123456789,group,nurse_practitioner,false,false,false,12,,,false,80,50,100,\n\
2023,1234567893,123456789,group,physician,false,false,false,12,,,true,70,,100,60\n";
    let r = parse_roster(csv.as_bytes(), tin(), 10).unwrap();
    assert_eq!(r.rows, 3);
    assert_eq!(r.clinicians.len(), 2);
    let ada = &r.clinicians[0];
    assert_eq!(ada.statuses.len(), 6, "{:?}", ada.statuses);
    assert!(ada.statuses.contains(&StatusValue {
        year: PerformanceYear::new(2024).unwrap(),
        status: SpecialStatus::HospitalBased,
        value: true
    }));
    let y2024 = r.years.iter().find(|y| y.year.get() == 2024).unwrap();
    assert_eq!(y2024.level, ReportingLevel::Group);
    assert_eq!(y2024.tin_clinician_count, Some(12));
    assert_eq!(y2024.scores, [Some(80.0), Some(50.0), Some(100.0), None]);
    let y2023 = r.years.iter().find(|y| y.year.get() == 2023).unwrap();
    assert_eq!(y2023.pi_submitted, Some(PiSubmission::Qualifying));
    assert_eq!(r.not_imported, vec!["hardship_reason", "hardship_status"]);
}

#[test]
fn rows_of_one_year_must_agree() {
    let csv = "performance_year,npi,reporting_level,clinician_type,pi_submitted\n\
2024,1234567893,group,physician,false\n\
2024,1245319599,group,physician,true\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!(e[0].line, 3);
    assert!(e[0].message.contains("line 2"), "{}", e[0]);
}

#[test]
fn one_clinician_has_one_type_and_is_listed_once_a_year() {
    let csv =
        "performance_year,npi,clinician_type\n2024,1234567893,physician\n2023,1234567893,crna\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert_eq!(e[0].column, "clinician_type");
    let csv = "npi,clinician_type\n1234567893,physician\n1234567893,physician\n";
    let e = parse_roster(csv.as_bytes(), tin(), 10).unwrap_err();
    assert!(e[0].message.contains("already listed"), "{}", e[0]);
}

#[test]
fn empty_files_ragged_rows_and_error_caps() {
    assert!(parse_roster(b"", tin(), 10).is_err());
    assert!(parse_roster(b"npi,clinician_type\n", tin(), 10).is_err());
    let e = parse_roster(b"npi,clinician_type\n1234567893\n", tin(), 10).unwrap_err();
    assert_eq!(e[0].column, "(row)");
    let mut big = String::from("npi,clinician_type\n");
    for _ in 0..500 {
        big.push_str("bad,physician\n");
    }
    assert_eq!(
        parse_roster(big.as_bytes(), tin(), 25).unwrap_err().len(),
        25
    );
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = parse_roster(&bytes, tin(), 10);
    }
}

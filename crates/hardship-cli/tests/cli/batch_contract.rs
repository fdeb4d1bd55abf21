//! The batch CSV contract: outputs, entity rules, and every kind of bad input.

use crate::{HEADER, hardship, npi, stderr, write};

fn run(
    input: &str,
    extra: &[&str],
) -> (std::process::Output, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let inp = write(dir.path(), "in.csv", input);
    let out = dir.path().join("out.csv");
    let mut args = vec!["batch", inp.as_str(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = hardship(&refs);
    (o, dir, out)
}

fn rows(out: &std::path::Path) -> Vec<csv::StringRecord> {
    let text = std::fs::read_to_string(out).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

fn line(year: u16, n: u32, tin: &str, level: &str, rest: &str) -> String {
    format!("{year},{},{tin},{level},{rest}\n", npi(n))
}

#[test]
fn mixed_group_loses_reweighting_and_individual_keeps_it() {
    // [MDI-GRP] O4: a hospital-based clinician reporting with a group of 20 where 3 are hospital-based
    // (20 > 15, so the 2024 small-practice reweighting does not apply either).
    let mut input = format!("{HEADER}\n");
    for i in 0..20 {
        let hb = if i < 3 { "true" } else { "false" };
        input.push_str(&line(
            2024,
            i,
            "111111111",
            "group",
            &format!("physician,{hb},false,false,,,,false,80,50,100,,"),
        ));
    }
    input.push_str(&line(
        2024,
        0,
        "111111111",
        "individual",
        "physician,true,false,false,30,,,false,80,50,100,,",
    ));
    let (o, _d, out) = run(&input, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!(rows.len(), 21);
    // Each member's row speaks of that clinician (issue 12): the three hospital-based ones lose their own
    // reweighting by reporting with the group (`group_test_not_met`), the others had none (`none`).
    for (i, r) in rows[..20].iter().enumerate() {
        assert_eq!(&r[4], "false");
        assert_eq!(
            &r[5],
            if i < 3 { "group_test_not_met" } else { "none" },
            "{r:?}"
        );
        assert!(r[12].contains("group_test_not_met"), "{:?}", r);
        assert!(r[12].contains("pi_missing_scored_zero"));
        assert!(r[13].contains("MDI-GRP"));
    }
    assert_eq!(&rows[20][4], "true");
    assert_eq!(&rows[20][5], "special_status:hospital_based");
    // Not small (30 clinicians): 2024 table (F) PI row 55/30/15.
    assert_eq!(
        (&rows[20][6], &rows[20][7], &rows[20][8], &rows[20][9]),
        ("55", "30", "15", "0")
    );
}

#[test]
fn pi_submission_voids_and_rule_level_problems_are_warnings() {
    let input = format!(
        "{HEADER}\n{}{}{}{}",
        line(
            2019,
            1,
            "222222222",
            "individual",
            "nurse_practitioner,false,false,false,20,,,true,80,50,100,40,"
        ),
        line(
            2017,
            2,
            "222222223",
            "individual",
            "physician,false,false,false,5,decertified_ehr,approved,false,80,,100,,"
        ),
        line(
            2019,
            3,
            "222222224",
            "individual",
            "physician,false,false,false,20,small_practice,approved,false,80,50,100,,"
        ),
        line(
            2017,
            4,
            "222222225",
            "individual",
            "physical_therapist,false,false,false,5,,,false,80,,100,50,"
        ),
    );
    let (o, _d, out) = run(&input, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = rows(&out);
    assert_eq!(&rows[0][5], "voided_by_pi_submission");
    assert_eq!(&rows[0][10], "68.50"); // RULEBOOK §9 example 12, reporting side
    assert!(rows[0][12].contains("pi_submission_voids_reweighting"));
    assert!(
        rows[1][12].contains("reason_not_accepted_this_year"),
        "{:?}",
        rows[1]
    );
    assert!(rows[2][12].contains("small_practice_reason_over_15"));
    assert!(rows[3][12].contains("clinician_type_not_mips_eligible"));
}

#[test]
fn entity_rows_that_disagree_name_both_lines() {
    let input = format!(
        "{HEADER}\n{}{}",
        line(
            2024,
            1,
            "333333333",
            "group",
            "physician,false,false,false,,,,false,80,50,100,,"
        ),
        line(
            2024,
            2,
            "333333333",
            "group",
            "physician,false,false,false,,,,false,81,50,100,,"
        ),
    );
    let (o, _d, out) = run(&input, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(":3:")
            && e.contains("line 3 disagrees with line 2")
            && e.contains("quality_score"),
        "{e}"
    );
    assert!(!out.exists(), "nothing half-written");
}

#[test]
fn bad_cells_name_line_column_and_value() {
    let cases = [
        (
            "physician,maybe,false,false,,,,false,80,50,100,,",
            "hospital_based",
            "maybe",
        ),
        (
            "surgeon,false,false,false,,,,false,80,50,100,,",
            "clinician_type",
            "surgeon",
        ),
        (
            "physician,false,false,false,,,,false,101,50,100,,",
            "quality_score",
            "101",
        ),
        (
            "physician,false,false,false,,lacking_cehrt,approved,false,80,50,100,,",
            "hardship_reason",
            "never a hardship reason",
        ),
        (
            "physician,false,false,false,,small_practice,,false,80,50,100,,",
            "hardship_status",
            "",
        ),
        (
            "physician,false,false,false,0,,,false,80,50,100,,",
            "tin_clinician_count",
            "0",
        ),
        (
            "physician,false,false,false,,,,false,80,50,100,,-1",
            "complex_patient_bonus",
            "-1",
        ),
    ];
    for (rest, column, value) in cases {
        let input = format!(
            "{HEADER}\n{}{}",
            line(
                2024,
                1,
                "444444444",
                "individual",
                "physician,false,false,false,,,,false,1,2,3,4,"
            ),
            line(2024, 2, "444444444", "individual", rest)
        );
        let (o, _d, out) = run(&input, &[]);
        assert_eq!(o.status.code(), Some(2), "{rest}");
        let e = stderr(&o);
        assert!(
            e.contains("in.csv:3:") && e.contains(column) && e.contains(value),
            "{rest}: {e}"
        );
        assert!(!out.exists());
    }
    // Malformed identifiers and years.
    for (row, needle) in [
        (
            "2024,1234567890,444444444,individual,physician,false,false,false,,,,false,1,2,3,4,",
            "check digit should be 3",
        ),
        (
            "2024,1234567893,44444444,individual,physician,false,false,false,,,,false,1,2,3,4,",
            "tin",
        ),
        (
            "2016,1234567893,444444444,individual,physician,false,false,false,,,,false,1,2,3,4,",
            "performance_year",
        ),
        (
            "2024,1234567893,444444444,tin,physician,false,false,false,,,,false,1,2,3,4,",
            "reporting_level",
        ),
        (
            "2024,1234567893,444444444,individual,physician,false",
            "header has 17",
        ),
    ] {
        let (o, _d, _) = run(&format!("{HEADER}\n{row}\n"), &[]);
        assert_eq!(o.status.code(), Some(2), "{row}");
        assert!(
            stderr(&o).contains(needle) && stderr(&o).contains(":2:"),
            "{row}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn header_problems_are_reported() {
    let (o, _d, _) = run("performance_year,npi,colour\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown column(s) \"colour\""),
        "{}",
        stderr(&o)
    );
    let (o, _d, _) = run("performance_year,npi\n", &[]);
    assert!(
        stderr(&o).contains("missing column(s): tin"),
        "{}",
        stderr(&o)
    );
    let (o, _d, _) = run("", &[]);
    assert_eq!(o.status.code(), Some(2));
    let (o, _d, _) = run("\u{0}\u{1}\u{ff}garbage", &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn skip_bad_rows_writes_good_rows_and_an_errors_file() {
    let input = format!(
        "{HEADER}\n{}2024,123,444444444,individual,physician,false,false,false,,,,false,1,2,3,4,\n{}",
        line(
            2024,
            1,
            "444444444",
            "individual",
            "physician,false,false,false,,,,false,80,50,100,,"
        ),
        line(
            2024,
            2,
            "444444444",
            "individual",
            "physician,false,false,false,,,,false,80,50,100,90,"
        ),
    );
    let (o, dir, out) = run(&input, &["--skip-bad-rows"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&out).len(), 2);
    let errors = std::fs::read_to_string(dir.path().join("out.csv.errors.csv")).unwrap();
    assert!(
        errors.starts_with("line,column,value,message\n3,npi,123,"),
        "{errors}"
    );
}

/// Issue 11, medium 4: a bad value that is a spreadsheet formula is written to the errors file as text.
#[test]
fn the_errors_file_never_carries_a_formula() {
    let input = format!(
        "{HEADER}\n2024,=HYPERLINK(\"https://evil.example\"),444444444,individual,physician,false,false,false,,,,false,1,2,3,4,\n{}",
        line(
            2024,
            1,
            "444444444",
            "individual",
            "physician,false,false,false,,,,false,80,50,100,90,"
        ),
    );
    let (o, dir, _) = run(&input, &["--skip-bad-rows"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let errors = std::fs::read_to_string(dir.path().join("out.csv.errors.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(errors.as_bytes());
    let row = rd.records().next().unwrap().unwrap();
    assert_eq!(&row[2], "'=HYPERLINK(\"https://evil.example\")", "{errors}");
    assert!(!row[3].starts_with(['=', '+', '-', '@']), "{errors}");
}

#[test]
fn column_order_is_free_and_quoted_fields_work() {
    let cols: Vec<&str> = HEADER.split(',').rev().collect();
    let mut input = cols.join(",");
    input.push('\n');
    let values = [
        "2024".to_owned(),
        npi(7),
        "\"555555555\"".into(),
        "individual".into(),
        "physician".into(),
        "false".into(),
        "false".into(),
        "false".into(),
        "".into(),
        "".into(),
        "".into(),
        "false".into(),
        "80".into(),
        "50".into(),
        "100".into(),
        "90".into(),
        "".into(),
    ];
    let rev: Vec<String> = values.iter().rev().cloned().collect();
    input.push_str(&rev.join(","));
    input.push_str("\r\n");
    let (o, _d, out) = run(&input, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = &rows(&out)[0];
    assert_eq!(&r[2], "555555555");
    // 2024 small practice (1 clinician) reweighted automatically, but PI was not submitted: 40/30/30.
    assert_eq!(&r[5], "small_practice");
    assert_eq!(&r[10], "77.00");
}

#[test]
fn a_crlf_file_reports_the_line_the_editor_shows() {
    // Excel writes CRLF; csv's own line numbers lagged one per record. The bad row is the 4th data
    // row, so line 5 (the header is line 1), after a blank line too.
    let good = "physician,false,false,false,,,,false,1,2,3,4,";
    let mut input = format!("{HEADER}\r\n");
    for n in 1..=2 {
        input.push_str(&line(2024, n, "444444444", "individual", good).replace('\n', "\r\n"));
    }
    input.push_str("\r\n");
    input.push_str(
        &line(
            2024,
            3,
            "444444444",
            "individual",
            "physician,maybe,false,false,,,,false,1,2,3,4,",
        )
        .replace('\n', "\r\n"),
    );
    let (o, _d, out) = run(&input, &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("in.csv:5:") && e.contains("maybe"), "{e}");
    assert!(!out.exists());
}

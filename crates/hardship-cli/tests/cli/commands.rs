//! The sub-commands' outputs and exit codes.

use crate::{hardship, stderr, stdout};

#[test]
fn score_reproduces_rulebook_examples() {
    // RULEBOOK §9 example 5 / 12 [AAO-2019b] [EAGLE-2019]: PI hardship in 2019 → quality 70%.
    let o = hardship(&[
        "score",
        "--year",
        "2019",
        "--quality",
        "80",
        "--cost",
        "50",
        "--ia",
        "100",
        "--pi-reweighted",
        "--json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["final_score"], 78.5);
    assert_eq!(v["categories"][0]["weight"], 70);
    // Example 9 [EYEF-SP]: 2022+ small practice, PI and cost reweighted → 50/50.
    let o = hardship(&[
        "score",
        "--year",
        "2023",
        "--quality",
        "18.946",
        "--ia",
        "0",
        "--small-practice",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["final_score"], 9.473);
    assert_eq!(v["categories"][0]["weight"], 50);
    assert_eq!(v["categories"][2]["weight"], 50);
}

#[test]
fn whatif_names_the_winner_and_break_even() {
    // RULEBOOK §9 example 11 (2024 small practice): 77 vs 54, -2.52% by 42 CFR 414.1405(b)(2) [AYE-414.1405].
    let o = hardship(&[
        "whatif",
        "--year",
        "2024",
        "--quality",
        "80",
        "--cost",
        "50",
        "--ia",
        "100",
        "--pi",
        "0",
        "--small-practice",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["reweighted"]["final_score"], 77.0);
    assert_eq!(v["reported"]["final_score"], 54.0);
    assert_eq!(v["winner"], "reweight");
    let neg = v["reported"]["adjustment"]["negative_percent"]
        .as_f64()
        .unwrap();
    assert!((neg + 2.52).abs() < 1e-9, "{neg}");
    assert_eq!(v["break_even_pi_score"], 92.0);
    let o = hardship(&[
        "whatif",
        "--year",
        "2019",
        "--quality",
        "80",
        "--cost",
        "50",
        "--ia",
        "100",
        "--pi",
        "40",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("78.50")
            && text.contains("68.50")
            && text.contains("from a PI score of 80.00"),
        "{text}"
    );
}

#[test]
fn check_explains_with_sources_and_unconfirmed() {
    let o = hardship(&[
        "check",
        "--year",
        "2019",
        "--clinician-type",
        "nurse_practitioner",
        "--pi-submitted",
    ]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("PI data was submitted") && text.contains("[ECFR-414.1380-2023]"),
        "{text}"
    );
    let o = hardship(&[
        "check",
        "--year",
        "2026",
        "--clinician-type",
        "physician",
        "--hospital-based",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["pi_reweighted"], true);
    assert!(
        !v["explanation"]["unconfirmed"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn check_reads_a_group_case_from_json_and_reports_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let members: Vec<String> = (0..10)
        .map(|i| {
            format!(
                "{{\"clinician_type\":\"physician\",\"hospital_based\":{}}}",
                i < 8
            )
        })
        .collect();
    let case = format!(
        "{{\"performance_year\":2019,\"reporting_level\":\"group\",\"members\":[{}],\"pi_submitted\":false}}",
        members.join(",")
    );
    let path = crate::write(dir.path(), "case.json", &case);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&hardship(&["check", "--file", &path, "--json"]))).unwrap();
    // 2019: a group is hospital-based only when all its clinicians are [SHM-2019].
    assert_eq!(v["pi_basis"], "group_test_not_met");
    let case2020 = case.replace("2019", "2020");
    let path = crate::write(dir.path(), "case2020.json", &case2020);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&hardship(&["check", "--file", &path, "--json"]))).unwrap();
    // From PY 2020, more than 75% suffices [ECFR-414.1305-2020].
    assert_eq!(v["pi_basis"], "special_status:hospital_based");
    let bad = crate::write(
        dir.path(),
        "bad.json",
        "{\"performance_year\": 2019,\n \"reporting_level\": \"tin\"}",
    );
    let o = hardship(&["check", "--file", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.json: line 2") && stderr(&o).contains("tin"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rules_print_every_year_with_sources_and_diff() {
    for y in 2017..=2026 {
        let o = hardship(&["rules", "--year", &y.to_string()]);
        assert!(o.status.success());
        let text = stdout(&o);
        assert!(
            text.contains(&format!("Performance year {y}")) && text.contains("sources: ["),
            "{y}"
        );
    }
    let o = hardship(&["rules", "--diff", "2021", "2022"]);
    let text = stdout(&o);
    assert!(
        text.contains("base_weights")
            && text.contains("Q 40 / C 20 / IA 15 / PI 25")
            && text.contains("Q 30 / C 30"),
        "{text}"
    );
    assert!(text.contains("hardship_reason[small_practice]"));
    let o = hardship(&["rules", "--year", "2030"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2017–2027"));
}

#[test]
fn deadline_counts_down_from_a_given_instant() {
    let o = hardship(&[
        "deadline",
        "--year",
        "2024",
        "--at",
        "2024-12-30T20:00:00-05:00",
    ]);
    assert!(stdout(&o).contains("1 days 0 hours left"), "{}", stdout(&o));
    let o = hardship(&[
        "deadline",
        "--year",
        "2022",
        "--at",
        "2023-01-04T01:00:00Z",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["state"], "closed");
    let o = hardship(&["deadline", "--year", "2024", "--at", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        vec!["score", "--year", "2024", "--quality", "120"],
        vec!["score", "--year", "abc"],
        vec!["check", "--year", "2024", "--clinician-type", "wizard"],
        vec![
            "check",
            "--year",
            "2024",
            "--clinician-type",
            "physician",
            "--hardship-reason",
            "lacking_cehrt",
            "--hardship-status",
            "approved",
        ],
        vec!["batch", "/nonexistent/in.csv", "-o", "/tmp/x.csv"],
    ] {
        let o = hardship(&args);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert!(!stderr(&o).is_empty());
    }
}

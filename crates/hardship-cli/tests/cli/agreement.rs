//! The same cases through every front end (issue 12): `hardship batch`, `hardship check` and a real
//! `hardship serve`'s API must give each clinician the same `pi_basis` — mixed groups, automatic EUC by
//! area, the COVID-19 years, incomplete versus qualifying PI data, PY 2027.

use crate::instance::{Installation, client};
use crate::{hardship, npi, stderr, stdout};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One clinician of a case.
struct Member {
    n: u32,
    clinician_type: &'static str,
    hospital_based: bool,
}

/// A practice-year: its rows all share the TIN, year, level, ZIP and PI submission.
struct CaseDef {
    name: &'static str,
    tin: &'static str,
    year: u16,
    level: &'static str,
    zip: &'static str,
    pi: &'static str,
    /// (quality, cost, ia) estimates.
    scores: (&'static str, &'static str, &'static str),
    members: Vec<Member>,
    /// The `pi_basis` each member's row must show, in member order.
    expected: Vec<&'static str>,
}

fn m(n: u32, t: &'static str, hb: bool) -> Member {
    Member {
        n,
        clinician_type: t,
        hospital_based: hb,
    }
}

fn cases() -> Vec<CaseDef> {
    vec![
        CaseDef {
            name: "PY 2021 group of 2 hospital-based physicians and 2 NPs (414.1380(c)(2)(iii))",
            tin: "210000001",
            year: 2021,
            level: "group",
            zip: "",
            pi: "false",
            scores: ("80", "", "100"),
            members: vec![
                m(1, "physician", true),
                m(2, "physician", true),
                m(3, "nurse_practitioner", false),
                m(4, "nurse_practitioner", false),
            ],
            expected: vec!["group_all_members_qualify"; 4],
        },
        CaseDef {
            name: "PY 2024 group of 20, 3 hospital-based: the members' own rows",
            tin: "240000002",
            year: 2024,
            level: "group",
            zip: "",
            pi: "false",
            scores: ("80", "50", "100"),
            members: (10..30).map(|n| m(n, "physician", n < 13)).collect(),
            expected: (10..30)
                .map(|n| if n < 13 { "group_test_not_met" } else { "none" })
                .collect(),
        },
        CaseDef {
            name: "PY 2024 individual in a designated area (27007)",
            tin: "240000003",
            year: 2024,
            level: "individual",
            zip: "27007",
            pi: "false",
            scores: ("", "", ""),
            members: vec![m(40, "physician", false)],
            expected: vec!["automatic_euc"],
        },
        CaseDef {
            name: "PY 2024 individual in a designated area, PI data submitted",
            tin: "240000004",
            year: 2024,
            level: "individual",
            zip: "27007-1234",
            pi: "true",
            scores: ("", "", ""),
            members: vec![m(41, "physician", false)],
            expected: vec!["voided_by_pi_submission"],
        },
        CaseDef {
            name: "PY 2024 group in a designated area: not covered",
            tin: "240000005",
            year: 2024,
            level: "group",
            zip: "27007",
            pi: "false",
            scores: ("", "", ""),
            members: vec![m(42, "physician", false), m(43, "physician", false)],
            // They would be reweighted reporting individually there.
            expected: vec!["group_test_not_met"; 2],
        },
        CaseDef {
            name: "PY 2020 individual: COVID-19 automatic EUC for everyone",
            tin: "200000006",
            year: 2020,
            level: "individual",
            zip: "",
            pi: "false",
            scores: ("", "", ""),
            members: vec![m(50, "physician", false)],
            expected: vec!["automatic_euc"],
        },
        CaseDef {
            name: "PY 2024 hospital-based individual, incomplete PI data: voids before 2025",
            tin: "240000007",
            year: 2024,
            level: "individual",
            zip: "",
            pi: "incomplete",
            scores: ("", "", ""),
            members: vec![m(60, "physician", true)],
            expected: vec!["voided_by_pi_submission"],
        },
        CaseDef {
            name: "PY 2025 hospital-based individual, incomplete PI data: does not void",
            tin: "250000008",
            year: 2025,
            level: "individual",
            zip: "",
            pi: "incomplete",
            scores: ("", "", ""),
            members: vec![m(61, "physician", true)],
            expected: vec!["special_status:hospital_based"],
        },
        CaseDef {
            name: "PY 2027 (provisional) hospital-based individual",
            tin: "270000009",
            year: 2027,
            level: "individual",
            zip: "",
            pi: "false",
            scores: ("", "", ""),
            members: vec![m(70, "physician", true)],
            expected: vec!["special_status:hospital_based"],
        },
    ]
}

const BATCH_HEADER: &str = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus,practice_zip";

fn batch_line(c: &CaseDef, mb: &Member) -> String {
    let (q, cost, ia) = c.scores;
    format!(
        "{},{},{},{},{},{},false,false,40,,,{},{q},{cost},{ia},,,{}\n",
        c.year,
        npi(mb.n),
        c.tin,
        c.level,
        mb.clinician_type,
        mb.hospital_based,
        c.pi,
        c.zip
    )
}

/// `pi_basis` per (tin, npi) from `hardship batch`.
fn through_batch(cases: &[CaseDef]) -> BTreeMap<(String, String), String> {
    let dir = tempfile::tempdir().unwrap();
    let mut input = format!("{BATCH_HEADER}\r\n");
    for c in cases {
        for mb in &c.members {
            input.push_str(&batch_line(c, mb));
        }
    }
    let inp = crate::write(dir.path(), "in.csv", &input);
    let out = dir.path().join("out.csv");
    let o = hardship(&["batch", &inp, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rd = csv::Reader::from_path(&out).unwrap();
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            ((r[2].to_owned(), r[1].to_owned()), r[5].to_owned())
        })
        .collect()
}

#[test]
fn batch_check_and_the_api_agree_on_every_case() {
    let cases = cases();
    let batch = through_batch(&cases);

    // `hardship check` for the individual cases.
    for c in cases.iter().filter(|c| c.level == "individual") {
        let mb = &c.members[0];
        let year = c.year.to_string();
        let mut args = vec![
            "check",
            "--json",
            "--year",
            &year,
            "--clinician-type",
            mb.clinician_type,
            "--practice-size",
            "40",
            "--pi-submitted",
            c.pi,
        ];
        if mb.hospital_based {
            args.push("--hospital-based");
        }
        if !c.zip.is_empty() {
            args.extend(["--practice-zip", c.zip]);
        }
        let o = hardship(&args);
        assert!(o.status.success(), "{}: {}", c.name, stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["pi_basis"], c.expected[0], "check: {}", c.name);
    }

    // The API of a real `hardship serve`.
    let dir = tempfile::tempdir().unwrap();
    let install = Installation::sqlite(&dir.path().join("data"));
    let (token, _, _) = install.seed(0, 0);
    let server = install.serve();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        for case in &cases {
            let r = c
                .post(server.url("/api/v1/practices"))
                .bearer_auth(&token)
                .json(&json!({"tin": case.tin, "name": case.name, "zip": case.zip}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}", case.name);
            let p: Value = r.json().await.unwrap();
            let id = p["id"].as_str().unwrap().to_owned();
            let mut roster = format!("{BATCH_HEADER},name\n");
            for mb in &case.members {
                roster.push_str(batch_line(case, mb).trim_end());
                roster.push_str(&format!(",Clinician {}\n", mb.n));
            }
            let r = c
                .post(server.url(&format!("/api/v1/practices/{id}/imports")))
                .bearer_auth(&token)
                .header("content-type", "text/csv")
                .body(roster)
                .send()
                .await
                .unwrap();
            assert!(
                r.status().is_success(),
                "{}: {}",
                case.name,
                r.text().await.unwrap()
            );
            let e: Value = c
                .get(server.url(&format!(
                    "/api/v1/practices/{id}/years/{}/eligibility",
                    case.year
                )))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for (mb, want) in case.members.iter().zip(&case.expected) {
                let row = e["clinicians"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["npi"] == npi(mb.n))
                    .unwrap_or_else(|| panic!("{}: {e}", case.name));
                assert_eq!(row["basis"], *want, "API: {}", case.name);
                let from_batch = &batch[&(case.tin.to_owned(), npi(mb.n))];
                assert_eq!(from_batch, want, "batch: {}", case.name);
            }
        }
        // The mixed group's score as CMS gives it: PI and cost (2021, groups) at 0%, 85/0/15/0, 83.00.
        let list: Value = c
            .get(server.url("/api/v1/practices"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mixed = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["tin"] == "210000001")
            .unwrap();
        let si: Value = c
            .get(server.url(&format!(
                "/api/v1/practices/{}/years/2021/score-impact",
                mixed["id"].as_str().unwrap()
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(si["reweighted"]["weights"], json!([85, 0, 15, 0]), "{si}");
        assert_eq!(si["reweighted"]["final_score"], json!(83.0), "{si}");
        assert_eq!(si["reweighted"]["band"], "positive");
    });
}

//! `hardship import`, `hardship guard` and `hardship export` on a real installation (SQLite + local vault).

use crate::{hardship, stderr, stdout, write};
use serde_json::Value;

const SUBMISSION_2017: &str =
    include_str!("../../../hardship-formats/tests/fixtures/scoring-example-submission-input.json");
const ELIGIBILITY_200: &str =
    include_str!("../../../hardship-formats/tests/fixtures/sample_response_200.json");
const ELIGIBILITY_400: &str =
    include_str!("../../../hardship-formats/tests/fixtures/sample_response_400.json");

/// One practice (TIN 100000000, three clinicians, reporting as a group, a ready application).
fn seeded(data: &str) -> (String, String) {
    let o = hardship(&[
        "debug",
        "seed",
        "--practices",
        "1",
        "--clinicians",
        "3",
        "--data-dir",
        data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    (
        v["tenant"].as_str().unwrap().to_owned(),
        v["practices"][0].as_str().unwrap().to_owned(),
    )
}

#[test]
fn imports_guard_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let (_, practice) = seeded(&data);

    // The guard: CMS's example submission (with its ACI set), for the seeded TIN in 2024 — a practice of
    // three, so reweighted automatically as a small practice. Its PI set is not complete for 2024 (2017
    // measure ids, no CEHRT ID), but before PY 2025 any PI data voids reweighting: blocked.
    let mut v: Value = serde_json::from_str(SUBMISSION_2017).unwrap();
    v["data"]["submission"]["taxpayerIdentificationNumber"] = "100000000".into();
    v["data"]["submission"]["performanceYear"] = 2024.into();
    let with_pi = write(dir.path(), "with-pi.json", &v.to_string());
    let o = hardship(&[
        "guard",
        &with_pi,
        "--tin",
        "100000000",
        "--year",
        "2024",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(4), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("incomplete, but before PY 2025 any PI data voids the reweighting"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("will void the PI reweighting of the group (TIN 100000000)"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("the final score goes from"),
        "{}",
        stdout(&o)
    );
    // The same incomplete data in 2026 does not void it (from PY 2025), and is said not to be scored.
    v["data"]["submission"]["performanceYear"] = 2026.into();
    let incomplete = write(dir.path(), "incomplete-2026.json", &v.to_string());
    let o = hardship(&[
        "guard",
        &incomplete,
        "--tin",
        "100000000",
        "--year",
        "2026",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("is not scored"), "{}", stdout(&o));
    v["data"]["submission"]["performanceYear"] = 2024.into();
    v["data"]["submission"]["measurementSets"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["category"] != "aci");
    let without = write(dir.path(), "without-pi.json", &v.to_string());
    let o = hardship(&[
        "guard",
        &without,
        "--tin",
        "100000000",
        "--year",
        "2026",
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("contains no PI data"));
    let o = hardship(&[
        "guard",
        &without,
        "--tin",
        "999999999",
        "--year",
        "2024",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2));

    // An NPPES roster: types from taxonomy codes.
    let nppes = write(
        dir.path(),
        "nppes.csv",
        &hardship_formats::nppes::synthetic(1000),
    );
    let o = hardship(&[
        "import",
        &nppes,
        "--practice",
        &practice,
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("nppes (1000 rows): 1000 added"),
        "{}",
        stdout(&o)
    );
    // A bad taxonomy code: named by line, nothing imported.
    let bad = hardship_formats::nppes::synthetic(3).replacen("\"363LF0000X\"", "\"999Z99999X\"", 1);
    let bad = write(dir.path(), "bad.csv", &bad);
    let o = hardship(&["import", &bad, "--practice", &practice, "--data-dir", &data]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("bad.csv:3: column Healthcare Provider Taxonomy Code_2"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was imported"));

    // CMS eligibility data for one NPI (CMS's sample with a real NPI), and CMS's error body.
    let sample = ELIGIBILITY_200.replace("\"1234567890\"", "\"1234567893\"");
    let elig = write(dir.path(), "elig.json", &sample);
    let o = hardship(&[
        "import",
        &elig,
        "--practice",
        &practice,
        "--year",
        "2026",
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("non_patient_facing=true"),
        "{}",
        stdout(&o)
    );
    let err = write(dir.path(), "err.json", ELIGIBILITY_400);
    let o = hardship(&[
        "import",
        &err,
        "--practice",
        &practice,
        "--year",
        "2026",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("InvalidFormatNpi"), "{}", stderr(&o));

    // Exports: the portfolio, the packet of the seeded application, the binder.
    let json = dir.path().join("portfolio.json");
    let o = hardship(&[
        "export",
        "portfolio",
        "--year",
        "2026",
        "-o",
        json.to_str().unwrap(),
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        rows.as_array().unwrap().len(),
        1004,
        "3 seeded + 1000 NPPES + 1 from CMS data"
    );
    let app = rows[0]["applications"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    for (what, name) in [("packet", "packet.pdf"), ("packet", "packet.json")] {
        let out = dir.path().join(name);
        let o = hardship(&[
            "export",
            what,
            &app,
            "-o",
            out.to_str().unwrap(),
            "--data-dir",
            &data,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(
        std::fs::read(dir.path().join("packet.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    let pk: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("packet.json")).unwrap()).unwrap();
    assert_eq!(pk["application"]["id"], app.as_str());
    let binder = dir.path().join("binder.pdf");
    let o = hardship(&[
        "export",
        "binder",
        "--practice",
        &practice,
        "--year",
        "2026",
        "-o",
        binder.to_str().unwrap(),
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&binder).unwrap().starts_with(b"%PDF-"));
    let o = hardship(&[
        "export",
        "binder",
        "--practice",
        &practice,
        "--year",
        "2026",
        "-o",
        "x.txt",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2));
    // The audit log records the imports, by the command line, and the chain holds.
    let o = hardship(&["audit", "verify", "--data-dir", &data]);
    assert!(o.status.success(), "{}", stdout(&o));
}

/// `hardship export packet … -o packet.json` writes the API's document (`GET
/// /api/v1/applications/{id}/packet`): the same fields, in the same order, with the same values — for a
/// submitted application with an attached document and its history.
#[test]
fn the_json_packet_is_the_apis_document() {
    use crate::instance::{Installation, client};
    use serde_json::json;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let install = Installation::sqlite(&data);
    let (token, practices, _) = install.seed(1, 2);
    let server = install.serve();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, api) = rt.block_on(async {
        let c = client();
        let apps: Value = c
            .get(server.url(&format!(
                "/api/v1/applications?practice={}",
                practices[0]
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let app = apps[0]["id"].as_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("kind", "outage_record")
            .text("application", app.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"no broadband".to_vec()).file_name("outage.txt"),
            );
        let r = c
            .post(server.url(&format!("/api/v1/practices/{}/documents", practices[0])))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let r = c
            .post(server.url(&format!("/api/v1/applications/{app}/transitions")))
            .bearer_auth(&token)
            .json(&json!({"version": apps[0]["version"], "action": "submit", "channel": "phone", "reference": "CALL-42"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let r = c
            .get(server.url(&format!("/api/v1/applications/{app}/packet")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        (app, r.text().await.unwrap())
    });
    let out = dir.path().join("packet.json");
    let o = install.run(&["export", "packet", &app, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cli = std::fs::read_to_string(&out).unwrap();

    // Only the moment of generation and the countdown may differ.
    let comparable = |text: &str| -> Value {
        let mut v: Value = serde_json::from_str(text).unwrap();
        v["generated_at"] = Value::Null;
        for k in ["days_left", "hours_left", "seconds_left", "text"] {
            v["deadline"][k] = Value::Null;
        }
        v
    };
    let (api_v, cli_v) = (comparable(&api), comparable(&cli));
    assert_eq!(cli_v, api_v, "CLI:\n{cli}\nAPI:\n{api}");
    assert_eq!(api_v["application"]["state"]["channel"], "phone");
    assert_eq!(api_v["documents"].as_array().unwrap().len(), 1);
    assert!(!api_v["history"].as_array().unwrap().is_empty());
    // The same order of fields too (a `Value` compares members, not their order).
    assert_eq!(keys_in_order(&cli), keys_in_order(&api));
}

/// Every object key of a JSON text, in the order written.
fn keys_in_order(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    s.push(c);
                    if let Some(e) = chars.next() {
                        s.push(e);
                    }
                }
                '"' => break,
                _ => s.push(c),
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek() == Some(&':') {
            keys.push(s);
        }
    }
    keys
}

#[test]
fn a_client_list_onboards_every_practice_without_practice_and_a_rerun_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let (_, seeded_practice) = seeded(&data);
    // The template, as a consultancy downloads it: it imports as it is.
    let o = hardship(&["import", "--template"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let template = dir.path().join("template.csv");
    std::fs::write(&template, &o.stdout).unwrap();
    let t = template.to_str().unwrap();
    let o = hardship(&["import", t, "--preview", "--data-dir", &data]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("PREVIEW, nothing written: 2 practices created"),
        "{}",
        stdout(&o)
    );
    // The seeded practice (TIN 100000000) is updated by TIN; a new one is created.
    let list = format!(
        "\u{feff}Tax ID,Client,NPI,Provider Name,Credentials\r\n10-0000000,Renamed Clinic,{},Nguyễn Văn An,MD\r\n22-3334444,Łukasz Wróbel PT,{},Łukasz Wróbel,DPT\r\n",
        crate::npi(501),
        crate::npi(502)
    );
    let f = write(dir.path(), "clients.csv", &list);
    let o = hardship(&["import", &f, "--data-dir", &data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("1 practices created, 1 updated"), "{out}");
    assert!(out.contains("name: "), "{out}");
    let o = hardship(&["import", &f, "--json", "--data-dir", &data]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["totals"]["practices_unchanged"], 2, "{v}");
    assert_eq!(v["totals"]["clinicians_added"], 0);
    // A bad row: named by the line the editor shows, exit 2, nothing written.
    let bad = list.replace("DPT", "wizard");
    let f = write(dir.path(), "bad.csv", &bad);
    let o = hardship(&["import", &f, "--data-dir", &data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.csv:3: column"), "{}", stderr(&o));
    assert!(stderr(&o).contains("wizard"), "{}", stderr(&o));
    // A roster of one practice needs --practice.
    let roster = write(
        dir.path(),
        "roster.csv",
        "npi,clinician_type\n1234567893,physician\n",
    );
    let o = hardship(&["import", &roster, "--data-dir", &data]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--practice"), "{}", stderr(&o));
    let o = hardship(&[
        "import",
        &roster,
        "--practice",
        &seeded_practice,
        "--preview",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// `hardship review list`: none before CMS's feedback; after a file in which CMS weighted PI at 25 % for
/// a practice of three (reweighted automatically as a small practice), the draft case it opened, with
/// PY 2026's window not announced (never invented).
#[test]
fn review_list_shows_the_case_a_feedback_file_opened() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    seeded(&data);
    let o = hardship(&["review", "list", "--data-dir", &data]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("No targeted-review cases."),
        "{}",
        stdout(&o)
    );
    let file = write(
        dir.path(),
        "feedback.csv",
        "TIN,NPI,Performance_Year,Final_Score,Quality_Score,Cost_Score,IA_Score,PI_Score,Quality_Weight,Cost_Weight,IA_Weight,PI_Weight,Payment_Adjustment\n100000000,,2026,60,80,50,100,0,30,30,15,25,-1.0\n",
    );
    let o = hardship(&[
        "feedback",
        "import",
        &file,
        "--year",
        "2026",
        "--data-dir",
        &data,
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("1 targeted-review candidate(s) opened"),
        "{}",
        stdout(&o)
    );
    let o = hardship(&["review", "list", "--year", "2026", "--data-dir", &data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("PY 2026") && out.contains("TIN 100000000") && out.contains("[draft]"),
        "{out}"
    );
    assert!(
        out.contains("not yet announced") && out.contains("UNCONFIRMED"),
        "{out}"
    );
    let o = hardship(&["review", "list", "--json", "--data-dir", &data]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["state"], "draft");
}

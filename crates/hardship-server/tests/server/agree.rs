//! One truth per practice-year: practice-years of every kind (levels decided or not, applications at
//! either level in every state, special statuses, a practice that will report PI, an archived one) and
//! every view of them — the eligibility API and page, the dashboard API and page, the portfolio JSON and
//! CSV, the binder — must say the same, count for count and clinician by clinician.

use crate::api::{import, owner_and_token};
use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

const YEAR: u16 = 2026;

/// A practice of `n` physicians (`hospital` of them hospital-based), its level stated or not.
async fn practice(
    app: &TestApp,
    token: &str,
    tin: &str,
    name: &str,
    n: u32,
    hospital: u32,
    level: Option<&str>,
) -> String {
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(token),
            &json!({ "tin": tin, "name": name }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    let base: u32 = tin[6..].parse::<u32>().unwrap() * 100;
    let mut csv = String::from("performance_year,npi,name,clinician_type,hospital_based");
    csv.push_str(if level.is_some() {
        ",reporting_level\n"
    } else {
        "\n"
    });
    for i in 1..=n {
        csv.push_str(&format!(
            "{YEAR},{},Clinician {i},physician,{}",
            npi(base + i),
            i <= hospital
        ));
        if let Some(l) = level {
            csv.push_str(&format!(",{l}"));
        }
        csv.push('\n');
    }
    let (s, r) = import(app, token, &id, &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    id
}

/// An application sent and, if `decision` is given, decided (seen in the portal: no e-mail yet).
async fn application(
    app: &TestApp,
    token: &str,
    practice: &str,
    applicant: Value,
    decision: Option<&str>,
) {
    let t = Auth::Bearer(token);
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": practice, "year": YEAR, "applicant": applicant,
                    "reason": "insufficient_internet",
                    "description": "Two providers declined to serve the site; letters on file.",
                    "submitter": {"first_name": "José", "last_name": "Núñez", "email": "jose@clinic.test", "phone": "555-0100"},
                    "facts": {"insufficient_internet": true, "clinician_count": 20}, "attested": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let today = crate::harness::now().date_naive().to_string();
    let mut steps = vec![
        json!({"action": "mark_ready"}),
        json!({"action": "submit", "channel": "portal", "reference": "QPP-1"}),
    ];
    if let Some(d) = decision {
        steps.push(json!({"action": d, "decided_on": today, "channel": "portal", "reference": "QPP exceptions page"}));
    }
    let mut version = 1;
    for mut step in steps {
        step["version"] = json!(version);
        let (s, r) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/applications/{id}/transitions"),
                t,
                &step,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {r}");
        version = r["version"].as_i64().unwrap();
    }
}

/// Counts as a view states them: (auto, hardship, not reweighted, needs an application).
type Counts = (u64, u64, u64, u64);

fn counts_of(v: &Value) -> Counts {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    (
        n("reweighted_automatically"),
        n("reweighted_by_hardship"),
        n("not_reweighted"),
        n("needs_application"),
    )
}

/// The `data-*` counts of the element whose attribute `key` is `value` in a page.
fn page_counts(html: &str, key: &str, value: &str) -> Counts {
    let at = html
        .find(&format!("{key}=\"{value}\""))
        .unwrap_or_else(|| panic!("{key}={value} not in the page"));
    let tag = &html[html[..at].rfind('<').unwrap()..at + html[at..].find('>').unwrap()];
    let attr = |name: &str| -> u64 {
        let s = &tag[tag.find(&format!("data-{name}=\"")).unwrap() + name.len() + 7..];
        s[..s.find('"').unwrap()].parse().unwrap()
    };
    (attr("auto"), attr("hardship"), attr("not"), attr("needs"))
}

#[tokio::test]
async fn every_view_of_a_practice_year_says_the_same() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let group = |tin: &str| json!({"level": "group", "tin": tin});
    let individual = |tin: &str, n: u32| json!({"level": "individual", "tin": tin, "npi": npi(n)});
    // A small practice, individually: reweighted automatically.
    let small = practice(
        &app,
        &token,
        "111000001",
        "Nguyễn Văn An Clinic",
        3,
        1,
        Some("individual"),
    )
    .await;
    // Level not decided, a group application approved: the group is reweighted by the hardship.
    let undecided = practice(
        &app,
        &token,
        "111000002",
        "Łukasz Wróbel Group",
        20,
        2,
        None,
    )
    .await;
    application(
        &app,
        &token,
        &undecided,
        group("111000002"),
        Some("approve"),
    )
    .await;
    // A group that fails the group test, its group application pending.
    let pending = practice(
        &app,
        &token,
        "111000003",
        "Pending Group",
        20,
        3,
        Some("group"),
    )
    .await;
    application(&app, &token, &pending, group("111000003"), None).await;
    // Individuals: one approved, one denied, one group application that covers nobody at this level.
    let mixed = practice(
        &app,
        &token,
        "111000004",
        "Mixed Individuals",
        20,
        0,
        Some("individual"),
    )
    .await;
    application(
        &app,
        &token,
        &mixed,
        individual("111000004", 401),
        Some("approve"),
    )
    .await;
    application(
        &app,
        &token,
        &mixed,
        individual("111000004", 402),
        Some("deny"),
    )
    .await;
    application(&app, &token, &mixed, group("111000004"), Some("approve")).await;
    // Will report PI: nobody needs an application.
    let reporting = practice(
        &app,
        &token,
        "111000005",
        "Reporting Practice",
        20,
        0,
        Some("individual"),
    )
    .await;
    let (_, prof) = app
        .get_json(
            &format!("/api/v1/practices/{reporting}/years/{YEAR}/profile"),
            t,
        )
        .await;
    let (s, r) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{reporting}/years/{YEAR}/profile"),
            t,
            &json!({"version": prof["version"], "level": "individual", "pi_submitted": false,
                    "not_applying": "certified EHR in place; we report PI"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // An archived practice is in no view.
    let archived = practice(&app, &token, "111000006", "Archived Practice", 5, 0, None).await;
    let (s, r) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{archived}/archive"),
            t,
            &json!({"version": 1, "why": "entered twice"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    let practices = [&small, &undecided, &pending, &mixed, &reporting];
    // The eligibility API is the reference; what each practice-year must come to.
    let mut truth: HashMap<String, (Counts, Value)> = HashMap::new();
    for p in practices {
        let (s, e) = app
            .get_json(
                &format!("/api/v1/practices/{p}/years/{YEAR}/eligibility"),
                t,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        truth.insert(p.clone(), (counts_of(&e), e));
    }
    let c = |p: &String| truth[p].0;
    assert_eq!(c(&small), (3, 0, 0, 0), "small practice");
    assert_eq!(
        c(&undecided),
        (0, 20, 0, 0),
        "an approved group application, level not decided"
    );
    assert_eq!(truth[&undecided].1["level"], "group");
    assert_eq!(
        c(&pending),
        (0, 0, 20, 0),
        "a pending group application covers the group"
    );
    assert_eq!(
        c(&mixed),
        (0, 1, 19, 18),
        "one approved, one denied, a group application at the wrong level"
    );
    assert!(
        truth[&mixed].1["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "application_level_differs")
    );
    assert_eq!(c(&reporting), (0, 0, 20, 0), "will report PI");

    // The dashboard API: the same rows and totals that add up.
    let (_, d) = app
        .get_json(&format!("/api/v1/dashboard?year={YEAR}"), t)
        .await;
    let rows = d["practices"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        practices.len(),
        "the archived practice is not in the dashboard"
    );
    let mut total: Counts = (0, 0, 0, 0);
    for row in rows {
        let p = row["practice"].as_str().unwrap().to_owned();
        assert_eq!(counts_of(row), c(&p), "dashboard row of {}", row["name"]);
        assert_eq!(row["level"], truth[&p].1["level"]);
        let x = counts_of(row);
        total = (total.0 + x.0, total.1 + x.1, total.2 + x.2, total.3 + x.3);
    }
    let totals = &d["totals"];
    assert_eq!(
        (
            totals["reweighted_automatically"].as_u64().unwrap(),
            totals["reweighted_by_hardship"].as_u64().unwrap(),
            totals["not_reweighted"].as_u64().unwrap(),
            totals["needs_application"].as_u64().unwrap()
        ),
        total
    );

    // The portfolio, as JSON and as CSV: every clinician's row says what the eligibility view says.
    let (_, pf) = app
        .get_json(&format!("/api/v1/portfolio?year={YEAR}"), t)
        .await;
    let csv = app
        .get(&format!("/api/v1/portfolio?year={YEAR}&format=csv"), t)
        .await
        .text()
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let csv_rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let json_rows = pf.as_array().unwrap();
    assert_eq!(json_rows.len(), csv_rows.len());
    assert_eq!(
        json_rows.len(),
        3 + 20 * 4,
        "every clinician of every practice but the archived one"
    );
    for p in practices {
        let e = &truth[p].1;
        let row = rows.iter().find(|r| r["practice"] == p.as_str()).unwrap();
        let tin = row["tin"].as_str().unwrap().to_owned();
        for cl in e["clinicians"].as_array().unwrap() {
            let npi = cl["npi"].as_str().unwrap();
            let j = json_rows
                .iter()
                .find(|r| r["npi"] == npi && r["tin"] == tin.as_str())
                .unwrap();
            assert_eq!(
                (&j["reweighted"], &j["basis"]),
                (&cl["reweighted"], &cl["basis"]),
                "portfolio JSON, NPI {npi}"
            );
            let r = csv_rows
                .iter()
                .find(|r| r.get(3) == Some(npi) && r.get(1) == Some(tin.as_str()))
                .unwrap();
            assert_eq!(
                r.get(7).unwrap(),
                cl["reweighted"].as_bool().unwrap().to_string(),
                "portfolio CSV, NPI {npi}"
            );
            assert_eq!(
                r.get(8).unwrap(),
                cl["basis"].as_str().unwrap(),
                "portfolio CSV, NPI {npi}"
            );
        }
    }

    // The pages: the dashboard's rows and each eligibility page carry the same counts.
    let page = app
        .get(&format!("/dashboard?year={YEAR}"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Archived Practice"));
    for p in practices {
        assert_eq!(
            page_counts(&page, "data-practice", p),
            c(p),
            "dashboard page"
        );
        let html = app
            .get(
                &format!("/practices/{p}/years/{YEAR}"),
                Auth::Session(&owner),
            )
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(page_counts(&html, "id", "counts"), c(p), "eligibility page");
    }

    // The binder states the same counts.
    if crate::formats::poppler() {
        let dir = tempfile::tempdir().unwrap();
        for p in practices {
            let r = app
                .get(&format!("/api/v1/practices/{p}/years/{YEAR}/binder.pdf"), t)
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            let (text, _) =
                crate::formats::pdf_text(dir.path(), "binder.pdf", &r.bytes().await.unwrap());
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let (auto, hardship, not, _) = c(p);
            let line = format!(
                "Reweighted automatically: {auto}; by an approved hardship: {hardship}; not reweighted: {not}."
            );
            assert!(
                flat.contains(&line),
                "binder of {p} lacks {line:?}:\n{flat}"
            );
        }
    }
}

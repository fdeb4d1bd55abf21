//! `hardship eligibility fetch` end to end: the real binary on a seeded SQLite installation, against a
//! stand-in for CMS's QPP Eligibility API on a loopback port that answers like CMS's documented samples
//! (200, 404 `NoProviderInformation`, 429 with `Retry-After`, a connection dropped mid-answer, an outage).
//! What is checked: what is recorded (statuses as CMS data, every answer with its URL, API version and
//! retrieval time), the pacing and retries the fake saw, exit codes, and that a run after an interrupted
//! one (an outage, a killed process) asks only for what is missing.

use crate::{hardship, stderr, stdout};
use hardship_rules::{PerformanceYear, SpecialStatus};
use hardship_store::{CmsOutcome, Env, StatusOrigin, Store};
use hardship_testkit::fake_cms::{FakeCms, Org, Reply};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The NPI of the seed's clinician `serial` (1, 2, ...).
fn seeded_npi(serial: u32) -> String {
    let base = format!("{:09}", 200_000_000 + serial);
    let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
    format!("{base}{d}")
}

/// "Practice 0000" (TIN 100000000) with four clinicians; the first is hospital-based, imported.
fn seeded(data: &str) -> String {
    let o = hardship(&[
        "debug",
        "seed",
        "--practices",
        "1",
        "--clinicians",
        "4",
        "--data-dir",
        data,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["practices"][0].as_str().unwrap().to_owned()
}

fn at_practice(orgs: Value) -> Vec<Org> {
    vec![Org::named("PRACTICE 0000").with(orgs)]
}

fn fetch(data: &str, cms: &FakeCms, extra: &[&str]) -> std::process::Output {
    let url = cms.url();
    let mut args = vec![
        "eligibility",
        "fetch",
        "--year",
        "2026",
        "--base-url",
        &url,
        "--rate",
        "20",
        "--data-dir",
        data,
    ];
    args.extend_from_slice(extra);
    hardship(&args)
}

async fn store(data: &str) -> impl Store {
    hardship_store_sqlite::open(
        &std::path::Path::new(data).join("hardship.sqlite"),
        Env::system(),
    )
    .await
    .unwrap()
}

fn year() -> PerformanceYear {
    PerformanceYear::new(2026).unwrap()
}

#[test]
fn a_practice_is_fetched_with_retries_and_a_second_run_skips_fresh_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let practice = seeded(&data);
    let [n1, n2, n3, n4] = [1, 2, 3, 4].map(seeded_npi);
    let cms = FakeCms::start();
    cms.script(
        &n1,
        vec![Reply::Profile(at_practice(
            json!({"hospitalBasedClinician": true}),
        ))],
    );
    cms.script(&n2, vec![Reply::NotFound]);
    cms.script(
        &n3,
        vec![
            Reply::TooMany { retry_after: 1 },
            Reply::Profile(at_practice(json!({}))),
        ],
    );
    cms.script(
        &n4,
        vec![
            Reply::Drop(at_practice(json!({}))),
            Reply::Profile(at_practice(json!({}))),
        ],
    );
    let started = chrono::Utc::now();
    let o = fetch(&data, &cms, &["--practice", &practice, "--json"]);
    let ended = chrono::Utc::now();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["npis"], 4, "{s}");
    assert_eq!(s["fetched"], 3, "{s}");
    assert_eq!(s["requests"], 6, "two retries: {s}");
    assert_eq!(s["not_found"][0]["npi"], n2.as_str());
    assert!(
        s["not_found"][0]["reason"].as_str().unwrap().contains(
            "404 NoProviderInformation: No individual clinician information exists for this NPI"
        ),
        "{s}"
    );
    assert_eq!(s["failed"], json!([]));
    assert_eq!(s["complete"], true);
    assert_eq!(s["api_version"], "v6");

    // What CMS saw: the documented request, the 429's Retry-After honoured, the dropped answer retried.
    let asked = cms.requests();
    assert_eq!(asked.len(), 6);
    assert!(
        asked
            .iter()
            .all(|r| r.accept == "application/vnd.qpp.cms.gov.v6+json")
    );
    assert!(
        asked
            .iter()
            .all(|r| r.path == format!("/api/eligibility/npi/{}?year=2026", r.npi()))
    );
    let of = |npi: &str| asked.iter().filter(|r| r.npi() == npi).collect::<Vec<_>>();
    let (a3, a4) = (of(&n3), of(&n4));
    assert_eq!(
        (a3[0].answered.as_str(), a3[1].answered.as_str()),
        ("429", "200")
    );
    assert!(
        a3[1].at - a3[0].at >= Duration::from_secs(1),
        "Retry-After: 1"
    );
    assert_eq!(
        (a4[0].answered.as_str(), a4[1].answered.as_str()),
        ("drop", "200")
    );

    // What was recorded.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let st = store(&data).await;
        let tenant = st.list_tenants().await.unwrap()[0];
        let pid = practice.parse().unwrap();
        let answers = st.cms_answers(tenant, year(), Some(pid)).await.unwrap();
        assert_eq!(answers.len(), 4);
        for a in &answers {
            assert_eq!(
                a.url,
                format!("{}/api/eligibility/npi/{}?year=2026", cms.url(), a.npi)
            );
            assert_eq!(a.api_version, "v6");
            assert!(a.retrieved_at >= started - chrono::Duration::seconds(1) && a.retrieved_at <= ended);
        }
        let a1 = answers.iter().find(|a| a.npi.as_str() == n1).unwrap();
        let CmsOutcome::Found { organization, statuses, .. } = &a1.outcome else {
            panic!("{:?}", a1.outcome)
        };
        assert_eq!(organization, "PRACTICE 0000");
        for name in ["hospitalBasedClinician", "aciHardship", "aciReweighting", "smallGroupPractitioner", "extremeHardship", "extremeHardshipReasons.aci"] {
            assert!(statuses.iter().any(|x| x.name == name && x.level == "individual"), "{name}: {statuses:?}");
        }
        let a2 = answers.iter().find(|a| a.npi.as_str() == n2).unwrap();
        assert!(matches!(&a2.outcome, CmsOutcome::NotFound { http_status: 404, error, .. } if error == "NoProviderInformation"));
        let clinicians = st.list_clinicians(tenant, pid).await.unwrap();
        let id = |npi: &str| clinicians.iter().find(|c| c.npi.as_str() == npi).unwrap().id;
        let statuses = st.statuses(tenant, pid, year()).await.unwrap();
        let hb = statuses
            .iter()
            .find(|x| x.clinician == id(&n1) && x.status == SpecialStatus::HospitalBased)
            .unwrap();
        assert!(hb.value);
        assert_eq!(
            hb.origin,
            StatusOrigin::CmsEligibility { retrieved_on: a1.retrieved_at.date_naive() },
            "the seed's imported value is now CMS's"
        );
        assert!(
            statuses.iter().all(|x| x.clinician != id(&n2)),
            "nothing but the answer is recorded for an NPI CMS does not know"
        );
        let events = st.audit_events(tenant, None).await.unwrap();
        let run = events.iter().rev().find(|e| e.action == "eligibility.fetch").unwrap();
        assert_eq!(run.actor_label, "cli");
        assert!(run.after.as_deref().unwrap().contains("\"npis\":4"));
    });

    // A second run asks nothing: every answer is fresh.
    let o = fetch(&data, &cms, &["--practice", &practice]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("skipped as fresh 4"), "{}", stdout(&o));
    assert_eq!(cms.requests().len(), 6);
    // A base URL that is not one is bad input.
    let o = hardship(&[
        "eligibility",
        "fetch",
        "--all",
        "--year",
        "2026",
        "--base-url",
        "qpp.cms.gov",
        "--data-dir",
        &data,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn after_an_outage_the_next_run_fetches_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    seeded(&data);
    let cms = FakeCms::start();
    cms.default_reply(Reply::Profile(at_practice(
        json!({"nonPatientFacing": false}),
    )));
    // CMS answers twice, then drops every connection.
    cms.drop_everything_after(2);
    let o = fetch(
        &data,
        &cms,
        &["--tin", "100000000", "--retries", "1", "--json"],
    );
    assert_eq!(o.status.code(), Some(5), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("2 NPI(s) not fetched from CMS"),
        "{}",
        stderr(&o)
    );
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["fetched"], 2, "{s}");
    let failed: Vec<String> = s["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["npi"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failed.len(), 2, "{s}");
    assert!(
        s["failed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("(2 tries)"),
        "{s}"
    );
    let seen = cms.requests().len();
    cms.heal();
    let o = fetch(&data, &cms, &["--all", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (s["skipped_fresh"].clone(), s["fetched"].clone()),
        (json!(2), json!(2)),
        "{s}"
    );
    let again: Vec<String> = cms.requests()[seen..]
        .iter()
        .map(|r| r.npi().to_owned())
        .collect();
    assert_eq!(again, failed, "only what the outage left");
}

#[test]
fn a_killed_run_keeps_what_it_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let practice = seeded(&data);
    let n3 = seeded_npi(3);
    let cms = FakeCms::start();
    cms.default_reply(Reply::Profile(at_practice(json!({}))));
    cms.script(&n3, vec![Reply::Stall]);
    let url = cms.url();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hardship"))
        .args([
            "eligibility",
            "fetch",
            "--practice",
            &practice,
            "--year",
            "2026",
            "--base-url",
            &url,
            "--rate",
            "20",
            "--data-dir",
            &data,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !cms.requests().iter().any(|r| r.npi() == n3) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the run never reached the third NPI"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Killed while CMS keeps it waiting: as Ctrl-C or an operator's kill would.
    child.kill().unwrap();
    child.wait().unwrap();
    cms.script(&n3, vec![Reply::Profile(at_practice(json!({})))]);
    let before = cms.requests().len();
    let o = fetch(&data, &cms, &["--practice", &practice, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (s["skipped_fresh"].clone(), s["fetched"].clone()),
        (json!(2), json!(2)),
        "{s}"
    );
    assert_eq!(cms.requests().len(), before + 2);
}

//! The bulk fetch from CMS at the use-case level, on a real SQLite store, with a source that answers what
//! each test scripts (CMS's sample profile, reshaped by the testkit): which organization of a masked-TIN
//! answer is the practice, and the retry policy (Retry-After honoured, bounded retries, a wait longer than
//! allowed stops the run). The HTTP client itself is exercised end to end by the command line's tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hardship_app::eligibility_fetch::{
    Answer, EligibilitySource, FetchError, FetchRequest, FetchSettings, Quiet, Scope,
    fetch_eligibility,
};
use hardship_app::{App, AppSettings, Principal};
use hardship_rules::{ClinicianType, Npi, PerformanceYear, SpecialStatus};
use hardship_store::testsuite::TestClock;
use hardship_store::*;
use hardship_testkit::fake_cms::{Org, profile};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Scripted = Result<Answer, FetchError>;

/// Answers each NPI from its script, in order (the last answer repeats).
#[derive(Default)]
struct Fake(Mutex<HashMap<Npi, VecDeque<Scripted>>>);

impl Fake {
    fn script(&self, npi: Npi, answers: Vec<Scripted>) {
        self.0.lock().unwrap().insert(npi, answers.into());
    }
}

impl EligibilitySource for Fake {
    fn endpoint(&self) -> String {
        "https://cms.test/api/eligibility/npi/{npi}".into()
    }
    fn api_version(&self) -> String {
        "v6".into()
    }
    async fn fetch(&self, npi: Npi, _year: PerformanceYear) -> Scripted {
        let mut all = self.0.lock().unwrap();
        let q = all.get_mut(&npi).expect("a scripted NPI");
        if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            q.front().cloned().unwrap()
        }
    }
}

fn ok(npi: Npi, status: u16, body: Vec<u8>) -> Scripted {
    Ok(Answer {
        url: format!("https://cms.test/api/eligibility/npi/{npi}?year=2026"),
        api_version: "v6".into(),
        http_status: status,
        body,
    })
}

fn found(npi: Npi, orgs: &[Org]) -> Scripted {
    ok(
        npi,
        200,
        serde_json::to_vec(&profile(npi.as_str(), orgs)).unwrap(),
    )
}

fn npi(n: u32) -> Npi {
    hardship_store::testsuite::npi(n)
}

fn year() -> PerformanceYear {
    PerformanceYear::new(2026).unwrap()
}

struct World {
    app: App,
    owner: Principal,
    practice: Practice,
    _dir: tempfile::TempDir,
}

/// "Lakeside Family Medicine" (TIN 123456789) with clinicians 1..=n.
async fn world(n: u32) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(chrono::Utc::now());
    let env = Env {
        clock: clock.clone(),
        ids: Arc::new(RandomIds),
    };
    let store = hardship_store_sqlite::open(&dir.path().join("db.sqlite"), env)
        .await
        .unwrap();
    let vault = hardship_vault::Vault::open(
        &dir.path().join("vault").display().to_string(),
        hardship_vault::MasterKey::generate().unwrap(),
    )
    .unwrap();
    let app = App::with_clock(
        Arc::new(store),
        Arc::new(vault),
        AppSettings::default(),
        clock,
    );
    let actor = Actor {
        user: None,
        label: "setup".into(),
        role: Role::Owner,
    };
    let org = app
        .store
        .create_organization(&actor, "Acme Consulting", OrganizationKind::Consultancy)
        .await
        .unwrap();
    let practice = app
        .store
        .create_practice(
            org.id,
            &actor,
            NewPractice {
                tin: hardship_rules::Tin::parse("123456789").unwrap(),
                name: "Lakeside Family Medicine".into(),
                address: "1 Main St".into(),
                contact: Contact {
                    name: "Pat Doe".into(),
                    email: "pat@lakeside.test".into(),
                    phone: "555-0100".into(),
                },
                zip: None,
            },
        )
        .await
        .unwrap();
    for i in 1..=n {
        app.store
            .add_clinician(
                org.id,
                &actor,
                practice.id,
                NewClinician {
                    npi: npi(i),
                    name: format!("Clinician {i}"),
                    clinician_type: ClinicianType::Physician,
                },
            )
            .await
            .unwrap();
    }
    World {
        app,
        owner: Principal::cli(org.id),
        practice,
        _dir: dir,
    }
}

fn fast() -> FetchSettings {
    FetchSettings {
        rate: 1000.0,
        backoff: Duration::from_millis(10),
        retries: 2,
        ..FetchSettings::default()
    }
}

async fn status_of(w: &World, n: u32, status: SpecialStatus) -> Option<ClinicianStatus> {
    let c = w
        .app
        .store
        .list_clinicians(w.owner.tenant, w.practice.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.npi == npi(n))
        .unwrap();
    w.app
        .store
        .statuses(w.owner.tenant, w.practice.id, year())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.clinician == c.id && s.status == status)
}

#[tokio::test]
async fn masked_tins_are_matched_by_name_or_taken_when_alone_and_never_guessed() {
    let w = world(4).await;
    let fake = Fake::default();
    // The only organization: taken, whatever its name.
    fake.script(
        npi(1),
        vec![found(
            npi(1),
            &[Org::named("SCOOBY GANG HEALTH PARTNERS")
                .with(json!({"hospitalBasedClinician": true}))],
        )],
    );
    // Two masked organizations: the one named like the practice (legal form and case aside).
    fake.script(
        npi(2),
        vec![found(
            npi(2),
            &[
                Org::named("HILLSIDE CLINIC").with(json!({"hospitalBasedClinician": true})),
                Org::named("LAKESIDE FAMILY MEDICINE, P.C.")
                    .with(json!({"hospitalBasedClinician": false, "aciReweighting": false})),
            ],
        )],
    );
    // Two, neither named like it: nothing recorded.
    fake.script(
        npi(3),
        vec![found(
            npi(3),
            &[
                Org::named("HILLSIDE CLINIC").with(json!({"hospitalBasedClinician": true})),
                Org::named("RIVERSIDE GROUP"),
            ],
        )],
    );
    // A 404 that is not CMS's error JSON: a wrong base URL, not "not found".
    fake.script(npi(4), vec![ok(npi(4), 404, b"<html>nope</html>".to_vec())]);
    let s = fetch_eligibility(
        &w.app,
        &w.owner,
        &fake,
        FetchRequest {
            scope: Scope::Practice(w.practice.id),
            year: year(),
            refresh: false,
        },
        &fast(),
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!((s.npis, s.fetched, s.requests), (4, 2, 4), "{s:?}");
    assert_eq!(s.unmatched.len(), 1, "{s:?}");
    assert_eq!(s.unmatched[0].npi, npi(3).to_string());
    assert_eq!(
        s.unmatched[0].reason,
        "2 organizations, none named like the practice"
    );
    assert_eq!(s.failed.len(), 1);
    assert!(s.failed[0].reason.contains("base URL"), "{s:?}");
    assert!(!s.complete);

    let hb = status_of(&w, 1, SpecialStatus::HospitalBased)
        .await
        .unwrap();
    assert!(hb.value && matches!(hb.origin, StatusOrigin::CmsEligibility { .. }));
    let hb2 = status_of(&w, 2, SpecialStatus::HospitalBased)
        .await
        .unwrap();
    assert!(!hb2.value, "the practice's organization, not Hillside's");
    assert!(
        status_of(&w, 3, SpecialStatus::HospitalBased)
            .await
            .is_none()
    );

    let answers = w
        .app
        .store
        .cms_answers(w.owner.tenant, year(), Some(w.practice.id))
        .await
        .unwrap();
    assert_eq!(
        answers.len(),
        2,
        "nothing for the ambiguous or the failed NPI"
    );
    let a2 = answers.iter().find(|a| a.npi == npi(2)).unwrap();
    match &a2.outcome {
        CmsOutcome::Found {
            organization,
            statuses,
            ..
        } => {
            assert_eq!(organization, "LAKESIDE FAMILY MEDICINE, P.C.");
            let aci = statuses
                .iter()
                .find(|x| x.level == "individual" && x.name == "aciReweighting")
                .unwrap();
            assert_eq!(aci.value, "false");
            assert!(statuses.iter().any(|x| x.name == "extremeHardshipSources"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        a2.url,
        format!("https://cms.test/api/eligibility/npi/{}?year=2026", npi(2))
    );
    let events = w
        .app
        .store
        .audit_events(w.owner.tenant, None)
        .await
        .unwrap();
    let run = events
        .iter()
        .rev()
        .find(|e| e.action == audit::actions::ELIGIBILITY_FETCH)
        .unwrap();
    let after = run.after.as_deref().unwrap();
    assert!(after.contains("none named like the practice"), "{after}");
}

#[tokio::test]
async fn retry_after_is_honoured_retries_are_bounded_and_a_long_wait_stops_the_run() {
    let w = world(4).await;
    let fake = Fake::default();
    let slow_down = |secs| FetchError::RateLimited {
        retry_after: Some(Duration::from_secs(secs)),
    };
    fake.script(
        npi(1),
        vec![Err(slow_down(1)), found(npi(1), &[Org::named("Lakeside")])],
    );
    fake.script(
        npi(2),
        vec![Err(FetchError::Transient("CMS answered 503".into()))],
    );
    fake.script(npi(3), vec![Err(slow_down(3600))]);
    fake.script(npi(4), vec![found(npi(4), &[Org::named("Lakeside")])]);
    let t0 = Instant::now();
    let s = fetch_eligibility(
        &w.app,
        &w.owner,
        &fake,
        FetchRequest {
            scope: Scope::Organization,
            year: year(),
            refresh: false,
        },
        &fast(),
        &Quiet,
    )
    .await
    .unwrap();
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured"
    );
    assert_eq!(s.fetched, 1, "{s:?}");
    assert_eq!(s.failed.len(), 1);
    assert_eq!(s.failed[0].reason, "CMS answered 503 (3 tries)");
    assert_eq!(
        s.deferred, 2,
        "the long wait stops the run: NPI 3 and 4 are left"
    );
    assert!(s.deferred_reason.as_deref().unwrap().contains("3600 s"));
    assert_eq!(s.requests, 2 + 3 + 1);
    // A second run asks only what is not fresh (NPI 1 is), and a refresh asks everything again.
    fake.script(npi(2), vec![found(npi(2), &[Org::named("Lakeside")])]);
    fake.script(npi(3), vec![found(npi(3), &[Org::named("Lakeside")])]);
    let again = fetch_eligibility(
        &w.app,
        &w.owner,
        &fake,
        FetchRequest {
            scope: Scope::Organization,
            year: year(),
            refresh: false,
        },
        &fast(),
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.skipped_fresh, again.fetched, again.requests),
        (1, 3, 3)
    );
    assert!(again.complete);
    let refresh = fetch_eligibility(
        &w.app,
        &w.owner,
        &fake,
        FetchRequest {
            scope: Scope::Organization,
            year: year(),
            refresh: true,
        },
        &fast(),
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!((refresh.skipped_fresh, refresh.fetched), (0, 4));
    // Auditors may not.
    let auditor = Principal {
        role: Role::Auditor,
        ..w.owner.clone()
    };
    let e = fetch_eligibility(
        &w.app,
        &auditor,
        &fake,
        FetchRequest {
            scope: Scope::Organization,
            year: year(),
            refresh: false,
        },
        &fast(),
        &Quiet,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

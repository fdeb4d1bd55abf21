//! The application wizard as a practice manager uses it: a practice that needs no application is told
//! so and nothing is saved; an extreme and uncontrollable circumstance still going on (no end date) is
//! accepted and its packet leaves the end open; everything missing is named at once; who applies
//! defaults to the year's reporting level, and a different choice is warned about, not refused.

use crate::api::{import, owner_and_token};
use crate::harness::{Auth, Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn practice(app: &TestApp, token: &str, tin: &str, clinicians: u32) -> String {
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(token),
            &json!({"tin": tin, "name": "Nguyễn Văn An Clinic",
                    "contact": {"name": "Zoë Ångström", "email": "zoe@clinic.test", "phone": "555-0100"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    // A roster that states no reporting level: the year's level stays undecided.
    let mut csv = String::from("npi,name,clinician_type\n");
    for i in 1..=clinicians {
        csv.push_str(&format!(
            "{},Clinician {i},physician\n",
            crate::harness::npi(i)
        ));
    }
    let (s, r) = import(app, token, &id, &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    id
}

async fn page(app: &TestApp, owner: &Session, path: &str) -> (StatusCode, String) {
    let r = app.get(path, Auth::Session(owner)).await;
    (r.status(), r.text().await.unwrap())
}

async fn applications(app: &TestApp, token: &str) -> usize {
    let (_, v) = app
        .get_json("/api/v1/applications?year=2026", Auth::Bearer(token))
        .await;
    v.as_array().unwrap().len()
}

#[tokio::test]
async fn a_practice_that_needs_no_application_is_told_so_and_nothing_is_saved() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789", 3).await;
    // 3 clinicians in 2026: a small practice, reweighted automatically.
    let (s, html) = page(
        &app,
        &owner,
        &format!("/practices/{p}/years/2026/apply?step=reason&clinician_count=3"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"no-application-needed\""), "{html}");
    assert!(!html.contains("id=\"reason-form\""), "no way on to a draft");
    assert_eq!(applications(&app, &token).await, 0);
}

#[tokio::test]
async fn an_ongoing_circumstance_is_accepted_and_everything_missing_is_named_at_once() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789", 20).await;
    let facts = "clinician_count=20&event_kind=disaster&event_start=2026-08-29";
    // Step 1 → 2: the blank end is "ongoing"; the reason may be cited.
    let (s, html) = page(
        &app,
        &owner,
        &format!("/practices/{p}/years/2026/apply?step=reason&{facts}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"reason-extreme_uncontrollable\""));
    // An end before the start is refused at step 1, naming the field.
    let (s, html) = page(
        &app,
        &owner,
        &format!("/practices/{p}/years/2026/apply?step=reason&{facts}&event_end=2026-08-01"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("event_end") && html.contains("2026-08-01"),
        "{html}"
    );
    // Step 3 saved with three things missing: each is named in one answer, and the draft is kept.
    let path = format!("/practices/{p}/years/2026/apply");
    let base = [
        ("clinician_count", "20"),
        ("event_kind", "disaster"),
        ("event_start", "2026-08-29"),
        ("reason", "extreme_uncontrollable"),
        ("level", "group"),
        ("circumstance_start", "2026-08-29"),
        ("circumstance_end", ""),
        (
            "description",
            "Hurricane damage closed both sites of Nguyễn Văn An Clinic; the EHR is still down.",
        ),
        ("last_name", "Ångström"),
        ("email", "zoe@clinic.test"),
        ("mark_ready", "on"),
    ];
    let r = app.post_form(&path, &owner, &base, true).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for field in ["submitter.first_name", "submitter.phone", "attested"] {
        assert!(html.contains(field), "{field} is named:\n{html}");
    }
    assert!(
        !html.contains("circumstance_end"),
        "an open end is not missing"
    );
    assert_eq!(applications(&app, &token).await, 1, "the draft is saved");
    // Complete: ready to send, the end left open in the packet.
    let mut full = base.to_vec();
    full.extend([
        ("first_name", "Zoë"),
        ("phone", "555-0100"),
        ("attested", "on"),
    ]);
    let r = app.post_form(&path, &owner, &full, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, a) = app
        .get_json(&format!("/api/v1/applications/{id}"), Auth::Bearer(&token))
        .await;
    assert_eq!(a["state"]["name"], "ready", "{a}");
    let (_, pk) = app
        .get_json(
            &format!("/api/v1/applications/{id}/packet"),
            Auth::Bearer(&token),
        )
        .await;
    let end = pk["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "End date")
        .unwrap();
    assert!(
        end["value"].as_str().unwrap().starts_with("ongoing"),
        "{end}"
    );
}

#[tokio::test]
async fn who_applies_defaults_to_the_years_level_and_a_different_one_is_warned_about() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789", 20).await;
    let facts = "clinician_count=20&insufficient_internet=on";
    let reason =
        |extra: &str| format!("/practices/{p}/years/2026/apply?step=reason&{facts}{extra}");
    // Not decided: nothing is assumed, and the page says the level is open.
    let (_, html) = page(&app, &owner, &reason("")).await;
    assert!(html.contains("id=\"level-undecided\""));
    assert!(!html.contains("id=\"level-group\" checked"));
    let (s, v) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{p}/years/2026/profile"),
            Auth::Bearer(&token),
            &json!({"version": 0, "level": "group", "pi_submitted": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, html) = page(&app, &owner, &reason("")).await;
    assert!(html.contains("id=\"level-group\" checked"), "{html}");
    assert!(!html.contains("id=\"level-differs\""));
    // An individual application beside a group that reports: allowed, and said.
    let npi = crate::harness::npi(1);
    let (s, html) = page(
        &app,
        &owner,
        &format!(
            "/practices/{p}/years/2026/apply?step=details&{facts}&reason=insufficient_internet&level=individual&npi={npi}"
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"level-differs\""), "{html}");
    assert!(html.contains("id=\"details-form\""), "warned, not refused");
}

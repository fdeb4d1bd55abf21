//! The JSON API against the real app: what a consultancy does in its first hour, the traps the rules
//! catch, every kind of bad input (4xx naming the field and value, nothing written), concurrency, and
//! the security mechanics (rate limiting, fresh sessions, CSRF, token revocation).

use crate::harness::{Auth, PASSWORD, TestApp, client, npi, set_cookie};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub async fn owner_and_token(app: &TestApp) -> (crate::harness::Session, String) {
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let token = app.token(&owner, "owner").await;
    (owner, token)
}

pub async fn practice(app: &TestApp, token: &str, tin: &str) -> String {
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(token),
            &json!({ "tin": tin, "name": "Lakeside Family Medicine",
                     "contact": { "name": "Pat Doe", "email": "pat@lakeside.test", "phone": "555-0100" } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_owned()
}

pub fn roster_csv(n: u32, hospital_based: &[u32], level: &str) -> String {
    let mut csv =
        String::from("performance_year,npi,name,clinician_type,reporting_level,hospital_based\n");
    for i in 1..=n {
        csv.push_str(&format!(
            "2026,{},Clinician {i},physician,{level},{}\n",
            npi(i),
            hospital_based.contains(&i)
        ));
    }
    csv
}

pub async fn import(app: &TestApp, token: &str, practice: &str, csv: &str) -> (StatusCode, Value) {
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/practices/{practice}/imports"),
            Auth::Bearer(token),
        )
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

fn group_application(practice: &str, tin: &str, reason: &str) -> Value {
    json!({
        "practice": practice, "year": 2026,
        "applicant": { "level": "group", "tin": tin },
        "reason": reason,
        "description": "No broadband at the rural site since the storm.",
        "submitter": { "first_name": "Pat", "last_name": "Doe", "email": "pat@lakeside.test", "phone": "555-0100" },
        "facts": { "clinician_count": 20, "insufficient_internet": true },
        "attested": true
    })
}

#[tokio::test]
async fn a_consultancy_files_an_approval_ready_application() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = practice(&app, &token, "12-3456789").await;

    // A roster of 20 group-reporting physicians, one hospital-based: the mixed-group trap.
    let (s, r) = import(&app, &token, &p, &roster_csv(20, &[1], "group")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["added"].as_u64(), r["statuses_set"].as_u64()),
        (Some(20), Some(20))
    );
    assert_eq!(r["profiles_set"], json!([2026]));

    let (s, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["level"], "group");
    let first = &e["clinicians"][0];
    assert_eq!(
        first["individual"]["basis"],
        "special_status:hospital_based"
    );
    assert_eq!(first["reweighted"], false);
    assert_eq!(first["alerts"][0]["code"], "group_test_not_met");
    assert_eq!(e["group"]["basis"], "group_test_not_met");
    assert!(
        e["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "group_test_not_met"),
        "{e}"
    );
    assert!(
        !e["group"]["explanation"]["sources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(e["needs_application"], 20);

    // Screening: which reasons 2026 accepts and the practice may cite.
    let (s, sc) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{p}/years/2026/screening"),
            t,
            &json!({ "insufficient_internet": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sc}");
    let reasons = sc["reasons"].as_array().unwrap();
    let internet = reasons
        .iter()
        .find(|r| r["reason"] == "insufficient_internet")
        .unwrap();
    assert_eq!(internet["may_cite"], true);
    let small = reasons
        .iter()
        .find(|r| r["reason"] == "small_practice")
        .unwrap();
    assert_eq!(
        small["accepted"], false,
        "2026 does not accept the small-practice reason"
    );

    // The application, from draft to approval.
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &group_application(&p, "123456789", "insufficient_internet"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["state"]["name"], "draft");
    let step = |version: i64, body: Value| {
        let mut b = body;
        b["version"] = json!(version);
        b
    };
    let path = format!("/api/v1/applications/{id}/transitions");
    let (s, a) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &step(1, json!({"action": "mark_ready"})),
        )
        .await;
    assert_eq!(
        (s, a["state"]["name"].as_str()),
        (StatusCode::OK, Some("ready")),
        "{a}"
    );
    let (s, err) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &step(
                2,
                json!({"action": "submit", "channel": "portal", "reference": " "}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("confirmation number"),
        "{err}"
    );
    let (s, a) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &step(
                2,
                json!({"action": "submit", "channel": "portal", "reference": "QPP-2026-0042"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["state"]["reference"], "QPP-2026-0042");
    // Submitting filed the group's decision with its rule-set version, for the audit.
    let (_, decisions) = app
        .get_json(&format!("/api/v1/practices/{p}/decisions"), t)
        .await;
    assert_eq!(decisions.as_array().unwrap().len(), 1);
    assert!(
        !decisions[0]["rule_set_version"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // CMS's e-mail goes into the vault, then approves the application.
    let email =
        b"From: QPP\r\nSubject: Your PI hardship exception is approved\r\n\r\nApproved.".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("kind", "cms_decision_email")
        .text("application", id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(email.clone()).file_name("approval.eml"),
        );
    let r = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc: Value = r.json().await.unwrap();
    use sha2::Digest;
    assert_eq!(
        doc["sha256"],
        hardship_store::hex(&sha2::Sha256::digest(&email))
    );
    assert_eq!(
        doc["retain_until"], "2036-12-31",
        "ten years after the performance year"
    );
    let day = app.state.now().date_naive().to_string();
    let (s, a) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &step(
                3,
                json!({"action": "approve", "decided_on": day, "decision_email": doc["id"]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["state"]["name"], "approved");
    assert_eq!(a["state"]["decision_email"], doc["id"]);

    // The approval now protects the group, and the dashboard says so.
    let (_, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    assert_eq!(e["group"]["basis"], "hardship:insufficient_internet");
    assert_eq!(
        (
            e["reweighted_by_hardship"].as_u64(),
            e["needs_application"].as_u64()
        ),
        (Some(20), Some(0))
    );
    let (_, d) = app.get_json("/api/v1/dashboard?year=2026", t).await;
    assert_eq!(d["totals"]["reweighted_by_hardship"], 20);
    assert_eq!(d["totals"]["applications"]["approved"], 1);
    assert_eq!(d["deadline"]["state"], "open");

    // Every step is in the application's audit trail, and the chain verifies.
    let (_, events) = app
        .get_json(&format!("/api/v1/applications/{id}/audit"), t)
        .await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "application.create",
            "application.ready",
            "application.submit",
            "application.approve"
        ]
    );
    let (_, v) = app.get_json("/api/v1/audit/verify", t).await;
    assert_eq!(v["ok"], true, "{v}");

    // The evidence downloads byte for byte.
    let r = app
        .get(
            &format!("/api/v1/documents/{}/content", doc["id"].as_str().unwrap()),
            t,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), email);
}

#[tokio::test]
async fn pi_data_voids_reweighting_and_the_answer_follows_every_change_at_once() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = practice(&app, &token, "123456789").await;
    // A small practice: reweighted automatically in 2026 [RULEBOOK §3.1].
    let (s, _) = import(&app, &token, &p, &roster_csv(3, &[], "individual")).await;
    assert_eq!(s, StatusCode::OK);
    let path = format!("/api/v1/practices/{p}/years/2026/eligibility");
    let (_, e) = app.get_json(&path, t).await;
    assert_eq!(e["reweighted_automatically"], 3);
    assert_eq!(e["clinicians"][0]["individual"]["basis"], "small_practice");
    // The cached answer must change with the profile (the revision moves).
    let (_, prof) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/profile"), t)
        .await;
    // The file stated the level (`reporting_level`): the import decided it, and saved the profile.
    assert_eq!(
        (prof["version"].clone(), prof["level"].clone()),
        (json!(1), json!("individual"))
    );
    let (s, prof) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{p}/years/2026/profile"),
            t,
            &json!({"version": 1, "level": "individual", "pi_submitted": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{prof}");
    let (_, e) = app.get_json(&path, t).await;
    assert_eq!(e["reweighted_automatically"], 0);
    assert_eq!(
        e["clinicians"][0]["individual"]["basis"],
        "voided_by_pi_submission"
    );
    assert_eq!(e["alerts"][0]["code"], "pi_submission_voids_reweighting");
    // A stale version is refused, naming the conflict.
    let (s, err) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{p}/years/2026/profile"),
            t,
            &json!({"version": 0, "level": "individual", "pi_submitted": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("changed by someone else"),
        "{err}"
    );
}

#[tokio::test]
async fn the_score_impact_reproduces_the_readme_what_if() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    import(&app, &token, &p, &roster_csv(5, &[], "individual")).await;
    let (s, i) = app
        .get_json(
            &format!(
                "/api/v1/practices/{p}/years/2024/score-impact?quality=80&cost=50&ia=100&pi=0"
            ),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{i}");
    // README: 77.00 reweighted against 54.00 (−2.52%) reported; reporting only pays from PI 92.
    assert_eq!(i["reweighted"]["final_score"], 77.0);
    assert_eq!(i["reported"]["final_score"], 54.0);
    assert_eq!(i["reported"]["negative_percent"], -2.52);
    assert_eq!(i["break_even"], 92.0);
    assert_eq!(i["winner"], "reweight");
    assert_eq!(i["curve"].as_array().unwrap().len(), 51);
    let (s, err) = app
        .get_json(
            &format!("/api/v1/practices/{p}/years/2024/score-impact?quality=180"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        err["message"].as_str().unwrap().contains("quality"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_field_and_value_and_writes_nothing() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = practice(&app, &token, "123456789").await;
    let revision = || async {
        app.state
            .store
            .revision(app.state.store.list_tenants().await.unwrap()[0])
            .await
            .unwrap()
    };
    let before = revision().await;
    let cases: Vec<(Method, String, Value, StatusCode, &str)> = vec![
        (
            Method::POST,
            "/api/v1/practices".into(),
            json!({"tin": "12345678", "name": "X"}),
            StatusCode::BAD_REQUEST,
            "tin \"12345678\"",
        ),
        (
            Method::POST,
            "/api/v1/practices".into(),
            json!({"tin": "123456789", "name": "X", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            Method::POST,
            "/api/v1/practices".into(),
            json!({"tin": "123456789", "name": "X", "contact": {"email": "not mail"}}),
            StatusCode::BAD_REQUEST,
            "contact.email",
        ),
        (
            Method::POST,
            "/api/v1/practices".into(),
            json!({"tin": "123456789", "name": "   "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            Method::POST,
            format!("/api/v1/practices/{p}/clinicians"),
            json!({"npi": "1234567890", "name": "Dr. X", "clinician_type": "physician"}),
            StatusCode::BAD_REQUEST,
            "npi \"1234567890\"",
        ),
        (
            Method::POST,
            format!("/api/v1/practices/{p}/clinicians"),
            json!({"npi": npi(1), "name": "Dr. X", "clinician_type": "wizard"}),
            StatusCode::BAD_REQUEST,
            "clinician_type \"wizard\"",
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            {
                let mut a = group_application(&p, "123456789", "small_practice");
                a["year"] = json!(2026);
                a
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "small practice",
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            group_application(&p, "123456789", "lacking_cehrt"),
            StatusCode::BAD_REQUEST,
            "never a hardship reason",
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            group_application(&p, "987654321", "insufficient_internet"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "applicant.tin 987654321",
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            {
                let mut a = group_application(&p, "123456789", "insufficient_internet");
                a["circumstance_start"] = json!("2026-02-30");
                a
            },
            StatusCode::BAD_REQUEST,
            "circumstance_start \"2026-02-30\"",
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            {
                let mut a = group_application(&p, "123456789", "insufficient_internet");
                a["year"] = json!(2031);
                a
            },
            StatusCode::BAD_REQUEST,
            "performance_year \"2031\"",
        ),
        (
            Method::PUT,
            format!("/api/v1/practices/{p}/years/2026/profile"),
            json!({"version": 0, "level": "apm_entity", "pi_submitted": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "level",
        ),
        (
            Method::PUT,
            format!("/api/v1/practices/{p}/years/2026/profile"),
            json!({"version": 0, "level": "group", "pi_submitted": false, "scores": {"pi": 101}}),
            StatusCode::BAD_REQUEST,
            "scores.pi",
        ),
        (
            Method::POST,
            format!("/api/v1/practices/{p}/years/2026/screening"),
            json!({"event_kind": "disaster", "event_start": "2026-05-01", "event_end": "2026-04-01"}),
            StatusCode::BAD_REQUEST,
            "event_end \"2026-04-01\"",
        ),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            json!({"name": "x", "role": "god"}),
            StatusCode::BAD_REQUEST,
            "role \"god\"",
        ),
        (
            Method::POST,
            "/api/v1/invites".into(),
            json!({"email": "nope", "role": "staff"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
    ];
    for (method, path, body, status, needle) in cases {
        let (s, err) = app.send_json(method.clone(), &path, t, &body).await;
        assert_eq!(s, status, "{method} {path} {body}: {err}");
        assert!(
            err["message"].as_str().unwrap_or("").contains(needle),
            "{path}: expected {needle:?} in {err}"
        );
        assert!(err["error"].is_string());
    }
    // Malformed JSON and the wrong media type.
    let r = app
        .request(Method::POST, "/api/v1/practices", t)
        .header("content-type", "application/json")
        .body("{\"tin\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("invalid JSON"));
    let r = app
        .request(Method::POST, "/api/v1/practices", t)
        .header("content-type", "text/plain")
        .body("tin=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Malformed ids and years.
    for path in [
        "/api/v1/practices/not-a-uuid",
        "/api/v1/applications/%00",
        "/api/v1/documents/1234/content",
    ] {
        let (s, _) = app.get_json(path, t).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, err) = app
        .get_json(&format!("/api/v1/practices/{p}/years/20x6/eligibility"), t)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().unwrap().contains("20x6"));
    assert_eq!(revision().await, before, "nothing was written");
}

#[tokio::test]
async fn a_bad_roster_row_is_named_and_nothing_is_imported() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let mut csv = roster_csv(5, &[], "individual");
    csv.push_str("2026,1234567890,Bad Luhn,physician,individual,false\n");
    csv.push_str(&format!(
        "2026,{},Wrong Type,surgeon,individual,false\n",
        npi(77)
    ));
    let (s, errs) = import(&app, &token, &p, &csv).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{errs}");
    let errs = errs.as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert_eq!(
        (
            errs[0]["line"].as_u64(),
            errs[0]["column"].as_str(),
            errs[0]["value"].as_str()
        ),
        (Some(7), Some("npi"), Some("1234567890"))
    );
    assert_eq!(
        (errs[1]["line"].as_u64(), errs[1]["column"].as_str()),
        (Some(8), Some("clinician_type"))
    );
    let (_, roster) = app
        .get_json(
            &format!("/api/v1/practices/{p}/clinicians"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(roster.as_array().unwrap().len(), 0, "all or nothing");
    // A row of another TIN.
    let (s, errs) = import(
        &app,
        &token,
        &p,
        &format!("npi,clinician_type,tin\n{},physician,987654321\n", npi(1)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errs[0]["column"], "tin");
}

#[tokio::test]
async fn uploads_are_limited_named_and_never_half_written() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        body_limit: 100 * 1024,
        ..Default::default()
    })
    .await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = practice(&app, &token, "123456789").await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("kind", "outage_record")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        app.request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
            .multipart(form)
            .send()
    };
    let r = upload("big.bin", vec![7u8; 150 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = upload("../../etc/passwd", b"x".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("filename"));
    let r = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(reqwest::multipart::Form::new().text("kind", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, docs) = app
        .get_json(&format!("/api/v1/practices/{p}/documents"), t)
        .await;
    assert!(
        docs.as_array().unwrap().is_empty(),
        "no record of a refused upload"
    );
    let keys = app.state.vault.list(Some("tenants")).await.unwrap();
    assert!(keys.is_empty(), "no object left behind: {keys:?}");
    let r = upload("ok.txt", vec![1u8; 90 * 1024]).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn applications_refuse_late_submission_and_stale_versions() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = practice(&app, &token, "123456789").await;
    import(&app, &token, &p, &roster_csv(20, &[], "group")).await;
    let mut draft = group_application(&p, "123456789", "insufficient_internet");
    draft["attested"] = json!(false);
    let (_, a) = app
        .send_json(Method::POST, "/api/v1/applications", t, &draft)
        .await;
    let id = a["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}/transitions");
    let (s, err) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 1, "action": "mark_ready"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["message"].as_str().unwrap().contains("attested"),
        "{err}"
    );
    draft["attested"] = json!(true);
    draft["version"] = json!(1);
    let (s, a) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            t,
            &draft,
        )
        .await;
    assert_eq!((s, a["version"].as_i64()), (StatusCode::OK, Some(2)), "{a}");
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            t,
            &draft,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "version 1 is stale");
    // A drafted explanation whose "[to fill: …]" parts were left in is not ready.
    draft["description"] = json!("Our site lacks internet access: [to fill: the location]");
    draft["version"] = json!(2);
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            t,
            &draft,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, err) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 3, "action": "mark_ready"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["message"].as_str().unwrap().contains("description"),
        "{err}"
    );
    draft["description"] =
        json!("Our rural site has no broadband: 2 Mbit/s at best (provider letters on file).");
    draft["version"] = json!(3);
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            t,
            &draft,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 4, "action": "mark_ready"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // After the deadline (2026-12-31 20:00 ET) a submission is refused.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2027-01-01T01:00:00Z")
            .unwrap()
            .into(),
    );
    let (s, err) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 5, "action": "submit", "channel": "phone", "reference": "call 7"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("window closed"),
        "{err}"
    );
    let (s, err) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 5, "action": "explode"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().unwrap().contains("\"explode\""));
}

#[tokio::test]
async fn sign_in_is_rate_limited_and_every_sign_in_gets_a_fresh_session() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        login_max_failures: 3,
        ..Default::default()
    })
    .await;
    let owner = app.setup("Acme", "owner@acme.test").await;
    for _ in 0..3 {
        assert_eq!(
            app.login("owner@acme.test", "wrong password!!")
                .await
                .unwrap_err(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login("owner@acme.test", PASSWORD).await.unwrap_err(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked out, even with the right password"
    );
    // Per account from this address: another account from here is not locked out by those ...
    assert_eq!(
        app.login("ghost@acme.test", PASSWORD).await.unwrap_err(),
        StatusCode::UNAUTHORIZED,
        "another account is judged on its own"
    );
    // ... but the address over all accounts has 4 times the budget (12 here), then is refused.
    for n in 0..8 {
        assert_eq!(
            app.login(&format!("nobody{n}@acme.test"), "wrong password!!")
                .await
                .unwrap_err(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login("ghost2@acme.test", PASSWORD).await.unwrap_err(),
        StatusCode::TOO_MANY_REQUESTS,
        "the client address is limited too"
    );
    // The failures are in the database: a second instance on the same store refuses too.
    let twin = app.twin().await;
    assert_eq!(
        twin.login("owner@acme.test", PASSWORD).await.unwrap_err(),
        StatusCode::TOO_MANY_REQUESTS,
        "another instance counts the same failures"
    );
    // Once the window has passed, the right password works again.
    app.clock
        .set(crate::harness::now() + chrono::Duration::minutes(16));
    assert!(app.login("owner@acme.test", PASSWORD).await.is_ok());
    // A fresh app: a planted cookie is never adopted, and each sign-in mints a new session.
    let app = TestApp::start().await;
    app.setup("Acme", "owner@acme.test").await;
    let a = app.login("owner@acme.test", PASSWORD).await.unwrap();
    let b = app.login("owner@acme.test", PASSWORD).await.unwrap();
    assert_ne!(a.cookie, b.cookie);
    assert_ne!(a.csrf, b.csrf);
    let planted = format!("{}=deadbeef", app.cookie_name());
    let r = client()
        .get(app.url("/dashboard"))
        .header("cookie", &planted)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "an unknown session id is nobody"
    );
    // Signing out ends the session on the server.
    let r = app.post_form("/logout", &a, &[], true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&r, app.cookie_name()).unwrap().ends_with('='),
        "cookie cleared"
    );
    let (s, _) = app.get_json("/api/v1/me", Auth::Session(&a)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get_json("/api/v1/me", Auth::Session(&b)).await;
    assert_eq!(s, StatusCode::OK, "other sessions live on");
    drop(owner);
}

#[tokio::test]
async fn cookies_are_http_only_strict_and_secure() {
    let app = TestApp::start().await;
    let page = client().get(app.url("/setup")).send().await.unwrap();
    let c = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(c.contains(attr), "{c}");
    }
    let owner = app.setup("Acme", "owner@acme.test").await;
    assert!(owner.cookie.starts_with("__Host-hardship_session="));
    // Pages and the API answer with the security headers.
    for path in ["/dashboard", "/api/v1/me"] {
        let r = app.get(path, Auth::Session(&owner)).await;
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
        );
        assert!(r.headers().contains_key("x-request-id"));
    }
    let r = app.get("/dashboard", Auth::Session(&owner)).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_revoked_token_stops_working_at_once_and_a_password_change_signs_out_elsewhere() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (s, _) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, tokens) = app.get_json("/api/v1/tokens", Auth::Session(&owner)).await;
    let id = tokens[0]["id"].as_str().unwrap().to_owned();
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Auth::Session(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (s, _) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the cached token is invalidated by the revocation's audit event"
    );
    let (s, _) = app
        .get_json("/api/v1/practices", Auth::Bearer("hs_notatoken"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let other = app.login("owner@acme.test", PASSWORD).await.unwrap();
    let r = app
        .post_form(
            "/settings/password",
            &owner,
            &[
                ("current", PASSWORD),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (s, _) = app.get_json("/api/v1/me", Auth::Session(&other)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the other session was signed out"
    );
    let (s, _) = app.get_json("/api/v1/me", Auth::Session(&owner)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        app.login("owner@acme.test", "a brand new passphrase")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_invitation_works_once_and_gives_its_role() {
    let app = TestApp::start().await;
    let (owner, _) = owner_and_token(&app).await;
    let (s, inv) = app
        .send_json(
            Method::POST,
            "/api/v1/invites",
            Auth::Session(&owner),
            &json!({"email": "audrey@audit.test", "role": "auditor"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let link = inv["link_path"].as_str().unwrap().to_owned();
    let page = client().get(app.url(&link)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let form_cookie = set_cookie(&page, app.form_cookie_name()).unwrap();
    let csrf = crate::harness::csrf_in(&page.text().await.unwrap()).unwrap();
    let accept = |pw: &'static str| {
        client()
            .post(app.url(&link))
            .header("cookie", &form_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("password", pw),
                ("password_confirm", pw),
            ])
            .send()
    };
    let r = accept("short").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = accept("an auditor's passphrase").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = accept("an auditor's passphrase").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "used once");
    let auditor = app
        .login("audrey@audit.test", "an auditor's passphrase")
        .await
        .unwrap();
    let (_, me) = app.get_json("/api/v1/me", Auth::Session(&auditor)).await;
    assert_eq!(me["organization"]["role"], "auditor");
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Session(&auditor),
            &json!({"tin": "123456789", "name": "X"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_calendar_feed_lists_open_deadlines_and_the_practices_to_file() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    import(&app, &token, &p, &roster_csv(20, &[], "group")).await;
    let (s, cal) = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            Auth::Bearer(&token),
            &json!({"name": "my calendar", "role": "owner", "scope": "calendar"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cal}");
    assert_eq!(cal["info"]["scope"], "calendar");
    assert_eq!(
        cal["info"]["role"], "auditor",
        "a calendar link can change nothing"
    );
    let path = cal["calendar_path"].as_str().unwrap().to_owned();
    let r = client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = r.text().await.unwrap().replace("\r\n ", "");
    assert!(
        body.contains("DTSTART:20270101T010000Z"),
        "PY 2026 closes 2026-12-31 20:00 ET: {body}"
    );
    assert!(
        body.contains("Lakeside Family Medicine (TIN 123456789)"),
        "{body}"
    );
    assert!(!body.contains("PY 2025"), "closed windows are not listed");
    let r = client()
        .get(app.url("/api/v1/calendar.ics?token=hs_nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn concurrent_edits_of_one_application_lose_no_update() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let (_, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Auth::Bearer(&token),
            &group_application(&p, "123456789", "insufficient_internet"),
        )
        .await;
    let id = a["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let url = app.url(&format!("/api/v1/applications/{id}"));
        let mut body = group_application(&p, "123456789", "insufficient_internet");
        body["version"] = json!(1);
        body["description"] = json!(format!("edit {i}"));
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            client()
                .put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        ok, 1,
        "exactly one edit of version 1 wins; the others get 409"
    );
    let (_, events) = app
        .get_json(
            &format!("/api/v1/applications/{id}/audit"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(
        events.as_array().unwrap().len(),
        2,
        "one audit event per change"
    );
}

/// Reads from a raw connection until the server closes it (or `limit` passes); what it sent.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut got)).await {
        Ok(_) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn slow_clients_meet_deadlines_and_cannot_hold_connections() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    let app = TestApp::start_with(hardship_server::ServerSettings {
        header_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let (_, token) = owner_and_token(&app).await;
    // Headers trickled and never finished (slowloris): the server hangs up after the header deadline.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut s, Duration::from_secs(8)).await;
    let answer = answer.expect("the connection is closed, not held open");
    assert!(!answer.contains("200 OK"), "{answer}");
    // A connection opened and never used: closed too.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    assert!(
        read_until_closed(&mut s, Duration::from_secs(8))
            .await
            .is_some(),
        "an idle connection is closed"
    );
    // A keep-alive connection left idle after its request: closed after the header deadline.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut s, Duration::from_secs(8))
        .await
        .expect("closed once idle");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A body that stops half-way: 408 after the request deadline, and nothing is created.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/practices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"tin\": \"1234"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut s, Duration::from_secs(8))
        .await
        .expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (_, practices) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    assert_eq!(practices.as_array().unwrap().len(), 0, "{practices}");
    // A well-behaved keep-alive client is still served.
    let (status, _) = app.get_json("/api/v1/health", Auth::Anonymous).await;
    assert_eq!(status, StatusCode::OK);
}

/// A sign-in attempt as sent through a proxy that wrote `forwarded_for` (if any): the answer's status.
pub async fn sign_in_via(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> StatusCode {
    let page = client().get(app.url("/login")).send().await.unwrap();
    let form_cookie = set_cookie(&page, app.form_cookie_name()).unwrap();
    let csrf = crate::harness::csrf_in(&page.text().await.unwrap()).unwrap();
    let mut r = client()
        .post(app.url("/login"))
        .header(reqwest::header::COOKIE, &form_cookie);
    if let Some(f) = forwarded_for {
        r = r.header("x-forwarded-for", f);
    }
    let r = r
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    r.status()
}

#[tokio::test]
async fn the_sign_in_limiter_trusts_forwarded_for_only_from_a_named_proxy() {
    let settings = |trusted: Vec<std::net::IpAddr>| hardship_server::ServerSettings {
        login_max_failures: 2,
        trusted_proxies: trusted,
        ..Default::default()
    };
    // Behind a trusted proxy: each client address has its own budget (4 × 2 over all accounts).
    let app = TestApp::start_with(settings(vec!["127.0.0.1".parse().unwrap()])).await;
    app.setup("Acme", "owner@acme.test").await;
    for n in 0..8 {
        let s = sign_in_via(
            &app,
            &format!("nobody{n}@acme.test"),
            "wrong password!!",
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = sign_in_via(
        &app,
        "someone@acme.test",
        "wrong password!!",
        Some("203.0.113.7"),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address is limited"
    );
    // The client's own claim is to the left of what our proxy appended: it is not believed.
    let s = sign_in_via(
        &app,
        "owner@acme.test",
        PASSWORD,
        Some("198.51.100.1, 203.0.113.7"),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "a spoofed left-hand entry does not escape the limit"
    );
    let s = sign_in_via(&app, "owner@acme.test", PASSWORD, Some("198.51.100.9")).await;
    assert_eq!(
        s,
        StatusCode::SEE_OTHER,
        "another client behind the same proxy is not locked out"
    );
    // Without a trusted proxy the header is ignored: rotating it escapes nothing.
    let app = TestApp::start_with(settings(vec![])).await;
    app.setup("Acme", "owner@acme.test").await;
    for n in 0..8 {
        let f = format!("203.0.113.{n}");
        let s = sign_in_via(
            &app,
            &format!("nobody{n}@acme.test"),
            "wrong password!!",
            Some(&f),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let s = sign_in_via(&app, "owner@acme.test", PASSWORD, Some("203.0.113.99")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn stored_markup_is_shown_as_text_on_every_page_that_prints_it() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({ "tin": "123456789", "name": evil,
                     "contact": { "name": evil, "email": "pat@lakeside.test", "phone": "555-0100" } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap();
    let csv = format!(
        "performance_year,npi,name,clinician_type,reporting_level\n2026,{},\"{}\",physician,individual\n",
        npi(1),
        evil.replace('"', "\"\"")
    );
    let (s, body) = import(&app, &token, id, &csv).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for page in [
        "/dashboard?year=2026".to_owned(),
        "/practices".to_owned(),
        format!("/practices/{id}"),
        format!("/practices/{id}/years/2026"),
        "/audit".to_owned(),
    ] {
        let r = app.get(&page, Auth::Session(&owner)).await;
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("<script>alert") && !html.contains("<img src=x"),
            "{page} prints stored markup raw"
        );
        // Escaped as named or numeric entities, either way shown as text.
        let text = html
            .replace("&#60;", "&lt;")
            .replace("&#62;", "&gt;")
            .replace("&#x2f;", "/");
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page} shows the name as text"
        );
    }
}

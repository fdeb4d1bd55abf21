//! The portfolio cache after a change reloads only the practices the change touched (bench/load.sh
//! --soak). Its answer must be exactly what a fresh instance computes from the database: after each kind
//! of change, the warm instance's dashboard is compared with a new twin's (same database, empty cache).

use crate::api::owner_and_token;
use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn dashboard(app: &TestApp, token: &str) -> Value {
    let (s, v) = app
        .get_json("/api/v1/dashboard?year=2026", Auth::Bearer(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The warm instance agrees with a fresh one, row for row and tile for tile.
async fn agrees(app: &TestApp, token: &str, after: &str) {
    let warm = dashboard(app, token).await;
    let fresh = dashboard(&app.twin().await, token).await;
    assert_eq!(warm["totals"], fresh["totals"], "totals after {after}");
    assert_eq!(warm["practices"], fresh["practices"], "rows after {after}");
}

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Value {
    let (s, v) = app
        .send_json(method, path, Auth::Bearer(token), &body)
        .await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

#[tokio::test]
async fn after_every_kind_of_change_the_patched_dashboard_equals_a_fresh_one() {
    let app = TestApp::start().await;
    let (_owner, token) = owner_and_token(&app).await;
    let mut list = String::from("tin,practice_name,npi,name,clinician_type\n");
    for (p, tin) in ["111111111", "222222222", "333333333"].iter().enumerate() {
        for c in 0..4u32 {
            let n = p as u32 * 10 + c + 1;
            list.push_str(&format!(
                "{tin},Practice {p} Nguyễn,{},Clinician {n},physician\n",
                npi(n)
            ));
        }
    }
    let r = app
        .request(Method::POST, "/api/v1/imports", Auth::Bearer(&token))
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let first = dashboard(&app, &token).await;
    let ids: Vec<String> = first["practices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["practice"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);

    send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/practices/{a}/clinicians"),
        json!({"npi": npi(99), "name": "Łukasz Wróbel", "clinician_type": "nurse_practitioner"}),
    )
    .await;
    agrees(&app, &token, "a clinician added").await;

    let (_, roster) = app
        .get_json(
            &format!("/api/v1/practices/{a}/clinicians"),
            Auth::Bearer(&token),
        )
        .await;
    let clinician = roster[0]["id"].as_str().unwrap().to_owned();
    send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/practices/{a}/clinicians/{clinician}/statuses"),
        json!({"year": 2026, "status": "hospital_based", "value": true}),
    )
    .await;
    agrees(&app, &token, "a special status").await;

    send(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/practices/{b}/years/2026/profile"),
        json!({"version": 0, "level": "group", "pi_submitted": false, "clinician_count": 40}),
    )
    .await;
    agrees(&app, &token, "the reporting level").await;

    let application = send(&app, &token, Method::POST, "/api/v1/applications", json!({
        "practice": b, "year": 2026, "applicant": {"level": "group", "tin": "222222222"},
        "reason": "insufficient_internet",
        "submitter": {"first_name": "José", "last_name": "Núñez", "email": "jose@b.test", "phone": "555-0100"}})).await;
    agrees(&app, &token, "an application drafted").await;
    let app_id = application["id"].as_str().unwrap();
    let (_, got) = app
        .get_json(
            &format!("/api/v1/applications/{app_id}"),
            Auth::Bearer(&token),
        )
        .await;
    let (s, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/applications/{app_id}/transitions"),
            Auth::Bearer(&token),
            &json!({"version": got["version"], "action": "withdraw"}),
        )
        .await;
    assert!(
        s.is_success() || s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::CONFLICT,
        "{s}"
    );
    agrees(&app, &token, "an application's state").await;

    let (_, profile) = app
        .get_json(
            &format!("/api/v1/practices/{c}/years/2026/profile"),
            Auth::Bearer(&token),
        )
        .await;
    send(&app, &token, Method::PUT, &format!("/api/v1/practices/{c}/years/2026/work"),
        json!({"version": profile["version"], "assignee": "owner@acme.test", "not_applying": "will report PI"})).await;
    agrees(&app, &token, "the queue's assignee and not applying").await;

    // Reading the portfolio export is an observation: nothing to reload, the answer stays right.
    let r = app
        .get(
            "/api/v1/portfolio?year=2026&format=csv",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    agrees(&app, &token, "an export (an observation)").await;

    let (_, pc) = app
        .get_json(&format!("/api/v1/practices/{c}"), Auth::Bearer(&token))
        .await;
    send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/practices/{c}/archive"),
        json!({"version": pc["version"], "why": "client left"}),
    )
    .await;
    agrees(&app, &token, "a practice archived").await;
    assert_eq!(
        dashboard(&app, &token).await["practices"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (_, pc) = app
        .get_json(&format!("/api/v1/practices/{c}"), Auth::Bearer(&token))
        .await;
    send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/practices/{c}/restore"),
        json!({"version": pc["version"]}),
    )
    .await;
    send(
        &app,
        &token,
        Method::POST,
        "/api/v1/practices",
        json!({"tin": "444444444", "name": "Aardvark Clinic"}),
    )
    .await;
    agrees(
        &app,
        &token,
        "a practice restored and one created (sorted by name)",
    )
    .await;
    // So far the warm instance loaded the portfolio once and patched it after every change.
    let caches = &app.state.caches;
    assert_eq!(
        caches
            .portfolio_full_loads
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert!(
        caches
            .portfolio_patches
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 8
    );
    assert_eq!(
        dashboard(&app, &token).await["practices"][0]["name"],
        "Aardvark Clinic"
    );

    // Many changes at once (more than the patch reads) fall back to a full load, still right.
    let mut many = String::from("tin,practice_name,npi,name,clinician_type\n");
    for i in 0..260u32 {
        many.push_str(&format!(
            "55566{:04},Bulk {i},{},Bulk {i},physician\n",
            i,
            npi(1000 + i)
        ));
    }
    let r = app
        .request(Method::POST, "/api/v1/imports", Auth::Bearer(&token))
        .body(many)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    agrees(&app, &token, "a large import").await;
}

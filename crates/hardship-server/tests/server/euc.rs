//! The extreme and uncontrollable circumstances (EUC) exception application, through the API and the
//! pages: one for quality and cost goes from draft to approval and the practice-year's view and score
//! impact then weight those two at 0% with the year's redistribution row (2026: quality + cost
//! reweighted → IA 15, PI 85, 42 CFR 414.1380(c)(2)(ii)(F)/(G) [ECFR-414.1380-2024]); after the main
//! deadline, a window CMS reopened for one reason refuses any other (PY 2024, March 31 – April 14, 2025,
//! the national IV fluid shortage only [NIEPODAM-2025IV]); the eligibility page shows CMS's automatic EUC
//! policy with its area list as source.

use crate::api::{import, owner_and_token, practice, roster_csv};
use crate::harness::{Auth, Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn euc_application(practice: &str, year: u16, event: &str, categories: &[&str]) -> Value {
    json!({
        "practice": practice, "year": year, "kind": "euc",
        "applicant": { "level": "group", "tin": "123456789" },
        "categories": categories, "euc_event": event,
        "circumstance_start": format!("{year}-08-29"),
        "description": "Hurricane damage closed both sites of Nguyễn Văn An Clinic for eleven weeks.",
        "submitter": { "first_name": "Zoë", "last_name": "Ångström", "email": "zoe@clinic.test", "phone": "555-0100" },
        "attested": true
    })
}

/// The field a 4xx names: its message reads "invalid <field>: …".
fn field(err: &Value) -> &str {
    let m = err["message"].as_str().unwrap_or("");
    m.strip_prefix("invalid ")
        .and_then(|r| r.split(':').next())
        .unwrap_or("")
}

async fn step(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/applications/{id}/transitions"),
        Auth::Bearer(token),
        &body,
    )
    .await
}

async fn group_practice(app: &TestApp, token: &str) -> String {
    let p = practice(app, token, "12-3456789").await;
    let (s, r) = import(app, token, &p, &roster_csv(20, &[], "group")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    p
}

/// What the practice-year says once the EUC application is approved: quality and cost at 0% by the
/// year's redistribution row, through the eligibility view and the score impact.
async fn assert_quality_and_cost_reweighted(app: &TestApp, token: &str, p: &str) {
    let t = Auth::Bearer(token);
    let (s, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["euc_reweighted"], json!(["quality", "cost"]), "{e}");
    let v = &e["euc_applications"][0];
    assert_eq!(
        (v["status"].as_str(), v["reweighted"].clone()),
        (Some("approved"), json!(["quality", "cost"]))
    );
    // Quality and cost given in the what-if are not used: IA and PI carry 15 and 85.
    let (s, i) = app
        .get_json(
            &format!(
                "/api/v1/practices/{p}/years/2026/score-impact?quality=90&cost=90&ia=100&pi=80"
            ),
            t,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{i}");
    assert_eq!(i["reported"]["weights"], json!([0, 0, 15, 85]), "{i}");
    assert_eq!(i["quality"], Value::Null);
    assert_eq!(i["cost"], Value::Null);
}

#[tokio::test]
async fn an_euc_application_for_quality_and_cost_goes_from_draft_to_approval_through_the_api() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = group_practice(&app, &token).await;

    // Bad requests name their field: no category, an end before the start, an event 2026 does not take.
    let mut none = euc_application(&p, 2026, "disaster", &[]);
    let (s, err) = app
        .send_json(Method::POST, "/api/v1/applications", t, &none)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(field(&err), "categories", "{err}");
    none["categories"] = json!(["quality"]);
    none["circumstance_end"] = json!("2026-08-01");
    let (s, err) = app
        .send_json(Method::POST, "/api/v1/applications", t, &none)
        .await;
    assert_eq!(
        (s, Some(field(&err))),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("circumstance_end")),
        "{err}"
    );
    let (s, err) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &euc_application(&p, 2026, "iv_fluid_shortage", &["quality"]),
        )
        .await;
    assert_eq!(
        (s, Some(field(&err))),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("euc_event")),
        "{err}"
    );
    let (_, list) = app.get_json("/api/v1/applications", t).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing half-written");

    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &euc_application(&p, 2026, "disaster", &["cost", "quality"]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (
            a["kind"].as_str(),
            a["categories"].clone(),
            a["euc_event"].as_str(),
            a["reason"].as_str()
        ),
        (
            Some("euc"),
            json!(["quality", "cost"]),
            Some("disaster"),
            Some("extreme_uncontrollable")
        )
    );
    let id = a["id"].as_str().unwrap().to_owned();
    let (s, a) = step(
        &app,
        &token,
        &id,
        json!({"version": 1, "action": "mark_ready"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    // The packet is the EUC form's: the categories and the event.
    let (s, pk) = app
        .get_json(&format!("/api/v1/applications/{id}/packet"), t)
        .await;
    assert_eq!(s, StatusCode::OK, "{pk}");
    let fields = pk["fields"].as_array().unwrap();
    let value = |label: &str| {
        fields
            .iter()
            .find(|f| f["label"] == label)
            .map(|f| f["value"].clone())
    };
    assert_eq!(
        value("Performance categories to reweight"),
        Some(json!("Quality, Cost"))
    );
    let (s, a) = step(
        &app,
        &token,
        &id,
        json!({"version": 2, "action": "submit", "channel": "portal", "reference": "EUC-2026-7"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    // Sent, not yet decided: nothing is reweighted yet.
    let (_, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    assert_eq!(e["euc_reweighted"], json!([]));
    assert_eq!(e["euc_applications"][0]["status"], "pending");
    let day = app.state.now().date_naive().to_string();
    let (s, a) = step(&app, &token, &id, json!({"version": 3, "action": "approve", "decided_on": day, "channel": "portal", "reference": "QPP portal, exceptions tab"})).await;
    assert_eq!(
        (s, a["state"]["name"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{a}"
    );
    assert_quality_and_cost_reweighted(&app, &token, &p).await;
    // The submission guard, category by category: a file with quality data would override the
    // approved EUC's quality reweighting, and is blocked; one with IA data only passes.
    let check = |sets: Value| {
        json!({"submission": {"performanceYear": 2026, "entityType": "group",
            "taxpayerIdentificationNumber": "123456789", "measurementSets": sets}})
    };
    let path = format!("/api/v1/practices/{p}/years/2026/submission-check");
    let quality = check(
        json!([{"category": "quality", "measurements": [{"measureId": "001", "value": {"isEndToEndReported": true}}]}]),
    );
    let g: Value = app
        .request(Method::POST, &path, t)
        .json(&quality)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (g["blocked"].clone(), g["euc_overridden"].clone()),
        (json!(true), json!(["quality"])),
        "{g}"
    );
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("approved EUC exception"),
        "{g}"
    );
    let ia = check(
        json!([{"category": "ia", "measurements": [{"measureId": "IA_EPA_1", "value": true}]}]),
    );
    let g: Value = app
        .request(Method::POST, &path, t)
        .json(&ia)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(g["blocked"], false, "{g}");
    // The packet as PDF too; the OpenAPI document describes the new fields.
    let r = app
        .get(&format!("/api/v1/applications/{id}/packet.pdf"), t)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let (_, doc) = app.get_json("/api/v1/openapi.json", t).await;
    let input = &doc["components"]["schemas"]["ApplicationInput"]["properties"];
    for f in ["kind", "categories", "euc_event"] {
        assert!(input[f].is_object(), "ApplicationInput.{f} documented");
    }
    assert!(doc["components"]["schemas"]["EucApplicationView"].is_object());
    // An EUC application that leaves PI alone does not reweight PI.
    let (_, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    assert_eq!(e["group"]["reweighted"], false, "{e}");
    let (_, v) = app.get_json("/api/v1/audit/verify", t).await;
    assert_eq!(v["ok"], true, "{v}");
}

async fn page(app: &TestApp, owner: &Session, path: &str) -> (StatusCode, String) {
    let r = app.get(path, Auth::Session(owner)).await;
    (r.status(), r.text().await.unwrap())
}

fn application_id(location: &str) -> String {
    location
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_euc_application_for_quality_and_cost_goes_from_wizard_to_approval_through_the_pages() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = group_practice(&app, &token).await;
    let base = format!("/practices/{p}/years/2026/apply");
    // Step 1: the categories the year lets the application cover, and its events.
    let (s, html) = page(&app, &owner, &format!("{base}?kind=euc")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("New EUC exception application"), "{html}");
    for c in ["cat-quality", "cat-cost", "cat-ia", "cat-pi"] {
        assert!(html.contains(&format!("id=\"{c}\"")), "{c}");
    }
    assert!(html.contains("value=\"disaster\""));
    // An end before the start, or no category, is refused at step 1 naming the field.
    let facts = "kind=euc&euc_event=disaster&event_start=2026-08-29&cat_quality=on&cat_cost=on";
    let (s, html) = page(
        &app,
        &owner,
        &format!("{base}?step=reason&{facts}&event_end=2026-08-01"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("event_end") && html.contains("2026-08-01"),
        "{html}"
    );
    let (s, html) = page(
        &app,
        &owner,
        &format!("{base}?step=reason&kind=euc&euc_event=disaster"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("invalid categories"), "{html}");
    // Step 2: who applies (the year's EUC levels, an APM entity among them).
    let (s, html) = page(&app, &owner, &format!("{base}?step=reason&{facts}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"level-apm_entity\""), "{html}");
    // Step 3: the drafted text names the categories; saved and marked ready.
    let (s, html) = page(
        &app,
        &owner,
        &format!("{base}?step=details&{facts}&level=group"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("reweighting Quality, Cost"), "{html}");
    let form = [
        ("kind", "euc"),
        ("euc_event", "disaster"),
        ("cat_quality", "on"),
        ("cat_cost", "on"),
        ("event_start", "2026-08-29"),
        ("level", "group"),
        ("circumstance_start", "2026-08-29"),
        (
            "description",
            "Hurricane damage closed both sites of Nguyễn Văn An Clinic for eleven weeks.",
        ),
        ("first_name", "Zoë"),
        ("last_name", "Ångström"),
        ("email", "zoe@clinic.test"),
        ("phone", "555-0100"),
        ("attested", "on"),
        ("mark_ready", "on"),
    ];
    let r = app.post_form(&base, &owner, &form, true).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let id = application_id(r.headers()["location"].to_str().unwrap());
    let (s, html) = page(&app, &owner, &format!("/applications/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-state=\"ready\""), "{html}");
    assert!(
        html.contains("id=\"f-categories\">quality, cost<"),
        "{html}"
    );
    assert!(html.contains("Nguyễn Văn An Clinic"));
    // Sent and approved through the application page's forms.
    let moves: [&[(&str, &str)]; 2] = [
        &[
            ("version", "2"),
            ("action", "submit"),
            ("channel", "portal"),
            ("reference", "EUC-2026-8"),
        ],
        &[
            ("version", "3"),
            ("action", "approve"),
            ("decided_on", "2026-11-16"),
            ("channel", "portal"),
            ("reference", "QPP portal"),
        ],
    ];
    for m in moves {
        let r = app
            .post_form(&format!("/applications/{id}/transition"), &owner, m, true)
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{m:?}: {}",
            r.text().await.unwrap()
        );
    }
    let (_, html) = page(&app, &owner, &format!("/applications/{id}")).await;
    assert!(html.contains("data-state=\"approved\""), "{html}");
    assert_quality_and_cost_reweighted(&app, &token, &p).await;
    let (s, html) = page(&app, &owner, &format!("/practices/{p}/years/2026")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"euc-reweighted\""), "{html}");
    assert!(html.contains("<strong>quality, cost</strong>"), "{html}");
}

/// PY 2024's EUC window reopened March 31, 2025 10 a.m. ET – April 14, 2025 8 p.m. ET for the national
/// IV fluid shortage only [NIEPODAM-2025IV]: inside it, another event is refused through the API and
/// the pages, naming the field and the window; the wizard offers only that reason.
#[tokio::test]
async fn a_reopened_one_reason_window_refuses_other_reasons_through_the_api_and_the_pages() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let p = group_practice(&app, &token).await;
    app.clock.set("2025-04-01T15:00:00Z".parse().unwrap());

    let (s, err) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &euc_application(&p, 2024, "disaster", &["quality", "cost"]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(field(&err), "euc_event", "{err}");
    let msg = err["message"].as_str().unwrap();
    assert!(
        msg.contains(
            "CMS will deny applications for reasons outside the national IV fluid shortage"
        ),
        "{msg}"
    );
    assert!(msg.contains("2025-04-14 20:00:00 -04:00"), "{msg}");

    // The wizard offers the window's reason only, and says so.
    let base = format!("/practices/{p}/years/2024/apply");
    let (s, html) = page(&app, &owner, &format!("{base}?kind=euc")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"reopened-iv_fluid_shortage\""), "{html}");
    assert!(html.contains("value=\"iv_fluid_shortage\""));
    assert!(
        !html.contains("value=\"disaster\""),
        "only the window's reason is offered"
    );
    let (s, html) = page(
        &app,
        &owner,
        &format!("{base}?step=reason&kind=euc&euc_event=disaster&cat_quality=on"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(
            "CMS will deny applications for reasons outside the national IV fluid shortage"
        ),
        "{html}"
    );
    let form = [
        ("kind", "euc"),
        ("euc_event", "disaster"),
        ("cat_quality", "on"),
        ("level", "group"),
        ("circumstance_start", "2024-10-01"),
        ("description", "Storm."),
        ("first_name", "Zoë"),
        ("last_name", "Ångström"),
        ("email", "zoe@clinic.test"),
        ("phone", "555-0100"),
        ("attested", "on"),
    ];
    let r = app.post_form(&base, &owner, &form, true).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("euc_event"));
    let (_, list) = app.get_json("/api/v1/applications", t).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing written");

    // Its own reason is taken, and sent, inside the window.
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &euc_application(&p, 2024, "iv_fluid_shortage", &["quality", "cost"]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let (s, a) = step(
        &app,
        &token,
        &id,
        json!({"version": 1, "action": "mark_ready"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (_, html) = page(&app, &owner, &format!("/applications/{id}")).await;
    assert!(html.contains("id=\"reopened-iv_fluid_shortage\""), "{html}");
    // One second after the window closed (8 p.m. EDT = 00:00 UTC), sending is refused.
    app.clock.set("2025-04-15T00:00:00Z".parse().unwrap());
    let (s, err) = step(
        &app,
        &token,
        &id,
        json!({"version": 2, "action": "submit", "channel": "portal", "reference": "IV-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{err}");
    app.clock.set("2025-04-14T23:59:59Z".parse().unwrap());
    let (s, a) = step(
        &app,
        &token,
        &id,
        json!({"version": 2, "action": "submit", "channel": "portal", "reference": "IV-1"}),
    )
    .await;
    assert_eq!(
        (s, a["state"]["name"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{a}"
    );
}

/// The eligibility page shows CMS's automatic EUC policy: what it covers, what overrides it, and its
/// source (CMS's county/ZIP list, key and title) [CMS-AUTOEUC-2024].
#[tokio::test]
async fn the_eligibility_page_shows_automatic_euc_with_its_area_list() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = group_practice(&app, &token).await;
    let (s, html) = page(&app, &owner, &format!("/practices/{p}/years/2024")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"automatic-euc\""), "{html}");
    assert!(
        html.contains("href=\"/sources#CMS-AUTOEUC-2024\""),
        "{html}"
    );
    assert!(
        html.contains("county/ZIP crosswalk"),
        "the list's title is shown"
    );
    assert!(html.contains("quality, cost, ia, pi"), "{html}");
    assert!(
        html.contains("Data submitted in Quality, Improvement Activities, Promoting Interoperability overrides it"),
        "{html}"
    );
    let (_, e) = app
        .get_json(
            &format!("/api/v1/practices/{p}/years/2024/eligibility"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(
        e["automatic_euc"]["overridden_by_data"],
        json!(["quality", "ia", "pi"])
    );
}

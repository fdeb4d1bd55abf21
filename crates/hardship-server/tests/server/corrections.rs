//! Corrections that keep history, through the API and through the pages: archiving and restoring,
//! correcting a TIN or an NPI, membership dates and a past year's roster, a duplicate TIN refused,
//! evidence re-classified, CMS's e-mail linked after the decision — and "who looked at what": downloads,
//! exports and submission checks are in the audit trail. Names are the ones users have.

use crate::api::{import, owner_and_token};
use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn audit_actions(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, a) = app.get_json("/api/v1/audit", Auth::Bearer(token)).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a.as_array().unwrap().clone()
}

fn has(events: &[Value], action: &str, entity_id: &str) -> bool {
    events
        .iter()
        .any(|e| e["action"] == action && e["entity_id"] == entity_id)
}

async fn upload(
    app: &TestApp,
    token: &str,
    practice: &str,
    kind: &str,
    name: &str,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .text("year", "2026")
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"From: qpp@cms.hhs.gov\r\nSubject: approved\r\n\r\nApproved.".to_vec(),
            )
            .file_name(name.to_owned()),
        );
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/practices/{practice}/documents"),
            Auth::Bearer(token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

#[tokio::test]
async fn corrections_through_the_api_keep_history() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let new = |tin: &str, name: &str| json!({"tin": tin, "name": name});
    let (_, a) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &new("123456789", "Nguyễn Văn An Clinic"),
        )
        .await;
    let pa = a["id"].as_str().unwrap().to_owned();
    // One practice per TIN: refused, naming the practice that has it.
    let (s, e) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &new("12-3456789", "Again"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Nguyễn Văn An Clinic"),
        "{e}"
    );
    // An impossible TIN is refused naming it.
    let (s, e) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &new("000000000", "Zeros"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().unwrap().contains("000000000"), "{e}");
    // A TIN corrected: recorded with both values.
    let (_, b) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &new("111222333", "Łukasz Wróbel Group"),
        )
        .await;
    let pb = b["id"].as_str().unwrap().to_owned();
    let (s, b) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{pb}"),
            t,
            &json!({"version": 1, "name": "Łukasz Wróbel Group", "tin": "111222334"}),
        )
        .await;
    assert_eq!(
        (s, b["tin"].as_str()),
        (StatusCode::OK, Some("111222334")),
        "{b}"
    );
    let events = audit_actions(&app, &token).await;
    let upd = events
        .iter()
        .rev()
        .find(|e| e["action"] == "practice.update" && e["entity_id"] == pb.as_str())
        .unwrap();
    assert!(
        upd["before"].as_str().unwrap().contains("111222333")
            && upd["after"].as_str().unwrap().contains("111222334")
    );
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{pb}"),
            t,
            &json!({"version": 2, "name": "x", "tin": "123456789"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a TIN another practice has");
    // Archived: out of the list (in it when asked), with who and why; restored.
    let (s, e) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pb}/archive"),
            t,
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "archiving says why: {e}"
    );
    let (s, b) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pb}/archive"),
            t,
            &json!({"version": 2, "why": "a duplicate of Nguyễn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["archived"]["why"], "a duplicate of Nguyễn");
    let (_, list) = app.get_json("/api/v1/practices", t).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != pb.as_str())
    );
    let (_, list) = app.get_json("/api/v1/practices?archived=true", t).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == pb.as_str())
    );
    let (s, b) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pb}/restore"),
            t,
            &json!({"version": 3}),
        )
        .await;
    assert_eq!(
        (s, b["archived"].clone()),
        (StatusCode::OK, Value::Null),
        "{b}"
    );

    // A clinician: NPI corrected, membership dates, past year's roster, archived and restored.
    let csv = format!(
        "npi,name,clinician_type\n{},José Núñez,physician\n{},Zoë Ångström,nurse_practitioner\n",
        npi(1),
        npi(2)
    );
    let (s, r) = import(&app, &token, &pa, &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, roster) = app
        .get_json(&format!("/api/v1/practices/{pa}/clinicians"), t)
        .await;
    let jose = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "José Núñez")
        .unwrap()
        .clone();
    let cid = jose["id"].as_str().unwrap();
    let put = |body: Value| {
        let app = &app;
        let path = format!("/api/v1/practices/{pa}/clinicians/{cid}");
        async move { app.send_json(Method::PUT, &path, t, &body).await }
    };
    let (s, e) = put(
        json!({"version": 1, "name": "José Núñez", "clinician_type": "physician", "npi": npi(2)}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "an NPI on the roster: {e}");
    let (s, e) = put(json!({"version": 1, "name": "José Núñez", "clinician_type": "physician", "npi": "1234567890"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a bad check digit: {e}");
    let (s, c) = put(
        json!({"version": 1, "name": "José Núñez", "clinician_type": "physician", "npi": npi(3),
                             "joined_on": "2024-03-01", "left_on": "2025-06-30"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["npi"].as_str().unwrap(), c["left_on"].as_str().unwrap()),
        (npi(3).as_str(), "2025-06-30")
    );
    let names = |y: u16| {
        let app = &app;
        let pa = pa.clone();
        async move {
            let (_, e) = app
                .get_json(&format!("/api/v1/practices/{pa}/years/{y}/eligibility"), t)
                .await;
            e["clinicians"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(2023).await, ["Zoë Ångström"], "José joined in 2024");
    assert_eq!(names(2025).await.len(), 2);
    assert_eq!(names(2026).await, ["Zoë Ångström"], "José left in 2025");
    let (s, c) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pa}/clinicians/{cid}/archive"),
            t,
            &json!({"version": 2, "why": "entered by mistake"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert!(
        names(2025).await.iter().all(|n| n != "José Núñez"),
        "archived: on no roster"
    );
    let (s, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pa}/clinicians/{cid}/restore"),
            t,
            &json!({"version": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Evidence: an unknown kind refused; a document re-classified, annotated, superseded.
    let (s, e) = upload(&app, &token, &pa, "cms_email", "cms.eml").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("cms_decision_email"),
        "{e}"
    );
    let (s, d1) = upload(&app, &token, &pa, "other", "cms.eml").await;
    assert_eq!(s, StatusCode::CREATED, "{d1}");
    let (_, d2) = upload(&app, &token, &pa, "cms_decision_email", "cms-resent.eml").await;
    let (d1id, d2id) = (d1["id"].as_str().unwrap(), d2["id"].as_str().unwrap());
    let (s, d) = app
        .send_json(Method::PUT, &format!("/api/v1/documents/{d1id}"), t,
                   &json!({"kind": "cms_decision_email", "note": "CMS's e-mail — re-filed", "superseded_by": d2id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (
            d["kind"].as_str(),
            d["superseded_by"].as_str(),
            d["sha256"].clone()
        ),
        (Some("cms_decision_email"), Some(d2id), d1["sha256"].clone())
    );
    // The download is recorded: who read which evidence.
    let r = app
        .get(&format!("/api/v1/documents/{d1id}/content"), t)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let events = audit_actions(&app, &token).await;
    for (action, id) in [
        ("document.edit", d1id),
        ("document.read", d1id),
        ("practice.archive", pb.as_str()),
        ("practice.restore", pb.as_str()),
        ("clinician.archive", cid),
        ("clinician.restore", cid),
    ] {
        assert!(has(&events, action, id), "{action} of {id}");
    }
    let (_, v) = app.get_json("/api/v1/audit/verify", t).await;
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test]
async fn the_decision_is_recorded_without_its_email_and_the_email_linked_later() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let (_, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Clinic"}),
        )
        .await;
    let p = p["id"].as_str().unwrap().to_owned();
    let (_, a) = app
        .send_json(Method::POST, "/api/v1/applications", t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet", "description": "No provider serves the site.",
                    "submitter": {"first_name": "José", "last_name": "Núñez", "email": "jose@clinic.test", "phone": "555"},
                    "facts": {"insufficient_internet": true}, "attested": true}))
        .await;
    let id = a["id"].as_str().unwrap().to_owned();
    let step = |body: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.send_json(
                Method::POST,
                &format!("/api/v1/applications/{id}/transitions"),
                t,
                &body,
            )
            .await
        }
    };
    step(json!({"version": 1, "action": "mark_ready"})).await;
    step(json!({"version": 2, "action": "submit", "channel": "portal", "reference": "QPP-9"}))
        .await;
    let today = crate::harness::now().date_naive().to_string();
    let (s, e) = step(json!({"version": 3, "action": "approve", "decided_on": today})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "neither the e-mail nor where it was seen: {e}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("decision_email"),
        "{e}"
    );
    let (s, a) = step(json!({"version": 3, "action": "approve", "decided_on": today, "channel": "phone", "reference": "call 4471"})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (
            a["state"]["decision_seen_in"].as_str(),
            a["state"]["decision_seen_reference"].as_str()
        ),
        (Some("phone"), Some("call 4471"))
    );
    let (_, doc) = upload(&app, &token, &p, "cms_decision_email", "approval.eml").await;
    let (s, a) =
        step(json!({"version": 4, "action": "link_email", "decision_email": doc["id"]})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["state"]["decision_email"], doc["id"]);
    assert_eq!(a["state"]["name"], "approved");
    let (s, _) =
        step(json!({"version": 5, "action": "link_email", "decision_email": doc["id"]})).await;
    assert_eq!(s, StatusCode::CONFLICT, "linked once");
    // Exports and checks are in the audit trail.
    app.get(&format!("/api/v1/applications/{id}/packet"), t)
        .await;
    app.get(&format!("/api/v1/practices/{p}/years/2026/binder.pdf"), t)
        .await;
    app.get("/api/v1/portfolio?year=2026", t).await;
    app.request(
        Method::POST,
        &format!("/api/v1/practices/{p}/years/2026/submission-check"),
        t,
    )
    .body(r#"{"measurementSets":[]}"#)
    .send()
    .await
    .unwrap();
    let events = audit_actions(&app, &token).await;
    let exports: Vec<String> = events
        .iter()
        .filter(|e| e["action"] == "export")
        .map(|e| {
            serde_json::from_str::<Value>(e["after"].as_str().unwrap()).unwrap()["what"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(exports, ["packet", "binder", "portfolio"]);
    assert!(has(&events, "guard.check", &p));
    assert!(has(&events, "application.link_email", &id));
}

#[tokio::test]
async fn corrections_through_the_pages() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let t = Auth::Bearer(&token);
    let (_, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Nguyễn Văn An Clinic"}),
        )
        .await;
    let p = p["id"].as_str().unwrap().to_owned();
    import(
        &app,
        &token,
        &p,
        &format!(
            "npi,name,clinician_type\n{},Łukasz Wróbel,physician\n",
            npi(1)
        ),
    )
    .await;
    let (_, roster) = app
        .get_json(&format!("/api/v1/practices/{p}/clinicians"), t)
        .await;
    let c = roster[0]["id"].as_str().unwrap().to_owned();
    // The clinician's page: a corrected NPI and the dates, then archived with why, and restored.
    let npi3 = npi(3);
    let r = app
        .post_form(
            &format!("/practices/{p}/clinicians/{c}/edit"),
            &owner,
            &[
                ("version", "1"),
                ("name", "Łukasz Wróbel"),
                ("clinician_type", "physician"),
                ("npi", &npi3),
                ("joined_on", "2023-01-09"),
                ("left_on", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, cl) = app
        .get_json(&format!("/api/v1/practices/{p}/clinicians"), t)
        .await;
    assert_eq!(
        (
            cl[0]["npi"].as_str().unwrap(),
            cl[0]["joined_on"].as_str().unwrap()
        ),
        (npi3.as_str(), "2023-01-09")
    );
    let r = app
        .post_form(
            &format!("/practices/{p}/clinicians/{c}/archive"),
            &owner,
            &[("version", "2"), ("why", "")],
            true,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the page says why it was refused"
    );
    assert!(r.text().await.unwrap().contains("say why"));
    let r = app
        .post_form(
            &format!("/practices/{p}/clinicians/{c}/archive"),
            &owner,
            &[("version", "2"), ("why", "entered twice")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get(
            &format!("/practices/{p}/clinicians/{c}/edit"),
            Auth::Session(&owner),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("entered twice") && page.contains("restore-clinician"),
        "the page shows the archive and offers to restore"
    );
    let r = app
        .post_form(
            &format!("/practices/{p}/clinicians/{c}/restore"),
            &owner,
            &[("version", "3")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The practice: a TIN corrected through its form, then archived and restored from its page.
    let r = app
        .post_form(
            &format!("/practices/{p}/edit"),
            &owner,
            &[
                ("version", "1"),
                ("tin", "12-3456780"),
                ("name", "Nguyễn Văn An Clinic"),
                ("address", ""),
                ("zip", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, pr) = app.get_json(&format!("/api/v1/practices/{p}"), t).await;
    assert_eq!(pr["tin"], "123456780");
    let r = app
        .post_form(
            &format!("/practices/{p}/archive"),
            &owner,
            &[("version", "2"), ("why", "no longer a client")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app
        .get("/practices", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("archived-practices") && list.contains("no longer a client"));
    let r = app
        .post_form(
            &format!("/practices/{p}/restore"),
            &owner,
            &[("version", "3")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Evidence re-classified from the list.
    let (_, d) = upload(&app, &token, &p, "other", "cms.eml").await;
    let did = d["id"].as_str().unwrap();
    let r = app
        .post_form(
            &format!("/documents/{did}/edit"),
            &owner,
            &[
                ("kind", "cms_decision_email"),
                ("note", "CMS's e-mail"),
                ("superseded_by", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, d) = app.get_json(&format!("/api/v1/documents/{did}"), t).await;
    assert_eq!(
        (d["kind"].as_str(), d["note"].as_str()),
        (Some("cms_decision_email"), Some("CMS's e-mail"))
    );
    let page = app
        .get(&format!("/practices/{p}"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("CMS approval or denial e-mail") && page.contains("CMS&#39;s e-mail")
            || page.contains("CMS's e-mail")
    );
    let events = audit_actions(&app, &token).await;
    for action in [
        "clinician.update",
        "clinician.archive",
        "clinician.restore",
        "practice.update",
        "practice.archive",
        "practice.restore",
        "document.edit",
    ] {
        assert!(events.iter().any(|e| e["action"] == action), "{action}");
    }
}

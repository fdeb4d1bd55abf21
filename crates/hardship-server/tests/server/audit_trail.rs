//! The audit trail as an auditor reads it, through the API and the page: sentences with the names of
//! practices, clinicians and people; field changes before → after; filters by practice, person, action
//! and dates (bad ones refused naming the value); a CSV that opens in Excel; and exporting it is itself
//! in the trail. Another tenant's records never appear, whatever the filter.

use crate::api::{import, owner_and_token};
use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn trail(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = app
        .get_json(&format!("/api/v1/audit?{query}"), Auth::Bearer(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v.as_array().unwrap().clone()
}

fn sentences(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect()
}

/// A practice named for its people, with two clinicians, a TIN corrected and a clinician archived.
async fn records(app: &TestApp, token: &str) -> (String, String, String) {
    let t = Auth::Bearer(token);
    let (_, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Nguyễn Văn An Clinic"}),
        )
        .await;
    let pa = p["id"].as_str().unwrap().to_owned();
    let csv = format!(
        "npi,name,clinician_type\n{},Łukasz Wróbel,physician\n{},José Núñez,nurse_practitioner\n",
        npi(1),
        npi(2)
    );
    let (s, r) = import(app, token, &pa, &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, b) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{pa}"),
            t,
            &json!({"version": 1, "name": "Nguyễn Văn An Clinic", "tin": "123456780"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, roster) = app
        .get_json(&format!("/api/v1/practices/{pa}/clinicians"), t)
        .await;
    let lukasz = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Łukasz Wróbel")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, c) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{pa}/clinicians/{lukasz}/archive"),
            t,
            &json!({"version": 1, "why": "entered twice"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (_, other) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "987654321", "name": "Łódź Orthopedics"}),
        )
        .await;
    (pa, lukasz, other["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_trail_reads_as_sentences_with_names_and_changes() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let (pa, lukasz, _) = records(&app, &token).await;
    let all = trail(&app, &token, "").await;
    let said = sentences(&all);
    let archive = all
        .iter()
        .find(|e| e["action"] == "clinician.archive")
        .unwrap();
    assert_eq!(archive["entity_id"], lukasz.as_str());
    assert_eq!(
        archive["sentence"].as_str().unwrap(),
        format!(
            "api token owner token archived Łukasz Wróbel (NPI {}) of Nguyễn Văn An Clinic (TIN 123456780): entered twice.",
            npi(1)
        ),
        "{said:#?}"
    );
    assert_eq!(archive["practice"], pa.as_str());
    assert_eq!(archive["what"], "clinician archived");
    let tin = all
        .iter()
        .find(|e| e["action"] == "practice.update")
        .unwrap();
    assert_eq!(
        tin["changes"],
        json!([{"field": "TIN", "before": "123456789", "after": "123456780"}]),
        "only what changed, labelled: {tin}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("added José Núñez") && s.contains("of Nguyễn Văn An Clinic")),
        "{said:#?}"
    );
    // The raw payloads and hashes stay beside the words, for verification.
    assert!(tin["before"].as_str().unwrap().contains("123456789"));
    assert_eq!(tin["hash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn filters_by_practice_person_action_and_dates() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (pa, lukasz, other) = records(&app, &token).await;
    // The owner's own session makes one change, so two people acted.
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{other}"),
            Auth::Session(&owner),
            &json!({"version": 1, "name": "Łódź Orthopedics & Sports"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let of_pa = trail(&app, &token, &format!("practice={pa}")).await;
    assert!(!of_pa.is_empty());
    assert!(
        of_pa.iter().all(|e| e["practice"] == pa.as_str()),
        "only the practice's events"
    );
    assert!(
        of_pa.iter().any(|e| e["entity_id"] == lukasz.as_str()),
        "its clinicians' events too"
    );
    assert!(of_pa.iter().all(|e| e["entity_id"] != other.as_str()));

    let by_owner = trail(&app, &token, "person=OWNER@acme.test").await;
    assert!(
        by_owner
            .iter()
            .any(|e| e["action"] == "practice.update" && e["entity_id"] == other.as_str())
    );
    assert!(by_owner.iter().all(|e| e["actor"] == "owner@acme.test"));

    let archives = trail(&app, &token, "action=clinician.archive").await;
    assert_eq!(archives.len(), 1);
    let clinician_family = trail(&app, &token, "action=clinician").await;
    assert!(clinician_family.len() >= 3, "added twice and archived");
    assert!(
        clinician_family
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("clinician."))
    );

    // Every event happened on the harness clock's day.
    let all = trail(&app, &token, "").await;
    let day = &all[0]["at"].as_str().unwrap()[..10];
    assert_eq!(
        trail(&app, &token, &format!("from={day}&to={day}"))
            .await
            .len(),
        all.len()
    );
    assert!(trail(&app, &token, "from=2099-01-01").await.is_empty());
    assert!(trail(&app, &token, "to=2000-01-01").await.is_empty());
    // Combined: the practice's clinician archives by the token.
    let both = trail(
        &app,
        &token,
        &format!("practice={pa}&action=clinician.archive&person=api%20token%20owner%20token"),
    )
    .await;
    assert_eq!(both.len(), 1);

    for (q, named) in [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-02-01&to=2026-01-01", "from 2026-02-01"),
        ("practice=not-an-id", "practice"),
        ("action=practice.explode", "practice.explode"),
        ("format=xml", "xml"),
    ] {
        let (s, e) = app
            .get_json(&format!("/api/v1/audit?{q}"), Auth::Bearer(&token))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains(named),
            "{q}: names {named}: {e}"
        );
    }
}

#[tokio::test]
async fn the_csv_opens_in_excel_and_its_export_is_recorded() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (pa, _, _) = records(&app, &token).await;
    let r = app
        .get(
            &format!("/api/v1/audit?format=csv&practice={pa}"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a BOM, so Excel reads UTF-8"
    );
    let mut csv = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(
        csv.headers().unwrap().iter().take(6).collect::<Vec<_>>(),
        ["seq", "at_utc", "who", "what", "record", "sentence"]
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| r[5].contains("archived Łukasz Wróbel")));
    assert!(
        rows.iter()
            .any(|r| r[6].contains("TIN: 123456789 → 123456780"))
    );

    // The page's CSV keeps the page's filters, and both exports are in the trail.
    let r = app
        .get(
            &format!("/audit.csv?practice={pa}&action=clinician"),
            Auth::Session(&owner),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = String::from_utf8(r.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert!(text.contains("Łukasz Wróbel") && !text.contains("practice changed"));
    let exports = trail(&app, &token, "action=export").await;
    assert_eq!(exports.len(), 2, "{exports:#?}");
    assert!(exports.iter().all(|e| {
        e["sentence"]
            .as_str()
            .unwrap()
            .contains("exported the audit trail of the organization")
    }));
    let (_, v) = app
        .get_json("/api/v1/audit/verify", Auth::Bearer(&token))
        .await;
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test]
async fn the_page_shows_sentences_filters_and_changes() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (pa, _, other) = records(&app, &token).await;
    let page = |q: String| {
        let app = &app;
        let owner = &owner;
        async move {
            let r = app.get(&format!("/audit?{q}"), Auth::Session(owner)).await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = page(String::new()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("archived Łukasz Wróbel"), "sentences");
    assert!(
        html.contains("<del>123456789</del> → <ins>123456780</ins>"),
        "changes"
    );
    assert!(
        html.contains("Łódź Orthopedics (TIN 987654321)"),
        "the practice filter names practices"
    );
    let (_, html) = page(format!("practice={other}")).await;
    assert!(
        !html.contains("Łukasz Wróbel (NPI"),
        "another practice's events are filtered out"
    );
    assert!(
        html.contains(&format!("value=\"{other}\" selected")),
        "the filter is kept"
    );
    let (_, html) = page(format!("practice={pa}&action=clinician.archive")).await;
    assert!(
        html.contains("1 of 1 event(s) matching the filters"),
        "{html}"
    );
    let (s, html) = page("from=someday".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("someday"));
}

#[tokio::test]
async fn no_filter_reaches_another_tenant() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let (pa, lukasz, _) = records(&app, &token).await;
    app.add_org("Rival Billing", "owner@rival.test").await;
    let rival = app
        .login("owner@rival.test", crate::harness::PASSWORD)
        .await
        .unwrap();
    let rival_token = app.token(&rival, "owner").await;
    for q in [
        String::new(),
        format!("practice={pa}"),
        format!("entity={lukasz}"),
        "person=api token owner token".into(),
    ] {
        let got = trail(&app, &rival_token, &q).await;
        assert!(
            got.iter()
                .all(|e| !e["sentence"].as_str().unwrap().contains("Nguyễn")
                    && e["entity_id"] != pa.as_str()
                    && e["entity_id"] != lukasz.as_str()),
            "{q}: {got:#?}"
        );
    }
}

//! CMS's final feedback through the API: an approved hardship that CMS did not apply opens one
//! targeted-review candidate naming the approval and its e-mail (once, however often the file is
//! imported); a file that agrees opens none; an auditor is refused.

use crate::api::{import, owner_and_token, practice, roster_csv};
use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) const HEADER: &str = "TIN,NPI,Performance_Year,Final_Score,Quality_Score,Cost_Score,IA_Score,PI_Score,Quality_Weight,Cost_Weight,IA_Weight,PI_Weight,Payment_Adjustment\r\n";

pub(crate) async fn post_feedback(app: &TestApp, token: &str, csv: &str) -> (StatusCode, Value) {
    let r = app
        .request(
            Method::POST,
            "/api/v1/feedback?year=2026",
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

/// Clinician 1's individual PI hardship, sent, then approved with CMS's e-mail from the vault.
pub(crate) async fn approve_clinician_1(app: &TestApp, token: &str, p: &str) -> (String, String) {
    let t = Auth::Bearer(token);
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": p, "year": 2026,
                    "applicant": {"level": "individual", "tin": "123456789", "npi": npi(1)},
                    "reason": "insufficient_internet",
                    "description": "Two providers declined to serve the site; letters on file.",
                    "submitter": {"first_name": "Pat", "last_name": "Doe", "email": "pat@lakeside.test", "phone": "555-0100"},
                    "facts": {"insufficient_internet": true, "clinician_count": 20}, "attested": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .text("kind", "cms_decision_email")
        .text("application", id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"Subject: approved\r\n\r\nApproved.".to_vec())
                .file_name("approval.eml"),
        );
    let r = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let doc: Value = r.json().await.unwrap();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let day = app.state.now().date_naive().to_string();
    let mut version = 1;
    for mut step in [
        json!({"action": "mark_ready"}),
        json!({"action": "submit", "channel": "portal", "reference": "QPP-1"}),
        json!({"action": "approve", "decided_on": day, "decision_email": doc_id}),
    ] {
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
    (id, doc_id)
}

#[tokio::test]
async fn an_approved_hardship_weighted_at_25_percent_opens_one_targeted_review_candidate() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let (s, r) = import(&app, &token, &p, &roster_csv(20, &[], "individual")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (application, email) = approve_clinician_1(&app, &token, &p).await;

    // A file that agrees: clinician 1 at 0 % PI (Q 55 / C 30 / IA 15, 42 CFR 414.1380(c)(2)(ii)(F)),
    // clinician 2 at the base weights.
    let agrees = format!(
        "{HEADER}12-3456789,{},2026,80,80,70,100,,55,30,15,0,0.2\r\n123456789,{},2026,75,80,70,100,60,30,30,15,25,0.1\r\n",
        npi(1),
        npi(2)
    );
    let (s, r) = post_feedback(&app, &token, &agrees).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["matched"].as_u64(), r["agreed"].as_u64()),
        (Some(2), Some(2)),
        "{r}"
    );
    assert_eq!(r["opened"], json!([]), "{r}");

    // CMS weighted PI at 25 % for clinician 1 (414.1380(c)(2)(i)(C): an approved hardship is 0 %).
    let wrong = format!(
        "{HEADER}123456789,{},2026,75,80,70,100,60,30,30,15,25,0.1\r\n",
        npi(1)
    );
    let (s, r) = post_feedback(&app, &token, &wrong).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let d = &r["discrepancies"][0];
    assert_eq!(d["code"], "approved_hardship_not_applied", "{r}");
    let evidence: Vec<&str> = d["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        evidence.contains(&format!("application:{application}").as_str()),
        "{d}"
    );
    assert!(
        evidence.contains(&format!("document:{email}").as_str()),
        "{d}"
    );
    assert!(d["text"].as_str().unwrap().contains("approval.eml"), "{d}");
    let opened = r["opened"].as_array().unwrap();
    assert_eq!(opened.len(), 1, "{r}");
    assert_eq!(opened[0]["state"], "draft");
    assert_eq!(opened[0]["npi"], npi(1));
    assert!(
        opened[0]["summary"]
            .as_str()
            .unwrap()
            .contains("approved on")
    );

    // The same file again opens nothing, and writes no audit event.
    let (_, before) = app.get_json("/api/v1/audit", Auth::Bearer(&token)).await;
    let (s, again) = post_feedback(&app, &token, &wrong).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["opened"], json!([]), "{again}");
    assert_eq!(again["already_open"].as_array().unwrap().len(), 1);
    let (_, after) = app.get_json("/api/v1/audit", Auth::Bearer(&token)).await;
    assert_eq!(before, after, "no second candidate, no event");
    let (_, list) = app
        .get_json("/api/v1/targeted-reviews?year=2026", Auth::Bearer(&token))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // Bad rows: 422 by line, column and value; nothing opened.
    let (s, bad) = post_feedback(
        &app,
        &token,
        &format!("{HEADER}123456789,{},2026,101,,,,,,,,,\r\n", npi(2)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(
        (bad[0]["line"].as_u64(), bad[0]["column"].as_str()),
        (Some(2), Some("Final_Score"))
    );

    // An auditor reads the candidates but cannot import.
    let audit_token = app.token(&owner, "auditor").await;
    let (s, _) = post_feedback(&app, &audit_token, &wrong).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

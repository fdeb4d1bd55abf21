//! Targeted review and data validation and audit through the API and the pages: a discrepancy in CMS's
//! final feedback becomes a case that is written, sent and decided (final: 42 CFR 414.1385(a)(4)); a
//! request after a confirmed window is refused naming the close (PY 2024: 8 p.m. ET November 14, 2025,
//! PALTMED-2025TR); the packet PDF lists the evidence with SHA-256 and prints names as written; the
//! dashboard, calendar and reminders count down to a window draft cases wait on; a DVA request keeps the
//! 45-day clock (414.1390(a)(1)) and its checklist.

use crate::api::{import, owner_and_token, practice, roster_csv};
use crate::feedback::{HEADER, approve_clinician_1, post_feedback};
use crate::harness::{Auth, TestApp, npi};
use chrono::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn transition(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/targeted-reviews/{id}/transition"),
        Auth::Bearer(token),
        &body,
    )
    .await
}

async fn actions(app: &TestApp, token: &str) -> Vec<String> {
    let (_, log) = app.get_json("/api/v1/audit", Auth::Bearer(token)).await;
    log.as_array()
        .or_else(|| log["entries"].as_array())
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_feedback_discrepancy_becomes_a_case_that_is_sent_and_decided_once_and_for_all() {
    let app = TestApp::start().await;
    let (_owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let (s, r) = import(&app, &token, &p, &roster_csv(20, &[], "individual")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_application, email) = approve_clinician_1(&app, &token, &p).await;
    // CMS weighted PI at 25 % for clinician 1 despite the approved hardship.
    let wrong = format!(
        "{HEADER}123456789,{},2026,75,80,70,100,60,30,30,15,25,0.1\r\n",
        npi(1)
    );
    let (s, r) = post_feedback(&app, &token, &wrong).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let id = r["opened"][0]["id"].as_str().unwrap().to_owned();

    let (s, case) = app
        .get_json(
            &format!("/api/v1/targeted-reviews/{id}"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["origin"], "feedback");
    assert_eq!(case["reasons"][0]["code"], "hardship_not_applied", "{case}");
    let evidence: Vec<&str> = case["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for want in [
        format!("document:{email}").as_str(),
        "eligibility",
        "binder",
    ] {
        assert!(evidence.contains(&want), "{want} in {case}");
    }
    // PY 2026's window is not announced: shown as such, never invented.
    assert_eq!(case["window"]["state"], "not_announced", "{case}");

    // A reason the year does not list: 422 naming the field and the value.
    let (s, e) = transition(
        &app,
        &token,
        &id,
        json!({"action": "edit", "version": 1, "reasons": ["bad_weather"], "statement": "x", "evidence": []}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("bad_weather"),
        "{e}"
    );
    // Deciding a draft: 409 naming the state.
    let (s, e) = transition(
        &app,
        &token,
        &id,
        json!({"action": "decide", "version": 1, "outcome": "approved"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("it is draft"),
        "{e}"
    );

    let (s, case) = transition(
        &app,
        &token,
        &id,
        json!({"action": "edit", "version": 1, "reasons": ["hardship_not_applied"],
               "statement": "CMS approved the PI hardship of Nguyễn Văn An; PI should weigh 0 %.",
               "evidence": [format!("document:{email}"), "eligibility", "binder"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    // Sent while CMS has not announced the window: allowed, with the warning kept on the case.
    let (s, case) = transition(
        &app,
        &token,
        &id,
        json!({"action": "submit", "version": 2, "submitted_on": "2026-11-16", "cms_reference": "TR-2026-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "submitted");
    assert!(
        case["submit_warning"]
            .as_str()
            .unwrap()
            .contains("UNCONFIRMED"),
        "{case}"
    );
    let (s, case) = transition(
        &app,
        &token,
        &id,
        json!({"action": "decide", "version": 3, "decided_on": "2026-12-01", "outcome": "approved", "note": "PI reweighted"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(
        (case["state"].as_str(), case["is_final"].as_bool()),
        (Some("decided"), Some(true))
    );
    // CMS's decision is final: nothing moves it, and nothing is written.
    let before = actions(&app, &token).await;
    for body in [
        json!({"action": "decide", "version": 4, "outcome": "denied"}),
        json!({"action": "submit", "version": 4, "cms_reference": "again"}),
        json!({"action": "edit", "version": 4, "reasons": [], "statement": "", "evidence": []}),
    ] {
        let (s, e) = transition(&app, &token, &id, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("it is decided") && m.contains("final"), "{m}");
    }
    let after = actions(&app, &token).await;
    assert_eq!(before.len(), after.len());
    for a in [
        "targeted_review.open",
        "targeted_review.edit",
        "targeted_review.submit",
        "targeted_review.decide",
    ] {
        assert_eq!(
            after.iter().filter(|x| *x == a).count(),
            1,
            "{a}: {after:?}"
        );
    }
}

#[tokio::test]
async fn a_request_after_a_confirmed_window_is_refused_naming_the_close() {
    let app = TestApp::start().await;
    let (_owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let open = |year: u16, npi_: Option<String>| {
        json!({"practice": p, "year": year, "npi": npi_, "reasons": ["wrong_tin_npi"],
               "statement": "Our data were filed under the wrong TIN."})
    };
    let (s, late) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            Auth::Bearer(&token),
            &open(2024, None),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{late}");
    assert_eq!(late["window"]["state"], "closed");
    // One case per subject and year.
    let (s, e) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            Auth::Bearer(&token),
            &open(2024, None),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // A bad NPI names the field and the value.
    let (s, e) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            Auth::Bearer(&token),
            &open(2024, Some("123".into())),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["message"].as_str().unwrap().contains("\"123\""), "{e}");

    let id = late["id"].as_str().unwrap();
    let (s, e) = transition(
        &app,
        &token,
        id,
        json!({"action": "submit", "version": 1, "cms_reference": "TR-late"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("2025-11-14 20:00:00 -05:00") && m.contains("draft"),
        "{m}"
    );
    let (_, still) = app
        .get_json(
            &format!("/api/v1/targeted-reviews/{id}"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(still["state"], "draft");

    // PY 2025's close is a projection (UNCONFIRMED): sent after it with a warning, not refused.
    let (_, projected) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            Auth::Bearer(&token),
            &open(2025, Some(npi(3))),
        )
        .await;
    assert_eq!(projected["window"]["confirmed"], false, "{projected}");
    let (s, sent) = transition(
        &app,
        &token,
        projected["id"].as_str().unwrap(),
        json!({"action": "submit", "version": 1, "cms_reference": "TR-2025-9"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    assert!(
        sent["submit_warning"]
            .as_str()
            .unwrap()
            .contains("not refused"),
        "{sent}"
    );

    // The year's reasons and window, with sources.
    let (s, r) = app
        .get_json(
            "/api/v1/targeted-reviews/reasons?year=2024",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(
        r["window"]["sources"]
            .as_array()
            .unwrap()
            .contains(&json!("PALTMED-2025TR"))
    );
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "wrong_tin_npi")
    );
}

#[tokio::test]
async fn the_pages_walk_a_case_from_draft_to_decided_and_print_its_packet() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (_, pr) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(&token),
            &json!({"tin": "123456789", "name": "Nguyễn Văn An Family Clinic"}),
        )
        .await;
    let p = pr["id"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .text("kind", "cms_decision_email")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"Subject: approved\r\n\r\nApproved.".to_vec())
                .file_name("approval.eml"),
        );
    let doc: Value = app
        .request(
            Method::POST,
            &format!("/api/v1/practices/{p}/documents"),
            Auth::Bearer(&token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let doc_sha = doc["sha256"].as_str().unwrap().to_owned();

    // Opened by hand on the page, for PY 2025 (a projected window: sending warns).
    let r = app
        .post_form(
            "/targeted-reviews",
            &owner,
            &[
                ("practice", &p),
                ("year", "2025"),
                ("npi", ""),
                ("statement", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let id = to
        .trim_start_matches("/targeted-reviews/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = app
        .get(&to, Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nguyễn Văn An Family Clinic"), "{page}");
    assert!(page.contains("UNCONFIRMED"), "the projected window says so");
    assert!(
        page.contains(&format!("evidence:document:{doc_id}")),
        "CMS's e-mail is offered"
    );

    let action = format!("/targeted-reviews/{id}/transition");
    let evidence_field = format!("evidence:document:{doc_id}");
    let r = app
        .post_form(
            &action,
            &owner,
            &[
                ("version", "1"),
                ("action", "edit"),
                ("reason:hardship_not_applied", "yes"),
                (
                    "statement",
                    "PI weighted 25 % for Nguyễn Văn An despite the approval.",
                ),
                (&evidence_field, "yes"),
                ("evidence:binder", "yes"),
                ("evidence:eligibility", "yes"),
            ],
            true,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    // Sending without CMS's reference: the page again, 422, naming the field.
    let r = app
        .post_form(
            &action,
            &owner,
            &[
                ("version", "2"),
                ("action", "submit"),
                ("cms_reference", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("reference"));
    let r = app
        .post_form(
            &action,
            &owner,
            &[
                ("version", "2"),
                ("action", "submit"),
                ("submitted_on", "2026-11-16"),
                ("cms_reference", "TR-77"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/targeted-reviews/{id}"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("TR-77") && page.contains("id=\"submit-warning\""),
        "{page}"
    );
    assert!(page.contains("id=\"decide-review\"") && !page.contains("id=\"edit-review\""));

    // The packet: the request, each piece of evidence with its SHA-256, the name as written.
    if crate::formats::poppler() {
        let pdf = app
            .get(
                &format!("/api/v1/targeted-reviews/{id}/packet.pdf"),
                Auth::Session(&owner),
            )
            .await;
        assert_eq!(pdf.status(), StatusCode::OK);
        let dir = tempfile::tempdir().unwrap();
        let (text, _) =
            crate::formats::pdf_text(dir.path(), "review.pdf", &pdf.bytes().await.unwrap());
        for want in [
            "Targeted review request, PY 2025",
            "Nguyễn Văn An Family Clinic",
            "PI weighted 25 % for Nguyễn Văn An",
            "approval.eml",
            "Audit binder of PY 2025",
            "no further review or appeal",
            "TR-77",
        ] {
            assert!(text.contains(want), "{want} in the packet:\n{text}");
        }
        // A hash wraps inside its table cell.
        assert!(crate::formats::contains_wrapped(&text, &doc_sha), "{text}");
    }
    let (_, packet) = app
        .get_json(
            &format!("/api/v1/targeted-reviews/{id}/packet"),
            Auth::Bearer(&token),
        )
        .await;
    let hashes: Vec<&str> = packet["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["sha256"].as_str())
        .collect();
    assert_eq!(hashes.len(), 3, "{packet}");
    assert!(hashes.contains(&doc_sha.as_str()));

    let r = app
        .post_form(
            &action,
            &owner,
            &[
                ("version", "3"),
                ("action", "decide"),
                ("decided_on", "2026-12-01"),
                ("outcome", "denied"),
                ("note", ""),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Decided: final, no form left, and a forged post is refused naming the state.
    let page = app
        .get(&format!("/targeted-reviews/{id}"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"final\"") && !page.contains("id=\"decide-review\""));
    let r = app
        .post_form(
            &action,
            &owner,
            &[
                ("version", "4"),
                ("action", "decide"),
                ("outcome", "approved"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("it is decided"));
    let list = app
        .get("/targeted-reviews", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Nguyễn Văn An Family Clinic") && list.contains("decided"));
}

#[tokio::test]
async fn the_dashboard_calendar_and_reminders_count_down_to_a_window_drafts_wait_on() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    // 2025-10-20: PY 2024's window is open until 8 p.m. ET November 14 (25 days).
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2025, 10, 20, 15, 0, 0)
            .unwrap(),
    );
    let (s, case) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            Auth::Bearer(&token),
            &json!({"practice": p, "year": 2024, "reasons": ["other"], "statement": "Score miscalculated."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["window"]["state"], "open");
    assert_eq!(case["window"]["days_left"], 25);

    let dash = app
        .get("/dashboard?year=2025", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(dash.contains("id=\"review-window-2024\""), "{dash}");
    assert!(dash.contains("25 days") && dash.contains("Lakeside Family Medicine"));

    let ics = app
        .get("/calendar.ics", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("SUMMARY:Targeted review window closes\\, PY 2024"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("DTSTART:20251115T010000Z"),
        "8 p.m. EST is 01:00 UTC"
    );

    let report = hardship_app::reminders::run(&app.state, hardship_app::reminders::Mode::DryRun)
        .await
        .unwrap();
    let review: Vec<_> = report
        .deliveries
        .iter()
        .filter(|d| d.kind.starts_with("review_"))
        .collect();
    assert_eq!(review.len(), 1, "{:?}", report.deliveries);
    assert_eq!(review[0].kind, "review_30");
    assert!(review[0].subject.contains("PY 2024 closes in 26 day(s)"));

    // Sent: nothing is counted down any more.
    let (s, _) = transition(
        &app,
        &token,
        case["id"].as_str().unwrap(),
        json!({"action": "submit", "version": 1, "cms_reference": "TR-1"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let dash = app
        .get("/dashboard?year=2025", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(!dash.contains("review-window-2024"));
}

#[tokio::test]
async fn a_dva_request_keeps_its_45_day_clock_and_checklist() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let t = Auth::Bearer(&token);
    // A notice in the future is refused naming the field.
    let (s, e) = app
        .send_json(
            Method::POST,
            "/api/v1/dva-requests",
            t,
            &json!({"practice": p, "year": 2024, "notice_date": "2027-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["message"].as_str().unwrap().contains("2027-01-01"));
    let (s, d) = app
        .send_json(
            Method::POST,
            "/api/v1/dva-requests",
            t,
            &json!({"practice": p, "year": 2024, "notice_date": "2026-11-02"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    // Due 45 days after the notice (414.1390(a)(1)); the harness clock is 2026-11-16.
    assert_eq!(
        (d["due"].as_str(), d["days_left"].as_i64()),
        (Some("2026-12-17"), Some(31))
    );
    assert_eq!(
        d["binder_url"],
        format!("/api/v1/practices/{p}/years/2024/binder.pdf")
    );
    let id = d["id"].as_str().unwrap();
    let path = format!("/api/v1/dva-requests/{id}/checklist");
    let (s, d) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 1, "text": "Security risk analysis 2024"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, d) = app
        .send_json(Method::POST, &path, t, &json!({"version": 2, "n": 1}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (d["items"][0]["done"].as_bool(), d["complete"].as_bool()),
        (Some(true), Some(true))
    );
    let (s, _) = app
        .send_json(
            Method::POST,
            &path,
            t,
            &json!({"version": 2, "text": "stale"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let log = actions(&app, &token).await;
    for a in [
        "dva_request.open",
        "dva_request.item_add",
        "dva_request.item_check",
    ] {
        assert_eq!(log.iter().filter(|x| *x == a).count(), 1, "{a}");
    }
    // The page: the due day, the checklist, the binder, and a form that adds an item.
    let page = app
        .get(&format!("/dva-requests/{id}"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026-12-17") && page.contains("31 days left"),
        "{page}"
    );
    assert!(page.contains("Security risk analysis 2024") && page.contains("binder.pdf"));
    let r = app
        .post_form(
            &format!("/dva-requests/{id}/checklist"),
            &owner,
            &[("version", "3"), ("text", "Claims for 20 patients")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, d) = app.get_json(&format!("/api/v1/dva-requests/{id}"), t).await;
    assert_eq!(d["items"].as_array().unwrap().len(), 2);
    assert_eq!(d["complete"], false);
}

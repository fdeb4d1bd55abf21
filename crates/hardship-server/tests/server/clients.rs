//! A client practice at work (issue 15): invited for its practice, it uploads the barrier documentation,
//! answers the application and signs the attestation, which the packet, its PDF and the binder print —
//! and which a change to the application makes stale. Owners change roles and remove members: the
//! member's session and API tokens end at once, and the last owner stays.

use crate::access::world::add_client;
use crate::formats::{pdf_text, poppler};
use crate::harness::{Auth, PASSWORD, Session, TestApp, client, csrf_in, npi, set_cookie};
use hardship_store::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The text with every run of whitespace made one space (a wrapped PDF line reads as one).
fn spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text without whitespace (a hash wrapped over two lines is whole again).
fn flat(text: &str) -> String {
    text.split_whitespace().collect()
}

async fn practice(app: &TestApp, owner: &Session, tin: &str, name: &str) -> String {
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Session(owner),
            &json!({"tin": tin, "name": name}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    let (s, c) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{id}/clinicians"),
            Auth::Session(owner),
            &json!({"npi": npi(3), "name": "Łukasz Wróbel", "clinician_type": "physician"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    id
}

async fn packet(app: &TestApp, id: &str, who: Auth<'_>) -> Value {
    let path = format!("/api/v1/applications/{id}/packet");
    app.get_json(&path, who).await.1
}

async fn sign(
    app: &TestApp,
    id: &str,
    who: Auth<'_>,
    version: i64,
    name: &str,
    sha: &str,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/applications/{id}/attestations");
    let body = json!({"version": version, "typed_name": name, "packet_sha256": sha});
    app.send_json(Method::POST, &path, who, &body).await
}

/// Accepts an invitation link as a new account, then signs in.
async fn accept_as_new_account(app: &TestApp, link: &str, email: &str) -> Session {
    let page = client().get(app.url(link)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = set_cookie(&page, app.form_cookie_name()).unwrap();
    let text = page.text().await.unwrap();
    assert!(
        text.contains("client") && text.contains("Lakeside") && !text.contains("Brookside"),
        "the page names the role and the practices"
    );
    let csrf = csrf_in(&text).unwrap();
    let r = client()
        .post(app.url(link))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.login(email, PASSWORD).await.unwrap()
}

#[tokio::test]
async fn a_client_uploads_answers_and_signs_and_the_packet_and_binder_say_so() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let a = practice(&app, &owner, "123456789", "Lakeside").await;
    let b = practice(&app, &owner, "222333444", "Brookside").await;
    // Invited for practice A only.
    let (s, inv) = app
        .send_json(
            Method::POST,
            "/api/v1/invites",
            Auth::Session(&owner),
            &json!({"email": "an@client.test", "role": "client", "practices": [a]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/invites",
            Auth::Session(&owner),
            &json!({"email": "x@client.test", "role": "client"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a client needs practices"
    );
    let link = inv["link_path"].as_str().unwrap();
    let me = accept_as_new_account(&app, link, "an@client.test").await;
    let c = Auth::Session(&me);

    // The small-practice barrier documentation, into its own practice only.
    let upload = |p: String| {
        let form = reqwest::multipart::Form::new()
            .text("kind", "barrier_documentation")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"vendor quote, staffing".to_vec())
                    .file_name("barriers.txt"),
            );
        app.request(Method::POST, &format!("/api/v1/practices/{p}/documents"), c)
            .multipart(form)
            .send()
    };
    assert_eq!(
        upload(a.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        upload(b.clone()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Its answers, as a draft (the wizard's final step through the API) — not for practice B.
    let body = |p: &str| {
        json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
               "reason": "insufficient_internet", "description": "The Hill Road office has 1 Mbit/s; no provider will lay fibre.",
               "facts": {"clinician_count": 2, "insufficient_internet": true},
               "submitter": {"first_name": "Văn An", "last_name": "Nguyễn", "email": "an@client.test", "phone": "555-0100"},
               "attested": true})
    };
    let (s, _) = app
        .send_json(Method::POST, "/api/v1/applications", c, &body(&b))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, application) = app
        .send_json(Method::POST, "/api/v1/applications", c, &body(&a))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{application}");
    let id = application["id"].as_str().unwrap().to_owned();
    // Ready, yes; sent to CMS, no: that is the organization's.
    let (s, ready) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/applications/{id}/transitions"),
            c,
            &json!({"version": 1, "action": "mark_ready"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ready}");
    let (s, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/applications/{id}/transitions"),
            c,
            &json!({"version": 2, "action": "submit", "channel": "portal", "reference": "QPP-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The packet before signing, then the signature of what it says.
    let before = packet(&app, &id, c).await;
    assert_eq!(before["attestation_status"], "unsigned");
    let sha = before["packet_sha256"].as_str().unwrap().to_owned();
    let (s, _) = sign(&app, &id, c, 2, "Nguyễn Văn An", &"0".repeat(64)).await;
    assert_eq!(s, StatusCode::CONFLICT, "a packet the signer did not read");
    let (s, signed) = sign(&app, &id, c, 2, "Nguyễn Văn An", &sha).await;
    assert_eq!(s, StatusCode::CREATED, "{signed}");
    let line =
        format!("Attested by Nguyễn Văn An (an@client.test) on 2026-11-16, packet SHA-256 {sha}");
    assert_eq!(signed["line"], line.as_str());
    let (s, _) = sign(&app, &id, c, 2, "Nguyễn Văn An", &sha).await;
    assert_eq!(s, StatusCode::CONFLICT, "once per packet");
    let after = packet(&app, &id, c).await;
    assert_eq!(after["attestation_status"], "signed");
    assert_eq!(after["attestation"]["email"], "an@client.test");
    assert_eq!(
        after["packet_sha256"],
        sha.as_str(),
        "signing changes no packet"
    );
    let attest_field = after["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "Attestation")
        .unwrap();
    assert_eq!(attest_field["value"], line.as_str());

    // Printed on the packet PDF and in the binder, names whole.
    if poppler() {
        let dir = tempfile::tempdir().unwrap();
        let r = app
            .get(&format!("/api/v1/applications/{id}/packet.pdf"), c)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (text, _) = pdf_text(dir.path(), "signed-packet.pdf", &r.bytes().await.unwrap());
        assert!(
            spaced(&text).contains("Attested by Nguyễn Văn An (an@client.test) on 2026-11-16"),
            "{text}"
        );
        assert!(
            flat(&text).contains(&format!("packetSHA-256{sha}")),
            "{text}"
        );
        let r = app
            .get(&format!("/api/v1/practices/{a}/years/2026/binder.pdf"), c)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (text, _) = pdf_text(dir.path(), "signed-binder.pdf", &r.bytes().await.unwrap());
        assert!(
            spaced(&text).contains("Attested by Nguyễn Văn An (an@client.test) on 2026-11-16"),
            "{text}"
        );
        assert!(flat(&text).contains(&sha), "{text}");
    }

    // The organization edits the application: a new packet, the signature stale until signed again —
    // by an owner this time, and the record says who.
    let (s, edited) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            Auth::Session(&owner),
            &json!({"version": 2, "practice": a, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet", "description": "The Hill Road office has 1 Mbit/s; fibre was quoted at $40,000.",
                    "facts": {"clinician_count": 2, "insufficient_internet": true},
                    "submitter": {"first_name": "Văn An", "last_name": "Nguyễn", "email": "an@client.test", "phone": "555-0100"},
                    "attested": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    let stale = packet(&app, &id, Auth::Session(&owner)).await;
    assert_eq!(stale["attestation_status"], "stale");
    let new_sha = stale["packet_sha256"].as_str().unwrap().to_owned();
    assert_ne!(new_sha, sha);
    let value = stale["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "Attestation")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(value.starts_with("NOT SIGNED FOR THIS PACKET"), "{value}");
    assert!(value.contains(&new_sha), "{value}");
    if poppler() {
        let dir = tempfile::tempdir().unwrap();
        let r = app
            .get(
                &format!("/api/v1/applications/{id}/packet.pdf"),
                Auth::Session(&owner),
            )
            .await;
        let (text, _) = pdf_text(dir.path(), "stale.pdf", &r.bytes().await.unwrap());
        assert!(
            spaced(&text).contains("NOT SIGNED FOR THIS PACKET"),
            "{text}"
        );
    }
    let (s, by_owner) = sign(&app, &id, Auth::Session(&owner), 3, "Pat Owner", &new_sha).await;
    assert_eq!(s, StatusCode::CREATED, "{by_owner}");
    let (_, all) = app
        .get_json(&format!("/api/v1/applications/{id}/attestations"), c)
        .await;
    assert_eq!(all["status"], "signed");
    let emails: Vec<&str> = all["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["an@client.test", "owner@acme.test"]);
    // The audit trail says who signed what.
    let (_, trail) = app
        .get_json("/api/v1/audit?action=application.attest", c)
        .await;
    let sentences: Vec<String> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sentences.len(), 2, "{sentences:?}");
    assert!(sentences[0].contains("Nguyễn Văn An"), "{sentences:?}");
}

#[tokio::test]
async fn a_client_signs_on_the_application_page() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let a = practice(&app, &owner, "123456789", "Lakeside").await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    add_client(&app, tenant, "an@client.test", &[a.as_str()]).await;
    let me = app.login("an@client.test", PASSWORD).await.unwrap();
    let (s, application) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Auth::Session(&owner),
            &json!({"practice": a, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet",
                    "submitter": {"first_name": "A", "last_name": "B", "email": "a@b.test", "phone": "1"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = application["id"].as_str().unwrap();
    let page = app
        .get(&format!("/applications/{id}"), Auth::Session(&me))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"sign-form\""), "a client may sign");
    assert!(!page.contains("id=\"submit-form\""), "but not send");
    let i = page.find("id=\"packet-sha256\">").unwrap() + "id=\"packet-sha256\">".len();
    let sha = page[i..i + 64].to_owned();
    let path = format!("/applications/{id}/sign");
    let fields = [
        ("version", "1"),
        ("typed_name", "Nguyễn Văn An"),
        ("packet_sha256", sha.as_str()),
    ];
    let r = app.post_form(&path, &me, &fields, true).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the box unticked"
    );
    let mut ticked = fields.to_vec();
    ticked.push(("agree", "yes"));
    let r = app.post_form(&path, &me, &ticked, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/applications/{id}"), Auth::Session(&me))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-status=\"signed\""), "{page}");
    assert!(page.contains("Attested by Nguyễn Văn An (an@client.test)"));
}

/// The session's next request: the status of the dashboard page and of `/api/v1/me`.
async fn still_in(app: &TestApp, s: &Session) -> (StatusCode, StatusCode) {
    let page = app.get("/dashboard", Auth::Session(s)).await;
    let page = match page.status() {
        StatusCode::SEE_OTHER => {
            assert_eq!(page.headers()["location"], "/login");
            StatusCode::SEE_OTHER
        }
        other => other,
    };
    (page, app.get_json("/api/v1/me", Auth::Session(s)).await.0)
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let s = &app.state.store;
    let u = s.find_user_by_email(email).await.unwrap().unwrap();
    u.id.to_string()
}

#[tokio::test]
async fn a_role_change_or_removal_ends_the_members_session_and_tokens_and_the_last_owner_stays() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    app.add_member(tenant, "second@acme.test", Role::Owner)
        .await;
    app.add_member(tenant, "staff@acme.test", Role::Staff).await;
    let second = app.login("second@acme.test", PASSWORD).await.unwrap();
    let staff = app.login("staff@acme.test", PASSWORD).await.unwrap();
    let token = app.token(&second, "staff").await;
    let others_token = app.token(&owner, "staff").await;
    let ok = (StatusCode::OK, StatusCode::OK);
    assert_eq!(still_in(&app, &second).await, ok);
    assert_eq!(
        app.get_json("/api/v1/me", Auth::Bearer(&token)).await.0,
        StatusCode::OK
    );

    // Demoted through the API: the session and the token end at once, others' tokens stay.
    let second_id = user_id(&app, "second@acme.test").await;
    let (s, done) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/members/{second_id}"),
            Auth::Session(&owner),
            &json!({"role": "staff"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (done["previous"].as_str(), done["role"].as_str()),
        (Some("owner"), Some("staff"))
    );
    assert_eq!(done["sessions_ended"], 1);
    assert_eq!(done["tokens_revoked"].as_array().unwrap().len(), 1);
    assert_eq!(
        still_in(&app, &second).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        app.get_json("/api/v1/me", Auth::Bearer(&token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_json("/api/v1/me", Auth::Bearer(&others_token))
            .await
            .0,
        StatusCode::OK
    );
    // Signed in again, the new role applies.
    let again = app.login("second@acme.test", PASSWORD).await.unwrap();
    let (s, _) = app.get_json("/api/v1/tokens", Auth::Session(&again)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no longer an owner");

    // Removed on the people page (a form with its CSRF token): signed out at once.
    assert_eq!(still_in(&app, &staff).await, ok);
    let staff_id = user_id(&app, "staff@acme.test").await;
    let path = format!("/settings/users/{staff_id}/remove");
    let r = app.post_form(&path, &owner, &[], false).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "no CSRF token, nothing done"
    );
    assert_eq!(still_in(&app, &staff).await, ok);
    let r = app.post_form(&path, &owner, &[], true).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains("1 of the member"), "{text}");
    assert!(!text.contains("staff@acme.test"));
    assert_eq!(
        still_in(&app, &staff).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
    );

    // The last owner can be neither demoted nor removed, by the API or the page.
    let owner_id = user_id(&app, "owner@acme.test").await;
    let (s, e) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/members/{owner_id}"),
            Auth::Session(&owner),
            &json!({"role": "staff"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap().contains("last owner"), "{e}");
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/members/{owner_id}"),
            Auth::Session(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .post_form(
            &format!("/settings/users/{owner_id}/remove"),
            &owner,
            &[],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(still_in(&app, &owner).await, ok, "still the owner");
    // Staff may not manage members at all.
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/members/{owner_id}"),
            Auth::Session(&again),
            &json!({"role": "staff"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_clients_practices_changed_by_an_owner_apply_from_its_next_sign_in() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let a = practice(&app, &owner, "123456789", "Lakeside").await;
    let b = practice(&app, &owner, "222333444", "Brookside").await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    let id = add_client(&app, tenant, "an@client.test", &[a.as_str()]).await;
    let me = app.login("an@client.test", PASSWORD).await.unwrap();
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, list) = app.get_json("/api/v1/practices", Auth::Session(&me)).await;
    assert_eq!(names(&list), ["Lakeside"]);
    // On the people page: the role selector with B chosen instead of A.
    let r = app
        .post_form(
            &format!("/settings/users/{id}/role"),
            &owner,
            &[("role", "client"), ("practices", b.as_str())],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        still_in(&app, &me).await,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED)
    );
    let me = app.login("an@client.test", PASSWORD).await.unwrap();
    let (_, list) = app.get_json("/api/v1/practices", Auth::Session(&me)).await;
    assert_eq!(names(&list), ["Brookside"]);
    let (s, _) = app
        .get_json(&format!("/api/v1/practices/{a}"), Auth::Session(&me))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A client with no practice named is refused, and a staff member with practices too.
    let r = app
        .post_form(
            &format!("/settings/users/{id}/role"),
            &owner,
            &[("role", "client")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/members/{id}"),
            Auth::Session(&owner),
            &json!({"role": "staff", "practices": [a]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The people page lists the client with its practice.
    let text = app
        .get("/settings/users", Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("an@client.test") && text.contains("Brookside"));
}

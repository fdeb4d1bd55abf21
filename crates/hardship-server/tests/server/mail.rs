//! E-mail against a real SMTP server on loopback (`scripts/with-smtp.sh`): an invitation mailed with a
//! link that works, and a password reset from the sign-in page to the new password — the same answer for
//! an unknown address (and no mail), sessions ended, the link refused once used and once expired, the
//! requests limited. Names with diacritics survive the headers and the body.

use crate::harness::{PASSWORD, TestApp, client, csrf_in, set_cookie};
use hardship_store::Clock;
use hardship_testkit::smtp::{self, Sink};
use reqwest::StatusCode;

/// An anonymous form as a browser posts it: the page first (its double-submit cookie and token), then
/// the form with both.
async fn anonymous_post(
    app: &TestApp,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let r = client().get(app.url(page)).send().await.unwrap();
    let cookie = set_cookie(&r, app.form_cookie_name());
    let csrf = csrf_in(&r.text().await.unwrap()).expect("the page has a form");
    let mut all = fields.to_vec();
    all.push(("csrf", &csrf));
    let mut b = client().post(app.url(action)).form(&all);
    if let Some(c) = cookie {
        b = b.header(reqwest::header::COOKIE, c);
    }
    b.send().await.unwrap()
}

async fn ask_for_link(app: &TestApp, email: &str) -> (StatusCode, String) {
    let r = anonymous_post(
        app,
        "/forgot-password",
        "/forgot-password",
        &[("email", email)],
    )
    .await;
    (r.status(), r.text().await.unwrap())
}

/// The session still opens pages (else it was ended: a redirect to sign-in).
async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    let r = client()
        .get(app.url("/dashboard"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    r.status() == StatusCode::OK
}

fn sink() -> Option<Sink> {
    smtp::sink()
}

/// Waits (up to 10 s, without blocking the runtime the server runs on) for `n` messages to `address`.
async fn wait_for(sink: &Sink, address: &str, n: usize) -> Vec<smtp::Received> {
    for _ in 0..200 {
        let got = sink.to(address);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "{address} has {} message(s) after 10 s, expected {n}",
        sink.to(address).len()
    );
}

#[tokio::test]
async fn an_invitation_is_mailed_with_a_link_that_works() {
    let Some(sink) = sink() else { return };
    let app = TestApp::start_mailing(&sink).await;
    let tag = smtp::tag();
    let owner = app
        .setup(
            "Phòng khám Nguyễn Văn An",
            &format!("owner-{tag}@mail.test"),
        )
        .await;
    let invitee = format!("Staff-{tag}@Mail.test");
    let r = app
        .post_form(
            "/settings/invites",
            &owner,
            &[("email", &invitee), ("role", "staff")],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"invite-mailed\""), "{page}");
    let shown = page
        .split("id=\"invite-link\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let mail = wait_for(&sink, &invitee, 1).await.remove(0);
    assert!(mail.from.contains("noreply@hardship.test"), "{}", mail.from);
    assert!(
        mail.subject.contains("Phòng khám Nguyễn Văn An"),
        "the subject keeps the name: {:?}",
        mail.subject
    );
    assert!(
        mail.text.contains("Phòng khám Nguyễn Văn An"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains(&format!("owner-{tag}@mail.test")));
    let link = smtp::link(&mail.text, "/invite/").expect("a link in the message");
    assert_eq!(link, shown, "the page shows the link it mailed");
    assert!(
        link.starts_with(&app.base),
        "{link} is on the public address"
    );
    assert!(
        !String::from_utf8_lossy(&mail.raw).contains("Nguyễn"),
        "headers and body travel encoded (7-bit), not as raw UTF-8"
    );
    // The link opens the invitation and makes the account.
    let path = link.trim_start_matches(&app.base).to_owned();
    let r = anonymous_post(
        &app,
        &path,
        &path,
        &[("password", PASSWORD), ("password_confirm", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.login(&invitee, PASSWORD).await.is_ok());

    // Through the API the same, and the answer says it was mailed.
    let api_invitee = format!("auditor-{tag}@mail.test");
    let (status, body) = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/invites",
            crate::harness::Auth::Session(&owner),
            &serde_json::json!({"email": api_invitee, "role": "auditor"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["mailed"], "sent");
    let mail = wait_for(&sink, &api_invitee, 1).await.remove(0);
    let link = smtp::link(&mail.text, "/invite/").unwrap();
    assert!(link.ends_with(body["link_path"].as_str().unwrap()));
    assert_eq!(
        client().get(&link).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_invitation_that_cannot_be_mailed_is_still_made_and_shown() {
    let Some(sink) = sink() else { return };
    let app = TestApp::start_mailing(&sink).await;
    let tag = smtp::tag();
    let owner = app
        .setup("Acme Consulting", &format!("owner-{tag}@mail.test"))
        .await;
    // The sink refuses reject* recipients: the invitation stands and the page says to send the link.
    let r = app
        .post_form(
            "/settings/invites",
            &owner,
            &[
                ("email", &format!("reject-{tag}@mail.test")),
                ("role", "staff"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"invite-mail-failed\""), "{page}");
    assert!(page.contains("id=\"invite-link\""));
    assert!(!page.contains("s3cret"));
}

#[tokio::test]
async fn a_password_reset_from_the_sign_in_page_to_the_new_password() {
    let Some(sink) = sink() else { return };
    let app = TestApp::start_mailing(&sink).await;
    let tag = smtp::tag();
    let email = format!("owner-{tag}@mail.test");
    let first = app.setup("Acme Consulting", &email).await;
    let second = app.login(&email, PASSWORD).await.unwrap();
    let tenant = app.state.store.list_tenants().await.unwrap()[0];

    // The sign-in page offers it.
    let login = client().get(app.url("/login")).send().await.unwrap();
    assert!(
        login
            .text()
            .await
            .unwrap()
            .contains("href=\"/forgot-password\"")
    );

    // An unknown address and a known one get the same page; only the known one gets mail.
    let nobody = format!("nobody-{tag}@mail.test");
    let (s1, unknown) = ask_for_link(&app, &nobody).await;
    let (s2, known) = ask_for_link(&app, &email.to_uppercase()).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert!(unknown.contains("id=\"reset-sent\"") && known.contains("id=\"reset-sent\""));
    let strip = |page: &str, who: &str| page.replace(who, "ADDRESS");
    assert_eq!(
        strip(&unknown, &nobody),
        strip(&known, &email),
        "the same answer whether an account exists"
    );
    let mail = wait_for(&sink, &email, 1).await.remove(0);
    assert!(mail.subject.contains("Reset your hardship password"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        sink.to(&nobody).is_empty(),
        "no mail for an unknown address"
    );
    let link = smtp::link(&mail.text, "/reset-password/").expect("a reset link");
    assert!(link.starts_with(&app.base), "{link}");

    // The link's page, a refused form (the same rules as sign-up), then the new password.
    let r = client().get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let path = link.trim_start_matches(&app.base).to_owned();
    let new = "a brand new passphrase for Ada";
    let short = anonymous_post(
        &app,
        &path,
        &path,
        &[("password", "short"), ("password_confirm", "short")],
    )
    .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("at least 12 characters")
    );
    let differ = anonymous_post(
        &app,
        &path,
        &path,
        &[
            ("password", new),
            ("password_confirm", "another passphrase!"),
        ],
    )
    .await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let done = anonymous_post(
        &app,
        &path,
        &path,
        &[("password", new), ("password_confirm", new)],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("id=\"reset-done\""));

    // Every session ended; the old password no longer works, the new one does.
    assert!(!signed_in(&app, &first.cookie).await);
    assert!(!signed_in(&app, &second.cookie).await);
    assert_eq!(
        app.login(&email, PASSWORD).await.unwrap_err(),
        StatusCode::UNAUTHORIZED
    );
    let third = app.login(&email, new).await.unwrap();
    assert!(signed_in(&app, &third.cookie).await);
    let events = app.state.store.audit_events(tenant, None).await.unwrap();
    let reset = events.last().unwrap();
    assert_eq!(reset.action, "user.password_reset");
    assert_eq!(reset.actor_label, email);
    let trail = app
        .get("/audit", crate::harness::Auth::Session(&third))
        .await;
    assert!(
        trail
            .text()
            .await
            .unwrap()
            .contains("set a new password through an e-mailed reset link")
    );

    // The link works once.
    let again = client().get(&link).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already been used"));
    let reuse = anonymous_post(
        &app,
        "/forgot-password",
        &path,
        &[("password", new), ("password_confirm", new)],
    )
    .await;
    assert_eq!(reuse.status(), StatusCode::GONE);
    let bogus = client()
        .get(app.url(&format!("/reset-password/{}", "0".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);

    // A link left for more than an hour has expired.
    ask_for_link(&app, &email).await;
    let mail = wait_for(&sink, &email, 2).await.remove(1);
    let link = smtp::link(&mail.text, "/reset-password/").unwrap();
    app.clock
        .set(app.clock.now() + chrono::Duration::minutes(61));
    let late = client().get(&link).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(late.text().await.unwrap().contains("expired"));
    let path = link.trim_start_matches(&app.base).to_owned();
    let late = anonymous_post(
        &app,
        "/forgot-password",
        &path,
        &[
            ("password", "yet another passphrase"),
            ("password_confirm", "yet another passphrase"),
        ],
    )
    .await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(
        app.login(&email, new).await.is_ok(),
        "an expired link changed nothing"
    );
}

#[tokio::test]
async fn reset_requests_are_limited_and_their_forms_checked() {
    let Some(sink) = sink() else { return };
    let app = TestApp::start_mailing(&sink).await;
    let tag = smtp::tag();
    let email = format!("owner-{tag}@mail.test");
    app.setup("Acme Consulting", &email).await;
    for _ in 0..3 {
        assert_eq!(ask_for_link(&app, &email).await.0, StatusCode::OK);
    }
    let (status, page) = ask_for_link(&app, &email).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    // The same for an address without an account: the limit says nothing about accounts.
    let nobody = format!("nobody-{tag}@mail.test");
    for _ in 0..3 {
        assert_eq!(ask_for_link(&app, &nobody).await.0, StatusCode::OK);
    }
    assert_eq!(
        ask_for_link(&app, &nobody).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(wait_for(&sink, &email, 3).await.len(), 3);
    // Without the form's double-submit cookie: refused before anything.
    let r = client()
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str()), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client()
        .post(app.url(&format!("/reset-password/{}", "0".repeat(64))))
        .form(&[("password", "x"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = ask_for_link(&app, "not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn without_smtp_links_are_shown_and_reset_by_mail_is_off() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let login = client().get(app.url("/login")).send().await.unwrap();
    assert!(!login.text().await.unwrap().contains("/forgot-password"));
    let page = client()
        .get(app.url("/forgot-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("id=\"reset-unavailable\"")
    );
    let r = app
        .post_form(
            "/settings/invites",
            &owner,
            &[("email", "new@acme.test"), ("role", "staff")],
            true,
        )
        .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"invite-link\"") && !page.contains("invite-mailed"));
}

#[tokio::test]
async fn the_scheduled_job_sends_each_reminder_once() {
    use hardship_store::*;
    let Some(sink) = sink() else { return };
    let app = TestApp::start_mailing(&sink).await;
    let tag = smtp::tag();
    let email = format!("owner-{tag}@mail.test");
    app.setup("Acme Consulting", &email).await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    let s = &app.state.store;
    let p = s
        .create_practice(
            tenant,
            &Actor::system(),
            NewPractice {
                tin: hardship_rules::Tin::parse("123456789").unwrap(),
                name: "Nguyễn Văn An Family Medicine".into(),
                address: String::new(),
                contact: Contact {
                    name: String::new(),
                    email: String::new(),
                    phone: String::new(),
                },
                zip: None,
            },
        )
        .await
        .unwrap();
    let roster = (1..=16)
        .map(|n| NewClinician {
            npi: hardship_store::testsuite::npi(n),
            name: format!("Dr. José Núñez {n}"),
            clinician_type: hardship_rules::ClinicianType::Physician,
        })
        .collect();
    s.add_clinicians(tenant, &Actor::system(), p.id, roster)
        .await
        .unwrap();
    // A week before the PY 2026 deadline, on the app's clock; the job as `hardship serve` runs it.
    app.clock.set("2026-12-25T12:00:00Z".parse().unwrap());
    let job = tokio::spawn(hardship_app::reminders::every(
        app.state.app.clone(),
        std::time::Duration::ZERO,
        std::time::Duration::from_millis(100),
    ));
    let m = wait_for(&sink, &email, 1).await.remove(0);
    assert!(m.subject.contains("7 days"), "{}", m.subject);
    assert!(
        m.text.contains("Nguyễn Văn An Family Medicine"),
        "{}",
        m.text
    );
    let link = format!("{}/practices/{}/years/2026", app.base, p.id);
    assert!(m.text.contains(&link), "{}", m.text);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    job.abort();
    assert_eq!(sink.to(&email).len(), 1, "several runs, one message");
}

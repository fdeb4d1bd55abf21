//! Regressions for what a red-team found against a real `hardship serve` (issue 11), each tried the way
//! the attacker did. SECURITY.md names the test that proves each defence.

use crate::api::{import, owner_and_token, practice, roster_csv, sign_in_via};
use crate::harness::{Auth, PASSWORD, TestApp, client, csrf_in, set_cookie};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An invitation for `email` in the owner's organization; returns the link's path.
async fn invite(app: &TestApp, owner: &crate::harness::Session, email: &str, role: &str) -> String {
    let (s, inv) = app
        .send_json(
            Method::POST,
            "/api/v1/invites",
            Auth::Session(owner),
            &json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    inv["link_path"].as_str().unwrap().to_owned()
}

/// The invitation page as an anonymous visitor: (its text, the form cookie, the CSRF value).
async fn open_invite(app: &TestApp, link: &str) -> (String, String, String) {
    let page = client().get(app.url(link)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let form_cookie = set_cookie(&page, app.form_cookie_name()).unwrap();
    let text = page.text().await.unwrap();
    let csrf = csrf_in(&text).unwrap();
    (text, form_cookie, csrf)
}

/// High 1: the holder of an invitation link for an existing account's address can never get a session
/// of that account by guessing its password on the invitation page, and the page does not say whether
/// the address has an account.
#[tokio::test]
async fn an_invitation_link_is_no_password_oracle_for_an_existing_account() {
    let app = TestApp::start().await;
    // Organization A with its owner (the victim), organization B with its owner (the attacker).
    let victim = app.setup("Acme Consulting", "owner@acme.test").await;
    app.add_org("Mallory Medical", "mallory@evil.test").await;
    let attacker = app.login("mallory@evil.test", PASSWORD).await.unwrap();
    let link = invite(&app, &attacker, "owner@acme.test", "staff").await;
    let fresh = invite(&app, &attacker, "nobody-yet@acme.test", "staff").await;

    // The page reads the same for an address with an account and one without.
    let (existing_page, form_cookie, csrf) = open_invite(&app, &link).await;
    let (new_page, _, _) = open_invite(&app, &fresh).await;
    let strip = |p: &str, link: &str, email: &str| {
        p.replace(link.trim_start_matches("/invite/"), "TOKEN")
            .replace(email, "EMAIL")
            .lines()
            .filter(|l| !l.contains("name=\"csrf\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&existing_page, &link, "owner@acme.test"),
        strip(&new_page, &fresh, "nobody-yet@acme.test"),
        "the invitation page must not reveal that the address has an account"
    );
    assert!(!existing_page.contains("already have an account)"));

    // Guessing: ten wrong passwords, then the right one. None gives a session.
    let guesses: Vec<String> = (0..10)
        .map(|i| format!("wrong guess number {i}"))
        .chain([PASSWORD.to_owned()])
        .collect();
    for guess in &guesses {
        let r = client()
            .post(app.url(&link))
            .header("cookie", &form_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("password", guess.as_str()),
                ("password_confirm", guess.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_ne!(r.status(), StatusCode::SEE_OTHER, "guess {guess:?}");
        assert!(
            set_cookie(&r, app.cookie_name()).is_none(),
            "no session for the link holder"
        );
    }
    // The victim's account is untouched: not a member of B, password unchanged.
    let user = app
        .state
        .store
        .find_user_by_email("owner@acme.test")
        .await
        .unwrap()
        .unwrap();
    let orgs = app.state.store.memberships_of(user.id).await.unwrap();
    assert_eq!(orgs.len(), 1, "still only a member of A");
    assert!(app.login("owner@acme.test", PASSWORD).await.is_ok());

    // The real owner of the address joins by signing in first, then opening the link: no password asked.
    let page = app.get(&link, Auth::Session(&victim)).await;
    let text = page.text().await.unwrap();
    assert!(text.contains("id=\"accept\""), "{text}");
    assert!(!text.contains("type=\"password\""));
    let r = app.post_form(&link, &victim, &[], true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.state.store.memberships_of(user.id).await.unwrap().len(),
        2
    );

    // Signed in as someone else, the link accepts nothing.
    let other = invite(&app, &attacker, "someone@else.test", "staff").await;
    let r = app.post_form(&other, &victim, &[], true).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Medium 3: two invitations of one new address accepted at the same instant (one from an attacker's
/// organization) give exactly one account and one session.
#[tokio::test]
async fn racing_invitations_for_one_new_address_give_one_session() {
    let app = TestApp::start().await;
    let owner_a = app.setup("Acme Consulting", "owner@acme.test").await;
    app.add_org("Mallory Medical", "mallory@evil.test").await;
    let mallory = app.login("mallory@evil.test", PASSWORD).await.unwrap();
    let victims = invite(&app, &owner_a, "newhire@acme.test", "owner").await;
    let attackers = invite(&app, &mallory, "newhire@acme.test", "staff").await;
    for _ in 0..3 {
        let (_, ca, sa) = open_invite(&app, &victims).await;
        let (_, cb, sb) = open_invite(&app, &attackers).await;
        let post = |link: String, cookie: String, csrf: String, pw: &'static str| {
            let url = app.url(&link);
            async move {
                client()
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("password", pw),
                        ("password_confirm", pw),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let (ra, rb) = tokio::join!(
            post(victims.clone(), ca, sa, "the victim's passphrase"),
            post(attackers.clone(), cb, sb, "the attacker's passphrase")
        );
        let sessions = [&ra, &rb]
            .iter()
            .filter(|r| set_cookie(r, app.cookie_name()).is_some())
            .count();
        assert!(sessions <= 1, "at most one acceptance makes the account");
        if sessions == 1 {
            break;
        }
    }
    let user = app
        .state
        .store
        .find_user_by_email("newhire@acme.test")
        .await
        .unwrap()
        .unwrap();
    // Whoever won, the account belongs to exactly one organization: nobody holds a session for the
    // victim's owner account that the other invitation created.
    assert_eq!(
        app.state.store.memberships_of(user.id).await.unwrap().len(),
        1
    );
}

/// Medium 2: concurrent wrong guesses cannot all slip under the limit; the attempt is reserved before
/// the password is checked.
#[tokio::test]
async fn concurrent_sign_ins_cannot_race_past_the_limit() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        login_max_failures: 5,
        password_workers: 2,
        password_queue: 64,
        ..Default::default()
    })
    .await;
    app.setup("Acme", "owner@acme.test").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let pw = if i == 19 {
            PASSWORD.to_owned()
        } else {
            format!("wrong password {i}")
        };
        let base = app.url("");
        let cookie_name = app.form_cookie_name();
        tasks.push(tokio::spawn(async move {
            let page = client().get(format!("{base}/login")).send().await.unwrap();
            let form_cookie = set_cookie(&page, cookie_name).unwrap();
            let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
            client()
                .post(format!("{base}/login"))
                .header("cookie", form_cookie)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", "owner@acme.test"),
                    ("password", pw.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut evaluated = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        evaluated <= 5,
        "{evaluated} attempts were checked; the limit is 5"
    );
}

/// Medium 2: a full hasher answers at once with 429 and `Retry-After` instead of queueing without end.
#[tokio::test]
async fn a_busy_password_hasher_turns_callers_away_at_once() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        login_max_failures: 1000,
        password_workers: 1,
        password_queue: 0,
        ..Default::default()
    })
    .await;
    app.setup("Acme", "owner@acme.test").await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let app_url = app.url("/login");
        let cookie_name = app.form_cookie_name();
        tasks.push(tokio::spawn(async move {
            let page = client().get(&app_url).send().await.unwrap();
            let form_cookie = set_cookie(&page, cookie_name).unwrap();
            let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
            let r = client()
                .post(&app_url)
                .header("cookie", form_cookie)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", format!("user{n}@acme.test").as_str()),
                    ("password", "wrong password here"),
                ])
                .send()
                .await
                .unwrap();
            (r.status(), r.headers().get("retry-after").cloned())
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let (status, retry) = t.await.unwrap();
        if status == StatusCode::TOO_MANY_REQUESTS {
            busy += 1;
            assert!(retry.is_some(), "a busy answer says when to retry");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
    }
    assert!(
        busy > 0,
        "one worker and no queue: 12 at once cannot all be checked"
    );
}

/// Low: a stranger who knows an address cannot lock its owner out; the limit counts per address and
/// account (the address over all accounts and the account over all addresses have larger budgets).
#[tokio::test]
async fn a_stranger_cannot_lock_the_real_user_out() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        login_max_failures: 5,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    app.setup("Acme", "owner@acme.test").await;
    for _ in 0..12 {
        let s = sign_in_via(
            &app,
            "owner@acme.test",
            "guessing away!!",
            Some("203.0.113.66"),
        )
        .await;
        assert!(matches!(
            s,
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
        ));
    }
    assert_eq!(
        sign_in_via(&app, "owner@acme.test", PASSWORD, Some("203.0.113.66")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger's address is locked out of this account"
    );
    assert_eq!(
        sign_in_via(&app, "owner@acme.test", PASSWORD, Some("198.51.100.20")).await,
        StatusCode::SEE_OTHER,
        "the real user, from their own address, signs in"
    );
}

/// Low: the current-password check of the password page is rate limited like a sign-in.
#[tokio::test]
async fn the_current_password_check_is_rate_limited() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        login_max_failures: 3,
        ..Default::default()
    })
    .await;
    let owner = app.setup("Acme", "owner@acme.test").await;
    let change = async |current: &'static str| {
        app.post_form(
            "/settings/password",
            &owner,
            &[
                ("current", current),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
            true,
        )
        .await
    };
    for _ in 0..3 {
        assert_eq!(
            change("not my password").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = change(PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one"
    );
    assert!(r.headers().contains_key("retry-after"));
}

/// Medium 4: names starting with `=`, `+`, `-`, `@`, tab or CR are neutralised in the portfolio CSV.
#[tokio::test]
async fn spreadsheet_formulas_in_names_are_neutralised_in_csv_exports() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let (s, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(&token),
            &json!({"tin": "123456789", "name": "=HYPERLINK(\"https://evil.example\",\"Open\")"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_str().unwrap();
    let csv = "performance_year,npi,name,clinician_type\n\
               2026,1234567893,+cmd|' /C calc'!A0,physician\n\
               2026,1245319599,@SUM(1+1),physician\n\
               2026,1003000126,-2+3,physician\n";
    let (s, body) = import(&app, &token, id, csv).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let r = app
        .get(
            "/api/v1/portfolio?year=2026&format=csv",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for rec in rd.records() {
        let rec = rec.unwrap();
        cells.push(rec[0].to_owned());
        cells.push(rec[4].to_owned());
    }
    assert!(!cells.is_empty());
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would run: {c:?}"
        );
    }
    assert!(cells.contains(&"'=HYPERLINK(\"https://evil.example\",\"Open\")".to_owned()));
    assert!(cells.contains(&"'+cmd|' /C calc'!A0".to_owned()));
    assert!(cells.contains(&"'@SUM(1+1)".to_owned()));
}

/// Medium 6: calendar subscriptions carry a secret that can read the calendar and nothing else;
/// ordinary API tokens are refused in a URL; links carry the scheme the user came in with.
#[tokio::test]
async fn calendar_links_have_their_own_secret_and_scheme() {
    let app = TestApp::start_with(hardship_server::ServerSettings {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let (owner, token) = owner_and_token(&app).await;
    // An API token in the address: refused.
    let r = client()
        .get(app.url(&format!("/api/v1/calendar.ics?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A calendar link from the page: https behind a TLS-terminating proxy, and http only when told so.
    let page = client()
        .post(app.url("/settings/tokens"))
        .header("cookie", &owner.cookie)
        .header("x-forwarded-proto", "https")
        .header("host", "hardship.example.org")
        .form(&[
            ("csrf", owner.csrf.as_str()),
            ("scope", "calendar"),
            ("name", "Deadlines"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    let start = text
        .find("https://hardship.example.org/api/v1/calendar.ics?token=")
        .expect("an https link");
    let link = &text[start..];
    let secret = &link["https://hardship.example.org/api/v1/calendar.ics?token=".len()..]
        .split('<')
        .next()
        .unwrap();
    assert!(secret.starts_with("hscal_"));
    let feed = client()
        .get(app.url(&format!("/api/v1/calendar.ics?token={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    // It opens nothing else.
    for path in ["/api/v1/practices", "/api/v1/me", "/api/v1/portfolio"] {
        let (s, _) = app.get_json(path, Auth::Bearer(secret)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    // Revocable like any token.
    let (_, tokens) = app.get_json("/api/v1/tokens", Auth::Bearer(&token)).await;
    let cal = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "calendar")
        .unwrap();
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", cal["id"].as_str().unwrap()),
            Auth::Bearer(&token),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let feed = client()
        .get(app.url(&format!("/api/v1/calendar.ics?token={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::UNAUTHORIZED);
}

/// Low: after sign-in only plain same-site paths are followed; a newline is no 500.
#[tokio::test]
async fn sign_in_redirects_only_to_plain_paths() {
    let app = TestApp::start().await;
    app.setup("Acme", "owner@acme.test").await;
    for (next, expected) in [
        ("/%09/evil.example", "/dashboard"),
        ("/\t/evil.example", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/%2F/evil.example", "/dashboard"),
        ("/%5Cevil.example", "/dashboard"),
        ("/x\r\nSet-Cookie: a=b", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/practices?year=2026", "/practices?year=2026"),
    ] {
        let page = client().get(app.url("/login")).send().await.unwrap();
        let form_cookie = set_cookie(&page, app.form_cookie_name()).unwrap();
        let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
        let r = client()
            .post(app.url("/login"))
            .header("cookie", form_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "owner@acme.test"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.headers()["location"], expected, "{next:?}");
        // The sign-in page with such a `next` renders (no 500).
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let page = client()
            .get(app.url(&format!("/login?next={encoded}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{next:?}");
    }
}

/// Low: answers holding tenant data are never cached; HSTS is sent when served over HTTPS.
#[tokio::test]
async fn tenant_data_is_never_cached_and_https_is_pinned() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    import(&app, &token, &p, &roster_csv(3, &[], "group")).await;
    let form = reqwest::multipart::Form::new()
        .text("kind", "barrier_documentation")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"notes".to_vec()).file_name("notes.txt"),
        );
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/practices/{p}/documents"),
            Auth::Bearer(&token),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    for path in [
        "/api/v1/practices".to_owned(),
        format!("/api/v1/practices/{p}/years/2026/eligibility"),
        format!("/api/v1/documents/{}/content", doc["id"].as_str().unwrap()),
        "/api/v1/portfolio?year=2026&format=csv".to_owned(),
    ] {
        let r = app.get(&path, Auth::Bearer(&token)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        assert_eq!(
            r.headers()["strict-transport-security"],
            "max-age=31536000",
            "secure cookies mean HTTPS"
        );
    }
    let plain = TestApp::start_with(hardship_server::ServerSettings {
        secure_cookies: false,
        ..Default::default()
    })
    .await;
    let r = client().get(plain.url("/login")).send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}

/// Low: a client's request id is echoed only when well formed; anything else is replaced.
#[tokio::test]
async fn request_ids_from_clients_cannot_forge_log_lines() {
    let app = TestApp::start().await;
    let good = client()
        .get(app.url("/login"))
        .header("x-request-id", "trace-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(good.headers()["x-request-id"], "trace-42.a_b");
    for bad in ["a b", "x\" level=error msg=forged", &"x".repeat(65), "é"] {
        let Ok(value) = reqwest::header::HeaderValue::from_bytes(bad.as_bytes()) else {
            continue;
        };
        let r = client()
            .get(app.url("/login"))
            .header("x-request-id", value)
            .send()
            .await
            .unwrap();
        let echoed = r.headers()["x-request-id"].to_str().unwrap_or("");
        assert_ne!(echoed, bad, "{bad:?}");
        assert!(hardship_server::is_well_formed_request_id(
            echoed.as_bytes()
        ));
    }
}

/// Low: the double-submit cookie of the forms before sign-in is signed and `__Host-` prefixed: a value
/// the client picks (planted by a sibling site, say) does not pass.
#[tokio::test]
async fn the_pre_sign_in_form_cookie_is_signed_and_host_only() {
    let app = TestApp::start().await;
    app.setup("Acme", "owner@acme.test").await;
    let page = client().get(app.url("/login")).send().await.unwrap();
    let set = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("__Host-hardship_form="))
        .expect("a __Host- form cookie");
    assert!(set.contains("Secure") && set.contains("Path=/") && !set.contains("Domain"));
    for chosen in ["attacker-chosen", &"a".repeat(64)] {
        let r = client()
            .post(app.url("/login"))
            .header("cookie", format!("{}={chosen}", app.form_cookie_name()))
            .form(&[
                ("csrf", chosen),
                ("email", "owner@acme.test"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{chosen}");
    }
}

/// Info: names with bidirectional overrides are refused, naming the field.
#[tokio::test]
async fn bidirectional_overrides_in_names_are_refused() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let (s, body) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(&token),
            &json!({"tin": "123456789", "name": "Lakeside \u{202E}enicideM"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("name"), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("U+202E"),
        "{body}"
    );
}

/// Medium 5 / Info: a document whose stored object was swapped for another's is not served: a named
/// error, and an audit event that says who tried to open it.
#[tokio::test]
async fn a_swapped_evidence_object_is_refused_by_name_and_recorded() {
    let app = TestApp::start().await;
    let (_, token) = owner_and_token(&app).await;
    let p = practice(&app, &token, "123456789").await;
    let mut ids = Vec::new();
    for (name, bytes) in [("a.txt", b"first".to_vec()), ("b.txt", b"second".to_vec())] {
        let form = reqwest::multipart::Form::new()
            .text("kind", "barrier_documentation")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        let r = app
            .request(
                Method::POST,
                &format!("/api/v1/practices/{p}/documents"),
                Auth::Bearer(&token),
            )
            .multipart(form)
            .send()
            .await
            .unwrap();
        let doc: Value = r.json().await.unwrap();
        ids.push(doc["id"].as_str().unwrap().to_owned());
    }
    // Swap the bytes on disk: document a's object now holds document b's ciphertext.
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    let dir = app
        .dir
        .path()
        .join("vault/tenants")
        .join(tenant.to_string())
        .join("documents");
    std::fs::copy(dir.join(&ids[1]), dir.join(&ids[0])).unwrap();
    let r = app
        .get(
            &format!("/api/v1/documents/{}/content", ids[0]),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "integrity");
    assert!(
        body["message"].as_str().unwrap().contains(&ids[0]),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("a.txt"),
        "{body}"
    );
    let events = app
        .state
        .store
        .audit_events(tenant, Some(&ids[0]))
        .await
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, "document.integrity_failed");
    assert_eq!(last.actor_label, "api token owner token");
    // The other document is untouched and still served.
    let r = app
        .get(
            &format!("/api/v1/documents/{}/content", ids[1]),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

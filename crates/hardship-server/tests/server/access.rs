//! The access-control matrix: every route of the pages and of the API, called by each kind of caller —
//! anonymous, a member of another tenant (with this tenant's ids), an auditor, staff and an owner — and
//! every unsafe route called with the session cookie but without its CSRF token.
//!
//! Expected: anonymous → 401 (API) or a redirect to sign-in (pages); another tenant's ids → 404 (and its
//! own lists never show this tenant's records); an auditor's write → 403; owner-only routes → 403 for
//! staff and auditors; no CSRF token → 403; and every caller allowed in gets past the checks.

use crate::harness::{Auth, Session, TestApp, client, npi};
use hardship_store::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Anyone, signed in or not.
    Public,
    /// Every member may read it.
    Read,
    /// Staff and owners may; auditors get 403.
    Write,
    /// Owners only.
    Owner,
    /// Every member, including auditors (their own session or password).
    Own,
}

#[derive(Clone, Copy)]
enum Body {
    None,
    Json(&'static str),
    Form(&'static [(&'static str, &'static str)]),
    Multipart,
    Csv,
}

struct Route {
    method: Method,
    path: &'static str,
    kind: Kind,
    /// The path or body names this tenant's records (another tenant gets 404).
    ids: bool,
    body: Body,
}

fn r(method: Method, path: &'static str, kind: Kind, ids: bool, body: Body) -> Route {
    Route {
        method,
        path,
        kind,
        ids,
        body,
    }
}

fn api_routes() -> Vec<Route> {
    use Body::*;
    use Kind::*;
    let (g, p, u, d) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);
    vec![
        r(g.clone(), "/api/v1/health", Public, false, None),
        r(g.clone(), "/api/v1/openapi.json", Public, false, None),
        r(g.clone(), "/api/v1/me", Read, false, None),
        r(g.clone(), "/api/v1/dashboard", Read, false, None),
        r(g.clone(), "/api/v1/deadlines", Read, false, None),
        r(g.clone(), "/api/v1/practices", Read, false, None),
        r(
            p.clone(),
            "/api/v1/practices",
            Write,
            false,
            Json(r#"{"tin":"111222333","name":"New"}"#),
        ),
        r(g.clone(), "/api/v1/practices/{p}", Read, true, None),
        r(
            u.clone(),
            "/api/v1/practices/{p}",
            Write,
            true,
            Json(r#"{"version":1,"name":"Renamed"}"#),
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/archive",
            Write,
            true,
            Json(r#"{"version":99,"why":"a duplicate"}"#),
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/restore",
            Write,
            true,
            Json(r#"{"version":99}"#),
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/clinicians",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/clinicians",
            Write,
            true,
            Json(r#"{"npi":"{npi9}","name":"New","clinician_type":"physician"}"#),
        ),
        r(
            u.clone(),
            "/api/v1/practices/{p}/clinicians/{c}",
            Write,
            true,
            Json(r#"{"version":1,"name":"Renamed","clinician_type":"physician"}"#),
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/clinicians/{c}/archive",
            Write,
            true,
            Json(r#"{"version":99,"why":"entered twice"}"#),
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/clinicians/{c}/restore",
            Write,
            true,
            Json(r#"{"version":99}"#),
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/clinicians/{c}/statuses",
            Write,
            true,
            Json(r#"{"year":2026,"status":"asc_based","value":false}"#),
        ),
        r(p.clone(), "/api/v1/practices/{p}/imports", Write, true, Csv),
        r(
            p.clone(),
            "/api/v1/practices/{p}/eligibility/fetch",
            Write,
            true,
            Json(r#"{"year":2026}"#),
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/years/2026/profile",
            Read,
            true,
            None,
        ),
        r(
            u.clone(),
            "/api/v1/practices/{p}/years/2026/profile",
            Write,
            true,
            Json(r#"{"version":0,"level":"group","pi_submitted":false}"#),
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/years/2026/eligibility",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/years/2026/screening",
            Read,
            true,
            Json(r#"{"insufficient_internet":true}"#),
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/years/2026/score-impact",
            Read,
            true,
            None,
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/decisions",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/years/2026/submission-check",
            Read,
            true,
            Json(r#"{"measurementSets":[]}"#),
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/years/2026/binder.pdf",
            Read,
            true,
            None,
        ),
        r(g.clone(), "/api/v1/portfolio", Read, false, None),
        r(g.clone(), "/api/v1/applications", Read, false, None),
        r(
            p.clone(),
            "/api/v1/applications",
            Write,
            true,
            Json(
                r#"{"practice":"{p}","year":2026,"applicant":{"level":"group","tin":"123456789"},"reason":"insufficient_internet","submitter":{"first_name":"A","last_name":"B","email":"a@b.test","phone":"1"}}"#,
            ),
        ),
        r(g.clone(), "/api/v1/applications/{a}", Read, true, None),
        r(
            u.clone(),
            "/api/v1/applications/{a}",
            Write,
            true,
            Json(
                r#"{"version":1,"practice":"{p}","year":2026,"applicant":{"level":"group","tin":"123456789"},"reason":"insufficient_internet","submitter":{"first_name":"A","last_name":"B","email":"a@b.test","phone":"1"}}"#,
            ),
        ),
        r(
            p.clone(),
            "/api/v1/applications/{a}/transitions",
            Write,
            true,
            Json(r#"{"version":99,"action":"mark_ready"}"#),
        ),
        r(
            g.clone(),
            "/api/v1/applications/{a}/audit",
            Read,
            true,
            None,
        ),
        r(
            g.clone(),
            "/api/v1/applications/{a}/packet",
            Read,
            true,
            None,
        ),
        r(
            g.clone(),
            "/api/v1/applications/{a}/packet.pdf",
            Read,
            true,
            None,
        ),
        r(
            g.clone(),
            "/api/v1/practices/{p}/documents",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/api/v1/practices/{p}/documents",
            Write,
            true,
            Multipart,
        ),
        r(g.clone(), "/api/v1/documents/{d}", Read, true, None),
        r(
            u.clone(),
            "/api/v1/documents/{d}",
            Write,
            true,
            Json(r#"{"kind":"other","note":"re-filed"}"#),
        ),
        r(g.clone(), "/api/v1/documents/{d}/content", Read, true, None),
        r(g.clone(), "/api/v1/audit", Read, false, None),
        r(g.clone(), "/api/v1/audit/verify", Read, false, None),
        r(g.clone(), "/api/v1/tokens", Owner, false, None),
        r(
            p.clone(),
            "/api/v1/tokens",
            Owner,
            false,
            Json(r#"{"name":"x","role":"auditor"}"#),
        ),
        r(d, "/api/v1/tokens/{t}", Owner, true, None),
        r(g.clone(), "/api/v1/members", Read, false, None),
        r(p.clone(), "/api/v1/imports", Write, false, Csv),
        r(g.clone(), "/api/v1/imports/template", Read, false, None),
        r(p.clone(), "/api/v1/feedback", Write, false, Csv),
        r(g.clone(), "/api/v1/targeted-reviews", Read, false, None),
        r(g.clone(), "/api/v1/queue", Read, false, None),
        r(
            u.clone(),
            "/api/v1/practices/{p}/years/2026/work",
            Write,
            true,
            Json(r#"{"version":0,"notes":"call Monday"}"#),
        ),
        r(g, "/api/v1/invites", Owner, false, None),
        r(
            p,
            "/api/v1/invites",
            Owner,
            false,
            Json(r#"{"email":"new@x.test","role":"staff"}"#),
        ),
    ]
}

fn web_routes() -> Vec<Route> {
    use Body::*;
    use Kind::*;
    let (g, p) = (Method::GET, Method::POST);
    vec![
        r(g.clone(), "/login", Public, false, None),
        r(g.clone(), "/forgot-password", Public, false, None),
        r(g.clone(), "/reset-password/{reset}", Public, false, None),
        r(g.clone(), "/static/app.css", Public, false, None),
        r(g.clone(), "/static/app.js", Public, false, None),
        r(g.clone(), "/dashboard", Read, false, None),
        r(g.clone(), "/audit", Read, false, None),
        r(g.clone(), "/audit.csv", Read, false, None),
        r(g.clone(), "/sources", Read, false, None),
        r(g.clone(), "/calendar.ics", Read, false, None),
        r(g.clone(), "/practices", Read, false, None),
        r(
            p.clone(),
            "/practices",
            Write,
            false,
            Form(&[("tin", "111222333"), ("name", "New")]),
        ),
        r(g.clone(), "/practices/new", Write, false, None),
        r(g.clone(), "/practices/import", Write, false, None),
        r(p.clone(), "/practices/import", Write, false, Multipart),
        r(
            g.clone(),
            "/practices/import/template.csv",
            Read,
            false,
            None,
        ),
        r(
            p.clone(),
            "/practices/{p}/years/2026/work",
            Write,
            true,
            Form(&[("version", "0"), ("notes", "call Monday")]),
        ),
        r(g.clone(), "/practices/{p}", Read, true, None),
        r(g.clone(), "/practices/{p}/edit", Write, true, None),
        r(
            p.clone(),
            "/practices/{p}/edit",
            Write,
            true,
            Form(&[("version", "1"), ("name", "Renamed")]),
        ),
        r(
            p.clone(),
            "/practices/{p}/clinicians",
            Write,
            true,
            Form(&[
                ("npi", "1234567893"),
                ("name", "X"),
                ("clinician_type", "physician"),
            ]),
        ),
        r(
            g.clone(),
            "/practices/{p}/clinicians/{c}/edit",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/practices/{p}/clinicians/{c}/edit",
            Write,
            true,
            Form(&[
                ("version", "1"),
                ("name", "Renamed"),
                ("clinician_type", "physician"),
            ]),
        ),
        r(
            p.clone(),
            "/practices/{p}/clinicians/{c}/status",
            Write,
            true,
            Form(&[
                ("year", "2026"),
                ("status", "asc_based"),
                ("value", "false"),
            ]),
        ),
        r(
            p.clone(),
            "/practices/{p}/clinicians/{c}/archive",
            Write,
            true,
            Form(&[("version", "99"), ("why", "entered twice")]),
        ),
        r(
            p.clone(),
            "/practices/{p}/clinicians/{c}/restore",
            Write,
            true,
            Form(&[("version", "99")]),
        ),
        r(
            p.clone(),
            "/practices/{p}/archive",
            Write,
            true,
            Form(&[("version", "99"), ("why", "a duplicate")]),
        ),
        r(
            p.clone(),
            "/practices/{p}/restore",
            Write,
            true,
            Form(&[("version", "99")]),
        ),
        r(p.clone(), "/practices/{p}/imports", Write, true, Multipart),
        r(
            p.clone(),
            "/practices/{p}/eligibility/fetch",
            Write,
            true,
            Form(&[("year", "2026")]),
        ),
        r(p.clone(), "/practices/{p}/evidence", Write, true, Multipart),
        r(g.clone(), "/practices/{p}/years/2026", Read, true, None),
        r(
            p.clone(),
            "/practices/{p}/years/2026/profile",
            Write,
            true,
            Form(&[("version", "0"), ("level", "group")]),
        ),
        r(
            p.clone(),
            "/practices/{p}/years/2026/decisions",
            Write,
            true,
            Form(&[]),
        ),
        r(
            g.clone(),
            "/practices/{p}/years/2026/score",
            Read,
            true,
            None,
        ),
        r(
            g.clone(),
            "/practices/{p}/years/2026/score.svg",
            Read,
            true,
            None,
        ),
        r(
            p.clone(),
            "/practices/{p}/years/2026/submission-check",
            Read,
            true,
            Multipart,
        ),
        r(
            g.clone(),
            "/practices/{p}/years/2026/apply",
            Write,
            true,
            None,
        ),
        r(
            p.clone(),
            "/practices/{p}/years/2026/apply",
            Write,
            true,
            Form(&[("reason", "insufficient_internet"), ("level", "group")]),
        ),
        r(g.clone(), "/applications", Read, false, None),
        r(g.clone(), "/applications/{a}", Read, true, None),
        r(g.clone(), "/applications/{a}/edit", Write, true, None),
        r(
            p.clone(),
            "/applications/{a}/edit",
            Write,
            true,
            Form(&[
                ("version", "99"),
                ("reason", "insufficient_internet"),
                ("level", "group"),
            ]),
        ),
        r(
            p.clone(),
            "/applications/{a}/transition",
            Write,
            true,
            Form(&[("version", "99"), ("action", "mark_ready")]),
        ),
        r(g.clone(), "/documents/{d}/download", Read, true, None),
        r(
            p.clone(),
            "/documents/{d}/edit",
            Write,
            true,
            Form(&[("kind", "other"), ("note", "re-filed")]),
        ),
        r(g.clone(), "/settings/users", Read, false, None),
        r(
            p.clone(),
            "/settings/invites",
            Owner,
            false,
            Form(&[("email", "new@x.test"), ("role", "staff")]),
        ),
        r(g.clone(), "/settings/tokens", Owner, false, None),
        r(
            p.clone(),
            "/settings/tokens",
            Owner,
            false,
            Form(&[("name", "x"), ("role", "auditor")]),
        ),
        r(
            p.clone(),
            "/settings/tokens/{t2}/revoke",
            Owner,
            true,
            Form(&[]),
        ),
        r(g, "/settings/password", Own, false, None),
        r(
            p.clone(),
            "/settings/password",
            Own,
            false,
            Form(&[
                ("current", "wrong"),
                ("password", "x"),
                ("password_confirm", "x"),
            ]),
        ),
        r(p, "/org", Own, true, Form(&[("tenant", "{tenant}")])),
    ]
}

/// The `/api/v1` routes the matrix calls, as (method, path template): the OpenAPI test compares them with
/// the document.
pub fn api_route_templates() -> Vec<(String, String)> {
    api_routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect()
}

struct World {
    app: TestApp,
    owner: Session,
    staff: Session,
    auditor: Session,
    other: Session,
    ids: Vec<(&'static str, String)>,
}

impl World {
    fn fill(&self, text: &str) -> String {
        let mut t = text.to_owned();
        for (k, v) in &self.ids {
            t = t.replace(&format!("{{{k}}}"), v);
        }
        t
    }
}

async fn world() -> World {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    app.add_member(tenant, "staff@acme.test", Role::Staff).await;
    app.add_member(tenant, "auditor@acme.test", Role::Auditor)
        .await;
    app.add_org("Other Practice", "owner@other.test").await;
    let pw = crate::harness::PASSWORD;
    let staff = app.login("staff@acme.test", pw).await.unwrap();
    let auditor = app.login("auditor@acme.test", pw).await.unwrap();
    let other = app.login("owner@other.test", pw).await.unwrap();
    let token = app.token(&owner, "owner").await;
    let t = Auth::Bearer(&token);
    let (_, pr) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Lakeside"}),
        )
        .await;
    let p = pr["id"].as_str().unwrap().to_owned();
    let (_, c) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{p}/clinicians"),
            t,
            &json!({"npi": npi(1), "name": "Dr. Ada", "clinician_type": "physician"}),
        )
        .await;
    let (_, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet",
                    "submitter": {"first_name": "A", "last_name": "B", "email": "a@b.test", "phone": "1"}}),
        )
        .await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"evidence".to_vec()).file_name("e.txt"),
    );
    let doc: serde_json::Value = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, tk) = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            t,
            &json!({"name": "to revoke", "role": "staff"}),
        )
        .await;
    let (_, tk2) = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            t,
            &json!({"name": "to revoke on a page", "role": "staff"}),
        )
        .await;
    // The other tenant has records of its own, which its lists show instead of ours.
    let other_token = app.token(&other, "owner").await;
    app.send_json(
        Method::POST,
        "/api/v1/practices",
        Auth::Bearer(&other_token),
        &json!({"tin": "987654321", "name": "Elsewhere"}),
    )
    .await;
    // A live password reset link of the owner (its page is public: the secret is the credential).
    let owner_user = app
        .state
        .store
        .find_user_by_email("owner@acme.test")
        .await
        .unwrap()
        .unwrap();
    let reset = hardship_app::access::new_secret().unwrap();
    app.state
        .store
        .create_password_reset(
            owner_user.id,
            hardship_app::access::secret_hash(&reset),
            crate::harness::now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let ids = vec![
        ("p", p),
        ("c", c["id"].as_str().unwrap().to_owned()),
        ("a", a["id"].as_str().unwrap().to_owned()),
        ("d", doc["id"].as_str().unwrap().to_owned()),
        ("t", tk["info"]["id"].as_str().unwrap().to_owned()),
        ("t2", tk2["info"]["id"].as_str().unwrap().to_owned()),
        ("npi9", npi(9)),
        ("tenant", tenant.to_string()),
        ("reset", reset),
    ];
    World {
        app,
        owner,
        staff,
        auditor,
        other,
        ids,
    }
}

/// Calls a route as `who` (None: anonymous), with or without the CSRF token.
async fn call(w: &World, route: &Route, who: Option<&Session>, csrf: bool) -> reqwest::Response {
    let path = w.fill(route.path);
    let api = path.starts_with("/api/");
    let mut b = client().request(route.method.clone(), w.app.url(&path));
    if let Some(s) = who {
        b = b.header("cookie", &s.cookie);
        if api && csrf && route.method != Method::GET {
            b = b.header("x-csrf-token", &s.csrf);
        }
    }
    let token = who.filter(|_| csrf && !api).map(|s| s.csrf.clone());
    b = match route.body {
        Body::None => b,
        Body::Json(j) => b.header("content-type", "application/json").body(w.fill(j)),
        Body::Csv => b
            .header("content-type", "text/csv")
            .body(format!("npi,clinician_type\n{},physician\n", npi(12))),
        Body::Form(fields) => {
            let mut all: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), w.fill(v)))
                .collect();
            if let Some(t) = token {
                all.push(("csrf".into(), t));
            }
            b.form(&all)
        }
        Body::Multipart => {
            let mut form = reqwest::multipart::Form::new();
            if let Some(t) = token {
                form = form.text("csrf", t);
            }
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(
                    format!("npi,clinician_type\n{},physician\n", npi(13)).into_bytes(),
                )
                .file_name("roster.csv"),
            );
            b.multipart(form)
        }
    };
    b.send().await.unwrap()
}

fn allowed(s: StatusCode) -> bool {
    !matches!(
        s,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) && !s.is_server_error()
}

#[tokio::test]
async fn every_route_for_every_kind_of_caller() {
    let w = world().await;
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut routes = api_routes();
    routes.extend(web_routes());
    // Refusals first (they must change nothing), then the callers who may act.
    for route in &routes {
        let path = route.path;
        let api = path.starts_with("/api/");
        let m = &route.method;
        let mut expect = |who: &str, got: StatusCode, ok: bool, want: &str| {
            checked += 1;
            if !ok {
                failures.push(format!("{m} {path} as {who}: got {got}, want {want}"));
            }
        };
        // Anonymous.
        let res = call(&w, route, None, true).await;
        let s = res.status();
        if route.kind == Kind::Public {
            expect("anonymous", s, s.is_success(), "2xx");
        } else if api {
            expect("anonymous", s, s == StatusCode::UNAUTHORIZED, "401");
        } else {
            let to_login = s == StatusCode::SEE_OTHER
                && res.headers().get("location").is_some_and(|l| l == "/login");
            expect("anonymous", s, to_login, "303 to /login");
        }
        if route.kind == Kind::Public {
            continue;
        }
        // Another tenant's member with our ids.
        let s = call(&w, route, Some(&w.other), true).await.status();
        if route.ids {
            expect("other tenant", s, s == StatusCode::NOT_FOUND, "404");
        } else {
            expect("other tenant", s, allowed(s), "allowed (its own data)");
        }
        // No CSRF token with the cookie, on every unsafe route.
        if *m != Method::GET {
            let s = call(&w, route, Some(&w.owner), false).await.status();
            expect("owner without CSRF", s, s == StatusCode::FORBIDDEN, "403");
        }
        // The auditor.
        let s = call(&w, route, Some(&w.auditor), true).await.status();
        match route.kind {
            Kind::Write | Kind::Owner => expect("auditor", s, s == StatusCode::FORBIDDEN, "403"),
            _ => expect("auditor", s, allowed(s), "allowed"),
        }
    }
    for route in &routes {
        if route.kind == Kind::Public {
            continue;
        }
        let (path, m) = (route.path, &route.method);
        let s = call(&w, route, Some(&w.staff), true).await.status();
        checked += 1;
        let ok = match route.kind {
            Kind::Owner => s == StatusCode::FORBIDDEN,
            _ => allowed(s),
        };
        if !ok {
            failures.push(format!("{m} {path} as staff: got {s}"));
        }
        let s = call(&w, route, Some(&w.owner), true).await.status();
        checked += 1;
        if !allowed(s) {
            failures.push(format!("{m} {path} as owner: got {s}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "{checked}");
}

#[tokio::test]
async fn another_tenants_lists_never_show_our_records() {
    let w = world().await;
    let p = &w.ids[0].1;
    for path in [
        "/api/v1/practices",
        "/api/v1/applications",
        "/api/v1/audit",
        "/api/v1/members",
        "/api/v1/dashboard",
    ] {
        let (s, body) = w.app.get_json(path, Auth::Session(&w.other)).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        let text = body.to_string();
        assert!(
            !text.contains(p.as_str())
                && !text.contains("Lakeside")
                && !text.contains("owner@acme.test"),
            "{path}: {text}"
        );
    }
    for path in ["/dashboard", "/practices", "/applications", "/audit"] {
        let r = w.app.get(path, Auth::Session(&w.other)).await;
        let text = r.text().await.unwrap();
        assert!(
            !text.contains("Lakeside") && !text.contains(p.as_str()),
            "{path}"
        );
        assert!(
            text.contains("Other Practice"),
            "{path} shows the caller's own organization"
        );
    }
}

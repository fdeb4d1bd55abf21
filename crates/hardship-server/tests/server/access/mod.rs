//! The access-control matrix: every route of the pages and of the API, called by each kind of caller —
//! anonymous, a member of another tenant (with this tenant's ids), an auditor, staff, an owner, and a
//! client of practice A (with A's ids, then with practice B's) — and every unsafe route called with the
//! session cookie but without its CSRF token.
//!
//! Expected: anonymous → 401 (API) or a redirect to sign-in (pages); another tenant's ids → 404 (and its
//! own lists never show this tenant's records); an auditor's write → 403; owner-only routes → 403 for
//! staff and auditors; no CSRF token → 403; a client → its own practice's data, 404 for practice B's
//! ids exactly as for another tenant's, 403 for what only owners and staff do; and every caller allowed
//! in gets past the checks.

/// Client practices seen through every list and view, count for count.
mod client;
/// Who may call each route.
mod routes;
/// The organization the matrix calls into.
pub(crate) mod world;

use crate::harness::Auth;
use reqwest::{Method, StatusCode};
use routes::{api_routes, web_routes};
use world::{call, world};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Anyone, signed in or not.
    Public,
    /// Every member may read it.
    Read,
    /// Staff and owners may; auditors and clients get 403.
    Write,
    /// Staff, owners and a client (in its practices) may: evidence, application drafts, signing;
    /// auditors get 403.
    Contribute,
    /// Every member but a client reads it (the organization's people); a client gets 403.
    Org,
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
    /// The path or body names this tenant's records (another tenant gets 404, a client 404 for practice
    /// B's).
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

/// The `/api/v1` routes the matrix calls, as (method, path template): the OpenAPI test compares them with
/// the document.
pub fn api_route_templates() -> Vec<(String, String)> {
    api_routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect()
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
        let res = call(&w, route, None, true, false).await;
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
        let s = call(&w, route, Some(&w.other), true, false).await.status();
        if route.ids {
            expect("other tenant", s, s == StatusCode::NOT_FOUND, "404");
        } else {
            expect("other tenant", s, allowed(s), "allowed (its own data)");
        }
        // No CSRF token with the cookie, on every unsafe route.
        if *m != Method::GET {
            let s = call(&w, route, Some(&w.owner), false, false).await.status();
            expect("owner without CSRF", s, s == StatusCode::FORBIDDEN, "403");
        }
        // The auditor.
        let s = call(&w, route, Some(&w.auditor), true, false)
            .await
            .status();
        match route.kind {
            Kind::Write | Kind::Owner | Kind::Contribute => {
                expect("auditor", s, s == StatusCode::FORBIDDEN, "403")
            }
            _ => expect("auditor", s, allowed(s), "allowed"),
        }
    }
    for route in &routes {
        if route.kind == Kind::Public {
            continue;
        }
        let (path, m) = (route.path, &route.method);
        let s = call(&w, route, Some(&w.staff), true, false).await.status();
        checked += 1;
        let ok = match route.kind {
            Kind::Owner => s == StatusCode::FORBIDDEN,
            _ => allowed(s),
        };
        if !ok {
            failures.push(format!("{m} {path} as staff: got {s}"));
        }
        // The client: practice A's records as its own, B's as another tenant's; the organization's
        // business refused whatever it names.
        let mine = matches!(route.kind, Kind::Read | Kind::Contribute | Kind::Own);
        let s = call(&w, route, Some(&w.client), true, false).await.status();
        checked += 1;
        if mine != allowed(s) || (!mine && s != StatusCode::FORBIDDEN) {
            let want = if mine { "allowed" } else { "403" };
            failures.push(format!("{m} {path} as client of A: got {s}, want {want}"));
        }
        if route.ids && route.kind != Kind::Own {
            let s = call(&w, route, Some(&w.client), true, true).await.status();
            checked += 1;
            let ok = if mine {
                s == StatusCode::NOT_FOUND
            } else {
                // Refused by role before any id is looked up: the same for every id, so it says
                // nothing about B.
                s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
            };
            if !ok {
                failures.push(format!("{m} {path} as client with B's ids: got {s}"));
            }
        }
        let s = call(&w, route, Some(&w.owner), true, false).await.status();
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
    assert!(checked > 450, "{checked}");
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

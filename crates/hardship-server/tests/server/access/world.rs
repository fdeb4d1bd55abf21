//! The organization the matrix calls into: an owner, staff, an auditor, a client of one practice (A,
//! Lakeside) and not of the other (B, Brookside), two spare members for the member routes to change,
//! and another organization; each with records every route can name.

use super::{Body, Route};
use crate::harness::{Auth, Session, TestApp, client, npi};
use hardship_store::{Actor, MemberChange, PracticeId, Role, TenantId};
use reqwest::Method;
use serde_json::{Value, json};

pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) owner: Session,
    pub(super) staff: Session,
    pub(super) auditor: Session,
    /// A client of practice A only.
    pub(super) client: Session,
    pub(super) other: Session,
    /// The ids routes name: practice A's records, tokens, members, the tenant.
    pub(super) ids: Vec<(&'static str, String)>,
    /// The same with practice B's records in place of A's.
    pub(super) ids_b: Vec<(&'static str, String)>,
}

impl World {
    /// `text` with the ids filled in, practice B's when `b`.
    pub(super) fn fill(&self, text: &str, b: bool) -> String {
        let mut t = text.to_owned();
        for (k, v) in if b { &self.ids_b } else { &self.ids } {
            t = t.replace(&format!("{{{k}}}"), v);
        }
        t
    }
}

/// A practice with a clinician, an application and a document; returns their ids.
pub(super) async fn practice_with_records(
    app: &TestApp,
    t: Auth<'_>,
    tin: &str,
    name: &str,
    n: u32,
) -> [(&'static str, String); 4] {
    let (_, pr) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": tin, "name": name}),
        )
        .await;
    let p = pr["id"].as_str().unwrap().to_owned();
    let (_, c) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{p}/clinicians"),
            t,
            &json!({"npi": npi(n), "name": format!("Dr. {name}"), "clinician_type": "physician"}),
        )
        .await;
    let (_, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": tin},
                    "reason": "insufficient_internet",
                    "submitter": {"first_name": "A", "last_name": "B", "email": "a@b.test", "phone": "1"}}),
        )
        .await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"evidence".to_vec()).file_name("e.txt"),
    );
    let doc: Value = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    [
        ("p", p),
        ("c", c["id"].as_str().unwrap().to_owned()),
        ("a", a["id"].as_str().unwrap().to_owned()),
        ("d", doc["id"].as_str().unwrap().to_owned()),
    ]
}

/// A practice's records plus a targeted-review case (PY 2025) and a DVA request (PY 2025).
async fn with_review_and_audit(
    app: &TestApp,
    t: Auth<'_>,
    records: [(&'static str, String); 4],
) -> [(&'static str, String); 6] {
    let p = records[0].1.clone();
    let (_, r) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            t,
            &json!({"practice": p, "year": 2025, "reasons": ["other"], "statement": "Score miscalculated."}),
        )
        .await;
    let (_, v) = app
        .send_json(
            Method::POST,
            "/api/v1/dva-requests",
            t,
            &json!({"practice": p, "year": 2025, "notice_date": "2026-11-02"}),
        )
        .await;
    let [a, b, c, d] = records;
    [
        a,
        b,
        c,
        d,
        ("r", r["id"].as_str().unwrap().to_owned()),
        ("v", v["id"].as_str().unwrap().to_owned()),
    ]
}

/// A member (password [`crate::harness::PASSWORD`]) made a client of `practices`; returns its user id.
pub(crate) async fn add_client(
    app: &TestApp,
    tenant: TenantId,
    email: &str,
    practices: &[&str],
) -> String {
    app.add_member(tenant, email, Role::Staff).await;
    let s = &app.state.store;
    let user = s.find_user_by_email(email).await.unwrap().unwrap();
    let practices: Vec<PracticeId> = practices.iter().map(|p| p.parse().unwrap()).collect();
    s.change_member(
        tenant,
        &Actor::system(),
        user.id,
        MemberChange::Role {
            role: Role::Client,
            practices,
        },
    )
    .await
    .unwrap();
    user.id.to_string()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let s = &app.state.store;
    s.find_user_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

pub(super) async fn world() -> World {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    app.add_member(tenant, "staff@acme.test", Role::Staff).await;
    app.add_member(tenant, "auditor@acme.test", Role::Auditor)
        .await;
    // Members the member routes change and remove (no caller of the matrix).
    app.add_member(tenant, "spare1@acme.test", Role::Staff)
        .await;
    app.add_member(tenant, "spare2@acme.test", Role::Staff)
        .await;
    app.add_org("Other Practice", "owner@other.test").await;
    let pw = crate::harness::PASSWORD;
    let staff = app.login("staff@acme.test", pw).await.unwrap();
    let auditor = app.login("auditor@acme.test", pw).await.unwrap();
    let other = app.login("owner@other.test", pw).await.unwrap();
    let token = app.token(&owner, "owner").await;
    let t = Auth::Bearer(&token);
    let a = practice_with_records(&app, t, "123456789", "Lakeside", 1).await;
    let b = practice_with_records(&app, t, "222333444", "Brookside", 21).await;
    let a = with_review_and_audit(&app, t, a).await;
    let b = with_review_and_audit(&app, t, b).await;
    add_client(&app, tenant, "client@acme.test", &[a[0].1.as_str()]).await;
    let client = app.login("client@acme.test", pw).await.unwrap();
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
    let common = vec![
        ("reset", reset),
        ("t", tk["info"]["id"].as_str().unwrap().to_owned()),
        ("t2", tk2["info"]["id"].as_str().unwrap().to_owned()),
        ("u", user_id(&app, "spare1@acme.test").await),
        ("u2", user_id(&app, "spare2@acme.test").await),
        ("npi9", npi(9)),
        ("tenant", tenant.to_string()),
    ];
    let ids = a.into_iter().chain(common.clone()).collect();
    let ids_b = b.into_iter().chain(common).collect();
    World {
        app,
        owner,
        staff,
        auditor,
        client,
        other,
        ids,
        ids_b,
    }
}

/// Calls a route as `who` (None: anonymous), with or without the CSRF token, naming practice B's
/// records when `b`.
pub(super) async fn call(
    w: &World,
    route: &Route,
    who: Option<&Session>,
    csrf: bool,
    b: bool,
) -> reqwest::Response {
    let path = w.fill(route.path, b);
    let api = path.starts_with("/api/");
    let mut rb = client().request(route.method.clone(), w.app.url(&path));
    if let Some(s) = who {
        rb = rb.header("cookie", &s.cookie);
        if api && csrf && route.method != Method::GET {
            rb = rb.header("x-csrf-token", &s.csrf);
        }
    }
    let token = who.filter(|_| csrf && !api).map(|s| s.csrf.clone());
    rb = match route.body {
        Body::None => rb,
        Body::Json(j) => rb
            .header("content-type", "application/json")
            .body(w.fill(j, b)),
        Body::Csv => rb
            .header("content-type", "text/csv")
            .body(format!("npi,clinician_type\n{},physician\n", npi(12))),
        Body::Form(fields) => {
            let mut all: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), w.fill(v, b)))
                .collect();
            if let Some(t) = token {
                all.push(("csrf".into(), t));
            }
            rb.form(&all)
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
            rb.multipart(form)
        }
    };
    rb.send().await.unwrap()
}

//! The OpenAPI document served at `/api/v1/openapi.json`: well formed (every reference resolves, every
//! path parameter declared, operation ids unique), listing exactly the routes the server answers (the
//! access matrix's independent list of `/api/v1` routes, each of which the matrix calls), and describing
//! what the routes really return (real responses checked against their documented schemas).
//!
//! The document is also written to `target/openapi.json`, where `scripts/test.sh` runs the
//! `openapi-spec-validator` from the Python package index over it.

use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    let path = r.strip_prefix("#/")?;
    path.split('/').try_fold(doc, |v, k| v.get(k))
}

/// Every `$ref` in `v`, with where it was found.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref"
                    && let Some(s) = x.as_str()
                {
                    out.push((at.to_owned(), s.to_owned()));
                }
                refs(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                refs(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_document_is_well_formed_and_lists_exactly_the_served_routes() {
    let app = TestApp::start().await;
    let r = app.get("/api/v1/openapi.json", Auth::Anonymous).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/openapi.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, &text).unwrap();

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "hardship API");
    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    assert!(!found.is_empty());
    for (at, r) in &found {
        assert!(resolve(&doc, r).is_some(), "unresolved {r} at {at}");
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("session"));

    let mut ids = BTreeSet::new();
    let mut documented = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(
            !id.is_empty() && ids.insert(id.clone()),
            "{method} {path}: operationId {id:?} missing or repeated"
        );
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}: no responses"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path}: no summary"
        );
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{method} {path}: path parameters");
        documented.insert((method, path));
    }
    // The access matrix lists the routes independently (by hand, with the ids it calls them with).
    let served: BTreeSet<(String, String)> = crate::access::api_route_templates()
        .into_iter()
        .map(|(m, p)| {
            let p = p
                .replace("{p}", "{practice}")
                .replace("{c}", "{clinician}")
                .replace("{a}", "{application}")
                .replace("{d}", "{document}")
                .replace("{t}", "{token}")
                .replace("{u}", "{user}")
                .replace("{r}", "{review}")
                .replace("{v}", "{dva}")
                .replace("/years/2026/", "/years/{year}/");
            (m, p)
        })
        .chain([("GET".to_owned(), "/api/v1/calendar.ics".to_owned())])
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
}

/// A small JSON Schema check (type, required, properties, items, $ref, oneOf/anyOf/allOf, enum) —
/// enough to catch a field the document promises and the API does not send, or the other way round.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        return check(doc, resolve(doc, r).unwrap(), v, at, errors);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema[key].as_array() {
            let ok = alts.iter().any(|s| {
                let mut e = Vec::new();
                check(doc, s, v, at, &mut e);
                e.is_empty()
            });
            if !ok {
                errors.push(format!("{at}: matches none of {key}"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(doc, s, v, at, errors);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !ok {
            errors.push(format!("{at}: {actual}, documented {types:?}"));
            return;
        }
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(v)
    {
        errors.push(format!("{at}: {v} not in enum"));
    }
    if let Value::Object(obj) = v {
        let props = schema["properties"].as_object();
        for req in schema["required"].as_array().into_iter().flatten() {
            let k = req.as_str().unwrap();
            if !obj.contains_key(k) {
                errors.push(format!("{at}: required {k} missing"));
            }
        }
        if let Some(props) = props {
            for (k, x) in obj {
                match props.get(k) {
                    Some(s) => check(doc, s, x, &format!("{at}.{k}"), errors),
                    None => errors.push(format!("{at}.{k}: not documented")),
                }
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, x) in items.iter().enumerate().take(5) {
            check(doc, s, x, &format!("{at}[{i}]"), errors);
        }
    }
}

#[tokio::test]
async fn real_responses_match_their_documented_schemas() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme", "owner@acme.test").await;
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
    let csv = format!(
        "performance_year,npi,name,clinician_type,reporting_level,hospital_based\n2026,{},A,physician,group,true\n2026,{},B,physician,group,false\n",
        npi(1),
        npi(2)
    );
    app.request(Method::POST, &format!("/api/v1/practices/{p}/imports"), t)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (_, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet", "description": "x",
                    "submitter": {"first_name": "A", "last_name": "B", "email": "a@b.test", "phone": "1"}}),
        )
        .await;
    let a = a["id"].as_str().unwrap().to_owned();
    // A targeted-review case sent to CMS (with the warning PY 2025's projected window gives) and an
    // audit request with one item checked off.
    let (_, r) = app
        .send_json(
            Method::POST,
            "/api/v1/targeted-reviews",
            t,
            &json!({"practice": p, "year": 2025, "npi": npi(1), "reasons": ["other"], "statement": "x"}),
        )
        .await;
    let r = r["id"].as_str().unwrap().to_owned();
    app.send_json(
        Method::POST,
        &format!("/api/v1/targeted-reviews/{r}/transition"),
        t,
        &json!({"action": "submit", "version": 1, "cms_reference": "TR-1"}),
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
    let v = v["id"].as_str().unwrap().to_owned();
    app.send_json(
        Method::POST,
        &format!("/api/v1/dva-requests/{v}/checklist"),
        t,
        &json!({"version": 1, "text": "Claims"}),
    )
    .await;
    let doc: Value = app
        .get("/api/v1/openapi.json", Auth::Anonymous)
        .await
        .json()
        .await
        .unwrap();
    let gets = [
        ("/api/v1/me", "/api/v1/me"),
        ("/api/v1/dashboard", "/api/v1/dashboard"),
        ("/api/v1/deadlines", "/api/v1/deadlines"),
        ("/api/v1/practices", "/api/v1/practices"),
        (
            &*format!("/api/v1/practices/{p}"),
            "/api/v1/practices/{practice}",
        ),
        (
            &*format!("/api/v1/practices/{p}/clinicians"),
            "/api/v1/practices/{practice}/clinicians",
        ),
        (
            &*format!("/api/v1/practices/{p}/years/2026/profile"),
            "/api/v1/practices/{practice}/years/{year}/profile",
        ),
        (
            &*format!("/api/v1/practices/{p}/years/2026/eligibility"),
            "/api/v1/practices/{practice}/years/{year}/eligibility",
        ),
        (
            &*format!("/api/v1/practices/{p}/years/2026/score-impact?quality=80&ia=100&pi=50"),
            "/api/v1/practices/{practice}/years/{year}/score-impact",
        ),
        ("/api/v1/applications", "/api/v1/applications"),
        (
            &*format!("/api/v1/applications/{a}"),
            "/api/v1/applications/{application}",
        ),
        (
            &*format!("/api/v1/applications/{a}/audit"),
            "/api/v1/applications/{application}/audit",
        ),
        ("/api/v1/audit", "/api/v1/audit"),
        ("/api/v1/audit/verify", "/api/v1/audit/verify"),
        ("/api/v1/tokens", "/api/v1/tokens"),
        ("/api/v1/members", "/api/v1/members"),
        ("/api/v1/targeted-reviews", "/api/v1/targeted-reviews"),
        (
            "/api/v1/targeted-reviews/reasons?year=2024",
            "/api/v1/targeted-reviews/reasons",
        ),
        (
            &*format!("/api/v1/targeted-reviews/{r}"),
            "/api/v1/targeted-reviews/{review}",
        ),
        (
            &*format!("/api/v1/targeted-reviews/{r}/packet"),
            "/api/v1/targeted-reviews/{review}/packet",
        ),
        ("/api/v1/dva-requests", "/api/v1/dva-requests"),
        (
            &*format!("/api/v1/dva-requests/{v}"),
            "/api/v1/dva-requests/{dva}",
        ),
    ];
    let mut errors = Vec::new();
    for (url, template) in gets {
        let (s, body) = app.get_json(url, t).await;
        assert_eq!(s, StatusCode::OK, "{url}: {body}");
        let schema = &doc["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert!(
            !schema.is_null(),
            "{template}: no documented 200 JSON schema"
        );
        check(&doc, schema, &body, template, &mut errors);
    }
    // The check itself can fail: a wrong type, a missing required field and an undocumented one.
    let me = &doc["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let mut e = Vec::new();
    check(
        &doc,
        me,
        &json!({"label": 5, "surprise": true}),
        "me",
        &mut e,
    );
    assert!(
        e.len() >= 3,
        "the schema check must catch bad bodies: {e:?}"
    );
    // An error body, too.
    let (s, body) = app
        .get_json("/api/v1/practices/00000000-0000-0000-0000-000000000000", t)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    check(
        &doc,
        &json!({"$ref": "#/components/schemas/ErrorBody"}),
        &body,
        "ErrorBody",
        &mut errors,
    );
    assert!(
        errors.is_empty(),
        "responses differ from the document:\n{}",
        errors.join("\n")
    );
}

//! The server's foundation, in-process against a real SQLite store and a real vault directory.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use hardship_server::error::ApiError;
use hardship_server::{AppState, ServerSettings, router};
use hardship_store::{Env, StoreError};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

async fn app(dir: &tempfile::TempDir, settings: ServerSettings) -> axum::Router {
    let store = hardship_store_sqlite::open(&dir.path().join("db.sqlite"), Env::system())
        .await
        .unwrap();
    let vault = hardship_vault::Vault::open(
        &dir.path().join("vault").display().to_string(),
        hardship_vault::MasterKey::generate().unwrap(),
    )
    .unwrap();
    router(AppState::new(Arc::new(store), Arc::new(vault), settings))
}

async fn body_json(r: axum::response::Response) -> serde_json::Value {
    serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, ServerSettings::default()).await;
    for uri in ["/api/v1/health", "/no/such/page"] {
        let r = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert!(h.get("x-request-id").is_some(), "{uri}");
    }
    let r = app
        .oneshot(Request::get("/api/v1/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body_json(r).await["status"], "ok");
}

#[tokio::test]
async fn oversize_bodies_are_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        &dir,
        ServerSettings {
            body_limit: 1024,
            ..ServerSettings::default()
        },
    )
    .await;
    // The limit is the upload limit plus room for the multipart framing around it (64 KiB).
    let big = 1024 + 64 * 1024 + 1;
    let r = app
        .oneshot(
            Request::post("/api/v1/practices")
                .header("content-length", big.to_string())
                .header("content-type", "application/json")
                .body(Body::from(vec![b'x'; big]))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn store_errors_map_to_4xx_and_internals_stay_hidden() {
    let cases = [
        (
            StoreError::not_found("practice", "x"),
            StatusCode::NOT_FOUND,
            "practice x not found",
        ),
        (
            StoreError::invalid("circumstance_end", "2024-01-01 is before the start"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "circumstance_end",
        ),
        (
            StoreError::Conflict {
                entity: "application",
                id: "a".into(),
                expected: 3,
            },
            StatusCode::CONFLICT,
            "changed by someone else",
        ),
        (
            StoreError::Duplicate {
                field: "npi",
                value: "1234567893".into(),
                context: String::new(),
            },
            StatusCode::CONFLICT,
            "1234567893",
        ),
        (
            StoreError::Forbidden("auditors change nothing".into()),
            StatusCode::FORBIDDEN,
            "auditors",
        ),
    ];
    for (e, status, needle) in cases {
        let r = ApiError::from(e).into_response();
        assert_eq!(r.status(), status);
        let v = body_json(r).await;
        assert!(v["message"].as_str().unwrap().contains(needle), "{v}");
    }
    let r = ApiError::from(StoreError::Internal(
        "SELECT secret FROM users: syntax error".into(),
    ))
    .into_response();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let v = body_json(r).await;
    assert!(
        !v.to_string().contains("SELECT") && !v.to_string().contains("secret"),
        "{v}"
    );
}

#[test]
fn link_secrets_stay_out_of_the_request_log() {
    let secret = "ab".repeat(32);
    for (path, logged) in [
        (format!("/invite/{secret}"), "/invite/…"),
        (format!("/reset-password/{secret}"), "/reset-password/…"),
        ("/dashboard".to_owned(), "/dashboard"),
        ("/invite/".to_owned(), "/invite/"),
    ] {
        assert_eq!(hardship_server::loggable_path(&path), logged);
    }
}

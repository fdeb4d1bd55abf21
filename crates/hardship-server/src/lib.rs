//! `hardship-server`: the web application and JSON API behind `hardship serve`.
//!
//! Layers, from the outside in: request ids and tracing spans, security headers on every response, a
//! request timeout and a body limit (tower-http); then the pages ([`web`]) and the JSON API under
//! `/api/v1` ([`api`], documented by the OpenAPI document it is built with). Both are thin: they read the
//! request, call a use case of [`hardship_app`] for the [`Principal`](hardship_app::Principal) the request
//! authenticated as, and write its answer (a page, JSON, a file) or map its error to a status code.

/// The JSON API and its OpenAPI document.
pub mod api;
/// The API's JSON shapes and their parsing.
pub mod dto;
/// The HTTP error type.
pub mod error;
/// Extractors whose rejections name the bad field.
pub mod extract;
/// Accepting connections with deadlines for slow clients, and draining on shutdown.
pub mod listen;
/// Who is asking: API tokens and sessions, tenant and role.
pub mod principal;
/// Tokens, cookies, CSRF and the sign-in rate limiter.
pub mod security;
/// Evidence uploads and downloads over HTTP.
pub mod upload;
/// The server-rendered pages.
pub mod web;

pub use api::openapi_document;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hardship_app::{App, AppSettings};
use hardship_store::{Clock, Store, SystemClock};
use hardship_vault::Vault;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Settings the server needs at run time.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Largest upload accepted, in bytes (other request bodies get the same limit).
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// How long a client has to send a request's headers (and a keep-alive connection may idle).
    pub header_read_timeout: Duration,
    /// `Secure` on the session cookie; relaxed only for plain-HTTP localhost (see `hardship serve`).
    pub secure_cookies: bool,
    pub session_ttl: Duration,
    pub invite_ttl: Duration,
    /// Failed sign-ins allowed per client address and per e-mail address in `login_window`.
    pub login_max_failures: usize,
    pub login_window: Duration,
    /// Load balancers whose `X-Forwarded-For` names the client (for the sign-in limiter); none by default.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Password hashes computed at once (each holds 19 MiB), and callers allowed to wait for a turn.
    pub password_workers: usize,
    pub password_queue: usize,
    /// The address people reach the site at, for links in e-mails (see [`AppSettings::public_url`]).
    pub public_url: Option<String>,
    /// How long a password reset link works.
    pub reset_ttl: Duration,
    /// Password reset requests allowed per address in `login_window` (per client address: 4×).
    pub reset_max_requests: usize,
    /// When the reminder job first runs after start, and how often after that (only with a mailer).
    pub reminders_first: Duration,
    pub reminders_every: Duration,
    /// Fetching eligibility from CMS ("Fetch from CMS"): the API's URL and pace, and a budget that keeps a
    /// run inside the request timeout (what is left is reported, for the next press).
    pub qpp: hardship_app::eligibility_fetch::FetchSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            body_limit: 25 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            secure_cookies: true,
            session_ttl: Duration::from_secs(8 * 3600),
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            login_max_failures: 5,
            login_window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
            password_workers: 2,
            password_queue: 16,
            public_url: None,
            reset_ttl: Duration::from_secs(3600),
            reset_max_requests: 3,
            reminders_first: Duration::from_secs(30),
            reminders_every: Duration::from_secs(15 * 60),
            qpp: hardship_app::eligibility_fetch::FetchSettings {
                budget: Some(Duration::from_secs(20)),
                request_timeout: Duration::from_secs(8),
                max_wait: Duration::from_secs(10),
                ..Default::default()
            },
        }
    }
}

impl ServerSettings {
    /// What the use cases need of these settings.
    pub fn app(&self) -> AppSettings {
        AppSettings {
            upload_limit: self.body_limit,
            invite_ttl: self.invite_ttl,
            password_workers: self.password_workers,
            password_queue: self.password_queue,
            reset_ttl: self.reset_ttl,
            public_url: self.public_url.clone(),
        }
    }
}

/// What every handler can reach: the use cases' context, and what only HTTP needs.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub settings: ServerSettings,
    pub limiter: Arc<security::LoginLimiter>,
    /// Signs the double-submit cookie of forms used before sign-in (derived from the master key, so
    /// every instance agrees).
    pub form_secret: Arc<zeroize::Zeroizing<[u8; 32]>>,
    /// Serializes first-run set-up, so two browsers cannot both create the first owner.
    pub setup_lock: Arc<tokio::sync::Mutex<()>>,
}

/// Handlers reach the use cases' context (store, vault, clock, caches) through the state.
impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, vault: Arc<Vault>, settings: ServerSettings) -> AppState {
        AppState::with_clock(store, vault, settings, Arc::new(SystemClock))
    }

    /// With an injected clock (tests move it past a deadline).
    pub fn with_clock(
        store: Arc<dyn Store>,
        vault: Arc<Vault>,
        settings: ServerSettings,
        clock: Arc<dyn Clock>,
    ) -> AppState {
        let limiter = Arc::new(security::LoginLimiter::new(
            settings.login_max_failures,
            settings.login_window,
        ));
        let form_secret = Arc::new(vault.derive_secret("hardship form cookie v1"));
        let app = App::with_clock(store, vault, settings.app(), clock);
        AppState {
            app,
            form_secret,
            settings,
            limiter,
            setup_lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The same state sending e-mail through `mailer` (invitations, reset links, reminders).
    pub fn with_mailer(mut self, mailer: Arc<dyn hardship_app::mail::Mailer>) -> AppState {
        self.app = self.app.with_mailer(mailer);
        self
    }

    pub fn cookies(&self) -> security::CookiePolicy {
        security::CookiePolicy {
            secure: self.settings.secure_cookies,
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; \
                   base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Room for the multipart framing around an upload of `body_limit` bytes.
const FRAMING: usize = 64 * 1024;

/// Unknown paths: JSON under `/api/`, a page elsewhere.
async fn not_found(uri: Uri) -> Response {
    let e = error::ApiError::NotFound(format!("no such page or route: {}", uri.path()));
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        web::WebError::from(e).into_response()
    }
}

/// The application router with its middleware.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit.saturating_add(FRAMING);
    let timeout = state.settings.request_timeout;
    // Secure cookies mean the site is served over HTTPS (behind a proxy): browsers are told to keep it so.
    let hsts = state
        .settings
        .secure_cookies
        .then(|| HeaderValue::from_static("max-age=31536000"));
    let (api, _) = api::router();
    Router::new()
        .merge(api)
        .merge(web::router())
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        // Headers on every response: a CSP without inline script, no framing, no sniffing, no referrer.
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        // Answers hold tenant data (JSON, evidence, exports, the calendar): no shared or browser cache
        // keeps them, unless a handler says otherwise (the static assets do).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // The path only (query strings may hold a calendar token), without a link's secret.
                    tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()), request_id = %id)
                })
                // One line per response (status, latency) inside the request's span.
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                )
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outermost: a client's request id is kept only when well formed, else replaced by ours, so it
        // can never forge log lines or headers.
        .layer(axum::middleware::map_request(drop_malformed_request_id))
}

/// A request path fit for the log: the secret of an invitation or password reset link (the path
/// segment after `/invite/` or `/reset-password/`) replaced by `…`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/invite/", "/reset-password/"] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}…").into();
        }
    }
    path.into()
}

/// Whether a client-sent request id may be kept: 1–64 of `A–Z a–z 0–9 - _ .`.
pub fn is_well_formed_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

async fn drop_malformed_request_id(mut req: axum::extract::Request) -> axum::extract::Request {
    let bad = req
        .headers()
        .get_all(REQUEST_ID)
        .iter()
        .any(|v| !is_well_formed_request_id(v.as_bytes()))
        || req.headers().get_all(REQUEST_ID).iter().count() > 1;
    if bad {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight. Expired sessions are purged hourly;
/// with a mailer, the reminder job runs shortly after start and every `reminders_every` after that.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let purge = {
        let store = Arc::clone(&state.store);
        let clock = Arc::clone(&state.clock);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match store.purge_sessions(clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions purged"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "session purge failed"),
                }
            }
        })
    };
    // Reminders go out only where there is a mail server; the task ends with the server.
    let reminders = state.app.mailer.is_some().then(|| {
        tokio::spawn(hardship_app::reminders::every(
            state.app.clone(),
            state.settings.reminders_first,
            state.settings.reminders_every,
        ))
    });
    let limits = listen::ConnectionLimits {
        header_read_timeout: state.settings.header_read_timeout,
        ..Default::default()
    };
    let r = listen::serve_connections(listener, router(state), limits, shutdown_signal()).await;
    purge.abort();
    if let Some(task) = reminders {
        task.abort();
    }
    r
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

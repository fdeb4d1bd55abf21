//! The real application on a random loopback port, with a real SQLite database and a real vault
//! directory in a temporary folder, and a clock the test controls (inside the 2026 application window
//! unless moved). Helpers sign people in the way a browser does (form, cookie, CSRF token) and mint API
//! tokens, so each test reads as a user's steps.

use chrono::{DateTime, TimeZone, Utc};
use hardship_server::{AppState, ServerSettings};
use hardship_store::testsuite::TestClock;
use hardship_store::{Actor, Env, OrganizationKind, Role, TenantId};
use reqwest::StatusCode;
use std::net::SocketAddr;
use std::sync::Arc;

/// The instant tests start at: inside the PY 2026 application window (it closes 2026-12-31 20:00 ET).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 15, 0, 0).unwrap()
}

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    pub clock: Arc<TestClock>,
    pub dir: tempfile::TempDir,
    /// The stand-in for CMS's QPP Eligibility API the app asks (unless the test named another): every
    /// NPI unknown (404) until a test scripts it.
    pub cms: Option<Arc<hardship_testkit::fake_cms::FakeCms>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A browser's sign-in: the session cookie and the page's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Anonymous,
    Session(&'a Session),
    /// The session cookie without its CSRF token.
    SessionNoCsrf(&'a Session),
    Bearer(&'a str),
}

pub fn client() -> reqwest::Client {
    hardship_vault::tls::use_ring();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let j = html[i..].find('"')? + i;
    Some(html[i..j].to_owned())
}

/// `name=value` of a `Set-Cookie` header with that cookie name.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(ServerSettings::default()).await
    }

    pub async fn start_with(settings: ServerSettings) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestApp::start_on(listener, settings, None).await
    }

    /// The app mailing through the test SMTP server, with its own address as the public URL (the base of
    /// links in e-mails).
    pub async fn start_mailing(sink: &hardship_testkit::smtp::Sink) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let settings = ServerSettings {
            public_url: Some(format!("http://{}", listener.local_addr().unwrap())),
            ..ServerSettings::default()
        };
        let mailer = hardship_app::mail::smtp::SmtpMailer::from_url(
            &sink.url,
            "Hardship <noreply@hardship.test>",
        )
        .unwrap();
        TestApp::start_on(listener, settings, Some(Arc::new(mailer))).await
    }

    async fn start_on(
        listener: tokio::net::TcpListener,
        mut settings: ServerSettings,
        mailer: Option<Arc<dyn hardship_app::mail::Mailer>>,
    ) -> TestApp {
        // Never CMS itself: a fake on loopback, fast, unless the test gave its own.
        let cms = (settings.qpp.base_url == hardship_app::eligibility_fetch::DEFAULT_BASE_URL)
            .then(|| {
                let fake = Arc::new(hardship_testkit::fake_cms::FakeCms::start());
                settings.qpp.base_url = fake.url();
                settings.qpp.rate = 100.0;
                fake
            });
        let dir = tempfile::tempdir().unwrap();
        let clock = TestClock::at(now());
        let env = Env {
            clock: clock.clone(),
            ids: Arc::new(hardship_store::RandomIds),
        };
        let store = hardship_store_sqlite::open(&dir.path().join("db.sqlite"), env)
            .await
            .unwrap();
        let vault = hardship_vault::Vault::open(
            &dir.path().join("vault").display().to_string(),
            hardship_vault::MasterKey::generate().unwrap(),
        )
        .unwrap();
        let mut state =
            AppState::with_clock(Arc::new(store), Arc::new(vault), settings, clock.clone());
        if let Some(m) = mailer {
            state = state.with_mailer(m);
        }
        let mut app = TestApp::serve_on(listener, state, clock, dir).await;
        app.cms = cms;
        app
    }

    /// A second app instance on the same database and vault, with its own memory (caches, everything
    /// in `AppState`), as behind a load balancer.
    pub async fn twin(&self) -> TestApp {
        let state = AppState::with_clock(
            Arc::clone(&self.state.store),
            Arc::clone(&self.state.vault),
            self.state.settings.clone(),
            self.clock.clone(),
        );
        let mut twin =
            TestApp::serve(state, self.clock.clone(), tempfile::tempdir().unwrap()).await;
        twin.cms = self.cms.clone();
        twin
    }

    async fn serve(state: AppState, clock: Arc<TestClock>, dir: tempfile::TempDir) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestApp::serve_on(listener, state, clock, dir).await
    }

    async fn serve_on(
        listener: tokio::net::TcpListener,
        state: AppState,
        clock: Arc<TestClock>,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let addr = listener.local_addr().unwrap();
        // The same accept loop `hardship serve` runs (deadlines for slow clients included).
        let limits = hardship_server::listen::ConnectionLimits {
            header_read_timeout: state.settings.header_read_timeout,
            ..Default::default()
        };
        let app = hardship_server::router(state.clone());
        let server = tokio::spawn(async move {
            let _ = hardship_server::listen::serve_connections(
                listener,
                app,
                limits,
                std::future::pending(),
            )
            .await;
        });
        TestApp {
            base: format!("http://{addr}"),
            addr,
            state,
            clock,
            dir,
            cms: None,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn cookie_name(&self) -> &'static str {
        self.state.cookies().session_name()
    }

    /// The double-submit cookie of the forms used before sign-in.
    pub fn form_cookie_name(&self) -> &'static str {
        self.state.cookies().form_name()
    }

    /// A request with the given authentication (and the CSRF header for unsafe API calls by session).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Auth<'_>,
    ) -> reqwest::RequestBuilder {
        let unsafe_method = !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD);
        let mut b = client().request(method, self.url(path));
        match auth {
            Auth::Anonymous => {}
            Auth::Session(s) => {
                b = b.header(reqwest::header::COOKIE, &s.cookie);
                if unsafe_method && path.starts_with("/api/") {
                    b = b.header("x-csrf-token", &s.csrf);
                }
            }
            Auth::SessionNoCsrf(s) => b = b.header(reqwest::header::COOKIE, &s.cookie),
            Auth::Bearer(t) => b = b.bearer_auth(t),
        }
        b
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, auth)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str, auth: Auth<'_>) -> (StatusCode, serde_json::Value) {
        let r = self.get(path, auth).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Auth<'_>,
        body: &serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let r = self
            .request(method, path, auth)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Posts a page form (the session's CSRF token added unless `csrf` is false).
    pub async fn post_form(
        &self,
        path: &str,
        s: &Session,
        fields: &[(&str, &str)],
        csrf: bool,
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if csrf {
            all.push(("csrf", &s.csrf));
        }
        client()
            .post(self.url(path))
            .header(reqwest::header::COOKIE, &s.cookie)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// First-run set-up through the set-up form; returns the owner's session.
    pub async fn setup(&self, organization: &str, email: &str) -> Session {
        let page = client().get(self.url("/setup")).send().await.unwrap();
        let form_cookie =
            set_cookie(&page, self.form_cookie_name()).expect("set-up sets its form cookie");
        let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
        let r = client()
            .post(self.url("/setup"))
            .header(reqwest::header::COOKIE, &form_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("organization", organization),
                ("kind", "consultancy"),
                ("email", email),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "set-up redirects to the dashboard"
        );
        let cookie = set_cookie(&r, self.cookie_name()).expect("set-up signs the owner in");
        self.session_of(cookie).await
    }

    /// Signs in through the sign-in form.
    pub async fn login(&self, email: &str, password: &str) -> Result<Session, StatusCode> {
        let page = client().get(self.url("/login")).send().await.unwrap();
        let form_cookie = set_cookie(&page, self.form_cookie_name()).unwrap();
        let csrf = csrf_in(&page.text().await.unwrap()).unwrap();
        let r = client()
            .post(self.url("/login"))
            .header(reqwest::header::COOKIE, &form_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::SEE_OTHER {
            return Err(r.status());
        }
        let cookie = set_cookie(&r, self.cookie_name()).unwrap();
        Ok(self.session_of(cookie).await)
    }

    async fn session_of(&self, cookie: String) -> Session {
        let r = client()
            .get(self.url("/dashboard"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let csrf = csrf_in(&r.text().await.unwrap()).unwrap();
        Session { cookie, csrf }
    }

    /// Another organization with its owner, made directly in the store (set-up only runs once).
    pub async fn add_org(&self, name: &str, owner_email: &str) -> TenantId {
        let actor = Actor::system();
        let org = self
            .state
            .store
            .create_organization(&actor, name, OrganizationKind::Practice)
            .await
            .unwrap();
        self.add_member(org.id, owner_email, Role::Owner).await;
        org.id
    }

    /// A user (password [`PASSWORD`]) with a role in an organization.
    pub async fn add_member(&self, tenant: TenantId, email: &str, role: Role) {
        let s = &self.state.store;
        let user = match s.find_user_by_email(email).await.unwrap() {
            Some(u) => u,
            None => {
                let hash = hardship_app::passwords::hash_password(PASSWORD).unwrap();
                s.create_user(email, &hash).await.unwrap()
            }
        };
        s.add_membership(tenant, &Actor::system(), user.id, role)
            .await
            .unwrap();
    }

    /// An API token of the session's organization with a role (via the API, as an owner would).
    pub async fn token(&self, owner: &Session, role: &str) -> String {
        let (status, body) = self
            .send_json(
                reqwest::Method::POST,
                "/api/v1/tokens",
                Auth::Session(owner),
                &serde_json::json!({ "name": format!("{role} token"), "role": role }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

/// A valid NPI for `n` (check digit computed), distinct per `n`.
pub fn npi(n: u32) -> String {
    hardship_store::testsuite::npi(n).to_string()
}

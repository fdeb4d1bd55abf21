//! The server-rendered pages: askama templates (auto-escaped), plain forms that work without script, and
//! a small script of our own (`static/app.js`) for the live parts. Every page needs a session (else a
//! redirect to sign-in); every form carries the session's CSRF token; every write checks the role; every
//! id is looked up in the session's tenant (another tenant's id is a 404 page).

/// Applications: the wizard, the application page with its state changes, the list.
pub mod applications;
/// The audit trail: sentences with names, field changes, filters, CSV, verification.
pub mod audit;
/// Sign-in, first-run set-up, sign-out, invitations, switching organization.
pub mod auth;
/// The portfolio dashboard and the calendar download.
pub mod dashboard;
/// A client list of many practices, previewed then imported.
pub mod onboarding;
/// Practices, rosters, the eligibility view, the score impact and evidence.
pub mod practices;
/// "Forgot your password?": reset links by e-mail.
pub mod reset;
/// Targeted-review cases and data validation and audit requests.
pub mod reviews;
/// Members and invitations, API tokens, password.
pub mod settings;
/// The rule book's sources, which every cited key links to.
pub mod sources;

use crate::AppState;
use crate::error::ApiError;
use crate::principal::{self, Principal};
use crate::security;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hardship_store::{Role, TenantId};
use serde::de::DeserializeOwned;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::home))
        .route("/setup", get(auth::setup_page).post(auth::setup))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/forgot-password",
            get(reset::forgot_page).post(reset::forgot),
        )
        .route(
            "/reset-password/{token}",
            get(reset::reset_page).post(reset::reset),
        )
        .route(
            "/invite/{token}",
            get(auth::invite_page).post(auth::accept_invite),
        )
        .route("/org", post(auth::switch_org))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/audit", get(audit::page))
        .route("/audit.csv", get(audit::csv))
        .route("/sources", get(sources::page))
        .route("/calendar.ics", get(dashboard::calendar))
        .route("/practices", get(practices::list).post(practices::create))
        .route("/practices/new", get(practices::new_page))
        .route(
            "/practices/import",
            get(onboarding::page).post(onboarding::submit),
        )
        .route("/practices/import/template.csv", get(onboarding::template))
        .route("/practices/{practice}", get(practices::show))
        .route(
            "/practices/{practice}/edit",
            get(practices::edit_page).post(practices::edit),
        )
        .route("/practices/{practice}/archive", post(practices::archive))
        .route("/practices/{practice}/restore", post(practices::restore))
        .route(
            "/practices/{practice}/clinicians",
            post(practices::add_clinician),
        )
        .route(
            "/practices/{practice}/clinicians/{clinician}/edit",
            get(practices::clinician_page).post(practices::edit_clinician),
        )
        .route(
            "/practices/{practice}/clinicians/{clinician}/archive",
            post(practices::archive_clinician),
        )
        .route(
            "/practices/{practice}/clinicians/{clinician}/restore",
            post(practices::restore_clinician),
        )
        .route(
            "/practices/{practice}/clinicians/{clinician}/status",
            post(practices::set_status),
        )
        .route(
            "/practices/{practice}/imports",
            post(practices::import_file),
        )
        .route(
            "/practices/{practice}/eligibility/fetch",
            post(practices::fetch_from_cms),
        )
        .route("/practices/{practice}/evidence", post(practices::upload))
        .route("/practices/{practice}/years/{year}", get(practices::year))
        .route(
            "/practices/{practice}/years/{year}/profile",
            post(practices::save_profile),
        )
        .route(
            "/practices/{practice}/years/{year}/work",
            post(dashboard::save_work),
        )
        .route(
            "/practices/{practice}/years/{year}/decisions",
            post(practices::file_decisions),
        )
        .route(
            "/practices/{practice}/years/{year}/score",
            get(practices::score),
        )
        .route(
            "/practices/{practice}/years/{year}/submission-check",
            post(practices::submission_check),
        )
        .route(
            "/practices/{practice}/years/{year}/score.svg",
            get(practices::score_svg),
        )
        .route(
            "/practices/{practice}/years/{year}/apply",
            get(applications::wizard).post(applications::create),
        )
        .route("/applications", get(applications::list))
        .route("/applications/{application}", get(applications::show))
        .route(
            "/applications/{application}/edit",
            get(applications::edit_page).post(applications::edit),
        )
        .route(
            "/applications/{application}/transition",
            post(applications::transition),
        )
        .route("/applications/{application}/sign", post(applications::sign))
        .route("/documents/{document}/download", get(practices::download))
        .route("/documents/{document}/edit", post(practices::edit_document))
        .route("/targeted-reviews", get(reviews::list).post(reviews::open))
        .route("/targeted-reviews/{review}", get(reviews::show))
        .route(
            "/targeted-reviews/{review}/transition",
            post(reviews::transition),
        )
        .route(
            "/dva-requests",
            get(reviews::dva_list).post(reviews::dva_open),
        )
        .route("/dva-requests/{dva}", get(reviews::dva_show))
        .route(
            "/dva-requests/{dva}/checklist",
            post(reviews::dva_checklist),
        )
        .route("/settings/users", get(settings::users))
        .route("/settings/invites", post(settings::invite))
        .route("/settings/users/{user}/role", post(settings::change_role))
        .route(
            "/settings/users/{user}/remove",
            post(settings::remove_member),
        )
        .route(
            "/settings/tokens",
            get(settings::tokens).post(settings::create_token),
        )
        .route(
            "/settings/tokens/{token}/revoke",
            post(settings::revoke_token),
        )
        .route(
            "/settings/password",
            get(settings::password_page).post(settings::change_password),
        )
        .route("/static/app.css", get(static_css))
        .route("/static/app.js", get(static_js))
}

async fn static_css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    )
}

async fn static_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

// ---- errors ---------------------------------------------------------------------------------------------

/// An error on a page: signed-out visitors are sent to sign-in; everything else is an error page with the
/// status and the message (nothing internal for a 5xx).
#[derive(Debug)]
pub struct WebError {
    pub error: ApiError,
    /// Where to go back to.
    pub back: Option<String>,
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> Self {
        WebError { error, back: None }
    }
}

impl From<hardship_app::AppError> for WebError {
    fn from(e: hardship_app::AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<hardship_store::StoreError> for WebError {
    fn from(e: hardship_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    message: String,
    back: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let ApiError::Unauthenticated = self.error {
            return Redirect::to("/login").into_response();
        }
        let status = self.error.status();
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.error.public_message(),
            back: self.back,
        };
        let mut r = html(&page).into_response();
        *r.status_mut() = status;
        r
    }
}

pub type PageResult = Result<Response, WebError>;

/// Renders a template as a page that is never cached (it holds tenant data and a CSRF token).
pub fn html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => {
            let mut r = Html(body).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side; it has been logged",
            )
                .into_response()
        }
    }
}

/// A page rendered with a 4xx status (a form shown again with what was wrong).
pub fn html_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = html(t);
    *r.status_mut() = status;
    r
}

/// After a successful form post: see the result (303, so a reload does not post again).
pub fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---- the signed-in user of a page -----------------------------------------------------------------------

/// What every signed-in page shows in its header.
#[derive(Clone, Debug)]
pub struct Nav {
    pub email: String,
    pub organization: String,
    pub role: String,
    /// Changes the organization's records (owners and staff).
    pub can_write: bool,
    /// Uploads evidence, answers the wizard and signs (owners, staff and clients).
    pub can_contribute: bool,
    pub is_owner: bool,
    /// Sees only its own practices, and none of the organization's people or tokens.
    pub is_client: bool,
    pub csrf: String,
    /// Other organizations the user can switch to: (id, name, role).
    pub others: Vec<(String, String, String)>,
    pub year: u16,
}

/// A page's caller: the session cookie only (API tokens do not open pages).
pub struct WebUser(pub Principal);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        match principal::from_session(state, parts).await? {
            Some(p) => Ok(WebUser(p)),
            None => Err(ApiError::Unauthenticated.into()),
        }
    }
}

impl WebUser {
    pub async fn nav(&self, state: &AppState) -> Result<Nav, WebError> {
        let p = &self.0;
        let org = state.store_for(p).get_organization(p.tenant).await?;
        let mut others = Vec::new();
        for (t, role) in p.tenants.iter().filter(|(t, _)| *t != p.tenant) {
            let o = state.store.get_organization(*t).await?;
            others.push((t.to_string(), o.name, role.code().to_owned()));
        }
        Ok(Nav {
            email: p.label.clone(),
            organization: org.name,
            role: p.role.code().to_owned(),
            can_write: p.role.can_write(),
            can_contribute: p.role.can_contribute(),
            is_owner: p.role == Role::Owner,
            is_client: p.role == Role::Client,
            csrf: p.csrf().to_owned(),
            others,
            year: hardship_app::years::current_year(state.now()).get(),
        })
    }
}

/// A form post from a signed-in page: the session, the CSRF check, then the fields.
pub struct Form<T>(pub Principal, pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let WebUser(p) = WebUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, state.settings.body_limit)
            .await
            .map_err(|e| ApiError::PayloadTooLarge(format!("form too large: {e}")))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::BadRequest("the form is not valid UTF-8".into()))?;
        let sent: CsrfField = crate::extract::parse_query(text).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        if !security::constant_time_eq(sent.csrf.as_bytes(), p.csrf().as_bytes()) {
            return Err(ApiError::Forbidden(
                "CSRF check failed: reload the page and submit the form again".into(),
            )
            .into());
        }
        let fields: T = crate::extract::parse_query(text)?;
        Ok(Form(p, fields))
    }
}

/// Reads an anonymous form (set-up, sign-in, invitation) with its double-submit CSRF cookie checked.
pub async fn anonymous_form<T: DeserializeOwned>(
    state: &AppState,
    req: Request,
) -> Result<(axum::http::HeaderMap, Option<std::net::IpAddr>, T), WebError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|e| ApiError::PayloadTooLarge(format!("form too large: {e}")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::BadRequest("the form is not valid UTF-8".into()))?;
    let sent: CsrfField = crate::extract::parse_query(text).unwrap_or(CsrfField {
        csrf: String::new(),
    });
    let cookie = security::cookie(&parts.headers, state.cookies().form_name()).unwrap_or("");
    if !security::form_token_is_ours(&state.form_secret, cookie)
        || !security::constant_time_eq(sent.csrf.as_bytes(), cookie.as_bytes())
    {
        return Err(ApiError::Forbidden(
            "CSRF check failed: reload the page and submit the form again".into(),
        )
        .into());
    }
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let addr = security::client_ip(&parts.headers, peer, &state.settings.trusted_proxies);
    Ok((parts.headers, addr, crate::extract::parse_query(text)?))
}

/// The token of the double-submit cookie for an anonymous form: the one the browser has, or a new one
/// (with the header that sets it).
pub fn form_token(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<(String, Option<HeaderValue>), WebError> {
    if let Some(t) = security::cookie(headers, state.cookies().form_name())
        .filter(|t| security::form_token_is_ours(&state.form_secret, t))
    {
        return Ok((t.to_owned(), None));
    }
    let t = security::new_form_token(&state.form_secret).map_err(ApiError::Internal)?;
    let h = state.cookies().set_form(&t);
    Ok((t, Some(h)))
}

/// Adds a `Set-Cookie` when there is one.
pub fn with_cookie(mut r: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// The address the user reached us at (`https://host`), for links shown to copy: the scheme a trusted
/// proxy reports in `X-Forwarded-Proto`, else `https` when cookies are `Secure` (the browser only sends
/// them over HTTPS), else `http`; the host from `Host` when it is a plain host name.
pub struct Origin(pub String);

impl FromRequestParts<AppState> for Origin {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Origin(security::origin(
            &parts.headers,
            peer,
            &state.settings.trusted_proxies,
            state.settings.secure_cookies,
        )))
    }
}

/// A checkbox value: present means ticked.
pub fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty() && s != "false")
}

/// Text of an optional field, trimmed.
pub fn text(v: &Option<String>) -> &str {
    v.as_deref().map_or("", str::trim)
}

/// Parses a tenant id posted by the organization switcher.
pub fn parse_tenant(text: &str) -> Result<TenantId, WebError> {
    Ok(crate::extract::parse_id("organization", text)?)
}

/// Formats a date-time for people (UTC).
pub fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

//! The portfolio dashboard as a work queue (per practice-year: one status, the next step, an assignee and
//! notes; filters, search, sort and pages), the countdown to the deadline, the row actions (assign, note,
//! "not applying: will report PI"), the countdown to each targeted-review window draft cases wait on, and
//! the deadline calendar for signed-in users.

use super::{Form, Nav, PageResult, WebUser, html, see};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::parse_year;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use hardship_app::portfolio::DashboardTotals;
use hardship_app::practice_years::{NotApplyingChange, WorkItemChange};
use hardship_app::queue::{self, QueuePage, QueueQuery};
use hardship_app::years::DeadlineView;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct QueueParams {
    year: Option<String>,
    filter: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    year: u16,
    years: Vec<u16>,
    deadline: DeadlineView,
    totals: DashboardTotals,
    queue: QueuePage,
    kind: String,
    filter: String,
    search: String,
    sort: String,
    filters: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
    members: Vec<String>,
    /// Targeted-review windows not yet closed that draft cases wait on: the countdown.
    reviews: Vec<hardship_app::review::OpenWindow>,
    /// The query string of this view without its page, for page links and for coming back after a row
    /// action.
    view: String,
}

const PER_PAGE: usize = 50;

pub async fn dashboard(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<QueueParams>,
) -> PageResult {
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => parse_year(y)?,
        _ => hardship_app::years::current_year(state.now()),
    };
    let query = QueueQuery {
        filter: q.filter.clone().unwrap_or_default(),
        search: q.q.clone().unwrap_or_default(),
        sort: q.sort.clone().unwrap_or_default(),
        page: match q.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(t) => t.parse().map_err(|_| {
                ApiError::BadRequest(format!("invalid page {t:?}: a page number from 1"))
            })?,
        },
        per_page: PER_PAGE,
    };
    query.check().map_err(|e| {
        ApiError::BadRequest(format!(
            "invalid {} {:?}: one of {}",
            e.field, e.value, e.expected
        ))
    })?;
    let (pf, deadline) = hardship_app::portfolio::dashboard(&state, &user.0, year).await?;
    let mut nav = user.nav(&state).await?;
    nav.year = year.get();
    let members = if nav.can_write {
        state
            .store_for(&user.0)
            .members(user.0.tenant)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|(_, u)| u.email)
            .collect()
    } else {
        vec![]
    };
    let page = queue::select(&pf.rows, &query, &user.0.label);
    let view = serde_urlencoded::to_string([
        ("year", year.get().to_string()),
        ("filter", query.filter.trim().to_owned()),
        ("q", query.search.trim().to_owned()),
        ("sort", query.sort.trim().to_owned()),
    ])
    .unwrap_or_default();
    Ok(html(&DashboardPage {
        nav,
        year: year.get(),
        years: hardship_app::years::years_newest_first(),
        deadline,
        totals: pf.totals.clone(),
        queue: page,
        kind: pf.organization.kind.code().to_owned(),
        filter: query.filter.trim().to_owned(),
        search: query.search.trim().to_owned(),
        sort: query.sort.trim().to_owned(),
        filters: queue::filters(),
        sorts: queue::SORTS.to_vec(),
        members,
        reviews: hardship_app::review::open_windows(&state, &user.0).await?,
        view,
    }))
}

/// A queue row's form: assign, note, or decide not to apply (with why) / take that back.
#[derive(Deserialize)]
pub struct WorkForm {
    version: i64,
    assignee: Option<String>,
    notes: Option<String>,
    /// `decide` (with `why`), `withdraw`, or absent.
    not_applying: Option<String>,
    why: Option<String>,
    /// The queue view to come back to (its query string).
    back: Option<String>,
}

pub async fn save_work(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, f): Form<WorkForm>,
) -> PageResult {
    p.require_write()?;
    let id = crate::api::practice_id(&id)?;
    let year = parse_year(&year)?;
    let change = WorkItemChange {
        assignee: f.assignee.map(|a| (!a.trim().is_empty()).then_some(a)),
        notes: f.notes,
        not_applying: match f.not_applying.as_deref() {
            Some("decide") => NotApplyingChange::Decide(f.why.unwrap_or_default()),
            Some("withdraw") => NotApplyingChange::Withdraw,
            None | Some("") => NotApplyingChange::Keep,
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "invalid not_applying {other:?}: decide or withdraw"
                ))
                .into());
            }
        },
    };
    hardship_app::practice_years::set_work_item(&state, &p, id, year, f.version, change).await?;
    // Back to the same view; only a plain query string of our own is followed (no open redirect).
    let back = f
        .back
        .filter(|b| {
            b.chars()
                .all(|c| c.is_ascii_alphanumeric() || "=&%+-_.".contains(c))
        })
        .unwrap_or_else(|| format!("year={year}"));
    Ok(see(&format!("/dashboard?{back}#row-{id}")))
}

pub async fn calendar(State(state): State<AppState>, user: WebUser) -> PageResult {
    let body = hardship_app::calendar::feed(&state, &user.0).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"pi-hardship-deadlines.ics\"",
            ),
        ],
        body,
    )
        .into_response())
}

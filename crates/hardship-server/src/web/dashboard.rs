//! The portfolio dashboard (per practice: who is reweighted, who needs an application, applications by
//! state, what is missing, and the countdown to the deadline), and the deadline calendar for signed-in
//! users.

use super::{Nav, PageResult, WebUser, html};
use crate::AppState;
use crate::extract::parse_year;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use hardship_app::portfolio::DashboardRow;
use hardship_app::portfolio::DashboardTotals;
use hardship_app::years::DeadlineView;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct YearParam {
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    year: u16,
    years: Vec<u16>,
    deadline: DeadlineView,
    totals: DashboardTotals,
    rows: Vec<DashboardRow>,
    kind: String,
}

pub async fn dashboard(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<YearParam>,
) -> PageResult {
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => parse_year(y)?,
        _ => hardship_app::years::current_year(state.now()),
    };
    let (pf, deadline) = hardship_app::portfolio::dashboard(&state, &user.0, year).await?;
    let mut nav = user.nav(&state).await?;
    nav.year = year.get();
    // Practices with the most to do first: clinicians needing an application, then missing items.
    let mut rows = pf.rows.clone();
    rows.sort_by(|a, b| {
        b.needs_application
            .cmp(&a.needs_application)
            .then(b.missing.len().cmp(&a.missing.len()))
            .then(a.name.cmp(&b.name))
    });
    Ok(html(&DashboardPage {
        nav,
        year: year.get(),
        years: hardship_app::years::years_newest_first(),
        deadline,
        totals: pf.totals.clone(),
        rows,
        kind: pf.organization.kind.code().to_owned(),
    }))
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

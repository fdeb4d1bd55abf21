//! The portfolio as a work queue: filtered, searched, sorted pages, and each practice-year's assignee,
//! notes and "not applying" decision.

use super::prelude::*;
use hardship_app::practice_years::{NotApplyingChange, WorkItemChange};
use hardship_app::queue::{self, QueuePage, QueueQuery};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// The performance year (default: the year whose window is open).
    pub year: Option<String>,
    /// `needs_application`, `draft`, `ready`, `submitted`, `denied`, `approved`, `not_applying`,
    /// `nothing_to_do`, `missing_evidence`, `mine` or `unassigned`.
    pub filter: Option<String>,
    /// Part of a practice's name, or of its TIN (dashes ignored).
    pub q: Option<String>,
    /// `todo` (default), `name`, `tin`, `status`, `assignee`, `clinicians`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<String>,
    /// 1 to 500 (default 50).
    pub per_page: Option<String>,
}

fn number(name: &str, v: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    match v.map(str::trim) {
        None | Some("") => Ok(default),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!("invalid {name} {t:?}: a number from 1 to {max}"))
            }),
    }
}

/// A page of the work queue: one status and next step per practice, with its assignee and notes.
#[utoipa::path(get, path = "/api/v1/queue", tag = "eligibility", params(QueueParams),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = QueuePage), (status = 400, body = ErrorBody)))]
pub(super) async fn work_queue(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueuePage>> {
    let year = year_or_current(&state, q.year.as_deref())?;
    let query = QueueQuery {
        filter: q.filter.unwrap_or_default(),
        search: q.q.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
        page: number("page", q.page.as_deref(), 1, usize::MAX)?,
        per_page: number("per_page", q.per_page.as_deref(), 50, 500)?,
    };
    query.check().map_err(|e| {
        ApiError::BadRequest(format!(
            "invalid {} {:?}: one of {}",
            e.field, e.value, e.expected
        ))
    })?;
    let pf = hardship_app::portfolio::portfolio(&state, &p, year).await?;
    Ok(Json(queue::select(&pf.rows, &query, &p.label)))
}

/// A practice-year's place in the queue. Absent fields are left as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkItemInput {
    /// The practice-year's version as read (0 if never saved).
    pub version: i64,
    /// A member's e-mail; `""` unassigns.
    pub assignee: Option<String>,
    pub notes: Option<String>,
    /// Why the practice will report PI instead of applying; `""` takes the decision back.
    pub not_applying: Option<String>,
}

/// Assigns, annotates, or marks "not applying: will report PI" a practice-year.
#[utoipa::path(put, path = "/api/v1/practices/{practice}/years/{year}/work", tag = "eligibility",
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    request_body = WorkItemInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ProfileDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_work_item(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<WorkItemInput>,
) -> ApiResult<Json<ProfileDto>> {
    let practice = practice_id(&practice)?;
    let year = parse_year(&year)?;
    let change = WorkItemChange {
        assignee: body.assignee.map(|a| (!a.trim().is_empty()).then_some(a)),
        notes: body.notes,
        not_applying: match body.not_applying {
            None => NotApplyingChange::Keep,
            Some(w) if w.trim().is_empty() => NotApplyingChange::Withdraw,
            Some(w) => NotApplyingChange::Decide(w),
        },
    };
    let saved = hardship_app::practice_years::set_work_item(
        &state,
        &p,
        practice,
        year,
        body.version,
        change,
    )
    .await?;
    Ok(Json(ProfileDto::from(&saved)))
}

//! Targeted-review pages: the cases (with a form to open one by hand), one case (its request, the
//! window's countdown, its evidence, the packet, and the step its state allows: edit and send while a
//! draft, CMS's decision once sent, nothing once decided), and data validation and audit requests (the
//! notice, the 45-day clock, the auditor's checklist, the year's binder).

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status, see};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{parse_id, parse_year};
use askama::Template;
use axum::extract::{Path, Query, State};
use hardship_app::review::{
    self, ChangeInput, DvaChangeInput, DvaOpenInput, DvaView, OpenInput, ReasonView, ReviewView,
};
use hardship_rules::PerformanceYear;
use hardship_store::Document;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Deserialize)]
pub struct YearParam {
    year: Option<String>,
}

fn optional_year(y: Option<&str>) -> Result<Option<PerformanceYear>, WebError> {
    match y {
        Some(y) if !y.is_empty() => Ok(Some(parse_year(y)?)),
        _ => Ok(None),
    }
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ListPage {
    nav: Nav,
    year: Option<u16>,
    years: Vec<u16>,
    rows: Vec<ReviewView>,
    practices: Vec<(String, String)>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: WebUser,
    year: Option<PerformanceYear>,
    error: Option<String>,
) -> Result<ListPage, WebError> {
    let p = &user.0;
    let practices = state
        .store_for(p)
        .list_practices(p.tenant)
        .await?
        .into_iter()
        .filter(|x| x.archived.is_none())
        .map(|x| (x.id.to_string(), x.name))
        .collect();
    Ok(ListPage {
        nav: user.nav(state).await?,
        year: year.map(PerformanceYear::get),
        years: hardship_app::years::years_newest_first(),
        rows: review::list(state, p, year).await?,
        practices,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<YearParam>,
) -> PageResult {
    let year = optional_year(q.year.as_deref())?;
    Ok(html(&list_page(&state, user, year, None).await?))
}

/// The reasons and evidence ticked in a form (`reason:<code>`, `evidence:<id>` checkboxes).
fn ticked(f: &BTreeMap<String, String>, prefix: &str) -> Vec<String> {
    f.keys()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

fn field<'f>(f: &'f BTreeMap<String, String>, name: &str) -> &'f str {
    f.get(name).map_or("", |v| v.trim())
}

fn version(f: &BTreeMap<String, String>) -> Result<i64, ApiError> {
    let v = field(f, "version");
    v.parse()
        .map_err(|_| ApiError::BadRequest(format!("invalid version {v:?}")))
}

pub async fn open(
    State(state): State<AppState>,
    Form(p, f): Form<BTreeMap<String, String>>,
) -> PageResult {
    let result = async {
        let practice: Uuid = parse_id("practice", field(&f, "practice"))?;
        let year = parse_year(field(&f, "year"))?;
        let input = OpenInput {
            practice,
            year: year.get(),
            npi: Some(field(&f, "npi").to_owned()),
            reasons: ticked(&f, "reason:"),
            statement: field(&f, "statement").to_owned(),
            evidence: None,
        };
        review::open(&state, &p, input)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(r) => Ok(see(&format!("/targeted-reviews/{}?notice=opened", r.id))),
        Err(e) => {
            let status = e.status();
            let page = list_page(&state, WebUser(p), None, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct CasePage {
    nav: Nav,
    r: ReviewView,
    reasons: Vec<ReasonView>,
    /// The practice's documents that may be linked: (evidence id, label, linked).
    documents: Vec<(String, String, bool)>,
    notice: Option<String>,
    error: Option<String>,
    today: String,
}

async fn case_page(
    state: &AppState,
    user: WebUser,
    id: Uuid,
    notice: Option<String>,
    error: Option<String>,
) -> Result<CasePage, WebError> {
    let p = &user.0;
    let r = review::get(state, p, id).await?;
    let year = parse_year(&r.year.to_string())?;
    let docs: Vec<Document> = state
        .store_for(p)
        .list_documents(p.tenant, Some(hardship_store::PracticeId(r.practice)))
        .await?;
    let mut documents: Vec<(String, String, bool)> = ["eligibility", "binder"]
        .iter()
        .map(|e| {
            let label = if *e == "binder" {
                format!("The audit binder of PY {}", r.year)
            } else {
                format!("The eligibility snapshot of PY {}", r.year)
            };
            ((*e).to_owned(), label, r.evidence.iter().any(|x| x == e))
        })
        .collect();
    for d in &docs {
        let e = format!("document:{}", d.id);
        let linked = r.evidence.contains(&e);
        documents.push((e, format!("{} ({})", d.filename, d.kind), linked));
    }
    // Evidence the import linked that is not a document of the practice (applications, feedback lines).
    for e in &r.evidence {
        if !documents.iter().any(|(x, _, _)| x == e) {
            documents.push((e.clone(), e.clone(), true));
        }
    }
    Ok(CasePage {
        nav: user.nav(state).await?,
        reasons: review::reasons_of(year)?,
        r,
        documents,
        notice,
        error,
        today: state.now().date_naive().to_string(),
    })
}

#[derive(Deserialize)]
pub struct NoticeParam {
    notice: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let id: Uuid = parse_id("targeted review", &id)?;
    let notice = match q.notice.as_deref() {
        Some("opened") => Some("Case opened as a draft.".to_owned()),
        Some("moved") => Some("Saved.".to_owned()),
        _ => None,
    };
    Ok(html(&case_page(&state, user, id, notice, None).await?))
}

pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<BTreeMap<String, String>>,
) -> PageResult {
    let id: Uuid = parse_id("targeted review", &id)?;
    // The case must be the caller's to see before anything else is said about it.
    review::get(&state, &p, id).await?;
    let result = async {
        let v = version(&f)?;
        let input = match field(&f, "action") {
            "edit" => ChangeInput::Edit {
                version: v,
                reasons: ticked(&f, "reason:"),
                statement: field(&f, "statement").to_owned(),
                evidence: ticked(&f, "evidence:"),
            },
            "submit" => ChangeInput::Submit {
                version: v,
                submitted_on: Some(field(&f, "submitted_on").to_owned()),
                cms_reference: field(&f, "cms_reference").to_owned(),
            },
            "decide" => ChangeInput::Decide {
                version: v,
                decided_on: Some(field(&f, "decided_on").to_owned()),
                outcome: field(&f, "outcome").to_owned(),
                note: field(&f, "note").to_owned(),
            },
            other => {
                return Err(ApiError::BadRequest(format!(
                    "invalid action {other:?}: edit, submit or decide"
                )));
            }
        };
        review::change(&state, &p, id, input)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        // A warning given when it was sent is shown on the case itself.
        Ok(_) => Ok(see(&format!("/targeted-reviews/{id}?notice=moved"))),
        Err(e) => {
            let status = e.status();
            let page = case_page(&state, WebUser(p), id, None, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

// ---- data validation and audit --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "dva_requests.html")]
struct DvaListPage {
    nav: Nav,
    rows: Vec<DvaView>,
    practices: Vec<(String, String)>,
    years: Vec<u16>,
    error: Option<String>,
    today: String,
}

async fn dva_list_page(
    state: &AppState,
    user: WebUser,
    year: Option<PerformanceYear>,
    error: Option<String>,
) -> Result<DvaListPage, WebError> {
    let p = &user.0;
    let practices = state
        .store_for(p)
        .list_practices(p.tenant)
        .await?
        .into_iter()
        .filter(|x| x.archived.is_none())
        .map(|x| (x.id.to_string(), x.name))
        .collect();
    Ok(DvaListPage {
        nav: user.nav(state).await?,
        rows: review::dva_list(state, p, year).await?,
        practices,
        years: hardship_app::years::years_newest_first(),
        error,
        today: state.now().date_naive().to_string(),
    })
}

pub async fn dva_list(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<YearParam>,
) -> PageResult {
    let year = optional_year(q.year.as_deref())?;
    Ok(html(&dva_list_page(&state, user, year, None).await?))
}

pub async fn dva_open(
    State(state): State<AppState>,
    Form(p, f): Form<BTreeMap<String, String>>,
) -> PageResult {
    let result = async {
        let input = DvaOpenInput {
            practice: parse_id("practice", field(&f, "practice"))?,
            year: parse_year(field(&f, "year"))?.get(),
            notice_date: field(&f, "notice_date").to_owned(),
        };
        review::dva_open(&state, &p, input)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(d) => Ok(see(&format!("/dva-requests/{}", d.id))),
        Err(e) => {
            let status = e.status();
            let page = dva_list_page(&state, WebUser(p), None, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "dva_request.html")]
struct DvaPage {
    nav: Nav,
    d: DvaView,
    error: Option<String>,
}

pub async fn dva_show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let id: Uuid = parse_id("data validation and audit request", &id)?;
    let d = review::dva_get(&state, &user.0, id).await?;
    Ok(html(&DvaPage {
        nav: user.nav(&state).await?,
        d,
        error: None,
    }))
}

pub async fn dva_checklist(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<BTreeMap<String, String>>,
) -> PageResult {
    let id: Uuid = parse_id("data validation and audit request", &id)?;
    review::dva_get(&state, &p, id).await?;
    let result = async {
        let n = match field(&f, "n") {
            "" => None,
            n => Some(
                n.parse::<u32>()
                    .map_err(|_| ApiError::BadRequest(format!("invalid item number {n:?}")))?,
            ),
        };
        let input = DvaChangeInput {
            version: version(&f)?,
            text: f.get("text").cloned(),
            n,
            done: n.map(|_| field(&f, "done") != "false"),
        };
        review::dva_change(&state, &p, id, input)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see(&format!("/dva-requests/{id}"))),
        Err(e) => {
            let status = e.status();
            let d = review::dva_get(&state, &p, id).await?;
            let page = DvaPage {
                nav: WebUser(p).nav(&state).await?,
                d,
                error: Some(e.public_message()),
            };
            Ok(html_status(status, &page))
        }
    }
}

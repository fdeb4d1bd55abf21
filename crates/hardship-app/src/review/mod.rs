//! Targeted review (42 CFR 414.1385) and data validation and audit (414.1390), for every front end.
//!
//! A targeted-review case is a TIN or TIN/NPI and year whose score CMS may have got wrong: opened from a
//! discrepancy in CMS's final feedback (the import opens it as a draft) or by hand. The practice writes
//! the request (the reasons CMS lists for the year, a statement, the evidence: CMS's approval e-mail,
//! the eligibility snapshot, the binder), sends it within the year's window (refused after a confirmed
//! close, warned after an UNCONFIRMED one), and records CMS's decision, which is final. [`packet`] prints
//! the request with the evidence's SHA-256.
//!
//! A DVA request records the day CMS's notice came, shows the 45-day clock, and keeps the checklist of
//! what the auditor asked for; the binder of that year is one link away.

/// The request as a PDF and JSON, with the evidence's hashes.
pub mod packet;

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use crate::years::rules;
use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use hardship_rules::review::{self as window, ReviewWindowStatus};
use hardship_rules::{Npi, PerformanceYear};
use hardship_store::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The year's targeted-review window at an instant, as shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowView {
    pub year: u16,
    pub opens: Option<NaiveDate>,
    /// RFC 3339 with the offset CMS's time zone had.
    pub closes: Option<String>,
    pub time_zone: String,
    /// `not_yet_open`, `open`, `closed`, `not_announced`.
    pub state: String,
    pub days_left: Option<i64>,
    pub seconds_left: Option<i64>,
    /// False: the dates are not stated by a source (shown as UNCONFIRMED; a late request is not refused).
    pub confirmed: bool,
    pub sources: Vec<String>,
    pub note: Option<String>,
    /// "12 days 4 hours left (closes …)".
    pub text: String,
}

impl From<ReviewWindowStatus> for WindowView {
    fn from(w: ReviewWindowStatus) -> Self {
        WindowView {
            year: w.year,
            opens: w.opens,
            closes: w.closes.map(|c| c.to_rfc3339()),
            time_zone: w.time_zone.clone(),
            state: serde_json::to_value(w.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            days_left: w.days_left,
            seconds_left: w.seconds_left,
            confirmed: w.confirmed,
            text: w.describe(),
            sources: w.sources,
            note: w.note,
        }
    }
}

/// The targeted-review window of `year` at `now`.
pub fn window_view(year: PerformanceYear, now: DateTime<Utc>) -> Result<WindowView, AppError> {
    Ok(window::review_window(rules(year)?, now).into())
}

/// A reason CMS lists for the year, with its sources.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonView {
    pub code: String,
    pub label: String,
    pub sources: Vec<String>,
    pub confirmed: bool,
    pub note: Option<String>,
}

/// The reasons CMS lists for targeted review in `year`.
pub fn reasons_of(year: PerformanceYear) -> Result<Vec<ReasonView>, AppError> {
    Ok(rules(year)?
        .targeted_review_reasons
        .iter()
        .map(|r| ReasonView {
            code: r.reason.clone(),
            label: r.label.clone(),
            sources: r.sources.clone(),
            confirmed: r.confirmed,
            note: r.note.clone(),
        })
        .collect())
}

/// A targeted-review case as shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: Uuid,
    pub practice_name: String,
    pub year: u16,
    pub tin: String,
    /// Absent for the group (TIN).
    pub npi: Option<String>,
    /// `draft`, `submitted`, `decided`.
    pub state: String,
    /// Send it back with a change.
    pub version: i64,
    /// `feedback` (opened by an import of CMS's final feedback) or `hand`.
    pub origin: String,
    /// The discrepancy codes that opened it.
    pub codes: Vec<String>,
    /// The discrepancies in words.
    pub summary: String,
    pub reasons: Vec<ReasonView>,
    pub statement: String,
    /// `document:<id>`, `application:<id>`, `eligibility`, `binder`, `feedback_line:<n>`.
    pub evidence: Vec<String>,
    pub submitted_on: Option<NaiveDate>,
    pub cms_reference: Option<String>,
    /// What was said when it was sent after an UNCONFIRMED window's close.
    pub submit_warning: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// `approved`, `denied`, `closed`.
    pub outcome: Option<String>,
    pub decision_note: Option<String>,
    /// True once decided: CMS's decision is final (414.1385(a)(4)).
    pub is_final: bool,
    pub window: WindowView,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl ReviewView {
    fn new(r: &TargetedReview, practice_name: &str, now: DateTime<Utc>) -> Result<Self, AppError> {
        let all = reasons_of(r.year)?;
        let d = &r.detail;
        Ok(ReviewView {
            id: r.id,
            practice: r.practice.0,
            practice_name: practice_name.to_owned(),
            year: r.year.get(),
            tin: r.tin.to_string(),
            npi: r.npi.map(|n| n.as_str().to_owned()),
            state: r.state.name().to_owned(),
            version: r.version,
            origin: d.origin.name().to_owned(),
            codes: r.codes.clone(),
            summary: r.summary.clone(),
            reasons: d
                .reasons
                .iter()
                .filter_map(|c| all.iter().find(|x| &x.code == c).cloned())
                .collect(),
            statement: d.statement.clone(),
            evidence: r.evidence.clone(),
            submitted_on: d.submitted_on,
            cms_reference: d.cms_reference.clone(),
            submit_warning: d.submit_warning.clone(),
            decided_on: d.decided_on,
            outcome: d.outcome.map(|o| o.name().to_owned()),
            decision_note: d.decision_note.clone(),
            is_final: r.state == ReviewState::Decided,
            window: window_view(r.year, now)?,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            updated_at: r.updated_at,
        })
    }
}

async fn practice_names(app: &App, p: &Principal) -> Result<Vec<Practice>, AppError> {
    Ok(app.store_for(p).list_practices(p.tenant).await?)
}

fn name_of(practices: &[Practice], id: PracticeId) -> String {
    practices
        .iter()
        .find(|x| x.id == id)
        .map_or_else(String::new, |x| x.name.clone())
}

/// The caller's cases, of one year or all, oldest first.
pub async fn list(
    app: &App,
    p: &Principal,
    year: Option<PerformanceYear>,
) -> Result<Vec<ReviewView>, AppError> {
    let reviews = app
        .store_for(p)
        .list_targeted_reviews(p.tenant, year)
        .await?;
    // The dashboard asks on every render: most tenants have no case, and the practices' names cost a
    // read of every practice (14 ms for 500, which was most of the page).
    if reviews.is_empty() {
        return Ok(Vec::new());
    }
    let practices = practice_names(app, p).await?;
    let now = app.now();
    reviews
        .iter()
        .map(|r| ReviewView::new(r, &name_of(&practices, r.practice), now))
        .collect()
}

/// One case.
pub async fn get(app: &App, p: &Principal, id: Uuid) -> Result<ReviewView, AppError> {
    let r = app.store_for(p).get_targeted_review(p.tenant, id).await?;
    let pr = app.store_for(p).get_practice(p.tenant, r.practice).await?;
    ReviewView::new(&r, &pr.name, app.now())
}

/// A case opened by hand.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: Uuid,
    pub year: u16,
    /// One clinician (TIN/NPI); absent for the group.
    #[serde(default)]
    pub npi: Option<String>,
    /// Reason codes of the year (`GET /api/v1/targeted-reviews/reasons?year=`).
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub statement: String,
    /// Absent: the eligibility snapshot, the binder and every CMS decision e-mail of the year on file.
    #[serde(default)]
    pub evidence: Option<Vec<String>>,
}

/// Refuses a reason the year does not list, naming it.
fn check_reasons(year: PerformanceYear, reasons: &[String]) -> Result<(), AppError> {
    let r = rules(year)?;
    if let Some(bad) = reasons.iter().find(|c| window::reason(r, c).is_none()) {
        let known: Vec<&str> = r
            .targeted_review_reasons
            .iter()
            .map(|x| x.reason.as_str())
            .collect();
        return Err(AppError::Invalid {
            field: "reasons".into(),
            message: format!(
                "{bad:?} is not a targeted-review reason of PY {} (one of: {})",
                year.get(),
                known.join(", ")
            ),
        });
    }
    Ok(())
}

fn year_of(y: u16) -> Result<PerformanceYear, AppError> {
    PerformanceYear::new(y).map_err(|e| AppError::Invalid {
        field: "year".into(),
        message: e.to_string(),
    })
}

/// Opens a case by hand for a practice's TIN (or one clinician's NPI under it) and year.
pub async fn open(app: &App, p: &Principal, input: OpenInput) -> Result<ReviewView, AppError> {
    p.require_write()?;
    let year = year_of(input.year)?;
    let store = app.store_for(p);
    let practice = store
        .get_practice(p.tenant, PracticeId(input.practice))
        .await?;
    let npi = match input
        .npi
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(n) => Some(Npi::parse(n).map_err(|e| AppError::Invalid {
            field: "npi".into(),
            message: format!("{n:?}: {e}"),
        })?),
    };
    check_reasons(year, &input.reasons)?;
    let evidence = match input.evidence {
        Some(e) => e,
        None => {
            let mut e = vec!["eligibility".to_owned(), "binder".to_owned()];
            for a in store.list_applications(p.tenant, Some(year)).await? {
                if a.draft.practice != practice.id {
                    continue;
                }
                if let ApplicationState::Approved {
                    email: Some(doc), ..
                }
                | ApplicationState::Denied {
                    email: Some(doc), ..
                } = &a.state
                {
                    e.push(format!("document:{doc}"));
                }
            }
            e
        }
    };
    let who = match npi {
        Some(n) => format!("{} / NPI {n}", practice.tin),
        None => format!("{} (the group)", practice.tin),
    };
    let r = store
        .open_targeted_review(
            p.tenant,
            &p.actor(),
            NewTargetedReview {
                practice: practice.id,
                year,
                tin: practice.tin,
                npi,
                codes: Vec::new(),
                summary: format!("Opened by hand for {who}, PY {}.", year.get()),
                evidence,
                detail: ReviewDetail {
                    origin: ReviewOrigin::Hand,
                    reasons: input.reasons,
                    statement: input.statement.trim().to_owned(),
                    ..ReviewDetail::default()
                },
            },
        )
        .await?;
    ReviewView::new(&r, &practice.name, app.now())
}

/// A change of a case, as every front end sends it.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ChangeInput {
    /// The request (drafts only).
    Edit {
        version: i64,
        reasons: Vec<String>,
        statement: String,
        evidence: Vec<String>,
    },
    /// Sent to CMS: the day (today when absent) and CMS's reference.
    Submit {
        version: i64,
        #[serde(default)]
        submitted_on: Option<String>,
        cms_reference: String,
    },
    /// CMS's decision (final): `approved`, `denied` or `closed`.
    Decide {
        version: i64,
        #[serde(default)]
        decided_on: Option<String>,
        outcome: String,
        #[serde(default)]
        note: String,
    },
}

fn day(field: &str, v: Option<&str>, today: NaiveDate) -> Result<NaiveDate, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AppError::Invalid {
            field: field.into(),
            message: format!("{s:?} is not a date (YYYY-MM-DD)"),
        }),
    }
}

/// Applies a change; the answer says what the window check warned, if anything.
pub async fn change(
    app: &App,
    p: &Principal,
    id: Uuid,
    input: ChangeInput,
) -> Result<ReviewView, AppError> {
    p.require_write()?;
    let store = app.store_for(p);
    let current = store.get_targeted_review(p.tenant, id).await?;
    let today = app.now().date_naive();
    let (version, change) = match input {
        ChangeInput::Edit {
            version,
            reasons,
            statement,
            evidence,
        } => {
            check_reasons(current.year, &reasons)?;
            (
                version,
                ReviewChange::Edit {
                    reasons,
                    statement,
                    evidence,
                },
            )
        }
        ChangeInput::Submit {
            version,
            submitted_on,
            cms_reference,
        } => (
            version,
            ReviewChange::Submit {
                submitted_on: day("submitted_on", submitted_on.as_deref(), today)?,
                cms_reference,
            },
        ),
        ChangeInput::Decide {
            version,
            decided_on,
            outcome,
            note,
        } => (
            version,
            ReviewChange::Decide {
                decided_on: day("decided_on", decided_on.as_deref(), today)?,
                outcome: ReviewOutcome::parse(outcome.trim()).ok_or_else(|| AppError::Invalid {
                    field: "outcome".into(),
                    message: format!("{outcome:?} is not approved, denied or closed"),
                })?,
                note,
            },
        ),
    };
    let r = store
        .change_targeted_review(p.tenant, &p.actor(), id, version, change)
        .await?;
    let pr = store.get_practice(p.tenant, r.practice).await?;
    ReviewView::new(&r, &pr.name, app.now())
}

/// A targeted-review window not yet closed, with the caller's draft cases that wait on it: the
/// dashboard's countdown, the calendar's event, the reminders' subject.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenWindow {
    pub window: WindowView,
    /// The close as an instant (for calendars and reminders).
    pub closes: DateTime<Utc>,
    pub drafts: Vec<ReviewView>,
}

/// The windows, soonest first, that draft cases wait on and that have not closed at `now` (a window
/// CMS has not announced has no date to count down to).
pub async fn open_windows(app: &App, p: &Principal) -> Result<Vec<OpenWindow>, AppError> {
    let mut out: Vec<OpenWindow> = Vec::new();
    for r in list(app, p, None).await? {
        if r.state != "draft" || matches!(r.window.state.as_str(), "closed" | "not_announced") {
            continue;
        }
        let Some(closes) = rules(year_of(r.year)?)?.targeted_review.closes else {
            continue;
        };
        match out.iter_mut().find(|w| w.window.year == r.year) {
            Some(w) => w.drafts.push(r),
            None => out.push(OpenWindow {
                window: r.window.clone(),
                closes: closes.with_timezone(&Utc),
                drafts: vec![r],
            }),
        }
    }
    out.sort_by_key(|w| w.closes);
    Ok(out)
}

// ---- data validation and audit ---------------------------------------------------------------------

/// A DVA request as shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DvaView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: Uuid,
    pub practice_name: String,
    pub tin: String,
    pub year: u16,
    pub notice_date: NaiveDate,
    /// The notice day plus 45 days (42 CFR 414.1390(a)(1)).
    pub due: NaiveDate,
    /// Days until the due day (0 on it; negative after).
    pub days_left: i64,
    /// Every item checked off.
    pub complete: bool,
    pub items: Vec<DvaItemView>,
    pub version: i64,
    /// The year's binder (PDF) to send the auditor.
    pub binder_url: String,
    pub sources: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DvaItemView {
    pub n: u32,
    pub text: String,
    pub done: bool,
    pub added_by: String,
    pub done_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// The sources of the 45-day clock: the regulation and CMS's notice wording.
pub const DVA_SOURCES: &[&str] = &[
    "ECFR-414.1390-2017",
    "MIPSCONSULTING-2019",
    "ACAAI-AUDIT-2023",
];

fn dva_view(d: &DvaRequest, pr: &Practice, today: NaiveDate) -> DvaView {
    DvaView {
        id: d.id,
        practice: d.practice.0,
        practice_name: pr.name.clone(),
        tin: pr.tin.to_string(),
        year: d.year.get(),
        notice_date: d.notice_date,
        due: d.due(),
        days_left: (d.due() - today).num_days(),
        complete: !d.items.is_empty() && d.items.iter().all(|i| i.done),
        items: d
            .items
            .iter()
            .map(|i| DvaItemView {
                n: i.n,
                text: i.text.clone(),
                done: i.done,
                added_by: i.added_by.clone(),
                done_by: i.done_by.clone(),
                done_at: i.done_at,
            })
            .collect(),
        version: d.version,
        binder_url: format!(
            "/api/v1/practices/{}/years/{}/binder.pdf",
            d.practice,
            d.year.get()
        ),
        sources: DVA_SOURCES.iter().map(|s| (*s).to_owned()).collect(),
        created_at: d.created_at,
        created_by: d.created_by.clone(),
    }
}

pub async fn dva_list(
    app: &App,
    p: &Principal,
    year: Option<PerformanceYear>,
) -> Result<Vec<DvaView>, AppError> {
    let practices = practice_names(app, p).await?;
    let today = app.now().date_naive();
    Ok(app
        .store_for(p)
        .list_dva_requests(p.tenant, year)
        .await?
        .iter()
        .filter_map(|d| {
            practices
                .iter()
                .find(|x| x.id == d.practice)
                .map(|pr| dva_view(d, pr, today))
        })
        .collect())
}

pub async fn dva_get(app: &App, p: &Principal, id: Uuid) -> Result<DvaView, AppError> {
    let d = app.store_for(p).get_dva_request(p.tenant, id).await?;
    let pr = app.store_for(p).get_practice(p.tenant, d.practice).await?;
    Ok(dva_view(&d, &pr, app.now().date_naive()))
}

/// A DVA notice recorded.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DvaOpenInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: Uuid,
    pub year: u16,
    /// The notice's date (YYYY-MM-DD); the 45 days run from it.
    pub notice_date: String,
}

pub async fn dva_open(app: &App, p: &Principal, input: DvaOpenInput) -> Result<DvaView, AppError> {
    p.require_write()?;
    let year = year_of(input.year)?;
    let today = app.now().date_naive();
    let notice = NaiveDate::parse_from_str(input.notice_date.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Invalid {
            field: "notice_date".into(),
            message: format!("{:?} is not a date (YYYY-MM-DD)", input.notice_date),
        }
    })?;
    if notice > today || notice.year() <= i32::from(year.get()) {
        return Err(AppError::Invalid {
            field: "notice_date".into(),
            message: format!(
                "{notice} must be after PY {} and not in the future",
                year.get()
            ),
        });
    }
    let store = app.store_for(p);
    let pr = store
        .get_practice(p.tenant, PracticeId(input.practice))
        .await?;
    let d = store
        .open_dva_request(
            p.tenant,
            &p.actor(),
            NewDvaRequest {
                practice: pr.id,
                year,
                notice_date: notice,
            },
        )
        .await?;
    Ok(dva_view(&d, &pr, today))
}

/// A checklist change: an item added (`text`) or item `n` checked off or reopened (`done`).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DvaChangeInput {
    pub version: i64,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub n: Option<u32>,
    #[serde(default)]
    pub done: Option<bool>,
}

pub async fn dva_change(
    app: &App,
    p: &Principal,
    id: Uuid,
    input: DvaChangeInput,
) -> Result<DvaView, AppError> {
    p.require_write()?;
    let change = match (input.text, input.n) {
        (Some(text), None) => DvaChange::AddItem { text },
        (None, Some(n)) => DvaChange::CheckItem {
            n,
            done: input.done.unwrap_or(true),
        },
        _ => {
            return Err(AppError::Invalid {
                field: "text".into(),
                message: "send either text (a new item) or n (the item to check off)".into(),
            });
        }
    };
    let store = app.store_for(p);
    let d = store
        .change_dva_request(p.tenant, &p.actor(), id, input.version, change)
        .await?;
    let pr = store.get_practice(p.tenant, d.practice).await?;
    Ok(dva_view(&d, &pr, app.now().date_naive()))
}

//! The audit trail page: who did what to which record, as sentences with names and field changes,
//! filtered by practice, person, action and dates, newest first, with a CSV of the same selection and the
//! hash chain verified on demand.

use super::{Nav, PageResult, WebUser, html};
use crate::AppState;
use crate::api::csv_response;
use crate::dto::{AuditEntry, AuditQuery};
use askama::Template;
use axum::extract::{Query, State};
use hardship_app::audit_trail::{self, ACTIONS};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AuditParams {
    verify: Option<String>,
    /// Show the events before this sequence number (the next page, older). Text, because a flattened
    /// query reads every value as text; a value that is not a number shows the newest page.
    before: Option<String>,
    #[serde(flatten)]
    query: AuditQuery,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    entries: Vec<AuditEntry>,
    verify: Option<crate::dto::AuditVerifyDto>,
    /// The link to the next page of older events, filters kept.
    older: Option<String>,
    /// The CSV of the same selection.
    csv_link: String,
    shown: usize,
    total: usize,
    filtered: bool,
    f: FilterForm,
}

/// The filter form's options and current values.
struct FilterForm {
    practices: Vec<(String, String)>,
    people: Vec<String>,
    actions: Vec<(String, String)>,
    practice: String,
    person: String,
    action: String,
    from: String,
    to: String,
    entity: String,
}

/// How many events a page of the audit trail shows.
const AUDIT_PAGE: usize = 200;

/// The query string of the filters set, for links that keep them.
fn query_string(q: &AuditQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("entity", &q.entity),
        ("practice", &q.practice),
        ("person", &q.person),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

pub async fn page(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<AuditParams>,
) -> PageResult {
    let p = &user.0;
    let filter = params.query.filter()?;
    let all = audit_trail::trail(&state, p, &filter).await?;
    let total = all.len();
    let before = params
        .before
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok());
    let upto = before.map_or(total, |b| {
        all.iter().position(|e| e.seq >= b).unwrap_or(total)
    });
    let from = upto.saturating_sub(AUDIT_PAGE);
    let kept = query_string(&params.query);
    let older = (from > 0).then(|| {
        let sep = if kept.is_empty() { "" } else { "&" };
        format!("/audit?{kept}{sep}before={}", all[from].seq)
    });
    let mut entries: Vec<AuditEntry> = all[from..upto].to_vec();
    entries.reverse();
    let verify = if params.verify.is_some() {
        Some(hardship_app::evidence::verify_audit(&state, p).await?)
    } else {
        None
    };
    let mut practices: Vec<(String, String)> = state
        .store_for(p)
        .list_practices(p.tenant)
        .await?
        .into_iter()
        .map(|x| (x.id.to_string(), format!("{} (TIN {})", x.name, x.tin)))
        .collect();
    practices.sort_by_key(|p| p.1.to_lowercase());
    let mut people: Vec<String> = state
        .store_for(p)
        .members(p.tenant)
        .await?
        .into_iter()
        .map(|(_, u)| u.email)
        .chain(["cli".to_owned(), "system".to_owned()])
        .collect();
    people.sort();
    people.dedup();
    let mut actions: Vec<(String, String)> = ["practice", "clinician", "application", "document"]
        .iter()
        .map(|f| ((*f).to_owned(), format!("every {f} action")))
        .collect();
    actions.extend(
        ACTIONS
            .iter()
            .map(|(c, l)| ((*c).to_owned(), (*l).to_owned())),
    );
    let q = &params.query;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(html(&AuditPage {
        nav: user.nav(&state).await?,
        shown: entries.len(),
        entries,
        verify,
        older,
        csv_link: format!("/audit.csv?{kept}"),
        total,
        filtered: !filter.is_empty(),
        f: FilterForm {
            practices,
            people,
            actions,
            practice: value(&q.practice),
            person: value(&q.person),
            action: value(&q.action),
            from: value(&q.from),
            to: value(&q.to),
            entity: value(&q.entity),
        },
    }))
}

/// The selection as CSV for a spreadsheet (the export is recorded).
pub async fn csv(
    State(state): State<AppState>,
    user: WebUser,
    Query(params): Query<AuditParams>,
) -> PageResult {
    let p = &user.0;
    let filter = params.query.filter()?;
    let entries = audit_trail::trail(&state, p, &filter).await?;
    let bytes = audit_trail::export_csv(&state, p, &filter, &entries).await?;
    Ok(csv_response(bytes, "audit-trail.csv"))
}

//! The practice page's "Fetch from CMS": asks CMS's QPP Eligibility API about the practice's clinicians
//! for a year (the same use case as `hardship eligibility fetch`), then redirects back to the page with
//! the counts in the query string (numbers only, so a link cannot put words on the page); the page reads
//! the reasons from the run's audit event.

use super::{PageResult, practice_error, practice_id, see};
use crate::AppState;
use crate::extract::parse_year;
use crate::web::Form;
use axum::extract::{Path, State};
use hardship_app::eligibility_fetch::{self, FetchRequest, Quiet, Scope};
use hardship_store::audit::actions;
use hardship_store::{PracticeId, Store, TenantId};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct FetchForm {
    #[serde(default)]
    year: String,
    /// A ticked box: ask again about clinicians answered in the last 24 hours.
    #[serde(default)]
    refresh: Option<String>,
}

pub async fn fetch_from_cms(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<FetchForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let req = FetchRequest {
        scope: Scope::Practice(id),
        year: parse_year(&f.year)?,
        refresh: f.refresh.is_some(),
    };
    match eligibility_fetch::fetch_from_cms(&state, &p, req, &state.settings.qpp, &Quiet).await {
        Ok(s) => Ok(see(&format!(
            "/practices/{id}?notice=cms_fetched&year={}&fetched={}&statuses={}&not_found={}&unmatched={}&failed={}&fresh={}&deferred={}#cms",
            s.year,
            s.fetched,
            s.statuses_set,
            s.not_found.len(),
            s.unmatched.len(),
            s.failed.len(),
            s.skipped_fresh,
            s.deferred
        ))),
        Err(e) => practice_error(&state, p, id, e.into()).await,
    }
}

/// What the notice says after a fetch, from the counts of the redirect.
pub(super) struct FetchCounts {
    pub year: Option<u16>,
    pub fetched: u32,
    pub statuses: u32,
    pub not_found: u32,
    pub unmatched: u32,
    pub failed: u32,
    pub fresh: u32,
    pub deferred: u32,
}

impl FetchCounts {
    pub(super) fn text(&self) -> String {
        let asked = self.fetched + self.not_found + self.unmatched + self.failed + self.deferred;
        let year = self.year.map(|y| format!(" for {y}")).unwrap_or_default();
        let mut t = format!(
            "Asked CMS's QPP Eligibility API about {asked} clinician(s){year}: {} answered and recorded ({} status(es) set), {} not known to CMS, {} not matched to this practice, {} not fetched; {} skipped (answered in the last 24 hours).",
            self.fetched, self.statuses, self.not_found, self.unmatched, self.failed, self.fresh
        );
        if self.deferred > 0 {
            t.push_str(&format!(
                " {} not reached in the time one request allows: press the button again for them.",
                self.deferred
            ));
        }
        t
    }
}

/// One NPI the last fetch could not simply record, and why.
pub struct CmsNote {
    pub npi: String,
    pub what: &'static str,
    pub reason: String,
}

/// The NPIs the practice's last fetch reported (not found, not matched, not fetched), from its audit
/// event.
pub(super) async fn last_fetch_notes(
    store: &dyn Store,
    tenant: TenantId,
    practice: PracticeId,
) -> Result<Vec<CmsNote>, hardship_store::StoreError> {
    let events = store
        .audit_events(tenant, Some(&practice.to_string()))
        .await?;
    let Some(run) = events
        .iter()
        .rev()
        .find(|e| e.action == actions::ELIGIBILITY_FETCH)
    else {
        return Ok(vec![]);
    };
    let v: serde_json::Value = run
        .after
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (key, what) in [
        ("not_found", "not known to CMS"),
        ("unmatched", "not matched"),
        ("failed", "not fetched"),
    ] {
        for n in v[key].as_array().into_iter().flatten() {
            out.push(CmsNote {
                npi: n["npi"].as_str().unwrap_or("").to_owned(),
                what,
                reason: n["reason"].as_str().unwrap_or("").to_owned(),
            });
        }
    }
    Ok(out)
}

//! Bulk eligibility from CMS (issue 15): ask CMS's QPP Eligibility API about every clinician of a
//! practice, or of every practice of the organization, and record what it says exactly as an imported
//! eligibility file would be recorded (the special statuses as CMS data, which outrank imported and
//! hand-entered values), plus the answer itself: every status CMS stated, the request's URL, the API
//! version and the retrieval time ([`hardship_store::CmsAnswer`]).
//!
//! - **One NPI per request** (see [`qpp`] for why not the undocumented multi-NPI variant), spaced to a
//!   rate; 429 honours `Retry-After`; 429, 5xx and connection failures are retried a bounded number of
//!   times with exponential backoff and jitter ([`pace`]); then the NPI is reported as not fetched, with
//!   the reason, and the others carry on.
//! - **400 and 404 are answers** (the NPI is not known to CMS that year): recorded and reported, never
//!   retried. A 404 whose body is not CMS's error JSON is a wrong base URL, not an answer.
//! - **Masked TINs**: the practice is found among the clinician's organizations by name, or as the only
//!   one ([`matching`]); when that is ambiguous nothing is recorded for the NPI and the summary says why.
//! - **Resumable**: each answer is committed on its own, so an interrupted run (Ctrl-C, a killed process,
//!   a dropped connection) keeps what it got, and the next run skips NPIs whose answer for the year is
//!   younger than `fresh_for` unless told to refresh. Nothing is kept outside the store.
//! - **Audited**: each answer is an `eligibility.answer` event; the run is an `eligibility.fetch` event
//!   (who, how many NPIs, the endpoint and version, what came back).

/// Which organization of an answer is the practice, and the statuses CMS stated there.
pub mod matching;
/// Spacing requests, and the waits before retries.
pub mod pace;
/// CMS's API over HTTPS.
pub mod qpp;
/// Recording one NPI's answer.
mod record;
/// The source trait the use case asks.
pub mod source;

pub use qpp::{API_VERSION, DEFAULT_BASE_URL, QppClient};
pub use source::{Answer, EligibilitySource, FetchError};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use hardship_rules::{Npi, PerformanceYear};
use hardship_store::*;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

/// How a fetch runs; the defaults are the command line's.
#[derive(Clone, Debug)]
pub struct FetchSettings {
    /// CMS's API (`HARDSHIP_QPP_API_URL`).
    pub base_url: String,
    /// Requests per second, retries included.
    pub rate: f64,
    /// Tries after the first, for a 429, a 5xx or a failed connection.
    pub retries: u32,
    /// The first wait before a retry (doubling each time, with jitter).
    pub backoff: Duration,
    /// The longest wait before a retry, and the longest `Retry-After` honoured; CMS asking for more
    /// stops the run (what is left is reported, for a later run).
    pub max_wait: Duration,
    /// An answer younger than this is not asked again (unless refreshing).
    pub fresh_for: Duration,
    /// How long one request may take.
    pub request_timeout: Duration,
    /// Starting no request after this long (the server answers within its request timeout); what is
    /// left is reported as deferred.
    pub budget: Option<Duration>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            base_url: DEFAULT_BASE_URL.into(),
            // Conservative: CMS publishes no limit for this API (it asks Submissions API clients to stay
            // under 15 requests per second).
            rate: 2.0,
            retries: 5,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(120),
            fresh_for: Duration::from_secs(24 * 3600),
            request_timeout: Duration::from_secs(30),
            budget: None,
        }
    }
}

/// What to ask about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    pub scope: Scope,
    pub year: PerformanceYear,
    /// Ask again about NPIs whose answer is still fresh.
    pub refresh: bool,
}

/// Whose clinicians to ask about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Practice(PracticeId),
    /// Every practice of the organization (archived ones left out).
    Organization,
}

/// One NPI the summary speaks of, and what happened.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NpiNote {
    pub npi: String,
    pub practice: String,
    pub reason: String,
}

/// What a fetch did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FetchSummary {
    pub year: u16,
    /// The endpoint asked (`https://qpp.cms.gov/api/eligibility/npi/{npi}`).
    pub endpoint: String,
    pub api_version: String,
    pub practices: u32,
    /// Distinct NPIs on the practices' rosters for the year.
    pub npis: u32,
    /// HTTP requests made, retries included.
    pub requests: u32,
    /// NPIs CMS answered with a profile that was recorded.
    pub fetched: u32,
    /// Special statuses recorded or changed (hospital-based, non-patient-facing, ASC-based).
    pub statuses_set: u32,
    /// NPIs CMS does not know for the year (404) or refused (400): recorded as such.
    pub not_found: Vec<NpiNote>,
    /// Profiles with no organization that is clearly the practice: nothing recorded.
    pub unmatched: Vec<NpiNote>,
    /// NPIs not fetched (retries exhausted, or an answer that cannot be recorded), with the reason.
    pub failed: Vec<NpiNote>,
    /// NPIs whose answer for the year is younger than the freshness window: not asked again.
    pub skipped_fresh: u32,
    /// NPIs not reached (the time allowed ran out, or CMS asked to wait longer than allowed).
    pub deferred: u32,
    pub deferred_reason: Option<String>,
    /// Every NPI was handled: none failed and none was deferred.
    pub complete: bool,
}

/// Told as the run goes (the command line draws a progress bar).
pub trait Progress: Send + Sync {
    /// The NPIs about to be asked.
    fn start(&self, _npis: u64) {}
    /// One NPI handled: `found`, `not found`, `unmatched`, `failed`, `deferred`.
    fn done(&self, _npi: Npi, _outcome: &str) {}
}

/// No progress to tell.
pub struct Quiet;
impl Progress for Quiet {}

/// One NPI to ask about, and the practices (by index) whose answer for it is stale.
pub(super) struct Target {
    pub(super) npi: Npi,
    pub(super) practices: Vec<usize>,
}

/// What one NPI's request came to.
enum Reply {
    Answer(Answer),
    Failed(String),
    /// Stop the run here: this NPI and the rest are deferred.
    Stop(String),
}

/// Asks CMS about the clinicians in `scope` for `year` and records every answer. Errors are the store's
/// (the run stops; what was recorded stays) or the caller's (an auditor, an unknown practice).
pub async fn fetch_eligibility<S: EligibilitySource>(
    app: &App,
    p: &Principal,
    source: &S,
    req: FetchRequest,
    settings: &FetchSettings,
    progress: &dyn Progress,
) -> AppResult<FetchSummary> {
    p.require_write()?;
    let FetchRequest {
        scope,
        year,
        refresh,
    } = req;
    let started = tokio::time::Instant::now();
    let practices = practices_in(app, p, scope).await?;
    // Every roster NPI of the year, once, with the practices it is on.
    let mut order: Vec<Npi> = Vec::new();
    let mut on: HashMap<Npi, Vec<(usize, Clinician)>> = HashMap::new();
    for (i, pr) in practices.iter().enumerate() {
        for c in app.store.list_clinicians(p.tenant, pr.id).await? {
            if c.archived.is_some() || !c.on_roster(year) {
                continue;
            }
            if !on.contains_key(&c.npi) {
                order.push(c.npi);
            }
            on.entry(c.npi).or_default().push((i, c));
        }
    }
    let practice_filter = match scope {
        Scope::Practice(id) => Some(id),
        Scope::Organization => None,
    };
    let now = app.now();
    let fresh_for = chrono::Duration::from_std(settings.fresh_for).unwrap_or(chrono::Duration::MAX);
    let fresh: std::collections::HashSet<(PracticeId, Npi)> = app
        .store
        .cms_answers(p.tenant, year, practice_filter)
        .await?
        .into_iter()
        .filter(|a| !refresh && now.signed_duration_since(a.retrieved_at) < fresh_for)
        .map(|a| (a.practice, a.npi))
        .collect();
    let mut summary = FetchSummary {
        year: year.get(),
        endpoint: source.endpoint(),
        api_version: source.api_version(),
        practices: count(practices.len()),
        npis: count(order.len()),
        requests: 0,
        fetched: 0,
        statuses_set: 0,
        not_found: Vec::new(),
        unmatched: Vec::new(),
        failed: Vec::new(),
        skipped_fresh: 0,
        deferred: 0,
        deferred_reason: None,
        complete: true,
    };
    let targets: Vec<Target> = order
        .iter()
        .filter_map(|npi| {
            let stale: Vec<usize> = on[npi]
                .iter()
                .filter(|(i, _)| !fresh.contains(&(practices[*i].id, *npi)))
                .map(|(i, _)| *i)
                .collect();
            if stale.is_empty() {
                summary.skipped_fresh += 1;
                None
            } else {
                Some(Target {
                    npi: *npi,
                    practices: stale,
                })
            }
        })
        .collect();
    progress.start(targets.len() as u64);
    let mut pacer = pace::Pacer::new(settings.rate);
    let mut stopped: Option<String> = None;
    for t in &targets {
        if stopped.is_none()
            && let Some(b) = settings.budget
            && started.elapsed() >= b
        {
            stopped = Some(format!(
                "the {} s allowed for one run ran out; run it again to fetch the rest",
                b.as_secs()
            ));
        }
        if stopped.is_some() {
            summary.deferred += 1;
            progress.done(t.npi, "deferred");
            continue;
        }
        let reply = ask(
            source,
            t.npi,
            year,
            settings,
            &mut pacer,
            started,
            &mut summary,
        )
        .await;
        let outcome = match reply {
            Reply::Stop(why) => {
                stopped = Some(why);
                summary.deferred += 1;
                "deferred"
            }
            Reply::Failed(why) => {
                for &i in &t.practices {
                    summary.failed.push(note(t.npi, &practices[i], why.clone()));
                }
                "failed"
            }
            Reply::Answer(a) => {
                record::record(app, p, &practices, &on[&t.npi], t, year, a, &mut summary).await?
            }
        };
        progress.done(t.npi, outcome);
    }
    summary.deferred_reason = stopped;
    summary.complete = summary.failed.is_empty() && summary.deferred == 0;
    let (entity, id) = match scope {
        Scope::Practice(id) => ("practice", id.to_string()),
        Scope::Organization => ("organization", p.tenant.to_string()),
    };
    app.store
        .record_observation(
            p.tenant,
            &p.actor(),
            hardship_store::engine::payloads::eligibility_fetched(entity, id, run_detail(&summary)),
        )
        .await?;
    Ok(summary)
}

/// The fetch against CMS's API at the settings' base URL (what the server runs; a base URL that is not
/// a URL is a fault of the configuration).
pub async fn fetch_from_cms(
    app: &App,
    p: &Principal,
    req: FetchRequest,
    settings: &FetchSettings,
    progress: &dyn Progress,
) -> AppResult<FetchSummary> {
    let client =
        QppClient::new(&settings.base_url, settings.request_timeout).map_err(AppError::Internal)?;
    fetch_eligibility(app, p, &client, req, settings, progress).await
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn note(npi: Npi, pr: &Practice, reason: String) -> NpiNote {
    NpiNote {
        npi: npi.to_string(),
        practice: pr.name.clone(),
        reason,
    }
}

/// The run as the audit log keeps it.
fn run_detail(s: &FetchSummary) -> serde_json::Value {
    let notes = |v: &[NpiNote]| {
        v.iter()
            .map(
                |n| serde_json::json!({ "npi": n.npi, "practice": n.practice, "reason": n.reason }),
            )
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "year": s.year,
        "endpoint": s.endpoint,
        "api_version": s.api_version,
        "npis": s.npis,
        "requests": s.requests,
        "fetched": s.fetched,
        "statuses_set": s.statuses_set,
        "skipped_fresh": s.skipped_fresh,
        "deferred": s.deferred,
        "deferred_reason": s.deferred_reason,
        "not_found": notes(&s.not_found),
        "unmatched": notes(&s.unmatched),
        "failed": notes(&s.failed),
    })
}

/// The practices in scope (an archived practice is refused by name; the organization's leave them out).
async fn practices_in(app: &App, p: &Principal, scope: Scope) -> AppResult<Vec<Practice>> {
    match scope {
        Scope::Practice(id) => {
            let pr = app.store.get_practice(p.tenant, id).await?;
            if pr.archived.is_some() {
                return Err(AppError::Conflict(format!(
                    "the practice {:?} is archived: restore it before asking CMS about its clinicians",
                    pr.name
                )));
            }
            Ok(vec![pr])
        }
        Scope::Organization => Ok(app
            .store
            .list_practices(p.tenant)
            .await?
            .into_iter()
            .filter(|pr| pr.archived.is_none())
            .collect()),
    }
}

/// Asks about one NPI, pacing and retrying as the settings say.
async fn ask<S: EligibilitySource>(
    source: &S,
    npi: Npi,
    year: PerformanceYear,
    settings: &FetchSettings,
    pacer: &mut pace::Pacer,
    started: tokio::time::Instant,
    summary: &mut FetchSummary,
) -> Reply {
    let mut attempt = 0;
    loop {
        pacer.wait().await;
        summary.requests += 1;
        let e = match source.fetch(npi, year).await {
            Ok(a) => return Reply::Answer(a),
            Err(FetchError::Permanent(m)) => return Reply::Failed(m),
            Err(e) => e,
        };
        let asked = match e {
            FetchError::RateLimited { retry_after } => retry_after,
            _ => None,
        };
        if let Some(wait) = asked.filter(|w| *w > settings.max_wait) {
            return Reply::Stop(format!(
                "CMS asked to wait {} s (Retry-After), longer than the {} s allowed; run it again later",
                wait.as_secs(),
                settings.max_wait.as_secs()
            ));
        }
        if attempt >= settings.retries {
            let tries = attempt + 1;
            return Reply::Failed(format!(
                "{} ({tries} {})",
                e.describe(),
                if tries == 1 { "try" } else { "tries" }
            ));
        }
        attempt += 1;
        let wait = pace::backoff(attempt, settings.backoff, settings.max_wait, asked);
        if let Some(b) = settings.budget
            && started.elapsed() + wait >= b
        {
            return Reply::Stop(format!(
                "{}; the {} s allowed for one run ran out before another try",
                e.describe(),
                b.as_secs()
            ));
        }
        pacer.hold_for(wait);
    }
}

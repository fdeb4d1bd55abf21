//! `hardship eligibility fetch`: asks CMS's QPP Eligibility API about every clinician of a practice (by
//! id or TIN) or of the whole organization for a performance year, and records the answers as the
//! practice page's import of an eligibility file would (plus each answer's URL, API version and retrieval
//! time). Paced, retried with backoff, resumable: a second run skips NPIs answered in the last
//! `--fresh-hours`. Exit 0 when every NPI was handled, 5 when some could not be fetched (run it again).

use super::{open, parse_year, print_json};
use crate::error::{CliError, Outcome};
use clap::{ArgGroup, Args, Subcommand};
use hardship_app::eligibility_fetch::{
    FetchRequest, FetchSettings, FetchSummary, NpiNote, Progress, QppClient, Scope,
    fetch_eligibility,
};
use hardship_cli::casework;
use hardship_cli::storage::{Settings, StorageArgs};
use hardship_rules::{Npi, PerformanceYear};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Args)]
pub struct EligibilityArgs {
    #[command(subcommand)]
    command: EligibilityCommand,
}

#[derive(Subcommand)]
enum EligibilityCommand {
    /// Ask CMS's QPP Eligibility API about every clinician of a practice (--practice ID or --tin TIN) or
    /// of the organization (--all) and record the statuses it returns. Exits 5 when some NPIs could not
    /// be fetched (the others are recorded; run it again for the rest).
    Fetch(FetchArgs),
}

#[derive(Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["practice", "tin", "all"])))]
pub struct FetchArgs {
    /// The practice (its id).
    #[arg(long)]
    practice: Option<String>,
    /// The practice with this TIN.
    #[arg(long)]
    tin: Option<String>,
    /// Every practice of the organization.
    #[arg(long)]
    all: bool,
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    /// The organization (needed when the installation has several).
    #[arg(long)]
    tenant: Option<String>,
    /// CMS's API (default https://qpp.cms.gov).
    #[arg(long, env = "HARDSHIP_QPP_API_URL")]
    base_url: Option<String>,
    /// Requests per second, retries included (default 2).
    #[arg(long, env = "HARDSHIP_QPP_RATE")]
    rate: Option<f64>,
    /// Tries after the first for a 429, a 5xx or a failed connection (default 5).
    #[arg(long, env = "HARDSHIP_QPP_RETRIES")]
    retries: Option<u32>,
    /// NPIs answered less than this many hours ago are not asked again.
    #[arg(long, default_value_t = 24)]
    fresh_hours: u64,
    /// Ask about every NPI, fresh answers included.
    #[arg(long)]
    refresh: bool,
    #[arg(long)]
    json: bool,
}

/// The fetch settings from the flags (or `HARDSHIP_QPP_*`), then the settings file, then the defaults.
pub fn fetch_settings(
    settings: &Settings,
    base_url: Option<String>,
    rate: Option<f64>,
    retries: Option<u32>,
) -> Result<FetchSettings, CliError> {
    let defaults = FetchSettings::default();
    let rate = rate.or(settings.file.qpp_rate).unwrap_or(defaults.rate);
    if !(rate.is_finite() && rate > 0.0 && rate <= 100.0) {
        return Err(CliError::bad(format!(
            "invalid rate \"{rate}\": requests per second, more than 0 and at most 100"
        )));
    }
    let retries = retries
        .or(settings.file.qpp_retries)
        .unwrap_or(defaults.retries);
    if retries > 20 {
        return Err(CliError::bad(format!(
            "invalid retries \"{retries}\": at most 20"
        )));
    }
    let base_url = base_url
        .or(settings.file.qpp_api_url.clone())
        .unwrap_or(defaults.base_url.clone());
    // Checked here so a typo is bad input, not a fault found mid-run.
    QppClient::new(&base_url, defaults.request_timeout).map_err(CliError::BadInput)?;
    Ok(FetchSettings {
        base_url,
        rate,
        retries,
        ..defaults
    })
}

/// A progress bar on a terminal's standard error; nothing otherwise.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(show: bool) -> Bar {
        if !show {
            return Bar(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} NPIs {msg}")
        {
            bar.set_style(style);
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, npis: u64) {
        self.0.set_length(npis);
    }
    fn done(&self, npi: Npi, outcome: &str) {
        self.0.set_message(format!("{npi} {outcome}"));
        self.0.inc(1);
    }
}

pub async fn run(storage: &StorageArgs, a: EligibilityArgs) -> Outcome {
    let EligibilityCommand::Fetch(a) = a.command;
    let (settings, store) = open(storage).await?;
    let fetch = FetchSettings {
        fresh_for: Duration::from_secs(a.fresh_hours.saturating_mul(3600)),
        ..fetch_settings(&settings, a.base_url, a.rate, a.retries)?
    };
    let client =
        QppClient::new(&fetch.base_url, fetch.request_timeout).map_err(CliError::BadInput)?;
    let tenant = casework::tenant(&*store, a.tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let scope = if let Some(id) = &a.practice {
        Scope::Practice(
            id.parse()
                .map_err(|e| CliError::bad(format!("invalid practice {id:?}: {e}")))?,
        )
    } else if let Some(t) = &a.tin {
        let tin = hardship_rules::Tin::parse(t).map_err(|e| CliError::bad(e.to_string()))?;
        let found = casework::practices_with_tin(&*store, tin, Some(tenant))
            .await
            .map_err(CliError::BadInput)?;
        match found.as_slice() {
            [(_, id, _)] => Scope::Practice(*id),
            _ => {
                return Err(CliError::bad(format!(
                    "no practice has TIN {tin}: add it first"
                )));
            }
        }
    } else {
        Scope::Organization
    };
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let bar = Bar::new(std::io::stderr().is_terminal());
    let req = FetchRequest {
        scope,
        year: a.year,
        refresh: a.refresh,
    };
    let summary = fetch_eligibility(&app, &casework::cli(tenant), &client, req, &fetch, &bar).await;
    bar.0.finish_and_clear();
    let summary = summary?;
    if a.json {
        print_json(&summary)?;
    } else {
        report(&summary);
    }
    if summary.complete {
        Ok(())
    } else {
        let missing = summary.failed.len() + summary.deferred as usize;
        Err(CliError::Incomplete(format!(
            "{missing} NPI(s) not fetched from CMS; the others are recorded: run the command again to fetch the rest"
        )))
    }
}

fn notes(what: &str, list: &[NpiNote]) {
    for n in list {
        println!("  {what} {} ({}): {}", n.npi, n.practice, n.reason);
    }
}

/// The summary in words.
fn report(s: &FetchSummary) {
    println!(
        "CMS QPP Eligibility API ({}, {}), performance year {}: {} NPI(s) in {} practice(s), {} request(s)",
        s.endpoint, s.api_version, s.year, s.npis, s.practices, s.requests
    );
    println!(
        "  fetched {} ({} status(es) recorded), not found {}, not matched {}, failed {}, skipped as fresh {}{}",
        s.fetched,
        s.statuses_set,
        s.not_found.len(),
        s.unmatched.len(),
        s.failed.len(),
        s.skipped_fresh,
        if s.deferred > 0 {
            format!(", not reached {}", s.deferred)
        } else {
            String::new()
        }
    );
    notes("not found", &s.not_found);
    notes("not matched", &s.unmatched);
    notes("failed", &s.failed);
    if let Some(why) = &s.deferred_reason {
        println!("  not reached: {why}");
    }
}

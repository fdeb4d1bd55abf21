//! `hardship review list [--year Y]`: the organization's targeted-review cases, each with its state
//! and the year's window (UNCONFIRMED when no source states it).

use super::{open, parse_year};
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;

#[derive(Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    command: ReviewCommand,
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// List the targeted-review cases (of one performance year, or all).
    List {
        #[arg(long, value_parser = parse_year)]
        year: Option<PerformanceYear>,
        /// The organization (needed when the installation has several).
        #[arg(long)]
        tenant: Option<String>,
        /// Print the cases as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(storage: &StorageArgs, a: ReviewArgs) -> Outcome {
    let ReviewCommand::List { year, tenant, json } = a.command;
    let (settings, store) = open(storage).await?;
    let tenant = casework::tenant(&*store, tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let cases = hardship_app::review::list(&app, &casework::cli(tenant), year).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&cases).map_err(|e| CliError::Internal(e.to_string()))?
        );
        return Ok(());
    }
    if cases.is_empty() {
        println!("No targeted-review cases.");
    }
    for r in &cases {
        let who = r.npi.as_deref().map_or_else(
            || format!("TIN {}", r.tin),
            |n| format!("TIN {} NPI {n}", r.tin),
        );
        let step = match r.state.as_str() {
            "draft" => format!("window: {}", r.window.text),
            "submitted" => format!(
                "sent {} ref {}",
                r.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
                r.cms_reference.as_deref().unwrap_or("")
            ),
            _ => format!(
                "CMS decided {} on {} (final)",
                r.outcome.as_deref().unwrap_or(""),
                r.decided_on.map(|d| d.to_string()).unwrap_or_default()
            ),
        };
        println!(
            "{} PY {} {} {who} [{}] {step}",
            r.id, r.year, r.practice_name, r.state
        );
    }
    Ok(())
}

//! `hardship feedback import FILE --year Y`: CMS's final feedback (the plain CSV or the QPP Experience
//! PUF layout of the year) reconciled with the product's decisions; a draft targeted-review candidate
//! opened per subject CMS got wrong (once: the same file again opens none).

use super::{open, parse_year};
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_app::feedback::{self, Reconciliation};
use hardship_app::imports::{self, ImportFailure};
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;
use std::path::PathBuf;

#[derive(Args)]
pub struct FeedbackArgs {
    #[command(subcommand)]
    command: FeedbackCommand,
}

#[derive(Subcommand)]
enum FeedbackCommand {
    /// Import a final-feedback file for a performance year and list the discrepancies.
    Import {
        file: PathBuf,
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        /// The organization (needed when the installation has several).
        #[arg(long)]
        tenant: Option<String>,
        /// Print the reconciliation as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(storage: &StorageArgs, a: FeedbackArgs) -> Outcome {
    let FeedbackCommand::Import {
        file,
        year,
        tenant,
        json,
    } = a.command;
    let bytes = std::fs::read(&file).map_err(|e| CliError::file(&file, e))?;
    let (settings, store) = open(storage).await?;
    let tenant = casework::tenant(&*store, tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let p = casework::cli(tenant);
    match feedback::import_feedback(&app, &p, year, &bytes).await {
        Ok(r) if json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&r).map_err(|e| CliError::Internal(e.to_string()))?
            );
            Ok(())
        }
        Ok(r) => {
            print(&r);
            Ok(())
        }
        Err(ImportFailure::Other(e)) => Err(e.into()),
        Err(ImportFailure::Rows(rows)) => {
            Err(super::import::refused(&file, &imports::problems(rows)))
        }
    }
}

fn print(r: &Reconciliation) {
    println!(
        "PY {} final feedback ({} layout): {} rows, {} matched, {} agree, {} discrepancies; {} targeted-review candidate(s) opened, {} already open.",
        r.year,
        r.layout,
        r.rows,
        r.matched,
        r.agreed,
        r.discrepancies.len(),
        r.opened.len(),
        r.already_open.len()
    );
    for d in &r.discrepancies {
        println!("line {} [{}] {}", d.line, d.code, d.text);
        if !d.evidence.is_empty() {
            println!("    evidence: {}", d.evidence.join(", "));
        }
    }
    for c in &r.opened {
        println!(
            "opened {} for TIN {}{} ({})",
            c.id,
            c.tin,
            c.npi
                .as_deref()
                .map(|n| format!(" NPI {n}"))
                .unwrap_or_default(),
            c.codes.join(", ")
        );
    }
    for n in &r.notes {
        println!("note: {n}");
    }
}

//! `hardship import`: a roster CSV (batch contract columns), a roster in the NPPES file's layout, or the
//! QPP Eligibility API's JSON for one NPI, into a practice — all or nothing unless told to keep the good
//! rows. The format is recognised.

use super::{open, parse_year};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_app::imports::{self, ImportFailure, ImportOptions, ImportProblem, ImportResult};
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The practice (its id).
    #[arg(long)]
    practice: String,
    /// The organization (needed when the installation has several).
    #[arg(long)]
    tenant: Option<String>,
    /// The performance year of an eligibility file.
    #[arg(long, value_parser = parse_year)]
    year: Option<PerformanceYear>,
    /// Which organizations[] entry of an eligibility file is the practice (from 0).
    #[arg(long)]
    organization: Option<usize>,
    /// When the eligibility data was retrieved from CMS (YYYY-MM-DD; default today).
    #[arg(long)]
    retrieved_on: Option<chrono::NaiveDate>,
    /// Import the good rows of a CSV and report the bad ones instead of refusing the file.
    #[arg(long)]
    skip_bad_rows: bool,
}

pub async fn run(storage: &StorageArgs, a: ImportArgs) -> Outcome {
    let file = a.file;
    let bytes = std::fs::read(&file).map_err(|e| CliError::file(&file, e))?;
    let (settings, store) = open(storage).await?;
    let tenant = casework::tenant(&*store, a.tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let practice: hardship_store::PracticeId = a
        .practice
        .parse()
        .map_err(|e| CliError::bad(format!("invalid practice {:?}: {e}", a.practice)))?;
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let p = casework::cli(tenant);
    let opts = ImportOptions {
        year: a.year,
        organization: a.organization,
        retrieved_on: a.retrieved_on,
        keep_good_rows: a.skip_bad_rows,
    };
    match imports::import_file(&app, &p, practice, &bytes, opts).await {
        Ok(r) => {
            report(&file, &r);
            Ok(())
        }
        Err(ImportFailure::Other(e)) => Err(e.into()),
        Err(ImportFailure::Rows(rows)) => Err(refused(&file, &imports::problems(rows))),
    }
}

/// What was imported (standard output) and what was left out (standard error).
fn report(file: &Path, r: &ImportResult) {
    println!(
        "{}: {} ({} rows): {} added, {} updated, {} unchanged, {} statuses recorded{}",
        file.display(),
        r.format,
        r.rows,
        r.added,
        r.updated,
        r.unchanged,
        r.statuses_set,
        if r.statuses_kept_from_cms > 0 {
            format!(
                ", {} kept from CMS eligibility data",
                r.statuses_kept_from_cms
            )
        } else {
            String::new()
        }
    );
    for n in &r.notes {
        println!("  {n}");
    }
    for e in &r.left_out {
        eprintln!(
            "  left out {}:{}: column {}: {}",
            file.display(),
            e.line,
            e.column,
            e.message
        );
    }
    if let Some(e) = &r.eligibility {
        println!("  {} {}: {}", e.npi, e.name, e.statuses.join(", "));
        for f in &e.flags {
            println!("  CMS: {f}");
        }
    }
}

/// A refused file: how many problems, and the first 50 by line.
fn refused(file: &Path, rows: &[ImportProblem]) -> CliError {
    let mut msg = format!(
        "{}: {} problem(s), nothing was imported",
        file.display(),
        rows.len()
    );
    for e in rows.iter().take(50) {
        if e.line == 0 {
            msg.push_str(&format!("\n  {}: {}", e.column, e.message));
        } else {
            msg.push_str(&format!(
                "\n  {}:{}: column {}: {}",
                file.display(),
                e.line,
                e.column,
                e.message
            ));
        }
    }
    CliError::BadInput(msg)
}

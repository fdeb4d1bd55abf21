//! `hardship import`: a roster CSV (batch contract columns), a roster in the NPPES file's layout, or the
//! QPP Eligibility API's JSON for one NPI, into a practice — all or nothing unless told to keep the good
//! rows. The format is recognised. Without `--practice`, a client list (CSV or XLSX naming many practices
//! by TIN) onboards every practice it names; `--preview` says what it would do and writes nothing.

use super::{open, parse_year};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_app::imports::{self, ImportFailure, ImportOptions, ImportProblem, ImportResult};
use hardship_app::onboarding::{self, OnboardingOptions, OnboardingReport};
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    #[arg(required_unless_present = "template")]
    file: Option<PathBuf>,
    /// Print a client-list template (CSV, UTF-8 with BOM for Excel) and exit.
    #[arg(long, conflicts_with = "file")]
    template: bool,
    /// The practice (its id). Without it the file is a client list naming its practices by TIN.
    #[arg(long)]
    practice: Option<String>,
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
    /// A client list: say what would be created, changed and refused, and write nothing.
    #[arg(long)]
    preview: bool,
    /// A client list: print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(storage: &StorageArgs, a: ImportArgs) -> Outcome {
    let Some(file) = a.file.clone() else {
        use std::io::Write;
        std::io::stdout()
            .lock()
            .write_all(&hardship_formats::client_list::template_for_excel())
            .map_err(|e| CliError::Internal(e.to_string()))?;
        return Ok(());
    };
    let bytes = std::fs::read(&file).map_err(|e| CliError::file(&file, e))?;
    let (settings, store) = open(storage).await?;
    let tenant = casework::tenant(&*store, a.tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let p = casework::cli(tenant);
    let Some(practice) = a.practice.clone() else {
        return onboard(&app, &p, &file, &bytes, &a).await;
    };
    if a.preview {
        return Err(CliError::bad(
            "--preview is for a client list (a file without --practice)",
        ));
    }
    let practice: hardship_store::PracticeId = practice
        .parse()
        .map_err(|e| CliError::bad(format!("invalid practice {practice:?}: {e}")))?;
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

/// A client list of many practices, previewed or written.
async fn onboard(
    app: &hardship_app::App,
    p: &hardship_app::Principal,
    file: &Path,
    bytes: &[u8],
    a: &ImportArgs,
) -> Outcome {
    if !onboarding::is_client_list(bytes) {
        return Err(CliError::bad(format!(
            "{}: this file lists no practices (no TIN and practice name columns): give --practice ID to import it into one practice, or add the columns tin and practice_name (see `hardship import --template`)",
            file.display()
        )));
    }
    let opts = OnboardingOptions {
        year: a.year,
        keep_good_rows: a.skip_bad_rows,
        preview: a.preview,
    };
    match onboarding::onboard(app, p, bytes, opts).await {
        Ok(r) if a.json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&r).map_err(|e| CliError::Internal(e.to_string()))?
            );
            Ok(())
        }
        Ok(r) => {
            print_onboarding(file, &r);
            Ok(())
        }
        Err(ImportFailure::Other(e)) => Err(e.into()),
        Err(ImportFailure::Rows(rows)) => Err(refused(file, &imports::problems(rows))),
    }
}

fn print_onboarding(file: &Path, r: &OnboardingReport) {
    let t = &r.totals;
    println!(
        "{}: {} ({} rows), PY {}: {}{} practices created, {} updated, {} unchanged{}; {} clinicians added, {} updated, {} unchanged; {} reporting levels set",
        file.display(),
        r.format,
        r.rows,
        r.year,
        if r.committed {
            ""
        } else {
            "PREVIEW, nothing written: "
        },
        t.practices_created,
        t.practices_updated,
        t.practices_unchanged,
        if t.practices_archived_skipped > 0 {
            format!(", {} archived left alone", t.practices_archived_skipped)
        } else {
            String::new()
        },
        t.clinicians_added,
        t.clinicians_updated,
        t.clinicians_unchanged,
        t.levels_set
    );
    for n in &r.notes {
        println!("  {n}");
    }
    for p in r.practices.iter().filter(|p| {
        p.action != "unchanged" || p.clinicians_added + p.clinicians_updated > 0 || p.level_changes
    }) {
        let mut what = vec![p.action.clone()];
        what.extend(p.changes.iter().cloned());
        if p.clinicians_added + p.clinicians_updated > 0 {
            what.push(format!(
                "{} clinician(s) added, {} updated",
                p.clinicians_added, p.clinicians_updated
            ));
        }
        if p.level_changes
            && let Some(l) = &p.level
        {
            what.push(format!("reports as {l}"));
        }
        println!(
            "  line {}: {} {}: {}",
            p.line,
            p.tin,
            p.name,
            what.join("; ")
        );
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
pub(crate) fn refused(file: &Path, rows: &[ImportProblem]) -> CliError {
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

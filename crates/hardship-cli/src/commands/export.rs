//! `hardship export`: an application packet (PDF, or JSON — the API's document), a practice-year's audit
//! binder (PDF), or a portfolio (CSV or JSON). The file is written beside the target and renamed, so a
//! failure leaves no half-written file.

use super::{open, parse_year};
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_app::{pdf, report};
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    what: ExportCommand,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Everything the CMS form or the phone call needs; `.pdf` or `.json` by the output's name.
    Packet {
        application: String,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// The audit binder of a practice-year (PDF).
    Binder {
        #[arg(long)]
        practice: String,
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Every clinician of every practice of a year, with decisions and applications; `.csv` or `.json`.
    Portfolio {
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn run(storage: &StorageArgs, a: ExportArgs) -> Outcome {
    let what = a.what;
    let (settings, store) = open(storage).await?;
    let (tenant, output) = match &what {
        ExportCommand::Packet { tenant, output, .. }
        | ExportCommand::Binder { tenant, output, .. }
        | ExportCommand::Portfolio { tenant, output, .. } => (tenant.clone(), output.clone()),
    };
    let tenant = casework::tenant(&*store, tenant.as_deref())
        .await
        .map_err(CliError::BadInput)?;
    let app = casework::app(&settings, store).map_err(CliError::BadInput)?;
    let p = casework::cli(tenant);
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes: Vec<u8> = match what {
        ExportCommand::Packet { application, .. } => {
            let id: hardship_store::ApplicationId = application
                .parse()
                .map_err(|e| CliError::bad(format!("invalid application {application:?}: {e}")))?;
            let pk = report::packet(&app, &p, id).await?;
            match ext.as_str() {
                "pdf" => pdf::render(&report::packet_pdf(&pk)),
                // The same document as the API's `GET /api/v1/applications/{id}/packet`.
                "json" => serde_json::to_vec_pretty(
                    &hardship_app::views::ApplicationPacketDto::from(&pk),
                )?,
                _ => {
                    return Err(CliError::bad(format!(
                        "{}: name the output .pdf or .json",
                        output.display()
                    )));
                }
            }
        }
        ExportCommand::Binder { practice, year, .. } => {
            if ext != "pdf" {
                return Err(CliError::bad(format!(
                    "{}: the binder is a .pdf",
                    output.display()
                )));
            }
            let id: hardship_store::PracticeId = practice
                .parse()
                .map_err(|e| CliError::bad(format!("invalid practice {practice:?}: {e}")))?;
            let b = report::binder(&app, &p, id, year).await?;
            pdf::render(&report::binder_pdf(&b))
        }
        ExportCommand::Portfolio { year, .. } => {
            let rows = report::portfolio(&app, &p, year).await?;
            match ext.as_str() {
                "csv" => report::portfolio_csv(&rows)?,
                "json" => serde_json::to_vec_pretty(&rows)?,
                _ => {
                    return Err(CliError::bad(format!(
                        "{}: name the output .csv or .json",
                        output.display()
                    )));
                }
            }
        }
    };
    let tmp = output.with_extension(format!("{ext}.partial"));
    std::fs::write(&tmp, &bytes).map_err(|e| CliError::file(&tmp, e))?;
    std::fs::rename(&tmp, &output).map_err(|e| CliError::file(&output, e))?;
    println!("{}: {} bytes", output.display(), bytes.len());
    Ok(())
}

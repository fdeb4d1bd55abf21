//! `hardship guard`: checks a QPP submission file before it is sent. Exits 4 when it carries PI data for
//! a submitter whose PI is reweighted (it would void the reweighting), 0 otherwise.

use super::{open, parse_year, print_json};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_cli::casework;
use hardship_cli::storage::StorageArgs;
use hardship_rules::PerformanceYear;
use std::path::PathBuf;

#[derive(Args)]
pub struct GuardArgs {
    file: PathBuf,
    /// The submitting practice's TIN.
    #[arg(long)]
    tin: String,
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    #[arg(long)]
    tenant: Option<String>,
    #[arg(long)]
    json: bool,
}

pub async fn run(storage: &StorageArgs, a: GuardArgs) -> Outcome {
    let bytes = std::fs::read(&a.file).map_err(|e| CliError::file(&a.file, e))?;
    let tin = hardship_rules::Tin::parse(&a.tin).map_err(|e| CliError::bad(e.to_string()))?;
    let (_, store) = open(storage).await?;
    let tenant = match &a.tenant {
        Some(t) => Some(
            casework::tenant(&*store, Some(t))
                .await
                .map_err(CliError::BadInput)?,
        ),
        None => None,
    };
    let found = casework::practices_with_tin(&*store, tin, tenant)
        .await
        .map_err(CliError::Internal)?;
    let (t, practice, _) = match found.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(CliError::bad(format!(
                "no practice has TIN {tin}: add it first"
            )));
        }
        more => {
            return Err(CliError::bad(format!(
                "{} practices have TIN {tin} (in organizations {}): pass --tenant",
                more.len(),
                more.iter()
                    .map(|(t, _, _)| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let closed = hardship_app::years::window_closed(a.year, chrono::Utc::now());
    let b = hardship_app::practice_years::load_practice_year(&*store, t, practice, a.year, closed)
        .await?;
    let r = hardship_app::guard::check(&b, a.year, &bytes)?;
    // Every check is in the audit log, as when it is made in the app.
    let name = a
        .file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    store
        .record_observation(
            t,
            &casework::cli(t).actor(),
            hardship_store::engine::payloads::guard_checked(
                practice,
                a.year.get(),
                r.blocked,
                &name,
            ),
        )
        .await?;
    if a.json {
        print_json(&r)?;
    } else {
        println!("{}", r.message);
        for w in &r.warnings {
            println!("  warning: {w}");
        }
        for s in &r.pi_sets {
            println!(
                "  PI data at {} ({}): {}",
                s.path,
                s.category,
                s.measures.join(", ")
            );
        }
    }
    if r.blocked {
        return Err(CliError::Blocked(format!(
            "{}: PI data for {} would void its PI reweighting",
            a.file.display(),
            r.submitter
        )));
    }
    Ok(())
}

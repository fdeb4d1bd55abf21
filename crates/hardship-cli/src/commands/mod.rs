//! The `hardship` subcommands, one module each (its clap arguments and a `run` function), and what they
//! share: value parsers for the flags, the async runtime, opening the installation, reading files and
//! printing JSON.

pub mod audit;
pub mod backup;
pub mod batch;
pub mod check;
pub mod deadline;
pub mod debug;
pub mod eligibility;
pub mod export;
pub mod feedback;
pub mod guard;
pub mod import;
pub mod migrate;
pub mod remind;
pub mod review;
pub mod rules;
pub mod score;
pub mod screen;
pub mod serve;
pub mod user;
pub mod vault;
pub mod whatif;

use crate::error::{CliError, Outcome};
use chrono::{DateTime, Utc};
use hardship_cli::storage::{self, Settings, StorageArgs};
use hardship_rules::{CategoryScore, PerformanceYear};
use hardship_store::{Env, Store};
use std::path::Path;
use std::sync::Arc;

/// A role the command line gives: a client is invited by an owner for its practices instead (the
/// People page or `POST /api/v1/invites`), since a client with no practice would see nothing.
pub fn parse_role(s: &str) -> Result<hardship_store::Role, String> {
    match hardship_store::Role::parse(s) {
        Some(hardship_store::Role::Client) => Err(format!(
            "invalid role {s:?}: a client is invited by an owner for its practices (People page or POST /api/v1/invites)"
        )),
        Some(r) => Ok(r),
        None => Err(format!("invalid role {s:?}: owner, staff or auditor")),
    }
}

pub fn parse_year(s: &str) -> Result<PerformanceYear, String> {
    PerformanceYear::parse(s).map_err(|e| e.to_string())
}

pub fn parse_score(s: &str) -> Result<f64, String> {
    CategoryScore::parse("score", s)
        .map(CategoryScore::percent)
        .map_err(|e| e.to_string())
}

pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!("invalid instant {s:?}: {e} (use RFC 3339, e.g. 2024-12-31T20:00:00-05:00)")
        })
}

/// Runs an async command on a fresh runtime.
pub fn with_runtime<F: std::future::Future<Output = Outcome>>(f: impl FnOnce() -> F) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(f())
}

/// The installation's settings and its store (migrated).
pub async fn open(storage: &StorageArgs) -> Result<(Settings, Arc<dyn Store>), CliError> {
    let settings = storage.resolve().map_err(CliError::BadInput)?;
    let store = storage::open_store(&settings, Env::system()).await?;
    Ok((settings, store))
}

/// A text file given on the command line.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::file(path, e))
}

/// Prints a value as pretty JSON on standard output.
pub fn print_json(value: &impl serde::Serialize) -> Outcome {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

//! `hardship vault verify`: re-reads every document — decryption, authentication and the recorded
//! SHA-256 (exit 3 on a mismatch).

use super::open;
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_cli::ops;
use hardship_cli::storage::StorageArgs;

#[derive(Args)]
pub struct VaultArgs {
    #[command(subcommand)]
    command: VaultCommand,
}

#[derive(Subcommand)]
enum VaultCommand {
    /// Re-read every document: decryption, authentication and the recorded SHA-256 (exit 3 on mismatch).
    Verify,
}

pub async fn run(storage: &StorageArgs, a: VaultArgs) -> Outcome {
    match a.command {
        VaultCommand::Verify => verify(storage).await,
    }
}

/// Verifies every document of the installation.
pub async fn verify(storage: &StorageArgs) -> Outcome {
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(CliError::BadInput)?;
    let report = ops::verify_vault(store.as_ref(), &vault)
        .await
        .map_err(CliError::Internal)?;
    println!("{} documents verified", report.verified);
    for key in &report.unreferenced {
        println!(
            "note: complete object with no document record (an upload interrupted before it was recorded): {key}"
        );
    }
    for f in &report.failures {
        println!("FAILED: {f}");
    }
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Verification(format!(
            "{} documents failed verification",
            report.failures.len()
        )))
    }
}

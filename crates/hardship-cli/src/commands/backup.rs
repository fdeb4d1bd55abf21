//! `hardship backup` and `hardship restore`: a consistent snapshot of the database and the vault (safe
//! while the server runs; the master key is not included), and its restoration into an empty
//! installation followed by verification of the audit log and the vault.

use super::{audit, open, vault};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_cli::ops;
use hardship_cli::storage::StorageArgs;
use std::path::PathBuf;

#[derive(Args)]
pub struct BackupArgs {
    dir: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    dir: PathBuf,
}

pub async fn backup(storage: &StorageArgs, a: BackupArgs) -> Outcome {
    let dir = a.dir;
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(CliError::BadInput)?;
    let m = ops::backup(&settings, store.as_ref(), &vault, &dir)
        .await
        .map_err(CliError::BadInput)?;
    println!(
        "backup written to {}: {} database, {} documents, {} tenants (the master key is not in the backup)",
        dir.display(),
        m.database,
        m.objects.len(),
        m.audit_heads.len()
    );
    Ok(())
}

pub async fn restore(storage: &StorageArgs, a: RestoreArgs) -> Outcome {
    let dir = a.dir;
    let settings = storage.resolve().map_err(CliError::BadInput)?;
    let m = ops::restore(&settings, &dir)
        .await
        .map_err(CliError::BadInput)?;
    println!(
        "restored {} database and {} documents from {}",
        m.database,
        m.objects.len(),
        dir.display()
    );
    let (_, store) = open(storage).await?;
    for (tenant, seq) in &m.audit_heads {
        let events = store.audit_events(*tenant, None).await?;
        if events.last().map_or(0, |e| e.seq) < *seq {
            return Err(CliError::Verification(format!(
                "tenant {tenant}: the restored audit log ends before event {seq}"
            )));
        }
    }
    audit::verify(storage, None).await?;
    vault::verify(storage).await
}

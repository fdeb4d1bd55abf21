//! `hardship migrate`: creates or upgrades the database schema (also done whenever the store is opened).

use super::open;
use crate::error::Outcome;
use hardship_cli::storage::{self, StorageArgs};

pub async fn run(storage: &StorageArgs) -> Outcome {
    let (settings, store) = open(storage).await?;
    store.migrate().await?;
    println!(
        "database {} is up to date",
        storage::redact(&settings.database_url)
    );
    Ok(())
}

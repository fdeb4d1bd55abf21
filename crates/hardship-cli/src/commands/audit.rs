//! `hardship audit verify`: recomputes every tenant's hash chain and checks the records against the log,
//! naming the first broken event (exit 3 when anything is broken).

use super::open;
use crate::error::{CliError, Outcome};
use clap::{Args, Subcommand};
use hardship_cli::storage::StorageArgs;
use hardship_store::TenantId;

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every tenant's hash chain and name the first broken event (exit 3 when broken).
    Verify {
        /// Only this tenant (organization id).
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn run(storage: &StorageArgs, a: AuditArgs) -> Outcome {
    match a.command {
        AuditCommand::Verify { tenant } => verify(storage, tenant).await,
    }
}

/// Verifies one tenant's log, or every tenant's.
pub async fn verify(storage: &StorageArgs, tenant: Option<String>) -> Outcome {
    let (_, store) = open(storage).await?;
    let tenants = match tenant {
        Some(t) => vec![
            t.parse::<TenantId>()
                .map_err(|e| CliError::bad(format!("invalid tenant {t:?}: {e}")))?,
        ],
        None => store.list_tenants().await?,
    };
    let mut broken = Vec::new();
    for t in tenants {
        match store.verify_audit(t).await? {
            Ok(n) => println!("tenant {t}: {n} events, chain intact"),
            Err(b) => {
                println!("tenant {t}: BROKEN at event {}: {}", b.seq, b.problem);
                broken.push(format!("tenant {t} event {}", b.seq));
            }
        }
        // The records must agree with the log too: an edit behind the log's back is caught here.
        for f in store.verify_records(t).await? {
            println!("tenant {t}: RECORD DISAGREES WITH THE LOG: {f}");
            broken.push(format!("tenant {t} {}", f.subject));
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(CliError::Verification(format!(
            "audit verification failed: {}",
            broken.join(", ")
        )))
    }
}

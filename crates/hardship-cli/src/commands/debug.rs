//! `hardship debug` (hidden; not part of the stable interface): `nppes-sample`, a synthetic roster in the
//! NPPES file's layout (for the import benchmark), always there; and, with the `test-drivers` feature
//! only (the crate's tests and the benchmark scripts build with it, the shipped binary does not), the test
//! drivers `seed` (a consultancy for the load benchmark) and `write-stream` (acknowledged writes for the
//! crash tests).

use crate::error::Outcome;
use clap::{Args, Subcommand};
use hardship_cli::storage::StorageArgs;

#[derive(Args)]
pub struct DebugArgs {
    #[command(subcommand)]
    command: DebugCommand,
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Prints a synthetic roster in the NPPES file's layout (real taxonomy codes, valid NPIs).
    NppesSample {
        #[arg(long, default_value_t = 1000)]
        rows: u32,
    },
    /// Fills a fresh installation with a consultancy of PRACTICES practices of CLINICIANS clinicians each
    /// (for the load benchmark) and prints JSON: the organization, an owner's e-mail and an API token.
    #[cfg(feature = "test-drivers")]
    Seed(drivers::SeedArgs),
    /// Writes a stream of applications, printing `ack application ID` after each commit: the crash test
    /// kills it mid-stream and checks that every acknowledged write survived.
    #[cfg(feature = "test-drivers")]
    WriteStream(drivers::WriteStreamArgs),
}

#[cfg_attr(not(feature = "test-drivers"), allow(unused_variables))]
pub fn run(storage: &StorageArgs, a: DebugArgs) -> Outcome {
    match a.command {
        DebugCommand::NppesSample { rows } => {
            print!("{}", hardship_formats::nppes::synthetic(rows));
            Ok(())
        }
        #[cfg(feature = "test-drivers")]
        DebugCommand::Seed(a) => super::with_runtime(|| drivers::seed(storage, a)),
        #[cfg(feature = "test-drivers")]
        DebugCommand::WriteStream(a) => super::with_runtime(|| drivers::write_stream(storage, a)),
    }
}

/// The test drivers themselves.
#[cfg(feature = "test-drivers")]
mod drivers {
    use crate::commands::{open, parse_role, parse_year, print_json};
    use crate::error::{CliError, Outcome};
    use clap::Args;
    use hardship_cli::ops;
    use hardship_cli::storage::StorageArgs;
    use hardship_rules::{HardshipReason, PerformanceYear};
    use hardship_store::*;
    use std::io::Write as _;

    #[derive(Args)]
    pub struct SeedArgs {
        #[arg(long, default_value_t = 500)]
        practices: u32,
        #[arg(long, default_value_t = 50)]
        clinicians: u32,
        #[arg(long, default_value = "2026", value_parser = parse_year)]
        year: PerformanceYear,
        /// The API token's role: staff (the default), owner or auditor.
        #[arg(long, default_value = "staff", value_parser = parse_role)]
        token_role: Role,
    }

    #[derive(Args)]
    pub struct WriteStreamArgs {
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Also upload an evidence document every N writes (0: never).
        #[arg(long, default_value_t = 0)]
        upload_every: u32,
        #[arg(long, default_value_t = 300_000)]
        upload_bytes: u32,
    }

    pub async fn seed(storage: &StorageArgs, a: SeedArgs) -> Outcome {
        let (_, store) = open(storage).await?;
        let password =
            std::env::var("HARDSHIP_PASSWORD").unwrap_or_else(|_| "benchmark passphrase".into());
        let hash =
            tokio::task::spawn_blocking(move || hardship_app::passwords::hash_password(&password))
                .await
                .map_err(|e| CliError::Internal(e.to_string()))?
                .map_err(CliError::BadInput)?;
        let report = hardship_cli::drivers::seed_portfolio(
            &*store,
            &hash,
            a.practices,
            a.clinicians,
            a.year,
            a.token_role,
        )
        .await
        .map_err(CliError::Internal)?;
        print_json(&report)
    }

    pub async fn write_stream(storage: &StorageArgs, a: WriteStreamArgs) -> Outcome {
        let WriteStreamArgs {
            count,
            upload_every,
            upload_bytes,
        } = a;
        let internal = |e: hardship_rules::InvalidValue| CliError::Internal(e.to_string());
        let (settings, store) = open(storage).await?;
        let vault = ops::open_vault(&settings).map_err(CliError::BadInput)?;
        let actor = Actor {
            user: None,
            label: "write-stream".into(),
            role: Role::Staff,
        };
        let org = store
            .create_organization(&actor, "Crash test", OrganizationKind::Consultancy)
            .await?;
        let tin = hardship_rules::Tin::parse("123456789").map_err(internal)?;
        let contact = Contact {
            name: "Pat".into(),
            email: "pat@example.test".into(),
            phone: "555".into(),
        };
        let practice = store
            .create_practice(
                org.id,
                &actor,
                NewPractice {
                    tin,
                    name: "Crash Practice".into(),
                    address: String::new(),
                    contact,
                    zip: None,
                },
            )
            .await?;
        let year = PerformanceYear::new(2026).map_err(internal)?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "tenant {}", org.id);
        for i in 0..count {
            let draft = ApplicationDraft {
                practice: practice.id,
                year,
                applicant: Applicant::Group { tin },
                reason: HardshipReason::InsufficientInternet,
                circumstance_start: None,
                circumstance_end: None,
                description: format!("write {i}"),
                submitter: Submitter {
                    first_name: "A".into(),
                    last_name: "B".into(),
                    email: "a@b.test".into(),
                    phone: "1".into(),
                    extension: String::new(),
                },
                euc_kind: None,
                facts: ApplicationFacts {
                    insufficient_internet: true,
                    ..ApplicationFacts::default()
                },
                attested: true,
                euc: None,
            };
            let app = store.create_application(org.id, &actor, draft).await?;
            // Acknowledged only after the commit returned.
            let _ = writeln!(out, "ack application {}", app.id);
            let _ = out.flush();
            if upload_every > 0 && i % upload_every == 0 {
                let doc = DocumentId(uuid::Uuid::new_v4());
                let body: Vec<u8> = (0..upload_bytes)
                    .map(|b| (b.wrapping_mul(31).wrapping_add(i)) as u8)
                    .collect();
                let retain = ops::retain_until(year).map_err(CliError::Internal)?;
                let stored = vault
                    .put(org.id.0, doc.0, retain, &body[..], u64::MAX)
                    .await
                    .map_err(|e| CliError::Internal(e.to_string()))?;
                let new = NewDocument {
                    id: doc,
                    practice: practice.id,
                    application: Some(app.id),
                    kind: "outage_record".into(),
                    filename: format!("outage-{i}.bin"),
                    content_type: "application/octet-stream".into(),
                    size: stored.size,
                    sha256: stored.sha256,
                    object_key: stored.key,
                    retain_until: retain,
                };
                store.record_document(org.id, &actor, new).await?;
                let _ = writeln!(out, "ack document {doc} {}", hex(&stored.sha256));
                let _ = out.flush();
            }
        }
        Ok(())
    }
}

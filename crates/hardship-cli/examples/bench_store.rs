//! Benchmark: durable application state changes per second, each with its audit event, on the backend a
//! URL names (SQLite with synchronous = FULL, or PostgreSQL). Not a test: prints figures.
//!
//! Usage: `cargo run --release -p hardship-cli --example bench_store -- [CHANGES] [RUNS] [DATABASE]`
//! DATABASE is a directory for fresh SQLite files (default `target/bench-sqlite`, a real disk, not tmpfs)
//! or a `postgres://` URL of an empty database (each run uses its own organization there).

use hardship_cli::storage::StorageArgs;
use hardship_rules::{HardshipReason, PerformanceYear, Tin};
use hardship_store::application::Transition;
use hardship_store::*;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let changes: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let target = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "target/bench-sqlite".into());
    let postgres = target.starts_with("postgres");
    if !postgres {
        std::fs::create_dir_all(&target)?;
    }
    let mut rates = Vec::new();
    for run in 0..runs {
        let url = if postgres {
            target.clone()
        } else {
            let path = std::path::Path::new(&target).join(format!("bench-{run}.sqlite"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            format!("sqlite://{}", path.display())
        };
        let settings = StorageArgs {
            database_url: Some(url),
            ..StorageArgs::default()
        }
        .resolve()?;
        let store = hardship_cli::storage::open_store(&settings, Env::system()).await?;
        let actor = Actor {
            user: None,
            label: "bench".into(),
            role: Role::Staff,
        };
        let org = store
            .create_organization(&actor, "Bench", OrganizationKind::Consultancy)
            .await?;
        let practice = store
            .create_practice(
                org.id,
                &actor,
                NewPractice {
                    tin: Tin::parse("123456789")?,
                    name: "Bench Practice".into(),
                    address: String::new(),
                    contact: Contact {
                        name: String::new(),
                        email: String::new(),
                        phone: String::new(),
                    },
                    zip: None,
                },
            )
            .await?;
        let draft = ApplicationDraft {
            practice: practice.id,
            year: PerformanceYear::new(2026)?,
            applicant: Applicant::Group {
                tin: Tin::parse("123456789")?,
            },
            reason: HardshipReason::InsufficientInternet,
            circumstance_start: None,
            circumstance_end: None,
            description: "No broadband at the rural site.".into(),
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
        let mut app = store.create_application(org.id, &actor, draft).await?;
        let start = Instant::now();
        for i in 0..changes {
            // Alternate ready and back to draft: each is one state change plus one audit event, committed.
            let t = if i % 2 == 0 {
                Transition::MarkReady
            } else {
                Transition::BackToDraft
            };
            app = store
                .transition_application(org.id, &actor, app.id, app.version, t)
                .await?;
        }
        let secs = start.elapsed().as_secs_f64();
        assert!(store.verify_audit(org.id).await?.is_ok());
        rates.push(changes as f64 / secs);
        println!(
            "run {run}: {changes} changes in {secs:.3}s = {:.0}/s",
            changes as f64 / secs
        );
    }
    rates.sort_by(f64::total_cmp);
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend} median: {:.0} durable state changes/s (each with its audit event), {runs} runs",
        rates[rates.len() / 2]
    );
    Ok(())
}

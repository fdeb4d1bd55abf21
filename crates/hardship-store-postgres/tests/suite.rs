#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The shared behaviour suite on a real PostgreSQL server (`scripts/with-postgres.sh` starts one and sets
//! HARDSHIP_TEST_POSTGRES_URL). In CI a missing server is a failure, not a skip.

use hardship_store::testsuite::{StoreFactory, script};
use hardship_store::{Env, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use hardship_testkit::postgres::{fresh_database, server_url};

struct Factory {
    server: String,
}

/// Databases made by this process: one counter for every test, which run in parallel.
static DATABASES: AtomicU32 = AtomicU32::new(0);

#[async_trait::async_trait]
impl StoreFactory for Factory {
    async fn make(&self, env: Env) -> Arc<dyn Store> {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let url = fresh_database(&self.server, &format!("suite_{}_{n}", std::process::id()));
        Arc::new(hardship_store_postgres::connect(&url, env).await.unwrap())
    }
}

async fn postgres() -> Option<Factory> {
    Some(Factory {
        server: server_url()?,
    })
}

/// The behaviour suite on PostgreSQL, one test per case.
mod behaviour {
    use super::postgres;
    hardship_store::behaviour_suite!(postgres);
}

/// SQLite in a temporary directory, for comparing the two backends.
struct Sqlite(tempfile::TempDir);

#[async_trait::async_trait]
impl StoreFactory for Sqlite {
    async fn make(&self, env: Env) -> Arc<dyn Store> {
        Arc::new(
            hardship_store_sqlite::open(&self.0.path().join("script.sqlite"), env)
                .await
                .unwrap(),
        )
    }
}

/// The same script of every action writes the same audit log on both backends, byte for byte: the
/// payloads, actors, times and hashes are the engine's, not a backend's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_payloads_are_the_same_on_sqlite_and_postgres() {
    let Some(pg) = postgres().await else { return };
    let on_postgres = script::run(&pg).await;
    let on_sqlite = script::run(&Sqlite(tempfile::tempdir().unwrap())).await;
    assert!(
        on_sqlite.len() > 30,
        "the script wrote {} events",
        on_sqlite.len()
    );
    let mut forged = on_postgres.clone();
    forged[3].after = Some("{}".into());
    assert!(
        !script::differences(&on_sqlite, &forged).is_empty(),
        "the comparison sees a changed payload"
    );
    let differences = script::differences(&on_sqlite, &on_postgres);
    assert!(
        differences.is_empty(),
        "SQLite and PostgreSQL wrote different audit logs:\n{}",
        differences.join("\n")
    );
}

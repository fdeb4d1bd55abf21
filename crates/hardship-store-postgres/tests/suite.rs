#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The shared behaviour suite on a real PostgreSQL server (`scripts/with-postgres.sh` starts one and sets
//! HARDSHIP_TEST_POSTGRES_URL). In CI a missing server is a failure, not a skip.

use hardship_store::testsuite::{self, StoreFactory};
use hardship_store::{Env, Store};
use hardship_store_postgres::PgStore;
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server's URL, or `None` (with a notice) when running locally without one.
pub fn server_url() -> Option<String> {
    match std::env::var("HARDSHIP_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!(
                "HARDSHIP_TEST_POSTGRES_URL is not set in CI: PostgreSQL could not be started (run the tests through scripts/with-postgres.sh)"
            )
        }
        Err(_) => {
            eprintln!(
                "skipping PostgreSQL tests: HARDSHIP_TEST_POSTGRES_URL is not set (use scripts/with-postgres.sh)"
            );
            None
        }
    }
}

/// A fresh database on the server, named after the test and a counter (names are ours, never input).
pub async fn fresh_database(server: &str, name: &str) -> String {
    let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
    format!("{base}/{name}")
}

struct Factory {
    server: String,
    n: AtomicU32,
}

#[async_trait::async_trait]
impl StoreFactory for Factory {
    async fn make(&self, env: Env) -> Arc<dyn Store> {
        let n = self.n.fetch_add(1, Ordering::SeqCst);
        let url = fresh_database(&self.server, &format!("suite_{}_{n}", std::process::id())).await;
        Arc::new(PgStore::connect(&url, env).await.unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behaviour_suite_on_postgres() {
    let Some(server) = server_url() else { return };
    testsuite::run_all(&Factory {
        server,
        n: AtomicU32::new(0),
    })
    .await;
}

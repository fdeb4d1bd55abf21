//! A real PostgreSQL server for tests that claim PostgreSQL: `scripts/with-postgres.sh` starts a
//! throw-away cluster and sets `HARDSHIP_TEST_POSTGRES_URL`. Outside CI a missing server skips the test
//! with a notice; in CI it is a failure, never a silent skip.

use std::process::Command;

/// The server's URL, or `None` (with a notice) when running locally without one.
pub fn server_url() -> Option<String> {
    match std::env::var("HARDSHIP_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!(
            "HARDSHIP_TEST_POSTGRES_URL is not set in CI: PostgreSQL could not be started (run the tests through scripts/with-postgres.sh)"
        ),
        Err(_) => {
            eprintln!(
                "skipping PostgreSQL tests: HARDSHIP_TEST_POSTGRES_URL is not set (use scripts/with-postgres.sh)"
            );
            None
        }
    }
}

/// A fresh, empty database on the server (dropped first if a previous run left it), and its URL. The
/// name is the test's own (letters, digits and `_`), never input.
pub fn fresh_database(server: &str, name: &str) -> String {
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?}"
    );
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        let o = Command::new("psql")
            .args([server, "-qc", &sql])
            .output()
            .expect("psql (on PATH through scripts/with-postgres.sh)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let base = server.rsplit_once('/').map_or(server, |(b, _)| b);
    format!("{base}/{name}")
}

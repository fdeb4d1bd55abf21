//! Backup and restore on PostgreSQL, through the CLI, against the server `scripts/with-postgres.sh` runs.

use crate::{hardship, stderr, stdout};

pub use hardship_testkit::postgres::{fresh_database as create_database, server_url as server};

#[test]
fn postgres_backup_restores_into_an_empty_database_and_verifies() {
    let Some(server) = server() else { return };
    let pid = std::process::id();
    let (src, dst) = (
        create_database(&server, &format!("cli_src_{pid}")),
        create_database(&server, &format!("cli_dst_{pid}")),
    );
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| dir.path().join(p).display().to_string();
    let o = hardship(&[
        "debug",
        "write-stream",
        "--count",
        "7",
        "--upload-every",
        "3",
        "--database-url",
        &src,
        "--data-dir",
        &d("a"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = hardship(&[
        "backup",
        &d("backup"),
        "--database-url",
        &src,
        "--data-dir",
        &d("a"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("backup/database/hardship.pgdump").exists());
    let key = d("a/master.key");
    let o = hardship(&[
        "restore",
        &d("backup"),
        "--database-url",
        &dst,
        "--data-dir",
        &d("b"),
        "--master-key-file",
        &key,
    ]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("chain intact") && stdout(&o).contains("3 documents verified"),
        "{}",
        stdout(&o)
    );
}

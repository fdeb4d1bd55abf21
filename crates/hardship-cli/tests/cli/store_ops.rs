//! `audit verify`, `vault verify`, `backup` and `restore` on a real installation (SQLite + local vault).

use crate::{hardship, stderr, stdout};
use std::path::Path;

fn populate(data: &Path) {
    let o = hardship(&[
        "debug",
        "write-stream",
        "--count",
        "10",
        "--upload-every",
        "3",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn vault_verify_names_an_altered_document() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    populate(&data);
    let o = hardship(&["vault", "verify", "--data-dir", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("4 documents verified"),
        "{}",
        stdout(&o)
    );
    // Flip one byte in the middle of one stored object.
    let objects = files_under(&data.join("vault"));
    let victim = &objects[0];
    let mut bytes = std::fs::read(victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(victim, bytes).unwrap();
    let o = hardship(&["vault", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("FAILED") && stdout(&o).contains("3 documents verified"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn audit_verify_names_the_first_edited_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    populate(&data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", data.join("hardship.sqlite").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_events_no_update")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_events SET actor_label = 'mallory' WHERE seq = 5")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let o = hardship(&["audit", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stdout(&o).contains("BROKEN at event 5"), "{}", stdout(&o));
}

#[test]
fn backup_and_restore_round_trip_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (data, backup, restored) = (
        dir.path().join("data"),
        dir.path().join("backup"),
        dir.path().join("restored"),
    );
    populate(&data);
    let o = hardship(&[
        "backup",
        backup.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !backup.join("master.key").exists(),
        "the master key never goes into a backup"
    );
    let o = hardship(&[
        "backup",
        backup.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a backup never overwrites another"
    );
    let key = data.join("master.key");
    let args = [
        "restore",
        backup.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
        "--master-key-file",
        key.to_str().unwrap(),
    ];
    let o = hardship(&args);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("chain intact") && stdout(&o).contains("4 documents verified"),
        "{}",
        stdout(&o)
    );
    // Restoring over an existing installation is refused.
    let o = hardship(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    // Without the right key, the restored vault does not verify.
    let other = dir.path().join("other");
    let o = hardship(&[
        "restore",
        backup.to_str().unwrap(),
        "--data-dir",
        other.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
}

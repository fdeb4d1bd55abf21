//! Edits behind the application's back (issue 11, medium 5): someone with write access to the database
//! swaps the object behind a document record (with its hash and size, so the record looks whole), sets an
//! application's state by hand, or deletes a tenant's whole audit log. `hardship vault verify`,
//! `hardship audit verify` and the binder must each name what was done, on SQLite and on PostgreSQL.

use crate::postgres_ops::{create_database, server};
use crate::{hardship, stderr, stdout};
use std::process::Command;

/// Runs SQL against the installation's database and returns the first column of each row.
trait Sql {
    fn run(&self, sql: &str) -> Vec<String>;
}

struct Sqlite(String);

impl Sql for Sqlite {
    fn run(&self, sql: &str) -> Vec<String> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&self.0).await.unwrap();
            let rows: Vec<String> = if sql.trim_start().to_uppercase().starts_with("SELECT") {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&pool)
                    .await
                    .unwrap()
            } else {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&pool)
                    .await
                    .unwrap();
                Vec::new()
            };
            pool.close().await;
            rows
        })
    }
}

struct Postgres(String);

impl Sql for Postgres {
    fn run(&self, sql: &str) -> Vec<String> {
        let o = Command::new("psql")
            .args([self.0.as_str(), "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
            .output()
            .expect("psql");
        assert!(o.status.success(), "{sql}: {}", stderr(&o));
        stdout(&o).lines().map(str::to_owned).collect()
    }
}

/// One installation, tampered with in each way in turn; `args` name it (data dir, database URL).
/// `cast` turns a quoted id into the id column's type (`::uuid` on PostgreSQL).
fn each_tampering_is_named(args: &[String], db: &dyn Sql, drop_triggers: &str, cast: &str) {
    let with = |cmd: &[&str]| {
        let mut all: Vec<&str> = cmd.to_vec();
        all.extend(args.iter().map(String::as_str));
        hardship(&all)
    };
    let o = with(&[
        "debug",
        "write-stream",
        "--count",
        "3",
        "--upload-every",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = with(&["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = with(&["vault", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));

    // 1. Document A's record takes document B's object, hash and size, so it looks whole; B's record
    //    takes A's object key (the key is unique, so B's is moved aside first).
    let docs = db.run("SELECT CAST(id AS TEXT) FROM documents ORDER BY uploaded_at, id");
    let (a, b) = (&docs[0], &docs[1]);
    db.run(&format!(
        "UPDATE documents SET object_key = 'moved-aside' WHERE id = '{b}'{cast}"
    ));
    db.run(&format!(
        "UPDATE documents SET object_key = replace(object_key, '{a}', '{b}'), \
         sha256 = (SELECT sha256 FROM documents WHERE id = '{b}'{cast}), \
         size = (SELECT size FROM documents WHERE id = '{b}'{cast}) WHERE id = '{a}'{cast}"
    ));
    db.run(&format!(
        "UPDATE documents SET object_key = \
         (SELECT replace(object_key, '{b}', '{a}') FROM documents WHERE id = '{a}'{cast}) \
         WHERE id = '{b}'{cast}"
    ));
    let o = with(&["vault", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("document {a}")), "{out}");
    assert!(out.contains("upload event"), "{out}");
    let o = with(&["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("document {a}")) && out.contains("SHA-256"),
        "{out}"
    );
    // 2. An application's state set by hand (as if a voided approval were put back).
    let apps = db.run("SELECT CAST(id AS TEXT) FROM applications ORDER BY created_at, id");
    let approved = r#"{"state":"approved","submitted":{"state":"submitted","channel":"portal","reference":"QPP-1","at":"2026-11-01T00:00:00Z","by":"x"},"decided_on":"2026-12-01","email":null}"#;
    db.run(&format!(
        "UPDATE applications SET state = '{approved}', state_name = 'approved' WHERE id = '{}'{cast}",
        apps[0]
    ));
    let o = with(&["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("application {}", apps[0]))
            && out.contains("its state is approved")
            && out.contains("left it draft"),
        "{out}"
    );

    // The binder says it too.
    let practice = db.run("SELECT CAST(id AS TEXT) FROM practices")[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("binder.pdf");
    let o = with(&[
        "export",
        "binder",
        "--practice",
        &practice,
        "--year",
        "2026",
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    if let Ok(t) = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
    {
        let text = String::from_utf8_lossy(&t.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("BROKEN"), "{text}");
        assert!(text.contains("its state is approved"), "{text}");
    } else if std::env::var_os("CI").is_some() {
        panic!("pdftotext is missing: run the tests through scripts/with-poppler.sh");
    }

    // 3. The whole log of the tenant deleted.
    db.run(drop_triggers);
    db.run("DELETE FROM audit_events");
    let o = with(&["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3));
    let out = stdout(&o);
    assert!(out.contains("no audit event at all"), "{out}");
}

#[test]
fn tampering_with_the_sqlite_database_is_named_by_every_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = vec!["--data-dir".to_owned(), data.display().to_string()];
    let db = Sqlite(format!(
        "sqlite://{}",
        data.join("hardship.sqlite").display()
    ));
    each_tampering_is_named(
        &args,
        &db,
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete",
        "",
    );
}

#[test]
fn tampering_with_the_postgres_database_is_named_by_every_verification() {
    let Some(server) = server() else { return };
    let url = create_database(&server, &format!("cli_tamper_{}", std::process::id()));
    let dir = tempfile::tempdir().unwrap();
    let args = vec![
        "--database-url".to_owned(),
        url.clone(),
        "--data-dir".to_owned(),
        dir.path().join("data").display().to_string(),
    ];
    each_tampering_is_named(
        &args,
        &Postgres(url),
        "DROP TRIGGER audit_events_no_update_delete ON audit_events",
        "::uuid",
    );
}

#[test]
fn the_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = hardship(&[
        "debug",
        "write-stream",
        "--count",
        "1",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "hardship.sqlite",
        "hardship.sqlite-wal",
        "hardship.sqlite-shm",
    ] {
        let p = data.join(f);
        if let Ok(m) = std::fs::metadata(&p) {
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{f}");
        } else {
            assert_ne!(f, "hardship.sqlite", "the database exists");
        }
    }
}

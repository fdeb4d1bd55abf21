#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The behaviour suite on SQLite (a real file in a temporary directory), plus what only SQLite has.

use hardship_store::testsuite::StoreFactory;
use hardship_store::*;
use std::sync::Arc;

struct Factory(tempfile::TempDir, std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl StoreFactory for Factory {
    async fn make(&self, env: Env) -> Arc<dyn Store> {
        let n = self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Arc::new(
            hardship_store_sqlite::open(&self.0.path().join(format!("db{n}.sqlite")), env)
                .await
                .unwrap(),
        )
    }
}

fn factory() -> Factory {
    Factory(
        tempfile::tempdir().unwrap(),
        std::sync::atomic::AtomicU32::new(0),
    )
}

async fn some_factory() -> Option<Factory> {
    Some(factory())
}

/// The behaviour suite, one test per case.
mod behaviour {
    use super::some_factory;
    hardship_store::behaviour_suite!(some_factory);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_cannot_be_edited_and_tampering_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let org = store
        .create_organization(&Actor::system(), "Acme", OrganizationKind::Consultancy)
        .await
        .unwrap();
    store
        .create_practice(
            org.id,
            &Actor::system(),
            NewPractice {
                tin: hardship_rules::Tin::parse("123456789").unwrap(),
                name: "P".into(),
                address: String::new(),
                contact: Contact {
                    name: String::new(),
                    email: String::new(),
                    phone: String::new(),
                },
                zip: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.verify_audit(org.id).await.unwrap(), Ok(2));
    drop(store);
    // The schema refuses edits and deletions of audit rows...
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let e = sqlx::query("UPDATE audit_events SET actor_label = 'mallory'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(
        sqlx::query("DELETE FROM audit_events")
            .execute(&pool)
            .await
            .is_err()
    );
    // ...and someone who drops the trigger and edits a row by hand is caught by the chain.
    sqlx::query("DROP TRIGGER audit_events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET after = '{\"name\":\"Forged\"}' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let store = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let broken = store.verify_audit(org.id).await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_is_a_consistent_copy_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = hardship_store_sqlite::open(&dir.path().join("db.sqlite"), Env::system())
        .await
        .unwrap();
    let org = store
        .create_organization(&Actor::system(), "Acme", OrganizationKind::Consultancy)
        .await
        .unwrap();
    let copy = dir.path().join("backup.sqlite");
    store.backup_to(&copy).await.unwrap();
    assert!(
        store.backup_to(&copy).await.is_err(),
        "a backup never overwrites"
    );
    let restored = hardship_store_sqlite::open(&copy, Env::system())
        .await
        .unwrap();
    assert_eq!(restored.verify_audit(org.id).await.unwrap(), Ok(1));
}

/// The revision is served from memory while the WAL index shows no commit — but a commit by anyone else
/// (here: a second store on the same file, as a CLI process would be) is seen at once, every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_follow_writes_of_other_connections_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let reader = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let writer = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let actor = Actor::system();
    let org = writer
        .create_organization(&actor, "Acme", OrganizationKind::Consultancy)
        .await
        .unwrap();
    let other = writer
        .create_organization(&actor, "Other", OrganizationKind::Practice)
        .await
        .unwrap();
    // One practice per TIN in a tenant: a TIN of its own for each.
    let new = |i: u32| NewPractice {
        tin: hardship_rules::Tin::parse(&format!("{:09}", 100_000_000 + i)).unwrap(),
        name: format!("Practice {i}"),
        address: String::new(),
        contact: Contact {
            name: String::new(),
            email: String::new(),
            phone: String::new(),
        },
        zip: None,
    };
    for i in 0..200u32 {
        let before = reader.revision(org.id).await.unwrap();
        assert_eq!(
            reader.revision(org.id).await.unwrap(),
            before,
            "stable while nothing changes"
        );
        let who = if i % 3 == 0 { &reader } else { &writer };
        who.create_practice(org.id, &actor, new(i)).await.unwrap();
        assert_eq!(
            reader.revision(org.id).await.unwrap(),
            before + 1,
            "round {i}"
        );
        // A commit in another tenant changes nothing of this tenant's revision.
        writer
            .create_practice(other.id, &actor, new(i))
            .await
            .unwrap();
        assert_eq!(reader.revision(org.id).await.unwrap(), before + 1);
    }
}

/// The SQLite we compile is the one `.cargo/config.toml` asks for: without the modules trimmed from
/// every first build (full-text search, R-trees, dbstat, soundex), with what sqlx and the store use.
#[tokio::test]
async fn sqlite_is_built_with_what_the_store_uses_and_without_the_trimmed_modules() {
    use sqlx::Row;
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    let options: Vec<String> = sqlx::query("PRAGMA compile_options")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    for kept in [
        "ENABLE_COLUMN_METADATA",
        "ENABLE_UNLOCK_NOTIFY",
        "ENABLE_STAT4",
        "THREADSAFE=1",
    ] {
        assert!(
            options.iter().any(|o| o == kept),
            "{kept} missing: {options:?}"
        );
    }
    for trimmed in [
        "ENABLE_FTS3",
        "ENABLE_FTS5",
        "ENABLE_RTREE",
        "ENABLE_DBSTAT_VTAB",
        "SOUNDEX",
    ] {
        assert!(
            !options.iter().any(|o| o == trimmed),
            "{trimmed} compiled in: {options:?}"
        );
    }
    let fts = sqlx::query("CREATE VIRTUAL TABLE t USING fts5(x)")
        .execute(&pool)
        .await;
    assert!(fts.is_err(), "no full-text search module");
}

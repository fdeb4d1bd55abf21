#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Migration 0011 on SQLite: the tables with a role are rebuilt (SQLite cannot change a CHECK), and what
//! they held before survives it — memberships, API tokens (now owned by the account with their minter's
//! address) and invitations; attestations are write-once in the schema itself.

use hardship_store::*;
use std::path::Path;

const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");

/// A database as it stood at migration 0008, before client roles.
async fn at_0008(path: &Path) -> sqlx::SqlitePool {
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(MIGRATIONS).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.as_str() < "0009" {
            std::fs::copy(entry.path(), old.path().join(&name)).unwrap();
        }
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool
}

async fn exec(pool: &sqlx::SqlitePool, sql: &str) {
    // Test fixtures written here, not user input.
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_tables_are_rebuilt_and_keep_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let pool = at_0008(&path).await;
    let (t, u) = (
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002",
    );
    let at = "2026-01-01T00:00:00.000000Z";
    exec(
        &pool,
        &format!("INSERT INTO organizations VALUES ('{t}', 'Acme', 'consultancy', '{at}')"),
    )
    .await;
    exec(
        &pool,
        &format!("INSERT INTO users VALUES ('{u}', 'Owner@Acme.test', 'x', '{at}')"),
    )
    .await;
    exec(
        &pool,
        &format!("INSERT INTO memberships VALUES ('{t}', '{u}', 'owner')"),
    )
    .await;
    exec(
        &pool,
        &format!(
            "INSERT INTO api_tokens (id, tenant, name, role, token_hash, created_by, created_at, revoked, scope) \
             VALUES ('00000000-0000-0000-0000-000000000003', '{t}', 'ci', 'staff', x'{}', 'owner@acme.test', '{at}', 0, 'api')",
            "11".repeat(32)
        ),
    )
    .await;
    exec(
        &pool,
        &format!(
            "INSERT INTO invites (id, tenant, email, role, token_hash, created_by, created_at, expires_at) \
             VALUES ('00000000-0000-0000-0000-000000000004', '{t}', 'a@b.test', 'auditor', x'{}', 'owner@acme.test', '{at}', '2027-01-01T00:00:00.000000Z')",
            "22".repeat(32)
        ),
    )
    .await;
    let refused = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO memberships VALUES ('{t}', '{u}', 'client')"
    )))
    .execute(&pool)
    .await;
    assert!(refused.is_err(), "before 0011 there is no client role");
    pool.close().await;

    let store = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let tenant = TenantId(t.parse().unwrap());
    let user = UserId(u.parse().unwrap());
    let members = store.members(tenant).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].0.role, Role::Owner);
    let token = store.find_api_token(&[0x11; 32]).await.unwrap().unwrap();
    assert_eq!(
        token.user,
        Some(user),
        "owned by the account with its minter's address"
    );
    let invites = store.list_invites(tenant).await.unwrap();
    assert_eq!((invites.len(), invites[0].practices.len()), (1, 0));
    // The new role is taken now.
    let p = store
        .create_practice(
            tenant,
            &Actor::system(),
            NewPractice {
                tin: hardship_rules::Tin::parse("123456789").unwrap(),
                name: "Lakeside".into(),
                address: String::new(),
                contact: Contact::default(),
                zip: None,
            },
        )
        .await
        .unwrap();
    let client = store.create_user("an@client.test", "x").await.unwrap();
    store
        .add_membership(tenant, &Actor::system(), client.id, Role::Staff)
        .await
        .unwrap();
    let change = MemberChange::Role {
        role: Role::Client,
        practices: vec![p.id],
    };
    store
        .change_member(tenant, &Actor::system(), client.id, change)
        .await
        .unwrap();
    assert_eq!(
        store.client_practices(tenant, client.id).await.unwrap(),
        vec![p.id]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestations_are_write_once_in_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = hardship_store_sqlite::open(&path, Env::system())
        .await
        .unwrap();
    let actor = Actor::system();
    let org = store
        .create_organization(&actor, "Acme", OrganizationKind::Consultancy)
        .await
        .unwrap();
    let p = store
        .create_practice(
            org.id,
            &actor,
            NewPractice {
                tin: hardship_rules::Tin::parse("123456789").unwrap(),
                name: "Lakeside".into(),
                address: String::new(),
                contact: Contact::default(),
                zip: None,
            },
        )
        .await
        .unwrap();
    let a = store
        .create_application(
            org.id,
            &actor,
            hardship_store::testsuite::draft(
                p.id,
                2024,
                hardship_rules::HardshipReason::InsufficientInternet,
            ),
        )
        .await
        .unwrap();
    let user = store.create_user("an@client.test", "x").await.unwrap();
    let signer = Actor {
        user: Some(user.id),
        label: user.email.clone(),
        role: Role::Client,
    };
    store
        .sign_application(
            org.id,
            &signer,
            a.id,
            a.version,
            NewAttestation {
                typed_name: "Nguyễn Văn An".into(),
                packet_sha256: [5; 32],
            },
        )
        .await
        .unwrap();
    drop(store);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for sql in [
        "UPDATE attestations SET typed_name = 'Mallory'",
        "DELETE FROM attestations",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("write-once"), "{sql}: {e}");
    }
}

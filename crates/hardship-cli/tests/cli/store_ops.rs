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

#[test]
fn deleting_evidence_before_retain_until_is_refused_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    populate(&data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = hardship_cli::storage::StorageArgs {
            data_dir: Some(data.clone()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let store = hardship_cli::storage::open_store(&settings, hardship_store::Env::system())
            .await
            .unwrap();
        let vault = hardship_cli::ops::open_vault(&settings).unwrap();
        let tenant = store.list_tenants().await.unwrap()[0];
        let doc = store.list_documents(tenant, None).await.unwrap().remove(0);
        // PY 2026 evidence is kept to the end of 2036 (10 years after the performance year).
        assert_eq!(
            doc.retain_until,
            chrono::NaiveDate::from_ymd_opt(2036, 12, 31).unwrap()
        );
        let actor = hardship_store::Actor {
            user: None,
            label: "mallory@example.test".into(),
            role: hardship_store::Role::Owner,
        };
        let now = chrono::Utc::now();
        let e = hardship_cli::ops::try_delete_document(
            store.as_ref(),
            &vault,
            tenant,
            &actor,
            doc.id,
            now,
        )
        .await
        .unwrap_err();
        assert!(e.contains("retained until 2036-12-31"), "{e}");
        let last = store
            .audit_events(tenant, Some(&doc.id.to_string()))
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor_label.as_str()),
            ("document.delete_refused", "mallory@example.test")
        );
        // The bytes are untouched.
        let report = hardship_cli::ops::verify_vault(store.as_ref(), &vault)
            .await
            .unwrap();
        assert_eq!((report.verified, report.failures.len()), (4, 0));
        // After the date, deletion goes through.
        let later = chrono::DateTime::parse_from_rfc3339("2037-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        hardship_cli::ops::try_delete_document(
            store.as_ref(),
            &vault,
            tenant,
            &actor,
            doc.id,
            later,
        )
        .await
        .unwrap();
    });
}

#[test]
fn user_create_makes_an_owner_with_an_argon2id_hash_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let create = |email: &str, password: &str, extra: &[&str]| {
        let mut args = vec!["user", "create", "--email", email, "--data-dir", d];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_hardship"))
            .args(&args)
            .env("HARDSHIP_PASSWORD", password)
            .output()
            .unwrap()
    };
    let o = create(
        "owner@acme.test",
        "a long enough passphrase",
        &["--organization", "Acme Consulting"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let tenant = stdout(&o).trim().rsplit(' ').next().unwrap().to_owned();
    let o = create(
        "audit@acme.test",
        "another long passphrase",
        &["--tenant", &tenant, "--role", "auditor"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for (email, pw, extra, needle) in [
        (
            "owner@acme.test",
            "a long enough passphrase",
            vec!["--organization", "Other"],
            "already exists",
        ),
        (
            "x@acme.test",
            "short",
            vec!["--organization", "Other"],
            "at least 12",
        ),
        (
            "not-an-email",
            "a long enough passphrase",
            vec!["--organization", "Other"],
            "email",
        ),
        (
            "y@acme.test",
            "a long enough passphrase",
            vec!["--tenant", "nope"],
            "invalid tenant",
        ),
    ] {
        let o = create(email, pw, &extra);
        assert_eq!(o.status.code(), Some(2), "{email}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{email}: {}", stderr(&o));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = hardship_cli::storage::StorageArgs {
            data_dir: Some(data.clone()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let store = hardship_cli::storage::open_store(&settings, hardship_store::Env::system())
            .await
            .unwrap();
        let user = store
            .find_user_by_email("OWNER@acme.test")
            .await
            .unwrap()
            .unwrap();
        assert!(user.password_hash.starts_with("$argon2id$"));
        assert!(hardship_app::passwords::verify_password(
            "a long enough passphrase",
            &user.password_hash
        ));
        assert_eq!(
            store.list_tenants().await.unwrap().len(),
            1,
            "a refused user left an organization behind"
        );
        let members = store.members(tenant.parse().unwrap()).await.unwrap();
        let roles: Vec<&str> = members.iter().map(|(m, _)| m.role.code()).collect();
        assert_eq!(roles, ["auditor", "owner"]);
    });
}

#[test]
fn commands_started_at_once_on_a_new_installation_share_one_master_key() {
    // Two `hardship remind` runs started together once failed: the second found the first's key file
    // half made ("File exists"). Every process must succeed and the installation keep one whole key.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let outputs: Vec<_> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| hardship(&["vault", "verify", "--data-dir", data.to_str().unwrap()]))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for o in &outputs {
        assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    }
    let key = std::fs::read_to_string(data.join("master.key")).unwrap();
    assert_eq!(key.trim().len(), 64, "a whole key: {key:?}");
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("key.new"))
        .collect();
    assert!(left.is_empty(), "temporary key files left: {left:?}");
}

//! Faults, on a real `hardship serve`: SIGKILL in the middle of an upload and in the middle of a stream of
//! state changes (SQLite and PostgreSQL) — nothing acknowledged is lost, nothing partial is visible, both
//! verifications pass after the restart; the vault's disk filling up (a small tmpfs) — a clear 507 and no
//! dangling record; PostgreSQL restarted under load — requests fail cleanly (503, never 500) while it is
//! down and succeed again afterwards without restarting the app (the test stops a private cluster of its own,
//! so the tests beside it keep theirs).

use crate::instance::{Installation, client, get_list, master_key};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn installation(dir: &std::path::Path, database: Option<&str>) -> Installation {
    let mut i = Installation::sqlite(dir).with_env("HARDSHIP_MASTER_KEY", &master_key(9));
    if let Some(db) = database {
        i = i.with_arg("--database-url", db);
    }
    i
}

fn postgres_db(name: &str) -> Option<String> {
    let server = crate::postgres_ops::server()?;
    Some(crate::postgres_ops::create_database(
        &server,
        &format!("{name}_{}", std::process::id()),
    ))
}

async fn documents(base: &str, token: &str, practice: &str) -> Vec<Value> {
    get_list(
        base,
        &format!("/api/v1/practices/{practice}/documents"),
        token,
    )
    .await
}

fn verify_both(inst: &Installation) {
    for what in ["audit", "vault"] {
        let o = inst.run(&[what, "verify"]);
        assert!(
            o.status.success(),
            "{what} verify: {}{}",
            crate::stdout(&o),
            crate::stderr(&o)
        );
    }
}

/// An upload body that sends `total` bytes slowly, so the server can be killed while it is in flight.
fn slow_body(total: usize) -> reqwest::Body {
    let chunks = futures::stream::unfold(0usize, move |sent| async move {
        if sent >= total {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let n = (total - sent).min(64 * 1024);
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from(vec![7u8; n])),
            sent + n,
        ))
    });
    reqwest::Body::wrap_stream(chunks)
}

async fn kill_mid_upload(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let inst = installation(dir.path(), database.as_deref());
    let (token, practices, _) = inst.seed(1, 2);
    let p = &practices[0];
    let mut server = inst.serve();
    // One upload that completes, then one killed half-way (a multipart upload of many 2 MiB parts).
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"kept".to_vec()).file_name("kept.txt"),
    );
    let kept = client()
        .post(server.url(&format!("/api/v1/practices/{p}/documents")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), StatusCode::CREATED);
    let part = reqwest::multipart::Part::stream_with_length(slow_body(20_000_000), 20_000_000)
        .file_name("cut.bin");
    let form = reqwest::multipart::Form::new()
        .text("kind", "outage_record")
        .part("file", part);
    let url = server.url(&format!("/api/v1/practices/{p}/documents"));
    let token2 = token.clone();
    let upload = tokio::spawn(async move {
        client()
            .post(url)
            .bearer_auth(token2)
            .multipart(form)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.kill();
    assert!(
        upload.await.unwrap().is_err(),
        "the cut upload was never acknowledged"
    );
    let server = inst.serve();
    let docs = documents(&server.base, &token, p).await;
    assert_eq!(
        docs.len(),
        1,
        "only the acknowledged upload is recorded: {docs:?}"
    );
    assert_eq!(docs[0]["filename"], "kept.txt");
    drop(server);
    verify_both(&inst);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_upload_shows_nothing_partial() {
    kill_mid_upload(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_upload_shows_nothing_partial_on_postgres() {
    if let Some(db) = postgres_db("fault_upload") {
        kill_mid_upload(Some(db)).await;
    }
}

async fn kill_mid_transitions(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let inst = installation(dir.path(), database.as_deref());
    let (token, practices, _) = inst.seed(1, 2);
    let mut server = inst.serve();
    let c = client();
    let apps: Value = c
        .get(server.url(&format!("/api/v1/applications?practice={}", practices[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = apps[0]["id"].as_str().unwrap().to_owned();
    let mut version = apps[0]["version"].as_i64().unwrap();
    let mut state = apps[0]["state"]["name"].as_str().unwrap().to_owned();
    let mut acked = 0;
    // Step the application back and forth; acknowledge each answer; kill the server mid-stream.
    let started = Instant::now();
    loop {
        let action = if state == "draft" {
            "mark_ready"
        } else {
            "back_to_draft"
        };
        if acked == 25 {
            server.kill();
        }
        let r = c
            .post(server.url(&format!("/api/v1/applications/{app}/transitions")))
            .bearer_auth(&token)
            .json(&json!({"version": version, "action": action}))
            .send()
            .await;
        match r {
            Ok(r) if r.status() == StatusCode::OK => {
                let v: Value = r.json().await.unwrap();
                version = v["version"].as_i64().unwrap();
                state = v["state"]["name"].as_str().unwrap().to_owned();
                acked += 1;
            }
            Ok(r) => panic!("unexpected {}", r.status()),
            Err(_) => break,
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    assert!(acked >= 25);
    let server = inst.serve();
    let now: Value = c
        .get(server.url(&format!("/api/v1/applications/{app}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        now["version"].as_i64().unwrap(),
        version,
        "every acknowledged change survived, and nothing else"
    );
    assert_eq!(now["state"]["name"], state.as_str());
    drop(server);
    verify_both(&inst);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_transitions_loses_no_acknowledged_change() {
    kill_mid_transitions(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_transitions_loses_no_acknowledged_change_on_postgres() {
    if let Some(db) = postgres_db("fault_transitions") {
        kill_mid_transitions(Some(db)).await;
    }
}

/// Mounts a small tmpfs (needs root); unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &std::path::Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(SmallDisk(at.to_path_buf()))
        } else if std::env::var_os("HARDSHIP_REQUIRE_FAULTS").is_some() {
            panic!("cannot mount a tmpfs for the disk-full test (run as root)");
        } else {
            eprintln!("skipping the disk-full test: mounting a tmpfs needs root");
            None
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_vault_disk_fails_the_upload_clearly_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(&dir.path().join("vault"), "3m") else {
        return;
    };
    let inst = installation(&dir.path().join("data"), None)
        .with_arg("--vault-url", &disk.0.display().to_string());
    let (token, practices, _) = inst.seed(1, 1);
    let p = &practices[0];
    let server = inst.serve();
    let c = client();
    let upload = |name: &'static str, n: usize| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(vec![3u8; n]).file_name(name),
        );
        c.post(server.url(&format!("/api/v1/practices/{p}/documents")))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    let r = upload("too-big-for-the-disk.bin", 8_000_000).await.unwrap();
    assert_eq!(r.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("out of space"),
        "{body}"
    );
    assert!(
        documents(&server.base, &token, p).await.is_empty(),
        "no dangling document record"
    );
    // The disk is usable again: nothing partial was left taking space.
    let r = upload("small.txt", 100_000).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(documents(&server.base, &token, p).await.len(), 1);
    drop(server);
    verify_both(&inst);
}

/// A PostgreSQL cluster of the test's own (so stopping it disturbs no other test), through the control
/// script `scripts/with-postgres.sh` provides; stopped when dropped.
struct PrivatePostgres {
    ctl: String,
    dir: tempfile::TempDir,
    url: String,
}

impl PrivatePostgres {
    fn create() -> Option<PrivatePostgres> {
        crate::postgres_ops::server()?;
        let ctl = std::env::var("HARDSHIP_TEST_POSTGRES_CTL")
            .expect("HARDSHIP_TEST_POSTGRES_CTL is not set: run through scripts/with-postgres.sh");
        let dir = tempfile::tempdir().unwrap();
        let out = Self::ctl_output(&ctl, "create", dir.path());
        let url = String::from_utf8(out).unwrap().trim().to_owned();
        Some(PrivatePostgres { ctl, dir, url })
    }

    fn ctl_output(ctl: &str, what: &str, dir: &std::path::Path) -> Vec<u8> {
        let o = std::process::Command::new(ctl)
            .arg(what)
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{ctl} {what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    }

    fn stop(&self) {
        Self::ctl_output(&self.ctl, "stop", self.dir.path());
    }

    fn start(&self) {
        Self::ctl_output(&self.ctl, "start", self.dir.path());
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.ctl)
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_fails_cleanly_then_recovers() {
    let Some(pg) = PrivatePostgres::create() else {
        return;
    };
    let db = crate::postgres_ops::create_database(&pg.url, "fault_restart");
    let dir = tempfile::tempdir().unwrap();
    let inst = installation(dir.path(), Some(&db));
    let (token, practices, _) = inst.seed(2, 3);
    let server = inst.serve();
    let c = client();
    let p = practices[0].clone();
    let hit = || async {
        c.get(server.url(&format!("/api/v1/practices/{p}/years/2026/eligibility")))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .map(|r| r.status())
    };
    for _ in 0..20 {
        assert_eq!(hit().await.unwrap(), StatusCode::OK);
    }
    pg.stop();
    // Five requests at once while it is down: each waits out the pool's acquire timeout (10 s, so that a
    // quick failover is ridden through) and then gets its answer.
    let started = Instant::now();
    let down: Vec<StatusCode> = futures::future::join_all((0..5).map(|_| hit()))
        .await
        .into_iter()
        .map(|r| r.expect("the app answers while the database is down"))
        .collect();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "no hang: {:?}",
        started.elapsed()
    );
    assert!(
        down.iter().all(|s| *s == StatusCode::SERVICE_UNAVAILABLE),
        "clean 503s, never 500: {down:?}"
    );
    pg.start();
    let started = Instant::now();
    loop {
        if hit().await.ok() == Some(StatusCode::OK) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "recovers without restarting the app"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Writes too.
    let r = c
        .post(server.url(&format!("/api/v1/practices/{p}/clinicians")))
        .bearer_auth(&token)
        .json(&json!({"npi": crate::npi(777), "name": "After the restart", "clinician_type": "physician"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    drop(server);
    verify_both(&inst);
}

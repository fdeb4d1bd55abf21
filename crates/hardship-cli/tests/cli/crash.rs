//! Crash safety: SIGKILL in the middle of a stream of writes loses nothing that was acknowledged, and the
//! audit chain still verifies after restart.

use crate::hardship;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hardship"))
        .args([
            "debug",
            "write-stream",
            "--count",
            "100000",
            "--upload-every",
            "5",
            "--upload-bytes",
            "3000000",
            "--data-dir",
            &data,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let tenant = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("tenant ")
        .unwrap()
        .to_owned();
    let mut acked = Vec::new();
    let mut docs = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ack application ") {
            acked.push(id.to_owned());
        }
        if let Some(rest) = line.strip_prefix("ack document ") {
            docs.push(rest.split(' ').next().unwrap().to_owned());
        }
        // Stop mid-stream, while a multi-part upload of the next document is likely in flight.
        if acked.len() == 40 {
            break;
        }
    }
    // SIGKILL: no destructor, no flush, no chance to finish the transaction in flight.
    child.kill().unwrap();
    child.wait().unwrap();
    let o = hardship(&["audit", "verify", "--data-dir", &data]);
    assert!(o.status.success(), "{}", crate::stderr(&o));
    let out = crate::stdout(&o);
    assert!(
        out.contains(&format!("tenant {tenant}")) && out.contains("chain intact"),
        "{out}"
    );
    // Every acknowledged application is there, by id.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = hardship_store_sqlite::SqliteStore::open(
            &dir.path().join("hardship.sqlite"),
            hardship_store::Env::system(),
        )
        .await
        .unwrap();
        let tenant: hardship_store::TenantId = tenant.parse().unwrap();
        for id in &acked {
            let id: hardship_store::ApplicationId = id.parse().unwrap();
            hardship_store::Store::get_application(&store, tenant, id)
                .await
                .unwrap();
        }
        let all = hardship_store::Store::list_applications(&store, tenant, None)
            .await
            .unwrap();
        assert!(all.len() >= acked.len());
        for id in &docs {
            let id: hardship_store::DocumentId = id.parse().unwrap();
            hardship_store::Store::get_document(&store, tenant, id)
                .await
                .unwrap();
        }
    });
    assert_eq!(acked.len(), 40);
    assert!(docs.len() >= 7, "{} documents acknowledged", docs.len());
    // Every recorded document decrypts and matches its hash; no fragment of an interrupted upload is
    // visible (an upload either completed or left nothing).
    let o = hardship(&["vault", "verify", "--data-dir", &data]);
    assert!(
        o.status.success(),
        "{}\n{}",
        crate::stdout(&o),
        crate::stderr(&o)
    );
    assert!(!crate::stdout(&o).contains("FAILED"));
}

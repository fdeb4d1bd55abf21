//! Crash safety: SIGKILL in the middle of a stream of writes and uploads loses nothing that was
//! acknowledged, shows no partial document, and both verifications pass after restart — on SQLite and on
//! PostgreSQL.

use crate::hardship;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write() {
    crash_and_check(None);
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write_on_postgres() {
    let Some(server) = crate::postgres_ops::server() else {
        return;
    };
    let url =
        crate::postgres_ops::create_database(&server, &format!("crash_{}", std::process::id()));
    crash_and_check(Some(url));
}

/// Streams writes and uploads, SIGKILLs the writer after 40 acknowledgements, then checks that everything
/// acknowledged is there and both verifications pass. `database` is a PostgreSQL URL, or SQLite when None.
fn crash_and_check(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut db_args: Vec<String> = vec!["--data-dir".into(), dir.path().display().to_string()];
    if let Some(url) = &database {
        db_args.extend(["--database-url".into(), url.clone()]);
    }
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
        ])
        .args(&db_args)
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
    let (mut acked, mut docs) = (Vec::new(), Vec::new());
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
    let verify = |what: &str| {
        let mut args = vec![what, "verify"];
        args.extend(db_args.iter().map(String::as_str));
        hardship(&args)
    };
    let o = verify("audit");
    assert!(o.status.success(), "{}", crate::stderr(&o));
    let out = crate::stdout(&o);
    assert!(
        out.contains(&format!("tenant {tenant}")) && out.contains("chain intact"),
        "{out}"
    );
    // Every acknowledged application and document is there, by id.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = hardship_cli::storage::StorageArgs {
            data_dir: Some(dir.path().into()),
            database_url: database.clone(),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let store = hardship_cli::storage::open_store(&settings, hardship_store::Env::system())
            .await
            .unwrap();
        let tenant: hardship_store::TenantId = tenant.parse().unwrap();
        for id in &acked {
            store
                .get_application(tenant, id.parse().unwrap())
                .await
                .unwrap();
        }
        assert!(store.list_applications(tenant, None).await.unwrap().len() >= acked.len());
        for id in &docs {
            store
                .get_document(tenant, id.parse().unwrap())
                .await
                .unwrap();
        }
    });
    assert_eq!(acked.len(), 40);
    assert!(docs.len() >= 7, "{} documents acknowledged", docs.len());
    // Every recorded document decrypts and matches its hash; an interrupted upload left nothing partial.
    let o = verify("vault");
    assert!(
        o.status.success(),
        "{}\n{}",
        crate::stdout(&o),
        crate::stderr(&o)
    );
    assert!(!crate::stdout(&o).contains("FAILED"));
}

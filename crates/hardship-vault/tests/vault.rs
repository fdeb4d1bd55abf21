//! Behaviour of the evidence vault on a real temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::{NaiveDate, TimeZone, Utc};
use hardship_vault::{MasterKey, StoredObject, Vault, VaultError};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use uuid::Uuid;

const CHUNK: usize = 64 * 1024;
const HEADER: usize = 120;
const FRAME: usize = CHUNK + 16;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn retain() -> NaiveDate {
    date(2034, 12, 31)
}

fn master(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

fn open(dir: &Path) -> Vault {
    Vault::open(dir.to_str().unwrap(), master(1)).unwrap()
}

/// Deterministic pseudo-random document bytes.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut g = Gen::new(len as u64, seed);
    let mut v = vec![0u8; len];
    g.fill(&mut v);
    v
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// An `AsyncRead` producing `remaining` pseudo-random bytes without holding them.
struct Gen {
    remaining: u64,
    state: u64,
}

impl Gen {
    fn new(len: u64, seed: u64) -> Self {
        Gen {
            remaining: len,
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }
    fn fill(&mut self, out: &mut [u8]) {
        for word in out.chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            word.copy_from_slice(&self.state.to_le_bytes()[..word.len()]);
        }
    }
}

impl AsyncRead for Gen {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = (buf.remaining() as u64).min(self.remaining).min(256 * 1024) as usize;
        let mut tmp = vec![0u8; n];
        self.fill(&mut tmp);
        buf.put_slice(&tmp);
        self.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}

/// Yields `ok_bytes` bytes, then fails (a client connection dropped mid-upload).
struct FailAfter(Gen);

impl AsyncRead for FailAfter {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.0.remaining == 0 {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            )));
        }
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

/// Yields `ok_bytes` bytes, signals, then never yields again (the put is cancelled meanwhile).
struct StallAfter(Gen, Option<tokio::sync::oneshot::Sender<()>>);

impl AsyncRead for StallAfter {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.0.remaining == 0 {
            if let Some(tx) = self.1.take() {
                let _ = tx.send(());
            }
            return Poll::Pending;
        }
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

/// An `AsyncWrite` that only hashes and counts.
#[derive(Default)]
struct HashSink {
    hasher: Sha256,
    len: u64,
}

impl AsyncWrite for HashSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

async fn put_bytes(v: &Vault, tenant: Uuid, doc: Uuid, bytes: &[u8]) -> StoredObject {
    v.put(tenant, doc, retain(), bytes, u64::MAX).await.unwrap()
}

async fn get_bytes(v: &Vault, tenant: Uuid, key: &str) -> Result<Vec<u8>, VaultError> {
    let mut out = Vec::new();
    v.get(tenant, key, &mut out).await.map(|_| out)
}

/// Every regular file below `dir` (staging files included).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn round_trips_edge_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    // empty, 1 byte, exactly one chunk, many chunks + 1 byte, and more than one upload part.
    for (i, len) in [0, 1, CHUNK, 7 * CHUNK + 1, 3 * 1024 * 1024 + 5]
        .into_iter()
        .enumerate()
    {
        let doc = Uuid::new_v4();
        let bytes = data(len, i as u64);
        let stored = put_bytes(&v, tenant, doc, &bytes).await;
        assert_eq!(stored.key, Vault::key_for(tenant, doc));
        assert_eq!(stored.size, len as u64);
        assert_eq!(stored.sha256, sha(&bytes));
        assert_eq!(
            get_bytes(&v, tenant, &stored.key).await.unwrap(),
            bytes,
            "len {len}"
        );
        let verified = v.verify(tenant, &stored.key, &stored.sha256).await.unwrap();
        assert_eq!(verified, stored);
        // The stored object is header + frames + trailer, and is not the plaintext.
        let on_disk = std::fs::read(dir.path().join(&stored.key)).unwrap();
        let frames = len.div_ceil(CHUNK);
        assert_eq!(on_disk.len(), HEADER + len + 16 * frames + 56, "len {len}");
        if len >= 64 {
            assert!(!on_disk.windows(64).any(|w| w == &bytes[..64]));
        }
    }
    assert_eq!(v.list(None).await.unwrap().len(), 5);
}

#[tokio::test]
async fn retain_until_and_list_by_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let ka = v
        .put(a, Uuid::new_v4(), date(2031, 2, 28), &b"a"[..], 10)
        .await
        .unwrap()
        .key;
    let kb = put_bytes(&v, b, Uuid::new_v4(), b"b").await.key;
    assert_eq!(v.retain_until(a, &ka).await.unwrap(), date(2031, 2, 28));
    assert_eq!(
        v.list(Some(&format!("tenants/{a}/"))).await.unwrap(),
        vec![ka.clone()]
    );
    assert_eq!(
        v.list(Some(&format!("tenants/{b}"))).await.unwrap(),
        vec![kb]
    );
    assert_eq!(v.list(None).await.unwrap().len(), 2);

    // Another tenant's key is refused before anything is read.
    assert!(matches!(
        get_bytes(&v, b, &ka).await,
        Err(VaultError::InvalidKey { .. })
    ));
    assert!(matches!(
        get_bytes(&v, a, "tenants/x/documents/y").await,
        Err(VaultError::InvalidKey { .. })
    ));
    let missing = Vault::key_for(a, Uuid::new_v4());
    assert!(matches!(
        get_bytes(&v, a, &missing).await,
        Err(VaultError::NotFound { key }) if key == missing
    ));
}

/// The child half of `memory_does_not_grow_with_document_size`: streams a generated document in
/// and out and reports the process's peak RSS. Runs only when the parent sets the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by memory_does_not_grow_with_document_size in a fresh process"]
async fn memory_child() {
    let Ok(len) = std::env::var("VAULT_MEMORY_CHILD_BYTES") else {
        return;
    };
    let len: u64 = len.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    let stored = v
        .put(
            tenant,
            Uuid::new_v4(),
            retain(),
            Gen::new(len, 42),
            u64::MAX,
        )
        .await
        .unwrap();
    assert_eq!(stored.size, len);
    let mut sink = HashSink::default();
    let got = v.get(tenant, &stored.key, &mut sink).await.unwrap();
    assert_eq!(sink.len, len);
    assert_eq!(<[u8; 32]>::from(sink.hasher.finalize()), stored.sha256);
    assert_eq!(got, stored);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .to_owned();
    println!("VMHWM_KB={hwm}");
}

fn child_peak_rss_kb(len: u64) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("VAULT_MEMORY_CHILD_BYTES", len.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("VMHWM_KB=").map(|(_, v)| v))
        .unwrap_or_else(|| panic!("no VMHWM in {stdout}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn memory_does_not_grow_with_document_size() {
    let small = child_peak_rss_kb(5_000_000);
    let large = child_peak_rss_kb(50_000_000);
    eprintln!("peak RSS: 5 MB document {small} kB, 50 MB document {large} kB");
    // Ten times the data must not cost more than a few MiB more (parts in flight, allocator noise),
    // and the 50 MB document must never be held whole.
    assert!(
        large < small + 8 * 1024,
        "small {small} kB, large {large} kB"
    );
    assert!(large < 48_000, "peak RSS {large} kB for a 50 MB document");
}

/// Stores a 3-chunk document and returns (vault, tenant, key, path on disk, sha).
async fn stored_fixture(dir: &Path) -> (Vault, Uuid, String, PathBuf, [u8; 32]) {
    let v = open(dir);
    let tenant = Uuid::new_v4();
    let bytes = data(3 * CHUNK - 100, 9);
    let stored = put_bytes(&v, tenant, Uuid::new_v4(), &bytes).await;
    let path = dir.join(&stored.key);
    (v, tenant, stored.key, path, stored.sha256)
}

async fn assert_tampered(v: &Vault, tenant: Uuid, key: &str, sha: &[u8; 32], what: &str) {
    match v.verify(tenant, key, sha).await {
        Err(VaultError::Tampered { detail, .. }) => eprintln!("{what}: verify: {detail}"),
        other => panic!("{what}: verify gave {other:?}"),
    }
    match get_bytes(v, tenant, key).await {
        Err(VaultError::Tampered { .. }) => {}
        other => panic!("{what}: get gave {:?}", other.map(|b| b.len())),
    }
}

#[tokio::test]
async fn tampering_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (v, tenant, key, path, sha) = stored_fixture(dir.path()).await;
    let original = std::fs::read(&path).unwrap();
    let len = original.len();

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("magic", {
            let mut b = original.clone();
            b[0] ^= 1;
            b
        }),
        ("header retain-until", {
            let mut b = original.clone();
            b[17] ^= 1;
            b
        }),
        ("header wrapped key", {
            let mut b = original.clone();
            b[80] ^= 0x80;
            b
        }),
        ("chunk byte", {
            let mut b = original.clone();
            b[HEADER + FRAME + 1000] ^= 1;
            b
        }),
        ("chunk tag", {
            let mut b = original.clone();
            b[HEADER + FRAME - 1] ^= 1;
            b
        }),
        ("trailer", {
            let mut b = original.clone();
            b[len - 30] ^= 1;
            b
        }),
        ("truncated by one byte", original[..len - 1].to_vec()),
        ("trailer cut off", original[..len - 56].to_vec()),
        (
            "last chunk and trailer cut off",
            original[..HEADER + 2 * FRAME].to_vec(),
        ),
        ("header only", original[..HEADER].to_vec()),
        ("extended", {
            let mut b = original.clone();
            b.extend_from_slice(&[0u8; 56]);
            b
        }),
        ("two chunks swapped", {
            let mut b = original.clone();
            let (first, second) = (HEADER..HEADER + FRAME, HEADER + FRAME..HEADER + 2 * FRAME);
            b[first.clone()].copy_from_slice(&original[second.clone()]);
            b[second].copy_from_slice(&original[first]);
            b
        }),
        ("chunk duplicated over another", {
            let mut b = original.clone();
            b.copy_within(HEADER..HEADER + FRAME, HEADER + FRAME);
            b
        }),
    ];
    for (what, bytes) in cases {
        std::fs::write(&path, &bytes).unwrap();
        assert_tampered(&v, tenant, &key, &sha, what).await;
    }

    std::fs::write(&path, &original).unwrap();
    v.verify(tenant, &key, &sha).await.unwrap();
    // A hash the caller recorded that differs from the object's is reported too.
    let mut other = sha;
    other[0] ^= 1;
    assert!(matches!(
        v.verify(tenant, &key, &other).await,
        Err(VaultError::Tampered { .. })
    ));
}

#[tokio::test]
async fn object_copied_to_another_tenant_or_document_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (v, tenant, key, path, sha) = stored_fixture(dir.path()).await;
    let document: Uuid = key.rsplit('/').next().unwrap().parse().unwrap();
    let intruder = Uuid::new_v4();

    // Same document id, another tenant.
    let moved = Vault::key_for(intruder, document);
    let moved_path = dir.path().join(&moved);
    std::fs::create_dir_all(moved_path.parent().unwrap()).unwrap();
    std::fs::copy(&path, &moved_path).unwrap();
    assert_tampered(&v, intruder, &moved, &sha, "copied to another tenant").await;
    assert!(matches!(
        v.retain_until(intruder, &moved).await,
        Err(VaultError::Tampered { .. })
    ));

    // Same tenant, another document id.
    let renamed = Vault::key_for(tenant, Uuid::new_v4());
    std::fs::copy(&path, dir.path().join(&renamed)).unwrap();
    assert_tampered(&v, tenant, &renamed, &sha, "copied to another document").await;

    // The header's tenant field rewritten to the intruder: the key wrap no longer authenticates.
    let mut forged = std::fs::read(&path).unwrap();
    forged[20..36].copy_from_slice(intruder.as_bytes());
    std::fs::write(&moved_path, forged).unwrap();
    assert_tampered(&v, intruder, &moved, &sha, "tenant field rewritten").await;
}

#[tokio::test]
async fn wrong_master_key_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_, tenant, key, _, sha) = stored_fixture(dir.path()).await;
    let other = Vault::open(dir.path().to_str().unwrap(), master(2)).unwrap();
    assert_tampered(&other, tenant, &key, &sha, "wrong master key").await;
    assert!(matches!(
        other.retain_until(tenant, &key).await,
        Err(VaultError::Tampered { .. })
    ));
    let far_future = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(
        other.delete(tenant, &key, far_future).await,
        Err(VaultError::Tampered { .. })
    ));
    assert_eq!(other.list(None).await.unwrap(), vec![key]);
}

#[tokio::test]
async fn oversize_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    // Within one part (single put) and beyond it (multipart upload started, then aborted).
    for (len, limit) in [
        (1000u64, 999u64),
        (CHUNK as u64 + 1, CHUNK as u64),
        (6_000_000, 5_000_000),
    ] {
        let err = v
            .put(tenant, Uuid::new_v4(), retain(), Gen::new(len, 1), limit)
            .await
            .unwrap_err();
        assert!(
            matches!(err, VaultError::TooLarge { limit: l } if l == limit),
            "{err:?}"
        );
    }
    assert!(v.list(None).await.unwrap().is_empty());
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );

    // Exactly at the limit is fine.
    let stored = v
        .put(tenant, Uuid::new_v4(), retain(), Gen::new(5000, 1), 5000)
        .await
        .unwrap();
    assert_eq!(stored.size, 5000);
}

#[tokio::test]
async fn failed_upload_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    for len in [10_000u64, 5_000_000] {
        let err = v
            .put(
                tenant,
                Uuid::new_v4(),
                retain(),
                FailAfter(Gen::new(len, 3)),
                u64::MAX,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::Io(_)), "{err:?}");
    }
    assert!(v.list(None).await.unwrap().is_empty());
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );
}

#[tokio::test]
async fn cancelled_upload_leaves_nothing_at_the_key() {
    // Dropping the put future mid-stream is what a crash or a dropped request does to the task:
    // the multipart staging file (`<key>#<n>`) is never renamed into place.
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    let doc = Uuid::new_v4();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let body = StallAfter(Gen::new(6_000_000, 4), Some(tx));
    tokio::select! {
        r = v.put(tenant, doc, retain(), body, u64::MAX) => panic!("put finished: {r:?}"),
        _ = rx => {}
    }
    let key = Vault::key_for(tenant, doc);
    assert!(v.list(None).await.unwrap().is_empty());
    assert!(!dir.path().join(&key).exists());
    assert!(matches!(
        get_bytes(&v, tenant, &key).await,
        Err(VaultError::NotFound { .. })
    ));
    // The key is free again for a complete upload.
    put_bytes(&v, tenant, doc, b"complete").await;
    assert_eq!(v.list(None).await.unwrap(), vec![key]);
}

#[tokio::test]
async fn overwrite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    for len in [10usize, 3_000_000] {
        let doc = Uuid::new_v4();
        let first = data(len, 5);
        let stored = put_bytes(&v, tenant, doc, &first).await;
        let err = v
            .put(tenant, doc, retain(), &data(len, 6)[..], u64::MAX)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, VaultError::AlreadyExists { key } if *key == stored.key),
            "{err:?}"
        );
        assert_eq!(get_bytes(&v, tenant, &stored.key).await.unwrap(), first);
    }
}

#[tokio::test]
async fn delete_respects_retention() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path());
    let tenant = Uuid::new_v4();
    let until = date(2030, 1, 1);
    let key = v
        .put(tenant, Uuid::new_v4(), until, &b"outage log"[..], 100)
        .await
        .unwrap()
        .key;
    let day_before = Utc.with_ymd_and_hms(2029, 12, 31, 23, 59, 59).unwrap();
    assert!(matches!(
        v.delete(tenant, &key, day_before).await,
        Err(VaultError::RetentionLocked { until: u }) if u == until
    ));
    assert_eq!(v.list(None).await.unwrap(), vec![key.clone()]);
    let on_the_day = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    v.delete(tenant, &key, on_the_day).await.unwrap();
    assert!(v.list(None).await.unwrap().is_empty());
    assert!(matches!(
        v.delete(tenant, &key, on_the_day).await,
        Err(VaultError::NotFound { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts() {
    let dir = tempfile::tempdir().unwrap();
    let v = Arc::new(open(dir.path()));
    let tenant = Uuid::new_v4();
    let mut tasks = Vec::new();
    for i in 0..16u64 {
        let v = Arc::clone(&v);
        tasks.push(tokio::spawn(async move {
            let len = (i as usize) * 150_000 + 3;
            let bytes = data(len, i);
            let stored = v
                .put(tenant, Uuid::new_v4(), retain(), &bytes[..], u64::MAX)
                .await
                .unwrap();
            (stored, sha(&bytes))
        }));
    }
    let mut keys = Vec::new();
    for t in tasks {
        let (stored, expected) = t.await.unwrap();
        assert_eq!(stored.sha256, expected);
        v.verify(tenant, &stored.key, &expected).await.unwrap();
        keys.push(stored.key);
    }
    keys.sort();
    assert_eq!(v.list(None).await.unwrap(), keys);

    // Racing puts of one key: exactly one wins, for single-part and multipart documents.
    for len in [100u64, 4_000_000] {
        let doc = Uuid::new_v4();
        let racers: Vec<_> = (0..4u64)
            .map(|i| {
                let v = Arc::clone(&v);
                tokio::spawn(async move {
                    v.put(tenant, doc, retain(), Gen::new(len, i), u64::MAX)
                        .await
                })
            })
            .collect();
        let mut won = 0;
        for r in racers {
            match r.await.unwrap() {
                Ok(_) => won += 1,
                Err(VaultError::AlreadyExists { .. }) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(won, 1, "len {len}");
    }
}

#[tokio::test]
async fn streamed_backend_round_trip() {
    // The in-memory store hands objects back as a byte stream, like S3 does (the local file
    // system hands back a file); a small part size forces multipart uploads.
    let store = Arc::new(object_store::memory::InMemory::new());
    let v = Vault::with_store(store, master(3), 256 * 1024);
    let tenant = Uuid::new_v4();
    for (i, len) in [0usize, 100, 1_000_000].into_iter().enumerate() {
        let doc = Uuid::new_v4();
        let bytes = data(len, 20 + i as u64);
        let stored = put_bytes(&v, tenant, doc, &bytes).await;
        assert_eq!(get_bytes(&v, tenant, &stored.key).await.unwrap(), bytes);
        assert!(matches!(
            v.put(tenant, doc, retain(), &b"again"[..], 100).await,
            Err(VaultError::AlreadyExists { .. })
        ));
    }
    let err = v
        .put(
            tenant,
            Uuid::new_v4(),
            retain(),
            Gen::new(2_000_000, 1),
            1_500_000,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VaultError::TooLarge { .. }));
    assert_eq!(
        v.list(Some(&format!("tenants/{tenant}")))
            .await
            .unwrap()
            .len(),
        3
    );
}

//! Throughput of the vault: encrypt + hash + write a 256 MB document generated on the fly to a
//! local directory, then read + verify it back; prints the median of 5 runs and the peak RSS.
//! Also times the raw primitives (AES-256-GCM, ChaCha20-Poly1305, SHA-256) on 64 KiB chunks.
//!
//! `nice -n 10 cargo bench -p hardship-vault --bench vault [-- MB RUNS]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hardship_vault::{MasterKey, Vault};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};
use uuid::Uuid;

/// Streams `remaining` bytes cycled out of a 1 MiB random block (cheap to generate, not
/// compressible, never held whole).
struct Source {
    block: Vec<u8>,
    pos: usize,
    remaining: u64,
}

impl Source {
    fn new(len: u64) -> Self {
        let mut block = vec![0u8; 1 << 20];
        getrandom::fill(&mut block).unwrap();
        Source {
            block,
            pos: 0,
            remaining: len,
        }
    }
}

impl AsyncRead for Source {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let n = (buf.remaining() as u64)
            .min(this.remaining)
            .min((this.block.len() - this.pos) as u64) as usize;
        buf.put_slice(&this.block[this.pos..this.pos + n]);
        this.pos = (this.pos + n) % this.block.len();
        this.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        })
        .unwrap_or(0)
}

fn primitives(runs: usize) {
    use aes_gcm::aead::array::Array;
    use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit};
    use chacha20poly1305::XChaCha20Poly1305;

    const TOTAL: usize = 256 << 20;
    let mut chunk = vec![7u8; 64 * 1024];
    let aes = Aes256Gcm::new(&Array::from([1u8; 32]));
    let xchacha = XChaCha20Poly1305::new(&Array::from([1u8; 32]));
    let mut time = |name: &str, f: &mut dyn FnMut(&mut [u8])| {
        let d = median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..TOTAL / chunk.len() {
                        f(&mut chunk);
                    }
                    t.elapsed()
                })
                .collect(),
        );
        println!("  {name:<28} {:>8.0} MB/s", mbps(TOTAL as u64, d));
    };
    println!("primitives, 64 KiB chunks, 256 MiB, median of {runs}:");
    time("AES-256-GCM encrypt", &mut |c| {
        aes.encrypt_inout_detached(&Array::from([0u8; 12]), b"aad", c.into())
            .unwrap();
    });
    time("XChaCha20-Poly1305 encrypt", &mut |c| {
        xchacha
            .encrypt_inout_detached(&Array::from([0u8; 24]), b"aad", c.into())
            .unwrap();
    });
    time("SHA-256", &mut |c| {
        std::hint::black_box(Sha256::digest(&*c));
    });
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mb: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(256);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let len = mb * 1_000_000;

    primitives(runs);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let vault = Vault::open(dir.path().to_str().unwrap(), MasterKey::generate().unwrap()).unwrap();
    let tenant = Uuid::new_v4();
    let until = NaiveDate::from_ymd_opt(2035, 1, 1).unwrap();

    let rss_before = peak_rss_kb();
    let (mut puts, mut gets) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        rt.block_on(async {
            let t = Instant::now();
            let stored = vault
                .put(tenant, Uuid::new_v4(), until, Source::new(len), u64::MAX)
                .await
                .unwrap();
            puts.push(t.elapsed());
            let t = Instant::now();
            vault
                .verify(tenant, &stored.key, &stored.sha256)
                .await
                .unwrap();
            gets.push(t.elapsed());
            // Keep the disk from filling up between runs (test-only shortcut around retention).
            std::fs::remove_file(dir.path().join(&stored.key)).unwrap();
        });
    }
    println!("vault, {mb} MB document to a local directory (fsync on), median of {runs}:");
    println!(
        "  put (encrypt + hash + write)  {:>8.0} MB/s   ({:.2} s)",
        mbps(len, median(puts.clone())),
        median(puts).as_secs_f64()
    );
    println!(
        "  verify (read + decrypt + hash) {:>7.0} MB/s   ({:.2} s)",
        mbps(len, median(gets.clone())),
        median(gets).as_secs_f64()
    );
    println!(
        "  peak RSS {} kB (before the vault runs: {} kB)",
        peak_rss_kb(),
        rss_before
    );
}

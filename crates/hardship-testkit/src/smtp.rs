//! A real SMTP server for the e-mail tests: `scripts/with-smtp.sh` runs aiosmtpd on loopback, writing
//! every message it receives into a directory, and sets `HARDSHIP_TEST_SMTP_URL` and
//! `HARDSHIP_TEST_SMTP_DIR`. Tests read the messages back, decoded (headers and bodies), and pick their
//! own by recipient (tests run in parallel on one server, so each uses addresses of its own).
//! Without a server the tests skip with a notice; with `HARDSHIP_REQUIRE_SMTP=1` (scripts/test.sh) or in
//! CI, that is a failure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The running sink.
#[derive(Clone, Debug)]
pub struct Sink {
    pub url: String,
    pub dir: PathBuf,
}

/// One message as received, decoded.
#[derive(Clone, Debug)]
pub struct Received {
    pub file: PathBuf,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The text body, transfer-decoded and charset-decoded.
    pub text: String,
    /// The bytes on the wire.
    pub raw: Vec<u8>,
}

/// The sink, or `None` (with a notice) when running without one.
pub fn sink() -> Option<Sink> {
    let url = std::env::var("HARDSHIP_TEST_SMTP_URL").ok();
    let dir = std::env::var("HARDSHIP_TEST_SMTP_DIR").ok();
    match (url, dir) {
        (Some(url), Some(dir)) => Some(Sink {
            url,
            dir: dir.into(),
        }),
        _ if std::env::var_os("HARDSHIP_REQUIRE_SMTP").is_some()
            || std::env::var_os("CI").is_some() =>
        {
            panic!(
                "HARDSHIP_TEST_SMTP_URL is not set but the e-mail tests must run: run them through scripts/with-smtp.sh"
            )
        }
        _ => {
            eprintln!(
                "skipping e-mail tests: HARDSHIP_TEST_SMTP_URL is not set (use scripts/with-smtp.sh)"
            );
            None
        }
    }
}

/// A tag for one test's addresses (`name-<tag>@mail.test`), unique per call.
pub fn tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}x{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

impl Sink {
    /// Every message received so far, in order.
    pub fn all(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("the sink's directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files.into_iter().map(read).collect()
    }

    /// The messages to one address (case-insensitive), in order.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|m| m.to.to_lowercase().contains(&address.to_lowercase()))
            .collect()
    }

    /// Waits (up to 10 s) until `address` has `n` messages, and returns them.
    pub fn wait_for(&self, address: &str, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.to(address);
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{address} has {} message(s) after 10 s, expected {n}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read(file: PathBuf) -> Received {
    let raw = std::fs::read(&file).expect("a received message");
    let parsed = mailparse::parse_mail(&raw).expect("a parseable message");
    let header = |name: &str| {
        use mailparse::MailHeaderMap;
        parsed.headers.get_first_value(name).unwrap_or_default()
    };
    let text = if parsed.subparts.is_empty() {
        parsed.get_body().expect("a decodable body")
    } else {
        parsed
            .subparts
            .iter()
            .find(|p| p.ctype.mimetype == "text/plain")
            .map(|p| p.get_body().expect("a decodable body"))
            .unwrap_or_default()
    };
    Received {
        from: header("From"),
        to: header("To"),
        subject: header("Subject"),
        text,
        raw,
        file,
    }
}

/// The first `https?://…` link in a text whose path starts with `path` (e.g. `/reset-password/`).
pub fn link(text: &str, path: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| (w.starts_with("http://") || w.starts_with("https://")) && w.contains(path))
        .map(str::to_owned)
}

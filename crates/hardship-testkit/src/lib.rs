//! `hardship-testkit`: what the project's test binaries would otherwise each copy. Dev-only: no crate
//! depends on it outside `[dev-dependencies]`, so none of it is in a shipped binary, and it may panic
//! (a test fails at once with a plain message).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Byte-level mutations of a valid file (flips, insertions of nasty bytes, deletions, truncation,
/// duplication) for hostile-input tests.
pub mod bytes;
/// A stand-in for CMS's QPP Eligibility API on a loopback port, answering like CMS's documented samples.
pub mod fake_cms;
/// JSON documents: random trees over a leaf strategy, and every pointer of a document.
pub mod json;
/// A real PostgreSQL server for tests (`scripts/with-postgres.sh` starts one): its URL, and a fresh
/// database per test.
pub mod postgres;
/// A real SMTP server for tests (`scripts/with-smtp.sh` starts one): the messages it received, decoded.
pub mod smtp;

/// A TCP port free on loopback at the time of asking (for a child process to listen on).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local address").port()
}

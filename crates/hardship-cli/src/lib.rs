//! The `hardship` command line, library part: the batch pipeline (the CSV contract), the JSON case
//! format, storage settings (which backend a URL names) and the casework helpers the commands share, so
//! the tests and benchmarks can use them without the binary.

pub mod batch;
pub mod case_json;
pub mod casework;
/// Test drivers that fill an installation with synthetic data (not in the shipped binary).
#[cfg(feature = "test-drivers")]
pub mod drivers;
/// Mail settings (SMTP server, sender, public address) for `serve` and `remind`.
pub mod mail;
pub mod ops;
pub mod storage;

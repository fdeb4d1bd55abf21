//! The `hardship` command line: library part, so tests and (later) the server share the batch contract
//! and the JSON case format.

pub mod batch;
pub mod case_json;
pub mod casework;
pub mod ops;
pub mod storage;

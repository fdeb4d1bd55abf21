//! `hardship-formats`: the file formats hardship reads, as pure functions over bytes (no I/O), so the CLI
//! and the server parse them the same way and the parsers can be fuzzed on their own.
//!
//! - [`batch_row`]: one row of the batch CSV contract (README "Batch contract").
//! - [`roster`]: a practice's roster (clinicians, special statuses, the year's reporting profile) from a
//!   CSV in the batch contract's columns.

pub mod batch_row;
pub mod roster;

//! `hardship-formats`: the file formats hardship reads, as pure functions over bytes (no I/O), so the CLI
//! and the server parse them the same way and the parsers can be fuzzed on their own.
//!
//! - [`batch_row`]: one row of the batch CSV contract (README "Batch contract"); [`batch_lines`]: its lines
//!   split without the CSV reader when no field is quoted.
//! - [`client_list`]: a consultancy's whole client list (practices and their clinicians) from one CSV or
//!   XLSX, as people keep it; [`clinician_type_text`]: clinician types as people write them ("NP", "MD").
//! - [`csv_lines`]: keeping the good rows of a CSV file when the user asks to.
//! - [`roster`]: a practice's roster (clinicians, special statuses, the year's reporting profile) from a
//!   CSV in the batch contract's columns.
//! - [`nppes`]: rosters in the NPPES downloadable file's layout, typed through their taxonomy codes.
//! - [`feedback`]: CMS's final feedback per TIN/NPI and year (a plain CSV, or the QPP Experience PUF).
//! - [`eligibility`]: the QPP Eligibility API's JSON for an NPI (special statuses per TIN and level).
//! - [`submission`]: QPP submission JSON, scanned for PI data; [`pi_completeness`]: whether that data is
//!   complete for its year (from PY 2025 only complete data voids reweighting).
//! - [`spreadsheet`]: cells safe to open in a spreadsheet (no formula injection) for every CSV written.
//! - [`taxonomy`]: clinician types from NUCC taxonomy codes and Medicare specialty codes.

pub mod batch_lines;
pub mod batch_row;
pub mod client_list;
pub mod clinician_type_text;
pub mod csv_lines;
pub mod eligibility;
pub mod feedback;
pub mod nppes;
pub mod pi_completeness;
pub mod roster;
pub mod spreadsheet;
pub mod submission;
pub mod taxonomy;

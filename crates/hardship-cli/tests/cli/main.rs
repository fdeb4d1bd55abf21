#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End-to-end tests of the `hardship` binary: one test binary, a module per area.

/// The same cases through `hardship batch`, `hardship check` and the API.
mod agreement;
mod batch_contract;
mod casework;
mod commands;
mod crash;
/// `hardship eligibility fetch` against a stand-in for CMS's API.
mod eligibility;
mod faults;
mod instance;
/// Both backends' embedded migrations against their directories, as sqlx reads them.
mod migrations;
mod physician_compare;
mod postgres_ops;
/// `hardship remind` against a real SMTP server: once per person, dry runs, concurrent runs, the digest.
mod remind;
mod scaleout;
mod serve;
mod store_ops;
mod tamper;

use std::path::Path;
use std::process::{Command, Output};

pub fn hardship(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hardship"))
        .args(args)
        .output()
        .expect("run hardship")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A valid NPI made from a number (the check digit computed by CMS's algorithm).
pub fn npi(n: u32) -> String {
    let base = format!("{:09}", 100_000_000 + n);
    let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
    format!("{base}{d}")
}

pub const HEADER: &str = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus";

pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

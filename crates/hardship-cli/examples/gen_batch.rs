//! Writes a synthetic batch-contract CSV of N rows to stdout, for the batch benchmark.
//! Deterministic (a fixed linear congruential sequence), mixing years, levels, statuses and reasons.
//!
//! Usage: `cargo run --release --example gen_batch -- 1000000 > rows.csv`

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    writeln!(
        w,
        "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus"
    )?;
    let types = [
        "physician",
        "physician",
        "physician",
        "nurse_practitioner",
        "physician_assistant",
        "physical_therapist",
        "clinical_social_worker",
        "crna",
    ];
    let reasons = [
        "",
        "",
        "",
        "",
        "decertified_ehr",
        "insufficient_internet",
        "extreme_uncontrollable",
        "lack_of_control_cehrt",
        "small_practice",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut i = 0u64;
    while i < n {
        // A TIN of 1–40 clinicians, all at one level, sharing entity values when collective.
        let r = next();
        let year = 2017 + (r % 10);
        let tin = 100_000_000 + (r >> 8) % 800_000_000;
        let size = 1 + (r >> 40) % 40;
        let group = (r >> 50) % 3 == 0;
        let reason = reasons[((r >> 20) % reasons.len() as u64) as usize];
        let status = if reason.is_empty() {
            ""
        } else {
            ["pending", "approved", "denied"][((r >> 24) % 3) as usize]
        };
        let pi_submitted = (r >> 28) % 5 == 0;
        let q = (r >> 30) % 101;
        let c = if (r >> 31) % 4 == 0 {
            String::new()
        } else {
            ((r >> 33) % 101).to_string()
        };
        let ia = [0, 50, 100][((r >> 36) % 3) as usize];
        let pi = if pi_submitted {
            ((r >> 38) % 101).to_string()
        } else {
            String::new()
        };
        for _ in 0..size.min(n - i) {
            let m = next();
            let base = 100_000_000 + (m % 900_000_000);
            let digits = base.to_string();
            let check = hardship_rules::ids::npi_check_digit(digits.as_bytes());
            let ctype = types[((m >> 32) % types.len() as u64) as usize];
            let hb = (m >> 40) % 4 == 0;
            let npf = (m >> 42) % 10 == 0;
            let level = if group { "group" } else { "individual" };
            writeln!(
                w,
                "{year},{digits}{check},{tin},{level},{ctype},{hb},{npf},false,,{reason},{status},{pi_submitted},{q},{c},{ia},{pi},"
            )?;
            i += 1;
        }
    }
    w.flush()
}

//! Writes a synthetic batch-contract CSV of N rows to stdout, for the batch benchmark. Deterministic (a
//! fixed xorshift sequence per mix).
//!
//! Usage: `cargo run --release --example gen_batch -- [ROWS] [MIX] > rows.csv` (ROWS default 1,000,000,
//! MIX default `legacy`); `gen_batch --list` names the mixes.
//!
//! - `legacy`: the benchmark's original mix (PY 2017–2026, a third of the TINs at group level with 1–40
//!   members, `pi_submitted` true/false, whole-number scores, no optional columns).
//! - `mixed`: every year 2017–2027, a third of the rows in group / virtual-group / APM-entity TINs of
//!   2–80 members, 60 % with PI data (`true` or `incomplete`), two-decimal scores, 30 % without a cost
//!   score, and every optional column (`practice_zip`, some in CMS's automatic-EUC areas;
//!   `tin_clinician_count`; `complex_patient_bonus`).
//! - `individual`: the same columns, nine rows in ten reported individually (practices of 1–40).
//! - `group`: the same columns, nine rows in ten in TINs of 2–80 reporting as an entity, some of them
//!   hospital-based or non-patient-facing groups, some whose members all qualify.
//! - `minimal`: only the required columns (no ZIP, no clinician count, no bonus), `pi_submitted`
//!   true/false, half the rows in groups of 2–80.

use hardship_rules::{PerformanceYear, RuleBook};
use std::io::{BufWriter, Write};

struct Mix {
    name: &'static str,
    /// Share of rows (in percent) in TINs that report as an entity.
    collective_pct: u64,
    /// The optional columns (`tin_clinician_count`, `complex_patient_bonus`, `practice_zip`).
    optional: bool,
    /// Percent of entities / individuals with PI data, and of those the percent whose data is incomplete.
    pi_pct: u64,
    incomplete_pct: u64,
}

const MIXES: &[Mix] = &[
    Mix {
        name: "mixed",
        collective_pct: 33,
        optional: true,
        pi_pct: 60,
        incomplete_pct: 15,
    },
    Mix {
        name: "individual",
        collective_pct: 10,
        optional: true,
        pi_pct: 55,
        incomplete_pct: 15,
    },
    Mix {
        name: "group",
        collective_pct: 90,
        optional: true,
        pi_pct: 60,
        incomplete_pct: 15,
    },
    Mix {
        name: "minimal",
        collective_pct: 50,
        optional: false,
        pi_pct: 60,
        incomplete_pct: 0,
    },
];

const HEADER_REQUIRED: &str = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score";
const HEADER_FULL: &str = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus,practice_zip";

/// Clinician types with a weight each (out of 100): mostly physicians, some of every other type.
const TYPES: &[(&str, u64)] = &[
    ("physician", 52),
    ("nurse_practitioner", 14),
    ("physician_assistant", 10),
    ("physical_therapist", 4),
    ("clinical_social_worker", 3),
    ("crna", 3),
    ("clinical_psychologist", 2),
    ("chiropractor", 2),
    ("occupational_therapist", 1),
    ("speech_language_pathologist", 1),
    ("audiologist", 1),
    ("registered_dietitian", 1),
    ("clinical_nurse_specialist", 2),
    ("certified_nurse_midwife", 2),
    ("other", 2),
];

const REASONS: &[&str] = &[
    "small_practice",
    "decertified_ehr",
    "insufficient_internet",
    "extreme_uncontrollable",
    "lack_of_control_cehrt",
    "covid19",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        println!("legacy");
        for m in MIXES {
            println!("{}", m.name);
        }
        return Ok(());
    }
    let n: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mix = args.get(1).map_or("legacy", String::as_str);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    if mix == "legacy" {
        legacy(&mut w, n)?;
    } else {
        let Some(m) = MIXES.iter().find(|m| m.name == mix) else {
            eprintln!("gen_batch: unknown mix {mix:?} (gen_batch --list names them)");
            std::process::exit(2);
        };
        generate(&mut w, n, m)?;
    }
    w.flush()
}

/// Ten digits with a valid NPI check digit.
fn npi(rng: &mut Rng) -> String {
    let base = 100_000_000 + rng.below(900_000_000);
    let digits = base.to_string();
    let check = hardship_rules::ids::npi_check_digit(digits.as_bytes());
    format!("{digits}{check}")
}

/// A score with two decimals, 0.00–100.00, or empty.
fn score(rng: &mut Rng, present_pct: u64) -> String {
    if !rng.pct(present_pct) {
        return String::new();
    }
    // Scores cluster in the upper half, as CMS's published distributions do.
    let hundredths = if rng.pct(80) {
        4000 + rng.below(6001)
    } else {
        rng.below(10_001)
    };
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn clinician_type(rng: &mut Rng) -> &'static str {
    let mut r = rng.below(100);
    for &(t, weight) in TYPES {
        if r < weight {
            return t;
        }
        r -= weight;
    }
    "physician"
}

/// Entity values: the same on every row of a group / virtual-group entity.
struct Values {
    count: String,
    reason: &'static str,
    status: &'static str,
    pi_submitted: &'static str,
    scores: [String; 4],
    bonus: String,
}

fn values(rng: &mut Rng, m: &Mix, year: u64, size: u64) -> Values {
    let (reason, status) = if rng.pct(18) {
        let r = REASONS[rng.below(REASONS.len() as u64) as usize];
        // COVID-19 is a PY 2019 reason; now and then it is given for another year (a warning).
        let r = if r == "covid19" && year != 2019 && rng.pct(80) {
            "extreme_uncontrollable"
        } else {
            r
        };
        (r, ["pending", "approved", "denied"][rng.below(3) as usize])
    } else {
        ("", "")
    };
    let pi_submitted = if rng.pct(m.pi_pct) {
        if rng.pct(m.incomplete_pct) {
            "incomplete"
        } else {
            "true"
        }
    } else {
        "false"
    };
    let pi = if pi_submitted == "false" {
        // Now and then a PI score without a submission (ignored when reweighted).
        score(rng, 5)
    } else {
        score(rng, 97)
    };
    let count = if m.optional && rng.pct(50) {
        (size + rng.below(3)).to_string()
    } else {
        String::new()
    };
    let bonus = if m.optional && rng.pct(20) {
        let h = rng.below(1201);
        format!("{}.{:02}", h / 100, h % 100)
    } else {
        String::new()
    };
    Values {
        count,
        reason,
        status,
        pi_submitted,
        scores: [score(rng, 97), score(rng, 70), score(rng, 95), pi],
        bonus,
    }
}

fn generate(w: &mut impl Write, n: u64, m: &Mix) -> std::io::Result<()> {
    let book = RuleBook::embedded().map_err(|e| std::io::Error::other(e.to_string()))?;
    writeln!(
        w,
        "{}",
        if m.optional {
            HEADER_FULL
        } else {
            HEADER_REQUIRED
        }
    )?;
    let seed = m.name.bytes().fold(0x2545_f491_4f6c_dd1d_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = Rng(seed | 1);
    let mut i = 0u64;
    let mut block = 0u64;
    while i < n {
        block += 1;
        let year = 2017 + rng.below(11);
        let euc_zips = PerformanceYear::new(year as u16)
            .map(|y| book.year(y).euc_area_zips.as_slice())
            .unwrap_or(&[]);
        // Distinct TINs per block (an odd multiplier is a bijection mod 2^k; the range keeps nine digits).
        let tin = 100_000_000 + (block.wrapping_mul(0x9e37_79b9) % 899_999_999);
        let collective = rng.pct(m.collective_pct);
        let (level, size) = if collective {
            let level = match rng.below(20) {
                0..=14 => "group",
                15..=17 => "virtual_group",
                _ => "apm_entity",
            };
            // Sizes of 2–80, most of them small.
            let size = if rng.pct(70) {
                2 + rng.below(14)
            } else {
                2 + rng.below(79)
            };
            (level, size)
        } else {
            let limit = if rng.pct(75) { 15 } else { 40 };
            ("individual", 1 + rng.below(limit))
        };
        // Groups whose members share a status (the group definitions), or whose members all qualify.
        let kind = rng.below(10);
        let mut v = values(&mut rng, m, year, size);
        let zip_base = if rng.pct(80) {
            Some(if !euc_zips.is_empty() && rng.pct(12) {
                euc_zips[rng.below(euc_zips.len() as u64) as usize]
            } else {
                rng.below(100_000) as u32
            })
        } else {
            None
        };
        for k in 0..size.min(n - i) {
            if level == "individual" || level == "apm_entity" {
                // Per-clinician values for rows decided per clinician.
                v = values(&mut rng, m, year, size);
            }
            let ctype = match kind {
                0 if collective => "nurse_practitioner",
                _ => clinician_type(&mut rng),
            };
            let (hb_pct, npf_pct) = match kind {
                1 if collective => (85, 3),
                2 if collective => (5, 85),
                _ => (14, 7),
            };
            let hb = rng.pct(hb_pct);
            let npf = rng.pct(npf_pct);
            let asc = rng.pct(2);
            write!(
                w,
                "{year},{},{tin},{level},{ctype},{hb},{npf},{asc},",
                npi(&mut rng)
            )?;
            let [q, c, ia, pi] = &v.scores;
            if m.optional {
                let zip = match zip_base {
                    // Members of one TIN mostly share a location; a ZIP+4 now and then.
                    Some(z) if k == 0 || rng.pct(90) => {
                        if rng.pct(10) {
                            format!("{z:05}-{:04}", rng.below(10_000))
                        } else {
                            format!("{z:05}")
                        }
                    }
                    Some(_) => format!("{:05}", rng.below(100_000)),
                    None => String::new(),
                };
                writeln!(
                    w,
                    "{},{},{},{},{q},{c},{ia},{pi},{},{zip}",
                    v.count, v.reason, v.status, v.pi_submitted, v.bonus
                )?;
            } else {
                writeln!(
                    w,
                    "{},{},{},{q},{c},{ia},{pi}",
                    v.reason, v.status, v.pi_submitted
                )?;
            }
            i += 1;
        }
    }
    Ok(())
}

/// The benchmark's original mix, unchanged so earlier figures stay comparable.
fn legacy(w: &mut impl Write, n: u64) -> std::io::Result<()> {
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
    Ok(())
}

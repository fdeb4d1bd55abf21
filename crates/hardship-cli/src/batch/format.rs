//! Writing the batch contract's output rows without the formatting machinery (this is the hot path).

use super::RowError;
use super::row::Row;
use hardship_rules::cites::{Cites, Warnings};
use hardship_rules::eligibility::{Basis, Decision};
use hardship_rules::scoring::ScoreResult;
use rustc_hash::FxHashMap as HashMap;
use std::io::Write;

pub const OUTPUT_HEADER: &str = "performance_year,npi,tin,reporting_level,pi_reweighted,pi_basis,weight_quality,weight_cost,weight_ia,weight_pi,final_score,adjustment_band,warnings,sources\n";

/// `performance_year,npi,tin,reporting_level,`
pub fn write_prefix(out: &mut Vec<u8>, row: &Row) {
    push_uint(out, u64::from(row.year.get()));
    out.push(b',');
    out.extend_from_slice(row.npi.as_str().as_bytes());
    out.push(b',');
    out.extend_from_slice(row.tin.as_str().as_bytes());
    out.push(b',');
    out.extend_from_slice(row.level.code().as_bytes());
    out.push(b',');
}

/// From `pi_reweighted` to `sources`, ending the line.
pub fn write_result(
    out: &mut Vec<u8>,
    d: &Decision<'_>,
    basis: Basis,
    s: &ScoreResult<'_>,
    warnings: Warnings,
    cites: &Cites<'_>,
    cache: &mut SourcesCache,
) {
    out.extend_from_slice(if d.reweighted { b"true," } else { b"false," });
    write_basis(out, basis);
    out.push(b',');
    for w in s.weights {
        push_uint(out, u64::from(w));
        out.push(b',');
    }
    push_2dp(out, s.final_score);
    out.push(b',');
    out.extend_from_slice(s.adjustment.band.code().as_bytes());
    out.push(b',');
    let mut first = true;
    for w in warnings.iter() {
        if !first {
            out.push(b';');
        }
        first = false;
        out.extend_from_slice(w.code().as_bytes());
    }
    out.push(b',');
    cache.write(out, cites);
    out.push(b'\n');
}

/// The `sources` column for each distinct list of rules used. Rows share a few thousand combinations, and
/// joining a dozen keys with de-duplication is otherwise the costliest part of a row.
#[derive(Default)]
pub struct SourcesCache {
    map: HashMap<Vec<usize>, Vec<u8>>,
    key: Vec<usize>,
    /// Each source key's number, by the address of the string holding it: the rule book repeats a key
    /// in many tables, and numbering them makes de-duplication a bit test instead of string compares.
    numbers: HashMap<usize, usize>,
    by_text: HashMap<String, usize>,
    seen: Vec<u64>,
}

impl SourcesCache {
    fn write(&mut self, out: &mut Vec<u8>, cites: &Cites<'_>) {
        self.key.clear();
        // A rule's identity is the address of its source list in the loaded rule book.
        self.key.extend(
            cites
                .iter()
                .map(|c| c.sources.as_ptr() as usize ^ (c.sources.len() << 48)),
        );
        if let Some(s) = self.map.get(&self.key) {
            out.extend_from_slice(s);
            return;
        }
        // The distinct keys in first-use order, as `Cites::write_source_keys` writes them.
        let mut s = Vec::new();
        for c in cites.iter() {
            for key in c.sources {
                let n = self.number(key);
                let (word, bit) = (n / 64, 1u64 << (n % 64));
                if self.seen.len() <= word {
                    self.seen.resize(word + 1, 0);
                }
                if self.seen[word] & bit != 0 {
                    continue;
                }
                self.seen[word] |= bit;
                if !s.is_empty() {
                    s.push(b';');
                }
                s.extend_from_slice(key.as_bytes());
            }
        }
        self.seen.iter_mut().for_each(|w| *w = 0);
        out.extend_from_slice(&s);
        self.map.insert(self.key.clone(), s);
    }

    fn number(&mut self, key: &str) -> usize {
        let address = key.as_ptr() as usize;
        if let Some(&n) = self.numbers.get(&address) {
            return n;
        }
        let next = self.by_text.len();
        let n = *self.by_text.entry(key.to_owned()).or_insert(next);
        self.numbers.insert(address, n);
        n
    }
}

fn write_basis(out: &mut Vec<u8>, b: Basis) {
    let (head, tail): (&str, &str) = match b {
        Basis::SpecialStatus(s) => ("special_status:", s.code()),
        Basis::ClinicianType(t) => ("clinician_type:", t.code()),
        Basis::SmallPractice => ("small_practice", ""),
        Basis::Hardship(r) => ("hardship:", r.code()),
        Basis::AutomaticEuc => ("automatic_euc", ""),
        Basis::GroupAllMembersQualify => ("group_all_members_qualify", ""),
        Basis::VoidedByPiSubmission => ("voided_by_pi_submission", ""),
        Basis::GroupTestNotMet => ("group_test_not_met", ""),
        Basis::None => ("none", ""),
    };
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(tail.as_bytes());
}

fn push_uint(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// A score in [0, 100] with exactly two decimals, rounded half away from zero.
pub fn push_2dp(out: &mut Vec<u8>, v: f64) {
    let hundredths = (v.clamp(0.0, 1e15) * 100.0).round() as u64;
    push_uint(out, hundredths / 100);
    out.push(b'.');
    let frac = hundredths % 100;
    out.push(b'0' + (frac / 10) as u8);
    out.push(b'0' + (frac % 10) as u8);
}

/// One line of the errors file: `line,column,value,message`, quoted as CSV needs.
pub fn write_error_row(w: &mut impl Write, e: &RowError) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // The value (and the message quoting it) is the user's own text: never a formula in a spreadsheet.
    use hardship_formats::spreadsheet::cell;
    csv.write_record([
        e.line.to_string().as_str(),
        &e.column,
        cell(&e.value).as_ref(),
        cell(&e.message).as_ref(),
    ])
    .map_err(std::io::Error::other)?;
    let bytes = csv
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    w.write_all(&bytes)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_column_lists_each_key_once_as_the_rules_crate_does() {
        let book = hardship_rules::RuleBook::embedded().unwrap_or_else(|e| panic!("{e}"));
        let mut cache = SourcesCache::default();
        for year in book.years() {
            let mut cites = Cites::default();
            cites.push(year.base_weights.cite("base weights"));
            cites.push(year.small_practice.cite("small practice"));
            cites.push(year.small_practice_bonus.cite("bonus"));
            cites.push(year.retention.cite("retention"));
            let mut ours = Vec::new();
            cache.write(&mut ours, &cites);
            let mut theirs = Vec::new();
            cites.write_source_keys(&mut theirs, b';');
            assert_eq!(ours, theirs, "PY {}", year.year);
        }
    }

    #[test]
    fn two_decimals() {
        for (v, s) in [
            (0.0, "0.00"),
            (9.473, "9.47"),
            (100.0, "100.00"),
            (54.0051, "54.01"),
            (78.5, "78.50"),
        ] {
            let mut out = Vec::new();
            push_2dp(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out), s);
        }
    }
}

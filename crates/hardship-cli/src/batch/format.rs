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
    out.extend_from_slice(row.npi.digits());
    out.push(b',');
    out.extend_from_slice(row.tin.digits());
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
    cites: [&Cites<'_>; 2],
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

/// Writes the `sources` column: the source keys of the rules used, each once, in first-use order (as
/// `Cites::write_source_keys` writes them). The rule book's source lists are numbered once, by the
/// address of their slice (the book is loaded once and never changes), so a row costs a dozen lookups in
/// a small map and a stamp per key instead of string compares. Caching whole columns by their list of
/// rules was slower: rows use tens of thousands of combinations, and the table missed the CPU's caches.
#[derive(Default)]
pub struct SourcesCache {
    /// Each source list met, by address and length: its number in `lists`.
    ids: HashMap<(usize, usize), u32>,
    lists: Vec<SourceList>,
    /// The list last met in each slot (by address), with its number plus one: most lookups end here,
    /// without hashing.
    recent: [(usize, usize, u32); 32],
    /// Each key's text, by number.
    texts: Vec<Box<[u8]>>,
    numbers: HashMap<String, u32>,
    /// The row on which each key was last written: a key whose stamp is the current row's is a repeat.
    stamps: Vec<u32>,
    row: u32,
}

/// One rule's source list, numbered.
struct SourceList {
    /// Its keys' numbers.
    numbers: Box<[u32]>,
    /// Its distinct keys as the column writes them, each after a `;`: copied at once when none of them is
    /// in the row's column yet (the usual case), instead of key by key.
    joined: Box<[u8]>,
}

impl SourcesCache {
    /// The keys of `cites[0]`'s rules, then `cites[1]`'s, each key once.
    fn write(&mut self, out: &mut Vec<u8>, cites: [&Cites<'_>; 2]) {
        self.row = self.row.wrapping_add(1);
        if self.row == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.row = 1;
        }
        let mut first = true;
        for c in cites.iter().flat_map(|c| c.as_slice()).flatten() {
            let list = (c.sources.as_ptr() as usize, c.sources.len());
            let slot = (list.0 >> 4) % self.recent.len();
            let id = match self.recent[slot] {
                (a, n, id) if (a, n) == list && id > 0 => id - 1,
                _ => {
                    let id = match self.ids.get(&list) {
                        Some(&id) => id,
                        None => {
                            let numbers: Box<[u32]> =
                                c.sources.iter().map(|k| self.number(k)).collect();
                            let mut joined = Vec::new();
                            for (i, &n) in numbers.iter().enumerate() {
                                if !numbers[..i].contains(&n) {
                                    joined.push(b';');
                                    joined.extend_from_slice(&self.texts[n as usize]);
                                }
                            }
                            let id = self.lists.len() as u32;
                            self.lists.push(SourceList {
                                numbers,
                                joined: joined.into(),
                            });
                            self.ids.insert(list, id);
                            id
                        }
                    };
                    self.recent[slot] = (list.0, list.1, id + 1);
                    id
                }
            };
            let Some(SourceList { numbers, joined }) = self.lists.get(id as usize) else {
                continue;
            };
            if numbers.is_empty() {
                continue;
            }
            if numbers.iter().all(|&n| self.stamps[n as usize] != self.row) {
                for &n in numbers.iter() {
                    self.stamps[n as usize] = self.row;
                }
                out.extend_from_slice(if first { &joined[1..] } else { joined });
                first = false;
                continue;
            }
            for &n in numbers.iter() {
                let n = n as usize;
                if self.stamps[n] == self.row {
                    continue;
                }
                self.stamps[n] = self.row;
                if !first {
                    out.push(b';');
                }
                first = false;
                out.extend_from_slice(&self.texts[n]);
            }
        }
    }

    fn number(&mut self, key: &str) -> u32 {
        if let Some(&n) = self.numbers.get(key) {
            return n;
        }
        let n = self.texts.len() as u32;
        self.texts.push(key.as_bytes().into());
        self.stamps.push(0);
        self.numbers.insert(key.to_owned(), n);
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
            let mut more = Cites::default();
            more.push(year.small_practice_bonus.cite("bonus"));
            more.push(year.base_weights.cite("base weights"));
            more.push(year.retention.cite("retention"));
            let mut ours = Vec::new();
            cache.write(&mut ours, [&cites, &more]);
            let mut theirs = Vec::new();
            cites.extend(&more);
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

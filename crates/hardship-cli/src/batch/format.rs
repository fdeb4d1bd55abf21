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
/// address of their slice (the book is loaded once and never changes), and the keys they hold too; a row
/// keeps the keys it has written as bits, so a list costs a look in a small front table, a few bit
/// operations and one copy of its pre-joined text. Caching whole columns by their list of rules was
/// slower: rows use tens of thousands of combinations, and the table missed the CPU's caches.
pub struct SourcesCache {
    /// Each source list met, by address and length.
    ids: HashMap<(usize, usize), SourceList>,
    /// The list last met in each slot (chosen by address): most lookups end here, in one cache line,
    /// without hashing.
    recent: Box<[SourceList; RECENT]>,
    /// The lists' joined texts and key numbers, one after another.
    joined: Vec<u8>,
    numbers: Vec<u16>,
    /// Each key's text (start and end in `joined`), by number.
    texts: Vec<(u32, u32)>,
    by_key: HashMap<String, u16>,
    /// The column's part for each score's list of rules (source lists by address and length).
    scores: HashMap<Box<[(usize, usize)]>, ScorePart>,
    /// A score part's text without the keys the decision already wrote, by part and those keys.
    trimmed: HashMap<(u32, KeySet), (u32, u32)>,
    /// More distinct keys than a [`KeySet`] holds were met: every row takes the plain path.
    overflow: bool,
}

const RECENT: usize = 64;
/// Key numbers are bits in a [`KeySet`], which makes a list one cache line: the rule book holds under two
/// hundred distinct keys (a test checks it stays under this).
const MAX_KEYS: usize = 256;
type KeySet = [u64; MAX_KEYS / 64];

impl Default for SourcesCache {
    fn default() -> Self {
        SourcesCache {
            ids: HashMap::default(),
            recent: Box::new([SourceList::default(); RECENT]),
            joined: Vec::new(),
            numbers: Vec::new(),
            texts: Vec::new(),
            by_key: HashMap::default(),
            scores: HashMap::default(),
            trimmed: HashMap::default(),
            overflow: false,
        }
    }
}

/// Beyond this many scores' lists of rules, a score's keys are written list by list.
const MAX_SCORES: usize = 4096;

/// A score's part of the column: its keys, as bits and by number in first-use order (a range of
/// `numbers`), and their text as written after other keys (a range of `joined`, each key after a `;`).
#[derive(Clone, Copy)]
struct ScorePart {
    id: u32,
    keys: KeySet,
    numbers: (u32, u32),
    text: (u32, u32),
}

/// The column as written so far: the keys in it, and whether it is still empty.
struct Column {
    written: KeySet,
    first: bool,
}

/// One rule's source list, numbered.
#[derive(Clone, Copy, Default)]
struct SourceList {
    /// Its slice's address and length.
    addr: usize,
    len: usize,
    /// Its keys, as bits.
    keys: KeySet,
    /// Its distinct keys as the column writes them, each after a `;` (start and end in `joined`): copied
    /// at once when none of them is in the row's column yet (the usual case), instead of key by key.
    joined: (u32, u32),
    /// Its keys' numbers (start and end in `numbers`), in order.
    numbers: (u32, u32),
}

impl SourcesCache {
    /// The keys of `cites[0]`'s rules, then `cites[1]`'s, each key once.
    fn write(&mut self, out: &mut Vec<u8>, cites: [&Cites<'_>; 2]) {
        let start = out.len();
        if !self.overflow {
            self.write_numbered(out, cites);
        }
        if self.overflow {
            out.truncate(start);
            let mut all = *cites[0];
            all.extend(cites[1]);
            all.write_source_keys(out, b';');
        }
    }

    fn write_numbered(&mut self, out: &mut Vec<u8>, cites: [&Cites<'_>; 2]) {
        let mut column = Column {
            written: [0; MAX_KEYS / 64],
            first: true,
        };
        self.write_lists(out, cites[0], &mut column);
        self.write_score(out, cites[1], &mut column);
    }

    /// Adds the keys of a score's rules, kept per list of rules: scores repeat a few hundred such lists,
    /// of about five rules each (twice as many as the decisions before them), so their text is usually
    /// copied at once.
    fn write_score(&mut self, out: &mut Vec<u8>, cites: &Cites<'_>, column: &mut Column) {
        let mut rules = [(0usize, 0usize); Cites::CAPACITY];
        for (r, c) in rules.iter_mut().zip(cites.as_slice().iter().flatten()) {
            *r = (c.sources.as_ptr() as usize, c.sources.len());
        }
        let rules = &rules[..cites.len().min(Cites::CAPACITY)];
        let part = match self.scores.get(rules) {
            Some(part) => *part,
            None => {
                if self.scores.len() >= MAX_SCORES || self.overflow {
                    return self.write_lists(out, cites, column);
                }
                let part = self.number_score(cites);
                self.scores.insert(rules.into(), part);
                part
            }
        };
        let mut overlap = part.keys;
        for (o, w) in overlap.iter_mut().zip(&column.written) {
            *o &= w;
        }
        let (a, b) = if overlap == [0; MAX_KEYS / 64] {
            part.text
        } else if let Some(&text) = self.trimmed.get(&(part.id, overlap)) {
            text
        } else {
            let text = self.join(part.numbers, &overlap);
            if self.trimmed.len() < MAX_SCORES {
                self.trimmed.insert((part.id, overlap), text);
            }
            text
        };
        for (w, k) in column.written.iter_mut().zip(&part.keys) {
            *w |= k;
        }
        let text = self.joined.get(a as usize..b as usize).unwrap_or(&[]);
        // The text starts with `;` when it is not empty.
        out.extend_from_slice(if column.first {
            text.get(1..).unwrap_or(&[])
        } else {
            text
        });
        column.first &= text.is_empty();
    }

    /// A score's list of rules as one part: its distinct keys, in first-use order.
    fn number_score(&mut self, cites: &Cites<'_>) -> ScorePart {
        let mut keys: KeySet = [0; MAX_KEYS / 64];
        let mut numbers = Vec::new();
        for c in cites.as_slice().iter().flatten() {
            let list = self.list(c.sources);
            let (a, b) = list.numbers;
            for &n in self.numbers.get(a as usize..b as usize).unwrap_or(&[]) {
                let (word, bit) = (usize::from(n) / 64, 1u64 << (n % 64));
                if keys[word] & bit == 0 {
                    keys[word] |= bit;
                    numbers.push(n);
                }
            }
        }
        let start = self.numbers.len() as u32;
        self.numbers.extend_from_slice(&numbers);
        let numbers = (start, self.numbers.len() as u32);
        ScorePart {
            id: self.scores.len() as u32,
            keys,
            numbers,
            text: self.join(numbers, &[0; MAX_KEYS / 64]),
        }
    }

    /// Appends to `joined` the keys numbered in `numbers` (a range of `self.numbers`) that are not in
    /// `except`, each after a `;`; returns where they are.
    fn join(&mut self, numbers: (u32, u32), except: &KeySet) -> (u32, u32) {
        let start = self.joined.len();
        for i in numbers.0..numbers.1 {
            let n = self.numbers[i as usize];
            if except[usize::from(n) / 64] & (1u64 << (n % 64)) != 0 {
                continue;
            }
            let (a, b) = self.texts[usize::from(n)];
            self.joined.push(b';');
            self.joined.extend_from_within(a as usize..b as usize);
        }
        (start as u32, self.joined.len() as u32)
    }

    /// Adds the keys of `cites`' rules that are not yet in the column.
    fn write_lists(&mut self, out: &mut Vec<u8>, cites: &Cites<'_>, column: &mut Column) {
        let Column { written, first } = column;
        for c in cites.as_slice().iter().flatten() {
            if c.sources.is_empty() {
                continue;
            }
            let list = self.list(c.sources);
            let fresh = list
                .keys
                .iter()
                .zip(written.iter())
                .all(|(k, w)| k & w == 0);
            if fresh {
                for (w, k) in written.iter_mut().zip(&list.keys) {
                    *w |= k;
                }
                let (a, b) = list.joined;
                let joined = self.joined.get(a as usize..b as usize).unwrap_or(&[]);
                out.extend_from_slice(if *first {
                    joined.get(1..).unwrap_or(&[])
                } else {
                    joined
                });
                *first = false;
                continue;
            }
            let (a, b) = list.numbers;
            for &n in self.numbers.get(a as usize..b as usize).unwrap_or(&[]) {
                let (word, bit) = (usize::from(n) / 64, 1u64 << (n % 64));
                if written[word] & bit != 0 {
                    continue;
                }
                written[word] |= bit;
                if !*first {
                    out.push(b';');
                }
                *first = false;
                let (s, e) = self.texts[usize::from(n)];
                out.extend_from_slice(&self.joined[s as usize..e as usize]);
            }
        }
    }

    /// The numbered form of a source list: from the front table, else the map, else made now.
    #[inline]
    fn list(&mut self, sources: &[String]) -> SourceList {
        let (addr, len) = (sources.as_ptr() as usize, sources.len());
        // Fibonacci hashing of the address: allocations sit at multiples of 16, so its low bits say little.
        let slot = (addr.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) % RECENT;
        let recent = self.recent[slot];
        if recent.addr == addr && recent.len == len {
            return recent;
        }
        let list = match self.ids.get(&(addr, len)) {
            Some(l) => *l,
            None => self.number_list(sources),
        };
        self.recent[slot] = list;
        list
    }

    fn number_list(&mut self, sources: &[String]) -> SourceList {
        let mut list = SourceList {
            addr: sources.as_ptr() as usize,
            len: sources.len(),
            ..SourceList::default()
        };
        let numbers_start = self.numbers.len() as u32;
        let mut joined = Vec::new();
        for key in sources {
            let n = self.number(key);
            self.numbers.push(n);
            let (word, bit) = (usize::from(n) / 64, 1u64 << (n % 64));
            if list.keys[word] & bit == 0 {
                list.keys[word] |= bit;
                joined.push(b';');
                joined.extend_from_slice(key.as_bytes());
            }
        }
        list.numbers = (numbers_start, self.numbers.len() as u32);
        let joined_start = self.joined.len() as u32;
        self.joined.extend_from_slice(&joined);
        list.joined = (joined_start, self.joined.len() as u32);
        self.ids.insert((list.addr, list.len), list);
        list
    }

    /// A key's number; past [`MAX_KEYS`] keys, `overflow` is set and the number is not used.
    fn number(&mut self, key: &str) -> u16 {
        if let Some(&n) = self.by_key.get(key) {
            return n;
        }
        if self.texts.len() >= MAX_KEYS {
            self.overflow = true;
            return 0;
        }
        let n = self.texts.len() as u16;
        let start = self.joined.len() as u32;
        self.joined.extend_from_slice(key.as_bytes());
        self.texts.push((start, self.joined.len() as u32));
        self.by_key.insert(key.to_owned(), n);
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

/// Writes `v` in decimal. Values under 10,000 (years, weights, score digits) take fixed-size copies, which
/// compile to a store or two; a copy of a length known only at run time is a call to `memcpy`.
#[inline]
fn push_uint(out: &mut Vec<u8>, v: u64) {
    let d = |x: u64| b'0' + (x % 10) as u8;
    match v {
        0..10 => out.push(d(v)),
        10..100 => out.extend_from_slice(&[d(v / 10), d(v)]),
        100..1000 => out.extend_from_slice(&[d(v / 100), d(v / 10), d(v)]),
        1000..10000 => out.extend_from_slice(&[d(v / 1000), d(v / 100), d(v / 10), d(v)]),
        _ => {
            let mut buf = [0u8; 20];
            let mut i = buf.len();
            let mut v = v;
            while v > 0 {
                i -= 1;
                buf[i] = d(v);
                v /= 10;
            }
            out.extend_from_slice(&buf[i..]);
        }
    }
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

    /// Every pair of short lists of a year's rules, in both roles (the decision's, the score's) and in
    /// both orders, and again once the cache has seen them: the column is what the rules crate writes.
    /// The rules cited share keys across tables, so the score's part is often cut by the decision's.
    #[test]
    fn every_mix_of_rules_gets_the_column_the_rules_crate_writes() {
        let book = hardship_rules::RuleBook::embedded().unwrap_or_else(|e| panic!("{e}"));
        for overflow in [false, true] {
            let mut cache = SourcesCache {
                overflow,
                ..SourcesCache::default()
            };
            for year in book.years() {
                let rules = [
                    year.base_weights.cite("a"),
                    year.small_practice.cite("b"),
                    year.small_practice_bonus.cite("c"),
                    year.retention.cite("d"),
                    year.automatic_euc.cite("e"),
                    year.cost_not_scored.cite("f"),
                    year.pi_submission_voids_reweighting.cite("g"),
                ];
                let lists: Vec<Cites<'_>> = (0u32..1 << rules.len())
                    .filter(|m| m.count_ones() <= 3)
                    .map(|m| {
                        let mut c = Cites::default();
                        for (i, r) in rules.iter().enumerate().rev() {
                            if m & (1 << i) != 0 {
                                c.push(*r);
                            }
                        }
                        c
                    })
                    .collect();
                for _ in 0..2 {
                    for d in &lists {
                        for s in &lists {
                            let mut ours = b"x".to_vec();
                            cache.write(&mut ours, [d, s]);
                            let mut theirs = b"x".to_vec();
                            let mut all = *d;
                            all.extend(s);
                            all.write_source_keys(&mut theirs, b';');
                            assert_eq!(ours, theirs, "PY {}: {d:?} then {s:?}", year.year);
                        }
                    }
                }
            }
        }
    }

    /// Keys are bits of a fixed set; the rule book must stay within it (else every row takes the slower
    /// plain path, which the test above checks is still right). Year files cite only keys the book lists.
    #[test]
    fn the_rule_book_lists_fewer_keys_than_a_key_set_holds() {
        let book = hardship_rules::RuleBook::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            book.sources().count() < MAX_KEYS,
            "{} keys",
            book.sources().count()
        );
    }

    #[test]
    fn integers_in_decimal() {
        for v in [
            0,
            7,
            10,
            99,
            100,
            999,
            1000,
            2027,
            9999,
            10_000,
            123_456,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_uint(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out), v.to_string());
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

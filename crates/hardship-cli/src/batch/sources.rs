//! The batch's `sources` column: the source keys of the rules a row's decision and score used, each once,
//! in first-use order, written without comparing strings (this is the hot path of individual rows).

use hardship_rules::cites::Cites;
use rustc_hash::FxHashMap as HashMap;

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

/// Where key number `n` sits in a [`KeySet`]: its word and its bit.
#[inline]
fn key_bit(n: u16) -> (usize, u64) {
    (usize::from(n) / 64, 1u64 << (n % 64))
}

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
    pub fn write(&mut self, out: &mut Vec<u8>, cites: [&Cites<'_>; 2]) {
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
                let (word, bit) = key_bit(n);
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
            let (word, bit) = key_bit(n);
            if except[word] & bit != 0 {
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
                let (word, bit) = key_bit(n);
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
            let (word, bit) = key_bit(n);
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
}

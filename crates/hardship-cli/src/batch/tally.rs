//! Pass 1's tally: rows per practice-year and level, and each group or virtual-group entity's members and
//! values. Kept in shards by (year, TIN), so that the workers' tallies are merged, and their entities
//! planned, on every thread: merging them on one thread between the passes cost a tenth of a group-heavy
//! run.

use super::{BatchError, EntityKey, EntityValues, GroupMembers, PerformanceYear, ReportingLevel};
use super::{Row, RowError, RuleBook, Tin};
use rustc_hash::FxHashMap as HashMap;
use std::hash::{Hash, Hasher};

/// More shards than threads, so that each thread gets a fair share whatever the keys.
pub(super) const SHARDS: usize = 8;

/// The shard of a practice-year's counts and entities. Its bits of the hash are ones the maps' bucket
/// index (the low bits) and tag (the top seven) do not use, so the keys of one shard still spread over
/// their map.
pub(super) fn shard_of(year: u16, tin: Tin) -> usize {
    let mut h = rustc_hash::FxHasher::default();
    (year, tin).hash(&mut h);
    (h.finish() >> 40) as usize % SHARDS
}

/// The rows of one entity that share the same entity values; normally there is exactly one variant.
#[derive(Clone, Debug)]
pub(super) struct Variant {
    pub values: EntityValues,
    pub first_line: u64,
    pub members: GroupMembers,
}

/// An entity's variants: nearly always one, kept in place (a `Vec` per entity was an allocation each, and
/// a group-heavy file has tens of thousands of entities).
#[derive(Clone, Debug)]
pub(super) struct Variants {
    first: Variant,
    more: Vec<Variant>,
}

impl Variants {
    pub fn iter(&self) -> impl Iterator<Item = &Variant> {
        std::iter::once(&self.first).chain(&self.more)
    }

    fn into_variants(self) -> impl Iterator<Item = Variant> {
        std::iter::once(self.first).chain(self.more)
    }

    /// Adds rows of an entity to its variant with the same values, or as a new variant.
    fn add_to(entities: &mut HashMap<EntityKey, Variants>, key: EntityKey, v: Variant) {
        let variants = match entities.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Variants {
                    first: v,
                    more: Vec::new(),
                });
                return;
            }
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        };
        let same = std::iter::once(&mut variants.first)
            .chain(variants.more.iter_mut())
            .find(|m| m.values == v.values);
        match same {
            Some(m) => {
                m.members.merge(&v.members);
                m.first_line = m.first_line.min(v.first_line);
            }
            None => variants.more.push(v),
        }
    }
}

/// The practice-years of one shard: rows per reporting level for each (year, TIN), and the entities.
#[derive(Default)]
pub(super) struct Shard {
    pub tins: HashMap<(u16, Tin), [u32; 4]>,
    pub entities: HashMap<EntityKey, Variants>,
}

impl Shard {
    /// Adds another worker's shard to this one, into the larger maps, grown once.
    fn merge(&mut self, mut other: Shard) {
        if other.tins.len() > self.tins.len() {
            std::mem::swap(&mut self.tins, &mut other.tins);
        }
        if other.entities.len() > self.entities.len() {
            std::mem::swap(&mut self.entities, &mut other.entities);
        }
        self.tins.reserve(other.tins.len());
        self.entities.reserve(other.entities.len());
        for (k, counts) in other.tins {
            add_counts(self.tins.entry(k).or_default(), counts);
        }
        for (k, variants) in other.entities {
            for v in variants.into_variants() {
                Variants::add_to(&mut self.entities, k, v);
            }
        }
    }
}

fn add_counts(mine: &mut [u32; 4], counts: [u32; 4]) {
    for (m, o) in mine.iter_mut().zip(counts) {
        *m += o;
    }
}

/// One worker's tally.
pub(super) struct Tally {
    shards: Vec<Shard>,
    first_error: Option<RowError>,
    bad_rows: u64,
    /// The current run of rows of one (year, TIN), and of one entity with the same values: rows of a
    /// practice usually come together, so they are counted here and put in the maps when the run ends.
    tin_run: Option<((u16, Tin), [u32; 4])>,
    entity_run: Option<(EntityKey, Variant)>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            first_error: None,
            bad_rows: 0,
            tin_run: None,
            entity_run: None,
        }
    }
}

impl Tally {
    pub fn count(&mut self, year: PerformanceYear, tin: Tin, level: ReportingLevel) {
        let key = (year.get(), tin);
        match &mut self.tin_run {
            Some((k, counts)) if *k == key => counts[level as usize] += 1,
            _ => {
                self.end_tin_run();
                let mut counts = [0; 4];
                counts[level as usize] = 1;
                self.tin_run = Some((key, counts));
            }
        }
    }

    pub fn add(&mut self, book: &RuleBook, row: &Row, line: u64) {
        let rules = book.year(row.year);
        self.count(row.year, row.tin, row.level);
        if !row.level.is_collective() {
            return;
        }
        let key = (row.year.get(), row.tin, row.level);
        match &mut self.entity_run {
            Some((k, v)) if *k == key && v.values == row.values => {
                v.members.add(rules, &row.clinician, None);
                v.first_line = v.first_line.min(line);
            }
            _ => {
                self.end_entity_run();
                let mut members = GroupMembers::default();
                members.add(rules, &row.clinician, None);
                let variant = Variant {
                    values: row.values,
                    first_line: line,
                    members,
                };
                self.entity_run = Some((key, variant));
            }
        }
    }

    fn end_tin_run(&mut self) {
        if let Some((key, counts)) = self.tin_run.take() {
            let shard = &mut self.shards[shard_of(key.0, key.1)];
            add_counts(shard.tins.entry(key).or_default(), counts);
        }
    }

    fn end_entity_run(&mut self) {
        if let Some((key, variant)) = self.entity_run.take() {
            let shard = &mut self.shards[shard_of(key.0, key.1)];
            Variants::add_to(&mut shard.entities, key, variant);
        }
    }

    pub fn note_error(&mut self, e: RowError) {
        self.bad_rows += 1;
        if self.first_error.as_ref().is_none_or(|f| e.line < f.line) {
            self.first_error = Some(e);
        }
    }
}

/// The workers' tallies merged: the first bad row (by line), the number of bad rows, and what `then`
/// made of each merged shard, in shard order.
pub(super) struct Merged<T> {
    pub first_error: Option<RowError>,
    pub bad_rows: u64,
    pub shards: Vec<T>,
}

/// Merges the workers' tallies shard by shard on `threads` threads, each shard then handed to `then` on
/// the thread that merged it.
pub(super) fn merge<T: Send>(
    tallies: Vec<Tally>,
    threads: usize,
    then: impl Fn(Shard) -> T + Sync,
) -> Result<Merged<T>, BatchError> {
    let mut first_error: Option<RowError> = None;
    let mut bad_rows = 0;
    let mut by_shard: Vec<Vec<Shard>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for mut t in tallies {
        t.end_tin_run();
        t.end_entity_run();
        bad_rows += t.bad_rows;
        if let Some(e) = t.first_error
            && first_error.as_ref().is_none_or(|f| e.line < f.line)
        {
            first_error = Some(e);
        }
        for (all, shard) in by_shard.iter_mut().zip(t.shards) {
            all.push(shard);
        }
    }
    // Thread j takes shards j, j + threads, …
    let threads = threads.clamp(1, SHARDS);
    let mut work: Vec<Vec<(usize, Vec<Shard>)>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, parts) in by_shard.into_iter().enumerate() {
        work[i % threads].push((i, parts));
    }
    let then = &then;
    let mut done: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = work
            .into_iter()
            .map(|mine| {
                s.spawn(move || {
                    mine.into_iter()
                        .map(|(i, parts)| {
                            let mut merged = Shard::default();
                            for part in parts {
                                merged.merge(part);
                            }
                            (i, then(merged))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if done.len() != SHARDS {
        return Err(BatchError::Internal("a merging thread failed".into()));
    }
    done.sort_by_key(|(i, _)| *i);
    Ok(Merged {
        first_error,
        bad_rows,
        shards: done.into_iter().map(|(_, t)| t).collect(),
    })
}

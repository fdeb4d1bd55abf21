//! Between the passes: one decision per group or virtual-group entity, made once for a member who would be
//! reweighted on its own and once for one who would not, shard by shard on every thread (the group-heavy
//! mixes have tens of thousands of entities). Rows of an entity that disagree on its values are errors.

use super::tally::Variants;
use super::{
    BatchError, EntityKey, EntityValues, PerformanceYear, RowError, RuleBook, Subject, Who,
    evaluate, sources,
};
use rustc_hash::FxHashMap as HashMap;

/// One shard's entities: their decisions, the text their rows' output is made of, and the rows that
/// disagree.
#[derive(Default)]
pub(super) struct Plans {
    pub plans: HashMap<EntityKey, EntityPlan>,
    pub text: PlanText,
    pub disagreements: Vec<RowError>,
}

/// The entities' output columns: each entity's own (its final score makes them nearly all distinct) one
/// after another, and the `sources` columns, which a few hundred texts cover, kept once each.
#[derive(Default)]
pub(super) struct PlanText {
    columns: Vec<u8>,
    sources: Vec<Box<[u8]>>,
}

impl PlanText {
    /// Appends a suffix's bytes to `out`.
    pub fn write(&self, suffix: &Suffix, out: &mut Vec<u8>) {
        let (start, len) = suffix.columns;
        out.extend_from_slice(self.columns.get(start..start + len).unwrap_or(&[]));
        out.extend_from_slice(
            self.sources
                .get(suffix.sources as usize)
                .map_or(&[][..], |s| s),
        );
    }
}

/// Decides every entity of one shard (the thread that merged it calls this).
pub(super) fn plan(
    book: &'static RuleBook,
    entities: &HashMap<EntityKey, Variants>,
) -> Result<Plans, BatchError> {
    let mut out = Plans::default();
    out.plans.reserve(entities.len());
    let mut sources = Interner::default();
    let mut cache = sources::SourcesCache::default();
    let mut columns = Vec::with_capacity(512);
    for (key, variants) in entities {
        let Some(canon) = variants.iter().min_by_key(|v| v.first_line) else {
            continue;
        };
        for v in variants.iter().filter(|v| v.first_line != canon.first_line) {
            out.disagreements.push(disagreement(
                key,
                v.first_line,
                canon.first_line,
                &v.values,
                &canon.values,
            ));
        }
        let year = PerformanceYear::new(key.0).map_err(|e| BatchError::Internal(e.to_string()))?;
        let size = canon
            .values
            .tin_clinician_count
            .unwrap_or(canon.members.count);
        let mut suffixes = [Suffix::default(); 2];
        for (slot, alone) in suffixes.iter_mut().zip([false, true]) {
            columns.clear();
            evaluate(
                book,
                Who {
                    year,
                    level: key.2,
                    subject: Subject::Entity(canon.members),
                    practice_size: size,
                    practice_zip: None,
                    member_alone: Some(alone),
                },
                &canon.values,
                &mut columns,
                &mut cache,
            );
            // `sources` is the last column and holds no comma.
            let cut = columns
                .iter()
                .rposition(|&b| b == b',')
                .map_or(0, |i| i + 1);
            *slot = Suffix {
                columns: (out.text.columns.len(), cut),
                sources: sources.id(&columns[cut..]),
            };
            out.text.columns.extend_from_slice(&columns[..cut]);
        }
        out.plans.insert(
            *key,
            EntityPlan {
                canonical: canon.values,
                canonical_line: canon.first_line,
                suffix: suffixes[0],
                suffix_alone: suffixes[1],
            },
        );
    }
    out.text.sources = sources.into_table();
    Ok(out)
}

/// An entity's decision, computed once after pass 1 and written on each of its rows.
pub(super) struct EntityPlan {
    pub canonical: EntityValues,
    pub canonical_line: u64,
    /// The output columns from `pi_reweighted` to `sources` for a member who would not be reweighted on
    /// its own.
    pub suffix: Suffix,
    /// The same for a member who would be (its `pi_basis` is `group_test_not_met` when the entity is not
    /// reweighted: it loses its own reweighting by reporting with the group).
    pub suffix_alone: Suffix,
}

/// Where an entity's output columns are in [`PlanText`]: the columns before `sources` (start and length),
/// and the number of its `sources` column.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Suffix {
    columns: (usize, usize),
    sources: u32,
}

/// Distinct byte strings, each kept once and numbered in order of first use.
#[derive(Default)]
struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
}

impl Interner {
    fn id(&mut self, piece: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(piece) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(piece.into(), id);
        id
    }

    /// The strings indexed by number.
    fn into_table(self) -> Vec<Box<[u8]>> {
        let mut table = vec![Box::<[u8]>::default(); self.ids.len()];
        for (piece, id) in self.ids {
            if let Some(slot) = table.get_mut(id as usize) {
                *slot = piece;
            }
        }
        table
    }
}

pub(super) fn disagreement(
    key: &EntityKey,
    line: u64,
    canon_line: u64,
    v: &EntityValues,
    c: &EntityValues,
) -> RowError {
    let field = v.first_difference(c).unwrap_or("entity values");
    RowError {
        line,
        column: field.to_owned(),
        value: String::new(),
        message: format!(
            "{} rows of TIN {} in {} must carry the same entity values: line {line} disagrees with line {canon_line} on {field}",
            key.2.label(),
            key.1,
            key.0
        ),
    }
}

//! `hardship batch`: the batch CSV contract (README "Batch contract"), streamed and parallel.
//!
//! Two passes over the file. Pass 1 tallies, per performance year and TIN, how many clinicians each level
//! lists, and per group / virtual-group entity its members and its entity values (which every row of the
//! entity must repeat). Pass 2 decides and scores every row and writes the output in input order. Both
//! passes cut the file into chunks of whole records that worker threads parse in parallel, so memory is
//! bounded by the chunk pipeline plus one small tally per TIN, whatever the number of rows.

mod chunks;
/// Between the passes: one decision per group or virtual-group entity.
mod entities;
mod format;
/// Chunks to workers and back in order; the header; the progress bar.
mod pipeline;
/// The `sources` column.
mod sources;
/// Pass 1's tally, in shards merged on every thread.
mod tally;
#[cfg(test)]
mod tests;

use entities::disagreement;
pub use hardship_formats::batch_row as row;
use pipeline::*;
use tally::Tally;

use chunks::{BufferPool, Chunk, ChunkReader};
use crossbeam_channel::bounded;
use hardship_rules::eligibility::{self, Case, GroupMembers, Subject};
use hardship_rules::scoring::{self, ScoreInput};
use hardship_rules::{PerformanceYear, ReportingLevel, RuleBook, Tin, Zip5};
use row::{EntityValues, Header, Row};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What `hardship batch` was asked to do.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Where bad rows go with `skip_bad_rows` (default: OUTPUT with `.errors.csv`).
    pub errors: Option<PathBuf>,
    pub skip_bad_rows: bool,
    pub threads: usize,
    pub progress: bool,
    pub chunk_bytes: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub rows_written: u64,
    pub bad_rows: u64,
    pub entities: u64,
}

/// A bad row: file, line, column, value and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file as a whole is unusable (bad header, not CSV).
    #[error("{path}: {message}")]
    BadFile { path: String, message: String },
    #[error("{path}:{line}: column {column}: {message}", line = .error.line, column = .error.column, message = .error.message)]
    BadRow {
        path: String,
        error: RowError,
        more: u64,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl BatchError {
    /// 2 for bad input, 1 for anything else (the CLI's exit codes).
    pub fn exit_code(&self) -> i32 {
        match self {
            BatchError::BadFile { .. } | BatchError::BadRow { .. } => 2,
            BatchError::Io { .. } | BatchError::Internal(_) => 1,
        }
    }
}

type EntityKey = (u16, Tin, ReportingLevel);

/// Runs the batch contract from `opts.input` to `opts.output`.
pub fn run(opts: &BatchOptions) -> Result<BatchSummary, BatchError> {
    let book = RuleBook::embedded().map_err(|e| BatchError::Internal(e.to_string()))?;
    let path = opts.input.display().to_string();
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |source| BatchError::Io { path: p, source }
    };
    let (header, header_bytes, header_lines) = read_header(&opts.input)?;
    let file_len = std::fs::metadata(&opts.input)
        .map_err(io(&opts.input))?
        .len();
    let threads = opts.threads.max(1);

    // Pass 1: tally.
    let progress = progress_bar(opts.progress, file_len * 2);
    let tallies = pipeline(
        opts,
        header_bytes,
        header_lines,
        threads,
        &progress,
        |chunk, t: &mut Tally| {
            // Individual rows only count towards their TIN here; pass 2 parses and reports them in full.
            let mut parser = row::RowParser::default();
            for_each_key(chunk, &header, |line, rec| match rec {
                Keyed::Individual((year, tin, level)) => t.count(year, tin, level),
                Keyed::Record(rec) => match parser.parse(rec, &header) {
                    Ok(row) => t.add(book, &row, line),
                    Err(e) => t.note_error(to_row_error(line, e)),
                },
            })
        },
    )?;

    // Between passes, shard by shard on every thread: the tallies merged, then one decision per entity;
    // rows of an entity that disagree are errors. Pass 2 needs the TIN counts and the plans only.
    let merged = tally::merge(tallies, threads, |shard| {
        entities::plan(book, &shard.entities).map(|plans| PracticeYears {
            tins: shard.tins,
            plans,
        })
    })?;
    let shards = merged.shards.into_iter().collect::<Result<Vec<_>, _>>()?;
    let disagreements = shards
        .iter()
        .map(|s| s.plans.disagreements.len())
        .sum::<usize>();
    let first_disagreement = shards
        .iter()
        .flat_map(|s| &s.plans.disagreements)
        .min_by_key(|e| e.line)
        .cloned();
    if !opts.skip_bad_rows {
        let first = [merged.first_error, first_disagreement]
            .into_iter()
            .flatten()
            .min_by_key(|e| e.line);
        if let Some(error) = first {
            let more = merged.bad_rows + disagreements as u64 - 1;
            return Err(BatchError::BadRow { path, error, more });
        }
    }

    // Pass 2: decide, score and write, in input order, to a temporary file renamed at the end so a
    // failed run leaves nothing half-written.
    let tmp_out = sibling_tmp(&opts.output);
    let errors_path = opts
        .errors
        .clone()
        .unwrap_or_else(|| with_suffix(&opts.output, ".errors.csv"));
    let tmp_err = sibling_tmp(&errors_path);
    let result = (|| {
        // Unbuffered: each chunk's output is already one large write.
        let mut out = File::create(&tmp_out).map_err(io(&tmp_out))?;
        out.write_all(format::OUTPUT_HEADER.as_bytes())
            .map_err(io(&tmp_out))?;
        let mut err_out = if opts.skip_bad_rows {
            let mut w = BufWriter::new(File::create(&tmp_err).map_err(io(&tmp_err))?);
            w.write_all(b"line,column,value,message\n")
                .map_err(io(&tmp_err))?;
            Some(w)
        } else {
            None
        };
        let mut summary = BatchSummary {
            entities: shards.iter().map(|s| s.plans.plans.len() as u64).sum(),
            ..BatchSummary::default()
        };
        let ctx = Pass2 {
            book,
            header: &header,
            shards: &shards,
            buffers: BufferPool::new(threads * 4),
        };
        let mut pending: BTreeMap<u64, (Vec<u8>, Vec<RowError>, u64)> = BTreeMap::new();
        let mut next = 0u64;
        let mut write_err: Option<BatchError> = None;
        ordered_pipeline(
            opts,
            header_bytes,
            header_lines,
            threads,
            &progress,
            &ctx,
            |seq, result| {
                pending.insert(seq, result);
                while let Some((bytes, errors, rows)) = pending.remove(&next) {
                    next += 1;
                    summary.rows_written += rows;
                    summary.bad_rows += errors.len() as u64;
                    // Without --skip-bad-rows the first bad row (in input order) fails the run.
                    if err_out.is_none()
                        && write_err.is_none()
                        && let Some(error) = errors.first()
                    {
                        write_err = Some(BatchError::BadRow {
                            path: path.clone(),
                            error: error.clone(),
                            more: 0,
                        });
                    }
                    if write_err.is_some() {
                        continue;
                    }
                    if let Err(e) = out.write_all(&bytes) {
                        write_err = Some(io(&tmp_out)(e));
                    }
                    ctx.buffers.give(bytes);
                    if let Some(w) = err_out.as_mut() {
                        for e in &errors {
                            if let Err(e) = format::write_error_row(w, e) {
                                write_err = Some(io(&tmp_err)(e));
                            }
                        }
                    }
                }
            },
        )?;
        match write_err {
            Some(BatchError::BadRow { path, error, .. }) => {
                return Err(BatchError::BadRow {
                    path,
                    error,
                    more: summary.bad_rows.saturating_sub(1),
                });
            }
            Some(e) => return Err(e),
            None => {}
        }
        out.flush().map_err(io(&tmp_out))?;
        // No fsync: the output can be regenerated; the rename below is what keeps readers from ever
        // seeing a partial file.
        if let Some(mut w) = err_out {
            w.flush().map_err(io(&tmp_err))?;
        }
        Ok(summary)
    })();
    progress.finish_and_clear();
    match result {
        Ok(summary) => {
            std::fs::rename(&tmp_out, &opts.output).map_err(io(&opts.output))?;
            if opts.skip_bad_rows {
                std::fs::rename(&tmp_err, &errors_path).map_err(io(&errors_path))?;
            }
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp_out);
            let _ = std::fs::remove_file(&tmp_err);
            Err(e)
        }
    }
}

/// One shard's practice-years, as pass 2 reads them.
struct PracticeYears {
    /// Rows per reporting level for each (year, TIN).
    tins: HashMap<(u16, Tin), [u32; 4]>,
    plans: entities::Plans,
}

/// Shared state of pass 2.
struct Pass2<'a> {
    book: &'static RuleBook,
    header: &'a Header,
    /// Each shard's TIN counts and entity plans (see [`tally::shard_of`]).
    shards: &'a [PracticeYears],
    /// Output buffers, handed back once written.
    buffers: BufferPool,
}

impl Pass2<'_> {
    fn process(
        &self,
        chunk: &Chunk,
        sources: &mut sources::SourcesCache,
    ) -> (Vec<u8>, Vec<RowError>, u64) {
        // Output rows run about three times as long as input rows (the sources column).
        let mut out = self.buffers.take(chunk.bytes.len() * 4);
        let mut errors = Vec::new();
        let mut rows = 0u64;
        for_each_record(chunk, self.header, |line, parsed| {
            let row = match parsed {
                Ok(r) => r,
                Err(e) => return errors.push(e),
            };
            let start = out.len();
            format::write_prefix(&mut out, &row);
            let key = (row.year.get(), row.tin, row.level);
            let shard = &self.shards[tally::shard_of(key.0, key.1)];
            if row.level.is_collective() {
                match shard.plans.plans.get(&key) {
                    Some(plan) if plan.canonical == row.values => {
                        let rules = self.book.year(row.year);
                        let suffix = if would_qualify_alone(rules, &row) {
                            &plan.suffix_alone
                        } else {
                            &plan.suffix
                        };
                        shard.plans.text.write(suffix, &mut out);
                    }
                    Some(plan) => {
                        out.truncate(start);
                        return errors.push(disagreement(
                            &key,
                            line,
                            plan.canonical_line,
                            &row.values,
                            &plan.canonical,
                        ));
                    }
                    None => {
                        out.truncate(start);
                        return errors.push(RowError {
                            line,
                            column: "(row)".into(),
                            value: String::new(),
                            message:
                                "entity missing from pass 1 (the file changed while it was read)"
                                    .into(),
                        });
                    }
                }
            } else {
                // The tally is read only when the row does not give its practice's size: a table of every
                // TIN in the file is a cache miss per row.
                let size = row.values.tin_clinician_count.unwrap_or_else(|| {
                    shard
                        .tins
                        .get(&(row.year.get(), row.tin))
                        .and_then(|counts| counts.iter().copied().max())
                        .unwrap_or(1)
                });
                evaluate(
                    self.book,
                    Who {
                        year: row.year,
                        level: row.level,
                        subject: Subject::Clinician(row.clinician),
                        practice_size: size,
                        practice_zip: row.practice_zip,
                        member_alone: None,
                    },
                    &row.values,
                    &mut out,
                    sources,
                );
            }
            rows += 1;
        });
        (out, errors, rows)
    }
}

/// Who is evaluated: the subject of a row or entity and its reporting context.
struct Who {
    year: PerformanceYear,
    level: ReportingLevel,
    subject: Subject,
    practice_size: u32,
    practice_zip: Option<Zip5>,
    /// For an entity: written for a member who would (or would not) be reweighted on its own.
    member_alone: Option<bool>,
}

/// Whether a group or virtual-group member would have PI reweighted reporting on its own: a ground of its
/// own (status, reweighted type) or CMS's automatic EUC for an individual at its practice ZIP.
fn would_qualify_alone(rules: &hardship_rules::RuleSet, row: &Row) -> bool {
    hardship_rules::group::own_ground(rules, &row.clinician, None).is_some()
        || rules.automatic_euc.all_individuals
        || row.practice_zip.is_some_and(|z| rules.in_euc_area(z))
}

/// Decides and scores one subject and writes the output columns from `pi_reweighted` to `sources`.
fn evaluate(
    book: &RuleBook,
    who: Who,
    values: &EntityValues,
    out: &mut Vec<u8>,
    sources: &mut sources::SourcesCache,
) {
    let rules = book.year(who.year);
    let case = Case {
        practice_size: Some(who.practice_size),
        application: values
            .application
            .map(|(reason, status)| eligibility::Application { reason, status }),
        pi_submission: values.pi_submitted,
        practice_zip: who.practice_zip,
        ..Case::new(who.year, who.level, who.subject)
    };
    let decision = eligibility::decide(rules, &case);
    let [quality, cost, ia, pi] = values.scores;
    let mut warnings = decision.warnings;
    let given = scoring::CategoryScores {
        quality,
        cost,
        ia,
        pi,
    };
    // The scores CMS uses: PI out when reweighted, cost out in the COVID-19 years and under the
    // automatic EUC policy, EUC categories without data out.
    let mut scores = decision.scores_to_use(rules, given);
    if given.cost.is_some() && scores.cost.is_none() {
        warnings.add(hardship_rules::cites::Warning::CostNotScored);
    }
    if !decision.reweighted && scores.pi.is_none() {
        // Not reweighted and no PI data: PI is scored, at zero.
        warnings.add(hardship_rules::cites::Warning::PiMissingScoredZero);
        scores.pi = Some(0.0);
    }
    let input = ScoreInput {
        scores,
        pi_reweighted: decision.reweighted,
        small_practice: decision.small_practice,
        complex_patient_bonus: values.complex_patient_bonus,
    };
    let score = scoring::score(rules, &input);
    // The decision's rules, then scoring's: passed as two lists, not copied into one.
    let cites = [&decision.cites, &score.cites];
    let basis = match who.member_alone {
        Some(alone) => eligibility::member_basis(&decision, alone),
        None => decision.basis,
    };
    format::write_result(
        out,
        &decision,
        basis,
        &score,
        warnings.union(score.warnings),
        cites,
        sources,
    );
}

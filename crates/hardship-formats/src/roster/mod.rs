//! Roster import: a practice's clinicians and their special statuses from a CSV in the batch contract's
//! columns (README "Batch contract"), plus an optional `name` column.
//!
//! Only `npi` and `clinician_type` are required, so a plain roster imports as well as a full batch file.
//! Every row must belong to the practice's TIN (when a `tin` column is given). One clinician may appear on
//! several rows (one per performance year); the rows must agree on the clinician's type and name. Per year,
//! the rows also give the practice's reporting profile (level, PI submitted, clinicians billing under the
//! TIN, and at group level the category scores). The whole file is checked before anything is returned:
//! a caller writes all of it or nothing.

use crate::batch_row::{CellError, boolean, score};
use crate::csv_lines::LineCounter;
use hardship_rules::{
    ClinicianType, InvalidValue, Npi, PerformanceYear, PiSubmission, ReportingLevel, SpecialStatus,
    Tin,
};
use std::collections::HashMap;
use std::fmt;

/// The columns a roster file may have.
pub const ROSTER_COLUMNS: &[&str] = &[
    "npi",
    "clinician_type",
    "name",
    "performance_year",
    "tin",
    "reporting_level",
    "hospital_based",
    "non_patient_facing",
    "asc_based",
    "tin_clinician_count",
    "pi_submitted",
    "quality_score",
    "cost_score",
    "ia_score",
    "pi_score",
    "hardship_reason",
    "hardship_status",
    "complex_patient_bonus",
    "practice_zip",
];

/// Columns of the batch contract a roster import reads but does not store: applications are recorded
/// through the application wizard, where their facts and evidence are kept; the ZIP is the practice's
/// own (its page and the API set it).
const NOT_IMPORTED: &[&str] = &[
    "hardship_reason",
    "hardship_status",
    "complex_patient_bonus",
    "practice_zip",
];

const NPI: usize = 0;
const TYPE: usize = 1;
const NAME: usize = 2;
const YEAR: usize = 3;
const TIN: usize = 4;
const LEVEL: usize = 5;
const STATUS_COLUMNS: [(usize, SpecialStatus); 3] = [
    (6, SpecialStatus::HospitalBased),
    (7, SpecialStatus::NonPatientFacing),
    (8, SpecialStatus::AscBased),
];
const COUNT: usize = 9;
const PI_SUBMITTED: usize = 10;
const SCORES: [usize; 4] = [11, 12, 13, 14];

/// One special status of one year, as the file states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusValue {
    pub year: PerformanceYear,
    pub status: SpecialStatus,
    pub value: bool,
}

/// One clinician of the file, merged over its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterClinician {
    /// The first line that names this NPI.
    pub line: u64,
    pub npi: Npi,
    pub name: Option<String>,
    pub clinician_type: ClinicianType,
    pub statuses: Vec<StatusValue>,
}

/// How the practice reports in one performance year, as the file's rows of that year state it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YearProfile {
    pub year: PerformanceYear,
    pub level: ReportingLevel,
    /// Whether the file states the level (a `reporting_level` cell); `level` is individual otherwise.
    pub level_stated: bool,
    pub pi_submitted: Option<PiSubmission>,
    pub tin_clinician_count: Option<u32>,
    /// Quality, cost, IA, PI — only at group level, where every row carries the entity's scores.
    pub scores: [Option<f64>; 4],
}

/// A checked roster file.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterImport {
    pub clinicians: Vec<RosterClinician>,
    pub years: Vec<YearProfile>,
    /// Columns present in the file whose values are not imported, with why.
    pub not_imported: Vec<&'static str>,
    pub rows: u64,
}

/// A bad line of a roster file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterError {
    /// 1-based line of the file (the header is line 1); 0 for the file as a whole.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for RosterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "line {}: column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

fn file_error(message: impl Into<String>) -> RosterError {
    RosterError {
        line: 0,
        column: String::new(),
        value: String::new(),
        message: message.into(),
    }
}

fn line_error(line: u64, e: CellError) -> RosterError {
    RosterError {
        line,
        column: e.column.to_owned(),
        value: e.value,
        message: e.message,
    }
}

/// Where each roster column sits in the file.
struct Columns([Option<usize>; ROSTER_COLUMNS.len()]);

impl Columns {
    fn parse(names: &csv::ByteRecord) -> Result<Columns, RosterError> {
        let mut at = [None; ROSTER_COLUMNS.len()];
        let mut unknown = Vec::new();
        for (i, raw) in names.iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            let name = name.trim().trim_start_matches('\u{feff}');
            match ROSTER_COLUMNS.iter().position(|c| *c == name) {
                Some(k) if at[k].is_some() => {
                    return Err(file_error(format!("column {name:?} appears twice")));
                }
                Some(k) => at[k] = Some(i),
                None => unknown.push(format!("{name:?}")),
            }
        }
        if !unknown.is_empty() {
            return Err(file_error(format!(
                "unknown column(s) {}; a roster file may have: {}",
                unknown.join(", "),
                ROSTER_COLUMNS.join(", ")
            )));
        }
        for required in [NPI, TYPE] {
            if at[required].is_none() {
                return Err(file_error(format!(
                    "missing column {}; a roster needs at least npi and clinician_type",
                    ROSTER_COLUMNS[required]
                )));
            }
        }
        let per_year = [6, 7, 8, COUNT, PI_SUBMITTED, 11, 12, 13, 14, LEVEL];
        if at[YEAR].is_none()
            && let Some(k) = per_year.iter().find(|&&k| at[k].is_some())
        {
            return Err(file_error(format!(
                "column {} is given per performance year: add a performance_year column",
                ROSTER_COLUMNS[*k]
            )));
        }
        Ok(Columns(at))
    }

    fn has(&self, k: usize) -> bool {
        self.0[k].is_some()
    }

    fn cell<'a>(&self, rec: &'a csv::ByteRecord, k: usize) -> Result<&'a str, CellError> {
        let Some(pos) = self.0[k] else {
            return Ok("");
        };
        let raw = rec.get(pos).unwrap_or(b"");
        std::str::from_utf8(raw)
            .map(str::trim)
            .map_err(|_| CellError {
                column: ROSTER_COLUMNS[k],
                // At most 64 bytes' worth: hostile cells can be megabytes.
                value: String::from_utf8_lossy(&raw[..raw.len().min(64)]).into_owned(),
                message: format!("column {} is not valid UTF-8", ROSTER_COLUMNS[k]),
            })
    }
}

/// One parsed row.
struct Line {
    line: u64,
    npi: Npi,
    name: Option<String>,
    clinician_type: ClinicianType,
    year: Option<PerformanceYear>,
    level: Option<ReportingLevel>,
    statuses: [Option<bool>; 3],
    count: Option<u32>,
    pi_submitted: Option<PiSubmission>,
    scores: [Option<f64>; 4],
}

fn optional_bool(column: &'static str, text: &str) -> Result<Option<bool>, CellError> {
    if text.is_empty() {
        Ok(None)
    } else {
        boolean(column, text).map(Some)
    }
}

fn parse_line(
    cols: &Columns,
    rec: &csv::ByteRecord,
    line: u64,
    practice_tin: Tin,
) -> Result<Line, CellError> {
    let c = |k: usize| cols.cell(rec, k);
    let npi = Npi::parse(c(NPI)?)?;
    let clinician_type = ClinicianType::parse(c(TYPE)?)?;
    let name = c(NAME)?;
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(InvalidValue::new(
            "name",
            name,
            "a name of at most 200 characters without control characters",
        )
        .into());
    }
    let tin_text = c(TIN)?;
    if cols.has(TIN) {
        let tin = Tin::parse(tin_text)?;
        if tin != practice_tin {
            return Err(InvalidValue::new(
                "tin",
                tin_text,
                format!("this row belongs to another TIN; the practice's TIN is {practice_tin}"),
            )
            .into());
        }
    }
    let year = if cols.has(YEAR) {
        Some(PerformanceYear::parse(c(YEAR)?)?)
    } else {
        None
    };
    let level_text = c(LEVEL)?;
    let level = if level_text.is_empty() {
        None
    } else {
        Some(ReportingLevel::parse(level_text)?)
    };
    let mut statuses = [None; 3];
    for (slot, (k, s)) in statuses.iter_mut().zip(STATUS_COLUMNS) {
        *slot = optional_bool(s.code(), c(k)?)?;
    }
    let count_text = c(COUNT)?;
    let count = if count_text.is_empty() {
        None
    } else {
        Some(
            count_text
                .parse::<u32>()
                .ok()
                .filter(|&n| (1..=100_000).contains(&n))
                .ok_or_else(|| {
                    InvalidValue::new(
                        "tin_clinician_count",
                        count_text,
                        "a whole number of clinicians, 1 or more",
                    )
                })?,
        )
    };
    let pi_submitted = match c(PI_SUBMITTED)? {
        "" => None,
        t => Some(PiSubmission::parse(t)?),
    };
    let names = ["quality_score", "cost_score", "ia_score", "pi_score"];
    let mut scores = [None; 4];
    for ((slot, k), name) in scores.iter_mut().zip(SCORES).zip(names) {
        *slot = score(name, c(k)?)?;
    }
    Ok(Line {
        line,
        npi,
        name: (!name.is_empty()).then(|| name.to_owned()),
        clinician_type,
        year,
        level,
        statuses,
        count,
        pi_submitted,
        scores,
    })
}

/// Collects errors up to a limit, so a hostile file cannot make the error list unbounded.
struct Errors {
    list: Vec<RosterError>,
    max: usize,
}

impl Errors {
    fn push(&mut self, e: RosterError) {
        if self.list.len() < self.max {
            self.list.push(e);
        }
    }
}

fn conflict(line: u64, column: &str, value: String, message: String) -> RosterError {
    RosterError {
        line,
        column: column.to_owned(),
        value,
        message,
    }
}

/// Per-year values every row of the year must agree on, with the line that set each.
#[derive(Default)]
struct YearAcc {
    level: Option<(ReportingLevel, u64)>,
    level_stated: bool,
    pi_submitted: Option<(PiSubmission, u64)>,
    count: Option<(u32, u64)>,
    scores: Option<([Option<f64>; 4], u64)>,
}

/// Keeps the first value seen and reports a later row that disagrees.
fn agree<T: PartialEq + Copy + fmt::Debug>(
    slot: &mut Option<(T, u64)>,
    value: T,
    line: u64,
    column: &str,
    year: PerformanceYear,
    errors: &mut Errors,
) {
    match slot {
        None => *slot = Some((value, line)),
        Some((first, first_line)) if *first != value => errors.push(conflict(
            line,
            column,
            format!("{value:?}"),
            format!(
                "{column} {value:?} differs from {first:?} on line {first_line}; every {year} row of the practice must agree"
            ),
        )),
        Some(_) => {}
    }
}

/// Parses and checks a whole roster file for the practice with TIN `tin`. Returns every problem found
/// (at most `max_errors`), or the file's content when there is none.
pub fn parse_roster(
    bytes: &[u8],
    tin: Tin,
    max_errors: usize,
) -> Result<RosterImport, Vec<RosterError>> {
    let mut errors = Errors {
        list: Vec::new(),
        max: max_errors.max(1),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![file_error(format!("not a CSV file: {e}"))]),
    };
    if header.is_empty() || (header.len() == 1 && header.get(0).is_some_and(<[u8]>::is_empty)) {
        return Err(vec![file_error(
            "the file is empty: expected a header row with npi and clinician_type",
        )]);
    }
    let cols = Columns::parse(&header).map_err(|e| vec![e])?;
    let width = header.len();
    let mut clinicians: Vec<RosterClinician> = Vec::new();
    let mut by_npi: HashMap<Npi, usize> = HashMap::new();
    let mut years: Vec<(PerformanceYear, YearAcc)> = Vec::new();
    // (npi, year) → line, so one clinician is listed once per year.
    let mut seen_year: HashMap<(Npi, Option<PerformanceYear>), u64> = HashMap::new();
    let mut rows = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut lines_of = LineCounter::new(bytes);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines_of.line_of(e.position(), 0);
                errors.push(RosterError {
                    line,
                    column: "(row)".into(),
                    value: String::new(),
                    message: format!("not valid CSV: {e}"),
                });
                break;
            }
        }
        rows += 1;
        let line = lines_of.line_of(record.position(), rows + 1);
        if record.len() == 1 && record.get(0).is_some_and(|c| c.trim_ascii().is_empty()) {
            continue; // a blank line
        }
        if record.len() != width {
            errors.push(RosterError {
                line,
                column: "(row)".into(),
                value: format!("{} fields", record.len()),
                message: format!("row has {} fields; the header has {width}", record.len()),
            });
            continue;
        }
        let parsed = match parse_line(&cols, &record, line, tin) {
            Ok(p) => p,
            Err(e) => {
                errors.push(line_error(line, e));
                continue;
            }
        };
        if let Some(first) = seen_year.insert((parsed.npi, parsed.year), line) {
            let when = parsed
                .year
                .map_or_else(String::new, |y| format!(" for {y}"));
            errors.push(conflict(
                line,
                "npi",
                parsed.npi.to_string(),
                format!("NPI {} is already listed{when} on line {first}", parsed.npi),
            ));
            continue;
        }
        merge_clinician(&mut clinicians, &mut by_npi, &parsed, &mut errors);
        if let Some(year) = parsed.year {
            let acc = match years.iter().position(|(y, _)| *y == year) {
                Some(i) => &mut years[i].1,
                None => {
                    years.push((year, YearAcc::default()));
                    let last = years.len() - 1;
                    &mut years[last].1
                }
            };
            acc.level_stated |= parsed.level.is_some();
            let level = parsed.level.unwrap_or(ReportingLevel::Individual);
            agree(
                &mut acc.level,
                level,
                line,
                "reporting_level",
                year,
                &mut errors,
            );
            if let Some(pi) = parsed.pi_submitted {
                agree(
                    &mut acc.pi_submitted,
                    pi,
                    line,
                    "pi_submitted",
                    year,
                    &mut errors,
                );
            }
            if let Some(n) = parsed.count {
                agree(
                    &mut acc.count,
                    n,
                    line,
                    "tin_clinician_count",
                    year,
                    &mut errors,
                );
            }
            if level.is_collective() {
                agree(
                    &mut acc.scores,
                    parsed.scores,
                    line,
                    "quality_score/cost_score/ia_score/pi_score",
                    year,
                    &mut errors,
                );
            }
        }
    }
    if rows == 0 {
        errors.push(file_error("the file has a header but no clinicians"));
    }
    if !errors.list.is_empty() {
        return Err(errors.list);
    }
    let mut not_imported: Vec<&'static str> = NOT_IMPORTED
        .iter()
        .copied()
        .filter(|c| {
            ROSTER_COLUMNS
                .iter()
                .position(|k| k == c)
                .is_some_and(|k| cols.has(k))
        })
        .collect();
    let individual_scores = years
        .iter()
        .any(|(_, a)| a.level.is_some_and(|(l, _)| !l.is_collective()));
    if individual_scores && SCORES.iter().any(|&k| cols.has(k)) {
        not_imported
            .push("scores of individual reporting (kept per clinician by CMS, not per practice)");
    }
    Ok(RosterImport {
        clinicians,
        years: years
            .into_iter()
            .map(|(year, a)| YearProfile {
                year,
                level: a.level.map_or(ReportingLevel::Individual, |(l, _)| l),
                level_stated: a.level_stated,
                pi_submitted: a.pi_submitted.map(|(v, _)| v),
                tin_clinician_count: a.count.map(|(v, _)| v),
                scores: a.scores.map_or([None; 4], |(s, _)| s),
            })
            .collect(),
        not_imported,
        rows,
    })
}

fn merge_clinician(
    clinicians: &mut Vec<RosterClinician>,
    by_npi: &mut HashMap<Npi, usize>,
    row: &Line,
    errors: &mut Errors,
) {
    let statuses = row.year.into_iter().flat_map(|year| {
        row.statuses
            .iter()
            .zip(STATUS_COLUMNS)
            .filter_map(move |(v, (_, status))| {
                v.map(|value| StatusValue {
                    year,
                    status,
                    value,
                })
            })
    });
    let Some(&i) = by_npi.get(&row.npi) else {
        by_npi.insert(row.npi, clinicians.len());
        clinicians.push(RosterClinician {
            line: row.line,
            npi: row.npi,
            name: row.name.clone(),
            clinician_type: row.clinician_type,
            statuses: statuses.collect(),
        });
        return;
    };
    let c = &mut clinicians[i];
    if c.clinician_type != row.clinician_type {
        errors.push(conflict(
            row.line,
            "clinician_type",
            row.clinician_type.code().to_owned(),
            format!(
                "NPI {} is a {} on line {}; one clinician has one type",
                row.npi,
                c.clinician_type.code(),
                c.line
            ),
        ));
        return;
    }
    match (&c.name, &row.name) {
        (Some(a), Some(b)) if a != b => errors.push(conflict(
            row.line,
            "name",
            b.clone(),
            format!("NPI {} is named {a:?} on line {}", row.npi, c.line),
        )),
        (None, Some(b)) => c.name = Some(b.clone()),
        _ => {}
    }
    c.statuses.extend(statuses);
}

#[cfg(test)]
mod tests;

//! The batch contract's input row (README "Batch contract"): the header map and the parsing of one record into
//! typed values. Shared by `hardship batch` and the roster import.

pub use crate::batch_lines::{LinePrefix, LineSplitter, SplitLine};
use hardship_rules::eligibility::ClinicianFacts;
use hardship_rules::{
    ApplicationStatus, CategoryScore, ClinicianType, HardshipReason, InvalidValue, Npi,
    PerformanceYear, PiSubmission, ReportingLevel, Tin, Zip5,
};

/// Input columns of the batch contract, in a fixed order. Column order in the file is free.
pub const COLUMNS: &[&str] = &[
    "performance_year",
    "npi",
    "tin",
    "reporting_level",
    "clinician_type",
    "hospital_based",
    "non_patient_facing",
    "asc_based",
    "tin_clinician_count",
    "hardship_reason",
    "hardship_status",
    "pi_submitted",
    "quality_score",
    "cost_score",
    "ia_score",
    "pi_score",
    "complex_patient_bonus",
    "practice_zip",
];

const OPTIONAL: &[&str] = &[
    "tin_clinician_count",
    "complex_patient_bonus",
    "practice_zip",
];

/// Where each contract column sits in the file (`usize::MAX` for an absent optional column).
#[derive(Clone, Debug)]
pub struct Header {
    pub positions: [usize; COLUMNS.len()],
    pub width: usize,
    /// The key's and the entity values' present columns as runs of side-by-side file positions (first,
    /// last): one run each when the columns are in the contract's order, or the NPI apart.
    key_runs: Vec<(usize, usize)>,
    value_runs: Vec<(usize, usize)>,
}

/// The positions of `columns` present in the file, in `COLUMNS` order, cut into runs of consecutive
/// positions.
fn runs(positions: &[usize; COLUMNS.len()], columns: &[usize]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for p in columns
        .iter()
        .map(|&k| positions[k])
        .filter(|&p| p != usize::MAX)
    {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == p => *last = p,
            _ => runs.push((p, p)),
        }
    }
    runs
}

impl Header {
    /// How many leading fields of a record hold its key (year, TIN, level): what
    /// [`LineSplitter::for_each_line_prefix`] must find for [`parse_key`].
    pub fn key_fields(&self) -> usize {
        KEY_COLUMNS
            .iter()
            .map(|&k| self.positions[k].saturating_add(1))
            .max()
            .unwrap_or(0)
    }

    /// Maps the header record; unknown, duplicate and missing columns are errors naming them.
    pub fn parse(names: &csv::ByteRecord) -> Result<Header, String> {
        let mut positions = [usize::MAX; COLUMNS.len()];
        let mut unknown = Vec::new();
        for (i, raw) in names.iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            let name = name.trim().trim_start_matches('\u{feff}');
            match COLUMNS.iter().position(|c| *c == name) {
                Some(k) if positions[k] != usize::MAX => {
                    return Err(format!("column {name:?} appears twice"));
                }
                Some(k) => positions[k] = i,
                None => unknown.push(format!("{name:?}")),
            }
        }
        if !unknown.is_empty() {
            return Err(format!(
                "unknown column(s) {}; the batch contract's columns are: {}",
                unknown.join(", "),
                COLUMNS.join(", ")
            ));
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(positions)
            .filter(|(c, p)| *p == usize::MAX && !OPTIONAL.contains(c))
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            return Err(format!("missing column(s): {}", missing.join(", ")));
        }
        Ok(Header {
            positions,
            width: names.len(),
            key_runs: runs(&positions, &KEY_COLUMNS),
            value_runs: runs(&positions, &VALUE_COLUMNS),
        })
    }
}

/// Values that must agree on every row of a group or virtual-group entity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EntityValues {
    pub application: Option<(HardshipReason, ApplicationStatus)>,
    pub pi_submitted: PiSubmission,
    pub scores: [Option<f64>; 4],
    pub complex_patient_bonus: f64,
    pub tin_clinician_count: Option<u32>,
}

impl EntityValues {
    /// The first field where two rows of one entity disagree.
    pub fn first_difference(&self, other: &EntityValues) -> Option<&'static str> {
        if self.application != other.application {
            return Some("hardship_reason/hardship_status");
        }
        if self.pi_submitted != other.pi_submitted {
            return Some("pi_submitted");
        }
        let names = ["quality_score", "cost_score", "ia_score", "pi_score"];
        for (i, name) in names.iter().enumerate() {
            if self.scores[i] != other.scores[i] {
                return Some(name);
            }
        }
        if self.complex_patient_bonus != other.complex_patient_bonus {
            return Some("complex_patient_bonus");
        }
        if self.tin_clinician_count != other.tin_clinician_count {
            return Some("tin_clinician_count");
        }
        None
    }
}

/// One parsed input row.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub year: PerformanceYear,
    pub npi: Npi,
    pub tin: Tin,
    pub level: ReportingLevel,
    pub clinician: ClinicianFacts,
    pub values: EntityValues,
    /// The practice location's ZIP (CMS's automatic EUC areas); optional column.
    pub practice_zip: Option<Zip5>,
}

/// A bad cell: the column and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    pub column: &'static str,
    pub value: String,
    pub message: String,
}

impl From<InvalidValue> for CellError {
    fn from(e: InvalidValue) -> Self {
        CellError {
            column: e.field,
            value: e.value.clone(),
            message: e.to_string(),
        }
    }
}

/// A record's fields, whoever split them: the csv reader, or [`SplitLine`] for lines without quotes.
pub trait Fields {
    /// The number of fields.
    fn width(&self) -> usize;
    /// Field `i` as text, or its raw bytes when they are not UTF-8; empty past the end.
    fn text(&self, i: usize) -> Result<&str, &[u8]>;
    /// Fields `first` to `last` as they stand in the line, delimiters included, when the record keeps
    /// them so.
    fn span(&self, first: usize, last: usize) -> Option<&[u8]> {
        let _ = (first, last);
        None
    }
}

impl Fields for csv::ByteRecord {
    fn width(&self) -> usize {
        self.len()
    }
    fn text(&self, i: usize) -> Result<&str, &[u8]> {
        let raw = self.get(i).unwrap_or(b"");
        std::str::from_utf8(raw).map_err(|_| raw)
    }
}

fn cell<'a, R: Fields + ?Sized>(rec: &'a R, h: &Header, k: usize) -> Result<&'a str, CellError> {
    let pos = h.positions[k];
    if pos == usize::MAX {
        return Ok("");
    }
    rec.text(pos)
        .map(hardship_rules::model::trim)
        .map_err(|raw| CellError {
            column: COLUMNS[k],
            // At most 64 bytes' worth: hostile cells can be megabytes.
            value: String::from_utf8_lossy(&raw[..raw.len().min(64)]).into_owned(),
            message: format!("column {} is not valid UTF-8", COLUMNS[k]),
        })
}

#[inline]
pub(crate) fn boolean(column: &'static str, text: &str) -> Result<bool, CellError> {
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(InvalidValue::new(column, text, "true or false").into())
    }
}

pub(crate) fn score(column: &'static str, text: &str) -> Result<Option<f64>, CellError> {
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(CategoryScore::parse(column, text)?.percent()))
}

/// The key of a row for pass 1's tally: year, TIN and level, or `None` when any of them is malformed
/// (pass 2 then reports the row). Cheaper than `parse_row` for the rows that need nothing more.
pub fn parse_key<R: Fields + ?Sized>(
    rec: &R,
    h: &Header,
) -> Option<(PerformanceYear, Tin, ReportingLevel)> {
    if rec.width() != h.width {
        return None;
    }
    let year = PerformanceYear::parse(cell(rec, h, 0).ok()?).ok()?;
    let tin = Tin::parse(cell(rec, h, 2).ok()?).ok()?;
    let level = ReportingLevel::parse(cell(rec, h, 3).ok()?).ok()?;
    Some((year, tin, level))
}

/// Parses one record. `rec` must have the header's width (checked here so a short row names itself).
pub fn parse_row<R: Fields + ?Sized>(rec: &R, h: &Header) -> Result<Row, CellError> {
    RowParser::default().parse(rec, h)
}

/// The key columns (year, TIN, level) and the entity-value columns, by index in [`COLUMNS`].
const KEY_COLUMNS: [usize; 3] = [0, 2, 3];
const VALUE_COLUMNS: [usize; 9] = [8, 9, 10, 11, 12, 13, 14, 15, 16];

/// Parses rows one after another like [`parse_row`], reusing the previous row's parsed key and entity
/// values when their cells repeat it character for character: the rows of one group usually come
/// together and repeat both, and parsing them again was most of the work of such a row. Parsing a cell
/// depends on its text alone, so the result (and which bad cell is reported first) is the same.
#[derive(Debug, Default)]
pub struct RowParser {
    key: Option<Remembered<3, (PerformanceYear, Tin, ReportingLevel)>>,
    values: Option<Remembered<9, EntityValues>>,
}

/// Parsed cells and the text they were parsed from: the line's own runs of them when the record keeps its
/// line, or each cell's trimmed text one after another.
#[derive(Debug)]
struct Remembered<const N: usize, T> {
    text: Vec<u8>,
    /// `text` holds the runs (raw), not the cells.
    raw: bool,
    ends: Vec<usize>,
    parsed: T,
}

/// Whether `rec` keeps its line, so that `runs` are compared as spans of it rather than cell by cell.
fn keeps_line<R: Fields + ?Sized>(rec: &R, runs: &[(usize, usize)]) -> bool {
    runs.first().is_some_and(|&(a, b)| rec.span(a, b).is_some())
}

impl<const N: usize, T: Copy> Remembered<N, T> {
    fn matches<R: Fields + ?Sized>(
        &self,
        rec: &R,
        h: &Header,
        columns: [usize; N],
        runs: &[(usize, usize)],
    ) -> Option<T> {
        let mut start = 0;
        if keeps_line(rec, runs) {
            if !self.raw {
                return None;
            }
            for (&(a, b), &end) in runs.iter().zip(&self.ends) {
                if rec.span(a, b)? != self.text.get(start..end)? {
                    return None;
                }
                start = end;
            }
            return Some(self.parsed);
        }
        if self.raw {
            return None;
        }
        for (k, &end) in columns.into_iter().zip(&self.ends) {
            if cell(rec, h, k).ok()?.as_bytes() != self.text.get(start..end)? {
                return None;
            }
            start = end;
        }
        Some(self.parsed)
    }

    /// Keeps `parsed` and the text of its cells in `slot`, reusing its buffers.
    fn keep<R: Fields + ?Sized>(
        slot: &mut Option<Self>,
        rec: &R,
        h: &Header,
        columns: [usize; N],
        runs: &[(usize, usize)],
        parsed: T,
    ) {
        let m = slot.get_or_insert_with(|| Remembered {
            text: Vec::new(),
            raw: false,
            ends: Vec::new(),
            parsed,
        });
        m.text.clear();
        m.ends.clear();
        m.parsed = parsed;
        m.raw = keeps_line(rec, runs);
        if m.raw {
            for &(a, b) in runs {
                m.text.extend_from_slice(rec.span(a, b).unwrap_or(&[]));
                m.ends.push(m.text.len());
            }
            return;
        }
        for k in columns {
            m.text
                .extend_from_slice(cell(rec, h, k).unwrap_or("").as_bytes());
            m.ends.push(m.text.len());
        }
    }
}

impl RowParser {
    pub fn parse<R: Fields + ?Sized>(&mut self, rec: &R, h: &Header) -> Result<Row, CellError> {
        if rec.width() != h.width {
            return Err(CellError {
                column: "(row)",
                value: format!("{} fields", rec.width()),
                message: format!("row has {} fields; the header has {}", rec.width(), h.width),
            });
        }
        let c = |k: usize| cell(rec, h, k);
        let known_key = self
            .key
            .as_ref()
            .and_then(|m| m.matches(rec, h, KEY_COLUMNS, &h.key_runs));
        // Cells are parsed in `COLUMNS` order so the first bad one is the one reported.
        let (year, npi, tin, level) = match known_key {
            Some((year, tin, level)) => (year, Npi::parse(c(1)?)?, tin, level),
            None => {
                let year = PerformanceYear::parse(c(0)?)?;
                let npi = Npi::parse(c(1)?)?;
                let tin = Tin::parse(c(2)?)?;
                let level = ReportingLevel::parse(c(3)?)?;
                Remembered::keep(
                    &mut self.key,
                    rec,
                    h,
                    KEY_COLUMNS,
                    &h.key_runs,
                    (year, tin, level),
                );
                (year, npi, tin, level)
            }
        };
        let clinician_type = ClinicianType::parse(c(4)?)?;
        let hospital_based = boolean("hospital_based", c(5)?)?;
        let non_patient_facing = boolean("non_patient_facing", c(6)?)?;
        let asc_based = boolean("asc_based", c(7)?)?;
        let known_values = self
            .values
            .as_ref()
            .and_then(|m| m.matches(rec, h, VALUE_COLUMNS, &h.value_runs));
        let values = match known_values {
            Some(v) => v,
            None => {
                let v = entity_values(rec, h)?;
                Remembered::keep(&mut self.values, rec, h, VALUE_COLUMNS, &h.value_runs, v);
                v
            }
        };
        let zip_text = c(17)?;
        let practice_zip = if zip_text.is_empty() {
            None
        } else {
            Some(Zip5::parse(zip_text)?)
        };
        Ok(Row {
            practice_zip,
            year,
            npi,
            tin,
            level,
            clinician: ClinicianFacts {
                clinician_type,
                hospital_based,
                non_patient_facing,
                asc_based,
            },
            values,
        })
    }
}

/// The entity-value cells of a record, parsed.
fn entity_values<R: Fields + ?Sized>(rec: &R, h: &Header) -> Result<EntityValues, CellError> {
    let c = |k: usize| cell(rec, h, k);
    let count_text = c(8)?;
    let tin_clinician_count = if count_text.is_empty() {
        None
    } else {
        let n: u32 = count_text.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
            InvalidValue::new(
                "tin_clinician_count",
                count_text,
                "a whole number of clinicians, 1 or more",
            )
        })?;
        Some(n)
    };
    let reason_text = c(9)?;
    let status_text = c(10)?;
    let application = match (reason_text.is_empty(), status_text.is_empty()) {
        (true, true) => None,
        (false, false) => Some((
            HardshipReason::parse_with_hint(reason_text)?,
            ApplicationStatus::parse(status_text)?,
        )),
        (false, true) => {
            return Err(InvalidValue::new(
                "hardship_status",
                "",
                "pending, approved or denied when hardship_reason is given",
            )
            .into());
        }
        (true, false) => {
            return Err(InvalidValue::new(
                "hardship_reason",
                "",
                "a reason when hardship_status is given",
            )
            .into());
        }
    };
    let pi_submitted = PiSubmission::parse(c(11)?)?;
    let scores = [
        score("quality_score", c(12)?)?,
        score("cost_score", c(13)?)?,
        score("ia_score", c(14)?)?,
        score("pi_score", c(15)?)?,
    ];
    let bonus_text = c(16)?;
    let complex_patient_bonus = if bonus_text.is_empty() {
        0.0
    } else {
        bonus_text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 100.0)
            .ok_or_else(|| {
                InvalidValue::new("complex_patient_bonus", bonus_text, "points from 0 to 100")
            })?
    };
    Ok(EntityValues {
        application,
        pi_submitted,
        scores,
        complex_patient_bonus,
        tin_clinician_count,
    })
}

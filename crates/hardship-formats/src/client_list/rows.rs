//! One row at a time into practices and clinicians, whatever the file format: each row is checked whole
//! (its cells, then against the rows before it) and only a row without a problem changes what is built, so
//! "keep the good rows" is the same pass with the refused rows' errors set aside.

use super::headers::{Col, Columns, clip};
use super::{ClientClinician, ClientPractice, MAX_ROWS};
use crate::clinician_type_text::clinician_type_from_text;
use crate::roster::RosterError;
use hardship_rules::{ClinicianType, InvalidValue, Npi, ReportingLevel, Tin, Zip5};
use std::collections::HashMap;

/// A row's cells, trimmed by the builder. Cells past the end read as empty.
pub(crate) trait Cells {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> &str;
}

impl Cells for csv::StringRecord {
    fn len(&self) -> usize {
        csv::StringRecord::len(self)
    }
    fn get(&self, i: usize) -> &str {
        csv::StringRecord::get(self, i).unwrap_or("")
    }
}

impl Cells for [String] {
    fn len(&self) -> usize {
        <[String]>::len(self)
    }
    fn get(&self, i: usize) -> &str {
        <[String]>::get(self, i).map_or("", String::as_str)
    }
}

/// Whether the reader should go on.
#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    Go,
    Stop,
}

/// The lines that set a practice's values, for messages about rows that disagree.
struct Set {
    zip: u64,
    level: u64,
}

pub(crate) struct Builder<'c> {
    cols: &'c Columns,
    keep_good: bool,
    max_errors: usize,
    errors: Vec<RosterError>,
    refused_rows: u64,
    rows: u64,
    practices: Vec<ClientPractice>,
    set: Vec<Set>,
    by_tin: HashMap<Tin, usize>,
    /// (practice, NPI) → the line that listed it.
    listed: HashMap<(usize, Npi), u64>,
    /// NPI → its type and the line and TIN that gave it, across practices.
    types: HashMap<Npi, (ClinicianType, u64, Tin)>,
}

/// A row's values, checked one cell at a time.
struct Row<'a> {
    tin: Tin,
    tin_text: &'a str,
    practice: &'a str,
    zip: Option<Zip5>,
    level: Option<ReportingLevel>,
    clinician: Option<(Npi, Option<String>, ClinicianType)>,
}

fn level(text: &str) -> Result<ReportingLevel, InvalidValue> {
    if let Ok(l) = ReportingLevel::parse(text) {
        return Ok(l);
    }
    let k = super::headers::key(text);
    let found = ReportingLevel::ALL
        .iter()
        .find(|l| k == super::headers::key(l.code()) || k == super::headers::key(l.label()));
    found.copied().ok_or_else(|| {
        InvalidValue::new(
            "reporting_level",
            text,
            "Individual, Group, Virtual Group or APM Entity (or empty: not stated)",
        )
    })
}

/// The hint for a number a spreadsheet cut short by dropping its leading zero.
fn zero_hint(text: &str, digits: usize) -> &'static str {
    let all_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if all_digits && text.len() < digits {
        " — a spreadsheet drops the leading zero of a number: format the column as Text and type it again"
    } else {
        ""
    }
}

fn name_ok(column: &'static str, name: &str) -> Result<(), InvalidValue> {
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(InvalidValue::new(
            column,
            name,
            "a name of at most 200 characters without control characters",
        ));
    }
    Ok(())
}

/// A name's words in lower case, each followed by one space.
fn words(s: &str) -> impl Iterator<Item = char> + '_ {
    s.split_whitespace()
        .flat_map(|w| w.chars().flat_map(char::to_lowercase).chain([' ']))
}

/// Names compared as people read them: case and runs of spaces do not count.
fn same_name(a: &str, b: &str) -> bool {
    a == b || words(a).eq(words(b))
}

/// What the rows gave.
pub(crate) struct Outcome {
    pub practices: Vec<ClientPractice>,
    pub rows: u64,
    pub errors: Vec<RosterError>,
    pub refused_rows: u64,
}

impl<'c> Builder<'c> {
    pub(crate) fn finish(self) -> Outcome {
        Outcome {
            practices: self.practices,
            rows: self.rows,
            errors: self.errors,
            refused_rows: self.refused_rows,
        }
    }

    pub(crate) fn new(cols: &'c Columns, keep_good: bool, max_errors: usize) -> Self {
        Builder {
            cols,
            keep_good,
            max_errors: max_errors.max(1),
            errors: Vec::new(),
            refused_rows: 0,
            rows: 0,
            practices: Vec::new(),
            set: Vec::new(),
            by_tin: HashMap::new(),
            listed: HashMap::new(),
            types: HashMap::new(),
        }
    }

    pub(crate) fn push(&mut self, e: RosterError) {
        if self.errors.len() < self.max_errors {
            self.errors.push(e);
        }
    }

    fn error(&self, line: u64, col: Col, value: &str, message: String) -> RosterError {
        RosterError {
            line,
            column: self.cols.written(col).to_owned(),
            value: clip(value),
            message,
        }
    }

    fn invalid(&self, line: u64, col: Col, e: InvalidValue, hint: &str) -> RosterError {
        RosterError {
            line,
            column: self.cols.written(col).to_owned(),
            value: e.value.clone(),
            message: format!("{e}{hint}"),
        }
    }

    fn cell<'r, C: Cells + ?Sized>(&self, cells: &'r C, col: Col) -> &'r str {
        self.cols.at(col).map_or("", |i| cells.get(i).trim())
    }

    /// Takes one row starting on `line`. Rows whose cells are all empty are passed over.
    pub(crate) fn row<C: Cells + ?Sized>(&mut self, line: u64, cells: &C) -> Flow {
        if (0..cells.len()).all(|i| cells.get(i).trim().is_empty()) {
            return Flow::Go;
        }
        self.rows += 1;
        if self.rows > MAX_ROWS {
            self.push(RosterError {
                line: 0,
                column: String::new(),
                value: String::new(),
                message: format!(
                    "the file has more than {MAX_ROWS} rows; split it into smaller lists"
                ),
            });
            return Flow::Stop;
        }
        let mut refused = false;
        match self.check(line, cells) {
            Ok(row) => match self.agree(line, &row) {
                Ok(()) => self.apply(line, row),
                Err(e) => {
                    refused = true;
                    self.push(e);
                }
            },
            Err(es) => {
                refused = true;
                for e in es {
                    self.push(e);
                }
            }
        }
        if refused {
            self.refused_rows += 1;
        }
        if !self.keep_good && self.errors.len() >= self.max_errors {
            Flow::Stop
        } else {
            Flow::Go
        }
    }

    /// The row's cells, each checked; every bad cell is reported.
    fn check<'r, C: Cells + ?Sized>(
        &self,
        line: u64,
        cells: &'r C,
    ) -> Result<Row<'r>, Vec<RosterError>> {
        let mut errors = Vec::new();
        if let Some(i) =
            (0..cells.len()).find(|&i| !self.cols.is_named(i) && !cells.get(i).trim().is_empty())
        {
            errors.push(RosterError {
                line,
                column: "(no header)".into(),
                value: clip(cells.get(i).trim()),
                message: format!(
                    "a value in a column without a header (the header row names {} cells); name the \
                     column or empty it",
                    self.cols.width
                ),
            });
        }
        let tin_text = self.cell(cells, Col::Tin);
        let tin = match Tin::parse(tin_text) {
            Ok(t) => Some(t),
            Err(_) if tin_text.is_empty() => {
                errors.push(self.error(
                    line,
                    Col::Tin,
                    "",
                    "every row needs its practice's TIN (9 digits, or NN-NNNNNNN)".into(),
                ));
                None
            }
            Err(e) => {
                errors.push(self.invalid(line, Col::Tin, e, zero_hint(tin_text, 9)));
                None
            }
        };
        let practice = self.cell(cells, Col::Practice);
        if let Err(e) = name_ok("practice_name", practice) {
            errors.push(self.invalid(line, Col::Practice, e, ""));
        }
        let zip_text = self.cell(cells, Col::Zip);
        let zip = match zip_text {
            "" => None,
            t => Zip5::parse(t)
                .map_err(|e| errors.push(self.invalid(line, Col::Zip, e, zero_hint(t, 5))))
                .ok(),
        };
        let level = match self.cell(cells, Col::Level) {
            "" => None,
            t => level(t)
                .map_err(|e| errors.push(self.invalid(line, Col::Level, e, "")))
                .ok(),
        };
        let clinician = self.clinician(line, cells, &mut errors);
        match (tin, errors.is_empty()) {
            (Some(tin), true) => Ok(Row {
                tin,
                tin_text,
                practice,
                zip,
                level,
                clinician,
            }),
            _ => Err(errors),
        }
    }

    fn clinician<C: Cells + ?Sized>(
        &self,
        line: u64,
        cells: &C,
        errors: &mut Vec<RosterError>,
    ) -> Option<(Npi, Option<String>, ClinicianType)> {
        let npi_text = self.cell(cells, Col::Npi);
        if npi_text.is_empty() {
            // A practice without a clinician on this row: nothing about a clinician may be given.
            for col in [Col::Name, Col::First, Col::Last, Col::Type] {
                let v = self.cell(cells, col);
                if !v.is_empty() {
                    errors.push(self.error(
                        line,
                        col,
                        v,
                        format!(
                            "a clinician needs an NPI: fill in {} or empty this cell",
                            self.cols.written(Col::Npi)
                        ),
                    ));
                }
            }
            return None;
        }
        let npi = Npi::parse(npi_text)
            .map_err(|e| errors.push(self.invalid(line, Col::Npi, e, "")))
            .ok();
        let clinician_type = clinician_type_from_text(self.cell(cells, Col::Type))
            .map_err(|e| errors.push(self.invalid(line, Col::Type, e, "")))
            .ok();
        let name = self.cell(cells, Col::Name);
        let name = if name.is_empty() {
            let (first, last) = (self.cell(cells, Col::First), self.cell(cells, Col::Last));
            match (first.is_empty(), last.is_empty()) {
                (true, true) => None,
                (false, true) => Some(first.to_owned()),
                (true, false) => Some(last.to_owned()),
                (false, false) => Some(format!("{first} {last}")),
            }
        } else {
            Some(name.to_owned())
        };
        let name_col = if self.cell(cells, Col::Name).is_empty() {
            if self.cols.has(Col::Last) {
                Col::Last
            } else {
                Col::First
            }
        } else {
            Col::Name
        };
        if let Some(Err(e)) = name.as_deref().map(|n| name_ok("name", n)) {
            errors.push(self.invalid(line, name_col, e, ""));
        }
        Some((npi?, name, clinician_type?))
    }

    /// The row against the rows before it: one practice name, ZIP and level per TIN, one row per NPI in a
    /// practice, one type per NPI.
    fn agree(&self, line: u64, row: &Row<'_>) -> Result<(), RosterError> {
        let Some(&p) = self.by_tin.get(&row.tin) else {
            if row.practice.is_empty() {
                return Err(self.error(
                    line,
                    Col::Practice,
                    "",
                    format!(
                        "the first row of TIN {} must name the practice",
                        row.tin_text
                    ),
                ));
            }
            return self.agree_clinician(line, row, None);
        };
        let (have, set) = (&self.practices[p], &self.set[p]);
        if !row.practice.is_empty() && !same_name(&have.name, row.practice) {
            return Err(self.error(
                line,
                Col::Practice,
                row.practice,
                format!(
                    "practice {:?} differs from {:?} on line {} for TIN {}; every row of a TIN names the \
                     same practice",
                    clip(row.practice),
                    have.name,
                    have.line,
                    have.tin
                ),
            ));
        }
        if let (Some(z), Some(first)) = (row.zip, have.zip)
            && z != first
        {
            return Err(self.error(
                line,
                Col::Zip,
                self.zip_text(row),
                format!(
                    "ZIP {z} differs from {first} on line {} for TIN {}; a practice has one ZIP",
                    set.zip, have.tin
                ),
            ));
        }
        if let (Some(l), Some(first)) = (row.level, have.level)
            && l != first
        {
            return Err(self.error(
                line,
                Col::Level,
                l.label(),
                format!(
                    "reporting level {} differs from {} on line {} for TIN {}; a practice reports at \
                     one level",
                    l.label(),
                    first.label(),
                    set.level,
                    have.tin
                ),
            ));
        }
        self.agree_clinician(line, row, Some(p))
    }

    fn zip_text<'r>(&self, row: &'r Row<'_>) -> &'r str {
        row.zip.as_ref().map_or("", Zip5::as_str)
    }

    fn agree_clinician(
        &self,
        line: u64,
        row: &Row<'_>,
        practice: Option<usize>,
    ) -> Result<(), RosterError> {
        let Some((npi, _, t)) = &row.clinician else {
            return Ok(());
        };
        if let Some(first) = practice.and_then(|p| self.listed.get(&(p, *npi))) {
            return Err(self.error(
                line,
                Col::Npi,
                npi.as_str(),
                format!(
                    "NPI {npi} is already listed for TIN {} on line {first}",
                    row.tin
                ),
            ));
        }
        match self.types.get(npi) {
            Some((other, first, tin)) if other != t => Err(self.error(
                line,
                Col::Type,
                t.code(),
                format!(
                    "NPI {npi} is a {} on line {first} (TIN {tin}); one clinician has one type under \
                     every TIN",
                    other.code()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn apply(&mut self, line: u64, row: Row<'_>) {
        let p = match self.by_tin.get(&row.tin) {
            Some(&p) => p,
            None => {
                self.by_tin.insert(row.tin, self.practices.len());
                self.practices.push(ClientPractice {
                    line,
                    tin: row.tin,
                    name: row.practice.to_owned(),
                    zip: None,
                    level: None,
                    clinicians: Vec::new(),
                });
                self.set.push(Set { zip: 0, level: 0 });
                self.practices.len() - 1
            }
        };
        let (practice, set) = (&mut self.practices[p], &mut self.set[p]);
        if practice.zip.is_none() && row.zip.is_some() {
            practice.zip = row.zip;
            set.zip = line;
        }
        if practice.level.is_none() && row.level.is_some() {
            practice.level = row.level;
            set.level = line;
        }
        if let Some((npi, name, clinician_type)) = row.clinician {
            self.listed.insert((p, npi), line);
            self.types
                .entry(npi)
                .or_insert((clinician_type, line, row.tin));
            practice.clinicians.push(ClientClinician {
                line,
                npi,
                name,
                clinician_type,
            });
        }
    }
}

//! What CMS says happened: final feedback per TIN/NPI (or TIN, for a group) and performance year, from
//! either of two layouts, recognised by their headers:
//!
//! - the **plain** final-feedback CSV a consultancy types from the QPP portal ([`columns::PLAIN_HEADER`];
//!   `npi` empty for the group's row; weights in percent);
//! - the **QPP Experience public use file** (PUF) layout of the year, read by CMS's column labels for that
//!   year ([`columns::puf`]): the PI reweighting flags, category scores, and from PY 2023 the category
//!   weights CMS applied. The PUF names no TIN; a `tin` column may be added.
//!
//! Headers in any case, with `_`, `-` and spaces alike, a UTF-8 BOM and CRLF tolerated; columns we do not
//! read are passed over (a PUF has 92–204). Every problem names the line as the user's editor shows it
//! (header = line 1), the column as written and the value. Pure: bytes in, rows out.

pub mod columns;
#[cfg(test)]
mod tests;

use crate::client_list::headers::key;
use crate::csv_lines::LineCounter;
use crate::roster::RosterError;
use columns::Field;
use hardship_rules::{Npi, PerformanceYear, Tin};

/// The most rows a feedback file may have (the national PUF has ~1 million; filter it to your TINs).
pub const MAX_ROWS: u64 = 200_000;

/// Which layout a file was read as.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Plain,
    Puf,
}

/// The four category values in `Category::ALL` order (quality, cost, IA, PI); `None` = empty cell.
pub type Four = [Option<f64>; 4];

/// A PUF row's PI reweighting flags (`None` when the file has no such column or the cell is empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PiFlags {
    pub hardship: Option<bool>,
    pub special_status: Option<bool>,
    pub euc: Option<bool>,
}

impl PiFlags {
    /// Whether any flag says PI was reweighted; `None` when no flag was given.
    pub fn any(&self) -> Option<bool> {
        let all = [self.hardship, self.special_status, self.euc];
        if all.iter().all(Option::is_none) {
            None
        } else {
            Some(all.contains(&Some(true)))
        }
    }
}

/// One row of final feedback.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackRow {
    /// The line the row starts on.
    pub line: u64,
    /// Absent in a PUF without an added `tin` column.
    pub tin: Option<Tin>,
    /// `None` = the group's (TIN's) row.
    pub npi: Option<Npi>,
    pub final_score: Option<f64>,
    /// Category scores in percent.
    pub scores: Four,
    /// Weights CMS applied, in percent (fractions summing to 1 are scaled); all four or none.
    pub weights: Option<[f64; 4]>,
    pub payment_adjustment: Option<f64>,
    pub complex_patient_bonus: Option<f64>,
    /// PUF: the level the score was attributed at, as written ("Individual", "Group", "APM Entity").
    pub participation: Option<String>,
    pub pi_flags: PiFlags,
    /// PUF status flags: small practice, hospital-based, non-patient facing, ASC-based.
    pub statuses: [Option<bool>; 4],
}

/// A file of final feedback for one performance year.
#[derive(Clone, Debug, PartialEq)]
pub struct Feedback {
    pub layout: Layout,
    pub year: PerformanceYear,
    pub rows: Vec<FeedbackRow>,
    /// The PUF labels of the year the file does not have (said, not refused: the PUF changes by year).
    pub missing_columns: Vec<String>,
}

fn err(line: u64, column: &str, value: &str, message: impl Into<String>) -> RosterError {
    RosterError {
        line,
        column: column.to_owned(),
        value: value.chars().take(80).collect(),
        message: message.into(),
    }
}

/// Reads final feedback for `year`, all rows or none: every bad row is listed.
pub fn parse_feedback(bytes: &[u8], year: PerformanceYear) -> Result<Feedback, Vec<RosterError>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![err(
            0,
            "",
            "",
            format!("the file is not UTF-8 text (byte {})", e.valid_up_to()),
        )]
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let header = match reader.read_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => return Err(vec![err(0, "", "", "the file is empty")]),
        Err(e) => return Err(vec![err(1, "", "", format!("not valid CSV: {e}"))]),
    };
    let keys: Vec<String> = header.iter().map(key).collect();
    let has = |label: &str| keys.iter().any(|k| *k == key(label));
    let layout = if has("final score") && has("quality category score") {
        Layout::Puf
    } else {
        Layout::Plain
    };
    let map = match layout {
        Layout::Plain => columns::PLAIN.to_vec(),
        Layout::Puf => columns::puf(year.get()),
    };
    // Where each field sits, by name.
    let mut at: Vec<(Field, usize, &str)> = Vec::new();
    let mut missing_columns = Vec::new();
    for (field, label) in &map {
        match keys.iter().position(|k| *k == key(label)) {
            Some(i) => at.push((*field, i, header.get(i).unwrap_or(label))),
            None if layout == Layout::Puf && *field != Field::Tin => {
                missing_columns.push((*label).to_owned());
            }
            None => {}
        }
    }
    let missing: Vec<&str> = columns::required(layout == Layout::Puf)
        .iter()
        .filter(|f| !at.iter().any(|(g, _, _)| g == *f))
        .filter_map(|f| map.iter().find(|(g, _)| g == f).map(|(_, l)| *l))
        .collect();
    if !missing.is_empty() {
        return Err(vec![err(
            1,
            "",
            "",
            format!(
                "the header lacks {}; a final-feedback file has the columns {} (or the QPP Experience PUF's)",
                missing.join(", "),
                columns::PLAIN_HEADER
            ),
        )]);
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut count = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.line_of(e.position(), 0);
                errors.push(err(line, "", "", format!("not valid CSV: {e}")));
                break;
            }
        }
        let line = lines.line_of(record.position(), 0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            errors.push(err(
                line,
                "",
                "",
                format!("more than {MAX_ROWS} rows; keep only your own TINs"),
            ));
            break;
        }
        let cell = |f: Field| {
            at.iter()
                .find(|(g, _, _)| *g == f)
                .map(|(_, i, name)| (*name, record.get(*i).unwrap_or("").trim()))
        };
        match read_row(line, year, layout, &cell) {
            Ok(row) => rows.push(row),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(Feedback {
            layout,
            year,
            rows,
            missing_columns,
        })
    } else {
        Err(errors)
    }
}

/// One data row; `cell` gives a field's column name and trimmed text, if the file has it.
fn read_row<'a>(
    line: u64,
    year: PerformanceYear,
    layout: Layout,
    cell: &dyn Fn(Field) -> Option<(&'a str, &'a str)>,
) -> Result<FeedbackRow, Vec<RosterError>> {
    let mut errors = Vec::new();
    let mut number = |f: Field, lo: f64, hi: f64| -> Option<f64> {
        let (name, text) = cell(f)?;
        let t = text.trim_end_matches('%').trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Some(v),
            _ => {
                errors.push(err(
                    line,
                    name,
                    text,
                    format!("expected a number from {lo} to {hi}"),
                ));
                None
            }
        }
    };
    let final_score = number(Field::FinalScore, 0.0, 100.0);
    let scores = [
        number(Field::Quality, 0.0, 100.0),
        number(Field::Cost, 0.0, 100.0),
        number(Field::Ia, 0.0, 100.0),
        number(Field::Pi, 0.0, 100.0),
    ];
    let w = [
        number(Field::QualityWeight, 0.0, 100.0),
        number(Field::CostWeight, 0.0, 100.0),
        number(Field::IaWeight, 0.0, 100.0),
        number(Field::PiWeight, 0.0, 100.0),
    ];
    let payment_adjustment = number(Field::PaymentAdjustment, -100.0, 100.0);
    let complex_patient_bonus = number(Field::ComplexPatientBonus, 0.0, 100.0);
    let weights = match w {
        [Some(q), Some(c), Some(i), Some(p)] => {
            let sum = q + c + i + p;
            // The PUF may give weights as fractions (0.55); the plain file gives percent (55).
            let scale = if sum > 0.0 && sum <= 1.0 + 1e-6 {
                100.0
            } else {
                1.0
            };
            Some([q * scale, c * scale, i * scale, p * scale])
        }
        [None, None, None, None] => None,
        _ => {
            let (name, text) = cell(Field::PiWeight).unwrap_or(("pi_weight", ""));
            errors.push(err(
                line,
                name,
                text,
                "give all four category weights or none",
            ));
            None
        }
    };
    let mut flag = |f: Field| -> Option<bool> {
        let (name, text) = cell(f)?;
        match text.to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "t" | "yes" | "y" | "1" => Some(true),
            "false" | "f" | "no" | "n" | "0" => Some(false),
            _ => {
                errors.push(err(line, name, text, "expected true or false"));
                None
            }
        }
    };
    let pi_flags = PiFlags {
        hardship: flag(Field::PiHardship),
        special_status: flag(Field::PiSpecialStatus),
        euc: flag(Field::PiEuc),
    };
    let statuses = [
        flag(Field::SmallPractice),
        flag(Field::HospitalBased),
        flag(Field::NonPatientFacing),
        flag(Field::AscBased),
    ];
    let tin = match cell(Field::Tin) {
        Some((_, "")) if layout == Layout::Puf => None,
        Some((name, text)) => match Tin::parse(text) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(err(line, name, text, e.expected));
                None
            }
        },
        None => None,
    };
    let npi = match cell(Field::Npi) {
        Some((name, "")) if layout == Layout::Puf => {
            errors.push(err(line, name, "", "a PUF row names its clinician's NPI"));
            None
        }
        Some((_, "")) | None => None,
        Some((name, text)) => match Npi::parse(text) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(err(line, name, text, e.expected));
                None
            }
        },
    };
    if let Some((name, text)) = cell(Field::Year)
        && text != year.get().to_string()
    {
        errors.push(err(
            line,
            name,
            text,
            format!("this import is for performance year {}", year.get()),
        ));
    }
    if layout == Layout::Plain && tin.is_none() && errors.is_empty() {
        let (name, text) = cell(Field::Tin).unwrap_or(("tin", ""));
        errors.push(err(line, name, text, "every row names its TIN"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FeedbackRow {
        line,
        tin,
        npi,
        final_score,
        scores,
        weights,
        payment_adjustment,
        complex_patient_bonus,
        participation: cell(Field::Participation)
            .map(|(_, t)| t.to_owned())
            .filter(|t| !t.is_empty()),
        pi_flags,
        statuses,
    })
}

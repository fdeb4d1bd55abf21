//! A consultancy's whole client list: many practices (by TIN) and their clinicians in one file, as the
//! spreadsheet people already keep, so onboarding a client base is one upload rather than a roster per
//! practice. Pure parsing of bytes, no I/O.
//!
//! The file is CSV or XLSX (recognised by its ZIP signature). One row per clinician of a practice, or a row
//! with a TIN and practice name but no NPI for a practice listed without clinicians. Headers may be written
//! as people write them ("Tax ID", "Provider NPI", "Credentials"; see [`accepted_columns`]); clinician
//! types may be credentials ("NP", "PA-C"; see [`crate::clinician_type_text`]). A title above the header
//! is passed over.
//!
//! Files as Excel leaves them are read: a UTF-8 byte-order mark, CRLF line ends, Windows-1252 (Excel's
//! "CSV" on Windows; said in a note), semicolon- or tab-separated columns, trailing `,,,,` rows, and in
//! XLSX numbers where text was meant (an NPI as 1234567893.0, a TIN or ZIP whose leading zero Excel
//! dropped: restored, and said in a note). Every problem names the line as the user's editor or Excel
//! shows it (header = line 1), the column as the user wrote it, and the value.
//!
//! The rows of one TIN must agree on the practice's name, ZIP and level; an NPI is listed once per TIN,
//! and has one type under every TIN it bills under.

pub(crate) mod headers;
mod rows;
#[cfg(test)]
mod tests;
mod text;
mod xlsx;

use crate::roster::RosterError;
use hardship_rules::{ClinicianType, Npi, ReportingLevel, Tin, Zip5};
use rows::Outcome;

/// The most data rows a client list may have (a consultancy's whole book is far smaller).
pub const MAX_ROWS: u64 = 200_000;

/// The canonical header, as the template writes it.
pub const CLIENT_LIST_HEADER: &str =
    "tin,practice_name,practice_zip,reporting_level,npi,name,clinician_type";

/// A client list to start from: the canonical header and example rows (two clinicians of one practice,
/// one of another).
pub const CLIENT_LIST_TEMPLATE_CSV: &str = "\
tin,practice_name,practice_zip,reporting_level,npi,name,clinician_type
12-3456789,Lakeside Family Medicine,02134,group,1234567893,Nguyễn Văn An,physician
12-3456789,Lakeside Family Medicine,02134,group,1245319599,Łukasz Wróbel,nurse_practitioner
987654321,Núñez Chiropractic,60614,individual,1003000126,José Núñez,chiropractor
";

/// The template as a file to download: a UTF-8 byte-order mark first, so Excel shows "Nguyễn" right.
pub fn template_for_excel() -> Vec<u8> {
    let mut bytes = crate::spreadsheet::BOM.to_vec();
    bytes.extend_from_slice(CLIENT_LIST_TEMPLATE_CSV.as_bytes());
    bytes
}

/// The file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientListFormat {
    Csv,
    Xlsx,
}

/// One clinician of a practice.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientClinician {
    /// The line (CSV) or row (XLSX) that lists the clinician under this practice.
    pub line: u64,
    pub npi: Npi,
    pub name: Option<String>,
    pub clinician_type: ClinicianType,
}

/// One practice (TIN) of the list, with its clinicians in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientPractice {
    /// The first line that names the TIN.
    pub line: u64,
    pub tin: Tin,
    pub name: String,
    pub zip: Option<Zip5>,
    /// The level the file states; `None` when no row states one.
    pub level: Option<ReportingLevel>,
    pub clinicians: Vec<ClientClinician>,
}

/// A checked client list: practices in the order they first appear.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientList {
    pub practices: Vec<ClientPractice>,
    /// Data rows read (rows that are entirely empty are not counted).
    pub rows: u64,
    pub format: ClientListFormat,
    /// What the reader did that the user should know (an encoding assumed, leading zeros restored, the
    /// worksheet read, rows left out).
    pub notes: Vec<String>,
}

/// Every column a client list may have: its canonical name, and the headers it is known by (in any case,
/// with `_`, `-` and spaces alike), for help texts and templates.
pub fn accepted_columns() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    headers::COLUMNS
        .iter()
        .map(|(_, name, aliases)| (*name, *aliases))
}

/// Whether the bytes are an XLSX workbook (a ZIP file).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Whether the file should be read as a client list: an XLSX workbook, or a CSV whose header names a TIN
/// column and a practice-name column (a roster of one practice names neither).
pub fn is_client_list(bytes: &[u8]) -> bool {
    is_xlsx(bytes) || text::header_names_practices(bytes)
}

/// Parses and checks a whole client list. Any problem refuses the file: every problem found is returned
/// (at most `max_errors`), or the list when there is none.
pub fn parse_client_list(bytes: &[u8], max_errors: usize) -> Result<ClientList, Vec<RosterError>> {
    parse(bytes, false, max_errors).map(|(list, _)| list)
}

/// Like [`parse_client_list`], but keeps the good rows: returns the list built from the rows without a
/// problem, and the problems of the rows left out (at most `max_errors` listed). A problem with the file
/// as a whole (line 0: its header, its size, an unreadable workbook) is never skipped, and a file of which
/// no practice is left is refused.
pub fn parse_client_list_keeping_good(
    bytes: &[u8],
    max_errors: usize,
) -> Result<(ClientList, Vec<RosterError>), Vec<RosterError>> {
    parse(bytes, true, max_errors)
}

pub(crate) fn file_error(message: impl Into<String>) -> RosterError {
    RosterError {
        line: 0,
        column: String::new(),
        value: String::new(),
        message: message.into(),
    }
}

fn parse(
    bytes: &[u8],
    keep_good: bool,
    max_errors: usize,
) -> Result<(ClientList, Vec<RosterError>), Vec<RosterError>> {
    let mut notes = Vec::new();
    let (format, read) = if is_xlsx(bytes) {
        // calamine can panic on a malformed workbook (a cell reference of many letters overflows its
        // column number: found by the hostile-workbook property test); such a file is refused, not fatal.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            xlsx::read(bytes, keep_good, max_errors, &mut notes)
        }))
        .unwrap_or_else(|_| {
            Err(file_error(
                "the file looks like an Excel workbook (.xlsx) but cannot be read: its sheet is malformed; \
                 open it in Excel and save it again, or save it as CSV UTF-8, and upload that",
            ))
        });
        (ClientListFormat::Xlsx, read)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(vec![file_error(
            "this is an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV UTF-8 and upload that",
        )]);
    } else {
        let read = text::read(bytes, keep_good, max_errors, &mut notes);
        (ClientListFormat::Csv, read)
    };
    let Outcome {
        practices,
        rows,
        errors,
        refused_rows,
    } = read.map_err(|e| vec![e])?;
    if rows == 0 && errors.is_empty() {
        return Err(vec![file_error(
            "the file has a header but no practices: add a row per clinician (or per practice)",
        )]);
    }
    let whole_file = errors.iter().any(|e| e.line == 0);
    if !errors.is_empty() && (!keep_good || whole_file || practices.is_empty()) {
        return Err(errors);
    }
    if refused_rows > 0 {
        notes.push(format!(
            "{refused_rows} of {rows} rows had problems and were left out; the other rows were imported"
        ));
    }
    let list = ClientList {
        practices,
        rows,
        format,
        notes,
    };
    Ok((list, errors))
}

//! A client list as text: the bytes decoded as Excel writes them (UTF-8 with or without a byte-order
//! mark, UTF-16 for "Unicode Text", else Windows-1252), the separator found from the header line, and the
//! rows read as CSV with each record's line as the user's editor shows it.

use super::file_error;
use super::headers::{Columns, HEADER_SEARCH, names_practices};
use super::rows::{Builder, Flow, Outcome};
use crate::csv_lines::LineCounter;
use crate::roster::RosterError;
use std::borrow::Cow;

/// The text of the file, and a note when it was not UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<&'static str>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_plain(rest);
    }
    let utf16 = if bytes.starts_with(b"\xFF\xFE") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    if let Some(encoding) = utf16 {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[2..]);
        return (
            text,
            Some("The file is UTF-16 (Excel's \"Unicode Text\") and was read as such."),
        );
    }
    decode_plain(bytes)
}

fn decode_plain(bytes: &[u8]) -> (Cow<'_, str>, Option<&'static str>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(_) => {
            // Every byte sequence is Windows-1252 text, so this never fails; a file that was something else
            // shows as odd letters in names, which the note asks the user to look at.
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (
                text,
                Some(
                    "The file is not UTF-8, so it was read as Windows-1252 (what Excel's \"CSV (Comma \
                     delimited)\" writes on Windows): check that accented names read right, or save it \
                     as \"CSV UTF-8\".",
                ),
            )
        }
    }
}

/// Excel's `sep=;` first line, which names the separator: the separator, if the text starts with one.
fn sep_line(text: &str) -> Option<u8> {
    let rest = text.strip_prefix("sep=")?;
    let b = *rest.as_bytes().first()?;
    let end = rest.get(1..)?;
    (matches!(b, b',' | b';' | b'\t' | b'|') && (end.is_empty() || end.starts_with(['\r', '\n'])))
        .then_some(b)
}

/// The separator: a `sep=` line's, else a comma, unless the first line with a value (the header) has
/// none and has semicolons (Excel in much of Europe) or tabs (Excel's "Text" and "Unicode Text").
fn delimiter(text: &str) -> u8 {
    if let Some(b) = sep_line(text) {
        return b;
    }
    let first = text
        .split(['\n', '\r'])
        .find(|l| {
            l.chars()
                .any(|c| !matches!(c, ',' | ';' | '\t') && !c.is_whitespace())
        })
        .unwrap_or("");
    let count = |b: u8| first.bytes().filter(|&c| c == b).count();
    match (count(b','), count(b';'), count(b'\t')) {
        (0, s, t) if t > s => b'\t',
        (0, s, _) if s > 0 => b';',
        _ => b',',
    }
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    if sep_line(text).is_some() {
        // Excel's separator line is not a row; skip its record (the line counter still counts it).
        let _ = r.read_record(&mut csv::StringRecord::new());
    }
    r
}

fn is_blank(rec: &csv::StringRecord) -> bool {
    rec.iter().all(|c| c.trim().is_empty())
}

/// A header row found, where it starts (when it names practices) and how many rows with values were
/// above it.
struct Header {
    cells: Vec<String>,
    at: Option<u64>,
    skipped: usize,
}

/// The header: the first of the first rows that are not empty that names a TIN and a practice column
/// (the rows above it are a title or notes), else the first row that is not empty (whose columns are then
/// refused by name). `None` for a file without a row. The reader is left after the header.
fn find_header(
    r: &mut csv::Reader<&[u8]>,
    rec: &mut csv::StringRecord,
) -> Result<Option<Header>, RosterError> {
    let mut first: Option<Header> = None;
    for skipped in 0..HEADER_SEARCH {
        loop {
            match r.read_record(rec) {
                Ok(true) if is_blank(rec) => {}
                Ok(true) => break,
                Ok(false) => return Ok(first),
                Err(e) => return Err(file_error(format!("not a CSV file: {e}"))),
            }
        }
        if names_practices(rec.iter()) {
            return Ok(Some(Header {
                cells: rec.iter().map(str::to_owned).collect(),
                at: rec.position().map(csv::Position::byte),
                skipped,
            }));
        }
        first.get_or_insert_with(|| Header {
            cells: rec.iter().map(str::to_owned).collect(),
            at: None,
            skipped: 0,
        });
    }
    Ok(first)
}

/// Whether the file's header names a TIN column and a practice column. Only the start of the file is
/// decoded: the header is on it.
pub(crate) fn header_names_practices(bytes: &[u8]) -> bool {
    let (text, _) = decode(&bytes[..bytes.len().min(64 << 10)]);
    let mut r = reader(&text);
    let mut rec = csv::StringRecord::new();
    matches!(
        find_header(&mut r, &mut rec),
        Ok(Some(Header { at: Some(_), .. }))
    )
}

pub(crate) fn read(
    bytes: &[u8],
    keep_good: bool,
    max_errors: usize,
    notes: &mut Vec<String>,
) -> Result<Outcome, RosterError> {
    let (text, note) = decode(bytes);
    notes.extend(note.map(str::to_owned));
    let mut r = reader(&text);
    let mut lines = LineCounter::new(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let Some(header) = find_header(&mut r, &mut rec)? else {
        return Err(file_error(format!(
            "the file is empty: expected a header row such as {}",
            super::CLIENT_LIST_HEADER
        )));
    };
    let cols = Columns::parse(&header.cells.iter().map(String::as_str).collect::<Vec<_>>())?;
    if let (Some(at), 1..) = (header.at, header.skipped) {
        notes.push(format!(
            "The header is on line {}; the {} row(s) above it (a title?) were not read.",
            lines.line_at(at),
            header.skipped
        ));
    }
    let mut rows = Builder::new(&cols, keep_good, max_errors);
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // The rest of the file cannot be read, so this is never a row to leave out (line 0).
                let line = lines.line_of(e.position(), 0);
                rows.push(file_error(format!("not valid CSV from line {line}: {e}")));
                break;
            }
        }
        let line = lines.line_of(rec.position(), 0);
        if rows.row(line, &rec) == Flow::Stop {
            break;
        }
    }
    Ok(rows.finish())
}

//! A client list as an XLSX workbook, read with `calamine` cell by cell (never as one dense range: a
//! hostile sheet naming cells A1 and XFD1048576 would ask for billions of cells).
//!
//! Before calamine sees the file, its ZIP entries are inflated once with a cap, so a small upload cannot
//! expand into gigabytes of XML (calamine holds the shared strings in memory). The sheet read is the first
//! worksheet whose first row names a TIN and a practice column, else the first worksheet. Rows are numbered
//! as Excel shows them. Numbers become the text a person typed: 1234567893.0 is "1234567893", and a TIN or
//! ZIP stored as a number gets back the leading zeros Excel dropped.

use super::file_error;
use super::headers::{Col, Columns, HEADER_SEARCH, MAX_COLUMNS, names_practices};
use super::rows::{Builder, Flow, Outcome};
use crate::roster::RosterError;
use calamine::{DataRef, Reader, SheetType, Xlsx, XlsxCellReader};
use std::io::{Cursor, Read};

/// The most the workbook's entries may inflate to, together.
const MAX_INFLATED: u64 = 256 << 20;
const MAX_ENTRIES: usize = 10_000;
/// The most of a text cell kept; any longer value is refused by the checks anyway (names ≤ 200 chars).
const MAX_CELL_BYTES: usize = 1024;

type Book<'b> = Xlsx<Cursor<&'b [u8]>>;

fn unreadable(e: impl std::fmt::Display) -> RosterError {
    file_error(format!(
        "the file looks like an Excel workbook (.xlsx) but cannot be read: {e}"
    ))
}

/// Inflates every entry with a cap of `limit` bytes in all: the real sizes, not the ones the archive
/// declares.
fn check_zip(bytes: &[u8], limit: u64) -> Result<(), RosterError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_ENTRIES {
        return Err(unreadable(format!("{} entries", zip.len())));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(unreadable)?;
        let n = std::io::copy(
            &mut (&mut entry).take(limit - total + 1),
            &mut std::io::sink(),
        )
        .map_err(unreadable)?;
        total += n;
        if total > limit {
            return Err(file_error(format!(
                "the workbook expands to more than {} MiB; a client list is far smaller (is it the right \
                 file?)",
                limit >> 20
            )));
        }
    }
    Ok(())
}

/// A cell as text, trimmed and cut to [`MAX_CELL_BYTES`], and whether it was a whole number ≥ 0.
fn text(v: &DataRef<'_>) -> Option<(String, bool)> {
    let s: &str = match v {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s,
        DataRef::SharedString(s) => s,
        DataRef::Int(i) => return Some((i.to_string(), *i >= 0)),
        DataRef::Float(f) => return Some(number(*f)),
        DataRef::DateTime(d) => return Some((number(d.as_f64()).0, false)),
        DataRef::Bool(b) => return Some(((if *b { "TRUE" } else { "FALSE" }).to_owned(), false)),
        DataRef::Error(e) => return Some((e.to_string(), false)),
    };
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut end = s.len().min(MAX_CELL_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Some((s[..end].to_owned(), false))
}

/// 1234567893.0 → "1234567893" (a whole number, as typed); anything else as Rust prints it.
fn number(f: f64) -> (String, bool) {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        let n = f as i64;
        (n.to_string(), n >= 0)
    } else {
        (f.to_string(), false)
    }
}

/// A row's non-empty cells: (column, text, whole number).
type RowCells = Vec<(u32, String, bool)>;

/// Reads cells in sheet order and hands over each row that has a value, with its 0-based row index.
fn rows(
    cells: &mut XlsxCellReader<'_, Cursor<&[u8]>>,
    mut each: impl FnMut(u32, &RowCells) -> Result<Flow, RosterError>,
) -> Result<(), RosterError> {
    let mut current: Option<u32> = None;
    let mut row: RowCells = Vec::new();
    loop {
        let cell = cells.next_cell().map_err(unreadable)?;
        let next_row = cell.as_ref().map(|c| c.get_position().0);
        if next_row != current {
            if let (Some(r), false) = (current, row.is_empty())
                && each(r, &row)? == Flow::Stop
            {
                return Ok(());
            }
            if let (Some(n), Some(c)) = (next_row, current)
                && n < c
            {
                return Err(unreadable(format!(
                    "row {} comes after row {} in the sheet; open it in Excel and save it again",
                    n + 1,
                    c + 1
                )));
            }
            row.clear();
            current = next_row;
        }
        let Some(cell) = cell else {
            return Ok(());
        };
        if row.len() > 2 * MAX_COLUMNS {
            return Err(unreadable(format!(
                "row {} has more than {} cells",
                cell.get_position().0 + 1,
                2 * MAX_COLUMNS
            )));
        }
        if let Some((t, whole)) = text(cell.get_value()) {
            row.push((cell.get_position().1, t, whole));
        }
    }
}

/// A sheet's header row: its 0-based index, its cells by column (empty where the sheet has none), and how
/// many rows with values stand above it.
type HeaderRow = (u32, Vec<String>, usize);

/// The header of a sheet: the first of its first rows that names a TIN and a practice column (a title may
/// stand above it), else its first row with a value (whose columns are then refused by name).
fn header(book: &mut Book<'_>, name: &str) -> Result<Option<HeaderRow>, RosterError> {
    let mut cells = book.worksheet_cells_reader(name).map_err(unreadable)?;
    let (mut first, mut found, mut seen) = (None, None, 0);
    rows(&mut cells, |r, row| {
        let width = row.iter().map(|c| c.0 as usize + 1).max().unwrap_or(0);
        if width > MAX_COLUMNS {
            return Err(file_error(format!(
                "row {} of sheet {name:?} reaches column {width}; a client list has at most \
                 {MAX_COLUMNS}",
                r + 1
            )));
        }
        let mut names = vec![String::new(); width];
        for (c, t, _) in row {
            names[*c as usize].clone_from(t);
        }
        if names_practices(names.iter().map(String::as_str)) {
            found = Some((r, names, seen));
            return Ok(Flow::Stop);
        }
        first.get_or_insert((r, names, 0));
        seen += 1;
        Ok(if seen < HEADER_SEARCH {
            Flow::Go
        } else {
            Flow::Stop
        })
    })?;
    Ok(found.or(first))
}

pub(crate) fn read(
    bytes: &[u8],
    keep_good: bool,
    max_errors: usize,
    notes: &mut Vec<String>,
) -> Result<Outcome, RosterError> {
    check_zip(bytes, MAX_INFLATED)?;
    let mut book: Book<'_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut chosen = None;
    for name in &sheets {
        if let Some((r, names, skipped)) = header(&mut book, name)?
            && names_practices(names.iter().map(String::as_str))
        {
            chosen = Some((name, r, names, skipped));
            break;
        }
    }
    let matched = chosen.is_some();
    let (name, header_row, names, skipped) = match chosen {
        Some(c) => c,
        None => {
            let first = sheets
                .first()
                .ok_or_else(|| file_error("the workbook has no worksheet"))?;
            let (r, names, skipped) = header(&mut book, first)?.ok_or_else(|| {
                file_error(format!(
                    "sheet {first:?} is empty: expected a header row such as {}",
                    super::CLIENT_LIST_HEADER
                ))
            })?;
            (first, r, names, skipped)
        }
    };
    if skipped > 0 {
        notes.push(format!(
            "The header is on row {} of sheet {name:?}; the {skipped} row(s) above it (a title?) were \
             not read.",
            header_row + 1
        ));
    }
    if sheets.len() > 1 {
        let which = if matched {
            "the first with TIN and practice columns"
        } else {
            "the first sheet (none has TIN and practice columns)"
        };
        notes.push(format!(
            "Read worksheet {name:?}, {which}; the workbook's other sheets were not read."
        ));
    }
    let cols = Columns::parse(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut builder = Builder::new(&cols, keep_good, max_errors);
    let (tin_at, zip_at) = (cols.at(Col::Tin), cols.at(Col::Zip));
    let (mut tins_padded, mut zips_padded) = (0u64, 0u64);
    // One row's cells by column, plus one slot for a value past the header's last column.
    let mut line_cells = vec![String::new(); cols.width + 1];
    let mut cells = book.worksheet_cells_reader(name).map_err(unreadable)?;
    rows(&mut cells, |r, row| {
        if r <= header_row {
            return Ok(Flow::Go);
        }
        line_cells.iter_mut().for_each(String::clear);
        for (c, t, whole) in row {
            let c = *c as usize;
            let Some(slot) = line_cells.get_mut(c.min(cols.width)) else {
                continue;
            };
            if !slot.is_empty() {
                continue; // the first value past the header is enough to report
            }
            // Excel keeps a number, so 012345678 is stored as 12345678: the zeros are restored.
            let pad = match (*whole, Some(c)) {
                (true, at) if at == tin_at && t.len() < 9 => Some((9, &mut tins_padded)),
                (true, at) if at == zip_at && t.len() < 5 => Some((5, &mut zips_padded)),
                (true, at) if at == zip_at && (6..9).contains(&t.len()) => {
                    Some((9, &mut zips_padded))
                }
                _ => None,
            };
            match pad {
                Some((width, count)) => {
                    *count += 1;
                    slot.push_str(&format!("{t:0>width$}"));
                }
                None => slot.push_str(t),
            }
        }
        Ok(builder.row(u64::from(r) + 1, line_cells.as_slice()))
    })?;
    if tins_padded + zips_padded > 0 {
        notes.push(format!(
            "Leading zeros restored: {tins_padded} TIN and {zips_padded} ZIP cell(s) were numbers in the \
             workbook, and Excel drops the leading zero of a number (012345678 becomes 12345678); format \
             those columns as Text to keep them."
        ));
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    #[test]
    fn a_workbook_that_inflates_past_the_cap_is_refused_before_calamine_reads_it() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("xl/sharedStrings.xml", deflated).unwrap();
        w.write_all(&vec![b'a'; 3 << 20]).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 64 << 10, "small on the wire: {}", bytes.len());
        let e = check_zip(&bytes, 2 << 20).unwrap_err();
        assert!(e.message.contains("more than 2 MiB"), "{}", e.message);
        assert!(check_zip(&bytes, 4 << 20).is_ok());
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number(1234567893.0), ("1234567893".into(), true));
        assert_eq!(number(-3.0), ("-3".into(), false));
        assert_eq!(number(2.5), ("2.5".into(), false));
        assert!(!number(f64::NAN).1);
        assert!(!number(1e300).1);
    }
}

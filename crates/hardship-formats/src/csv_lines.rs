//! Keeping the good rows: when a user asks to import a file despite bad rows, the bad rows (by the line
//! their record starts on) are dropped and the rest parsed again, so the importers' checks stay one code
//! path. Problems with the file as a whole (line 0) are never skipped.
//!
//! [`LineCounter`] gives every importer the line a record starts on as the user's editor shows it.

use crate::roster::RosterError;
use std::collections::HashSet;

/// The 1-based line a CSV record starts on, as an editor shows it (header = line 1).
///
/// `csv`'s own `Position::line()` counts only `\n` that end a record *it has finished*, and its
/// `Position::byte()` is where it began scanning: before the `\n` of a CRLF pair it stopped at, and
/// before any blank lines it then skipped. So for a CRLF file every record after the first was reported one
/// line too low, and records after blank lines too low by the blank lines. This counts line ends in the
/// bytes themselves from that byte offset, skipping the line ends the reader skipped: `\n`, `\r\n` and a
/// lone `\r` each end one line, also inside a quoted field (the editor shows that as a new line too).
/// Offsets must be asked for in increasing order (they are, record after record); counting is linear in
/// the file as a whole.
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter over exactly the bytes the CSV reader reads.
    pub fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line of the record `csv` reports at byte offset `byte` (`position().byte()`).
    pub fn line_at(&mut self, byte: u64) -> u64 {
        let b = self.bytes;
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(b.len());
        while start < b.len() && matches!(b[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.at {
            // Never happens for a reader's records; start over rather than answer wrongly.
            self.at = 0;
            self.line = 1;
        }
        for i in self.at..start {
            match b[i] {
                b'\n' => self.line += 1,
                b'\r' if b.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.at = start;
        self.line
    }

    /// The line of a record (or of a CSV error) from its position; `fallback` when it has none.
    pub fn line_of(&mut self, position: Option<&csv::Position>, fallback: u64) -> u64 {
        position.map_or(fallback, |p| self.line_at(p.byte()))
    }
}

/// The file without the records starting on `lines` (header kept), re-written as CSV.
pub fn drop_lines(bytes: &[u8], lines: &HashSet<u64>) -> Result<Vec<u8>, String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut rec = csv::ByteRecord::new();
    let mut lines_of = LineCounter::new(bytes);
    let mut first = true;
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("not valid CSV: {e}")),
        }
        let line = lines_of.line_of(rec.position(), 0);
        if first || !lines.contains(&line) {
            w.write_byte_record(&rec).map_err(|e| e.to_string())?;
        }
        first = false;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// Parses strictly; with `keep_good`, drops the rows that failed and parses the rest, returning what was
/// left out beside the result. `parse` is the importer's own strict parser.
pub fn parse_keeping_good<T>(
    bytes: &[u8],
    keep_good: bool,
    parse: impl Fn(&[u8]) -> Result<T, Vec<RosterError>>,
) -> Result<(T, Vec<RosterError>), Vec<RosterError>> {
    match parse(bytes) {
        Ok(v) => Ok((v, Vec::new())),
        Err(errors) if !keep_good || errors.iter().any(|e| e.line == 0) => Err(errors),
        Err(errors) => {
            let bad: HashSet<u64> = errors.iter().map(|e| e.line).collect();
            let rest = drop_lines(bytes, &bad).map_err(|m| {
                vec![RosterError {
                    line: 0,
                    column: String::new(),
                    value: String::new(),
                    message: m,
                }]
            })?;
            // Rows that only conflicted with a dropped row parse now; anything still wrong is refused
            // with the problems of the file as given (the rewritten file's line numbers are not the user's).
            match parse(&rest) {
                Ok(v) => Ok((v, errors)),
                Err(_) => Err(errors),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hardship_rules::Tin;

    /// Line starts of every record, as `LineCounter` reports them.
    fn lines(text: &str) -> Vec<u64> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut counter = LineCounter::new(text.as_bytes());
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            out.push(counter.line_of(rec.position(), 0));
        }
        out
    }

    #[test]
    fn lines_are_the_editors_for_crlf_blank_lines_and_quoted_newlines() {
        assert_eq!(lines("a,b\nc,d\ne,f\n"), [1, 2, 3]);
        // csv's own position().line() says [1, 1, 2] here.
        assert_eq!(lines("a,b\r\nc,d\r\ne,f\r\n"), [1, 2, 3]);
        assert_eq!(lines("a,b\r\n\"c\r\nx\",d\r\ne,f\r\n"), [1, 2, 4]);
        assert_eq!(lines("a,b\n\"c\nx\ny\",d\ne,f"), [1, 2, 5]);
        assert_eq!(lines("a,b\n\n\r\nc,d\n"), [1, 4]);
        assert_eq!(lines("\r\n\r\na,b\rc,d\r"), [3, 4]);
    }

    #[test]
    fn dropping_lines_of_a_crlf_file_drops_the_right_rows() {
        let csv = "npi,clinician_type\r\n1234567893,physician\r\n1245319599,crna\r\n";
        let out = drop_lines(csv.as_bytes(), &HashSet::from([3])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "npi,clinician_type\n1234567893,physician\n"
        );
    }

    #[test]
    fn good_rows_are_kept_only_when_asked() {
        let csv = "npi,name,clinician_type\n1234567893,\"Doe, Ada\",physician\n1234567890,Bad,physician\n1245319599,Ben,crna\n";
        let tin = Tin::parse("123456789").unwrap();
        let strict = |b: &[u8]| crate::roster::parse_roster(b, tin, 10);
        assert!(parse_keeping_good(csv.as_bytes(), false, strict).is_err());
        let (r, left_out) = parse_keeping_good(csv.as_bytes(), true, strict).unwrap();
        assert_eq!(r.clinicians.len(), 2);
        assert_eq!(
            r.clinicians[0].name.as_deref(),
            Some("Doe, Ada"),
            "quoting survives"
        );
        assert_eq!((left_out.len(), left_out[0].line), (1, 3));
        // A problem with the whole file is never skipped.
        assert!(parse_keeping_good(b"npi,shoe\n1,2\n", true, strict).is_err());
    }
}

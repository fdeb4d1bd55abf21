//! Keeping the good rows: when a user asks to import a file despite bad rows, the bad rows (by the line
//! their record starts on) are dropped and the rest parsed again, so the importers' checks stay one code
//! path. Problems with the file as a whole (line 0) are never skipped.

use crate::roster::RosterError;
use std::collections::HashSet;

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
    let mut first = true;
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("not valid CSV: {e}")),
        }
        let line = rec.position().map_or(0, |p| p.line());
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

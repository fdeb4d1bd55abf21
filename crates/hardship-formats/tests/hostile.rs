#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Hostile input for every parser of the crate: arbitrary bytes, and files that look right (CSV in the
//! roster, batch and NPPES layouts, JSON shaped like CMS's eligibility and submission files) with random
//! mutations, so the properties reach the deep code and not only the first "not valid CSV".
//!
//! Each property asserts: no panic, no hang (every call well under a second), bounded output (error lists
//! no longer than their cap, values echoed in errors truncated, messages no larger than the input could
//! explain), and the parser's own promises where they are checkable from outside (a row the batch parser
//! accepts has a key; a file parsed strictly is kept whole by "keep the good rows"; a submission holding a
//! PI set is reported as holding PI data).
//!
//! Failures found by the properties are persisted in `proptest-regressions/hostile.txt` (committed) and
//! re-run first; the crashes they found are also kept below as named tests.

use hardship_formats::batch_row::{
    COLUMNS, Fields, Header, LineSplitter, RowParser, parse_key, parse_row,
};
use hardship_formats::csv_lines::{LineCounter, drop_lines, parse_keeping_good};
use hardship_formats::eligibility::{EligibilityFile, parse_eligibility};
use hardship_formats::nppes::parse_nppes;
use hardship_formats::roster::{ROSTER_COLUMNS, RosterError, parse_roster};
use hardship_formats::submission::scan_submission;
use hardship_rules::{ClinicianType, Tin};
use hardship_testkit::bytes::{Mutation, apply, mutations};
use hardship_testkit::json::pointers;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Slow enough for a debug build on a busy 2-core machine, far below what a hang or a quadratic blow-up
/// on these input sizes would take.
const PER_CALL: Duration = Duration::from_secs(2);

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/hostile.txt",
        ))),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

fn tin() -> Tin {
    Tin::parse("123456789").unwrap()
}

/// Runs `f`, failing the property if it took longer than [`PER_CALL`].
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    prop_assert!(took < PER_CALL, "{what} took {took:?}");
    Ok(out)
}

/// Bytes that print readably (escaped, cut) in failure reports and the regressions file.
#[derive(Clone, PartialEq, Eq)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.0[..self.0.len().min(600)];
        write!(f, "b\"{}\"", shown.escape_ascii())?;
        if self.0.len() > shown.len() {
            write!(f, "… ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn any_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes)
}

// ---- cell values ----------------------------------------------------------------------------------------

/// Valid NPIs, not too many, so rows repeat clinicians and the "already listed" and agreement checks run.
fn npi_pool() -> Vec<String> {
    (0..200u32)
        .map(|n| {
            let base = format!("{:09}", 123_456_000 + n);
            let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
            format!("{base}{d}")
        })
        .collect()
}

fn garbage() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        "[ -~]{0,12}",
        "\\PC{0,8}",
        any::<String>(),
        Just("\u{feff}".to_owned()),
        Just("x".repeat(300)),
        Just("\u{1}\u{7f}\u{202e}".to_owned()),
    ]
    .boxed()
}

fn one_of(values: &[&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(values.to_vec())
        .prop_map(str::to_owned)
        .boxed()
}

fn clinician_types() -> Vec<&'static str> {
    ClinicianType::ALL.iter().map(|t| t.code()).collect()
}

/// A value the column accepts (in the batch contract; the roster accepts these too).
fn valid_cell(column: &str) -> BoxedStrategy<String> {
    match column {
        "npi" => prop::sample::select(npi_pool()).boxed(),
        "tin" => one_of(&["123456789", "12-3456789", " 123456789 "]),
        "performance_year" => (2017u16..=2026).prop_map(|y| y.to_string()).boxed(),
        "clinician_type" => prop::sample::select(clinician_types())
            .prop_map(str::to_owned)
            .boxed(),
        "reporting_level" => one_of(&["individual", "group", "virtual_group", "apm_entity"]),
        "hospital_based" | "non_patient_facing" | "asc_based" | "pi_submitted" => {
            one_of(&["true", "false", "TRUE", "False"])
        }
        "tin_clinician_count" => one_of(&["", "1", "12", "100000"]),
        "quality_score" | "cost_score" | "ia_score" | "pi_score" => {
            one_of(&["", "0", "50.5", "100", "-0", "1e2", " 7 "])
        }
        "hardship_reason" => one_of(&[
            "",
            "small_practice",
            "decertified_ehr",
            "insufficient_internet",
            "extreme_uncontrollable",
            "lack_of_control_cehrt",
        ]),
        "hardship_status" => one_of(&["", "pending", "approved", "denied"]),
        "complex_patient_bonus" => one_of(&["", "0", "5", "100", "-0.0"]),
        "name" => prop_oneof![
            Just(String::new()),
            "[A-Za-z ,.'-]{1,30}",
            Just("Ä".repeat(200)),
            Just("Zoë \"Q\" O'Hara, MD".to_owned())
        ]
        .boxed(),
        _ => garbage(),
    }
}

/// A value close to valid that the column refuses.
fn invalid_cell(column: &str) -> BoxedStrategy<String> {
    match column {
        "npi" => one_of(&[
            "1234567890",
            "123456789",
            "12345678930",
            "１２３４５６７８９３",
            "+234567893",
        ]),
        "tin" => one_of(&["987654321", "12345678", "1-23456789", "12-345678a"]),
        "performance_year" => one_of(&["2016", "2027", "0", "20 24", "+202", "２０２４"]),
        "clinician_type" => one_of(&["Physician", "doctor", "np", ""]),
        "reporting_level" => one_of(&["Group", "tin", "apm"]),
        "hospital_based" | "non_patient_facing" | "asc_based" | "pi_submitted" => {
            one_of(&["", "yes", "1", "t"])
        }
        "tin_clinician_count" => one_of(&["0", "100001", "4294967296", "-1", "1.5"]),
        "quality_score" | "cost_score" | "ia_score" | "pi_score" => {
            one_of(&["100.0001", "NaN", "inf", "-1", "1e400", "5%"])
        }
        "hardship_reason" => one_of(&["lacking_cehrt", "no_ehr", "cehrt", "Small_Practice"]),
        "hardship_status" => one_of(&["Pending", "granted"]),
        "complex_patient_bonus" => one_of(&["101", "NaN", "-1", "inf"]),
        "name" => one_of(&["Doe\u{0}", "tab\there", "\u{85}"])
            .prop_union(Just("Ä".repeat(201)).boxed())
            .boxed(),
        _ => garbage(),
    }
}

/// Mostly valid, sometimes invalid, rarely garbage.
fn cell(column: &str) -> BoxedStrategy<String> {
    prop_oneof![
        40 => valid_cell(column),
        2 => invalid_cell(column),
        1 => garbage(),
    ]
    .boxed()
}

/// Writes records as CSV (quoting as needed), with `\n` or `\r\n` line ends.
fn to_csv(records: &[Vec<String>], crlf: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    for r in records {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// No mutation three times in four, else up to `max`.
fn some_mutations(max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    prop_oneof![3 => Just(Vec::new()), 1 => mutations(max)]
}

/// A header over `columns` (a shuffled subset, sometimes with an unknown or doubled column), then rows:
/// each row repeats the file's first row except for its NPI and, now and then, another cell (so the rows
/// of a year mostly agree, as a real file's do), sometimes ragged; written as CSV and sometimes mutated.
fn csv_file(
    columns: &'static [&'static str],
    required: &'static [&'static str],
    max_rows: usize,
) -> impl Strategy<Value = Bytes> {
    let subset = prop::sample::subsequence(columns.to_vec(), 0..=columns.len());
    let header = (subset, prop::bool::weighted(0.9))
        .prop_map(move |(mut cols, complete)| {
            if complete {
                for r in required {
                    if !cols.contains(r) {
                        cols.push(r);
                    }
                }
            }
            cols
        })
        .prop_shuffle()
        .prop_flat_map(|cols| {
            let extra = prop_oneof![
                12 => Just(None),
                1 => Just(Some("shoe_size")),
                1 => if cols.is_empty() {
                    Just(None).boxed()
                } else {
                    prop::sample::select(cols.clone()).prop_map(Some).boxed()
                },
            ];
            (Just(cols), extra)
        })
        .prop_map(|(mut cols, extra)| {
            if let Some(e) = extra {
                cols.push(e);
            }
            cols
        });
    header
        .prop_flat_map(move |cols| {
            let template = cols
                .iter()
                .map(|c| prop_oneof![60 => valid_cell(c), 1 => invalid_cell(c), 1 => garbage()])
                .collect::<Vec<_>>();
            let row = cols
                .iter()
                .map(|c| {
                    if *c == "npi" {
                        valid_cell(c).prop_map(Some).boxed()
                    } else {
                        prop_oneof![6 => Just(None), 1 => valid_cell(c).prop_map(Some)].boxed()
                    }
                })
                .collect::<Vec<_>>();
            let ragged = prop_oneof![20 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)];
            let rows = prop::collection::vec((row, ragged), 0..=max_rows);
            // Now and then one bad cell somewhere.
            let poison = prop::option::weighted(
                0.5,
                (
                    any::<Index>(),
                    any::<Index>(),
                    prop_oneof![3 => Just(true), 1 => Just(false)],
                ),
            );
            let bad = cols
                .iter()
                .map(|c| prop_oneof![invalid_cell(c), garbage()])
                .collect::<Vec<_>>();
            (
                (Just(cols), template, rows),
                (poison, bad),
                (any::<bool>(), any::<bool>(), some_mutations(3)),
            )
        })
        .prop_map(
            |((cols, template, rows), (poison, bad), (crlf, bom, muts))| {
                let mut records = vec![cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()];
                for (cells, ragged) in rows {
                    let mut r: Vec<String> = cells
                        .into_iter()
                        .zip(&template)
                        .map(|(c, t)| c.unwrap_or_else(|| t.clone()))
                        .collect();
                    match ragged {
                        -1 => {
                            r.pop();
                        }
                        1 => r.push("extra".into()),
                        _ => {}
                    }
                    records.push(r);
                }
                if let (Some((row, col, _)), false) = (poison, cols.is_empty() || records.len() < 2)
                {
                    let r = 1 + row.index(records.len() - 1);
                    let k = col.index(cols.len());
                    if let Some(slot) = records[r].get_mut(k) {
                        slot.clone_from(&bad[k]);
                    }
                }
                let mut bytes = to_csv(&records, crlf);
                if bom {
                    bytes.splice(0..0, *b"\xef\xbb\xbf");
                }
                Bytes(apply(bytes, &muts))
            },
        )
}

fn roster_file() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        4 => csv_file(ROSTER_COLUMNS, &["npi", "clinician_type", "performance_year"], 12),
        1 => any_bytes(600),
    ]
}

// ---- roster ---------------------------------------------------------------------------------------------

fn check_roster_errors(errors: &[RosterError], cap: usize) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "an Err carries at least one problem");
    prop_assert!(
        errors.len() <= cap.max(1),
        "{} errors for a cap of {cap}",
        errors.len()
    );
    for e in errors {
        prop_assert!(
            e.value.chars().count() <= 201,
            "value echoed whole: {} chars",
            e.value.chars().count()
        );
        prop_assert!(
            e.message.chars().count() <= 2048,
            "message of {} chars",
            e.message.chars().count()
        );
        prop_assert!(e.column.chars().count() <= 100, "column {:?}", e.column);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn roster_files_never_panic_and_errors_stay_bounded(bytes in roster_file(), cap in 1usize..6) {
        let r = timed("parse_roster", || parse_roster(&bytes, tin(), cap))?;
        match r {
            Err(errors) => check_roster_errors(&errors, cap)?,
            Ok(r) => {
                let npis: HashSet<_> = r.clinicians.iter().map(|c| c.npi).collect();
                prop_assert_eq!(npis.len(), r.clinicians.len(), "one entry per clinician");
                prop_assert!(r.clinicians.len() as u64 <= r.rows);
                let years: HashSet<_> = r.years.iter().map(|y| y.year).collect();
                prop_assert_eq!(years.len(), r.years.len(), "one profile per year");
                for y in &r.years {
                    for s in y.scores.iter().flatten() {
                        prop_assert!((0.0..=100.0).contains(s), "score {}", s);
                    }
                    prop_assert!(y.tin_clinician_count.is_none_or(|n| (1..=100_000).contains(&n)));
                }
                for c in &r.clinicians {
                    if let Some(n) = &c.name {
                        prop_assert!(n.chars().count() <= 200 && !n.chars().any(char::is_control));
                    }
                }
            }
        }
    }

    #[test]
    fn keeping_the_good_rows_keeps_its_promises(bytes in roster_file(), cap in 1usize..6) {
        let strict = |b: &[u8]| parse_roster(b, tin(), cap);
        let plain = timed("parse_roster", || strict(&bytes))?;
        let kept = timed("parse_keeping_good", || parse_keeping_good(&bytes, true, strict))?;
        let refused = parse_keeping_good(&bytes, false, strict);
        match (&plain, &kept) {
            (Ok(r), Ok((k, left_out))) => {
                prop_assert_eq!(r, k, "a good file is kept whole");
                prop_assert!(left_out.is_empty());
            }
            (Ok(_), Err(_)) => prop_assert!(false, "a good file was refused when keeping good rows"),
            (Err(e), Ok((k, left_out))) => {
                prop_assert!(!e.iter().any(|e| e.line == 0), "a whole-file problem was skipped");
                prop_assert_eq!(left_out, e, "what was left out is what the strict parse named");
                check_roster_errors(left_out, cap)?;
                prop_assert!(k.clinicians.len() as u64 <= k.rows);
            }
            // Refused either way: the problems named are the file's own, by its own line numbers (not
            // those of the file rewritten without the bad rows).
            (Err(e), Err(k)) => prop_assert_eq!(k, e),
        }
        prop_assert_eq!(refused.map(|(r, _)| r), plain, "keep_good=false is the strict parse");
    }

    #[test]
    fn dropping_lines_keeps_every_other_record(bytes in roster_file(), drop in prop::collection::hash_set(1u64..20, 0..4)) {
        let Ok(out) = timed("drop_lines", || drop_lines(&bytes, &drop))? else {
            return Ok(());
        };
        let records = |b: &[u8]| -> Vec<(u64, Vec<Vec<u8>>)> {
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(b);
            let mut lines = LineCounter::new(b);
            r.byte_records()
                .map_while(Result::ok)
                .map(|rec| (lines.line_of(rec.position(), 0), rec.iter().map(<[u8]>::to_vec).collect()))
                .collect()
        };
        let before: Vec<Vec<Vec<u8>>> = records(&bytes)
            .into_iter()
            .enumerate()
            .filter(|(i, (line, _))| *i == 0 || !drop.contains(line))
            .map(|(_, (_, r))| r)
            .collect();
        let mut after: Vec<Vec<Vec<u8>>> = records(&out).into_iter().map(|(_, r)| r).collect();
        // The one difference allowed: a first field that began with a byte-order mark inside quotes is
        // written unquoted, and a reader drops a BOM at the start of a file (both parsers ignore it).
        if let (Some(b), Some(a)) = (before.first().and_then(|r| r.first()), after.first_mut().and_then(|r| r.first_mut()))
            && b.starts_with(b"\xef\xbb\xbf")
            && !a.starts_with(b"\xef\xbb\xbf")
        {
            a.splice(0..0, *b"\xef\xbb\xbf");
        }
        prop_assert_eq!(before, after);
    }
}

// ---- the batch contract's row ---------------------------------------------------------------------------

fn byte_record<C: AsRef<[u8]>>(cells: &[C]) -> csv::ByteRecord {
    let mut r = csv::ByteRecord::new();
    for c in cells {
        r.push_field(c.as_ref());
    }
    r
}

/// The batch contract's header (all columns, shuffled; sometimes one missing, doubled or unknown) and a
/// record of plausible cells (sometimes ragged, sometimes with a byte cell that is not UTF-8).
fn batch_case() -> impl Strategy<Value = (Vec<Bytes>, Vec<Bytes>)> {
    let cols = Just(COLUMNS.to_vec())
        .prop_shuffle()
        .prop_flat_map(|cols| {
            let n = cols.len();
            let damage = prop_oneof![
                6 => Just(None),
                1 => (0..n).prop_map(|i| Some((i, 0u8))),
                1 => (0..n).prop_map(|i| Some((i, 1u8))),
                1 => (0..n).prop_map(|i| Some((i, 2u8))),
            ];
            (Just(cols), damage)
        })
        .prop_map(|(mut cols, damage)| {
            match damage {
                Some((i, 0)) => {
                    cols.remove(i);
                }
                Some((i, 1)) => cols.push(cols[i]),
                Some((_, _)) => cols.push("shoe_size"),
                None => {}
            }
            cols
        });
    cols.prop_flat_map(|cols| {
        let cells = cols
            .iter()
            .map(|c| {
                prop_oneof![
                    200 => cell(c).prop_map(|s| Bytes(s.into_bytes())),
                    1 => any_bytes(80),
                    1 => (1usize..5000).prop_map(|n| Bytes(vec![0xff; n])),
                ]
            })
            .collect::<Vec<_>>();
        let header = cols
            .iter()
            .map(|c| Bytes(c.as_bytes().to_vec()))
            .collect::<Vec<_>>();
        (
            Just(header),
            cells,
            prop_oneof![20 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
        )
    })
    .prop_map(|(header, mut cells, ragged)| {
        match ragged {
            -1 => {
                cells.pop();
            }
            1 => cells.push(Bytes(b"x".to_vec())),
            _ => {}
        }
        (header, cells)
    })
}

/// A group member's row in the contract's column order.
const VALID_ROW: [&str; 18] = [
    "2023",
    "1234567893",
    "123456789",
    "group",
    "physician",
    "false",
    "false",
    "false",
    "12",
    "",
    "",
    "false",
    "55.5",
    "80",
    "40",
    "70",
    "",
    "35493",
];

/// A cell a row may change to: usually another value of the same kind and length, sometimes anything.
fn edited_cell() -> impl Strategy<Value = Bytes> {
    const USUAL: &[&str] = &[
        "55.5",
        "56.5",
        "12",
        "13",
        "2.5",
        "3.5",
        "approved",
        "pending",
        "denied",
        "true",
        "false",
        "incomplete",
        "",
        "decertified_ehr",
        "insufficient_internet",
        " 7 ",
        "physician",
        "2024",
        "2023",
    ];
    prop_oneof![
        4 => prop::sample::select(USUAL).prop_map(|t| Bytes(t.as_bytes().to_vec())),
        1 => any_bytes(12),
    ]
}

/// The header and cells reordered to the contract's column order (columns it lacks keep their place
/// after the known ones).
fn in_contract_order(header: Vec<Bytes>, cells: Vec<Bytes>) -> (Vec<Bytes>, Vec<Bytes>) {
    if header.len() != cells.len() {
        return (header, cells);
    }
    let rank = |b: &Bytes| {
        COLUMNS
            .iter()
            .position(|c| c.as_bytes() == b.0.as_slice())
            .unwrap_or(COLUMNS.len())
    };
    let mut pairs: Vec<(Bytes, Bytes)> = header.into_iter().zip(cells).collect();
    pairs.sort_by_key(|(h, _)| rank(h));
    pairs.into_iter().unzip()
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn batch_headers_of_arbitrary_bytes_never_panic(cells in prop::collection::vec(any_bytes(24), 0..24)) {
        let rec = byte_record(&cells);
        if let Ok(h) = timed("Header::parse", || Header::parse(&rec))? {
            prop_assert_eq!(h.width, cells.len());
            let _ = parse_row(&rec, &h);
            let _ = parse_key(&rec, &h);
        }
    }

    /// The batch's line splitters find, eight bytes at a time, what splitting at each line end and each
    /// comma finds (`split` for one line): every line (blank ones skipped, a `\r` before the line end dropped) with its index,
    /// its fields, and for the prefix splitter its leading fields and its width.
    #[test]
    fn the_line_splitters_split_as_a_plain_split_does(
        text in "[a,\n\r\u{e9}\u{1ec5}]{0,80}",
        fields in 0usize..6,
    ) {
        let text: String = text.replace('\r', "\r\n");
        let mut expected = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.is_empty() {
                expected.push((i as u64, line.split(',').map(str::to_owned).collect::<Vec<_>>()));
            }
        }
        let mut whole = Vec::new();
        LineSplitter::default().for_each_line(&text, |i, l| {
            whole.push((i, (0..l.width()).map(|k| l.text(k).unwrap_or("?").to_owned()).collect::<Vec<_>>()));
        });
        prop_assert_eq!(&whole, &expected);
        let mut one = LineSplitter::default();
        for (_, cells) in &expected {
            let line = cells.join(",");
            let l = one.split(&line);
            let split: Vec<String> = (0..l.width()).map(|k| l.text(k).unwrap_or("?").to_owned()).collect();
            prop_assert_eq!(&split, cells);
        }
        let mut prefixes = Vec::new();
        LineSplitter::default().for_each_line_prefix(&text, fields, |i, l| {
            let known = l.width().min(fields);
            let cells = (0..l.width()).map(|k| if k < known { l.text(k).unwrap_or("?").to_owned() } else { String::new() });
            prefixes.push((i, cells.collect::<Vec<_>>(), l.line().to_owned()));
        });
        let truncated: Vec<_> = expected
            .iter()
            .map(|(i, cells)| {
                let cut = cells.iter().enumerate().map(|(k, c)| if k < fields { c.clone() } else { String::new() });
                (*i, cut.collect::<Vec<_>>(), cells.join(","))
            })
            .collect();
        prop_assert_eq!(prefixes, truncated);
    }

    /// The batch parses a chunk's rows with one `RowParser`, which reuses the previous row's key and
    /// entity values when their cells repeat it: each row must still read exactly as `parse_row` reads it
    /// alone, whether split by the CSV reader or as a line, whichever cell changes from row to row.
    #[test]
    fn a_row_parser_reads_each_row_of_a_run_as_parse_row_does(
        (header, cells) in batch_case(),
        contract_order in any::<bool>(),
        start_valid in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), edited_cell(), any::<bool>()), 0..10),
    ) {
        // Half the runs start from a valid row in the contract's column order, where the entity values
        // are compared as one span; the others from a generated row, in its order or the contract's.
        let (header, cells) = match (contract_order, start_valid) {
            (_, true) => (
                COLUMNS.iter().map(|c| Bytes(c.as_bytes().to_vec())).collect(),
                VALID_ROW.iter().map(|c| Bytes(c.as_bytes().to_vec())).collect(),
            ),
            (true, false) => in_contract_order(header, cells),
            (false, false) => (header, cells),
        };
        let Ok(h) = Header::parse(&byte_record(&header)) else {
            return Ok(());
        };
        // A run of rows: the first, then each the one before with one cell changed, or repeated.
        let mut rows = vec![cells];
        for (at, cell, change) in edits {
            let mut next = rows.last().cloned().unwrap_or_default();
            if change && !next.is_empty() {
                let k = at.index(next.len());
                next[k] = cell;
            }
            rows.push(next);
        }
        let (mut by_record, mut by_line) = (RowParser::default(), RowParser::default());
        let mut splitter = LineSplitter::default();
        for cells in &rows {
            let rec = byte_record(cells);
            let alone = format!("{:?}", parse_row(&rec, &h));
            prop_assert_eq!(format!("{:?}", by_record.parse(&rec, &h)), alone.clone());
            let texts: Option<Vec<&str>> = cells.iter().map(|c| std::str::from_utf8(c).ok()).collect();
            if let Some(texts) = texts.filter(|t| {
                !t.is_empty() && t.iter().all(|c| !c.contains(['"', ',', '\n', '\r']))
            }) {
                let line = texts.join(",");
                prop_assert_eq!(format!("{:?}", by_line.parse(&splitter.split(&line), &h)), alone, "{:?}", line);
            }
        }
    }

    #[test]
    fn batch_rows_parse_or_name_their_column((header, cells) in batch_case()) {
        let Ok(h) = Header::parse(&byte_record(&header)) else {
            return Ok(());
        };
        let rec = byte_record(&cells);
        let row = timed("parse_row", || parse_row(&rec, &h))?;
        let key = parse_key(&rec, &h);
        // The batch's fast path for lines without quotes reads the same row and the same key.
        let texts: Option<Vec<&str>> = cells.iter().map(|c| std::str::from_utf8(c).ok()).collect();
        if let Some(texts) = texts.filter(|t| {
            !t.is_empty() && t.iter().all(|c| !c.contains(['"', ',', '\n', '\r']))
        }) {
            let line = texts.join(",");
            if !line.is_empty() {
                let mut splitter = LineSplitter::default();
                prop_assert_eq!(parse_key(&splitter.split(&line), &h), key, "{:?}", line);
                // Pass 1 reads the key from the line's leading fields alone.
                let mut prefixes = 0;
                LineSplitter::default().for_each_line_prefix(&line, h.key_fields(), |_, p| {
                    prefixes += 1;
                    assert_eq!(parse_key(p, &h), key, "{line:?}");
                    assert_eq!(p.line(), line);
                });
                prop_assert_eq!(prefixes, 1);
                let split = parse_row(&splitter.split(&line), &h);
                prop_assert_eq!(format!("{split:?}"), format!("{row:?}"), "{:?}", line);
            }
        }
        match row {
            Ok(row) => {
                prop_assert_eq!(key, Some((row.year, row.tin, row.level)), "an accepted row has a key");
                for s in row.values.scores.iter().flatten() {
                    prop_assert!((0.0..=100.0).contains(s), "score {}", s);
                }
                let b = row.values.complex_patient_bonus;
                prop_assert!(b.is_finite() && (0.0..=100.0).contains(&b), "bonus {}", b);
                prop_assert!(row.values.tin_clinician_count.is_none_or(|n| n > 0));
            }
            Err(e) => {
                prop_assert_eq!(e.column == "(row)", cells.len() != h.width, "{:?}", e);
                prop_assert!(
                    e.column == "(row)" || COLUMNS.contains(&e.column),
                    "unknown column {:?}", e.column
                );
                prop_assert!(e.value.chars().count() <= 65, "value echoed whole: {} chars", e.value.chars().count());
                prop_assert!(e.message.chars().count() <= 1024, "message of {} chars", e.message.chars().count());
            }
        }
    }
}

// ---- NPPES ----------------------------------------------------------------------------------------------

const NPPES_COLUMNS: &[&str] = &[
    "NPI",
    "Entity Type Code",
    "Replacement NPI",
    "Provider Last Name (Legal Name)",
    "Provider First Name",
    "Provider Middle Name",
    "Provider Credential Text",
    "Healthcare Provider Taxonomy Code_1",
    "Healthcare Provider Primary Taxonomy Switch_1",
    "Healthcare Provider Taxonomy Code_2",
    "Healthcare Provider Primary Taxonomy Switch_2",
    "Healthcare Provider Taxonomy Code_15",
    "Healthcare Provider Primary Taxonomy Switch_15",
];

fn nppes_cell(column: &str) -> BoxedStrategy<String> {
    let (valid, invalid) = if column == "NPI" || column == "Replacement NPI" {
        (
            prop::sample::select(npi_pool()).boxed(),
            invalid_cell("npi"),
        )
    } else if column == "Entity Type Code" {
        (
            one_of(&["1", "1", "1", "1", "2", ""]),
            one_of(&["3", "01", "I"]),
        )
    } else if column.starts_with("Healthcare Provider Taxonomy Code") {
        (
            one_of(&[
                "207Q00000X",
                "363LF0000X",
                "363A00000X",
                "225100000X",
                "207R00000X",
                "103T00000X",
                "261QP2300X",
                "",
                "",
            ]),
            one_of(&["999Z99999X", "207q00000x", "207Q0000X", "207Q00000"]),
        )
    } else if column.contains("Switch") {
        (one_of(&["Y", "N", "y", "", "", ""]), one_of(&["X", "YES"]))
    } else {
        (
            prop_oneof![Just(String::new()), "[A-Za-z .'-]{1,20}"].boxed(),
            one_of(&["A\u{7}B", "\u{2028}"])
                .prop_union(Just("Q".repeat(201)).boxed())
                .boxed(),
        )
    };
    prop_oneof![40 => valid, 2 => invalid, 1 => garbage()].boxed()
}

fn nppes_file() -> impl Strategy<Value = Bytes> {
    let subset = prop::sample::subsequence(NPPES_COLUMNS.to_vec(), 0..=NPPES_COLUMNS.len());
    let header = (subset, prop::bool::weighted(0.9))
        .prop_map(|(mut cols, complete)| {
            if complete {
                for r in &NPPES_COLUMNS[..8] {
                    if !cols.contains(r) {
                        cols.push(r);
                    }
                }
            }
            cols
        })
        .prop_shuffle();
    let structured = header
        .prop_flat_map(|cols| {
            let row = cols.iter().map(|c| nppes_cell(c)).collect::<Vec<_>>();
            (
                Just(cols),
                prop::collection::vec(row, 0..10),
                any::<bool>(),
                some_mutations(3),
            )
        })
        .prop_map(|(cols, rows, crlf, muts)| {
            let mut records = vec![cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()];
            records.extend(rows);
            Bytes(apply(to_csv(&records, crlf), &muts))
        });
    prop_oneof![
        5 => structured,
        1 => any_bytes(600),
    ]
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn nppes_files_never_panic_and_errors_stay_bounded(bytes in nppes_file(), cap in 1usize..6) {
        match timed("parse_nppes", || parse_nppes(&bytes, cap))? {
            Err(errors) => check_roster_errors(&errors, cap)?,
            Ok(r) => {
                prop_assert!(r.clinicians.len() as u64 + r.organizations_skipped + r.deactivated_skipped <= r.rows);
                let npis: HashSet<_> = r.clinicians.iter().map(|c| c.npi).collect();
                prop_assert_eq!(npis.len(), r.clinicians.len());
                for c in &r.clinicians {
                    prop_assert!(c.name.chars().count() <= 200 && !c.name.chars().any(char::is_control));
                }
            }
        }
    }
}

// ---- JSON: eligibility and submission files --------------------------------------------------------------

fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (2015u64..2030).prop_map(Value::from),
        garbage().prop_map(Value::String),
        prop::sample::select(npi_pool()).prop_map(Value::String),
        one_of(&[
            "123456789",
            "XXXXXXXXXX",
            "12-3456789",
            "pi",
            "aci",
            " PI ",
            "ia",
            "PI_INFBLO_1",
            "ACI_EP_1",
            "pi_lower",
            "individual",
            "group",
        ])
        .prop_map(Value::String),
    ]
    .boxed()
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        one_of(&[
                            "data",
                            "submission",
                            "measurementSets",
                            "category",
                            "measurements",
                            "measureId",
                            "organizations",
                            "TIN",
                            "npi",
                            "individualScenario",
                            "groupScenario",
                            "specialty",
                            "error",
                        ]),
                        "[a-zA-Z]{1,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A fixture with some of its members replaced by random JSON, sometimes also mutated as bytes.
fn mutated_json(fixture: &'static str) -> impl Strategy<Value = (Option<Value>, Bytes)> {
    let base: Value = serde_json::from_str(fixture).unwrap();
    let edits = prop::collection::vec((any::<Index>(), json_value()), 0..4);
    (Just(base), edits, mutations(2), 0u8..8).prop_map(|(mut v, edits, muts, byte_level)| {
        for (i, replacement) in edits {
            let all = pointers(&v);
            let p = &all[i.index(all.len())];
            if let Some(slot) = v.pointer_mut(p) {
                *slot = replacement;
            }
        }
        let bytes = serde_json::to_vec(&v).unwrap();
        if byte_level == 0 && !muts.is_empty() {
            (None, Bytes(apply(bytes, &muts)))
        } else {
            (Some(v), Bytes(bytes))
        }
    })
}

fn sample_with_valid_npi() -> &'static str {
    static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        include_str!("fixtures/sample_response_200.json")
            .replace("\"1234567890\"", "\"1234567893\"")
    })
}

/// No amplification: a message may quote the input, never grow far beyond it.
fn bounded_message(message: &str, input: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        message.len() <= 2 * input + 512,
        "a message of {} bytes for {} bytes of input",
        message.len(),
        input
    );
    Ok(())
}

/// What the guard must say about a submission, computed from the JSON directly.
fn holds_pi(v: &Value) -> Option<bool> {
    let sub = v
        .pointer("/data/submission")
        .or_else(|| v.get("submission"))
        .unwrap_or(v);
    let sets = match sub.get("measurementSets") {
        None | Some(Value::Null) => return Some(false),
        Some(Value::Array(a)) => a,
        Some(_) => return None,
    };
    let mut pi = false;
    for s in sets {
        let category = match s.get("category") {
            Some(Value::String(c)) => c.trim().to_ascii_lowercase(),
            _ => String::new(),
        };
        let pi_measure = s
            .get("measurements")
            .and_then(Value::as_array)
            .is_some_and(|ms| {
                ms.iter().any(|m| {
                    m.get("measureId")
                        .and_then(Value::as_str)
                        .is_some_and(|id| id.starts_with("PI_") || id.starts_with("ACI_"))
                })
            });
        pi |= category == "pi" || category == "aci" || pi_measure;
    }
    Some(pi)
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn eligibility_files_never_panic(
        (_, bytes) in prop_oneof![
            4 => mutated_json(sample_with_valid_npi()),
            1 => mutated_json(include_str!("fixtures/sample_response_404.json")),
            1 => any_bytes(400).prop_map(|b| (None, b)),
        ]
    ) {
        match timed("parse_eligibility", || parse_eligibility(&bytes))? {
            Err(e) => {
                bounded_message(&e.message, bytes.len())?;
                prop_assert!(e.path.len() <= 200, "path {:?}", e.path);
            }
            Ok(EligibilityFile::Profile(p)) => {
                for (i, o) in p.organizations.iter().enumerate() {
                    prop_assert_eq!(o.index, i);
                }
            }
            Ok(EligibilityFile::Error { .. }) => {}
        }
    }

    #[test]
    fn submissions_never_panic_and_pi_data_is_always_found(
        (value, bytes) in prop_oneof![
            5 => mutated_json(include_str!("fixtures/scoring-example-submission-input.json")),
            1 => any_bytes(400).prop_map(|b| (None, b)),
        ]
    ) {
        match timed("scan_submission", || scan_submission(&bytes))? {
            Err(e) => bounded_message(&e.message, bytes.len())?,
            Ok(s) => {
                prop_assert!(s.pi.len() <= s.measurement_sets);
                for f in &s.pi {
                    prop_assert!(f.measures.len() <= 20);
                }
                if let Some(v) = value {
                    prop_assert_eq!(Some(s.contains_pi()), holds_pi(&v), "{}", v);
                }
            }
        }
    }
}

// ---- named regressions: the inputs the properties found, and hostile shapes kept as tests ---------------

/// Found by `batch_rows_parse_or_name_their_column`: a cell that was not UTF-8 came back whole in the
/// error's value (the batch errors file and the roster import's 422 echoed every byte, three times over
/// once each byte became U+FFFD). The value is now cut to 64 bytes' worth like every other echo.
#[test]
fn a_huge_cell_that_is_not_utf8_is_echoed_truncated() {
    let mut csv = b"npi,clinician_type\n".to_vec();
    csv.extend(std::iter::repeat_n(0xffu8, 1 << 20));
    csv.extend(b",physician\n");
    let e = parse_roster(&csv, tin(), 10).unwrap_err();
    assert_eq!(e[0].column, "npi");
    assert!(e[0].value.chars().count() <= 64, "{}", e[0].value.len());

    let header: Vec<Vec<u8>> = COLUMNS.iter().map(|c| c.as_bytes().to_vec()).collect();
    let h = Header::parse(&byte_record(&header)).unwrap();
    let mut cells = vec![b"2024".to_vec(); COLUMNS.len()];
    cells[0] = vec![0xc3; 100_000];
    let e = parse_row(&byte_record(&cells), &h).unwrap_err();
    assert_eq!(e.column, "performance_year");
    assert!(e.value.chars().count() <= 64, "{}", e.value.len());
}

/// Found by `nppes_files_never_panic_and_errors_stay_bounded`: an entity type code or taxonomy code
/// quoted in full (Debug-escaped, so control bytes grew sixfold) in the message although the value was
/// already cut.
#[test]
fn nppes_messages_quote_values_truncated() {
    let long = "\u{1}".repeat(100_000);
    let csv = format!(
        "NPI,Entity Type Code,Provider Last Name (Legal Name),Provider First Name,Healthcare Provider Taxonomy Code_1\n\
         1234567893,{long},Doe,Ann,207Q00000X\n\
         1245319599,1,Roe,Ben,{long}\n"
    );
    let e = parse_nppes(csv.as_bytes(), 10).unwrap_err();
    assert_eq!(e.len(), 2);
    for e in &e {
        assert!(e.message.len() < 1024, "{} bytes", e.message.len());
    }
}

/// Found by `keeping_the_good_rows_keeps_its_promises`: when the file was still refused after the bad
/// rows were dropped (more bad rows than the cap, or no row left), the problems named were those of the
/// rewritten file: line numbers shifted by the rows dropped, or "no clinicians" for a file of bad rows.
/// The refusal now names the file's own problems by its own line numbers.
#[test]
fn a_refusal_after_dropping_bad_rows_names_the_original_lines() {
    let mut csv = String::from("npi,clinician_type\n");
    for i in 0..30 {
        csv.push_str(&format!("{i},physician\n"));
    }
    csv.push_str("1234567893,physician\n");
    let strict = |b: &[u8]| parse_roster(b, tin(), 25);
    let e = parse_keeping_good(csv.as_bytes(), true, strict).unwrap_err();
    assert_eq!(e.len(), 25);
    assert_eq!(
        e.iter().map(|e| e.line).collect::<Vec<_>>(),
        (2..=26).collect::<Vec<_>>()
    );
    let e = parse_keeping_good(b"npi,clinician_type\n1,physician\n", true, strict).unwrap_err();
    assert_eq!((e[0].line, e[0].column.as_str()), (2, "npi"));
}

#[test]
fn deeply_nested_json_is_refused_not_overflowed() {
    for depth in [200usize, 100_000] {
        let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse_eligibility(doc.as_bytes()).is_err());
        assert!(scan_submission(doc.as_bytes()).is_err());
        let doc = format!("{}1{}", "{\"data\":".repeat(depth), "}".repeat(depth));
        assert!(parse_eligibility(doc.as_bytes()).is_err());
        assert!(scan_submission(doc.as_bytes()).is_err());
    }
}

#[test]
fn megabytes_of_quotes_commas_and_newlines_are_refused_quickly() {
    let shapes: [&[u8]; 5] = [b"\"", b",", b"\n", b"\r", b"\"\","];
    for unit in shapes {
        let mut bytes = b"npi,clinician_type\n".to_vec();
        while bytes.len() < 2 << 20 {
            bytes.extend_from_slice(unit);
        }
        let t = Instant::now();
        if let Err(e) = parse_roster(&bytes, tin(), 25) {
            assert!(e.len() <= 25);
        }
        if let Err(e) = parse_nppes(&bytes, 25) {
            assert!(e.len() <= 25);
        }
        let _ = parse_keeping_good(&bytes, true, |b| parse_roster(b, tin(), 25));
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    }
}

#[test]
fn a_file_of_a_hundred_thousand_bad_rows_lists_only_the_cap() {
    let mut csv = String::from("npi,clinician_type\n");
    for i in 0..100_000 {
        csv.push_str(&format!("{i},physician\n"));
    }
    let e = parse_roster(csv.as_bytes(), tin(), 25).unwrap_err();
    assert_eq!(e.len(), 25);
    // More bad rows than the cap: keeping the good rows refuses the file rather than guess.
    let e = parse_keeping_good(csv.as_bytes(), true, |b| parse_roster(b, tin(), 25)).unwrap_err();
    assert_eq!(e.len(), 25);
}

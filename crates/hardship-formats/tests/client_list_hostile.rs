#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Hostile input for the client-list parser, in the style of hostile.rs: arbitrary bytes; CSV client
//! lists that look right (headers under any alias, rows repeating practices and NPIs, CRLF, BOM,
//! Windows-1252) with random mutations; and XLSX workbooks whose bytes are mutated, or whose XML inside is
//! mutated and zipped again (so the properties reach calamine's XML reading, not only the ZIP checksum).
//!
//! Each property asserts: no panic, no hang (every call well under a few seconds), bounded errors (at most
//! the cap, values echoed at most 65 characters), and the parser's promises checkable from outside (one
//! practice per TIN, one row per NPI in a practice, names within the rules, keep-good parses a strictly
//! good file whole).

use hardship_formats::client_list::{
    ClientList, is_client_list, parse_client_list, parse_client_list_keeping_good,
};
use hardship_formats::roster::RosterError;
use hardship_rules::ids::npi_check_digit;
use hardship_testkit::bytes::{Mutation, apply, mutations};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use std::collections::HashSet;
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const PER_CALL: Duration = Duration::from_secs(3);

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/client_list_hostile.txt",
        ))),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

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

fn npi(n: u32) -> String {
    let base = format!("{:09}", 123_456_000 + n);
    format!("{base}{}", npi_check_digit(base.as_bytes()))
}

/// Parses both ways and checks every promise; fails the property on a slow call.
fn check(bytes: &[u8], cap: usize) -> Result<(), TestCaseError> {
    let t = Instant::now();
    let strict = parse_client_list(bytes, cap);
    let kept = parse_client_list_keeping_good(bytes, cap);
    let _ = is_client_list(bytes);
    let took = t.elapsed();
    prop_assert!(took < PER_CALL, "took {took:?}");
    let errors_ok = |errors: &[RosterError]| -> Result<(), TestCaseError> {
        prop_assert!(
            !errors.is_empty() && errors.len() <= cap.max(1),
            "{} errors",
            errors.len()
        );
        for e in errors {
            prop_assert!(e.value.chars().count() <= 65, "value {:?}", e.value);
            prop_assert!(e.column.chars().count() <= 100, "column {:?}", e.column);
            prop_assert!(
                e.message.chars().count() <= 4096,
                "message of {}",
                e.message.len()
            );
        }
        Ok(())
    };
    let list_ok = |l: &ClientList| -> Result<(), TestCaseError> {
        let tins: HashSet<_> = l.practices.iter().map(|p| p.tin).collect();
        prop_assert_eq!(tins.len(), l.practices.len(), "one practice per TIN");
        for p in &l.practices {
            let npis: HashSet<_> = p.clinicians.iter().map(|c| c.npi).collect();
            prop_assert_eq!(
                npis.len(),
                p.clinicians.len(),
                "one row per NPI in a practice"
            );
            prop_assert!(!p.name.is_empty() && p.name.chars().count() <= 200);
            for c in &p.clinicians {
                if let Some(n) = &c.name {
                    prop_assert!(n.chars().count() <= 200 && !n.chars().any(char::is_control));
                }
            }
        }
        Ok(())
    };
    match (&strict, &kept) {
        (Ok(l), Ok((k, left_out))) => {
            list_ok(l)?;
            prop_assert!(left_out.is_empty());
            prop_assert_eq!(l, k, "keep-good parses a good file whole");
        }
        (Ok(_), Err(_)) => prop_assert!(false, "strict accepted what keep-good refused"),
        (Err(e), Ok((k, left_out))) => {
            errors_ok(e)?;
            errors_ok(left_out)?;
            list_ok(k)?;
            prop_assert!(
                left_out.iter().all(|e| e.line > 0),
                "line 0 is never skipped"
            );
        }
        (Err(e), Err(e2)) => {
            errors_ok(e)?;
            errors_ok(e2)?;
        }
    }
    Ok(())
}

// ---- CSV ------------------------------------------------------------------------------------------------

const HEADERS: [&[&str]; 7] = [
    &["tin", "Tax ID", "TAXPAYER_IDENTIFICATION_NUMBER"],
    &["practice_name", "Client", " Group Name "],
    &["practice_zip", "Postal Code"],
    &["reporting_level", "Reports As"],
    &["npi", "Provider NPI"],
    &["name", "Full Name"],
    &["clinician_type", "Credentials", "Specialty"],
];

fn cell(column: usize) -> BoxedStrategy<String> {
    let valid: BoxedStrategy<String> = match column {
        0 => prop::sample::select(vec!["123456789", "12-3456789", "987654321", "012345678"])
            .prop_map(str::to_owned)
            .boxed(),
        1 => prop::sample::select(vec!["Acme", "ACME ", "Łódź Clinic", "", "Nguyễn Văn An"])
            .prop_map(str::to_owned)
            .boxed(),
        2 => prop::sample::select(vec!["", "02134", "60614-1234", "2134"])
            .prop_map(str::to_owned)
            .boxed(),
        3 => prop::sample::select(vec!["", "Group", "individual", "APM Entity", "tin"])
            .prop_map(str::to_owned)
            .boxed(),
        4 => prop_oneof![
            (0u32..12).prop_map(npi),
            Just(String::new()),
            Just("1234567890".into())
        ]
        .boxed(),
        5 => prop::sample::select(vec!["", "José Núñez", "Doe, Ada", "tab\there"])
            .prop_map(str::to_owned)
            .boxed(),
        _ => prop::sample::select(vec![
            "MD",
            "NP",
            "PA-C",
            "APRN",
            "physician",
            "PhD",
            "",
            "doctor",
        ])
        .prop_map(str::to_owned)
        .boxed(),
    };
    prop_oneof![20 => valid, 1 => any::<String>(), 1 => Just("x".repeat(300))].boxed()
}

/// A coherent value for column `c` of practice `p` and clinician `k` (so most files are good).
fn coherent(c: usize, p: usize, k: u32, first: bool) -> String {
    match c {
        0 => ["123456789", "98-7654321", "012345678"][p].into(),
        1 if first || k < 5 => ["Acme", "Łódź Clinic", "Nguyễn Văn An PC"][p].into(),
        1 => ["ACME ", "łódź  clinic", ""][p].into(),
        2 => ["02134", "", "60614-1234"][p].into(),
        3 => ["Group", "", "apm_entity"][p].into(),
        4 => npi(k),
        5 => ["José Núñez", "", "Doe, Ada"][(k % 3) as usize].into(),
        _ => ["MD", "NP", "PA-C", "Nurse Practitioner"][(k % 4) as usize].into(),
    }
}

/// A header over a shuffled subset of the columns (TIN and practice nearly always in), rows of up to
/// three practices whose clinicians repeat now and then, a cell made hostile now and then; written with
/// CRLF or LF, as Windows-1252 or UTF-8, with or without a BOM, and sometimes mutated.
fn csv_file() -> impl Strategy<Value = Bytes> {
    let columns = (
        prop::sample::subsequence((2..7usize).collect::<Vec<_>>(), 0..=5),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(mut cols, complete)| {
            cols.insert(0, 1);
            if complete {
                cols.insert(0, 0);
            }
            cols
        })
        .prop_shuffle();
    columns
        .prop_flat_map(|cols| {
            let header = cols
                .iter()
                .map(|&c| prop::sample::select(HEADERS[c].to_vec()))
                .collect::<Vec<_>>();
            let odd = prop::option::weighted(
                0.15,
                (
                    any::<Index>(),
                    cols.iter().map(|&c| cell(c)).collect::<Vec<_>>(),
                ),
            );
            let rows = prop::collection::vec((0..3usize, 0u32..10, odd), 0..14);
            (
                Just(cols),
                header,
                rows,
                any::<(bool, bool, bool)>(),
                prop_oneof![3 => Just(Vec::<Mutation>::new()), 1 => mutations(3)],
            )
        })
        .prop_map(|(cols, header, rows, (crlf, bom, cp1252), muts)| {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(if crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .from_writer(Vec::new());
            w.write_record(&header).unwrap();
            let mut seen = HashSet::new();
            for (p, k, odd) in rows {
                let first = seen.insert(p);
                let mut r: Vec<String> = cols.iter().map(|&c| coherent(c, p, k, first)).collect();
                if let Some((at, cells)) = odd {
                    let i = at.index(r.len());
                    r[i].clone_from(&cells[i]);
                }
                w.write_record(&r).unwrap();
            }
            let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let mut bytes = if cp1252 {
                encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
            } else {
                text.into_bytes()
            };
            if bom {
                bytes.splice(0..0, *b"\xef\xbb\xbf");
            }
            Bytes(apply(bytes, &muts))
        })
}

// ---- XLSX -----------------------------------------------------------------------------------------------

/// A few real workbooks, made once.
fn workbooks() -> &'static [Vec<u8>] {
    static BOOKS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    BOOKS.get_or_init(|| {
        let mut out = Vec::new();
        for variant in 0..3u32 {
            let mut book = rust_xlsxwriter::Workbook::new();
            if variant == 2 {
                book.add_worksheet().write_string(0, 0, "notes").unwrap();
            }
            let s = book.add_worksheet();
            for (c, h) in ["TIN", "Practice", "ZIP", "NPI", "Name", "Type"]
                .iter()
                .enumerate()
            {
                s.write_string(0, c as u16, *h).unwrap();
            }
            for r in 1..6u32 {
                s.write_number(r, 0, 12345678.0 + f64::from(r % 2)).unwrap();
                s.write_string(r, 1, if variant == 1 { "Łódź" } else { "Acme" })
                    .unwrap();
                s.write_number(r, 2, 2134.0).unwrap();
                s.write_number(r, 3, npi(r).parse::<f64>().unwrap())
                    .unwrap();
                s.write_string(r, 4, "Nguyễn Văn An").unwrap();
                let types = if variant == 0 {
                    ["MD", "NP", "PA-C"]
                } else {
                    ["MD", "NP", "APRN"]
                };
                s.write_string(r, 5, types[(r % 3) as usize]).unwrap();
            }
            out.push(book.save_to_buffer().unwrap());
        }
        out
    })
}

/// The workbook's entries, with one entry's bytes mutated, zipped again (stored, so no checksum fails).
fn rezip(book: &[u8], entry: Index, muts: &[Mutation]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(book)).unwrap();
    // Mostly the sheets and their strings, where the rows are; now and then any entry.
    let cells: Vec<usize> = (0..zip.len())
        .filter(|&i| {
            zip.name_for_index(i)
                .and_then(Result::ok)
                .is_some_and(|n| n.contains("sheet") || n.contains("sharedStrings"))
        })
        .collect();
    let pick = entry.index(cells.len() + 2);
    let target = cells
        .get(pick)
        .copied()
        .unwrap_or_else(|| entry.index(zip.len()));
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if i == target {
            data = apply(data, muts);
        }
        w.start_file(name, stored).unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn xlsx_file() -> impl Strategy<Value = Bytes> {
    (
        0..3usize,
        any::<Index>(),
        mutations(4),
        prop::bool::weighted(0.75),
    )
        .prop_map(|(b, entry, muts, inside)| {
            let book = &workbooks()[b];
            Bytes(if inside {
                rezip(book, entry, &muts)
            } else {
                apply(book.clone(), &muts)
            })
        })
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), cap in 1usize..6) {
        check(&bytes, cap)?;
        let mut pk = b"PK\x03\x04".to_vec();
        pk.extend(&bytes);
        check(&pk, cap)?;
    }

    #[test]
    fn csv_client_lists_never_panic_and_keep_their_promises(bytes in csv_file(), cap in 1usize..6) {
        check(&bytes.0, cap)?;
    }
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn mutated_workbooks_never_panic(bytes in xlsx_file(), cap in 1usize..6) {
        check(&bytes.0, cap)?;
    }
}

#[test]
fn the_unmutated_workbooks_parse_or_name_their_problems() {
    for book in workbooks() {
        match parse_client_list_keeping_good(book, 10) {
            Ok((l, left_out)) => {
                assert_eq!(l.practices.len(), 2, "{l:?}");
                assert!(left_out.iter().all(|e| e.value == "APRN"), "{left_out:?}");
            }
            Err(e) => panic!("{e:#?}"),
        }
    }
}

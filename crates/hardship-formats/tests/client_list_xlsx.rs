#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Client lists as real XLSX workbooks, written with rust_xlsxwriter as Excel would store them (numbers
//! where text was meant, several sheets, gaps) and read back; and the size a consultancy's book reaches.

use hardship_formats::client_list::{
    ClientListFormat, is_client_list, parse_client_list, parse_client_list_keeping_good,
};
use hardship_rules::ids::npi_check_digit;
use hardship_rules::{ClinicianType, ReportingLevel};
use rust_xlsxwriter::Workbook;
use std::time::Instant;

/// A cell as a spreadsheet holds it.
#[derive(Clone)]
enum C {
    S(&'static str),
    Owned(String),
    N(f64),
    Blank,
}
use C::*;

fn npi(n: u32) -> String {
    let base = format!("{:09}", 100_000_000 + n);
    format!("{base}{}", npi_check_digit(base.as_bytes()))
}

/// A workbook of named sheets, each a grid of rows from A1.
fn workbook(sheets: &[(&str, Vec<Vec<C>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    S(s) => drop(sheet.write_string(r, c, *s).unwrap()),
                    Owned(s) => drop(sheet.write_string(r, c, s.as_str()).unwrap()),
                    N(n) => drop(sheet.write_number(r, c, *n).unwrap()),
                    Blank => {}
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn header() -> Vec<C> {
    [
        "Tax ID",
        "Practice Name",
        "Zip Code",
        "Reports As",
        "Provider NPI",
        "Provider Name",
        "Credentials",
    ]
    .into_iter()
    .map(S)
    .collect()
}

#[test]
fn numbers_become_the_text_typed_and_leading_zeros_come_back() {
    let bytes = workbook(&[(
        "Clients",
        vec![
            header(),
            // 012345678 and 02134 as Excel stores them once typed into a General cell.
            vec![
                N(12345678.0),
                S("Nguyễn Văn An Clinic"),
                N(2134.0),
                S("Group"),
                N(1234567893.0),
                S("Nguyễn Văn An"),
                S("MD"),
            ],
            vec![
                S("01-2345678"),
                Blank,
                Blank,
                Blank,
                Owned(npi(1)),
                S("Łukasz Wróbel"),
                S("PA-C"),
            ],
            vec![
                N(987654321.0),
                S("Valley Audiology"),
                N(601.0),
                Blank,
                Blank,
                Blank,
                Blank,
            ],
            vec![
                N(223456789.0),
                S("Zip Plus Four"),
                N(21341234.0),
                Blank,
                Blank,
                Blank,
                Blank,
            ],
        ],
    )]);
    assert!(is_client_list(&bytes));
    let l = parse_client_list(&bytes, 10).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(
        (l.format, l.rows, l.practices.len()),
        (ClientListFormat::Xlsx, 4, 3)
    );
    let p = &l.practices[0];
    assert_eq!(
        (p.tin.as_str(), p.zip.unwrap().as_str()),
        ("012345678", "02134")
    );
    assert_eq!((p.line, p.level), (2, Some(ReportingLevel::Group)));
    assert_eq!(p.clinicians[0].npi.as_str(), "1234567893");
    assert_eq!(p.clinicians[0].name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(
        (p.clinicians[1].line, p.clinicians[1].clinician_type),
        (3, ClinicianType::PhysicianAssistant)
    );
    assert_eq!(l.practices[1].zip.unwrap().as_str(), "00601");
    assert!(l.practices[1].clinicians.is_empty());
    assert_eq!(
        l.practices[2].zip.unwrap().as_str(),
        "02134",
        "ZIP+4 of 8 digits padded to 9"
    );
    let note = l
        .notes
        .iter()
        .find(|n| n.contains("Leading zeros"))
        .expect("a note");
    assert!(note.contains("1 TIN and 3 ZIP"), "{note}");
}

#[test]
fn errors_name_excel_row_numbers_and_the_header_as_written() {
    let bytes = workbook(&[(
        "Sheet1",
        vec![
            header(),
            vec![
                N(123456789.0),
                S("Acme"),
                Blank,
                Blank,
                Owned(npi(2)),
                S("Ada"),
                S("NP"),
            ],
            vec![],
            vec![
                N(123456789.0),
                S("Acme"),
                Blank,
                Blank,
                N(1234567890.0),
                S("Bad"),
                S("NP"),
            ],
            vec![
                N(123456789.0),
                S("Acme Two"),
                Blank,
                Blank,
                Owned(npi(3)),
                S("Ben"),
                S("APRN"),
            ],
            vec![
                N(123456789.0),
                S("Acme"),
                Blank,
                Blank,
                Owned(npi(4)),
                S("Cy"),
                S("NP"),
                Blank,
                S("note"),
            ],
        ],
    )]);
    let e = parse_client_list(&bytes, 10).unwrap_err();
    let got: Vec<(u64, &str)> = e.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        got,
        [(4, "Provider NPI"), (5, "Credentials"), (6, "(no header)")],
        "a row with a bad cell is not compared with the others (Practice Name) until it is fixed: {e:#?}"
    );
    assert_eq!(e[0].value, "1234567890");
    let (l, left_out) = parse_client_list_keeping_good(&bytes, 10).unwrap();
    assert_eq!((l.practices[0].clinicians.len(), left_out.len()), (1, 3));
}

#[test]
fn the_sheet_with_the_columns_is_read_and_said() {
    let bytes = workbook(&[
        ("Read me", vec![vec![S("How to fill in this workbook")]]),
        (
            "Clients",
            vec![
                header(),
                vec![
                    N(123456789.0),
                    S("Acme"),
                    Blank,
                    Blank,
                    Owned(npi(5)),
                    S("Ada"),
                    S("DO"),
                ],
            ],
        ),
    ]);
    let l = parse_client_list(&bytes, 10).unwrap();
    assert_eq!(
        l.practices[0].clinicians[0].clinician_type,
        ClinicianType::Physician
    );
    assert!(
        l.notes.iter().any(|n| n.contains("\"Clients\"")),
        "{:?}",
        l.notes
    );
    // No sheet with the columns: the first sheet's header is what the error names.
    let bytes = workbook(&[("Read me", vec![vec![S("How to fill in this workbook")]])]);
    let e = parse_client_list(&bytes, 10).unwrap_err();
    assert!(e[0].message.contains("How to fill in"), "{}", e[0].message);
    let bytes = workbook(&[(
        "Title",
        vec![
            vec![S("Our clients, 2025")],
            vec![],
            header(),
            vec![N(123456789.0), S("Acme"), Blank, Blank, N(1234567890.0)],
        ],
    )]);
    let e = parse_client_list(&bytes, 10).unwrap_err();
    assert_eq!((e[0].line, e[0].column.as_str()), (4, "Provider NPI"));
    let bytes = workbook(&[("Empty", vec![])]);
    assert!(
        parse_client_list(&bytes, 10).unwrap_err()[0]
            .message
            .contains("empty")
    );
}

#[test]
fn a_broken_workbook_is_a_file_error() {
    let good = workbook(&[("Clients", vec![header()])]);
    for bad in [&good[..good.len() / 2], &good[..40], b"PK\x03\x04"] {
        let e = parse_client_list(bad, 10).unwrap_err();
        assert_eq!((e.len(), e[0].line), (1, 0));
        assert!(e[0].message.contains("cannot be read"), "{}", e[0].message);
    }
}

/// 500 practices × 50 clinicians: what a large consultancy uploads.
fn book_rows() -> Vec<Vec<String>> {
    let types = [
        "MD",
        "NP",
        "PA-C",
        "physician",
        "Nurse Practitioner",
        "CRNA",
        "DPT",
    ];
    let mut rows = Vec::with_capacity(25_000);
    for p in 0..500u32 {
        for c in 0..50u32 {
            rows.push(vec![
                format!("{:09}", 100_000_000 + p),
                format!("Practice {p} Łódź"),
                format!("{:05}", 1000 + p),
                if p % 2 == 0 {
                    "group".into()
                } else {
                    String::new()
                },
                npi(p * 50 + c),
                format!("Clinician {c} Nguyễn"),
                types[(c as usize) % types.len()].to_owned(),
            ]);
        }
    }
    rows
}

#[test]
fn twenty_five_thousand_rows_parse_quickly() {
    let rows = book_rows();
    let mut csv =
        String::from("tin,practice_name,practice_zip,reporting_level,npi,name,clinician_type\r\n");
    for r in &rows {
        csv.push_str(&r.join(","));
        csv.push_str("\r\n");
    }
    let t = Instant::now();
    let l = parse_client_list(csv.as_bytes(), 10).unwrap();
    let took = t.elapsed();
    assert_eq!(
        (l.practices.len(), l.practices[499].clinicians.len()),
        (500, 50)
    );
    // Well under a second in release; a debug build on a busy 2-core machine gets room.
    assert!(took.as_secs_f64() < 10.0, "CSV took {took:?}");
    eprintln!("CSV, 25,000 rows: {took:?}");

    let mut sheet = vec![header()];
    sheet.extend(rows.into_iter().map(|r| r.into_iter().map(Owned).collect()));
    let bytes = workbook(&[("Clients", sheet)]);
    let t = Instant::now();
    let l = parse_client_list(&bytes, 10).unwrap();
    let took = t.elapsed();
    assert_eq!((l.rows, l.practices.len()), (25_000, 500));
    assert!(took.as_secs_f64() < 20.0, "XLSX took {took:?}");
    eprintln!("XLSX, 25,000 rows ({} bytes): {took:?}", bytes.len());
}

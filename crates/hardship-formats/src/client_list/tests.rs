#![allow(clippy::unwrap_used, clippy::panic)]
//! Client lists as CSV (XLSX is tested in tests/client_list_xlsx.rs, where real workbooks are written).

use super::*;
use hardship_rules::ids::npi_check_digit;

/// A valid NPI from a number (check digit computed).
fn npi(n: u32) -> String {
    let base = format!("{:09}", 100_000_000 + n);
    format!("{base}{}", npi_check_digit(base.as_bytes()))
}

fn ok(csv: &str) -> ClientList {
    match parse_client_list(csv.as_bytes(), 20) {
        Ok(l) => l,
        Err(e) => panic!("{e:#?}"),
    }
}

fn err(csv: &str) -> Vec<RosterError> {
    parse_client_list(csv.as_bytes(), 20).unwrap_err()
}

#[test]
fn the_template_parses_with_its_unicode_names() {
    let l = ok(CLIENT_LIST_TEMPLATE_CSV);
    assert!(CLIENT_LIST_TEMPLATE_CSV.starts_with(CLIENT_LIST_HEADER));
    assert_eq!(
        (l.format, l.rows, l.practices.len()),
        (ClientListFormat::Csv, 3, 2)
    );
    let lakeside = &l.practices[0];
    assert_eq!(lakeside.tin.as_str(), "123456789");
    assert_eq!(lakeside.zip.unwrap().as_str(), "02134");
    assert_eq!(lakeside.level, Some(ReportingLevel::Group));
    let names: Vec<_> = lakeside
        .clinicians
        .iter()
        .map(|c| c.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["Nguyễn Văn An", "Łukasz Wróbel"]);
    assert_eq!(
        lakeside.clinicians[1].clinician_type,
        ClinicianType::NursePractitioner
    );
    assert_eq!(
        l.practices[1].clinicians[0].name.as_deref(),
        Some("José Núñez")
    );
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    assert!(is_client_list(CLIENT_LIST_TEMPLATE_CSV.as_bytes()));
}

#[test]
fn excel_on_windows_crlf_bom_and_windows_1252_are_read_and_said() {
    let text = "Tax ID,Practice Name,NPI,Provider Name,Credentials\r\n\
                12-3456789,Clínica Núñez,1234567893,José Núñez,MD\r\n,,,,\r\n,,,,\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "really 1252 bytes");
    let l = parse_client_list(&bytes, 10).unwrap();
    assert_eq!(l.practices[0].name, "Clínica Núñez");
    assert_eq!(
        l.practices[0].clinicians[0].name.as_deref(),
        Some("José Núñez")
    );
    assert_eq!(l.rows, 1, "trailing ,,,, rows are not rows");
    assert!(l.notes[0].contains("Windows-1252"), "{:?}", l.notes);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(text.as_bytes());
    let l = parse_client_list(&with_bom, 10).unwrap();
    assert_eq!(
        l.practices[0].clinicians[0].name.as_deref(),
        Some("José Núñez")
    );
    assert!(l.notes.is_empty());
}

#[test]
fn lines_are_the_editors_in_a_crlf_file_with_quoted_newlines_and_blank_lines() {
    let a = npi(1);
    let csv = format!(
        "tin,practice_name,npi,clinician_type\r\n123456789,A,{a},MD\r\n123456789,A,,\r\n123456789,A,1234567890,MD\r\n"
    );
    let e = err(&csv);
    assert_eq!(
        (e[0].line, e[0].column.as_str(), e[0].value.as_str()),
        (4, "npi", "1234567890")
    );
    let csv = format!(
        "tin,practice_name,npi,name,clinician_type\r\n\r\n123456789,A,{a},\"Ada\r\nB\",MD\r\n\r\n123456789,A,bad,,MD\r\n"
    );
    let e = err(&csv);
    assert_eq!((e[0].line, e[0].column.as_str()), (3, "name"));
    assert_eq!((e[1].line, e[1].column.as_str()), (6, "npi"));
}

#[test]
fn every_header_alias_reads_the_same_file() {
    let rows = format!("12-3456789,Acme,02134,Group,{},Ada Lovelace,NP\n", npi(2));
    for header in [
        "TIN,Practice,ZIP,Level,NPI,Name,Type",
        "Tax ID,Practice Name,Zip Code,Reporting Level,Clinician NPI,Clinician,clinician_type",
        " practice tin ,practice_name,practice_zip,reporting_level,Provider NPI,Clinician Name,Clinician Type",
        "Taxpayer Identification Number,Client,Postal Code,Reports As,npi,Provider Name,Specialty",
        "TAX-ID,ORGANIZATION,zip,level,NPI,Full Name,Provider Type",
        "tin,Group Name,zip,level,npi,name,Credential",
        "tin,group_name,zip,level,npi,name,Credentials",
    ] {
        let l = ok(&format!("{header}\n{rows}"));
        let p = &l.practices[0];
        assert_eq!(
            (p.name.as_str(), p.level),
            ("Acme", Some(ReportingLevel::Group)),
            "{header}"
        );
        assert_eq!(
            p.clinicians[0].clinician_type,
            ClinicianType::NursePractitioner
        );
    }
    let l = ok(&format!(
        "TIN,Practice,First Name,Last Name,NPI,Type\n123456789,Acme,Łukasz,Wróbel,{},PA-C\n",
        npi(3)
    ));
    assert_eq!(
        l.practices[0].clinicians[0].name.as_deref(),
        Some("Łukasz Wróbel")
    );
}

#[test]
fn unknown_and_doubled_columns_refuse_the_file_at_line_0() {
    let e = err("TIN,Practice,Shoe Size\n123456789,A,9\n");
    assert_eq!((e.len(), e[0].line), (1, 0));
    assert!(e[0].message.contains("\"Shoe Size\"") && e[0].message.contains("Provider NPI"));
    let e = err("TIN,Tax ID,Practice\n");
    assert!(e[0].message.contains("both mean tin"), "{}", e[0]);
    assert!(err("")[0].message.contains("empty"));
    assert!(
        err("tin,practice\n,,\n")[0]
            .message
            .contains("no practices")
    );
}

#[test]
fn a_bad_npi_names_line_column_as_written_and_value() {
    let e = err("TIN,Practice,Provider NPI,Type\n123456789,A,1234567890,MD\n");
    assert_eq!(
        (e[0].line, e[0].column.as_str(), e[0].value.as_str()),
        (2, "Provider NPI", "1234567890")
    );
    assert!(e[0].message.contains("check digit"), "{}", e[0]);
    let long = "9".repeat(500);
    let e = err(&format!("tin,practice,npi,type\n123456789,A,{long},MD\n"));
    assert!(e[0].value.chars().count() <= 65, "{}", e[0].value);
}

#[test]
fn types_levels_tins_and_zips_as_people_write_them() {
    let csv = format!(
        "tin,practice,zip,level,npi,type\n\
         12-3456789,A,02134-1234,Virtual Group,{},Nurse Practitioner\n\
         223456789,B,60614,APM ENTITY,{},crna\n\
         323456789,C,,individual,{},D.O.\n\
         423456789,D,,,,\n",
        npi(4),
        npi(5),
        npi(6)
    );
    let l = ok(&csv);
    let levels: Vec<_> = l.practices.iter().map(|p| p.level).collect();
    use ReportingLevel::*;
    assert_eq!(
        levels,
        [Some(VirtualGroup), Some(ApmEntity), Some(Individual), None]
    );
    assert_eq!(l.practices[0].zip.unwrap().as_str(), "02134");
    assert!(
        l.practices[3].clinicians.is_empty(),
        "a practice with no clinician"
    );
    let e = err("tin,practice,npi,type\n12345678,A,,\n");
    assert!(e[0].message.contains("leading zero"), "{}", e[0]);
    let e = err("tin,practice,zip\n123456789,A,2134\n");
    assert!(e[0].message.contains("leading zero"), "{}", e[0]);
    let e = err("tin,practice,level\n123456789,A,tin\n");
    assert!(e[0].message.contains("Virtual Group"), "{}", e[0]);
    let e = err(&format!(
        "tin,practice,npi,Specialty\n123456789,A,{},APRN\n",
        npi(7)
    ));
    assert_eq!(
        (e[0].column.as_str(), e[0].value.as_str()),
        ("Specialty", "APRN")
    );
    assert!(e[0].message.contains("CNS"), "{}", e[0]);
    let e = err(&format!(
        "tin,practice,npi,type\n123456789,A,{},doctor\n",
        npi(7)
    ));
    assert!(e[0].message.contains("PA-C"), "{}", e[0]);
}

#[test]
fn rows_of_a_tin_agree_and_an_npi_is_listed_once_per_tin() {
    let (a, b) = (npi(8), npi(9));
    let l = ok(&format!(
        "tin,practice,zip,npi,type\n123456789,Lakeside  Clinic,02134,{a},MD\n123456789,LAKESIDE clinic,,{b},NP\n\
         987654321,Other,,{a},physician\n"
    ));
    assert_eq!(l.practices[0].clinicians.len(), 2);
    assert_eq!(
        l.practices[1].clinicians[0].npi.as_str(),
        a,
        "one NPI under two TINs"
    );
    let e = err(&format!(
        "tin,practice,npi,type\n123456789,Lakeside,{a},MD\n123456789,Hillside,{b},MD\n"
    ));
    assert_eq!(
        (e[0].line, e[0].column.as_str(), e[0].value.as_str()),
        (3, "practice", "Hillside")
    );
    assert!(e[0].message.contains("\"Lakeside\" on line 2"), "{}", e[0]);
    let e = err(
        "tin,practice,zip,level\n123456789,A,02134,group\n123456789,A,60614,\n123456789,A,,individual\n",
    );
    assert_eq!((e[0].line, e[0].column.as_str()), (3, "zip"));
    assert!(e[0].message.contains("line 2"), "{}", e[0]);
    assert_eq!((e[1].line, e[1].column.as_str()), (4, "level"));
    let e = err(&format!(
        "tin,practice,npi,type\n123456789,A,{a},MD\n123456789,,{a},MD\n"
    ));
    assert!(
        e[0].message
            .contains("already listed for TIN 123456789 on line 2"),
        "{}",
        e[0]
    );
    let e = err(&format!(
        "tin,practice,npi,type\n123456789,A,{a},MD\n987654321,B,{a},NP\n"
    ));
    assert_eq!((e[0].line, e[0].column.as_str()), (3, "type"));
    assert!(e[0].message.contains("physician on line 2"), "{}", e[0]);
    let e = err(&format!("tin,practice,npi,type\n123456789,,{a},MD\n"));
    assert!(e[0].message.contains("must name the practice"), "{}", e[0]);
    let e = err("tin,practice,npi,name,type\n123456789,A,,Ada,\n");
    assert_eq!(e[0].column, "name");
    assert!(e[0].message.contains("needs an NPI"), "{}", e[0]);
    let e = err("tin,practice\n123456789,A,extra\n");
    assert_eq!(
        (e[0].column.as_str(), e[0].value.as_str()),
        ("(no header)", "extra")
    );
    let e = err(&format!(
        "tin,practice,npi,name,type\n123456789,A,{a},{},MD\n",
        "Ä".repeat(201)
    ));
    assert!(e[0].message.contains("200 characters"), "{}", e[0]);
}

#[test]
fn keeping_the_good_rows_leaves_out_only_the_bad_ones() {
    let (a, b) = (npi(10), npi(11));
    let csv = format!(
        "tin,practice,npi,type\n123456789,A,{a},MD\n123456789,B,{b},MD\n123456789,A,1234567890,MD\n\
         123456789,A,{b},NP\n987654321,,{b},NP\n987654321,C,,\n"
    );
    assert!(parse_client_list(csv.as_bytes(), 10).is_err());
    let (l, left_out) = parse_client_list_keeping_good(csv.as_bytes(), 10).unwrap();
    let lines: Vec<u64> = left_out.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 6]);
    assert_eq!(l.practices.len(), 2);
    assert_eq!(
        l.practices[0].clinicians.len(),
        2,
        "the row after a refused conflict is kept"
    );
    assert_eq!(l.practices[1].line, 7, "the TIN's first good row");
    assert!(l.notes[0].contains("3 of 6 rows"), "{:?}", l.notes);
    assert!(
        parse_client_list_keeping_good(b"tin,shoe\n1,2\n", 10).is_err(),
        "line 0 is never skipped"
    );
    assert!(
        parse_client_list_keeping_good(b"tin,practice\nbad,A\n", 10).is_err(),
        "nothing left"
    );
    let (l, none) =
        parse_client_list_keeping_good(CLIENT_LIST_TEMPLATE_CSV.as_bytes(), 10).unwrap();
    assert_eq!((l.practices.len(), none.len()), (2, 0));
}

#[test]
fn errors_are_capped_and_rows_are_bounded() {
    let mut big = String::from("tin,practice\n");
    for _ in 0..500 {
        big.push_str("bad,A\n");
    }
    assert_eq!(parse_client_list(big.as_bytes(), 25).unwrap_err().len(), 25);
    let (_, capped) =
        parse_client_list_keeping_good(format!("{big}123456789,A\n").as_bytes(), 5).unwrap();
    assert_eq!(capped.len(), 5);
    let mut huge = String::from("tin,practice\n");
    for _ in 0..=MAX_ROWS {
        huge.push_str("123456789,A\n");
    }
    let e = parse_client_list(huge.as_bytes(), 5).unwrap_err();
    assert_eq!(e[0].line, 0);
    assert!(e[0].message.contains("200000"), "{}", e[0]);
}

#[test]
fn other_separators_and_encodings_excel_writes() {
    let a = npi(12);
    let l = ok(&format!(
        "TIN;Practice;NPI;Type\n123456789;Ärzte am Markt;{a};MD\n"
    ));
    assert_eq!(l.practices[0].name, "Ärzte am Markt");
    let text = format!("TIN\tPractice\tNPI\tType\r\n123456789\tNguyễn Văn An Clinic\t{a}\tMD\r\n");
    let mut utf16 = b"\xFF\xFE".to_vec();
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let l = parse_client_list(&utf16, 10).unwrap();
    assert_eq!(l.practices[0].name, "Nguyễn Văn An Clinic");
    assert!(l.notes[0].contains("UTF-16"));
}

#[test]
fn client_lists_are_told_from_rosters_and_old_workbooks_are_named() {
    assert!(is_client_list(b"Tax ID,Client,NPI\n"));
    assert!(is_client_list(b"\n;;\nTIN;Practice Name\n"));
    assert!(!is_client_list(
        b"npi,clinician_type\n1234567893,physician\n"
    ));
    assert!(!is_client_list(b"tin,npi,clinician_type\n"));
    assert!(is_client_list(b"PK\x03\x04rest"));
    assert!(!is_client_list(b""));
    let e = err("\u{D0}");
    assert_eq!(e[0].line, 0);
    let e = parse_client_list(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....", 5).unwrap_err();
    assert!(e[0].message.contains(".xls"), "{}", e[0]);
    let e = parse_client_list(b"PK\x03\x04 not really a zip", 5).unwrap_err();
    assert!(e[0].message.contains("cannot be read"), "{}", e[0]);
}

#[test]
fn a_title_above_the_header_and_excels_sep_line_are_passed_over() {
    let a = npi(13);
    let csv = format!(
        "Client list — March 2025,,\r\n,,\r\nTIN,Practice,NPI,Type\r\n123456789,A,{a},MD\r\n123456789,A,bad,MD\r\n"
    );
    let e = err(&csv);
    assert_eq!((e[0].line, e[0].column.as_str()), (5, "NPI"));
    let l = ok(&csv.replace("bad", &npi(14)));
    assert!(l.notes[0].contains("header is on line 3"), "{:?}", l.notes);
    assert!(is_client_list(csv.as_bytes()));
    let l = ok(&format!(
        "sep=;\nTIN;Practice;NPI;Type\n123456789;A, Inc.;{a};MD\n"
    ));
    assert_eq!(l.practices[0].name, "A, Inc.");
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    let e = err("sep=;\nTIN;Practice\n123456789;\n");
    assert_eq!(e[0].line, 3);
    let e = err("TIN,Practice\n,A\n");
    assert!(e[0].message.contains("every row needs"), "{}", e[0]);
    let columns: Vec<_> = accepted_columns().map(|(name, _)| name).collect();
    assert_eq!(columns.len(), 9);
    assert!(CLIENT_LIST_HEADER.split(',').all(|c| columns.contains(&c)));
}

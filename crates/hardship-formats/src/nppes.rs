//! Rosters in the layout of the NPPES downloadable file (CMS's National Plan and Provider Enumeration
//! System): `NPI`, `Entity Type Code`, the provider's names, and up to fifteen pairs of
//! `Healthcare Provider Taxonomy Code_N` / `Healthcare Provider Primary Taxonomy Switch_N`. The file has
//! some 330 columns; those not read here are ignored. Each clinician's type comes from its primary taxonomy
//! code through [`crate::taxonomy`], with the mapping's source kept for the user to see.
//!
//! Organizations (entity type 2) and deactivated NPIs (no entity type) are not clinicians: they are
//! counted and left out. Everything else must be right — a bad NPI, an unknown taxonomy code, two primary
//! taxonomies — or the whole file is refused with every problem named by line, column and value.

use crate::csv_lines::LineCounter;
use crate::roster::RosterError;
use crate::taxonomy::Taxonomy;
use hardship_rules::{ClinicianType, Npi};
use std::collections::HashMap;

/// The columns that identify the NPPES layout.
pub const NPI: &str = "NPI";
pub const ENTITY_TYPE: &str = "Entity Type Code";
const LAST: &str = "Provider Last Name (Legal Name)";
const FIRST: &str = "Provider First Name";
const MIDDLE: &str = "Provider Middle Name";
const CREDENTIAL: &str = "Provider Credential Text";
const TAXONOMY_PAIRS: usize = 15;

/// One clinician of an NPPES file.
#[derive(Clone, Debug, PartialEq)]
pub struct NppesClinician {
    pub line: u64,
    pub npi: Npi,
    /// "First Middle Last, Credential".
    pub name: String,
    pub taxonomy: String,
    pub clinician_type: ClinicianType,
    /// How the taxonomy code became the type, naming the data files.
    pub mapping: String,
    pub confirmed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NppesRoster {
    pub clinicians: Vec<NppesClinician>,
    pub rows: u64,
    pub organizations_skipped: u64,
    pub deactivated_skipped: u64,
}

/// Whether a header row is the NPPES layout (it names `NPI` and `Entity Type Code`).
pub fn is_nppes(bytes: &[u8]) -> bool {
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    r.byte_headers().is_ok_and(|h| {
        let names: Vec<String> = h
            .iter()
            .map(|c| {
                String::from_utf8_lossy(c)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .collect();
        names.iter().any(|n| n == NPI) && names.iter().any(|n| n == ENTITY_TYPE)
    })
}

fn err(line: u64, column: &str, value: &str, message: String) -> RosterError {
    RosterError {
        line,
        column: column.to_owned(),
        value: value.chars().take(64).collect(),
        message,
    }
}

/// Parses an NPPES-layout file: every clinician with its type, or every problem (at most `max_errors`).
pub fn parse_nppes(bytes: &[u8], max_errors: usize) -> Result<NppesRoster, Vec<RosterError>> {
    let taxonomy = Taxonomy::embedded().map_err(|e| vec![err(0, "", "", e)])?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| vec![err(0, "", "", format!("not a CSV file: {e}"))])?
        .clone();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, c) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(c)
            .trim()
            .trim_start_matches('\u{feff}')
            .to_owned();
        at.entry(name).or_insert(i);
    }
    for required in [NPI, ENTITY_TYPE, LAST, FIRST] {
        if !at.contains_key(required) {
            return Err(vec![err(
                0,
                required,
                "",
                format!("missing column {required:?} of the NPPES layout"),
            )]);
        }
    }
    let pairs: Vec<(usize, Option<usize>, String)> = (1..=TAXONOMY_PAIRS)
        .filter_map(|n| {
            let code = format!("Healthcare Provider Taxonomy Code_{n}");
            let switch = format!("Healthcare Provider Primary Taxonomy Switch_{n}");
            at.get(&code).map(|&c| (c, at.get(&switch).copied(), code))
        })
        .collect();
    if pairs.is_empty() {
        return Err(vec![err(
            0,
            "Healthcare Provider Taxonomy Code_1",
            "",
            "missing column \"Healthcare Provider Taxonomy Code_1\" of the NPPES layout".into(),
        )]);
    }
    let cell = |rec: &csv::ByteRecord, name: &str| -> String {
        at.get(name)
            .and_then(|&i| rec.get(i))
            .map(|b| String::from_utf8_lossy(b).trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let push = |e: RosterError, errors: &mut Vec<RosterError>| {
        if errors.len() < max_errors.max(1) {
            errors.push(e);
        }
    };
    let mut out = NppesRoster {
        clinicians: Vec::new(),
        rows: 0,
        organizations_skipped: 0,
        deactivated_skipped: 0,
    };
    let mut seen: HashMap<Npi, u64> = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    let mut lines_of = LineCounter::new(bytes);
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines_of.line_of(e.position(), 0);
                push(
                    err(line, "(row)", "", format!("not valid CSV: {e}")),
                    &mut errors,
                );
                break;
            }
        }
        out.rows += 1;
        let line = lines_of.line_of(rec.position(), out.rows + 1);
        let npi_text = cell(&rec, NPI);
        let npi = match Npi::parse(&npi_text) {
            Ok(n) => n,
            Err(e) => {
                push(err(line, NPI, &npi_text, e.to_string()), &mut errors);
                continue;
            }
        };
        match cell(&rec, ENTITY_TYPE).as_str() {
            "1" => {}
            "2" => {
                out.organizations_skipped += 1;
                continue;
            }
            "" => {
                out.deactivated_skipped += 1;
                continue;
            }
            other => {
                push(
                    err(
                        line,
                        ENTITY_TYPE,
                        other,
                        format!(
                            "invalid Entity Type Code {:?}: 1 (individual) or 2 (organization)",
                            other.chars().take(64).collect::<String>()
                        ),
                    ),
                    &mut errors,
                );
                continue;
            }
        }
        if let Some(first) = seen.insert(npi, line) {
            push(
                err(
                    line,
                    NPI,
                    &npi_text,
                    format!("NPI {npi} is already listed on line {first}"),
                ),
                &mut errors,
            );
            continue;
        }
        // The primary taxonomy: the one whose switch is Y, else the first one given.
        let mut codes: Vec<(String, &str, bool)> = Vec::new();
        for (c, s, name) in &pairs {
            let code = rec
                .get(*c)
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .unwrap_or_default();
            if code.is_empty() {
                continue;
            }
            let primary = s
                .and_then(|s| rec.get(s))
                .is_some_and(|v| v.eq_ignore_ascii_case(b"Y"));
            codes.push((code, name.as_str(), primary));
        }
        let primaries: Vec<&(String, &str, bool)> = codes.iter().filter(|c| c.2).collect();
        let chosen = match (primaries.len(), codes.first()) {
            (0, None) => {
                push(
                    err(
                        line,
                        "Healthcare Provider Taxonomy Code_1",
                        "",
                        format!("NPI {npi} has no taxonomy code, so its clinician type is unknown"),
                    ),
                    &mut errors,
                );
                continue;
            }
            (0, Some(first)) => first,
            (1, _) => primaries[0],
            _ => {
                push(
                    err(
                        line,
                        "Healthcare Provider Primary Taxonomy Switch",
                        "Y",
                        format!(
                            "NPI {npi} marks {} taxonomies as primary; NPPES allows one",
                            primaries.len()
                        ),
                    ),
                    &mut errors,
                );
                continue;
            }
        };
        let (code, column, _) = chosen;
        match taxonomy.type_of_taxonomy(code) {
            Ok(m) => {
                let mut name = [cell(&rec, FIRST), cell(&rec, MIDDLE), cell(&rec, LAST)]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                let credential = cell(&rec, CREDENTIAL);
                if !credential.is_empty() {
                    name = format!("{name}, {credential}");
                }
                if name.trim().is_empty() {
                    name = format!("NPI {npi}");
                }
                if name.chars().count() > 200 || name.chars().any(char::is_control) {
                    push(
                        err(
                            line,
                            LAST,
                            &name,
                            "a name of at most 200 characters without control characters".into(),
                        ),
                        &mut errors,
                    );
                    continue;
                }
                out.clinicians.push(NppesClinician {
                    line,
                    npi,
                    name,
                    taxonomy: code.clone(),
                    clinician_type: m.clinician_type,
                    mapping: m.source,
                    confirmed: m.confirmed,
                });
            }
            Err(e) => push(err(line, column, code, e.to_string()), &mut errors),
        }
    }
    if out.rows == 0 {
        push(
            err(0, "", "", "the file has a header but no rows".into()),
            &mut errors,
        );
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A synthetic NPPES-layout file of `n` individual clinicians with real taxonomy codes (for tests and
/// benchmarks): the header of the real file's columns this module reads, plus a few it ignores.
pub fn synthetic(n: u32) -> String {
    const CODES: [&str; 6] = [
        "207Q00000X",
        "363LF0000X",
        "363A00000X",
        "225100000X",
        "207R00000X",
        "103T00000X",
    ];
    let mut s = String::from(
        "\"NPI\",\"Entity Type Code\",\"Replacement NPI\",\"Provider Last Name (Legal Name)\",\"Provider First Name\",\"Provider Middle Name\",\"Provider Credential Text\",\"Healthcare Provider Taxonomy Code_1\",\"Provider License Number_1\",\"Healthcare Provider Primary Taxonomy Switch_1\",\"Healthcare Provider Taxonomy Code_2\",\"Provider License Number_2\",\"Healthcare Provider Primary Taxonomy Switch_2\"\n",
    );
    for i in 0..n {
        let base = format!("{:09}", 300_000_000 + i);
        let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
        let primary = CODES[i as usize % CODES.len()];
        s.push_str(&format!(
            "\"{base}{d}\",\"1\",\"\",\"Doe{i}\",\"Pat\",\"Q\",\"MD\",\"207X00000X\",\"L{i}\",\"N\",\"{primary}\",\"L{i}b\",\"Y\"\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HEADER: &str = "\"NPI\",\"Entity Type Code\",\"Provider Organization Name (Legal Business Name)\",\"Provider Last Name (Legal Name)\",\"Provider First Name\",\"Provider Middle Name\",\"Provider Credential Text\",\"Healthcare Provider Taxonomy Code_1\",\"Healthcare Provider Primary Taxonomy Switch_1\",\"Healthcare Provider Taxonomy Code_2\",\"Healthcare Provider Primary Taxonomy Switch_2\"\n";

    #[test]
    fn primary_taxonomies_become_types_and_organizations_are_left_out() {
        let csv = format!(
            "{HEADER}\"1234567893\",\"1\",\"\",\"Lovelace\",\"Ada\",\"\",\"MD\",\"207X00000X\",\"N\",\"363LF0000X\",\"Y\"\n\
             \"1245319599\",\"2\",\"Lakeside Clinic LLC\",\"\",\"\",\"\",\"\",\"261QP2300X\",\"Y\",\"\",\"\"\n\
             \"1003000126\",\"1\",\"\",\"Smith\",\"Sam\",\"J\",\"\",\"207Q00000X\",\"\",\"\",\"\"\n"
        );
        assert!(is_nppes(csv.as_bytes()));
        let r = parse_nppes(csv.as_bytes(), 10).unwrap();
        assert_eq!((r.rows, r.organizations_skipped), (3, 1));
        assert_eq!(r.clinicians.len(), 2);
        let ada = &r.clinicians[0];
        assert_eq!(ada.name, "Ada Lovelace, MD");
        assert_eq!(
            ada.taxonomy, "363LF0000X",
            "the switch marks the primary taxonomy"
        );
        assert_eq!(ada.clinician_type, ClinicianType::NursePractitioner);
        assert!(ada.mapping.contains("crosswalk"));
        let sam = &r.clinicians[1];
        assert_eq!(
            sam.clinician_type,
            ClinicianType::Physician,
            "no switch: the first code"
        );
        assert_eq!(sam.name, "Sam J Smith");
    }

    #[test]
    fn bad_taxonomy_and_npi_are_named_by_line_and_nothing_is_returned() {
        let csv = format!(
            "{HEADER}\"1234567893\",\"1\",\"\",\"A\",\"B\",\"\",\"\",\"999Z99999X\",\"Y\",\"\",\"\"\n\
             \"1234567890\",\"1\",\"\",\"C\",\"D\",\"\",\"\",\"207Q00000X\",\"Y\",\"\",\"\"\n\
             \"1245319599\",\"1\",\"\",\"E\",\"F\",\"\",\"\",\"207Q00000X\",\"Y\",\"363L00000X\",\"Y\"\n"
        );
        let e = parse_nppes(csv.as_bytes(), 10).unwrap_err();
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].line, e[0].column.as_str(), e[0].value.as_str()),
            (2, "Healthcare Provider Taxonomy Code_1", "999Z99999X")
        );
        assert!(e[0].message.contains("NUCC"), "{}", e[0].message);
        assert_eq!(
            (e[1].line, e[1].column.as_str(), e[1].value.as_str()),
            (3, "NPI", "1234567890")
        );
        assert!(e[2].message.contains("primary"), "{}", e[2].message);
    }

    #[test]
    fn lines_are_right_in_a_crlf_file() {
        // The issue report: one too low for a CRLF file (csv's position().line()).
        let csv = format!(
            "{HEADER}\"1234567893\",\"1\",\"\",\"A\",\"B\",\"\",\"\",\"207Q00000X\",\"Y\",\"\",\"\"\n\
             \"1245319599\",\"1\",\"\",\"C\",\"D\",\"\",\"\",\"207Q00000X\",\"Y\",\"\",\"\"\n\
             \"1234567890\",\"1\",\"\",\"E\",\"F\",\"\",\"\",\"207Q00000X\",\"Y\",\"\",\"\"\n"
        )
        .replace('\n', "\r\n");
        let e = parse_nppes(csv.as_bytes(), 10).unwrap_err();
        assert_eq!((e[0].line, e[0].column.as_str()), (4, "NPI"));
    }

    #[test]
    fn the_layout_is_recognised_and_required_columns_named() {
        assert!(!is_nppes(b"npi,clinician_type\n1234567893,physician\n"));
        let e = parse_nppes(b"\"NPI\",\"Entity Type Code\"\n", 10).unwrap_err();
        assert!(
            e[0].message.contains("Provider Last Name"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn a_thousand_rows_parse() {
        let r = parse_nppes(synthetic(1000).as_bytes(), 10).unwrap();
        assert_eq!(r.clinicians.len(), 1000);
        assert_eq!(
            r.clinicians[1].clinician_type,
            ClinicianType::NursePractitioner
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut input = HEADER.as_bytes().to_vec();
            input.extend(bytes);
            let _ = parse_nppes(&input, 5);
        }
    }
}

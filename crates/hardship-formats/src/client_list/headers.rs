//! The header row of a client list: which column is which, under the names people give them ("Tax ID",
//! "Provider NPI", "Credentials"), in any case, with `_`, `-` and spaces alike.

use crate::roster::RosterError;

/// The columns a client list may have.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Col {
    Tin,
    Practice,
    Zip,
    Level,
    Npi,
    Name,
    First,
    Last,
    Type,
}

/// Each column: its canonical name (the template's) and the names it is known by (compared through
/// [`key`], so case, `_`, `-` and spacing do not matter).
pub(crate) const COLUMNS: [(Col, &str, &[&str]); 9] = [
    (
        Col::Tin,
        "tin",
        &[
            "TIN",
            "Tax ID",
            "Practice TIN",
            "Taxpayer Identification Number",
            "Tax ID Number",
        ],
    ),
    (
        Col::Practice,
        "practice_name",
        &[
            "Practice",
            "Practice Name",
            "Client",
            "Client Name",
            "Organization",
            "Organization Name",
            "Group Name",
        ],
    ),
    (
        Col::Zip,
        "practice_zip",
        &["ZIP", "Zip Code", "Zipcode", "Practice ZIP", "Postal Code"],
    ),
    (
        Col::Level,
        "reporting_level",
        &["Reporting Level", "Level", "Reports As"],
    ),
    (
        Col::Npi,
        "npi",
        &["NPI", "Clinician NPI", "Provider NPI", "Individual NPI"],
    ),
    (
        Col::Name,
        "name",
        &[
            "Name",
            "Clinician",
            "Clinician Name",
            "Provider",
            "Provider Name",
            "Full Name",
        ],
    ),
    (
        Col::First,
        "first_name",
        &["First Name", "First", "Given Name", "Provider First Name"],
    ),
    (
        Col::Last,
        "last_name",
        &[
            "Last Name",
            "Last",
            "Surname",
            "Family Name",
            "Provider Last Name",
        ],
    ),
    (
        Col::Type,
        "clinician_type",
        &[
            "Type",
            "Clinician Type",
            "Specialty",
            "Provider Type",
            "Credential",
            "Credentials",
            "Provider Credential Text",
        ],
    ),
];

/// How many rows that are not empty are looked at for the header (a title may stand above it).
pub(crate) const HEADER_SEARCH: usize = 10;

/// A header row wider than this is not a client list (and would only cost memory per row).
pub(crate) const MAX_COLUMNS: usize = 1024;

/// Lower case, BOM and surrounding spaces dropped, `_` `-` and runs of spaces made one space.
pub(crate) fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
    {
        if c == '_' || c == '-' || c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The column a header cell names, if any.
pub(crate) fn column_of(header: &str) -> Option<Col> {
    let k = key(header);
    COLUMNS
        .iter()
        .find(|(_, name, aliases)| key(name) == k || aliases.iter().any(|a| key(a) == k))
        .map(|(c, _, _)| *c)
}

pub(crate) fn canonical(col: Col) -> &'static str {
    COLUMNS
        .iter()
        .find(|(c, _, _)| *c == col)
        .map_or("", |(_, name, _)| name)
}

/// Whether header cells name a TIN column and a practice column (what makes a file a client list).
pub(crate) fn names_practices<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut tin, mut practice) = (false, false);
    for c in cells {
        match column_of(c) {
            Some(Col::Tin) => tin = true,
            Some(Col::Practice) => practice = true,
            _ => {}
        }
    }
    tin && practice
}

/// Where each column sits, and its header as the user wrote it (errors name it).
pub(crate) struct Columns {
    at: [Option<usize>; 9],
    written: [String; 9],
    /// How many cells the header row has; cells past it, or under an empty header cell, must be empty.
    pub width: usize,
    named: Vec<bool>,
}

fn file_error(message: String) -> RosterError {
    RosterError {
        line: 0,
        column: String::new(),
        value: String::new(),
        message,
    }
}

fn accepted() -> String {
    COLUMNS
        .iter()
        .map(|(_, name, aliases)| format!("{name} ({})", aliases.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Columns {
    /// Reads the header row (its cells as written). Unknown and doubled columns are refused.
    pub(crate) fn parse(cells: &[&str]) -> Result<Columns, RosterError> {
        let width = cells.len();
        if width > MAX_COLUMNS {
            return Err(file_error(format!(
                "the header row has {width} cells; a client list has at most {MAX_COLUMNS}"
            )));
        }
        let mut cols = Columns {
            at: [None; 9],
            written: Default::default(),
            width,
            named: vec![false; width],
        };
        let mut unknown = Vec::new();
        for (i, raw) in cells.iter().enumerate() {
            let written = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if written.is_empty() {
                continue;
            }
            let Some(col) = column_of(written) else {
                if unknown.len() < 10 {
                    unknown.push(format!("{:?}", clip(written)));
                }
                continue;
            };
            let k = col as usize;
            if cols.at[k].is_some() {
                return Err(file_error(format!(
                    "columns {:?} and {:?} both mean {}; keep one",
                    cols.written[k],
                    clip(written),
                    canonical(col)
                )));
            }
            cols.at[k] = Some(i);
            cols.written[k] = clip(written);
            cols.named[i] = true;
        }
        if !unknown.is_empty() {
            return Err(file_error(format!(
                "unknown column(s) {} (the first row that is not empty is read as the header); a client \
                 list may have: {}",
                unknown.join(", "),
                accepted()
            )));
        }
        for (col, why) in [
            (Col::Tin, "every row names its practice's TIN"),
            (Col::Practice, "every practice needs a name"),
        ] {
            if !cols.has(col) {
                return Err(file_error(format!(
                    "missing column {} ({why}); a client list may have: {}",
                    canonical(col),
                    accepted()
                )));
            }
        }
        let clinician = [Col::Name, Col::First, Col::Last, Col::Type]
            .into_iter()
            .find(|c| cols.has(*c));
        if let (Some(c), false) = (clinician, cols.has(Col::Npi)) {
            return Err(file_error(format!(
                "column {:?} lists clinicians, so the file needs an npi column too",
                cols.written[c as usize]
            )));
        }
        if cols.has(Col::Npi) && !cols.has(Col::Type) {
            return Err(file_error(
                "missing column clinician_type (Type, Clinician Type, Specialty, Credentials, …): each \
                 clinician needs a type"
                    .into(),
            ));
        }
        Ok(cols)
    }

    pub(crate) fn has(&self, col: Col) -> bool {
        self.at[col as usize].is_some()
    }

    pub(crate) fn at(&self, col: Col) -> Option<usize> {
        self.at[col as usize]
    }

    /// The header as the user wrote it.
    pub(crate) fn written(&self, col: Col) -> &str {
        &self.written[col as usize]
    }

    /// Whether the cell at `i` sits under a column the header names.
    pub(crate) fn is_named(&self, i: usize) -> bool {
        self.named.get(i).copied().unwrap_or(false)
    }
}

/// At most 64 characters of a value, for messages (hostile cells can be megabytes).
pub(crate) fn clip(value: &str) -> String {
    match value.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_alias_in_any_case_with_spaces_underscores_and_hyphens() {
        for (col, name, aliases) in COLUMNS {
            assert_eq!(column_of(name), Some(col), "{name}");
            for a in aliases {
                assert_eq!(column_of(a), Some(col), "{a}");
                assert_eq!(column_of(&format!("  {}\t", a.to_uppercase())), Some(col));
                assert_eq!(column_of(&a.replace(' ', "_")), Some(col), "{a}");
                assert_eq!(column_of(&a.replace(' ', " - ")), Some(col), "{a}");
            }
        }
        for written in [
            "TIN",
            "Tax ID",
            "Practice TIN",
            "Taxpayer Identification Number",
            "\u{feff}Practice Name",
            "practice_name",
            "Client",
            "Organization",
            "Group Name",
            "ZIP",
            "Zip Code",
            "practice_zip",
            "Postal Code",
            "reporting_level",
            "Level",
            "Reporting Level",
            "Reports As",
            "NPI",
            "Clinician NPI",
            "Provider NPI",
            "Name",
            "Clinician",
            "Clinician Name",
            "Provider Name",
            "Full Name",
            "Type",
            "clinician_type",
            "Clinician Type",
            "Specialty",
            "Provider Type",
            "Credential",
            "Credentials",
            "First Name",
            "Last Name",
        ] {
            assert!(column_of(written).is_some(), "{written}");
        }
    }

    #[test]
    fn unknown_doubled_and_missing_columns_are_refused() {
        let e = Columns::parse(["TIN", "Practice", "Shoe Size"].as_slice())
            .err()
            .unwrap();
        assert_eq!(e.line, 0);
        assert!(e.message.contains("\"Shoe Size\""), "{}", e.message);
        assert!(e.message.contains("Tax ID") && e.message.contains("Credentials"));
        let e = Columns::parse(["TIN", "Tax ID", "Practice"].as_slice())
            .err()
            .unwrap();
        assert!(e.message.contains("both mean tin"), "{}", e.message);
        let e = Columns::parse(["NPI", "Practice"].as_slice())
            .err()
            .unwrap();
        assert!(e.message.contains("missing column tin"), "{}", e.message);
        let e = Columns::parse(["TIN", "Practice", "NPI"].as_slice())
            .err()
            .unwrap();
        assert!(e.message.contains("clinician_type"), "{}", e.message);
        let e = Columns::parse(["TIN", "Practice", "Name"].as_slice())
            .err()
            .unwrap();
        assert!(e.message.contains("npi"), "{}", e.message);
        let c = Columns::parse(&["tin", "", "practice_name", " "]).unwrap();
        assert_eq!((c.width, c.is_named(1), c.is_named(2)), (4, false, true));
    }
}

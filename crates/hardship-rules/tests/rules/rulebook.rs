//! The embedded rule book loads, and broken year files fail loudly: `RuleBook::from_files` and
//! `RuleSet::from_toml` with modified copies of the embedded files.

use hardship_rules::ruleset::RuleSetError;
use hardship_rules::{PerformanceYear, RuleBook, RuleSet};
use std::collections::BTreeMap;

const SOURCES: &str = include_str!("../../years/sources.toml");

fn year(y: u16) -> PerformanceYear {
    PerformanceYear::new(y).unwrap()
}

fn known_keys() -> Vec<String> {
    let map: BTreeMap<String, String> = toml::from_str(SOURCES).unwrap();
    map.into_keys().collect()
}

/// Replaces exactly one occurrence of `from` (the test fails if the embedded file changed under it).
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "expected one {from:?} in the year file"
    );
    text.replacen(from, to, 1)
}

/// Removes the `[[redistribution]]` block whose `reweighted` line is `reweighted_line`.
fn remove_row(text: &str, reweighted_line: &str) -> String {
    let at = text.find(reweighted_line).expect("row present");
    let start = text[..at].rfind("[[redistribution]]").unwrap();
    let end = text[at..]
        .find("[[redistribution]]")
        .map_or(text.len(), |i| at + i);
    format!("{}{}", &text[..start], &text[end..])
}

/// The block of a `[[redistribution]]` row, to duplicate it.
fn row_block(text: &str, reweighted_line: &str) -> String {
    let at = text.find(reweighted_line).unwrap();
    let start = text[..at].rfind("[[redistribution]]").unwrap();
    let end = text[at..]
        .find("[[redistribution]]")
        .map_or(text.len(), |i| at + i);
    text[start..end].to_owned()
}

/// A rule book from the embedded files with `edit` applied to one year's text.
fn book_with(edited: u16, edit: impl Fn(&str) -> String) -> Result<RuleBook, RuleSetError> {
    let files: Vec<(String, String)> = PerformanceYear::all()
        .map(|y| {
            let text = RuleBook::raw_file(y);
            let text = if y.get() == edited {
                edit(text)
            } else {
                text.to_owned()
            };
            (format!("{y}.toml"), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    RuleBook::from_files(&refs, SOURCES)
}

#[track_caller]
fn assert_fails(edited: u16, edit: impl Fn(&str) -> String, wants: &[&str]) -> RuleSetError {
    let e = book_with(edited, edit).expect_err("a broken year file must not load");
    assert_eq!(e.file, format!("{edited}.toml"));
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("rule set {edited}.toml: ")),
        "{text}"
    );
    for w in wants {
        assert!(text.contains(w), "{text:?} lacks {w:?}");
    }
    e
}

#[test]
fn every_year_loads_and_validates() {
    let book = RuleBook::embedded().unwrap_or_else(|e| panic!("{e}"));
    for y in PerformanceYear::all() {
        let set = book.year(y);
        assert_eq!(set.year, y.get());
        assert!(set.version.starts_with(&y.to_string()));
        assert!(!set.render().is_empty());
    }
    // Every source key a year cites resolves in the register (RULEBOOK §10).
    for set in book.years() {
        for c in set.citations() {
            for s in c.sources {
                assert!(book.source(s).is_some(), "PY {} cites [{s}]", set.year);
            }
        }
    }
}

#[test]
fn unedited_copies_load_to_the_same_rule_book() {
    let copy = book_with(2024, str::to_owned).unwrap();
    let embedded = RuleBook::embedded().unwrap();
    assert_eq!(copy.years(), embedded.years());
    for (a, b) in copy.years().iter().zip(embedded.years()) {
        assert_eq!(a.version, b.version);
    }
    // The version is a content hash: any edit changes it.
    let edited = book_with(2024, |t| format!("{t}\n# a comment\n")).unwrap();
    assert_ne!(
        edited.year(year(2024)).version,
        embedded.year(year(2024)).version
    );
    assert_eq!(
        edited.year(year(2023)).version,
        embedded.year(year(2023)).version
    );
}

#[test]
fn base_weights_not_summing_to_100() {
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "[base_weights]\nquality = 30\n",
                "[base_weights]\nquality = 31\n",
            )
        },
        &["base weights", "sum to 101, not 100"],
    );
}

#[test]
fn redistribution_row_not_summing_to_100_or_weighting_a_reweighted_category() {
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "weights = { quality = 40, cost = 30, ia = 30, pi = 0 }",
                "weights = { quality = 41, cost = 30, ia = 30, pi = 0 }",
            )
        },
        &["redistribution row for pi sums to 101"],
    );
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "weights = { quality = 40, cost = 30, ia = 30, pi = 0 }",
                "weights = { quality = 35, cost = 30, ia = 30, pi = 5 }",
            )
        },
        &["gives reweighted pi a weight"],
    );
    assert_fails(
        2019,
        |t| replace_once(t, "reweighted = [\"cost\"]\n", "reweighted = []\n"),
        &["at least one reweighted category"],
    );
}

#[test]
fn a_missing_or_duplicated_redistribution_row() {
    for y in [2018, 2021, 2024] {
        assert_fails(
            y,
            |t| remove_row(t, "reweighted = [\"quality\", \"pi\"]"),
            &["0 rows for reweighted quality+pi", "need exactly 1"],
        );
    }
    // Only the small-practice row of table (G) missing.
    assert_fails(
        2024,
        |t| {
            let small = "reweighted = [\"pi\"]\npractice = \"small\"";
            remove_row(t, small)
        },
        &["0 rows for reweighted pi (small practice)"],
    );
    assert_fails(
        2020,
        |t| {
            let block = row_block(t, "reweighted = [\"ia\", \"pi\"]");
            format!("{t}\n{block}")
        },
        &["2 rows for reweighted ia+pi"],
    );
}

#[test]
fn an_unknown_source_key() {
    let e = assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "pi = 25\nsources = [\"AAFP\", \"ECFR-414.1380-2023\"]",
                "pi = 25\nsources = [\"AAFP\", \"NO-SUCH-KEY\"]",
            )
        },
        &["base weights cites unknown source key [NO-SUCH-KEY]"],
    );
    assert!(e.problem.contains("NO-SUCH-KEY"));
    // Also through `RuleSet::from_toml` directly, with the register's keys.
    let keys = known_keys();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let text = RuleBook::raw_file(year(2019)).replace("\"EAGLE-2019\"", "\"EAGLE-2091\"");
    let e = RuleSet::from_toml("2019.toml", &text, &keys).unwrap_err();
    assert!(e.problem.contains("[EAGLE-2091]"), "{e}");
    // With an empty register nothing loads.
    assert!(RuleSet::from_toml("2019.toml", RuleBook::raw_file(year(2019)), &[]).is_err());
}

#[test]
fn a_bad_date() {
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "closes = \"2024-12-31T20:00:00-05:00\"",
                "closes = \"2024-12-32T20:00:00-05:00\"",
            )
        },
        &[],
    );
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "closes = \"2024-12-31T20:00:00-05:00\"",
                "closes = \"Dec 31 2024\"",
            )
        },
        &[],
    );
    assert_fails(
        2024,
        |t| replace_once(t, "opens = \"2024-05-16\"", "opens = \"2024-02-30\""),
        &[],
    );
    // A deadline without its UTC offset is ambiguous: refused.
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "closes = \"2024-12-31T20:00:00-05:00\"",
                "closes = \"2024-12-31T20:00:00\"",
            )
        },
        &[],
    );
    assert_fails(
        2024,
        |t| replace_once(t, "opens = \"2024-05-16\"", "opens = \"2025-02-01\""),
        &["opens 2025-02-01 after it closes"],
    );
}

#[test]
fn confirmed_without_sources() {
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "pi = 25\nsources = [\"AAFP\", \"ECFR-414.1380-2023\"]",
                "pi = 25\nsources = []",
            )
        },
        &["base weights is marked confirmed but cites no source"],
    );
    assert_fails(
        2022,
        |t| {
            replace_once(
                t,
                "value = 89\nsources = [\"NEWSCLIMB-2022\", \"HSAG-2021\", \"MDI-MIPS\"]",
                "value = 89\nsources = []",
            )
        },
        &["exceptional-performance threshold is marked confirmed but cites no source"],
    );
    // Unconfirmed without sources is allowed (PY 2027's window is not announced).
    let text = RuleBook::raw_file(year(2027));
    assert!(text.contains("sources = []\nconfirmed = false"));
}

#[test]
fn other_broken_files() {
    // A file that declares another year.
    assert_fails(
        2024,
        |t| replace_once(t, "year = 2024\n", "year = 2023\n"),
        &["declares year 2023"],
    );
    // Unknown keys are refused, not ignored.
    assert_fails(
        2024,
        |t| replace_once(t, "[base_weights]\n", "[base_weights]\nbonus = 5\n"),
        &["bonus"],
    );
    // An unknown code in the file.
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "reason = \"insufficient_internet\"",
                "reason = \"lacking_cehrt\"",
            )
        },
        &["hardship_reason", "lacking_cehrt"],
    );
    // A reason listed twice (and another missing).
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "reason = \"insufficient_internet\"",
                "reason = \"decertified_ehr\"",
            )
        },
        &["hardship reason decertified_ehr is listed 2 times"],
    );
    // A performance year outside the book is not a year file.
    assert_fails(
        2024,
        |t| replace_once(t, "year = 2024\n", "year = 2016\n"),
        &[],
    );
    // Thresholds out of range.
    assert_fails(
        2022,
        |t| {
            replace_once(
                t,
                "[adjustment.exceptional_threshold]\nvalue = 89",
                "[adjustment.exceptional_threshold]\nvalue = 70",
            )
        },
        &["exceptional threshold 70 must lie between 75 and 100"],
    );
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "[adjustment.negative_floor_fraction]\nvalue = 0.25",
                "[adjustment.negative_floor_fraction]\nvalue = 1.0",
            )
        },
        &["negative_floor_fraction"],
    );
    assert_fails(
        2024,
        |t| {
            replace_once(
                t,
                "[group_tests.hospital_based]\nshare = 0.75",
                "[group_tests.hospital_based]\nshare = 75",
            )
        },
        &["group test share 75 outside 0–1"],
    );
    // Not TOML at all.
    assert_fails(2024, |t| format!("{t}\n[[redistribution\n"), &[]);
}

#[test]
fn missing_year_or_broken_register() {
    let files: Vec<(String, &str)> = PerformanceYear::all()
        .filter(|y| y.get() != 2019)
        .map(|y| (format!("{y}.toml"), RuleBook::raw_file(y)))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let e = RuleBook::from_files(&refs, SOURCES).unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.problem.as_str()),
        ("2019.toml", "missing")
    );

    let all: Vec<(String, &str)> = PerformanceYear::all()
        .map(|y| (format!("{y}.toml"), RuleBook::raw_file(y)))
        .collect();
    let refs: Vec<(&str, &str)> = all.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let e = RuleBook::from_files(&refs, "\"AAFP\" = ").unwrap_err();
    assert_eq!(e.file, "sources.toml");
    // A register without a key some year cites.
    let e = RuleBook::from_files(
        &refs,
        &SOURCES.replace("\"PALTC-2024\" =", "\"PALTC-2042\" ="),
    )
    .unwrap_err();
    assert!(e.problem.contains("[PALTC-2024]"), "{e}");
    // A year file under the wrong name.
    let mut swapped = refs.clone();
    swapped[0].0 = "2016.toml";
    let e = RuleBook::from_files(&swapped, SOURCES).unwrap_err();
    assert_eq!(e.file, "2016.toml");
    assert!(e.problem.contains("declares year 2017"));
}

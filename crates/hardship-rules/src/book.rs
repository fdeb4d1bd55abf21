//! The rule book: every year's rule set, embedded in the binary and validated when first used.

use crate::model::PerformanceYear;
use crate::ruleset::{RuleSet, RuleSetError};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The year files, embedded at build time so the binary needs no data directory.
const YEAR_FILES: &[(&str, &str)] = &[
    ("2017.toml", include_str!("../years/2017.toml")),
    ("2018.toml", include_str!("../years/2018.toml")),
    ("2019.toml", include_str!("../years/2019.toml")),
    ("2020.toml", include_str!("../years/2020.toml")),
    ("2021.toml", include_str!("../years/2021.toml")),
    ("2022.toml", include_str!("../years/2022.toml")),
    ("2023.toml", include_str!("../years/2023.toml")),
    ("2024.toml", include_str!("../years/2024.toml")),
    ("2025.toml", include_str!("../years/2025.toml")),
    ("2026.toml", include_str!("../years/2026.toml")),
    ("2027.toml", include_str!("../years/2027.toml")),
];

/// CMS's automatic-EUC areas as five-digit ZIP lists (from CMSgov/qpp-eu-data's county/ZIP crosswalks,
/// CC0), named by the year files' `automatic_euc.areas`.
const AREA_FILES: &[(&str, &str)] = &[
    (
        "euc-zips-2022.txt",
        include_str!("../years/euc/euc-zips-2022.txt"),
    ),
    (
        "euc-zips-2023.txt",
        include_str!("../years/euc/euc-zips-2023.txt"),
    ),
    (
        "euc-zips-2024.txt",
        include_str!("../years/euc/euc-zips-2024.txt"),
    ),
    (
        "euc-zips-2025.txt",
        include_str!("../years/euc/euc-zips-2025.txt"),
    ),
];

const SOURCES_FILE: &str = include_str!("../years/sources.toml");

/// All rule sets, one per performance year, and the source-key register.
#[derive(Debug)]
pub struct RuleBook {
    years: Vec<RuleSet>,
    sources: BTreeMap<String, String>,
}

impl RuleBook {
    /// The embedded rule book, parsed and validated once. An error here means a year file is broken:
    /// the program must not answer anything from it.
    pub fn embedded() -> Result<&'static RuleBook, RuleSetError> {
        static BOOK: OnceLock<Result<RuleBook, RuleSetError>> = OnceLock::new();
        BOOK.get_or_init(|| Self::from_files(YEAR_FILES, SOURCES_FILE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Builds a rule book from year files and a sources register (used by `embedded` and by tests that
    /// check a broken file fails loudly).
    pub fn from_files(
        files: &[(&str, &str)],
        sources_toml: &str,
    ) -> Result<RuleBook, RuleSetError> {
        let sources: BTreeMap<String, String> =
            toml::from_str(sources_toml).map_err(|e| RuleSetError {
                file: "sources.toml".into(),
                problem: e.to_string(),
            })?;
        let keys: Vec<&str> = sources.keys().map(String::as_str).collect();
        let mut years = Vec::with_capacity(files.len());
        for (name, text) in files {
            let set = RuleSet::from_toml_with_areas(name, text, &keys, AREA_FILES)?;
            if format!("{}.toml", set.year) != *name {
                return Err(RuleSetError {
                    file: (*name).into(),
                    problem: format!("declares year {}", set.year),
                });
            }
            years.push(set);
        }
        years.sort_by_key(|s| s.year);
        for y in PerformanceYear::all() {
            if !years.iter().any(|s| s.year == y.get()) {
                return Err(RuleSetError {
                    file: format!("{y}.toml"),
                    problem: "missing".into(),
                });
            }
        }
        Ok(RuleBook { years, sources })
    }

    /// The rule set of a year. Every `PerformanceYear` has one (checked when the book is built).
    pub fn year(&self, year: PerformanceYear) -> &RuleSet {
        let i = usize::from(year.get() - PerformanceYear::FIRST);
        &self.years[i]
    }

    pub fn years(&self) -> &[RuleSet] {
        &self.years
    }

    /// What a source key refers to (RULEBOOK §10).
    pub fn source(&self, key: &str) -> Option<&str> {
        self.sources.get(key).map(String::as_str)
    }

    /// Every source key with what it refers to, in key order.
    pub fn sources(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The embedded year file's text, for `hardship rules --raw` and auditors.
    pub fn raw_file(year: PerformanceYear) -> &'static str {
        YEAR_FILES[usize::from(year.get() - PerformanceYear::FIRST)].1
    }
}

impl Clone for RuleSetError {
    fn clone(&self) -> Self {
        RuleSetError {
            file: self.file.clone(),
            problem: self.problem.clone(),
        }
    }
}

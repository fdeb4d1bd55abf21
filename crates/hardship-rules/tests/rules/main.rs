#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The rules engine against the regulation and the rule book, one module per area.
//!
//! Expected values are hard-coded from the regulation (42 CFR 414.1305, 414.1380, 414.1405 as read in the
//! eCFR copies recorded in `years/sources.toml`) and from RULEBOOK §9, never read back from the year files,
//! so a wrong year file fails here. Each test that encodes a CMS rule names its source keys.

/// Mixed groups, automatic EUC, COVID-19 years, incomplete PI data, PY 2027 (issue 12).
mod cases;
mod deadlines;
mod eligibility;
/// The EUC exception application: categories, levels, reopened one-reason windows, overrides (issue 16).
mod euc;
mod examples;
/// Hostile input for the domain's parsers (property tests).
mod hostile;
mod inputs;
mod properties;
/// The embedded rule book loads; broken year files fail loudly.
mod rulebook;
mod screening;
mod tables;

use hardship_rules::scoring::{CategoryScores, ScoreInput, ScoreResult, score};
use hardship_rules::{PerformanceYear, RuleBook, RuleSet};

pub fn book() -> &'static RuleBook {
    RuleBook::embedded().unwrap_or_else(|e| panic!("embedded rule book: {e}"))
}

pub fn py(year: u16) -> PerformanceYear {
    PerformanceYear::new(year).unwrap()
}

pub fn rules(year: u16) -> &'static RuleSet {
    book().year(py(year))
}

/// Category scores in percent; `None` = not scored.
pub fn cats(
    quality: Option<f64>,
    cost: Option<f64>,
    ia: Option<f64>,
    pi: Option<f64>,
) -> CategoryScores {
    CategoryScores {
        quality,
        cost,
        ia,
        pi,
    }
}

/// Scores without bonus points.
pub fn score_of(
    year: u16,
    scores: CategoryScores,
    pi_reweighted: bool,
    small: bool,
) -> ScoreResult<'static> {
    score(
        rules(year),
        &ScoreInput {
            scores,
            pi_reweighted,
            small_practice: small,
            complex_patient_bonus: 0.0,
        },
    )
}

#[track_caller]
pub fn assert_close(got: f64, want: f64) {
    assert!(
        (got - want).abs() < 1e-9,
        "got {got}, want {want} (diff {})",
        got - want
    );
}

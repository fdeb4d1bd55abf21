#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The embedded rule book loads, and broken year files fail loudly.

use hardship_rules::{PerformanceYear, RuleBook};

#[test]
fn every_year_loads_and_validates() {
    let book = RuleBook::embedded().unwrap_or_else(|e| panic!("{e}"));
    for y in PerformanceYear::all() {
        let set = book.year(y);
        assert_eq!(set.year, y.get());
        assert!(set.version.starts_with(&y.to_string()));
        assert!(!set.render().is_empty());
    }
}

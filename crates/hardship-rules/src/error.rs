//! The one error type for values that fail to parse at the edge of the domain.

use std::fmt;

/// A value from outside (a flag, a CSV cell, a JSON field) that cannot become a domain value.
///
/// It always names the field and the offending value, so a user can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// The field's name as the user knows it (`npi`, `tin`, `performance_year`, ...).
    pub field: &'static str,
    /// The value as given, truncated to a readable length.
    pub value: String,
    /// What the field accepts, in plain words.
    pub expected: String,
}

impl InvalidValue {
    pub fn new(field: &'static str, value: &str, expected: impl Into<String>) -> Self {
        // Hostile input can be huge; an error message should stay readable.
        let value = if value.chars().count() > 64 {
            let head: String = value.chars().take(64).collect();
            format!("{head}…")
        } else {
            value.to_owned()
        };
        Self {
            field,
            value,
            expected: expected.into(),
        }
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} {:?}: {}",
            self.field, self.value, self.expected
        )
    }
}

impl std::error::Error for InvalidValue {}

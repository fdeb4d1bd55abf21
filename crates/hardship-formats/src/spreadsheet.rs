//! Cells that are safe to open in a spreadsheet. Excel, LibreOffice and Google Sheets evaluate a cell
//! that starts with `=`, `+`, `-` or `@` as a formula (and a leading tab or carriage return can hide
//! one), so a practice named `=HYPERLINK("https://evil.example",…)` in an exported CSV would run when a
//! consultant opens the file. Every CSV the product writes passes user-supplied text through
//! [`cell`], which prefixes such a value with `'` (OWASP's "CSV injection" rule): the spreadsheet then
//! shows the text as typed. Values the product itself made (numbers, codes, dates) are left as they are;
//! a negative number is not text a user typed.
//!
//! [`BOM`] is the UTF-8 byte-order mark Excel needs to read a CSV as UTF-8 (without it "Nguyễn" is
//! shown as "NguyÃ…").

use std::borrow::Cow;

/// The UTF-8 byte-order mark, written before a CSV's header.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The characters that make a spreadsheet read a cell as a formula (or hide one behind whitespace).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `value` as a cell a spreadsheet shows as text.
pub fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(TRIGGERS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_everything_else_is_untouched() {
        for bad in [
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=WEBSERVICE(\"https://evil.example\")",
        ] {
            let safe = cell(bad);
            assert_eq!(safe, format!("'{bad}"), "{bad:?}");
        }
        for ok in [
            "Nguyễn Văn An",
            "Łukasz Wróbel",
            "O'Brien",
            "a=b",
            "",
            "12-3456789",
            "Dr. -x",
        ] {
            assert_eq!(cell(ok), ok);
        }
    }
}

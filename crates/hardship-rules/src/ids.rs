//! Identifiers of clinicians and practices: `Npi`, `Tin`, and a practice location's `Zip5`.
//!
//! Both are parsed once at the edge ("parse, don't validate"); a value of these types is always well formed.

use crate::error::InvalidValue;
use std::fmt;
use std::str::FromStr;

/// A National Provider Identifier: ten digits whose last digit is the Luhn check digit computed over the
/// card-issuer prefix `80840` followed by the first nine digits (CMS, "Requirements for NPI Check Digit").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Npi([u8; 10]);

impl Npi {
    #[inline]
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let bytes = crate::model::trim(text).as_bytes();
        let digits: [u8; 10] = bytes
            .try_into()
            .ok()
            .filter(|d: &[u8; 10]| d.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| InvalidValue::new("npi", text, "an NPI is exactly 10 digits"))?;
        let expected = npi_check_digit(&digits[..9]);
        if digits[9] - b'0' != expected {
            return Err(InvalidValue::new(
                "npi",
                text,
                format!(
                    "its check digit should be {expected}: not a valid NPI (a typo? look it up in the NPI registry)"
                ),
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The ten digits as ASCII bytes, for writers that want no UTF-8 check.
    #[inline]
    pub fn digits(&self) -> &[u8; 10] {
        &self.0
    }
}

/// The Luhn check digit of an NPI's first nine digits. The constant 24 is the Luhn contribution of the
/// prefix 80840, as CMS's check-digit document explains.
#[inline]
pub fn npi_check_digit(first_nine: &[u8]) -> u8 {
    // A doubled digit's Luhn value: 2d, less 9 when that has two digits.
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum: u32 = 24;
    // Counting from the right of the nine digits, every other digit starting with the rightmost is doubled.
    for (i, &d) in first_nine.iter().rev().enumerate() {
        // Callers pass ASCII digits; `% 10` only keeps any other byte from indexing out of the table.
        let v = usize::from(d.wrapping_sub(b'0')) % 10;
        sum += if i % 2 == 0 { DOUBLED[v] } else { v as u32 };
    }
    // (10 - sum % 10) % 10: the outer modulo keeps a check digit of 0 from becoming 10.
    ((10 - sum % 10) % 10) as u8
}

impl FromStr for Npi {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Npi({})", self.as_str())
    }
}

/// A Taxpayer Identification Number: nine digits. The employer form `12-3456789` is accepted and stored
/// without the hyphen; leading zeros are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tin([u8; 9]);

impl Tin {
    /// The TIN as people write an EIN: `12-3456789`.
    pub fn dashed(&self) -> String {
        let t = self.as_str();
        format!("{}-{}", t.get(..2).unwrap_or(""), t.get(2..).unwrap_or(""))
    }

    #[inline]
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let trimmed = crate::model::trim(text).as_bytes();
        let mut digits = [0u8; 9];
        let ok = match trimmed.len() {
            9 => {
                digits.copy_from_slice(trimmed);
                true
            }
            10 if trimmed[2] == b'-' => {
                digits[..2].copy_from_slice(&trimmed[..2]);
                digits[2..].copy_from_slice(&trimmed[3..]);
                true
            }
            _ => false,
        };
        if !ok || !digits.iter().all(u8::is_ascii_digit) {
            return Err(InvalidValue::new(
                "tin",
                text,
                "a TIN is exactly 9 digits (or NN-NNNNNNN)",
            ));
        }
        // No EIN or SSN is all zeros (the IRS issues no such number), yet it is what a blank cell turns
        // into in a spreadsheet formatted as 000000000.
        if digits.iter().all(|&d| d == b'0') {
            return Err(InvalidValue::new(
                "tin",
                text,
                "000000000 is not an issued TIN (an empty spreadsheet cell formatted as a number?)",
            ));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The nine digits as ASCII bytes, for writers that want no UTF-8 check.
    #[inline]
    pub fn digits(&self) -> &[u8; 9] {
        &self.0
    }
}

/// The five-digit ZIP code of a practice location: what CMS's automatic extreme-and-uncontrollable-
/// circumstances area lists are keyed by. Accepts `12345`, `12345-6789` and `123456789` (the QPP
/// Eligibility API's nine digits); keeps the first five. A ZIP is a code, not a number: `00601` stays.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zip5([u8; 5]);

impl Zip5 {
    #[inline]
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let t = crate::model::trim(text).as_bytes();
        let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
        let ok = match t.len() {
            5 | 9 => digits(t),
            10 => t[5] == b'-' && digits(&t[..5]) && digits(&t[6..]),
            _ => false,
        };
        if !ok {
            return Err(InvalidValue::new(
                "practice_zip",
                text,
                "a ZIP code: 5 digits, or ZIP+4 (12345-6789)",
            ));
        }
        let mut z = [0u8; 5];
        z.copy_from_slice(&t[..5]);
        Ok(Self(z))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The ZIP as a number, for sorted lookups (leading zeros are kept by the fixed width).
    pub fn as_u32(&self) -> u32 {
        self.0
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    }
}

impl fmt::Display for Zip5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Zip5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zip5({})", self.as_str())
    }
}

impl serde::Serialize for Zip5 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Zip5 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl FromStr for Tin {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Tin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Tin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tin({})", self.as_str())
    }
}

macro_rules! serde_via_str {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_str!(Npi);
serde_via_str!(Tin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cms_worked_example_check_digit_is_3() {
        // CMS "Requirements for NPI Check Digit": base 123456789 -> 3.
        assert_eq!(npi_check_digit(b"123456789"), 3);
        assert!(Npi::parse("1234567893").is_ok());
    }

    /// The check digit makes "80840" + the NPI a valid Luhn number (CMS's definition), for bases spread
    /// over the whole range: the plain Luhn sum over fifteen digits, computed here the long way.
    #[test]
    fn the_check_digit_completes_a_luhn_number_with_the_80840_prefix() {
        for base in (100_000_000u64..1_000_000_000).step_by(7_919) {
            let base = base.to_string();
            let npi = format!("80840{base}{}", npi_check_digit(base.as_bytes()));
            let sum: u32 = npi
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        (d * 2) / 10 + (d * 2) % 10
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{npi}");
        }
    }

    #[test]
    fn check_digit_zero_is_not_ten() {
        assert!(Npi::parse("1659872240").is_ok());
        assert!(Npi::parse("1659872245").is_err());
    }

    #[test]
    fn npi_errors_name_field_and_value() {
        let e = Npi::parse("12345").unwrap_err();
        assert_eq!(e.field, "npi");
        assert_eq!(e.value, "12345");
        assert!(e.to_string().contains("10 digits"));
        let e = Npi::parse("1234567890").unwrap_err();
        assert!(e.to_string().contains("check digit should be 3"), "{e}");
    }

    #[test]
    fn npi_rejects_non_ascii_and_card_issuer_forms() {
        for bad in [
            "",
            "１２３４５６７８９３",
            "808401234567893",
            "12345678 3",
            "+234567893",
            "123456789٣",
        ] {
            assert!(Npi::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tin_accepts_nine_digits_and_ein_form() {
        assert_eq!(Tin::parse("000000002").unwrap().as_str(), "000000002");
        assert_eq!(Tin::parse("12-3456789").unwrap().as_str(), "123456789");
        for bad in [
            "12345678",
            "1234567890",
            "12345678a",
            "123-456789",
            "1-23456789",
            "",
            "１２３４５６７８９",
        ] {
            let e = Tin::parse(bad).unwrap_err();
            assert_eq!(e.field, "tin", "{bad}");
        }
    }
}

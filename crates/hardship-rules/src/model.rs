//! The domain vocabulary: performance years, categories, clinician types, special statuses, hardship
//! reasons, reporting levels and category scores. Each type only holds values the program knows.

use crate::error::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `str::trim`, with a shortcut for the usual value that neither starts nor ends with a space or other
/// whitespace: the parsers below and the batch's cells run through it for every cell.
#[inline]
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Declares a closed enum whose text form is its snake_case code, with `parse`, `code`, `ALL` and serde.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case code used in files, flags and the batch contract.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// A label for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            #[inline]
            pub fn parse(text: &str) -> Result<Self, InvalidValue> {
                match crate::model::trim(text) {
                    $($code => Ok($name::$variant),)+
                    other => Err(Self::unknown(other)),
                }
            }

            fn unknown(text: &str) -> InvalidValue {
                let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                InvalidValue::new($field, text, format!("expected one of: {}", codes.join(", ")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> { Self::parse(s) }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

coded_enum!(
    /// The four MIPS performance categories.
    Category, "category", {
        Quality => "quality", "Quality";
        Cost => "cost", "Cost";
        Ia => "ia", "Improvement Activities";
        Pi => "pi", "Promoting Interoperability";
    }
);

coded_enum!(
    /// Clinician types of the batch contract (Medicare specialty groups that matter for MIPS and PI).
    ClinicianType, "clinician_type", {
        Physician => "physician", "physician";
        PhysicianAssistant => "physician_assistant", "physician assistant";
        NursePractitioner => "nurse_practitioner", "nurse practitioner";
        ClinicalNurseSpecialist => "clinical_nurse_specialist", "clinical nurse specialist";
        Crna => "crna", "certified registered nurse anesthetist";
        PhysicalTherapist => "physical_therapist", "physical therapist";
        OccupationalTherapist => "occupational_therapist", "occupational therapist";
        SpeechLanguagePathologist => "speech_language_pathologist", "qualified speech-language pathologist";
        Audiologist => "audiologist", "qualified audiologist";
        ClinicalPsychologist => "clinical_psychologist", "clinical psychologist";
        RegisteredDietitian => "registered_dietitian", "registered dietitian or nutrition professional";
        ClinicalSocialWorker => "clinical_social_worker", "clinical social worker";
        CertifiedNurseMidwife => "certified_nurse_midwife", "certified nurse-midwife";
        Chiropractor => "chiropractor", "chiropractor";
        Other => "other", "other clinician";
    }
);

coded_enum!(
    /// Special statuses that reweight PI automatically (RULEBOOK §3).
    SpecialStatus, "special_status", {
        HospitalBased => "hospital_based", "hospital-based";
        NonPatientFacing => "non_patient_facing", "non-patient-facing";
        AscBased => "asc_based", "ambulatory surgical center (ASC)-based";
    }
);

coded_enum!(
    /// Reasons a PI hardship exception application may cite (RULEBOOK §1). "Lacking CEHRT" is deliberately
    /// absent: it is never a reason, and parsing it yields an error that says so.
    HardshipReason, "hardship_reason", {
        SmallPractice => "small_practice", "small practice";
        DecertifiedEhr => "decertified_ehr", "decertified EHR technology";
        InsufficientInternet => "insufficient_internet", "insufficient internet connectivity";
        ExtremeUncontrollable => "extreme_uncontrollable", "extreme and uncontrollable circumstances";
        LackOfControlCehrt => "lack_of_control_cehrt", "lack of control over the availability of CEHRT";
        Covid19 => "covid19", "the COVID-19 public health emergency";
    }
);

coded_enum!(
    /// The event an extreme and uncontrollable circumstances (EUC) exception application cites. Which
    /// ones a year accepts is data of the year (`euc_application.coverage.event_types`); a reopened
    /// window accepts only its own.
    EucEventType, "euc_event", {
        Disaster => "disaster", "a disaster (hurricane, wildfire, flood …)";
        PracticeOrHospitalClosure => "practice_or_hospital_closure", "a practice or hospital closure";
        SevereFinancialDistress => "severe_financial_distress", "severe financial distress (bankruptcy or debt restructuring)";
        EhrVendorIssues => "ehr_vendor_issues", "EHR certification or vendor issues";
        Covid19 => "covid19", "the COVID-19 public health emergency";
        ChangeHealthcareCyberattack => "change_healthcare_cyberattack", "the Change Healthcare cyberattack (February 2024)";
        IvFluidShortage => "iv_fluid_shortage", "the national IV fluid shortage (2024–2025)";
        ThirdPartyIntermediaryFailure => "third_party_intermediary_failure", "a third-party intermediary that failed to submit the data";
    }
);

coded_enum!(
    /// Where a hardship application stands with CMS.
    ApplicationStatus, "hardship_status", {
        Pending => "pending", "pending";
        Approved => "approved", "approved";
        Denied => "denied", "denied";
    }
);

coded_enum!(
    /// The level at which a clinician participates and is scored.
    ReportingLevel, "reporting_level", {
        Individual => "individual", "individual";
        Group => "group", "group";
        VirtualGroup => "virtual_group", "virtual group";
        ApmEntity => "apm_entity", "APM entity";
    }
);

/// Whether PI data was submitted, and whether it was complete. Before PY 2025 any PI data voids
/// reweighting; from PY 2025 only a qualifying (complete) submission does, and an incomplete one is
/// neither scored nor voids (the year file's `pi_submission_voids_reweighting` says which).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PiSubmission {
    #[default]
    No,
    Incomplete,
    Qualifying,
}

impl PiSubmission {
    pub const ALL: &'static [PiSubmission] = &[
        PiSubmission::No,
        PiSubmission::Incomplete,
        PiSubmission::Qualifying,
    ];

    /// The batch contract's code: `false`, `incomplete` or `true`.
    pub fn code(self) -> &'static str {
        match self {
            PiSubmission::No => "false",
            PiSubmission::Incomplete => "incomplete",
            PiSubmission::Qualifying => "true",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PiSubmission::No => "no PI data submitted",
            PiSubmission::Incomplete => "incomplete PI data submitted",
            PiSubmission::Qualifying => "qualifying (complete) PI data submitted",
        }
    }

    /// `false`, `incomplete`, `true` or `qualifying`, in any case.
    #[inline]
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let t = trim(text);
        if t.eq_ignore_ascii_case("false") {
            Ok(PiSubmission::No)
        } else if t.eq_ignore_ascii_case("incomplete") {
            Ok(PiSubmission::Incomplete)
        } else if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("qualifying") {
            Ok(PiSubmission::Qualifying)
        } else {
            Err(InvalidValue::new(
                "pi_submitted",
                text,
                "false, incomplete, or true (= qualifying)",
            ))
        }
    }

    /// Any PI data at all.
    pub fn any(self) -> bool {
        self != PiSubmission::No
    }
}

impl From<bool> for PiSubmission {
    fn from(b: bool) -> Self {
        if b {
            PiSubmission::Qualifying
        } else {
            PiSubmission::No
        }
    }
}

impl fmt::Display for PiSubmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for PiSubmission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PiSubmission::No => s.serialize_bool(false),
            PiSubmission::Qualifying => s.serialize_bool(true),
            PiSubmission::Incomplete => s.serialize_str("incomplete"),
        }
    }
}

/// Accepts JSON `true`/`false` (as before the three states existed) and the strings of [`parse`].
impl<'de> Deserialize<'de> for PiSubmission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Bool(bool),
            #[serde(borrow)]
            Text(std::borrow::Cow<'a, str>),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(b.into()),
            Raw::Text(t) => Self::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

impl HardshipReason {
    /// Parses a reason, recognising the common attempt to cite a lack of certified EHR technology.
    pub fn parse_with_hint(text: &str) -> Result<Self, InvalidValue> {
        let t = trim(text);
        let lacking = [
            "lacking_cehrt",
            "no_cehrt",
            "lack_of_cehrt",
            "no_ehr",
            "lacking_ehr",
        ];
        if lacking.contains(&t) {
            return Err(InvalidValue::new(
                "hardship_reason",
                text,
                "lacking certified EHR technology (CEHRT) alone is never a hardship reason [QPP-HE-2017]",
            ));
        }
        Self::parse(t)
    }
}

impl ReportingLevel {
    /// Group and virtual-group members are scored together as one reporting entity.
    pub fn is_collective(self) -> bool {
        matches!(self, ReportingLevel::Group | ReportingLevel::VirtualGroup)
    }
}

impl Category {
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A performance year the rule book covers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(transparent)]
pub struct PerformanceYear(u16);

impl PerformanceYear {
    pub const FIRST: u16 = 2017;
    /// PY 2027 is provisional (its rules are carried from 2026 and marked UNCONFIRMED) so that users can
    /// work on it from its first day.
    pub const LAST: u16 = 2027;

    pub fn new(year: u16) -> Result<Self, InvalidValue> {
        if (Self::FIRST..=Self::LAST).contains(&year) {
            Ok(Self(year))
        } else {
            Err(InvalidValue::new(
                "performance_year",
                &year.to_string(),
                format!(
                    "the rule book covers performance years {}–{}",
                    Self::FIRST,
                    Self::LAST
                ),
            ))
        }
    }

    #[inline]
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let t = trim(text);
        let year: u16 = t.parse().ok().filter(|_| t.len() == 4).ok_or_else(|| {
            InvalidValue::new("performance_year", text, "a four-digit year such as 2024")
        })?;
        Self::new(year)
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// The last performance year the rule book covers.
    pub const fn latest() -> Self {
        Self(Self::LAST)
    }

    /// The year whose Medicare payments the score adjusts (performance year + 2).
    pub fn payment_year(self) -> u16 {
        self.0 + 2
    }

    pub fn all() -> impl Iterator<Item = PerformanceYear> {
        (Self::FIRST..=Self::LAST).map(PerformanceYear)
    }
}

impl fmt::Display for PerformanceYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for PerformanceYear {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let year = u16::deserialize(d)?;
        Self::new(year).map_err(serde::de::Error::custom)
    }
}

/// A performance-category score in percent, 0–100 inclusive, as CMS reports it (bonus points earned inside
/// the category included).
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, Serialize)]
#[serde(transparent)]
pub struct CategoryScore(f64);

impl CategoryScore {
    #[inline]
    pub fn new(field: &'static str, percent: f64) -> Result<Self, InvalidValue> {
        if percent.is_finite() && (0.0..=100.0).contains(&percent) {
            Ok(Self(percent))
        } else {
            Err(InvalidValue::new(
                field,
                &percent.to_string(),
                "a score from 0 to 100",
            ))
        }
    }

    /// Parses a percentage; `field` names the column or flag for the error.
    #[inline]
    pub fn parse(field: &'static str, text: &str) -> Result<Self, InvalidValue> {
        let t = trim(text);
        let value: f64 = match plain_decimal(t) {
            Some(v) => v,
            None => t
                .parse()
                .map_err(|_| InvalidValue::new(field, text, "a number from 0 to 100"))?,
        };
        Self::new(field, value).map_err(|_| InvalidValue::new(field, text, "a score from 0 to 100"))
    }

    pub fn percent(self) -> f64 {
        self.0
    }
}

/// A decimal of at most 15 digits with at most 15 after the point ("93.55", "100", "7.5"), as `f64`,
/// without the general parser, which costs as much as the rest of a score's handling (the batch parses
/// four per row). Exact: both integers below are exact in `f64` and IEEE division rounds correctly, so the
/// result is the correctly rounded value `str::parse` gives; anything else returns `None`.
#[inline]
fn plain_decimal(t: &str) -> Option<f64> {
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || whole.len() + fraction.len() > 15 {
        return None;
    }
    let mut n: u64 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    Some(n as f64 / POWERS[fraction.len()])
}

impl<'de> Deserialize<'de> for CategoryScore {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new("score", f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A set of categories, used for "which categories are not scored / reweighted".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct CategorySet(u8);

impl CategorySet {
    pub const EMPTY: Self = Self(0);

    pub fn of(categories: &[Category]) -> Self {
        categories.iter().fold(Self::EMPTY, |s, &c| s.with(c))
    }

    pub fn with(self, c: Category) -> Self {
        Self(self.0 | (1 << c.index()))
    }

    pub fn contains(self, c: Category) -> bool {
        self.0 & (1 << c.index()) != 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub fn is_subset_of(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL
            .iter()
            .copied()
            .filter(move |&c| self.contains(c))
    }

    /// Every subset of this set.
    pub fn subsets(self) -> impl Iterator<Item = CategorySet> {
        (0u8..16)
            .map(CategorySet)
            .filter(move |s| s.is_subset_of(self))
    }

    /// Codes joined with `+`, or `none`.
    pub fn describe(self) -> String {
        if self.is_empty() {
            return "none".to_owned();
        }
        self.iter()
            .map(Category::code)
            .collect::<Vec<_>>()
            .join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_codes_and_reject_others() {
        for &t in ClinicianType::ALL {
            assert_eq!(ClinicianType::parse(t.code()).unwrap(), t);
        }
        for &r in HardshipReason::ALL {
            assert_eq!(HardshipReason::parse(r.code()).unwrap(), r);
        }
        let e = ClinicianType::parse("Physician").unwrap_err();
        assert_eq!(e.field, "clinician_type");
        assert!(e.expected.contains("physician_assistant"));
        assert!(ReportingLevel::parse("tin").is_err());
        assert!(SpecialStatus::parse("rural").is_err());
        assert!(ApplicationStatus::parse("dismissed").is_err());
    }

    #[test]
    fn lacking_cehrt_is_named_as_never_a_reason() {
        let e = HardshipReason::parse_with_hint("lacking_cehrt").unwrap_err();
        assert!(e.expected.contains("never a hardship reason"), "{e}");
    }

    #[test]
    fn performance_year_bounds() {
        assert!(PerformanceYear::parse("2016").is_err());
        assert!(PerformanceYear::parse("2028").is_err());
        assert!(
            PerformanceYear::parse("2027").is_ok(),
            "provisional, but accepted"
        );
        assert!(PerformanceYear::parse("20245").is_err());
        assert!(PerformanceYear::parse("+2024").is_err());
        assert_eq!(PerformanceYear::parse("2024").unwrap().payment_year(), 2026);
    }

    #[test]
    fn category_score_bounds() {
        for bad in ["-0.01", "100.01", "NaN", "inf", "", "abc", "1e400"] {
            let e = CategoryScore::parse("quality_score", bad).unwrap_err();
            assert_eq!(e.field, "quality_score", "{bad}");
        }
        assert_eq!(CategoryScore::parse("q", " 100 ").unwrap().percent(), 100.0);
        assert_eq!(CategoryScore::parse("q", "0").unwrap().percent(), 0.0);
    }

    #[test]
    fn category_set_subsets() {
        let all = CategorySet::of(Category::ALL);
        assert_eq!(all.subsets().count(), 16);
        assert_eq!(
            CategorySet::of(&[Category::Pi, Category::Cost]).describe(),
            "cost+pi"
        );
    }

    /// The shortcut gives the very `f64` the general parser gives, bit for bit, on every form it takes,
    /// and leaves every other form to it.
    #[test]
    fn plain_decimal_equals_the_general_parser_bit_for_bit() {
        let mut texts: Vec<String> = (0..=10_000u32)
            .flat_map(|i| {
                [
                    format!("{}.{:02}", i / 100, i % 100),
                    format!("{}", i / 100),
                ]
            })
            .collect();
        // Digits and a point anywhere, 1 to 17 characters, from a fixed pseudo-random sequence.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 1 + (x % 17) as usize;
            let point = (x >> 8) as usize % (len + 2);
            let mut t: String = (0..len)
                .map(|k| char::from(b'0' + ((x >> (k * 3 % 60)) % 10) as u8))
                .collect();
            if point < len {
                t.insert(point, '.');
            }
            texts.push(t);
        }
        texts.extend(
            ["5.", ".5", "1.2.3", "", ".", "1e2", "-1", "+1", " 1", "１"].map(String::from),
        );
        for t in &texts {
            match plain_decimal(t) {
                Some(v) => assert_eq!(
                    v.to_bits(),
                    t.parse::<f64>().unwrap_or(f64::NAN).to_bits(),
                    "{t:?}"
                ),
                None => assert!(
                    t.is_empty()
                        || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                        || t.starts_with('.')
                        || t.len() > 15
                        || t.matches('.').count() > 1,
                    "{t:?} left to the general parser"
                ),
            }
        }
    }
}

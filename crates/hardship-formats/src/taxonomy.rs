//! Clinician types from NUCC taxonomy codes (NPPES rosters) and Medicare specialty codes (CMS eligibility
//! data), derived from the two public files carried in `data/` and naming them in every answer:
//!
//! - the NUCC Health Care Provider Taxonomy code set, version 25.1: which codes exist, and each code's
//!   grouping and classification;
//! - CMS's Medicare provider/supplier specialty to taxonomy crosswalk (≈2020 release): which Medicare
//!   specialty a taxonomy code enrolls as.
//!
//! A taxonomy code becomes a type through its Medicare specialty (the crosswalk, CMS's own mapping; a
//! specialization the crosswalk does not list is looked up by its classification's base code), then the
//! specialty becomes a type by the table in [`type_of_specialty`]. A code the crosswalk does not know at all
//! falls back on its NUCC grouping (physicians) or is `other`. A code that is not in the NUCC set is an
//! error: unknown codes are reported, never guessed.

use hardship_rules::ClinicianType;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const NUCC_SOURCE: &str = "NUCC Health Care Provider Taxonomy code set v25.1 (July 2025)";
pub const CROSSWALK_SOURCE: &str =
    "CMS Medicare provider/supplier specialty to taxonomy crosswalk (2020 release)";

const NUCC_CSV: &str = include_str!("../data/nucc_taxonomy_251.csv");
const CROSSWALK_CSV: &str = include_str!(
    "../data/CROSSWALK_MEDICARE_PROVIDER_SUPPLIER_to_HEALTHCARE_PROVIDER_TAXONOMY.csv"
);

/// One code of the NUCC set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuccCode {
    pub grouping: String,
    pub classification: String,
    pub specialization: String,
    pub display_name: String,
}

/// A clinician type and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeMapping {
    pub clinician_type: ClinicianType,
    /// E.g. "taxonomy 363LF0000X → Medicare specialty 50 (Nurse Practitioner) [CMS … crosswalk]".
    pub source: String,
    /// False when the step from specialty to type is not confirmed by the rule book.
    pub confirmed: bool,
}

/// Why a code could not be mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// Not ten characters of the form `[0-9A-Z]{9}X`.
    Malformed(String),
    /// Well formed but not in the NUCC set (or, for a specialty, not in the crosswalk).
    Unknown(String),
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeError::Malformed(c) => write!(
                f,
                "{c:?} is not a taxonomy code (ten characters: nine digits or capitals, then X)"
            ),
            CodeError::Unknown(c) => write!(f, "{c:?} is not in the {NUCC_SOURCE}"),
        }
    }
}

pub struct Taxonomy {
    codes: HashMap<String, NuccCode>,
    /// Taxonomy code → the Medicare specialties (code, description) that enroll it.
    specialties_of: HashMap<String, Vec<(String, String)>>,
    /// Medicare specialty code → its description.
    specialty_names: HashMap<String, String>,
}

/// The step from a Medicare specialty to a clinician type of the batch contract. Specialty codes and names
/// are CMS's (the crosswalk); the types they map to are MIPS's clinician types (RULEBOOK §3.1, "MIPS
/// eligible clinician types"). Doctors of optometry, podiatric medicine and dental surgery count as
/// physicians (Social Security Act §1861(r)); the rule book does not state it, so those are unconfirmed.
pub fn type_of_specialty(code: &str, description: &str) -> (ClinicianType, bool) {
    use ClinicianType as T;
    match code {
        "97" => (T::PhysicianAssistant, true),
        "50" => (T::NursePractitioner, true),
        "89" => (T::ClinicalNurseSpecialist, true),
        "43" => (T::Crna, true),
        "65" => (T::PhysicalTherapist, true),
        "67" => (T::OccupationalTherapist, true),
        "15" => (T::SpeechLanguagePathologist, true),
        "64" => (T::Audiologist, true),
        "62" | "68" => (T::ClinicalPsychologist, true),
        "71" => (T::RegisteredDietitian, true),
        "80" => (T::ClinicalSocialWorker, true),
        "42" => (T::CertifiedNurseMidwife, true),
        "35" => (T::Chiropractor, true),
        "41" | "48" | "C5" => (T::Physician, false),
        _ if description.starts_with("Physician/") => (T::Physician, true),
        _ => (T::Other, true),
    }
}

/// `87[3]` → `87`: the crosswalk marks footnotes inside codes and descriptions.
fn strip_footnote(s: &str) -> &str {
    match s.find('[') {
        Some(i) => s[..i].trim(),
        None => s.trim(),
    }
}

fn well_formed(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 10
        && b[9] == b'X'
        && b[..9]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl Taxonomy {
    /// The code set and crosswalk carried in `data/`, parsed once.
    pub fn embedded() -> Result<&'static Taxonomy, String> {
        static T: OnceLock<Result<Taxonomy, String>> = OnceLock::new();
        T.get_or_init(|| Taxonomy::parse(NUCC_CSV.as_bytes(), CROSSWALK_CSV.as_bytes()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses the NUCC code set (`Code,Grouping,Classification,Specialization,…,Display Name,Section`) and
    /// CMS's crosswalk, surviving the crosswalk's quirks.
    pub fn parse(nucc: &[u8], crosswalk: &[u8]) -> Result<Taxonomy, String> {
        let mut codes = HashMap::new();
        let mut r = csv::ReaderBuilder::new().from_reader(nucc);
        let h = r
            .headers()
            .map_err(|e| format!("NUCC code set: {e}"))?
            .clone();
        let col = |name: &str| {
            h.iter()
                .position(|c| c.trim_start_matches('\u{feff}') == name)
                .ok_or_else(|| format!("NUCC code set: no column {name:?}"))
        };
        let (c_code, c_group, c_class, c_spec, c_disp) = (
            col("Code")?,
            col("Grouping")?,
            col("Classification")?,
            col("Specialization")?,
            col("Display Name")?,
        );
        for rec in r.records() {
            let rec = rec.map_err(|e| format!("NUCC code set: {e}"))?;
            let code = rec.get(c_code).unwrap_or("").trim();
            if !well_formed(code) {
                return Err(format!("NUCC code set: malformed code {code:?}"));
            }
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
            codes.insert(
                code.to_owned(),
                NuccCode {
                    grouping: get(c_group),
                    classification: get(c_class),
                    specialization: get(c_spec),
                    display_name: get(c_disp),
                },
            );
        }
        let mut specialties_of: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut specialty_names = HashMap::new();
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(crosswalk);
        let mut last: Option<(String, String)> = None;
        for rec in r.records() {
            let rec = rec.map_err(|e| format!("crosswalk: {e}"))?;
            let specialty = strip_footnote(rec.get(0).unwrap_or(""));
            // Footnote rows ("[1] Medicare no longer …") and anything else that is not a code.
            if specialty.is_empty()
                || specialty.len() > 2
                || !specialty.chars().all(|c| c.is_ascii_alphanumeric())
            {
                continue;
            }
            let mut name = strip_footnote(rec.get(1).unwrap_or("")).to_owned();
            // A blank description continues the row above of the same specialty.
            if name.is_empty()
                && let Some((code, n)) = &last
                && code == specialty
            {
                name = n.clone();
            }
            last = Some((specialty.to_owned(), name.clone()));
            specialty_names
                .entry(specialty.to_owned())
                .or_insert_with(|| name.clone());
            // One cell may hold several codes (separated by a newline); some rows have none.
            for t in rec.get(2).unwrap_or("").split_whitespace() {
                let t = strip_footnote(t);
                if well_formed(t) {
                    let list = specialties_of.entry(t.to_owned()).or_default();
                    if !list.iter().any(|(c, _)| c == specialty) {
                        list.push((specialty.to_owned(), name.clone()));
                    }
                }
            }
        }
        if codes.is_empty() || specialties_of.is_empty() {
            return Err("taxonomy data files are empty".into());
        }
        Ok(Taxonomy {
            codes,
            specialties_of,
            specialty_names,
        })
    }

    pub fn code(&self, code: &str) -> Option<&NuccCode> {
        self.codes.get(code)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The clinician type of a taxonomy code.
    pub fn type_of_taxonomy(&self, code: &str) -> Result<TypeMapping, CodeError> {
        let code = code.trim();
        if !well_formed(code) {
            // Cut: the code is quoted in messages, and a hostile cell can be megabytes.
            return Err(CodeError::Malformed(code.chars().take(64).collect()));
        }
        let nucc = self
            .codes
            .get(code)
            .ok_or_else(|| CodeError::Unknown(code.to_owned()))?;
        // The crosswalk lists the code itself, or its classification's base code (`363L` + `00000X`).
        let base = format!("{}00000X", &code[..4]);
        let listed = self
            .specialties_of
            .get(code)
            .map(|s| (code, s))
            .or_else(|| self.specialties_of.get(&base).map(|s| (base.as_str(), s)));
        if let Some((via, specialties)) = listed {
            // Several specialties may enroll a code; the most specific MIPS type wins over `other`.
            let mut best: Option<(ClinicianType, bool, &str, &str)> = None;
            for (sc, name) in specialties {
                let (t, confirmed) = type_of_specialty(sc, name);
                if best.is_none_or(|(b, ..)| b == ClinicianType::Other && t != ClinicianType::Other)
                {
                    best = Some((t, confirmed, sc, name));
                }
            }
            if let Some((t, confirmed, sc, name)) = best {
                let through = if via == code {
                    String::new()
                } else {
                    format!(" (through its classification's code {via})")
                };
                return Ok(TypeMapping {
                    clinician_type: t,
                    source: format!(
                        "taxonomy {code} ({}){through} → Medicare specialty {sc} ({name}) [{CROSSWALK_SOURCE}]",
                        nucc.display_name
                    ),
                    confirmed,
                });
            }
        }
        let t = if nucc.grouping == "Allopathic & Osteopathic Physicians" {
            ClinicianType::Physician
        } else {
            ClinicianType::Other
        };
        Ok(TypeMapping {
            clinician_type: t,
            source: format!(
                "taxonomy {code} ({}), grouping {:?}, not in the crosswalk [{NUCC_SOURCE}]",
                nucc.display_name, nucc.grouping
            ),
            confirmed: true,
        })
    }

    /// The clinician type of a two-character Medicare specialty code (CMS eligibility data).
    pub fn type_of_specialty_code(&self, code: &str) -> Result<TypeMapping, CodeError> {
        let code = code.trim();
        let name = self
            .specialty_names
            .get(code)
            .ok_or_else(|| CodeError::Unknown(code.to_owned()))?;
        let (t, confirmed) = type_of_specialty(code, name);
        Ok(TypeMapping {
            clinician_type: t,
            source: format!("Medicare specialty {code} ({name}) [{CROSSWALK_SOURCE}]"),
            confirmed,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ClinicianType as T;

    fn tx() -> &'static Taxonomy {
        Taxonomy::embedded().unwrap()
    }

    #[test]
    fn the_whole_nucc_set_loads() {
        assert_eq!(tx().len(), 883, "NUCC v25.1 has 883 codes");
        let np = tx().code("363L00000X").unwrap();
        assert_eq!(np.classification, "Nurse Practitioner");
    }

    #[test]
    fn the_clinician_types_the_rule_book_names() {
        for (code, want) in [
            ("207Q00000X", T::Physician), // family medicine
            ("208D00000X", T::Physician), // general practice (specialties 01 and 99)
            ("363L00000X", T::NursePractitioner),
            ("363LF0000X", T::NursePractitioner),
            ("363A00000X", T::PhysicianAssistant),
            ("364S00000X", T::ClinicalNurseSpecialist),
            ("367500000X", T::Crna),
            ("225100000X", T::PhysicalTherapist),
            ("225X00000X", T::OccupationalTherapist),
            ("235Z00000X", T::SpeechLanguagePathologist),
            ("231H00000X", T::Audiologist),
            ("103T00000X", T::ClinicalPsychologist),
            ("133V00000X", T::RegisteredDietitian),
            ("1041C0700X", T::ClinicalSocialWorker),
            ("367A00000X", T::CertifiedNurseMidwife),
            ("111N00000X", T::Chiropractor),
            ("163W00000X", T::Other), // registered nurse
            ("332B00000X", T::Other), // a supplier
        ] {
            let m = tx().type_of_taxonomy(code).unwrap();
            assert_eq!(m.clinician_type, want, "{code}: {}", m.source);
        }
        let m = tx().type_of_taxonomy("363LF0000X").unwrap();
        assert!(
            m.source.contains("specialty 50") && m.source.contains("crosswalk"),
            "{}",
            m.source
        );
        let dentist = tx().type_of_taxonomy("122300000X").unwrap();
        assert_eq!(dentist.clinician_type, T::Physician);
        assert!(
            !dentist.confirmed,
            "dentists as physicians is not in the rule book"
        );
    }

    #[test]
    fn unknown_and_malformed_codes_are_reported_not_guessed() {
        assert_eq!(
            tx().type_of_taxonomy("999Z99999X"),
            Err(CodeError::Unknown("999Z99999X".into()))
        );
        assert!(matches!(
            tx().type_of_taxonomy("363L0000X"),
            Err(CodeError::Malformed(_))
        ));
        assert!(matches!(
            tx().type_of_taxonomy("363l00000x"),
            Err(CodeError::Malformed(_))
        ));
        assert!(tx().type_of_taxonomy("").is_err());
    }

    #[test]
    fn the_crosswalks_quirks_are_survived() {
        // Footnote marker in the code: "87[3]".
        assert!(tx().type_of_specialty_code("87").is_ok());
        // Two taxonomy codes in one cell (specialty 56): both are found.
        for code in ["224P00000X", "229N00000X"] {
            let m = tx().type_of_taxonomy(code).unwrap();
            assert!(m.source.contains("specialty 56"), "{code}: {}", m.source);
        }
        // A blank description continues the row above (specialty 12).
        let m = tx().type_of_taxonomy("204C00000X").unwrap();
        assert_eq!(m.clinician_type, T::Physician, "{}", m.source);
        assert!(
            m.source.contains("Osteopathic Manipulative"),
            "{}",
            m.source
        );
        assert!(tx().type_of_specialty_code("ZZ").is_err());
        assert_eq!(
            tx().type_of_specialty_code("72").unwrap().clinician_type,
            T::Physician
        );
    }
}

//! Clinician types as people write them in their own spreadsheets: the batch contract's codes
//! (`nurse_practitioner`), their labels in any case ("Nurse Practitioner"), and the credentials a practice
//! lists after a name ("MD", "PA-C", "CCC-SLP"). Any importer that reads a type column a person typed uses
//! [`clinician_type_from_text`], so "NP" means the same everywhere.
//!
//! "Physician" is MIPS's definition (42 CFR 414.1305, from SSA §1861(r)): doctors of medicine and
//! osteopathy, dental surgery or dental medicine, podiatric medicine and optometry. Chiropractors, also in
//! §1861(r), have their own type in the batch contract. Abbreviations that name more than one type are
//! refused with a question rather than guessed: APRN (NP, CNS, CRNA or CNM) and a bare PhD (a psychologist,
//! or a doctorate in anything).

use hardship_rules::{ClinicianType, InvalidValue};

use ClinicianType as T;

/// Abbreviations and words, in the normalised form [`key`] makes, and the type each one means.
const WORDS: &[(&str, ClinicianType)] = &[
    ("md", T::Physician),
    ("do", T::Physician),
    ("dpm", T::Physician),
    ("dds", T::Physician),
    ("dmd", T::Physician),
    ("od", T::Physician),
    ("pa", T::PhysicianAssistant),
    ("pa c", T::PhysicianAssistant),
    ("np", T::NursePractitioner),
    ("fnp", T::NursePractitioner),
    ("fnp c", T::NursePractitioner),
    ("fnp bc", T::NursePractitioner),
    ("cns", T::ClinicalNurseSpecialist),
    ("crna", T::Crna),
    ("nurse anesthetist", T::Crna),
    ("pt", T::PhysicalTherapist),
    ("dpt", T::PhysicalTherapist),
    ("ot", T::OccupationalTherapist),
    ("otr", T::OccupationalTherapist),
    ("otr l", T::OccupationalTherapist),
    ("slp", T::SpeechLanguagePathologist),
    ("ccc slp", T::SpeechLanguagePathologist),
    ("speech language pathologist", T::SpeechLanguagePathologist),
    ("aud", T::Audiologist),
    ("psyd", T::ClinicalPsychologist),
    ("psychologist", T::ClinicalPsychologist),
    ("rd", T::RegisteredDietitian),
    ("rdn", T::RegisteredDietitian),
    ("registered dietitian", T::RegisteredDietitian),
    ("lcsw", T::ClinicalSocialWorker),
    ("csw", T::ClinicalSocialWorker),
    ("cnm", T::CertifiedNurseMidwife),
    ("dc", T::Chiropractor),
];

/// Abbreviations that stand for more than one type, with the question to ask.
const AMBIGUOUS: &[(&str, &str)] = &[
    (
        "aprn",
        "APRN covers several types: write NP (nurse practitioner) or CNS (clinical nurse specialist), \
         or CRNA or CNM",
    ),
    (
        "phd",
        "PhD alone does not say which clinician: write PsyD or clinical_psychologist for a psychologist, \
         or the clinician's type",
    ),
];

/// Examples of what a type cell may hold, for error messages.
pub const EXAMPLES: &str = "a code such as physician or nurse_practitioner, its label (Nurse Practitioner), \
or a credential: MD, DO, DPM, DDS, DMD, OD, PA-C, NP, FNP, CNS, CRNA, PT, DPT, OT, SLP, AuD, PsyD, RD, \
LCSW, CNM, DC";

/// Lower case, dots dropped, `_` `-` and runs of spaces made one space: "P.A.-C" and "pa c" meet.
fn key_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut started = false;
    let mut space = false;
    text.chars().filter(|&c| c != '.').flat_map(move |c| {
        let sep = c == '_' || c == '-' || c.is_whitespace();
        let lead = (!sep && space && started).then_some(' ');
        if sep {
            space = true;
        } else {
            space = false;
            started = true;
        }
        let lower = (!sep).then(|| c.to_lowercase()).into_iter().flatten();
        lead.into_iter().chain(lower)
    })
}

fn key(text: &str) -> String {
    key_chars(text).collect()
}

/// Whether `text` normalises to `k` (no allocation: the codes and labels are compared per call).
fn is_key(text: &str, k: &str) -> bool {
    key_chars(text).eq(k.chars())
}

enum Word {
    Known(ClinicianType),
    Ambiguous(&'static str),
    Unknown,
}

fn word(k: &str) -> Word {
    if let Some(t) = ClinicianType::ALL
        .iter()
        .find(|t| is_key(t.code(), k) || is_key(t.label(), k))
    {
        return Word::Known(*t);
    }
    // Labels without the "qualified"/"or nutrition professional" of CMS's wording.
    if let Some(t) = ClinicianType::ALL.iter().find(|t| {
        t.label()
            .strip_prefix("qualified ")
            .is_some_and(|rest| is_key(rest, k))
    }) {
        return Word::Known(*t);
    }
    if let Some((_, t)) = WORDS.iter().find(|(w, _)| *w == k) {
        return Word::Known(*t);
    }
    match AMBIGUOUS.iter().find(|(w, _)| *w == k) {
        Some((_, question)) => Word::Ambiguous(question),
        None => Word::Unknown,
    }
}

/// The clinician type a person wrote: a code, a label in any case, or a credential. A list of credentials
/// ("MD, PhD", "PA-C/MPH") is read by its words that name a type, which must agree; words that name none
/// (MPH, FACC) are passed over. Errors name the value and list what is accepted.
pub fn clinician_type_from_text(text: &str) -> Result<ClinicianType, InvalidValue> {
    let text = text.trim();
    if let Ok(t) = ClinicianType::parse(text) {
        return Ok(t);
    }
    let whole = key(text);
    if whole.is_empty() {
        return Err(InvalidValue::new(
            "clinician_type",
            text,
            format!("a clinician type is required: {EXAMPLES}"),
        ));
    }
    match word(&whole) {
        Word::Known(t) => return Ok(t),
        Word::Ambiguous(q) => return Err(InvalidValue::new("clinician_type", text, q)),
        Word::Unknown => {}
    }
    let mut found: Option<ClinicianType> = None;
    let mut question = None;
    for part in text.split([',', '/', ';', '&', '+']).take(16) {
        match word(&key(part)) {
            Word::Known(t) if found.is_some_and(|f| f != t) => {
                return Err(InvalidValue::new(
                    "clinician_type",
                    text,
                    "these credentials name more than one clinician type: give the one the clinician \
                     bills Medicare as",
                ));
            }
            Word::Known(t) => found = Some(t),
            Word::Ambiguous(q) => question = Some(q),
            Word::Unknown => {}
        }
    }
    match (found, question) {
        (Some(t), _) => Ok(t),
        (_, Some(q)) => Err(InvalidValue::new("clinician_type", text, q)),
        _ => Err(InvalidValue::new(
            "clinician_type",
            text,
            format!("an unknown clinician type; write {EXAMPLES}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_abbreviation_code_and_label_of_the_table() {
        let table: &[(&str, ClinicianType)] = &[
            ("MD", T::Physician),
            ("DO", T::Physician),
            ("M.D.", T::Physician),
            ("D.O.", T::Physician),
            ("DPM", T::Physician),
            ("DDS", T::Physician),
            ("DMD", T::Physician),
            ("OD", T::Physician),
            ("PA", T::PhysicianAssistant),
            ("PA-C", T::PhysicianAssistant),
            ("NP", T::NursePractitioner),
            ("FNP", T::NursePractitioner),
            ("FNP-BC", T::NursePractitioner),
            ("CNS", T::ClinicalNurseSpecialist),
            ("CRNA", T::Crna),
            ("PT", T::PhysicalTherapist),
            ("DPT", T::PhysicalTherapist),
            ("OT", T::OccupationalTherapist),
            ("OTR", T::OccupationalTherapist),
            ("OTR/L", T::OccupationalTherapist),
            ("SLP", T::SpeechLanguagePathologist),
            ("CCC-SLP", T::SpeechLanguagePathologist),
            ("AuD", T::Audiologist),
            ("PsyD", T::ClinicalPsychologist),
            ("Psy.D.", T::ClinicalPsychologist),
            ("RD", T::RegisteredDietitian),
            ("RDN", T::RegisteredDietitian),
            ("LCSW", T::ClinicalSocialWorker),
            ("CSW", T::ClinicalSocialWorker),
            ("CNM", T::CertifiedNurseMidwife),
            ("DC", T::Chiropractor),
            (" md ", T::Physician),
            ("Nurse Practitioner", T::NursePractitioner),
            ("NURSE-PRACTITIONER", T::NursePractitioner),
            ("Certified Nurse-Midwife", T::CertifiedNurseMidwife),
            ("Speech-Language Pathologist", T::SpeechLanguagePathologist),
            ("Qualified Audiologist", T::Audiologist),
            ("Audiologist", T::Audiologist),
            ("Registered Dietitian", T::RegisteredDietitian),
            ("Clinical Social Worker", T::ClinicalSocialWorker),
            ("Physician", T::Physician),
            ("Other", T::Other),
            ("MD, PhD", T::Physician),
            ("M.D., FACC", T::Physician),
            ("PA-C/MPH", T::PhysicianAssistant),
        ];
        for (text, want) in table {
            assert_eq!(clinician_type_from_text(text).unwrap(), *want, "{text:?}");
        }
        for &t in ClinicianType::ALL {
            assert_eq!(clinician_type_from_text(t.code()).unwrap(), t);
            assert_eq!(clinician_type_from_text(t.label()).unwrap(), t);
            assert_eq!(
                clinician_type_from_text(&t.label().to_uppercase()).unwrap(),
                t
            );
        }
    }

    #[test]
    fn ambiguous_and_unknown_text_is_refused_with_what_to_write() {
        let e = clinician_type_from_text("APRN").unwrap_err();
        assert!(
            e.expected.contains("NP") && e.expected.contains("CNS"),
            "{e}"
        );
        let e = clinician_type_from_text("Ph.D.").unwrap_err();
        assert!(e.expected.contains("PsyD"), "{e}");
        let e = clinician_type_from_text("APRN, MSN").unwrap_err();
        assert!(e.expected.contains("CNS"), "{e}");
        let e = clinician_type_from_text("doctor").unwrap_err();
        assert_eq!((e.field, e.value.as_str()), ("clinician_type", "doctor"));
        assert!(e.expected.contains("PA-C") && e.expected.contains("nurse_practitioner"));
        assert!(clinician_type_from_text("MD, NP").is_err());
        assert!(clinician_type_from_text("").is_err());
        assert!(clinician_type_from_text("RN").is_err());
        assert!(clinician_type_from_text("MD MD").is_err(), "not a list");
    }
}

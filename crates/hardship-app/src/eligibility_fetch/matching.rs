//! Which of a clinician's organizations in CMS's answer is the practice, and the statuses CMS stated
//! there. Public answers mask the TIN (`"XXXXXXXXXX"`), so a masked organization is recognised by its name
//! (compared without case, punctuation or legal-form suffixes: "Lakeside Family Medicine, P.C." is
//! "LAKESIDE FAMILY MEDICINE"), or taken when it is the clinician's only one; anything else is ambiguous
//! and nothing is recorded for that NPI (guessing would put one practice's statuses on another's).

use hardship_formats::eligibility::{Organization, Scenario};
use hardship_rules::Tin;
use hardship_store::CmsStatus;

/// Words of a legal form that say nothing about which practice it is.
const LEGAL_FORMS: &[&str] = &[
    "llc",
    "pllc",
    "pc",
    "pa",
    "psc",
    "sc",
    "apc",
    "apmc",
    "inc",
    "incorporated",
    "ltd",
    "llp",
    "lp",
    "corp",
    "corporation",
    "co",
    "company",
];

/// A name reduced to what tells practices apart: lower-case words of letters and digits, without "and",
/// a leading "the" or trailing legal-form words. Dots and apostrophes join what they sit in ("P.C." is
/// "pc", "O'Neil" is "oneil").
pub fn name_key(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '\u{2019}'))
        .collect();
    let mut words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "and")
        .collect();
    if words.first() == Some(&"the") {
        words.remove(0);
    }
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

/// Whether an organization's name is the practice's, as [`name_key`] compares them.
pub fn named_like(organization: &str, practice: &str) -> bool {
    let key = name_key(practice);
    !key.is_empty() && name_key(organization) == key
}

/// The organization that is the practice (its TIN, else its name among the masked ones, else the only
/// one), or why none can be taken.
pub fn choose_organization<'a>(
    orgs: &'a [Organization],
    tin: Tin,
    practice_name: &str,
) -> Result<&'a Organization, String> {
    if let Some(o) = orgs.iter().find(|o| o.tin == Some(tin)) {
        return Ok(o);
    }
    // An organization whose TIN CMS did show, and which is another one, is never this practice.
    let masked: Vec<&Organization> = orgs.iter().filter(|o| o.tin.is_none()).collect();
    let named: Vec<&&Organization> = masked
        .iter()
        .filter(|o| named_like(&o.name, practice_name))
        .collect();
    match (orgs.len(), masked.len(), named.as_slice()) {
        (_, _, [one]) => Ok(one),
        (_, _, [_, _, ..]) => Err(format!(
            "{} organizations named like the practice; none can be told apart",
            named.len()
        )),
        (1, 1, []) => Ok(masked[0]),
        (0, _, _) => Err("CMS lists no organization for this clinician".into()),
        (1, 0, []) => Err("its one organization has another TIN than the practice's".into()),
        (n, _, []) => Err(format!("{n} organizations, none named like the practice")),
    }
}

/// Every status CMS stated for the organization, per level, under CMS's member names.
pub fn cms_statuses(org: &Organization) -> Vec<CmsStatus> {
    let mut out = Vec::new();
    for (level, s) in [
        ("individual", org.individual.as_ref()),
        ("group", org.group.as_ref()),
    ] {
        if let Some(s) = s {
            scenario_statuses(level, s, &mut out);
        }
    }
    out
}

fn scenario_statuses(level: &str, s: &Scenario, out: &mut Vec<CmsStatus>) {
    let mut push = |name: &str, value: String| {
        out.push(CmsStatus {
            level: level.to_owned(),
            name: name.to_owned(),
            value,
        });
    };
    for (name, v) in [
        ("hospitalBasedClinician", s.hospital_based),
        ("nonPatientFacing", s.non_patient_facing),
        ("ambulatorySurgicalCenter", s.asc_based),
        ("smallGroupPractitioner", s.small_practice),
        ("ruralClinician", s.rural),
        ("hpsaClinician", s.hpsa),
        ("aciHardship", s.pi_hardship_approved),
        ("aciReweighting", s.pi_reweighting),
        ("extremeHardship", s.extreme_hardship),
    ] {
        if let Some(v) = v {
            push(name, v.to_string());
        }
    }
    if let Some(t) = &s.extreme_hardship_event_type {
        push("extremeHardshipEventType", t.clone());
    }
    for (reason, v) in &s.extreme_hardship_reasons {
        push(&format!("extremeHardshipReasons.{reason}"), v.to_string());
    }
    if !s.extreme_hardship_sources.is_empty() {
        push(
            "extremeHardshipSources",
            s.extreme_hardship_sources.join(", "),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn org(index: usize, tin: Option<&str>, name: &str) -> Organization {
        Organization {
            index,
            tin: tin.map(|t| Tin::parse(t).unwrap()),
            name: name.into(),
            address: String::new(),
            individual: None,
            group: None,
        }
    }

    fn tin() -> Tin {
        Tin::parse("123456789").unwrap()
    }

    #[test]
    fn names_compare_without_case_punctuation_or_legal_form() {
        assert!(named_like(
            "LAKESIDE FAMILY MEDICINE",
            "Lakeside Family Medicine, P.C."
        ));
        assert!(named_like(
            "The Lakeside & Family Medicine LLC",
            "lakeside family medicine"
        ));
        assert!(named_like(
            "Nguyễn Văn An Family Practice",
            "NGUYỄN VĂN AN FAMILY PRACTICE PLLC"
        ));
        assert!(!named_like("Lakeside", "Lakeside Family Medicine"));
        assert!(!named_like(
            "Hillside Family Medicine",
            "Lakeside Family Medicine"
        ));
        assert!(named_like("O’Neil Clinic, Inc.", "ONEIL CLINIC"));
        assert!(!named_like("", ""), "an empty name matches nothing");
    }

    #[test]
    fn masked_tins_are_matched_by_name_or_taken_when_alone() {
        let one = [org(0, None, "Scooby Gang Health Partners")];
        assert_eq!(
            choose_organization(&one, tin(), "Lakeside").unwrap().index,
            0
        );
        let two = [
            org(0, None, "Hillside Clinic"),
            org(1, None, "LAKESIDE FAMILY MEDICINE PC"),
        ];
        let o = choose_organization(&two, tin(), "Lakeside Family Medicine").unwrap();
        assert_eq!(o.index, 1);
        let e = choose_organization(&two, tin(), "Riverside").unwrap_err();
        assert_eq!(e, "2 organizations, none named like the practice");
        let twins = [org(0, None, "Lakeside"), org(1, None, "LAKESIDE, INC.")];
        assert!(
            choose_organization(&twins, tin(), "Lakeside")
                .unwrap_err()
                .starts_with("2 organizations named like")
        );
        assert!(choose_organization(&[], tin(), "Lakeside").is_err());
    }

    #[test]
    fn a_shown_tin_decides() {
        let shown = [
            org(0, Some("987654321"), "Lakeside"),
            org(1, Some("123456789"), "Something else"),
        ];
        assert_eq!(
            choose_organization(&shown, tin(), "Lakeside")
                .unwrap()
                .index,
            1
        );
        let other = [org(0, Some("987654321"), "Lakeside")];
        assert!(
            choose_organization(&other, tin(), "Lakeside").is_err(),
            "another TIN is never this practice"
        );
    }
}

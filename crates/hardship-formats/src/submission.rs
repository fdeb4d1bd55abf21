//! QPP submission JSON (what a registry or EHR sends CMS through the Submissions API), scanned for PI data
//! before it is sent (`formats/qpp-submission.md`). A submission contains PI data when any measurement set
//! has category `pi` — or `aci`, the category's 2017–2018 name — or any measure id starts with `PI_` or
//! `ACI_`; an attestation-only PI set counts too, because CMS scores any PI reporting. Reporting PI data
//! voids every PI reweighting (RULEBOOK §4), which is what the guard exists to prevent.

use crate::eligibility::{JsonError, json_error, kind_of};
use hardship_rules::{Npi, Tin};
use serde_json::Value;

/// A PI measurement set, or PI measures found in another set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiFinding {
    /// JSON path of the set, e.g. `data.submission.measurementSets[2]`.
    pub path: String,
    /// The set's category as written (`pi`, `aci`, or another category holding PI measures).
    pub category: String,
    /// The PI measure ids in it (the first 20).
    pub measures: Vec<String>,
    /// Whether the set is complete for the submission's year (none when the year is unknown).
    pub completeness: Option<crate::pi_completeness::Completeness>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionScan {
    /// `individual`, `group`, `virtualGroup`, `apm`, `subgroup`.
    pub entity_type: Option<String>,
    pub tin: Option<Tin>,
    pub npi: Option<Npi>,
    pub year: Option<u16>,
    pub measurement_sets: usize,
    pub pi: Vec<PiFinding>,
    /// The categories of the measurement sets that hold measurements, lower case, each once
    /// (`quality`, `ia`, `pi`, …): data in a category overrides an approved EUC reweighting of it.
    pub categories: Vec<String>,
}

impl SubmissionScan {
    pub fn contains_pi(&self) -> bool {
        !self.pi.is_empty()
    }

    /// Whether some PI set is complete for the year (CMS scores the best set); none when no set could be
    /// judged.
    pub fn pi_complete(&self) -> Option<bool> {
        let judged: Vec<bool> = self
            .pi
            .iter()
            .filter_map(|f| f.completeness.as_ref().map(|c| c.complete))
            .collect();
        (!judged.is_empty()).then(|| judged.iter().any(|&c| c))
    }
}

fn is_pi_measure(id: &str) -> bool {
    id.starts_with("PI_") || id.starts_with("ACI_")
}

/// Scans a submission (`{"data": {"submission": …}}`, `{"submission": …}` or the bare object).
pub fn scan_submission(bytes: &[u8]) -> Result<SubmissionScan, JsonError> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| json_error("", format!("not JSON: {e}")))?;
    let (sub, base) = if let Some(s) = v.pointer("/data/submission") {
        (s, "data.submission")
    } else if let Some(s) = v.get("submission") {
        (s, "submission")
    } else {
        (&v, "$")
    };
    let m = sub.as_object().ok_or_else(|| {
        json_error(
            base,
            format!("expected a submission object, got {}", kind_of(sub)),
        )
    })?;
    // A file that is not a QPP submission at all is not "safe": it says nothing about what will be sent.
    const MEMBERS: [&str; 4] = [
        "measurementSets",
        "performanceYear",
        "entityType",
        "taxpayerIdentificationNumber",
    ];
    if !MEMBERS.iter().any(|k| m.contains_key(*k)) {
        return Err(json_error(
            base,
            format!(
                "not a QPP submission: none of {} is present (a submission is {{\"data\": {{\"submission\": …}}}} or the bare submission object)",
                MEMBERS.join(", ")
            ),
        ));
    }
    let text = |key: &str| -> Result<Option<String>, JsonError> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(other) => Err(json_error(
                &format!("{base}.{key}"),
                format!("expected a string, got {other}"),
            )),
        }
    };
    let tin = text("taxpayerIdentificationNumber")?
        .map(|t| {
            Tin::parse(&t).map_err(|e| {
                json_error(
                    &format!("{base}.taxpayerIdentificationNumber"),
                    e.to_string(),
                )
            })
        })
        .transpose()?;
    let npi = text("nationalProviderIdentifier")?
        .map(|t| {
            Npi::parse(&t).map_err(|e| {
                json_error(&format!("{base}.nationalProviderIdentifier"), e.to_string())
            })
        })
        .transpose()?;
    let year = match m.get("performanceYear") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().and_then(|y| u16::try_from(y).ok()).ok_or_else(
            || {
                json_error(
                    &format!("{base}.performanceYear"),
                    format!("{n} is not a year"),
                )
            },
        )?),
        Some(other) => {
            return Err(json_error(
                &format!("{base}.performanceYear"),
                format!("expected a number, got {other}"),
            ));
        }
    };
    let sets = match m.get("measurementSets") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(other) => {
            return Err(json_error(
                &format!("{base}.measurementSets"),
                format!("expected an array, got {}", kind_of(other)),
            ));
        }
    };
    let mut pi = Vec::new();
    let mut categories: Vec<String> = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let path = format!("{base}.measurementSets[{i}]");
        let s = set.as_object().ok_or_else(|| {
            json_error(&path, format!("expected an object, got {}", kind_of(set)))
        })?;
        let category = match s.get("category") {
            Some(Value::String(c)) => c.trim().to_ascii_lowercase(),
            None | Some(Value::Null) => String::new(),
            Some(other) => {
                return Err(json_error(
                    &format!("{path}.category"),
                    format!("expected a string, got {other}"),
                ));
            }
        };
        let mut measures = Vec::new();
        if let Some(Value::Array(ms)) = s.get("measurements") {
            for x in ms {
                if let Some(id) = x.get("measureId").and_then(Value::as_str)
                    && (is_pi_measure(id) || category == "pi" || category == "aci")
                    && measures.len() < 20
                {
                    measures.push(id.to_owned());
                }
            }
        }
        let has_data = matches!(s.get("measurements"), Some(Value::Array(ms)) if !ms.is_empty());
        if has_data && !category.is_empty() && !categories.contains(&category) {
            categories.push(category.clone());
        }
        let pi_category = category == "pi" || category == "aci";
        let pi_measures = measures.iter().any(|m| is_pi_measure(m));
        if pi_category || pi_measures {
            let completeness = year.and_then(|y| crate::pi_completeness::check_set(y, s));
            pi.push(PiFinding {
                path,
                category,
                measures,
                completeness,
            });
        }
    }
    Ok(SubmissionScan {
        entity_type: text("entityType")?,
        tin,
        npi,
        year,
        measurement_sets: sets.len(),
        pi,
        categories,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CMS_EXAMPLE: &str =
        include_str!("../tests/fixtures/scoring-example-submission-input.json");

    #[test]
    fn cms_example_2017_group_submission_holds_an_aci_set() {
        let s = scan_submission(CMS_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(s.entity_type.as_deref(), Some("group"));
        assert_eq!(s.tin.unwrap().as_str(), "000123456");
        assert_eq!(s.npi, None);
        assert_eq!(s.year, Some(2017));
        assert_eq!(s.measurement_sets, 3);
        assert!(s.contains_pi());
        assert_eq!(s.pi.len(), 1);
        assert_eq!(s.pi[0].category, "aci", "2017 files call PI \"aci\"");
        assert_eq!(s.pi[0].path, "data.submission.measurementSets[2]");
        assert!(
            s.pi[0].measures.iter().all(|m| m.starts_with("ACI_")),
            "{:?}",
            s.pi[0].measures
        );
    }

    #[test]
    fn without_the_pi_set_it_passes() {
        let mut v: Value = serde_json::from_str(CMS_EXAMPLE).unwrap();
        let sets = v
            .pointer_mut("/data/submission/measurementSets")
            .unwrap()
            .as_array_mut()
            .unwrap();
        sets.retain(|s| s["category"] != "aci");
        let s = scan_submission(serde_json::to_string(&v).unwrap().as_bytes()).unwrap();
        assert!(!s.contains_pi());
        assert_eq!(s.measurement_sets, 2);
    }

    #[test]
    fn pi_measures_in_any_set_and_bare_submissions_count() {
        let bare = r#"{"entityType": "individual", "taxpayerIdentificationNumber": "123456789",
            "nationalProviderIdentifier": "1234567893", "performanceYear": 2024,
            "measurementSets": [{"category": "ia", "measurements": [{"measureId": "PI_INFBLO_1", "value": true}]}]}"#;
        let s = scan_submission(bare.as_bytes()).unwrap();
        assert!(s.contains_pi());
        assert_eq!(s.npi.unwrap().as_str(), "1234567893");
        let attest_only = r#"{"submission": {"performanceYear": 2024, "measurementSets": [{"category": "pi", "measurements": []}]}}"#;
        assert!(
            scan_submission(attest_only.as_bytes())
                .unwrap()
                .contains_pi(),
            "an attestation-only PI set is PI data"
        );
    }

    #[test]
    fn bad_members_are_named() {
        let e =
            scan_submission(br#"{"taxpayerIdentificationNumber": "12345", "measurementSets": []}"#)
                .unwrap_err();
        assert_eq!(e.path, "$.taxpayerIdentificationNumber");
        let e = scan_submission(br#"{"measurementSets": {"a": 1}}"#).unwrap_err();
        assert_eq!(e.path, "$.measurementSets");
        assert!(scan_submission(b"\"x\"").is_err());
        assert!(scan_submission(b"{").is_err());
        // Not a QPP submission at all: never reported as "no PI data".
        let e = scan_submission(br#"{"foo": 1}"#).unwrap_err();
        assert!(e.to_string().contains("not a QPP submission"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = scan_submission(&bytes);
        }
    }
}

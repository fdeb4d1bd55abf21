//! The JSON the QPP Eligibility API returns for an NPI (`GET /api/eligibility/npi/{npi}?year=…`), as saved
//! by a practice: the clinician and, per TIN it bills under, its statuses at the individual and the group
//! level (`formats/qpp-eligibility-api.md`). Unknown members are ignored (CMS adds some between versions);
//! a missing member means "not stated", never false. Error bodies (`{"error": {"type", "message"}}`, the
//! API's 400 and 404) are recognised and reported as such.
//!
//! Masked TINs (`"XXXXXXXXXX"` in public responses) are kept as `None`, never as a TIN.

use hardship_rules::{Npi, Tin};
use serde_json::Value;
use std::fmt;

/// A problem in the file, with the JSON path of the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

pub(crate) fn json_error(path: &str, message: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Statuses at one reporting level, as CMS determined them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    pub hospital_based: Option<bool>,
    pub non_patient_facing: Option<bool>,
    pub asc_based: Option<bool>,
    pub small_practice: Option<bool>,
    pub rural: Option<bool>,
    pub hpsa: Option<bool>,
    /// An approved PI (formerly ACI) hardship exception application is on record.
    pub pi_hardship_approved: Option<bool>,
    /// The conditions for automatic PI reweighting are met at this level.
    pub pi_reweighting: Option<bool>,
    pub extreme_hardship: Option<bool>,
    /// The kind of event behind an extreme-hardship status (e.g. "Natural Disaster").
    pub extreme_hardship_event_type: Option<String>,
    /// The categories the extreme hardship covers (`quality`, `improvementActivities`, `aci`, `cost`), by
    /// name.
    pub extreme_hardship_reasons: Vec<(String, bool)>,
    /// Where CMS took it from (e.g. `auto-fema`, its automatic disaster-area policy).
    pub extreme_hardship_sources: Vec<String>,
    /// The two-character Medicare specialty code (individual scenario).
    pub specialty_code: Option<String>,
    pub specialty_description: Option<String>,
}

/// One TIN the clinician bills under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub index: usize,
    /// `None` when CMS masked it.
    pub tin: Option<Tin>,
    pub name: String,
    pub address: String,
    pub individual: Option<Scenario>,
    pub group: Option<Scenario>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub npi: Npi,
    pub name: String,
    pub mips_eligible: Option<bool>,
    pub organizations: Vec<Organization>,
}

/// What a saved file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EligibilityFile {
    Profile(Profile),
    /// The API answered with an error (e.g. `InvalidFormatNpi`, `NoProviderInformation`).
    Error {
        kind: String,
        message: String,
    },
}

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a serde_json::Map<String, Value>, JsonError> {
    v.as_object()
        .ok_or_else(|| json_error(path, format!("expected an object, got {}", kind_of(v))))
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn opt_bool(
    m: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<bool>, JsonError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(json_error(
            &format!("{path}.{key}"),
            format!("expected true or false, got {other}"),
        )),
    }
}

fn opt_str(
    m: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, JsonError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(other) => Err(json_error(
            &format!("{path}.{key}"),
            format!("expected a string, got {other}"),
        )),
    }
}

/// `extremeHardshipReasons`: an object of booleans (in name order; a null member is left out).
fn bool_members(
    m: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Vec<(String, bool)>, JsonError> {
    let at = format!("{path}.{key}");
    let Some(v) = m.get(key).filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let members = obj(v, &at)?;
    let mut out = Vec::new();
    for k in members.keys() {
        if let Some(b) = opt_bool(members, k, &at)? {
            out.push((k.clone(), b));
        }
    }
    Ok(out)
}

/// `extremeHardshipSources`: an array of strings.
fn strings(
    m: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Vec<String>, JsonError> {
    let at = format!("{path}.{key}");
    match m.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.trim().to_owned()),
                other => Err(json_error(
                    &format!("{at}[{i}]"),
                    format!("expected a string, got {}", kind_of(other)),
                )),
            })
            .collect(),
        Some(other) => Err(json_error(
            &at,
            format!("expected an array, got {}", kind_of(other)),
        )),
    }
}

fn scenario(v: &Value, path: &str) -> Result<Scenario, JsonError> {
    let m = obj(v, path)?;
    let specialty = match m.get("specialty") {
        None | Some(Value::Null) => None,
        Some(s) => Some(opt_str(
            obj(s, &format!("{path}.specialty"))?,
            "specialtyDescription",
            &format!("{path}.specialty"),
        )?),
    };
    Ok(Scenario {
        hospital_based: opt_bool(m, "hospitalBasedClinician", path)?,
        non_patient_facing: opt_bool(m, "nonPatientFacing", path)?,
        asc_based: opt_bool(m, "ambulatorySurgicalCenter", path)?,
        small_practice: opt_bool(m, "smallGroupPractitioner", path)?,
        rural: opt_bool(m, "ruralClinician", path)?,
        hpsa: opt_bool(m, "hpsaClinician", path)?,
        pi_hardship_approved: opt_bool(m, "aciHardship", path)?,
        pi_reweighting: opt_bool(m, "aciReweighting", path)?,
        extreme_hardship: opt_bool(m, "extremeHardship", path)?,
        extreme_hardship_event_type: opt_str(m, "extremeHardshipEventType", path)?,
        extreme_hardship_reasons: bool_members(m, "extremeHardshipReasons", path)?,
        extreme_hardship_sources: strings(m, "extremeHardshipSources", path)?,
        specialty_code: opt_str(m, "specialtyCode", path)?,
        specialty_description: specialty.flatten(),
    })
}

/// Parses a saved QPP Eligibility API response.
pub fn parse_eligibility(bytes: &[u8]) -> Result<EligibilityFile, JsonError> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| json_error("", format!("not JSON: {e}")))?;
    let root = obj(&v, "$")?;
    if let Some(e) = root.get("error") {
        let m = obj(e, "error")?;
        return Ok(EligibilityFile::Error {
            kind: opt_str(m, "type", "error")?.unwrap_or_default(),
            message: opt_str(m, "message", "error")?.unwrap_or_default(),
        });
    }
    let data = root
        .get("data")
        .ok_or_else(|| json_error("$", "no \"data\" member: not a QPP eligibility response"))?;
    let d = obj(data, "data")?;
    let npi_text = opt_str(d, "npi", "data")?.ok_or_else(|| json_error("data.npi", "missing"))?;
    let npi = Npi::parse(&npi_text).map_err(|e| json_error("data.npi", e.to_string()))?;
    let name = ["firstName", "middleName", "lastName"]
        .iter()
        .map(|k| opt_str(d, k, "data"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut organizations = Vec::new();
    match d.get("organizations") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, o) in list.iter().enumerate() {
                let path = format!("data.organizations[{i}]");
                let m = obj(o, &path)?;
                let tin = match opt_str(m, "TIN", &path)? {
                    Some(t)
                        if t.chars().all(|c| c.is_ascii_digit() || c == '-') && !t.is_empty() =>
                    {
                        Some(
                            Tin::parse(&t)
                                .map_err(|e| json_error(&format!("{path}.TIN"), e.to_string()))?,
                        )
                    }
                    // Masked ("XXXXXXXXXX") or absent: not a TIN.
                    _ => None,
                };
                let address = ["addressLineOne", "addressLineTwo", "city", "state", "zip"]
                    .iter()
                    .map(|k| opt_str(m, k, &path))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                let individual = match m.get("individualScenario") {
                    None | Some(Value::Null) => None,
                    Some(s) => Some(scenario(s, &format!("{path}.individualScenario"))?),
                };
                let group = match m.get("groupScenario") {
                    None | Some(Value::Null) => None,
                    Some(s) => Some(scenario(s, &format!("{path}.groupScenario"))?),
                };
                organizations.push(Organization {
                    index: i,
                    tin,
                    name: opt_str(m, "prvdrOrgName", &path)?.unwrap_or_default(),
                    address,
                    individual,
                    group,
                });
            }
        }
        Some(other) => {
            return Err(json_error(
                "data.organizations",
                format!("expected an array, got {}", kind_of(other)),
            ));
        }
    }
    Ok(EligibilityFile::Profile(Profile {
        npi,
        name,
        mips_eligible: opt_bool(d, "amsMipsEligibleClinician", "data")?,
        organizations,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    const SAMPLE: &str = include_str!("../tests/fixtures/sample_response_200.json");

    /// CMS's sample uses the fictional NPI 1234567890, which fails the check digit; the same response for
    /// a real NPI is what a practice saves.
    fn sample_with_valid_npi() -> String {
        SAMPLE.replace("\"1234567890\"", "\"1234567893\"")
    }

    #[test]
    fn cms_sample_200_gives_the_statuses_per_level() {
        let EligibilityFile::Profile(p) =
            parse_eligibility(sample_with_valid_npi().as_bytes()).unwrap()
        else {
            panic!("a profile")
        };
        assert_eq!(p.npi.as_str(), "1234567893");
        assert_eq!(p.name, "Buffy A Summers");
        assert_eq!(p.mips_eligible, Some(true));
        let o = &p.organizations[0];
        assert_eq!(o.tin, None, "the masked TIN is not kept as a TIN");
        assert_eq!(o.name, "Scooby Gang Health Partners");
        let ind = o.individual.as_ref().unwrap();
        assert_eq!(ind.hospital_based, Some(false));
        assert_eq!(ind.non_patient_facing, Some(true));
        assert_eq!(ind.asc_based, Some(false));
        assert_eq!(ind.pi_hardship_approved, Some(true));
        assert_eq!(ind.pi_reweighting, Some(true));
        assert_eq!(ind.specialty_code.as_deref(), Some("72"));
        assert_eq!(ind.specialty_description.as_deref(), Some("Psychiatry"));
        assert_eq!(ind.extreme_hardship, Some(true));
        assert_eq!(
            ind.extreme_hardship_event_type.as_deref(),
            Some("Natural Disaster")
        );
        assert_eq!(ind.extreme_hardship_sources, ["auto-fema"]);
        assert!(
            ind.extreme_hardship_reasons
                .contains(&("improvementActivities".to_owned(), true)),
            "{:?}",
            ind.extreme_hardship_reasons
        );
        assert!(o.group.is_some());
    }

    #[test]
    fn the_unchanged_sample_is_reported_for_its_fictional_npi() {
        let e = parse_eligibility(SAMPLE.as_bytes()).unwrap_err();
        assert_eq!(e.path, "data.npi");
        assert!(e.message.contains("1234567890"), "{e}");
    }

    #[test]
    fn cms_error_bodies_are_recognised() {
        for (file, kind) in [
            (
                include_str!("../tests/fixtures/sample_response_400.json"),
                "InvalidFormatNpi",
            ),
            (
                include_str!("../tests/fixtures/sample_response_404.json"),
                "NoProviderInformation",
            ),
        ] {
            match parse_eligibility(file.as_bytes()).unwrap() {
                EligibilityFile::Error { kind: k, message } => {
                    assert_eq!(k, kind);
                    assert!(!message.is_empty());
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn bad_members_are_named_by_path_and_unknown_ones_ignored() {
        let bad = sample_with_valid_npi().replacen(
            "\"nonPatientFacing\": true",
            "\"nonPatientFacing\": \"yes\"",
            1,
        );
        let e = parse_eligibility(bad.as_bytes()).unwrap_err();
        assert_eq!(
            e.path,
            "data.organizations[0].individualScenario.nonPatientFacing"
        );
        let extra = r#"{"data": {"npi": "1234567893", "somethingNew": [1, 2], "organizations": [{"TIN": "123456789", "individualScenario": {"hospitalBasedClinician": true}}]}}"#;
        let EligibilityFile::Profile(p) = parse_eligibility(extra.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(p.organizations[0].tin.unwrap().as_str(), "123456789");
        assert_eq!(
            p.organizations[0]
                .individual
                .as_ref()
                .unwrap()
                .non_patient_facing,
            None,
            "missing is not false"
        );
        assert!(parse_eligibility(b"[]").is_err());
        assert!(parse_eligibility(b"{\"data\": 3}").is_err());
        assert!(parse_eligibility(b"not json").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse_eligibility(&bytes);
        }
    }
}

//! Is a submission's PI data complete for its year? From PY 2025 only a qualifying (complete) PI submission
//! voids PI reweighting; an incomplete one is neither scored nor voids it. Before 2025 any PI data voids it,
//! complete or not — the verdict is then advice on how CMS would score it.
//!
//! What a year requires comes from CMS's PI measures of that year (CMSgov/qpp-measures-data, carried as
//! `data/pi-requirements.json`: required measures and their exclusions, alternatives such as the HIE
//! options, "two of" public-health registries in 2019–2021, active-engagement pairs from 2023, the
//! attestations, the minimum performance period) and 42 CFR 414.1375(b): each required measure reported
//! (a numerator and denominator, or yes/no) or excluded, the attestations answered yes, a CEHRT ID. What
//! CMS counts as *qualifying* is not defined in any source read: this is the strict reading, shown to
//! users as UNCONFIRMED.
//!
//! A submission is complete when any one of its PI measurement sets is (CMS scores the best set).

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// One year's requirements, as carried in `data/pi-requirements.json`.
#[derive(Debug, Deserialize)]
struct Requirements {
    required: Vec<String>,
    exclusion_for: HashMap<String, Vec<String>>,
    /// Each group: alternatives, each a list of ids all of which must be addressed.
    one_of_groups: Vec<Vec<Vec<String>>>,
    n_of_groups: Vec<NOf>,
    /// 2017–2018: report every measure of one of two sets (standard or transition).
    alternative_sets: Option<BTreeMap<String, Vec<String>>>,
    /// A registry answered yes needs exactly one of its PRE/PROD measures true (2023 on).
    active_engagement: HashMap<String, Vec<String>>,
    attestation_must_be_true: Vec<String>,
    min_period_days: i64,
    cehrt_id_required: bool,
}

#[derive(Debug, Deserialize)]
struct NOf {
    n: usize,
    measures: Vec<String>,
    #[serde(default)]
    exclusions: HashMap<String, Vec<String>>,
}

fn requirements(year: u16) -> Option<&'static Requirements> {
    static ALL: OnceLock<BTreeMap<String, Requirements>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let v: Value =
            serde_json::from_str(include_str!("../data/pi-requirements.json")).unwrap_or_default();
        v.as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !k.starts_with('_'))
            .filter_map(|(k, r)| Some((k.clone(), serde_json::from_value(r.clone()).ok()?)))
            .collect()
    });
    all.get(&year.to_string())
}

/// The verdict on one PI measurement set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completeness {
    pub complete: bool,
    /// What keeps it from being complete, in words (empty when complete).
    pub missing: Vec<String>,
}

/// Measure ids of 2017–2018 carry `ACI_` or `PI_` (the category was renamed): compare them without it.
fn normal(year: u16, id: &str) -> String {
    let id = id.trim().to_ascii_uppercase();
    if year <= 2018 {
        id.strip_prefix("ACI_")
            .map_or_else(|| id.clone(), |rest| format!("PI_{rest}"))
    } else {
        id
    }
}

/// A measure's value: answered at all, and answered positively (numerator ≥ 1, or `true`).
#[derive(Clone, Copy)]
struct Answer {
    positive: bool,
}

fn answer(v: &Value) -> Option<Answer> {
    match v {
        Value::Bool(b) => Some(Answer { positive: *b }),
        Value::Object(o) => {
            let n = o.get("numerator")?.as_u64()?;
            let d = o.get("denominator")?.as_u64()?;
            (n <= d).then_some(Answer { positive: n >= 1 })
        }
        _ => None,
    }
}

/// Checks one PI measurement set against the year's requirements; `None` when the year has none carried.
pub fn check_set(year: u16, set: &Map<String, Value>) -> Option<Completeness> {
    let r = requirements(year)?;
    let mut values: HashMap<String, Answer> = HashMap::new();
    if let Some(Value::Array(ms)) = set.get("measurements") {
        for m in ms {
            if let (Some(id), Some(a)) = (
                m.get("measureId").and_then(Value::as_str),
                m.get("value").and_then(answer),
            ) {
                values.insert(normal(year, id), a);
            }
        }
    }
    let n = |id: &str| normal(year, id);
    let answered = |id: &str| values.contains_key(&n(id));
    let yes = |id: &str| values.get(&n(id)).is_some_and(|a| a.positive);
    let addressed = |id: &str| {
        answered(id)
            || r.exclusion_for
                .get(id)
                .is_some_and(|ex| ex.iter().any(|e| yes(e)))
    };
    let mut missing = Vec::new();

    // The performance period, inside the year and long enough.
    let date = |k: &str| {
        set.get(k)
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
    };
    match (date("performanceStart"), date("performanceEnd")) {
        (Some(start), Some(end)) if start <= end => {
            let days = (end - start).num_days() + 1;
            let in_year = |d: NaiveDate| d.format("%Y").to_string() == year.to_string();
            if !in_year(start) || !in_year(end) {
                missing.push(format!(
                    "the performance period {start} to {end} is not inside {year}"
                ));
            }
            if days < r.min_period_days {
                missing.push(format!(
                    "a performance period of {days} days; {year} needs at least {} continuous days",
                    r.min_period_days
                ));
            }
        }
        _ => missing.push("performanceStart and performanceEnd (dates of the period)".into()),
    }
    if r.cehrt_id_required
        && set
            .get("cehrtId")
            .and_then(Value::as_str)
            .is_none_or(|c| c.trim().is_empty())
    {
        missing.push("cehrtId (the CEHRT ID of the certified EHR used)".into());
    }
    for id in &r.attestation_must_be_true {
        // In 2017–2018 only the chosen set's PPHI counts; the alternative-set check covers it.
        if r.alternative_sets.is_some() && id.contains("PPHI") {
            continue;
        }
        if !yes(id) {
            missing.push(format!("{id} answered yes"));
        }
    }
    for id in &r.required {
        if !addressed(id) {
            missing.push(format!("{id} (or its exclusion)"));
        }
    }
    if let Some(sets) = &r.alternative_sets {
        let done = sets.values().any(|ids| ids.iter().all(|id| addressed(id)));
        if !done {
            let names: Vec<&str> = sets.keys().map(String::as_str).collect();
            missing.push(format!(
                "every measure of one measure set ({})",
                names.join(" or ")
            ));
        }
    }
    for group in &r.one_of_groups {
        if !group.iter().any(|alt| alt.iter().all(|id| addressed(id))) {
            let alts: Vec<String> = group.iter().map(|a| a.join(" + ")).collect();
            missing.push(format!("one of: {}", alts.join(", or ")));
        }
    }
    for g in &r.n_of_groups {
        let reported = g.measures.iter().filter(|id| yes(id)).count();
        let excluded = g
            .exclusions
            .values()
            .filter(|ex| ex.iter().any(|e| yes(e)))
            .count();
        if reported + excluded < g.n {
            missing.push(format!(
                "{} of the public health registries {} (or their exclusions)",
                g.n,
                g.measures
                    .iter()
                    .filter(|m| !m.ends_with("_MULTI"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for (registry, pair) in &r.active_engagement {
        if yes(registry) && pair.iter().filter(|p| yes(p)).count() != 1 {
            missing.push(format!(
                "exactly one of {} for {registry} (active engagement)",
                pair.join(" / ")
            ));
        }
    }
    missing.sort();
    missing.dedup();
    Some(Completeness {
        complete: missing.is_empty(),
        missing,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn set(json: &str) -> Map<String, Value> {
        serde_json::from_str::<Value>(json)
            .unwrap()
            .as_object()
            .unwrap()
            .clone()
    }

    fn complete_2024() -> String {
        r#"{"category": "pi", "submissionMethod": "electronicHealthRecord", "cehrtId": "0015HQ3UPS3XVKS",
            "performanceStart": "2024-01-01", "performanceEnd": "2024-12-31",
            "measurements": [
              {"measureId": "PI_INFBLO_1", "value": true}, {"measureId": "PI_ONCDIR_1", "value": true},
              {"measureId": "PI_PPHI_1", "value": true}, {"measureId": "PI_PPHI_2", "value": true},
              {"measureId": "PI_EP_1", "value": {"numerator": 80, "denominator": 100}},
              {"measureId": "PI_EP_2", "value": true},
              {"measureId": "PI_HIE_5", "value": true},
              {"measureId": "PI_PEA_1", "value": {"numerator": 90, "denominator": 100}},
              {"measureId": "PI_PHCDRR_1", "value": true}, {"measureId": "PI_PHCDRR_1_PROD", "value": true},
              {"measureId": "PI_PHCDRR_3_EX_1", "value": true}
            ]}"#
        .to_owned()
    }

    #[test]
    fn a_complete_2024_set_and_what_each_gap_is_called() {
        let c = check_set(2024, &set(&complete_2024())).unwrap();
        assert!(c.complete, "{c:?}");
        // Without the CEHRT ID, the HIE option and a registry's active-engagement answer.
        let gappy = complete_2024()
            .replace("\"cehrtId\": \"0015HQ3UPS3XVKS\",", "")
            .replace("{\"measureId\": \"PI_HIE_5\", \"value\": true},", "")
            .replace(
                "{\"measureId\": \"PI_PHCDRR_1_PROD\", \"value\": true},",
                "",
            );
        let c = check_set(2024, &set(&gappy)).unwrap();
        assert!(!c.complete);
        let text = c.missing.join("\n");
        assert!(text.contains("cehrtId"), "{text}");
        assert!(text.contains("PI_HIE_5"), "{text}");
        assert!(text.contains("active engagement"), "{text}");
        // A 90-day period was enough before 2024, not from 2024 (180 days).
        let short = complete_2024().replace("2024-01-01", "2024-10-01");
        let c = check_set(2024, &set(&short)).unwrap();
        assert!(
            c.missing.iter().any(|m| m.contains("at least 180")),
            "{c:?}"
        );
    }

    #[test]
    fn an_attestation_answered_no_is_incomplete() {
        let no = complete_2024().replace(
            "{\"measureId\": \"PI_INFBLO_1\", \"value\": true}",
            "{\"measureId\": \"PI_INFBLO_1\", \"value\": false}",
        );
        let c = check_set(2024, &set(&no)).unwrap();
        assert_eq!(c.missing, vec!["PI_INFBLO_1 answered yes".to_owned()]);
    }

    #[test]
    fn the_2017_example_takes_aci_ids_and_names_the_missing_cehrt_id() {
        let v: Value = serde_json::from_str(include_str!(
            "../tests/fixtures/scoring-example-submission-input.json"
        ))
        .unwrap();
        let aci = v["data"]["submission"]["measurementSets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["category"] == "aci")
            .unwrap()
            .as_object()
            .unwrap()
            .clone();
        let c = check_set(2017, &aci).unwrap();
        assert_eq!(c.missing.len(), 1, "{c:?}");
        assert!(c.missing[0].contains("cehrtId"));
    }

    #[test]
    fn years_without_requirements_say_so() {
        assert!(check_set(2016, &Map::new()).is_none());
        for y in 2017..=2027 {
            assert!(requirements(y).is_some(), "{y}");
        }
    }
}

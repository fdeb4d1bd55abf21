//! Field-level changes: an event's before and after payloads (JSON objects) flattened into labelled
//! fields, codes shown as their labels and ids as the names of what they point to.

use super::names::Names;
use hardship_rules::{ClinicianType, HardshipReason, PiSubmission, ReportingLevel, SpecialStatus};
use serde::Serialize;
use serde_json::Value;

/// One field of a record: what it was and what it became ("" when it did not exist).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Payload fields that are bookkeeping, not content: the optimistic-lock version.
const SKIPPED: &[&str] = &["version", "profile.not_applying.at"];

/// The fields that differ between `before` and `after`, in the payload's key order (then any field
/// only `before` had).
pub fn changes(before: Option<&str>, after: Option<&str>, names: &Names) -> Vec<FieldChange> {
    let b = flatten(before);
    let a = flatten(after);
    let mut out = Vec::new();
    for (path, value) in &a {
        let old = b.iter().find(|(p, _)| p == path).map(|(_, v)| v);
        if old != Some(value) && !(old.is_none() && value.is_null()) {
            out.push(change(path, old, Some(value), names));
        }
    }
    for (path, value) in &b {
        if !a.iter().any(|(p, _)| p == path) && !value.is_null() {
            out.push(change(path, Some(value), None, names));
        }
    }
    out
}

fn change(path: &str, before: Option<&Value>, after: Option<&Value>, names: &Names) -> FieldChange {
    let last = path.rsplit('.').next().unwrap_or(path);
    FieldChange {
        field: label(path),
        before: before.map_or_else(String::new, |v| show(last, v, names)),
        after: after.map_or_else(String::new, |v| show(last, v, names)),
    }
}

/// A payload as (dotted path, leaf value), arrays as one value each.
fn flatten(payload: Option<&str>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(v) = payload.and_then(|t| serde_json::from_str::<Value>(t).ok()) {
        walk("", &v, &mut out);
    }
    out.retain(|(p, _)| !SKIPPED.contains(&p.as_str()));
    out
}

fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(&path, x, out);
            }
        }
        // A whole non-object payload (never written today) reads as one field.
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// Labels of the fields people see in changes; anything else reads as its path in words.
const LABELS: &[(&str, &str)] = &[
    ("tin", "TIN"),
    ("npi", "NPI"),
    ("zip", "ZIP code"),
    ("contact.name", "contact name"),
    ("contact.email", "contact e-mail"),
    ("contact.phone", "contact phone"),
    ("clinician_type", "clinician type"),
    ("joined_on", "joined the practice on"),
    ("left_on", "left the practice on"),
    ("year", "performance year"),
    ("profile.level", "reporting level"),
    ("profile.level_decided", "reporting level chosen"),
    (
        "profile.not_applying.by",
        "will report PI, not applying — decided by",
    ),
    (
        "profile.not_applying.why",
        "will report PI, not applying — why",
    ),
    ("profile.pi_submitted", "PI data submitted"),
    (
        "profile.clinician_count",
        "clinicians billing under the TIN",
    ),
    ("profile.has_cehrt", "has certified EHR technology"),
    ("profile.scores.quality", "expected Quality score"),
    ("profile.scores.cost", "expected Cost score"),
    ("profile.scores.ia", "expected Improvement Activities score"),
    (
        "profile.scores.pi",
        "expected Promoting Interoperability score",
    ),
    ("draft.applicant.level", "participation level"),
    ("draft.applicant.tin", "applicant TIN"),
    ("draft.applicant.npi", "applicant NPI"),
    ("draft.applicant.identifier", "virtual group identifier"),
    ("draft.reason", "reason"),
    ("draft.year", "performance year"),
    ("draft.practice", "practice"),
    ("draft.circumstance_start", "circumstance start date"),
    ("draft.circumstance_end", "circumstance end date"),
    ("draft.description", "supplemental information"),
    ("draft.euc_kind", "kind of circumstance"),
    ("draft.attested", "attested"),
    ("draft.submitter.first_name", "submitter first name"),
    ("draft.submitter.last_name", "submitter last name"),
    ("draft.submitter.email", "submitter e-mail"),
    ("draft.submitter.phone", "submitter phone"),
    ("draft.submitter.extension", "submitter extension"),
    (
        "draft.facts.clinician_count",
        "clinicians billing under the TIN",
    ),
    (
        "draft.facts.overwhelming_barriers",
        "overwhelming barriers documented",
    ),
    (
        "draft.facts.good_faith_new_cehrt",
        "good-faith effort to adopt another CEHRT",
    ),
    (
        "draft.facts.decertified_exception_years_used",
        "years the decertification exception was used",
    ),
    (
        "draft.facts.insufficient_internet",
        "insufficient internet access",
    ),
    (
        "draft.facts.percent_encounters_without_cehrt_control",
        "% of encounters without control over CEHRT",
    ),
    ("state", "state"),
    ("kind", "kind of evidence"),
    ("superseded_by", "superseded by"),
    ("content_type", "content type"),
    ("size", "bytes"),
    ("sha256", "SHA-256"),
    ("retain_until", "keep until"),
    ("rule_set_version", "rule set"),
    ("reweighted", "PI reweighted"),
    ("expires_at", "expires"),
];

fn label(path: &str) -> String {
    LABELS
        .iter()
        .find(|(p, _)| *p == path)
        .map_or_else(|| path.replace(['.', '_'], " "), |(_, l)| (*l).to_owned())
}

/// A value in words: codes as labels, ids as names, yes/no, "—" for nothing.
fn show(field: &str, v: &Value, names: &Names) -> String {
    let text = match v {
        Value::Null => return "—".into(),
        Value::Bool(b) => return if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => return n.to_string(),
        Value::String(s) => s.as_str(),
        other => return other.to_string(),
    };
    let coded = match field {
        "reason" => HardshipReason::parse(text)
            .ok()
            .map(|r| r.label().to_owned()),
        "clinician_type" => ClinicianType::parse(text)
            .ok()
            .map(|c| c.label().to_owned()),
        "status" => SpecialStatus::parse(text)
            .ok()
            .map(|s| s.label().to_owned()),
        "level" => ReportingLevel::parse(text)
            .ok()
            .map(|l| l.label().to_owned()),
        "pi_submitted" => PiSubmission::parse(text).ok().map(|p| p.label().to_owned()),
        "kind" => hardship_store::DOCUMENT_KINDS
            .iter()
            .find(|(k, _)| *k == text)
            .map(|(_, l)| (*l).to_owned()),
        "euc_kind" => Some(text.replace('_', " ")),
        "state" => Some(text.replace('_', " ")),
        "practice" | "application" | "clinician" | "superseded_by" | "email" | "invite"
            if uuid::Uuid::parse_str(text).is_ok() =>
        {
            Some(names.name(text))
        }
        _ => None,
    };
    coded.unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_with_labels_and_words() {
        let before = r#"{"npi":"1234567893","name":"Lukasz Wrobel","clinician_type":"physician","joined_on":null,"left_on":null}"#;
        let after = r#"{"npi":"1245319599","name":"Łukasz Wróbel","clinician_type":"nurse_practitioner","joined_on":"2024-03-01","left_on":null}"#;
        let c = changes(Some(before), Some(after), &Names::default());
        let shown: Vec<(&str, &str, &str)> = c
            .iter()
            .map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("clinician type", "physician", "nurse practitioner"),
                ("joined the practice on", "—", "2024-03-01"),
                ("name", "Lukasz Wrobel", "Łukasz Wróbel"),
                ("NPI", "1234567893", "1245319599"),
            ]
        );
    }

    #[test]
    fn nested_profile_fields_and_the_version_is_not_a_change() {
        let before = r#"{"year":2025,"profile":{"level":"individual","scores":{"quality":null}},"version":1}"#;
        let after =
            r#"{"year":2025,"profile":{"level":"group","scores":{"quality":80.5}},"version":2}"#;
        let c = changes(Some(before), Some(after), &Names::default());
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].field, "reporting level");
        assert_eq!(
            (c[0].before.as_str(), c[0].after.as_str()),
            ("individual", "group")
        );
        assert_eq!(c[1].field, "expected Quality score");
        assert_eq!((c[1].before.as_str(), c[1].after.as_str()), ("—", "80.5"));
    }

    #[test]
    fn a_creation_lists_what_was_set_and_a_removal_what_was_there() {
        let c = changes(
            None,
            Some(r#"{"kind":"cms_decision_email","note":""}"#),
            &Names::default(),
        );
        assert_eq!(c[0].after, "CMS approval or denial e-mail");
        assert_eq!(c[0].before, "");
        let gone = changes(
            Some(r#"{"why":"duplicate"}"#),
            Some("{}"),
            &Names::default(),
        );
        assert_eq!(
            gone,
            vec![FieldChange {
                field: "why".into(),
                before: "duplicate".into(),
                after: "".into()
            }]
        );
        assert!(changes(None, Some("not json"), &Names::default()).is_empty());
    }
}

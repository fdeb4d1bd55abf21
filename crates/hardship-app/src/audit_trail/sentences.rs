//! Each audit event as a sentence: who did what to which named record, with the details that matter
//! (why it was archived, how an application was sent, where CMS's decision was seen).

use super::names::Names;
use hardship_store::AuditEvent;
use hardship_store::audit::actions as a;
use serde_json::Value;

/// What each action is called, for the trail's filter and its "What" column.
pub const ACTIONS: &[(&str, &str)] = &[
    (a::ORGANIZATION_CREATE, "organization created"),
    (a::MEMBERSHIP_SET, "role set"),
    (a::MEMBERSHIP_CHANGE, "role changed"),
    (a::MEMBERSHIP_REMOVE, "member removed"),
    (a::INVITE_CREATE, "invitation sent"),
    (a::INVITE_ACCEPT, "invitation accepted"),
    (a::API_TOKEN_CREATE, "API token created"),
    (a::API_TOKEN_REVOKE, "API token revoked"),
    (a::USER_PASSWORD_RESET, "password reset by e-mail"),
    (a::PRACTICE_CREATE, "practice added"),
    (a::PRACTICE_UPDATE, "practice changed"),
    (a::PRACTICE_ARCHIVE, "practice archived"),
    (a::PRACTICE_RESTORE, "practice restored"),
    (a::PRACTICE_YEAR_SET, "year's profile set"),
    (a::CLINICIAN_ADD, "clinician added"),
    (a::CLINICIAN_UPDATE, "clinician corrected"),
    (a::CLINICIAN_STATUS, "special status recorded"),
    (a::CLINICIAN_ARCHIVE, "clinician archived"),
    (a::CLINICIAN_RESTORE, "clinician restored"),
    (a::APPLICATION_CREATE, "application started"),
    (a::APPLICATION_EDIT, "application edited"),
    (a::APPLICATION_ATTEST, "attestation signed"),
    ("application.ready", "application marked ready"),
    ("application.draft", "application back to draft"),
    ("application.submit", "application sent"),
    ("application.approve", "CMS approved"),
    ("application.deny", "CMS denied"),
    ("application.withdraw", "application withdrawn"),
    ("application.void", "voided by a PI submission"),
    ("application.link_email", "decision e-mail linked"),
    (a::DECISION_RECORD, "decision filed"),
    (a::DOCUMENT_UPLOAD, "evidence uploaded"),
    (a::DOCUMENT_EDIT, "evidence corrected"),
    (a::DOCUMENT_DELETE_REFUSED, "deletion refused"),
    (a::DOCUMENT_INTEGRITY_FAILED, "integrity check failed"),
    (a::DOCUMENT_READ, "evidence opened"),
    (a::EXPORT, "export made"),
    (a::GUARD_CHECK, "submission file checked"),
    (a::ELIGIBILITY_FETCH, "eligibility fetched from CMS"),
    (a::ELIGIBILITY_ANSWER, "CMS eligibility answer recorded"),
    (a::TARGETED_REVIEW_OPEN, "targeted review candidate opened"),
];

/// The action in words (its code when it is not one of [`ACTIONS`]).
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

fn payload(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// A payload's text field ("" when absent).
fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut at = v;
    for key in path {
        at = &at[*key];
    }
    at.as_str().unwrap_or("")
}

/// " (for …)" naming a client's practices from a payload, or "".
fn practices_of(v: &Value, names: &Names) -> String {
    match v["practices"].as_array() {
        Some(list) if !list.is_empty() => format!(
            " (for {})",
            list.iter()
                .filter_map(Value::as_str)
                .map(|p| names.name(p))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    }
}

/// "" or ": why", for reasons people typed.
fn because(why: &str) -> String {
    if why.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", why.trim())
    }
}

/// The event as one sentence.
pub fn sentence(e: &AuditEvent, names: &Names) -> String {
    let who = e.actor_label.as_str();
    let record = names.name(&e.entity_id);
    let before = payload(e.before.as_deref());
    let after = payload(e.after.as_deref());
    let of_practice = |id: &str| {
        names
            .practice_of(id)
            .map(|p| format!(" of {}", names.practice_name(p)))
            .unwrap_or_default()
    };
    // Reviews and audit requests name their practice in the payload.
    let of_payload = || {
        after["practice"]
            .as_str()
            .map(|p| format!(" of {}", names.name(p)))
            .unwrap_or_default()
    };
    match e.action.as_str() {
        a::ORGANIZATION_CREATE => format!(
            "{who} created the organization {}.",
            text(&after, &["name"])
        ),
        a::MEMBERSHIP_SET => match before["role"].as_str() {
            Some(old) => format!(
                "{who} changed the role of {record} from {old} to {}.",
                text(&after, &["role"])
            ),
            None => format!("{who} gave {record} the role {}.", text(&after, &["role"])),
        },
        a::MEMBERSHIP_CHANGE | a::MEMBERSHIP_REMOVE => {
            let what = match after["role"].as_str() {
                Some(role) => format!(
                    "changed the role of {record} from {} to {role}{}",
                    text(&before, &["role"]),
                    practices_of(&after, names)
                ),
                None => format!("removed {record} ({})", text(&before, &["role"])),
            };
            format!(
                "{who} {what}; {} session(s) ended and {} API token(s) revoked.",
                after["sessions_ended"],
                after["tokens_revoked"].as_array().map_or(0, Vec::len)
            )
        }
        a::INVITE_CREATE => format!(
            "{who} invited {} as {}{}.",
            text(&after, &["email"]),
            text(&after, &["role"]),
            practices_of(&after, names)
        ),
        a::INVITE_ACCEPT => format!(
            "{} accepted an invitation and joined as {}.",
            text(&after, &["email"]),
            text(&after, &["role"])
        ),
        a::API_TOKEN_CREATE => format!(
            "{who} created the API token {} ({}, {}).",
            text(&after, &["name"]),
            text(&after, &["role"]),
            text(&after, &["scope"])
        ),
        a::API_TOKEN_REVOKE => format!("{who} revoked the {record}."),
        a::USER_PASSWORD_RESET => format!(
            "{} set a new password through an e-mailed reset link; every session of theirs ended.",
            text(&after, &["email"])
        ),
        a::PRACTICE_CREATE => format!("{who} added the practice {record}."),
        a::PRACTICE_UPDATE => format!("{who} changed the practice {record}."),
        a::PRACTICE_ARCHIVE => format!(
            "{who} archived the practice {record}{}.",
            because(text(&after, &["why"]))
        ),
        a::PRACTICE_RESTORE => format!("{who} restored the practice {record}."),
        a::PRACTICE_YEAR_SET => format!("{who} set how {record} takes part in {}.", after["year"]),
        a::CLINICIAN_ADD => format!("{who} added {record}{}.", of_practice(&e.entity_id)),
        a::CLINICIAN_UPDATE => format!("{who} corrected {record}{}.", of_practice(&e.entity_id)),
        a::CLINICIAN_ARCHIVE => format!(
            "{who} archived {record}{}{}.",
            of_practice(&e.entity_id),
            because(text(&after, &["why"]))
        ),
        a::CLINICIAN_RESTORE => format!("{who} restored {record}{}.", of_practice(&e.entity_id)),
        a::CLINICIAN_STATUS => {
            let status = hardship_rules::SpecialStatus::parse(text(&after, &["status"]))
                .map_or_else(
                    |_| text(&after, &["status"]).to_owned(),
                    |s| s.label().to_owned(),
                );
            format!(
                "{who} recorded that {record} {} {status} in {} ({}).",
                if after["value"].as_bool() == Some(false) {
                    "is not"
                } else {
                    "is"
                },
                after["year"],
                text(&after, &["origin"])
            )
        }
        a::APPLICATION_CREATE => {
            format!("{who} started the {record}{}.", of_practice(&e.entity_id))
        }
        a::APPLICATION_EDIT => format!("{who} edited the {record}{}.", of_practice(&e.entity_id)),
        a::APPLICATION_ATTEST => format!(
            "{} ({who}) signed the attestation of the {record} on {}, packet SHA-256 {}.",
            text(&after, &["typed_name"]),
            text(&after, &["signed_on"]),
            text(&after, &["packet_sha256"])
        ),
        "application.ready" => format!("{who} marked the {record} ready to send."),
        "application.draft" => format!("{who} took the {record} back to draft."),
        "application.submit" => format!(
            "{who} recorded that the {record} was sent by {} (reference {}).",
            text(&after, &["channel"]),
            text(&after, &["reference"])
        ),
        "application.approve" | "application.deny" => {
            let email = after["email"].as_str();
            let seen = match (email, after["seen"]["channel"].as_str()) {
                (Some(d), _) => format!(", with its e-mail ({})", names.name(d)),
                (None, Some(ch)) => format!(
                    ", seen in the {} (reference {}) — the e-mail is not on file",
                    if ch == "phone" {
                        "phone call"
                    } else {
                        "QPP portal"
                    },
                    text(&after, &["seen", "reference"])
                ),
                (None, None) => ", without its e-mail".to_owned(),
            };
            format!(
                "{who} recorded that CMS {} the {record} on {}{seen}.",
                if e.action == "application.approve" {
                    "approved"
                } else {
                    "denied"
                },
                text(&after, &["decided_on"])
            )
        }
        "application.withdraw" => format!("{who} withdrew the {record}."),
        "application.void" => format!(
            "{who} recorded that PI data was submitted, which voids the {record}{}.",
            because(text(&after, &["note"]))
        ),
        "application.link_email" => format!(
            "{who} linked CMS's decision e-mail ({}) to the {record}.",
            after["email"]
                .as_str()
                .map_or_else(String::new, |d| names.name(d))
        ),
        a::DECISION_RECORD => {
            let whom = after["clinician"]
                .as_str()
                .map_or_else(|| "the group".to_owned(), |c| names.name(c));
            let practice = names.name(text(&after, &["practice"]));
            format!(
                "{who} filed the decision for {whom} of {practice} in {}: PI {} ({}).",
                after["year"],
                if after["reweighted"].as_bool() == Some(true) {
                    "reweighted to 0%"
                } else {
                    "not reweighted"
                },
                text(&after, &["basis"])
            )
        }
        a::DOCUMENT_UPLOAD => format!(
            "{who} uploaded {}{}.",
            names.name(&e.entity_id),
            of_practice(&e.entity_id)
        ),
        a::DOCUMENT_EDIT => format!("{who} corrected what {record} is."),
        a::DOCUMENT_DELETE_REFUSED => format!(
            "{who} tried to delete {record}; refused{}.",
            because(text(&after, &["reason"]))
        ),
        a::DOCUMENT_INTEGRITY_FAILED => format!(
            "{record} failed its integrity check when {who} opened it{}.",
            because(text(&after, &["problem"]))
        ),
        a::DOCUMENT_READ => format!("{who} opened {record} ({}).", text(&after, &["how"])),
        a::EXPORT => format!(
            "{who} exported the {} of {}.",
            text(&after, &["what"]),
            if e.entity == "organization" {
                "the organization".to_owned()
            } else {
                record
            }
        ),
        a::GUARD_CHECK => format!(
            "{who} checked the submission file {} for {record}, {}: {}.",
            text(&after, &["file"]),
            after["year"],
            if after["blocked"].as_bool() == Some(true) {
                "blocked, it would void the reweighting"
            } else {
                "nothing in it voids the reweighting"
            }
        ),
        a::ELIGIBILITY_FETCH => {
            let n = |k: &str| after[k].as_u64().unwrap_or(0);
            let len = |k: &str| after[k].as_array().map_or(0, Vec::len);
            format!(
                "{who} asked CMS's QPP Eligibility API ({}, {}) about {} NPI(s) of {} for {}: {} recorded, {} not known to CMS, {} not matched, {} not fetched, {} skipped as fresh{}.",
                text(&after, &["endpoint"]),
                text(&after, &["api_version"]),
                n("npis"),
                if e.entity == "organization" {
                    "the organization".to_owned()
                } else {
                    record
                },
                after["year"],
                n("fetched"),
                len("not_found"),
                len("unmatched"),
                len("failed"),
                n("skipped_fresh"),
                match n("deferred") {
                    0 => String::new(),
                    d => format!(", {d} not reached"),
                }
            )
        }
        a::ELIGIBILITY_ANSWER => format!(
            "{who} recorded CMS's answer for NPI {} of {record} for {}: {}, retrieved {} from {} ({}).",
            text(&after, &["npi"]),
            after["year"],
            if text(&after, &["outcome"]) == "found" {
                format!("found at {}", text(&after, &["detail", "organization"]))
            } else {
                format!(
                    "not known to CMS ({} {})",
                    after["detail"]["http_status"],
                    text(&after, &["detail", "error"])
                )
            },
            text(&after, &["retrieved_at"]),
            text(&after, &["url"]),
            text(&after, &["api_version"])
        ),
        a::TARGETED_REVIEW_OPEN if after["origin"] == "hand" => format!(
            "{who} opened a targeted-review case by hand for TIN {}{}, {}.",
            text(&after, &["tin"]),
            after["npi"]
                .as_str()
                .map(|n| format!(" NPI {n}"))
                .unwrap_or_default(),
            after["year"]
        ),
        a::TARGETED_REVIEW_EDIT => format!(
            "{who} edited the targeted-review request for PY {}{}.",
            after["year"],
            of_payload()
        ),
        a::TARGETED_REVIEW_SUBMIT => format!(
            "{who} recorded the targeted-review request for PY {}{} sent to CMS on {}, reference {}{}.",
            after["year"],
            of_payload(),
            text(&after, &["submitted_on"]),
            text(&after, &["cms_reference"]),
            after["submit_warning"]
                .as_str()
                .map(|w| format!(" (warned: {w})"))
                .unwrap_or_default()
        ),
        a::TARGETED_REVIEW_DECIDE => format!(
            "{who} recorded CMS's final decision on the targeted review for PY {}{}: {} on {}.",
            after["year"],
            of_payload(),
            text(&after, &["outcome"]),
            text(&after, &["decided_on"])
        ),
        a::DVA_OPEN => format!(
            "{who} recorded a data validation and audit notice of {} for PY {}; the data are due {}.",
            text(&after, &["notice_date"]),
            after["year"],
            text(&after, &["due"])
        ),
        a::DVA_ITEM_ADD => format!(
            "{who} added to the PY {} audit checklist: item {}, {}.",
            after["year"],
            after["item"],
            text(&after, &["text"])
        ),
        a::DVA_ITEM_CHECK => format!(
            "{who} {} item {} of the PY {} audit checklist ({}).",
            if after["done"] == true {
                "checked off"
            } else {
                "reopened"
            },
            after["item"],
            after["year"],
            text(&after, &["text"])
        ),
        a::TARGETED_REVIEW_OPEN => format!(
            "{who} opened a targeted-review candidate for TIN {}{}, {} ({}), from CMS's final feedback.",
            text(&after, &["tin"]),
            after["npi"]
                .as_str()
                .map(|n| format!(" NPI {n}"))
                .unwrap_or_default(),
            after["year"],
            after["codes"]
                .as_array()
                .map(|c| c
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        other => format!("{who}: {other} on {} {record}.", e.entity),
    }
}

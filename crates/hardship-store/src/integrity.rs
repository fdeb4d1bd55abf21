//! Do the records agree with the audit log? The hash chain proves the log was not edited; this proves
//! the records were not edited behind the log's back. Someone with write access to the database could
//! otherwise point a document record at another document's object, set an application back from
//! `voided_by_pi_submission` to `approved`, or delete a tenant's whole log (an empty chain verifies).
//!
//! The log already holds what is needed: every upload's event carries the document's SHA-256 and size,
//! and every change of an application's state is an event whose `after` names the new state. So:
//! - a tenant with records has events;
//! - each document has its upload event, and its recorded SHA-256 and size are the event's;
//! - each application's current state is the state its last event left it in (creation and edits leave
//!   it in `draft`, unless the event says otherwise).
//!
//! Whether an object in the vault belongs to its record (tenant and document id in its authenticated
//! header) is the vault's check; callers run both.

use crate::audit::{AuditEvent, actions};
use crate::hex;
use crate::model::{Application, Document};
use std::collections::HashMap;

/// One disagreement between the records and the log, in words.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct Finding {
    /// `document <id>`, `application <id>`, `organization`.
    pub subject: String,
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.subject, self.problem)
    }
}

/// Everything of one tenant the check reads.
pub struct Records<'a> {
    /// How many practices the tenant has (records that must have left events).
    pub practices: usize,
    pub documents: &'a [Document],
    pub applications: &'a [Application],
    pub events: &'a [AuditEvent],
}

/// Every disagreement, in a stable order (documents, then applications).
pub fn check(r: &Records<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let records = r.practices + r.documents.len() + r.applications.len();
    if r.events.is_empty() && records > 0 {
        out.push(Finding {
            subject: "organization".into(),
            problem: format!("{records} record(s) but no audit event at all: the log was deleted"),
        });
        return out;
    }
    let mut uploads: HashMap<&str, &AuditEvent> = HashMap::new();
    let mut last_state: HashMap<&str, &AuditEvent> = HashMap::new();
    for e in r.events {
        match e.entity.as_str() {
            "document" if e.action == actions::DOCUMENT_UPLOAD => {
                uploads.insert(e.entity_id.as_str(), e);
            }
            // Observations (an export of the application's packet) change no state.
            "application" if !actions::OBSERVATIONS.contains(&e.action.as_str()) => {
                last_state.insert(e.entity_id.as_str(), e);
            }
            _ => {}
        }
    }
    for d in r.documents {
        out.extend(document(d, uploads.get(d.id.to_string().as_str()).copied()));
    }
    for a in r.applications {
        out.extend(application(
            a,
            last_state.get(a.id.to_string().as_str()).copied(),
        ));
    }
    out
}

/// A document against its upload event.
pub fn document(d: &Document, upload: Option<&AuditEvent>) -> Option<Finding> {
    let subject = format!("document {} ({})", d.id, d.filename);
    let Some(e) = upload else {
        return Some(Finding {
            subject,
            problem: "no upload event in the audit log".into(),
        });
    };
    let after = json_of(e);
    let sha = after.get("sha256").and_then(|v| v.as_str()).unwrap_or("");
    let size = after.get("size").and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let recorded = hex(&d.sha256);
    if sha != recorded {
        return Some(Finding {
            subject,
            problem: format!(
                "the record's SHA-256 is {recorded}, the upload event (#{}) says {sha}",
                e.seq
            ),
        });
    }
    if size != Some(d.size) {
        return Some(Finding {
            subject,
            problem: format!(
                "the record's size is {} bytes, the upload event (#{}) says {}",
                d.size,
                e.seq,
                size.map_or_else(|| "nothing".to_owned(), |s| s.to_string())
            ),
        });
    }
    None
}

/// An application against the last event that changed it.
pub fn application(a: &Application, last: Option<&AuditEvent>) -> Option<Finding> {
    let subject = format!("application {}", a.id);
    let Some(e) = last else {
        return Some(Finding {
            subject,
            problem: "no event in the audit log".into(),
        });
    };
    let after = json_of(e);
    let expected = after
        .get("state")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| {
            // Creation and edits leave an application in draft.
            (e.action == actions::APPLICATION_CREATE || e.action == actions::APPLICATION_EDIT)
                .then(|| "draft".to_owned())
        });
    match expected {
        Some(s) if s == a.state.name() => None,
        Some(s) => Some(Finding {
            subject,
            problem: format!(
                "its state is {}, but its last event (#{}, {}) left it {s}",
                a.state.name(),
                e.seq,
                e.action
            ),
        }),
        None => Some(Finding {
            subject,
            problem: format!(
                "its last event (#{}, {}) does not say which state it left",
                e.seq, e.action
            ),
        }),
    }
}

fn json_of(e: &AuditEvent) -> serde_json::Map<String, serde_json::Value> {
    e.after
        .as_deref()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default()
}

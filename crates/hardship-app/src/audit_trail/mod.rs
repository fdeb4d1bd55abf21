//! The audit trail as people read it: each event as a sentence with the names of the records it touched
//! (practices, clinicians, applications, documents, people), its field-level changes (before → after),
//! filters by practice, person, action and dates, and a CSV export. The hash chain underneath is
//! unchanged: every entry carries its event's hash and the previous one, and verification reads the raw
//! events.

/// Field-level changes between an event's payloads.
pub mod fields;
/// What each id is called.
pub mod names;
/// Each event as a sentence.
pub mod sentences;

pub use fields::FieldChange;
pub use names::{Names, Records};
pub use sentences::{ACTIONS, action_label};

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_store::{AuditEvent, PracticeId};
use serde::{Deserialize, Serialize};

/// One event of the audit trail, readable and verifiable.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who acted: an e-mail address, `api token <name>`, `cli` or `system`.
    pub actor: String,
    /// The action's code (`practice.archive`) and, in `what`, its label ("practice archived").
    pub action: String,
    pub what: String,
    pub entity: String,
    pub entity_id: String,
    /// The record's name ("Łukasz Wróbel (NPI 1245319599)").
    pub record: String,
    /// The practice the record belongs to, when it belongs to one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub practice: Option<PracticeId>,
    /// The event in words.
    pub sentence: String,
    /// The fields it changed, before → after.
    pub changes: Vec<FieldChange>,
    /// Whether it only records that someone looked (a download, an export, a submission check).
    pub observation: bool,
    /// The raw payloads, as hashed.
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Which events to show. Every field narrows; none shows all.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditFilter {
    /// One record's events (an application, practice, clinician or document id).
    pub entity: Option<String>,
    /// The events of one practice: its own, its clinicians', applications', documents' and decisions'.
    pub practice: Option<PracticeId>,
    /// Who acted: a user id, or the actor as recorded (an e-mail address, `cli`, `system`), any case.
    pub person: Option<String>,
    /// An action code (`practice.archive`) or its family (`practice`, `application`, `document`).
    pub action: Option<String>,
    /// From this day (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// Up to this day (UTC), inclusive.
    pub to: Option<NaiveDate>,
}

impl AuditFilter {
    /// Whether an entry passes every condition set.
    pub fn admits(&self, raw: &AuditEvent, e: &AuditEntry) -> bool {
        let day = e.at.date_naive();
        self.entity.as_ref().is_none_or(|x| *x == e.entity_id)
            && self.practice.is_none_or(|x| e.practice == Some(x))
            && self.person.as_ref().is_none_or(|x| {
                raw.actor_user.as_deref() == Some(x.trim())
                    || e.actor.eq_ignore_ascii_case(x.trim())
            })
            && self.action.as_ref().is_none_or(|x| {
                e.action == *x
                    || e.action
                        .strip_prefix(x.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            })
            && self.from.is_none_or(|x| day >= x)
            && self.to.is_none_or(|x| day <= x)
    }

    /// Whether no condition is set.
    pub fn is_empty(&self) -> bool {
        self.entity.is_none()
            && self.practice.is_none()
            && self.person.is_none()
            && self.action.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }
}

/// The practice an event belongs to: the practice itself, the practice of the record it touched, or the
/// one its payload names (a filed decision). Events of the organization (members, tokens) have none.
pub fn event_practice(e: &AuditEvent, names: &Names) -> Option<PracticeId> {
    if e.entity == "practice" {
        uuid::Uuid::parse_str(&e.entity_id).ok().map(PracticeId)
    } else if e.entity == "membership" || e.entity == "invite" || e.entity == "api_token" {
        // A client invitation names practices, but it is the organization's business.
        None
    } else {
        names.practice_of(&e.entity_id).or_else(|| {
            // A filed decision names its practice in its payload.
            e.after
                .as_deref()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .and_then(|v| {
                    v["practice"]
                        .as_str()
                        .and_then(|p| uuid::Uuid::parse_str(p).ok())
                })
                .map(PracticeId)
        })
    }
}

/// An event read with names: the sentence, the changes, the practice it belongs to.
pub fn describe(e: &AuditEvent, names: &Names) -> AuditEntry {
    let practice = event_practice(e, names);
    let observation = hardship_store::audit::actions::OBSERVATIONS.contains(&e.action.as_str());
    // Transitions carry the new state whole; the sentence says what changed, not a field list.
    // A transition carries the new state whole and an observation changes nothing: the sentence says
    // what happened, not a field list.
    let transition = e.action.starts_with("application.") && e.action != "application.edit";
    let changes = if transition || observation {
        Vec::new()
    } else {
        fields::changes(e.before.as_deref(), e.after.as_deref(), names)
    };
    AuditEntry {
        seq: e.seq,
        at: e.at,
        actor: e.actor_label.clone(),
        action: e.action.clone(),
        what: action_label(&e.action).to_owned(),
        entity: e.entity.clone(),
        entity_id: e.entity_id.clone(),
        record: names.name(&e.entity_id),
        practice,
        sentence: capitalised(sentences::sentence(e, names)),
        changes,
        observation,
        before: e.before.clone(),
        after: e.after.clone(),
        prev_hash: hex::encode(e.prev_hash),
        hash: hex::encode(e.hash),
    }
}

/// A sentence that opens with a record ("the file …") starts with a capital; one that opens with an
/// e-mail address keeps it as recorded.
fn capitalised(s: String) -> String {
    match s.strip_prefix("the ") {
        Some(rest) => format!("The {rest}"),
        None => s,
    }
}

/// The names of every record the principal sees in its tenant, archived ones included.
pub async fn names(app: &App, p: &Principal) -> Result<Names, AppError> {
    let store = app.store_for(p);
    let org = store.get_organization(p.tenant).await?;
    let practices = store.list_practices(p.tenant).await?;
    let clinicians = store.list_tenant_clinicians(p.tenant).await?;
    let applications = store.list_applications(p.tenant, None).await?;
    let documents = store.list_documents(p.tenant, None).await?;
    let members = store.members(p.tenant).await?;
    let tokens = store.list_api_tokens(p.tenant).await?;
    let org_id = org.id.to_string();
    Ok(Names::new(Records {
        organization: (&org_id, &org.name),
        practices: &practices,
        clinicians: &clinicians,
        applications: &applications,
        documents: &documents,
        members: &members,
        tokens: &tokens,
    }))
}

/// The tenant's events that pass the filter, oldest first, read with names.
pub async fn trail(
    app: &App,
    p: &Principal,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntry>, AppError> {
    let events = app
        .store_for(p)
        .audit_events(p.tenant, filter.entity.as_deref())
        .await?;
    let names = names(app, p).await?;
    Ok(read(&events, &names, filter))
}

/// Events read with names, those the filter admits.
pub fn read(events: &[AuditEvent], names: &Names, filter: &AuditFilter) -> Vec<AuditEntry> {
    events
        .iter()
        .filter_map(|raw| {
            let e = describe(raw, names);
            filter.admits(raw, &e).then_some(e)
        })
        .collect()
}

/// The entries as CSV, the export recorded in the audit log (with the filter it was made with).
pub async fn export_csv(
    app: &App,
    p: &Principal,
    filter: &AuditFilter,
    entries: &[AuditEntry],
) -> Result<Vec<u8>, AppError> {
    let bytes = csv(entries)?;
    crate::report::export::record_export(
        app,
        p,
        "audit trail",
        "organization",
        p.tenant,
        serde_json::json!({
            "events": entries.len(),
            "practice": filter.practice.map(|x| x.to_string()),
            "person": filter.person,
            "action": filter.action,
            "from": filter.from.map(|d| d.to_string()),
            "to": filter.to.map(|d| d.to_string()),
            "entity": filter.entity,
        }),
    )
    .await?;
    Ok(bytes)
}

/// The entries as CSV for a spreadsheet: one row per event, its changes as "field: before → after"
/// lines, names neutralised so a spreadsheet never runs them, and the hashes to check against.
pub fn csv(entries: &[AuditEntry]) -> Result<Vec<u8>, AppError> {
    use hardship_formats::spreadsheet::{BOM, cell};
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    let fail = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "seq",
        "at_utc",
        "who",
        "what",
        "record",
        "sentence",
        "changes",
        "action",
        "entity_id",
        "hash",
    ])
    .map_err(fail)?;
    for e in entries {
        let changes = e
            .changes
            .iter()
            .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
            .collect::<Vec<_>>()
            .join("\n");
        w.write_record([
            e.seq.to_string().as_str(),
            &e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            cell(&e.actor).as_ref(),
            &e.what,
            cell(&e.record).as_ref(),
            cell(&e.sentence).as_ref(),
            cell(&changes).as_ref(),
            &e.action,
            &e.entity_id,
            &e.hash,
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests;

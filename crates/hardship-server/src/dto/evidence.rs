//! Documents and audit events as the API shows them.

use super::*;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the events of this entity (an application, practice, clinician or document id).
    pub entity: Option<String>,
    /// Only the events of this practice: its own and its clinicians', applications', documents' and
    /// decisions'.
    pub practice: Option<String>,
    /// Only what this person did: a user id, or the actor as recorded (an e-mail address, `cli`,
    /// `system`), in any case.
    pub person: Option<String>,
    /// Only this action (`practice.archive`) or family of actions (`practice`, `application`, `document`).
    pub action: Option<String>,
    /// From this day (UTC, YYYY-MM-DD), inclusive.
    pub from: Option<String>,
    /// Up to this day (UTC, YYYY-MM-DD), inclusive.
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A query value that was given and is not blank, trimmed.
fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl AuditQuery {
    /// The filter, every field checked: a bad id or date is named with its value.
    pub fn filter(&self) -> Result<hardship_app::audit_trail::AuditFilter, ApiError> {
        let from = set(&self.from).map(|t| parse_date("from", t)).transpose()?;
        let to = set(&self.to).map(|t| parse_date("to", t)).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::BadRequest(format!(
                "invalid date range: from {f} is after to {t}"
            )));
        }
        let action = set(&self.action).map(str::to_owned);
        if let Some(a) = &action
            && !hardship_app::audit_trail::ACTIONS
                .iter()
                .any(|(code, _)| code == a || code.starts_with(&format!("{a}.")))
        {
            return Err(ApiError::BadRequest(format!(
                "invalid action {:?}: an action such as practice.archive, or a family such as practice, application, document",
                a.chars().take(60).collect::<String>()
            )));
        }
        Ok(hardship_app::audit_trail::AuditFilter {
            entity: set(&self.entity).map(str::to_owned),
            practice: set(&self.practice)
                .map(|t| {
                    uuid::Uuid::parse_str(t).map(PracticeId).map_err(|_| {
                        ApiError::BadRequest(format!(
                            "invalid practice {:?}: a practice id (a UUID)",
                            t.chars().take(60).collect::<String>()
                        ))
                    })
                })
                .transpose()?,
            person: set(&self.person).map(str::to_owned),
            action,
            from,
            to,
        })
    }
}

/// What a stored document is: its kind, a note, the document that replaces it. Its bytes never change.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentEditInput {
    /// One of the kinds of evidence (`cms_decision_email`, `barrier_documentation`, …).
    pub kind: String,
    #[serde(default)]
    pub note: String,
    /// The document that supersedes this one (of the same practice).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub superseded_by: Option<DocumentId>,
}

impl DocumentEditInput {
    pub fn into_edit(self) -> DocumentEdit {
        DocumentEdit {
            kind: self.kind,
            note: self.note,
            superseded_by: self.superseded_by,
        }
    }
}

//! Documents and audit events as the API shows them.

use super::*;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the events of this entity (an application, practice, clinician or document id).
    pub entity: Option<String>,
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

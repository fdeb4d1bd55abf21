//! Documents and audit events as the API shows them.

use super::*;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the events of this entity (an application, practice, clinician or document id).
    pub entity: Option<String>,
}

//! Store errors. Each says what went wrong in words a user can act on; backends map their driver errors
//! into these and never leak SQL text to callers.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// Nothing with that id in this tenant (also what another tenant's id yields).
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// A unique value is taken, e.g. an NPI already on the practice's roster.
    #[error("{field} {value} already exists{context}")]
    Duplicate {
        field: &'static str,
        value: String,
        context: String,
    },
    /// Someone else changed the record since it was read (optimistic concurrency).
    #[error(
        "{entity} {id} was changed by someone else (version {expected} is no longer current); reload and try again"
    )]
    Conflict {
        entity: &'static str,
        id: String,
        expected: i64,
    },
    /// The value is not acceptable (a bad date range, a missing field for a transition).
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The application state machine refuses this step.
    #[error("cannot {action} an application that is {state}{reason}")]
    IllegalTransition {
        action: &'static str,
        state: &'static str,
        reason: String,
    },
    /// A step the records' present state does not allow (outside an application's life): removing the
    /// last owner, signing a packet that is already signed.
    #[error("{0}")]
    Refused(String),
    /// The caller's role does not allow the change.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The database is unreachable or failed; details are logged, not shown.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("internal storage error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

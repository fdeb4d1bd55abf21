//! The one error type of the use cases. It knows no HTTP: the server maps each kind to a status code, the
//! command line to an exit code. Messages name the field and the value for bad input, and hold nothing
//! internal for a fault (the details go to the log).

use hardship_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input cannot be read at all (a malformed file, a request that does not parse).
    #[error("{0}")]
    Malformed(String),
    /// A value breaks a rule: `field` names it, the message says what is wrong with the value.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// The caller's role or credential does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A stale version, a duplicate, or a step the state machine refuses.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; wait this many seconds.
    #[error("{message}")]
    TooMany { message: String, retry_after: u64 },
    /// Larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// A kind of content the use case does not take.
    #[error("{0}")]
    Unsupported(String),
    /// The database or the vault cannot be reached; try again.
    #[error("storage unavailable")]
    Unavailable(String),
    /// The evidence vault has no room left.
    #[error("{0}")]
    StorageFull(String),
    /// Stored evidence failed its integrity check: a fault, but one the user must be told about by name.
    #[error("{0}")]
    Integrity(String),
    #[error("internal error")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A stable code for machines: `malformed`, `invalid`, `not_found`, …
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Malformed(_) => "malformed",
            AppError::Invalid { .. } => "invalid",
            AppError::NotFound(_) => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::TooMany { .. } => "too_many",
            AppError::TooLarge(_) => "too_large",
            AppError::Unsupported(_) => "unsupported",
            AppError::Unavailable(_) => "unavailable",
            AppError::StorageFull(_) => "storage_full",
            AppError::Integrity(_) => "integrity",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::Duplicate { .. }
            | StoreError::Conflict { .. }
            | StoreError::IllegalTransition { .. }
            | StoreError::Refused(_) => AppError::Conflict(e.to_string()),
            StoreError::Invalid { field, .. } => AppError::Invalid {
                field: field.to_owned(),
                message: e.to_string(),
            },
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<hardship_rules::InvalidValue> for AppError {
    fn from(e: hardship_rules::InvalidValue) -> Self {
        AppError::Malformed(e.to_string())
    }
}

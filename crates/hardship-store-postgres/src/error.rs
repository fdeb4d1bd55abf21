//! Turning sqlx errors into [`StoreError`]s: the details go to the log, the caller gets words it can act
//! on and never SQL text, connection strings or passwords.

use hardship_store::StoreError;
use sqlx::error::ErrorKind;

/// SQLSTATE classes and codes that mean "the server is not there or not taking work".
fn is_unavailable_code(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || code.starts_with("53") // insufficient resources (too many connections, disk full)
        || code.starts_with("57P") // admin shutdown, crash shutdown, cannot connect now
}

/// Maps any sqlx error; unique violations the caller expects are handled with [`unique_violation`] first.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => {
            tracing::warn!(error = %e, "PostgreSQL unavailable");
            StoreError::Unavailable("the PostgreSQL server cannot be reached".into())
        }
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            if is_unavailable_code(&code) {
                tracing::warn!(error = %e, code, "PostgreSQL unavailable");
                StoreError::Unavailable(format!(
                    "the PostgreSQL server refused the work (SQLSTATE {code})"
                ))
            } else {
                tracing::error!(error = %e, code, constraint = d.constraint(), "PostgreSQL error");
                StoreError::Internal(format!(
                    "the database refused an operation (SQLSTATE {code})"
                ))
            }
        }
        _ => {
            tracing::error!(error = %e, "PostgreSQL driver error");
            StoreError::Internal("a database operation failed".into())
        }
    }
}

/// The name of the unique constraint this error violated, if it is a unique violation.
pub(crate) fn unique_violation(e: &sqlx::Error) -> Option<&str> {
    match e {
        sqlx::Error::Database(d) if d.kind() == ErrorKind::UniqueViolation => {
            Some(d.constraint().unwrap_or(""))
        }
        _ => None,
    }
}

/// A unique violation of `constraint` becomes `Duplicate`; anything else is mapped by [`db`].
pub(crate) fn duplicate_or_db(
    e: sqlx::Error,
    constraint: &str,
    field: &'static str,
    value: &str,
    context: &str,
) -> StoreError {
    if unique_violation(&e) == Some(constraint) {
        StoreError::Duplicate {
            field,
            value: value.to_owned(),
            context: context.to_owned(),
        }
    } else {
        db(e)
    }
}

/// A stored value that cannot be read back as a domain value (a damaged row).
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    tracing::error!(what, %detail, "unreadable row");
    StoreError::Internal(format!("a stored {what} cannot be read"))
}

//! The command line's one error type: what went wrong, how it is told (`hardship: …` on standard error),
//! and the exit code it means.
//!
//! Exit codes: 2 bad input (a flag, a file, a value; anything the use cases refuse — malformed, invalid,
//! not found, forbidden, conflict, too many, too large, unsupported), 1 a fault (the store or vault
//! unavailable or failing, a full vault, evidence failing its integrity check, an internal error),
//! 3 a verification found tampering or loss, 4 the guard refuses a submission file, 5 a fetch from CMS
//! left some NPIs unfetched (the others are recorded; running it again fetches the rest).

use hardship_app::AppError;
use hardship_cli::batch::BatchError;
use hardship_store::StoreError;
use std::fmt;
use std::path::PathBuf;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Bad input, in the command's own words (exit 2).
    BadInput(String),
    /// A file could not be read or written (exit 2).
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A use case refused (exit 2) or failed (exit 1).
    App(AppError),
    /// The store refused a value or found nothing (exit 2), or failed (exit 1).
    Store(StoreError),
    /// The batch pipeline stopped: bad input (exit 2) or a fault (exit 1).
    Batch(BatchError),
    /// A fault of the program or the machine (exit 1).
    Internal(String),
    /// A verification found tampering or loss (exit 3).
    Verification(String),
    /// The guard refuses a submission file (exit 4).
    Blocked(String),
    /// A fetch from CMS left some NPIs unfetched (exit 5).
    Incomplete(String),
}

/// What a command returns.
pub type Outcome = Result<(), CliError>;

impl CliError {
    /// Bad input described by the message.
    pub fn bad(message: impl Into<String>) -> CliError {
        CliError::BadInput(message.into())
    }

    /// A file that could not be read or written.
    pub fn file(path: impl Into<PathBuf>, source: std::io::Error) -> CliError {
        CliError::File {
            path: path.into(),
            source,
        }
    }

    /// The process's exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) | CliError::File { .. } => 2,
            CliError::App(e) => {
                if app_error_is_bad_input(e) {
                    2
                } else {
                    1
                }
            }
            CliError::Store(e) => {
                if store_error_is_bad_input(e) {
                    2
                } else {
                    1
                }
            }
            CliError::Batch(e) => {
                if e.exit_code() == 2 {
                    2
                } else {
                    1
                }
            }
            CliError::Internal(_) => 1,
            CliError::Verification(_) => 3,
            CliError::Blocked(_) => 4,
            CliError::Incomplete(_) => 5,
        }
    }
}

/// Whether the use case refused what the caller asked (exit 2) rather than failed (exit 1): the kinds
/// the API answers with a 4xx.
fn app_error_is_bad_input(e: &AppError) -> bool {
    match e {
        AppError::Malformed(_)
        | AppError::Invalid { .. }
        | AppError::NotFound(_)
        | AppError::Forbidden(_)
        | AppError::Conflict(_)
        | AppError::TooMany { .. }
        | AppError::TooLarge(_)
        | AppError::Unsupported(_) => true,
        AppError::Unavailable(_)
        | AppError::StorageFull(_)
        | AppError::Integrity(_)
        | AppError::Internal(_) => false,
    }
}

/// Whether the store refused a value or found nothing (exit 2) rather than failed (exit 1).
fn store_error_is_bad_input(e: &StoreError) -> bool {
    matches!(e, StoreError::Invalid { .. } | StoreError::NotFound { .. })
}

/// The text after `hardship: `: the problem itself for bad input, prefixed by what kind of failure it is
/// otherwise.
impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(m) => f.write_str(m),
            CliError::File { path, source } => write!(f, "{}: {source}", path.display()),
            CliError::App(e) if app_error_is_bad_input(e) => write!(f, "{e}"),
            // As the API says it: the details of an outage or a fault stay out of the message.
            CliError::App(AppError::Unavailable(_)) => f.write_str(
                "internal error: the service is temporarily unavailable; try again shortly",
            ),
            CliError::App(AppError::Internal(_)) => {
                f.write_str("internal error: something went wrong on our side; it has been logged")
            }
            CliError::App(e) => write!(f, "internal error: {e}"),
            CliError::Store(e) if store_error_is_bad_input(e) => write!(f, "{e}"),
            CliError::Store(e) => write!(f, "internal error: {e}"),
            CliError::Batch(e) => {
                let more = match e {
                    BatchError::BadRow { more, .. } if *more > 0 => format!(
                        " ({more} more bad rows; --skip-bad-rows writes them all to an errors file)"
                    ),
                    _ => String::new(),
                };
                if e.exit_code() == 2 {
                    write!(f, "{e}{more}")
                } else {
                    write!(f, "internal error: {e}{more}")
                }
            }
            CliError::Internal(m) => write!(f, "internal error: {m}"),
            CliError::Verification(m) => write!(f, "verification failed: {m}"),
            CliError::Blocked(m) => write!(f, "BLOCKED: {m}"),
            CliError::Incomplete(m) => write!(f, "incomplete: {m}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::Store(e)
    }
}

impl From<BatchError> for CliError {
    fn from(e: BatchError) -> Self {
        CliError::Batch(e)
    }
}

/// Printing JSON can only fail on a bug (a map with non-string keys): a fault.
impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_case_refusals_are_bad_input_and_faults_are_not() {
        for (e, code) in [
            (AppError::Malformed("m".into()), 2),
            (AppError::invalid("f", "m"), 2),
            (AppError::NotFound("m".into()), 2),
            (AppError::Forbidden("m".into()), 2),
            (AppError::Conflict("m".into()), 2),
            (
                AppError::TooMany {
                    message: "m".into(),
                    retry_after: 1,
                },
                2,
            ),
            (AppError::TooLarge("m".into()), 2),
            (AppError::Unsupported("m".into()), 2),
            (AppError::Unavailable("db down".into()), 1),
            (AppError::StorageFull("m".into()), 1),
            (AppError::Integrity("m".into()), 1),
            (AppError::Internal("secret detail".into()), 1),
        ] {
            let e = CliError::from(e);
            assert_eq!(e.exit_code(), code, "{e}");
        }
        let internal = CliError::from(AppError::Internal("secret detail".into())).to_string();
        assert!(!internal.contains("secret detail"), "{internal}");
        assert!(
            CliError::from(AppError::NotFound("application x not found".into()))
                .to_string()
                .starts_with("application x")
        );
    }

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(CliError::bad("x").exit_code(), 2);
        assert_eq!(
            CliError::file("f", std::io::Error::other("gone")).exit_code(),
            2
        );
        assert_eq!(CliError::Internal("x".into()).exit_code(), 1);
        assert_eq!(CliError::Verification("x".into()).exit_code(), 3);
        assert_eq!(CliError::Blocked("x".into()).exit_code(), 4);
        assert_eq!(
            CliError::from(StoreError::Unavailable("x".into())).exit_code(),
            1
        );
        assert_eq!(
            CliError::Verification("x".into()).to_string(),
            "verification failed: x"
        );
        assert_eq!(CliError::Blocked("x".into()).to_string(), "BLOCKED: x");
        assert_eq!(CliError::Incomplete("x".into()).exit_code(), 5);
    }
}

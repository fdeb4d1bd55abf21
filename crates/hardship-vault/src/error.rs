//! The one error type of the vault.

use chrono::NaiveDate;

/// Everything that can go wrong in the vault. Variants name the problem; none carries key material.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No object at this key.
    #[error("no evidence object at {key}")]
    NotFound { key: String },

    /// The key is already taken: evidence is written once and never overwritten.
    #[error("an evidence object already exists at {key}; objects are never overwritten")]
    AlreadyExists { key: String },

    /// The document is larger than the caller's limit; nothing was stored.
    #[error("document exceeds the limit of {limit} bytes; nothing was stored")]
    TooLarge { limit: u64 },

    /// Deletion refused: the object's authenticated header keeps it until this date.
    #[error("object is retention-locked until {until}")]
    RetentionLocked { until: NaiveDate },

    /// The object failed authentication: altered, truncated, reordered, moved to another tenant or
    /// document, read with the wrong master key, or its hash differs from the expected one.
    #[error("evidence object {key} failed verification: {detail}")]
    Tampered { key: String, detail: String },

    /// The key is not one the vault writes (`tenants/<tenant>/documents/<document>`) or names
    /// another tenant than the one asking.
    #[error("invalid evidence key {key:?}: {reason}")]
    InvalidKey { key: String, reason: String },

    /// The storage URL or path given to [`crate::Vault::open`] is unusable.
    #[error("invalid vault location {location:?}: {reason}")]
    InvalidLocation { location: String, reason: String },

    /// The object store failed (network, permissions, disk).
    #[error("object storage: {0}")]
    Storage(#[source] object_store::Error),

    /// The master key could not be loaded. The message names the file or variable, never the key.
    #[error("master key: {0}")]
    Key(String),

    /// Reading the document or writing the plaintext out failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl VaultError {
    pub(crate) fn tampered(key: &str, detail: impl Into<String>) -> Self {
        VaultError::Tampered {
            key: key.to_owned(),
            detail: detail.into(),
        }
    }

    /// Maps an object-store error, naming the key for the two cases callers act on.
    pub(crate) fn storage(key: &str, err: object_store::Error) -> Self {
        match err {
            object_store::Error::NotFound { .. } => VaultError::NotFound {
                key: key.to_owned(),
            },
            object_store::Error::AlreadyExists { .. } => VaultError::AlreadyExists {
                key: key.to_owned(),
            },
            other => VaultError::Storage(other),
        }
    }
}

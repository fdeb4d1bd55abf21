//! Where eligibility answers come from: a trait the use case asks one NPI at a time, so tests give it
//! a fake and the server and the command line give it CMS's API ([`super::qpp::QppClient`]).
//!
//! The source answers with what CMS said (its status and body) or why it said nothing usable; retrying,
//! pacing and recording are the use case's business.

use hardship_rules::{Npi, PerformanceYear};
use std::future::Future;
use std::time::Duration;

/// One answer CMS's documentation describes: 200 with a profile, 400 `InvalidFormatNpi` or 404
/// `NoProviderInformation`, each with its JSON body.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The request's URL.
    pub url: String,
    /// The API version asked for, or the one the answer's content type names.
    pub api_version: String,
    pub http_status: u16,
    pub body: Vec<u8>,
}

/// Why a request gave no answer to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// 429: CMS asks to slow down, after `retry_after` when it says (`Retry-After`).
    RateLimited { retry_after: Option<Duration> },
    /// A 5xx, a refused or dropped connection, a timeout, an answer cut off: worth another try.
    Transient(String),
    /// Anything another try will not change (an undocumented status, a body that is not CMS's).
    Permanent(String),
}

impl FetchError {
    /// In words, for the summary.
    pub fn describe(&self) -> String {
        match self {
            FetchError::RateLimited {
                retry_after: Some(d),
            } => format!(
                "CMS answered 429 Too Many Requests (Retry-After {} s)",
                d.as_secs()
            ),
            FetchError::RateLimited { retry_after: None } => {
                "CMS answered 429 Too Many Requests".into()
            }
            FetchError::Transient(m) | FetchError::Permanent(m) => m.clone(),
        }
    }
}

/// Asks CMS about one NPI in one performance year.
pub trait EligibilitySource: Send + Sync {
    /// The endpoint the answers come from, for the record (`https://qpp.cms.gov/api/eligibility/npi/{npi}`).
    fn endpoint(&self) -> String;
    /// The API version asked for (`v6`).
    fn api_version(&self) -> String;
    fn fetch(
        &self,
        npi: Npi,
        year: PerformanceYear,
    ) -> impl Future<Output = Result<Answer, FetchError>> + Send;
}

//! CMS's QPP Eligibility API over HTTPS (reqwest with rustls): `GET {base}/api/eligibility/npi/{npi}?year=`
//! with `Accept: application/vnd.qpp.cms.gov.v6+json`, unauthenticated (public answers mask TINs).
//!
//! One NPI per request: CMS's documentation (its Swagger page, transcribed in the
//! `durvester/QPP-analysis-with-NPIs` repository's `Qpp_API_documentation/`) describes only this
//! single-provider lookup. A comma-separated `/api/eligibility/npis/{npi,…}` variant appears in third-party
//! code (the `andrewallenbruce/provider` R package) but not in CMS's documentation, which states neither
//! its answer's shape nor a batch limit, so it is not used.

use super::source::{Answer, EligibilitySource, FetchError};
use hardship_rules::{Npi, PerformanceYear};
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use std::time::Duration;

/// Where CMS serves the API.
pub const DEFAULT_BASE_URL: &str = "https://qpp.cms.gov";
/// The newest version CMS documents (`v4` … `v6`); without it CMS answers with its default version.
pub const API_VERSION: &str = "v6";

/// The API at a base URL.
#[derive(Clone, Debug)]
pub struct QppClient {
    http: reqwest::Client,
    base: String,
}

impl QppClient {
    /// A client for `base_url` (`http` or `https`), giving up on a request after `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<QppClient, String> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| format!("invalid base URL {base_url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!(
                "invalid base URL {base_url:?}: expected http:// or https:// and a host"
            ));
        }
        hardship_vault::tls::use_ring();
        let http = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .user_agent(concat!("hardship/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(QppClient { http, base })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The request's URL for an NPI and year.
    pub fn url(&self, npi: Npi, year: PerformanceYear) -> String {
        format!(
            "{}/api/eligibility/npi/{npi}?year={}",
            self.base,
            year.get()
        )
    }
}

/// The innermost cause of a transport error: "connection refused", "operation timed out", ...
fn cause(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

fn transport(e: &reqwest::Error, during: &str) -> FetchError {
    if e.is_timeout() {
        FetchError::Transient(format!("no answer from CMS in time ({during})"))
    } else {
        FetchError::Transient(format!(
            "the connection to CMS failed {during}: {}",
            cause(e)
        ))
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// `application/vnd.qpp.cms.gov.v5+json` → `v5`.
fn version_of(content_type: &str) -> Option<String> {
    let rest = content_type.split("vnd.qpp.cms.gov.").nth(1)?;
    let v = rest.split('+').next()?;
    (v.starts_with('v') && v.len() > 1 && v[1..].chars().all(|c| c.is_ascii_digit()))
        .then(|| v.to_owned())
}

impl EligibilitySource for QppClient {
    fn endpoint(&self) -> String {
        format!("{}/api/eligibility/npi/{{npi}}", self.base)
    }

    fn api_version(&self) -> String {
        API_VERSION.into()
    }

    async fn fetch(&self, npi: Npi, year: PerformanceYear) -> Result<Answer, FetchError> {
        let url = self.url(npi, year);
        let resp = self
            .http
            .get(&url)
            .header(
                ACCEPT,
                format!("application/vnd.qpp.cms.gov.{API_VERSION}+json"),
            )
            .send()
            .await
            .map_err(|e| transport(&e, "before it answered"))?;
        let status = resp.status().as_u16();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let api_version = header(CONTENT_TYPE)
            .and_then(|c| version_of(&c))
            .unwrap_or_else(|| API_VERSION.into());
        match status {
            200 | 400 | 404 => {
                let body = resp
                    .bytes()
                    .await
                    .map_err(|e| transport(&e, "mid-answer"))?
                    .to_vec();
                // A connection closed mid-answer without a length leaves a body cut short: not JSON.
                if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
                    return Err(FetchError::Transient(format!(
                        "CMS's answer ({status}) was cut off or is not JSON"
                    )));
                }
                Ok(Answer {
                    url,
                    api_version,
                    http_status: status,
                    body,
                })
            }
            429 => Err(FetchError::RateLimited {
                retry_after: header(RETRY_AFTER).and_then(|v| retry_after(&v)),
            }),
            500..=599 => Err(FetchError::Transient(format!("CMS answered {status}"))),
            other => Err(FetchError::Permanent(format!(
                "CMS answered {other}, which its documentation does not describe for this endpoint"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn base_urls_are_checked_and_requests_named() {
        let c = QppClient::new("https://qpp.cms.gov/", Duration::from_secs(5)).unwrap();
        let npi = Npi::parse("1234567893").unwrap();
        let y = PerformanceYear::new(2026).unwrap();
        assert_eq!(
            c.url(npi, y),
            "https://qpp.cms.gov/api/eligibility/npi/1234567893?year=2026"
        );
        assert!(QppClient::new("ftp://qpp.cms.gov", Duration::from_secs(5)).is_err());
        assert!(QppClient::new("qpp.cms.gov", Duration::from_secs(5)).is_err());
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_and_versions_from_the_content_type() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(
            version_of("application/vnd.qpp.cms.gov.v5+json; charset=utf-8").as_deref(),
            Some("v5")
        );
        assert_eq!(version_of("application/json"), None);
    }
}

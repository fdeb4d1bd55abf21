//! Where the vault keeps its objects: a local directory (`file:///abs/path` or a plain path) or an
//! S3-compatible bucket (`s3://bucket/prefix?endpoint=..&region=..&allow_http=true`). Parsing is
//! kept apart from building the store so it can be tested without a server.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;

use crate::VaultError;

/// A parsed vault location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory on the local file system (created if missing).
    Local(PathBuf),
    /// An S3-compatible bucket; credentials come from `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`.
    S3 {
        bucket: String,
        /// Key prefix inside the bucket, without leading or trailing `/` (may be empty).
        prefix: String,
        /// Endpoint of an S3-compatible server (MinIO, moto, …); `None` means AWS.
        endpoint: Option<String>,
        /// Region; `us-east-1` when not given.
        region: String,
        /// Allow plain `http://` endpoints (tests and private networks only).
        allow_http: bool,
    },
}

impl Location {
    /// Parses `file:///abs/path`, a plain path, or `s3://bucket/prefix?endpoint=..&region=..&allow_http=..`.
    pub fn parse(location: &str) -> Result<Self, VaultError> {
        let invalid = |reason: &str| VaultError::InvalidLocation {
            location: redact_url(location),
            reason: reason.to_owned(),
        };
        if location.trim().is_empty() {
            return Err(invalid("empty location"));
        }
        if !location.contains("://") {
            return Ok(Location::Local(PathBuf::from(location)));
        }
        let url = url::Url::parse(location).map_err(|e| invalid(&e.to_string()))?;
        match url.scheme() {
            "file" => {
                if url.query().is_some() {
                    return Err(invalid("file URLs take no query parameters"));
                }
                let path = url
                    .to_file_path()
                    .map_err(|()| invalid("not an absolute local path"))?;
                Ok(Location::Local(path))
            }
            "s3" => {
                let bucket = url
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| invalid("s3 URL names no bucket"))?
                    .to_owned();
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(invalid(
                        "credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY",
                    ));
                }
                let prefix = url.path().trim_matches('/').to_owned();
                let mut endpoint = None;
                let mut region = None;
                let mut allow_http = false;
                for (name, value) in url.query_pairs() {
                    match name.as_ref() {
                        "endpoint" => {
                            let parsed = url::Url::parse(&value)
                                .map_err(|e| invalid(&format!("endpoint {value:?}: {e}")))?;
                            if !matches!(parsed.scheme(), "http" | "https") {
                                return Err(invalid("endpoint must be an http:// or https:// URL"));
                            }
                            endpoint = Some(value.trim_end_matches('/').to_owned());
                        }
                        "region" => region = Some(value.into_owned()),
                        "allow_http" => {
                            allow_http = match value.as_ref() {
                                "true" | "1" => true,
                                "false" | "0" => false,
                                _ => return Err(invalid("allow_http must be true or false")),
                            }
                        }
                        other => {
                            return Err(invalid(&format!(
                                "unknown parameter {other:?} (known: endpoint, region, allow_http)"
                            )));
                        }
                    }
                }
                if endpoint
                    .as_deref()
                    .is_some_and(|ep| ep.starts_with("http://"))
                    && !allow_http
                {
                    return Err(invalid("an http:// endpoint needs allow_http=true"));
                }
                Ok(Location::S3 {
                    bucket,
                    prefix,
                    endpoint,
                    region: region.unwrap_or_else(|| "us-east-1".to_owned()),
                    allow_http,
                })
            }
            other => Err(invalid(&format!(
                "unsupported scheme {other:?} (use file://, s3:// or a plain path)"
            ))),
        }
    }

    /// Builds the object store. A local directory is created if missing.
    pub(crate) fn build(&self, location: &str) -> Result<Arc<dyn ObjectStore>, VaultError> {
        let invalid = |reason: String| VaultError::InvalidLocation {
            location: redact_url(location),
            reason,
        };
        match self {
            Location::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    invalid(format!("cannot create directory {}: {e}", dir.display()))
                })?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| invalid(e.to_string()))?
                    .with_fsync(true);
                Ok(Arc::new(fs))
            }
            Location::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                allow_http,
            } => {
                crate::tls::use_ring();
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http);
                if let Ok(id) = std::env::var("AWS_ACCESS_KEY_ID") {
                    builder = builder.with_access_key_id(id);
                }
                if let Ok(secret) = std::env::var("AWS_SECRET_ACCESS_KEY") {
                    builder = builder.with_secret_access_key(secret);
                }
                if let Ok(token) = std::env::var("AWS_SESSION_TOKEN") {
                    builder = builder.with_token(token);
                }
                if let Some(ep) = endpoint {
                    builder = builder.with_endpoint(ep);
                }
                let s3 = builder.build().map_err(|e| invalid(e.to_string()))?;
                if prefix.is_empty() {
                    Ok(Arc::new(s3))
                } else {
                    Ok(Arc::new(PrefixStore::new(s3, prefix.as_str())))
                }
            }
        }
    }

    /// Whether the backend is S3 (parts must be at least 5 MiB there).
    pub(crate) fn is_s3(&self) -> bool {
        matches!(self, Location::S3 { .. })
    }
}

/// A URL (a database or vault location) with the password of any `user:password@` part replaced by
/// `***`, fit for messages and logs. The one place such URLs are redacted, for every crate.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_file_urls_are_local() {
        assert_eq!(
            Location::parse("/var/lib/hardship/vault").unwrap(),
            Location::Local("/var/lib/hardship/vault".into())
        );
        assert_eq!(
            Location::parse("vault-data").unwrap(),
            Location::Local("vault-data".into())
        );
        assert_eq!(
            Location::parse("file:///srv/vault%20data").unwrap(),
            Location::Local("/srv/vault data".into())
        );
        assert!(Location::parse("file://host/relative").is_err());
        assert!(Location::parse("").is_err());
    }

    #[test]
    fn s3_url_with_endpoint_region_and_http() {
        let loc = Location::parse(
            "s3://evidence/practice-a/vault/?endpoint=http://127.0.0.1:5000&region=eu-west-1&allow_http=true",
        )
        .unwrap();
        assert_eq!(
            loc,
            Location::S3 {
                bucket: "evidence".into(),
                prefix: "practice-a/vault".into(),
                endpoint: Some("http://127.0.0.1:5000".into()),
                region: "eu-west-1".into(),
                allow_http: true,
            }
        );
        assert!(loc.is_s3());
    }

    #[test]
    fn s3_url_defaults() {
        assert_eq!(
            Location::parse("s3://evidence").unwrap(),
            Location::S3 {
                bucket: "evidence".into(),
                prefix: String::new(),
                endpoint: None,
                region: "us-east-1".into(),
                allow_http: false,
            }
        );
    }

    #[test]
    fn s3_url_mistakes_are_named() {
        let err = |u: &str| Location::parse(u).unwrap_err().to_string();
        assert!(err("s3://b?endpoint=http://127.0.0.1:9000").contains("allow_http"));
        assert!(err("s3://b?colour=red").contains("colour"));
        assert!(err("s3://b?allow_http=yes").contains("allow_http"));
        assert!(err("s3://key:secret@b/p").contains("AWS_ACCESS_KEY_ID"));
        assert!(!err("s3://key:secret@b/p").contains("secret@"));
        assert!(err("s3://b?endpoint=ftp://x").contains("endpoint"));
        assert!(err("gs://b/p").contains("unsupported scheme"));
    }

    #[test]
    fn s3_store_builds_without_contacting_the_server() {
        let loc = Location::parse(
            "s3://bucket/prefix?endpoint=http://127.0.0.1:1&region=us-east-1&allow_http=true",
        )
        .unwrap();
        assert!(loc.build("s3://bucket/prefix").is_ok());
    }
}

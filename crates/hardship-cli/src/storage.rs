//! Where the data lives: settings (flags, `HARDSHIP_*` environment, optional TOML file) and opening the
//! store the database URL names. The rest of the program holds `Arc<dyn Store>` and never names a backend.

use clap::Args;
use hardship_store::{Env, Store, StoreError};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Storage settings shared by every command that touches the data.
#[derive(Args, Clone, Default)]
pub struct StorageArgs {
    /// Data directory: the SQLite database, the local vault and (by default) the master key.
    #[arg(long, env = "HARDSHIP_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` (default: DATA_DIR/hardship.sqlite) or `postgres://…`.
    #[arg(
        long,
        env = "HARDSHIP_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Vault URL: a directory or `file:///…` (default: DATA_DIR/vault), or `s3://bucket/prefix?endpoint=…`.
    #[arg(long, env = "HARDSHIP_VAULT_URL", global = true)]
    pub vault_url: Option<String>,
    /// Master key file (32 bytes, hex). Default: DATA_DIR/master.key, created on first use.
    #[arg(long, env = "HARDSHIP_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,
    /// A TOML file with any of: data_dir, database_url, vault_url, master_key_file, listen,
    /// upload_limit_bytes, cookie_secure, trusted_proxies, smtp_url, mail_from, public_url, qpp_api_url,
    /// qpp_rate, qpp_retries.
    #[arg(long, env = "HARDSHIP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// The settings file's shape.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub vault_url: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub upload_limit_bytes: Option<u64>,
    pub cookie_secure: Option<bool>,
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub public_url: Option<String>,
    /// CMS's QPP Eligibility API (`hardship eligibility fetch`, the practice page's button).
    pub qpp_api_url: Option<String>,
    pub qpp_rate: Option<f64>,
    pub qpp_retries: Option<u32>,
}

/// Resolved settings: flags and environment over the file over the defaults.
#[derive(Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub vault_url: String,
    pub master_key_file: PathBuf,
    pub file: FileSettings,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact(&self.database_url))
            .field("vault_url", &redact(&self.vault_url))
            .field("master_key_file", &self.master_key_file)
            .finish()
    }
}

pub use hardship_vault::redact_url as redact;

impl StorageArgs {
    pub fn resolve(&self) -> Result<Settings, String> {
        let file: FileSettings = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("hardship-data"));
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("hardship.sqlite").display()));
        let vault_url = self
            .vault_url
            .clone()
            .or(file.vault_url.clone())
            .unwrap_or_else(|| data_dir.join("vault").display().to_string());
        let master_key_file = self
            .master_key_file
            .clone()
            .or(file.master_key_file.clone())
            .unwrap_or_else(|| data_dir.join("master.key"));
        Ok(Settings {
            data_dir,
            database_url,
            vault_url,
            master_key_file,
            file,
        })
    }
}

impl Settings {
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
    }

    /// The SQLite file, when the database is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.is_postgres() {
            return None;
        }
        let u = &self.database_url;
        Some(PathBuf::from(
            u.strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
                .unwrap_or(u),
        ))
    }
}

/// Opens the store the URL names, applying migrations.
pub async fn open_store(settings: &Settings, env: Env) -> Result<Arc<dyn Store>, StoreError> {
    if settings.is_postgres() {
        let store = hardship_store_postgres::connect(&settings.database_url, env).await?;
        return Ok(Arc::new(store));
    }
    let path = settings.sqlite_path().unwrap_or_default();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", parent.display())))?;
    }
    let store = hardship_store_sqlite::open(&path, env).await?;
    Ok(Arc::new(store))
}

/// Creates the data directory with owner-only permissions.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/h"),
            "postgres://app:***@db:5432/h"
        );
        assert_eq!(redact("postgres://app@db/h"), "postgres://app@db/h");
        let s = StorageArgs {
            database_url: Some("postgres://u:pw@h/d".into()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert!(!format!("{s:?}").contains("pw"));
    }

    #[test]
    fn defaults_live_in_the_data_dir() {
        let s = StorageArgs {
            data_dir: Some("/srv/h".into()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(s.database_url, "sqlite:///srv/h/hardship.sqlite");
        assert_eq!(s.vault_url, "/srv/h/vault");
        assert_eq!(s.master_key_file, PathBuf::from("/srv/h/master.key"));
    }
}

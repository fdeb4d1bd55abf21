//! Backups with `pg_dump`: a consistent snapshot (pg_dump reads in one repeatable-read transaction) in
//! the custom format, restorable with `pg_restore`. The password goes through the environment, never
//! the command line where other users of the machine could read it.

use hardship_store::{StoreError, StoreResult};
use std::path::{Path, PathBuf};

/// The file written inside the backup directory.
pub const BACKUP_FILE: &str = "hardship.pgdump";

/// `pg_dump` on `PATH`, else the newest `/usr/lib/postgresql/<version>/bin/pg_dump`.
pub(crate) fn find_pg_dump() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("pg_dump");
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin/pg_dump");
            bin.is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Dumps the database behind `url` into `dir/hardship.pgdump` (written to a temporary name, then renamed).
pub(crate) async fn pg_dump(url: &str, dir: &Path) -> StoreResult<()> {
    let mut parsed =
        url::Url::parse(url).map_err(|_| StoreError::invalid("database_url", "not a valid URL"))?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    // Only fails for URLs that cannot have a password, which a postgres:// URL can.
    let _ = parsed.set_password(None);
    let program = find_pg_dump().ok_or_else(|| {
        StoreError::Unavailable(
            "pg_dump was not found on PATH or in /usr/lib/postgresql/*/bin".into(),
        )
    })?;
    tokio::fs::create_dir_all(dir).await.map_err(|e| {
        StoreError::Internal(format!(
            "cannot create the backup directory {}: {e}",
            dir.display()
        ))
    })?;
    let target = dir.join(BACKUP_FILE);
    let partial = dir.join(format!("{BACKUP_FILE}.partial"));
    let mut command = tokio::process::Command::new(&program);
    command
        .arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(&partial)
        .arg("--dbname")
        .arg(parsed.as_str())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command
        .output()
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot run {}: {e}", program.display())))?;
    if !output.status.success() {
        let _ = tokio::fs::remove_file(&partial).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        tracing::error!(status = %output.status, %stderr, "pg_dump failed");
        return Err(StoreError::Unavailable(format!(
            "pg_dump failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    tokio::fs::rename(&partial, &target).await.map_err(|e| {
        StoreError::Internal(format!(
            "cannot move the backup into place at {}: {e}",
            target.display()
        ))
    })
}

//! Operations on a whole installation: the master key, opening the vault, verifying every document,
//! backups and restores.

use crate::storage::{Settings, ensure_private_dir};
use hardship_store::{Store, TenantId};
use hardship_vault::{MasterKey, Vault, VaultError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// The master key: from `HARDSHIP_MASTER_KEY` (hex or base64), else the key file. The default key file
/// in the data directory is created on first use; any other path must already exist.
pub fn master_key(settings: &Settings) -> Result<MasterKey, String> {
    if std::env::var_os("HARDSHIP_MASTER_KEY").is_some() {
        return MasterKey::from_env("HARDSHIP_MASTER_KEY").map_err(|e| e.to_string());
    }
    let path = &settings.master_key_file;
    if path.exists() {
        return MasterKey::from_file(path).map_err(|e| e.to_string());
    }
    if path != &settings.data_dir.join("master.key") {
        return Err(format!("master key file {} does not exist", path.display()));
    }
    ensure_private_dir(&settings.data_dir)
        .map_err(|e| format!("{}: {e}", settings.data_dir.display()))?;
    let key = MasterKey::generate().map_err(|e| e.to_string())?;
    // Two commands started at once on a new installation must end up with one key: each writes its own
    // file whole, then links it into place; the loser reads the winner's key, never a half-written file.
    let tmp = path.with_extension(format!("key.new-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    write_private(&tmp, key.to_hex().as_bytes()).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            MasterKey::from_file(path).map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Creates a file readable by its owner only; never overwrites.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

pub fn open_vault(settings: &Settings) -> Result<Vault, String> {
    let key = master_key(settings)?;
    Vault::open(&settings.vault_url, key).map_err(|e| e.to_string())
}

/// What `vault verify` found.
#[derive(Debug, Default, Serialize)]
pub struct VaultReport {
    pub verified: usize,
    /// Documents whose object is missing, altered, or does not match its recorded hash.
    pub failures: Vec<String>,
    /// Complete objects with no document record (an upload cut off before its record was written).
    pub unreferenced: Vec<String>,
}

/// Re-reads every recorded document: decryption, authentication and the recorded SHA-256.
pub async fn verify_vault(store: &dyn Store, vault: &Vault) -> Result<VaultReport, String> {
    let mut report = VaultReport::default();
    let mut recorded = BTreeSet::new();
    for tenant in store.list_tenants().await.map_err(|e| e.to_string())? {
        let events = store
            .audit_events(tenant, None)
            .await
            .map_err(|e| e.to_string())?;
        for doc in store
            .list_documents(tenant, None)
            .await
            .map_err(|e| e.to_string())?
        {
            recorded.insert(doc.object_key.clone());
            // The record against its upload event, then the object against the record: its key and
            // authenticated header must name this tenant and this document.
            let upload = events.iter().find(|e| {
                e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD
                    && e.entity_id == doc.id.to_string()
            });
            if let Some(f) = hardship_store::integrity::document(&doc, upload) {
                report.failures.push(f.to_string());
                continue;
            }
            if let Err(e) = vault.check_key(tenant.0, doc.id.0, &doc.object_key) {
                report
                    .failures
                    .push(format!("document {} ({}): {e}", doc.id, doc.filename));
                continue;
            }
            match vault.verify(tenant.0, &doc.object_key, &doc.sha256).await {
                Ok(obj) if obj.size == doc.size => report.verified += 1,
                Ok(obj) => report.failures.push(format!(
                    "document {} ({}): {} bytes stored, {} recorded",
                    doc.id, doc.filename, obj.size, doc.size
                )),
                Err(e) => report
                    .failures
                    .push(format!("document {} ({}): {e}", doc.id, doc.filename)),
            }
        }
    }
    for key in vault
        .list(Some("tenants"))
        .await
        .map_err(|e| e.to_string())?
    {
        if recorded.contains(&key) {
            continue;
        }
        // Not recorded: still it must be a whole, authentic object, never a fragment.
        let tenant = key
            .split('/')
            .nth(1)
            .and_then(|t| t.parse::<uuid::Uuid>().ok());
        match tenant {
            Some(t) => match vault.get(t, &key, tokio::io::sink()).await {
                Ok(_) => report.unreferenced.push(key),
                Err(e) => report
                    .failures
                    .push(format!("unrecorded object {key}: {e}")),
            },
            None => report
                .failures
                .push(format!("object {key} is not a document key")),
        }
    }
    Ok(report)
}

/// The backup's table of contents.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub database: String,
    pub objects: Vec<String>,
    /// Each tenant's chain head when the database was copied: (tenant, last seq).
    pub audit_heads: Vec<(TenantId, i64)>,
}

/// A consistent snapshot of database and vault while the server runs: the database first (one
/// consistent copy), then every object the database knows about. Objects are write-once, so copying them
/// after the database snapshot captures all of them.
pub async fn backup(
    settings: &Settings,
    store: &dyn Store,
    vault: &Vault,
    dir: &Path,
) -> Result<Manifest, String> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .next()
            .is_some()
    {
        return Err(format!("{} is not empty", dir.display()));
    }
    ensure_private_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (database, db_path) = if settings.is_postgres() {
        ("postgres".to_owned(), dir.join("database"))
    } else {
        ("sqlite".to_owned(), dir.join("database.sqlite"))
    };
    store.backup_to(&db_path).await.map_err(|e| e.to_string())?;
    let mut heads = Vec::new();
    let mut keys = Vec::new();
    for tenant in store.list_tenants().await.map_err(|e| e.to_string())? {
        let events = store
            .audit_events(tenant, None)
            .await
            .map_err(|e| e.to_string())?;
        heads.push((tenant, events.last().map_or(0, |e| e.seq)));
        for doc in store
            .list_documents(tenant, None)
            .await
            .map_err(|e| e.to_string())?
        {
            keys.push(doc.object_key);
        }
    }
    let copy = Vault::open(
        &dir.join("vault").display().to_string(),
        MasterKey::from_bytes([0; 32]),
    )
    .map_err(|e| e.to_string())?;
    for key in &keys {
        vault
            .copy_raw_to(key, &copy)
            .await
            .map_err(|e| format!("copying {key}: {e}"))?;
    }
    let manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now(),
        database,
        objects: keys,
        audit_heads: heads,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("manifest.json"), text).map_err(|e| e.to_string())?;
    Ok(manifest)
}

/// Restores a backup into an empty installation described by `settings`, then the caller verifies it.
pub async fn restore(settings: &Settings, dir: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .map_err(|e| format!("{}: {e}", dir.join("manifest.json").display()))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))?;
    match (manifest.database.as_str(), settings.sqlite_path()) {
        ("sqlite", Some(target)) => {
            if target.exists() {
                return Err(format!(
                    "{} already exists; restore only into an empty installation",
                    target.display()
                ));
            }
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                ensure_private_dir(parent).map_err(|e| e.to_string())?;
            }
            std::fs::copy(dir.join("database.sqlite"), &target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
        ("postgres", None) => {
            pg_restore(
                &settings.database_url,
                &dir.join("database").join("hardship.pgdump"),
            )
            .await?;
        }
        (kind, _) => {
            return Err(format!(
                "the backup holds a {kind} database; point --database-url at the same kind"
            ));
        }
    }
    let source = Vault::open(
        &dir.join("vault").display().to_string(),
        MasterKey::from_bytes([0; 32]),
    )
    .map_err(|e| e.to_string())?;
    // The target vault needs no key to receive ciphertext; verification afterwards uses the real key.
    let target = Vault::open(&settings.vault_url, MasterKey::from_bytes([0; 32]))
        .map_err(|e| e.to_string())?;
    for key in &manifest.objects {
        match source.copy_raw_to(key, &target).await {
            Ok(_) | Err(VaultError::AlreadyExists { .. }) => {}
            Err(e) => return Err(format!("restoring {key}: {e}")),
        }
    }
    Ok(manifest)
}

pub type SharedStore = Arc<dyn Store>;

/// How long a document of a performance year is kept: to the end of the year plus the rule set's
/// recommended retention (ten years; six is the regulatory minimum) [MDI-DVA] [PBN-DVA].
pub fn retain_until(year: hardship_rules::PerformanceYear) -> Result<chrono::NaiveDate, String> {
    let book = hardship_rules::RuleBook::embedded().map_err(|e| e.to_string())?;
    Ok(book.year(year).retain_until())
}

/// Tries to delete a document's bytes. Before its retain-until date the vault refuses, and the refusal is
/// recorded in the tenant's audit log; the record itself is never deleted.
pub async fn try_delete_document(
    store: &dyn Store,
    vault: &Vault,
    tenant: TenantId,
    actor: &hardship_store::Actor,
    id: hardship_store::DocumentId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let doc = store
        .get_document(tenant, id)
        .await
        .map_err(|e| e.to_string())?;
    match vault.delete(tenant.0, &doc.object_key, now).await {
        Ok(()) => Ok(()),
        Err(VaultError::RetentionLocked { until }) => {
            let reason = format!("retention lock until {until}");
            store
                .record_refused_deletion(tenant, actor, id, &reason)
                .await
                .map_err(|e| e.to_string())?;
            Err(format!(
                "document {id} ({}) is retained until {until}; the attempt was recorded",
                doc.filename
            ))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `pg_restore` of a custom-format dump into the (empty) database at `url`.
async fn pg_restore(url: &str, dump: &Path) -> Result<(), String> {
    let program = ["pg_restore"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| which(p).is_some())
        .or_else(|| newest_pg_bin("pg_restore"))
        .ok_or("pg_restore was not found on PATH or in /usr/lib/postgresql/*/bin")?;
    let output = tokio::process::Command::new(&program)
        .args([
            "--no-owner",
            "--exit-on-error",
            "--no-password",
            "--dbname",
            url,
        ])
        .arg(dump)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "pg_restore failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn which(program: &Path) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn newest_pg_bin(name: &str) -> Option<std::path::PathBuf> {
    let mut found: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin").join(name);
            bin.is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}

//! `hardship-store-sqlite`: the embedded default backend. One file in the data directory, WAL journal,
//! a busy timeout, and write transactions that take the write lock at `BEGIN IMMEDIATE`. It holds SQL
//! and row mapping only: every use case is the engine's ([`hardship_store::engine`]).

use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::audit::AuditEvent;
use hardship_store::engine::{Backend, Engine, Lock, Tx};
use hardship_store::*;
use rows::db;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// Sessions, tokens, invitations, attempts, password resets and reminders (the longer reads and
/// writes; the `Backend` impl calls them).
mod accounts;
/// Statements shared by the pool and write transactions.
mod queries;
/// Tenant revisions served without a query while the WAL index shows no new commit.
mod revision;
/// Rows into models, and the column encodings.
mod rows;
/// One write transaction.
mod tx;

/// The store on SQLite.
pub type SqliteStore = Engine<SqliteBackend>;

/// The SQLite database the engine runs on.
pub struct SqliteBackend {
    pool: SqlitePool,
    revisions: revision::RevisionMemo,
}

hardship_store::embedded_migrator!();

/// Opens (creating if needed) the database file and applies migrations.
pub async fn open(path: &Path, env: Env) -> StoreResult<SqliteStore> {
    private_file(path)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk when acknowledged, not only safe from a process crash.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(db)?;
    let backend = SqliteBackend {
        pool,
        revisions: revision::RevisionMemo::new(Some(path.to_path_buf())),
    };
    let store = Engine::new(backend, env);
    // Processes started at once on a new database (two `hardship` commands, two instances) would each
    // run the migrations and collide ("duplicate column"): one migrates at a time, under a lock on a
    // file beside the database; the others then find nothing left to do.
    let lock = migration_lock(path)?;
    let migrated = store.migrate().await;
    drop(lock);
    migrated?;
    Ok(store)
}

/// An exclusive lock on `PATH.migrate-lock`, held until dropped (released by the kernel if we die).
fn migration_lock(path: &Path) -> StoreResult<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".migrate-lock");
    let lock_path = std::path::PathBuf::from(name);
    let file = private_file(&lock_path)?;
    file.lock()
        .map_err(|e| StoreError::Internal(format!("{}: {e}", lock_path.display())))?;
    Ok(file)
}

/// Opens from a `sqlite://PATH` URL or a plain path.
pub async fn open_url(url: &str, env: Env) -> StoreResult<SqliteStore> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    open(Path::new(path), env).await
}

impl SqliteBackend {
    /// The pool, for tests that reach under the store (tampering, fault injection).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Opens (creating) a file readable and writable by its owner only (0600), or narrows an existing
/// one to that: the database holds every tenant's records. SQLite gives its `-wal` and `-shm` files the database
/// file's permissions.
fn private_file(path: &Path) -> StoreResult<std::fs::File> {
    let failed = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", path.display()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let file = opts.open(path).map_err(failed)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
        Ok(file)
    }
    #[cfg(not(unix))]
    opts.open(path).map_err(failed)
}

#[async_trait::async_trait]
impl Backend for SqliteBackend {
    async fn migrate(&self) -> StoreResult<()> {
        migrator()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))
    }

    async fn begin(&self, lock: Lock, _keys: &[&str]) -> StoreResult<Box<dyn Tx>> {
        // SQLite has one writer at a time: BEGIN IMMEDIATE is every lock at once.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        if let Lock::Tenant(tenant) = lock {
            let exists = sqlx::query("SELECT 1 FROM organizations WHERE id = ?")
                .bind(tenant.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if exists.is_none() {
                return Err(StoreError::not_found("organization", tenant));
            }
        }
        Ok(Box::new(tx::SqliteTx(tx)))
    }

    async fn organization(&self, tenant: TenantId) -> StoreResult<Option<Organization>> {
        sqlx::query("SELECT * FROM organizations WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| rows::organization(&r))
            .transpose()
    }

    async fn tenants(&self) -> StoreResult<Vec<TenantId>> {
        sqlx::query("SELECT * FROM organizations ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| rows::organization(r).map(|o| o.id))
            .collect()
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|r| rows::user(&r))
            .transpose()
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&self.pool, email).await
    }

    async fn insert_user(&self, u: &User) -> StoreResult<()> {
        queries::insert_user(&self.pool, u).await
    }

    async fn set_password(&self, id: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        sqlx::query("SELECT * FROM memberships WHERE user_id = ? ORDER BY tenant")
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::membership)
            .collect()
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        sqlx::query("SELECT m.tenant, m.user_id, m.role, u.* FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant = ? ORDER BY u.email, u.id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| Ok((rows::membership(r)?, rows::user(r)?)))
            .collect()
    }

    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        queries::client_practices(&self.pool, tenant, user).await
    }

    async fn practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Option<Practice>> {
        queries::practice(&self.pool, tenant, id).await
    }

    async fn practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        sqlx::query("SELECT * FROM practices WHERE tenant = ? ORDER BY name, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::practice)
            .collect()
    }

    async fn clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Option<Clinician>> {
        queries::clinician(&self.pool, tenant, id).await
    }

    async fn practice_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        queries::practice_clinicians(&self.pool, tenant, practice).await
    }

    async fn tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>> {
        let stream =
            sqlx::query("SELECT * FROM clinicians WHERE tenant = ? ORDER BY practice, name, npi")
                .bind(tenant.to_string())
                .fetch(&self.pool);
        rows::map_rows(stream, rows::clinician).await
    }

    async fn practice_statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        sqlx::query("SELECT s.* FROM clinician_statuses s JOIN clinicians c ON c.id = s.clinician WHERE s.tenant = ? AND c.tenant = ? AND c.practice = ? AND s.year = ? ORDER BY s.clinician, s.status")
            .bind(tenant.to_string())
            .bind(tenant.to_string())
            .bind(practice.to_string())
            .bind(i64::from(year.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::status)
            .collect()
    }

    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        let stream = sqlx::query(
            "SELECT * FROM clinician_statuses WHERE tenant = ? AND year = ? ORDER BY clinician, status",
        )
        .bind(tenant.to_string())
        .bind(i64::from(year.get()))
        .fetch(&self.pool);
        rows::map_rows(stream, rows::status).await
    }

    async fn practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Option<PracticeYear>> {
        queries::practice_year(&self.pool, tenant, practice, year).await
    }

    async fn practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        sqlx::query("SELECT * FROM practice_years WHERE tenant = ? AND year = ? ORDER BY practice")
            .bind(tenant.to_string())
            .bind(i64::from(year.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::practice_year)
            .collect()
    }

    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>> {
        // `practice IS NULL` on the bound value: one statement for a practice or the whole tenant.
        let p = practice.map(|p| p.to_string());
        sqlx::query("SELECT answer FROM cms_answers WHERE tenant = ? AND year = ? AND (? IS NULL OR practice = ?) ORDER BY practice, npi")
            .bind(tenant.to_string())
            .bind(i64::from(year.get()))
            .bind(p.clone())
            .bind(p)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::cms_answer)
            .collect()
    }

    async fn application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>> {
        queries::application(&self.pool, tenant, id).await
    }

    async fn applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        // A year of 0 matches every year: one statement, not two.
        sqlx::query("SELECT * FROM applications WHERE tenant = ? AND (? = 0 OR year = ?) ORDER BY created_at, id")
            .bind(tenant.to_string())
            .bind(i64::from(year.map_or(0, |y| y.get())))
            .bind(i64::from(year.map_or(0, |y| y.get())))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::application)
            .collect()
    }

    async fn decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        sqlx::query(
            "SELECT * FROM decisions WHERE tenant = ? AND practice = ? ORDER BY decided_at, id",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::decision)
        .collect()
    }

    async fn document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<Document>> {
        queries::document(&self.pool, tenant, id).await
    }

    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>> {
        sqlx::query(
            "SELECT * FROM attestations WHERE tenant = ? AND application = ? ORDER BY signed_at, rowid",
        )
        .bind(tenant.to_string())
        .bind(application.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::attestation)
        .collect()
    }

    async fn documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        sqlx::query("SELECT * FROM documents WHERE tenant = ? AND (? IS NULL OR practice = ?) ORDER BY uploaded_at, id")
            .bind(tenant.to_string())
            .bind(practice.map(|p| p.to_string()))
            .bind(practice.map(|p| p.to_string()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::document)
            .collect()
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        sqlx::query("SELECT * FROM audit_events WHERE tenant = ? AND (? IS NULL OR entity_id = ?) ORDER BY seq")
            .bind(tenant.to_string())
            .bind(entity_id)
            .bind(entity_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::audit)
            .collect()
    }

    async fn audit_events_after(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>> {
        sqlx::query("SELECT * FROM audit_events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?")
            .bind(tenant.to_string())
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(rows::audit)
            .collect()
    }

    async fn revision(&self, tenant: TenantId) -> StoreResult<i64> {
        // The header first: a commit during the query below changes it, so the next call reads again.
        let header = self.revisions.header();
        if let Some(h) = &header
            && let Some(r) = self.revisions.get(h, tenant)
        {
            return Ok(r);
        }
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_events WHERE tenant = ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let r = seq.unwrap_or(0);
        if let Some(h) = header {
            self.revisions.put(h, tenant, r);
        }
        Ok(r)
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        SqliteBackend::insert_session(self, s).await
    }

    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        SqliteBackend::session(self, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        SqliteBackend::delete_session(self, token_hash).await
    }

    async fn purge(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> StoreResult<u64> {
        SqliteBackend::purge(self, now, attempts_before).await
    }

    async fn set_session_tenant(
        &self,
        token_hash: &[u8; 32],
        tenant: TenantId,
    ) -> StoreResult<bool> {
        SqliteBackend::set_session_tenant(self, token_hash, tenant).await
    }

    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        SqliteBackend::delete_user_sessions(self, user, keep).await
    }

    async fn api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        SqliteBackend::api_token(self, token_hash).await
    }

    async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        SqliteBackend::api_tokens(self, tenant).await
    }

    async fn invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&self.pool, token_hash, now).await
    }

    async fn invite_tenant(&self, token_hash: &[u8; 32]) -> StoreResult<Option<TenantId>> {
        SqliteBackend::invite_tenant(self, token_hash).await
    }

    async fn invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        SqliteBackend::invites(self, tenant).await
    }

    async fn attempts(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        SqliteBackend::attempts(self, keys, since).await
    }

    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        SqliteBackend::release_attempt(self, attempt, forget).await
    }

    async fn insert_password_reset(&self, r: &PasswordReset) -> StoreResult<()> {
        SqliteBackend::insert_password_reset(self, r).await
    }

    async fn password_reset(&self, token_hash: &[u8; 32]) -> StoreResult<Option<PasswordReset>> {
        queries::password_reset(&self.pool, token_hash).await
    }

    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        SqliteBackend::mark_reminder_sent(self, key, claim, at).await
    }

    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        SqliteBackend::release_reminder(self, key, claim).await
    }

    async fn reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        SqliteBackend::reminders(self, tenant).await
    }

    async fn targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>> {
        sqlx::query(
            "SELECT * FROM targeted_reviews WHERE tenant = ? AND (? IS NULL OR year = ?) ORDER BY created_at, tin, npi",
        )
        .bind(tenant.to_string())
        .bind(year.map(|y| i64::from(y.get())))
        .bind(year.map(|y| i64::from(y.get())))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::targeted_review)
        .collect()
    }

    async fn targeted_review(&self, t: TenantId, id: Uuid) -> StoreResult<Option<TargetedReview>> {
        queries::targeted_review(&self.pool, t, id).await
    }
    async fn dva_requests(
        &self,
        t: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<DvaRequest>> {
        queries::dva_requests(&self.pool, t, year).await
    }
    async fn dva_request(&self, t: TenantId, id: Uuid) -> StoreResult<Option<DvaRequest>> {
        queries::dva_request(&self.pool, t, id).await
    }

    async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        if path.exists() {
            return Err(StoreError::invalid(
                "path",
                format!("{} already exists", path.display()),
            ));
        }
        // VACUUM INTO writes a consistent snapshot while other connections keep working.
        sqlx::query("VACUUM INTO ?")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}

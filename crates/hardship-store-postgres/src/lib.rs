//! `hardship-store-postgres`: the PostgreSQL backend of the case store, for deployments where several
//! app instances share one database. It holds SQL and row mapping only: every use case is the engine's
//! ([`hardship_store::engine`]).
//!
//! How it keeps the engine's locks:
//! - a tenant's write transaction first locks the tenant's `organizations` row (`FOR NO KEY UPDATE`):
//!   writers of one tenant queue on it, so its audit chain stays a single chain however many app
//!   instances write at once, while different tenants never wait for each other;
//! - sign-in attempts take one transaction-scoped advisory lock per key, in a fixed order;
//! - every statement filters by tenant; child tables reference their parent by `(tenant, id)`, so even a
//!   bug cannot link a row into another tenant; `audit_events` refuses UPDATE, DELETE and TRUNCATE.
//!
//! Queries are plain strings checked at run time: nothing needs a database at build time. Migrations
//! live in `migrations/` and are embedded with `include_str!` (see `MIGRATIONS`).

/// Sessions, tokens, invitations, attempts, password resets and reminders (the longer reads and
/// writes; the `Backend` impl calls them).
mod accounts;
/// `pg_dump` backups.
mod backup;
/// sqlx errors into store errors.
mod error;
/// Statements shared by the pool and write transactions.
mod queries;
/// Rows and their conversion into models.
mod rows;
/// One write transaction.
mod tx;

pub use backup::BACKUP_FILE;

use chrono::{DateTime, Utc};
use error::db;
use hardship_rules::PerformanceYear;
use hardship_store::audit::AuditEvent;
use hardship_store::engine::{Backend, Engine, Lock, Tx};
use hardship_store::*;
use rows::*;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

hardship_store::embedded_migrator!();

/// The store on PostgreSQL.
pub type PgStore = Engine<PgBackend>;

/// Settings of the connection pool.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The PostgreSQL database the engine runs on. The pool inside is shared.
pub struct PgBackend {
    pool: PgPool,
    /// Kept for `pg_dump`; never printed (see the `Debug` impl).
    url: String,
}

impl fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL carries the password: never printed.
        f.debug_struct("PgBackend").finish_non_exhaustive()
    }
}

/// Opens a pool on `url` (`postgres://user:password@host:port/database`) and applies pending migrations.
pub async fn connect(url: &str, env: Env) -> StoreResult<PgStore> {
    connect_with(url, env, PoolSettings::default()).await
}

pub async fn connect_with(url: &str, env: Env, settings: PoolSettings) -> StoreResult<PgStore> {
    let options = PgConnectOptions::from_str(url).map_err(|_| {
        StoreError::invalid(
            "database_url",
            "is not a PostgreSQL URL (postgres://user:password@host:port/database)",
        )
    })?;
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(db)?;
    let store = Engine::new(
        PgBackend {
            pool,
            url: url.to_owned(),
        },
        env,
    );
    store.migrate().await?;
    Ok(store)
}

impl PgBackend {
    /// The pool, for tests and tools that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (waits for the ones in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn all<R, T>(
        &self,
        sql: String,
        bind: impl FnOnce(
            sqlx::query::QueryAs<'_, sqlx::Postgres, R, sqlx::postgres::PgArguments>,
        )
            -> sqlx::query::QueryAs<'_, sqlx::Postgres, R, sqlx::postgres::PgArguments>,
        map: fn(R) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        bind(sqlx::query_as::<_, R>(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .into_iter()
            .map(map)
            .collect()
    }
}

#[async_trait::async_trait]
impl Backend for PgBackend {
    async fn migrate(&self) -> StoreResult<()> {
        // sqlx takes an advisory lock, so app instances starting together migrate one at a time.
        migrator().run(&self.pool).await.map_err(|e| {
            tracing::error!(error = %e, "migration failed");
            match e {
                sqlx::migrate::MigrateError::Execute(inner) => db(inner),
                other => StoreError::Internal(format!("database migration failed: {other}")),
            }
        })
    }

    async fn begin(&self, lock: Lock, keys: &[&str]) -> StoreResult<Box<dyn Tx>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        match lock {
            Lock::Tenant(tenant) => {
                sqlx::query_scalar::<_, Uuid>(
                    "SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE",
                )
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or_else(|| StoreError::not_found("organization", tenant))?;
            }
            // An account's transaction locks its tenants itself (`Tx::lock_tenant`), in order.
            Lock::NewTenant | Lock::Account => {}
            Lock::Attempts => {
                // One lock per key, in a fixed order, so two attempts never wait on each other crosswise.
                let mut keys = keys.to_vec();
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7431))")
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
            }
        }
        Ok(Box::new(tx::PgTx(tx)))
    }

    async fn organization(&self, tenant: TenantId) -> StoreResult<Option<Organization>> {
        sqlx::query_as::<_, OrganizationRow>(
            "SELECT id, name, kind, created_at FROM organizations WHERE id = $1",
        )
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(OrganizationRow::into_model)
        .transpose()
    }

    async fn tenants(&self) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM organizations ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        Ok(sqlx::query_as::<_, UserRow>(
            "SELECT id, email, password_hash, created_at FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(UserRow::into_model))
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        queries::user_by_email(&self.pool, email).await
    }

    async fn insert_user(&self, u: &User) -> StoreResult<()> {
        queries::insert_user(&self.pool, u).await
    }

    async fn set_password(&self, id: UserId, hash: &str) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        self.all(
            "SELECT tenant, user_id, role FROM memberships WHERE user_id = $1 ORDER BY tenant"
                .into(),
            |q| q.bind(user.0),
            MembershipRow::into_model,
        )
        .await
    }

    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        queries::client_practices(&self.pool, tenant, user).await
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        self.all(
            "SELECT m.tenant, m.user_id, m.role, u.email, u.password_hash, u.created_at \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant = $1 \
             ORDER BY lower(u.email) COLLATE \"C\", u.id"
                .into(),
            |q| q.bind(tenant.0),
            MemberRow::into_model,
        )
        .await
    }

    async fn practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Option<Practice>> {
        queries::practice(&self.pool, tenant, id).await
    }

    async fn practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        self.all(
            format!(
                "SELECT {PRACTICE_COLUMNS} FROM practices WHERE tenant = $1 ORDER BY name COLLATE \"C\", id"
            ),
            |q| q.bind(tenant.0),
            PracticeRow::into_model,
        )
        .await
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
        self.all(
            format!(
                "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 \
                 ORDER BY practice, name COLLATE \"C\", npi"
            ),
            |q| q.bind(tenant.0),
            ClinicianRow::into_model,
        )
        .await
    }

    async fn practice_statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        self.all(
            "SELECT s.clinician, s.year, s.status, s.value, s.origin, s.retrieved_on, s.recorded_at \
             FROM clinician_statuses s JOIN clinicians c ON c.tenant = s.tenant AND c.id = s.clinician \
             WHERE s.tenant = $1 AND c.practice = $2 AND s.year = $3 \
             ORDER BY s.clinician, s.status COLLATE \"C\""
                .into(),
            |q| q.bind(tenant.0).bind(practice.0).bind(i32::from(year.get())),
            StatusRow::into_model,
        )
        .await
    }

    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        self.all(
            format!(
                "SELECT {STATUS_COLUMNS} FROM clinician_statuses WHERE tenant = $1 AND year = $2 \
                 ORDER BY clinician, status COLLATE \"C\""
            ),
            |q| q.bind(tenant.0).bind(i32::from(year.get())),
            StatusRow::into_model,
        )
        .await
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
        self.all(
            format!(
                "SELECT {PRACTICE_YEAR_COLUMNS} FROM practice_years WHERE tenant = $1 AND year = $2 \
                 ORDER BY practice"
            ),
            |q| q.bind(tenant.0).bind(i32::from(year.get())),
            PracticeYearRow::into_model,
        )
        .await
    }

    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>> {
        // `$3 IS NULL`: one statement for a practice or the whole tenant.
        self.all(
            "SELECT answer FROM cms_answers WHERE tenant = $1 AND year = $2 \
             AND ($3::uuid IS NULL OR practice = $3) ORDER BY practice, npi"
                .to_owned(),
            |q| {
                q.bind(tenant.0)
                    .bind(i32::from(year.get()))
                    .bind(practice.map(|p| p.0))
            },
            CmsAnswerRow::into_model,
        )
        .await
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
        self.all(
            format!(
                "SELECT {APPLICATION_COLUMNS} FROM applications \
                 WHERE tenant = $1 AND ($2::int IS NULL OR year = $2) ORDER BY created_at, id"
            ),
            |q| q.bind(tenant.0).bind(year.map(|y| i32::from(y.get()))),
            ApplicationRow::into_model,
        )
        .await
    }

    async fn decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        self.all(
            format!(
                "SELECT {DECISION_COLUMNS} FROM decisions WHERE tenant = $1 AND practice = $2 \
                 ORDER BY decided_at, id"
            ),
            |q| q.bind(tenant.0).bind(practice.0),
            DecisionRow::into_model,
        )
        .await
    }

    async fn document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<Document>> {
        queries::document(&self.pool, tenant, id).await
    }

    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>> {
        self.all(
            format!(
                "SELECT {ATTESTATION_COLUMNS} FROM attestations \
                 WHERE tenant = $1 AND application = $2 ORDER BY signed_at, row_no"
            ),
            |q| q.bind(tenant.0).bind(application.0),
            AttestationRow::into_model,
        )
        .await
    }

    async fn documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        self.all(
            format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents \
                 WHERE tenant = $1 AND ($2::uuid IS NULL OR practice = $2) ORDER BY uploaded_at, id"
            ),
            |q| q.bind(tenant.0).bind(practice.map(|p| p.0)),
            DocumentRow::into_model,
        )
        .await
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.all(
            format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_events \
                 WHERE tenant = $1 AND ($2::text IS NULL OR entity_id = $2) ORDER BY seq"
            ),
            |q| q.bind(tenant.0).bind(entity_id.map(str::to_owned)),
            AuditRow::into_model,
        )
        .await
    }

    async fn audit_events_after(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.all(
            format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_events \
                 WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ),
            |q| q.bind(tenant.0).bind(after_seq).bind(i64::from(limit)),
            AuditRow::into_model,
        )
        .await
    }

    async fn revision(&self, tenant: TenantId) -> StoreResult<i64> {
        sqlx::query_scalar::<_, i64>(
            "SELECT coalesce(max(seq), 0)::bigint FROM audit_events WHERE tenant = $1",
        )
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        PgBackend::insert_session(self, s).await
    }

    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        PgBackend::session(self, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        PgBackend::delete_session(self, token_hash).await
    }

    async fn purge(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> StoreResult<u64> {
        PgBackend::purge(self, now, attempts_before).await
    }

    async fn set_session_tenant(
        &self,
        token_hash: &[u8; 32],
        tenant: TenantId,
    ) -> StoreResult<bool> {
        PgBackend::set_session_tenant(self, token_hash, tenant).await
    }

    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        PgBackend::delete_user_sessions(self, user, keep).await
    }

    async fn api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        PgBackend::api_token(self, token_hash).await
    }

    async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        PgBackend::api_tokens(self, tenant).await
    }

    async fn invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        queries::open_invite(&self.pool, token_hash, now).await
    }

    async fn invite_tenant(&self, token_hash: &[u8; 32]) -> StoreResult<Option<TenantId>> {
        PgBackend::invite_tenant(self, token_hash).await
    }

    async fn invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        PgBackend::invites(self, tenant).await
    }

    async fn attempts(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        PgBackend::attempts(self, keys, since).await
    }

    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        PgBackend::release_attempt(self, attempt, forget).await
    }

    async fn insert_password_reset(&self, r: &PasswordReset) -> StoreResult<()> {
        PgBackend::insert_password_reset(self, r).await
    }

    async fn password_reset(&self, token_hash: &[u8; 32]) -> StoreResult<Option<PasswordReset>> {
        queries::password_reset(&self.pool, token_hash, false).await
    }

    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        PgBackend::mark_reminder_sent(self, key, claim, at).await
    }

    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        PgBackend::release_reminder(self, key, claim).await
    }

    async fn reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        PgBackend::reminders(self, tenant).await
    }

    async fn targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>> {
        self.all(
            format!(
                "SELECT {REVIEW_COLUMNS} FROM targeted_reviews WHERE tenant = $1 \
                 AND ($2::integer IS NULL OR year = $2) ORDER BY created_at, tin, npi"
            ),
            |q| q.bind(tenant.0).bind(year.map(|y| i32::from(y.get()))),
            ReviewRow::into_model,
        )
        .await
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
        backup::pg_dump(&self.url, path).await
    }
}

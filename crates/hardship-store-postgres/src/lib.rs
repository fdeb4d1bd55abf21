//! `hardship-store-postgres`: the PostgreSQL backend of the case store, for deployments where several
//! app instances share one database.
//!
//! How it keeps the contract's rules:
//! - every statement filters by tenant; child tables reference their parent by `(tenant, id)`, so even a
//!   bug cannot link a row into another tenant;
//! - every write runs in one transaction that first locks the tenant's `organizations` row
//!   (`FOR NO KEY UPDATE`), reads the last `(seq, hash)` of the tenant's audit chain and appends exactly
//!   one event per change: writers of one tenant queue on that lock, so the chain stays a single chain
//!   however many app instances write at once, while different tenants never wait for each other;
//! - `audit_events` refuses UPDATE, DELETE and TRUNCATE with triggers;
//! - versioned records are read `FOR UPDATE`, compared with the caller's version (a stale one is a
//!   `Conflict`) and updated with `version = version + 1 WHERE version = $expected`;
//! - input is validated and auditors are refused before the transaction starts.
//!
//! Queries are plain strings checked at run time (`query_as` + `bind`): nothing needs a database at build
//! time. Migrations live in `migrations/` and are embedded with `sqlx::migrate!`.

/// `pg_dump` backups.
mod backup;
/// sqlx errors into store errors.
mod error;
/// Rows and their conversion into models.
mod rows;

pub use backup::BACKUP_FILE;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use error::{corrupt, db, duplicate_or_db};
use hardship_rules::PerformanceYear;
use hardship_store::audit::{actions, truncate_micros};
use hardship_store::{
    Actor, ApiToken, Application, ApplicationDraft, ApplicationId, ApplicationState, AttemptLimit,
    AuditEvent, Change, Clinician, ClinicianId, ClinicianStatus, ClinicianUpdate, Document,
    DocumentId, Env, Invite, InviteAcceptance, InviteId, Membership, NewClinician, NewDocument,
    NewPractice, Organization, OrganizationKind, Practice, PracticeId, PracticeUpdate,
    PracticeYear, ProfileWrite, ReportingProfile, Role, RosterEntry, RosterImportSummary, Session,
    SignInFailures, Store, StoreError, StoreResult, StoredDecision, TenantId, TokenScope,
    Transition, User, UserId, application, check_clinician_name, check_name, check_practice_fields,
    ensure_can_write, normalize_email, validate_new_document,
};
use rows::{
    ApiTokenRow, ApplicationRow, AuditRow, ClinicianRow, DecisionRow, DocumentRow, InviteRow,
    MemberRow, MembershipRow, OrganizationRow, PracticeRow, PracticeYearRow, StatusRow, UserRow,
};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

type Tx = Transaction<'static, Postgres>;

const PRACTICE_COLUMNS: &str = "id, tenant, tin, name, address, contact_name, contact_email, contact_phone, zip, version, created_at";
const CLINICIAN_COLUMNS: &str =
    "id, tenant, practice, npi, name, clinician_type, version, created_at";
const APPLICATION_COLUMNS: &str = "id, tenant, draft, state, version, created_at, updated_at";
const DOCUMENT_COLUMNS: &str = "id, tenant, practice, application, kind, filename, content_type, size, sha256, \
                                object_key, retain_until, uploaded_by, uploaded_at";
const DECISION_COLUMNS: &str = "id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, explanation, decided_at";
const AUDIT_COLUMNS: &str = "tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, prev_hash, hash";
const STATUS_COLUMNS: &str = "clinician, year, status, value, origin, retrieved_on, recorded_at";
const PRACTICE_YEAR_COLUMNS: &str = "tenant, practice, year, profile, version, updated_at";
const API_TOKEN_COLUMNS: &str =
    "id, tenant, name, role, scope, token_hash, created_by, created_at, revoked";
const INVITE_COLUMNS: &str =
    "id, tenant, email, role, token_hash, created_by, created_at, expires_at, accepted_at";

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

/// The PostgreSQL store. Cheap to share behind an `Arc`; the pool inside is shared.
pub struct PgStore {
    pool: PgPool,
    env: Env,
    /// Kept for `pg_dump`; never printed (see the `Debug` impl).
    url: String,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact(&self.url))
            .finish_non_exhaustive()
    }
}

/// The URL with its password replaced, for logs and `Debug`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("REDACTED"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable database URL>".into(),
    }
}

impl PgStore {
    /// Opens a pool on `url` (`postgres://user:password@host:port/database`) and applies pending migrations.
    pub async fn connect(url: &str, env: Env) -> StoreResult<PgStore> {
        PgStore::connect_with(url, env, PoolSettings::default()).await
    }

    pub async fn connect_with(url: &str, env: Env, settings: PoolSettings) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|_| {
            StoreError::invalid(
                "database_url",
                format!("{} is not a PostgreSQL URL", redact(url)),
            )
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(db)?;
        let store = PgStore {
            pool,
            env,
            url: url.to_owned(),
        };
        store.run_migrations().await?;
        Ok(store)
    }

    /// The pool, for tests and tools that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (waits for the ones in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        // sqlx takes an advisory lock, so app instances starting together migrate one at a time.
        MIGRATOR.run(&self.pool).await.map_err(|e| {
            tracing::error!(error = %e, "migration failed");
            match e {
                sqlx::migrate::MigrateError::Execute(inner) => db(inner),
                other => StoreError::Internal(format!("database migration failed: {other}")),
            }
        })
    }

    fn now(&self) -> DateTime<Utc> {
        truncate_micros(self.env.clock.now())
    }

    /// Starts a write transaction for `tenant`: locks the tenant (NotFound if it does not exist).
    async fn begin_write(&self, tenant: TenantId) -> StoreResult<Tx> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        lock_tenant(&mut tx, tenant).await?;
        Ok(tx)
    }

    async fn fetch_practice(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        id: PracticeId,
        lock: bool,
    ) -> StoreResult<Practice> {
        let sql = if lock {
            format!(
                "SELECT {PRACTICE_COLUMNS} FROM practices WHERE tenant = $1 AND id = $2 FOR UPDATE"
            )
        } else {
            format!("SELECT {PRACTICE_COLUMNS} FROM practices WHERE tenant = $1 AND id = $2")
        };
        sqlx::query_as::<_, PracticeRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(conn)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("practice", id))?
            .into_model()
    }

    async fn fetch_application(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        id: ApplicationId,
        lock: bool,
    ) -> StoreResult<Application> {
        let sql = if lock {
            format!(
                "SELECT {APPLICATION_COLUMNS} FROM applications WHERE tenant = $1 AND id = $2 FOR UPDATE"
            )
        } else {
            format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE tenant = $1 AND id = $2")
        };
        sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(conn)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("application", id))?
            .into_model()
    }

    async fn insert_clinician(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
        now: DateTime<Utc>,
    ) -> StoreResult<Clinician> {
        check_clinician_name(Some(new.npi), &new.name)?;
        let id = ClinicianId(self.env.ids.new_id());
        let sql = format!(
            "INSERT INTO clinicians (id, tenant, practice, npi, name, clinician_type, version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING {CLINICIAN_COLUMNS}"
        );
        let clinician = sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .bind(practice.0)
            .bind(new.npi.as_str())
            .bind(new.name.trim())
            .bind(new.clinician_type.code())
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| {
                duplicate_or_db(
                    e,
                    "clinicians_npi_key",
                    "npi",
                    new.npi.as_str(),
                    " on this practice's roster",
                )
            })?
            .into_model()?;
        let change = Change {
            action: actions::CLINICIAN_ADD.into(),
            entity: "clinician",
            entity_id: clinician.id.to_string(),
            before: None,
            after: Some(
                json!({
                    "practice": practice.to_string(),
                    "npi": clinician.npi.as_str(),
                    "name": clinician.name,
                    "clinician_type": clinician.clinician_type.code(),
                })
                .to_string(),
            ),
        };
        append_audit(tx, tenant, actor, now, change).await?;
        Ok(clinician)
    }

    async fn fetch_clinician(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        id: ClinicianId,
        lock: bool,
    ) -> StoreResult<Clinician> {
        let sql = if lock {
            format!(
                "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND id = $2 FOR UPDATE"
            )
        } else {
            format!("SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND id = $2")
        };
        sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(conn)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("clinician", id))?
            .into_model()
    }

    /// Updates a clinician read `FOR UPDATE` in the same transaction (at `before.version`), with its
    /// audit event.
    async fn write_clinician_update(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        actor: &Actor,
        before: &Clinician,
        update: &ClinicianUpdate,
        now: DateTime<Utc>,
    ) -> StoreResult<Clinician> {
        let sql = format!(
            "UPDATE clinicians SET name = $4, clinician_type = $5, version = version + 1 \
             WHERE tenant = $1 AND id = $2 AND version = $3 RETURNING {CLINICIAN_COLUMNS}"
        );
        let after = sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(before.id.0)
            .bind(before.version)
            .bind(update.name.trim())
            .bind(update.clinician_type.code())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::Conflict {
                entity: "clinician",
                id: before.id.to_string(),
                expected: before.version,
            })?
            .into_model()?;
        let change = Change {
            action: actions::CLINICIAN_UPDATE.into(),
            entity: "clinician",
            entity_id: before.id.to_string(),
            before: Some(clinician_summary(before)),
            after: Some(clinician_summary(&after)),
        };
        append_audit(tx, tenant, actor, now, change).await?;
        Ok(after)
    }

    /// Writes one status of a clinician of the tenant (with its audit event) inside the caller's
    /// transaction, unless a higher-ranking origin already holds it or the same value from the same
    /// origin is already recorded.
    async fn write_status(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        actor: &Actor,
        status: &ClinicianStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<StatusWrite> {
        let sql = format!(
            "SELECT {STATUS_COLUMNS} FROM clinician_statuses \
             WHERE tenant = $1 AND clinician = $2 AND year = $3 AND status = $4 FOR UPDATE"
        );
        let current = sqlx::query_as::<_, StatusRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(status.clinician.0)
            .bind(year_column(status.year))
            .bind(status.status.code())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            .map(StatusRow::into_model)
            .transpose()?;
        if let Some(c) = current {
            // CMS eligibility data outranks imported data, which outranks hand-entered values.
            if c.origin.rank() > status.origin.rank() {
                return Ok(StatusWrite::Outranked(Box::new(c)));
            }
            if c.value == status.value && c.origin == status.origin {
                return Ok(StatusWrite::Unchanged);
            }
            self.upsert_status(tx, tenant, actor, Some(&c), status, now)
                .await?;
        } else {
            self.upsert_status(tx, tenant, actor, None, status, now)
                .await?;
        }
        Ok(StatusWrite::Written)
    }

    async fn upsert_status(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        actor: &Actor,
        before: Option<&ClinicianStatus>,
        status: &ClinicianStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (origin, rank, retrieved_on) = rows::origin_columns(status.origin);
        sqlx::query(
            "INSERT INTO clinician_statuses (tenant, clinician, year, status, value, origin, origin_rank, \
             retrieved_on, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (clinician, year, status) DO UPDATE SET value = EXCLUDED.value, \
             origin = EXCLUDED.origin, origin_rank = EXCLUDED.origin_rank, \
             retrieved_on = EXCLUDED.retrieved_on, recorded_at = EXCLUDED.recorded_at",
        )
        .bind(tenant.0)
        .bind(status.clinician.0)
        .bind(year_column(status.year))
        .bind(status.status.code())
        .bind(status.value)
        .bind(origin)
        .bind(rank)
        .bind(retrieved_on)
        .bind(truncate_micros(status.recorded_at))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
        let change = hardship_store::audit::status_change(before, status);
        append_audit(tx, tenant, actor, now, change).await?;
        Ok(())
    }

    /// Saves a practice's year profile at its expected version (0 for the first save), with its audit
    /// event, inside the caller's transaction (which has checked the practice is in the tenant).
    async fn write_practice_year(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        write: &ProfileWrite,
        now: DateTime<Utc>,
    ) -> StoreResult<PracticeYear> {
        let ProfileWrite {
            year,
            expected_version,
            profile,
        } = *write;
        let profile_json = to_json("reporting profile", &profile)?;
        let conflict = || StoreError::Conflict {
            entity: "practice year",
            id: format!("{practice}/{}", year.get()),
            expected: expected_version,
        };
        let sql = format!(
            "SELECT {PRACTICE_YEAR_COLUMNS} FROM practice_years \
             WHERE tenant = $1 AND practice = $2 AND year = $3 FOR UPDATE"
        );
        let current = sqlx::query_as::<_, PracticeYearRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.0)
            .bind(year_column(year))
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            .map(PracticeYearRow::into_model)
            .transpose()?;
        if current.as_ref().map_or(0, |c| c.version) != expected_version {
            return Err(conflict());
        }
        let row = if current.is_none() {
            let sql = format!(
                "INSERT INTO practice_years (tenant, practice, year, profile, version, updated_at) \
                 VALUES ($1, $2, $3, $4, 1, $5) RETURNING {PRACTICE_YEAR_COLUMNS}"
            );
            sqlx::query_as::<_, PracticeYearRow>(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .bind(practice.0)
                .bind(year_column(year))
                .bind(&profile_json)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await
                .map_err(|e| match error::unique_violation(&e) {
                    Some("practice_years_pkey") => conflict(),
                    _ => db(e),
                })?
        } else {
            let sql = format!(
                "UPDATE practice_years SET profile = $5, version = version + 1, updated_at = $6 \
                 WHERE tenant = $1 AND practice = $2 AND year = $3 AND version = $4 \
                 RETURNING {PRACTICE_YEAR_COLUMNS}"
            );
            sqlx::query_as::<_, PracticeYearRow>(sqlx::AssertSqlSafe(sql))
                .bind(tenant.0)
                .bind(practice.0)
                .bind(year_column(year))
                .bind(expected_version)
                .bind(&profile_json)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?
        };
        let stored = row.ok_or_else(conflict)?.into_model()?;
        let change = Change {
            action: actions::PRACTICE_YEAR_SET.into(),
            entity: "practice",
            entity_id: practice.to_string(),
            before: current.as_ref().map(practice_year_summary).transpose()?,
            after: Some(practice_year_summary(&stored)?),
        };
        append_audit(tx, tenant, actor, now, change).await?;
        Ok(stored)
    }
}

/// What [`PgStore::write_status`] did.
enum StatusWrite {
    Written,
    /// The same value from the same origin was already recorded: nothing written, no event.
    Unchanged,
    /// A higher-ranking origin holds the value (it is returned); nothing written, no event.
    Outranked(Box<ClinicianStatus>),
}

/// Locks the tenant's organization row for the rest of the transaction; the per-tenant audit chain is
/// extended only under this lock.
async fn lock_tenant(conn: &mut PgConnection, tenant: TenantId) -> StoreResult<()> {
    sqlx::query_scalar::<_, Uuid>("SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE")
        .bind(tenant.0)
        .fetch_optional(conn)
        .await
        .map_err(db)?
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found("organization", tenant))
}

/// Appends the next event of the tenant's chain. Call only inside a transaction that holds the tenant lock.
async fn append_audit(
    tx: &mut Tx,
    tenant: TenantId,
    actor: &Actor,
    at: DateTime<Utc>,
    change: Change,
) -> StoreResult<AuditEvent> {
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_events WHERE tenant = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    let prev = match last {
        Some((seq, hash)) => Some((seq, rows::hash32("audit hash", hash)?)),
        None => None,
    };
    let event = AuditEvent::next(tenant, prev, at, actor, change);
    sqlx::query(
        "INSERT INTO audit_events (tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(event.tenant.0)
    .bind(event.seq)
    .bind(event.at)
    .bind(event.actor_user.as_deref())
    .bind(&event.actor_label)
    .bind(&event.action)
    .bind(&event.entity)
    .bind(&event.entity_id)
    .bind(event.before.as_deref())
    .bind(event.after.as_deref())
    .bind(event.prev_hash.as_slice())
    .bind(event.hash.as_slice())
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(event)
}

async fn exists(
    conn: &mut PgConnection,
    sql: &'static str,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<_, i32>(sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db)?
        .is_some())
}

async fn ensure_practice(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: PracticeId,
) -> StoreResult<()> {
    if exists(
        conn,
        "SELECT 1 FROM practices WHERE tenant = $1 AND id = $2",
        tenant,
        id.0,
    )
    .await?
    {
        Ok(())
    } else {
        Err(StoreError::not_found("practice", id))
    }
}

async fn ensure_organization(conn: &mut PgConnection, tenant: TenantId) -> StoreResult<()> {
    let found = sqlx::query_scalar::<_, i32>("SELECT 1 FROM organizations WHERE id = $1")
        .bind(tenant.0)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found("organization", tenant))
}

fn require(field: &'static str, value: &str) -> StoreResult<()> {
    if value.trim().is_empty() {
        Err(StoreError::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn validate_email(email: &str) -> StoreResult<()> {
    let e = email.trim();
    let valid = !e.is_empty()
        && !e.contains(char::is_whitespace)
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if valid {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "email",
            format!("{email:?} is not an email address"),
        ))
    }
}

fn year_column(year: PerformanceYear) -> i32 {
    i32::from(year.get())
}

fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|e| StoreError::Internal(format!("cannot encode the {what}: {e}")))
}

fn clinician_summary(c: &Clinician) -> String {
    json!({
        "practice": c.practice.to_string(),
        "npi": c.npi.as_str(),
        "name": c.name,
        "clinician_type": c.clinician_type.code(),
        "version": c.version,
    })
    .to_string()
}

fn practice_year_summary(y: &PracticeYear) -> StoreResult<String> {
    Ok(json!({
        "year": y.year.get(),
        "profile": to_json("reporting profile", &y.profile)?,
        "version": y.version,
    })
    .to_string())
}

fn practice_summary(p: &Practice) -> String {
    json!({
        "tin": p.tin.as_str(),
        "name": p.name,
        "address": p.address,
        "contact": { "name": p.contact.name, "email": p.contact.email, "phone": p.contact.phone },
        "zip": p.zip.map(|z| z.to_string()),
        "version": p.version,
    })
    .to_string()
}

fn application_summary(a: &Application) -> String {
    json!({
        "practice": a.draft.practice.to_string(),
        "year": a.draft.year.get(),
        "reason": a.draft.reason.code(),
        "state": a.state.name(),
        "version": a.version,
    })
    .to_string()
}

fn state_summary(state: &ApplicationState, version: i64) -> String {
    let mut v = json!({ "state": state.name(), "version": version });
    if let ApplicationState::Submitted {
        channel, reference, ..
    } = state
    {
        v["channel"] = json!(channel);
        v["reference"] = json!(reference);
    }
    if let ApplicationState::Approved {
        decided_on, email, ..
    }
    | ApplicationState::Denied {
        decided_on, email, ..
    } = state
    {
        v["decided_on"] = json!(decided_on.to_string());
        v["email"] = json!(email.map(|d| d.to_string()));
    }
    v.to_string()
}

/// Converts rows to models as they stream in, so a tenant-wide list (25,000 clinicians for a 500-practice
/// consultancy) never holds every decoded row and every model at once.
async fn map_rows<R, T>(
    mut rows: impl futures_core::Stream<Item = Result<R, sqlx::Error>> + Unpin,
    map: impl Fn(R) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    while let Some(row) = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut rows), cx)
    })
    .await
    {
        out.push(map(row.map_err(db)?)?);
    }
    Ok(out)
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> StoreResult<()> {
        self.run_migrations().await
    }

    async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization> {
        ensure_can_write(actor)?;
        check_name("an organization", name, 200)?;
        let now = self.now();
        let id = TenantId(self.env.ids.new_id());
        let mut tx = self.pool.begin().await.map_err(db)?;
        let org = sqlx::query_as::<_, OrganizationRow>(
            "INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, name, kind, created_at",
        )
        .bind(id.0)
        .bind(name.trim())
        .bind(kind.code())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "organizations_pkey",
                "organization id",
                &id.to_string(),
                "",
            )
        })?
        .into_model()?;
        lock_tenant(&mut tx, id).await?;
        let change = Change {
            action: actions::ORGANIZATION_CREATE.into(),
            entity: "organization",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({ "name": org.name, "kind": kind.code() }).to_string()),
        };
        append_audit(&mut tx, id, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(org)
    }

    async fn get_organization(&self, tenant: TenantId) -> StoreResult<Organization> {
        sqlx::query_as::<_, OrganizationRow>(
            "SELECT id, name, kind, created_at FROM organizations WHERE id = $1",
        )
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("organization", tenant))?
        .into_model()
    }

    async fn list_tenants(&self) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT id FROM organizations ORDER BY created_at, id")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<User> {
        validate_email(email)?;
        require("password_hash", password_hash)?;
        let email = email.trim();
        let row = sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, email, password_hash, created_at",
        )
        .bind(self.env.ids.new_id())
        .bind(email)
        .bind(password_hash)
        .bind(self.now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| duplicate_or_db(e, "users_email_key", "email", email, ""))?;
        Ok(row.into_model())
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query_as::<_, UserRow>(
            "SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)",
        )
        .bind(email.trim())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(UserRow::into_model))
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, password_hash, created_at FROM users WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(UserRow::into_model)
        .ok_or_else(|| StoreError::not_found("user", id))
    }

    async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
        require("password_hash", password_hash)?;
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id.0)
            .bind(password_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            Err(StoreError::not_found("user", id))
        } else {
            Ok(())
        }
    }

    async fn add_membership(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership> {
        ensure_can_write(actor)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let known = sqlx::query_scalar::<_, i32>("SELECT 1 FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if known.is_none() {
            return Err(StoreError::not_found("user", user));
        }
        let membership = sqlx::query_as::<_, MembershipRow>(
            "INSERT INTO memberships (tenant, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING tenant, user_id, role",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(role.code())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            duplicate_or_db(
                e,
                "memberships_key",
                "membership",
                &user.to_string(),
                " in this organization",
            )
        })?
        .into_model()?;
        let change = Change {
            action: actions::MEMBERSHIP_SET.into(),
            entity: "membership",
            entity_id: user.to_string(),
            before: None,
            after: Some(json!({ "user": user.to_string(), "role": role.code() }).to_string()),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(membership)
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let rows = sqlx::query_as::<_, MembershipRow>(
            "SELECT tenant, user_id, role FROM memberships WHERE user_id = $1 ORDER BY row_no",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter().map(MembershipRow::into_model).collect()
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        ensure_organization(&mut conn, tenant).await?;
        let rows = sqlx::query_as::<_, MemberRow>(
            "SELECT m.tenant, m.user_id, m.role, u.email, u.password_hash, u.created_at \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant = $1 ORDER BY m.row_no",
        )
        .bind(tenant.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.into_iter().map(MemberRow::into_model).collect()
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        u64::try_from(n).map_err(|_| corrupt("user count", n))
    }

    async fn create_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewPractice,
    ) -> StoreResult<Practice> {
        ensure_can_write(actor)?;
        check_practice_fields(&new.name, &new.address, &new.contact)?;
        let now = self.now();
        let id = PracticeId(self.env.ids.new_id());
        let mut tx = self.begin_write(tenant).await?;
        let sql = format!(
            "INSERT INTO practices (id, tenant, tin, name, address, contact_name, contact_email, contact_phone, \
             zip, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, 1, $9) RETURNING {PRACTICE_COLUMNS}"
        );
        let practice = sqlx::query_as::<_, PracticeRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .bind(new.tin.as_str())
            .bind(new.name.trim())
            .bind(&new.address)
            .bind(&new.contact.name)
            .bind(&new.contact.email)
            .bind(&new.contact.phone)
            .bind(now)
            .bind(new.zip.map(|z| z.to_string()))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .into_model()?;
        let change = Change {
            action: actions::PRACTICE_CREATE.into(),
            entity: "practice",
            entity_id: id.to_string(),
            before: None,
            after: Some(practice_summary(&practice)),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(practice)
    }

    async fn get_practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        self.fetch_practice(&mut conn, tenant, id, false).await
    }

    async fn list_practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        let sql =
            format!("SELECT {PRACTICE_COLUMNS} FROM practices WHERE tenant = $1 ORDER BY row_no");
        let rows = sqlx::query_as::<_, PracticeRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(PracticeRow::into_model).collect()
    }

    async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        ensure_can_write(actor)?;
        check_practice_fields(&update.name, &update.address, &update.contact)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let before = self.fetch_practice(&mut tx, tenant, id, true).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "practice",
                id: id.to_string(),
                expected: expected_version,
            });
        }
        let sql = format!(
            "UPDATE practices SET name = $4, address = $5, contact_name = $6, contact_email = $7, contact_phone = $8, \
             zip = $9, version = version + 1 WHERE tenant = $1 AND id = $2 AND version = $3 RETURNING {PRACTICE_COLUMNS}"
        );
        let after = sqlx::query_as::<_, PracticeRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .bind(expected_version)
            .bind(update.name.trim())
            .bind(&update.address)
            .bind(&update.contact.name)
            .bind(&update.contact.email)
            .bind(&update.contact.phone)
            .bind(update.zip.map(|z| z.to_string()))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::Conflict {
                entity: "practice",
                id: id.to_string(),
                expected: expected_version,
            })?
            .into_model()?;
        let change = Change {
            action: actions::PRACTICE_UPDATE.into(),
            entity: "practice",
            entity_id: id.to_string(),
            before: Some(practice_summary(&before)),
            after: Some(practice_summary(&after)),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician> {
        ensure_can_write(actor)?;
        check_clinician_name(Some(new.npi), &new.name)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, practice).await?;
        let clinician = self
            .insert_clinician(&mut tx, tenant, actor, practice, new, now)
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(clinician)
    }

    async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        ensure_can_write(actor)?;
        for c in &new {
            check_clinician_name(Some(c.npi), &c.name)?;
        }
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, practice).await?;
        let mut added = Vec::with_capacity(new.len());
        for c in new {
            // One event per clinician: each has its own history. A failure rolls back all of them.
            added.push(
                self.insert_clinician(&mut tx, tenant, actor, practice, c, now)
                    .await?,
            );
        }
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    async fn get_clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Clinician> {
        let sql =
            format!("SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND id = $2");
        sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("clinician", id))?
            .into_model()
    }

    async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        ensure_practice(&mut conn, tenant, practice).await?;
        let sql = format!(
            "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND practice = $2 ORDER BY row_no"
        );
        let rows = sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.into_iter().map(ClinicianRow::into_model).collect()
    }

    async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        if !exists(
            &mut tx,
            "SELECT 1 FROM clinicians WHERE tenant = $1 AND id = $2",
            tenant,
            status.clinician.0,
        )
        .await?
        {
            return Err(StoreError::not_found("clinician", status.clinician));
        }
        if let StatusWrite::Outranked(c) = self
            .write_status(&mut tx, tenant, actor, &status, now)
            .await?
        {
            // A refused change writes nothing (as on every backend).
            return Err(StoreError::invalid(
                "origin",
                format!(
                    "{} is already set {}; a value {} does not replace it",
                    status.status.label(),
                    c.origin.describe(),
                    status.origin.describe()
                ),
            ));
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        ensure_practice(&mut conn, tenant, practice).await?;
        let rows = sqlx::query_as::<_, StatusRow>(
            "SELECT s.clinician, s.year, s.status, s.value, s.origin, s.retrieved_on, s.recorded_at \
             FROM clinician_statuses s JOIN clinicians c ON c.tenant = s.tenant AND c.id = s.clinician \
             WHERE s.tenant = $1 AND c.practice = $2 AND s.year = $3 ORDER BY c.row_no, s.status",
        )
        .bind(tenant.0)
        .bind(practice.0)
        .bind(year_column(year))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.into_iter().map(StatusRow::into_model).collect()
    }

    async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        ensure_can_write(actor)?;
        application::validate_draft(&draft)?;
        let now = self.now();
        let id = ApplicationId(self.env.ids.new_id());
        let state = ApplicationState::Draft;
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, draft.practice).await?;
        let sql = format!(
            "INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING {APPLICATION_COLUMNS}"
        );
        let created = sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .bind(draft.practice.0)
            .bind(year_column(draft.year))
            .bind(to_json("application draft", &draft)?)
            .bind(to_json("application state", &state)?)
            .bind(state.name())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?
            .into_model()?;
        let change = Change {
            action: actions::APPLICATION_CREATE.into(),
            entity: "application",
            entity_id: id.to_string(),
            before: None,
            after: Some(application_summary(&created)),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        self.fetch_application(&mut conn, tenant, id, false).await
    }

    async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE tenant = $1 AND ($2::integer IS NULL OR year = $2) \
             ORDER BY row_no"
        );
        let rows = sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(year.map(year_column))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(ApplicationRow::into_model).collect()
    }

    async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        ensure_can_write(actor)?;
        application::validate_draft(&draft)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let before = self.fetch_application(&mut tx, tenant, id, true).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "application",
                id: id.to_string(),
                expected: expected_version,
            });
        }
        // Editing a ready application sends it back to draft (it must be marked ready again);
        // later states are frozen.
        match before.state {
            ApplicationState::Draft | ApplicationState::Ready => {}
            ref other => {
                return Err(StoreError::IllegalTransition {
                    action: "edit",
                    state: other.name(),
                    reason: " (only a draft or ready application can be edited)".into(),
                });
            }
        }
        if draft.practice != before.draft.practice {
            return Err(StoreError::invalid(
                "practice",
                "an application cannot move to another practice",
            ));
        }
        let draft_state = to_json("application state", &ApplicationState::Draft)?;
        let sql = format!(
            "UPDATE applications SET draft = $4, practice = $5, year = $6, version = version + 1, updated_at = $7, \
             state = $8, state_name = 'draft' \
             WHERE tenant = $1 AND id = $2 AND version = $3 RETURNING {APPLICATION_COLUMNS}"
        );
        let after = sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .bind(expected_version)
            .bind(to_json("application draft", &draft)?)
            .bind(draft.practice.0)
            .bind(year_column(draft.year))
            .bind(now)
            .bind(draft_state)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::Conflict {
                entity: "application",
                id: id.to_string(),
                expected: expected_version,
            })?
            .into_model()?;
        let change = Change {
            action: actions::APPLICATION_EDIT.into(),
            entity: "application",
            entity_id: id.to_string(),
            before: Some(application_summary(&before)),
            after: Some(application_summary(&after)),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: Transition,
    ) -> StoreResult<Application> {
        ensure_can_write(actor)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let before = self.fetch_application(&mut tx, tenant, id, true).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "application",
                id: id.to_string(),
                expected: expected_version,
            });
        }
        if let Transition::Approve {
            email: Some(doc), ..
        }
        | Transition::Deny {
            email: Some(doc), ..
        } = &transition
            && !exists(
                &mut tx,
                "SELECT 1 FROM documents WHERE tenant = $1 AND id = $2",
                tenant,
                doc.0,
            )
            .await?
        {
            return Err(StoreError::not_found("document", doc));
        }
        let state =
            application::apply(&before.draft, &before.state, &transition, &actor.label, now)?;
        let sql = format!(
            "UPDATE applications SET state = $4, state_name = $5, version = version + 1, updated_at = $6 \
             WHERE tenant = $1 AND id = $2 AND version = $3 RETURNING {APPLICATION_COLUMNS}"
        );
        let after = sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .bind(expected_version)
            .bind(to_json("application state", &state)?)
            .bind(state.name())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::Conflict {
                entity: "application",
                id: id.to_string(),
                expected: expected_version,
            })?
            .into_model()?;
        let change = Change {
            action: transition.action().into(),
            entity: "application",
            entity_id: id.to_string(),
            before: Some(state_summary(&before.state, before.version)),
            after: Some(state_summary(&after.state, after.version)),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        decision: StoredDecision,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        if decision.tenant != tenant {
            return Err(StoreError::invalid(
                "tenant",
                "the decision belongs to another organization",
            ));
        }
        require("rule_set_version", &decision.rule_set_version)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, decision.practice).await?;
        if let Some(clinician) = decision.clinician {
            let found = sqlx::query_scalar::<_, i32>(
                "SELECT 1 FROM clinicians WHERE tenant = $1 AND id = $2 AND practice = $3",
            )
            .bind(tenant.0)
            .bind(clinician.0)
            .bind(decision.practice.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if found.is_none() {
                return Err(StoreError::not_found("clinician", clinician));
            }
        }
        sqlx::query(
            "INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, \
             explanation, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(decision.id.0)
        .bind(tenant.0)
        .bind(decision.practice.0)
        .bind(decision.clinician.map(|c| c.0))
        .bind(year_column(decision.year))
        .bind(&decision.rule_set_version)
        .bind(decision.reweighted)
        .bind(&decision.basis)
        .bind(&decision.explanation)
        .bind(truncate_micros(decision.decided_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| duplicate_or_db(e, "decisions_pkey", "decision", &decision.id.to_string(), ""))?;
        let change = Change {
            action: actions::DECISION_RECORD.into(),
            entity: "decision",
            entity_id: decision.id.to_string(),
            before: None,
            after: Some(
                json!({
                    "practice": decision.practice.to_string(),
                    "clinician": decision.clinician.map(|c| c.to_string()),
                    "year": decision.year.get(),
                    "rule_set_version": decision.rule_set_version,
                    "reweighted": decision.reweighted,
                    "basis": decision.basis,
                })
                .to_string(),
            ),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        ensure_practice(&mut conn, tenant, practice).await?;
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE tenant = $1 AND practice = $2 ORDER BY decided_at, row_no"
        );
        let rows = sqlx::query_as::<_, DecisionRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.into_iter().map(DecisionRow::into_model).collect()
    }

    async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        doc: NewDocument,
    ) -> StoreResult<Document> {
        ensure_can_write(actor)?;
        validate_new_document(&doc)?;
        require("object_key", &doc.object_key)?;
        let size = i64::try_from(doc.size)
            .map_err(|_| StoreError::invalid("size", format!("{} bytes is too large", doc.size)))?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, doc.practice).await?;
        if let Some(app) = doc.application
            && !exists(
                &mut tx,
                "SELECT 1 FROM applications WHERE tenant = $1 AND id = $2",
                tenant,
                app.0,
            )
            .await?
        {
            return Err(StoreError::not_found("application", app));
        }
        let sql = format!(
            "INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, \
             object_key, retain_until, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {DOCUMENT_COLUMNS}"
        );
        let document = sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql))
            .bind(doc.id.0)
            .bind(tenant.0)
            .bind(doc.practice.0)
            .bind(doc.application.map(|a| a.0))
            .bind(&doc.kind)
            .bind(&doc.filename)
            .bind(&doc.content_type)
            .bind(size)
            .bind(doc.sha256.as_slice())
            .bind(&doc.object_key)
            .bind(doc.retain_until)
            .bind(&actor.label)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match error::unique_violation(&e) {
                Some("documents_object_key_key") => StoreError::Duplicate {
                    field: "object_key",
                    value: doc.object_key.clone(),
                    context: String::new(),
                },
                Some("documents_pkey") => StoreError::Duplicate {
                    field: "document",
                    value: doc.id.to_string(),
                    context: String::new(),
                },
                _ => db(e),
            })?
            .into_model()?;
        let change = Change {
            action: actions::DOCUMENT_UPLOAD.into(),
            entity: "document",
            entity_id: doc.id.to_string(),
            before: None,
            after: Some(
                json!({
                    "practice": doc.practice.to_string(),
                    "application": doc.application.map(|a| a.to_string()),
                    "kind": doc.kind,
                    "filename": doc.filename,
                    "size": doc.size,
                    "sha256": hardship_store::hex(&doc.sha256),
                    "retain_until": doc.retain_until.to_string(),
                })
                .to_string(),
            ),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(document)
    }

    async fn get_document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Document> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND id = $2");
        sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("document", id))?
            .into_model()
    }

    async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        if let Some(p) = practice {
            ensure_practice(&mut conn, tenant, p).await?;
        }
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND ($2::uuid IS NULL OR practice = $2) \
             ORDER BY row_no"
        );
        let rows = sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.map(|p| p.0))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.into_iter().map(DocumentRow::into_model).collect()
    }

    async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        require("reason", reason)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND id = $2");
        let doc = sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("document", id))?
            .into_model()?;
        let change = Change {
            action: actions::DOCUMENT_DELETE_REFUSED.into(),
            entity: "document",
            entity_id: id.to_string(),
            before: Some(
                json!({ "filename": doc.filename, "retain_until": doc.retain_until.to_string() })
                    .to_string(),
            ),
            after: Some(json!({ "reason": reason }).to_string()),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn record_observation(
        &self,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()> {
        if !actions::OBSERVATIONS.contains(&change.action.as_str()) {
            return Err(StoreError::Internal(format!(
                "{} is not an observation",
                change.action
            )));
        }
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE tenant = $1 AND ($2::text IS NULL OR entity_id = $2) \
             ORDER BY seq"
        );
        let rows = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(entity_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(AuditRow::into_model).collect()
    }

    async fn create_session(&self, session: Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, tenant, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.token_hash.to_vec())
        .bind(session.user.0)
        .bind(session.tenant.map(|t| t.0))
        .bind(&session.csrf_token)
        .bind(truncate_micros(session.created_at))
        .bind(truncate_micros(session.expires_at))
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                match (d.constraint(), session.tenant) {
                    (Some("sessions_tenant_fkey"), Some(t)) => {
                        StoreError::not_found("organization", t)
                    }
                    _ => StoreError::not_found("user", session.user),
                }
            }
            _ => db(e),
        })?;
        Ok(())
    }

    async fn get_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        type SessionRow = (
            Vec<u8>,
            Uuid,
            Option<Uuid>,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT token_hash, user_id, tenant, csrf_token, created_at, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash.to_vec())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|(hash, user, tenant, csrf_token, created_at, expires_at)| {
            Ok(Session {
                token_hash: rows::hash32("session hash", hash)?,
                user: UserId(user),
                tenant: tenant.map(TenantId),
                csrf_token,
                created_at,
                expires_at,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
            .bind(now - chrono::Duration::days(1))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    async fn reserve_attempt(
        &self,
        attempt: Uuid,
        limits: &[AttemptLimit],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), DateTime<Utc>>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // One transaction-scoped advisory lock per key (in a fixed order, so two attempts never wait on
        // each other crosswise): the count and the insert are one step for every other instance.
        let mut keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7431))")
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        for limit in limits {
            let (count, earliest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                "SELECT count(*), min(at) FROM sign_in_failures WHERE key = $1 AND at >= $2",
            )
            .bind(&limit.key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            if count >= i64::from(limit.max) {
                return Ok(Err(earliest.unwrap_or(now)));
            }
        }
        let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        sqlx::query(
            "INSERT INTO sign_in_failures (key, at, attempt) SELECT k, $2, $3 FROM unnest($1::text[]) AS k",
        )
        .bind(&keys)
        .bind(now)
        .bind(attempt)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Ok(()))
    }

    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE attempt = $1 OR key = ANY($2)")
            .bind(attempt)
            .bind(forget)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn sign_in_failures(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        let rows: Vec<(String, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT key, count(*), min(at) FROM sign_in_failures \
             WHERE key = ANY($1) AND at >= $2 GROUP BY key",
        )
        .bind(keys)
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(key, count, earliest)| SignInFailures {
                key,
                count: u32::try_from(count).unwrap_or(u32::MAX),
                earliest,
            })
            .collect())
    }

    async fn create_api_token(
        &self,
        tenant: TenantId,
        actor: &Actor,
        name: &str,
        role: Role,
        scope: TokenScope,
        token_hash: [u8; 32],
    ) -> StoreResult<ApiToken> {
        ensure_can_write(actor)?;
        check_name("an API token", name, 100)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let token = ApiToken {
            id: self.env.ids.new_id(),
            tenant,
            name: name.trim().to_owned(),
            role,
            scope,
            token_hash,
            created_by: actor.label.clone(),
            created_at: now,
            revoked: false,
        };
        sqlx::query("INSERT INTO api_tokens (id, tenant, name, role, scope, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(token.id)
            .bind(tenant.0)
            .bind(&token.name)
            .bind(role.code())
            .bind(scope.code())
            .bind(token_hash.to_vec())
            .bind(&token.created_by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::API_TOKEN_CREATE.into(),
            entity: "api_token",
            entity_id: token.id.to_string(),
            before: None,
            after: Some(
                json!({"name": token.name, "role": role.code(), "scope": scope.code()}).to_string(),
            ),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    async fn find_api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND NOT revoked"
        );
        sqlx::query_as::<_, ApiTokenRow>(sqlx::AssertSqlSafe(sql))
            .bind(token_hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(ApiTokenRow::into_model)
            .transpose()
    }

    async fn revoke_api_token(&self, tenant: TenantId, actor: &Actor, id: Uuid) -> StoreResult<()> {
        ensure_can_write(actor)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let r = sqlx::query(
            "UPDATE api_tokens SET revoked = true WHERE tenant = $1 AND id = $2 AND NOT revoked",
        )
        .bind(tenant.0)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(StoreError::not_found("api token", id));
        }
        let change = Change {
            action: actions::API_TOKEN_REVOKE.into(),
            entity: "api_token",
            entity_id: id.to_string(),
            before: None,
            after: None,
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn update_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        ensure_can_write(actor)?;
        check_clinician_name(None, &update.name)?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let before = self.fetch_clinician(&mut tx, tenant, id, true).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                entity: "clinician",
                id: id.to_string(),
                expected: expected_version,
            });
        }
        let after = self
            .write_clinician_update(&mut tx, tenant, actor, &before, &update, now)
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn import_roster(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary> {
        ensure_can_write(actor)?;
        for p in &profiles {
            p.profile.validate()?;
        }
        for e in &entries {
            check_clinician_name(Some(e.npi), &e.name)?;
        }
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, practice).await?;
        let sql = format!(
            "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND practice = $2 \
             ORDER BY row_no FOR UPDATE"
        );
        let roster = sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let mut by_npi = HashMap::with_capacity(roster.len() + entries.len());
        for row in roster {
            let c = row.into_model()?;
            by_npi.insert(c.npi, c);
        }
        let mut summary = RosterImportSummary::default();
        // One event per change, each in this transaction: a failure anywhere rolls back all of them.
        for e in entries {
            let name = e.name.trim();
            let clinician = match by_npi.get(&e.npi).cloned() {
                Some(c) if c.name == name && c.clinician_type == e.clinician_type => {
                    summary.unchanged += 1;
                    c.id
                }
                Some(c) => {
                    let update = ClinicianUpdate {
                        name: name.to_owned(),
                        clinician_type: e.clinician_type,
                    };
                    let after = self
                        .write_clinician_update(&mut tx, tenant, actor, &c, &update, now)
                        .await?;
                    summary.updated += 1;
                    let id = after.id;
                    by_npi.insert(after.npi, after);
                    id
                }
                None => {
                    let new = NewClinician {
                        npi: e.npi,
                        name: name.to_owned(),
                        clinician_type: e.clinician_type,
                    };
                    let added = self
                        .insert_clinician(&mut tx, tenant, actor, practice, new, now)
                        .await?;
                    summary.added += 1;
                    let id = added.id;
                    by_npi.insert(added.npi, added);
                    id
                }
            };
            for (year, status, value) in e.statuses {
                let s = ClinicianStatus {
                    clinician,
                    year,
                    status,
                    value,
                    origin: e.origin,
                    recorded_at: now,
                };
                match self.write_status(&mut tx, tenant, actor, &s, now).await? {
                    StatusWrite::Written => summary.statuses_set += 1,
                    StatusWrite::Unchanged => {}
                    StatusWrite::Outranked(_) => summary.statuses_kept_from_cms += 1,
                }
            }
        }
        for p in &profiles {
            self.write_practice_year(&mut tx, tenant, actor, practice, p, now)
                .await?;
            summary.profiles_set += 1;
        }
        tx.commit().await.map_err(db)?;
        Ok(summary)
    }

    async fn list_tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>> {
        // The same order as the SQLite backend: by practice, then name (byte order), then NPI.
        let sql = format!(
            "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 \
             ORDER BY practice, name COLLATE \"C\", npi"
        );
        let rows = sqlx::query_as::<_, ClinicianRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .fetch(&self.pool);
        map_rows(rows, ClinicianRow::into_model).await
    }

    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        let sql = format!(
            "SELECT {STATUS_COLUMNS} FROM clinician_statuses WHERE tenant = $1 AND year = $2 \
             ORDER BY clinician, status COLLATE \"C\""
        );
        let rows = sqlx::query_as::<_, StatusRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(year_column(year))
            .fetch(&self.pool);
        map_rows(rows, StatusRow::into_model).await
    }

    async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        ensure_practice(&mut conn, tenant, practice).await?;
        let sql = format!(
            "SELECT {PRACTICE_YEAR_COLUMNS} FROM practice_years \
             WHERE tenant = $1 AND practice = $2 AND year = $3"
        );
        let row = sqlx::query_as::<_, PracticeYearRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(practice.0)
            .bind(year_column(year))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        match row {
            Some(r) => r.into_model(),
            None => Ok(PracticeYear {
                tenant,
                practice,
                year,
                profile: ReportingProfile::default(),
                version: 0,
                updated_at: DateTime::<Utc>::UNIX_EPOCH,
            }),
        }
    }

    async fn set_practice_year(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        year: PerformanceYear,
        expected_version: i64,
        profile: ReportingProfile,
    ) -> StoreResult<PracticeYear> {
        ensure_can_write(actor)?;
        profile.validate()?;
        let now = self.now();
        let mut tx = self.begin_write(tenant).await?;
        ensure_practice(&mut tx, tenant, practice).await?;
        let write = ProfileWrite {
            year,
            expected_version,
            profile,
        };
        let stored = self
            .write_practice_year(&mut tx, tenant, actor, practice, &write, now)
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        let sql = format!(
            "SELECT {PRACTICE_YEAR_COLUMNS} FROM practice_years WHERE tenant = $1 AND year = $2 \
             ORDER BY practice"
        );
        let rows = sqlx::query_as::<_, PracticeYearRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .bind(year_column(year))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(PracticeYearRow::into_model).collect()
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

    async fn list_api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE tenant = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query_as::<_, ApiTokenRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(ApiTokenRow::into_model).collect()
    }

    async fn set_session_tenant(&self, token_hash: &[u8; 32], tenant: TenantId) -> StoreResult<()> {
        let done = sqlx::query("UPDATE sessions SET tenant = $2 WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .bind(tenant.0)
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                    StoreError::not_found("organization", tenant)
                }
                _ => db(e),
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("session", "(this session)"));
        }
        Ok(())
    }

    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
        )
        .bind(user.0)
        .bind(keep.map(|k| k.to_vec()))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn create_invite(
        &self,
        tenant: TenantId,
        actor: &Actor,
        email: &str,
        role: Role,
        token_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<Invite> {
        ensure_can_write(actor)?;
        let email = normalize_email(email)?;
        let now = self.now();
        let id = InviteId(self.env.ids.new_id());
        let mut tx = self.begin_write(tenant).await?;
        let sql = format!(
            "INSERT INTO invites (id, tenant, email, role, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {INVITE_COLUMNS}"
        );
        let invite = sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .bind(tenant.0)
            .bind(&email)
            .bind(role.code())
            .bind(token_hash.to_vec())
            .bind(&actor.label)
            .bind(now)
            .bind(truncate_micros(expires_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match error::unique_violation(&e) {
                Some("invites_token_hash_key") => StoreError::Duplicate {
                    field: "invitation token",
                    value: "(this link's)".into(),
                    context: String::new(),
                },
                Some("invites_pkey") => StoreError::Duplicate {
                    field: "invitation",
                    value: id.to_string(),
                    context: String::new(),
                },
                _ => db(e),
            })?
            .into_model()?;
        let change = Change {
            action: actions::INVITE_CREATE.into(),
            entity: "invite",
            entity_id: id.to_string(),
            before: None,
            after: Some(
                json!({
                    "email": invite.email,
                    "role": role.code(),
                    "expires_at": invite.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                })
                .to_string(),
            ),
        };
        append_audit(&mut tx, tenant, actor, now, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(invite)
    }

    async fn find_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        let sql = format!(
            "SELECT {INVITE_COLUMNS} FROM invites \
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"
        );
        sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql))
            .bind(token_hash.to_vec())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(InviteRow::into_model)
            .transpose()
    }

    async fn list_invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        let sql = format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE tenant = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter().map(InviteRow::into_model).collect()
    }

    async fn accept_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)> {
        // The invitee acts for themselves: no member's write role is needed, only a valid invitation.
        let gone = || StoreError::not_found("invitation", "(used, expired or unknown)");
        // The invitation's tenant never changes, so it can be read before taking that tenant's write
        // lock (which keeps its audit chain single); the invitation itself is re-read under the lock.
        let tenant =
            sqlx::query_scalar::<_, Uuid>("SELECT tenant FROM invites WHERE token_hash = $1")
                .bind(token_hash.to_vec())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?
                .map(TenantId)
                .ok_or_else(gone)?;
        let accepted = self.now();
        let mut tx = self.begin_write(tenant).await?;
        let sql = format!(
            "SELECT {INVITE_COLUMNS} FROM invites \
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2 FOR UPDATE"
        );
        let mut invite = sqlx::query_as::<_, InviteRow>(sqlx::AssertSqlSafe(sql))
            .bind(token_hash.to_vec())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(gone)?
            .into_model()?;
        let existing = sqlx::query_as::<_, UserRow>(
            "SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)",
        )
        .bind(&invite.email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(UserRow::into_model);
        acceptance.check(&invite.email, existing.as_ref())?;
        let user = match (existing, acceptance) {
            (Some(u), _) => u,
            (None, InviteAcceptance::NewAccount { password_hash }) => sqlx::query_as::<_, UserRow>(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, email, password_hash, created_at",
            )
            .bind(self.env.ids.new_id())
            .bind(&invite.email)
            .bind(password_hash)
            .bind(accepted)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| duplicate_or_db(e, "users_email_key", "email", &invite.email, ""))?
            .into_model(),
            (None, InviteAcceptance::SignedIn { .. }) => {
                return Err(StoreError::Forbidden(
                    "the invited account does not exist".into(),
                ));
            }
        };
        let previous_role = sqlx::query_scalar::<_, String>(
            "SELECT role FROM memberships WHERE tenant = $1 AND user_id = $2 FOR UPDATE",
        )
        .bind(tenant.0)
        .bind(user.id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO memberships (tenant, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT ON CONSTRAINT memberships_key DO UPDATE SET role = EXCLUDED.role",
        )
        .bind(tenant.0)
        .bind(user.id.0)
        .bind(invite.role.code())
        .bind(accepted)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let done = sqlx::query(
            "UPDATE invites SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL",
        )
        .bind(invite.id.0)
        .bind(accepted)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(gone());
        }
        let actor = Actor {
            user: Some(user.id),
            label: user.email.clone(),
            role: invite.role,
        };
        let change = Change {
            action: actions::INVITE_ACCEPT.into(),
            entity: "membership",
            entity_id: user.id.to_string(),
            before: previous_role.map(|role| json!({ "role": role }).to_string()),
            after: Some(
                json!({
                    "invite": invite.id.to_string(),
                    "user": user.id.to_string(),
                    "role": invite.role.code(),
                })
                .to_string(),
            ),
        };
        append_audit(&mut tx, tenant, &actor, accepted, change).await?;
        tx.commit().await.map_err(db)?;
        invite.accepted_at = Some(accepted);
        Ok((invite, user))
    }

    async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        backup::pg_dump(&self.url, path).await
    }
}

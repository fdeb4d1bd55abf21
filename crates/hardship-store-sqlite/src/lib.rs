//! `hardship-store-sqlite`: the embedded default backend. One file in the data directory, WAL journal,
//! a busy timeout, and write transactions that take the write lock at `BEGIN IMMEDIATE` so two writers
//! never deadlock upgrading a read lock. Every write appends its audit event in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use hardship_rules::{ClinicianType, Npi, PerformanceYear, SpecialStatus, Tin};
use hardship_store::application::{self, Transition};
use hardship_store::audit::{AuditEvent, Change, actions};
use hardship_store::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// Tenant revisions served without a query while the WAL index shows no new commit.
mod revision;

pub struct SqliteStore {
    pool: SqlitePool,
    env: Env,
    revisions: revision::RevisionMemo,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl SqliteStore {
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
        let store = SqliteStore {
            pool,
            env,
            revisions: revision::RevisionMemo::new(Some(path.to_path_buf())),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens from a `sqlite://PATH` URL or a plain path.
    pub async fn open_url(url: &str, env: Env) -> StoreResult<SqliteStore> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        SqliteStore::open(Path::new(path), env).await
    }

    async fn begin_write(&self, actor: &Actor) -> StoreResult<Transaction<'static, Sqlite>> {
        ensure_can_write(actor)?;
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    /// Appends the tenant's next audit event inside the caller's transaction.
    async fn audit(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()> {
        let last = sqlx::query(
            "SELECT seq, hash FROM audit_events WHERE tenant = ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
        let prev = match last {
            Some(row) => {
                let seq: i64 = row.try_get("seq").map_err(db)?;
                let hash: Vec<u8> = row.try_get("hash").map_err(db)?;
                Some((seq, to32(&hash)?))
            }
            None => None,
        };
        let e = AuditEvent::next(tenant, prev, self.env.clock.now(), actor, change);
        sqlx::query(
            "INSERT INTO audit_events (tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tenant.to_string())
        .bind(e.seq)
        .bind(ts(e.at))
        .bind(e.actor_user)
        .bind(e.actor_label)
        .bind(e.action)
        .bind(e.entity)
        .bind(e.entity_id)
        .bind(e.before)
        .bind(e.after)
        .bind(e.prev_hash.to_vec())
        .bind(e.hash.to_vec())
        .execute(&mut **tx)
        .await
        .map_err(db)?;
        Ok(())
    }

    fn now(&self) -> DateTime<Utc> {
        hardship_store::audit::truncate_micros(self.env.clock.now())
    }

    /// Saves a year profile at its expected version, with its audit event, inside the caller's transaction.
    async fn write_practice_year(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        w: ProfileWrite,
    ) -> StoreResult<PracticeYear> {
        let ProfileWrite {
            year,
            expected_version,
            profile,
        } = w;
        let current = sqlx::query(
            "SELECT * FROM practice_years WHERE tenant = ? AND practice = ? AND year = ?",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .bind(i64::from(year.get()))
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .map(|r| practice_year_from(&r))
        .transpose()?;
        let current_version = current.as_ref().map_or(0, |c| c.version);
        if current_version != expected_version {
            return Err(stale(
                "practice year",
                format!("{practice}/{year}"),
                expected_version,
            ));
        }
        let now = self.now();
        let stored = PracticeYear {
            tenant,
            practice,
            year,
            profile,
            version: expected_version + 1,
            updated_at: now,
        };
        sqlx::query("INSERT INTO practice_years (tenant, practice, year, profile, version, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (practice, year) DO UPDATE SET profile = excluded.profile, version = excluded.version, updated_at = excluded.updated_at")
            .bind(tenant.to_string())
            .bind(practice.to_string())
            .bind(i64::from(year.get()))
            .bind(to_json(&profile)?)
            .bind(stored.version)
            .bind(ts(now))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::PRACTICE_YEAR_SET.into(),
            entity: "practice",
            entity_id: practice.to_string(),
            before: current.map(|c| to_json(&c.profile)).transpose()?,
            after: Some(format!(
                "{{\"year\":{year},\"profile\":{}}}",
                to_json(&profile)?
            )),
        };
        self.audit(tx, tenant, actor, change).await?;
        Ok(stored)
    }

    /// Inserts a new clinician with its audit event inside the caller's transaction.
    async fn insert_clinician(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        actor: &Actor,
        cl: &Clinician,
    ) -> StoreResult<()> {
        let r = sqlx::query("INSERT INTO clinicians (id, tenant, practice, npi, name, clinician_type, version, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)")
            .bind(cl.id.to_string())
            .bind(cl.tenant.to_string())
            .bind(cl.practice.to_string())
            .bind(cl.npi.as_str())
            .bind(&cl.name)
            .bind(cl.clinician_type.code())
            .bind(ts(cl.created_at))
            .execute(&mut **tx)
            .await;
        match r {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    field: "npi",
                    value: cl.npi.to_string(),
                    context: " on this practice's roster".into(),
                });
            }
            Err(e) => return Err(db(e)),
        }
        let change = Change {
            action: actions::CLINICIAN_ADD.into(),
            entity: "clinician",
            entity_id: cl.id.to_string(),
            before: None,
            after: summary(&[
                ("npi", cl.npi.to_string()),
                ("name", cl.name.clone()),
                ("type", cl.clinician_type.code().into()),
            ]),
        };
        self.audit(tx, cl.tenant, actor, change).await
    }

    /// Updates a clinician read in the same transaction, with its audit event.
    async fn write_clinician_update(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        tenant: TenantId,
        actor: &Actor,
        before: &Clinician,
        update: &ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        let name = update.name.trim();
        let r = sqlx::query("UPDATE clinicians SET name = ?, clinician_type = ?, version = version + 1 WHERE tenant = ? AND id = ? AND version = ?")
            .bind(name)
            .bind(update.clinician_type.code())
            .bind(tenant.to_string())
            .bind(before.id.to_string())
            .bind(before.version)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("clinician", before.id, before.version));
        }
        let change = Change {
            action: actions::CLINICIAN_UPDATE.into(),
            entity: "clinician",
            entity_id: before.id.to_string(),
            before: summary(&[
                ("name", before.name.clone()),
                ("type", before.clinician_type.code().into()),
            ]),
            after: summary(&[
                ("name", name.to_owned()),
                ("type", update.clinician_type.code().into()),
            ]),
        };
        self.audit(tx, tenant, actor, change).await?;
        Ok(Clinician {
            name: name.to_owned(),
            clinician_type: update.clinician_type,
            version: before.version + 1,
            ..before.clone()
        })
    }

    /// Writes one status (with its audit event) inside the caller's transaction, unless a value of a
    /// higher-ranking origin is already recorded.
    async fn write_status(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        tenant: TenantId,
        actor: &Actor,
        status: &ClinicianStatus,
    ) -> StoreResult<StatusWrite> {
        let current = sqlx::query(
            "SELECT * FROM clinician_statuses WHERE clinician = ? AND year = ? AND status = ?",
        )
        .bind(status.clinician.to_string())
        .bind(i64::from(status.year.get()))
        .bind(status.status.code())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
        let before = current.as_ref().map(status_from).transpose()?;
        if let Some(b) = before.clone()
            && b.origin.rank() > status.origin.rank()
        {
            return Ok(StatusWrite::Outranked(Box::new(b)));
        }
        if let Some(b) = &before
            && b.value == status.value
            && b.origin == status.origin
        {
            return Ok(StatusWrite::Unchanged);
        }
        let recorded_at = self.now();
        sqlx::query("INSERT INTO clinician_statuses (tenant, clinician, year, status, value, origin, origin_rank, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (clinician, year, status) DO UPDATE SET value = excluded.value, origin = excluded.origin, origin_rank = excluded.origin_rank, recorded_at = excluded.recorded_at")
            .bind(tenant.to_string())
            .bind(status.clinician.to_string())
            .bind(i64::from(status.year.get()))
            .bind(status.status.code())
            .bind(i64::from(status.value))
            .bind(to_json(&status.origin)?)
            .bind(i64::from(status.origin.rank()))
            .bind(ts(recorded_at))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        let change = hardship_store::audit::status_change(before.as_ref(), status);
        self.audit(tx, tenant, actor, change).await?;
        Ok(StatusWrite::Written)
    }

    fn id(&self) -> Uuid {
        self.env.ids.new_id()
    }

    async fn practice_in(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice> {
        let row = row_in(
            &self.pool,
            "SELECT * FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "practice",
        )
        .await?;
        practice_from(&row)
    }
}

/// What [`SqliteStore::write_status`] did.
enum StatusWrite {
    Written,
    /// The same value from the same origin was already recorded: nothing to write.
    Unchanged,
    /// A higher-ranking origin holds the value; nothing was written.
    Outranked(Box<ClinicianStatus>),
}

// ---- tenant-scoped lookups ---------------------------------------------------------------------------

/// Fails with `NotFound` unless `sql` (`SELECT 1 … WHERE tenant = ? AND id = ?`) finds the row in the tenant.
async fn require_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(
    ex: E,
    sql: &'static str,
    tenant: TenantId,
    id: impl std::fmt::Display,
    entity: &'static str,
) -> StoreResult<()> {
    row_in(ex, sql, tenant, id, entity).await.map(|_| ())
}

/// The one row `sql` (`… WHERE tenant = ? AND id = ?`) finds in the tenant, or `NotFound`.
async fn row_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(
    ex: E,
    sql: &'static str,
    tenant: TenantId,
    id: impl std::fmt::Display,
    entity: &'static str,
) -> StoreResult<SqliteRow> {
    sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found(entity, id))
}

/// The error for a write based on a version that is no longer current.
fn stale(entity: &'static str, id: impl std::fmt::Display, expected: i64) -> StoreError {
    StoreError::Conflict {
        entity,
        id: id.to_string(),
        expected,
    }
}

/// The application as it stands inside the write transaction, if it is still at `expected` version.
async fn application_at_version(
    tx: &mut Transaction<'static, Sqlite>,
    tenant: TenantId,
    id: ApplicationId,
    expected: i64,
) -> StoreResult<Application> {
    let row = row_in(
        &mut **tx,
        "SELECT * FROM applications WHERE tenant = ? AND id = ?",
        tenant,
        id,
        "application",
    )
    .await?;
    let current = application_from(&row)?;
    if current.version != expected {
        return Err(stale("application", id, expected));
    }
    Ok(current)
}

// ---- conversions -------------------------------------------------------------------------------------

/// Creates the database file readable and writable by its owner only (0600), or narrows an existing
/// one to that: it holds every tenant's records. SQLite gives its `-wal` and `-shm` files the database
/// file's permissions.
fn private_file(path: &Path) -> StoreResult<()> {
    let failed = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", path.display()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        opts.open(path).map_err(failed)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
    }
    #[cfg(not(unix))]
    opts.open(path).map_err(failed)?;
    Ok(())
}

fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(d) if d.message().contains("database is locked") => {
            StoreError::Unavailable(d.message().to_owned())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Internal(format!("bad timestamp {s:?}: {e}")))
}

fn parse_date(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::from_str(s).map_err(|e| StoreError::Internal(format!("bad date {s:?}: {e}")))
}

fn to32(v: &[u8]) -> StoreResult<[u8; 32]> {
    v.try_into()
        .map_err(|_| StoreError::Internal("stored hash is not 32 bytes".into()))
}

fn uuid_of(row: &SqliteRow, col: &str) -> StoreResult<Uuid> {
    let s: String = row.try_get(col).map_err(db)?;
    Uuid::parse_str(&s).map_err(|e| StoreError::Internal(format!("bad id in {col}: {e}")))
}

fn text(row: &SqliteRow, col: &str) -> StoreResult<String> {
    row.try_get(col).map_err(db)
}

fn json<T: serde::de::DeserializeOwned>(row: &SqliteRow, col: &str) -> StoreResult<T> {
    let s: String = row.try_get(col).map_err(db)?;
    serde_json::from_str(&s).map_err(|e| StoreError::Internal(format!("bad JSON in {col}: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

fn domain<T, E: std::fmt::Display>(r: Result<T, E>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Internal(format!("stored value no longer parses: {e}")))
}

fn practice_from(row: &SqliteRow) -> StoreResult<Practice> {
    Ok(Practice {
        id: PracticeId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        tin: domain(Tin::parse(&text(row, "tin")?))?,
        name: text(row, "name")?,
        address: text(row, "address")?,
        contact: Contact {
            name: text(row, "contact_name")?,
            email: text(row, "contact_email")?,
            phone: text(row, "contact_phone")?,
        },
        zip: row
            .try_get::<Option<String>, _>("zip")
            .map_err(db)?
            .map(|z| domain(hardship_rules::Zip5::parse(&z)))
            .transpose()?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

/// Maps rows as they arrive instead of collecting them first. A row is allocated on the connection's own
/// thread; holding a tenant's 25,000 clinician rows at once left each of the pool's threads with an
/// allocator arena the size of that result (bench/load.sh --soak: 300 MB resident instead of 100).
async fn map_rows<T>(
    mut rows: impl futures_core::Stream<Item = Result<SqliteRow, sqlx::Error>> + Unpin,
    map: impl Fn(&SqliteRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    while let Some(row) = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut rows), cx)
    })
    .await
    {
        out.push(map(&row.map_err(db)?)?);
    }
    Ok(out)
}

fn clinician_from(row: &SqliteRow) -> StoreResult<Clinician> {
    Ok(Clinician {
        id: ClinicianId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        npi: domain(Npi::parse(&text(row, "npi")?))?,
        name: text(row, "name")?,
        clinician_type: domain(ClinicianType::parse(&text(row, "clinician_type")?))?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

fn application_from(row: &SqliteRow) -> StoreResult<Application> {
    Ok(Application {
        id: ApplicationId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        draft: json(row, "draft")?,
        state: json(row, "state")?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
        updated_at: parse_ts(&text(row, "updated_at")?)?,
    })
}

fn document_from(row: &SqliteRow) -> StoreResult<Document> {
    let application: Option<String> = row.try_get("application").map_err(db)?;
    let size: i64 = row.try_get("size").map_err(db)?;
    Ok(Document {
        id: DocumentId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        application: application
            .map(|a| Uuid::parse_str(&a).map(ApplicationId))
            .transpose()
            .map_err(|e| StoreError::Internal(e.to_string()))?,
        kind: text(row, "kind")?,
        filename: text(row, "filename")?,
        content_type: text(row, "content_type")?,
        size: u64::try_from(size).map_err(|e| StoreError::Internal(e.to_string()))?,
        sha256: unhex32(&text(row, "sha256")?)
            .ok_or_else(|| StoreError::Internal("bad sha256".into()))?,
        object_key: text(row, "object_key")?,
        retain_until: parse_date(&text(row, "retain_until")?)?,
        uploaded_by: text(row, "uploaded_by")?,
        uploaded_at: parse_ts(&text(row, "uploaded_at")?)?,
    })
}

fn audit_from(row: &SqliteRow) -> StoreResult<AuditEvent> {
    let prev: Vec<u8> = row.try_get("prev_hash").map_err(db)?;
    let hash: Vec<u8> = row.try_get("hash").map_err(db)?;
    Ok(AuditEvent {
        tenant: TenantId(uuid_of(row, "tenant")?),
        seq: row.try_get("seq").map_err(db)?,
        at: parse_ts(&text(row, "at")?)?,
        actor_user: row.try_get("actor_user").map_err(db)?,
        actor_label: text(row, "actor_label")?,
        action: text(row, "action")?,
        entity: text(row, "entity")?,
        entity_id: text(row, "entity_id")?,
        before: row.try_get("before").map_err(db)?,
        after: row.try_get("after").map_err(db)?,
        prev_hash: to32(&prev)?,
        hash: to32(&hash)?,
    })
}

fn status_from(row: &SqliteRow) -> StoreResult<ClinicianStatus> {
    let year: i64 = row.try_get("year").map_err(db)?;
    let value: i64 = row.try_get("value").map_err(db)?;
    Ok(ClinicianStatus {
        clinician: ClinicianId(uuid_of(row, "clinician")?),
        year: domain(PerformanceYear::new(u16::try_from(year).unwrap_or(0)))?,
        status: domain(SpecialStatus::parse(&text(row, "status")?))?,
        value: value != 0,
        origin: json(row, "origin")?,
        recorded_at: parse_ts(&text(row, "recorded_at")?)?,
    })
}

fn summary(pairs: &[(&str, String)]) -> Option<String> {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(map).to_string())
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))
    }

    async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization> {
        check_name("an organization", name, 200)?;
        let org = Organization {
            id: TenantId(self.id()),
            name: name.trim().to_owned(),
            kind,
            created_at: self.now(),
        };
        let mut tx = self.begin_write(actor).await?;
        sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)")
            .bind(org.id.to_string())
            .bind(&org.name)
            .bind(kind.code())
            .bind(ts(org.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::ORGANIZATION_CREATE.into(),
            entity: "organization",
            entity_id: org.id.to_string(),
            before: None,
            after: summary(&[("name", org.name.clone()), ("kind", kind.code().into())]),
        };
        self.audit(&mut tx, org.id, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(org)
    }

    async fn get_organization(&self, tenant: TenantId) -> StoreResult<Organization> {
        let row = sqlx::query("SELECT * FROM organizations WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("organization", tenant))?;
        Ok(Organization {
            id: tenant,
            name: text(&row, "name")?,
            kind: OrganizationKind::parse(&text(&row, "kind")?)
                .ok_or_else(|| StoreError::Internal("bad kind".into()))?,
            created_at: parse_ts(&text(&row, "created_at")?)?,
        })
    }

    async fn list_tenants(&self) -> StoreResult<Vec<TenantId>> {
        let rows = sqlx::query("SELECT id FROM organizations ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| uuid_of(r, "id").map(TenantId))
            .collect()
    }

    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<User> {
        let email = email.trim();
        if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
            return Err(StoreError::invalid(
                "email",
                format!("{email:?} is not an email address"),
            ));
        }
        let user = User {
            id: UserId(self.id()),
            email: email.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: self.now(),
        };
        let r = sqlx::query(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(ts(user.created_at))
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
                field: "email",
                value: email.to_owned(),
                context: String::new(),
            }),
            Err(e) => Err(db(e)),
        }
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = ?")
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| user_from(&r)).transpose()
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        user_from(&row)
    }

    async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
        let r = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(StoreError::not_found("user", id));
        }
        Ok(())
    }

    async fn add_membership(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership> {
        let mut tx = self.begin_write(actor).await?;
        let exists = sqlx::query("SELECT 1 FROM organizations WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::not_found("organization", tenant));
        }
        let r = sqlx::query("INSERT INTO memberships (tenant, user_id, role) VALUES (?, ?, ?) ON CONFLICT (tenant, user_id) DO UPDATE SET role = excluded.role")
            .bind(tenant.to_string())
            .bind(user.to_string())
            .bind(role.code())
            .execute(&mut *tx)
            .await;
        if let Err(e) = r {
            return Err(match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                    StoreError::not_found("user", user)
                }
                _ => db(e),
            });
        }
        let change = Change {
            action: actions::MEMBERSHIP_SET.into(),
            entity: "membership",
            entity_id: user.to_string(),
            before: None,
            after: summary(&[("role", role.code().into())]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(Membership { tenant, user, role })
    }

    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let rows = sqlx::query("SELECT * FROM memberships WHERE user_id = ? ORDER BY tenant")
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(membership_from).collect()
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        let rows = sqlx::query("SELECT m.tenant, m.user_id, m.role, u.* FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant = ? ORDER BY u.email")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok((membership_from(r)?, user_from(r)?)))
            .collect()
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewPractice,
    ) -> StoreResult<Practice> {
        check_practice_fields(&new.name, &new.address, &new.contact)?;
        let p = Practice {
            id: PracticeId(self.id()),
            tenant,
            tin: new.tin,
            name: new.name.trim().to_owned(),
            address: new.address,
            contact: new.contact,
            zip: new.zip,
            version: 1,
            created_at: self.now(),
        };
        let mut tx = self.begin_write(actor).await?;
        let exists = sqlx::query("SELECT 1 FROM organizations WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::not_found("organization", tenant));
        }
        sqlx::query("INSERT INTO practices (id, tenant, tin, name, address, contact_name, contact_email, contact_phone, zip, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)")
            .bind(p.id.to_string())
            .bind(tenant.to_string())
            .bind(p.tin.as_str())
            .bind(&p.name)
            .bind(&p.address)
            .bind(&p.contact.name)
            .bind(&p.contact.email)
            .bind(&p.contact.phone)
            .bind(p.zip.map(|z| z.to_string()))
            .bind(ts(p.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::PRACTICE_CREATE.into(),
            entity: "practice",
            entity_id: p.id.to_string(),
            before: None,
            after: summary(&[("tin", p.tin.to_string()), ("name", p.name.clone())]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(p)
    }

    async fn get_practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice> {
        self.practice_in(tenant, id).await
    }

    async fn list_practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        let rows = sqlx::query("SELECT * FROM practices WHERE tenant = ? ORDER BY name, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(practice_from).collect()
    }

    async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        check_practice_fields(&update.name, &update.address, &update.contact)?;
        let mut tx = self.begin_write(actor).await?;
        let before = row_in(
            &mut *tx,
            "SELECT * FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "practice",
        )
        .await?;
        let before = practice_from(&before)?;
        let r = sqlx::query("UPDATE practices SET name = ?, address = ?, contact_name = ?, contact_email = ?, contact_phone = ?, zip = ?, version = version + 1 WHERE tenant = ? AND id = ? AND version = ?")
            .bind(update.name.trim())
            .bind(&update.address)
            .bind(&update.contact.name)
            .bind(&update.contact.email)
            .bind(&update.contact.phone)
            .bind(update.zip.map(|z| z.to_string()))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("practice", id, expected_version));
        }
        let change = Change {
            action: actions::PRACTICE_UPDATE.into(),
            entity: "practice",
            entity_id: id.to_string(),
            before: summary(&[
                ("name", before.name.clone()),
                ("address", before.address.clone()),
                ("zip", before.zip.map(|z| z.to_string()).unwrap_or_default()),
            ]),
            after: summary(&[
                ("name", update.name.trim().to_owned()),
                ("address", update.address.clone()),
                ("zip", update.zip.map(|z| z.to_string()).unwrap_or_default()),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        self.practice_in(tenant, id).await
    }

    async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician> {
        let mut all = self
            .add_clinicians(tenant, actor, practice, vec![new])
            .await?;
        all.pop()
            .ok_or_else(|| StoreError::Internal("no clinician added".into()))
    }

    async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        for c in &new {
            check_clinician_name(Some(c.npi), &c.name)?;
        }
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            practice,
            "practice",
        )
        .await?;
        let now = self.now();
        let mut out = Vec::with_capacity(new.len());
        for c in new {
            let cl = Clinician {
                id: ClinicianId(self.id()),
                tenant,
                practice,
                npi: c.npi,
                name: c.name.trim().to_owned(),
                clinician_type: c.clinician_type,
                version: 1,
                created_at: now,
            };
            self.insert_clinician(&mut tx, actor, &cl).await?;
            out.push(cl);
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn get_clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Clinician> {
        let row = row_in(
            &self.pool,
            "SELECT * FROM clinicians WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "clinician",
        )
        .await?;
        clinician_from(&row)
    }

    async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        self.practice_in(tenant, practice).await?;
        let rows = sqlx::query(
            "SELECT * FROM clinicians WHERE tenant = ? AND practice = ? ORDER BY name, npi",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(clinician_from).collect()
    }

    async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM clinicians WHERE tenant = ? AND id = ?",
            tenant,
            status.clinician,
            "clinician",
        )
        .await?;
        if let StatusWrite::Outranked(b) =
            self.write_status(&mut tx, tenant, actor, &status).await?
        {
            // CMS eligibility data outranks imported data, which outranks hand-entered values.
            return Err(StoreError::invalid(
                "origin",
                format!(
                    "{} is already set {}; a value {} does not replace it",
                    status.status.label(),
                    b.origin.describe(),
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
        self.practice_in(tenant, practice).await?;
        let rows = sqlx::query("SELECT s.* FROM clinician_statuses s JOIN clinicians c ON c.id = s.clinician WHERE s.tenant = ? AND c.tenant = ? AND c.practice = ? AND s.year = ? ORDER BY s.clinician, s.status")
            .bind(tenant.to_string())
            .bind(tenant.to_string())
            .bind(practice.to_string())
            .bind(i64::from(year.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(status_from).collect()
    }

    async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        application::validate_draft(&draft)?;
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            draft.practice,
            "practice",
        )
        .await?;
        let now = self.now();
        let app = Application {
            id: ApplicationId(self.id()),
            tenant,
            draft,
            state: ApplicationState::Draft,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        sqlx::query("INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)")
            .bind(app.id.to_string())
            .bind(tenant.to_string())
            .bind(app.draft.practice.to_string())
            .bind(i64::from(app.draft.year.get()))
            .bind(to_json(&app.draft)?)
            .bind(to_json(&app.state)?)
            .bind(app.state.name())
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::APPLICATION_CREATE.into(),
            entity: "application",
            entity_id: app.id.to_string(),
            before: None,
            after: summary(&[
                ("year", app.draft.year.to_string()),
                ("reason", app.draft.reason.code().into()),
                ("state", "draft".into()),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(app)
    }

    async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application> {
        let row = row_in(
            &self.pool,
            "SELECT * FROM applications WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "application",
        )
        .await?;
        application_from(&row)
    }

    async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        let rows = match year {
            Some(y) => sqlx::query(
                "SELECT * FROM applications WHERE tenant = ? AND year = ? ORDER BY created_at, id",
            )
            .bind(tenant.to_string())
            .bind(i64::from(y.get()))
            .fetch_all(&self.pool)
            .await,
            None => {
                sqlx::query("SELECT * FROM applications WHERE tenant = ? ORDER BY created_at, id")
                    .bind(tenant.to_string())
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db)?;
        rows.iter().map(application_from).collect()
    }

    async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        application::validate_draft(&draft)?;
        let mut tx = self.begin_write(actor).await?;
        let current = application_at_version(&mut tx, tenant, id, expected_version).await?;
        // Editing a ready application sends it back to draft; later states are frozen.
        let state = match current.state {
            ApplicationState::Draft | ApplicationState::Ready => ApplicationState::Draft,
            ref s => {
                return Err(StoreError::IllegalTransition {
                    action: "edit",
                    state: s.name(),
                    reason: " (only drafts and ready applications can be edited)".into(),
                });
            }
        };
        if draft.practice != current.draft.practice {
            return Err(StoreError::invalid(
                "practice",
                "an application cannot move to another practice",
            ));
        }
        let now = self.now();
        let r = sqlx::query("UPDATE applications SET draft = ?, year = ?, state = ?, state_name = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(to_json(&draft)?)
            .bind(i64::from(draft.year.get()))
            .bind(to_json(&state)?)
            .bind(state.name())
            .bind(ts(now))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("application", id, expected_version));
        }
        let change = Change {
            action: actions::APPLICATION_EDIT.into(),
            entity: "application",
            entity_id: id.to_string(),
            before: Some(to_json(&current.draft)?),
            after: Some(to_json(&draft)?),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        self.get_application(tenant, id).await
    }

    async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: Transition,
    ) -> StoreResult<Application> {
        let mut tx = self.begin_write(actor).await?;
        let current = application_at_version(&mut tx, tenant, id, expected_version).await?;
        let now = self.now();
        let next = application::apply(
            &current.draft,
            &current.state,
            &transition,
            &actor.label,
            now,
        )?;
        if let Transition::Approve {
            email: Some(doc), ..
        }
        | Transition::Deny {
            email: Some(doc), ..
        } = &transition
        {
            require_in(
                &mut *tx,
                "SELECT 1 FROM documents WHERE tenant = ? AND id = ?",
                tenant,
                doc,
                "document",
            )
            .await?;
        }
        let r = sqlx::query("UPDATE applications SET state = ?, state_name = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(to_json(&next)?)
            .bind(next.name())
            .bind(ts(now))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("application", id, expected_version));
        }
        let change = Change {
            action: transition.action().into(),
            entity: "application",
            entity_id: id.to_string(),
            before: Some(format!("{{\"state\":\"{}\"}}", current.state.name())),
            after: Some(to_json(&next)?),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        // What was just committed; no second read.
        Ok(Application {
            state: next,
            version: expected_version + 1,
            updated_at: now,
            ..current
        })
    }

    async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        d: StoredDecision,
    ) -> StoreResult<()> {
        if d.tenant != tenant {
            return Err(StoreError::invalid(
                "tenant",
                "the decision belongs to another tenant",
            ));
        }
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            d.practice,
            "practice",
        )
        .await?;
        sqlx::query("INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, explanation, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id.to_string())
            .bind(tenant.to_string())
            .bind(d.practice.to_string())
            .bind(d.clinician.map(|c| c.to_string()))
            .bind(i64::from(d.year.get()))
            .bind(&d.rule_set_version)
            .bind(i64::from(d.reweighted))
            .bind(&d.basis)
            .bind(d.explanation.to_string())
            .bind(ts(d.decided_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::DECISION_RECORD.into(),
            entity: "decision",
            entity_id: d.id.to_string(),
            before: None,
            after: summary(&[
                ("basis", d.basis.clone()),
                ("rule_set_version", d.rule_set_version.clone()),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        let rows = sqlx::query(
            "SELECT * FROM decisions WHERE tenant = ? AND practice = ? ORDER BY decided_at, id",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let clinician: Option<String> = row.try_get("clinician").map_err(db)?;
                let year: i64 = row.try_get("year").map_err(db)?;
                let reweighted: i64 = row.try_get("reweighted").map_err(db)?;
                Ok(StoredDecision {
                    id: DecisionId(uuid_of(row, "id")?),
                    tenant,
                    practice: PracticeId(uuid_of(row, "practice")?),
                    clinician: clinician
                        .map(|c| Uuid::parse_str(&c).map(ClinicianId))
                        .transpose()
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                    year: domain(PerformanceYear::new(u16::try_from(year).unwrap_or(0)))?,
                    rule_set_version: text(row, "rule_set_version")?,
                    reweighted: reweighted != 0,
                    basis: text(row, "basis")?,
                    explanation: json(row, "explanation")?,
                    decided_at: parse_ts(&text(row, "decided_at")?)?,
                })
            })
            .collect()
    }

    async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        d: NewDocument,
    ) -> StoreResult<Document> {
        validate_new_document(&d)?;
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            d.practice,
            "practice",
        )
        .await?;
        if let Some(a) = d.application {
            let row = sqlx::query(
                "SELECT 1 FROM applications WHERE tenant = ? AND id = ? AND practice = ?",
            )
            .bind(tenant.to_string())
            .bind(a.to_string())
            .bind(d.practice.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if row.is_none() {
                return Err(StoreError::not_found("application", a));
            }
        }
        let doc = Document {
            id: d.id,
            tenant,
            practice: d.practice,
            application: d.application,
            kind: d.kind,
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            object_key: d.object_key,
            retain_until: d.retain_until,
            uploaded_by: actor.label.clone(),
            uploaded_at: self.now(),
        };
        let r = sqlx::query("INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, object_key, retain_until, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(doc.id.to_string())
            .bind(tenant.to_string())
            .bind(doc.practice.to_string())
            .bind(doc.application.map(|a| a.to_string()))
            .bind(&doc.kind)
            .bind(&doc.filename)
            .bind(&doc.content_type)
            .bind(i64::try_from(doc.size).map_err(|_| StoreError::invalid("size", "too large"))?)
            .bind(hex(&doc.sha256))
            .bind(&doc.object_key)
            .bind(doc.retain_until.to_string())
            .bind(&doc.uploaded_by)
            .bind(ts(doc.uploaded_at))
            .execute(&mut *tx)
            .await;
        match r {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Duplicate {
                    field: "document",
                    value: doc.id.to_string(),
                    context: String::new(),
                });
            }
            Err(e) => return Err(db(e)),
        }
        let change = Change {
            action: actions::DOCUMENT_UPLOAD.into(),
            entity: "document",
            entity_id: doc.id.to_string(),
            before: None,
            after: summary(&[
                ("filename", doc.filename.clone()),
                ("sha256", hex(&doc.sha256)),
                ("size", doc.size.to_string()),
                ("retain_until", doc.retain_until.to_string()),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(doc)
    }

    async fn get_document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Document> {
        let row = row_in(
            &self.pool,
            "SELECT * FROM documents WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "document",
        )
        .await?;
        document_from(&row)
    }

    async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        let rows = match practice {
            Some(p) => sqlx::query("SELECT * FROM documents WHERE tenant = ? AND practice = ? ORDER BY uploaded_at, id")
                .bind(tenant.to_string())
                .bind(p.to_string())
                .fetch_all(&self.pool)
                .await,
            None => sqlx::query("SELECT * FROM documents WHERE tenant = ? ORDER BY uploaded_at, id").bind(tenant.to_string()).fetch_all(&self.pool).await,
        }
        .map_err(db)?;
        rows.iter().map(document_from).collect()
    }

    async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        // Recorded even for auditors: an attempt is a fact worth keeping, and it changes nothing else.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM documents WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "document",
        )
        .await?;
        let change = Change {
            action: actions::DOCUMENT_DELETE_REFUSED.into(),
            entity: "document",
            entity_id: id.to_string(),
            before: None,
            after: summary(&[("reason", reason.to_owned())]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows =
            match entity_id {
                Some(e) => sqlx::query(
                    "SELECT * FROM audit_events WHERE tenant = ? AND entity_id = ? ORDER BY seq",
                )
                .bind(tenant.to_string())
                .bind(e)
                .fetch_all(&self.pool)
                .await,
                None => {
                    sqlx::query("SELECT * FROM audit_events WHERE tenant = ? ORDER BY seq")
                        .bind(tenant.to_string())
                        .fetch_all(&self.pool)
                        .await
                }
            }
            .map_err(db)?;
        rows.iter().map(audit_from).collect()
    }

    async fn create_session(&self, session: Session) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, tenant, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(session.token_hash.to_vec())
            .bind(session.user.to_string())
            .bind(session.tenant.map(|t| t.to_string()))
            .bind(&session.csrf_token)
            .bind(ts(session.created_at))
            .bind(ts(session.expires_at))
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::not_found("user", session.user),
                _ => db(e),
            })?;
        Ok(())
    }

    async fn get_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let row = sqlx::query("SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?")
            .bind(token_hash.to_vec())
            .bind(ts(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| {
            let hash: Vec<u8> = r.try_get("token_hash").map_err(db)?;
            let tenant: Option<String> = r.try_get("tenant").map_err(db)?;
            Ok(Session {
                token_hash: to32(&hash)?,
                user: UserId(uuid_of(&r, "user_id")?),
                tenant: tenant
                    .map(|t| Uuid::parse_str(&t).map(TenantId))
                    .transpose()
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
                csrf_token: text(&r, "csrf_token")?,
                created_at: parse_ts(&text(&r, "created_at")?)?,
                expires_at: parse_ts(&text(&r, "expires_at")?)?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE at < ?")
            .bind(ts(now - chrono::Duration::days(1)))
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
        // BEGIN IMMEDIATE: the count and the insert are one step for every other writer.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        for limit in limits {
            // Timestamps are fixed-width RFC 3339 in UTC, so text order is time order.
            let (count, earliest): (i64, Option<String>) = sqlx::query_as(
                "SELECT count(*), min(at) FROM sign_in_failures WHERE key = ? AND at >= ?",
            )
            .bind(&limit.key)
            .bind(ts(since))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            if count >= i64::from(limit.max) {
                let earliest = earliest.map_or(Ok(now), |e| parse_ts(&e))?;
                return Ok(Err(earliest));
            }
        }
        for limit in limits {
            sqlx::query("INSERT INTO sign_in_failures (key, at, attempt) VALUES (?, ?, ?)")
                .bind(&limit.key)
                .bind(ts(now))
                .bind(attempt.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Ok(()))
    }

    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM sign_in_failures WHERE attempt = ?")
            .bind(attempt.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for key in forget {
            sqlx::query("DELETE FROM sign_in_failures WHERE key = ?")
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn sign_in_failures(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        let mut out = Vec::new();
        for key in keys {
            // Timestamps are fixed-width RFC 3339 in UTC, so text order is time order.
            let (count, earliest): (i64, Option<String>) = sqlx::query_as(
                "SELECT count(*), min(at) FROM sign_in_failures WHERE key = ? AND at >= ?",
            )
            .bind(key)
            .bind(ts(since))
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
            if let Some(earliest) = earliest {
                out.push(SignInFailures {
                    key: key.clone(),
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    earliest: parse_ts(&earliest)?,
                });
            }
        }
        Ok(out)
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
        check_name("an API token", name, 100)?;
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM organizations WHERE id = ? AND id = ?",
            tenant,
            tenant,
            "organization",
        )
        .await?;
        let token = ApiToken {
            id: self.id(),
            tenant,
            name: name.trim().to_owned(),
            role,
            scope,
            token_hash,
            created_by: actor.label.clone(),
            created_at: self.now(),
            revoked: false,
        };
        sqlx::query("INSERT INTO api_tokens (id, tenant, name, role, scope, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(token.id.to_string())
            .bind(tenant.to_string())
            .bind(&token.name)
            .bind(role.code())
            .bind(scope.code())
            .bind(token_hash.to_vec())
            .bind(&token.created_by)
            .bind(ts(token.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::API_TOKEN_CREATE.into(),
            entity: "api_token",
            entity_id: token.id.to_string(),
            before: None,
            after: summary(&[
                ("name", token.name.clone()),
                ("role", role.code().into()),
                ("scope", scope.code().into()),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    async fn find_api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE token_hash = ? AND revoked = 0")
            .bind(token_hash.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| api_token_from(&r)).transpose()
    }

    async fn revoke_api_token(&self, tenant: TenantId, actor: &Actor, id: Uuid) -> StoreResult<()> {
        let mut tx = self.begin_write(actor).await?;
        let r = sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE tenant = ? AND id = ? AND revoked = 0",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
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
        self.audit(&mut tx, tenant, actor, change).await?;
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
        check_clinician_name(None, &update.name)?;
        let mut tx = self.begin_write(actor).await?;
        let before = row_in(
            &mut *tx,
            "SELECT * FROM clinicians WHERE tenant = ? AND id = ?",
            tenant,
            id,
            "clinician",
        )
        .await?;
        let before = clinician_from(&before)?;
        if before.version != expected_version {
            return Err(stale("clinician", id, expected_version));
        }
        let after = self
            .write_clinician_update(&mut tx, tenant, actor, &before, &update)
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
        for p in &profiles {
            p.profile.validate()?;
        }
        for e in &entries {
            check_clinician_name(Some(e.npi), &e.name)?;
        }
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            practice,
            "practice",
        )
        .await?;
        let existing = sqlx::query("SELECT * FROM clinicians WHERE tenant = ? AND practice = ?")
            .bind(tenant.to_string())
            .bind(practice.to_string())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let mut by_npi = std::collections::HashMap::new();
        for row in &existing {
            let c = clinician_from(row)?;
            by_npi.insert(c.npi, c);
        }
        let mut summary = RosterImportSummary::default();
        let now = self.now();
        for e in entries {
            let clinician = match by_npi.get(&e.npi) {
                Some(c) if c.name == e.name.trim() && c.clinician_type == e.clinician_type => {
                    summary.unchanged += 1;
                    c.id
                }
                Some(c) => {
                    let update = ClinicianUpdate {
                        name: e.name.clone(),
                        clinician_type: e.clinician_type,
                    };
                    let after = self
                        .write_clinician_update(&mut tx, tenant, actor, c, &update)
                        .await?;
                    summary.updated += 1;
                    let id = after.id;
                    // A later entry for the same NPI compares against what was just written.
                    by_npi.insert(after.npi, after);
                    id
                }
                None => {
                    let cl = Clinician {
                        id: ClinicianId(self.id()),
                        tenant,
                        practice,
                        npi: e.npi,
                        name: e.name.trim().to_owned(),
                        clinician_type: e.clinician_type,
                        version: 1,
                        created_at: now,
                    };
                    self.insert_clinician(&mut tx, actor, &cl).await?;
                    summary.added += 1;
                    by_npi.insert(cl.npi, cl.clone());
                    cl.id
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
                match self.write_status(&mut tx, tenant, actor, &s).await? {
                    StatusWrite::Written => summary.statuses_set += 1,
                    StatusWrite::Unchanged => {}
                    StatusWrite::Outranked(_) => summary.statuses_kept_from_cms += 1,
                }
            }
        }
        for p in profiles {
            self.write_practice_year(&mut tx, tenant, actor, practice, p)
                .await?;
            summary.profiles_set += 1;
        }
        tx.commit().await.map_err(db)?;
        Ok(summary)
    }

    async fn list_tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>> {
        let rows =
            sqlx::query("SELECT * FROM clinicians WHERE tenant = ? ORDER BY practice, name, npi")
                .bind(tenant.to_string())
                .fetch(&self.pool);
        map_rows(rows, clinician_from).await
    }

    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        let rows = sqlx::query(
            "SELECT * FROM clinician_statuses WHERE tenant = ? AND year = ? ORDER BY clinician, status",
        )
        .bind(tenant.to_string())
        .bind(i64::from(year.get()))
        .fetch(&self.pool);
        map_rows(rows, status_from).await
    }

    async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear> {
        self.practice_in(tenant, practice).await?;
        let row = sqlx::query(
            "SELECT * FROM practice_years WHERE tenant = ? AND practice = ? AND year = ?",
        )
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .bind(i64::from(year.get()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(r) => practice_year_from(&r),
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
        profile.validate()?;
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM practices WHERE tenant = ? AND id = ?",
            tenant,
            practice,
            "practice",
        )
        .await?;
        let stored = self
            .write_practice_year(
                &mut tx,
                tenant,
                actor,
                practice,
                ProfileWrite {
                    year,
                    expected_version,
                    profile,
                },
            )
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        let rows = sqlx::query("SELECT * FROM practice_years WHERE tenant = ? AND year = ?")
            .bind(tenant.to_string())
            .bind(i64::from(year.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(practice_year_from).collect()
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

    async fn list_api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE tenant = ? ORDER BY created_at, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(api_token_from).collect()
    }

    async fn set_session_tenant(&self, token_hash: &[u8; 32], tenant: TenantId) -> StoreResult<()> {
        let r = sqlx::query("UPDATE sessions SET tenant = ? WHERE token_hash = ?")
            .bind(tenant.to_string())
            .bind(token_hash.to_vec())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(StoreError::not_found("session", "(this session)"));
        }
        Ok(())
    }

    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        let keep = keep.map(|k| k.to_vec()).unwrap_or_default();
        let r = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
            .bind(user.to_string())
            .bind(keep)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
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
        let email = normalize_email(email)?;
        let mut tx = self.begin_write(actor).await?;
        require_in(
            &mut *tx,
            "SELECT 1 FROM organizations WHERE id = ? AND id = ?",
            tenant,
            tenant,
            "organization",
        )
        .await?;
        let invite = Invite {
            id: InviteId(self.id()),
            tenant,
            email,
            role,
            token_hash,
            created_by: actor.label.clone(),
            created_at: self.now(),
            expires_at: hardship_store::audit::truncate_micros(expires_at),
            accepted_at: None,
        };
        sqlx::query("INSERT INTO invites (id, tenant, email, role, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(invite.id.to_string())
            .bind(tenant.to_string())
            .bind(&invite.email)
            .bind(role.code())
            .bind(token_hash.to_vec())
            .bind(&invite.created_by)
            .bind(ts(invite.created_at))
            .bind(ts(invite.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let change = Change {
            action: actions::INVITE_CREATE.into(),
            entity: "invite",
            entity_id: invite.id.to_string(),
            before: None,
            after: summary(&[
                ("email", invite.email.clone()),
                ("role", role.code().into()),
                ("expires_at", ts(invite.expires_at)),
            ]),
        };
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(invite)
    }

    async fn find_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        let row = sqlx::query(
            "SELECT * FROM invites WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
        )
        .bind(token_hash.to_vec())
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| invite_from(&r)).transpose()
    }

    async fn list_invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        let rows = sqlx::query("SELECT * FROM invites WHERE tenant = ? ORDER BY created_at, id")
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(invite_from).collect()
    }

    async fn accept_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)> {
        // The invitee acts for themselves: no member's write role is needed, only a valid invitation.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let row = sqlx::query(
            "SELECT * FROM invites WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
        )
        .bind(token_hash.to_vec())
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("invitation", "(used, expired or unknown)"))?;
        let mut invite = invite_from(&row)?;
        let existing = sqlx::query("SELECT * FROM users WHERE email = ?")
            .bind(&invite.email)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .map(|r| user_from(&r))
            .transpose()?;
        acceptance.check(&invite.email, existing.as_ref())?;
        let user = match (existing, acceptance) {
            (Some(u), _) => u,
            (None, InviteAcceptance::NewAccount { password_hash }) => {
                let u = User {
                    id: UserId(self.id()),
                    email: invite.email.clone(),
                    password_hash,
                    created_at: self.now(),
                };
                sqlx::query(
                    "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
                )
                .bind(u.id.to_string())
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(ts(u.created_at))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                u
            }
            (None, InviteAcceptance::SignedIn { .. }) => {
                return Err(StoreError::Forbidden(
                    "the invited account does not exist".into(),
                ));
            }
        };
        let accepted = self.now();
        sqlx::query("UPDATE invites SET accepted_at = ? WHERE id = ?")
            .bind(ts(accepted))
            .bind(invite.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO memberships (tenant, user_id, role) VALUES (?, ?, ?) ON CONFLICT (tenant, user_id) DO UPDATE SET role = excluded.role")
            .bind(invite.tenant.to_string())
            .bind(user.id.to_string())
            .bind(invite.role.code())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let actor = Actor {
            user: Some(user.id),
            label: user.email.clone(),
            role: invite.role,
        };
        let change = Change {
            action: actions::INVITE_ACCEPT.into(),
            entity: "membership",
            entity_id: user.id.to_string(),
            before: None,
            after: summary(&[
                ("invite", invite.id.to_string()),
                ("role", invite.role.code().into()),
            ]),
        };
        self.audit(&mut tx, invite.tenant, &actor, change).await?;
        tx.commit().await.map_err(db)?;
        invite.accepted_at = Some(accepted);
        Ok((invite, user))
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

fn user_from(row: &SqliteRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(uuid_of(row, "id")?),
        email: text(row, "email")?,
        password_hash: text(row, "password_hash")?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

fn membership_from(row: &SqliteRow) -> StoreResult<Membership> {
    Ok(Membership {
        tenant: TenantId(uuid_of(row, "tenant")?),
        user: UserId(uuid_of(row, "user_id")?),
        role: Role::parse(&text(row, "role")?)
            .ok_or_else(|| StoreError::Internal("bad role".into()))?,
    })
}

fn api_token_from(r: &SqliteRow) -> StoreResult<ApiToken> {
    let hash: Vec<u8> = r.try_get("token_hash").map_err(db)?;
    let revoked: i64 = r.try_get("revoked").map_err(db)?;
    Ok(ApiToken {
        id: uuid_of(r, "id")?,
        tenant: TenantId(uuid_of(r, "tenant")?),
        name: text(r, "name")?,
        role: Role::parse(&text(r, "role")?)
            .ok_or_else(|| StoreError::Internal("bad role".into()))?,
        scope: TokenScope::parse(&text(r, "scope")?)
            .ok_or_else(|| StoreError::Internal("bad token scope".into()))?,
        token_hash: to32(&hash)?,
        created_by: text(r, "created_by")?,
        created_at: parse_ts(&text(r, "created_at")?)?,
        revoked: revoked != 0,
    })
}

fn invite_from(r: &SqliteRow) -> StoreResult<Invite> {
    let hash: Vec<u8> = r.try_get("token_hash").map_err(db)?;
    let accepted: Option<String> = r.try_get("accepted_at").map_err(db)?;
    Ok(Invite {
        id: InviteId(uuid_of(r, "id")?),
        tenant: TenantId(uuid_of(r, "tenant")?),
        email: text(r, "email")?,
        role: Role::parse(&text(r, "role")?)
            .ok_or_else(|| StoreError::Internal("bad role".into()))?,
        token_hash: to32(&hash)?,
        created_by: text(r, "created_by")?,
        created_at: parse_ts(&text(r, "created_at")?)?,
        expires_at: parse_ts(&text(r, "expires_at")?)?,
        accepted_at: accepted.map(|a| parse_ts(&a)).transpose()?,
    })
}

fn practice_year_from(r: &SqliteRow) -> StoreResult<PracticeYear> {
    let year: i64 = r.try_get("year").map_err(db)?;
    Ok(PracticeYear {
        tenant: TenantId(uuid_of(r, "tenant")?),
        practice: PracticeId(uuid_of(r, "practice")?),
        year: domain(PerformanceYear::new(u16::try_from(year).unwrap_or(0)))?,
        profile: json(r, "profile")?,
        version: r.try_get("version").map_err(db)?,
        updated_at: parse_ts(&text(r, "updated_at")?)?,
    })
}

//! SQLite rows into models, and the column encodings: ids are UUID text, timestamps fixed-width RFC 3339
//! UTC text to the microsecond (they sort as text, and are what the audit hash covers), booleans 0/1,
//! JSON as text.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use hardship_rules::{ClinicianType, Npi, PerformanceYear, SpecialStatus, Tin, Zip5};
use hardship_store::*;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

pub fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(d) if d.message().contains("database is locked") => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Internal(format!("stored timestamp {s:?}: {e}")))
}

fn parse_date(s: &str) -> StoreResult<NaiveDate> {
    s.parse()
        .map_err(|e| StoreError::Internal(format!("stored date {s:?}: {e}")))
}

pub fn to32(v: &[u8]) -> StoreResult<[u8; 32]> {
    v.try_into()
        .map_err(|_| StoreError::Internal("stored hash is not 32 bytes".into()))
}

fn uuid_of(row: &SqliteRow, col: &str) -> StoreResult<Uuid> {
    let s: String = row.try_get(col).map_err(db)?;
    Uuid::parse_str(&s).map_err(|e| StoreError::Internal(format!("stored id {s:?}: {e}")))
}

fn opt_uuid(row: &SqliteRow, col: &str) -> StoreResult<Option<Uuid>> {
    let s: Option<String> = row.try_get(col).map_err(db)?;
    s.map(|s| {
        Uuid::parse_str(&s).map_err(|e| StoreError::Internal(format!("stored id {s:?}: {e}")))
    })
    .transpose()
}

fn text(row: &SqliteRow, col: &str) -> StoreResult<String> {
    row.try_get(col).map_err(db)
}

fn json<T: serde::de::DeserializeOwned>(row: &SqliteRow, col: &str) -> StoreResult<T> {
    let s: String = row.try_get(col).map_err(db)?;
    serde_json::from_str(&s).map_err(|e| StoreError::Internal(format!("stored {col}: {e}")))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

fn domain<T, E: std::fmt::Display>(r: Result<T, E>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Internal(format!("stored value no longer parses: {e}")))
}

fn year_of(row: &SqliteRow) -> StoreResult<PerformanceYear> {
    let y: i64 = row.try_get("year").map_err(db)?;
    domain(PerformanceYear::new(u16::try_from(y).unwrap_or(0)))
}

fn role_of(row: &SqliteRow) -> StoreResult<Role> {
    let r = text(row, "role")?;
    Role::parse(&r).ok_or_else(|| StoreError::Internal(format!("stored role {r:?}")))
}

pub fn organization(row: &SqliteRow) -> StoreResult<Organization> {
    let kind = text(row, "kind")?;
    Ok(Organization {
        id: TenantId(uuid_of(row, "id")?),
        name: text(row, "name")?,
        kind: OrganizationKind::parse(&kind)
            .ok_or_else(|| StoreError::Internal(format!("stored kind {kind:?}")))?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

pub fn user(row: &SqliteRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(uuid_of(row, "id")?),
        email: text(row, "email")?,
        password_hash: text(row, "password_hash")?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

pub fn membership(row: &SqliteRow) -> StoreResult<Membership> {
    Ok(Membership {
        tenant: TenantId(uuid_of(row, "tenant")?),
        user: UserId(uuid_of(row, "user_id")?),
        role: role_of(row)?,
    })
}

pub fn practice(row: &SqliteRow) -> StoreResult<Practice> {
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
            .map(|z| domain(Zip5::parse(&z)))
            .transpose()?,
        archived: opt_json(row, "archived")?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

/// A nullable JSON column.
fn opt_json<T: serde::de::DeserializeOwned>(row: &SqliteRow, col: &str) -> StoreResult<Option<T>> {
    let s: Option<String> = row.try_get(col).map_err(db)?;
    s.map(|s| {
        serde_json::from_str(&s).map_err(|e| StoreError::Internal(format!("stored {col}: {e}")))
    })
    .transpose()
}

/// A nullable date column (YYYY-MM-DD).
fn opt_date(row: &SqliteRow, col: &str) -> StoreResult<Option<NaiveDate>> {
    let s: Option<String> = row.try_get(col).map_err(db)?;
    s.map(|s| parse_date(&s)).transpose()
}

pub fn clinician(row: &SqliteRow) -> StoreResult<Clinician> {
    Ok(Clinician {
        id: ClinicianId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        npi: domain(Npi::parse(&text(row, "npi")?))?,
        name: text(row, "name")?,
        clinician_type: domain(ClinicianType::parse(&text(row, "clinician_type")?))?,
        joined_on: opt_date(row, "joined_on")?,
        left_on: opt_date(row, "left_on")?,
        archived: opt_json(row, "archived")?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
    })
}

pub fn status(row: &SqliteRow) -> StoreResult<ClinicianStatus> {
    let value: i64 = row.try_get("value").map_err(db)?;
    Ok(ClinicianStatus {
        clinician: ClinicianId(uuid_of(row, "clinician")?),
        year: year_of(row)?,
        status: domain(SpecialStatus::parse(&text(row, "status")?))?,
        value: value != 0,
        origin: json(row, "origin")?,
        recorded_at: parse_ts(&text(row, "recorded_at")?)?,
    })
}

/// The whole answer is kept as JSON; the key columns only serve the lookups.
pub fn cms_answer(row: &SqliteRow) -> StoreResult<CmsAnswer> {
    json(row, "answer")
}

pub fn practice_year(row: &SqliteRow) -> StoreResult<PracticeYear> {
    Ok(PracticeYear {
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        year: year_of(row)?,
        profile: json(row, "profile")?,
        version: row.try_get("version").map_err(db)?,
        updated_at: parse_ts(&text(row, "updated_at")?)?,
    })
}

pub fn application(row: &SqliteRow) -> StoreResult<Application> {
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

pub fn decision(row: &SqliteRow) -> StoreResult<StoredDecision> {
    let reweighted: i64 = row.try_get("reweighted").map_err(db)?;
    Ok(StoredDecision {
        id: DecisionId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        clinician: opt_uuid(row, "clinician")?.map(ClinicianId),
        year: year_of(row)?,
        rule_set_version: text(row, "rule_set_version")?,
        reweighted: reweighted != 0,
        basis: text(row, "basis")?,
        explanation: json(row, "explanation")?,
        decided_at: parse_ts(&text(row, "decided_at")?)?,
    })
}

pub fn document(row: &SqliteRow) -> StoreResult<Document> {
    let size: i64 = row.try_get("size").map_err(db)?;
    Ok(Document {
        id: DocumentId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        application: opt_uuid(row, "application")?.map(ApplicationId),
        kind: text(row, "kind")?,
        filename: text(row, "filename")?,
        content_type: text(row, "content_type")?,
        size: u64::try_from(size).map_err(|e| StoreError::Internal(e.to_string()))?,
        sha256: unhex32(&text(row, "sha256")?)
            .ok_or_else(|| StoreError::Internal("stored sha256 is not 64 hex digits".into()))?,
        object_key: text(row, "object_key")?,
        retain_until: parse_date(&text(row, "retain_until")?)?,
        uploaded_by: text(row, "uploaded_by")?,
        uploaded_at: parse_ts(&text(row, "uploaded_at")?)?,
        note: text(row, "note")?,
        superseded_by: opt_uuid(row, "superseded_by")?.map(DocumentId),
    })
}

pub fn audit(row: &SqliteRow) -> StoreResult<AuditEvent> {
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

pub fn session(row: &SqliteRow) -> StoreResult<Session> {
    let hash: Vec<u8> = row.try_get("token_hash").map_err(db)?;
    Ok(Session {
        token_hash: to32(&hash)?,
        user: UserId(uuid_of(row, "user_id")?),
        tenant: opt_uuid(row, "tenant")?.map(TenantId),
        csrf_token: text(row, "csrf_token")?,
        created_at: parse_ts(&text(row, "created_at")?)?,
        expires_at: parse_ts(&text(row, "expires_at")?)?,
    })
}

pub fn api_token(row: &SqliteRow) -> StoreResult<ApiToken> {
    let hash: Vec<u8> = row.try_get("token_hash").map_err(db)?;
    let revoked: i64 = row.try_get("revoked").map_err(db)?;
    let scope = text(row, "scope")?;
    Ok(ApiToken {
        id: uuid_of(row, "id")?,
        tenant: TenantId(uuid_of(row, "tenant")?),
        name: text(row, "name")?,
        role: role_of(row)?,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Internal(format!("stored token scope {scope:?}")))?,
        token_hash: to32(&hash)?,
        created_by: text(row, "created_by")?,
        user: opt_uuid(row, "user_id")?.map(UserId),
        created_at: parse_ts(&text(row, "created_at")?)?,
        revoked: revoked != 0,
    })
}

pub fn invite(row: &SqliteRow) -> StoreResult<Invite> {
    let hash: Vec<u8> = row.try_get("token_hash").map_err(db)?;
    let accepted: Option<String> = row.try_get("accepted_at").map_err(db)?;
    Ok(Invite {
        id: InviteId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        email: text(row, "email")?,
        role: role_of(row)?,
        practices: json(row, "practices")?,
        token_hash: to32(&hash)?,
        created_by: text(row, "created_by")?,
        created_at: parse_ts(&text(row, "created_at")?)?,
        expires_at: parse_ts(&text(row, "expires_at")?)?,
        accepted_at: accepted.map(|a| parse_ts(&a)).transpose()?,
    })
}

pub fn attestation(row: &SqliteRow) -> StoreResult<Attestation> {
    let sha = text(row, "packet_sha256")?;
    Ok(Attestation {
        id: AttestationId(uuid_of(row, "id")?),
        tenant: TenantId(uuid_of(row, "tenant")?),
        application: ApplicationId(uuid_of(row, "application")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        application_version: row.try_get("application_version").map_err(db)?,
        typed_name: text(row, "typed_name")?,
        user: UserId(uuid_of(row, "user_id")?),
        email: text(row, "email")?,
        role: role_of(row)?,
        signed_on: parse_date(&text(row, "signed_on")?)?,
        signed_at: parse_ts(&text(row, "signed_at")?)?,
        packet_sha256: unhex32(&sha)
            .ok_or_else(|| StoreError::Internal(format!("stored packet hash {sha:?}")))?,
    })
}

/// A practice id as stored.
pub fn practice_id(row: &SqliteRow) -> StoreResult<PracticeId> {
    Ok(PracticeId(uuid_of(row, "practice")?))
}

/// Maps rows as they arrive instead of collecting them first. A row is allocated on the connection's own
/// thread; holding a tenant's 25,000 clinician rows at once left each of the pool's threads with an
/// allocator arena the size of that result (bench/load.sh --soak: 300 MB resident instead of 100).
pub async fn map_rows<T>(
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

/// A nullable JSON column's value.
pub fn opt_to_json<T: serde::Serialize>(v: Option<&T>) -> StoreResult<Option<String>> {
    v.map(to_json).transpose()
}

pub fn password_reset(row: &SqliteRow) -> StoreResult<PasswordReset> {
    let hash: Vec<u8> = row.try_get("token_hash").map_err(db)?;
    let used: Option<String> = row.try_get("used_at").map_err(db)?;
    Ok(PasswordReset {
        id: uuid_of(row, "id")?,
        user: UserId(uuid_of(row, "user_id")?),
        token_hash: to32(&hash)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
        expires_at: parse_ts(&text(row, "expires_at")?)?,
        used_at: used.map(|u| parse_ts(&u)).transpose()?,
    })
}

pub fn reminder(row: &SqliteRow) -> StoreResult<Reminder> {
    let sent: Option<String> = row.try_get("sent_at").map_err(db)?;
    Ok(Reminder {
        key: ReminderKey {
            tenant: TenantId(uuid_of(row, "tenant")?),
            recipient: UserId(uuid_of(row, "recipient")?),
            kind: text(row, "kind")?,
            period: text(row, "period")?,
        },
        claim: uuid_of(row, "claim")?,
        claimed_at: parse_ts(&text(row, "claimed_at")?)?,
        sent_at: sent.map(|s| parse_ts(&s)).transpose()?,
    })
}

pub fn targeted_review(row: &SqliteRow) -> StoreResult<TargetedReview> {
    let npi = text(row, "npi")?;
    let created_at = parse_ts(&text(row, "created_at")?)?;
    let state = text(row, "state")?;
    Ok(TargetedReview {
        id: uuid_of(row, "id")?,
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        year: year_of(row)?,
        tin: domain(Tin::parse(&text(row, "tin")?))?,
        npi: if npi.is_empty() {
            None
        } else {
            Some(domain(Npi::parse(&npi))?)
        },
        state: ReviewState::parse(&state)
            .ok_or_else(|| StoreError::Internal(format!("stored review state {state:?}")))?,
        codes: json(row, "codes")?,
        summary: text(row, "summary")?,
        evidence: json(row, "evidence")?,
        created_at,
        created_by: text(row, "created_by")?,
        detail: json(row, "detail")?,
        version: row.try_get("version").map_err(db)?,
        // Cases opened before migration 0014 were never changed.
        updated_at: match row.try_get::<Option<String>, _>("updated_at").map_err(db)? {
            Some(t) => parse_ts(&t)?,
            None => created_at,
        },
    })
}

pub fn dva_request(row: &SqliteRow) -> StoreResult<DvaRequest> {
    Ok(DvaRequest {
        id: uuid_of(row, "id")?,
        tenant: TenantId(uuid_of(row, "tenant")?),
        practice: PracticeId(uuid_of(row, "practice")?),
        year: year_of(row)?,
        notice_date: parse_date(&text(row, "notice_date")?)?,
        items: json(row, "items")?,
        version: row.try_get("version").map_err(db)?,
        created_at: parse_ts(&text(row, "created_at")?)?,
        created_by: text(row, "created_by")?,
        updated_at: parse_ts(&text(row, "updated_at")?)?,
    })
}

//! The statements a write transaction and the pool both run, written once over any SQLite executor.

use crate::rows::{self, db, is_unique_violation, ts};
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use rows::to_json;
use sqlx::{Executor, Sqlite};
use uuid::Uuid;

pub async fn practice<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: PracticeId,
) -> StoreResult<Option<Practice>> {
    sqlx::query("SELECT * FROM practices WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::practice(&r))
        .transpose()
}

pub async fn clinician<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: ClinicianId,
) -> StoreResult<Option<Clinician>> {
    sqlx::query("SELECT * FROM clinicians WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::clinician(&r))
        .transpose()
}

pub async fn practice_clinicians<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    practice: PracticeId,
) -> StoreResult<Vec<Clinician>> {
    sqlx::query("SELECT * FROM clinicians WHERE tenant = ? AND practice = ? ORDER BY name, npi")
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .fetch_all(ex)
        .await
        .map_err(db)?
        .iter()
        .map(rows::clinician)
        .collect()
}

pub async fn user_by_email<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    email: &str,
) -> StoreResult<Option<User>> {
    // The column is COLLATE NOCASE: one address, however it is capitalised.
    sqlx::query("SELECT * FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::user(&r))
        .transpose()
}

pub async fn insert_user<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    u: &User,
) -> StoreResult<()> {
    let r =
        sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)")
            .bind(u.id.to_string())
            .bind(&u.email)
            .bind(&u.password_hash)
            .bind(ts(u.created_at))
            .execute(ex)
            .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate {
            field: "email",
            value: u.email.clone(),
            context: String::new(),
        }),
        Err(e) => Err(db(e)),
    }
}

pub async fn application<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: ApplicationId,
) -> StoreResult<Option<Application>> {
    sqlx::query("SELECT * FROM applications WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::application(&r))
        .transpose()
}

pub async fn practice_year<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    practice: PracticeId,
    year: PerformanceYear,
) -> StoreResult<Option<PracticeYear>> {
    sqlx::query("SELECT * FROM practice_years WHERE tenant = ? AND practice = ? AND year = ?")
        .bind(tenant.to_string())
        .bind(practice.to_string())
        .bind(i64::from(year.get()))
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::practice_year(&r))
        .transpose()
}

/// The unaccepted, unexpired invitation with this token hash.
pub async fn open_invite<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<Invite>> {
    sqlx::query(
        "SELECT * FROM invites WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?",
    )
    .bind(token_hash.to_vec())
    .bind(ts(now))
    .fetch_optional(ex)
    .await
    .map_err(db)?
    .map(|r| rows::invite(&r))
    .transpose()
}

/// How many attempts `key` has at or after `since`, and the earliest. Timestamps are fixed-width
/// RFC 3339 in UTC, so text order is time order.
pub async fn count_attempts<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    key: &str,
    since: DateTime<Utc>,
) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
    let (count, earliest): (i64, Option<String>) =
        sqlx::query_as("SELECT count(*), min(at) FROM sign_in_failures WHERE key = ? AND at >= ?")
            .bind(key)
            .bind(ts(since))
            .fetch_one(ex)
            .await
            .map_err(db)?;
    Ok((
        u32::try_from(count).unwrap_or(u32::MAX),
        earliest.map(|e| rows::parse_ts(&e)).transpose()?,
    ))
}

pub async fn document<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: DocumentId,
) -> StoreResult<Option<Document>> {
    sqlx::query("SELECT * FROM documents WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(|r| rows::document(&r))
        .transpose()
}

/// The password reset link with this secret's hash, used or not.
pub async fn password_reset<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    token_hash: &[u8; 32],
) -> StoreResult<Option<PasswordReset>> {
    sqlx::query("SELECT * FROM password_resets WHERE token_hash = ?")
        .bind(token_hash.to_vec())
        .fetch_optional(e)
        .await
        .map_err(db)?
        .map(|r| rows::password_reset(&r))
        .transpose()
}

/// The practices a client member sees, in a stable order.
pub async fn client_practices<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    user: UserId,
) -> StoreResult<Vec<PracticeId>> {
    sqlx::query(
        "SELECT practice FROM client_practices WHERE tenant = ? AND user_id = ? ORDER BY practice",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(ex)
    .await
    .map_err(db)?
    .iter()
    .map(rows::practice_id)
    .collect()
}

// Targeted-review cases and DVA requests (issue 16, part 3).

pub async fn targeted_review<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<TargetedReview>> {
    sqlx::query("SELECT * FROM targeted_reviews WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .as_ref()
        .map(rows::targeted_review)
        .transpose()
}

pub async fn update_targeted_review<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    r: &TargetedReview,
    expected: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE targeted_reviews SET state = ?, evidence = ?, detail = ?, version = ?, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
        .bind(r.state.name())
        .bind(to_json(&r.evidence)?)
        .bind(to_json(&r.detail)?)
        .bind(r.version)
        .bind(ts(r.updated_at))
        .bind(r.tenant.to_string())
        .bind(r.id.to_string())
        .bind(expected)
        .execute(ex)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_dva_request<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    d: &DvaRequest,
) -> StoreResult<bool> {
    let done = sqlx::query("INSERT INTO dva_requests (id, tenant, practice, year, notice_date, items, version, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, practice, year) DO NOTHING")
        .bind(d.id.to_string())
        .bind(d.tenant.to_string())
        .bind(d.practice.to_string())
        .bind(i64::from(d.year.get()))
        .bind(d.notice_date.to_string())
        .bind(to_json(&d.items)?)
        .bind(d.version)
        .bind(ts(d.created_at))
        .bind(&d.created_by)
        .bind(ts(d.updated_at))
        .execute(ex)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

pub async fn dva_request<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<DvaRequest>> {
    sqlx::query("SELECT * FROM dva_requests WHERE tenant = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .as_ref()
        .map(rows::dva_request)
        .transpose()
}

pub async fn dva_requests<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    tenant: TenantId,
    year: Option<PerformanceYear>,
) -> StoreResult<Vec<DvaRequest>> {
    sqlx::query(
        "SELECT * FROM dva_requests WHERE tenant = ? AND (? IS NULL OR year = ?) ORDER BY notice_date, created_at",
    )
    .bind(tenant.to_string())
    .bind(year.map(|y| i64::from(y.get())))
    .bind(year.map(|y| i64::from(y.get())))
    .fetch_all(ex)
    .await
    .map_err(db)?
    .iter()
    .map(rows::dva_request)
    .collect()
}

pub async fn update_dva_request<'e, E: Executor<'e, Database = Sqlite>>(
    ex: E,
    d: &DvaRequest,
    expected: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE dva_requests SET items = ?, version = ?, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
        .bind(to_json(&d.items)?)
        .bind(d.version)
        .bind(ts(d.updated_at))
        .bind(d.tenant.to_string())
        .bind(d.id.to_string())
        .bind(expected)
        .execute(ex)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

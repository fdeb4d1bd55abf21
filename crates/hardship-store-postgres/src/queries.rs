//! The statements a write transaction and the pool both run, written once over any PostgreSQL executor.
//! Reads inside a write need no row locks: the transaction holds its tenant's lock, and every writer of
//! the tenant takes it first.

use crate::error::{db, duplicate_or_db};
use crate::rows::*;
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use sqlx::{AssertSqlSafe, Executor, Postgres};
use uuid::Uuid;

pub async fn practice<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: PracticeId,
) -> StoreResult<Option<Practice>> {
    let sql = format!("SELECT {PRACTICE_COLUMNS} FROM practices WHERE tenant = $1 AND id = $2");
    sqlx::query_as::<_, PracticeRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(PracticeRow::into_model)
        .transpose()
}

pub async fn clinician<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: ClinicianId,
) -> StoreResult<Option<Clinician>> {
    let sql = format!("SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND id = $2");
    sqlx::query_as::<_, ClinicianRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(ClinicianRow::into_model)
        .transpose()
}

/// Ordered as SQLite orders them (`COLLATE "C"` is byte order, SQLite's default).
pub async fn practice_clinicians<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    practice: PracticeId,
) -> StoreResult<Vec<Clinician>> {
    let sql = format!(
        "SELECT {CLINICIAN_COLUMNS} FROM clinicians WHERE tenant = $1 AND practice = $2 \
         ORDER BY name COLLATE \"C\", npi"
    );
    sqlx::query_as::<_, ClinicianRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(practice.0)
        .fetch_all(ex)
        .await
        .map_err(db)?
        .into_iter()
        .map(ClinicianRow::into_model)
        .collect()
}

pub async fn user_by_email<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    email: &str,
) -> StoreResult<Option<User>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(ex)
    .await
    .map_err(db)?
    .map(UserRow::into_model))
}

pub async fn insert_user<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    u: &User,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(u.id.0)
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(u.created_at)
        .execute(ex)
        .await
        .map_err(|e| duplicate_or_db(e, "users_email_key", "email", &u.email, ""))?;
    Ok(())
}

pub async fn application<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: ApplicationId,
) -> StoreResult<Option<Application>> {
    let sql =
        format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE tenant = $1 AND id = $2");
    sqlx::query_as::<_, ApplicationRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(ApplicationRow::into_model)
        .transpose()
}

pub async fn practice_year<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    practice: PracticeId,
    year: PerformanceYear,
) -> StoreResult<Option<PracticeYear>> {
    let sql = format!(
        "SELECT {PRACTICE_YEAR_COLUMNS} FROM practice_years WHERE tenant = $1 AND practice = $2 AND year = $3"
    );
    sqlx::query_as::<_, PracticeYearRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(practice.0)
        .bind(i32::from(year.get()))
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(PracticeYearRow::into_model)
        .transpose()
}

/// The unaccepted, unexpired invitation with this token hash.
pub async fn open_invite<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<Invite>> {
    let sql = format!(
        "SELECT {INVITE_COLUMNS} FROM invites \
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"
    );
    sqlx::query_as::<_, InviteRow>(AssertSqlSafe(sql))
        .bind(token_hash.to_vec())
        .bind(now)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(InviteRow::into_model)
        .transpose()
}

/// How many attempts `key` has at or after `since`, and the earliest.
pub async fn count_attempts<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    key: &str,
    since: DateTime<Utc>,
) -> StoreResult<(u32, Option<DateTime<Utc>>)> {
    let (count, earliest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), min(at) FROM sign_in_failures WHERE key = $1 AND at >= $2",
    )
    .bind(key)
    .bind(since)
    .fetch_one(ex)
    .await
    .map_err(db)?;
    Ok((u32::try_from(count).unwrap_or(u32::MAX), earliest))
}

pub async fn document<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: DocumentId,
) -> StoreResult<Option<Document>> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND id = $2");
    sqlx::query_as::<_, DocumentRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(DocumentRow::into_model)
        .transpose()
}

/// The password reset link with this secret's hash, used or not; `for_update` locks its row, so two
/// uses of one link queue and the second sees it used.
pub async fn password_reset<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    token_hash: &[u8; 32],
    for_update: bool,
) -> StoreResult<Option<PasswordReset>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql =
        format!("SELECT {PASSWORD_RESET_COLUMNS} FROM password_resets WHERE token_hash = $1{lock}");
    sqlx::query_as::<_, PasswordResetRow>(AssertSqlSafe(sql))
        .bind(token_hash.to_vec())
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(PasswordResetRow::into_model)
        .transpose()
}

/// The practices a client member sees, in a stable order.
pub async fn client_practices<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    user: UserId,
) -> StoreResult<Vec<PracticeId>> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT practice FROM client_practices WHERE tenant = $1 AND user_id = $2 \
         ORDER BY practice::text",
    )
    .bind(tenant.0)
    .bind(user.0)
    .fetch_all(ex)
    .await
    .map_err(db)?;
    Ok(ids.into_iter().map(PracticeId).collect())
}

// Targeted-review cases and DVA requests (issue 16, part 3).

pub async fn targeted_review<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<TargetedReview>> {
    let sql = format!(
        "SELECT {} FROM targeted_reviews WHERE tenant = $1 AND id = $2",
        REVIEW_COLUMNS
    );
    sqlx::query_as::<_, ReviewRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(ReviewRow::into_model)
        .transpose()
}

pub async fn update_targeted_review<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    r: &TargetedReview,
    expected: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE targeted_reviews SET state = $1, evidence = $2, detail = $3, version = $4, \
             updated_at = $5 WHERE tenant = $6 AND id = $7 AND version = $8",
    )
    .bind(r.state.name())
    .bind(crate::tx::json_value("review evidence", &r.evidence)?)
    .bind(crate::tx::json_value("review detail", &r.detail)?)
    .bind(r.version)
    .bind(r.updated_at)
    .bind(r.tenant.0)
    .bind(r.id)
    .bind(expected)
    .execute(ex)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_dva_request<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    d: &DvaRequest,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO dva_requests (id, tenant, practice, year, notice_date, items, version, \
             created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (tenant, practice, year) DO NOTHING",
    )
    .bind(d.id)
    .bind(d.tenant.0)
    .bind(d.practice.0)
    .bind(i32::from(d.year.get()))
    .bind(d.notice_date)
    .bind(crate::tx::json_value("DVA items", &d.items)?)
    .bind(d.version)
    .bind(d.created_at)
    .bind(&d.created_by)
    .bind(d.updated_at)
    .execute(ex)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

pub async fn dva_request<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    id: Uuid,
) -> StoreResult<Option<DvaRequest>> {
    let sql = format!(
        "SELECT {} FROM dva_requests WHERE tenant = $1 AND id = $2",
        DVA_COLUMNS
    );
    sqlx::query_as::<_, DvaRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(ex)
        .await
        .map_err(db)?
        .map(DvaRow::into_model)
        .transpose()
}

pub async fn update_dva_request<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    d: &DvaRequest,
    expected: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE dva_requests SET items = $1, version = $2, updated_at = $3 \
             WHERE tenant = $4 AND id = $5 AND version = $6",
    )
    .bind(crate::tx::json_value("DVA items", &d.items)?)
    .bind(d.version)
    .bind(d.updated_at)
    .bind(d.tenant.0)
    .bind(d.id)
    .bind(expected)
    .execute(ex)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

pub async fn dva_requests<'e, E: Executor<'e, Database = Postgres>>(
    ex: E,
    tenant: TenantId,
    year: Option<PerformanceYear>,
) -> StoreResult<Vec<DvaRequest>> {
    let sql = format!(
        "SELECT {DVA_COLUMNS} FROM dva_requests WHERE tenant = $1 \
         AND ($2::integer IS NULL OR year = $2) ORDER BY notice_date, created_at"
    );
    sqlx::query_as::<_, DvaRow>(AssertSqlSafe(sql))
        .bind(tenant.0)
        .bind(year.map(|y| i32::from(y.get())))
        .fetch_all(ex)
        .await
        .map_err(db)?
        .into_iter()
        .map(DvaRow::into_model)
        .collect()
}

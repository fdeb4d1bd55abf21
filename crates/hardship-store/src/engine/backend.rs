//! What a database must provide the engine: rows in and rows out, nothing else. Each method is one SQL
//! statement (or two) and the mapping of its rows; validation, version checks, precedence, the audit
//! payloads and the order of things live in the engine, once.
//!
//! [`Backend`] reads outside any transaction (the pool) and opens write transactions; [`Tx`] is one write
//! transaction, holding the lock that keeps a tenant's audit chain single. Reads a write depends on
//! (the record it updates, the invitation it accepts) are made through the [`Tx`], under that lock.

use crate::attestation::Attestation;
use crate::audit::AuditEvent;
use crate::dva::DvaRequest;
use crate::error::StoreResult;
use crate::mailing::{PasswordReset, Reminder, ReminderKey};
use crate::model::*;
use crate::review::TargetedReview;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::{PerformanceYear, SpecialStatus};
use uuid::Uuid;

/// Which lock a write transaction takes before it reads anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The tenant's write lock: writers of one tenant queue, so its audit chain never forks. Beginning
    /// fails with `NotFound` when the tenant does not exist.
    Tenant(TenantId),
    /// A tenant being created: nothing exists yet to contend on.
    NewTenant,
    /// The sign-in attempt keys, so counting and recording an attempt is one step for every instance.
    Attempts,
    /// One account's own records (a password reset): the transaction then takes the write lock of each
    /// of the user's tenants with [`Tx::lock_tenant`], in id order, before writing their audit events.
    Account,
}

/// One write transaction. Dropped without [`commit`](Tx::commit), it rolls back.
#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    // The audit chain.
    /// The tenant's last event: `(seq, hash)`.
    async fn audit_head(&mut self, tenant: TenantId) -> StoreResult<Option<(i64, [u8; 32])>>;
    async fn insert_audit(&mut self, e: &AuditEvent) -> StoreResult<()>;

    // Organizations, users, memberships, tokens, invitations.
    async fn insert_organization(&mut self, o: &Organization) -> StoreResult<()>;
    /// Inserts or updates a membership; returns the role it had before, if any. A user that does not exist
    /// is `NotFound`.
    async fn upsert_membership(&mut self, m: &Membership) -> StoreResult<Option<Role>>;
    async fn user_by_email(&mut self, email: &str) -> StoreResult<Option<User>>;
    /// A taken address is `Duplicate` on `email`.
    async fn insert_user(&mut self, u: &User) -> StoreResult<()>;
    async fn insert_api_token(&mut self, t: &ApiToken) -> StoreResult<()>;
    /// Revokes an unrevoked token of the tenant; false when there is none.
    async fn revoke_api_token(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<bool>;
    async fn insert_invite(&mut self, i: &Invite) -> StoreResult<()>;
    /// The unaccepted, unexpired invitation with this token hash, read for update.
    async fn invite_for_update(
        &mut self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>>;
    /// Marks it accepted unless it already was; false when it was.
    async fn mark_invite_accepted(&mut self, id: InviteId, at: DateTime<Utc>) -> StoreResult<bool>;

    // Members after they joined.
    /// The member's role, read for update.
    async fn membership_role(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<Role>>;
    async fn count_owners(&mut self, tenant: TenantId) -> StoreResult<u64>;
    async fn client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>>;
    /// Removes the membership (and its client practices); false when there was none.
    async fn delete_membership(&mut self, tenant: TenantId, user: UserId) -> StoreResult<bool>;
    /// Replaces the member's client practices with `practices` (none: not a client). A practice of
    /// another tenant is `NotFound`.
    async fn set_client_practices(
        &mut self,
        tenant: TenantId,
        user: UserId,
        practices: &[PracticeId],
    ) -> StoreResult<()>;
    /// Revokes the member's unrevoked API tokens of the tenant; returns their ids, sorted.
    async fn revoke_user_tokens(
        &mut self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<Uuid>>;
    /// Deletes the user's sessions working in the tenant or in no tenant yet; returns how many.
    async fn end_user_sessions(&mut self, tenant: TenantId, user: UserId) -> StoreResult<u64>;

    // Practices and clinicians.
    async fn insert_practice(&mut self, p: &Practice) -> StoreResult<()>;
    /// The practice of the tenant, read for update.
    async fn practice(&mut self, tenant: TenantId, id: PracticeId)
    -> StoreResult<Option<Practice>>;
    /// Writes `p` (its TIN and archive state included) if the stored version is still `expected`; false
    /// otherwise.
    async fn update_practice(&mut self, p: &Practice, expected: i64) -> StoreResult<bool>;
    /// The tenant's practice with this TIN, archived or not.
    async fn practice_with_tin(
        &mut self,
        tenant: TenantId,
        tin: hardship_rules::Tin,
    ) -> StoreResult<Option<Practice>>;
    /// An NPI already on the practice's roster is `Duplicate` on `npi`.
    async fn insert_clinician(&mut self, c: &Clinician) -> StoreResult<()>;
    async fn clinician(
        &mut self,
        tenant: TenantId,
        id: ClinicianId,
    ) -> StoreResult<Option<Clinician>>;
    async fn practice_clinicians(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>>;
    async fn update_clinician(&mut self, c: &Clinician, expected: i64) -> StoreResult<bool>;
    async fn status(
        &mut self,
        clinician: ClinicianId,
        year: PerformanceYear,
        status: SpecialStatus,
    ) -> StoreResult<Option<ClinicianStatus>>;
    async fn upsert_status(&mut self, tenant: TenantId, s: &ClinicianStatus) -> StoreResult<()>;
    async fn practice_year(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Option<PracticeYear>>;
    async fn upsert_practice_year(&mut self, y: &PracticeYear) -> StoreResult<()>;
    /// The answer recorded for this practice, NPI and year.
    async fn cms_answer(
        &mut self,
        tenant: TenantId,
        practice: PracticeId,
        npi: hardship_rules::Npi,
        year: PerformanceYear,
    ) -> StoreResult<Option<CmsAnswer>>;
    /// Inserts the answer, or replaces the one of its practice, NPI and year.
    async fn upsert_cms_answer(&mut self, tenant: TenantId, a: &CmsAnswer) -> StoreResult<()>;

    // Applications, decisions, documents.
    async fn insert_application(&mut self, a: &Application) -> StoreResult<()>;
    async fn application(
        &mut self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>>;
    /// Writes draft, state, version and `updated_at` if the stored version is still `expected`.
    async fn update_application(&mut self, a: &Application, expected: i64) -> StoreResult<bool>;
    async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()>;
    /// A document id already recorded is `Duplicate` on `document`.
    async fn insert_document(&mut self, d: &Document) -> StoreResult<()>;
    async fn document_exists(&mut self, tenant: TenantId, id: DocumentId) -> StoreResult<bool>;
    async fn document(&mut self, tenant: TenantId, id: DocumentId)
    -> StoreResult<Option<Document>>;
    /// Writes a document's kind, note and `superseded_by` (nothing else of it ever changes).
    async fn update_document(&mut self, d: &Document) -> StoreResult<()>;
    /// A packet hash already signed for the application is `Duplicate` on `packet_sha256`.
    async fn insert_attestation(&mut self, a: &Attestation) -> StoreResult<()>;

    // Password resets (in a transaction begun with `Lock::Account`).
    /// Takes the tenant's write lock (as `Lock::Tenant` does at `begin`); `NotFound` when it is gone.
    async fn lock_tenant(&mut self, tenant: TenantId) -> StoreResult<()>;
    /// The link with this secret's hash, read for update.
    async fn password_reset_for_update(
        &mut self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>>;
    /// Marks every unused link of the user used at `at`.
    async fn spend_password_resets(&mut self, user: UserId, at: DateTime<Utc>) -> StoreResult<()>;
    async fn set_password(&mut self, user: UserId, hash: &str) -> StoreResult<bool>;
    async fn delete_user_sessions(&mut self, user: UserId) -> StoreResult<u64>;
    async fn memberships_of(&mut self, user: UserId) -> StoreResult<Vec<Membership>>;

    // Reminders (in a transaction holding the reminder's tenant lock).
    /// Inserts the claim unless the key exists; false when it does.
    async fn insert_reminder(&mut self, r: &Reminder) -> StoreResult<bool>;
    /// Replaces the claim of an unsent reminder claimed before `stale_before`; false when there is none.
    async fn take_over_reminder(
        &mut self,
        r: &Reminder,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // Targeted-review candidates (in a transaction holding the tenant's lock).
    /// Inserts the candidate unless its subject (tenant, year, TIN, NPI) has one; false when it has.
    async fn insert_targeted_review(&mut self, r: &TargetedReview) -> StoreResult<bool>;
    async fn targeted_review(
        &mut self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<TargetedReview>>;
    /// Writes state, evidence, detail, version and updated_at where the version is `expected`.
    async fn update_targeted_review(
        &mut self,
        r: &TargetedReview,
        expected: i64,
    ) -> StoreResult<bool>;
    /// Inserts the request unless the practice-year has one; false when it has.
    async fn insert_dva_request(&mut self, d: &DvaRequest) -> StoreResult<bool>;
    async fn dva_request(&mut self, tenant: TenantId, id: Uuid) -> StoreResult<Option<DvaRequest>>;
    /// Writes items, version and updated_at where the version is `expected`.
    async fn update_dva_request(&mut self, d: &DvaRequest, expected: i64) -> StoreResult<bool>;

    // Sign-in attempts (in a transaction begun with `Lock::Attempts`).
    /// How many attempts `key` has at or after `since`, and the earliest.
    async fn count_attempts(
        &mut self,
        key: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, Option<DateTime<Utc>>)>;
    async fn insert_attempts(
        &mut self,
        keys: &[&str],
        at: DateTime<Utc>,
        attempt: Uuid,
    ) -> StoreResult<()>;
}

/// A database the engine runs on.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    async fn migrate(&self) -> StoreResult<()>;
    /// Begins a write transaction holding `lock`. Keys are the attempt keys for `Lock::Attempts`.
    async fn begin(&self, lock: Lock, keys: &[&str]) -> StoreResult<Box<dyn Tx>>;

    // Reads, each one statement on the pool.
    async fn organization(&self, tenant: TenantId) -> StoreResult<Option<Organization>>;
    async fn tenants(&self) -> StoreResult<Vec<TenantId>>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Case-insensitive on the address.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// A taken address is `Duplicate` on `email`.
    async fn insert_user(&self, u: &User) -> StoreResult<()>;
    async fn set_password(&self, id: UserId, hash: &str) -> StoreResult<bool>;
    async fn count_users(&self) -> StoreResult<u64>;
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>>;
    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>>;
    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>>;

    async fn practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Option<Practice>>;
    async fn practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>>;
    async fn clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Option<Clinician>>;
    async fn practice_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>>;
    /// Every clinician of the tenant, mapped row by row as they stream (a 25,000-row result must not be
    /// collected raw first).
    async fn tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>>;
    async fn practice_statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>>;
    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>>;
    async fn practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Option<PracticeYear>>;
    async fn practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>>;
    /// The year's answers, of one practice or of the tenant, ordered by practice and NPI.
    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>>;

    async fn application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Option<Application>>;
    async fn applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>>;
    async fn decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>>;
    async fn document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<Document>>;
    /// An application's signatures, oldest first.
    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>>;
    async fn documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>>;

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// The tenant's events after `after_seq`, oldest first, at most `limit`.
    async fn audit_events_after(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// The sequence number of the tenant's last event (0 when none).
    async fn revision(&self, tenant: TenantId) -> StoreResult<i64>;

    // Sessions and tokens: single statements the engine passes through.
    /// A user that does not exist is `NotFound`.
    async fn insert_session(&self, s: &Session) -> StoreResult<()>;
    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()>;
    /// Deletes sessions expired at `now` (returns how many) and attempts older than `attempts_before`.
    async fn purge(&self, now: DateTime<Utc>, attempts_before: DateTime<Utc>) -> StoreResult<u64>;
    async fn set_session_tenant(
        &self,
        token_hash: &[u8; 32],
        tenant: TenantId,
    ) -> StoreResult<bool>;
    async fn delete_user_sessions(&self, user: UserId, keep: Option<&[u8; 32]>)
    -> StoreResult<u64>;
    async fn api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>>;
    async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>>;
    async fn invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>>;
    async fn invite_tenant(&self, token_hash: &[u8; 32]) -> StoreResult<Option<TenantId>>;
    async fn invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>>;
    async fn attempts(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>>;
    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()>;

    // Password resets and reminders: single statements the engine passes through.
    async fn insert_password_reset(&self, r: &PasswordReset) -> StoreResult<()>;
    async fn password_reset(&self, token_hash: &[u8; 32]) -> StoreResult<Option<PasswordReset>>;
    /// Sets `sent_at` of the reminder if `claim` still holds it unsent; false otherwise.
    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Deletes the reminder if `claim` still holds it unsent.
    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()>;
    async fn reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>>;

    async fn targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>>;
    async fn targeted_review(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<Option<TargetedReview>>;
    async fn dva_requests(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<DvaRequest>>;
    async fn dva_request(&self, tenant: TenantId, id: Uuid) -> StoreResult<Option<DvaRequest>>;

    /// A consistent copy of the whole database at `path`.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}

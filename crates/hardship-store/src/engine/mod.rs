//! The store engine: every use case of the [`Store`] contract written once, over a [`Backend`] that only
//! runs SQL. What used to be written twice — and drifted — lives here: the order of checks (the caller's
//! role first, then the input, then the records), version checks, the "editing a ready application sends
//! it back to draft" rule, status precedence, the roster merge, invitation acceptance, sign-in attempt
//! limits, and one audit payload per action ([`payloads`]).
//!
//! Each write is one backend transaction holding the tenant's lock: read what the change depends on,
//! decide, write, append the tenant's next audit event, commit. A failure anywhere rolls back both.

/// The database contract the engine runs on.
pub mod backend;
/// Practices, clinicians, statuses, rosters and practice-year profiles.
mod cases;
/// Password reset links and reminders sent once.
mod mailing;
/// Members' roles changed and members removed, client practices.
mod members;
/// The audit payload of every action.
pub mod payloads;
/// Organizations, users, memberships, sessions, API tokens, invitations and sign-in attempts.
mod people;
/// A client list of many practices, in one transaction.
mod portfolio_import;
/// Applications, decisions, evidence records, observations.
mod records;
/// Targeted-review cases (from CMS's final feedback or by hand) and DVA requests.
mod reviews;

pub use backend::{Backend, Lock, Tx};
/// The roster merge's decision per entry, for callers that preview an import.
pub use cases::{RosterStep, roster_step};

use crate::audit::{AuditEvent, Change, truncate_micros};
use crate::error::{StoreError, StoreResult};
use crate::mailing::{PasswordReset, Reminder, ReminderKey, ResetRefusal};
use crate::model::*;
use crate::{Env, PracticeUpdate, Store};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use uuid::Uuid;

/// A [`Store`] over a backend.
pub struct Engine<B> {
    backend: B,
    env: Env,
}

impl<B: Backend> Engine<B> {
    pub fn new(backend: B, env: Env) -> Engine<B> {
        Engine { backend, env }
    }

    /// The backend, for what is particular to it (tests, raw access).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    fn now(&self) -> DateTime<Utc> {
        truncate_micros(self.env.clock.now())
    }

    fn id(&self) -> Uuid {
        self.env.ids.new_id()
    }

    /// A write transaction holding the tenant's lock (`NotFound` when the tenant does not exist).
    async fn begin(&self, tenant: TenantId) -> StoreResult<Box<dyn Tx>> {
        self.backend.begin(Lock::Tenant(tenant), &[]).await
    }

    /// Appends the tenant's next audit event inside `tx` (which holds the tenant's lock).
    async fn audit(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()> {
        let prev = tx.audit_head(tenant).await?;
        let event = AuditEvent::next(tenant, prev, self.env.clock.now(), actor, change);
        tx.insert_audit(&event).await
    }

    /// The practice of the tenant, or `NotFound` (inside a write, under the lock).
    async fn practice_in(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        id: PracticeId,
    ) -> StoreResult<Practice> {
        tx.practice(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("practice", id))
    }
}

/// A stale version: someone else changed the record since the caller read it.
fn stale(entity: &'static str, id: impl std::fmt::Display, expected: i64) -> StoreError {
    StoreError::Conflict {
        entity,
        id: id.to_string(),
        expected,
    }
}

fn found<T>(v: Option<T>, entity: &'static str, id: impl std::fmt::Display) -> StoreResult<T> {
    v.ok_or_else(|| StoreError::not_found(entity, id))
}

#[async_trait]
impl<B: Backend> Store for Engine<B> {
    async fn migrate(&self) -> StoreResult<()> {
        self.backend.migrate().await
    }

    async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization> {
        self.create_organization_(actor, name, kind).await
    }
    async fn get_organization(&self, tenant: TenantId) -> StoreResult<Organization> {
        found(
            self.backend.organization(tenant).await?,
            "organization",
            tenant,
        )
    }
    async fn list_tenants(&self) -> StoreResult<Vec<TenantId>> {
        self.backend.tenants().await
    }
    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<User> {
        self.create_user_(email, password_hash).await
    }
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.backend.user_by_email(email.trim()).await
    }
    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        found(self.backend.user(id).await?, "user", id)
    }
    async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
        if self.backend.set_password(id, password_hash).await? {
            Ok(())
        } else {
            Err(StoreError::not_found("user", id))
        }
    }
    async fn add_membership(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership> {
        self.add_membership_(tenant, actor, user, role).await
    }
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        self.backend.memberships_of(user).await
    }
    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        self.backend.members(tenant).await
    }
    async fn count_users(&self) -> StoreResult<u64> {
        self.backend.count_users().await
    }
    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        self.backend.client_practices(tenant, user).await
    }
    async fn change_member(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        change: crate::MemberChange,
    ) -> StoreResult<crate::MemberChanged> {
        self.change_member_(tenant, actor, user, change).await
    }

    async fn create_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewPractice,
    ) -> StoreResult<Practice> {
        self.create_practice_(tenant, actor, new).await
    }
    async fn get_practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice> {
        found(self.backend.practice(tenant, id).await?, "practice", id)
    }
    async fn list_practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        self.backend.practices(tenant).await
    }
    async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        self.update_practice_(tenant, actor, id, expected_version, update)
            .await
    }
    async fn archive_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Practice> {
        self.archive_practice_(tenant, actor, id, expected_version, why)
            .await
    }
    async fn archive_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Clinician> {
        self.archive_clinician_(tenant, actor, id, expected_version, why)
            .await
    }
    async fn edit_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        edit: DocumentEdit,
    ) -> StoreResult<Document> {
        self.edit_document_(tenant, actor, id, edit).await
    }
    async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician> {
        let mut added = self
            .add_clinicians_(tenant, actor, practice, vec![new])
            .await?;
        added
            .pop()
            .ok_or_else(|| StoreError::Internal("no clinician added".into()))
    }
    async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        self.add_clinicians_(tenant, actor, practice, new).await
    }
    async fn get_clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Clinician> {
        found(self.backend.clinician(tenant, id).await?, "clinician", id)
    }
    async fn update_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        self.update_clinician_(tenant, actor, id, expected_version, update)
            .await
    }
    async fn import_roster(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary> {
        self.import_roster_(tenant, actor, practice, entries, profiles)
            .await
    }
    async fn import_portfolio(
        &self,
        tenant: TenantId,
        actor: &Actor,
        year: PerformanceYear,
        practices: Vec<PracticeImport>,
    ) -> StoreResult<PortfolioImportSummary> {
        self.import_portfolio_(tenant, actor, year, practices).await
    }
    async fn record_cms_answer(
        &self,
        tenant: TenantId,
        actor: &Actor,
        answer: CmsAnswer,
        entry: Option<RosterEntry>,
    ) -> StoreResult<RosterImportSummary> {
        self.record_cms_answer_(tenant, actor, answer, entry).await
    }
    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>> {
        self.backend.cms_answers(tenant, year, practice).await
    }
    async fn list_tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>> {
        self.backend.tenant_clinicians(tenant).await
    }
    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        self.backend.tenant_statuses(tenant, year).await
    }
    async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        self.get_practice(tenant, practice).await?;
        self.backend.practice_clinicians(tenant, practice).await
    }
    async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        self.set_status_(tenant, actor, status).await
    }
    async fn statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        self.get_practice(tenant, practice).await?;
        self.backend.practice_statuses(tenant, practice, year).await
    }

    async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear> {
        self.get_practice(tenant, practice).await?;
        Ok(self
            .backend
            .practice_year(tenant, practice, year)
            .await?
            .unwrap_or_else(|| PracticeYear::unsaved(tenant, practice, year)))
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
        self.set_practice_year_(tenant, actor, practice, year, expected_version, profile)
            .await
    }
    async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        self.backend.practice_years(tenant, year).await
    }

    async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        self.create_application_(tenant, actor, draft).await
    }
    async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application> {
        found(
            self.backend.application(tenant, id).await?,
            "application",
            id,
        )
    }
    async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        self.backend.applications(tenant, year).await
    }
    async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        self.update_application_(tenant, actor, id, expected_version, draft)
            .await
    }
    async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: crate::Transition,
    ) -> StoreResult<Application> {
        self.transition_application_(tenant, actor, id, expected_version, transition)
            .await
    }

    async fn sign_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        attestation: crate::NewAttestation,
    ) -> StoreResult<crate::Attestation> {
        self.sign_application_(tenant, actor, id, expected_version, attestation)
            .await
    }
    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<crate::Attestation>> {
        self.get_application(tenant, application).await?;
        self.backend.attestations(tenant, application).await
    }

    async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        decision: StoredDecision,
    ) -> StoreResult<()> {
        self.record_decision_(tenant, actor, decision).await
    }
    async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        self.backend.decisions(tenant, practice).await
    }

    async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        doc: NewDocument,
    ) -> StoreResult<Document> {
        self.record_document_(tenant, actor, doc).await
    }
    async fn get_document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Document> {
        found(self.backend.document(tenant, id).await?, "document", id)
    }
    async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        self.backend.documents(tenant, practice).await
    }
    async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        self.record_refused_deletion_(tenant, actor, id, reason)
            .await
    }
    async fn record_observation(
        &self,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()> {
        self.record_observation_(tenant, actor, change).await
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.backend.audit_events(tenant, entity_id).await
    }
    async fn audit_events_after(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.backend
            .audit_events_after(tenant, after_seq, limit)
            .await
    }
    async fn revision(&self, tenant: TenantId) -> StoreResult<i64> {
        self.backend.revision(tenant).await
    }

    async fn create_session(&self, session: Session) -> StoreResult<()> {
        self.backend.insert_session(&session).await
    }
    async fn get_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        self.backend.session(token_hash, now).await
    }
    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        self.backend.delete_session(token_hash).await
    }
    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.backend
            .purge(now, now - chrono::Duration::days(1))
            .await
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
        self.create_api_token_(tenant, actor, name, role, scope, token_hash)
            .await
    }
    async fn find_api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        self.backend.api_token(token_hash).await
    }
    async fn revoke_api_token(&self, tenant: TenantId, actor: &Actor, id: Uuid) -> StoreResult<()> {
        self.revoke_api_token_(tenant, actor, id).await
    }
    async fn list_api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        self.backend.api_tokens(tenant).await
    }
    async fn set_session_tenant(&self, token_hash: &[u8; 32], tenant: TenantId) -> StoreResult<()> {
        if self.backend.set_session_tenant(token_hash, tenant).await? {
            Ok(())
        } else {
            Err(StoreError::not_found("session", "(expired or unknown)"))
        }
    }
    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        self.backend.delete_user_sessions(user, keep).await
    }

    async fn reserve_attempt(
        &self,
        attempt: Uuid,
        limits: &[AttemptLimit],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), DateTime<Utc>>> {
        self.reserve_attempt_(attempt, limits, since, now).await
    }
    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        self.backend.release_attempt(attempt, forget).await
    }
    async fn sign_in_failures(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        self.backend.attempts(keys, since).await
    }

    async fn create_invite(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: crate::NewInvite,
    ) -> StoreResult<Invite> {
        self.create_invite_(tenant, actor, new).await
    }
    async fn find_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        self.backend.invite(token_hash, now).await
    }
    async fn list_invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>> {
        self.backend.invites(tenant).await
    }
    async fn accept_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)> {
        self.accept_invite_(token_hash, now, acceptance).await
    }

    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<PasswordReset> {
        self.create_password_reset_(user, token_hash, expires_at)
            .await
    }
    async fn find_password_reset(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>> {
        self.backend.password_reset(token_hash).await
    }
    async fn reset_password(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Result<User, ResetRefusal>> {
        self.reset_password_(token_hash, now, password_hash).await
    }
    async fn claim_reminder(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.claim_reminder_(key, claim, now, stale_before).await
    }
    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.mark_reminder_sent_(key, claim, at).await
    }
    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        self.backend.release_reminder(key, claim).await
    }
    async fn list_reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        self.backend.reminders(tenant).await
    }

    async fn open_targeted_reviews(
        &self,
        tenant: TenantId,
        actor: &Actor,
        candidates: Vec<crate::NewTargetedReview>,
    ) -> StoreResult<Vec<crate::TargetedReview>> {
        self.open_targeted_reviews_(tenant, actor, candidates).await
    }
    async fn list_targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<crate::TargetedReview>> {
        self.list_targeted_reviews_(tenant, year).await
    }
    async fn open_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: crate::NewTargetedReview,
    ) -> StoreResult<crate::TargetedReview> {
        self.open_targeted_review_(tenant, actor, new).await
    }
    async fn get_targeted_review(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<crate::TargetedReview> {
        self.get_targeted_review_(tenant, id).await
    }
    async fn change_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: crate::ReviewChange,
    ) -> StoreResult<crate::TargetedReview> {
        self.change_targeted_review_(tenant, actor, id, expected, change)
            .await
    }
    async fn open_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: crate::NewDvaRequest,
    ) -> StoreResult<crate::DvaRequest> {
        self.open_dva_request_(tenant, actor, new).await
    }
    async fn get_dva_request(&self, tenant: TenantId, id: Uuid) -> StoreResult<crate::DvaRequest> {
        self.get_dva_request_(tenant, id).await
    }
    async fn list_dva_requests(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<crate::DvaRequest>> {
        self.backend.dva_requests(tenant, year).await
    }
    async fn change_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: crate::DvaChange,
    ) -> StoreResult<crate::DvaRequest> {
        self.change_dva_request_(tenant, actor, id, expected, change)
            .await
    }

    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        self.backend.backup_to(path).await
    }
}

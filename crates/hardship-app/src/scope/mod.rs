//! The one place a client's practices are enforced: [`App::store_for`](crate::App::store_for) hands every
//! use case the store as its principal may see it. For owners, staff and auditors that is the store
//! itself; for a client it is a [`ScopedStore`], which finds a record of another practice exactly as it
//! finds another tenant's (`NotFound`), leaves other practices out of every list (so counts, totals and
//! the audit trail are the client's own), refuses what would reach beyond its practices (a client list
//! import, a new practice), and shows none of the organization's members, tokens or invitations but the
//! client itself. It implements the whole [`Store`] contract, so no call can go around it: a method the
//! filter has nothing to say about is passed through. The longer methods over a practice's file and over
//! practices live in `files.rs` and `practices.rs` (methods the impl below calls), the filter's own
//! checks in `filter.rs`.

use crate::principal::PracticeFilter;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use std::sync::Arc;
use uuid::Uuid;

/// Applications, decisions and documents, checked before the inner store is asked.
mod files;
/// The filter's checks and the client's audit events.
mod filter;
/// Practices, clinicians, statuses and profiles, checked before the inner store is asked.
mod practices;

use filter::beyond;

/// The store seen through a client's practices.
pub struct ScopedStore {
    pub(crate) inner: Arc<dyn Store>,
    pub(crate) filter: PracticeFilter,
    /// The client, the one member it sees.
    pub(crate) user: Option<UserId>,
}

#[async_trait]
impl Store for ScopedStore {
    async fn migrate(&self) -> StoreResult<()> {
        self.inner.migrate().await
    }
    async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization> {
        self.inner.create_organization(actor, name, kind).await
    }
    async fn get_organization(&self, tenant: TenantId) -> StoreResult<Organization> {
        self.inner.get_organization(tenant).await
    }
    async fn list_tenants(&self) -> StoreResult<Vec<TenantId>> {
        self.inner.list_tenants().await
    }
    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<User> {
        self.inner.create_user(email, password_hash).await
    }
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }
    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        self.inner.get_user(id).await
    }
    async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()> {
        self.inner.set_password(id, password_hash).await
    }
    async fn add_membership(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership> {
        self.inner.add_membership(tenant, actor, user, role).await
    }
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        self.inner.memberships_of(user).await
    }
    /// The client itself and no one else: the organization's people are not a client's business.
    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>> {
        let all = self.inner.members(tenant).await?;
        Ok(all
            .into_iter()
            .filter(|(m, _)| Some(m.user) == self.user)
            .collect())
    }
    async fn count_users(&self) -> StoreResult<u64> {
        self.inner.count_users().await
    }
    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>> {
        self.inner.client_practices(tenant, user).await
    }
    async fn change_member(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        change: MemberChange,
    ) -> StoreResult<MemberChanged> {
        self.inner.change_member(tenant, actor, user, change).await
    }

    async fn create_practice(
        &self,
        _tenant: TenantId,
        _actor: &Actor,
        _new: NewPractice,
    ) -> StoreResult<Practice> {
        Err(beyond())
    }
    async fn get_practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice> {
        self.practice_ok(id)?;
        self.inner.get_practice(tenant, id).await
    }
    async fn list_practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>> {
        let all = self.inner.list_practices(tenant).await?;
        Ok(self.keep(all, |p| p.id))
    }
    async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice> {
        ScopedStore::update_practice(self, tenant, actor, id, expected_version, update).await
    }
    async fn archive_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Practice> {
        ScopedStore::archive_practice(self, tenant, actor, id, expected_version, why).await
    }
    async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician> {
        ScopedStore::add_clinician(self, tenant, actor, practice, new).await
    }
    async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>> {
        ScopedStore::add_clinicians(self, tenant, actor, practice, new).await
    }
    async fn get_clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Clinician> {
        ScopedStore::get_clinician(self, tenant, id).await
    }
    async fn update_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician> {
        ScopedStore::update_clinician(self, tenant, actor, id, expected_version, update).await
    }
    async fn archive_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Clinician> {
        ScopedStore::archive_clinician(self, tenant, actor, id, expected_version, why).await
    }
    async fn import_roster(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary> {
        ScopedStore::import_roster(self, tenant, actor, practice, entries, profiles).await
    }
    async fn import_portfolio(
        &self,
        _tenant: TenantId,
        _actor: &Actor,
        _year: PerformanceYear,
        _practices: Vec<PracticeImport>,
    ) -> StoreResult<PortfolioImportSummary> {
        Err(beyond())
    }
    async fn list_tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>> {
        let all = self.inner.list_tenant_clinicians(tenant).await?;
        Ok(self.keep(all, |c| c.practice))
    }
    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        ScopedStore::tenant_statuses(self, tenant, year).await
    }
    async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>> {
        ScopedStore::list_clinicians(self, tenant, practice).await
    }
    async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()> {
        ScopedStore::set_status(self, tenant, actor, status).await
    }
    async fn statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>> {
        ScopedStore::statuses(self, tenant, practice, year).await
    }

    async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear> {
        ScopedStore::get_practice_year(self, tenant, practice, year).await
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
        ScopedStore::set_practice_year(
            self,
            tenant,
            actor,
            practice,
            year,
            expected_version,
            profile,
        )
        .await
    }
    async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>> {
        ScopedStore::list_practice_years(self, tenant, year).await
    }

    async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        ScopedStore::create_application(self, tenant, actor, draft).await
    }
    async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application> {
        ScopedStore::get_application(self, tenant, id).await
    }
    async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        ScopedStore::list_applications(self, tenant, year).await
    }
    async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        ScopedStore::update_application(self, tenant, actor, id, expected_version, draft).await
    }
    async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: Transition,
    ) -> StoreResult<Application> {
        ScopedStore::transition_application(self, tenant, actor, id, expected_version, transition)
            .await
    }
    async fn sign_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        attestation: NewAttestation,
    ) -> StoreResult<Attestation> {
        ScopedStore::sign_application(self, tenant, actor, id, expected_version, attestation).await
    }
    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>> {
        ScopedStore::attestations(self, tenant, application).await
    }

    async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        decision: StoredDecision,
    ) -> StoreResult<()> {
        ScopedStore::record_decision(self, tenant, actor, decision).await
    }
    async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        ScopedStore::list_decisions(self, tenant, practice).await
    }

    async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        doc: NewDocument,
    ) -> StoreResult<Document> {
        ScopedStore::record_document(self, tenant, actor, doc).await
    }
    async fn get_document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Document> {
        ScopedStore::get_document(self, tenant, id).await
    }
    async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        ScopedStore::list_documents(self, tenant, practice).await
    }
    async fn edit_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        edit: DocumentEdit,
    ) -> StoreResult<Document> {
        ScopedStore::edit_document(self, tenant, actor, id, edit).await
    }
    async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        ScopedStore::record_refused_deletion(self, tenant, actor, id, reason).await
    }
    async fn record_observation(
        &self,
        tenant: TenantId,
        actor: &Actor,
        change: audit::Change,
    ) -> StoreResult<()> {
        self.inner.record_observation(tenant, actor, change).await
    }

    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.visible_events(tenant, entity_id).await
    }
    async fn revision(&self, tenant: TenantId) -> StoreResult<i64> {
        self.inner.revision(tenant).await
    }
    /// The whole chain is verified (it is one per tenant); a client is told how many of its own events
    /// it covered, not how many the organization has.
    async fn verify_audit(&self, tenant: TenantId) -> StoreResult<Result<usize, BrokenLink>> {
        Ok(match self.inner.verify_audit(tenant).await? {
            Ok(_) => Ok(self.visible_events(tenant, None).await?.len()),
            Err(b) => Err(b),
        })
    }
    /// The client's records against the whole log.
    async fn verify_records(&self, tenant: TenantId) -> StoreResult<Vec<integrity::Finding>> {
        let events = self.inner.audit_events(tenant, None).await?;
        let practices = self.list_practices(tenant).await?.len();
        let documents = self.list_documents(tenant, None).await?;
        let applications = self.list_applications(tenant, None).await?;
        Ok(integrity::check(&integrity::Records {
            practices,
            documents: &documents,
            applications: &applications,
            events: &events,
        }))
    }

    async fn create_session(&self, session: Session) -> StoreResult<()> {
        self.inner.create_session(session).await
    }
    async fn get_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        self.inner.get_session(token_hash, now).await
    }
    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        self.inner.delete_session(token_hash).await
    }
    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.inner.purge_sessions(now).await
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
        self.inner
            .create_api_token(tenant, actor, name, role, scope, token_hash)
            .await
    }
    async fn find_api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>> {
        self.inner.find_api_token(token_hash).await
    }
    async fn revoke_api_token(&self, tenant: TenantId, actor: &Actor, id: Uuid) -> StoreResult<()> {
        self.inner.revoke_api_token(tenant, actor, id).await
    }
    /// None: tokens are the organization's.
    async fn list_api_tokens(&self, _tenant: TenantId) -> StoreResult<Vec<ApiToken>> {
        Ok(Vec::new())
    }
    async fn set_session_tenant(&self, token_hash: &[u8; 32], tenant: TenantId) -> StoreResult<()> {
        self.inner.set_session_tenant(token_hash, tenant).await
    }
    async fn delete_user_sessions(
        &self,
        user: UserId,
        keep: Option<&[u8; 32]>,
    ) -> StoreResult<u64> {
        self.inner.delete_user_sessions(user, keep).await
    }

    async fn reserve_attempt(
        &self,
        attempt: Uuid,
        limits: &[AttemptLimit],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), DateTime<Utc>>> {
        self.inner
            .reserve_attempt(attempt, limits, since, now)
            .await
    }
    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()> {
        self.inner.release_attempt(attempt, forget).await
    }
    async fn sign_in_failures(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>> {
        self.inner.sign_in_failures(keys, since).await
    }

    async fn create_invite(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewInvite,
    ) -> StoreResult<Invite> {
        self.inner.create_invite(tenant, actor, new).await
    }
    async fn find_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>> {
        self.inner.find_invite(token_hash, now).await
    }
    /// None: invitations are the organization's.
    async fn list_invites(&self, _tenant: TenantId) -> StoreResult<Vec<Invite>> {
        Ok(Vec::new())
    }
    async fn accept_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)> {
        self.inner.accept_invite(token_hash, now, acceptance).await
    }

    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        self.inner.backup_to(path).await
    }

    // CMS's eligibility answers: a client reads its practices' answers; fetching is the organization's.
    async fn record_cms_answer(
        &self,
        _tenant: TenantId,
        _actor: &Actor,
        _answer: CmsAnswer,
        _entry: Option<RosterEntry>,
    ) -> StoreResult<RosterImportSummary> {
        Err(StoreError::Forbidden(
            "a client does not fetch CMS's eligibility data: the organization does".into(),
        ))
    }
    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>> {
        if let Some(p) = practice {
            self.practice_ok(p)?;
        }
        let all = self.inner.cms_answers(tenant, year, practice).await?;
        Ok(self.keep(all, |a| a.practice))
    }

    // The events since a revision, for patching a cached portfolio: a client gets none, so its (small)
    // portfolio is always loaded afresh through this filter and no other practice's event is seen.
    async fn audit_events_after(
        &self,
        _tenant: TenantId,
        _after_seq: i64,
        _limit: u32,
    ) -> StoreResult<Vec<AuditEvent>> {
        Ok(Vec::new())
    }

    // Password resets and reminders belong to accounts and organizations, not to practices.
    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<PasswordReset> {
        self.inner
            .create_password_reset(user, token_hash, expires_at)
            .await
    }
    async fn find_password_reset(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>> {
        self.inner.find_password_reset(token_hash).await
    }
    async fn reset_password(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Result<User, ResetRefusal>> {
        self.inner
            .reset_password(token_hash, now, password_hash)
            .await
    }
    async fn claim_reminder(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.inner
            .claim_reminder(key, claim, now, stale_before)
            .await
    }
    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.inner.mark_reminder_sent(key, claim, at).await
    }
    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()> {
        self.inner.release_reminder(key, claim).await
    }
    async fn list_reminders(&self, _tenant: TenantId) -> StoreResult<Vec<Reminder>> {
        Ok(Vec::new())
    }

    // Targeted reviews: a client sees its practices'; opening them from CMS's feedback is the
    // organization's.
    async fn open_targeted_reviews(
        &self,
        _tenant: TenantId,
        _actor: &Actor,
        _candidates: Vec<NewTargetedReview>,
    ) -> StoreResult<Vec<TargetedReview>> {
        Err(StoreError::Forbidden(
            "a client does not import CMS's feedback: the organization does".into(),
        ))
    }
    async fn list_targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>> {
        let all = self.inner.list_targeted_reviews(tenant, year).await?;
        Ok(self.keep(all, |r| r.practice))
    }
    // Targeted-review cases and DVA requests: a client reads its practices'; every change is the
    // organization's (the engine refuses a client's role; a case of practice B is "not found" first).
    async fn open_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewTargetedReview,
    ) -> StoreResult<TargetedReview> {
        self.practice_ok(new.practice)?;
        self.inner.open_targeted_review(tenant, actor, new).await
    }
    async fn get_targeted_review(&self, tenant: TenantId, id: Uuid) -> StoreResult<TargetedReview> {
        let r = self.inner.get_targeted_review(tenant, id).await?;
        self.check(r.practice, "targeted review", id)?;
        Ok(r)
    }
    async fn change_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: ReviewChange,
    ) -> StoreResult<TargetedReview> {
        self.get_targeted_review(tenant, id).await?;
        self.inner
            .change_targeted_review(tenant, actor, id, expected, change)
            .await
    }
    async fn open_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewDvaRequest,
    ) -> StoreResult<DvaRequest> {
        self.practice_ok(new.practice)?;
        self.inner.open_dva_request(tenant, actor, new).await
    }
    async fn get_dva_request(&self, tenant: TenantId, id: Uuid) -> StoreResult<DvaRequest> {
        let d = self.inner.get_dva_request(tenant, id).await?;
        self.check(d.practice, "data validation and audit request", id)?;
        Ok(d)
    }
    async fn list_dva_requests(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<DvaRequest>> {
        let all = self.inner.list_dva_requests(tenant, year).await?;
        Ok(self.keep(all, |d| d.practice))
    }
    async fn change_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: DvaChange,
    ) -> StoreResult<DvaRequest> {
        self.get_dva_request(tenant, id).await?;
        self.inner
            .change_dva_request(tenant, actor, id, expected, change)
            .await
    }
}

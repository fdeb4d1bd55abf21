//! `hardship-store`: the storage contract. Backends (`hardship-store-sqlite`, `hardship-store-postgres`)
//! implement [`Store`]; the rest of the program holds an `Arc<dyn Store>` and never names a backend.
//!
//! Rules every backend keeps, checked by the behaviour suite (`testsuite` feature):
//! - every query takes the tenant, and another tenant's id finds nothing;
//! - every change writes exactly one audit event in the same transaction, chained by hash per tenant;
//! - no code path updates or deletes an audit event (the schemas also refuse it with triggers);
//! - versioned records use optimistic concurrency: a stale version is a `Conflict`, never a lost update;
//! - bad input is refused before anything is written.

pub mod application;
/// Signed attestations of application packets.
pub mod attestation;
pub mod audit;
/// Data validation and audit requests of CMS: the notice, the 45-day clock, the checklist.
pub mod dva;
/// Every use case of the contract, once, over a backend that only runs SQL.
pub mod engine;
/// The clock and ids a backend is given.
mod env;
pub mod error;
pub mod integrity;
/// Password reset links and reminders sent once.
pub mod mailing;
/// Members' roles changed and members removed; client practices.
pub mod members;
/// Migration files as the SQL backends embed them.
pub mod migrations;
pub mod model;
/// Targeted-review candidates opened from CMS's final feedback.
pub mod review;
#[cfg(feature = "testsuite")]
pub mod testsuite;
/// Input rules and role checks applied before anything is written.
mod validate;

pub use application::Transition;
pub use attestation::{Attestation, NewAttestation};
pub use audit::{AuditEvent, BrokenLink, Change};
pub use dva::{DvaChange, DvaItem, DvaRequest, NewDvaRequest};
pub use env::{Clock, Env, Ids, RandomIds, SystemClock};
pub use error::{StoreError, StoreResult};
pub use mailing::{PasswordReset, Reminder, ReminderKey, ResetRefusal};
pub use members::{MemberChange, MemberChanged, NewInvite};
pub use model::*;
pub use review::{
    NewTargetedReview, ReviewChange, ReviewDetail, ReviewOrigin, ReviewOutcome, ReviewState,
    TargetedReview,
};
pub use validate::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use uuid::Uuid;

/// Fields of a practice that can change.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct PracticeUpdate {
    pub name: String,
    pub address: String,
    pub contact: Contact,
    #[serde(default)]
    pub zip: Option<hardship_rules::Zip5>,
    /// A corrected TIN (recorded as a correction); `None` keeps it.
    #[serde(default)]
    pub tin: Option<hardship_rules::Tin>,
}

/// The storage contract.
#[async_trait]
pub trait Store: Send + Sync {
    /// Applies pending migrations (also done when a backend is opened).
    async fn migrate(&self) -> StoreResult<()>;

    // Organizations, users, memberships.
    async fn create_organization(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization>;
    async fn get_organization(&self, tenant: TenantId) -> StoreResult<Organization>;
    async fn list_tenants(&self) -> StoreResult<Vec<TenantId>>;
    async fn create_user(&self, email: &str, password_hash: &str) -> StoreResult<User>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn get_user(&self, id: UserId) -> StoreResult<User>;
    async fn set_password(&self, id: UserId, password_hash: &str) -> StoreResult<()>;
    async fn add_membership(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership>;
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>>;
    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<(Membership, User)>>;
    async fn count_users(&self) -> StoreResult<u64>;
    /// The practices a client member is linked to (none for any other member).
    async fn client_practices(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<PracticeId>>;
    /// Changes a member's role (a client's with its practices) or removes the member, and ends its
    /// sessions working in the tenant and revokes its API tokens there, with one audit event, in one
    /// transaction. Owners only; the last owner can be neither demoted nor removed (`Refused`).
    async fn change_member(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        change: MemberChange,
    ) -> StoreResult<MemberChanged>;

    // Practices and clinicians.
    async fn create_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewPractice,
    ) -> StoreResult<Practice>;
    async fn get_practice(&self, tenant: TenantId, id: PracticeId) -> StoreResult<Practice>;
    async fn list_practices(&self, tenant: TenantId) -> StoreResult<Vec<Practice>>;
    async fn update_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        update: PracticeUpdate,
    ) -> StoreResult<Practice>;
    /// Archives a practice (`why` says why) or restores it (`None`), at the version the caller read.
    async fn archive_practice(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: PracticeId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Practice>;
    async fn add_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: NewClinician,
    ) -> StoreResult<Clinician>;
    /// Adds many clinicians in one transaction: all or nothing.
    async fn add_clinicians(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        new: Vec<NewClinician>,
    ) -> StoreResult<Vec<Clinician>>;
    async fn get_clinician(&self, tenant: TenantId, id: ClinicianId) -> StoreResult<Clinician>;
    async fn update_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        update: ClinicianUpdate,
    ) -> StoreResult<Clinician>;
    /// Archives a clinician (`why` says why) or restores it (`None`), at the version the caller read.
    async fn archive_clinician(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ClinicianId,
        expected_version: i64,
        why: Option<String>,
    ) -> StoreResult<Clinician>;
    /// Adds new NPIs, updates changed names and types, records the statuses as imported and saves the
    /// year profiles (each at its expected version), in one transaction: all or nothing. A status CMS
    /// eligibility data already set is kept (and counted).
    async fn import_roster(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        entries: Vec<RosterEntry>,
        profiles: Vec<ProfileWrite>,
    ) -> StoreResult<RosterImportSummary>;
    /// A client list in one transaction: each practice created or updated by TIN (archived ones skipped
    /// and named), its clinicians merged as [`Store::import_roster`] merges them, and `year`'s reporting
    /// level set where given. What already is as the list says is not written (a re-run changes nothing).
    async fn import_portfolio(
        &self,
        tenant: TenantId,
        actor: &Actor,
        year: PerformanceYear,
        practices: Vec<PracticeImport>,
    ) -> StoreResult<PortfolioImportSummary>;
    /// Records what CMS's QPP Eligibility API answered for an NPI of a practice (replacing the answer of
    /// that year recorded before) and, for a profile, the clinician and statuses it gives as
    /// [`import_roster`](Store::import_roster) would (CMS data outranking imported and hand-entered
    /// values): one transaction, with its audit events.
    async fn record_cms_answer(
        &self,
        tenant: TenantId,
        actor: &Actor,
        answer: CmsAnswer,
        entry: Option<RosterEntry>,
    ) -> StoreResult<RosterImportSummary>;
    /// The answers recorded for a year, of one practice or of every practice of the tenant.
    async fn cms_answers(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<CmsAnswer>>;
    /// Every clinician of every practice of the tenant (the portfolio dashboard reads them at once).
    async fn list_tenant_clinicians(&self, tenant: TenantId) -> StoreResult<Vec<Clinician>>;
    /// Every clinician status of the tenant in a year.
    async fn tenant_statuses(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>>;
    async fn list_clinicians(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<Clinician>>;
    async fn set_status(
        &self,
        tenant: TenantId,
        actor: &Actor,
        status: ClinicianStatus,
    ) -> StoreResult<()>;
    /// The current statuses of a practice's clinicians in a year (CMS data outranks imported and manual).
    async fn statuses(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<ClinicianStatus>>;

    // A practice's reporting profile per performance year.
    /// The saved profile, or the default one at version 0 when none was saved.
    async fn get_practice_year(
        &self,
        tenant: TenantId,
        practice: PracticeId,
        year: PerformanceYear,
    ) -> StoreResult<PracticeYear>;
    /// Saves the profile; `expected_version` is 0 for the first save.
    async fn set_practice_year(
        &self,
        tenant: TenantId,
        actor: &Actor,
        practice: PracticeId,
        year: PerformanceYear,
        expected_version: i64,
        profile: ReportingProfile,
    ) -> StoreResult<PracticeYear>;
    /// Every saved profile of the tenant in a year.
    async fn list_practice_years(
        &self,
        tenant: TenantId,
        year: PerformanceYear,
    ) -> StoreResult<Vec<PracticeYear>>;

    // Applications.
    async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application>;
    async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application>;
    async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>>;
    async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application>;
    async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: Transition,
    ) -> StoreResult<Application>;
    /// Signs a draft or ready application's packet, at the version the signer read, as the actor's own
    /// account (a token cannot sign). Once per packet hash: signing the same packet again is `Refused`.
    async fn sign_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        attestation: NewAttestation,
    ) -> StoreResult<Attestation>;
    /// An application's signatures, oldest first.
    async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>>;

    // Decisions.
    async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        decision: StoredDecision,
    ) -> StoreResult<()>;
    async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>>;

    // Evidence documents (the bytes live in the vault; this is their record).
    async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        doc: NewDocument,
    ) -> StoreResult<Document>;
    async fn get_document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Document>;
    async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>>;
    /// Records an attempt to delete a document that the retention lock refused.
    /// Corrects what a document is: its kind, a note, the document that supersedes it.
    async fn edit_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        edit: DocumentEdit,
    ) -> StoreResult<Document>;
    async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()>;

    /// Records an event that changes no record (e.g. a document that failed its integrity check when
    /// someone opened it), even for a read-only member: who saw what is a fact worth keeping.
    /// Only the actions [`audit::actions::OBSERVATIONS`] lists are accepted.
    async fn record_observation(
        &self,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()>;

    // Audit log.
    async fn audit_events(
        &self,
        tenant: TenantId,
        entity_id: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// The tenant's events after `after_seq`, oldest first, at most `limit`: what changed since a revision.
    async fn audit_events_after(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// The tenant's revision: the sequence number of its last audit event. Every change of the tenant's
    /// data appends one, so a cache keyed by it can never serve a stale answer, on any instance.
    async fn revision(&self, tenant: TenantId) -> StoreResult<i64>;
    /// Recomputes the tenant's chain; names the first broken event.
    async fn verify_audit(&self, tenant: TenantId) -> StoreResult<Result<usize, BrokenLink>> {
        let events = self.audit_events(tenant, None).await?;
        Ok(audit::verify_chain(tenant, &events))
    }
    /// Checks the tenant's records against its audit log ([`integrity`]): every disagreement, named.
    async fn verify_records(&self, tenant: TenantId) -> StoreResult<Vec<integrity::Finding>> {
        let events = self.audit_events(tenant, None).await?;
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

    // Sessions (browser sign-in) and API tokens (machine clients). Tokens are stored only as hashes.
    async fn create_session(&self, session: Session) -> StoreResult<()>;
    /// The session with this token hash, if it exists and has not expired at `now`.
    async fn get_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, token_hash: &[u8; 32]) -> StoreResult<()>;
    /// Removes expired sessions, and sign-in failures older than a day; returns how many sessions.
    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    async fn create_api_token(
        &self,
        tenant: TenantId,
        actor: &Actor,
        name: &str,
        role: Role,
        scope: TokenScope,
        token_hash: [u8; 32],
    ) -> StoreResult<ApiToken>;
    /// The unrevoked token with this hash, whatever its tenant (the token names its tenant).
    async fn find_api_token(&self, token_hash: &[u8; 32]) -> StoreResult<Option<ApiToken>>;
    async fn revoke_api_token(&self, tenant: TenantId, actor: &Actor, id: Uuid) -> StoreResult<()>;
    async fn list_api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiToken>>;
    /// Switches the organization a session works in (the caller checks the membership).
    async fn set_session_tenant(&self, token_hash: &[u8; 32], tenant: TenantId) -> StoreResult<()>;
    /// Signs a user out everywhere (after a password change), except the session `keep`.
    async fn delete_user_sessions(&self, user: UserId, keep: Option<&[u8; 32]>)
    -> StoreResult<u64>;

    // Sign-in attempts, kept in the database so that every instance behind a load balancer counts the
    // same ones (the limiter's policy lives in the server). Keys are opaque ("ip:…", "account:…").
    /// Reserves one attempt under every key, in one transaction that no concurrent reservation of the
    /// same keys can interleave with: refused with the earliest counted attempt of an exhausted key (the
    /// window frees up when it leaves) when any key already has `max` attempts at or after `since`;
    /// otherwise records one row per key tagged `attempt`. An attempt counts as a failure until released.
    async fn reserve_attempt(
        &self,
        attempt: Uuid,
        limits: &[AttemptLimit],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), DateTime<Utc>>>;
    /// Removes the rows of an attempt that did not fail (the password was right, or never checked) and
    /// forgets every failure of the `forget` keys.
    async fn release_attempt(&self, attempt: Uuid, forget: &[String]) -> StoreResult<()>;
    /// For each of `keys` with attempts counted at or after `since`: the key, how many, and the earliest.
    async fn sign_in_failures(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SignInFailures>>;

    // Invitations.
    /// An invitation to join with a role (a client's with its practices, each the tenant's).
    async fn create_invite(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewInvite,
    ) -> StoreResult<Invite>;
    /// The invitation with this token hash, if not yet accepted and not expired at `now`.
    async fn find_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Invite>>;
    async fn list_invites(&self, tenant: TenantId) -> StoreResult<Vec<Invite>>;
    /// Accepts an invitation in one transaction: the invited e-mail's account becomes a member with the
    /// invited role, and the invitation can never be used again. The caller says which case it checked,
    /// and the store refuses the other inside the transaction (so two acceptances racing for one new
    /// address cannot both end with a session of the one account): `NewAccount` only when no account has
    /// the address (`Duplicate` otherwise), `SignedIn` only when the signed-in user is the address's
    /// account (`Forbidden` otherwise).
    async fn accept_invite(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)>;

    // Password reset links (only the secret's SHA-256 is stored).
    /// Records a link for `user`, valid until `expires_at`.
    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<PasswordReset>;
    /// The link with this secret's hash, used or expired or not (the caller says which to the user).
    async fn find_password_reset(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<PasswordReset>>;
    /// Sets the password through a link, in one transaction: the link must be unused and unexpired at
    /// `now`; every link of the account is spent, every session of the user ends, and each organization
    /// the user belongs to gets an audit event (`user.password_reset`). A refused link changes nothing.
    async fn reset_password(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Result<User, ResetRefusal>>;

    // Reminders, each sent once per key (tenant, recipient, kind, period).
    /// Claims `key` for the sender `claim`, in one transaction: true when it was free, or claimed but
    /// never sent by a sender whose claim is older than `stale_before` (it died holding it); false when
    /// it was sent already or another sender holds a live claim.
    async fn claim_reminder(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Marks the claimed reminder sent (only the claim's holder can).
    async fn mark_reminder_sent(
        &self,
        key: &ReminderKey,
        claim: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Gives a claim back after a failed send, so the next run tries again.
    async fn release_reminder(&self, key: &ReminderKey, claim: Uuid) -> StoreResult<()>;
    /// Every reminder of the tenant claimed or sent, oldest first.
    async fn list_reminders(&self, tenant: TenantId) -> StoreResult<Vec<Reminder>>;

    // Targeted-review candidates.
    /// Opens a draft candidate for each subject (TIN or TIN/NPI, year) that has none yet, each with its
    /// audit event, in one transaction; returns the ones opened (none when all were open already).
    async fn open_targeted_reviews(
        &self,
        tenant: TenantId,
        actor: &Actor,
        candidates: Vec<NewTargetedReview>,
    ) -> StoreResult<Vec<TargetedReview>>;
    /// The tenant's candidates, of one year or all, oldest first.
    async fn list_targeted_reviews(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>>;
    /// Opens one case by hand (`Duplicate` when its subject and year has one), with its audit event.
    async fn open_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewTargetedReview,
    ) -> StoreResult<TargetedReview>;
    async fn get_targeted_review(&self, tenant: TenantId, id: Uuid) -> StoreResult<TargetedReview>;
    /// Edits, submits or decides a case read at version `expected` (a stale one is `Conflict`); a step
    /// its state refuses is `Refused` naming the state; a submission after a confirmed window closed is
    /// refused naming the close.
    async fn change_targeted_review(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: ReviewChange,
    ) -> StoreResult<TargetedReview>;

    // Data validation and audit requests, one per practice and year.
    async fn open_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewDvaRequest,
    ) -> StoreResult<DvaRequest>;
    async fn get_dva_request(&self, tenant: TenantId, id: Uuid) -> StoreResult<DvaRequest>;
    async fn list_dva_requests(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<DvaRequest>>;
    async fn change_dva_request(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: DvaChange,
    ) -> StoreResult<DvaRequest>;

    /// A consistent copy of the whole database at `path` (a file for SQLite, a directory for PostgreSQL).
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}

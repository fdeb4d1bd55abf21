//! Rows as PostgreSQL returns them, and their conversion into the contract's models. A row that does not
//! convert (a value the domain refuses) is reported as damaged, never silently patched.

use crate::error::corrupt;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::{ClinicianType, Npi, PerformanceYear, SpecialStatus, Tin};
use hardship_store::{
    ApiToken, Application, ApplicationDraft, ApplicationId, ApplicationState, Attestation,
    AttestationId, AuditEvent, Clinician, ClinicianId, ClinicianStatus, CmsAnswer, Contact,
    DecisionId, Document, DocumentId, DvaRequest, Invite, InviteId, Membership, Organization,
    OrganizationKind, PasswordReset, Practice, PracticeId, PracticeYear, Reminder, ReminderKey,
    ReportingProfile, ReviewState, Role, StatusOrigin, StoreResult, StoredDecision, TargetedReview,
    TenantId, TokenScope, User, UserId,
};
use uuid::Uuid;

/// A row struct and its `sqlx::FromRow`, each field read from the column of its name: what
/// `#[derive(sqlx::FromRow)]` wrote, written by a local macro because sqlx's derive built a second sqlx
/// for the build host (issue 17).
macro_rules! from_row {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($name {
                    $($field: row.try_get(stringify!($field))?),*
                })
            }
        }
    };
}

pub(crate) fn year(value: i32) -> StoreResult<PerformanceYear> {
    u16::try_from(value)
        .ok()
        .and_then(|y| PerformanceYear::new(y).ok())
        .ok_or_else(|| corrupt("performance year", value))
}

pub(crate) fn hash32(what: &str, bytes: Vec<u8>) -> StoreResult<[u8; 32]> {
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| corrupt(what, format!("{} bytes", bytes.len())))
}

from_row! {
    pub(crate) struct OrganizationRow {
        id: Uuid,
        name: String,
        kind: String,
        created_at: DateTime<Utc>,
    }
}

impl OrganizationRow {
    pub(crate) fn into_model(self) -> StoreResult<Organization> {
        let kind = OrganizationKind::parse(&self.kind)
            .ok_or_else(|| corrupt("organization kind", &self.kind))?;
        Ok(Organization {
            id: TenantId(self.id),
            name: self.name,
            kind,
            created_at: self.created_at,
        })
    }
}

from_row! {
    pub(crate) struct UserRow {
        id: Uuid,
        email: String,
        password_hash: String,
        created_at: DateTime<Utc>,
    }
}

impl UserRow {
    pub(crate) fn into_model(self) -> User {
        User {
            id: UserId(self.id),
            email: self.email,
            password_hash: self.password_hash,
            created_at: self.created_at,
        }
    }
}

from_row! {
    pub(crate) struct MembershipRow {
        tenant: Uuid,
        user_id: Uuid,
        role: String,
    }
}

impl MembershipRow {
    pub(crate) fn into_model(self) -> StoreResult<Membership> {
        let role = Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?;
        Ok(Membership {
            tenant: TenantId(self.tenant),
            user: UserId(self.user_id),
            role,
        })
    }
}

from_row! {
    /// A member with their user record (`members`).
    pub(crate) struct MemberRow {
        tenant: Uuid,
        user_id: Uuid,
        role: String,
        email: String,
        password_hash: String,
        created_at: DateTime<Utc>,
    }
}

impl MemberRow {
    pub(crate) fn into_model(self) -> StoreResult<(Membership, User)> {
        let membership = MembershipRow {
            tenant: self.tenant,
            user_id: self.user_id,
            role: self.role,
        }
        .into_model()?;
        let user = UserRow {
            id: self.user_id,
            email: self.email,
            password_hash: self.password_hash,
            created_at: self.created_at,
        }
        .into_model();
        Ok((membership, user))
    }
}

from_row! {
    pub(crate) struct PracticeRow {
        id: Uuid,
        tenant: Uuid,
        tin: String,
        name: String,
        address: String,
        contact_name: String,
        contact_email: String,
        contact_phone: String,
        zip: Option<String>,
        archived: Option<serde_json::Value>,
        version: i64,
        created_at: DateTime<Utc>,
    }
}

/// A nullable JSON column as a record.
fn opt_json<T: serde::de::DeserializeOwned>(
    what: &str,
    v: Option<serde_json::Value>,
) -> StoreResult<Option<T>> {
    v.map(|v| serde_json::from_value(v).map_err(|e| corrupt(what, e)))
        .transpose()
}

/// A record as a nullable JSON column.
pub(crate) fn opt_value<T: serde::Serialize>(
    v: Option<&T>,
) -> StoreResult<Option<serde_json::Value>> {
    v.map(|v| {
        serde_json::to_value(v)
            .map_err(|e| hardship_store::StoreError::Internal(format!("cannot encode: {e}")))
    })
    .transpose()
}

impl PracticeRow {
    pub(crate) fn into_model(self) -> StoreResult<Practice> {
        let tin = Tin::parse(&self.tin).map_err(|e| corrupt("TIN", e))?;
        Ok(Practice {
            id: PracticeId(self.id),
            tenant: TenantId(self.tenant),
            tin,
            name: self.name,
            address: self.address,
            contact: Contact {
                name: self.contact_name,
                email: self.contact_email,
                phone: self.contact_phone,
            },
            zip: self
                .zip
                .map(|z| hardship_rules::Zip5::parse(&z).map_err(|e| corrupt("ZIP", e)))
                .transpose()?,
            archived: opt_json("archive", self.archived)?,
            version: self.version,
            created_at: self.created_at,
        })
    }
}

from_row! {
    pub(crate) struct ClinicianRow {
        id: Uuid,
        tenant: Uuid,
        practice: Uuid,
        npi: String,
        name: String,
        clinician_type: String,
        joined_on: Option<NaiveDate>,
        left_on: Option<NaiveDate>,
        archived: Option<serde_json::Value>,
        version: i64,
        created_at: DateTime<Utc>,
    }
}

impl ClinicianRow {
    pub(crate) fn into_model(self) -> StoreResult<Clinician> {
        Ok(Clinician {
            id: ClinicianId(self.id),
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            npi: Npi::parse(&self.npi).map_err(|e| corrupt("NPI", e))?,
            name: self.name,
            clinician_type: ClinicianType::parse(&self.clinician_type)
                .map_err(|e| corrupt("clinician type", e))?,
            joined_on: self.joined_on,
            left_on: self.left_on,
            archived: opt_json("archive", self.archived)?,
            version: self.version,
            created_at: self.created_at,
        })
    }
}

from_row! {
    pub(crate) struct StatusRow {
        clinician: Uuid,
        year: i32,
        status: String,
        value: bool,
        origin: String,
        retrieved_on: Option<NaiveDate>,
        recorded_at: DateTime<Utc>,
    }
}

/// The stored form of an origin: its code, its rank and the CMS retrieval date.
pub(crate) fn origin_columns(origin: StatusOrigin) -> (&'static str, i16, Option<NaiveDate>) {
    let rank = i16::from(origin.rank());
    match origin {
        StatusOrigin::Manual => ("manual", rank, None),
        StatusOrigin::Imported => ("imported", rank, None),
        StatusOrigin::CmsEligibility { retrieved_on } => {
            ("cms_eligibility", rank, Some(retrieved_on))
        }
    }
}

impl StatusRow {
    pub(crate) fn into_model(self) -> StoreResult<ClinicianStatus> {
        let origin = match (self.origin.as_str(), self.retrieved_on) {
            ("manual", _) => StatusOrigin::Manual,
            ("imported", _) => StatusOrigin::Imported,
            ("cms_eligibility", Some(retrieved_on)) => {
                StatusOrigin::CmsEligibility { retrieved_on }
            }
            (other, _) => return Err(corrupt("status origin", other)),
        };
        Ok(ClinicianStatus {
            clinician: ClinicianId(self.clinician),
            year: year(self.year)?,
            status: SpecialStatus::parse(&self.status).map_err(|e| corrupt("special status", e))?,
            value: self.value,
            origin,
            recorded_at: self.recorded_at,
        })
    }
}

from_row! {
    pub(crate) struct ApplicationRow {
        pub(crate) id: Uuid,
        pub(crate) tenant: Uuid,
        pub(crate) draft: serde_json::Value,
        pub(crate) state: serde_json::Value,
        pub(crate) version: i64,
        pub(crate) created_at: DateTime<Utc>,
        pub(crate) updated_at: DateTime<Utc>,
    }
}

impl ApplicationRow {
    pub(crate) fn into_model(self) -> StoreResult<Application> {
        let draft: ApplicationDraft =
            serde_json::from_value(self.draft).map_err(|e| corrupt("application draft", e))?;
        let state: ApplicationState =
            serde_json::from_value(self.state).map_err(|e| corrupt("application state", e))?;
        Ok(Application {
            id: ApplicationId(self.id),
            tenant: TenantId(self.tenant),
            draft,
            state,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

from_row! {
    pub(crate) struct DecisionRow {
        id: Uuid,
        tenant: Uuid,
        practice: Uuid,
        clinician: Option<Uuid>,
        year: i32,
        rule_set_version: String,
        reweighted: bool,
        basis: String,
        explanation: serde_json::Value,
        decided_at: DateTime<Utc>,
    }
}

impl DecisionRow {
    pub(crate) fn into_model(self) -> StoreResult<StoredDecision> {
        Ok(StoredDecision {
            id: DecisionId(self.id),
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            clinician: self.clinician.map(ClinicianId),
            year: year(self.year)?,
            rule_set_version: self.rule_set_version,
            reweighted: self.reweighted,
            basis: self.basis,
            explanation: self.explanation,
            decided_at: self.decided_at,
        })
    }
}

from_row! {
    pub(crate) struct DocumentRow {
        id: Uuid,
        tenant: Uuid,
        practice: Uuid,
        application: Option<Uuid>,
        kind: String,
        filename: String,
        content_type: String,
        size: i64,
        sha256: Vec<u8>,
        object_key: String,
        retain_until: NaiveDate,
        uploaded_by: String,
        uploaded_at: DateTime<Utc>,
        note: String,
        superseded_by: Option<Uuid>,
    }
}

impl DocumentRow {
    pub(crate) fn into_model(self) -> StoreResult<Document> {
        Ok(Document {
            id: DocumentId(self.id),
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            application: self.application.map(ApplicationId),
            kind: self.kind,
            filename: self.filename,
            content_type: self.content_type,
            size: u64::try_from(self.size).map_err(|_| corrupt("document size", self.size))?,
            sha256: hash32("document SHA-256", self.sha256)?,
            object_key: self.object_key,
            retain_until: self.retain_until,
            uploaded_by: self.uploaded_by,
            uploaded_at: self.uploaded_at,
            note: self.note,
            superseded_by: self.superseded_by.map(DocumentId),
        })
    }
}

from_row! {
    pub(crate) struct AuditRow {
        tenant: Uuid,
        seq: i64,
        at: DateTime<Utc>,
        actor_user: Option<String>,
        actor_label: String,
        action: String,
        entity: String,
        entity_id: String,
        before: Option<String>,
        after: Option<String>,
        prev_hash: Vec<u8>,
        hash: Vec<u8>,
    }
}

impl AuditRow {
    pub(crate) fn into_model(self) -> StoreResult<AuditEvent> {
        Ok(AuditEvent {
            tenant: TenantId(self.tenant),
            seq: self.seq,
            at: self.at,
            actor_user: self.actor_user,
            actor_label: self.actor_label,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            prev_hash: hash32("audit prev_hash", self.prev_hash)?,
            hash: hash32("audit hash", self.hash)?,
        })
    }
}

from_row! {
    pub(crate) struct PracticeYearRow {
        tenant: Uuid,
        practice: Uuid,
        year: i32,
        profile: serde_json::Value,
        version: i64,
        updated_at: DateTime<Utc>,
    }
}

impl PracticeYearRow {
    pub(crate) fn into_model(self) -> StoreResult<PracticeYear> {
        let profile: ReportingProfile =
            serde_json::from_value(self.profile).map_err(|e| corrupt("reporting profile", e))?;
        Ok(PracticeYear {
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            year: year(self.year)?,
            profile,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

from_row! {
    /// The whole answer is kept as JSON; the key columns only serve the lookups.
    pub(crate) struct CmsAnswerRow {
        answer: serde_json::Value,
    }
}

impl CmsAnswerRow {
    pub(crate) fn into_model(self) -> StoreResult<CmsAnswer> {
        serde_json::from_value(self.answer).map_err(|e| corrupt("CMS answer", e))
    }
}

from_row! {
    pub(crate) struct ApiTokenRow {
        id: Uuid,
        tenant: Uuid,
        name: String,
        role: String,
        scope: String,
        token_hash: Vec<u8>,
        created_by: String,
        user_id: Option<Uuid>,
        created_at: DateTime<Utc>,
        revoked: bool,
    }
}

impl ApiTokenRow {
    pub(crate) fn into_model(self) -> StoreResult<ApiToken> {
        Ok(ApiToken {
            id: self.id,
            tenant: TenantId(self.tenant),
            name: self.name,
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            scope: TokenScope::parse(&self.scope).ok_or_else(|| corrupt("scope", &self.scope))?,
            token_hash: hash32("API token hash", self.token_hash)?,
            created_by: self.created_by,
            user: self.user_id.map(UserId),
            created_at: self.created_at,
            revoked: self.revoked,
        })
    }
}

from_row! {
    pub(crate) struct InviteRow {
        id: Uuid,
        tenant: Uuid,
        email: String,
        role: String,
        practices: serde_json::Value,
        token_hash: Vec<u8>,
        created_by: String,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        accepted_at: Option<DateTime<Utc>>,
    }
}

impl InviteRow {
    pub(crate) fn into_model(self) -> StoreResult<Invite> {
        Ok(Invite {
            id: InviteId(self.id),
            tenant: TenantId(self.tenant),
            email: self.email,
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            practices: serde_json::from_value(self.practices)
                .map_err(|e| corrupt("invitation practices", e))?,
            token_hash: hash32("invitation token hash", self.token_hash)?,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
        })
    }
}

from_row! {
    pub(crate) struct SessionRow {
        token_hash: Vec<u8>,
        user_id: Uuid,
        tenant: Option<Uuid>,
        csrf_token: String,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    }
}

impl SessionRow {
    pub(crate) fn into_model(self) -> StoreResult<hardship_store::Session> {
        Ok(hardship_store::Session {
            token_hash: hash32("session token hash", self.token_hash)?,
            user: UserId(self.user_id),
            tenant: self.tenant.map(TenantId),
            csrf_token: self.csrf_token,
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}

pub(crate) const PRACTICE_COLUMNS: &str = "id, tenant, tin, name, address, contact_name, contact_email, contact_phone, zip, archived, version, created_at";
pub(crate) const CLINICIAN_COLUMNS: &str = "id, tenant, practice, npi, name, clinician_type, joined_on, left_on, archived, version, created_at";
pub(crate) const APPLICATION_COLUMNS: &str =
    "id, tenant, draft, state, version, created_at, updated_at";
pub(crate) const DOCUMENT_COLUMNS: &str = "id, tenant, practice, application, kind, filename, content_type, size, sha256, \
                                object_key, retain_until, uploaded_by, uploaded_at, note, superseded_by";
pub(crate) const DECISION_COLUMNS: &str = "id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, explanation, decided_at";
pub(crate) const AUDIT_COLUMNS: &str = "tenant, seq, at, actor_user, actor_label, action, entity, entity_id, before, after, prev_hash, hash";
pub(crate) const STATUS_COLUMNS: &str =
    "clinician, year, status, value, origin, retrieved_on, recorded_at";
pub(crate) const PRACTICE_YEAR_COLUMNS: &str =
    "tenant, practice, year, profile, version, updated_at";
pub(crate) const API_TOKEN_COLUMNS: &str =
    "id, tenant, name, role, scope, token_hash, created_by, user_id, created_at, revoked";
pub(crate) const INVITE_COLUMNS: &str = "id, tenant, email, role, practices, token_hash, created_by, created_at, expires_at, accepted_at";
pub(crate) const ATTESTATION_COLUMNS: &str = "id, tenant, application, practice, application_version, typed_name, user_id, email, role, signed_on, signed_at, packet_sha256";
pub(crate) const SESSION_COLUMNS: &str =
    "token_hash, user_id, tenant, csrf_token, created_at, expires_at";

pub(crate) const PASSWORD_RESET_COLUMNS: &str =
    "id, user_id, token_hash, created_at, expires_at, used_at";

from_row! {
    pub(crate) struct PasswordResetRow {
        id: Uuid,
        user_id: Uuid,
        token_hash: Vec<u8>,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
}

impl PasswordResetRow {
    pub(crate) fn into_model(self) -> StoreResult<PasswordReset> {
        Ok(PasswordReset {
            id: self.id,
            user: UserId(self.user_id),
            token_hash: hash32("password reset token hash", self.token_hash)?,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
        })
    }
}

pub(crate) const REMINDER_COLUMNS: &str =
    "tenant, recipient, kind, period, claim, claimed_at, sent_at";

from_row! {
    pub(crate) struct ReminderRow {
        tenant: Uuid,
        recipient: Uuid,
        kind: String,
        period: String,
        claim: Uuid,
        claimed_at: DateTime<Utc>,
        sent_at: Option<DateTime<Utc>>,
    }
}

impl ReminderRow {
    pub(crate) fn into_model(self) -> StoreResult<Reminder> {
        Ok(Reminder {
            key: ReminderKey {
                tenant: TenantId(self.tenant),
                recipient: UserId(self.recipient),
                kind: self.kind,
                period: self.period,
            },
            claim: self.claim,
            claimed_at: self.claimed_at,
            sent_at: self.sent_at,
        })
    }
}

pub(crate) const REVIEW_COLUMNS: &str = "id, tenant, practice, year, tin, npi, state, codes, summary, \
     evidence, created_at, created_by, detail, version, updated_at";

from_row! {
    pub(crate) struct ReviewRow {
        id: Uuid,
        tenant: Uuid,
        practice: Uuid,
        year: i32,
        tin: String,
        npi: String,
        state: String,
        codes: serde_json::Value,
        summary: String,
        evidence: serde_json::Value,
        created_at: DateTime<Utc>,
        created_by: String,
        detail: serde_json::Value,
        version: i64,
        updated_at: Option<DateTime<Utc>>,
    }
}

impl ReviewRow {
    pub(crate) fn into_model(self) -> StoreResult<TargetedReview> {
        Ok(TargetedReview {
            id: self.id,
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            year: year(self.year)?,
            tin: Tin::parse(&self.tin).map_err(|e| corrupt("review TIN", e))?,
            npi: if self.npi.is_empty() {
                None
            } else {
                Some(Npi::parse(&self.npi).map_err(|e| corrupt("review NPI", e))?)
            },
            state: ReviewState::parse(&self.state)
                .ok_or_else(|| corrupt("review state", &self.state))?,
            codes: serde_json::from_value(self.codes).map_err(|e| corrupt("review codes", e))?,
            summary: self.summary,
            evidence: serde_json::from_value(self.evidence)
                .map_err(|e| corrupt("review evidence", e))?,
            created_at: self.created_at,
            created_by: self.created_by,
            detail: serde_json::from_value(self.detail).map_err(|e| corrupt("review detail", e))?,
            version: self.version,
            // Cases opened before migration 0014 were never changed.
            updated_at: self.updated_at.unwrap_or(self.created_at),
        })
    }
}

pub(crate) const DVA_COLUMNS: &str =
    "id, tenant, practice, year, notice_date, items, version, created_at, created_by, updated_at";

from_row! {
    pub(crate) struct DvaRow {
        id: Uuid,
        tenant: Uuid,
        practice: Uuid,
        year: i32,
        notice_date: NaiveDate,
        items: serde_json::Value,
        version: i64,
        created_at: DateTime<Utc>,
        created_by: String,
        updated_at: DateTime<Utc>,
    }
}

impl DvaRow {
    pub(crate) fn into_model(self) -> StoreResult<DvaRequest> {
        Ok(DvaRequest {
            id: self.id,
            tenant: TenantId(self.tenant),
            practice: PracticeId(self.practice),
            year: year(self.year)?,
            notice_date: self.notice_date,
            items: serde_json::from_value(self.items).map_err(|e| corrupt("DVA items", e))?,
            version: self.version,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
        })
    }
}

from_row! {
    pub(crate) struct AttestationRow {
        id: Uuid,
        tenant: Uuid,
        application: Uuid,
        practice: Uuid,
        application_version: i64,
        typed_name: String,
        user_id: Uuid,
        email: String,
        role: String,
        signed_on: NaiveDate,
        signed_at: DateTime<Utc>,
        packet_sha256: Vec<u8>,
    }
}

impl AttestationRow {
    pub(crate) fn into_model(self) -> StoreResult<Attestation> {
        Ok(Attestation {
            id: AttestationId(self.id),
            tenant: TenantId(self.tenant),
            application: ApplicationId(self.application),
            practice: PracticeId(self.practice),
            application_version: self.application_version,
            typed_name: self.typed_name,
            user: UserId(self.user_id),
            email: self.email,
            role: Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            signed_on: self.signed_on,
            signed_at: self.signed_at,
            packet_sha256: hash32("packet hash", self.packet_sha256)?,
        })
    }
}

//! The records the store keeps. Every record belongs to one tenant (an organization: a consultancy or a
//! single practice); ids are UUIDs so they reveal nothing about other tenants.

use crate::error::{StoreError, StoreResult};
pub use crate::members::Role;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hardship_rules::screening::{EucEvent, EucKind, PracticeFacts};
use hardship_rules::{
    Category, CategorySet, ClinicianType, EucEventType, HardshipReason, Npi, PerformanceYear,
    PiSubmission, ReportingLevel, SpecialStatus, Tin, Zip5,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id_type!(
    /// An organization: the tenant every other record belongs to.
    TenantId
);
id_type!(UserId);
id_type!(PracticeId);
id_type!(ClinicianId);
id_type!(ApplicationId);
id_type!(DocumentId);
id_type!(DecisionId);
id_type!(InviteId);
id_type!(
    /// A signed attestation of an application's packet.
    AttestationId
);

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Consultancy,
    Practice,
}

impl OrganizationKind {
    pub fn code(self) -> &'static str {
        match self {
            OrganizationKind::Consultancy => "consultancy",
            OrganizationKind::Practice => "practice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "consultancy" => Some(OrganizationKind::Consultancy),
            "practice" => Some(OrganizationKind::Practice),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Organization {
    pub id: TenantId,
    pub name: String,
    pub kind: OrganizationKind,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    /// argon2id PHC string; never logged.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Membership {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: Role,
}

/// Who makes a change, as the audit log records it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Actor {
    pub user: Option<UserId>,
    /// A readable name: the user's email, or `system`, or `cli`.
    pub label: String,
    /// The role the change was made under; auditors are refused every change.
    pub role: Role,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user: None,
            label: "system".into(),
            role: Role::Owner,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NewPractice {
    pub tin: Tin,
    pub name: String,
    pub address: String,
    pub contact: Contact,
    /// The practice location's ZIP (for CMS's automatic EUC areas).
    #[serde(default)]
    pub zip: Option<Zip5>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Practice {
    pub id: PracticeId,
    pub tenant: TenantId,
    pub tin: Tin,
    pub name: String,
    pub address: String,
    pub contact: Contact,
    /// The practice location's ZIP (for CMS's automatic EUC areas).
    #[serde(default)]
    pub zip: Option<Zip5>,
    /// Set when the practice was archived: it leaves the lists and the portfolio, its records stay.
    #[serde(default)]
    pub archived: Option<Archive>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// Who archived a record, when, and why (archiving hides; it deletes nothing, and it can be undone).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Archive {
    pub at: DateTime<Utc>,
    pub by: String,
    pub why: String,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NewClinician {
    pub npi: Npi,
    pub name: String,
    pub clinician_type: ClinicianType,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Clinician {
    pub id: ClinicianId,
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub npi: Npi,
    pub name: String,
    pub clinician_type: ClinicianType,
    /// When the clinician joined and left the practice (billing under its TIN): each performance year
    /// has its own roster. Unknown dates mean "always" on that side.
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
    /// Set when the clinician was archived (entered by mistake, a duplicate): on no roster of any year.
    #[serde(default)]
    pub archived: Option<Archive>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl Clinician {
    /// Whether the clinician is on the practice's roster in a performance year: not archived, joined
    /// before the year ended, and not left before it began.
    pub fn on_roster(&self, year: PerformanceYear) -> bool {
        let y = i32::from(year.get());
        self.archived.is_none()
            && self.joined_on.is_none_or(|d| d.year() <= y)
            && self.left_on.is_none_or(|d| d.year() >= y)
    }
}

/// Fields of a clinician that can change. A changed NPI is a correction (a typo on the roster), recorded
/// as such in the audit log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ClinicianUpdate {
    pub name: String,
    pub clinician_type: ClinicianType,
    /// A corrected NPI; `None` keeps it.
    #[serde(default)]
    pub npi: Option<Npi>,
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

/// One clinician of an import: added when the NPI is new to the practice, updated when its name or type
/// changed, and its statuses recorded with the import's origin (a higher-ranking origin already on file is
/// kept).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RosterEntry {
    pub npi: Npi,
    pub name: String,
    pub clinician_type: ClinicianType,
    pub statuses: Vec<(PerformanceYear, SpecialStatus, bool)>,
    /// Where the statuses come from: `Imported` for a roster file, `CmsEligibility` for CMS's data.
    pub origin: StatusOrigin,
}

/// One practice of a client list: created when the tenant has no practice with its TIN, otherwise its
/// name (and ZIP, when given) brought up to date; its clinicians merged as a roster import merges them.
#[derive(Clone, PartialEq, Debug)]
pub struct PracticeImport {
    pub tin: Tin,
    pub name: String,
    pub zip: Option<Zip5>,
    /// The reporting level the file states for the import's year (`None`: left as it is).
    pub level: Option<ReportingLevel>,
    pub clinicians: Vec<RosterEntry>,
}

/// What a client-list import changed.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct PortfolioImportSummary {
    pub practices_created: u32,
    pub practices_updated: u32,
    pub practices_unchanged: u32,
    /// TINs whose practice is archived: left alone (restore the practice to import into it).
    pub archived_skipped: Vec<String>,
    /// Practice-years whose reporting level the file set.
    pub levels_set: u32,
    /// The clinicians of every practice, summed.
    pub roster: RosterImportSummary,
}

/// A year profile to save with a roster import, at the version the caller read (0 if never saved).
#[derive(Clone, PartialEq, Debug)]
pub struct ProfileWrite {
    pub year: PerformanceYear,
    pub expected_version: i64,
    pub profile: ReportingProfile,
}

/// What a roster import changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct RosterImportSummary {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub statuses_set: u32,
    /// Imported statuses not applied because CMS eligibility data outranks them.
    pub statuses_kept_from_cms: u32,
    /// Year profiles saved.
    pub profiles_set: u32,
}

/// Category scores a practice expects in a year, in percent; `None` = not scored or not known.
#[derive(Clone, Copy, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct ScoreEstimates {
    pub quality: Option<f64>,
    pub cost: Option<f64>,
    pub ia: Option<f64>,
    pub pi: Option<f64>,
}

/// How a practice takes part in one performance year: what eligibility and the score impact need beyond
/// the roster.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReportingProfile {
    /// The level the practice reports at: `individual` (each clinician under TIN/NPI) or `group` (the TIN).
    pub level: ReportingLevel,
    /// Whether someone chose the level. Until then the answers assume `level` (individual, what a
    /// clinician not reporting with a group does) or the level of a sent application, and say so.
    /// Profiles saved before the choice existed were chosen.
    #[serde(default = "chosen")]
    pub level_decided: bool,
    /// The practice will report PI in this year and does not apply for an exception: who decided, when,
    /// why. It takes the practice out of "needs an application".
    #[serde(default)]
    pub not_applying: Option<NotApplying>,
    /// Whether PI data was or will be submitted at that level, and whether it is complete: any PI data
    /// voids reweighting before PY 2025, only a qualifying submission from then. Stored profiles that hold
    /// `true`/`false` read as qualifying/none.
    pub pi_submitted: PiSubmission,
    /// Clinicians billing under the TIN, when it differs from the roster's length.
    pub clinician_count: Option<u32>,
    /// Whether the practice has certified EHR technology at all.
    pub has_cehrt: bool,
    pub scores: ScoreEstimates,
    /// The member (e-mail) who works this practice-year in the consultancy's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Working notes of the queue ("waiting for the vendor letter").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

fn chosen() -> bool {
    true
}

/// A decision to report PI instead of applying for a hardship exception.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NotApplying {
    pub by: String,
    pub at: DateTime<Utc>,
    pub why: String,
}

impl Default for ReportingProfile {
    fn default() -> Self {
        ReportingProfile {
            level: ReportingLevel::Individual,
            level_decided: false,
            not_applying: None,
            pi_submitted: PiSubmission::No,
            clinician_count: None,
            has_cehrt: true,
            scores: ScoreEstimates::default(),
            assignee: None,
            notes: String::new(),
        }
    }
}

impl ReportingProfile {
    /// Refuses values the rules cannot use, naming the field.
    pub fn validate(&self) -> Result<(), crate::StoreError> {
        if !matches!(
            self.level,
            ReportingLevel::Individual | ReportingLevel::Group | ReportingLevel::VirtualGroup
        ) {
            return Err(crate::StoreError::invalid(
                "level",
                format!(
                    "{} is not a level a practice's profile can take (individual, group or virtual_group)",
                    self.level
                ),
            ));
        }
        if self.notes.chars().count() > 2000 {
            return Err(crate::StoreError::invalid(
                "notes",
                format!(
                    "{} characters: notes are at most 2000 characters",
                    self.notes.chars().count()
                ),
            ));
        }
        if let Some(a) = &self.assignee {
            crate::check_email("assignee", a)?;
        }
        if self.clinician_count == Some(0) || self.clinician_count > Some(100_000) {
            return Err(crate::StoreError::invalid(
                "clinician_count",
                format!(
                    "{} is not a number of clinicians (1 to 100000)",
                    self.clinician_count.unwrap_or(0)
                ),
            ));
        }
        for (field, v) in [
            ("scores.quality", self.scores.quality),
            ("scores.cost", self.scores.cost),
            ("scores.ia", self.scores.ia),
            ("scores.pi", self.scores.pi),
        ] {
            if let Some(v) = v
                && (!v.is_finite() || !(0.0..=100.0).contains(&v))
            {
                return Err(crate::StoreError::invalid(
                    field,
                    format!("{v} is not a percentage from 0 to 100"),
                ));
            }
        }
        Ok(())
    }
}

/// A practice's profile for one year, as stored.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct PracticeYear {
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub profile: ReportingProfile,
    /// 0 before the profile is first saved.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl PracticeYear {
    /// The profile of a year nothing was saved for: the defaults, at version 0.
    pub fn unsaved(tenant: TenantId, practice: PracticeId, year: PerformanceYear) -> PracticeYear {
        PracticeYear {
            tenant,
            practice,
            year,
            profile: ReportingProfile::default(),
            version: 0,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }
}

/// Where a special status came from. CMS eligibility data outranks anything typed or imported.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StatusOrigin {
    Manual,
    Imported,
    CmsEligibility { retrieved_on: NaiveDate },
}

impl StatusOrigin {
    /// Higher outranks lower when two sources disagree.
    pub fn rank(self) -> u8 {
        match self {
            StatusOrigin::Manual => 0,
            StatusOrigin::Imported => 1,
            StatusOrigin::CmsEligibility { .. } => 2,
        }
    }

    pub fn describe(self) -> String {
        match self {
            StatusOrigin::Manual => "entered by hand".into(),
            StatusOrigin::Imported => "imported".into(),
            StatusOrigin::CmsEligibility { retrieved_on } => {
                format!("from CMS eligibility data, retrieved on {retrieved_on}")
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ClinicianStatus {
    pub clinician: ClinicianId,
    pub year: PerformanceYear,
    pub status: SpecialStatus,
    pub value: bool,
    pub origin: StatusOrigin,
    pub recorded_at: DateTime<Utc>,
}

/// What CMS's QPP Eligibility API answered for one NPI of a practice in a performance year, with where
/// and when it was asked. The latest answer per practice, NPI and year is kept; the special statuses a
/// profile gives are recorded beside it as CMS eligibility data ([`StatusOrigin::CmsEligibility`]).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CmsAnswer {
    pub practice: PracticeId,
    pub npi: Npi,
    pub year: PerformanceYear,
    pub retrieved_at: DateTime<Utc>,
    /// The request's URL, e.g. `https://qpp.cms.gov/api/eligibility/npi/1234567893?year=2026`.
    pub url: String,
    /// The API version asked for in the `Accept` header (`v6`), or the one the answer names.
    pub api_version: String,
    pub outcome: CmsOutcome,
}

/// What the answer said.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CmsOutcome {
    /// A profile: the organization taken as this practice, and every status CMS stated there.
    Found {
        clinician: String,
        organization: String,
        statuses: Vec<CmsStatus>,
    },
    /// CMS knows no such clinician that year (404 `NoProviderInformation`) or refused the NPI (400
    /// `InvalidFormatNpi`), in its words.
    NotFound {
        http_status: u16,
        error: String,
        message: String,
    },
}

/// One status of a profile, at one level, under CMS's own member name (`hospitalBasedClinician`,
/// `aciReweighting`, `extremeHardshipReasons.cost`, ...).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CmsStatus {
    /// `individual` or `group`.
    pub level: String,
    pub name: String,
    /// `true`/`false`, or CMS's text (an event type, a list of sources).
    pub value: String,
}

/// Who the application is for.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "level")]
pub enum Applicant {
    Individual {
        npi: Npi,
        tin: Tin,
    },
    Group {
        tin: Tin,
    },
    VirtualGroup {
        identifier: String,
    },
    /// An APM entity (EUC applications only, from the years the rule set allows).
    ApmEntity {
        identifier: String,
    },
}

impl Applicant {
    /// The participation level the applicant files at.
    pub fn level(&self) -> ReportingLevel {
        match self {
            Applicant::Individual { .. } => ReportingLevel::Individual,
            Applicant::Group { .. } => ReportingLevel::Group,
            Applicant::VirtualGroup { .. } => ReportingLevel::VirtualGroup,
            Applicant::ApmEntity { .. } => ReportingLevel::ApmEntity,
        }
    }
}

/// What an application asks CMS for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    /// The PI hardship exception application (reweights PI only).
    #[default]
    PiHardship,
    /// The extreme and uncontrollable circumstances exception application (reweights the categories it
    /// names).
    Euc,
}

impl ApplicationKind {
    pub fn code(self) -> &'static str {
        match self {
            ApplicationKind::PiHardship => "pi_hardship",
            ApplicationKind::Euc => "euc",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApplicationKind::PiHardship => "PI hardship exception",
            ApplicationKind::Euc => "extreme and uncontrollable circumstances (EUC) exception",
        }
    }
}

/// What an EUC exception application asks for: the categories to reweight (each chosen on its own) and
/// the event it cites. Its dates are the draft's `circumstance_start` / `circumstance_end`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct EucRequest {
    pub categories: Vec<Category>,
    pub event: EucEventType,
}

impl EucRequest {
    pub fn category_set(&self) -> CategorySet {
        CategorySet::of(&self.categories)
    }
}

/// The submitter contact the CMS form asks for.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Submitter {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    #[serde(default)]
    pub extension: String,
}

/// What the practice answered that backs its reason: the wizard's screening questions, kept with the
/// application so the packet and an audit show how the practice met the criteria.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationFacts {
    /// Clinicians billing under the TIN.
    pub clinician_count: Option<u32>,
    /// The practice has documented overwhelming barriers (the small-practice reason).
    pub overwhelming_barriers: bool,
    /// A good-faith effort to adopt another CEHRT before the performance period (decertified EHR).
    pub good_faith_new_cehrt: bool,
    /// Years the decertification exception was already granted.
    pub decertified_exception_years_used: u32,
    /// A practice location lacks sufficient internet access.
    pub insufficient_internet: bool,
    /// Percent (0–100) of outpatient encounters at locations without control over CEHRT.
    pub percent_encounters_without_cehrt_control: Option<u8>,
}

/// The editable content of an application.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ApplicationDraft {
    pub practice: PracticeId,
    pub year: PerformanceYear,
    pub applicant: Applicant,
    pub reason: HardshipReason,
    pub circumstance_start: Option<NaiveDate>,
    pub circumstance_end: Option<NaiveDate>,
    pub description: String,
    pub submitter: Submitter,
    /// The kind of extreme and uncontrollable circumstance (the CMS form's sub-type).
    #[serde(default)]
    pub euc_kind: Option<EucKind>,
    #[serde(default)]
    pub facts: ApplicationFacts,
    /// The submitter attests that the information is accurate.
    #[serde(default)]
    pub attested: bool,
    /// Present for an EUC exception application (absent: a PI hardship application, as every draft
    /// stored before it existed reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub euc: Option<EucRequest>,
}

impl ApplicationDraft {
    /// What the application asks for.
    pub fn kind(&self) -> ApplicationKind {
        if self.euc.is_some() {
            ApplicationKind::Euc
        } else {
            ApplicationKind::PiHardship
        }
    }

    /// The draft as screening facts: the answers plus the dates of the circumstance it cites.
    pub fn practice_facts(&self) -> PracticeFacts {
        let f = &self.facts;
        PracticeFacts {
            clinician_count: f.clinician_count,
            overwhelming_barriers: f.overwhelming_barriers,
            ehr_decertified_on: match self.reason {
                HardshipReason::DecertifiedEhr => self.circumstance_start,
                _ => None,
            },
            good_faith_new_cehrt: f.good_faith_new_cehrt,
            decertified_exception_years_used: f.decertified_exception_years_used,
            insufficient_internet: f.insufficient_internet,
            event: match (self.reason, self.circumstance_start) {
                (HardshipReason::ExtremeUncontrollable, Some(start)) => Some(EucEvent {
                    kind: self.euc_kind.unwrap_or(EucKind::Disaster),
                    start,
                    end: self.circumstance_end,
                }),
                _ => None,
            },
            share_encounters_without_cehrt_control: f
                .percent_encounters_without_cehrt_control
                .map(|p| f64::from(p) / 100.0),
            has_cehrt: true,
            // Citing the PY 2019 COVID-19 reason is the practice's statement that it was affected.
            covid19_affected: self.reason == HardshipReason::Covid19,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Portal,
    Phone,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Phone => "phone",
        }
    }
}

/// Where CMS's decision was seen when its e-mail is not on file: the QPP portal or a phone call, with
/// the reference an auditor can ask CMS about.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DecisionSeen {
    pub channel: Channel,
    pub reference: String,
}

/// How an application was sent: the channel, the reference, when and by whom.
#[derive(Clone, Copy, Debug)]
pub struct Sent<'a> {
    pub channel: Channel,
    pub reference: &'a str,
    pub at: DateTime<Utc>,
    pub by: &'a str,
}

/// Where an application stands, with what each state must record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ApplicationState {
    Draft,
    Ready,
    Submitted {
        channel: Channel,
        reference: String,
        at: DateTime<Utc>,
        by: String,
    },
    Approved {
        submitted: Box<ApplicationState>,
        decided_on: NaiveDate,
        email: Option<DocumentId>,
        /// Where the decision was seen when its e-mail is not on file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen: Option<DecisionSeen>,
    },
    Denied {
        submitted: Box<ApplicationState>,
        decided_on: NaiveDate,
        email: Option<DocumentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen: Option<DecisionSeen>,
    },
    Withdrawn {
        at: DateTime<Utc>,
    },
    VoidedByPiSubmission {
        at: DateTime<Utc>,
        note: String,
    },
}

impl ApplicationState {
    pub fn name(&self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Ready => "ready",
            ApplicationState::Submitted { .. } => "submitted",
            ApplicationState::Approved { .. } => "approved",
            ApplicationState::Denied { .. } => "denied",
            ApplicationState::Withdrawn { .. } => "withdrawn",
            ApplicationState::VoidedByPiSubmission { .. } => "voided_by_pi_submission",
        }
    }

    /// The state in words.
    pub fn label(&self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Ready => "ready to send",
            ApplicationState::Submitted { .. } => "sent, awaiting CMS",
            ApplicationState::Approved { .. } => "approved",
            ApplicationState::Denied { .. } => "denied",
            ApplicationState::Withdrawn { .. } => "withdrawn",
            ApplicationState::VoidedByPiSubmission { .. } => "voided by a PI submission",
        }
    }

    /// How it was sent, once it was (kept through CMS's decision).
    pub fn sent(&self) -> Option<Sent<'_>> {
        match self {
            ApplicationState::Submitted {
                channel,
                reference,
                at,
                by,
            } => Some(Sent {
                channel: *channel,
                reference,
                at: *at,
                by,
            }),
            ApplicationState::Approved { submitted, .. }
            | ApplicationState::Denied { submitted, .. } => submitted.sent(),
            _ => None,
        }
    }

    /// CMS's decision: the day, and the e-mail's document if it is on file.
    pub fn decision(&self) -> Option<(NaiveDate, Option<DocumentId>)> {
        match self {
            ApplicationState::Approved {
                decided_on, email, ..
            }
            | ApplicationState::Denied {
                decided_on, email, ..
            } => Some((*decided_on, *email)),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Application {
    pub id: ApplicationId,
    pub tenant: TenantId,
    pub draft: ApplicationDraft,
    pub state: ApplicationState,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An eligibility decision as the rules engine took it, with the rule-set version that produced it, so a
/// later rule change never rewrites history.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct StoredDecision {
    pub id: DecisionId,
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub clinician: Option<ClinicianId>,
    pub year: PerformanceYear,
    pub rule_set_version: String,
    pub reweighted: bool,
    pub basis: String,
    /// The explanation as JSON (summary, details, sources, unconfirmed).
    pub explanation: serde_json::Value,
    pub decided_at: DateTime<Utc>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct NewDocument {
    pub id: DocumentId,
    pub practice: PracticeId,
    pub application: Option<ApplicationId>,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub object_key: String,
    pub retain_until: NaiveDate,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub tenant: TenantId,
    pub practice: PracticeId,
    pub application: Option<ApplicationId>,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub object_key: String,
    pub retain_until: NaiveDate,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// A note about the document (what it shows, why it was re-classified).
    #[serde(default)]
    pub note: String,
    /// A later document that replaces this one (the bytes of both stay, write-once).
    #[serde(default)]
    pub superseded_by: Option<DocumentId>,
}

/// What can be said about a stored document after its upload: its bytes never change, but what it is can
/// be corrected — re-classified, annotated, marked superseded.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DocumentEdit {
    pub kind: String,
    pub note: String,
    pub superseded_by: Option<DocumentId>,
}

/// A signed-in browser session. Only the SHA-256 of the cookie's token is stored, so a copy of the
/// database does not let anyone sign in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Session {
    pub token_hash: [u8; 32],
    pub user: UserId,
    /// The organization the session is working in (the user may belong to several).
    pub tenant: Option<TenantId>,
    /// The per-session CSRF token forms and htmx requests must echo.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The recent failed sign-ins of one limiter key (a client address or an e-mail address).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignInFailures {
    pub key: String,
    pub count: u32,
    pub earliest: DateTime<Utc>,
}

/// A key that limits attempts, and how many it allows in the window.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttemptLimit {
    pub key: String,
    pub max: u32,
}

/// A token for machine clients of the API, scoped to one tenant with one role.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub tenant: TenantId,
    pub name: String,
    pub role: Role,
    pub scope: TokenScope,
    #[serde(skip_serializing)]
    pub token_hash: [u8; 32],
    pub created_by: String,
    /// The member who minted it (none from the command line): its tokens stop working when that
    /// member's role changes or it leaves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// An invitation to join an organization with a role. Only the SHA-256 of the link's token is stored.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Invite {
    pub id: InviteId,
    pub tenant: TenantId,
    pub email: String,
    pub role: Role,
    /// The practices a client invitation links the new member to (empty for every other role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub practices: Vec<PracticeId>,
    #[serde(skip_serializing)]
    pub token_hash: [u8; 32],
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// How an invitation is being accepted, as the server checked it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InviteAcceptance {
    /// A new account for the invited address, with this password hash.
    NewAccount { password_hash: String },
    /// The existing account of the signed-in user (whose address must be the invited one).
    SignedIn { user: UserId },
}

impl InviteAcceptance {
    /// The user this acceptance may end with, given the account the invited address has (if any).
    pub fn check(&self, email: &str, existing: Option<&User>) -> StoreResult<()> {
        match (self, existing) {
            (InviteAcceptance::NewAccount { password_hash }, None) => {
                if password_hash.trim().is_empty() {
                    return Err(StoreError::invalid(
                        "password",
                        "choose a password for the new account",
                    ));
                }
                Ok(())
            }
            (InviteAcceptance::NewAccount { .. }, Some(_)) => Err(StoreError::Duplicate {
                field: "email",
                value: email.to_owned(),
                context: " (an account with this address exists: sign in first, then open the invitation again)".into(),
            }),
            (InviteAcceptance::SignedIn { user }, Some(u)) if u.id == *user => Ok(()),
            (InviteAcceptance::SignedIn { .. }, _) => Err(StoreError::Forbidden(format!(
                "this invitation is for {email}: sign in as that account to accept it"
            ))),
        }
    }
}

/// What a token may be used for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// The JSON API, with the token's role.
    Api,
    /// Reading the deadline calendar feed, nothing else: the secret a calendar app keeps in its
    /// subscription URL (and so on its servers).
    Calendar,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Calendar => "calendar",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "api" => Some(TokenScope::Api),
            "calendar" => Some(TokenScope::Calendar),
            _ => None,
        }
    }
}

//! Hardship applications: who applies, for what, their drafts and states, CMS's decisions and the
//! evidence documents filed with them.

use super::*;

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

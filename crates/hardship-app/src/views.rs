//! The records as every front end shows them: the JSON shapes of practices, applications, documents,
//! audit events and the application packet, made from the store's records (the API sends them, the
//! command line exports them, so the two are the same document). The shapes a client also sends back
//! (contacts, applicants, submitters, facts) parse here too, naming the field and value they refuse.

pub use crate::attest::{AttestationDto, AttestationsDto};
pub use crate::audit_trail::AuditEntry;
use crate::error::AppError;
use crate::report::{
    ApplicationPacket, CoveredClinician, KeepItem, PacketField, ReasonCriteria, euc_kind_code,
};
use crate::years::DeadlineView;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::{Npi, Tin};
use hardship_store::*;
use serde::{Deserialize, Serialize};

fn parse_npi(text: &str) -> Result<Npi, AppError> {
    Npi::parse(text).map_err(|e| AppError::Malformed(e.to_string()))
}

fn parse_tin(text: &str) -> Result<Tin, AppError> {
    Tin::parse(text).map_err(|e| AppError::Malformed(e.to_string()))
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactDto {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        ContactDto {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
        }
    }
}

impl ContactDto {
    pub fn into_contact(self) -> Result<Contact, AppError> {
        let email = self.email.trim().to_owned();
        if !email.is_empty() {
            normalize_email(&email).map_err(|_| {
                AppError::Malformed(format!(
                    "invalid contact.email {email:?}: not an email address"
                ))
            })?;
        }
        Ok(Contact {
            name: self.name.trim().to_owned(),
            email,
            phone: self.phone.trim().to_owned(),
        })
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeDto {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: PracticeId,
    /// Nine digits.
    pub tin: String,
    pub name: String,
    pub address: String,
    pub contact: ContactDto,
    /// The practice location's five-digit ZIP (for CMS's automatic EUC areas), if given.
    pub zip: Option<String>,
    /// Set when the practice was archived: who, when, why.
    pub archived: Option<ArchiveDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// Who archived a record, when, and why.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveDto {
    pub at: DateTime<Utc>,
    pub by: String,
    pub why: String,
}

impl From<&Archive> for ArchiveDto {
    fn from(a: &Archive) -> Self {
        ArchiveDto {
            at: a.at,
            by: a.by.clone(),
            why: a.why.clone(),
        }
    }
}

impl From<&Practice> for PracticeDto {
    fn from(p: &Practice) -> Self {
        PracticeDto {
            id: p.id,
            tin: p.tin.to_string(),
            name: p.name.clone(),
            address: p.address.clone(),
            contact: (&p.contact).into(),
            zip: p.zip.map(|z| z.to_string()),
            archived: p.archived.as_ref().map(ArchiveDto::from),
            version: p.version,
            created_at: p.created_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicantDto {
    /// `individual` (TIN/NPI), `group` (TIN), `virtual_group` or `apm_entity` (its identifier; EUC
    /// applications only).
    pub level: String,
    #[serde(default)]
    pub npi: Option<String>,
    #[serde(default)]
    pub tin: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
}

impl From<&Applicant> for ApplicantDto {
    fn from(a: &Applicant) -> Self {
        match a {
            Applicant::Individual { npi, tin } => ApplicantDto {
                level: "individual".into(),
                npi: Some(npi.to_string()),
                tin: Some(tin.to_string()),
                identifier: None,
            },
            Applicant::Group { tin } => ApplicantDto {
                level: "group".into(),
                npi: None,
                tin: Some(tin.to_string()),
                identifier: None,
            },
            Applicant::VirtualGroup { identifier } => ApplicantDto {
                level: "virtual_group".into(),
                npi: None,
                tin: None,
                identifier: Some(identifier.clone()),
            },
            Applicant::ApmEntity { identifier } => ApplicantDto {
                level: "apm_entity".into(),
                npi: None,
                tin: None,
                identifier: Some(identifier.clone()),
            },
        }
    }
}

impl ApplicantDto {
    pub fn parse(&self) -> Result<Applicant, AppError> {
        let need = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    AppError::Malformed(format!(
                        "invalid applicant.{field} \"\": required for a {} application",
                        self.level
                    ))
                })
        };
        match self.level.trim() {
            "individual" => Ok(Applicant::Individual {
                npi: parse_npi(&need("npi", &self.npi)?)?,
                tin: parse_tin(&need("tin", &self.tin)?)?,
            }),
            "group" => Ok(Applicant::Group {
                tin: parse_tin(&need("tin", &self.tin)?)?,
            }),
            level @ ("virtual_group" | "apm_entity") => {
                let id = need("identifier", &self.identifier)?;
                if id.chars().count() > 64 || id.chars().any(char::is_control) {
                    return Err(AppError::Malformed(format!(
                        "invalid applicant.identifier {id:?}: at most 64 printable characters"
                    )));
                }
                Ok(if level == "apm_entity" {
                    Applicant::ApmEntity { identifier: id }
                } else {
                    Applicant::VirtualGroup { identifier: id }
                })
            }
            other => Err(AppError::Malformed(format!(
                "invalid applicant.level {other:?}: expected one of: individual, group, virtual_group, apm_entity"
            ))),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitterDto {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Business telephone with area code.
    pub phone: String,
    #[serde(default)]
    pub extension: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationFactsDto {
    #[serde(default)]
    pub clinician_count: Option<u32>,
    #[serde(default)]
    pub overwhelming_barriers: bool,
    #[serde(default)]
    pub good_faith_new_cehrt: bool,
    #[serde(default)]
    pub decertified_exception_years_used: u32,
    #[serde(default)]
    pub insufficient_internet: bool,
    #[serde(default)]
    pub percent_encounters_without_cehrt_control: Option<u8>,
}

impl From<&ApplicationFacts> for ApplicationFactsDto {
    fn from(f: &ApplicationFacts) -> Self {
        ApplicationFactsDto {
            clinician_count: f.clinician_count,
            overwhelming_barriers: f.overwhelming_barriers,
            good_faith_new_cehrt: f.good_faith_new_cehrt,
            decertified_exception_years_used: f.decertified_exception_years_used,
            insufficient_internet: f.insufficient_internet,
            percent_encounters_without_cehrt_control: f.percent_encounters_without_cehrt_control,
        }
    }
}

impl From<&ApplicationFactsDto> for ApplicationFacts {
    fn from(f: &ApplicationFactsDto) -> Self {
        ApplicationFacts {
            clinician_count: f.clinician_count,
            overwhelming_barriers: f.overwhelming_barriers,
            good_faith_new_cehrt: f.good_faith_new_cehrt,
            decertified_exception_years_used: f.decertified_exception_years_used,
            insufficient_internet: f.insufficient_internet,
            percent_encounters_without_cehrt_control: f.percent_encounters_without_cehrt_control,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateDto {
    /// `draft`, `ready`, `submitted`, `approved`, `denied`, `withdrawn`, `voided_by_pi_submission`.
    pub name: String,
    /// The state in words ("voided by a PI submission").
    pub label: String,
    /// `portal` or `phone`, once submitted.
    pub channel: Option<String>,
    /// The portal confirmation number or the call reference.
    pub reference: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The CMS decision e-mail's document id.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub decision_email: Option<DocumentId>,
    /// Where CMS's decision was seen when its e-mail is not on file: `portal` or `phone`.
    pub decision_seen_in: Option<String>,
    /// The reference of that portal screen or call.
    pub decision_seen_reference: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<&ApplicationState> for StateDto {
    fn from(s: &ApplicationState) -> Self {
        let mut d = StateDto {
            name: s.name().to_owned(),
            label: s.label().to_owned(),
            channel: None,
            reference: None,
            submitted_at: None,
            submitted_by: None,
            decided_on: None,
            decision_email: None,
            decision_seen_in: None,
            decision_seen_reference: None,
            withdrawn_at: None,
            voided_at: None,
            note: None,
        };
        fn submitted(d: &mut StateDto, s: &ApplicationState) {
            if let ApplicationState::Submitted {
                channel,
                reference,
                at,
                by,
            } = s
            {
                d.channel = Some(
                    match channel {
                        Channel::Portal => "portal",
                        Channel::Phone => "phone",
                    }
                    .into(),
                );
                d.reference = Some(reference.clone());
                d.submitted_at = Some(*at);
                d.submitted_by = Some(by.clone());
            }
        }
        match s {
            ApplicationState::Submitted { .. } => submitted(&mut d, s),
            ApplicationState::Approved {
                submitted: sub,
                decided_on,
                email,
                seen,
            }
            | ApplicationState::Denied {
                submitted: sub,
                decided_on,
                email,
                seen,
            } => {
                submitted(&mut d, sub);
                d.decided_on = Some(*decided_on);
                d.decision_email = *email;
                if let Some(seen) = seen {
                    d.decision_seen_in = Some(seen.channel.code().to_owned());
                    d.decision_seen_reference = Some(seen.reference.clone());
                }
            }
            ApplicationState::Withdrawn { at } => d.withdrawn_at = Some(*at),
            ApplicationState::VoidedByPiSubmission { at, note } => {
                d.voided_at = Some(*at);
                d.note = Some(note.clone());
            }
            ApplicationState::Draft | ApplicationState::Ready => {}
        }
        d
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationDto {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: ApplicationId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: PracticeId,
    pub year: u16,
    pub applicant: ApplicantDto,
    pub reason: String,
    pub reason_label: String,
    pub euc_kind: Option<String>,
    /// `pi_hardship` (the default) or `euc` (the extreme and uncontrollable circumstances exception).
    pub kind: String,
    /// EUC: the categories it asks to reweight (`quality`, `cost`, `ia`, `pi`); empty for a PI hardship.
    pub categories: Vec<String>,
    /// EUC: the event cited (`disaster`, `practice_or_hospital_closure`, `severe_financial_distress`,
    /// `ehr_vendor_issues`, `covid19`, `change_healthcare_cyberattack`, `iv_fluid_shortage`,
    /// `third_party_intermediary_failure`).
    pub euc_event: Option<String>,
    pub circumstance_start: Option<NaiveDate>,
    pub circumstance_end: Option<NaiveDate>,
    pub description: String,
    pub submitter: SubmitterDto,
    pub facts: ApplicationFactsDto,
    pub attested: bool,
    pub state: StateDto,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationDto {
    fn from(a: &Application) -> Self {
        let d = &a.draft;
        ApplicationDto {
            id: a.id,
            practice: d.practice,
            year: d.year.get(),
            applicant: (&d.applicant).into(),
            reason: d.reason.code().to_owned(),
            reason_label: d.reason.label().to_owned(),
            euc_kind: d.euc_kind.map(|k| euc_kind_code(k).to_owned()),
            kind: d.kind().code().to_owned(),
            categories: d
                .euc
                .as_ref()
                .map(|e| {
                    e.category_set()
                        .iter()
                        .map(|c| c.code().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            euc_event: d.euc.as_ref().map(|e| e.event.code().to_owned()),
            circumstance_start: d.circumstance_start,
            circumstance_end: d.circumstance_end,
            description: d.description.clone(),
            submitter: SubmitterDto {
                first_name: d.submitter.first_name.clone(),
                last_name: d.submitter.last_name.clone(),
                email: d.submitter.email.clone(),
                phone: d.submitter.phone.clone(),
                extension: d.submitter.extension.clone(),
            },
            facts: (&d.facts).into(),
            attested: d.attested,
            state: (&a.state).into(),
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentDto {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: DocumentId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: PracticeId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub application: Option<ApplicationId>,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the document as uploaded.
    pub sha256: String,
    /// Deletion is refused before this date.
    pub retain_until: NaiveDate,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
    /// A note about what the document is (kept with re-classifications).
    pub note: String,
    /// The document that replaces this one, if any (both are kept).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub superseded_by: Option<DocumentId>,
}

impl From<&Document> for DocumentDto {
    fn from(d: &Document) -> Self {
        DocumentDto {
            id: d.id,
            practice: d.practice,
            application: d.application,
            kind: d.kind.clone(),
            filename: d.filename.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: hex(&d.sha256),
            retain_until: d.retain_until,
            uploaded_by: d.uploaded_by.clone(),
            uploaded_at: d.uploaded_at,
            note: d.note.clone(),
            superseded_by: d.superseded_by,
        }
    }
}

/// Everything to send or read out, and to keep.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ApplicationPacket))]
pub struct ApplicationPacketDto {
    pub application: ApplicationDto,
    pub practice: PracticeDto,
    pub organization: String,
    /// The fields of the CMS form (or the phone call), in order.
    pub fields: Vec<PacketField>,
    /// Who the application covers, by name.
    pub clinicians: Vec<CoveredClinician>,
    pub reason: ReasonCriteria,
    pub how_to_send: Vec<String>,
    pub deadline: DeadlineView,
    pub keep: Vec<KeepItem>,
    pub documents: Vec<DocumentDto>,
    pub history: Vec<AuditEntry>,
    pub generated_at: DateTime<Utc>,
    /// The SHA-256 of what the packet says is sent (the organization, the practice and its TIN, the
    /// application and year, the fields, who it covers, the reason's criteria): what a signature signs.
    pub packet_sha256: String,
    /// `signed` (for this packet), `stale` (an earlier packet was signed: sign again) or `unsigned`.
    pub attestation_status: String,
    /// The signature of this packet, or the latest one when it was given for an earlier packet.
    pub attestation: Option<AttestationDto>,
}

impl From<&ApplicationPacket> for ApplicationPacketDto {
    fn from(p: &ApplicationPacket) -> Self {
        ApplicationPacketDto {
            application: (&p.application).into(),
            practice: (&p.practice).into(),
            organization: p.organization.clone(),
            fields: p.fields.clone(),
            clinicians: p.clinicians.clone(),
            reason: p.reason.clone(),
            how_to_send: p.how_to_send.clone(),
            deadline: p.deadline.clone(),
            keep: p.keep.clone(),
            documents: p.documents.iter().map(DocumentDto::from).collect(),
            history: p.history.clone(),
            generated_at: p.generated_at,
            packet_sha256: hex::encode(p.sha256),
            attestation_status: p.attestation.code().to_owned(),
            attestation: match &p.attestation {
                crate::attest::Status::Signed(a) | crate::attest::Status::Stale(a) => {
                    Some(AttestationDto::new(a, p.sha256))
                }
                crate::attest::Status::Unsigned => None,
            },
        }
    }
}

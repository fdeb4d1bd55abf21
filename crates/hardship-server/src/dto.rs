//! The JSON shapes of `/api/v1` (documented in the OpenAPI document through `ToSchema`) and their
//! conversion from and to the store's records. Inputs take identifiers and codes as text and are parsed
//! here, so a bad value is refused with its field and value named (`parse, don't validate`: nothing past
//! this module holds an unchecked NPI, TIN, year, reason or date).

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::screening::EucKind;
use hardship_rules::{
    ClinicianType, HardshipReason, InvalidValue, Npi, PerformanceYear, ReportingLevel,
    SpecialStatus, Tin,
};
use hardship_store::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn bad(e: InvalidValue) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

pub fn parse_npi(text: &str) -> Result<Npi, ApiError> {
    Npi::parse(text).map_err(bad)
}

pub fn parse_tin(text: &str) -> Result<Tin, ApiError> {
    Tin::parse(text).map_err(bad)
}

/// A practice ZIP (`12345` or ZIP+4); blank means none.
pub fn parse_zip(text: Option<&str>) -> Result<Option<hardship_rules::Zip5>, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => hardship_rules::Zip5::parse(t)
            .map(Some)
            .map_err(|e| ApiError::BadRequest(format!("invalid zip {t:?}: {}", e.expected))),
    }
}

/// The OpenAPI schema of `pi_submitted` as accepted: a JSON boolean (as before PY 2025 made a third
/// state) or one of the words.
pub fn pi_submitted_input_schema() -> utoipa::openapi::schema::OneOf {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["false", "incomplete", "true", "qualifying"])),
        )
        .description(Some(
            "Whether PI data was or will be submitted at the reporting level: `false`, `incomplete`, or `true` (= `qualifying`). Before PY 2025 any PI data voids reweighting; from PY 2025 only a qualifying submission does.",
        ))
        .build()
}

fn pi_submitted_input_schema_ref() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::OneOf(
        pi_submitted_input_schema(),
    ))
}

pub fn parse_clinician_type(text: &str) -> Result<ClinicianType, ApiError> {
    ClinicianType::parse(text).map_err(bad)
}

pub fn parse_reason(text: &str) -> Result<HardshipReason, ApiError> {
    HardshipReason::parse_with_hint(text).map_err(bad)
}

pub fn parse_level(text: &str) -> Result<ReportingLevel, ApiError> {
    ReportingLevel::parse(text).map_err(bad)
}

pub fn parse_status(text: &str) -> Result<SpecialStatus, ApiError> {
    SpecialStatus::parse(text).map_err(bad)
}

pub fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text.trim()).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "invalid role {text:?}: expected one of: owner, staff, auditor"
        ))
    })
}

pub fn parse_euc_kind(text: &str) -> Result<EucKind, ApiError> {
    match text.trim() {
        "disaster" => Ok(EucKind::Disaster),
        "practice_or_hospital_closure" => Ok(EucKind::PracticeOrHospitalClosure),
        "severe_financial_distress" => Ok(EucKind::SevereFinancialDistress),
        "ehr_vendor_issues" => Ok(EucKind::EhrVendorIssues),
        other => Err(ApiError::BadRequest(format!(
            "invalid euc_kind {other:?}: expected one of: disaster, practice_or_hospital_closure, severe_financial_distress, ehr_vendor_issues"
        ))),
    }
}

pub fn euc_kind_code(k: EucKind) -> &'static str {
    match k {
        EucKind::Disaster => "disaster",
        EucKind::PracticeOrHospitalClosure => "practice_or_hospital_closure",
        EucKind::SevereFinancialDistress => "severe_financial_distress",
        EucKind::EhrVendorIssues => "ehr_vendor_issues",
    }
}

pub fn euc_kind_label(k: EucKind) -> &'static str {
    match k {
        EucKind::Disaster => "disaster",
        EucKind::PracticeOrHospitalClosure => "practice or hospital closure",
        EucKind::SevereFinancialDistress => "severe financial distress",
        EucKind::EhrVendorIssues => "EHR certification or vendor issues",
    }
}

pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::BadRequest(format!(
            "invalid {field} {:?}: a date as YYYY-MM-DD",
            text.chars().take(40).collect::<String>()
        ))
    })
}

pub fn parse_opt_date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_date(field, t).map(Some),
    }
}

/// A category score (0–100) given as text; empty is "not scored".
pub fn parse_opt_score(field: &'static str, text: Option<&str>) -> Result<Option<f64>, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => hardship_rules::CategoryScore::parse(field, t)
            .map(|s| Some(s.percent()))
            .map_err(bad),
    }
}

fn check_score(field: &'static str, v: Option<f64>) -> Result<Option<f64>, ApiError> {
    match v {
        None => Ok(None),
        Some(v) => hardship_rules::CategoryScore::new(field, v)
            .map(|s| Some(s.percent()))
            .map_err(bad),
    }
}

// ---- practices ------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
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
    pub fn into_contact(self) -> Result<Contact, ApiError> {
        let email = self.email.trim().to_owned();
        if !email.is_empty() {
            normalize_email(&email).map_err(|_| {
                ApiError::BadRequest(format!(
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

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PracticeDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: PracticeId,
    /// Nine digits.
    pub tin: String,
    pub name: String,
    pub address: String,
    pub contact: ContactDto,
    /// The practice location's five-digit ZIP (for CMS's automatic EUC areas), if given.
    pub zip: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
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
            version: p.version,
            created_at: p.created_at,
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPracticeDto {
    /// Nine digits; `12-3456789` is accepted.
    #[schema(example = "123456789")]
    pub tin: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: ContactDto,
    /// The practice location's ZIP: `12345` or `12345-6789` (CMS's automatic EUC areas are ZIP lists).
    #[serde(default)]
    pub zip: Option<String>,
}

impl NewPracticeDto {
    pub fn parse(self) -> Result<NewPractice, ApiError> {
        Ok(NewPractice {
            tin: parse_tin(&self.tin)?,
            name: self.name,
            address: self.address,
            contact: self.contact.into_contact()?,
            zip: parse_zip(self.zip.as_deref())?,
        })
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeUpdateDto {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: ContactDto,
    #[serde(default)]
    pub zip: Option<String>,
}

impl PracticeUpdateDto {
    pub fn parse(self) -> Result<(i64, PracticeUpdate), ApiError> {
        Ok((
            self.version,
            PracticeUpdate {
                name: self.name,
                address: self.address,
                contact: self.contact.into_contact()?,
                zip: parse_zip(self.zip.as_deref())?,
            },
        ))
    }
}

// ---- clinicians -----------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClinicianDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: ClinicianId,
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub npi: String,
    pub name: String,
    pub clinician_type: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&Clinician> for ClinicianDto {
    fn from(c: &Clinician) -> Self {
        ClinicianDto {
            id: c.id,
            practice: c.practice,
            npi: c.npi.to_string(),
            name: c.name.clone(),
            clinician_type: c.clinician_type.code().to_owned(),
            version: c.version,
            created_at: c.created_at,
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClinicianDto {
    /// Ten digits with a valid check digit.
    #[schema(example = "1234567893")]
    pub npi: String,
    pub name: String,
    /// A clinician type of the batch contract, e.g. `physician`, `nurse_practitioner`.
    pub clinician_type: String,
}

impl NewClinicianDto {
    pub fn parse(self) -> Result<NewClinician, ApiError> {
        Ok(NewClinician {
            npi: parse_npi(&self.npi)?,
            name: self.name,
            clinician_type: parse_clinician_type(&self.clinician_type)?,
        })
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicianUpdateDto {
    pub version: i64,
    pub name: String,
    pub clinician_type: String,
}

impl ClinicianUpdateDto {
    pub fn parse(self) -> Result<(i64, ClinicianUpdate), ApiError> {
        Ok((
            self.version,
            ClinicianUpdate {
                name: self.name,
                clinician_type: parse_clinician_type(&self.clinician_type)?,
            },
        ))
    }
}

/// A special status entered by hand.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub year: u16,
    /// `hospital_based`, `non_patient_facing` or `asc_based`.
    pub status: String,
    pub value: bool,
}

/// One bad line of an import.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportErrorDto {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

// ---- profiles -------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresDto {
    pub quality: Option<f64>,
    pub cost: Option<f64>,
    pub ia: Option<f64>,
    pub pi: Option<f64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub year: u16,
    /// 0 until first saved.
    pub version: i64,
    /// `individual`, `group` or `virtual_group`.
    pub level: String,
    /// `false`, `incomplete` or `true` (qualifying).
    #[schema(example = "false")]
    pub pi_submitted: String,
    pub clinician_count: Option<u32>,
    pub has_cehrt: bool,
    pub scores: ScoresDto,
    pub updated_at: DateTime<Utc>,
}

impl From<&PracticeYear> for ProfileDto {
    fn from(p: &PracticeYear) -> Self {
        let s = p.profile.scores;
        ProfileDto {
            practice: p.practice,
            year: p.year.get(),
            version: p.version,
            level: p.profile.level.code().to_owned(),
            pi_submitted: p.profile.pi_submitted.code().to_owned(),
            clinician_count: p.profile.clinician_count,
            has_cehrt: p.profile.has_cehrt,
            scores: ScoresDto {
                quality: s.quality,
                cost: s.cost,
                ia: s.ia,
                pi: s.pi,
            },
            updated_at: p.updated_at,
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdateDto {
    /// The version you read (0 for the first save).
    pub version: i64,
    pub level: String,
    #[schema(schema_with = pi_submitted_input_schema_ref)]
    pub pi_submitted: hardship_rules::PiSubmission,
    #[serde(default)]
    pub clinician_count: Option<u32>,
    #[serde(default = "yes")]
    pub has_cehrt: bool,
    #[serde(default)]
    pub scores: ScoresDto,
}

fn yes() -> bool {
    true
}

impl ProfileUpdateDto {
    pub fn parse(self) -> Result<(i64, ReportingProfile), ApiError> {
        Ok((
            self.version,
            ReportingProfile {
                level: parse_level(&self.level)?,
                pi_submitted: self.pi_submitted,
                clinician_count: self.clinician_count,
                has_cehrt: self.has_cehrt,
                scores: ScoreEstimates {
                    quality: check_score("scores.quality", self.scores.quality)?,
                    cost: check_score("scores.cost", self.scores.cost)?,
                    ia: check_score("scores.ia", self.scores.ia)?,
                    pi: check_score("scores.pi", self.scores.pi)?,
                },
            },
        ))
    }
}

// ---- screening ------------------------------------------------------------------------------------------

/// The practice's answers to the screening questions.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsDto {
    #[serde(default)]
    pub clinician_count: Option<u32>,
    #[serde(default)]
    pub overwhelming_barriers: bool,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub ehr_decertified_on: Option<String>,
    #[serde(default)]
    pub good_faith_new_cehrt: bool,
    #[serde(default)]
    pub decertified_exception_years_used: u32,
    #[serde(default)]
    pub insufficient_internet: bool,
    /// `disaster`, `practice_or_hospital_closure`, `severe_financial_distress`, `ehr_vendor_issues`.
    #[serde(default)]
    pub event_kind: Option<String>,
    #[serde(default)]
    pub event_start: Option<String>,
    #[serde(default)]
    pub event_end: Option<String>,
    /// 0–100.
    #[serde(default)]
    pub percent_encounters_without_cehrt_control: Option<u8>,
    #[serde(default = "yes")]
    pub has_cehrt: bool,
    /// Adversely affected by the COVID-19 public health emergency (the PY 2019 COVID-19 reason only).
    #[serde(default)]
    pub covid19_affected: bool,
}

impl FactsDto {
    pub fn parse(&self) -> Result<hardship_rules::screening::PracticeFacts, ApiError> {
        use hardship_rules::screening::{EucEvent, PracticeFacts};
        let start = parse_opt_date("event_start", self.event_start.as_deref())?;
        let end = parse_opt_date("event_end", self.event_end.as_deref())?;
        let kind = match self.event_kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(parse_euc_kind(k)?),
        };
        let event = match (kind, start) {
            (Some(kind), Some(start)) => Some(EucEvent { kind, start, end }),
            (Some(_), None) => {
                return Err(ApiError::BadRequest(
                    "invalid event_start \"\": an event needs its start date".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(ApiError::BadRequest(
                    "invalid event_kind \"\": say what kind of event it was".into(),
                ));
            }
            (None, None) => None,
        };
        if let Some(p) = self.percent_encounters_without_cehrt_control
            && p > 100
        {
            return Err(ApiError::BadRequest(format!(
                "invalid percent_encounters_without_cehrt_control \"{p}\": a percentage from 0 to 100"
            )));
        }
        let facts = PracticeFacts {
            clinician_count: self.clinician_count,
            overwhelming_barriers: self.overwhelming_barriers,
            ehr_decertified_on: parse_opt_date(
                "ehr_decertified_on",
                self.ehr_decertified_on.as_deref(),
            )?,
            good_faith_new_cehrt: self.good_faith_new_cehrt,
            decertified_exception_years_used: self.decertified_exception_years_used,
            insufficient_internet: self.insufficient_internet,
            event,
            share_encounters_without_cehrt_control: self
                .percent_encounters_without_cehrt_control
                .map(|p| f64::from(p) / 100.0),
            has_cehrt: self.has_cehrt,
            covid19_affected: self.covid19_affected,
        };
        facts.validate().map_err(bad)?;
        Ok(facts)
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReasonVerdictDto {
    pub reason: String,
    pub label: String,
    /// The year accepts this reason at all.
    pub accepted: bool,
    pub may_cite: bool,
    pub why: String,
    pub criteria: String,
    pub sources: Vec<String>,
    /// False when the rule book marks the rule UNCONFIRMED.
    pub confirmed: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ScreeningDto {
    pub year: u16,
    pub reasons: Vec<ReasonVerdictDto>,
    /// The automatic basis when the practice is already reweighted (no application needed).
    pub automatic: Option<String>,
    pub needs_to_apply: bool,
    /// Lacking CEHRT with no reason to cite: lacking CEHRT alone is never a reason.
    pub lacking_cehrt_only: bool,
    pub advice: Vec<String>,
}

impl ScreeningDto {
    pub fn from_screening(
        rules: &hardship_rules::RuleSet,
        s: hardship_rules::screening::Screening,
    ) -> Self {
        ScreeningDto {
            year: s.year,
            reasons: s
                .reasons
                .into_iter()
                .map(|r| ReasonVerdictDto {
                    reason: r.reason.code().to_owned(),
                    label: r.reason.label().to_owned(),
                    accepted: rules.reason_rule(r.reason).is_some_and(|x| x.accepted),
                    may_cite: r.may_cite,
                    why: r.why,
                    criteria: r.criteria,
                    sources: r.sources,
                    confirmed: r.confirmed,
                })
                .collect(),
            automatic: s.automatic,
            needs_to_apply: s.needs_to_apply,
            lacking_cehrt_only: s.lacking_cehrt_only,
            advice: s.advice,
        }
    }
}

// ---- applications ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantDto {
    /// `individual` (TIN/NPI), `group` (TIN) or `virtual_group` (its identifier).
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
        }
    }
}

impl ApplicantDto {
    pub fn parse(&self) -> Result<Applicant, ApiError> {
        let need = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
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
            "virtual_group" => {
                let id = need("identifier", &self.identifier)?;
                if id.chars().count() > 64 || id.chars().any(char::is_control) {
                    return Err(ApiError::BadRequest(format!(
                        "invalid applicant.identifier {id:?}: at most 64 printable characters"
                    )));
                }
                Ok(Applicant::VirtualGroup { identifier: id })
            }
            other => Err(ApiError::BadRequest(format!(
                "invalid applicant.level {other:?}: expected one of: individual, group, virtual_group"
            ))),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
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

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
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

/// An application's content, as created or edited.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub year: u16,
    pub applicant: ApplicantDto,
    /// A reason the year accepts: `small_practice`, `decertified_ehr`, `insufficient_internet`,
    /// `extreme_uncontrollable`, `lack_of_control_cehrt`.
    pub reason: String,
    #[serde(default)]
    pub euc_kind: Option<String>,
    #[serde(default)]
    pub circumstance_start: Option<String>,
    #[serde(default)]
    pub circumstance_end: Option<String>,
    #[serde(default)]
    pub description: String,
    pub submitter: SubmitterDto,
    #[serde(default)]
    pub facts: ApplicationFactsDto,
    #[serde(default)]
    pub attested: bool,
    /// Required when editing: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

impl ApplicationInput {
    pub fn parse(&self) -> Result<ApplicationDraft, ApiError> {
        let year = PerformanceYear::new(self.year).map_err(bad)?;
        let euc_kind = match self.euc_kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(parse_euc_kind(k)?),
        };
        Ok(ApplicationDraft {
            practice: self.practice,
            year,
            applicant: self.applicant.parse()?,
            reason: parse_reason(&self.reason)?,
            circumstance_start: parse_opt_date(
                "circumstance_start",
                self.circumstance_start.as_deref(),
            )?,
            circumstance_end: parse_opt_date("circumstance_end", self.circumstance_end.as_deref())?,
            description: self.description.clone(),
            submitter: Submitter {
                first_name: self.submitter.first_name.trim().to_owned(),
                last_name: self.submitter.last_name.trim().to_owned(),
                email: self.submitter.email.trim().to_owned(),
                phone: self.submitter.phone.trim().to_owned(),
                extension: self.submitter.extension.trim().to_owned(),
            },
            euc_kind,
            facts: (&self.facts).into(),
            attested: self.attested,
        })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StateDto {
    /// `draft`, `ready`, `submitted`, `approved`, `denied`, `withdrawn`, `voided_by_pi_submission`.
    pub name: String,
    /// `portal` or `phone`, once submitted.
    pub channel: Option<String>,
    /// The portal confirmation number or the call reference.
    pub reference: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The CMS decision e-mail's document id.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub decision_email: Option<DocumentId>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<&ApplicationState> for StateDto {
    fn from(s: &ApplicationState) -> Self {
        let mut d = StateDto {
            name: s.name().to_owned(),
            channel: None,
            reference: None,
            submitted_at: None,
            submitted_by: None,
            decided_on: None,
            decision_email: None,
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
            }
            | ApplicationState::Denied {
                submitted: sub,
                decided_on,
                email,
            } => {
                submitted(&mut d, sub);
                d.decided_on = Some(*decided_on);
                d.decision_email = *email;
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

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApplicationId,
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub year: u16,
    pub applicant: ApplicantDto,
    pub reason: String,
    pub reason_label: String,
    pub euc_kind: Option<String>,
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

/// A step of the application's life.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The version you read.
    pub version: i64,
    /// `mark_ready`, `back_to_draft`, `submit`, `approve`, `deny`, `withdraw`, `void`.
    pub action: String,
    /// For `submit`: `portal` or `phone`.
    #[serde(default)]
    pub channel: Option<String>,
    /// For `submit`: the portal confirmation number or the call reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// For `approve` / `deny`: the date of CMS's e-mail (YYYY-MM-DD).
    #[serde(default)]
    pub decided_on: Option<String>,
    /// For `approve` / `deny`: the uploaded decision e-mail's document id.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub decision_email: Option<DocumentId>,
    /// For `void`: what PI data was submitted, by whom.
    #[serde(default)]
    pub note: Option<String>,
}

impl TransitionInput {
    pub fn parse(&self) -> Result<(i64, hardship_store::Transition), ApiError> {
        use hardship_store::Transition as T;
        let t = match self.action.trim() {
            "mark_ready" => T::MarkReady,
            "back_to_draft" => T::BackToDraft,
            "submit" => T::Submit {
                channel: match self.channel.as_deref().map(str::trim) {
                    Some("portal") => Channel::Portal,
                    Some("phone") => Channel::Phone,
                    other => {
                        return Err(ApiError::BadRequest(format!(
                            "invalid channel {:?}: portal or phone",
                            other.unwrap_or("")
                        )));
                    }
                },
                reference: self.reference.clone().unwrap_or_default(),
            },
            "approve" | "deny" => {
                let decided_on =
                    parse_date("decided_on", self.decided_on.as_deref().unwrap_or(""))?;
                if self.action.trim() == "approve" {
                    T::Approve {
                        decided_on,
                        email: self.decision_email,
                    }
                } else {
                    T::Deny {
                        decided_on,
                        email: self.decision_email,
                    }
                }
            }
            "withdraw" => T::Withdraw,
            "void" => T::VoidByPiSubmission {
                note: self.note.clone().unwrap_or_default(),
            },
            other => {
                return Err(ApiError::BadRequest(format!(
                    "invalid action {other:?}: expected one of: mark_ready, back_to_draft, submit, approve, deny, withdraw, void"
                )));
            }
        };
        Ok((self.version, t))
    }
}

// ---- documents, audit, tokens, members ------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: DocumentId,
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    #[schema(value_type = Option<String>, format = Uuid)]
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
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&AuditEvent> for AuditEventDto {
    fn from(e: &AuditEvent) -> Self {
        AuditEventDto {
            seq: e.seq,
            at: e.at,
            actor: e.actor_label.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            prev_hash: hex(&e.prev_hash),
            hash: hex(&e.hash),
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditVerifyDto {
    pub ok: bool,
    /// Events checked when the chain is intact.
    pub events: usize,
    /// The first broken event, when not.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
    /// Records that disagree with the log (a document whose hash or size is not its upload event's, an
    /// application whose state is not the one its last event left, a tenant whose log was deleted).
    pub record_problems: Vec<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub name: String,
    pub role: String,
    /// `api` (the JSON API with the role) or `calendar` (the deadline calendar feed only).
    pub scope: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

impl From<&ApiToken> for TokenDto {
    fn from(t: &ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: t.name.clone(),
            role: t.role.code().to_owned(),
            scope: t.scope.code().to_owned(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            revoked: t.revoked,
        }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenDto {
    pub name: String,
    /// `owner`, `staff` or `auditor` (ignored for a calendar token, which can change nothing).
    pub role: String,
    /// `api` (default) or `calendar`: a secret for a calendar subscription URL, which can read the
    /// deadline calendar and nothing else.
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreatedTokenDto {
    /// The secret, shown only now: send it as `Authorization: Bearer <token>` (an API token), or use
    /// `calendar_path` (a calendar token).
    pub token: String,
    pub info: TokenDto,
    /// For a calendar token: the feed's path with the secret, to append to this server's address.
    pub calendar_path: Option<String>,
}

/// Parses a token scope, naming the field and value when it is not one.
pub fn parse_scope(s: Option<&str>) -> Result<TokenScope, ApiError> {
    match s.map(str::trim) {
        None | Some("") => Ok(TokenScope::Api),
        Some(v) => TokenScope::parse(v).ok_or_else(|| {
            ApiError::Unprocessable(format!("invalid scope {v:?}: api or calendar"))
        }),
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MemberDto {
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    pub email: String,
    pub role: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub email: String,
    pub role: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InviteDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: InviteId,
    pub email: String,
    pub role: String,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl From<&Invite> for InviteDto {
    fn from(i: &Invite) -> Self {
        InviteDto {
            id: i.id,
            email: i.email.clone(),
            role: i.role.code().to_owned(),
            created_by: i.created_by.clone(),
            expires_at: i.expires_at,
            accepted_at: i.accepted_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreatedInviteDto {
    /// The link to send to the invitee (shown only now).
    pub link_path: String,
    pub invite: InviteDto,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrganizationDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: TenantId,
    pub name: String,
    /// `consultancy` or `practice`.
    pub kind: String,
    /// The caller's role in it.
    pub role: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// An e-mail address, or `api token <name>`.
    pub label: String,
    pub organization: OrganizationDto,
    pub organizations: Vec<OrganizationDto>,
}

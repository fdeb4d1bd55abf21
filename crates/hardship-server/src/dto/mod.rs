//! The JSON shapes of `/api/v1` (documented in the OpenAPI document through `ToSchema`), one module per
//! resource, and their conversion from and to the store's records. Inputs take identifiers and codes as
//! text and are parsed here, so a bad value is refused with its field and value named (`parse, don't
//! validate`: nothing past this module holds an unchecked NPI, TIN, year, reason or date). Answers the
//! use cases already shape (screening, audit verification, import problems) are theirs, re-exported.

/// Applications, applicants, submitters, states and transitions.
mod applications;
/// Clinicians, their statuses, and import problems.
mod clinicians;
/// Documents and audit events.
mod evidence;
/// The application packet.
mod exports;
/// The caller, organizations, members, invitations and API tokens.
mod organization;
/// Practices and their contacts.
mod practices;
/// Practice-year profiles and screening facts.
mod profiles;

pub use applications::*;
pub use clinicians::*;
pub use evidence::*;
pub use exports::*;
pub use organization::*;
pub use practices::*;
pub use profiles::*;

pub use hardship_app::applications::{
    ReasonVerdict as ReasonVerdictDto, Screening as ScreeningDto,
};
pub use hardship_app::evidence::AuditCheck as AuditVerifyDto;
pub use hardship_app::imports::ImportProblem as ImportErrorDto;
pub use hardship_app::report::{euc_kind_code, euc_kind_label};
pub use hardship_app::views::*;

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use hardship_rules::screening::EucKind;
use hardship_rules::{
    Category, ClinicianType, EucEventType, HardshipReason, InvalidValue, Npi, PerformanceYear,
    ReportingLevel, SpecialStatus, Tin,
};
use hardship_store::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub(crate) fn bad(e: InvalidValue) -> ApiError {
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

pub(crate) fn pi_submitted_input_schema_ref()
-> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
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
            "invalid role {text:?}: expected one of: owner, staff, auditor, client"
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

pub(crate) fn check_score(field: &'static str, v: Option<f64>) -> Result<Option<f64>, ApiError> {
    match v {
        None => Ok(None),
        Some(v) => hardship_rules::CategoryScore::new(field, v)
            .map(|s| Some(s.percent()))
            .map_err(bad),
    }
}

//! Clinicians, their special statuses, and the bad lines of an import.

use super::*;
use utoipa::IntoParams;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClinicianDto {
    #[schema(value_type = String, format = Uuid)]
    pub id: ClinicianId,
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub npi: String,
    pub name: String,
    pub clinician_type: String,
    /// When the clinician joined and left the practice (each year has its own roster).
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    /// Set when the clinician was archived: who, when, why.
    pub archived: Option<ArchiveDto>,
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
            joined_on: c.joined_on,
            left_on: c.left_on,
            archived: c.archived.as_ref().map(ArchiveDto::from),
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
    /// A corrected NPI (a typo on the roster), recorded as a correction; absent keeps it.
    #[serde(default)]
    pub npi: Option<String>,
    /// When the clinician joined the practice (YYYY-MM-DD); absent or empty: unknown. The update sets
    /// both dates: send them back as you read them.
    #[serde(default)]
    pub joined_on: Option<String>,
    /// When the clinician left (YYYY-MM-DD); absent or empty: still there.
    #[serde(default)]
    pub left_on: Option<String>,
}

impl ClinicianUpdateDto {
    pub fn parse(self) -> Result<(i64, ClinicianUpdate), ApiError> {
        Ok((
            self.version,
            ClinicianUpdate {
                name: self.name,
                clinician_type: parse_clinician_type(&self.clinician_type)?,
                npi: match self.npi.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(n) => Some(parse_npi(n)?),
                },
                joined_on: parse_opt_date("joined_on", self.joined_on.as_deref())?,
                left_on: parse_opt_date("left_on", self.left_on.as_deref())?,
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The performance year of an eligibility file (it does not say).
    pub year: Option<String>,
    /// Which `organizations[]` entry of an eligibility file is this practice (numbered from 0).
    pub organization: Option<String>,
    /// When the eligibility data was retrieved from CMS (YYYY-MM-DD; default today).
    pub retrieved_on: Option<String>,
    /// `true`: import the good rows of a CSV and list the bad ones instead of refusing the file.
    pub keep_good_rows: Option<String>,
}

/// Options of a client-list import (`POST /api/v1/imports`).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnboardingQuery {
    /// `true`: say what would be created, changed and refused, and write nothing.
    pub preview: Option<String>,
    /// `true`: write the good rows and list the bad ones instead of refusing the file.
    pub keep_good_rows: Option<String>,
    /// The performance year a stated reporting level is for (default: the year whose window is open).
    pub year: Option<String>,
}

/// A yes/no query parameter: absent, empty or `false` is no; `true`, `on` or `1` is yes.
fn flag(name: &str, v: Option<&str>) -> Result<bool, ApiError> {
    match v.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "on" | "1") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "invalid {name} {other:?}: true or false"
        ))),
    }
}

impl OnboardingQuery {
    pub fn parse(&self) -> Result<hardship_app::onboarding::OnboardingOptions, ApiError> {
        Ok(hardship_app::onboarding::OnboardingOptions {
            year: match self.year.as_deref() {
                Some(y) if !y.trim().is_empty() => Some(crate::extract::parse_year(y)?),
                _ => None,
            },
            keep_good_rows: flag("keep_good_rows", self.keep_good_rows.as_deref())?,
            preview: flag("preview", self.preview.as_deref())?,
        })
    }
}

impl ImportQuery {
    pub fn parse(&self) -> Result<hardship_app::imports::ImportOptions, ApiError> {
        Ok(hardship_app::imports::ImportOptions {
            year: match self.year.as_deref() {
                Some(y) if !y.trim().is_empty() => Some(crate::extract::parse_year(y)?),
                _ => None,
            },
            organization: match self.organization.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(t) => Some(t.parse().map_err(|_| {
                    ApiError::BadRequest(format!("invalid organization {t:?}: a number from 0"))
                })?),
            },
            retrieved_on: parse_opt_date("retrieved_on", self.retrieved_on.as_deref())?,
            keep_good_rows: flag("keep_good_rows", self.keep_good_rows.as_deref())?,
        })
    }
}

/// Archives a record (with why) or restores it, at the version the caller read.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveInput {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    /// Why it is archived (required to archive; ignored to restore).
    #[serde(default)]
    pub why: Option<String>,
}

//! Practices and their clinicians, rosters and imports, the reporting profile of a practice-year, and
//! the special statuses (ours and CMS's answers) a clinician has in a year.

use super::*;

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

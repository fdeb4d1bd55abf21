//! What an assessment shows: the decisions in words with their sources, the alerts, the statuses and
//! the per-clinician and practice-level views the eligibility page, the dashboard and the API render,
//! and the records an assessment reads.

use hardship_store::{
    Application, Clinician, ClinicianStatus, Document, Practice, ReportingProfile,
};
use serde::Serialize;

/// A decision in words with its sources.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplanationView {
    pub summary: String,
    pub details: Vec<String>,
    /// Rule-book source keys of every rule used.
    pub sources: Vec<String>,
    /// Rules used that the rule book marks UNCONFIRMED.
    pub unconfirmed: Vec<String>,
}

/// One eligibility decision.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    pub reweighted: bool,
    /// The batch contract's `pi_basis`: `special_status:<status>`, `clinician_type:<type>`,
    /// `small_practice`, `automatic_euc`, `group_all_members_qualify`, `hardship:<reason>`,
    /// `voided_by_pi_submission`, `group_test_not_met`, `none`.
    pub basis: String,
    /// The basis in words.
    pub basis_label: String,
    /// Whether the basis is automatic (special status, clinician type, small practice, automatic EUC, a
    /// group whose members all qualify).
    pub automatic: bool,
    /// Warning codes of the batch contract.
    pub warnings: Vec<String>,
    pub explanation: ExplanationView,
}

/// A warning that matters, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// `pi_submission_voids_reweighting`, `group_test_not_met`, `lacking_cehrt_not_a_reason`,
    /// `unconfirmed_rule`, `reporting_pi_voids_reweighting`.
    pub code: String,
    pub text: String,
}

pub(super) fn alert(code: &str, text: impl Into<String>) -> Alert {
    Alert {
        code: code.to_owned(),
        text: text.into(),
    }
}

/// A special status as recorded, with where it came from.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusView {
    pub status: String,
    pub label: String,
    pub value: bool,
    /// "from CMS eligibility data, retrieved on …", "imported", "entered by hand".
    pub origin: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicianAssessment {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub clinician: uuid::Uuid,
    pub npi: String,
    pub name: String,
    pub clinician_type: String,
    /// The clinician type in words.
    pub clinician_type_label: String,
    pub statuses: Vec<StatusView>,
    /// The decision if the clinician reported individually.
    pub individual: Outcome,
    /// Whether PI is reweighted at the level the practice reports.
    pub reweighted: bool,
    /// The clinician's `pi_basis` at the level the practice reports (what every export writes).
    pub basis: String,
    /// The same, in words.
    pub basis_label: String,
    pub alerts: Vec<Alert>,
}

/// Everything the eligibility view of a practice-year shows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: uuid::Uuid,
    pub year: u16,
    /// The level the practice reports at (the one the answers assume while it is not decided).
    pub level: String,
    /// The same, in words ("a group (TIN)").
    pub level_label: String,
    /// Whether the practice-year's level was chosen; when not, `level` is individual reporting, or the
    /// level of an application sent for the year, and an alert says so.
    pub level_decided: bool,
    /// The practice will report PI and not apply (who, when, why), so nobody "needs an application".
    pub not_applying: Option<String>,
    /// Clinicians billing under the TIN (the profile's count, else the roster's length).
    pub clinician_count: u32,
    pub small_practice: bool,
    /// `false`, `incomplete` or `true` (qualifying).
    pub pi_submitted: String,
    pub clinicians: Vec<ClinicianAssessment>,
    /// The TIN decided as a group (absent when the roster is empty).
    pub group: Option<Outcome>,
    /// Under the practice's level: clinicians reweighted automatically, by an approved hardship, or not.
    pub reweighted_automatically: u32,
    pub reweighted_by_hardship: u32,
    pub not_reweighted: u32,
    /// Clinicians not reweighted and not covered by a sent application.
    pub needs_application: u32,
    pub alerts: Vec<Alert>,
    /// What is still missing for an approval-ready, audit-ready file.
    pub missing: Vec<String>,
    /// EUC exception applications sent for the year and what each does, category by category.
    pub euc_applications: Vec<crate::euc::EucApplicationView>,
    /// Categories other than PI that approved EUC applications weight 0% at the practice's level (the
    /// score impact leaves them out; the year's redistribution row applies).
    pub euc_reweighted: Vec<String>,
    /// CMS's automatic EUC policy for the practice, with its area list as source.
    pub automatic_euc: crate::euc::AutomaticEucView,
    /// The content hash of the year's rule set that produced this.
    pub rule_set_version: String,
}

/// The records an assessment reads. Slices may hold other practices' or years' records, and clinicians
/// not on the year's roster (archived, joined later, left before); they are filtered.
#[derive(Clone, Copy)]
pub struct PracticeRecords<'a> {
    pub practice: &'a Practice,
    pub profile: &'a ReportingProfile,
    pub clinicians: &'a [&'a Clinician],
    pub statuses: &'a [&'a ClinicianStatus],
    pub applications: &'a [&'a Application],
    pub documents: &'a [&'a Document],
    /// Whether the year's application window has closed (then nothing is to be applied for).
    pub window_closed: bool,
}

/// How much to say: the dashboard needs only the counts, the eligibility view needs the words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Detail {
    Full,
    Counts,
}

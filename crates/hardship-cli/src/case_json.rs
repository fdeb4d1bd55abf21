//! The JSON form of one eligibility case (`hardship check --file case.json`).
//!
//! ```json
//! { "performance_year": 2024, "reporting_level": "group", "tin": "123456789",
//!   "members": [ { "npi": "1234567893", "clinician_type": "physician", "hospital_based": true } ],
//!   "practice_size": 12, "hardship": { "reason": "decertified_ehr", "status": "approved" },
//!   "pi_submitted": false, "practice_zip": "27007" }
//! ```
//! An individual case gives `clinician` instead of `members`. `pi_submitted` is `false`, `"incomplete"` or
//! `true`; a member may carry `"approved_hardship": "<reason>"` (an individual exception CMS approved, a
//! member ground of the group test).

use hardship_rules::eligibility::{Application, Case, ClinicianFacts, GroupMembers, Subject};
use hardship_rules::{
    HardshipReason, Npi, PerformanceYear, PiSubmission, ReportingLevel, RuleBook, Tin, Zip5,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseJson {
    pub performance_year: PerformanceYear,
    pub reporting_level: ReportingLevel,
    pub npi: Option<Npi>,
    pub tin: Option<Tin>,
    pub clinician: Option<ClinicianFacts>,
    #[serde(default)]
    pub members: Vec<MemberJson>,
    pub practice_size: Option<u32>,
    pub hardship: Option<Application>,
    #[serde(default)]
    pub pi_submitted: PiSubmission,
    pub practice_zip: Option<Zip5>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberJson {
    pub npi: Option<Npi>,
    #[serde(flatten)]
    pub facts: ClinicianFacts,
    pub approved_hardship: Option<HardshipReason>,
}

impl CaseJson {
    /// Parses a case; errors name the line, column and problem as serde reports them.
    pub fn parse(text: &str) -> Result<CaseJson, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
    }

    pub fn to_case(&self, book: &RuleBook) -> Result<Case, String> {
        let rules = book.year(self.performance_year);
        let subject = if self.reporting_level.is_collective() {
            if self.clinician.is_some() {
                return Err(
                    "a group or virtual-group case lists `members`, not `clinician`".into(),
                );
            }
            if self.members.is_empty() {
                return Err(
                    "a group or virtual-group case needs at least one entry in `members`".into(),
                );
            }
            let mut g = GroupMembers::default();
            for m in &self.members {
                g.add(rules, &m.facts, m.approved_hardship);
            }
            Subject::Entity(g)
        } else {
            match self.clinician {
                Some(c) if self.members.is_empty() => Subject::Clinician(c),
                Some(_) => return Err("an individual case gives `clinician`, not `members`".into()),
                None => return Err("an individual or APM-entity case needs `clinician`".into()),
            }
        };
        if self.practice_size == Some(0) {
            return Err("practice_size must be 1 or more".into());
        }
        Ok(Case {
            practice_size: self.practice_size,
            application: self.hardship,
            pi_submission: self.pi_submitted,
            practice_zip: self.practice_zip,
            ..Case::new(self.performance_year, self.reporting_level, subject)
        })
    }
}

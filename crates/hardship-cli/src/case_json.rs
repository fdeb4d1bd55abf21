//! The JSON form of one eligibility case (`hardship check --file case.json`).
//!
//! ```json
//! { "performance_year": 2024, "reporting_level": "group", "tin": "123456789",
//!   "members": [ { "npi": "1234567893", "clinician_type": "physician", "hospital_based": true } ],
//!   "practice_size": 12, "hardship": { "reason": "decertified_ehr", "status": "approved" },
//!   "pi_submitted": false }
//! ```
//! An individual case gives `clinician` instead of `members`.

use hardship_rules::eligibility::{Application, Case, ClinicianFacts, GroupMembers, Subject};
use hardship_rules::{Npi, PerformanceYear, ReportingLevel, Tin};
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
    pub pi_submitted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberJson {
    pub npi: Option<Npi>,
    #[serde(flatten)]
    pub facts: ClinicianFacts,
}

impl CaseJson {
    /// Parses a case; errors name the line, column and problem as serde reports them.
    pub fn parse(text: &str) -> Result<CaseJson, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
    }

    pub fn to_case(&self) -> Result<Case, String> {
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
            Subject::Entity(GroupMembers::from_members(
                self.members.iter().map(|m| &m.facts),
            ))
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
            year: self.performance_year,
            level: self.reporting_level,
            subject,
            practice_size: self.practice_size,
            application: self.hardship,
            pi_submitted: self.pi_submitted,
        })
    }
}

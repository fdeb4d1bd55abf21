//! Eligibility: is PI reweighted for a clinician or a reporting entity in a year, on what basis, or why not.
//!
//! The traps this module exists to catch: reporting any PI data voids reweighting of either kind, and a
//! special-status clinician reporting with a group is scored as the group, which keeps PI reweighting only if
//! the group itself meets the year's test (RULEBOOK §4, O1–O4).

use crate::cites::{Cites, Warning, Warnings};
use crate::model::{
    ApplicationStatus, ClinicianType, HardshipReason, PerformanceYear, ReportingLevel,
    SpecialStatus,
};
use crate::ruleset::{RuleSet, ShareTest, render_sources};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is known about one clinician.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianFacts {
    pub clinician_type: ClinicianType,
    #[serde(default)]
    pub hospital_based: bool,
    #[serde(default)]
    pub non_patient_facing: bool,
    #[serde(default)]
    pub asc_based: bool,
}

impl ClinicianFacts {
    pub fn has(&self, s: SpecialStatus) -> bool {
        match s {
            SpecialStatus::HospitalBased => self.hospital_based,
            SpecialStatus::NonPatientFacing => self.non_patient_facing,
            SpecialStatus::AscBased => self.asc_based,
        }
    }
}

/// The members of a group or virtual group, summarised for the group tests. Built incrementally so a
/// stream of roster rows never needs to be held in memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupMembers {
    pub count: u32,
    pub hospital_based: u32,
    pub non_patient_facing: u32,
    pub asc_based: u32,
    /// Bit `t as u32` set when a member has clinician type `t`.
    types: u32,
}

impl GroupMembers {
    pub fn add(&mut self, m: &ClinicianFacts) {
        self.count += 1;
        self.hospital_based += u32::from(m.hospital_based);
        self.non_patient_facing += u32::from(m.non_patient_facing);
        self.asc_based += u32::from(m.asc_based);
        self.types |= 1 << (m.clinician_type as u32);
    }

    pub fn merge(&mut self, other: &GroupMembers) {
        self.count += other.count;
        self.hospital_based += other.hospital_based;
        self.non_patient_facing += other.non_patient_facing;
        self.asc_based += other.asc_based;
        self.types |= other.types;
    }

    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a ClinicianFacts>) -> Self {
        let mut g = Self::default();
        for m in members {
            g.add(m);
        }
        g
    }

    pub fn with_status(&self, s: SpecialStatus) -> u32 {
        match s {
            SpecialStatus::HospitalBased => self.hospital_based,
            SpecialStatus::NonPatientFacing => self.non_patient_facing,
            SpecialStatus::AscBased => self.asc_based,
        }
    }

    pub fn types(&self) -> impl Iterator<Item = ClinicianType> + '_ {
        ClinicianType::ALL
            .iter()
            .copied()
            .filter(|&t| self.types & (1 << (t as u32)) != 0)
    }
}

/// Who is being decided about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One clinician reporting individually (or within an APM entity).
    Clinician(ClinicianFacts),
    /// A group or virtual group, from its members.
    Entity(GroupMembers),
}

/// A PI hardship exception application and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub reason: HardshipReason,
    pub status: ApplicationStatus,
}

/// Everything eligibility needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    pub year: PerformanceYear,
    pub level: ReportingLevel,
    pub subject: Subject,
    /// Clinicians billing under the TIN; for an entity defaults to its member count.
    pub practice_size: Option<u32>,
    pub application: Option<Application>,
    /// Whether any PI data was (or will be) submitted at this reporting level.
    pub pi_submitted: bool,
}

/// Why PI is reweighted, or why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    SpecialStatus(SpecialStatus),
    ClinicianType(ClinicianType),
    SmallPractice,
    Hardship(HardshipReason),
    /// PI data was submitted, so the reweighting the subject had is void.
    VoidedByPiSubmission,
    /// Some members hold a status or type that reweights individuals, but the group does not meet the test.
    GroupTestNotMet,
    None,
}

impl fmt::Display for Basis {
    /// The batch contract's `pi_basis` code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::SpecialStatus(s) => write!(f, "special_status:{s}"),
            Basis::ClinicianType(t) => write!(f, "clinician_type:{t}"),
            Basis::SmallPractice => f.write_str("small_practice"),
            Basis::Hardship(r) => write!(f, "hardship:{r}"),
            Basis::VoidedByPiSubmission => f.write_str("voided_by_pi_submission"),
            Basis::GroupTestNotMet => f.write_str("group_test_not_met"),
            Basis::None => f.write_str("none"),
        }
    }
}

/// The answer: reweighted or not, the basis, warnings, and the rules used (with their sources).
#[derive(Clone, Copy, Debug)]
pub struct Decision<'r> {
    pub case: Case,
    pub reweighted: bool,
    pub basis: Basis,
    /// When voided: the basis the subject would have had without the PI submission.
    pub voided_basis: Option<Basis>,
    /// The practice counts as small (≤ the year's maximum): it selects the redistribution table.
    pub small_practice: bool,
    pub warnings: Warnings,
    pub cites: Cites<'r>,
}

/// Decides PI reweighting for one case under one year's rules.
pub fn decide<'r>(rules: &'r RuleSet, case: &Case) -> Decision<'r> {
    let mut cites = Cites::default();
    let mut warnings = Warnings::default();
    let size = case.practice_size.or(match case.subject {
        Subject::Entity(g) => Some(g.count),
        Subject::Clinician(_) => None,
    });
    let sp = &rules.small_practice;
    let small_practice = size.is_some_and(|n| n <= sp.max_clinicians);

    if case.level == ReportingLevel::VirtualGroup && !rules.virtual_groups.allowed {
        warnings.add(Warning::VirtualGroupNotAvailable);
        cites.push(rules.virtual_groups.cite("virtual groups"));
    }
    if case.level == ReportingLevel::ApmEntity {
        warnings.add(Warning::ApmEntityEvaluatedPerClinician);
    }

    // The first basis that qualifies, in the order CMS applies them: automatic before application.
    let mut qualifying: Option<Basis> = None;
    let mut near_miss = false;
    match case.subject {
        Subject::Clinician(c) => {
            if !rules.is_mips_eligible_type(c.clinician_type) {
                warnings.add(Warning::ClinicianTypeNotMipsEligible);
                cites.push(
                    rules
                        .eligible_clinician_types
                        .cite("MIPS-eligible clinician types"),
                );
            }
            for &s in SpecialStatus::ALL {
                if c.has(s)
                    && let Some(rule) = rules.status_rule(s)
                {
                    cites.push(rule.cite("automatic special status"));
                    qualifying.get_or_insert(Basis::SpecialStatus(s));
                }
            }
            if let Some(rule) = rules.clinician_type_rule(c.clinician_type) {
                cites.push(rule.cite("automatic clinician type"));
                if rule.automatic {
                    qualifying.get_or_insert(Basis::ClinicianType(c.clinician_type));
                }
            }
        }
        Subject::Entity(g) => {
            cites.push(
                rules
                    .group_scored_as_group
                    .cite("group scored as the group"),
            );
            for &s in SpecialStatus::ALL {
                let with = g.with_status(s);
                if with == 0 || rules.status_rule(s).is_none() {
                    continue;
                }
                let test = rules.group_tests.for_status(s);
                cites.push(test.cite(group_test_name(s)));
                if test.passes(with, g.count) {
                    qualifying.get_or_insert(Basis::SpecialStatus(s));
                } else {
                    near_miss = true;
                }
            }
            if let Some(t) = clinician_type_basis(rules, &g, &mut cites, &mut near_miss) {
                qualifying.get_or_insert(Basis::ClinicianType(t));
            }
        }
    }
    if sp.automatic_pi_reweighting {
        match size {
            Some(n) if n <= sp.max_clinicians => {
                cites.push(sp.cite("small practice"));
                qualifying.get_or_insert(Basis::SmallPractice);
            }
            Some(_) => {}
            None => warnings.add(Warning::PracticeSizeUnknown),
        }
    }

    if let Some(app) = case.application {
        let already_automatic = qualifying.is_some();
        match rules.reason_rule(app.reason) {
            Some(rule) if !rule.accepted => {
                cites.push(rule.cite("hardship reason"));
                warnings.add(Warning::ReasonNotAcceptedThisYear);
            }
            Some(rule) => {
                cites.push(rule.cite("hardship reason"));
                let over = app.reason == HardshipReason::SmallPractice
                    && size.is_some_and(|n| n > sp.max_clinicians);
                let level_ok = rules.application_levels.levels.contains(&case.level);
                if over {
                    cites.push(sp.cite("small practice"));
                    warnings.add(Warning::SmallPracticeReasonOver15);
                } else if !level_ok {
                    cites.push(rules.application_levels.cite("who may apply"));
                    warnings.add(Warning::LevelCannotApply);
                } else {
                    match app.status {
                        ApplicationStatus::Approved => {
                            qualifying.get_or_insert(Basis::Hardship(app.reason));
                        }
                        ApplicationStatus::Pending => warnings.add(Warning::HardshipPending),
                        ApplicationStatus::Denied => warnings.add(Warning::HardshipDenied),
                    }
                }
            }
            None => warnings.add(Warning::ReasonNotAcceptedThisYear),
        }
        if already_automatic {
            warnings.add(Warning::ApplicationNotNeeded);
        }
    }

    let (reweighted, basis, voided_basis) = match qualifying {
        Some(b) if case.pi_submitted && rules.pi_submission_voids_reweighting.applies => {
            cites.push(
                rules
                    .pi_submission_voids_reweighting
                    .cite("PI submission voids reweighting"),
            );
            warnings.add(Warning::PiSubmissionVoidsReweighting);
            (false, Basis::VoidedByPiSubmission, Some(b))
        }
        Some(b) => {
            // Worth saying even when all is well: one PI measure sent by a vendor undoes this.
            cites.push(
                rules
                    .pi_submission_voids_reweighting
                    .cite("PI submission voids reweighting"),
            );
            (true, b, None)
        }
        None if near_miss => {
            warnings.add(Warning::GroupTestNotMet);
            (false, Basis::GroupTestNotMet, None)
        }
        None => (false, Basis::None, None),
    };
    if cites.any_unconfirmed() {
        warnings.add(Warning::UnconfirmedRule);
    }
    Decision {
        case: *case,
        reweighted,
        basis,
        voided_basis,
        small_practice,
        warnings,
        cites,
    }
}

/// A group qualifies by clinician type when every MIPS-eligible member's type is reweighted that year.
fn clinician_type_basis<'r>(
    rules: &'r RuleSet,
    g: &GroupMembers,
    cites: &mut Cites<'r>,
    near_miss: &mut bool,
) -> Option<ClinicianType> {
    let eligible: Vec<ClinicianType> = g
        .types()
        .filter(|&t| rules.is_mips_eligible_type(t))
        .collect();
    let auto = |t: ClinicianType| rules.clinician_type_rule(t).is_some_and(|r| r.automatic);
    let first_auto = eligible.iter().copied().find(|&t| auto(t))?;
    cites.push(
        rules
            .group_tests
            .clinician_type
            .cite("clinician-type group rule"),
    );
    let all = eligible.iter().all(|&t| auto(t));
    if all || !rules.group_tests.clinician_type.all_members {
        if let Some(rule) = rules.clinician_type_rule(first_auto) {
            cites.push(rule.cite("automatic clinician type"));
        }
        Some(first_auto)
    } else {
        *near_miss = true;
        None
    }
}

fn group_test_name(s: SpecialStatus) -> &'static str {
    match s {
        SpecialStatus::HospitalBased => "hospital-based group test",
        SpecialStatus::NonPatientFacing => "non-patient-facing group test",
        SpecialStatus::AscBased => "ASC-based group test",
    }
}

/// A decision in words, with its sources: what `hardship check` prints and the API returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub summary: String,
    pub details: Vec<String>,
    pub sources: Vec<String>,
    /// Rules used that the rule book marks UNCONFIRMED.
    pub unconfirmed: Vec<String>,
}

impl Decision<'_> {
    pub fn explain(&self, rules: &RuleSet) -> Explanation {
        let y = self.case.year;
        let who = match self.case.subject {
            Subject::Clinician(c) => format!(
                "This {} ({})",
                c.clinician_type.label(),
                self.case.level.label()
            ),
            Subject::Entity(g) => {
                format!("This {} of {} clinicians", self.case.level.label(), g.count)
            }
        };
        let pi = &rules.pi_category_name;
        let summary = match self.basis {
            Basis::VoidedByPiSubmission => format!(
                "{who} would have {pi} reweighted to 0% in {y} ({}), but PI data was submitted, so PI is scored at its full weight.",
                basis_words(self.voided_basis.unwrap_or(Basis::None))
            ),
            b if self.reweighted => format!(
                "{who} has {pi} reweighted to 0% in {y}: {}.",
                basis_words(b)
            ),
            Basis::GroupTestNotMet => format!(
                "{who} is not reweighted in {y}: some members would be reweighted individually, but the group is scored as a group and does not meet the group test."
            ),
            _ => format!("{who} is not reweighted in {y}; {pi} counts for its full weight."),
        };
        let mut details = Vec::new();
        if let Subject::Entity(g) = self.case.subject {
            for &s in SpecialStatus::ALL {
                let with = g.with_status(s);
                if with > 0 {
                    let test: &ShareTest = rules.group_tests.for_status(s);
                    let verdict = if test.passes(with, g.count) {
                        "meets"
                    } else {
                        "does not meet"
                    };
                    details.push(format!(
                        "{with} of {} clinicians are {}; the {y} group test needs {} — the group {verdict} it.",
                        g.count,
                        s.label(),
                        test.describe()
                    ));
                }
            }
        }
        for w in self.warnings.iter() {
            if let Some(text) = warning_words(w, self, rules) {
                details.push(text);
            }
        }
        if self.reweighted {
            details.push(
                "Reporting any PI data — including data a vendor or registry sends by default — voids this reweighting."
                    .to_owned(),
            );
        }
        Explanation {
            summary,
            details,
            sources: self
                .cites
                .source_keys()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            unconfirmed: self
                .cites
                .unconfirmed()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

fn basis_words(b: Basis) -> String {
    match b {
        Basis::SpecialStatus(s) => format!("special status {}", s.label()),
        Basis::ClinicianType(t) => format!("clinician type {}", t.label()),
        Basis::SmallPractice => {
            "automatic small-practice reweighting (15 or fewer clinicians)".to_owned()
        }
        Basis::Hardship(r) => format!("approved hardship exception ({})", r.label()),
        Basis::VoidedByPiSubmission => "voided by PI submission".to_owned(),
        Basis::GroupTestNotMet => "group test not met".to_owned(),
        Basis::None => "no basis".to_owned(),
    }
}

fn warning_words(w: Warning, d: &Decision<'_>, rules: &RuleSet) -> Option<String> {
    let y = d.case.year;
    let reason = d
        .case
        .application
        .map(|a| a.reason.label())
        .unwrap_or("the reason");
    Some(match w {
        Warning::PiSubmissionVoidsReweighting => {
            "PI data was submitted: CMS scores what was submitted, and PI keeps its full weight.".to_owned()
        }
        Warning::GroupTestNotMet => {
            "A special-status clinician who reports with a group is assessed as the group; report individually, or get a group-level hardship approval, to keep PI reweighted.".to_owned()
        }
        Warning::ReasonNotAcceptedThisYear => format!("{y} does not accept \"{reason}\" as a hardship reason."),
        Warning::SmallPracticeReasonOver15 => format!(
            "The small-practice reason needs {} or fewer clinicians billing under the TIN.",
            rules.small_practice.max_clinicians
        ),
        Warning::ClinicianTypeNotMipsEligible => format!("This clinician type is not MIPS eligible in {y}."),
        Warning::HardshipPending => "The hardship application is pending: PI is not reweighted until CMS approves it.".to_owned(),
        Warning::HardshipDenied => "The hardship application was denied.".to_owned(),
        Warning::ApplicationNotNeeded => "PI is already reweighted automatically; no application is needed.".to_owned(),
        Warning::LevelCannotApply => {
            format!("A {} may not submit a PI hardship application in {y}.", d.case.level.label())
        }
        Warning::VirtualGroupNotAvailable => format!("Virtual groups do not exist in {y}."),
        Warning::ApmEntityEvaluatedPerClinician => {
            "APM entity reporting: evaluated for this clinician; the entity's own APP scoring is not modelled.".to_owned()
        }
        Warning::PracticeSizeUnknown => {
            "The number of clinicians billing under the TIN is unknown, so small-practice rules were not applied.".to_owned()
        }
        Warning::UnconfirmedRule => format!(
            "This answer relies on rules the rule book marks UNCONFIRMED: {}.",
            d.cites.unconfirmed().join("; ")
        ),
        _ => return None,
    })
}

impl Explanation {
    /// Plain text for terminals.
    pub fn render(&self) -> String {
        let mut s = self.summary.clone();
        for d in &self.details {
            s.push_str("\n  - ");
            s.push_str(d);
        }
        s.push_str("\n  sources: ");
        s.push_str(&render_sources(&self.sources));
        if !self.unconfirmed.is_empty() {
            s.push_str("\n  UNCONFIRMED: ");
            s.push_str(&self.unconfirmed.join("; "));
        }
        s
    }
}

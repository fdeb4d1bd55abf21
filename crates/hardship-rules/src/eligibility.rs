//! Eligibility: is PI reweighted for a clinician or a reporting entity in a year, on what basis, or why not;
//! and which other categories CMS reweights for it (automatic EUC, COVID-19 cost).
//!
//! The traps this module exists to catch: PI data voids reweighting of either kind (from PY 2025 only a
//! qualifying submission does), and a special-status clinician reporting with a group is scored as the
//! group, which keeps PI reweighting only if the group meets 414.1380(c)(2)(iii) ([`crate::group`]).

use crate::cites::{Cites, Warning, Warnings};
pub use crate::group::GroupMembers;
use crate::ids::Zip5;
use crate::model::{
    ApplicationStatus, Category, CategorySet, ClinicianType, HardshipReason, PerformanceYear,
    PiSubmission, ReportingLevel, SpecialStatus,
};
use crate::ruleset::{RuleSet, render_sources};
use crate::scoring::CategoryScores;
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
    /// Whether PI data was (or will be) submitted at this reporting level, and whether it is complete.
    pub pi_submission: PiSubmission,
    /// The practice location's ZIP, for CMS's automatic-EUC areas.
    pub practice_zip: Option<Zip5>,
    /// CMS's own eligibility data says the clinician has the automatic EUC exception this year (for
    /// years whose areas the product does not carry as a ZIP list).
    pub euc_reported_by_cms: bool,
}

impl Case {
    /// A case with no application, no PI data, no location: the fields callers usually set come first.
    pub fn new(year: PerformanceYear, level: ReportingLevel, subject: Subject) -> Case {
        Case {
            year,
            level,
            subject,
            practice_size: None,
            application: None,
            pi_submission: PiSubmission::No,
            practice_zip: None,
            euc_reported_by_cms: false,
        }
    }
}

/// Why PI is reweighted, or why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    SpecialStatus(SpecialStatus),
    ClinicianType(ClinicianType),
    SmallPractice,
    Hardship(HardshipReason),
    /// CMS's automatic extreme-and-uncontrollable-circumstances policy (an area CMS designated, or every
    /// individual clinician in the COVID-19 years): 414.1380(c)(2)(i)(C)(3).
    AutomaticEuc,
    /// A group or virtual group whose MIPS eligible clinicians all qualify on their own, on different
    /// grounds: 414.1380(c)(2)(iii).
    GroupAllMembersQualify,
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
            Basis::AutomaticEuc => f.write_str("automatic_euc"),
            Basis::GroupAllMembersQualify => f.write_str("group_all_members_qualify"),
            Basis::VoidedByPiSubmission => f.write_str("voided_by_pi_submission"),
            Basis::GroupTestNotMet => f.write_str("group_test_not_met"),
            Basis::None => f.write_str("none"),
        }
    }
}

impl Basis {
    /// The basis in words, for people (the code is for files and the batch contract).
    pub fn label(&self) -> String {
        match self {
            Basis::SpecialStatus(s) => format!("automatic: {} special status", s.label()),
            Basis::ClinicianType(t) => format!("automatic: clinician type ({})", t.label()),
            Basis::SmallPractice => "automatic: small practice (15 or fewer clinicians)".into(),
            Basis::Hardship(r) => format!("approved hardship exception: {}", r.label()),
            Basis::AutomaticEuc => {
                "automatic: extreme and uncontrollable circumstances (CMS's policy)".into()
            }
            Basis::GroupAllMembersQualify => {
                "the group: every eligible clinician in it qualifies on their own".into()
            }
            Basis::VoidedByPiSubmission => "void: PI data was submitted".into(),
            Basis::GroupTestNotMet => "not reweighted: the group does not meet the test".into(),
            Basis::None => "not reweighted".into(),
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
    /// CMS's automatic EUC policy covers this subject (an individual in a designated area, or every
    /// individual in a COVID-19 year): its categories are reweighted unless data is submitted in them.
    pub automatic_euc: bool,
    /// CMS set cost to 0% for this level this year (COVID-19): a cost score is not used.
    pub cost_not_scored: bool,
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
            if let Some(b) = entity_basis(rules, &g, &mut cites, &mut near_miss) {
                qualifying.get_or_insert(b);
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

    let automatic_euc = euc_applies(rules, case);
    if automatic_euc {
        warnings.add(Warning::AutomaticEuc);
        cites.push(rules.automatic_euc.cite("automatic EUC policy"));
        if rules.automatic_euc.categories.contains(&Category::Pi) {
            qualifying.get_or_insert(Basis::AutomaticEuc);
        }
    }
    let cost_not_scored = rules.cost_not_scored.levels.contains(&case.level);
    if cost_not_scored {
        cites.push(rules.cost_not_scored.cite("cost not scored"));
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

    // PI data voids the reweighting: any data before PY 2025, only a qualifying submission from then
    // (414.1380(c)(2)(i)(C); the year's `pi_submission_voids_reweighting`), except for the one reason
    // whose approval it never voids ((C)(11), PY 2019).
    let voids = &rules.pi_submission_voids_reweighting;
    let counts = match case.pi_submission {
        PiSubmission::No => false,
        PiSubmission::Incomplete => voids.incomplete_voids,
        PiSubmission::Qualifying => true,
    };
    if case.pi_submission == PiSubmission::Incomplete && !voids.incomplete_voids {
        cites.push(voids.cite("PI submission voids reweighting"));
        warnings.add(Warning::IncompletePiNotScored);
    }
    let survives = |b: Basis| match b {
        Basis::Hardship(r) => rules
            .reason_rule(r)
            .is_some_and(|rule| !rule.voided_by_pi_submission),
        _ => false,
    };
    let (reweighted, basis, voided_basis) = match qualifying {
        Some(b) if counts && voids.applies && !survives(b) => {
            cites.push(voids.cite("PI submission voids reweighting"));
            warnings.add(Warning::PiSubmissionVoidsReweighting);
            (false, Basis::VoidedByPiSubmission, Some(b))
        }
        Some(b) => {
            // Worth saying even when all is well: one PI measure sent by a vendor undoes this.
            cites.push(voids.cite("PI submission voids reweighting"));
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
        automatic_euc,
        cost_not_scored,
        warnings,
        cites,
    }
}

/// Whether CMS's automatic EUC policy covers the case: only clinicians reporting individually
/// (the policy "doesn't apply to group, virtual group, or APM Entity participation"), and then every one
/// of them in a COVID-19 year, or those whose practice ZIP is in a designated area, or whom CMS's own
/// eligibility data reports.
pub fn euc_applies(rules: &RuleSet, case: &Case) -> bool {
    if case.level != ReportingLevel::Individual || !matches!(case.subject, Subject::Clinician(_)) {
        return false;
    }
    let e = &rules.automatic_euc;
    e.all_individuals
        || case.euc_reported_by_cms
        || case.practice_zip.is_some_and(|z| rules.in_euc_area(z))
}

/// An entity's basis from its members (414.1380(c)(2)(iii)): the group definitions of hospital-based and
/// non-patient-facing (414.1305), then the members test. A near miss is some members qualifying without
/// the group passing.
fn entity_basis<'r>(
    rules: &'r RuleSet,
    g: &GroupMembers,
    cites: &mut Cites<'r>,
    near_miss: &mut bool,
) -> Option<Basis> {
    let mut found = None;
    for &s in SpecialStatus::ALL {
        let with = g.with_status(s);
        if with == 0 || rules.status_rule(s).is_none() {
            continue;
        }
        if let Some(test) = rules.group_tests.for_status(s) {
            cites.push(test.cite(group_test_name(s)));
            if test.passes(with, g.count) {
                found = found.or(Some(Basis::SpecialStatus(s)));
            }
        }
    }
    if found.is_some() {
        return found;
    }
    if g.qualifying == 0 {
        return None;
    }
    let rule = &rules.group_tests.all_members;
    cites.push(rule.cite("group members test"));
    if !g.all_eligible_qualify() {
        *near_miss = true;
        return None;
    }
    match g.single_ground() {
        Some(b) => {
            if let Basis::ClinicianType(t) = b
                && let Some(r) = rules.clinician_type_rule(t)
            {
                cites.push(r.cite("automatic clinician type"));
            }
            Some(b)
        }
        None if rule.mixed_grounds => Some(Basis::GroupAllMembersQualify),
        None => {
            *near_miss = true;
            None
        }
    }
}

/// What a group or virtual-group member's own row shows: the entity's answer when the entity is
/// reweighted (or would have been, had PI data not voided it); otherwise `group_test_not_met` for a
/// member who would have PI reweighted reporting on their own (they lose it by reporting with the
/// group) and `none` for the others.
pub fn member_basis(entity: &Decision<'_>, would_qualify_alone: bool) -> Basis {
    match entity.basis {
        Basis::GroupTestNotMet | Basis::None if would_qualify_alone => Basis::GroupTestNotMet,
        Basis::GroupTestNotMet | Basis::None => Basis::None,
        b => b,
    }
}

impl Decision<'_> {
    /// The category scores scoring should use for this subject: PI dropped when reweighted, cost when
    /// CMS set it to 0% for the year, and the automatic EUC's categories unless data was submitted in
    /// one whose reweighting data overrides (cost never is).
    pub fn scores_to_use(&self, rules: &RuleSet, given: CategoryScores) -> CategoryScores {
        let mut s = given;
        if self.reweighted {
            s.pi = None;
        }
        if self.cost_not_scored {
            s.cost = None;
        }
        if self.automatic_euc {
            let e = &rules.automatic_euc;
            for &c in &e.categories {
                if c == Category::Pi {
                    continue;
                }
                if !e.overridden_by_data.contains(&c) || given.get(c).is_none() {
                    s.set(c, None);
                }
            }
        }
        s
    }

    /// The categories other than PI that CMS reweights for this subject whatever it submits (cost in the
    /// COVID-19 years or under the automatic EUC policy).
    pub fn always_reweighted(&self, rules: &RuleSet) -> CategorySet {
        let mut set = CategorySet::EMPTY;
        if self.cost_not_scored {
            set = set.with(Category::Cost);
        }
        if self.automatic_euc {
            let e = &rules.automatic_euc;
            for &c in &e.categories {
                if c != Category::Pi && !e.overridden_by_data.contains(&c) {
                    set = set.with(c);
                }
            }
        }
        set
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
                let Some(test) = rules.group_tests.for_status(s).filter(|_| with > 0) else {
                    continue;
                };
                let verdict = if test.passes(with, g.count) {
                    "meets"
                } else {
                    "does not meet"
                };
                details.push(format!(
                    "{with} of {} clinicians are {}; the {y} definition of a {} group needs {} — the group {verdict} it.",
                    g.count,
                    s.label(),
                    s.label(),
                    test.describe()
                ));
            }
            if g.qualifying > 0 {
                let not_eligible = g.count - g.eligible;
                details.push(format!(
                    "Members test (414.1380(c)(2)(iii)): {} of {} MIPS eligible clinicians qualify on their own ({}){}{}.",
                    g.qualifying,
                    g.eligible,
                    g.grounds_in_words(),
                    if not_eligible > 0 {
                        format!("; {not_eligible} clinician(s) of types that are not MIPS eligible in {y} do not count")
                    } else {
                        String::new()
                    },
                    if g.all_eligible_qualify() {
                        " — all of them, so the group is reweighted"
                    } else {
                        " — not all of them, so the members test is not met"
                    }
                ));
            }
        }
        let other = self.always_reweighted(rules);
        if self.automatic_euc {
            let e = &rules.automatic_euc;
            let cats: Vec<&str> = e.categories.iter().map(|c| c.label()).collect();
            details.push(format!(
                "CMS's automatic extreme and uncontrollable circumstances policy covers this clinician in {y}{}: {} are weighted 0% unless data is submitted in them{}.",
                if e.all_individuals {
                    " (every individually reporting clinician, COVID-19)"
                } else if self.case.euc_reported_by_cms {
                    " (CMS's eligibility data says so)"
                } else {
                    " (the practice is in an area CMS designated)"
                },
                cats.join(", "),
                if other.contains(Category::Cost) { "; cost stays at 0% whatever is submitted" } else { "" }
            ));
        } else if self.cost_not_scored {
            details.push(format!(
                "CMS weighted the cost category at 0% in {y} for every {}: a cost score is not used.",
                self.case.level.label()
            ));
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
        Basis::AutomaticEuc => {
            "CMS's automatic extreme and uncontrollable circumstances policy".to_owned()
        }
        Basis::GroupAllMembersQualify => {
            "every MIPS eligible clinician in it qualifies on their own, on different grounds"
                .to_owned()
        }
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
        Warning::PiSubmissionVoidsReweighting => match d.case.pi_submission {
            crate::model::PiSubmission::Incomplete => format!(
                "Incomplete PI data was submitted: before PY 2025 any PI data counts, so CMS scores it and PI keeps its full weight in {y}."
            ),
            _ => "PI data was submitted: CMS scores what was submitted, and PI keeps its full weight.".to_owned(),
        },
        Warning::IncompletePiNotScored => format!(
            "The PI data submitted is incomplete: from PY 2025 an incomplete submission is not scored and does not void reweighting ({y})."
        ),
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

//! Assessment of one practice in one performance year: its records (roster, special statuses, reporting
//! profile, applications, evidence) turned into the rules engine's cases, and the decisions turned back
//! into what the eligibility view, the portfolio dashboard and the API show — who is reweighted, on what
//! basis, the warnings that matter and what is still missing. Pure: no I/O, no clock.
//!
//! How records become cases:
//! - each clinician is decided as an individual (TIN/NPI) with its own statuses, the practice's size and
//!   any application filed for its NPI;
//! - the TIN is decided as a group from all its clinicians (each with any individual hardship approved for
//!   it: a member ground of 414.1380(c)(2)(iii)), with any application filed for the TIN;
//! - the profile's level says which of the two counts (RULEBOOK §4: the level that reports is the level
//!   that is scored), and `pi_submitted` applies at that level only; a member of a group that is not
//!   reweighted shows `group_test_not_met` when it would have been reweighted on its own;
//! - an application counts from the moment it is sent: submitted is pending, approved and denied are
//!   CMS's answer; drafts, withdrawn and voided ones do not protect PI.

use hardship_rules::cites::Warning;
use hardship_rules::eligibility::{self, Basis, Case, ClinicianFacts, GroupMembers, Subject};
use hardship_rules::{
    ApplicationStatus, HardshipReason, PerformanceYear, PiSubmission, ReportingLevel, RuleSet,
    SpecialStatus,
};
use hardship_store::{
    Applicant, Application, ApplicationState, Clinician, ClinicianStatus, ReportingProfile,
};
use std::collections::HashMap;

/// The document kind that holds the small-practice reason's overwhelming-barrier documentation.
pub const BARRIER_DOCUMENTATION: &str = "barrier_documentation";
/// The document kind of CMS's approval or denial e-mail.
pub const CMS_DECISION_EMAIL: &str = "cms_decision_email";

mod views;

use views::alert;
pub use views::*;

/// Where an application stands for the rules engine, if it was sent.
pub fn rules_status(state: &ApplicationState) -> Option<ApplicationStatus> {
    match state {
        ApplicationState::Submitted { .. } => Some(ApplicationStatus::Pending),
        ApplicationState::Approved { .. } => Some(ApplicationStatus::Approved),
        ApplicationState::Denied { .. } => Some(ApplicationStatus::Denied),
        // Voided: CMS approved it, but PI data was submitted; eligibility then voids it again itself.
        ApplicationState::VoidedByPiSubmission { .. } => Some(ApplicationStatus::Approved),
        ApplicationState::Draft | ApplicationState::Ready | ApplicationState::Withdrawn { .. } => {
            None
        }
    }
}

/// The strongest sent application among `apps` for PI: approved over pending over denied. An EUC
/// application counts when it covers PI (`crate::euc::pi_reason`).
fn best_application<'a>(
    rules: &RuleSet,
    apps: impl Iterator<Item = &'a Application>,
) -> Option<eligibility::Application> {
    let rank = |s: ApplicationStatus| match s {
        ApplicationStatus::Approved => 3,
        ApplicationStatus::Pending => 2,
        ApplicationStatus::Denied => 1,
    };
    apps.filter_map(|a| {
        let reason = crate::euc::pi_reason(rules, a)?;
        rules_status(&a.state).map(|status| eligibility::Application { reason, status })
    })
    .max_by_key(|a| rank(a.status))
}

/// A reporting level in words.
pub fn level_words(level: ReportingLevel) -> &'static str {
    match level {
        ReportingLevel::Individual => "individuals (TIN/NPI)",
        ReportingLevel::Group => "a group (TIN)",
        ReportingLevel::VirtualGroup => "a virtual group",
        ReportingLevel::ApmEntity => "an APM entity",
    }
}

fn outcome(rules: &RuleSet, d: &eligibility::Decision<'_>, detail: Detail) -> Outcome {
    Outcome {
        reweighted: d.reweighted,
        basis: d.basis.to_string(),
        basis_label: d.basis.label(),
        automatic: is_automatic(d.basis),
        warnings: d.warnings.codes().into_iter().map(str::to_owned).collect(),
        explanation: match detail {
            Detail::Counts => ExplanationView::default(),
            Detail::Full => {
                let e = d.explain(rules);
                ExplanationView {
                    summary: e.summary,
                    details: e.details,
                    sources: e.sources,
                    unconfirmed: e.unconfirmed,
                }
            }
        },
    }
}

fn is_automatic(b: Basis) -> bool {
    matches!(
        b,
        Basis::SpecialStatus(_)
            | Basis::ClinicianType(_)
            | Basis::SmallPractice
            | Basis::AutomaticEuc
            | Basis::GroupAllMembersQualify
    )
}

/// The clinician's facts in the year: a status counts when its recorded value is true.
fn facts_of(c: &Clinician, statuses: &[&ClinicianStatus]) -> ClinicianFacts {
    let mut f = ClinicianFacts {
        clinician_type: c.clinician_type,
        hospital_based: false,
        non_patient_facing: false,
        asc_based: false,
    };
    for s in statuses.iter().filter(|s| s.clinician == c.id && s.value) {
        match s.status {
            SpecialStatus::HospitalBased => f.hospital_based = true,
            SpecialStatus::NonPatientFacing => f.non_patient_facing = true,
            SpecialStatus::AscBased => f.asc_based = true,
        }
    }
    f
}

/// Assesses one practice in one year.
pub fn assess(
    rules: &RuleSet,
    year: PerformanceYear,
    r: &PracticeRecords<'_>,
    detail: Detail,
) -> Assessment {
    let profile = r.profile;
    let practice = r.practice;
    let apps: Vec<&Application> = r
        .applications
        .iter()
        .copied()
        .filter(|a| a.draft.practice == practice.id && a.draft.year == year)
        .collect();
    // The year's roster: who billed under the TIN in that year.
    let roster: Vec<&Clinician> = r
        .clinicians
        .iter()
        .copied()
        .filter(|c| c.practice == practice.id && c.on_roster(year))
        .collect();
    let size = profile
        .clinician_count
        .unwrap_or_else(|| u32::try_from(roster.len()).unwrap_or(u32::MAX));
    let (level, level_note) = reporting_level(profile, &apps);
    let collective = level.is_collective();
    let statuses: Vec<&ClinicianStatus> = r
        .statuses
        .iter()
        .copied()
        .filter(|s| s.year == year)
        .collect();
    let mut by_clinician: HashMap<_, Vec<&ClinicianStatus>> = HashMap::new();
    for s in &statuses {
        by_clinician.entry(s.clinician).or_default().push(s);
    }
    let no_statuses: Vec<&ClinicianStatus> = Vec::new();

    // Each clinician's own applications, decided once: the individual case uses them, and an approved
    // one is a member ground of the group test.
    let own_application = |c: &Clinician| {
        best_application(
            rules,
            apps.iter().copied().filter(
                |a| matches!(a.draft.applicant, Applicant::Individual { npi, .. } if npi == c.npi),
            ),
        )
    };
    let own_apps: Vec<Option<eligibility::Application>> =
        roster.iter().map(|c| own_application(c)).collect();
    let facts: Vec<ClinicianFacts> = roster
        .iter()
        .map(|c| facts_of(c, by_clinician.get(&c.id).unwrap_or(&no_statuses)))
        .collect();
    let at_level = |collective_level: bool| {
        if collective_level {
            profile.pi_submitted
        } else {
            PiSubmission::No
        }
    };

    // The TIN as a group (or virtual group): always decided, so the view can show what group reporting means.
    let group_decision = (!roster.is_empty()).then(|| {
        let mut members = GroupMembers::default();
        for (f, app) in facts.iter().zip(&own_apps) {
            let approved = app
                .filter(|a| a.status == ApplicationStatus::Approved)
                .map(|a| a.reason);
            members.add(rules, f, approved);
        }
        let group_apps = apps.iter().copied().filter(
            |a| matches!(a.draft.applicant, Applicant::Group { tin } if tin == practice.tin),
        );
        let case = Case {
            practice_size: Some(size),
            application: best_application(rules, group_apps),
            pi_submission: at_level(collective),
            ..Case::new(
                year,
                if collective {
                    level
                } else {
                    ReportingLevel::Group
                },
                Subject::Entity(members),
            )
        };
        eligibility::decide(rules, &case)
    });

    let mut clinicians = Vec::with_capacity(roster.len());
    let (mut automatic, mut by_hardship, mut not, mut uncovered) = (0u32, 0u32, 0u32, 0u32);
    let mut voided = 0u32;
    let mut group_lost = 0u32;
    for ((c, f), own) in roster.iter().zip(&facts).zip(&own_apps) {
        let case = Case {
            practice_size: Some(size),
            application: *own,
            pi_submission: at_level(!collective),
            practice_zip: practice.zip,
            ..Case::new(year, ReportingLevel::Individual, Subject::Clinician(*f))
        };
        let d = eligibility::decide(rules, &case);
        let effective = match (&group_decision, collective) {
            (Some(g), true) => g,
            _ => &d,
        };
        // A member's row speaks of that clinician: the group's answer, or `group_test_not_met` when it
        // would have been reweighted reporting on its own.
        let row_basis = if collective {
            eligibility::member_basis(effective, d.reweighted)
        } else {
            effective.basis
        };
        let mut alerts = Vec::new();
        if collective && d.reweighted && !effective.reweighted {
            group_lost += 1;
            alerts.push(alert(
                "group_test_not_met",
                format!(
                    "Reweighted on its own ({}), but this clinician reports with the {} and is scored as the group, which is not reweighted: PI counts. Report individually, or get a group-level hardship approval.",
                    d.basis.label(),
                    level.label()
                ),
            ));
        }
        if effective.basis == Basis::VoidedByPiSubmission {
            voided += 1;
        }
        if effective.reweighted {
            if is_automatic(effective.basis) {
                automatic += 1;
            } else {
                by_hardship += 1;
            }
        } else {
            not += 1;
            if effective.case.application.is_none() {
                uncovered += 1;
            }
        }
        let mut views: Vec<StatusView> = by_clinician
            .get(&c.id)
            .unwrap_or(&no_statuses)
            .iter()
            .map(|s| StatusView {
                status: s.status.code().to_owned(),
                label: s.status.label().to_owned(),
                value: s.value,
                origin: s.origin.describe(),
            })
            .collect();
        views.sort_by(|a, b| a.status.cmp(&b.status));
        clinicians.push(ClinicianAssessment {
            clinician: c.id.0,
            npi: c.npi.to_string(),
            name: c.name.clone(),
            clinician_type: c.clinician_type.code().to_owned(),
            clinician_type_label: c.clinician_type.label().to_owned(),
            statuses: views,
            individual: outcome(rules, &d, detail),
            reweighted: effective.reweighted,
            basis: row_basis.to_string(),
            basis_label: row_basis.label(),
            alerts,
        });
    }

    let mut alerts = Vec::new();
    if let Some(note) = level_note {
        alerts.push(note);
    }
    if let Some(a) = level_mismatch(profile, level, &apps) {
        alerts.push(a);
    }
    let pi = &rules.pi_category_name;
    if voided > 0 {
        alerts.push(alert(
            Warning::PiSubmissionVoidsReweighting.code(),
            format!(
                "PI data was submitted: it voids the reweighting {voided} clinician(s) would otherwise have; {pi} is scored at its full weight."
            ),
        ));
    } else if automatic + by_hardship > 0 {
        alerts.push(alert(
            "reporting_pi_voids_reweighting",
            format!(
                "{} clinician(s) have PI reweighted. Make sure no EHR vendor or registry submits PI data for this TIN in {year}.",
                automatic + by_hardship
            ),
        ));
    }
    if group_lost > 0 {
        alerts.push(alert(
            Warning::GroupTestNotMet.code(),
            format!(
                "{group_lost} clinician(s) who would be reweighted on their own are scored as the {} and lose it: report individually, or get a group-level hardship approval.",
                level.label()
            ),
        ));
    }
    if !profile.has_cehrt && not > 0 {
        alerts.push(alert(
            "lacking_cehrt_not_a_reason",
            "Without certified EHR technology (CEHRT), apply only with a reason the year accepts; CMS never reweights PI for that alone [QPP-HE-2017] [HITA-2019].",
        ));
    }
    let mut unconfirmed: Vec<String> = Vec::new();
    for d in clinicians
        .iter()
        .flat_map(|c| c.individual.explanation.unconfirmed.iter())
    {
        if !unconfirmed.contains(d) {
            unconfirmed.push(d.clone());
        }
    }
    let group = group_decision.as_ref().map(|g| outcome(rules, g, detail));
    if let Some(g) = &group {
        for u in &g.explanation.unconfirmed {
            if !unconfirmed.contains(u) {
                unconfirmed.push(u.clone());
            }
        }
    }
    if !unconfirmed.is_empty() {
        alerts.push(alert(
            Warning::UnconfirmedRule.code(),
            format!(
                "These answers rely on rules the rule book marks UNCONFIRMED: {}.",
                unconfirmed.join("; ")
            ),
        ));
    }

    let not_applying = profile.not_applying.as_ref().map(|n| {
        format!(
            "will report PI and not apply: {} ({}, {})",
            n.why,
            n.by,
            n.at.format("%Y-%m-%d")
        )
    });
    // Deciding to report PI answers "who needs an application" for everyone not reweighted.
    let needs_application = if not_applying.is_some() { 0 } else { uncovered };
    let missing = missing_items(r, roster.is_empty(), &apps, needs_application, year);
    let npis: Vec<hardship_rules::Npi> = roster.iter().map(|c| c.npi).collect();
    let euc = crate::euc::euc_part(rules, profile, level, &apps, &npis, rules_status);
    // The "PI data voids" trap, category by category: data in a category an approved EUC reweights
    // undoes it there, as the year's rules say (cost never has data).
    let at_risk: Vec<&str> = euc
        .reweighted
        .iter()
        .filter(|c| crate::euc::overridable(rules, *c))
        .map(|c| c.label())
        .collect();
    if !at_risk.is_empty() {
        alerts.push(alert(
            "reporting_data_overrides_euc",
            format!(
                "An approved EUC exception weights {} at 0%. Make sure nobody submits data in {} for this TIN in {year}: data in a category overrides its EUC reweighting.",
                at_risk.join(", "),
                if at_risk.len() == 1 { "it" } else { "them" }
            ),
        ));
    }
    for v in euc
        .applications
        .iter()
        .filter(|v| v.status == "approved" && !v.overridden.is_empty())
    {
        alerts.push(alert(
            "data_overrides_euc",
            format!(
                "Data submitted in {} overrides the approved EUC exception for that category: it is scored.",
                v.overridden.join(", ")
            ),
        ));
    }
    Assessment {
        practice: practice.id.0,
        year: year.get(),
        level: level.code().to_owned(),
        level_label: level_words(level).to_owned(),
        level_decided: profile.level_decided,
        not_applying,
        clinician_count: size,
        small_practice: size <= rules.small_practice.max_clinicians,
        pi_submitted: profile.pi_submitted.code().to_owned(),
        clinicians,
        group,
        reweighted_automatically: automatic,
        reweighted_by_hardship: by_hardship,
        not_reweighted: not,
        needs_application,
        alerts,
        missing,
        euc_reweighted: euc.reweighted.iter().map(|c| c.code().to_owned()).collect(),
        euc_applications: euc.applications,
        automatic_euc: crate::euc::automatic_euc(rules, practice),
        rule_set_version: rules.version.clone(),
    }
}

/// The level the answers assume: the chosen one; while none is chosen, the level of an application sent
/// for the year (group if any group application was sent), else individual reporting (what a clinician
/// does who does not report with a group) — with an alert saying which.
fn reporting_level(
    profile: &ReportingProfile,
    apps: &[&Application],
) -> (ReportingLevel, Option<Alert>) {
    if profile.level_decided {
        return (profile.level, None);
    }
    let sent_collective = apps.iter().any(|a| {
        rules_status(&a.state).is_some()
            && matches!(
                a.draft.applicant,
                Applicant::Group { .. } | Applicant::VirtualGroup { .. }
            )
    });
    if sent_collective {
        (
            ReportingLevel::Group,
            Some(alert(
                "level_not_decided",
                "The reporting level is not decided yet; a group application was sent, so these answers assume the practice reports as a group. Choose the level on the profile.",
            )),
        )
    } else {
        (
            ReportingLevel::Individual,
            Some(alert(
                "level_not_decided",
                "The reporting level is not decided yet; these answers assume each clinician reports individually. Choose the level on the profile: a special-status clinician reporting with a group is scored as the group.",
            )),
        )
    }
}

/// A sent application at a level other than the one the practice reports at protects nobody there.
fn level_mismatch(
    profile: &ReportingProfile,
    level: ReportingLevel,
    apps: &[&Application],
) -> Option<Alert> {
    if !profile.level_decided {
        return None;
    }
    let collective = level.is_collective();
    let other = apps.iter().find(|a| {
        rules_status(&a.state).is_some()
            && matches!(a.draft.applicant, Applicant::Individual { .. }) == collective
    })?;
    let (theirs, ours) = if collective {
        ("an individual (TIN/NPI)", level.label())
    } else {
        ("a group (TIN)", "individuals")
    };
    Some(alert(
        "application_level_differs",
        format!(
            "The application {} is {theirs} application ({}), but the practice reports as {ours}: it does not cover them at that level. Change the reporting level, or apply at the level the practice reports.",
            short(other.id.0),
            other.state.name()
        ),
    ))
}

/// What an approval-ready, audit-ready file still lacks.
fn missing_items(
    r: &PracticeRecords<'_>,
    no_roster: bool,
    apps: &[&Application],
    uncovered: u32,
    year: PerformanceYear,
) -> Vec<String> {
    let mut missing = Vec::new();
    if no_roster {
        missing.push("No clinicians on the roster: add them or import a roster.".to_owned());
    }
    let docs_of = |kind: &str, app: &Application| {
        r.documents.iter().any(|d| {
            d.practice == r.practice.id
                && d.kind == kind
                && d.application.is_none_or(|a| a == app.id)
        })
    };
    for a in apps {
        let sent = rules_status(&a.state).is_some();
        if matches!(a.state, ApplicationState::Withdrawn { .. }) {
            continue;
        }
        if a.draft.reason == HardshipReason::SmallPractice && !docs_of(BARRIER_DOCUMENTATION, a) {
            missing.push(format!(
                "Small-practice barrier documentation not uploaded (application {}): keep it for an audit.",
                short(a.id.0)
            ));
        }
        if matches!(
            a.state,
            ApplicationState::Approved { email: None, .. }
                | ApplicationState::Denied { email: None, .. }
        ) && !docs_of(CMS_DECISION_EMAIL, a)
        {
            missing.push(format!(
                "CMS decision e-mail not on file (application {}).",
                short(a.id.0)
            ));
        }
        if !sent
            && !r.window_closed
            && matches!(a.state, ApplicationState::Draft | ApplicationState::Ready)
        {
            missing.push(format!(
                "Application {} is {} and not yet submitted to CMS.",
                short(a.id.0),
                a.state.name()
            ));
        }
    }
    if uncovered > 0 {
        missing.push(if r.window_closed {
            format!(
                "{uncovered} clinician(s) not reweighted and not covered by an application at the practice's level; the PY {year} application window has closed, so their PI is scored. Check CMS's final feedback when it comes."
            )
        } else {
            format!(
                "{uncovered} clinician(s) not reweighted and not covered by an application at the practice's level: screen the practice for a hardship reason, or mark the year \"will report PI — not applying\"."
            )
        });
    }
    missing
}

/// The first eight hex digits of an id, as the pages show it.
pub fn short(id: uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

#[cfg(test)]
mod tests;

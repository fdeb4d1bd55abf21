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
    Applicant, Application, ApplicationState, Clinician, ClinicianStatus, Document, Practice,
    ReportingProfile,
};
use serde::Serialize;
use std::collections::HashMap;

/// The document kind that holds the small-practice reason's overwhelming-barrier documentation.
pub const BARRIER_DOCUMENTATION: &str = "barrier_documentation";
/// The document kind of CMS's approval or denial e-mail.
pub const CMS_DECISION_EMAIL: &str = "cms_decision_email";

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

fn alert(code: &str, text: impl Into<String>) -> Alert {
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
    pub statuses: Vec<StatusView>,
    /// The decision if the clinician reported individually.
    pub individual: Outcome,
    /// Whether PI is reweighted at the level the practice reports.
    pub reweighted: bool,
    /// The clinician's `pi_basis` at the level the practice reports (what every export writes).
    pub basis: String,
    pub alerts: Vec<Alert>,
}

/// Everything the eligibility view of a practice-year shows.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: uuid::Uuid,
    pub year: u16,
    /// The level the practice reports at.
    pub level: String,
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
    /// The content hash of the year's rule set that produced this.
    pub rule_set_version: String,
}

/// The records an assessment reads. Slices may hold other practices' or years' records; they are filtered.
#[derive(Clone, Copy)]
pub struct PracticeRecords<'a> {
    pub practice: &'a Practice,
    pub profile: &'a ReportingProfile,
    pub clinicians: &'a [&'a Clinician],
    pub statuses: &'a [&'a ClinicianStatus],
    pub applications: &'a [&'a Application],
    pub documents: &'a [&'a Document],
}

/// How much to say: the dashboard needs only the counts, the eligibility view needs the words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Detail {
    Full,
    Counts,
}

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

/// The strongest sent application among `apps`: approved over pending over denied.
fn best_application<'a>(
    apps: impl Iterator<Item = &'a Application>,
) -> Option<eligibility::Application> {
    let rank = |s: ApplicationStatus| match s {
        ApplicationStatus::Approved => 3,
        ApplicationStatus::Pending => 2,
        ApplicationStatus::Denied => 1,
    };
    apps.filter_map(|a| {
        rules_status(&a.state).map(|status| eligibility::Application {
            reason: a.draft.reason,
            status,
        })
    })
    .max_by_key(|a| rank(a.status))
}

fn outcome(rules: &RuleSet, d: &eligibility::Decision<'_>, detail: Detail) -> Outcome {
    Outcome {
        reweighted: d.reweighted,
        basis: d.basis.to_string(),
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
    let size = profile
        .clinician_count
        .unwrap_or_else(|| u32::try_from(r.clinicians.len()).unwrap_or(u32::MAX));
    let level = profile.level;
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
        best_application(apps.iter().copied().filter(
            |a| matches!(a.draft.applicant, Applicant::Individual { npi, .. } if npi == c.npi),
        ))
    };
    let own_apps: Vec<Option<eligibility::Application>> =
        r.clinicians.iter().map(|c| own_application(c)).collect();
    let facts: Vec<ClinicianFacts> = r
        .clinicians
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
    let group_decision = (!r.clinicians.is_empty()).then(|| {
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
            application: best_application(group_apps),
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

    let mut clinicians = Vec::with_capacity(r.clinicians.len());
    let (mut automatic, mut by_hardship, mut not, mut uncovered) = (0u32, 0u32, 0u32, 0u32);
    let mut voided = 0u32;
    let mut group_lost = 0u32;
    for ((c, f), own) in r.clinicians.iter().zip(&facts).zip(&own_apps) {
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
                    d.basis,
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
            statuses: views,
            individual: outcome(rules, &d, detail),
            reweighted: effective.reweighted,
            basis: row_basis.to_string(),
            alerts,
        });
    }

    let mut alerts = Vec::new();
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

    let missing = missing_items(r, &apps, uncovered);
    Assessment {
        practice: practice.id.0,
        year: year.get(),
        level: level.code().to_owned(),
        clinician_count: size,
        small_practice: size <= rules.small_practice.max_clinicians,
        pi_submitted: profile.pi_submitted.code().to_owned(),
        clinicians,
        group,
        reweighted_automatically: automatic,
        reweighted_by_hardship: by_hardship,
        not_reweighted: not,
        needs_application: uncovered,
        alerts,
        missing,
        rule_set_version: rules.version.clone(),
    }
}

/// What an approval-ready, audit-ready file still lacks.
fn missing_items(r: &PracticeRecords<'_>, apps: &[&Application], uncovered: u32) -> Vec<String> {
    let mut missing = Vec::new();
    if r.clinicians.is_empty() {
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
        if !sent && matches!(a.state, ApplicationState::Draft | ApplicationState::Ready) {
            missing.push(format!(
                "Application {} is {} and not yet submitted to CMS.",
                short(a.id.0),
                a.state.name()
            ));
        }
    }
    if uncovered > 0 {
        missing.push(format!(
            "{uncovered} clinician(s) not reweighted and no application sent: screen the practice for a hardship reason, or plan to report PI."
        ));
    }
    missing
}

/// The first eight hex digits of an id, as the pages show it.
pub fn short(id: uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use hardship_rules::{ClinicianType, RuleBook, Tin};
    use hardship_store::testsuite::{draft, npi};
    use hardship_store::{
        ApplicationId, Channel, ClinicianId, Contact, PracticeId, StatusOrigin, TenantId,
    };

    fn practice() -> Practice {
        Practice {
            id: PracticeId(uuid::Uuid::from_u128(1)),
            tenant: TenantId(uuid::Uuid::from_u128(2)),
            tin: Tin::parse("123456789").unwrap(),
            name: "Lakeside".into(),
            address: String::new(),
            contact: Contact {
                name: String::new(),
                email: String::new(),
                phone: String::new(),
            },
            zip: None,
            version: 1,
            created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn clinician(n: u32, t: ClinicianType) -> Clinician {
        Clinician {
            id: ClinicianId(uuid::Uuid::from_u128(100 + u128::from(n))),
            tenant: TenantId(uuid::Uuid::from_u128(2)),
            practice: PracticeId(uuid::Uuid::from_u128(1)),
            npi: npi(n),
            name: format!("Clinician {n}"),
            clinician_type: t,
            version: 1,
            created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn hospital_based(c: &Clinician, year: u16) -> ClinicianStatus {
        ClinicianStatus {
            clinician: c.id,
            year: PerformanceYear::new(year).unwrap(),
            status: SpecialStatus::HospitalBased,
            value: true,
            origin: StatusOrigin::Manual,
            recorded_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn run(
        year: u16,
        profile: ReportingProfile,
        cl: &[Clinician],
        st: &[ClinicianStatus],
        apps: &[Application],
    ) -> Assessment {
        let book = RuleBook::embedded().unwrap();
        let y = PerformanceYear::new(year).unwrap();
        let p = practice();
        let cl: Vec<&Clinician> = cl.iter().collect();
        let st: Vec<&ClinicianStatus> = st.iter().collect();
        let apps: Vec<&Application> = apps.iter().collect();
        assess(
            book.year(y),
            y,
            &PracticeRecords {
                practice: &p,
                profile: &profile,
                clinicians: &cl,
                statuses: &st,
                applications: &apps,
                documents: &[],
            },
            Detail::Full,
        )
    }

    fn roster(n: u32) -> Vec<Clinician> {
        (1..=n)
            .map(|i| clinician(i, ClinicianType::Physician))
            .collect()
    }

    #[test]
    fn a_hospital_based_clinician_in_a_mixed_group_loses_reweighting() {
        // RULEBOOK §4 O2: the group is scored as the group; 1 of 20 hospital-based fails the 2024 group test.
        let cl = roster(20);
        let st = [hospital_based(&cl[0], 2024)];
        let group = ReportingProfile {
            level: ReportingLevel::Group,
            ..ReportingProfile::default()
        };
        let a = run(2024, group, &cl, &st, &[]);
        let first = &a.clinicians[0];
        assert!(first.individual.reweighted, "reweighted on its own");
        assert!(!first.reweighted, "but not as part of the group");
        assert_eq!(first.alerts[0].code, "group_test_not_met");
        assert!(a.alerts.iter().any(|x| x.code == "group_test_not_met"));
        assert_eq!(a.group.as_ref().unwrap().basis, "group_test_not_met");
        assert_eq!((a.reweighted_automatically, a.not_reweighted), (0, 20));
        // Reporting individually keeps it.
        let a = run(2024, ReportingProfile::default(), &cl, &st, &[]);
        assert!(a.clinicians[0].reweighted);
        assert_eq!((a.reweighted_automatically, a.not_reweighted), (1, 19));
        assert!(a.clinicians[0].alerts.is_empty());
    }

    #[test]
    fn submitting_pi_voids_every_reweighting_and_the_alert_says_so() {
        let cl = roster(3);
        let st = [hospital_based(&cl[0], 2024)];
        let p = ReportingProfile {
            pi_submitted: PiSubmission::Qualifying,
            ..ReportingProfile::default()
        };
        let a = run(2024, p, &cl, &st, &[]);
        assert!(!a.clinicians[0].reweighted);
        assert_eq!(a.clinicians[0].individual.basis, "voided_by_pi_submission");
        assert_eq!(a.alerts[0].code, "pi_submission_voids_reweighting");
        // Not submitted: the standing caution instead.
        let a = run(2024, ReportingProfile::default(), &cl, &st, &[]);
        assert_eq!(a.alerts[0].code, "reporting_pi_voids_reweighting");
    }

    #[test]
    fn small_practices_from_2022_are_reweighted_automatically() {
        // RULEBOOK §3.1: automatic small-practice reweighting from PY 2022.
        let a = run(2024, ReportingProfile::default(), &roster(15), &[], &[]);
        assert_eq!(a.reweighted_automatically, 15);
        assert!(a.small_practice);
        assert_eq!(a.clinicians[0].individual.basis, "small_practice");
        let a = run(2024, ReportingProfile::default(), &roster(16), &[], &[]);
        assert_eq!((a.not_reweighted, a.needs_application), (16, 16));
        assert!(a.missing.iter().any(|m| m.contains("16 clinician(s)")));
    }

    #[test]
    fn an_approved_group_application_covers_the_group_and_counts_as_hardship() {
        let cl = roster(20);
        let p = practice();
        let mut d = draft(p.id, 2024, HardshipReason::ExtremeUncontrollable);
        d.applicant = Applicant::Group { tin: p.tin };
        let submitted = ApplicationState::Submitted {
            channel: Channel::Portal,
            reference: "QPP-1".into(),
            at: Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap(),
            by: "x".into(),
        };
        let app = Application {
            id: ApplicationId(uuid::Uuid::from_u128(9)),
            tenant: p.tenant,
            draft: d,
            state: ApplicationState::Approved {
                submitted: Box::new(submitted),
                decided_on: chrono::NaiveDate::from_ymd_opt(2024, 11, 20).unwrap(),
                email: None,
            },
            version: 3,
            created_at: p.created_at,
            updated_at: p.created_at,
        };
        let group = ReportingProfile {
            level: ReportingLevel::Group,
            ..ReportingProfile::default()
        };
        let a = run(2024, group, &cl, &[], std::slice::from_ref(&app));
        assert_eq!(
            a.group.as_ref().unwrap().basis,
            "hardship:extreme_uncontrollable"
        );
        assert_eq!((a.reweighted_by_hardship, a.needs_application), (20, 0));
        assert!(
            a.missing.iter().any(|m| m.contains("CMS decision e-mail")),
            "{:?}",
            a.missing
        );
        // Individually, the group's application does not cover a clinician.
        let a = run(2024, ReportingProfile::default(), &cl, &[], &[app]);
        assert_eq!(a.needs_application, 20);
    }

    #[test]
    fn lacking_cehrt_is_flagged_as_never_a_reason() {
        let p = ReportingProfile {
            has_cehrt: false,
            ..ReportingProfile::default()
        };
        let a = run(2024, p, &roster(20), &[], &[]);
        assert!(
            a.alerts
                .iter()
                .any(|x| x.code == "lacking_cehrt_not_a_reason")
        );
    }

    #[test]
    fn unconfirmed_rules_are_surfaced() {
        // PY 2026 rules are largely unconfirmed in the rule book.
        let a = run(2026, ReportingProfile::default(), &roster(3), &[], &[]);
        assert!(
            a.alerts.iter().any(|x| x.code == "unconfirmed_rule"),
            "{:?}",
            a.alerts
        );
    }
}

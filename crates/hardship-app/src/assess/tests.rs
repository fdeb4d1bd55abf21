//! The assessment's cases: mixed groups, PI submitted, small practices, group applications, rosters
//! per year, closed windows and what is flagged.

#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;
use chrono::{TimeZone, Utc};
use hardship_rules::{ClinicianType, RuleBook, Tin};
use hardship_store::testsuite::{draft, npi};
use hardship_store::{
    ApplicationId, Channel, ClinicianId, Contact, Practice, PracticeId, StatusOrigin, TenantId,
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
        archived: None,
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
        joined_on: None,
        left_on: None,
        archived: None,
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
            window_closed: false,
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
        level_decided: true,
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
    let codes = |a: &Assessment| a.alerts.iter().map(|x| x.code.clone()).collect::<Vec<_>>();
    assert!(codes(&a).contains(&"pi_submission_voids_reweighting".to_owned()));
    // Not submitted: the standing caution instead.
    let a = run(2024, ReportingProfile::default(), &cl, &st, &[]);
    assert!(codes(&a).contains(&"reporting_pi_voids_reweighting".to_owned()));
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
            seen: None,
        },
        version: 3,
        created_at: p.created_at,
        updated_at: p.created_at,
    };
    let group = ReportingProfile {
        level: ReportingLevel::Group,
        level_decided: true,
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
    // While the level is not decided, the group application decides it: the group is reweighted,
    // and the alert says the level was assumed.
    let a = run(
        2024,
        ReportingProfile::default(),
        &cl,
        &[],
        std::slice::from_ref(&app),
    );
    assert_eq!((a.level.as_str(), a.level_decided), ("group", false));
    assert_eq!((a.reweighted_by_hardship, a.needs_application), (20, 0));
    assert!(a.alerts.iter().any(|x| x.code == "level_not_decided"));
    // Reporting individually (decided), the group's application covers nobody, and the page says so.
    let individual = ReportingProfile {
        level: ReportingLevel::Individual,
        level_decided: true,
        ..ReportingProfile::default()
    };
    let a = run(2024, individual, &cl, &[], &[app]);
    assert_eq!(a.needs_application, 20);
    assert!(
        a.alerts
            .iter()
            .any(|x| x.code == "application_level_differs")
    );
}

#[test]
fn each_year_has_its_own_roster() {
    let mut cl = roster(3);
    let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    cl[0].left_on = d(2023, 6, 30);
    cl[1].joined_on = d(2025, 1, 15);
    cl[2].archived = Some(hardship_store::Archive {
        at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        by: "owner@example.test".into(),
        why: "entered twice".into(),
    });
    let names = |y| {
        run(y, ReportingProfile::default(), &cl, &[], &[])
            .clinicians
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(2023), ["Clinician 1"]);
    assert!(names(2024).is_empty());
    assert_eq!(names(2025), ["Clinician 2"]);
    // The practice's size is that year's roster.
    assert_eq!(
        run(2025, ReportingProfile::default(), &cl, &[], &[]).clinician_count,
        1
    );
}

#[test]
fn a_practice_that_will_report_pi_needs_no_application_and_closed_years_stop_asking() {
    let cl = roster(20);
    let a = run(2024, ReportingProfile::default(), &cl, &[], &[]);
    assert_eq!(a.needs_application, 20);
    let p = ReportingProfile {
        not_applying: Some(hardship_store::NotApplying {
            by: "Łukasz Wróbel".into(),
            at: Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap(),
            why: "our EHR vendor is certified; we will report PI".into(),
        }),
        ..ReportingProfile::default()
    };
    let a = run(2024, p, &cl, &[], &[]);
    assert_eq!((a.not_reweighted, a.needs_application), (20, 0));
    assert!(a.not_applying.as_deref().unwrap().contains("Łukasz Wróbel"));
    assert!(
        !a.missing.iter().any(|m| m.contains("screen")),
        "{:?}",
        a.missing
    );
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

//! The reconcile function on records built in memory: PY 2024, a practice of 20 physicians reporting
//! individually (not small), clinician 1 with an approved PI hardship and its decision e-mail on file,
//! clinician 3 hospital-based.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::reconcile::{Known, Outcomes, reconcile};
use crate::assess::{Detail, PracticeRecords, assess};
use chrono::{NaiveDate, TimeZone, Utc};
use hardship_formats::feedback::parse_feedback;
use hardship_rules::{
    ClinicianType, HardshipReason, PerformanceYear, RuleBook, SpecialStatus, Tin,
};
use hardship_store::testsuite::{draft, npi};
use hardship_store::*;

const HEADER: &str = "tin,npi,performance_year,final_score,quality_score,cost_score,ia_score,pi_score,quality_weight,cost_weight,ia_weight,pi_weight,payment_adjustment\n";

fn tenant() -> TenantId {
    TenantId(uuid::Uuid::from_u128(2))
}

fn practice() -> Practice {
    Practice {
        id: PracticeId(uuid::Uuid::from_u128(1)),
        tenant: tenant(),
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

fn clinician(n: u32) -> Clinician {
    Clinician {
        id: ClinicianId(uuid::Uuid::from_u128(100 + u128::from(n))),
        tenant: tenant(),
        practice: PracticeId(uuid::Uuid::from_u128(1)),
        npi: npi(n),
        name: format!("Clinician {n}"),
        clinician_type: ClinicianType::Physician,
        joined_on: None,
        left_on: None,
        archived: None,
        version: 1,
        created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn email() -> Document {
    Document {
        id: DocumentId(uuid::Uuid::from_u128(77)),
        tenant: tenant(),
        practice: practice().id,
        application: Some(ApplicationId(uuid::Uuid::from_u128(9))),
        kind: crate::assess::CMS_DECISION_EMAIL.into(),
        filename: "cms-approval.eml".into(),
        content_type: "message/rfc822".into(),
        size: 10,
        sha256: [0; 32],
        object_key: "k".into(),
        retain_until: NaiveDate::from_ymd_opt(2034, 12, 31).unwrap(),
        uploaded_by: "staff@example.test".into(),
        uploaded_at: Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0).unwrap(),
        note: String::new(),
        superseded_by: None,
    }
}

fn approved_for_clinician_1() -> Application {
    let p = practice();
    let mut d = draft(p.id, 2024, HardshipReason::InsufficientInternet);
    d.applicant = Applicant::Individual {
        npi: npi(1),
        tin: p.tin,
    };
    Application {
        id: ApplicationId(uuid::Uuid::from_u128(9)),
        tenant: p.tenant,
        draft: d,
        state: ApplicationState::Approved {
            submitted: Box::new(ApplicationState::Submitted {
                channel: Channel::Portal,
                reference: "QPP-1".into(),
                at: Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap(),
                by: "x".into(),
            }),
            decided_on: NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
            email: Some(email().id),
            seen: None,
        },
        version: 3,
        created_at: p.created_at,
        updated_at: p.created_at,
    }
}

/// Reconciles `rows` (plain-layout lines after the header) against the practice.
fn run(rows: &str) -> Outcomes {
    run_with(rows, &[])
}

/// The same with more applications.
fn run_with(rows: &str, more: &[Application]) -> Outcomes {
    let book = RuleBook::embedded().unwrap();
    let y = PerformanceYear::new(2024).unwrap();
    let p = practice();
    let cl: Vec<Clinician> = (1..=20).map(clinician).collect();
    let st = [ClinicianStatus {
        clinician: cl[2].id,
        year: y,
        status: SpecialStatus::HospitalBased,
        value: true,
        origin: StatusOrigin::Manual,
        recorded_at: p.created_at,
    }];
    let apps: Vec<Application> = [approved_for_clinician_1()]
        .into_iter()
        .chain(more.iter().cloned())
        .collect();
    let docs = [email()];
    let profile = ReportingProfile::default();
    let a = assess(
        book.year(y),
        y,
        &PracticeRecords {
            practice: &p,
            profile: &profile,
            clinicians: &cl.iter().collect::<Vec<_>>(),
            statuses: &st.iter().collect::<Vec<_>>(),
            applications: &apps.iter().collect::<Vec<_>>(),
            documents: &docs.iter().collect::<Vec<_>>(),
            window_closed: true,
        },
        Detail::Full,
    );
    let feedback = parse_feedback(format!("{HEADER}{rows}").as_bytes(), y).unwrap();
    reconcile(
        book.year(y),
        &feedback,
        &[Known {
            practice: &p,
            assessment: &a,
            applications: &apps,
            documents: &docs,
        }],
    )
}

fn codes(o: &Outcomes) -> Vec<&str> {
    o.discrepancies.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn an_approved_hardship_weighted_at_25_percent_opens_a_candidate_naming_the_approval_and_its_email()
{
    // 42 CFR 414.1380(c)(2)(i)(C) (ECFR-414.1380-2023): an approved PI hardship reweights PI to 0 %;
    // CMS weighted it at the PY 2024 base weights (Q 30 / C 30 / IA 15 / PI 25, [AAFP]).
    let o = run(&format!(
        "123456789,{},2024,75,80,70,100,60,30,30,15,25,0.1\n",
        npi(1)
    ));
    assert_eq!(codes(&o), ["approved_hardship_not_applied"]);
    let d = &o.discrepancies[0];
    assert!(d.reviewable);
    assert!(d.text.contains("at 25 %"), "{}", d.text);
    assert!(d.text.contains("approved on 2025-01-15"), "{}", d.text);
    assert!(d.text.contains("cms-approval.eml"), "{}", d.text);
    let app = format!("application:{}", uuid::Uuid::from_u128(9));
    let doc = format!("document:{}", uuid::Uuid::from_u128(77));
    assert!(
        d.evidence.contains(&app) && d.evidence.contains(&doc),
        "{:?}",
        d.evidence
    );
    assert!(!d.sources.is_empty(), "the rule's sources are cited");
    assert_eq!(o.candidates.len(), 1);
    let c = &o.candidates[0];
    assert_eq!((c.npi, c.tin.as_str()), (Some(npi(1)), "123456789"));
    assert_eq!(c.codes, ["approved_hardship_not_applied"]);
    assert!(c.evidence.contains(&app) && c.evidence.contains(&doc));
}

#[test]
fn a_file_that_agrees_opens_nothing() {
    // PY 2024, PI reweighted, not small: Q 55 / C 30 / IA 15 (414.1380(c)(2)(ii)(F), ECFR-414.1380-2023);
    // 80·.55 + 70·.30 + 100·.15 = 80. Clinician 2: base weights, 80·.3 + 70·.3 + 100·.15 + 60·.25 = 75.
    let o = run(&format!(
        "123456789,{},2024,80,80,70,100,,55,30,15,0,0.2\n123456789,{},2024,75,80,70,100,60,30,30,15,25,0.1\n",
        npi(1),
        npi(2)
    ));
    assert_eq!(codes(&o), Vec::<&str>::new());
    assert_eq!((o.matched, o.agreed, o.candidates.len()), (2, 2, 0));
}

#[test]
fn a_hospital_based_clinician_weighted_is_an_automatic_reweighting_not_applied() {
    // 414.1380(c)(2)(i)(A) (ECFR-414.1380-2023): hospital-based clinicians are reweighted automatically.
    let o = run(&format!(
        "123456789,{},2024,75,80,70,100,60,30,30,15,25,\n",
        npi(3)
    ));
    assert_eq!(codes(&o), ["automatic_reweighting_not_applied"]);
    assert_eq!(o.candidates.len(), 1);
}

#[test]
fn reweighting_we_did_not_expect_says_our_rule_or_data_may_be_wrong_and_opens_nothing() {
    let o = run(&format!(
        "123456789,{},2024,80,80,70,100,,55,30,15,0,\n",
        npi(2)
    ));
    assert_eq!(codes(&o), ["unexpected_reweighting"]);
    assert!(
        o.discrepancies[0]
            .text
            .contains("our rule or data may be wrong")
    );
    assert!(!o.discrepancies[0].reviewable);
    assert!(o.candidates.is_empty());
}

#[test]
fn weights_off_the_table_and_a_final_score_off_by_more_than_a_hundredth_are_named() {
    // Q 50 / C 30 / IA 20 / PI 0 is no PY 2024 row (414.1380(c)(2)(ii)(F)); and 80 ≠ 80·.5+70·.3+100·.2.
    let o = run(&format!(
        "123456789,{},2024,80,80,70,100,,50,30,20,0,\n",
        npi(1)
    ));
    assert_eq!(
        codes(&o),
        ["weights_not_redistribution_row", "final_score_differs"]
    );
    assert!(
        o.discrepancies[0]
            .text
            .contains("Q 55 / C 30 / IA 15 / PI 0")
    );
    assert!(
        o.discrepancies[1].text.contains("give 81.00"),
        "{}",
        o.discrepancies[1].text
    );
    assert_eq!(o.candidates[0].codes.len(), 2, "one candidate per subject");
    // Within 0.01 is agreement.
    let o = run(&format!(
        "123456789,{},2024,80.005,80,70,100,,55,30,15,0,\n",
        npi(1)
    ));
    assert!(o.discrepancies.is_empty());
}

#[test]
fn a_row_for_someone_we_do_not_know_is_listed_not_reviewed() {
    let o = run(&format!(
        "987654321,{},2024,80,80,70,100,,55,30,15,0,\n",
        npi(1)
    ));
    assert_eq!(codes(&o), ["unknown_subject"]);
    assert!(o.candidates.is_empty());
}

/// An approved EUC exception for clinician 4 covering quality and cost (a disaster).
fn euc_approved_for_clinician_4() -> Application {
    let mut a = approved_for_clinician_1();
    a.id = ApplicationId(uuid::Uuid::from_u128(10));
    a.draft.applicant = Applicant::Individual {
        npi: npi(4),
        tin: practice().tin,
    };
    a.draft.euc = Some(EucRequest {
        categories: vec![
            hardship_rules::Category::Quality,
            hardship_rules::Category::Cost,
        ],
        event: hardship_rules::model::EucEventType::Disaster,
    });
    if let ApplicationState::Approved { email, .. } = &mut a.state {
        *email = None;
    }
    a
}

#[test]
fn an_approved_euc_whose_categories_cms_weighted_opens_a_candidate_naming_the_approval() {
    // 42 CFR 414.1380(c)(2)(i)(A)(6) (ECFR-414.1380-2023): an approved EUC application reweights quality
    // and cost; CMS weighted clinician 4 at the PY 2024 base weights (Q 30 / C 30 / IA 15 / PI 25).
    let o = run_with(
        &format!("123456789,{},2024,75,80,70,100,60,30,30,15,25,\n", npi(4)),
        &[euc_approved_for_clinician_4()],
    );
    assert_eq!(codes(&o), ["approved_euc_not_applied"]);
    let d = &o.discrepancies[0];
    assert!(d.reviewable);
    assert!(d.text.contains("Quality at 30 %"), "{}", d.text);
    assert!(d.text.contains("Cost at 30 %"), "{}", d.text);
    assert!(d.text.contains("approved on 2025-01-15"), "{}", d.text);
    assert!(d.text.contains("e-mail is not on file"), "{}", d.text);
    assert!(
        d.evidence
            .contains(&format!("application:{}", uuid::Uuid::from_u128(10)))
    );
    assert_eq!(o.candidates.len(), 1);
    // CMS applied it: PY 2024 with quality and cost out is IA 15 / PI 85 (414.1380(c)(2)(ii)(F));
    // 100·.15 + 60·.85 = 66.
    let o = run_with(
        &format!("123456789,{},2024,66,,,100,60,0,0,15,85,\n", npi(4)),
        &[euc_approved_for_clinician_4()],
    );
    assert_eq!(codes(&o), Vec::<&str>::new(), "{:?}", o.discrepancies);
    // Another clinician's row is not covered by clinician 4's application.
    let o = run_with(
        &format!(
            "123456789,{},2024,75,80,70,100,60,30,30,15,25,0.1\n",
            npi(2)
        ),
        &[euc_approved_for_clinician_4()],
    );
    assert_eq!(codes(&o), Vec::<&str>::new());
}

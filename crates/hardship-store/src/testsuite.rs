//! The behaviour suite every backend passes: tenant isolation for every entity, one audit event per
//! change with an intact chain, optimistic concurrency, bad input refused with nothing written, the
//! application state machine with its deadline, status precedence, and concurrent writers.
//!
//! A backend's tests implement [`StoreFactory`] (a fresh, empty store per call) and call [`run_all`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::application::Transition;
use crate::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hardship_rules::{ClinicianType, HardshipReason, Npi, PerformanceYear, SpecialStatus, Tin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A clock tests move by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(t)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Ids 1, 2, 3, ... (as UUIDs), so runs are repeatable.
pub struct SequentialIds(AtomicU64);

impl SequentialIds {
    pub fn new() -> Arc<SequentialIds> {
        Arc::new(SequentialIds(AtomicU64::new(1)))
    }
}

impl Ids for SequentialIds {
    fn new_id(&self) -> uuid::Uuid {
        uuid::Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::SeqCst)))
    }
}

#[async_trait::async_trait]
pub trait StoreFactory: Send + Sync {
    /// A fresh, empty, migrated store using `env`.
    async fn make(&self, env: Env) -> Arc<dyn Store>;
}

pub fn npi(n: u32) -> Npi {
    let base = format!("{:09}", 100_000_000 + n);
    let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
    Npi::parse(&format!("{base}{d}")).unwrap()
}

fn owner() -> Actor {
    Actor {
        user: None,
        label: "owner@example.test".into(),
        role: Role::Owner,
    }
}

fn auditor() -> Actor {
    Actor {
        user: None,
        label: "auditor@example.test".into(),
        role: Role::Auditor,
    }
}

fn in_2024() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 1, 12, 0, 0).unwrap()
}

fn practice(tin: &str) -> NewPractice {
    NewPractice {
        tin: Tin::parse(tin).unwrap(),
        name: "Lakeside Family Medicine".into(),
        address: "1 Main St, Springfield".into(),
        contact: Contact {
            name: "Pat Doe".into(),
            email: "pat@lakeside.test".into(),
            phone: "555-0100".into(),
        },
        zip: None,
    }
}

pub fn draft(practice: PracticeId, year: u16, reason: HardshipReason) -> ApplicationDraft {
    ApplicationDraft {
        practice,
        year: PerformanceYear::new(year).unwrap(),
        applicant: Applicant::Group {
            tin: Tin::parse("123456789").unwrap(),
        },
        reason,
        circumstance_start: NaiveDate::from_ymd_opt(i32::from(year), 3, 1),
        circumstance_end: NaiveDate::from_ymd_opt(i32::from(year), 6, 30),
        description: "Hurricane destroyed the server room; EHR unavailable for four months.".into(),
        submitter: Submitter {
            first_name: "Pat".into(),
            last_name: "Doe".into(),
            email: "pat@lakeside.test".into(),
            phone: "555-0100".into(),
            extension: String::new(),
        },
        euc_kind: Some(hardship_rules::screening::EucKind::Disaster),
        facts: ApplicationFacts {
            clinician_count: Some(12),
            insufficient_internet: true,
            ..ApplicationFacts::default()
        },
        attested: true,
    }
}

struct World {
    store: Arc<dyn Store>,
    clock: Arc<TestClock>,
    a: TenantId,
    b: TenantId,
    practice: Practice,
    clinician: Clinician,
    application: Application,
    document: Document,
}

async fn world(f: &dyn StoreFactory) -> World {
    let clock = TestClock::at(in_2024());
    let store = f
        .make(Env {
            clock: clock.clone(),
            ids: SequentialIds::new(),
        })
        .await;
    let a = store
        .create_organization(&owner(), "Acme Consulting", OrganizationKind::Consultancy)
        .await
        .unwrap()
        .id;
    let b = store
        .create_organization(&owner(), "Other Practice", OrganizationKind::Practice)
        .await
        .unwrap()
        .id;
    let practice = store
        .create_practice(a, &owner(), practice("123456789"))
        .await
        .unwrap();
    let clinician = store
        .add_clinician(
            a,
            &owner(),
            practice.id,
            NewClinician {
                npi: npi(1),
                name: "Dr. Ada".into(),
                clinician_type: ClinicianType::Physician,
            },
        )
        .await
        .unwrap();
    let application = store
        .create_application(
            a,
            &owner(),
            draft(practice.id, 2024, HardshipReason::ExtremeUncontrollable),
        )
        .await
        .unwrap();
    let document = store
        .record_document(
            a,
            &owner(),
            new_document(practice.id, Some(application.id), 900),
        )
        .await
        .unwrap();
    World {
        store,
        clock,
        a,
        b,
        practice,
        clinician,
        application,
        document,
    }
}

fn new_document(practice: PracticeId, application: Option<ApplicationId>, n: u128) -> NewDocument {
    NewDocument {
        id: DocumentId(uuid::Uuid::from_u128(1_000_000 + n)),
        practice,
        application,
        kind: "barrier_documentation".into(),
        filename: "barriers.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
        sha256: [7; 32],
        object_key: format!("tenants/x/documents/{n}"),
        retain_until: NaiveDate::from_ymd_opt(2034, 12, 31).unwrap(),
    }
}

/// Runs every case; panics with the case's name on the first failure.
pub async fn run_all(f: &dyn StoreFactory) {
    tenant_isolation(f).await;
    one_audit_event_per_change(f).await;
    optimistic_concurrency(f).await;
    bad_input_writes_nothing(f).await;
    auditor_changes_nothing(f).await;
    application_lifecycle(f).await;
    illegal_transitions_and_deadline(f).await;
    status_precedence(f).await;
    decisions_keep_rule_set_version(f).await;
    concurrent_writers_keep_one_chain(f).await;
    sessions_and_api_tokens(f).await;
    clinician_edits_and_roster_import(f).await;
    practice_year_profiles(f).await;
    revision_follows_every_change(f).await;
    invitations(f).await;
    session_tenant_and_sign_out_everywhere(f).await;
    text_limits_are_the_same_everywhere(f).await;
    sign_in_attempts_are_reserved_counted_and_released(f).await;
    concurrent_sign_in_attempts_cannot_exceed_the_limit(f).await;
    racing_invitations_make_one_account(f).await;
}

fn is_not_found<T: std::fmt::Debug>(r: StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

/// An empty list or "no such parent": the two ways a backend may say another tenant has nothing here.
fn finds_nothing<T>(r: StoreResult<Vec<T>>) -> bool {
    matches!(r, Ok(ref v) if v.is_empty()) || matches!(r, Err(StoreError::NotFound { .. }))
}

pub async fn tenant_isolation(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, b) = (&w.store, w.b);
    assert!(
        is_not_found(s.get_practice(b, w.practice.id).await),
        "practice leaks across tenants"
    );
    assert!(s.list_practices(b).await.unwrap().is_empty());
    assert!(
        is_not_found(s.get_clinician(b, w.clinician.id).await),
        "clinician leaks"
    );
    assert!(
        is_not_found(s.list_clinicians(b, w.practice.id).await),
        "roster leaks"
    );
    assert!(
        is_not_found(s.get_application(b, w.application.id).await),
        "application leaks"
    );
    assert!(s.list_applications(b, None).await.unwrap().is_empty());
    assert!(
        is_not_found(s.get_document(b, w.document.id).await),
        "document leaks"
    );
    assert!(s.list_documents(b, None).await.unwrap().is_empty());
    // Another tenant's practice: nothing to list, or no such practice; either way, nothing leaks.
    assert!(finds_nothing(
        s.list_documents(b, Some(w.practice.id)).await
    ));
    assert!(finds_nothing(s.list_decisions(b, w.practice.id).await));
    assert!(is_not_found(
        s.statuses(b, w.practice.id, PerformanceYear::new(2024).unwrap())
            .await
    ));
    assert!(
        s.audit_events(b, Some(&w.practice.id.to_string()))
            .await
            .unwrap()
            .is_empty()
    );
    // Writes through another tenant find nothing and write nothing.
    let upd = PracticeUpdate {
        name: "Hijacked".into(),
        address: String::new(),
        contact: w.practice.contact.clone(),
        zip: None,
    };
    assert!(is_not_found(
        s.update_practice(b, &owner(), w.practice.id, 1, upd).await
    ));
    let nc = NewClinician {
        npi: npi(2),
        name: "Mallory".into(),
        clinician_type: ClinicianType::Physician,
    };
    assert!(is_not_found(
        s.add_clinician(b, &owner(), w.practice.id, nc).await
    ));
    assert!(is_not_found(
        s.transition_application(b, &owner(), w.application.id, 1, Transition::MarkReady)
            .await
    ));
    assert!(is_not_found(
        s.update_application(
            b,
            &owner(),
            w.application.id,
            1,
            w.application.draft.clone()
        )
        .await
    ));
    assert!(is_not_found(
        s.create_application(
            b,
            &owner(),
            draft(w.practice.id, 2024, HardshipReason::InsufficientInternet)
        )
        .await
    ));
    assert!(is_not_found(
        s.record_document(b, &owner(), new_document(w.practice.id, None, 901))
            .await
    ));
    assert!(is_not_found(
        s.record_refused_deletion(b, &owner(), w.document.id, "x")
            .await
    ));
    let st = ClinicianStatus {
        clinician: w.clinician.id,
        year: PerformanceYear::new(2024).unwrap(),
        status: SpecialStatus::HospitalBased,
        value: true,
        origin: StatusOrigin::Manual,
        recorded_at: in_2024(),
    };
    assert!(is_not_found(s.set_status(b, &owner(), st).await));
    let dec = StoredDecision {
        id: DecisionId(uuid::Uuid::from_u128(77)),
        tenant: b,
        practice: w.practice.id,
        clinician: None,
        year: PerformanceYear::new(2024).unwrap(),
        rule_set_version: "2024-x".into(),
        reweighted: true,
        basis: "small_practice".into(),
        explanation: serde_json::json!({}),
        decided_at: in_2024(),
    };
    assert!(is_not_found(s.record_decision(b, &owner(), dec).await));
    // Tenant A is untouched and B's chain holds only its own creation.
    assert_eq!(
        s.get_practice(w.a, w.practice.id).await.unwrap().name,
        "Lakeside Family Medicine"
    );
    assert_eq!(s.audit_events(b, None).await.unwrap().len(), 1);
    assert_eq!(s.verify_audit(b).await.unwrap(), Ok(1));
}

pub async fn one_audit_event_per_change(f: &dyn StoreFactory) {
    let w = world(f).await;
    let events = w.store.audit_events(w.a, None).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "organization.create",
            "practice.create",
            "clinician.add",
            "application.create",
            "document.upload"
        ]
    );
    assert!(events.iter().all(|e| e.actor_label == "owner@example.test"));
    assert_eq!(w.store.verify_audit(w.a).await.unwrap(), Ok(5));
    let app = w
        .store
        .transition_application(w.a, &owner(), w.application.id, 1, Transition::MarkReady)
        .await
        .unwrap();
    assert_eq!(app.version, 2);
    let events = w
        .store
        .audit_events(w.a, Some(&w.application.id.to_string()))
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].action, "application.ready");
    assert_eq!(w.store.verify_audit(w.a).await.unwrap(), Ok(6));
}

pub async fn optimistic_concurrency(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let upd = PracticeUpdate {
        name: "Lakeside Health".into(),
        address: "2 Main St".into(),
        contact: w.practice.contact.clone(),
        zip: None,
    };
    let p = s
        .update_practice(w.a, &owner(), w.practice.id, 1, upd.clone())
        .await
        .unwrap();
    assert_eq!((p.version, p.name.as_str()), (2, "Lakeside Health"));
    let stale = s
        .update_practice(w.a, &owner(), w.practice.id, 1, upd)
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let a1 = s
        .transition_application(w.a, &owner(), w.application.id, 1, Transition::MarkReady)
        .await
        .unwrap();
    let stale = s
        .transition_application(w.a, &owner(), w.application.id, 1, Transition::Withdraw)
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(
        s.get_application(w.a, w.application.id)
            .await
            .unwrap()
            .version,
        a1.version
    );
}

pub async fn bad_input_writes_nothing(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let before = s.audit_events(w.a, None).await.unwrap().len();
    // Duplicate NPI on the roster, alone and inside a batch: nothing of the batch is written.
    let dup = NewClinician {
        npi: npi(1),
        name: "Dr. Ada again".into(),
        clinician_type: ClinicianType::Physician,
    };
    let e = s
        .add_clinician(w.a, &owner(), w.practice.id, dup.clone())
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&npi(1).to_string()), "{e}");
    let batch = vec![
        NewClinician {
            npi: npi(3),
            name: "Dr. Bea".into(),
            clinician_type: ClinicianType::NursePractitioner,
        },
        dup,
    ];
    assert!(matches!(
        s.add_clinicians(w.a, &owner(), w.practice.id, batch).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert_eq!(
        s.list_clinicians(w.a, w.practice.id).await.unwrap().len(),
        1
    );
    // Impossible dates and reasons the year does not accept.
    let mut d = draft(w.practice.id, 2024, HardshipReason::ExtremeUncontrollable);
    d.circumstance_end = NaiveDate::from_ymd_opt(2024, 1, 1);
    let e = s.create_application(w.a, &owner(), d).await.unwrap_err();
    assert!(e.to_string().contains("circumstance_end"), "{e}");
    let mut d = draft(w.practice.id, 2024, HardshipReason::ExtremeUncontrollable);
    d.circumstance_start = NaiveDate::from_ymd_opt(2025, 2, 1);
    d.circumstance_end = NaiveDate::from_ymd_opt(2025, 3, 1);
    assert!(matches!(
        s.create_application(w.a, &owner(), d).await,
        Err(StoreError::Invalid {
            field: "circumstance_start",
            ..
        })
    ));
    let e = s
        .create_application(
            w.a,
            &owner(),
            draft(w.practice.id, 2024, HardshipReason::SmallPractice),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("does not accept"), "{e}");
    let mut p = practice("987654321");
    p.name = "  ".into();
    assert!(matches!(
        s.create_practice(w.a, &owner(), p).await,
        Err(StoreError::Invalid { field: "name", .. })
    ));
    let mut doc = new_document(w.practice.id, None, 902);
    doc.filename = "../../etc/passwd".into();
    assert!(matches!(
        s.record_document(w.a, &owner(), doc).await,
        Err(StoreError::Invalid {
            field: "filename",
            ..
        })
    ));
    assert!(matches!(
        s.create_user("not-an-email", "x").await,
        Err(StoreError::Invalid { field: "email", .. })
    ));
    s.create_user("Pat@Example.test", "h").await.unwrap();
    assert!(matches!(
        s.create_user("pat@example.TEST", "h").await,
        Err(StoreError::Duplicate { field: "email", .. })
    ));
    assert_eq!(
        s.audit_events(w.a, None).await.unwrap().len(),
        before,
        "a refused change left an audit event"
    );
    assert_eq!(s.list_applications(w.a, None).await.unwrap().len(), 1);
}

pub async fn auditor_changes_nothing(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let forbidden =
        |r: StoreResult<()>| assert!(matches!(r, Err(StoreError::Forbidden(_))), "{r:?}");
    forbidden(
        s.create_practice(w.a, &auditor(), practice("111111111"))
            .await
            .map(|_| ()),
    );
    let nc = NewClinician {
        npi: npi(5),
        name: "Dr. Eve".into(),
        clinician_type: ClinicianType::Physician,
    };
    forbidden(
        s.add_clinician(w.a, &auditor(), w.practice.id, nc)
            .await
            .map(|_| ()),
    );
    forbidden(
        s.transition_application(w.a, &auditor(), w.application.id, 1, Transition::MarkReady)
            .await
            .map(|_| ()),
    );
    forbidden(
        s.update_application(
            w.a,
            &auditor(),
            w.application.id,
            1,
            w.application.draft.clone(),
        )
        .await
        .map(|_| ()),
    );
    forbidden(
        s.create_application(w.a, &auditor(), w.application.draft.clone())
            .await
            .map(|_| ()),
    );
    forbidden(
        s.record_document(w.a, &auditor(), new_document(w.practice.id, None, 903))
            .await
            .map(|_| ()),
    );
    let upd = PracticeUpdate {
        name: "x".into(),
        address: String::new(),
        contact: w.practice.contact.clone(),
        zip: None,
    };
    forbidden(
        s.update_practice(w.a, &auditor(), w.practice.id, 1, upd)
            .await
            .map(|_| ()),
    );
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), before);
    // Reading is what auditors are for.
    assert_eq!(s.list_documents(w.a, None).await.unwrap().len(), 1);
}

pub async fn application_lifecycle(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let id = w.application.id;
    let app = s
        .transition_application(a, &owner(), id, 1, Transition::MarkReady)
        .await
        .unwrap();
    assert_eq!(app.state, ApplicationState::Ready);
    // Editing a ready application sends it back to draft.
    let mut d = app.draft.clone();
    d.description.push_str(" Generator failed too.");
    let app = s
        .update_application(a, &owner(), id, app.version, d)
        .await
        .unwrap();
    assert_eq!(app.state, ApplicationState::Draft);
    let app = s
        .transition_application(a, &owner(), id, app.version, Transition::MarkReady)
        .await
        .unwrap();
    let submit = Transition::Submit {
        channel: Channel::Phone,
        reference: "QPP-CALL-778812".into(),
    };
    let app = s
        .transition_application(a, &owner(), id, app.version, submit)
        .await
        .unwrap();
    match &app.state {
        ApplicationState::Submitted {
            channel,
            reference,
            by,
            at,
        } => {
            assert_eq!(
                (*channel, reference.as_str(), by.as_str()),
                (Channel::Phone, "QPP-CALL-778812", "owner@example.test")
            );
            assert_eq!(*at, in_2024());
        }
        s => panic!("expected submitted, got {s:?}"),
    }
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 2, 3, 9, 0, 0).unwrap());
    let email = s
        .record_document(a, &owner(), new_document(w.practice.id, Some(id), 904))
        .await
        .unwrap();
    let approve = Transition::Approve {
        decided_on: NaiveDate::from_ymd_opt(2025, 2, 1).unwrap(),
        email: Some(email.id),
    };
    let app = s
        .transition_application(a, &owner(), id, app.version, approve)
        .await
        .unwrap();
    assert_eq!(app.state.name(), "approved");
    let void = Transition::VoidByPiSubmission {
        note: "registry sent PI measures".into(),
    };
    let app = s
        .transition_application(a, &owner(), id, app.version, void)
        .await
        .unwrap();
    assert_eq!(app.state.name(), "voided_by_pi_submission");
    let history: Vec<String> = s
        .audit_events(a, Some(&id.to_string()))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        history,
        [
            "application.create",
            "application.ready",
            "application.edit",
            "application.ready",
            "application.submit",
            "application.approve",
            "application.void"
        ]
    );
    assert!(s.verify_audit(a).await.unwrap().is_ok());
}

pub async fn illegal_transitions_and_deadline(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a, id) = (&w.store, w.a, w.application.id);
    let approve = Transition::Approve {
        decided_on: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
        email: None,
    };
    let e = s
        .transition_application(a, &owner(), id, 1, approve)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot approve an application that is draft"),
        "{e}"
    );
    let submit = Transition::Submit {
        channel: Channel::Portal,
        reference: "C-1".into(),
    };
    assert!(matches!(
        s.transition_application(a, &owner(), id, 1, submit.clone())
            .await,
        Err(StoreError::IllegalTransition { .. })
    ));
    let app = s
        .transition_application(a, &owner(), id, 1, Transition::MarkReady)
        .await
        .unwrap();
    // Missing confirmation number.
    let blank = Transition::Submit {
        channel: Channel::Portal,
        reference: " ".into(),
    };
    assert!(matches!(
        s.transition_application(a, &owner(), id, app.version, blank)
            .await,
        Err(StoreError::Invalid {
            field: "reference",
            ..
        })
    ));
    // The 2024 window closed on Dec 31 2024 at 8 p.m. ET (01:00 UTC on Jan 1 2025).
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 1, 1, 1, 0, 0).unwrap());
    let e = s
        .transition_application(a, &owner(), id, app.version, submit.clone())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("window closed"), "{e}");
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 1, 1, 0, 59, 59).unwrap());
    let app = s
        .transition_application(a, &owner(), id, app.version, submit)
        .await
        .unwrap();
    assert_eq!(app.state.name(), "submitted");
    let deny_early = Transition::Deny {
        decided_on: NaiveDate::from_ymd_opt(2024, 12, 1).unwrap(),
        email: None,
    };
    assert!(matches!(
        s.transition_application(a, &owner(), id, app.version, deny_early)
            .await,
        Err(StoreError::Invalid {
            field: "decided_on",
            ..
        })
    ));
    let app = s
        .transition_application(a, &owner(), id, app.version, Transition::Withdraw)
        .await
        .unwrap();
    for t in [
        Transition::MarkReady,
        Transition::Withdraw,
        Transition::BackToDraft,
    ] {
        assert!(matches!(
            s.transition_application(a, &owner(), id, app.version, t)
                .await,
            Err(StoreError::IllegalTransition { .. })
        ));
    }
    let mut d = app.draft.clone();
    d.description = "changed".into();
    assert!(matches!(
        s.update_application(a, &owner(), id, app.version, d).await,
        Err(StoreError::IllegalTransition { .. })
    ));
}

pub async fn status_precedence(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let y = PerformanceYear::new(2024).unwrap();
    let status = |value: bool, origin: StatusOrigin| ClinicianStatus {
        clinician: w.clinician.id,
        year: y,
        status: SpecialStatus::HospitalBased,
        value,
        origin,
        recorded_at: in_2024(),
    };
    s.set_status(a, &owner(), status(false, StatusOrigin::Manual))
        .await
        .unwrap();
    let cms = StatusOrigin::CmsEligibility {
        retrieved_on: NaiveDate::from_ymd_opt(2024, 10, 15).unwrap(),
    };
    s.set_status(a, &owner(), status(true, cms)).await.unwrap();
    let e = s
        .set_status(a, &owner(), status(false, StatusOrigin::Manual))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("from CMS eligibility data, retrieved on 2024-10-15"),
        "{e}"
    );
    let st = s.statuses(a, w.practice.id, y).await.unwrap();
    assert_eq!(st.len(), 1);
    assert!(st[0].value);
    assert_eq!(st[0].origin, cms);
}

pub async fn decisions_keep_rule_set_version(f: &dyn StoreFactory) {
    let w = world(f).await;
    let d = StoredDecision {
        id: DecisionId(uuid::Uuid::from_u128(4242)),
        tenant: w.a,
        practice: w.practice.id,
        clinician: Some(w.clinician.id),
        year: PerformanceYear::new(2024).unwrap(),
        rule_set_version: "2024-00112233aabbccdd".into(),
        reweighted: true,
        basis: "special_status:hospital_based".into(),
        explanation: serde_json::json!({"summary": "reweighted", "sources": ["ASA-SS-2024"]}),
        decided_at: in_2024(),
    };
    w.store
        .record_decision(w.a, &owner(), d.clone())
        .await
        .unwrap();
    let got = w.store.list_decisions(w.a, w.practice.id).await.unwrap();
    assert_eq!(got, vec![d]);
}

pub async fn concurrent_writers_keep_one_chain(f: &dyn StoreFactory) {
    let w = world(f).await;
    let mut tasks = Vec::new();
    for t in 0..8u32 {
        let s = w.store.clone();
        let (a, p) = (w.a, w.practice.id);
        tasks.push(tokio::spawn(async move {
            for i in 0..10u32 {
                let nc = NewClinician {
                    npi: npi(1000 + t * 100 + i),
                    name: format!("Dr. {t}-{i}"),
                    clinician_type: ClinicianType::Physician,
                };
                s.add_clinician(a, &owner(), p, nc).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        w.store
            .list_clinicians(w.a, w.practice.id)
            .await
            .unwrap()
            .len(),
        81
    );
    assert_eq!(w.store.verify_audit(w.a).await.unwrap(), Ok(85));
}

pub async fn sessions_and_api_tokens(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$stub")
        .await
        .unwrap();
    let now = in_2024();
    let session = Session {
        token_hash: [1; 32],
        user: user.id,
        tenant: Some(w.a),
        csrf_token: "csrf-abc".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    };
    s.create_session(session.clone()).await.unwrap();
    assert_eq!(
        s.get_session(&[1; 32], now).await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(
        s.get_session(&[2; 32], now).await.unwrap(),
        None,
        "an unknown token finds nothing"
    );
    assert_eq!(
        s.get_session(&[1; 32], session.expires_at).await.unwrap(),
        None,
        "expired at its expiry instant"
    );
    let stale = Session {
        token_hash: [3; 32],
        expires_at: now - chrono::Duration::seconds(1),
        ..session.clone()
    };
    s.create_session(stale).await.unwrap();
    assert_eq!(s.purge_sessions(now).await.unwrap(), 1);
    s.delete_session(&[1; 32]).await.unwrap();
    assert_eq!(
        s.get_session(&[1; 32], now).await.unwrap(),
        None,
        "signed out"
    );
    let ghost = Session {
        token_hash: [4; 32],
        user: UserId(uuid::Uuid::from_u128(999_999)),
        ..session
    };
    assert!(is_not_found(s.create_session(ghost).await));

    // API tokens: audited, tenant-scoped, revocable; auditors cannot mint them.
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let forbidden = s
        .create_api_token(w.a, &auditor(), "ci", Role::Staff, TokenScope::Api, [9; 32])
        .await;
    assert!(
        matches!(forbidden, Err(StoreError::Forbidden(_))),
        "{forbidden:?}"
    );
    assert!(matches!(
        s.create_api_token(w.a, &owner(), " ", Role::Staff, TokenScope::Api, [9; 32])
            .await,
        Err(StoreError::Invalid { field: "name", .. })
    ));
    let t = s
        .create_api_token(
            w.a,
            &owner(),
            "billing export",
            Role::Auditor,
            TokenScope::Api,
            [9; 32],
        )
        .await
        .unwrap();
    let found = s.find_api_token(&[9; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.tenant, found.role),
        (t.id, w.a, Role::Auditor)
    );
    assert!(
        is_not_found(s.revoke_api_token(w.b, &owner(), t.id).await),
        "another tenant cannot revoke it"
    );
    s.revoke_api_token(w.a, &owner(), t.id).await.unwrap();
    assert_eq!(
        s.find_api_token(&[9; 32]).await.unwrap(),
        None,
        "a revoked token no longer authenticates"
    );
    assert!(is_not_found(s.revoke_api_token(w.a, &owner(), t.id).await));
    let actions: Vec<String> = s
        .audit_events(w.a, None)
        .await
        .unwrap()
        .into_iter()
        .skip(before)
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["api_token.create", "api_token.revoke"]);
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());
}

fn staff() -> Actor {
    Actor {
        user: None,
        label: "staff@example.test".into(),
        role: Role::Staff,
    }
}

fn year(y: u16) -> PerformanceYear {
    PerformanceYear::new(y).unwrap()
}

pub async fn clinician_edits_and_roster_import(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let upd = ClinicianUpdate {
        name: "Dr. Ada Lovelace".into(),
        clinician_type: ClinicianType::NursePractitioner,
    };
    let c = s
        .update_clinician(w.a, &staff(), w.clinician.id, 1, upd.clone())
        .await
        .unwrap();
    assert_eq!(
        (c.version, c.name.as_str(), c.clinician_type),
        (2, "Dr. Ada Lovelace", ClinicianType::NursePractitioner)
    );
    assert_eq!(s.get_clinician(w.a, w.clinician.id).await.unwrap(), c);
    let stale = s
        .update_clinician(w.a, &staff(), w.clinician.id, 1, upd.clone())
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert!(is_not_found(
        s.update_clinician(w.b, &staff(), w.clinician.id, 2, upd.clone())
            .await
    ));
    assert!(matches!(
        s.update_clinician(w.a, &auditor(), w.clinician.id, 2, upd.clone())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let blank = ClinicianUpdate {
        name: "  ".into(),
        ..upd
    };
    assert!(matches!(
        s.update_clinician(w.a, &staff(), w.clinician.id, 2, blank)
            .await,
        Err(StoreError::Invalid { field: "name", .. })
    ));

    // CMS eligibility data on file outranks the import.
    let cms = ClinicianStatus {
        clinician: w.clinician.id,
        year: year(2024),
        status: SpecialStatus::NonPatientFacing,
        value: true,
        origin: StatusOrigin::CmsEligibility {
            retrieved_on: NaiveDate::from_ymd_opt(2024, 10, 1).unwrap(),
        },
        recorded_at: in_2024(),
    };
    s.set_status(w.a, &staff(), cms).await.unwrap();
    let entries = vec![
        RosterEntry {
            npi: npi(1),
            name: "Dr. Ada Lovelace".into(),
            clinician_type: ClinicianType::Physician,
            statuses: vec![
                (year(2024), SpecialStatus::HospitalBased, true),
                (year(2024), SpecialStatus::NonPatientFacing, false),
            ],
            origin: StatusOrigin::Imported,
        },
        RosterEntry {
            npi: npi(2),
            name: "Ben Nurse".into(),
            clinician_type: ClinicianType::NursePractitioner,
            statuses: vec![(year(2024), SpecialStatus::AscBased, false)],
            origin: StatusOrigin::Imported,
        },
        RosterEntry {
            npi: npi(3),
            name: "Cy Assistant".into(),
            clinician_type: ClinicianType::PhysicianAssistant,
            statuses: vec![],
            origin: StatusOrigin::Imported,
        },
    ];
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let sum = s
        .import_roster(
            w.a,
            &staff(),
            w.practice.id,
            entries.clone(),
            vec![ProfileWrite {
                year: year(2024),
                expected_version: 0,
                profile: ReportingProfile {
                    level: hardship_rules::ReportingLevel::Group,
                    ..ReportingProfile::default()
                },
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        sum,
        RosterImportSummary {
            added: 2,
            updated: 1,
            unchanged: 0,
            statuses_set: 2,
            statuses_kept_from_cms: 1,
            profiles_set: 1,
        }
    );
    let events = s.audit_events(w.a, None).await.unwrap();
    assert_eq!(
        events.len() - before,
        6,
        "one event per change, none for what was kept"
    );
    assert_eq!(
        s.get_practice_year(w.a, w.practice.id, year(2024))
            .await
            .unwrap()
            .profile
            .level,
        hardship_rules::ReportingLevel::Group
    );
    let roster = s.list_clinicians(w.a, w.practice.id).await.unwrap();
    assert_eq!(roster.len(), 3);
    let statuses = s.statuses(w.a, w.practice.id, year(2024)).await.unwrap();
    let nonpf = statuses
        .iter()
        .find(|st| st.status == SpecialStatus::NonPatientFacing)
        .unwrap();
    assert!(nonpf.value && matches!(nonpf.origin, StatusOrigin::CmsEligibility { .. }));
    assert_eq!(s.tenant_statuses(w.a, year(2024)).await.unwrap().len(), 3);
    assert!(s.tenant_statuses(w.b, year(2024)).await.unwrap().is_empty());
    assert_eq!(s.list_tenant_clinicians(w.a).await.unwrap().len(), 3);
    assert!(s.list_tenant_clinicians(w.b).await.unwrap().is_empty());

    // Importing the same file again changes nothing.
    let again = s
        .import_roster(w.a, &staff(), w.practice.id, entries.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(
        (
            again.added,
            again.updated,
            again.unchanged,
            again.statuses_set
        ),
        (0, 0, 3, 0)
    );

    // All or nothing: one bad entry and nothing is written.
    let count = s.audit_events(w.a, None).await.unwrap().len();
    let mut bad = entries;
    bad.push(RosterEntry {
        npi: npi(4),
        name: "Dee".into(),
        clinician_type: ClinicianType::Physician,
        statuses: vec![],
        origin: StatusOrigin::Imported,
    });
    bad.push(RosterEntry {
        npi: npi(5),
        name: " ".into(),
        clinician_type: ClinicianType::Physician,
        statuses: vec![],
        origin: StatusOrigin::Imported,
    });
    assert!(matches!(
        s.import_roster(w.a, &staff(), w.practice.id, bad.clone(), vec![])
            .await,
        Err(StoreError::Invalid { field: "name", .. })
    ));
    // A stale profile version fails the whole import too.
    let stale_profile = vec![ProfileWrite {
        year: year(2024),
        expected_version: 0,
        profile: ReportingProfile::default(),
    }];
    assert!(matches!(
        s.import_roster(
            w.a,
            &staff(),
            w.practice.id,
            bad[..4].to_vec(),
            stale_profile
        )
        .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        s.list_clinicians(w.a, w.practice.id).await.unwrap().len(),
        3
    );
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), count);
    assert!(is_not_found(
        s.import_roster(w.b, &staff(), w.practice.id, bad[..1].to_vec(), vec![])
            .await
    ));
    // CMS eligibility data imported as such outranks what a roster file says afterwards.
    let cms_entry = RosterEntry {
        statuses: vec![(year(2024), SpecialStatus::AscBased, true)],
        origin: StatusOrigin::CmsEligibility {
            retrieved_on: NaiveDate::from_ymd_opt(2024, 10, 2).unwrap(),
        },
        ..bad[1].clone()
    };
    let sum = s
        .import_roster(w.a, &staff(), w.practice.id, vec![cms_entry], vec![])
        .await
        .unwrap();
    assert_eq!(sum.statuses_set, 1);
    let sum = s
        .import_roster(w.a, &staff(), w.practice.id, bad[1..2].to_vec(), vec![])
        .await
        .unwrap();
    assert_eq!((sum.statuses_set, sum.statuses_kept_from_cms), (0, 1));
    let asc = s
        .statuses(w.a, w.practice.id, year(2024))
        .await
        .unwrap()
        .into_iter()
        .find(|st| st.status == SpecialStatus::AscBased)
        .unwrap();
    assert!(asc.value && matches!(asc.origin, StatusOrigin::CmsEligibility { .. }));
    assert!(matches!(
        s.import_roster(w.a, &auditor(), w.practice.id, bad[..1].to_vec(), vec![])
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());
}

pub async fn practice_year_profiles(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let fresh = s
        .get_practice_year(w.a, w.practice.id, year(2024))
        .await
        .unwrap();
    assert_eq!(fresh.version, 0);
    assert_eq!(fresh.profile, ReportingProfile::default());
    assert!(
        fresh.profile.has_cehrt,
        "CEHRT is assumed present until said otherwise"
    );
    let profile = ReportingProfile {
        level: hardship_rules::ReportingLevel::Group,
        pi_submitted: hardship_rules::PiSubmission::Incomplete,
        clinician_count: Some(14),
        has_cehrt: true,
        scores: ScoreEstimates {
            quality: Some(80.0),
            cost: None,
            ia: Some(100.0),
            pi: Some(45.5),
        },
    };
    let saved = s
        .set_practice_year(w.a, &staff(), w.practice.id, year(2024), 0, profile)
        .await
        .unwrap();
    assert_eq!((saved.version, saved.profile), (1, profile));
    assert_eq!(
        s.get_practice_year(w.a, w.practice.id, year(2024))
            .await
            .unwrap(),
        saved
    );
    let stale = s
        .set_practice_year(w.a, &staff(), w.practice.id, year(2024), 0, profile)
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let bad = ReportingProfile {
        scores: ScoreEstimates {
            pi: Some(101.0),
            ..profile.scores
        },
        ..profile
    };
    assert!(matches!(
        s.set_practice_year(w.a, &staff(), w.practice.id, year(2024), 1, bad)
            .await,
        Err(StoreError::Invalid {
            field: "scores.pi",
            ..
        })
    ));
    let apm = ReportingProfile {
        level: hardship_rules::ReportingLevel::ApmEntity,
        ..profile
    };
    assert!(matches!(
        s.set_practice_year(w.a, &staff(), w.practice.id, year(2024), 1, apm)
            .await,
        Err(StoreError::Invalid { field: "level", .. })
    ));
    assert!(matches!(
        s.set_practice_year(w.a, &auditor(), w.practice.id, year(2024), 1, profile)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), before);
    assert!(is_not_found(
        s.get_practice_year(w.b, w.practice.id, year(2024)).await
    ));
    assert!(is_not_found(
        s.set_practice_year(w.b, &staff(), w.practice.id, year(2024), 1, profile)
            .await
    ));
    assert_eq!(
        s.list_practice_years(w.a, year(2024)).await.unwrap().len(),
        1
    );
    assert!(
        s.list_practice_years(w.a, year(2023))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.list_practice_years(w.b, year(2024))
            .await
            .unwrap()
            .is_empty()
    );
    let last = s.audit_events(w.a, None).await.unwrap();
    assert_eq!(last.last().unwrap().action, "practice_year.set");
}

pub async fn revision_follows_every_change(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let r0 = s.revision(w.a).await.unwrap();
    assert_eq!(r0, s.audit_events(w.a, None).await.unwrap().len() as i64);
    s.update_practice(
        w.a,
        &staff(),
        w.practice.id,
        1,
        PracticeUpdate {
            name: "Renamed".into(),
            address: String::new(),
            contact: w.practice.contact.clone(),
            zip: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(s.revision(w.a).await.unwrap(), r0 + 1);
    assert_eq!(
        s.revision(w.b).await.unwrap(),
        1,
        "the other tenant's revision does not move"
    );
    assert_eq!(
        s.revision(TenantId(uuid::Uuid::from_u128(424_242)))
            .await
            .unwrap(),
        0
    );
}

pub async fn invitations(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let later = now + chrono::Duration::days(7);
    assert!(matches!(
        s.create_invite(w.a, &staff(), "not an email", Role::Staff, [5; 32], later)
            .await,
        Err(StoreError::Invalid { field: "email", .. })
    ));
    assert!(matches!(
        s.create_invite(w.a, &auditor(), "eve@x.test", Role::Owner, [5; 32], later)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let inv = s
        .create_invite(
            w.a,
            &staff(),
            " Audrey@Audit.test ",
            Role::Auditor,
            [5; 32],
            later,
        )
        .await
        .unwrap();
    assert_eq!(inv.email, "Audrey@Audit.test");
    assert_eq!(
        s.find_invite(&[5; 32], now).await.unwrap().unwrap().id,
        inv.id
    );
    assert_eq!(
        s.find_invite(&[5; 32], later).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(s.list_invites(w.a).await.unwrap().len(), 1);
    assert!(s.list_invites(w.b).await.unwrap().is_empty());
    assert!(matches!(
        s.accept_invite(&[5; 32], now, new_account("")).await,
        Err(StoreError::Invalid {
            field: "password",
            ..
        })
    ));
    assert!(is_not_found(
        s.accept_invite(&[5; 32], later, new_account("$argon2id$x"))
            .await
    ));
    let (accepted, user) = s
        .accept_invite(&[5; 32], now, new_account("$argon2id$x"))
        .await
        .unwrap();
    assert!(accepted.accepted_at.is_some());
    assert_eq!(user.email, "Audrey@Audit.test");
    let m = s.memberships_of(user.id).await.unwrap();
    assert_eq!(
        m,
        vec![Membership {
            tenant: w.a,
            user: user.id,
            role: Role::Auditor
        }]
    );
    assert!(
        is_not_found(
            s.accept_invite(&[5; 32], now, new_account("$argon2id$x"))
                .await
        ),
        "used once"
    );
    assert_eq!(s.find_invite(&[5; 32], now).await.unwrap(), None);
    let last = s.audit_events(w.a, None).await.unwrap();
    let last = last.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor_label.as_str()),
        ("invite.accept", "Audrey@Audit.test")
    );
    // An existing account joins a second organization without a new password.
    s.create_invite(
        w.b,
        &staff(),
        "audrey@audit.test",
        Role::Staff,
        [6; 32],
        later,
    )
    .await
    .unwrap();
    // Not as a new account (the address has one), nor as another signed-in user ...
    assert!(matches!(
        s.accept_invite(&[6; 32], now, new_account("$argon2id$y"))
            .await,
        Err(StoreError::Duplicate { field: "email", .. })
    ));
    let other = s
        .create_user("mallory@x.test", "$argon2id$m")
        .await
        .unwrap();
    assert!(matches!(
        s.accept_invite(&[6; 32], now, InviteAcceptance::SignedIn { user: other.id })
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(s.memberships_of(other.id).await.unwrap().is_empty());
    // ... only signed in as the invited account; both refusals left the invitation usable.
    let (_, same) = s
        .accept_invite(&[6; 32], now, InviteAcceptance::SignedIn { user: user.id })
        .await
        .unwrap();
    assert_eq!(same.id, user.id);
    assert_eq!(s.memberships_of(user.id).await.unwrap().len(), 2);
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());
    assert!(s.verify_audit(w.b).await.unwrap().is_ok());
}

fn new_account(hash: &str) -> InviteAcceptance {
    InviteAcceptance::NewAccount {
        password_hash: hash.to_owned(),
    }
}

/// Two invitations of one new address, from two organizations, accepted at the same instant as new
/// accounts: exactly one creates the account; the other is refused and its invitation stays unused.
pub async fn racing_invitations_make_one_account(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = std::sync::Arc::clone(&w.store);
    let now = in_2024();
    let later = now + chrono::Duration::days(7);
    s.create_invite(w.a, &staff(), "victim@x.test", Role::Owner, [21; 32], later)
        .await
        .unwrap();
    s.create_invite(w.b, &staff(), "victim@x.test", Role::Staff, [22; 32], later)
        .await
        .unwrap();
    let tasks: Vec<_> = [[21u8; 32], [22u8; 32]]
        .into_iter()
        .map(|h| {
            let s = std::sync::Arc::clone(&s);
            tokio::spawn(async move { s.accept_invite(&h, now, new_account("$argon2id$v")).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Duplicate { field: "email", .. }) => {}
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    assert_eq!(ok, 1, "one account, one acceptance");
    let mut unused = 0;
    for h in [[21u8; 32], [22u8; 32]] {
        if s.find_invite(&h, now).await.unwrap().is_some() {
            unused += 1;
        }
    }
    assert_eq!(
        unused, 1,
        "the refused invitation can still be accepted later"
    );
}

pub async fn session_tenant_and_sign_out_everywhere(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s.create_user("sam@x.test", "$argon2id$stub").await.unwrap();
    let now = in_2024();
    let mk = |h: u8| Session {
        token_hash: [h; 32],
        user: user.id,
        tenant: None,
        csrf_token: format!("csrf-{h}"),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    };
    for h in [11, 12, 13] {
        s.create_session(mk(h)).await.unwrap();
    }
    s.set_session_tenant(&[11; 32], w.b).await.unwrap();
    assert_eq!(
        s.get_session(&[11; 32], now).await.unwrap().unwrap().tenant,
        Some(w.b)
    );
    assert!(is_not_found(s.set_session_tenant(&[99; 32], w.b).await));
    assert_eq!(
        s.delete_user_sessions(user.id, Some(&[12; 32]))
            .await
            .unwrap(),
        2
    );
    assert!(s.get_session(&[11; 32], now).await.unwrap().is_none());
    assert!(s.get_session(&[12; 32], now).await.unwrap().is_some());
    assert_eq!(s.delete_user_sessions(user.id, None).await.unwrap(), 1);
    let t = s
        .create_api_token(
            w.a,
            &owner(),
            "export",
            Role::Staff,
            TokenScope::Api,
            [21; 32],
        )
        .await
        .unwrap();
    let listed = s.list_api_tokens(w.a).await.unwrap();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![t.id]);
    assert!(s.list_api_tokens(w.b).await.unwrap().is_empty());
}

pub async fn text_limits_are_the_same_everywhere(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let field = |r: StoreResult<()>| match r {
        Err(StoreError::Invalid { field, .. }) => field,
        other => panic!("expected Invalid, got {other:?}"),
    };
    assert_eq!(
        field(
            s.create_organization(&owner(), "Bad\u{0}Org", OrganizationKind::Practice)
                .await
                .map(|_| ())
        ),
        "name"
    );
    let mut p = practice("123456789");
    p.name = "x".repeat(501);
    assert_eq!(
        field(s.create_practice(w.a, &owner(), p).await.map(|_| ())),
        "name"
    );
    let mut p = practice("123456789");
    p.contact.phone = "555\u{7}0100".into();
    assert_eq!(
        field(s.create_practice(w.a, &owner(), p).await.map(|_| ())),
        "contact.phone"
    );
    let upd = PracticeUpdate {
        name: "Fine".into(),
        address: "a\u{1b}[31m".into(),
        contact: w.practice.contact.clone(),
        zip: None,
    };
    assert_eq!(
        field(
            s.update_practice(w.a, &owner(), w.practice.id, 1, upd)
                .await
                .map(|_| ())
        ),
        "address"
    );
    let mut d = draft(w.practice.id, 2024, HardshipReason::ExtremeUncontrollable);
    d.description = "y".repeat(10_001);
    assert_eq!(
        field(s.create_application(w.a, &owner(), d).await.map(|_| ())),
        "description"
    );
    let mut d = draft(w.practice.id, 2024, HardshipReason::ExtremeUncontrollable);
    d.submitter.last_name = "Doe\u{0}".into();
    assert_eq!(
        field(s.create_application(w.a, &owner(), d).await.map(|_| ())),
        "submitter.last_name"
    );
    assert_eq!(
        field(
            s.create_api_token(
                w.a,
                &owner(),
                &"t".repeat(101),
                Role::Staff,
                TokenScope::Api,
                [3; 32]
            )
            .await
            .map(|_| ())
        ),
        "name"
    );
    let blank = NewClinician {
        npi: npi(42),
        name: " ".into(),
        clinician_type: ClinicianType::Physician,
    };
    assert_eq!(
        field(
            s.add_clinician(w.a, &owner(), w.practice.id, blank)
                .await
                .map(|_| ())
        ),
        "name"
    );
    assert_eq!(
        s.audit_events(w.a, None).await.unwrap().len(),
        before,
        "nothing written"
    );
}

pub async fn sign_in_attempts_are_reserved_counted_and_released(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let t0 = in_2024();
    let limits = vec![
        AttemptLimit {
            key: "ip:203.0.113.7".to_owned(),
            max: 4,
        },
        AttemptLimit {
            key: "account:ada@lakeside.test".to_owned(),
            max: 3,
        },
    ];
    let keys: Vec<String> = limits.iter().map(|l| l.key.clone()).collect();
    assert!(s.sign_in_failures(&keys, t0).await.unwrap().is_empty());
    for i in 0..3 {
        let r = s
            .reserve_attempt(
                uuid::Uuid::new_v4(),
                &limits,
                t0,
                t0 + chrono::Duration::seconds(i),
            )
            .await
            .unwrap();
        assert_eq!(r, Ok(()), "attempt {i} is within both limits");
    }
    // The account key is exhausted: refused with its earliest attempt, and nothing recorded.
    let refused = s
        .reserve_attempt(
            uuid::Uuid::new_v4(),
            &limits,
            t0,
            t0 + chrono::Duration::seconds(5),
        )
        .await
        .unwrap();
    assert_eq!(refused, Err(t0));
    let mut got = s.sign_in_failures(&keys, t0).await.unwrap();
    got.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        got,
        vec![
            SignInFailures {
                key: keys[1].clone(),
                count: 3,
                earliest: t0
            },
            SignInFailures {
                key: keys[0].clone(),
                count: 3,
                earliest: t0
            },
        ]
    );
    // Only attempts since the window's start count.
    let later = s
        .sign_in_failures(&keys, t0 + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert!(later.iter().all(|x| x.count == 1), "{later:?}");
    // A released attempt is not a failure, and the keys it names to forget are forgotten.
    let ok = uuid::Uuid::new_v4();
    let ip_only = &limits[..1];
    assert_eq!(
        s.reserve_attempt(ok, ip_only, t0, t0 + chrono::Duration::seconds(6))
            .await
            .unwrap(),
        Ok(())
    );
    s.release_attempt(ok, &keys[1..]).await.unwrap();
    let got = s.sign_in_failures(&keys, t0).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].key.as_str(), got[0].count), (keys[0].as_str(), 3));
    // The purge drops attempts older than a day.
    s.purge_sessions(t0 + chrono::Duration::days(2))
        .await
        .unwrap();
    assert!(s.sign_in_failures(&keys, t0).await.unwrap().is_empty());
}

/// Concurrent attempts cannot all pass the limit: exactly `max` reservations succeed.
pub async fn concurrent_sign_in_attempts_cannot_exceed_the_limit(f: &dyn StoreFactory) {
    let w = world(f).await;
    let store = std::sync::Arc::clone(&w.store);
    let t0 = in_2024();
    let limits = vec![AttemptLimit {
        key: "account:race@lakeside.test".to_owned(),
        max: 5,
    }];
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = std::sync::Arc::clone(&store);
        let l = limits.clone();
        tasks.push(tokio::spawn(async move {
            s.reserve_attempt(uuid::Uuid::new_v4(), &l, t0, t0)
                .await
                .unwrap()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            granted += 1;
        }
    }
    assert_eq!(granted, 5);
}

//! Tenant isolation, one audit event per change, optimistic concurrency, bad input and auditors.

use super::*;

pub(crate) fn is_not_found<T: std::fmt::Debug>(r: StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

/// An empty list or "no such parent": the two ways a backend may say another tenant has nothing here.
pub(crate) fn finds_nothing<T>(r: StoreResult<Vec<T>>) -> bool {
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
        tin: None,
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
        tin: None,
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
        tin: None,
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
        tin: None,
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

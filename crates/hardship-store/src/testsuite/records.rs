//! Applications, statuses, decisions, rosters, practice-year profiles and revisions.

use super::*;

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

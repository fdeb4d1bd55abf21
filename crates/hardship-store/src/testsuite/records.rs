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
        seen: None,
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
        seen: Some(DecisionSeen {
            channel: Channel::Portal,
            reference: "QPP portal, exceptions page".into(),
        }),
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
        seen: Some(DecisionSeen {
            channel: Channel::Portal,
            reference: "QPP portal, exceptions page".into(),
        }),
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

/// CMS's answers: one per practice, NPI and year (a new one replaces it), a profile's statuses recorded
/// as CMS data in the same transaction, listed by year and practice, never across tenants, and refused to
/// auditors and for another tenant's practice.
pub async fn cms_answers_are_kept_per_practice_npi_and_year(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let y = PerformanceYear::new(2024).unwrap();
    let answer = |n: u32, outcome: CmsOutcome| CmsAnswer {
        practice: w.practice.id,
        npi: npi(n),
        year: y,
        retrieved_at: in_2024(),
        url: format!(
            "https://qpp.cms.gov/api/eligibility/npi/{}?year=2024",
            npi(n)
        ),
        api_version: "v6".into(),
        outcome,
    };
    let not_found = CmsOutcome::NotFound {
        http_status: 404,
        error: "NoProviderInformation".into(),
        message: "No individual clinician information exists for this NPI".into(),
    };
    let found = CmsOutcome::Found {
        clinician: "ADA LOVELACE".into(),
        organization: "LAKESIDE FAMILY MEDICINE".into(),
        statuses: vec![CmsStatus {
            level: "individual".into(),
            name: "hospitalBasedClinician".into(),
            value: "true".into(),
        }],
    };
    let cms = StatusOrigin::CmsEligibility {
        retrieved_on: in_2024().date_naive(),
    };
    let entry = RosterEntry {
        npi: npi(1),
        name: "Dr. Ada".into(),
        clinician_type: ClinicianType::Physician,
        statuses: vec![(y, SpecialStatus::HospitalBased, true)],
        origin: cms,
    };
    let before = s.audit_events(a, None).await.unwrap().len();
    s.record_cms_answer(a, &staff(), answer(1, not_found.clone()), None)
        .await
        .unwrap();
    let sum = s
        .record_cms_answer(a, &staff(), answer(1, found.clone()), Some(entry.clone()))
        .await
        .unwrap();
    assert_eq!((sum.unchanged, sum.statuses_set), (1, 1));
    s.record_cms_answer(a, &staff(), answer(2, not_found.clone()), None)
        .await
        .unwrap();
    let list = s.cms_answers(a, y, Some(w.practice.id)).await.unwrap();
    assert_eq!(
        list.len(),
        2,
        "one answer per NPI: the second replaced the first"
    );
    assert_eq!(list[0], answer(1, found));
    assert_eq!(list[1].outcome, not_found);
    assert_eq!(s.cms_answers(a, y, None).await.unwrap(), list);
    let next = PerformanceYear::new(2025).unwrap();
    assert!(s.cms_answers(a, next, None).await.unwrap().is_empty());
    assert!(s.cms_answers(w.b, y, None).await.unwrap().is_empty());
    let st = s.statuses(a, w.practice.id, y).await.unwrap();
    assert!(st[0].value && st[0].origin == cms);
    let events = s.audit_events(a, None).await.unwrap();
    let answers: Vec<_> = events[before..]
        .iter()
        .filter(|e| e.action == audit::actions::ELIGIBILITY_ANSWER)
        .collect();
    assert_eq!(answers.len(), 3);
    assert!(answers[0].before.is_none() && answers[1].before.is_some());
    // Refused: an auditor, another tenant's practice, an entry for another NPI.
    assert!(
        s.record_cms_answer(a, &auditor(), answer(3, not_found.clone()), None)
            .await
            .is_err()
    );
    assert!(matches!(
        s.record_cms_answer(w.b, &staff(), answer(3, not_found.clone()), None)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        s.record_cms_answer(a, &staff(), answer(3, not_found), Some(entry))
            .await
            .is_err()
    );
    assert_eq!(s.cms_answers(a, y, None).await.unwrap().len(), 2);
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
        npi: None,
        joined_on: None,
        left_on: None,
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
        level_decided: true,
        not_applying: None,
        pi_submitted: hardship_rules::PiSubmission::Incomplete,
        clinician_count: Some(14),
        has_cehrt: true,
        scores: ScoreEstimates {
            quality: Some(80.0),
            cost: None,
            ia: Some(100.0),
            pi: Some(45.5),
        },
        assignee: None,
        notes: String::new(),
    };
    let saved = s
        .set_practice_year(w.a, &staff(), w.practice.id, year(2024), 0, profile.clone())
        .await
        .unwrap();
    assert_eq!((saved.version, saved.profile.clone()), (1, profile.clone()));
    assert_eq!(
        s.get_practice_year(w.a, w.practice.id, year(2024))
            .await
            .unwrap(),
        saved
    );
    let stale = s
        .set_practice_year(w.a, &staff(), w.practice.id, year(2024), 0, profile.clone())
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
        ..profile.clone()
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
        ..profile.clone()
    };
    assert!(matches!(
        s.set_practice_year(w.a, &staff(), w.practice.id, year(2024), 1, apm)
            .await,
        Err(StoreError::Invalid { field: "level", .. })
    ));
    assert!(matches!(
        s.set_practice_year(
            w.a,
            &auditor(),
            w.practice.id,
            year(2024),
            1,
            profile.clone()
        )
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
            tin: None,
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

/// Practices and clinicians are archived and restored (with who and why), TINs and NPIs corrected, and
/// clinicians carry the dates they joined and left: nothing is deleted, every step is one event.
pub async fn corrections_keep_history(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let events = || async { s.audit_events(a, None).await.unwrap().len() };
    // One practice per TIN: a second with the same TIN is refused, and so is a TIN corrected into one
    // another practice has.
    let e = s
        .create_practice(a, &owner(), practice("123456789"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Duplicate { field: "tin", .. })
            && e.to_string().contains("Lakeside"),
        "{e}"
    );
    let other = s
        .create_practice(a, &owner(), practice("111222333"))
        .await
        .unwrap();
    let to = |tin: &str| PracticeUpdate {
        name: other.name.clone(),
        address: other.address.clone(),
        contact: other.contact.clone(),
        zip: None,
        tin: Some(Tin::parse(tin).unwrap()),
    };
    assert!(matches!(
        s.update_practice(a, &owner(), other.id, other.version, to("123456789"))
            .await,
        Err(StoreError::Duplicate { field: "tin", .. })
    ));
    // Another tenant may hold the same TIN: a consultancy and the practice itself.
    s.create_practice(w.b, &owner(), practice("123456789"))
        .await
        .unwrap();
    // A corrected TIN is one event naming both values.
    let n = events().await;
    let other = s
        .update_practice(a, &owner(), other.id, other.version, to("111222334"))
        .await
        .unwrap();
    assert_eq!(other.tin.as_str(), "111222334");
    assert_eq!(events().await, n + 1);
    let last = s
        .audit_events(a, Some(&other.id.to_string()))
        .await
        .unwrap();
    let ev = last.last().unwrap();
    assert!(ev.before.as_deref().unwrap().contains("111222333"));
    assert!(ev.after.as_deref().unwrap().contains("111222334"));
    // Archiving says why; an auditor cannot; the archived practice keeps its TIN taken.
    assert!(matches!(
        s.archive_practice(a, &owner(), other.id, other.version, Some("  ".into()))
            .await,
        Err(StoreError::Invalid { field: "why", .. })
    ));
    assert!(matches!(
        s.archive_practice(a, &auditor(), other.id, other.version, Some("x".into()))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let archived = s
        .archive_practice(
            a,
            &staff(),
            other.id,
            other.version,
            Some("a duplicate of Lakeside".into()),
        )
        .await
        .unwrap();
    let arch = archived.archived.clone().unwrap();
    assert_eq!(
        (arch.by.as_str(), arch.why.as_str()),
        ("staff@example.test", "a duplicate of Lakeside")
    );
    assert_eq!(s.get_practice(a, other.id).await.unwrap(), archived);
    let e = s
        .create_practice(a, &owner(), practice("111222334"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("restore it instead"), "{e}");
    let restored = s
        .archive_practice(a, &owner(), archived.id, archived.version, None)
        .await
        .unwrap();
    assert!(restored.archived.is_none());
    let actions: Vec<String> = s
        .audit_events(a, Some(&other.id.to_string()))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.ends_with(&["practice.archive".to_owned(), "practice.restore".to_owned()]));

    // A clinician: an NPI corrected (not into one the roster has), dates joined and left, archived.
    let c = &w.clinician;
    let second = s
        .add_clinician(
            a,
            &owner(),
            w.practice.id,
            NewClinician {
                npi: npi(2),
                name: "Dr. Bea".into(),
                clinician_type: ClinicianType::Physician,
            },
        )
        .await
        .unwrap();
    let upd = |n: Npi, joined: Option<NaiveDate>, left: Option<NaiveDate>| ClinicianUpdate {
        name: c.name.clone(),
        clinician_type: c.clinician_type,
        npi: Some(n),
        joined_on: joined,
        left_on: left,
    };
    assert!(matches!(
        s.update_clinician(a, &owner(), c.id, c.version, upd(second.npi, None, None))
            .await,
        Err(StoreError::Duplicate { field: "npi", .. })
    ));
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    assert!(matches!(
        s.update_clinician(
            a,
            &owner(),
            c.id,
            c.version,
            upd(npi(3), d(2024, 5, 1), d(2023, 1, 1))
        )
        .await,
        Err(StoreError::Invalid {
            field: "left_on",
            ..
        })
    ));
    let c2 = s
        .update_clinician(
            a,
            &owner(),
            c.id,
            c.version,
            upd(npi(3), d(2023, 3, 1), d(2024, 6, 30)),
        )
        .await
        .unwrap();
    assert_eq!(c2.npi, npi(3));
    assert!(!c2.on_roster(year(2022)));
    assert!(c2.on_roster(year(2023)) && c2.on_roster(year(2024)));
    assert!(!c2.on_roster(year(2025)));
    let c3 = s
        .archive_clinician(
            a,
            &owner(),
            c2.id,
            c2.version,
            Some("entered by mistake".into()),
        )
        .await
        .unwrap();
    assert!(!c3.on_roster(year(2024)));
    assert_eq!(s.get_clinician(a, c3.id).await.unwrap(), c3);
    assert!(is_not_found(
        s.archive_clinician(w.b, &owner(), c3.id, c3.version, None)
            .await
    ));
    let c4 = s
        .archive_clinician(a, &owner(), c3.id, c3.version, None)
        .await
        .unwrap();
    assert!(c4.on_roster(year(2024)));
    assert!(matches!(
        s.archive_clinician(a, &owner(), c4.id, c3.version, None)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(s.verify_audit(a).await.unwrap().is_ok());
}

/// A document's bytes never change, but what it is can be corrected — one event each; a kind the
/// product does not know is refused at upload and at correction.
pub async fn documents_are_corrected_not_rewritten(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let mut bad = new_document(w.practice.id, None, 77);
    bad.kind = "cms_email".into();
    let e = s.record_document(a, &owner(), bad).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid { field: "kind", .. })
            && e.to_string().contains("cms_decision_email"),
        "{e}"
    );
    let newer = s
        .record_document(a, &owner(), new_document(w.practice.id, None, 78))
        .await
        .unwrap();
    let edit = DocumentEdit {
        kind: "cms_decision_email".into(),
        note: "Re-filed: this is CMS's e-mail, not barrier documentation".into(),
        superseded_by: Some(newer.id),
    };
    let n = s.audit_events(a, None).await.unwrap().len();
    let doc = s
        .edit_document(a, &staff(), w.document.id, edit.clone())
        .await
        .unwrap();
    assert_eq!(doc.kind, "cms_decision_email");
    assert_eq!(doc.superseded_by, Some(newer.id));
    assert_eq!((doc.sha256, doc.size), (w.document.sha256, w.document.size));
    assert_eq!(s.get_document(a, doc.id).await.unwrap(), doc);
    assert_eq!(s.audit_events(a, None).await.unwrap().len(), n + 1);
    // Still the upload's bytes: the records agree with the log.
    assert!(
        s.verify_records(a).await.unwrap().is_empty(),
        "records agree with the log"
    );
    for (e, field) in [
        (
            DocumentEdit {
                kind: "nonsense".into(),
                ..edit.clone()
            },
            "kind",
        ),
        (
            DocumentEdit {
                superseded_by: Some(w.document.id),
                ..edit.clone()
            },
            "superseded_by",
        ),
    ] {
        assert!(matches!(
            s.edit_document(a, &staff(), w.document.id, e).await,
            Err(StoreError::Invalid { field: f, .. }) if f == field
        ));
    }
    assert!(matches!(
        s.edit_document(a, &auditor(), w.document.id, edit.clone())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(is_not_found(
        s.edit_document(w.b, &owner(), w.document.id, edit).await
    ));
}

/// CMS's decision is recorded with its e-mail, or with where it was seen (the portal or a call, with a
/// reference) — never with neither; the e-mail can be filed later, once.
pub async fn decisions_carry_their_email_or_where_they_were_seen(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a, id) = (&w.store, w.a, w.application.id);
    w.clock.set(in_2024());
    let app = s
        .transition_application(a, &owner(), id, 1, Transition::MarkReady)
        .await
        .unwrap();
    let app = s
        .transition_application(
            a,
            &owner(),
            id,
            app.version,
            Transition::Submit {
                channel: Channel::Portal,
                reference: "QPP-1".into(),
            },
        )
        .await
        .unwrap();
    let decided_on = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
    for seen in [
        None,
        Some(DecisionSeen {
            channel: Channel::Phone,
            reference: "   ".into(),
        }),
    ] {
        let e = s
            .transition_application(
                a,
                &owner(),
                id,
                app.version,
                Transition::Approve {
                    decided_on,
                    email: None,
                    seen,
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Invalid {
                    field: "decision_email",
                    ..
                }
            ),
            "{e}"
        );
    }
    let app = s
        .transition_application(
            a,
            &owner(),
            id,
            app.version,
            Transition::Approve {
                decided_on,
                email: None,
                seen: Some(DecisionSeen {
                    channel: Channel::Phone,
                    reference: "QPP Service Center call 4471".into(),
                }),
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        &app.state,
        ApplicationState::Approved {
            email: None,
            seen: Some(_),
            ..
        }
    ));
    let link = |doc| Transition::LinkDecisionEmail { email: doc };
    assert!(is_not_found(
        s.transition_application(
            a,
            &owner(),
            id,
            app.version,
            link(DocumentId(uuid::Uuid::from_u128(9)))
        )
        .await
    ));
    let app = s
        .transition_application(a, &owner(), id, app.version, link(w.document.id))
        .await
        .unwrap();
    assert_eq!(
        app.state.decision(),
        Some((decided_on, Some(w.document.id)))
    );
    assert!(matches!(
        s.transition_application(a, &owner(), id, app.version, link(w.document.id))
            .await,
        Err(StoreError::IllegalTransition { .. })
    ));
    assert!(s.verify_records(a).await.unwrap().is_empty());
}

//! Applications and their transitions, statuses and CMS's answers, decisions, concurrent writers and
//! documents.

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

//! Practices and clinicians over time: clinician edits and roster imports, practice-year profiles, the
//! revision every change moves, and corrections (archive, restore, TIN and NPI fixes) that keep history.

use super::*;

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

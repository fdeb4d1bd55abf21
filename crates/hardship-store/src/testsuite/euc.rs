//! The EUC exception application on every backend: its categories and event kept and audited, the
//! year's checks (at least one category, the categories and levels the year allows) refusing bad drafts
//! with nothing written, and the windows CMS reopened for one reason (PY 2024: March 31, 2025 10 a.m. ET
//! – April 14, 2025 8 p.m. ET, the national IV fluid shortage only [NIEPODAM-2025IV]) refusing other
//! reasons at creation and sending after their close.

use super::*;
use hardship_rules::CategorySet;

async fn counts(s: &Arc<dyn Store>, t: TenantId) -> (usize, usize) {
    (
        s.list_applications(t, None).await.unwrap().len(),
        s.audit_events(t, None).await.unwrap().len(),
    )
}

pub async fn euc_applications_keep_their_categories_and_events(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    // A PI hardship application (stored without the field) reads as one.
    assert_eq!(w.application.draft.kind(), ApplicationKind::PiHardship);
    let app = s
        .create_application(
            a,
            &owner(),
            euc_draft(w.practice.id, 2024, &[Category::Cost, Category::Quality]),
        )
        .await
        .unwrap();
    let back = s.get_application(a, app.id).await.unwrap();
    assert_eq!(back.draft.kind(), ApplicationKind::Euc);
    let req = back.draft.euc.as_ref().unwrap();
    assert_eq!(
        (req.category_set(), req.event),
        (
            CategorySet::of(&[Category::Quality, Category::Cost]),
            EucEventType::Disaster
        )
    );
    let created = s.audit_events(a, Some(&app.id.to_string())).await.unwrap();
    let after: serde_json::Value =
        serde_json::from_str(created[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(
        after["draft"]["euc"]["categories"],
        serde_json::json!(["cost", "quality"])
    );
    // Edited to cover PI too, made ready: the categories travel with the draft.
    let mut d = back.draft.clone();
    d.euc.as_mut().unwrap().categories.push(Category::Pi);
    let app = s
        .update_application(a, &owner(), app.id, app.version, d)
        .await
        .unwrap();
    let app = s
        .transition_application(a, &owner(), app.id, app.version, Transition::MarkReady)
        .await
        .unwrap();
    assert_eq!(app.draft.euc.unwrap().categories.len(), 3);

    // Refused, naming the field, with nothing written: no category; a category twice; PI in PY 2018
    // (quality, cost and IA only [MCMS-2018]); an APM entity asking for two categories when it must
    // ask for all [OMB-EUC-2022]; an APM entity filing a PI hardship application.
    let before = counts(s, a).await;
    let apm = Applicant::ApmEntity {
        identifier: "A1234".into(),
    };
    let bad = [
        ("categories", euc_draft(w.practice.id, 2024, &[])),
        (
            "categories",
            euc_draft(w.practice.id, 2024, &[Category::Cost, Category::Cost]),
        ),
        (
            "categories",
            euc_draft(w.practice.id, 2018, &[Category::Pi]),
        ),
        (
            "categories",
            ApplicationDraft {
                applicant: apm.clone(),
                ..euc_draft(w.practice.id, 2024, &[Category::Quality, Category::Cost])
            },
        ),
        (
            "applicant",
            ApplicationDraft {
                applicant: apm,
                ..draft(w.practice.id, 2024, HardshipReason::ExtremeUncontrollable)
            },
        ),
    ];
    for (field, d) in bad {
        match s.create_application(a, &owner(), d).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    assert_eq!(counts(s, a).await, before, "nothing written");
}

pub async fn euc_windows_reopened_for_one_reason_refuse_others(f: &dyn StoreFactory) {
    let w = world(f).await;
    let (s, a) = (&w.store, w.a);
    let cats = [Category::Quality, Category::Cost];
    // After the main window closed and before the reopening: no EUC application can be filed.
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 3, 31, 13, 59, 59).unwrap());
    let iv = |d: ApplicationDraft| ApplicationDraft {
        euc: Some(EucRequest {
            categories: cats.to_vec(),
            event: EucEventType::IvFluidShortage,
        }),
        ..d
    };
    let before = counts(s, a).await;
    match s
        .create_application(a, &owner(), iv(euc_draft(w.practice.id, 2024, &cats)))
        .await
    {
        Err(StoreError::Invalid { field: "year", .. }) => {}
        other => panic!("expected invalid year, got {other:?}"),
    }
    // Open at 10:00 EDT to the second: another reason is refused, naming the window's.
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 3, 31, 14, 0, 0).unwrap());
    match s
        .create_application(a, &owner(), euc_draft(w.practice.id, 2024, &cats))
        .await
    {
        Err(StoreError::Invalid {
            field: "euc_event",
            message,
        }) => assert!(
            message.contains(
                "CMS will deny applications for reasons outside the national IV fluid shortage"
            ),
            "{message}"
        ),
        other => panic!("expected invalid euc_event, got {other:?}"),
    }
    assert_eq!(counts(s, a).await, before, "nothing written");
    let app = s
        .create_application(a, &owner(), iv(euc_draft(w.practice.id, 2024, &cats)))
        .await
        .unwrap();
    let app = s
        .transition_application(a, &owner(), app.id, app.version, Transition::MarkReady)
        .await
        .unwrap();
    // Closed at 8 p.m. EDT (00:00 UTC April 15): sending is refused at the close, taken a second before.
    let submit = Transition::Submit {
        channel: Channel::Portal,
        reference: "IV-7".into(),
    };
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 4, 15, 0, 0, 0).unwrap());
    assert!(matches!(
        s.transition_application(a, &owner(), app.id, app.version, submit.clone())
            .await,
        Err(StoreError::IllegalTransition { .. })
    ));
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 4, 14, 23, 59, 59).unwrap());
    let app = s
        .transition_application(a, &owner(), app.id, app.version, submit)
        .await
        .unwrap();
    assert_eq!(app.state.name(), "submitted");

    // PY 2023, reopened for the Change Healthcare cyberattack of February 2024 [INTELLICURE-2024]: an
    // event after the performance year is what the window is for.
    w.clock
        .set(Utc.with_ymd_and_hms(2024, 4, 1, 12, 0, 0).unwrap());
    let ch = ApplicationDraft {
        circumstance_start: NaiveDate::from_ymd_opt(2024, 2, 21),
        circumstance_end: None,
        euc: Some(EucRequest {
            categories: cats.to_vec(),
            event: EucEventType::ChangeHealthcareCyberattack,
        }),
        ..euc_draft(w.practice.id, 2023, &cats)
    };
    let app = s.create_application(a, &owner(), ch).await.unwrap();
    assert_eq!(app.draft.year.get(), 2023);
}

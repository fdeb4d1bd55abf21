//! Targeted-review cases (draft → submitted → decided, CMS's decision final, the window checked at the
//! injected clock) and data validation and audit requests with their checklist.

use super::*;
use crate::audit::actions;

fn by_hand(practice: PracticeId, y: u16, npi_: Option<Npi>) -> NewTargetedReview {
    NewTargetedReview {
        practice,
        year: year(y),
        tin: Tin::parse("123456789").unwrap(),
        npi: npi_,
        codes: vec![],
        summary: "PI weighted 25 % despite the approved hardship".into(),
        evidence: vec!["eligibility".into(), "binder".into()],
        detail: ReviewDetail {
            origin: ReviewOrigin::Hand,
            reasons: vec!["hardship_not_applied".into()],
            statement: "CMS approved our PI hardship on 2025-02-03; PI should weigh 0 %.".into(),
            ..ReviewDetail::default()
        },
    }
}

fn submit(reference: &str) -> ReviewChange {
    ReviewChange::Submit {
        submitted_on: NaiveDate::from_ymd_opt(2025, 10, 20).unwrap(),
        cms_reference: reference.into(),
    }
}

fn decide() -> ReviewChange {
    ReviewChange::Decide {
        decided_on: NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
        outcome: ReviewOutcome::Approved,
        note: "PI reweighted to 0 %".into(),
    }
}

async fn events(w: &World) -> usize {
    w.store.audit_events(w.a, None).await.unwrap().len()
}

/// A case opened by hand goes draft → submitted → decided, one audit event per change; what its state
/// does not allow is refused naming the state, and a decided case never moves again (42 CFR
/// 414.1385(a)(4): "Decisions based on the targeted review are final").
pub async fn targeted_review_cases_go_from_draft_to_a_final_decision(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    // PY 2024's window (closes 2025-11-14 8 p.m. ET) is open on 2025-10-20.
    w.clock
        .set(Utc.with_ymd_and_hms(2025, 10, 20, 15, 0, 0).unwrap());
    let before = events(&w).await;
    let r = s
        .open_targeted_review(w.a, &owner(), by_hand(w.practice.id, 2024, None))
        .await
        .unwrap();
    assert_eq!((r.state, r.version), (ReviewState::Draft, 1));
    assert_eq!(events(&w).await, before + 1);
    // One case per subject and year.
    let dup = s
        .open_targeted_review(w.a, &owner(), by_hand(w.practice.id, 2024, None))
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Duplicate { .. }), "{dup}");
    // Another tenant, an auditor: nothing seen, nothing written.
    assert!(matches!(
        s.get_targeted_review(w.b, r.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.change_targeted_review(w.a, &auditor(), r.id, 1, submit("TR-1"))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.change_targeted_review(w.b, &owner(), r.id, 1, submit("TR-1"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // A decision before the request was sent is refused naming the state.
    let e = s
        .change_targeted_review(w.a, &owner(), r.id, 1, decide())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("it is draft"), "{e}");
    // An edit of the request, with a document that must exist.
    let edit = |evidence: Vec<String>| ReviewChange::Edit {
        reasons: vec!["hardship_not_applied".into(), "other".into()],
        statement: "Nguyễn Văn An's PI hardship was approved; CMS weighted PI at 25 %.".into(),
        evidence,
    };
    let missing = format!("document:{}", uuid::Uuid::from_u128(999_999));
    assert!(matches!(
        s.change_targeted_review(w.a, &owner(), r.id, 1, edit(vec![missing]))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let doc = format!("document:{}", w.document.id);
    let r = s
        .change_targeted_review(
            w.a,
            &staff(),
            r.id,
            1,
            edit(vec![doc.clone(), "binder".into()]),
        )
        .await
        .unwrap();
    assert_eq!(r.version, 2);
    assert_eq!(r.evidence, [doc, "binder".to_owned()]);
    // Sending needs CMS's reference; a stale version is a conflict.
    assert!(matches!(
        s.change_targeted_review(w.a, &owner(), r.id, 2, submit("  "))
            .await,
        Err(StoreError::Invalid {
            field: "cms_reference",
            ..
        })
    ));
    assert!(matches!(
        s.change_targeted_review(w.a, &owner(), r.id, 1, submit("TR-1"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let r = s
        .change_targeted_review(w.a, &owner(), r.id, 2, submit("TR-2025-0042"))
        .await
        .unwrap();
    assert_eq!(r.state, ReviewState::Submitted);
    assert_eq!(r.detail.cms_reference.as_deref(), Some("TR-2025-0042"));
    assert_eq!(r.detail.submit_warning, None);
    let e = s
        .change_targeted_review(w.a, &owner(), r.id, 3, submit("again"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("it is submitted"), "{e}");
    let r = s
        .change_targeted_review(w.a, &owner(), r.id, 3, decide())
        .await
        .unwrap();
    assert_eq!(r.state, ReviewState::Decided);
    assert_eq!(r.detail.outcome, Some(ReviewOutcome::Approved));
    let at = events(&w).await;
    for change in [decide(), submit("TR-3"), edit(vec![])] {
        let e = s
            .change_targeted_review(w.a, &owner(), r.id, 4, change)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("it is decided") && e.to_string().contains("final"),
            "{e}"
        );
    }
    assert_eq!(events(&w).await, at, "refusals write nothing");
    assert_eq!(at, before + 4, "open, edit, submit, decide: one event each");
    let got = s.get_targeted_review(w.a, r.id).await.unwrap();
    assert_eq!(got, r);
    let log = s.audit_events(w.a, None).await.unwrap();
    let actions_: Vec<&str> = log[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions_,
        [
            actions::TARGETED_REVIEW_OPEN,
            actions::TARGETED_REVIEW_EDIT,
            actions::TARGETED_REVIEW_SUBMIT,
            actions::TARGETED_REVIEW_DECIDE
        ]
    );
}

/// After a confirmed window closes (PY 2024: 8 p.m. ET November 14, 2025) a request is refused naming
/// the close; after an UNCONFIRMED one (PY 2025's projection) it is sent with a warning kept on the case.
pub async fn late_targeted_reviews_are_refused_unless_the_window_is_unconfirmed(
    f: &dyn StoreFactory,
) {
    let w = world(f).await;
    let s = &w.store;
    w.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 16, 15, 0, 0).unwrap());
    let late = s
        .open_targeted_review(w.a, &owner(), by_hand(w.practice.id, 2024, None))
        .await
        .unwrap();
    let before = events(&w).await;
    let e = s
        .change_targeted_review(w.a, &owner(), late.id, 1, submit("TR-1"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Refused(_)), "{e}");
    assert!(
        e.to_string().contains("2025-11-14 20:00:00 -05:00") && e.to_string().contains("draft"),
        "{e}"
    );
    assert_eq!(events(&w).await, before);
    assert_eq!(
        s.get_targeted_review(w.a, late.id).await.unwrap().state,
        ReviewState::Draft
    );
    let unconfirmed = s
        .open_targeted_review(
            w.a,
            &owner(),
            by_hand(w.practice.id, 2025, Some(w.clinician.npi)),
        )
        .await
        .unwrap();
    let sent = s
        .change_targeted_review(w.a, &owner(), unconfirmed.id, 1, submit("TR-9"))
        .await
        .unwrap();
    assert_eq!(sent.state, ReviewState::Submitted);
    let warning = sent.detail.submit_warning.unwrap();
    assert!(warning.contains("UNCONFIRMED"), "{warning}");
}

/// A DVA request per practice-year: the notice day, due 45 days later (42 CFR 414.1390(a)(1)), items
/// added and checked off, each one audit event; another tenant sees nothing and an auditor changes
/// nothing.
pub async fn dva_requests_keep_a_checklist(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let new = NewDvaRequest {
        practice: w.practice.id,
        year: year(2023),
        notice_date: NaiveDate::from_ymd_opt(2024, 10, 7).unwrap(),
    };
    let before = events(&w).await;
    let d = s
        .open_dva_request(w.a, &owner(), new.clone())
        .await
        .unwrap();
    assert_eq!(d.due(), NaiveDate::from_ymd_opt(2024, 11, 21).unwrap());
    assert!(matches!(
        s.open_dva_request(w.a, &owner(), new.clone()).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert!(matches!(
        s.open_dva_request(w.a, &auditor(), new).await,
        Err(StoreError::Forbidden(_))
    ));
    let add = |text: &str| DvaChange::AddItem { text: text.into() };
    let d = s
        .change_dva_request(
            w.a,
            &owner(),
            d.id,
            1,
            add("Security risk analysis for 2023"),
        )
        .await
        .unwrap();
    let d = s
        .change_dva_request(
            w.a,
            &staff(),
            d.id,
            2,
            add("CMS approval e-mail of the PI hardship"),
        )
        .await
        .unwrap();
    assert!(matches!(
        s.change_dva_request(w.a, &owner(), d.id, 3, add(" ")).await,
        Err(StoreError::Invalid { field: "text", .. })
    ));
    let d = s
        .change_dva_request(
            w.a,
            &staff(),
            d.id,
            3,
            DvaChange::CheckItem { n: 2, done: true },
        )
        .await
        .unwrap();
    assert!(d.items[1].done && !d.items[0].done);
    assert_eq!(d.items[1].done_by.as_deref(), Some("staff@example.test"));
    assert!(matches!(
        s.change_dva_request(
            w.a,
            &staff(),
            d.id,
            4,
            DvaChange::CheckItem { n: 2, done: true }
        )
        .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.change_dva_request(
            w.a,
            &staff(),
            d.id,
            4,
            DvaChange::CheckItem { n: 9, done: true }
        )
        .await,
        Err(StoreError::Invalid { field: "n", .. })
    ));
    assert!(matches!(
        s.change_dva_request(w.a, &staff(), d.id, 3, add("stale"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.change_dva_request(w.a, &auditor(), d.id, 4, add("no"))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.get_dva_request(w.b, d.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.list_dva_requests(w.b, None).await.unwrap().is_empty());
    assert_eq!(
        s.list_dva_requests(w.a, Some(year(2023))).await.unwrap(),
        std::slice::from_ref(&d)
    );
    assert_eq!(s.get_dva_request(w.a, d.id).await.unwrap(), d);
    assert_eq!(events(&w).await, before + 4, "open, two items, one check");
}

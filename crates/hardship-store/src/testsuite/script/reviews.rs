//! The script's targeted-review cases and its data validation and audit request.

use super::*;

/// Targeted-review cases (one from CMS's feedback, one by hand taken to CMS's decision) and a data
/// validation and audit request with its checklist.
pub(super) async fn reviews(s: &Scripted, t: TenantId, practice: PracticeId) {
    let st = &s.store;
    let tin = Tin::parse("123456789").unwrap();
    let detail = |origin, reason: &str| ReviewDetail {
        origin,
        reasons: vec![reason.to_owned()],
        statement: "Łódź: PI weighted 25 % for Nguyễn Văn An despite the approval".into(),
        ..ReviewDetail::default()
    };
    st.open_targeted_reviews(
        t,
        &owner(),
        vec![NewTargetedReview {
            practice,
            year: year(2023),
            tin,
            npi: Some(npi(1)),
            codes: vec!["approved_hardship_not_applied".into()],
            summary: "Approved hardship not applied.".into(),
            evidence: vec!["feedback_line:2".into(), "binder".into()],
            detail: detail(ReviewOrigin::Feedback, "hardship_not_applied"),
        }],
    )
    .await
    .unwrap();
    s.tick();
    let r = st
        .open_targeted_review(
            t,
            &owner(),
            NewTargetedReview {
                practice,
                year: year(2024),
                tin,
                npi: None,
                codes: vec![],
                summary: "By hand".into(),
                evidence: vec!["eligibility".into()],
                detail: detail(ReviewOrigin::Hand, "wrong_tin_npi"),
            },
        )
        .await
        .unwrap();
    s.tick();
    let changes = [
        ReviewChange::Edit {
            reasons: vec!["wrong_tin_npi".into(), "other".into()],
            statement: "Data were filed under the wrong TIN.".into(),
            evidence: vec!["eligibility".into(), "binder".into()],
        },
        ReviewChange::Submit {
            submitted_on: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            cms_reference: "TR-2024-77".into(),
        },
        ReviewChange::Decide {
            decided_on: NaiveDate::from_ymd_opt(2024, 12, 2).unwrap(),
            outcome: ReviewOutcome::Denied,
            note: "score stands".into(),
        },
    ];
    for (i, change) in changes.into_iter().enumerate() {
        st.change_targeted_review(t, &owner(), r.id, 1 + i as i64, change)
            .await
            .unwrap();
        s.tick();
    }
    let d = st
        .open_dva_request(
            t,
            &owner(),
            NewDvaRequest {
                practice,
                year: year(2023),
                notice_date: NaiveDate::from_ymd_opt(2024, 10, 7).unwrap(),
            },
        )
        .await
        .unwrap();
    s.tick();
    st.change_dva_request(
        t,
        &owner(),
        d.id,
        1,
        DvaChange::AddItem {
            text: "Security risk analysis".into(),
        },
    )
    .await
    .unwrap();
    s.tick();
    st.change_dva_request(
        t,
        &owner(),
        d.id,
        2,
        DvaChange::CheckItem { n: 1, done: true },
    )
    .await
    .unwrap();
}

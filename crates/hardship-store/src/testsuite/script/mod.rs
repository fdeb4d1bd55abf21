//! One script that performs every audited action of the store, on a clock and ids that repeat, so two
//! backends given the script must write the same audit log byte for byte: same payloads, same actors,
//! same times, same hashes. A backend that words a payload its own way breaks the comparison.

use super::*;
use crate::audit::{AuditEvent, actions};
use hardship_rules::screening::EucKind;

mod compare;
mod members;
mod reviews;

pub use compare::differences;
use members::members;
use reviews::reviews;

/// Every action the script must write at least once: each constant of [`actions`] and each
/// application transition.
pub const EVERY_ACTION: &[&str] = &[
    actions::ORGANIZATION_CREATE,
    actions::MEMBERSHIP_SET,
    actions::MEMBERSHIP_CHANGE,
    actions::MEMBERSHIP_REMOVE,
    actions::APPLICATION_ATTEST,
    actions::PRACTICE_CREATE,
    actions::PRACTICE_UPDATE,
    actions::PRACTICE_ARCHIVE,
    actions::PRACTICE_RESTORE,
    actions::CLINICIAN_ARCHIVE,
    actions::CLINICIAN_RESTORE,
    actions::DOCUMENT_EDIT,
    actions::DOCUMENT_READ,
    actions::EXPORT,
    actions::GUARD_CHECK,
    actions::ELIGIBILITY_FETCH,
    actions::ELIGIBILITY_ANSWER,
    "application.link_email",
    actions::CLINICIAN_ADD,
    actions::CLINICIAN_STATUS,
    actions::CLINICIAN_UPDATE,
    actions::PRACTICE_YEAR_SET,
    actions::INVITE_CREATE,
    actions::INVITE_ACCEPT,
    actions::APPLICATION_CREATE,
    actions::APPLICATION_EDIT,
    actions::DECISION_RECORD,
    actions::DOCUMENT_UPLOAD,
    actions::DOCUMENT_DELETE_REFUSED,
    actions::API_TOKEN_CREATE,
    actions::API_TOKEN_REVOKE,
    actions::DOCUMENT_INTEGRITY_FAILED,
    actions::USER_PASSWORD_RESET,
    "application.ready",
    "application.draft",
    "application.submit",
    "application.approve",
    "application.deny",
    "application.withdraw",
    "application.void",
    actions::TARGETED_REVIEW_OPEN,
    actions::TARGETED_REVIEW_EDIT,
    actions::TARGETED_REVIEW_SUBMIT,
    actions::TARGETED_REVIEW_DECIDE,
    actions::DVA_OPEN,
    actions::DVA_ITEM_ADD,
    actions::DVA_ITEM_CHECK,
];

/// The script's store: a fixed clock that ticks one second per action, and ids 1, 2, 3, ...
pub struct Scripted {
    pub store: Arc<dyn Store>,
    clock: Arc<TestClock>,
}

impl Scripted {
    fn tick(&self) {
        self.clock
            .set(self.clock.now() + chrono::Duration::seconds(1));
    }
}

/// Runs the script on a fresh store and returns the audit log of its tenant.
pub async fn run(f: &dyn StoreFactory) -> Vec<AuditEvent> {
    let clock = TestClock::at(in_2024());
    let s = Scripted {
        store: f
            .make(Env {
                clock: clock.clone(),
                ids: SequentialIds::new(),
            })
            .await,
        clock,
    };
    let tenant = act(&s).await;
    s.store.audit_events(tenant, None).await.unwrap()
}

async fn act(s: &Scripted) -> TenantId {
    let st = &s.store;
    let org = st
        .create_organization(
            &owner(),
            "Łódź & Nguyễn Consulting",
            OrganizationKind::Consultancy,
        )
        .await
        .unwrap();
    let t = org.id;
    s.tick();
    let user = st
        .create_user("Owner@Example.test", "$argon2id$x")
        .await
        .unwrap();
    st.add_membership(t, &owner(), user.id, Role::Owner)
        .await
        .unwrap();
    st.add_membership(t, &owner(), user.id, Role::Staff)
        .await
        .unwrap();
    s.tick();

    let p = st
        .create_practice(t, &owner(), practice("123456789"))
        .await
        .unwrap();
    s.tick();
    let p = st
        .update_practice(
            t,
            &owner(),
            p.id,
            p.version,
            PracticeUpdate {
                name: "Nguyễn Văn An Family Practice".into(),
                address: "2 Elm St".into(),
                contact: p.contact.clone(),
                zip: Some(hardship_rules::Zip5::parse("70112").unwrap()),
                tin: None,
            },
        )
        .await
        .unwrap();
    s.tick();

    let ada = st
        .add_clinician(
            t,
            &owner(),
            p.id,
            NewClinician {
                npi: npi(1),
                name: "Łukasz Wróbel".into(),
                clinician_type: ClinicianType::Physician,
            },
        )
        .await
        .unwrap();
    st.add_clinicians(
        t,
        &staff(),
        p.id,
        vec![NewClinician {
            npi: npi(2),
            name: "Ada \"Quote\" O'Neil".into(),
            clinician_type: ClinicianType::NursePractitioner,
        }],
    )
    .await
    .unwrap();
    s.tick();
    let ada = st
        .update_clinician(
            t,
            &owner(),
            ada.id,
            ada.version,
            ClinicianUpdate {
                name: "Łukasz Wróbel, MD".into(),
                clinician_type: ClinicianType::Physician,
                npi: None,
                joined_on: NaiveDate::from_ymd_opt(2019, 7, 1),
                left_on: None,
            },
        )
        .await
        .unwrap();
    st.set_status(
        t,
        &owner(),
        ClinicianStatus {
            clinician: ada.id,
            year: year(2024),
            status: SpecialStatus::HospitalBased,
            value: true,
            origin: StatusOrigin::Manual,
            recorded_at: in_2024(),
        },
    )
    .await
    .unwrap();
    s.tick();
    st.import_roster(
        t,
        &staff(),
        p.id,
        vec![
            RosterEntry {
                npi: npi(2),
                name: "Ada O'Neil".into(),
                clinician_type: ClinicianType::PhysicianAssistant,
                statuses: vec![(year(2024), SpecialStatus::NonPatientFacing, true)],
                origin: StatusOrigin::Imported,
            },
            RosterEntry {
                npi: npi(3),
                name: "Zoë Ångström".into(),
                clinician_type: ClinicianType::ClinicalSocialWorker,
                statuses: vec![(year(2024), SpecialStatus::HospitalBased, false)],
                origin: StatusOrigin::CmsEligibility {
                    retrieved_on: NaiveDate::from_ymd_opt(2024, 10, 1).unwrap(),
                },
            },
        ],
        vec![ProfileWrite {
            year: year(2024),
            expected_version: 0,
            profile: ReportingProfile::default(),
        }],
    )
    .await
    .unwrap();
    s.tick();
    let py = st.get_practice_year(t, p.id, year(2024)).await.unwrap();
    st.set_practice_year(
        t,
        &owner(),
        p.id,
        year(2024),
        py.version,
        ReportingProfile {
            level: hardship_rules::ReportingLevel::Group,
            ..py.profile
        },
    )
    .await
    .unwrap();
    s.tick();

    // An application through every transition to approval, then voided by PI data.
    let mut a = st
        .create_application(
            t,
            &owner(),
            draft(p.id, 2024, HardshipReason::ExtremeUncontrollable),
        )
        .await
        .unwrap();
    s.tick();
    let mut edited = a.draft.clone();
    edited.description = "Flood — “server room” under water; EHR down 4 months.".into();
    edited.euc_kind = Some(EucKind::Disaster);
    a = st
        .update_application(t, &staff(), a.id, a.version, edited)
        .await
        .unwrap();
    for tr in [
        Transition::MarkReady,
        Transition::BackToDraft,
        Transition::MarkReady,
    ] {
        s.tick();
        a = st
            .transition_application(t, &owner(), a.id, a.version, tr)
            .await
            .unwrap();
    }
    s.tick();
    // The ready packet signed by a person, with a name that is not ASCII.
    let signer = Actor {
        user: Some(user.id),
        label: user.email.clone(),
        role: Role::Staff,
    };
    st.sign_application(
        t,
        &signer,
        a.id,
        a.version,
        NewAttestation {
            typed_name: "Nguyễn Văn An".into(),
            packet_sha256: [3; 32],
        },
    )
    .await
    .unwrap();
    s.tick();
    a = st
        .transition_application(
            t,
            &owner(),
            a.id,
            a.version,
            Transition::Submit {
                channel: Channel::Portal,
                reference: "QPP-HS-0042".into(),
            },
        )
        .await
        .unwrap();
    s.tick();
    let email = st
        .record_document(t, &staff(), new_document(p.id, Some(a.id), 1))
        .await
        .unwrap();
    s.tick();
    a = st
        .transition_application(
            t,
            &owner(),
            a.id,
            a.version,
            Transition::Approve {
                decided_on: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
                email: Some(email.id),
                seen: None,
            },
        )
        .await
        .unwrap();
    s.tick();
    st.transition_application(
        t,
        &owner(),
        a.id,
        a.version,
        Transition::VoidByPiSubmission {
            note: "PI data sent by the vendor on 2025-03-01".into(),
        },
    )
    .await
    .unwrap();

    // One denied, one withdrawn.
    for last in [
        Transition::Deny {
            decided_on: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            email: None,
            seen: Some(DecisionSeen {
                channel: Channel::Portal,
                reference: "QPP portal, exceptions page".into(),
            }),
        },
        Transition::Withdraw,
    ] {
        s.tick();
        let mut b = st
            .create_application(
                t,
                &staff(),
                draft(p.id, 2024, HardshipReason::InsufficientInternet),
            )
            .await
            .unwrap();
        if matches!(last, Transition::Deny { .. }) {
            for tr in [
                Transition::MarkReady,
                Transition::Submit {
                    channel: Channel::Phone,
                    reference: "CALL-1".into(),
                },
            ] {
                b = st
                    .transition_application(t, &owner(), b.id, b.version, tr)
                    .await
                    .unwrap();
            }
        }
        let denied = matches!(last, Transition::Deny { .. });
        let b = st
            .transition_application(t, &owner(), b.id, b.version, last)
            .await
            .unwrap();
        if denied {
            // CMS's e-mail arrives after the denial was recorded from the portal.
            let mail = st
                .record_document(t, &staff(), new_document(p.id, Some(b.id), 2))
                .await
                .unwrap();
            st.transition_application(
                t,
                &owner(),
                b.id,
                b.version,
                Transition::LinkDecisionEmail { email: mail.id },
            )
            .await
            .unwrap();
        }
    }
    s.tick();

    // An EUC exception application for quality and cost, through to approval: its categories and
    // event are in the payloads, byte for byte on every backend.
    let mut e = st
        .create_application(
            t,
            &staff(),
            euc_draft(p.id, 2024, &[Category::Quality, Category::Cost]),
        )
        .await
        .unwrap();
    for tr in [
        Transition::MarkReady,
        Transition::Submit {
            channel: Channel::Portal,
            reference: "EUC-2024-1".into(),
        },
        Transition::Approve {
            decided_on: s.clock.now().date_naive(),
            email: None,
            seen: Some(DecisionSeen {
                channel: Channel::Portal,
                reference: "QPP portal, exceptions page".into(),
            }),
        },
    ] {
        s.tick();
        e = st
            .transition_application(t, &owner(), e.id, e.version, tr)
            .await
            .unwrap();
    }
    s.tick();

    // Corrections that keep history.
    let second = st
        .create_practice(t, &owner(), practice("987654321"))
        .await
        .unwrap();
    let second = st
        .archive_practice(
            t,
            &owner(),
            second.id,
            second.version,
            Some("entered twice".into()),
        )
        .await
        .unwrap();
    st.archive_practice(t, &owner(), second.id, second.version, None)
        .await
        .unwrap();
    let ada = st
        .archive_clinician(
            t,
            &owner(),
            ada.id,
            ada.version,
            Some("duplicate NPI row".into()),
        )
        .await
        .unwrap();
    st.archive_clinician(t, &owner(), ada.id, ada.version, None)
        .await
        .unwrap();
    st.edit_document(
        t,
        &staff(),
        email.id,
        DocumentEdit {
            kind: "cms_decision_email".into(),
            note: "CMS's e-mail of 2024-11-01 — “approved”".into(),
            superseded_by: None,
        },
    )
    .await
    .unwrap();
    s.tick();
    // Who looked at what.
    for change in [
        crate::engine::payloads::document_read(email.id, "download"),
        crate::engine::payloads::exported(
            "binder",
            "practice",
            p.id,
            serde_json::json!({"year": 2024}),
        ),
        crate::engine::payloads::guard_checked(p.id, 2024, true, "submission.json"),
        crate::engine::payloads::eligibility_fetched(
            "practice",
            p.id,
            serde_json::json!({"year": 2024, "npis": 2, "origin": "https://qpp.cms.gov"}),
        ),
    ] {
        st.record_observation(t, &auditor(), change).await.unwrap();
    }
    s.tick();
    // CMS's answers: not found, then a profile that replaces it and sets a status as CMS data.
    let answer = |outcome: CmsOutcome| CmsAnswer {
        practice: p.id,
        npi: npi(2),
        year: year(2024),
        retrieved_at: s.clock.now(),
        url: format!(
            "https://qpp.cms.gov/api/eligibility/npi/{}?year=2024",
            npi(2)
        ),
        api_version: "v6".into(),
        outcome,
    };
    st.record_cms_answer(
        t,
        &staff(),
        answer(CmsOutcome::NotFound {
            http_status: 404,
            error: "NoProviderInformation".into(),
            message: "No individual clinician information exists for this NPI".into(),
        }),
        None,
    )
    .await
    .unwrap();
    s.tick();
    st.record_cms_answer(
        t,
        &staff(),
        answer(CmsOutcome::Found {
            clinician: "ADA O'NEIL".into(),
            organization: "NGUYỄN VĂN AN FAMILY PRACTICE".into(),
            statuses: vec![CmsStatus {
                level: "individual".into(),
                name: "nonPatientFacing".into(),
                value: "true".into(),
            }],
        }),
        Some(RosterEntry {
            npi: npi(2),
            name: "Ada O'Neil".into(),
            clinician_type: ClinicianType::PhysicianAssistant,
            statuses: vec![(year(2024), SpecialStatus::NonPatientFacing, true)],
            origin: StatusOrigin::CmsEligibility {
                retrieved_on: s.clock.now().date_naive(),
            },
        }),
    )
    .await
    .unwrap();
    s.tick();

    st.record_decision(
        t,
        &owner(),
        StoredDecision {
            id: DecisionId(uuid::Uuid::from_u128(777)),
            tenant: t,
            practice: p.id,
            clinician: Some(ada.id),
            year: year(2024),
            rule_set_version: "2024-00112233aabbccdd".into(),
            reweighted: true,
            basis: "special_status:hospital_based".into(),
            explanation: serde_json::json!({"summary": "reweighted", "sources": ["ASA-SS-2024"]}),
            decided_at: in_2024(),
        },
    )
    .await
    .unwrap();
    s.tick();
    st.record_refused_deletion(t, &auditor(), email.id, "evidence is kept for audit")
        .await
        .unwrap();
    st.record_observation(
        t,
        &Actor::system(),
        crate::engine::payloads::document_integrity_failed(email.id, "sha256 differs"),
    )
    .await
    .unwrap();
    s.tick();

    let token = st
        .create_api_token(
            t,
            &owner(),
            "Billing export",
            Role::Staff,
            TokenScope::Api,
            [9; 32],
        )
        .await
        .unwrap();
    st.revoke_api_token(t, &owner(), token.id).await.unwrap();
    s.tick();

    let expires = s.clock.now() + chrono::Duration::days(7);
    st.create_invite(
        t,
        &owner(),
        invite("New.Person@Example.test", Role::Auditor, [1; 32], expires),
    )
    .await
    .unwrap();
    st.accept_invite(&[1; 32], s.clock.now(), new_account("$argon2id$y"))
        .await
        .unwrap();
    st.create_invite(
        t,
        &owner(),
        invite("owner@example.test", Role::Owner, [2; 32], expires),
    )
    .await
    .unwrap();
    st.accept_invite(
        &[2; 32],
        s.clock.now(),
        InviteAcceptance::SignedIn { user: user.id },
    )
    .await
    .unwrap();
    s.tick();
    let link = st
        .create_password_reset(user.id, [3; 32], s.clock.now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    st.reset_password(&link.token_hash, s.clock.now(), "$argon2id$reset")
        .await
        .unwrap()
        .unwrap();
    members(s, t, p.id).await;
    reviews(s, t, p.id).await;
    t
}

/// The script on one backend: it writes every action, and its chain verifies.
pub async fn the_script_keeps_one_intact_chain(f: &dyn StoreFactory) {
    let events = run(f).await;
    for action in EVERY_ACTION {
        assert!(
            events.iter().any(|e| e.action == *action),
            "the script never wrote {action}"
        );
    }
    let tenant = events[0].tenant;
    assert_eq!(
        crate::audit::verify_chain(tenant, &events).unwrap(),
        events.len()
    );
}

//! The behaviour suite every backend passes: tenant isolation for every entity, one audit event per
//! change with an intact chain, optimistic concurrency, bad input refused with nothing written, the
//! application state machine with its deadline, status precedence, concurrent writers, and the
//! [`script`] whose audit payloads must be the same, byte for byte, on every backend.
//!
//! A backend's tests implement [`StoreFactory`] (a fresh, empty store per call) and expand
//! [`behaviour_suite!`](crate::behaviour_suite), which makes one test per case so each failure is
//! reported on its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::application::Transition;
use crate::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hardship_rules::{
    Category, ClinicianType, EucEventType, HardshipReason, Npi, PerformanceYear, SpecialStatus, Tin,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Client members, members changed and removed, attestations.
mod clients;
/// The EUC exception application: categories, events, levels, reopened one-reason windows.
mod euc;
/// Tenant isolation, audit, concurrency, bad input and auditors.
mod isolation;
/// Password reset links and reminders sent once.
mod mailing;
/// Sessions, API tokens, invitations and sign-in attempts.
mod people;
/// Client lists of many practices.
mod portfolio;
/// Practices and clinicians over time: rosters, profiles, revisions and corrections.
mod practices;
/// Applications, statuses, CMS's answers, decisions and documents.
mod records;
/// Targeted-review cases and data validation and audit requests.
mod reviews;
/// One script of every action, for comparing backends.
pub mod script;

pub use clients::*;
pub use euc::*;
pub use isolation::*;
pub use mailing::*;
pub use people::*;
pub use portfolio::*;
pub use practices::*;
pub use records::*;
pub use reviews::*;
pub use script::the_script_keeps_one_intact_chain;

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

pub(crate) fn owner() -> Actor {
    Actor {
        user: None,
        label: "owner@example.test".into(),
        role: Role::Owner,
    }
}

pub(crate) fn auditor() -> Actor {
    Actor {
        user: None,
        label: "auditor@example.test".into(),
        role: Role::Auditor,
    }
}

/// An invitation of `email` with a role and no practices.
pub(crate) fn invite(
    email: &str,
    role: Role,
    token_hash: [u8; 32],
    expires_at: DateTime<Utc>,
) -> NewInvite {
    NewInvite {
        email: email.to_owned(),
        role,
        practices: Vec::new(),
        token_hash,
        expires_at,
    }
}

pub(crate) fn in_2024() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 1, 12, 0, 0).unwrap()
}

pub(crate) fn practice(tin: &str) -> NewPractice {
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
        euc: None,
    }
}

/// An EUC exception application of the group for `categories`, citing a disaster.
pub fn euc_draft(practice: PracticeId, year: u16, categories: &[Category]) -> ApplicationDraft {
    ApplicationDraft {
        euc_kind: None,
        euc: Some(EucRequest {
            categories: categories.to_vec(),
            event: EucEventType::Disaster,
        }),
        ..draft(practice, year, HardshipReason::ExtremeUncontrollable)
    }
}

pub(crate) struct World {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<TestClock>,
    pub(crate) a: TenantId,
    pub(crate) b: TenantId,
    pub(crate) practice: Practice,
    pub(crate) clinician: Clinician,
    pub(crate) application: Application,
    pub(crate) document: Document,
}

pub(crate) async fn world(f: &dyn StoreFactory) -> World {
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

pub(crate) fn new_document(
    practice: PracticeId,
    application: Option<ApplicationId>,
    n: u128,
) -> NewDocument {
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

pub(crate) fn staff() -> Actor {
    Actor {
        user: None,
        label: "staff@example.test".into(),
        role: Role::Staff,
    }
}

pub(crate) fn year(y: u16) -> PerformanceYear {
    PerformanceYear::new(y).unwrap()
}

/// One `#[tokio::test]` per case of the suite, each on a fresh store from `$factory` (an async function
/// returning `Option<impl StoreFactory>`; `None` skips, for a server that is not there outside CI).
#[macro_export]
macro_rules! behaviour_suite {
    ($factory:path) => {
        $crate::behaviour_suite!(@cases $factory;
            tenant_isolation, one_audit_event_per_change, optimistic_concurrency,
            bad_input_writes_nothing, auditor_changes_nothing, application_lifecycle,
            illegal_transitions_and_deadline, status_precedence, decisions_keep_rule_set_version,
            concurrent_writers_keep_one_chain, sessions_and_api_tokens,
            clinician_edits_and_roster_import, practice_year_profiles, revision_follows_every_change,
            invitations, session_tenant_and_sign_out_everywhere, text_limits_are_the_same_everywhere,
            sign_in_attempts_are_reserved_counted_and_released,
            concurrent_sign_in_attempts_cannot_exceed_the_limit, racing_invitations_make_one_account,
            the_script_keeps_one_intact_chain, corrections_keep_history,
            documents_are_corrected_not_rewritten,
            decisions_carry_their_email_or_where_they_were_seen,
            client_list_import_creates_updates_and_changes_nothing_twice,
            client_list_import_is_all_or_nothing,
            password_reset_links_work_once,
            racing_password_resets_use_the_link_once, reminders_are_claimed_once,
            concurrent_reminder_claims_pick_one_sender,
            cms_answers_are_kept_per_practice_npi_and_year,
            targeted_review_cases_go_from_draft_to_a_final_decision,
            late_targeted_reviews_are_refused_unless_the_window_is_unconfirmed,
            dva_requests_keep_a_checklist,

            client_practices_follow_invitations_and_role_changes, the_last_owner_is_kept,
            clients_contribute_and_change_nothing_else, attestations_are_signed_once_per_packet,
            euc_applications_keep_their_categories_and_events,
            euc_windows_reopened_for_one_reason_refuse_others);
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(factory) = $factory().await else { return };
                $crate::testsuite::$case(&factory).await;
            }
        )*
    };
}

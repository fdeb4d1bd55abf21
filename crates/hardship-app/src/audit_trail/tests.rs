use super::*;
use chrono::TimeZone;
use hardship_rules::ids::Tin;
use hardship_rules::{ClinicianType, HardshipReason};
use hardship_store::audit::Change;
use hardship_store::engine::payloads;
use hardship_store::testsuite::{draft, npi};
use hardship_store::*;
use uuid::Uuid;

struct World {
    practice: Practice,
    clinician: Clinician,
    application: Application,
    document: Document,
    names: Names,
}

fn world() -> World {
    let at = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    let tenant = TenantId(Uuid::from_u128(1));
    let practice = Practice {
        id: PracticeId(Uuid::from_u128(2)),
        tenant,
        tin: Tin::parse("123456789").unwrap(),
        name: "Nguyễn Văn An Clinic".into(),
        address: "1 Main St".into(),
        contact: Contact {
            name: "Zoë".into(),
            email: "zoe@clinic.test".into(),
            phone: "555".into(),
        },
        zip: None,
        archived: None,
        version: 1,
        created_at: at,
    };
    let clinician = Clinician {
        id: ClinicianId(Uuid::from_u128(3)),
        tenant,
        practice: practice.id,
        npi: npi(1),
        name: "Łukasz Wróbel".into(),
        clinician_type: ClinicianType::Physician,
        joined_on: None,
        left_on: None,
        archived: None,
        version: 1,
        created_at: at,
    };
    let application = Application {
        id: ApplicationId(Uuid::from_u128(4)),
        tenant,
        draft: draft(practice.id, 2025, HardshipReason::DecertifiedEhr),
        state: ApplicationState::Draft,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    let document = Document {
        id: DocumentId(Uuid::from_u128(5)),
        tenant,
        practice: practice.id,
        application: Some(application.id),
        kind: "cms_decision_email".into(),
        filename: "approval.eml".into(),
        content_type: "message/rfc822".into(),
        size: 10,
        sha256: [7; 32],
        object_key: "k".into(),
        retain_until: chrono::NaiveDate::from_ymd_opt(2035, 12, 31).unwrap(),
        uploaded_by: "zoe@clinic.test".into(),
        uploaded_at: at,
        note: String::new(),
        superseded_by: None,
    };
    let names = Names::new(Records {
        organization: ("00000000-0000-0000-0000-000000000001", "Łódź Consulting"),
        practices: std::slice::from_ref(&practice),
        clinicians: std::slice::from_ref(&clinician),
        applications: std::slice::from_ref(&application),
        documents: std::slice::from_ref(&document),
        members: &[],
        tokens: &[],
    });
    World {
        practice,
        clinician,
        application,
        document,
        names,
    }
}

fn event(seq: i64, day: u32, who: &str, c: Change) -> AuditEvent {
    let at = Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap();
    let actor = Actor {
        user: None,
        label: who.into(),
        role: Role::Owner,
    };
    AuditEvent::next(
        TenantId(Uuid::from_u128(1)),
        (seq > 1).then_some((seq - 1, [0; 32])),
        at,
        &actor,
        c,
    )
}

#[test]
fn events_read_as_sentences_with_names() {
    let w = world();
    let mut archived = w.clinician.clone();
    archived.archived = Some(Archive {
        at: w.practice.created_at,
        by: "zoe@clinic.test".into(),
        why: "entered twice".into(),
    });
    let e = describe(
        &event(
            1,
            2,
            "zoe@clinic.test",
            payloads::clinician_archived(&archived),
        ),
        &w.names,
    );
    assert_eq!(
        e.sentence,
        format!(
            "zoe@clinic.test archived Łukasz Wróbel (NPI {}) of Nguyễn Văn An Clinic (TIN 123456789): entered twice.",
            w.clinician.npi
        )
    );
    assert_eq!(e.practice, Some(w.practice.id));
    assert_eq!(e.what, "clinician archived");

    let read = describe(
        &event(
            2,
            2,
            "auditor@x.test",
            payloads::document_read(w.document.id, "download"),
        ),
        &w.names,
    );
    assert_eq!(
        read.sentence,
        "auditor@x.test opened the file approval.eml (download)."
    );
    assert!(read.observation && read.changes.is_empty());
    assert_eq!(
        read.practice,
        Some(w.practice.id),
        "a document belongs to its practice"
    );
}

#[test]
fn an_approval_says_where_it_was_seen() {
    let w = world();
    let mut after = w.application.clone();
    after.state = ApplicationState::Approved {
        submitted: Box::new(ApplicationState::Submitted {
            channel: Channel::Portal,
            reference: "QPP-1".into(),
            at: w.practice.created_at,
            by: "zoe".into(),
        }),
        decided_on: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
        email: None,
        seen: Some(DecisionSeen {
            channel: Channel::Phone,
            reference: "CALL-77".into(),
        }),
    };
    let c = payloads::application_transitioned("application.approve", &w.application, &after);
    let e = describe(&event(1, 3, "zoe@clinic.test", c), &w.names);
    assert_eq!(
        e.sentence,
        "zoe@clinic.test recorded that CMS approved the decertified EHR technology application for 2025 on 2025-09-01, seen in the phone call (reference CALL-77) — the e-mail is not on file."
    );
    assert!(e.changes.is_empty(), "the sentence says it; no field dump");
    let mut linked = after.clone();
    if let ApplicationState::Approved { email, seen, .. } = &mut linked.state {
        *email = Some(w.document.id);
        *seen = None;
    }
    let c = payloads::application_transitioned("application.link_email", &after, &linked);
    let e = describe(&event(2, 4, "zoe@clinic.test", c), &w.names);
    assert!(
        e.sentence
            .contains("linked CMS's decision e-mail (the file approval.eml)"),
        "{}",
        e.sentence
    );
}

#[test]
fn corrections_show_fields_before_and_after() {
    let w = world();
    let mut fixed = w.practice.clone();
    fixed.tin = Tin::parse("987654321").unwrap();
    let e = describe(
        &event(1, 2, "cli", payloads::practice_updated(&w.practice, &fixed)),
        &w.names,
    );
    assert_eq!(
        e.changes,
        vec![FieldChange {
            field: "TIN".into(),
            before: "123456789".into(),
            after: "987654321".into()
        }]
    );
    let mut doc = w.document.clone();
    doc.kind = "barrier_documentation".into();
    doc.note = "was filed as the CMS e-mail".into();
    let e = describe(
        &event(2, 2, "cli", payloads::document_edited(&w.document, &doc)),
        &w.names,
    );
    assert_eq!(e.changes[0].before, "CMS approval or denial e-mail");
    assert_eq!(
        e.changes[0].after,
        "small-practice overwhelming-barrier documentation"
    );
    assert_eq!(e.changes[1].field, "note");
}

#[test]
fn filters_narrow_by_practice_person_action_and_dates() {
    let w = world();
    let other = PracticeId(Uuid::from_u128(99));
    let mut other_practice = w.practice.clone();
    other_practice.id = other;
    let events = vec![
        event(
            1,
            1,
            "zoe@clinic.test",
            payloads::practice_created(&w.practice),
        ),
        event(
            2,
            2,
            "Ana@Consult.test",
            payloads::clinician_added(&w.clinician),
        ),
        event(
            3,
            3,
            "ana@consult.test",
            payloads::practice_created(&other_practice),
        ),
        event(
            4,
            4,
            "zoe@clinic.test",
            payloads::document_read(w.document.id, "download"),
        ),
        event(
            5,
            5,
            "zoe@clinic.test",
            payloads::application_created(&w.application),
        ),
    ];
    let seqs = |f: AuditFilter| -> Vec<i64> {
        read(&events, &w.names, &f).iter().map(|e| e.seq).collect()
    };
    assert_eq!(seqs(AuditFilter::default()), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        seqs(AuditFilter {
            practice: Some(w.practice.id),
            ..Default::default()
        }),
        vec![1, 2, 4, 5],
        "the practice's own events, its clinicians', documents' and applications'"
    );
    assert_eq!(
        seqs(AuditFilter {
            person: Some("ANA@consult.test".into()),
            ..Default::default()
        }),
        vec![2, 3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some("practice".into()),
            ..Default::default()
        }),
        vec![1, 3]
    );
    assert_eq!(
        seqs(AuditFilter {
            action: Some("practice.create".into()),
            ..Default::default()
        }),
        vec![1, 3]
    );
    assert!(
        seqs(AuditFilter {
            action: Some("practice.cr".into()),
            ..Default::default()
        })
        .is_empty(),
        "a family is a whole word"
    );
    let d = |n| chrono::NaiveDate::from_ymd_opt(2025, 3, n);
    assert_eq!(
        seqs(AuditFilter {
            from: d(2),
            to: d(4),
            ..Default::default()
        }),
        vec![2, 3, 4]
    );
    assert_eq!(
        seqs(AuditFilter {
            from: d(2),
            practice: Some(w.practice.id),
            person: Some("zoe@clinic.test".into()),
            ..Default::default()
        }),
        vec![4, 5]
    );
}

#[test]
fn csv_opens_in_excel_with_names_and_neutralised_cells() {
    let w = world();
    let mut evil = w.practice.clone();
    evil.name = "=HYPERLINK(\"x\")".into();
    let names = Names::new(Records {
        organization: ("o", "O"),
        practices: std::slice::from_ref(&evil),
        clinicians: &[],
        applications: &[],
        documents: &[],
        members: &[],
        tokens: &[],
    });
    let mut fixed = w.practice.clone();
    fixed.name = "Nguyễn Văn An Clinic".into();
    let entries = read(
        &[event(
            1,
            2,
            "cli",
            payloads::practice_updated(&evil, &fixed),
        )],
        &names,
        &AuditFilter::default(),
    );
    let bytes = csv(&entries).unwrap();
    assert!(bytes.starts_with(hardship_formats::spreadsheet::BOM));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[3], "practice changed");
    assert!(
        row[4].starts_with('\''),
        "a formula is neutralised: {:?}",
        &row[4]
    );
    assert!(
        row[6].contains("name: =HYPERLINK") || row[6].starts_with('\''),
        "{:?}",
        &row[6]
    );
    assert!(row[6].contains("→ Nguyễn Văn An Clinic"));
    assert_eq!(row[9].len(), 64);
}

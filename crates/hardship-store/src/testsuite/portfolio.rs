//! Client-list imports: many practices by TIN in one transaction.

use super::*;

fn entry(n: u32, name: &str, t: ClinicianType) -> RosterEntry {
    RosterEntry {
        npi: npi(n),
        name: name.into(),
        clinician_type: t,
        statuses: vec![],
        origin: StatusOrigin::Imported,
    }
}

fn list() -> Vec<PracticeImport> {
    vec![
        // The world's practice (TIN 123456789) under a new name, with one more clinician.
        PracticeImport {
            tin: Tin::parse("12-3456789").unwrap(),
            name: "Acme Family Medicine".into(),
            zip: None,
            level: Some(hardship_rules::ReportingLevel::Group),
            clinicians: vec![
                entry(1, "Dr. Ada", ClinicianType::Physician),
                entry(2, "Nguyễn Văn An", ClinicianType::NursePractitioner),
            ],
        },
        PracticeImport {
            tin: Tin::parse("987654321").unwrap(),
            name: "Łukasz Wróbel Clinic".into(),
            zip: Some(hardship_rules::Zip5::parse("02115").unwrap()),
            level: None,
            clinicians: vec![entry(3, "Łukasz Wróbel", ClinicianType::PhysicalTherapist)],
        },
    ]
}

pub async fn client_list_import_creates_updates_and_changes_nothing_twice(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let sum = s
        .import_portfolio(w.a, &staff(), year(2024), list())
        .await
        .unwrap();
    assert_eq!(
        (
            sum.practices_created,
            sum.practices_updated,
            sum.practices_unchanged,
            sum.levels_set
        ),
        (1, 1, 0, 1)
    );
    assert_eq!(
        (sum.roster.added, sum.roster.unchanged, sum.roster.updated),
        (2, 1, 0)
    );
    let practices = s.list_practices(w.a).await.unwrap();
    assert_eq!(practices.len(), 2);
    let renamed = s.get_practice(w.a, w.practice.id).await.unwrap();
    assert_eq!(renamed.name, "Acme Family Medicine");
    let level = s
        .get_practice_year(w.a, w.practice.id, year(2024))
        .await
        .unwrap()
        .profile;
    assert!(level.level_decided && level.level == hardship_rules::ReportingLevel::Group);
    // One event per change: a practice created, one renamed, two clinicians, one level.
    let written = s.audit_events(w.a, None).await.unwrap().len();
    assert_eq!(written - before, 5);
    // The same list again changes nothing and writes nothing.
    let again = s
        .import_portfolio(w.a, &staff(), year(2024), list())
        .await
        .unwrap();
    assert_eq!(
        (
            again.practices_created,
            again.practices_updated,
            again.practices_unchanged,
            again.levels_set,
            again.roster.added,
            again.roster.unchanged
        ),
        (0, 0, 2, 0, 0, 3)
    );
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), written);
    // Another tenant sees none of it; the same TINs there are its own practices.
    assert!(s.list_practices(w.b).await.unwrap().is_empty());
    let theirs = s
        .import_portfolio(w.b, &staff(), year(2024), list())
        .await
        .unwrap();
    assert_eq!(theirs.practices_created, 2);
    assert_eq!(s.list_practices(w.a).await.unwrap().len(), 2);
}

pub async fn client_list_import_is_all_or_nothing(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let mut bad = list();
    bad[1]
        .clinicians
        .push(entry(4, "  ", ClinicianType::Physician));
    assert!(matches!(
        s.import_portfolio(w.a, &staff(), year(2024), bad).await,
        Err(StoreError::Invalid { field: "name", .. })
    ));
    assert!(matches!(
        s.import_portfolio(w.a, &auditor(), year(2024), list())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(s.list_practices(w.a).await.unwrap().len(), 1);
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), before);
    // An archived practice is left alone and named.
    let p = s.get_practice(w.a, w.practice.id).await.unwrap();
    s.archive_practice(w.a, &staff(), p.id, p.version, Some("client left".into()))
        .await
        .unwrap();
    let sum = s
        .import_portfolio(w.a, &staff(), year(2024), list())
        .await
        .unwrap();
    assert_eq!(sum.archived_skipped, vec!["123456789".to_owned()]);
    assert_eq!(s.list_clinicians(w.a, p.id).await.unwrap().len(), 1);
}

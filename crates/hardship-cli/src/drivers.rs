//! Test drivers (the `test-drivers` feature, off in the shipped binary): filling an installation with
//! synthetic data for the load benchmark and the end-to-end tests (`hardship debug seed`).

use hardship_store::Store;
use serde::Serialize;

/// What `hardship debug seed` made.
#[derive(Debug, Serialize)]
pub struct SeedReport {
    pub tenant: String,
    pub email: String,
    pub token: String,
    pub practices: Vec<String>,
    pub clinicians: u64,
}

/// A consultancy with `practices` practices of `clinicians` clinicians each, for the load benchmark: every
/// fourth practice has a hospital-based clinician, every other one reports as a group, every fifth has a
/// submitted application. One transaction per practice (its roster and profile together).
pub async fn seed_portfolio(
    store: &dyn Store,
    password_hash: &str,
    practices: u32,
    clinicians: u32,
    year: hardship_rules::PerformanceYear,
    token_role: hardship_store::Role,
) -> Result<SeedReport, String> {
    use hardship_rules::{ClinicianType, HardshipReason, Npi, ReportingLevel, SpecialStatus, Tin};
    use hardship_store::*;
    let e = |e: StoreError| e.to_string();
    let actor = Actor {
        user: None,
        label: "seed".into(),
        role: Role::Owner,
    };
    let org = store
        .create_organization(
            &actor,
            "Benchmark Consulting",
            OrganizationKind::Consultancy,
        )
        .await
        .map_err(e)?;
    let email = format!("owner-{}@bench.test", &org.id.to_string()[..8]);
    let user = store.create_user(&email, password_hash).await.map_err(e)?;
    store
        .add_membership(org.id, &actor, user.id, Role::Owner)
        .await
        .map_err(e)?;
    // Minted by the use case the API uses (same prefix, same stored hash), recorded as `seed`.
    let principal = hardship_app::Principal {
        label: actor.label.clone(),
        ..hardship_app::Principal::cli(org.id)
    };
    let token = hardship_app::access::mint_token_unchecked(
        store,
        &principal,
        "benchmark",
        token_role,
        TokenScope::Api,
    )
    .await
    .map_err(|e| match e {
        hardship_app::AppError::Internal(m) | hardship_app::AppError::Unavailable(m) => m,
        other => other.to_string(),
    })?
    .secret;
    let mut ids = Vec::new();
    let mut serial: u32 = 0;
    for i in 0..practices {
        let tin = Tin::parse(&format!("{:09}", 100_000_000 + i)).map_err(|e| e.to_string())?;
        let p = store
            .create_practice(
                org.id,
                &actor,
                NewPractice {
                    tin,
                    name: format!("Practice {i:04}"),
                    address: format!("{i} Main Street"),
                    contact: Contact {
                        name: "Pat Doe".into(),
                        email: "pat@example.test".into(),
                        phone: "555-0100".into(),
                    },
                    zip: None,
                },
            )
            .await
            .map_err(e)?;
        let mut entries = Vec::with_capacity(clinicians as usize);
        for j in 0..clinicians {
            serial += 1;
            let base = format!("{:09}", 200_000_000 + serial);
            let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
            let npi = Npi::parse(&format!("{base}{d}")).map_err(|e| e.to_string())?;
            let clinician_type = if j % 5 == 4 {
                ClinicianType::NursePractitioner
            } else {
                ClinicianType::Physician
            };
            let statuses = if i % 4 == 0 && j == 0 {
                vec![(year, SpecialStatus::HospitalBased, true)]
            } else {
                vec![]
            };
            entries.push(RosterEntry {
                npi,
                name: format!("Clinician {serial}"),
                clinician_type,
                statuses,
                origin: StatusOrigin::Imported,
            });
        }
        let profile = ReportingProfile {
            level: if i % 2 == 0 {
                ReportingLevel::Group
            } else {
                ReportingLevel::Individual
            },
            scores: ScoreEstimates {
                quality: Some(70.0 + f64::from(i % 30)),
                cost: Some(50.0),
                ia: Some(100.0),
                pi: Some(60.0),
            },
            ..ReportingProfile::default()
        };
        store
            .import_roster(
                org.id,
                &actor,
                p.id,
                entries,
                vec![ProfileWrite {
                    year,
                    expected_version: 0,
                    profile,
                }],
            )
            .await
            .map_err(e)?;
        if i % 5 == 0 {
            let draft = ApplicationDraft {
                practice: p.id,
                year,
                applicant: Applicant::Group { tin },
                reason: HardshipReason::InsufficientInternet,
                circumstance_start: None,
                circumstance_end: None,
                description: "No broadband at the rural site.".into(),
                submitter: Submitter {
                    first_name: "Pat".into(),
                    last_name: "Doe".into(),
                    email: "pat@example.test".into(),
                    phone: "555-0100".into(),
                    extension: String::new(),
                },
                euc_kind: None,
                facts: ApplicationFacts {
                    insufficient_internet: true,
                    ..ApplicationFacts::default()
                },
                attested: true,
                euc: None,
            };
            let app = store
                .create_application(org.id, &actor, draft)
                .await
                .map_err(e)?;
            store
                .transition_application(org.id, &actor, app.id, 1, Transition::MarkReady)
                .await
                .map_err(e)?;
        }
        ids.push(p.id.to_string());
    }
    Ok(SeedReport {
        tenant: org.id.to_string(),
        email,
        token,
        practices: ids,
        clinicians: u64::from(practices) * u64::from(clinicians),
    })
}

//! The audit binder of a practice-year: everything an auditor asks for, years later, with both
//! verifications (the audit chain, and every document re-read from the vault) run when it is made.

use super::{docs_table, history_table, when};
use crate::App;
use crate::assess::Assessment;
use crate::error::AppError;
use crate::evidence::{self, AuditCheck};
use crate::pdf::{self, Block, Column, Section};
use crate::practice_years;
use crate::principal::Principal;
use crate::years;
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::*;

pub struct Binder {
    pub organization: String,
    pub practice: Practice,
    pub year: PerformanceYear,
    pub assessment: Assessment,
    pub decisions: Vec<StoredDecision>,
    pub applications: Vec<(Application, Vec<AuditEvent>)>,
    pub documents: Vec<Document>,
    /// Each document re-read from the vault: (id, Ok or the failure).
    pub vault_checks: Vec<(DocumentId, Result<(), String>)>,
    pub audit_extract: Vec<AuditEvent>,
    pub chain: AuditCheck,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
}

/// Gathers a practice-year's binder: the records, and both verifications run now.
pub async fn binder(
    app: &App,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
) -> Result<Binder, AppError> {
    let b = practice_years::practice_year(app, p, practice, year).await?;
    let org = app.store.get_organization(p.tenant).await?;
    let decisions: Vec<StoredDecision> = app
        .store
        .list_decisions(p.tenant, practice)
        .await?
        .into_iter()
        .filter(|d| d.year == year)
        .collect();
    let apps: Vec<&Application> = b
        .applications
        .iter()
        .filter(|a| a.draft.year == year)
        .collect();
    let mut applications = Vec::new();
    for a in &apps {
        let mut events = app
            .store
            .audit_events(p.tenant, Some(&a.id.to_string()))
            .await?;
        for d in b.documents.iter().filter(|d| d.application == Some(a.id)) {
            events.extend(
                app.store
                    .audit_events(p.tenant, Some(&d.id.to_string()))
                    .await?,
            );
        }
        events.sort_by_key(|e| e.seq);
        applications.push(((*a).clone(), events));
    }
    // The year's evidence: filed with one of its applications, or kept until the year's retain-until date
    // (which is how a practice-level upload names its year).
    let year_end = years::rules(year)?.retain_until();
    let docs: Vec<&Document> = b
        .documents
        .iter()
        .filter(|d| {
            d.application
                .is_some_and(|x| apps.iter().any(|a| a.id == x))
                || (d.application.is_none() && d.retain_until == year_end)
        })
        .collect();
    let all = app.store.audit_events(p.tenant, None).await?;
    let mut vault_checks = Vec::new();
    for d in &docs {
        // The record against its upload event, the key against the record, the bytes against both.
        let upload = all.iter().find(|e| {
            e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD
                && e.entity_id == d.id.to_string()
        });
        let r = match hardship_store::integrity::document(d, upload) {
            Some(f) => Err(f.problem),
            None => match app.vault.check_key(p.tenant.0, d.id.0, &d.object_key) {
                Err(e) => Err(e.to_string()),
                Ok(()) => app
                    .vault
                    .verify(p.tenant.0, &d.object_key, &d.sha256)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            },
        };
        vault_checks.push((d.id, r));
    }
    // The audit trail of everything in the binder: the practice, its clinicians, applications, documents.
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    ids.insert(practice.to_string());
    ids.extend(b.clinicians.iter().map(|c| c.id.to_string()));
    ids.extend(apps.iter().map(|a| a.id.to_string()));
    ids.extend(docs.iter().map(|d| d.id.to_string()));
    ids.extend(decisions.iter().map(|d| d.id.to_string()));
    let audit_extract = all
        .iter()
        .filter(|e| ids.contains(&e.entity_id))
        .cloned()
        .collect();
    let chain = evidence::verify_audit(app, p).await?;
    // The binder re-read every document of the year: one event says so.
    super::export::record_export(
        app,
        p,
        "binder",
        "practice",
        practice,
        serde_json::json!({ "year": year.get(), "documents_read": docs.len() }),
    )
    .await?;
    Ok(Binder {
        organization: org.name,
        practice: b.practice.clone(),
        year,
        assessment: b.assessment.clone(),
        decisions,
        applications,
        documents: docs.into_iter().cloned().collect(),
        vault_checks,
        audit_extract,
        chain,
        generated_at: app.now(),
        generated_by: p.label.clone(),
    })
}

/// The binder as a printable document.
pub fn binder_pdf(b: &Binder) -> pdf::Document {
    let a = &b.assessment;
    let mut decisions = vec![Block::Paragraph(format!(
        "{} clinician(s) billing under the TIN{}; the practice reports as {}. Reweighted automatically: {}; by an approved hardship: {}; not reweighted: {}. Rule set {}.",
        a.clinician_count,
        if a.small_practice {
            " (a small practice)"
        } else {
            ""
        },
        a.level,
        a.reweighted_automatically,
        a.reweighted_by_hardship,
        a.not_reweighted,
        a.rule_set_version
    ))];
    for al in &a.alerts {
        decisions.push(Block::Note(al.text.clone()));
    }
    if let Some(g) = &a.group {
        decisions.push(Block::Heading("The TIN as a group".into()));
        decisions.push(Block::Paragraph(format!(
            "{} ({}). {}",
            if g.reweighted {
                "Reweighted"
            } else {
                "Not reweighted"
            },
            g.basis,
            g.explanation.summary
        )));
        for d in &g.explanation.details {
            decisions.push(Block::Paragraph(format!("• {d}")));
        }
        decisions.push(Block::Paragraph(format!(
            "Sources: {}",
            g.explanation.sources.join(", ")
        )));
    }
    decisions.push(Block::Heading("Clinicians".into()));
    decisions.push(Block::Table {
        columns: vec![
            Column {
                title: "Clinician".into(),
                width: 2.2,
            },
            Column {
                title: "NPI".into(),
                width: 1.2,
            },
            Column {
                title: "Type".into(),
                width: 1.6,
            },
            Column {
                title: "Statuses (origin)".into(),
                width: 2.4,
            },
            Column {
                title: "On its own".into(),
                width: 1.8,
            },
            Column {
                title: "As reported".into(),
                width: 1.0,
            },
        ],
        rows: a
            .clinicians
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.npi.clone(),
                    c.clinician_type.clone(),
                    c.statuses
                        .iter()
                        .map(|s| format!("{} {} ({})", s.status, s.value, s.origin))
                        .collect::<Vec<_>>()
                        .join("; "),
                    c.individual.basis.clone(),
                    if c.reweighted {
                        "reweighted"
                    } else {
                        "PI counts"
                    }
                    .into(),
                ]
            })
            .collect(),
    });
    decisions.push(Block::Heading("Explanations and sources".into()));
    for c in &a.clinicians {
        let e = &c.individual.explanation;
        let mut text = format!("{} (NPI {}): {}", c.name, c.npi, e.summary);
        for d in &e.details {
            text.push_str(&format!("\n• {d}"));
        }
        text.push_str(&format!("\nSources: {}", e.sources.join(", ")));
        if !e.unconfirmed.is_empty() {
            text.push_str(&format!("\nUNCONFIRMED: {}", e.unconfirmed.join("; ")));
        }
        decisions.push(Block::Paragraph(text));
    }
    if !b.decisions.is_empty() {
        decisions.push(Block::Heading("Decisions filed".into()));
        decisions.push(Block::Table {
            columns: vec![
                Column {
                    title: "Filed".into(),
                    width: 1.6,
                },
                Column {
                    title: "Clinician".into(),
                    width: 2.6,
                },
                Column {
                    title: "Basis".into(),
                    width: 2.2,
                },
                Column {
                    title: "Reweighted".into(),
                    width: 1.0,
                },
                Column {
                    title: "Rule set".into(),
                    width: 1.6,
                },
            ],
            rows: b
                .decisions
                .iter()
                .map(|d| {
                    vec![
                        when(&d.decided_at),
                        d.clinician.map_or_else(
                            || "the group".into(),
                            |c| {
                                a.clinicians
                                    .iter()
                                    .find(|x| x.clinician == c.0)
                                    .map_or_else(
                                        || c.to_string(),
                                        |x| format!("{} ({})", x.name, x.npi),
                                    )
                            },
                        ),
                        d.basis.clone(),
                        d.reweighted.to_string(),
                        d.rule_set_version.clone(),
                    ]
                })
                .collect(),
        });
    }
    let mut apps = Vec::new();
    if b.applications.is_empty() {
        apps.push(Block::Paragraph(format!("No application for {}.", b.year)));
    }
    for (ap, events) in &b.applications {
        let d = &ap.draft;
        apps.push(Block::Heading(format!(
            "{} — {} ({})",
            d.reason.label(),
            ap.state.name(),
            ap.id
        )));
        let applicant = match &d.applicant {
            Applicant::Individual { npi, tin } => format!("individual, TIN {tin}, NPI {npi}"),
            Applicant::Group { tin } => format!("group, TIN {tin}"),
            Applicant::VirtualGroup { identifier } => format!("virtual_group {identifier}"),
        };
        let s = &d.submitter;
        let mut kv = vec![
            ("Applicant".to_owned(), applicant),
            ("Supplemental information".to_owned(), d.description.clone()),
            (
                "Submitter".to_owned(),
                format!("{} {} <{}> {}", s.first_name, s.last_name, s.email, s.phone),
            ),
        ];
        if let Some(sent) = ap.state.sent() {
            kv.push((
                "Sent".into(),
                format!(
                    "{} reference {} on {}",
                    sent.channel.code(),
                    sent.reference,
                    when(&sent.at)
                ),
            ));
        }
        if let Some((decided_on, email)) = ap.state.decision() {
            let email = email.and_then(|id| b.documents.iter().find(|x| x.id == id));
            kv.push((
                "CMS decision".into(),
                format!(
                    "{} on {decided_on}{}",
                    ap.state.name(),
                    email.map_or_else(
                        || " (e-mail not on file)".to_owned(),
                        |e| format!("; e-mail {} SHA-256 {}", e.filename, hex::encode(e.sha256))
                    )
                ),
            ));
        }
        apps.push(Block::KeyValues(kv));
        apps.push(history_table(events));
    }
    let checks_ok = b.vault_checks.iter().filter(|(_, r)| r.is_ok()).count();
    let mut verify = vec![Block::KeyValues(vec![
        (
            "Audit hash chain".into(),
            if b.chain.ok {
                format!("intact: {} events recomputed and matching", b.chain.events)
            } else {
                format!("BROKEN: {}", b.chain.problem.clone().unwrap_or_default())
            },
        ),
        (
            "Evidence".into(),
            format!(
                "{checks_ok} of {} document(s) decrypted and matching their recorded SHA-256",
                b.vault_checks.len()
            ),
        ),
        (
            "Verified at".into(),
            format!("{} by {}", when(&b.generated_at), b.generated_by),
        ),
    ])];
    for (id, r) in &b.vault_checks {
        if let Err(e) = r {
            verify.push(Block::Note(format!("Document {id}: {e}")));
        }
    }
    pdf::Document {
        title: format!("Audit binder — PI reweighting and hardship, PY {}", b.year),
        subtitle: vec![
            b.organization.clone(),
            format!("{} (TIN {})", b.practice.name, b.practice.tin),
            b.practice.address.clone(),
            format!("Generated {} by {}", when(&b.generated_at), b.generated_by),
            format!(
                "Audit chain: {}",
                if b.chain.ok { "verified intact" } else { "BROKEN — see the last section" }
            ),
        ],
        sections: vec![
            Section { title: "Eligibility decisions".into(), blocks: decisions },
            Section { title: "Applications and CMS decisions".into(), blocks: apps },
            Section {
                title: "Evidence inventory".into(),
                blocks: vec![
                    Block::Paragraph(format!(
                        "{} document(s). Each is stored encrypted and written once; deletion is refused before its retain-until date.",
                        b.documents.len()
                    )),
                    docs_table(&b.documents),
                ],
            },
            Section {
                title: "Audit trail extract".into(),
                blocks: vec![
                    Block::Paragraph("Every change to the records above, oldest first, with each event's hash (SHA-256 over the previous event's hash and the event).".into()),
                    Block::Table {
                        columns: vec![
                            Column { title: "#".into(), width: 0.5 },
                            Column { title: "When".into(), width: 1.5 },
                            Column { title: "Who".into(), width: 1.5 },
                            Column { title: "What".into(), width: 1.4 },
                            Column { title: "Record".into(), width: 1.6 },
                            Column { title: "Hash".into(), width: 2.6 },
                        ],
                        rows: b
                            .audit_extract
                            .iter()
                            .map(|e| vec![
                                e.seq.to_string(),
                                when(&e.at),
                                e.actor_label.clone(),
                                e.action.clone(),
                                format!("{} {}", e.entity, e.entity_id),
                                hex::encode(e.hash),
                            ])
                            .collect(),
                    },
                ],
            },
            Section { title: "Verification".into(), blocks: verify },
        ],
    }
}

//! The audit binder of a practice-year: everything an auditor asks for, years later, with both
//! verifications (the audit chain, and every document re-read from the vault) run when it is made.

use super::mail_text::{self, MailText};
use super::{docs_table, history_table, when, with_changes};
use crate::App;
use crate::assess::Assessment;
use crate::audit_trail::{self, AuditEntry};
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
    /// Each application with its history (and its documents'), as sentences with names.
    pub applications: Vec<(Application, Vec<AuditEntry>)>,
    /// Each application's attestation as printed: who signed which packet, or that it is not signed
    /// for the packet as it reads now.
    pub attestations: Vec<(ApplicationId, String)>,
    pub documents: Vec<Document>,
    /// Each document re-read from the vault: (id, Ok or the failure).
    pub vault_checks: Vec<(DocumentId, Result<(), String>)>,
    /// CMS's decision e-mails that passed their check, with their text or why it cannot be printed.
    pub emails: Vec<(DocumentId, Result<MailText, String>)>,
    /// Every event of the binder's records, read with names, hashes kept.
    pub audit_extract: Vec<AuditEntry>,
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
    let org = app.store_for(p).get_organization(p.tenant).await?;
    let decisions: Vec<StoredDecision> = app
        .store_for(p)
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
    let all = app.store_for(p).audit_events(p.tenant, None).await?;
    let names = audit_trail::names(app, p).await?;
    let everything = audit_trail::read(&all, &names, &audit_trail::AuditFilter::default());
    let mut applications = Vec::new();
    let mut attestations = Vec::new();
    for a in &apps {
        let content = super::packet::content(a, &b)?;
        let sha = crate::attest::content_sha256(a, &b.practice, &org.name, &content);
        let signed = app.store_for(p).attestations(p.tenant, a.id).await?;
        let status = crate::attest::Status::of(&signed, sha);
        attestations.push((a.id, status.line(sha, a.draft.attested)));
        // The application's changes and its documents' (not who looked at them).
        let own: Vec<String> = std::iter::once(a.id.to_string())
            .chain(
                b.documents
                    .iter()
                    .filter(|d| d.application == Some(a.id))
                    .map(|d| d.id.to_string()),
            )
            .collect();
        let history = everything
            .iter()
            .filter(|e| !e.observation && own.contains(&e.entity_id))
            .cloned()
            .collect();
        applications.push(((*a).clone(), history));
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
    let mut vault_checks = Vec::new();
    let mut emails = Vec::new();
    for d in &docs {
        // The record against its upload event, the key against the record, the bytes against both.
        let upload = all.iter().find(|e| {
            e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD
                && e.entity_id == d.id.to_string()
        });
        let is_email = d.kind == crate::assess::CMS_DECISION_EMAIL;
        let r = match hardship_store::integrity::document(d, upload) {
            Some(f) => Err(f.problem),
            None => match app.vault.check_key(p.tenant.0, d.id.0, &d.object_key) {
                Err(e) => Err(e.to_string()),
                // A decision e-mail is read whole, to print its text; anything else is only verified.
                Ok(()) if is_email => read_email(app, p, d)
                    .await
                    .map(|text| emails.push((d.id, text))),
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
    let audit_extract = everything
        .into_iter()
        .filter(|e| ids.contains(&e.entity_id))
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
        attestations,
        documents: docs.into_iter().cloned().collect(),
        vault_checks,
        emails,
        audit_extract,
        chain,
        generated_at: app.now(),
        generated_by: p.label.clone(),
    })
}

/// A decision e-mail's bytes, checked against the record's SHA-256, and its text (read off the async
/// threads: a PDF's text takes a while).
async fn read_email(
    app: &App,
    p: &Principal,
    d: &Document,
) -> Result<Result<MailText, String>, String> {
    let mut bytes = Vec::with_capacity(usize::try_from(d.size).unwrap_or(0));
    let stored = app
        .vault
        .get(p.tenant.0, &d.object_key, &mut bytes)
        .await
        .map_err(|e| e.to_string())?;
    if stored.sha256 != d.sha256 {
        return Err(format!(
            "SHA-256 of the stored document is {}, the record expects {}",
            hex::encode(stored.sha256),
            hex::encode(d.sha256)
        ));
    }
    let (name, ct) = (d.filename.clone(), d.content_type.clone());
    Ok(
        tokio::task::spawn_blocking(move || mail_text::extract(&name, &ct, &bytes))
            .await
            .unwrap_or_else(|_| Err("its text could not be read".into())),
    )
}

/// The binder as a printable document.
pub fn binder_pdf(b: &Binder) -> pdf::Document {
    let a = &b.assessment;
    let mut decisions = vec![Block::Paragraph(format!(
        "{} clinician(s) billing under the TIN{}; the practice reports as {}{}. Reweighted automatically: {}; by an approved hardship: {}; not reweighted: {}. Rule set {}.",
        a.clinician_count,
        if a.small_practice {
            " (a small practice)"
        } else {
            ""
        },
        a.level_label,
        if a.level_decided {
            ""
        } else {
            " (not decided yet: assumed)"
        },
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
            g.basis_label,
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
                    super::type_label(&c.clinician_type),
                    c.statuses
                        .iter()
                        .map(|s| {
                            format!(
                                "{}{} ({})",
                                if s.value { "" } else { "not " },
                                s.label,
                                s.origin
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    c.individual.basis_label.clone(),
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
                        if d.reweighted { "yes" } else { "no" }.to_owned(),
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
        let subject = match &d.euc {
            Some(e) => format!(
                "EUC exception ({}): {}",
                e.event.label(),
                e.category_set()
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => d.reason.label().to_owned(),
        };
        apps.push(Block::Heading(format!(
            "{subject} — {} ({})",
            ap.state.label(),
            ap.id
        )));
        let applicant = match &d.applicant {
            Applicant::Individual { npi, tin } => format!("individual, TIN {tin}, NPI {npi}"),
            Applicant::Group { tin } => format!("group, TIN {tin}"),
            Applicant::VirtualGroup { identifier } => format!("virtual group {identifier}"),
            Applicant::ApmEntity { identifier } => format!("APM entity {identifier}"),
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
        if let Some((_, line)) = b.attestations.iter().find(|(id, _)| *id == ap.id) {
            kv.push(("Attestation".into(), line.clone()));
        }
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
                    ap.state.label(),
                    email.map_or_else(
                        || " (e-mail not on file)".to_owned(),
                        |e| format!("; e-mail {} SHA-256 {}", e.filename, hex::encode(e.sha256))
                    )
                ),
            ));
        }
        apps.push(Block::KeyValues(kv));
        if let Some(id) = ap.state.decision().and_then(|(_, e)| e) {
            apps.extend(email_blocks(b, id));
        }
        apps.push(Block::Paragraph("Its history:".into()));
        apps.push(history_table(events));
    }
    // Decision e-mails filed with no application's decision (kept for the year all the same).
    let linked: Vec<DocumentId> = b
        .applications
        .iter()
        .filter_map(|(a, _)| a.state.decision().and_then(|(_, e)| e))
        .collect();
    for (id, _) in b.emails.iter().filter(|(id, _)| !linked.contains(id)) {
        apps.push(Block::Heading(
            "A CMS e-mail on file, linked to no decision".into(),
        ));
        apps.extend(email_blocks(b, *id));
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
    super::with_bibliography(pdf::Document {
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
                    Block::Paragraph("Every change to the records above and every time someone opened or exported them, oldest first, with each event's hash (SHA-256 over the previous event's hash and the event): the audit trail's verification recomputes them.".into()),
                    Block::Table {
                        columns: vec![
                            Column::new("#", 0.5),
                            Column::new("When", 1.5),
                            Column::new("What happened", 4.6),
                            Column::new("Hash", 2.6),
                        ],
                        rows: b
                            .audit_extract
                            .iter()
                            .map(|e| vec![
                                e.seq.to_string(),
                                when(&e.at),
                                with_changes(e),
                                e.hash.clone(),
                            ])
                            .collect(),
                    },
                ],
            },
            Section { title: "Verification".into(), blocks: verify },
        ],
    })
}

/// A decision e-mail as printed: which file, its headers and its text (or why the text is not here).
fn email_blocks(b: &Binder, id: DocumentId) -> Vec<Block> {
    let name = b
        .documents
        .iter()
        .find(|d| d.id == id)
        .map_or_else(|| id.to_string(), |d| d.filename.clone());
    let mut blocks = vec![Block::Paragraph(format!(
        "CMS's e-mail, as filed ({name}):"
    ))];
    match b.emails.iter().find(|(x, _)| *x == id).map(|(_, t)| t) {
        Some(Ok(t)) => {
            if !t.headers.is_empty() {
                blocks.push(Block::KeyValues(t.headers.clone()));
            }
            blocks.push(Block::Paragraph(t.body.clone()));
        }
        Some(Err(why)) => blocks.push(Block::Note(format!("Its text is not printed: {why}."))),
        None => blocks.push(Block::Note(
            "Its text is not printed: the file did not pass its integrity check (see Verification).".into(),
        )),
    }
    blocks
}

//! The documents an auditor or a CMS phone call needs, built from the records: the application packet (JSON
//! and PDF: every field the CMS form or the call asks for, the reason's criteria and how the practice meets
//! them, the documents to keep), the audit binder of a practice-year (PDF: decisions with explanations and
//! sources, applications with their history and CMS's e-mails, the evidence inventory with SHA-256 and
//! retain-until dates, the audit-trail extract and the verification results), and the portfolio export of
//! a consultancy's year (CSV and JSON). Gathering reads the store and vault; laying out is pure.

use crate::AppState;
use crate::assess::{self, Assessment};
use crate::dto::{self, ApplicationDto, AuditEventDto, DocumentDto, PracticeDto};
use crate::error::ApiError;
use crate::pdf::{self, Block, Column, Section};
use crate::principal::Principal;
use crate::service::{self, DeadlineView};
use chrono::{DateTime, Utc};
use hardship_rules::{HardshipReason, PerformanceYear};
use hardship_store::*;
use serde::Serialize;
use utoipa::ToSchema;

/// The QPP Service Center, for applications by phone [AASM-2020] [RHIHUB].
pub const QPP_SERVICE_CENTER: &str = "1-866-288-8292";

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PacketField {
    pub label: String,
    pub value: String,
}

/// A document the practice should keep for an audit, and whether one is on file.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct KeepItem {
    pub what: String,
    /// The evidence kind it is filed under.
    pub kind: String,
    pub on_file: bool,
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReasonCriteria {
    pub reason: String,
    pub label: String,
    pub criteria: String,
    pub sources: Vec<String>,
    pub confirmed: bool,
    /// How the practice's own answers meet the criteria (the screening's verdict), or why not yet.
    pub how_met: String,
    pub met: bool,
}

/// Everything to send or read out, and to keep.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplicationPacket {
    pub application: ApplicationDto,
    pub practice: PracticeDto,
    pub organization: String,
    /// The fields of the CMS form (or the phone call), in order.
    pub fields: Vec<PacketField>,
    pub reason: ReasonCriteria,
    pub how_to_send: Vec<String>,
    pub deadline: DeadlineView,
    pub keep: Vec<KeepItem>,
    pub documents: Vec<DocumentDto>,
    pub history: Vec<AuditEventDto>,
    pub generated_at: DateTime<Utc>,
}

fn field(label: &str, value: impl Into<String>) -> PacketField {
    PacketField {
        label: label.to_owned(),
        value: value.into(),
    }
}

/// What to keep for an audit, per reason (RULEBOOK §7: CMS's correspondence, the eligibility status, and
/// the evidence behind the reason).
fn keep_list(reason: HardshipReason) -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    let mut list: Vec<(&'static str, &'static str, &'static [&'static str])> = vec![
        (
            "The portal's confirmation screen or the call's reference, with the date sent",
            "submission_confirmation",
            &["DALLAS-2018"],
        ),
        (
            "CMS's approval or denial e-mail",
            assess::CMS_DECISION_EMAIL,
            &["DALLAS-2018", "ASCRS-2017b"],
        ),
        (
            "The QPP Participation Status screen showing the exception",
            "eligibility_screenshot",
            &["DALLAS-2018", "HITA-2019"],
        ),
    ];
    let specific: (&'static str, &'static str, &'static [&'static str]) = match reason {
        HardshipReason::SmallPractice => (
            "Documentation of the overwhelming barriers (nothing is attached to the application; keep it for an audit)",
            assess::BARRIER_DOCUMENTATION,
            &["QPP-HE-2017", "MDI-DVA"],
        ),
        HardshipReason::DecertifiedEhr => (
            "ONC's decertification notice and evidence of the good-faith effort to adopt another CEHRT",
            "decertification_notice",
            &["QPP-HE-2017"],
        ),
        HardshipReason::InsufficientInternet => (
            "Internet providers' letters, quotes or outage records for the location",
            "outage_record",
            &["QPP-HE-2017"],
        ),
        HardshipReason::ExtremeUncontrollable => (
            "Evidence of the event and of its dates (e.g. a FEMA declaration, closure or insurance records)",
            "event_evidence",
            &["QPP-HE-2017"],
        ),
        HardshipReason::LackOfControlCehrt => (
            "Records showing the share of encounters at locations without control over CEHRT",
            "other",
            &["QPP-HE-2017"],
        ),
        HardshipReason::Covid19 => (
            "Records of how the COVID-19 public health emergency affected the practice (closures, staffing, volumes)",
            "event_evidence",
            &["ECFR-414.1380-2020a", "NEXTGEN-COVID-2019"],
        ),
    };
    list.insert(0, specific);
    list
}

/// Gathers an application's packet.
pub async fn packet(
    state: &AppState,
    p: &Principal,
    id: ApplicationId,
) -> Result<ApplicationPacket, ApiError> {
    let app = state.store.get_application(p.tenant, id).await?;
    let pr = state
        .store
        .get_practice(p.tenant, app.draft.practice)
        .await?;
    let org = state.store.get_organization(p.tenant).await?;
    let docs: Vec<Document> = state
        .store
        .list_documents(p.tenant, Some(pr.id))
        .await?
        .into_iter()
        .filter(|d| d.application.is_none_or(|a| a == id))
        .collect();
    let history = state
        .store
        .audit_events(p.tenant, Some(&id.to_string()))
        .await?;
    let d = &app.draft;
    let rules = service::rules(d.year)?;
    let mut fields = vec![
        field("Performance year", d.year.to_string()),
        field(
            "Participation level",
            match &d.applicant {
                Applicant::Individual { .. } => "individual (TIN/NPI)",
                Applicant::Group { .. } => "group (TIN)",
                Applicant::VirtualGroup { .. } => "virtual group",
            },
        ),
    ];
    match &d.applicant {
        Applicant::Individual { npi, tin } => {
            fields.push(field("TIN", tin.to_string()));
            fields.push(field("NPI", npi.to_string()));
        }
        Applicant::Group { tin } => fields.push(field("TIN", tin.to_string())),
        Applicant::VirtualGroup { identifier } => {
            fields.push(field("Virtual group identifier", identifier.clone()))
        }
    }
    fields.push(field("Hardship category", d.reason.label()));
    if let Some(k) = d.euc_kind {
        fields.push(field("Kind of circumstance", dto::euc_kind_label(k)));
    }
    if let Some(s) = d.circumstance_start {
        fields.push(field("Start date", s.to_string()));
    }
    if let Some(e) = d.circumstance_end {
        fields.push(field("End date", e.to_string()));
    }
    fields.push(field("Supplemental information", d.description.clone()));
    let s = &d.submitter;
    fields.push(field("Submitter first name", s.first_name.clone()));
    fields.push(field("Submitter last name", s.last_name.clone()));
    fields.push(field(
        "Submitter e-mail (CMS answers here)",
        s.email.clone(),
    ));
    fields.push(field("Business telephone", s.phone.clone()));
    if !s.extension.is_empty() {
        fields.push(field("Extension", s.extension.clone()));
    }
    fields.push(field(
        "Attestation",
        if d.attested {
            "the submitter attests that the information is accurate"
        } else {
            "NOT YET ATTESTED"
        },
    ));
    let screened = hardship_rules::screening::screen(rules, &d.practice_facts(), None);
    let verdict = screened.reasons.iter().find(|v| v.reason == d.reason);
    let rule = rules.reason_rule(d.reason);
    let reason = ReasonCriteria {
        reason: d.reason.code().to_owned(),
        label: d.reason.label().to_owned(),
        criteria: rule.map(|r| r.criteria.clone()).unwrap_or_default(),
        sources: rule.map(|r| r.sources.clone()).unwrap_or_default(),
        confirmed: rule.is_some_and(|r| r.confirmed),
        how_met: verdict.map(|v| v.why.clone()).unwrap_or_default(),
        met: verdict.is_some_and(|v| v.may_cite),
    };
    let keep = keep_list(d.reason)
        .into_iter()
        .map(|(what, kind, sources)| KeepItem {
            what: what.to_owned(),
            kind: kind.to_owned(),
            on_file: docs.iter().any(|x| x.kind == kind),
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
        })
        .collect();
    Ok(ApplicationPacket {
        application: (&app).into(),
        practice: (&pr).into(),
        organization: org.name,
        fields,
        reason,
        how_to_send: vec![
            "On qpp.cms.gov: sign in with HARP → Exceptions Application → Add New QPP Exception → MIPS Promoting Interoperability Performance Category Hardship Exception → the participation level; enter the fields above; keep the confirmation [AASM-2020] [EYEF-2023] [ANATOMY-2023].".to_owned(),
            format!("By phone: the QPP Service Center, {QPP_SERVICE_CENTER}; read the fields above to the representative and note the call's reference [APMA-2017] [AASM-2020] [RHIHUB]. (Phone channel in the 2024/2025 guides: UNCONFIRMED.)"),
        ],
        deadline: service::deadline_view(d.year, state.now())?,
        keep,
        documents: docs.iter().map(DocumentDto::from).collect(),
        history: history.iter().map(AuditEventDto::from).collect(),
        generated_at: state.now(),
    })
}

fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn docs_table(docs: &[DocumentDto]) -> Block {
    Block::Table {
        columns: vec![
            Column {
                title: "File".into(),
                width: 2.0,
            },
            Column {
                title: "Kind".into(),
                width: 1.6,
            },
            Column {
                title: "Bytes".into(),
                width: 0.8,
            },
            Column {
                title: "SHA-256".into(),
                width: 3.2,
            },
            Column {
                title: "Keep until".into(),
                width: 1.1,
            },
            Column {
                title: "Uploaded".into(),
                width: 1.6,
            },
        ],
        rows: docs
            .iter()
            .map(|d| {
                vec![
                    d.filename.clone(),
                    d.kind.clone(),
                    d.size.to_string(),
                    d.sha256.clone(),
                    d.retain_until.to_string(),
                    format!("{} {}", d.uploaded_by, when(&d.uploaded_at)),
                ]
            })
            .collect(),
    }
}

fn history_table(events: &[AuditEventDto]) -> Block {
    Block::Table {
        columns: vec![
            Column {
                title: "#".into(),
                width: 0.5,
            },
            Column {
                title: "When".into(),
                width: 1.6,
            },
            Column {
                title: "Who".into(),
                width: 1.6,
            },
            Column {
                title: "What".into(),
                width: 1.5,
            },
            Column {
                title: "Details".into(),
                width: 3.5,
            },
        ],
        rows: events
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    when(&e.at),
                    e.actor.clone(),
                    e.action.clone(),
                    e.after.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// The packet as a printable document.
pub fn packet_pdf(pk: &ApplicationPacket) -> pdf::Document {
    let a = &pk.application;
    let mut send = vec![Block::KeyValues(
        pk.fields
            .iter()
            .map(|f| (f.label.clone(), f.value.clone()))
            .collect(),
    )];
    send.push(Block::Heading("How to send it".into()));
    for h in &pk.how_to_send {
        send.push(Block::Paragraph(h.clone()));
    }
    let closes = format!(
        "Applications for {} close {}{}.",
        a.year,
        pk.deadline.closes_local,
        if pk.deadline.confirmed {
            ""
        } else {
            " (deadline hour UNCONFIRMED)"
        }
    );
    send.push(Block::Note(closes));
    let r = &pk.reason;
    let mut reason = vec![Block::KeyValues(vec![
        ("Reason".into(), r.label.clone()),
        ("Criteria".into(), r.criteria.clone()),
        ("Sources".into(), r.sources.join(", ")),
        (
            "How the practice meets them".into(),
            format!("{}{}", if r.met { "" } else { "NOT MET YET: " }, r.how_met),
        ),
    ])];
    if !r.confirmed {
        reason.push(Block::Note(
            "The rule book marks this reason's criteria UNCONFIRMED for this year.".into(),
        ));
    }
    let keep = Block::Table {
        columns: vec![
            Column {
                title: "Keep".into(),
                width: 4.0,
            },
            Column {
                title: "Filed as".into(),
                width: 1.6,
            },
            Column {
                title: "On file".into(),
                width: 0.8,
            },
            Column {
                title: "Sources".into(),
                width: 1.4,
            },
        ],
        rows: pk
            .keep
            .iter()
            .map(|k| {
                vec![
                    k.what.clone(),
                    k.kind.clone(),
                    if k.on_file { "yes" } else { "NO" }.into(),
                    k.sources.join(", "),
                ]
            })
            .collect(),
    };
    pdf::Document {
        title: format!("PI hardship application packet, PY {}", a.year),
        subtitle: vec![
            pk.organization.clone(),
            format!("{} (TIN {})", pk.practice.name, pk.practice.tin),
            format!("{} — state: {}", a.reason_label, a.state.name),
            format!("Application {} (version {})", a.id, a.version),
            format!("Generated {}", when(&pk.generated_at)),
        ],
        sections: vec![
            Section {
                title: "What the CMS form or the phone call needs".into(),
                blocks: send,
            },
            Section {
                title: "The reason's criteria and how the practice meets them".into(),
                blocks: reason,
            },
            Section {
                title: "Documents to keep for an audit".into(),
                blocks: vec![
                    keep,
                    Block::Paragraph(
                        "Keep records of MIPS reporting at least 6 years; CMS encourages 10 under the False Claims Act, and this installation keeps evidence until the retain-until date shown [MDI-DVA] [PBN-DVA].".into(),
                    ),
                    docs_table(&pk.documents),
                ],
            },
            Section {
                title: "History".into(),
                blocks: vec![history_table(&pk.history)],
            },
        ],
    }
}

// ---- the audit binder -----------------------------------------------------------------------------------

pub struct Binder {
    pub organization: String,
    pub practice: PracticeDto,
    pub year: PerformanceYear,
    pub assessment: Assessment,
    pub decisions: Vec<StoredDecision>,
    pub applications: Vec<(ApplicationDto, Vec<AuditEventDto>)>,
    pub documents: Vec<DocumentDto>,
    /// Each document re-read from the vault: (id, Ok or the failure).
    pub vault_checks: Vec<(DocumentId, Result<(), String>)>,
    pub audit_extract: Vec<AuditEventDto>,
    pub chain: dto::AuditVerifyDto,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
}

/// Gathers a practice-year's binder: the records, and both verifications run now.
pub async fn binder(
    state: &AppState,
    p: &Principal,
    practice: PracticeId,
    year: PerformanceYear,
) -> Result<Binder, ApiError> {
    let b = service::practice_year(state, p, practice, year).await?;
    let org = state.store.get_organization(p.tenant).await?;
    let decisions: Vec<StoredDecision> = state
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
        let mut events = state
            .store
            .audit_events(p.tenant, Some(&a.id.to_string()))
            .await?;
        for d in b.documents.iter().filter(|d| d.application == Some(a.id)) {
            events.extend(
                state
                    .store
                    .audit_events(p.tenant, Some(&d.id.to_string()))
                    .await?,
            );
        }
        events.sort_by_key(|e| e.seq);
        applications.push((
            ApplicationDto::from(*a),
            events.iter().map(AuditEventDto::from).collect(),
        ));
    }
    // The year's evidence: filed with one of its applications, or kept until the year's retain-until date
    // (which is how a practice-level upload names its year).
    let year_end = service::rules(year)?.retain_until();
    let docs: Vec<&Document> = b
        .documents
        .iter()
        .filter(|d| {
            d.application
                .is_some_and(|x| apps.iter().any(|a| a.id == x))
                || (d.application.is_none() && d.retain_until == year_end)
        })
        .collect();
    let all = state.store.audit_events(p.tenant, None).await?;
    let mut vault_checks = Vec::new();
    for d in &docs {
        // The record against its upload event, the key against the record, the bytes against both.
        let upload = all.iter().find(|e| {
            e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD
                && e.entity_id == d.id.to_string()
        });
        let r = match hardship_store::integrity::document(d, upload) {
            Some(f) => Err(f.problem),
            None => match state.vault.check_key(p.tenant.0, d.id.0, &d.object_key) {
                Err(e) => Err(e.to_string()),
                Ok(()) => state
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
        .map(AuditEventDto::from)
        .collect();
    let chain = service::verify_audit(state, p).await?;
    Ok(Binder {
        organization: org.name,
        practice: (&b.practice).into(),
        year,
        assessment: b.assessment.clone(),
        decisions,
        applications,
        documents: docs.iter().map(|d| DocumentDto::from(*d)).collect(),
        vault_checks,
        audit_extract,
        chain,
        generated_at: state.now(),
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
        apps.push(Block::Heading(format!(
            "{} — {} ({})",
            ap.reason_label, ap.state.name, ap.id
        )));
        let mut kv = vec![
            (
                "Applicant".to_owned(),
                format!(
                    "{}{}{}",
                    ap.applicant.level,
                    ap.applicant
                        .tin
                        .as_ref()
                        .map_or_else(String::new, |t| format!(", TIN {t}")),
                    ap.applicant
                        .npi
                        .as_ref()
                        .map_or_else(String::new, |n| format!(", NPI {n}"))
                ),
            ),
            (
                "Supplemental information".to_owned(),
                ap.description.clone(),
            ),
            (
                "Submitter".to_owned(),
                format!(
                    "{} {} <{}> {}",
                    ap.submitter.first_name,
                    ap.submitter.last_name,
                    ap.submitter.email,
                    ap.submitter.phone
                ),
            ),
        ];
        if let Some(r) = &ap.state.reference {
            kv.push((
                "Sent".into(),
                format!(
                    "{} reference {}{}",
                    ap.state.channel.clone().unwrap_or_default(),
                    r,
                    ap.state
                        .submitted_at
                        .map_or_else(String::new, |t| format!(" on {}", when(&t)))
                ),
            ));
        }
        if let Some(d) = ap.state.decided_on {
            let email = ap
                .state
                .decision_email
                .and_then(|id| b.documents.iter().find(|x| x.id == id));
            kv.push((
                "CMS decision".into(),
                format!(
                    "{} on {d}{}",
                    ap.state.name,
                    email.map_or_else(
                        || " (e-mail not on file)".to_owned(),
                        |e| format!("; e-mail {} SHA-256 {}", e.filename, e.sha256)
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
                                e.actor.clone(),
                                e.action.clone(),
                                format!("{} {}", e.entity, e.entity_id),
                                e.hash.clone(),
                            ])
                            .collect(),
                    },
                ],
            },
            Section { title: "Verification".into(), blocks: verify },
        ],
    }
}

// ---- the portfolio export -------------------------------------------------------------------------------

/// One clinician of a consultancy's year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PortfolioRow {
    pub practice: String,
    pub tin: String,
    pub level: String,
    pub npi: String,
    pub name: String,
    pub clinician_type: String,
    pub statuses: String,
    pub reweighted: bool,
    pub basis: String,
    pub applications: String,
}

/// Every clinician of every practice in a year, with the decision and the practice's applications.
pub async fn portfolio(
    state: &AppState,
    p: &Principal,
    year: PerformanceYear,
) -> Result<Vec<PortfolioRow>, ApiError> {
    let practices = state.store.list_practices(p.tenant).await?;
    let mut rows = Vec::new();
    for pr in practices {
        let b = service::practice_year(state, p, pr.id, year).await?;
        let apps: Vec<String> = b
            .applications
            .iter()
            .filter(|a| a.draft.year == year)
            .map(|a| format!("{} {} {}", a.id, a.draft.reason.code(), a.state.name()))
            .collect();
        for c in &b.assessment.clinicians {
            rows.push(PortfolioRow {
                practice: pr.name.clone(),
                tin: pr.tin.to_string(),
                level: b.assessment.level.clone(),
                npi: c.npi.clone(),
                name: c.name.clone(),
                clinician_type: c.clinician_type.clone(),
                statuses: c
                    .statuses
                    .iter()
                    .map(|s| format!("{}={}", s.status, s.value))
                    .collect::<Vec<_>>()
                    .join(";"),
                reweighted: c.reweighted,
                basis: if c.reweighted {
                    c.individual.basis.clone()
                } else if b.assessment.level != "individual" {
                    b.assessment
                        .group
                        .as_ref()
                        .map_or_else(String::new, |g| g.basis.clone())
                } else {
                    c.individual.basis.clone()
                },
                applications: apps.join(";"),
            });
        }
    }
    Ok(rows)
}

/// The rows as CSV (header first), fields quoted as needed.
pub fn portfolio_csv(rows: &[PortfolioRow]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "practice",
        "tin",
        "reporting_level",
        "npi",
        "name",
        "clinician_type",
        "statuses",
        "pi_reweighted",
        "pi_basis",
        "applications",
    ])
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    // Names are typed by users (or imported): neutralised so a spreadsheet never runs them.
    use hardship_formats::spreadsheet::cell;
    for r in rows {
        w.write_record([
            cell(&r.practice).as_ref(),
            &r.tin,
            &r.level,
            &r.npi,
            cell(&r.name).as_ref(),
            &r.clinician_type,
            &r.statuses,
            if r.reweighted { "true" } else { "false" },
            &r.basis,
            &r.applications,
        ])
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

//! The application packet: what to send (or read out on the phone), the reason's criteria, the deadline,
//! and what to keep for an audit.

use super::{QPP_SERVICE_CENTER, docs_table, euc_kind_label, history_table, when};
use crate::App;
use crate::assess;
use crate::attest;
use crate::audit_trail::{self, AuditEntry};
use crate::error::AppError;
use crate::pdf::{self, Block, Column, Section};
use crate::practice_years::PracticeYearBundle;
use crate::principal::Principal;
use crate::years::{self, DeadlineView};
use chrono::{DateTime, Utc};
use hardship_rules::HardshipReason;
use hardship_store::*;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PacketField {
    pub label: String,
    pub value: String,
}

/// A document the practice should keep for an audit, and whether one is on file.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeepItem {
    pub what: String,
    /// The evidence kind it is filed under.
    pub kind: String,
    pub on_file: bool,
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A clinician the application covers: the individual applicant, or each clinician on the group's
/// roster for the year.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoveredClinician {
    pub name: String,
    pub npi: String,
    pub clinician_type: String,
}

/// Everything to send or read out, and to keep.
#[derive(Clone, Debug)]
pub struct ApplicationPacket {
    pub application: Application,
    pub practice: Practice,
    pub organization: String,
    /// The fields of the CMS form (or the phone call), in order.
    pub fields: Vec<PacketField>,
    /// Who the application covers, by name (the year's roster for a group).
    pub clinicians: Vec<CoveredClinician>,
    pub reason: ReasonCriteria,
    pub how_to_send: Vec<String>,
    pub deadline: DeadlineView,
    pub keep: Vec<KeepItem>,
    pub documents: Vec<Document>,
    /// The application's changes, as sentences with names.
    pub history: Vec<AuditEntry>,
    pub generated_at: DateTime<Utc>,
    /// The SHA-256 of what the packet says is sent (what a signature covers; see [`crate::attest`]).
    pub sha256: [u8; 32],
    /// Whether it is signed, for this packet or an earlier one.
    pub attestation: attest::Status,
}

/// What the packet says is sent: the form's fields (the attestation's aside), who it covers, the
/// reason's criteria. A signature covers exactly this (with the application, practice and organization).
#[derive(Clone, Debug)]
pub struct PacketContent {
    pub fields: Vec<PacketField>,
    pub clinicians: Vec<CoveredClinician>,
    pub reason: ReasonCriteria,
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

/// Gathers an application's packet; making it is recorded in the audit trail.
pub async fn packet(
    app: &App,
    p: &Principal,
    id: ApplicationId,
) -> Result<ApplicationPacket, AppError> {
    let store = app.store_for(p);
    let application = store.get_application(p.tenant, id).await?;
    let pr = store
        .get_practice(p.tenant, application.draft.practice)
        .await?;
    let org = store.get_organization(p.tenant).await?;
    let docs: Vec<Document> = store
        .list_documents(p.tenant, Some(pr.id))
        .await?
        .into_iter()
        .filter(|d| d.application.is_none_or(|a| a == id))
        .collect();
    // The application's history: its changes, not who has looked at it (exports are in the audit trail).
    let history: Vec<AuditEntry> = audit_trail::trail(
        app,
        p,
        &audit_trail::AuditFilter {
            entity: Some(id.to_string()),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|e| !e.observation)
    .collect();
    let d = &application.draft;
    let year = crate::practice_years::practice_year(app, p, pr.id, d.year).await?;
    let content = content(&application, &year)?;
    let sha256 = attest::content_sha256(&application, &pr, &org.name, &content);
    let attestation = attest::Status::of(&store.attestations(p.tenant, id).await?, sha256);
    let PacketContent {
        mut fields,
        clinicians,
        reason,
    } = content;
    fields.push(field("Attestation", attestation.line(sha256, d.attested)));
    let keep = keep_list(d.reason)
        .into_iter()
        .map(|(what, kind, sources)| KeepItem {
            what: what.to_owned(),
            kind: kind.to_owned(),
            on_file: docs.iter().any(|x| x.kind == kind),
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
        })
        .collect();
    super::export::record_export(
        app,
        p,
        "packet",
        "application",
        id,
        serde_json::json!({ "year": d.year.get() }),
    )
    .await?;
    Ok(ApplicationPacket {
        application: application.clone(),
        practice: pr.clone(),
        organization: org.name,
        fields,
        clinicians,
        reason,
        how_to_send: vec![
            match d.kind() {
                ApplicationKind::PiHardship => "On qpp.cms.gov: sign in with HARP → Exceptions Application → Add New QPP Exception → MIPS Promoting Interoperability Performance Category Hardship Exception → the participation level; enter the fields above; keep the confirmation [AASM-2020] [EYEF-2023] [ANATOMY-2023].".to_owned(),
                ApplicationKind::Euc => "On qpp.cms.gov: sign in with HARP → Exceptions Application → Add New QPP Exception → Extreme and Uncontrollable Circumstances Exception → the participation level; tick each performance category the event affected, enter the fields above; keep the confirmation [OMB-EUC-2024] [QPP-EA-2023].".to_owned(),
            },
            format!("By phone: the QPP Service Center, {QPP_SERVICE_CENTER}; read the fields above to the representative and note the call's reference [APMA-2017] [AASM-2020] [RHIHUB]. (Phone channel in the 2024/2025 guides: UNCONFIRMED.)"),
        ],
        deadline: years::deadline_view(d.year, app.now())?,
        keep,
        documents: docs,
        history,
        generated_at: app.now(),
        sha256,
        attestation,
    })
}

/// What the packet of `application` says is sent, from its practice-year (for the roster it covers).
pub fn content(
    application: &Application,
    year: &PracticeYearBundle,
) -> Result<PacketContent, AppError> {
    let d = &application.draft;
    let rules = years::rules(d.year)?;
    let clinicians: Vec<CoveredClinician> = year
        .assessment
        .clinicians
        .iter()
        .filter(|c| match &d.applicant {
            Applicant::Individual { npi, .. } => c.npi == npi.as_str(),
            _ => true,
        })
        .map(|c| CoveredClinician {
            name: c.name.clone(),
            npi: c.npi.clone(),
            clinician_type: c.clinician_type.clone(),
        })
        .collect();
    let mut fields = vec![
        field("Performance year", d.year.to_string()),
        field(
            "Participation level",
            match &d.applicant {
                Applicant::Individual { .. } => "individual (TIN/NPI)",
                Applicant::Group { .. } => "group (TIN)",
                Applicant::VirtualGroup { .. } => "virtual group",
                Applicant::ApmEntity { .. } => "APM entity",
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
        Applicant::ApmEntity { identifier } => {
            fields.push(field("APM entity identifier", identifier.clone()))
        }
    }
    if let Some(req) = &d.euc {
        // The EUC form asks which categories were affected, each on its own, and the event.
        fields.push(field("Application", ApplicationKind::Euc.label()));
        fields.push(field(
            "Performance categories to reweight",
            req.category_set()
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        fields.push(field("Event", req.event.label()));
    } else {
        fields.push(field("Hardship category", d.reason.label()));
    }
    if let (Some(k), None) = (d.euc_kind, &d.euc) {
        fields.push(field("Kind of circumstance", euc_kind_label(k)));
    }
    if let Some(s) = d.circumstance_start {
        fields.push(field("Start date", s.to_string()));
    }
    match (d.circumstance_end, d.reason) {
        (Some(e), _) => fields.push(field("End date", e.to_string())),
        (None, HardshipReason::ExtremeUncontrollable) if d.circumstance_start.is_some() => {
            fields.push(field("End date", "ongoing (leave it open on the form)"))
        }
        _ => {}
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
    if let (Some(req), Some(e)) = (&d.euc, &rules.euc_application) {
        let cov = &e.coverage;
        let mut sources = cov.sources.clone();
        sources.extend(e.data_override.sources.iter().cloned());
        let reason = ReasonCriteria {
            reason: req.event.code().to_owned(),
            label: format!(
                "extreme and uncontrollable circumstances: {}",
                req.event.label()
            ),
            criteria: format!(
                "A rare event entirely outside the control of the clinician and the facility that prevented collecting or submitting data for an extended period, or affected performance on cost measures; each category it affected is named. {}",
                cov.note.clone().unwrap_or_default()
            ),
            sources,
            confirmed: cov.confirmed,
            how_met: d.description.clone(),
            met: d.circumstance_start.is_some() && !d.description.trim().is_empty(),
        };
        return Ok(PacketContent {
            fields,
            clinicians,
            reason,
        });
    }
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
    Ok(PacketContent {
        fields,
        clinicians,
        reason,
    })
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
        a.draft.year,
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
                    super::kind_label(&k.kind),
                    if k.on_file { "yes" } else { "NO" }.into(),
                    k.sources.join(", "),
                ]
            })
            .collect(),
    };
    super::with_bibliography(pdf::Document {
        title: format!(
            "{} application packet, PY {}",
            match a.draft.kind() {
                ApplicationKind::Euc => "EUC exception",
                ApplicationKind::PiHardship => "PI hardship",
            },
            a.draft.year
        ),
        subtitle: vec![
            pk.organization.clone(),
            format!("{} (TIN {})", pk.practice.name, pk.practice.tin),
            format!("{} — state: {}", a.draft.reason.label(), a.state.label()),
            format!("Application {} (version {})", a.id, a.version),
            format!("Packet SHA-256 {}", hex::encode(pk.sha256)),
            format!("Generated {}", when(&pk.generated_at)),
        ],
        sections: vec![
            Section {
                title: "What the CMS form or the phone call needs".into(),
                blocks: send,
            },
            Section {
                title: "Attestation".into(),
                blocks: attestation_blocks(pk),
            },
            Section {
                title: "Who it covers".into(),
                blocks: covered(pk),
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
    })
}

/// The attestation as printed: who signed which packet and when, or that it is not signed (for this
/// packet).
fn attestation_blocks(pk: &ApplicationPacket) -> Vec<Block> {
    let line = pk
        .attestation
        .line(pk.sha256, pk.application.draft.attested);
    let mut blocks = vec![Block::Paragraph(format!("{line}."))];
    if !matches!(pk.attestation, attest::Status::Signed(_)) {
        blocks.push(Block::Note(format!(
            "This packet's SHA-256 is {}: a person signs it, with their full name, on the application's page.",
            hex::encode(pk.sha256)
        )));
    }
    blocks
}

/// The clinicians the application covers, by name.
fn covered(pk: &ApplicationPacket) -> Vec<Block> {
    let a = &pk.application.draft;
    let intro = match &a.applicant {
        Applicant::Individual { npi, .. } if pk.clinicians.is_empty() => format!(
            "The individual clinician with NPI {npi} (not on the practice's roster for {}).",
            a.year
        ),
        Applicant::Individual { .. } => "The individual clinician:".to_owned(),
        Applicant::Group { .. } => format!(
            "The group: every clinician billing under the TIN in {} — {} on the roster.",
            a.year,
            pk.clinicians.len()
        ),
        Applicant::VirtualGroup { .. } => {
            "The virtual group; the practice's clinicians on its roster:".to_owned()
        }
        Applicant::ApmEntity { .. } => {
            "The APM entity (every category of its score); the practice's clinicians in it:"
                .to_owned()
        }
    };
    let mut blocks = vec![Block::Paragraph(intro)];
    if !pk.clinicians.is_empty() {
        blocks.push(Block::Table {
            columns: vec![
                Column::new("Clinician", 3.0),
                Column::new("NPI", 1.3),
                Column::new("Type", 2.2),
            ],
            rows: pk
                .clinicians
                .iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        c.npi.clone(),
                        super::type_label(&c.clinician_type),
                    ]
                })
                .collect(),
        });
    }
    blocks
}

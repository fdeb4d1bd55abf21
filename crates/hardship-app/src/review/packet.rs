//! The targeted-review packet: the request as CMS's form asks for it (who, which year, the reasons CMS
//! lists, the statement) and every piece of evidence with its SHA-256, so what is sent and what is kept
//! can be matched later: each document as uploaded to the vault, the eligibility snapshot (the year's
//! decisions as the API serves them), the binder generated with the packet, and each application's
//! packet hash. JSON for machines, PDF (the layout of `pdf/`) for people.

use super::{ReviewView, get};
use crate::App;
use crate::error::AppError;
use crate::pdf::{self, Block, Column, Section};
use crate::practice_years::practice_year;
use crate::principal::Principal;
use crate::report::{self, QPP_SERVICE_CENTER};
use chrono::{DateTime, Utc};
use hardship_store::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One piece of evidence listed in the packet.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceItem {
    /// As the case lists it (`document:<id>`, `eligibility`, …).
    pub id: String,
    pub what: String,
    /// Hex SHA-256 of the bytes, when the item is bytes.
    pub sha256: Option<String>,
    pub note: String,
}

/// The packet of a case.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPacket {
    pub review: ReviewView,
    pub organization: String,
    pub evidence: Vec<EvidenceItem>,
    /// Where and how CMS takes the request.
    pub how_to_send: Vec<String>,
    /// CMS's decision is final.
    pub finality: String,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Gathers a case's packet (the binder is generated for it, so its hash is of the file generated now).
pub async fn packet(app: &App, p: &Principal, id: Uuid) -> Result<ReviewPacket, AppError> {
    let review = get(app, p, id).await?;
    let store = app.store_for(p);
    let org = store.get_organization(p.tenant).await?;
    let practice = PracticeId(review.practice);
    let year = super::year_of(review.year)?;
    let bundle = practice_year(app, p, practice, year).await?;
    let mut evidence = Vec::new();
    for e in &review.evidence {
        // A record linked earlier and since gone (or beyond a client's practices) is listed as such,
        // not a reason to refuse the whole packet.
        evidence.push(match item(app, p, e, &bundle, &org.name).await {
            Err(AppError::NotFound(why)) => EvidenceItem {
                id: e.clone(),
                what: e.clone(),
                sha256: None,
                note: format!("not found: {why}"),
            },
            other => other?,
        });
    }
    Ok(ReviewPacket {
        review,
        organization: org.name,
        evidence,
        how_to_send: vec![
            "Sign in to the QPP website (qpp.cms.gov) with the practice's HARP account and open \
             \"Targeted Review\" in the left navigation; select the TIN (and NPI) and year."
                .into(),
            "Name the reasons below and paste the statement; CMS contacts the requester if it needs \
             documents, which must reach CMS within 30 days of its request (42 CFR 414.1385(a)(3))."
                .into(),
            format!("Questions: the QPP Service Center, {QPP_SERVICE_CENTER}, QPP@cms.hhs.gov."),
        ],
        finality: "Decisions based on the targeted review are final, and there is no further \
                   review or appeal (42 CFR 414.1385(a)(4)) [ECFR-414.1385-2019]."
            .into(),
        generated_at: app.now(),
        generated_by: p.label.clone(),
    })
}

async fn item(
    app: &App,
    p: &Principal,
    e: &str,
    bundle: &crate::practice_years::PracticeYearBundle,
    org: &str,
) -> Result<EvidenceItem, AppError> {
    let store = app.store_for(p);
    let it = |what: String, sha256: Option<String>, note: String| EvidenceItem {
        id: e.to_owned(),
        what,
        sha256,
        note,
    };
    if e == "eligibility" {
        return Ok(it(
            format!(
                "Eligibility snapshot of PY {} (the product's decisions, rule set {})",
                bundle.profile.year,
                crate::years::rules(bundle.profile.year)?.version
            ),
            Some(sha_hex(&bundle.json)),
            format!(
                "GET /api/v1/practices/{}/years/{}/eligibility",
                bundle.practice.id, bundle.profile.year
            ),
        ));
    }
    if e == "binder" {
        let b = report::binder(app, p, bundle.practice.id, bundle.profile.year).await?;
        let bytes = pdf::render(&report::binder_pdf(&b));
        return Ok(it(
            format!("Audit binder of PY {} (PDF)", bundle.profile.year),
            Some(sha_hex(&bytes)),
            format!(
                "generated with this packet at {}",
                report::when(&b.generated_at)
            ),
        ));
    }
    if let Some(doc) = e.strip_prefix("document:").and_then(|d| d.parse().ok()) {
        let d = store.get_document(p.tenant, DocumentId(doc)).await?;
        return Ok(it(
            format!("{}: {}", report::kind_label(&d.kind), d.filename),
            Some(hex::encode(d.sha256)),
            format!(
                "uploaded {} by {}; in the vault as document {}",
                report::when(&d.uploaded_at),
                d.uploaded_by,
                d.id
            ),
        ));
    }
    if let Some(a) = e.strip_prefix("application:").and_then(|d| d.parse().ok()) {
        let a = store.get_application(p.tenant, ApplicationId(a)).await?;
        let content = report::packet::content(&a, bundle)?;
        let sha = crate::attest::content_sha256(&a, &bundle.practice, org, &content);
        let decided = match &a.state {
            ApplicationState::Approved {
                decided_on, email, ..
            } => format!(
                "approved {decided_on}{}",
                email
                    .map(|d| format!(", CMS's e-mail document {d}"))
                    .unwrap_or_default()
            ),
            s => s.label().to_owned(),
        };
        return Ok(it(
            format!(
                "{} application, PY {} ({})",
                a.draft.reason.label(),
                a.draft.year,
                decided
            ),
            Some(hex::encode(sha)),
            format!("application {} — the hash is its packet's", a.id),
        ));
    }
    if let Some(n) = e.strip_prefix("feedback_line:") {
        return Ok(it(
            format!("Line {n} of the imported final-feedback file"),
            None,
            "CMS's own figures, as imported".into(),
        ));
    }
    Ok(it(e.to_owned(), None, String::new()))
}

/// The packet as a printable document.
pub fn packet_pdf(pk: &ReviewPacket) -> pdf::Document {
    let r = &pk.review;
    let who = match &r.npi {
        Some(n) => format!("TIN {} / NPI {n}", r.tin),
        None => format!("TIN {} (the group)", r.tin),
    };
    let mut request = vec![Block::KeyValues(vec![
        ("Practice".into(), r.practice_name.clone()),
        ("Requester".into(), who.clone()),
        (
            "Performance year".into(),
            format!("{} (payment year {})", r.year, r.year + 2),
        ),
        ("State".into(), r.state.clone()),
        (
            "CMS reference".into(),
            r.cms_reference
                .clone()
                .unwrap_or_else(|| "not sent yet".into()),
        ),
    ])];
    request.push(Block::Heading("What is wrong".into()));
    request.push(Block::Paragraph(if r.statement.is_empty() {
        "[to fill: the request's statement]".into()
    } else {
        r.statement.clone()
    }));
    if !r.summary.is_empty() {
        request.push(Block::Heading(
            "The discrepancies found in CMS's final feedback".into(),
        ));
        request.push(Block::Paragraph(r.summary.clone()));
    }
    request.push(Block::Heading(
        "Reasons (as CMS lists them for the year)".into(),
    ));
    request.push(Block::Table {
        columns: vec![Column::new("Reason", 4.0), Column::new("Sources", 1.6)],
        rows: r
            .reasons
            .iter()
            .map(|x| {
                vec![
                    format!(
                        "{}{}",
                        x.label,
                        if x.confirmed { "" } else { " [UNCONFIRMED]" }
                    ),
                    x.sources.join(", "),
                ]
            })
            .collect(),
    });
    let w = &r.window;
    request.push(Block::Note(format!(
        "Targeted-review window: {}. Sources: {}.",
        w.text,
        w.sources.join(", ")
    )));
    if let Some(warn) = &r.submit_warning {
        request.push(Block::Note(format!("Sent with a warning: {warn}")));
    }
    let evidence = vec![Block::Table {
        columns: vec![
            Column::new("Evidence", 2.6),
            Column::new("SHA-256", 2.2),
            Column::new("Where", 1.8),
        ],
        rows: pk
            .evidence
            .iter()
            .map(|e| {
                vec![
                    e.what.clone(),
                    e.sha256.clone().unwrap_or_else(|| "—".into()),
                    e.note.clone(),
                ]
            })
            .collect(),
    }];
    let mut send: Vec<Block> = pk
        .how_to_send
        .iter()
        .cloned()
        .map(Block::Paragraph)
        .collect();
    send.push(Block::Note(pk.finality.clone()));
    if let (Some(on), Some(outcome)) = (r.decided_on, &r.outcome) {
        send.push(Block::KeyValues(vec![
            ("CMS's decision".into(), format!("{outcome} on {on}")),
            ("Note".into(), r.decision_note.clone().unwrap_or_default()),
        ]));
    }
    report::with_bibliography(pdf::Document {
        title: format!("Targeted review request, PY {}", r.year),
        subtitle: vec![
            pk.organization.clone(),
            format!("{} — {who}", r.practice_name),
            format!("Case {} (version {}), {}", r.id, r.version, r.state),
            format!(
                "Generated {} by {}",
                report::when(&pk.generated_at),
                pk.generated_by
            ),
        ],
        sections: vec![
            Section {
                title: "The request".into(),
                blocks: request,
            },
            Section {
                title: "Evidence, with SHA-256".into(),
                blocks: evidence,
            },
            Section {
                title: "Sending it, and CMS's decision".into(),
                blocks: send,
            },
        ],
    })
}

//! The documents an auditor or a CMS phone call needs, built from the records: the application packet
//! ([`packet`]: every field the CMS form or the call asks for, the reason's criteria and how the practice
//! meets them, the documents to keep), the audit binder of a practice-year ([`binder`]: decisions with
//! explanations and sources, applications with their history and CMS's e-mails, the evidence inventory
//! with SHA-256 and retain-until dates, the audit-trail extract and the verification results), and the
//! portfolio export of a consultancy's year ([`export`], CSV and JSON). Gathering reads the store and
//! vault; laying out is pure.

/// The audit binder of a practice-year.
pub mod binder;
/// The portfolio export.
pub mod export;
/// The application packet.
pub mod packet;

pub use binder::{Binder, binder, binder_pdf};
pub use export::{PortfolioRow, portfolio, portfolio_csv};
pub use packet::{ApplicationPacket, KeepItem, PacketField, ReasonCriteria, packet, packet_pdf};

use crate::pdf::{Block, Column};
use chrono::{DateTime, Utc};
use hardship_rules::screening::EucKind;
use hardship_store::{AuditEvent, Document};

/// The QPP Service Center, for applications by phone [AASM-2020] [RHIHUB].
pub const QPP_SERVICE_CENTER: &str = "1-866-288-8292";

/// A kind of extreme and uncontrollable circumstance, as its code.
pub fn euc_kind_code(k: EucKind) -> &'static str {
    match k {
        EucKind::Disaster => "disaster",
        EucKind::PracticeOrHospitalClosure => "practice_or_hospital_closure",
        EucKind::SevereFinancialDistress => "severe_financial_distress",
        EucKind::EhrVendorIssues => "ehr_vendor_issues",
    }
}

/// A kind of extreme and uncontrollable circumstance, in words.
pub fn euc_kind_label(k: EucKind) -> &'static str {
    match k {
        EucKind::Disaster => "disaster",
        EucKind::PracticeOrHospitalClosure => "practice or hospital closure",
        EucKind::SevereFinancialDistress => "severe financial distress",
        EucKind::EhrVendorIssues => "EHR certification or vendor issues",
    }
}

pub(crate) fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn docs_table(docs: &[Document]) -> Block {
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
                    hex::encode(d.sha256),
                    d.retain_until.to_string(),
                    format!("{} {}", d.uploaded_by, when(&d.uploaded_at)),
                ]
            })
            .collect(),
    }
}

pub(crate) fn history_table(events: &[AuditEvent]) -> Block {
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
                    e.actor_label.clone(),
                    e.action.clone(),
                    e.after.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

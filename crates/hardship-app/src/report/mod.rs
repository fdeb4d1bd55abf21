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
/// The text of CMS's decision e-mail, for the binder.
pub mod mail_text;
/// The application packet.
pub mod packet;

pub use binder::{Binder, binder, binder_pdf};
pub use export::{PortfolioRow, portfolio, portfolio_csv};
pub use packet::{
    ApplicationPacket, CoveredClinician, KeepItem, PacketField, ReasonCriteria, packet, packet_pdf,
};

use crate::audit_trail::AuditEntry;
use crate::pdf::{self, Block, Column, Section};
use chrono::{DateTime, Utc};
use hardship_rules::screening::EucKind;
use hardship_store::Document;

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

/// The document with a last section listing every source key its text cites, with what each refers to
/// (title and address, as the rule book records them), so a reader on paper can look each one up.
pub(crate) fn with_bibliography(mut doc: pdf::Document) -> pdf::Document {
    let Ok(book) = hardship_rules::RuleBook::embedded() else {
        return doc;
    };
    let mut text = String::new();
    doc.title.clone_into(&mut text);
    for s in &doc.subtitle {
        text.push('\n');
        text.push_str(s);
    }
    for section in &doc.sections {
        text.push('\n');
        text.push_str(&section.title);
        for b in &section.blocks {
            text.push('\n');
            match b {
                Block::Heading(t) | Block::Paragraph(t) | Block::Note(t) => text.push_str(t),
                Block::KeyValues(kv) => kv.iter().for_each(|(k, v)| {
                    text.push_str(k);
                    text.push(' ');
                    text.push_str(v);
                    text.push('\n');
                }),
                Block::Table { rows, .. } => rows.iter().flatten().for_each(|c| {
                    text.push_str(c);
                    text.push('\n');
                }),
                Block::PageBreak => {}
            }
        }
    }
    let cited: Vec<Vec<String>> = book
        .sources()
        .filter(|(key, _)| cites(&text, key))
        .map(|(k, v)| vec![k.to_owned(), v.to_owned()])
        .collect();
    if !cited.is_empty() {
        doc.sections.push(Section {
            title: "Sources cited".into(),
            blocks: vec![
                Block::Paragraph("Every source key this document cites, with the document it refers to (the project's rule book, RULEBOOK §10, records each).".into()),
                Block::Table {
                    columns: vec![Column::new("Key", 1.4), Column::new("What it is, and where", 5.0)],
                    rows: cited,
                },
            ],
        });
    }
    doc
}

/// Whether `text` names `key` as a whole token (ASCRS-2017 is not cited by ASCRS-2017a, and a full
/// stop after a key ends the sentence, it does not extend the key).
fn cites(text: &str, key: &str) -> bool {
    let joins = |c: char| c.is_ascii_alphanumeric() || c == '-';
    text.match_indices(key).any(|(i, _)| {
        let before_ok = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !joins(c) && c != '.');
        let mut after = text[i + key.len()..].chars();
        let after_ok = match after.next() {
            None => true,
            Some('.') => !after.next().is_some_and(|c| c.is_ascii_alphanumeric()),
            Some(c) => !joins(c),
        };
        before_ok && after_ok
    })
}

/// A kind of evidence in words.
pub(crate) fn kind_label(code: &str) -> String {
    hardship_store::DOCUMENT_KINDS
        .iter()
        .find(|(k, _)| *k == code)
        .map_or_else(|| code.to_owned(), |(_, l)| (*l).to_owned())
}

/// A clinician type's code in words ("nurse_practitioner" → "nurse practitioner").
pub(crate) fn type_label(code: &str) -> String {
    hardship_rules::ClinicianType::parse(code)
        .map_or_else(|_| code.to_owned(), |t| t.label().to_owned())
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
                    kind_label(&d.kind),
                    d.size.to_string(),
                    hex::encode(d.sha256),
                    d.retain_until.to_string(),
                    format!("{} {}", d.uploaded_by, when(&d.uploaded_at)),
                ]
            })
            .collect(),
    }
}

/// A record's history as sentences, each with the fields it changed.
pub(crate) fn history_table(entries: &[AuditEntry]) -> Block {
    Block::Table {
        columns: vec![
            Column::new("#", 0.5),
            Column::new("When", 1.6),
            Column::new("What happened", 6.0),
        ],
        rows: entries
            .iter()
            .map(|e| vec![e.seq.to_string(), when(&e.at), with_changes(e)])
            .collect(),
    }
}

/// An entry's sentence, then one line per field it changed.
pub(crate) fn with_changes(e: &AuditEntry) -> String {
    let mut text = e.sentence.clone();
    for c in &e.changes {
        let before = if c.before.is_empty() {
            "—"
        } else {
            &c.before
        };
        text.push_str(&format!("\n{}: {before} → {}", c.field, c.after));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_cited_as_a_whole_token() {
        assert!(cites("[ASCRS-2017a] and more", "ASCRS-2017a"));
        assert!(!cites("[ASCRS-2017a]", "ASCRS-2017"));
        assert!(cites("Sources: QPP-HE-2017, MDI-DVA.", "MDI-DVA"));
        assert!(!cites("ECFR-414.1380-2020a", "ECFR-414.1380"));
        assert!(!cites("XQPP-HE-2017", "QPP-HE-2017"));
    }

    #[test]
    fn the_bibliography_lists_what_is_cited_and_nothing_else() {
        let doc = pdf::Document {
            title: "T".into(),
            subtitle: vec![],
            sections: vec![Section {
                title: "S".into(),
                blocks: vec![
                    Block::Paragraph("Closes at 8 p.m. ET [QPP-HE-2017].".into()),
                    Block::Table {
                        columns: vec![Column::new("Sources", 1.0)],
                        rows: vec![vec!["RHIHUB, APMA-2017".into()]],
                    },
                ],
            }],
        };
        let out = with_bibliography(doc);
        let last = out.sections.last().unwrap();
        assert_eq!(last.title, "Sources cited");
        let Block::Table { rows, .. } = &last.blocks[1] else {
            panic!("a table")
        };
        let keys: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(keys, ["APMA-2017", "QPP-HE-2017", "RHIHUB"]);
        assert!(rows[2][1].contains("ruralhealthinfo.org"), "{:?}", rows[2]);
    }
}

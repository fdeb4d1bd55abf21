//! CMS's final feedback, imported and reconciled with the product's own decisions (issue 16): the file is
//! read by `hardship_formats::feedback`, every practice it names is loaded and assessed for the year
//! (`practice_years`), [`reconcile::reconcile`] lists the discrepancies, and each subject with a reviewable
//! one gets a targeted-review candidate in the store (draft; one per subject and year, so re-importing
//! the same file opens nothing and writes no audit event).

pub mod reconcile;
#[cfg(test)]
mod tests;

use crate::App;
use crate::error::AppError;
use crate::imports::ImportFailure;
use crate::practice_years::practice_year;
use crate::principal::Principal;
use crate::years::rules;
use hardship_formats::feedback::{Layout, parse_feedback};
use hardship_rules::PerformanceYear;
use hardship_store::TargetedReview;
use reconcile::{Discrepancy, Known};
use serde::Serialize;
use std::collections::HashSet;

/// A targeted-review candidate as shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub practice: uuid::Uuid,
    pub year: u16,
    pub tin: String,
    /// Absent for the group (TIN).
    pub npi: Option<String>,
    /// `draft`, `submitted`, `decided`.
    pub state: String,
    pub codes: Vec<String>,
    pub summary: String,
    pub evidence: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
}

impl From<&TargetedReview> for CandidateView {
    fn from(r: &TargetedReview) -> Self {
        CandidateView {
            id: r.id,
            practice: r.practice.0,
            year: r.year.get(),
            tin: r.tin.to_string(),
            npi: r.npi.map(|n| n.as_str().to_owned()),
            state: r.state.name().to_owned(),
            codes: r.codes.clone(),
            summary: r.summary.clone(),
            evidence: r.evidence.clone(),
            created_at: r.created_at,
            created_by: r.created_by.clone(),
        }
    }
}

/// What an import found and did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reconciliation {
    pub year: u16,
    /// `plain` or `puf`.
    pub layout: String,
    pub rows: usize,
    /// Rows whose TIN/NPI the portfolio has.
    pub matched: usize,
    /// Matched rows with no discrepancy.
    pub agreed: usize,
    pub discrepancies: Vec<Discrepancy>,
    /// Candidates this import opened (none when they were open already).
    pub opened: Vec<CandidateView>,
    /// Candidates already open for the subjects this file flags.
    pub already_open: Vec<CandidateView>,
    /// What was read but not used, and PUF labels of the year the file lacks.
    pub notes: Vec<String>,
}

/// Imports a final-feedback file for `year` and reconciles it (staff and owners; an auditor is refused
/// by the store before anything is written).
pub async fn import_feedback(
    app: &App,
    p: &Principal,
    year: PerformanceYear,
    bytes: &[u8],
) -> Result<Reconciliation, ImportFailure> {
    // Refuse a read-only caller before reading the portfolio.
    if !p.role.can_write() {
        return Err(AppError::Forbidden("an auditor cannot import final feedback".into()).into());
    }
    let feedback = parse_feedback(bytes, year).map_err(ImportFailure::Rows)?;
    let rules = rules(year)?;

    // The practices the file names: by TIN, or (a PUF without TINs) by an NPI on their roster.
    let tins: HashSet<_> = feedback.rows.iter().filter_map(|r| r.tin).collect();
    let npis: HashSet<_> = feedback
        .rows
        .iter()
        .filter(|r| r.tin.is_none())
        .filter_map(|r| r.npi)
        .collect();
    let practices = app.store.list_practices(p.tenant).await?;
    let by_npi: HashSet<_> = if npis.is_empty() {
        HashSet::new()
    } else {
        app.store
            .list_tenant_clinicians(p.tenant)
            .await?
            .into_iter()
            .filter(|c| npis.contains(&c.npi))
            .map(|c| c.practice)
            .collect()
    };
    let mut bundles = Vec::new();
    for pr in practices
        .iter()
        .filter(|pr| pr.archived.is_none() && (tins.contains(&pr.tin) || by_npi.contains(&pr.id)))
    {
        bundles.push(practice_year(app, p, pr.id, year).await?);
    }
    let known: Vec<Known<'_>> = bundles
        .iter()
        .map(|b| Known {
            practice: &b.practice,
            assessment: &b.assessment,
            applications: &b.applications,
            documents: &b.documents,
        })
        .collect();
    let found = reconcile::reconcile(rules, &feedback, &known);

    let subjects: Vec<_> = found.candidates.iter().map(|c| (c.tin, c.npi)).collect();
    let opened = app
        .store
        .open_targeted_reviews(p.tenant, &p.actor(), found.candidates)
        .await?;
    let opened_ids: HashSet<_> = opened.iter().map(|r| r.id).collect();
    let already_open = app
        .store
        .list_targeted_reviews(p.tenant, Some(year))
        .await?
        .iter()
        .filter(|r| !opened_ids.contains(&r.id) && subjects.contains(&(r.tin, r.npi)))
        .map(CandidateView::from)
        .collect();
    let mut notes = Vec::new();
    if !feedback.missing_columns.is_empty() {
        notes.push(format!(
            "The file lacks these PY {} PUF columns (not used): {}.",
            year.get(),
            feedback.missing_columns.join(", ")
        ));
    }
    Ok(Reconciliation {
        year: year.get(),
        layout: match feedback.layout {
            Layout::Plain => "plain",
            Layout::Puf => "puf",
        }
        .into(),
        rows: feedback.rows.len(),
        matched: found.matched,
        agreed: found.agreed,
        discrepancies: found.discrepancies,
        opened: opened.iter().map(CandidateView::from).collect(),
        already_open,
        notes,
    })
}

/// The tenant's targeted-review candidates of a year.
pub async fn candidates(
    app: &App,
    p: &Principal,
    year: PerformanceYear,
) -> Result<Vec<CandidateView>, AppError> {
    Ok(app
        .store_for(p)
        .list_targeted_reviews(p.tenant, Some(year))
        .await?
        .iter()
        .map(CandidateView::from)
        .collect())
}

//! The portfolio export: every clinician of every practice in a year, with the decision and the
//! practice's applications, as JSON rows or CSV that opens safely in a spreadsheet.

use crate::App;
use crate::error::AppError;
use crate::practice_years;
use crate::principal::Principal;
use hardship_rules::PerformanceYear;
use serde::Serialize;

/// One clinician of a consultancy's year.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    app: &App,
    p: &Principal,
    year: PerformanceYear,
) -> Result<Vec<PortfolioRow>, AppError> {
    let practices = app.store_for(p).list_practices(p.tenant).await?;
    let mut rows = Vec::new();
    // Archived practices are in no view.
    for pr in practices.into_iter().filter(|p| p.archived.is_none()) {
        let b = practice_years::practice_year(app, p, pr.id, year).await?;
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
                // The decision at the practice's level, as every other view shows it.
                reweighted: c.reweighted,
                basis: c.basis.clone(),
                applications: apps.join(";"),
            });
        }
    }
    record_export(
        app,
        p,
        "portfolio",
        "organization",
        p.tenant,
        serde_json::json!({ "year": year.get(), "rows": rows.len() }),
    )
    .await?;
    Ok(rows)
}

/// Records an export in the audit log: who took which records away, and when.
pub(crate) async fn record_export(
    app: &App,
    p: &Principal,
    what: &str,
    entity: &'static str,
    id: impl ToString,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    app.store_for(p)
        .record_observation(
            p.tenant,
            &p.actor(),
            hardship_store::engine::payloads::exported(what, entity, id, detail),
        )
        .await?;
    Ok(())
}

/// The rows as CSV (header first), fields quoted as needed.
pub fn portfolio_csv(rows: &[PortfolioRow]) -> Result<Vec<u8>, AppError> {
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
    .map_err(|e| AppError::Internal(e.to_string()))?;
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
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

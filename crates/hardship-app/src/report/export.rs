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
    let practices = app.store.list_practices(p.tenant).await?;
    let mut rows = Vec::new();
    for pr in practices {
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

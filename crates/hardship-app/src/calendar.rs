//! The organization's deadline calendar: each open year's deadline, with the practices that still need an
//! application, and the close of each targeted-review window that draft cases wait on, as an iCalendar
//! feed ([`crate::ical`] writes it).

use crate::error::AppError;
use crate::principal::Principal;
use crate::{App, ical, portfolio, years};
use hardship_rules::PerformanceYear;

/// The feed's text, for a calendar app (through a calendar link) or a signed-in user.
pub async fn feed(app: &App, p: &Principal) -> Result<String, AppError> {
    let now = app.now();
    let org = app.store_for(p).get_organization(p.tenant).await?;
    let mut events = Vec::new();
    for y in PerformanceYear::all() {
        let d = years::deadline_view(y, now)?;
        // A closed window is history; one CMS has not announced has no date to put in a calendar.
        let Some(closes) = d.closes.filter(|_| d.state != "closed") else {
            continue;
        };
        let pf = portfolio::portfolio(app, p, y).await?;
        events.push(ical::DeadlineEvent {
            year: y.get(),
            closes,
            unconfirmed: !d.confirmed,
            sources: d.sources,
            practices_to_file: pf
                .rows
                .iter()
                .filter(|r| r.needs_application > 0)
                .map(|r| (r.name.clone(), r.tin.clone()))
                .collect(),
        });
    }
    let reviews: Vec<ical::ReviewWindowEvent> = crate::review::open_windows(app, p)
        .await?
        .into_iter()
        .map(|w| ical::ReviewWindowEvent {
            year: w.window.year,
            closes: w.closes,
            unconfirmed: !w.window.confirmed,
            sources: w.window.sources.clone(),
            cases: w
                .drafts
                .iter()
                .map(|r| match &r.npi {
                    Some(n) => format!("{} (TIN {} / NPI {n})", r.practice_name, r.tin),
                    None => format!("{} (TIN {})", r.practice_name, r.tin),
                })
                .collect(),
        })
        .collect();
    Ok(ical::calendar_with_reviews(
        &p.tenant.to_string(),
        &org.name,
        &events,
        &reviews,
        now,
    ))
}

//! The wizard's EUC exception path (`?kind=euc`): the categories the year lets an application cover,
//! the events it accepts — after the main deadline only the reason of a window CMS reopened, which the
//! page names ("CMS will deny applications for reasons outside …") — and the levels that may file.
//! The store checks the same rules again when the draft is written.

use super::WizardFields;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use hardship_app::years::ReopenedWindowView;
use hardship_rules::euc;
use hardship_rules::{CategorySet, EucEventType, PerformanceYear, ReportingLevel};
use hardship_store::Practice;

/// What the EUC steps of the wizard show.
pub(crate) struct EucWizard {
    /// (code, label, ticked) of the categories the year's application may cover.
    pub(crate) categories: Vec<(String, String, bool)>,
    /// (code, label) of the events that may be cited now.
    pub(crate) events: Vec<(String, String)>,
    /// Windows reopened for one reason, open now (after the main deadline the only way to file).
    pub(crate) reopened: Vec<ReopenedWindowView>,
    /// The year's main window has closed.
    pub(crate) main_closed: bool,
    /// Whether an APM entity's application must cover every category this year.
    pub(crate) apm_all: bool,
}

/// The EUC steps' choices for a year at `now`.
pub(crate) fn wizard(
    year: PerformanceYear,
    f: &WizardFields,
    now: DateTime<Utc>,
) -> Result<EucWizard, ApiError> {
    let rules = hardship_app::years::rules(year)?;
    let ticked = CategorySet::of(&f.categories());
    let reopened = hardship_app::years::reopened_windows(year, now)?;
    let main_closed = hardship_app::years::window_closed(year, now);
    let (categories, mut events, apm_all) = match &rules.euc_application {
        Some(e) => (
            euc::coverable(rules)
                .into_iter()
                .map(|c| {
                    (
                        c.code().to_owned(),
                        c.label().to_owned(),
                        ticked.contains(c),
                    )
                })
                .collect(),
            e.coverage
                .event_types
                .iter()
                .map(|t| (t.code().to_owned(), t.label().to_owned()))
                .collect::<Vec<_>>(),
            e.levels.apm_entity_all_categories,
        ),
        None => (Vec::new(), Vec::new(), false),
    };
    // Once the main window has closed, a reopened window's reason is the only one offered.
    if main_closed {
        events.retain(|(code, _)| reopened.iter().any(|w| &w.reason == code));
    }
    Ok(EucWizard {
        categories,
        events,
        reopened,
        main_closed,
        apm_all,
    })
}

/// Checks the EUC answers so far against the year at `now` (the applicant's level once chosen),
/// naming the field at fault.
pub(crate) fn check(
    year: PerformanceYear,
    f: &WizardFields,
    now: DateTime<Utc>,
) -> Result<EucEventType, String> {
    let rules = hardship_app::years::rules(year).map_err(|e| ApiError::from(e).public_message())?;
    let event = EucEventType::parse(super::text(&f.euc_event)).map_err(|e| e.to_string())?;
    let level = match super::text(&f.level) {
        "" => None,
        l => Some(ReportingLevel::parse(l).map_err(|e| e.to_string())?),
    };
    let date = |field: &str, v: &Option<String>| match super::text(v) {
        "" => Ok(None),
        t => crate::dto::parse_date(field, t)
            .map(Some)
            .map_err(|e| e.public_message()),
    };
    if let (Some(start), Some(end)) = (
        date("event_start", &f.event_start)?,
        date("event_end", &f.event_end)?,
    ) && end < start
    {
        return Err(format!(
            "invalid event_end: {end} is before the start date {start}"
        ));
    }
    let fail = |e: euc::EucRefusal| format!("invalid {}: {e}", e.field());
    // Before the applicant is chosen, the group stands in (every year with the application has it).
    let lvl = level.unwrap_or(ReportingLevel::Group);
    euc::check_request(rules, CategorySet::of(&f.categories()), event, lvl).map_err(fail)?;
    euc::window_at(rules, now, event, lvl).map_err(fail)?;
    Ok(event)
}

impl WizardFields {
    /// A first draft of an EUC application's explanation, for the consultant to edit.
    pub(super) fn euc_description(&self, practice: &Practice) -> String {
        let event = EucEventType::parse(super::text(&self.euc_event))
            .map(|e| e.label())
            .unwrap_or("the event");
        let cats: Vec<&str> = self.categories().iter().map(|c| c.label()).collect();
        format!(
            "{} was affected by an extreme and uncontrollable circumstance, {event}, from {} to {}, entirely outside its control: [to fill: what happened, and for how long it prevented collecting or submitting data, or affected performance on cost measures]. Affected performance categories: {}.",
            practice.name,
            super::text(&self.event_start),
            if super::text(&self.event_end).is_empty() {
                "ongoing"
            } else {
                super::text(&self.event_end)
            },
            cats.join(", ")
        )
    }

    /// The application's subject in words, for the last step.
    pub(super) fn euc_label(&self) -> String {
        let event = EucEventType::parse(super::text(&self.euc_event))
            .map(|e| e.label())
            .unwrap_or("");
        let cats: Vec<&str> = self.categories().iter().map(|c| c.label()).collect();
        format!(
            "extreme and uncontrollable circumstances exception ({event}), reweighting {}",
            cats.join(", ")
        )
    }
}

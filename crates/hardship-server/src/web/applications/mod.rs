//! Applications on the pages: the wizard (the practice's facts → the reasons the year accepts and the
//! practice may cite → everything the CMS form or the phone call needs), the application page with its
//! state changes, evidence and history, the edit form and the list.
//!
//! The wizard's steps are GET requests that carry the answers so far in the query string: nothing is
//! written until the final POST, the back button works, and a consultant can bookmark a half-done file.

/// Editing an application (a draft or a ready one).
mod edit;
/// The wizard's EUC exception path: categories, events, reopened one-reason windows.
mod euc;
/// The list of applications, by year and state.
mod list;
/// One application's page and its transitions.
mod show;

pub use edit::*;
pub use list::*;
pub use show::*;

use super::{Form, Nav, PageResult, WebError, WebUser, html, html_status, see, text, ticked};
use crate::AppState;
use crate::dto::{
    self, ApplicantDto, ApplicationDto, ApplicationFactsDto, ApplicationInput, AuditEntry,
    DocumentDto, FactsDto, ScreeningDto, SubmitterDto, TransitionInput,
};
use crate::error::ApiError;
use crate::extract::{parse_id, parse_year};
use crate::principal::Principal;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hardship_app::years::DeadlineView;
use hardship_rules::{Category, HardshipReason, PerformanceYear};
use hardship_store::*;
use serde::{Deserialize, Serialize};

/// Every answer of the wizard; all optional text, parsed at each step so errors name the field.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct WizardFields {
    pub step: Option<String>,
    // The practice's facts.
    pub clinician_count: Option<String>,
    pub overwhelming_barriers: Option<String>,
    pub ehr_decertified_on: Option<String>,
    pub good_faith_new_cehrt: Option<String>,
    pub decertified_exception_years_used: Option<String>,
    pub insufficient_internet: Option<String>,
    pub event_kind: Option<String>,
    pub event_start: Option<String>,
    pub event_end: Option<String>,
    pub percent_encounters_without_cehrt_control: Option<String>,
    pub no_cehrt: Option<String>,
    // The EUC exception application: `kind=euc`, the categories ticked, the event cited.
    pub kind: Option<String>,
    pub euc_event: Option<String>,
    pub cat_quality: Option<String>,
    pub cat_cost: Option<String>,
    pub cat_ia: Option<String>,
    pub cat_pi: Option<String>,
    // The reason and the applicant.
    pub reason: Option<String>,
    pub level: Option<String>,
    pub npi: Option<String>,
    pub identifier: Option<String>,
    // The details.
    pub description: Option<String>,
    pub circumstance_start: Option<String>,
    pub circumstance_end: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub attested: Option<String>,
    pub mark_ready: Option<String>,
    #[serde(default)]
    pub csrf: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

pub(super) fn opt_u32(field: &str, v: &Option<String>) -> Result<Option<u32>, ApiError> {
    match text(v) {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("invalid {field} {t:?}: a whole number"))),
    }
}

pub(super) fn opt_percent(v: &Option<String>) -> Result<Option<u8>, ApiError> {
    match text(v) {
        "" => Ok(None),
        t => t.parse::<u8>().ok().filter(|p| *p <= 100).map(Some).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "invalid percent_encounters_without_cehrt_control {t:?}: a percentage from 0 to 100"
            ))
        }),
    }
}

pub(super) fn some_text(v: &Option<String>) -> Option<String> {
    Some(text(v).to_owned()).filter(|s| !s.is_empty())
}

impl WizardFields {
    pub fn facts(&self) -> Result<FactsDto, ApiError> {
        Ok(FactsDto {
            clinician_count: opt_u32("clinician_count", &self.clinician_count)?,
            overwhelming_barriers: ticked(&self.overwhelming_barriers),
            ehr_decertified_on: some_text(&self.ehr_decertified_on),
            good_faith_new_cehrt: ticked(&self.good_faith_new_cehrt),
            decertified_exception_years_used: opt_u32(
                "decertified_exception_years_used",
                &self.decertified_exception_years_used,
            )?
            .unwrap_or(0),
            insufficient_internet: ticked(&self.insufficient_internet),
            covid19_affected: false,
            event_kind: some_text(&self.event_kind),
            event_start: some_text(&self.event_start),
            event_end: some_text(&self.event_end),
            percent_encounters_without_cehrt_control: opt_percent(
                &self.percent_encounters_without_cehrt_control,
            )?,
            has_cehrt: !ticked(&self.no_cehrt),
        })
    }

    fn application_facts(&self) -> Result<ApplicationFactsDto, ApiError> {
        let f = self.facts()?;
        Ok(ApplicationFactsDto {
            clinician_count: f.clinician_count,
            overwhelming_barriers: f.overwhelming_barriers,
            good_faith_new_cehrt: f.good_faith_new_cehrt,
            decertified_exception_years_used: f.decertified_exception_years_used,
            insufficient_internet: f.insufficient_internet,
            percent_encounters_without_cehrt_control: f.percent_encounters_without_cehrt_control,
        })
    }

    fn input(
        &self,
        practice: PracticeId,
        year: PerformanceYear,
        tin: &str,
    ) -> Result<ApplicationInput, ApiError> {
        let level = text(&self.level).to_owned();
        let by_identifier = level == "virtual_group" || level == "apm_entity";
        let euc = self.is_euc();
        Ok(ApplicationInput {
            practice,
            year: year.get(),
            applicant: ApplicantDto {
                npi: (level == "individual").then(|| text(&self.npi).to_owned()),
                tin: (!by_identifier).then(|| tin.to_owned()),
                identifier: by_identifier.then(|| text(&self.identifier).to_owned()),
                level,
            },
            reason: if euc {
                String::new()
            } else {
                text(&self.reason).to_owned()
            },
            kind: euc.then(|| "euc".to_owned()),
            categories: if euc {
                self.categories()
                    .iter()
                    .map(|c| c.code().to_owned())
                    .collect()
            } else {
                Vec::new()
            },
            euc_event: if euc {
                some_text(&self.euc_event)
            } else {
                None
            },
            euc_kind: if euc {
                None
            } else {
                some_text(&self.event_kind)
            },
            circumstance_start: some_text(&self.circumstance_start),
            circumstance_end: some_text(&self.circumstance_end),
            description: text(&self.description).to_owned(),
            submitter: SubmitterDto {
                first_name: text(&self.first_name).to_owned(),
                last_name: text(&self.last_name).to_owned(),
                email: text(&self.email).to_owned(),
                phone: text(&self.phone).to_owned(),
                extension: text(&self.extension).to_owned(),
            },
            facts: self.application_facts()?,
            attested: ticked(&self.attested),
            version: None,
        })
    }

    /// Whether the wizard files an EUC exception application.
    pub fn is_euc(&self) -> bool {
        text(&self.kind) == "euc"
    }

    /// The categories ticked for an EUC application.
    pub fn categories(&self) -> Vec<Category> {
        [
            (Category::Quality, &self.cat_quality),
            (Category::Cost, &self.cat_cost),
            (Category::Ia, &self.cat_ia),
            (Category::Pi, &self.cat_pi),
        ]
        .into_iter()
        .filter(|(_, v)| ticked(v))
        .map(|(c, _)| c)
        .collect()
    }

    /// The answers as hidden inputs for the next step: (name, value), empty ones left out.
    fn hidden(&self, skip: &[&str]) -> Vec<(String, String)> {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        if let Some(map) = v.as_object() {
            for (k, val) in map {
                if skip.contains(&k.as_str()) || k == "step" || k == "csrf" {
                    continue;
                }
                if let Some(s) = val.as_str().filter(|s| !s.is_empty()) {
                    out.push((k.clone(), s.to_owned()));
                }
            }
        }
        out
    }

    /// Fills what the practice's records and the answers already say.
    fn prefill(&mut self, practice: &Practice, user_email: &str, reason: Option<HardshipReason>) {
        let empty = |v: &Option<String>| text(v).is_empty();
        if empty(&self.email) {
            self.email = Some(if practice.contact.email.is_empty() {
                user_email.to_owned()
            } else {
                practice.contact.email.clone()
            });
        }
        if empty(&self.phone) && !practice.contact.phone.is_empty() {
            self.phone = Some(practice.contact.phone.clone());
        }
        if empty(&self.first_name) && empty(&self.last_name) {
            let mut parts = practice.contact.name.split_whitespace();
            self.first_name = parts.next().map(str::to_owned);
            let rest: Vec<&str> = parts.collect();
            self.last_name = (!rest.is_empty()).then(|| rest.join(" "));
        }
        match reason {
            Some(HardshipReason::ExtremeUncontrollable) => {
                if empty(&self.circumstance_start) {
                    self.circumstance_start = self.event_start.clone();
                }
                if empty(&self.circumstance_end) {
                    self.circumstance_end = self.event_end.clone();
                }
            }
            Some(HardshipReason::DecertifiedEhr) if empty(&self.circumstance_start) => {
                self.circumstance_start = self.ehr_decertified_on.clone();
            }
            _ => {}
        }
        if empty(&self.description)
            && let Some(r) = reason
        {
            self.description = Some(if self.is_euc() {
                self.euc_description(practice)
            } else {
                self.draft_description(practice, r)
            });
        }
    }

    /// A first draft of the explanation from the answers, for the consultant to edit.
    fn draft_description(&self, practice: &Practice, r: HardshipReason) -> String {
        match r {
            HardshipReason::SmallPractice => format!(
                "{} (TIN {}) has {} clinicians billing under its TIN and faces overwhelming barriers to meeting the Promoting Interoperability requirements: [to fill: the barriers — cost, staffing, vendor availability]. The documentation of these barriers is kept on file for audit.",
                practice.name,
                practice.tin,
                text(&self.clinician_count)
            ),
            HardshipReason::DecertifiedEhr => format!(
                "The certified EHR technology used by {} was decertified by ONC on {}. Before the performance period the practice made a good-faith effort to adopt and implement another certified EHR: [to fill: the steps taken and their dates].",
                practice.name,
                text(&self.ehr_decertified_on)
            ),
            HardshipReason::InsufficientInternet => format!(
                "A practice location of {} lacks sufficient internet access to meet the Promoting Interoperability requirements: [to fill: the location, the bandwidth available, providers contacted, costs quoted].",
                practice.name
            ),
            HardshipReason::Covid19 => format!(
                "{} was adversely affected by the COVID-19 public health emergency: [to fill: how — closures, staffing, patient volumes — and when].",
                practice.name
            ),
            HardshipReason::ExtremeUncontrollable => format!(
                "{} was affected by an extreme and uncontrollable circumstance ({}) from {} to {}: [to fill: the event and how it prevented the use of certified EHR technology].",
                practice.name,
                text(&self.event_kind).replace('_', " "),
                text(&self.event_start),
                if text(&self.event_end).is_empty() {
                    "ongoing"
                } else {
                    text(&self.event_end)
                }
            ),
            HardshipReason::LackOfControlCehrt => format!(
                "{}% of the outpatient encounters of {} occur at locations where the clinicians have no control over the availability of certified EHR technology: [to fill: the locations and who controls their systems].",
                text(&self.percent_encounters_without_cehrt_control),
                practice.name
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "wizard.html")]
pub(super) struct WizardPage {
    pub(super) nav: Nav,
    pub(super) error: Option<String>,
    pub(super) step: String,
    pub(super) practice: dto::PracticeDto,
    pub(super) year: u16,
    pub(super) deadline: DeadlineView,
    pub(super) f: WizardFields,
    pub(super) hidden: Vec<(String, String)>,
    pub(super) screening: Option<ScreeningDto>,
    /// (code, label) of the levels that may apply this year.
    pub(super) levels: Vec<(String, String)>,
    /// (npi, name) of the roster.
    pub(super) roster: Vec<(String, String)>,
    pub(super) euc_kinds: Vec<(&'static str, &'static str)>,
    pub(super) reason_label: String,
    pub(super) roster_size: u32,
    /// The practice-year's reporting level when someone chose it, in words.
    pub(super) profile_level: Option<String>,
    /// Who applies differs from the level the practice reports at: said, not refused.
    pub(super) level_warning: Option<String>,
    /// The EUC exception path (`kind=euc`).
    pub(super) euc: Option<euc::EucWizard>,
}

/// A reporting or applicant level in words.
fn level_words(code: &str) -> &str {
    match code {
        "group" => "a group (the TIN)",
        "individual" => "individuals (TIN/NPI)",
        "virtual_group" => "a virtual group",
        "apm_entity" => "an APM entity",
        other => other,
    }
}

pub(super) const EUC_KINDS: &[(&str, &str)] = &[
    ("disaster", "disaster (hurricane, flood, fire, …)"),
    (
        "practice_or_hospital_closure",
        "practice or hospital closure",
    ),
    (
        "severe_financial_distress",
        "severe financial distress (e.g. bankruptcy)",
    ),
    ("ehr_vendor_issues", "EHR certification or vendor issues"),
];

pub(super) async fn wizard_page(
    state: &AppState,
    user: WebUser,
    practice: PracticeId,
    year: PerformanceYear,
    mut f: WizardFields,
    error: Option<String>,
) -> Result<(StatusCode, WizardPage), WebError> {
    let b = hardship_app::practice_years::practice_year(state, &user.0, practice, year).await?;
    let mut step = text(&f.step).to_owned();
    if step.is_empty() {
        step = "facts".into();
    }
    if text(&f.clinician_count).is_empty() {
        f.clinician_count = Some(b.assessment.clinician_count.to_string());
    }
    let mut error = error;
    let mut status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut screening = None;
    let is_euc = f.is_euc();
    if step != "facts" && is_euc {
        if let Err(e) = euc::check(year, &f, state.now()) {
            error = Some(e);
            status = StatusCode::UNPROCESSABLE_ENTITY;
            step = "facts".into();
        }
    } else if step != "facts" {
        match f.facts().and_then(|x| x.parse()) {
            Ok(facts) => {
                screening = Some(
                    hardship_app::applications::screen_practice(
                        state, &user.0, practice, year, &facts,
                    )
                    .await?,
                );
            }
            Err(e) => {
                error = Some(e.public_message());
                status = e.status();
                step = "facts".into();
            }
        }
    }
    let mut reason_label = String::new();
    if step == "details" && is_euc {
        reason_label = f.euc_label();
        f.prefill(
            &b.practice,
            &user.0.label,
            Some(HardshipReason::ExtremeUncontrollable),
        );
        if text(&f.level).is_empty() {
            error = Some("choose who applies: the group (TIN), a clinician, a virtual group or an APM entity".into());
            status = StatusCode::UNPROCESSABLE_ENTITY;
            step = "reason".into();
        }
    } else if step == "details" {
        let chosen = text(&f.reason).to_owned();
        let verdict = screening
            .as_ref()
            .and_then(|s| s.reasons.iter().find(|r| r.reason == chosen));
        match verdict {
            Some(v) if v.may_cite => {
                reason_label = v.label.clone();
                let r = HardshipReason::parse(&chosen).ok();
                f.prefill(&b.practice, &user.0.label, r);
            }
            Some(v) => {
                error = Some(format!("\"{}\" cannot be cited: {}", v.label, v.why));
                status = StatusCode::UNPROCESSABLE_ENTITY;
                step = "reason".into();
            }
            None => {
                error = Some("choose the reason the application cites".into());
                status = StatusCode::UNPROCESSABLE_ENTITY;
                step = "reason".into();
            }
        }
        if step == "details" && text(&f.level).is_empty() {
            error = Some("choose who applies: the group (TIN) or an individual clinician".into());
            status = StatusCode::UNPROCESSABLE_ENTITY;
            step = "reason".into();
        }
    }
    // Who applies defaults to the level the practice chose for the year; a different choice is allowed
    // (a clinician may apply alone) but said, because CMS reweights at the level that reports.
    let chosen_level = b
        .profile
        .profile
        .level_decided
        .then_some(b.profile.profile.level);
    if step == "reason"
        && text(&f.level).is_empty()
        && let Some(l) = chosen_level
    {
        f.level = Some(l.code().to_owned());
    }
    let level_warning = match (chosen_level, text(&f.level)) {
        (Some(l), picked) if !picked.is_empty() && picked != l.code() => Some(format!(
            "The practice reports as {} in {}, and this application is for {}. CMS reweights PI at the level that reports: an approval at another level does not cover it. Change who applies, or change the level on the year's profile.",
            level_words(l.code()),
            year,
            level_words(picked)
        )),
        _ => None,
    };
    let levels = if is_euc {
        hardship_app::years::euc_levels(year)?
    } else {
        hardship_app::years::application_levels(year)?
    };
    let levels = levels
        .into_iter()
        .map(|l| (l.code().to_owned(), l.label().to_owned()))
        .collect();
    let skip: &[&str] = match step.as_str() {
        "facts" => &[
            "clinician_count",
            "overwhelming_barriers",
            "ehr_decertified_on",
            "good_faith_new_cehrt",
            "decertified_exception_years_used",
            "insufficient_internet",
            "event_kind",
            "event_start",
            "event_end",
            "percent_encounters_without_cehrt_control",
            "no_cehrt",
            "euc_event",
            "cat_quality",
            "cat_cost",
            "cat_ia",
            "cat_pi",
        ],
        "reason" => &["reason", "level", "npi", "identifier"],
        _ => &[
            "description",
            "circumstance_start",
            "circumstance_end",
            "first_name",
            "last_name",
            "email",
            "phone",
            "extension",
            "attested",
            "mark_ready",
        ],
    };
    let hidden = f.hidden(skip);
    let mut nav = user.nav(state).await?;
    nav.year = year.get();
    Ok((
        status,
        WizardPage {
            nav,
            error,
            step,
            practice: (&b.practice).into(),
            year: year.get(),
            deadline: hardship_app::years::deadline_view(year, state.now())?,
            hidden,
            screening,
            levels,
            roster: b
                .clinicians
                .iter()
                .map(|c| (c.npi.to_string(), c.name.clone()))
                .collect(),
            euc_kinds: EUC_KINDS.to_vec(),
            reason_label,
            roster_size: b.assessment.clinician_count,
            profile_level: chosen_level.map(|l| level_words(l.code()).to_owned()),
            level_warning,
            euc: if is_euc {
                Some(euc::wizard(year, &f, state.now())?)
            } else {
                None
            },
            f,
        },
    ))
}

pub async fn wizard(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(f): Query<WizardFields>,
) -> PageResult {
    // A client answers its practices' wizards too.
    user.0.require_contribute()?;
    let (status, page) = wizard_page(
        &state,
        user,
        parse_id("practice", &id)?,
        parse_year(&year)?,
        f,
        None,
    )
    .await?;
    Ok(html_status(status, &page))
}

pub async fn create(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, f): Form<WizardFields>,
) -> PageResult {
    p.require_contribute()?;
    let practice: PracticeId = parse_id("practice", &id)?;
    let year = parse_year(&year)?;
    let pr = state.store_for(&p).get_practice(p.tenant, practice).await?;
    let created = async {
        let draft = f.input(practice, year, pr.tin.as_str())?.parse()?;
        hardship_app::applications::create_application(&state, &p, draft)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match created {
        Ok(app) => {
            if ticked(&f.mark_ready) {
                let ready = hardship_app::applications::transition(
                    &state,
                    &p,
                    app.id,
                    app.version,
                    Transition::MarkReady,
                )
                .await;
                if let Err(e) = ready {
                    // The draft is saved; the page says what is still missing.
                    let e = ApiError::from(e);
                    return show_page(&state, WebUser(p), app.id, None, Some(e.public_message()))
                        .await
                        .map(|(s, page)| {
                            html_status(s.max_error(StatusCode::UNPROCESSABLE_ENTITY), &page)
                        });
                }
            }
            Ok(see(&format!("/applications/{}?notice=created", app.id)))
        }
        Err(e) => {
            let mut f = f;
            f.step = Some("details".into());
            let (_, page) = wizard_page(
                &state,
                WebUser(p),
                practice,
                year,
                f,
                Some(e.public_message()),
            )
            .await?;
            Ok(html_status(e.status(), &page))
        }
    }
}

/// Keeps the more telling of two statuses for a page that shows an error.
pub(super) trait MaxError {
    fn max_error(self, other: StatusCode) -> StatusCode;
}

impl MaxError for StatusCode {
    fn max_error(self, other: StatusCode) -> StatusCode {
        if self.is_client_error() { self } else { other }
    }
}

//! The application state machine and draft validation, pure so they are tested without a database.
//!
//! ```text
//! draft ⇄ ready → submitted(portal|phone, reference, when, by) → approved | denied
//!   └──────┴──────────┴→ withdrawn                approved → voided_by_pi_submission
//! ```
//!
//! Both kinds of application share it: the PI hardship and the EUC exception application (whose window
//! after the main deadline is one CMS reopened for one reason, checked by [`check_window`]).

use crate::error::{StoreError, StoreResult};
use crate::model::{
    Applicant, ApplicationDraft, ApplicationState, Channel, DecisionSeen, DocumentId,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hardship_rules::{HardshipReason, RuleBook, deadline, euc, screening};
use serde::{Deserialize, Serialize};

/// A step an application can take.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Transition {
    MarkReady,
    BackToDraft,
    Submit {
        channel: Channel,
        reference: String,
    },
    /// CMS's decision: with its e-mail (a stored document), or, when the e-mail is not on file, where it
    /// was seen (`seen`: the portal or a call, with a reference).
    Approve {
        decided_on: NaiveDate,
        email: Option<DocumentId>,
        #[serde(default)]
        seen: Option<DecisionSeen>,
    },
    Deny {
        decided_on: NaiveDate,
        email: Option<DocumentId>,
        #[serde(default)]
        seen: Option<DecisionSeen>,
    },
    /// Files CMS's decision e-mail with a decision recorded without it.
    LinkDecisionEmail {
        email: DocumentId,
    },
    Withdraw,
    VoidByPiSubmission {
        note: String,
    },
}

impl Transition {
    pub fn name(&self) -> &'static str {
        match self {
            Transition::MarkReady => "mark ready",
            Transition::BackToDraft => "return to draft",
            Transition::Submit { .. } => "submit",
            Transition::Approve { .. } => "approve",
            Transition::Deny { .. } => "deny",
            Transition::Withdraw => "withdraw",
            Transition::VoidByPiSubmission { .. } => "void",
            Transition::LinkDecisionEmail { .. } => "link the decision e-mail to",
        }
    }

    /// Whether the step only prepares the application (ready ⇄ draft), which the practice's own
    /// people may take; every other step is the organization's.
    pub fn prepares(&self) -> bool {
        matches!(self, Transition::MarkReady | Transition::BackToDraft)
    }

    /// The audit action code.
    pub fn action(&self) -> &'static str {
        match self {
            Transition::MarkReady => "application.ready",
            Transition::BackToDraft => "application.draft",
            Transition::Submit { .. } => "application.submit",
            Transition::Approve { .. } => "application.approve",
            Transition::Deny { .. } => "application.deny",
            Transition::Withdraw => "application.withdraw",
            Transition::VoidByPiSubmission { .. } => "application.void",
            Transition::LinkDecisionEmail { .. } => "application.link_email",
        }
    }
}

fn illegal(t: &Transition, s: &ApplicationState, reason: &str) -> StoreError {
    StoreError::IllegalTransition {
        action: t.name(),
        state: s.name(),
        reason: reason.to_owned(),
    }
}

/// The state an edit leaves an application in: editing a ready application sends it back to draft (it
/// must be checked again before it is sent); a sent or closed application is frozen.
pub fn state_after_edit(state: &ApplicationState) -> StoreResult<ApplicationState> {
    match state {
        ApplicationState::Draft | ApplicationState::Ready => Ok(ApplicationState::Draft),
        s => Err(StoreError::IllegalTransition {
            action: "edit",
            state: s.name(),
            reason: " (only drafts and ready applications can be edited)".into(),
        }),
    }
}

/// The next state, or why not. `by` names who acts; `now` is when.
pub fn apply(
    draft: &ApplicationDraft,
    state: &ApplicationState,
    t: &Transition,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<ApplicationState> {
    use ApplicationState as S;
    match (state, t) {
        (S::Draft, Transition::MarkReady) => {
            validate_draft(draft)?;
            validate_complete(draft)?;
            Ok(S::Ready)
        }
        (S::Ready, Transition::BackToDraft) => Ok(S::Draft),
        (S::Ready, Transition::Submit { channel, reference }) => {
            if reference.trim().is_empty() {
                let what = match channel {
                    Channel::Portal => "the portal confirmation number",
                    Channel::Phone => "the call reference",
                };
                return Err(StoreError::invalid(
                    "reference",
                    format!("{what} is required"),
                ));
            }
            let book = RuleBook::embedded().map_err(|e| StoreError::Internal(e.to_string()))?;
            if draft.euc.is_some() {
                check_window(draft, now).map_err(|e| match e {
                    StoreError::Invalid {
                        field: "year",
                        message,
                    } => illegal(t, state, &format!(": {message}")),
                    other => other,
                })?;
            } else {
                deadline::check_submission(book.year(draft.year), now)
                    .map_err(|e| illegal(t, state, &format!(": {e}")))?;
            }
            Ok(S::Submitted {
                channel: *channel,
                reference: reference.trim().to_owned(),
                at: now,
                by: by.to_owned(),
            })
        }
        (
            S::Submitted { .. },
            Transition::Approve {
                decided_on,
                email,
                seen,
            }
            | Transition::Deny {
                decided_on,
                email,
                seen,
            },
        ) => {
            // An auditor asks for CMS's answer: its e-mail, or where and how it was seen.
            let seen = seen.clone().filter(|s| !s.reference.trim().is_empty());
            if email.is_none() && seen.is_none() {
                return Err(StoreError::invalid(
                    "decision_email",
                    "attach CMS's decision e-mail, or say where the decision was seen (the QPP portal or a call) with its reference",
                ));
            }
            if let S::Submitted { at, .. } = state
                && *decided_on < at.date_naive()
            {
                return Err(StoreError::invalid(
                    "decided_on",
                    format!(
                        "{decided_on} is before the submission on {}",
                        at.date_naive()
                    ),
                ));
            }
            if *decided_on > now.date_naive() {
                return Err(StoreError::invalid(
                    "decided_on",
                    format!("{decided_on} is in the future"),
                ));
            }
            let submitted = Box::new(state.clone());
            Ok(match t {
                Transition::Approve { .. } => S::Approved {
                    submitted,
                    decided_on: *decided_on,
                    email: *email,
                    seen,
                },
                _ => S::Denied {
                    submitted,
                    decided_on: *decided_on,
                    email: *email,
                    seen,
                },
            })
        }
        (
            S::Approved { email: None, .. } | S::Denied { email: None, .. },
            Transition::LinkDecisionEmail { email },
        ) => Ok(match state.clone() {
            S::Approved {
                submitted,
                decided_on,
                seen,
                ..
            } => S::Approved {
                submitted,
                decided_on,
                email: Some(*email),
                seen,
            },
            S::Denied {
                submitted,
                decided_on,
                seen,
                ..
            } => S::Denied {
                submitted,
                decided_on,
                email: Some(*email),
                seen,
            },
            other => other,
        }),
        (S::Approved { .. } | S::Denied { .. }, Transition::LinkDecisionEmail { .. }) => Err(
            illegal(t, state, " (its decision e-mail is already on file)"),
        ),
        (S::Draft | S::Ready | S::Submitted { .. }, Transition::Withdraw) => {
            Ok(S::Withdrawn { at: now })
        }
        (S::Approved { .. }, Transition::VoidByPiSubmission { note }) => {
            Ok(S::VoidedByPiSubmission {
                at: now,
                note: note.clone(),
            })
        }
        (
            S::Approved { .. }
            | S::Denied { .. }
            | S::Withdrawn { .. }
            | S::VoidedByPiSubmission { .. },
            _,
        ) => Err(illegal(t, state, " (a final state)")),
        _ => Err(illegal(t, state, "")),
    }
}

/// Field checks that apply to every draft save: impossible dates, a reason the year does not accept.
pub fn validate_draft(d: &ApplicationDraft) -> StoreResult<()> {
    let book = RuleBook::embedded().map_err(|e| StoreError::Internal(e.to_string()))?;
    let rules = book.year(d.year);
    let y = i32::from(d.year.get());
    if let (Some(s), Some(e)) = (d.circumstance_start, d.circumstance_end)
        && e < s
    {
        return Err(StoreError::invalid(
            "circumstance_end",
            format!("{e} is before the start date {s}"),
        ));
    }
    // The circumstance must touch the performance year; a decertification may date from the year before.
    // An EUC event a window was reopened for may come after it (the Change Healthcare cyberattack of
    // February 2024 for PY 2023; CMS asked for 1/1/2020–4/30/2020 in the PY 2019 COVID-19 window).
    let later_event = d.euc.as_ref().is_some_and(|r| {
        rules
            .euc_application
            .as_ref()
            .is_some_and(|e| e.reopened.iter().any(|w| w.reason == r.event))
    });
    if let Some(start) = d.circumstance_start {
        if start.year() > y && !later_event {
            return Err(StoreError::invalid(
                "circumstance_start",
                format!("{start} is after the {y} performance year"),
            ));
        }
        if d.reason == HardshipReason::DecertifiedEhr && start.year() < y - 1 {
            return Err(StoreError::invalid(
                "circumstance_start",
                format!("{start}: the EHR must be decertified in {y} or {}", y - 1),
            ));
        }
    }
    if let Some(end) = d.circumstance_end
        && end.year() < y
    {
        return Err(StoreError::invalid(
            "circumstance_end",
            format!("{end} is before the {y} performance year"),
        ));
    }
    if let Some(req) = &d.euc {
        // The EUC application: its own categories, events and levels (year data), not the PI reasons.
        if d.reason != HardshipReason::ExtremeUncontrollable {
            return Err(StoreError::invalid(
                "reason",
                format!(
                    "an EUC exception application cites \"{}\", not \"{}\"",
                    HardshipReason::ExtremeUncontrollable.code(),
                    d.reason.code()
                ),
            ));
        }
        let set = req.category_set();
        if set.len() as usize != req.categories.len() {
            return Err(StoreError::invalid(
                "categories",
                "a category is named twice",
            ));
        }
        euc::check_request(rules, set, req.event, d.applicant.level())
            .map_err(|e| StoreError::invalid(e.field(), e.to_string()))?;
    } else if matches!(d.applicant, Applicant::ApmEntity { .. }) {
        return Err(StoreError::invalid(
            "applicant",
            format!(
                "an APM entity may not file a PI hardship application in {y}; it may file an EUC exception application"
            ),
        ));
    }
    match rules.reason_rule(d.reason) {
        _ if d.euc.is_some() => {}
        Some(r) if r.accepted => {}
        _ => {
            return Err(StoreError::invalid(
                "reason",
                format!(
                    "{y} does not accept \"{}\" as a PI hardship reason",
                    d.reason.label()
                ),
            ));
        }
    }
    let level = d.applicant.level();
    if d.euc.is_none() && !rules.application_levels.levels.contains(&level) {
        return Err(StoreError::invalid(
            "applicant",
            format!("a {} may not apply in {y}", level.label()),
        ));
    }
    crate::check_text("description", &d.description, 10_000)?;
    crate::check_text(
        "applicant.identifier",
        applicant_identifier(&d.applicant),
        64,
    )?;
    for (field, v) in [
        ("submitter.first_name", &d.submitter.first_name),
        ("submitter.last_name", &d.submitter.last_name),
        ("submitter.email", &d.submitter.email),
        ("submitter.phone", &d.submitter.phone),
        ("submitter.extension", &d.submitter.extension),
    ] {
        crate::check_text(field, v, 200)?;
    }
    if let Some(p) = d.facts.percent_encounters_without_cehrt_control
        && p > 100
    {
        return Err(StoreError::invalid(
            "facts.percent_encounters_without_cehrt_control",
            format!("{p} is not a percentage from 0 to 100"),
        ));
    }
    if d.facts.clinician_count == Some(0) {
        return Err(StoreError::invalid(
            "facts.clinician_count",
            "0 is not a number of clinicians billing under the TIN",
        ));
    }
    if !d.submitter.email.is_empty() {
        crate::check_email("submitter.email", &d.submitter.email)?;
    }
    Ok(())
}

/// Whether an EUC application may be filed at `now`: before the year's main deadline with any event the
/// year accepts, after it only inside a window CMS reopened and citing that window's reason (refused
/// naming `euc_event` and the window), else refused naming `year`. A PI hardship draft always passes
/// (its deadline is checked when it is sent).
pub fn check_window(d: &ApplicationDraft, now: DateTime<Utc>) -> StoreResult<()> {
    let Some(req) = &d.euc else {
        return Ok(());
    };
    let book = RuleBook::embedded().map_err(|e| StoreError::Internal(e.to_string()))?;
    euc::window_at(book.year(d.year), now, req.event, d.applicant.level())
        .map(|_| ())
        .map_err(|e| StoreError::invalid(e.field(), e.to_string()))
}

/// How drafted explanations mark what the consultant still has to write; a ready application has none.
pub const PLACEHOLDER: &str = "[to fill:";

fn applicant_identifier(a: &Applicant) -> &str {
    match a {
        Applicant::VirtualGroup { identifier } | Applicant::ApmEntity { identifier } => identifier,
        _ => "",
    }
}

/// What must be filled in before an application is ready to send. Every problem is reported at once
/// (the first names the error's field, the message names them all), so a form is fixed in one pass.
pub fn validate_complete(d: &ApplicationDraft) -> StoreResult<()> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let s = &d.submitter;
    for (field, v) in [
        ("submitter.first_name", &s.first_name),
        ("submitter.last_name", &s.last_name),
        ("submitter.email", &s.email),
        ("submitter.phone", &s.phone),
        ("description", &d.description),
    ] {
        if v.trim().is_empty() {
            problems.push((field, "is required before the application is ready".into()));
        }
    }
    if d.description.contains(PLACEHOLDER) {
        problems.push((
            "description",
            format!(
                "replace the \"{PLACEHOLDER} …]\" parts of the drafted text with the practice's facts"
            ),
        ));
    }
    // An event still going on has no end date yet: the CMS form's end date is then left open.
    if d.reason == HardshipReason::ExtremeUncontrollable && d.circumstance_start.is_none() {
        problems.push((
            "circumstance_start",
            "an extreme and uncontrollable circumstance needs its start date (leave the end blank while it goes on)".into(),
        ));
    }
    if d.reason == HardshipReason::ExtremeUncontrollable && d.euc_kind.is_none() && d.euc.is_none()
    {
        problems.push((
            "euc_kind",
            "say what kind of extreme and uncontrollable circumstance it was (the CMS form asks)"
                .into(),
        ));
    }
    if d.reason == HardshipReason::DecertifiedEhr && d.circumstance_start.is_none() {
        problems.push((
            "circumstance_start",
            "give the date the EHR was decertified".into(),
        ));
    }
    // The practice's own answers must meet the reason's criteria for the year [RULEBOOK §1] (a PI
    // hardship reason; the EUC application has its own checks in `validate_draft`).
    let book = RuleBook::embedded().map_err(|e| StoreError::Internal(e.to_string()))?;
    let screened = screening::screen(book.year(d.year), &d.practice_facts(), None);
    if let Some(v) = screened.reasons.iter().find(|v| v.reason == d.reason)
        && !v.may_cite
        && d.euc.is_none()
    {
        problems.push((
            "reason",
            format!("\"{}\" cannot be cited yet: {}", d.reason.label(), v.why),
        ));
    }
    if !d.attested {
        problems.push((
            "attested",
            "the submitter must attest that the information is accurate".into(),
        ));
    }
    let mut problems = problems.into_iter();
    match problems.next() {
        None => Ok(()),
        Some((field, first)) => {
            let rest: Vec<String> = problems.map(|(f, m)| format!("{f}: {m}")).collect();
            let message = if rest.is_empty() {
                first
            } else {
                format!("{first}; also {}", rest.join("; "))
            };
            Err(StoreError::invalid(field, message))
        }
    }
}

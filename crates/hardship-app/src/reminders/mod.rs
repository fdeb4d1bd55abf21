//! Reminders: 30, 7 and 1 days before each year's application deadline, every owner and staff member
//! gets one e-mail listing the practice-years still at risk (someone needs an application, or one is
//! not yet sent); the same before a targeted-review window closes that draft cases wait on
//! ([`reviews`]); on Mondays, a digest of the portfolio's open work. The same job runs on a schedule
//! inside `hardship serve` ([`every`]) and once from `hardship remind` (for cron).
//!
//! Each message is sent once: its key (tenant, recipient, kind, period) is claimed in the store before
//! sending, so a restart, a second run or a second instance sharing the database finds it taken. A
//! failed send gives the claim back (the next run retries); a sender that dies holding a claim loses it
//! after [`LEASE`]. The time is the App's clock, so tests and `--now` move it.

/// When reminders are due, and who hears about what (pure).
pub mod plan;
/// Before a targeted-review window closes on draft cases.
mod reviews;
/// The words of each message.
pub mod text;

use crate::App;
use crate::error::AppResult;
use crate::portfolio::{self, DashboardRow};
use crate::principal::{Credential, Principal};
use crate::years::{self, DeadlineView};
use chrono::{DateTime, Utc};
use hardship_rules::PerformanceYear;
use hardship_store::{ReminderKey, Role, TenantId};
use plan::Line;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;

/// How long a claim holds before another sender may take it over (its sender is presumed dead).
pub const LEASE: chrono::Duration = chrono::Duration::hours(1);

/// Send the messages, or only say what would be sent (claiming nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Send,
    DryRun,
}

/// What became of one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    /// A dry run: it would be sent now.
    WouldSend,
    /// Sent before, or being sent by another run right now.
    AlreadySent,
    /// The mail server refused or could not be reached; the claim was given back.
    Failed(String),
}

/// One message of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub organization: String,
    pub to: String,
    /// `deadline_30`, `deadline_7`, `deadline_1`, `review_30`, `review_7`, `review_1` or `weekly`.
    pub kind: String,
    pub period: String,
    pub subject: String,
    /// The practices listed, as `name (TIN …), PY …`.
    pub practices: Vec<String>,
    pub outcome: Outcome,
}

/// Everything one run did or would do.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub at: Option<DateTime<Utc>>,
    pub deliveries: Vec<Delivery>,
}

impl Report {
    pub fn count(&self, o: &Outcome) -> usize {
        self.deliveries.iter().filter(|d| &d.outcome == o).count()
    }

    pub fn failed(&self) -> usize {
        self.deliveries
            .iter()
            .filter(|d| matches!(d.outcome, Outcome::Failed(_)))
            .count()
    }
}

/// A message planned for one recipient, before it is claimed and sent.
struct Planned {
    key: ReminderKey,
    message: crate::mail::Message,
    practices: Vec<String>,
}

/// The job: every tenant, every message due now, each claimed and sent once (or only listed).
pub async fn run(app: &App, mode: Mode) -> AppResult<Report> {
    let now = app.now();
    let mut report = Report {
        at: Some(now),
        deliveries: Vec::new(),
    };
    for tenant in app.store.list_tenants().await? {
        let organization = app.store.get_organization(tenant).await?.name;
        let planned = plan_tenant(app, tenant, &organization, now).await?;
        let sent: HashSet<ReminderKey> = match mode {
            Mode::DryRun => app
                .store
                .list_reminders(tenant)
                .await?
                .into_iter()
                .filter(|r| r.sent_at.is_some())
                .map(|r| r.key)
                .collect(),
            Mode::Send => HashSet::new(),
        };
        for p in planned {
            let outcome = match mode {
                Mode::DryRun if sent.contains(&p.key) => Outcome::AlreadySent,
                Mode::DryRun => Outcome::WouldSend,
                Mode::Send => deliver(app, &p).await?,
            };
            report.deliveries.push(Delivery {
                organization: organization.clone(),
                to: p.message.to.clone(),
                kind: p.key.kind.clone(),
                period: p.key.period.clone(),
                subject: p.message.subject.clone(),
                practices: p.practices,
                outcome,
            });
        }
    }
    Ok(report)
}

/// Claims, sends, and marks sent — or gives the claim back when the send fails.
async fn deliver(app: &App, p: &Planned) -> AppResult<Outcome> {
    let Some(mailer) = &app.mailer else {
        return Ok(Outcome::Failed("no SMTP server is configured".into()));
    };
    let claim = uuid::Uuid::new_v4();
    let now = app.now();
    if !app
        .store
        .claim_reminder(&p.key, claim, now, now - LEASE)
        .await?
    {
        return Ok(Outcome::AlreadySent);
    }
    match mailer.send(&p.message).await {
        Ok(()) => {
            app.store
                .mark_reminder_sent(&p.key, claim, app.now())
                .await?;
            Ok(Outcome::Sent)
        }
        Err(e) => {
            tracing::warn!(kind = %p.key.kind, error = %e, "reminder not sent; the next run retries");
            app.store.release_reminder(&p.key, claim).await?;
            Ok(Outcome::Failed(e.to_string()))
        }
    }
}

/// The job's principal in a tenant: reads only, recorded as `reminders` should it ever write.
fn principal(tenant: TenantId) -> Principal {
    Principal {
        tenant,
        role: Role::Auditor,
        user: None,
        label: "reminders".into(),
        credential: Credential::Cli,
        tenants: vec![(tenant, Role::Auditor)],
        revision: None,
        practices: crate::principal::PracticeFilter::All,
    }
}

fn line(year: PerformanceYear, r: &DashboardRow) -> Line {
    Line {
        practice: r.practice,
        name: r.name.clone(),
        tin: r.tin_dashed.clone(),
        year: year.get(),
        assignee: r.assignee.clone(),
        needs_application: r.needs_application,
        unsent: r.applications.draft + r.applications.ready,
        awaiting_decision: r.applications.submitted,
        missing: r.missing.clone(),
    }
}

async fn lines(app: &App, p: &Principal, year: PerformanceYear) -> AppResult<Vec<Line>> {
    let pf = portfolio::portfolio(app, p, year).await?;
    Ok(pf.rows.iter().map(|r| line(year, r)).collect())
}

/// Every message due in one tenant at `now`.
async fn plan_tenant(
    app: &App,
    tenant: TenantId,
    organization: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Planned>> {
    let p = principal(tenant);
    let members = app.store.members(tenant).await?;
    let base = app.public_url();
    let mut out = Vec::new();
    let mut weekly_years: Vec<(DeadlineView, Vec<Line>)> = Vec::new();
    let current = years::current_year(now);
    for year in PerformanceYear::all() {
        let d = years::deadline_view(year, now)?;
        let due = d
            .closes
            .and_then(|c| plan::deadline_due(c, now).map(|n| (c, n)));
        let in_digest = year == current || d.state == "open";
        if due.is_none() && !in_digest {
            continue;
        }
        let all = lines(app, &p, year).await?;
        if let Some((closes, days)) = due {
            let at_risk: Vec<Line> = all.iter().filter(|l| l.at_risk()).cloned().collect();
            let left = plan::days_left(closes, now);
            for (m, user, listed) in plan::recipients(&members, &at_risk) {
                out.push(Planned {
                    key: ReminderKey {
                        tenant,
                        recipient: user.id,
                        kind: format!("deadline_{days}"),
                        period: format!("PY{} {}", year.get(), closes.to_rfc3339()),
                    },
                    message: text::deadline(
                        &user.email,
                        organization,
                        m.role.code(),
                        &d,
                        left,
                        &listed,
                        base,
                    ),
                    practices: names(&listed),
                });
            }
        }
        if in_digest {
            let open: Vec<Line> = all.into_iter().filter(Line::open).collect();
            if !open.is_empty() {
                weekly_years.push((d, open));
            }
        }
    }
    out.extend(reviews::planned(app, &p, tenant, organization, &members, now).await?);
    if let Some(week) = plan::weekly_period(now) {
        let all: Vec<Line> = weekly_years
            .iter()
            .flat_map(|(_, l)| l.iter().cloned())
            .collect();
        for (m, user, _) in plan::recipients(&members, &all) {
            out.push(Planned {
                key: ReminderKey {
                    tenant,
                    recipient: user.id,
                    kind: "weekly".into(),
                    period: week.clone(),
                },
                message: text::weekly(
                    &user.email,
                    organization,
                    m.role.code(),
                    &week,
                    &weekly_years,
                    base,
                ),
                practices: names(&all),
            });
        }
    }
    Ok(out)
}

fn names(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|l| format!("{} (TIN {}), PY {}", l.name, l.tin, l.year))
        .collect()
}

/// The schedule inside `hardship serve`: a first run shortly after start, then one every `interval`,
/// until the task is aborted with the server. A failed run is logged and the next one tries again.
pub async fn every(app: App, first: Duration, interval: Duration) {
    tokio::time::sleep(first).await;
    loop {
        match run(&app, Mode::Send).await {
            Ok(r) => {
                let sent = r.count(&Outcome::Sent);
                if sent > 0 || r.failed() > 0 {
                    tracing::info!(sent, failed = r.failed(), "reminders");
                }
            }
            Err(e) => tracing::warn!(error = %e, "reminder run failed"),
        }
        tokio::time::sleep(interval).await;
    }
}

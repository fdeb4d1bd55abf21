//! `hardship remind`: the reminder job of `hardship serve`, run once (for cron): deadline reminders 30,
//! 7 and 1 days before each year's deadline, and the Monday digest, each sent once whatever runs it.
//! `--dry-run` prints who would get what and sends and claims nothing; `--now` runs at another instant
//! (the job's clock, so it says what `hardship serve` would send then).

use super::parse_instant;
use crate::error::{CliError, Outcome};
use chrono::{DateTime, Utc};
use clap::Args;
use hardship_app::reminders::{self, Mode, Outcome as Sent, Report};
use hardship_app::{App, AppSettings};
use hardship_cli::mail::MailArgs;
use hardship_cli::ops;
use hardship_cli::storage::{self, StorageArgs};
use hardship_store::{Clock, Env, RandomIds, SystemClock};
use std::sync::Arc;

#[derive(Args)]
pub struct RemindArgs {
    /// Print who would get what; send nothing and claim nothing.
    #[arg(long)]
    dry_run: bool,
    /// Run at this instant (RFC 3339) instead of now.
    #[arg(long, value_parser = parse_instant)]
    now: Option<DateTime<Utc>>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    mail: MailArgs,
}

/// A clock stopped at one instant (`--now`).
struct At(DateTime<Utc>);

impl Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

pub async fn run(storage: &StorageArgs, a: RemindArgs) -> Outcome {
    let settings = storage.resolve().map_err(CliError::BadInput)?;
    let mail = a.mail.resolve(&settings.file).map_err(CliError::BadInput)?;
    if mail.mailer.is_none() && !a.dry_run {
        return Err(CliError::bad(
            "no HARDSHIP_SMTP_URL: nothing can be sent (--dry-run shows what would be)",
        ));
    }
    let clock: Arc<dyn Clock> = match a.now {
        Some(t) => Arc::new(At(t)),
        None => Arc::new(SystemClock),
    };
    let env = Env {
        clock: Arc::clone(&clock),
        ids: Arc::new(RandomIds),
    };
    let store = storage::open_store(&settings, env).await?;
    let vault = ops::open_vault(&settings).map_err(CliError::BadInput)?;
    let app_settings = AppSettings {
        public_url: mail.public_url,
        ..AppSettings::default()
    };
    let mut app = App::with_clock(store, Arc::new(vault), app_settings, clock);
    if let Some(m) = mail.mailer {
        app = app.with_mailer(m);
    }
    let mode = if a.dry_run { Mode::DryRun } else { Mode::Send };
    let report = reminders::run(&app, mode).await?;
    if a.json {
        super::print_json(&report)?;
    } else {
        print_report(&report);
    }
    match report.failed() {
        0 => Ok(()),
        n => Err(CliError::Internal(format!(
            "{n} reminder(s) could not be sent; the next run tries again"
        ))),
    }
}

fn print_report(r: &Report) {
    let at = r.at.map(|t| t.to_rfc3339()).unwrap_or_default();
    println!(
        "hardship remind at {at}: {} sent, {} would be sent, {} already sent, {} failed",
        r.count(&Sent::Sent),
        r.count(&Sent::WouldSend),
        r.count(&Sent::AlreadySent),
        r.failed()
    );
    for d in &r.deliveries {
        let what = match &d.outcome {
            Sent::Sent => "sent".to_owned(),
            Sent::WouldSend => "would send".to_owned(),
            Sent::AlreadySent => "already sent".to_owned(),
            Sent::Failed(e) => format!("FAILED ({e})"),
        };
        println!(
            "{what}: {} to {} ({}, {}): {}",
            d.kind, d.to, d.organization, d.period, d.subject
        );
        for p in &d.practices {
            println!("    - {p}");
        }
    }
}

//! `hardship`: who gets MIPS PI reweighted, why, and what it does to the final score.
//!
//! The command tree lives here; each command is a module of [`commands`] with its arguments and a `run`
//! function. Exit codes ([`error::CliError::exit_code`]): 0 ok, 2 bad input (the message names the file,
//! line, column and value), 1 internal error, 3 a verification failed, 4 the guard refused a file, 5 some
//! NPIs could not be fetched from CMS.

mod commands;
mod error;

use clap::{Parser, Subcommand};
use commands::{
    audit, backup, batch, check, deadline, debug, eligibility, export, feedback, guard, import,
    migrate, remind, review, rules, score, screen, serve, user, vault, whatif, with_runtime,
};
use hardship_cli::storage::StorageArgs;
use hardship_rules::RuleBook;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hardship",
    version,
    about = "MIPS Promoting Interoperability reweighting: eligibility, hardship applications, scores"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Is PI reweighted for one clinician or group, on what basis, or why not.
    Check(check::CheckArgs),
    /// Final score and payment adjustment from category scores.
    Score(score::ScoreArgs),
    /// PI reweighted versus reported at a PI score, and the break-even PI score.
    Whatif(whatif::WhatifArgs),
    /// Print a year's rule set with sources, or the differences between two years.
    Rules(rules::RulesArgs),
    /// The application window of a year and the time left.
    Deadline(deadline::DeadlineArgs),
    /// Which hardship reasons a practice may cite, from its facts (JSON).
    Screen(screen::ScreenArgs),
    /// Run the batch CSV contract (see README) from INPUT to OUTPUT.
    Batch(batch::BatchArgs),
    /// Start the web application and JSON API (default http://127.0.0.1:8080, SQLite in ./hardship-data).
    Serve(serve::ServeArgs),
    /// Import a file into a practice, all or nothing: a roster CSV (batch contract columns), a roster in
    /// the NPPES file's layout, or the QPP Eligibility API's JSON for one NPI. The format is recognised.
    Import(import::ImportArgs),
    /// CMS's eligibility data for the clinicians of a practice or of the organization.
    Eligibility(eligibility::EligibilityArgs),
    /// CMS's final feedback: `feedback import FILE --year Y` reconciles it with our decisions and opens
    /// targeted-review candidates.
    Feedback(feedback::FeedbackArgs),
    /// Targeted-review cases: `review list [--year Y]`.
    Review(review::ReviewArgs),
    /// Check a QPP submission file before it is sent: exits 4 when it carries PI data for a submitter
    /// whose PI is reweighted (it would void the reweighting), 0 otherwise.
    Guard(guard::GuardArgs),
    /// Export an application packet (PDF or JSON), a practice-year's audit binder (PDF), or a
    /// portfolio (CSV or JSON).
    Export(export::ExportArgs),
    /// Users and their organizations.
    User(user::UserArgs),
    /// Send the reminders due now, once each (what `hardship serve` does every 15 minutes): 30, 7 and
    /// 1 days before each deadline, and the Monday digest. --dry-run prints who would get what.
    Remind(remind::RemindArgs),
    /// Create or upgrade the database schema (also done whenever the store is opened).
    Migrate,
    /// The tamper-evident audit log.
    Audit(audit::AuditArgs),
    /// The evidence vault.
    Vault(vault::VaultArgs),
    /// A consistent snapshot of the database and the vault into DIR (safe while the server runs). The
    /// master key is not included: keep it separately.
    Backup(backup::BackupArgs),
    /// Restore a backup from DIR into an empty installation, then verify the audit log and the vault.
    Restore(backup::RestoreArgs),
    /// Tools for tests and operators (not part of the stable interface).
    #[command(hide = true)]
    Debug(debug::DebugArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let book = match RuleBook::embedded() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("hardship: internal error: {e}");
            return ExitCode::from(1);
        }
    };
    let storage = &cli.storage;
    let result = match cli.command {
        Command::Check(a) => check::run(book, a),
        Command::Score(a) => score::run(book, a),
        Command::Whatif(a) => whatif::run(book, a),
        Command::Rules(a) => rules::run(book, a),
        Command::Deadline(a) => deadline::run(book, a),
        Command::Screen(a) => screen::run(book, a),
        Command::Batch(a) => batch::run(a),
        Command::Serve(a) => with_runtime(|| serve::run(storage, a)),
        Command::Import(a) => with_runtime(|| import::run(storage, a)),
        Command::Eligibility(a) => with_runtime(|| eligibility::run(storage, a)),
        Command::Feedback(a) => with_runtime(|| feedback::run(storage, a)),
        Command::Review(a) => with_runtime(|| review::run(storage, a)),
        Command::Guard(a) => with_runtime(|| guard::run(storage, a)),
        Command::Export(a) => with_runtime(|| export::run(storage, a)),
        Command::User(a) => with_runtime(|| user::run(storage, a)),
        Command::Remind(a) => with_runtime(|| remind::run(storage, a)),
        Command::Migrate => with_runtime(|| migrate::run(storage)),
        Command::Audit(a) => with_runtime(|| audit::run(storage, a)),
        Command::Vault(a) => with_runtime(|| vault::run(storage, a)),
        Command::Backup(a) => with_runtime(|| backup::backup(storage, a)),
        Command::Restore(a) => with_runtime(|| backup::restore(storage, a)),
        Command::Debug(a) => debug::run(storage, a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hardship: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

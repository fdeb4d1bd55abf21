//! `hardship`: who gets MIPS PI reweighted, why, and what it does to the final score.
//!
//! Exit codes: 0 ok, 2 bad input (the message names the file, line, column and value), 1 internal error.

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use hardship_cli::batch::{self, BatchOptions};
use hardship_cli::case_json::CaseJson;
use hardship_cli::casework;
use hardship_cli::ops;
use hardship_cli::storage::{self, Settings, StorageArgs};
use hardship_rules::cites::Cites;
use hardship_rules::eligibility::{self, Application, Case, ClinicianFacts, Subject};
use hardship_rules::scoring::{self, CategoryScores, ScoreInput, ScoreResult};
use hardship_rules::screening::{self, PracticeFacts};
use hardship_rules::whatif::{self, Choice};
use hardship_rules::{
    ApplicationStatus, Category, CategoryScore, ClinicianType, HardshipReason, PerformanceYear,
    ReportingLevel, RuleBook, RuleSet, deadline, ruleset,
};
use hardship_store::{Env, Store, TenantId};
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;
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
    Check(CheckArgs),
    /// Final score and payment adjustment from category scores.
    Score(ScoreArgs),
    /// PI reweighted versus reported at a PI score, and the break-even PI score.
    Whatif(WhatifArgs),
    /// Print a year's rule set with sources, or the differences between two years.
    Rules(RulesArgs),
    /// The application window of a year and the time left.
    Deadline(DeadlineArgs),
    /// Which hardship reasons a practice may cite, from its facts (JSON).
    Screen(ScreenArgs),
    /// Run the batch CSV contract (see README) from INPUT to OUTPUT.
    Batch(BatchArgs),
    /// Start the web application and JSON API (default http://127.0.0.1:8080, SQLite in ./hardship-data).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "HARDSHIP_LISTEN")]
        listen: Option<String>,
        /// Largest request body in bytes (uploads included).
        #[arg(long, env = "HARDSHIP_UPLOAD_LIMIT_BYTES")]
        upload_limit_bytes: Option<u64>,
        /// Mark the session cookie `Secure` (default true). `false` is accepted only when listening on a
        /// loopback address, for browsers that refuse `Secure` cookies over plain-HTTP localhost.
        #[arg(long, env = "HARDSHIP_COOKIE_SECURE")]
        cookie_secure: Option<bool>,
        /// A load balancer's address whose `X-Forwarded-For` header names the client (for the sign-in
        /// limiter); repeat, or comma-separate in the environment. Without one the header is ignored.
        #[arg(
            long = "trusted-proxy",
            env = "HARDSHIP_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
    },
    /// Import a file into a practice, all or nothing: a roster CSV (batch contract columns), a roster in
    /// the NPPES file's layout, or the QPP Eligibility API's JSON for one NPI. The format is recognised.
    Import {
        file: PathBuf,
        /// The practice (its id).
        #[arg(long)]
        practice: String,
        /// The organization (needed when the installation has several).
        #[arg(long)]
        tenant: Option<String>,
        /// The performance year of an eligibility file.
        #[arg(long, value_parser = parse_year)]
        year: Option<PerformanceYear>,
        /// Which organizations[] entry of an eligibility file is the practice (from 0).
        #[arg(long)]
        organization: Option<usize>,
        /// When the eligibility data was retrieved from CMS (YYYY-MM-DD; default today).
        #[arg(long)]
        retrieved_on: Option<chrono::NaiveDate>,
        /// Import the good rows of a CSV and report the bad ones instead of refusing the file.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Check a QPP submission file before it is sent: exits 4 when it carries PI data for a submitter
    /// whose PI is reweighted (it would void the reweighting), 0 otherwise.
    Guard {
        file: PathBuf,
        /// The submitting practice's TIN.
        #[arg(long)]
        tin: String,
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export an application packet (PDF or JSON), a practice-year's audit binder (PDF), or a
    /// portfolio (CSV or JSON).
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Users and their organizations.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Create or upgrade the database schema (also done whenever the store is opened).
    Migrate,
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The evidence vault.
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
    /// A consistent snapshot of the database and the vault into DIR (safe while the server runs). The
    /// master key is not included: keep it separately.
    Backup { dir: PathBuf },
    /// Restore a backup from DIR into an empty installation, then verify the audit log and the vault.
    Restore { dir: PathBuf },
    /// Tools for tests and operators (not part of the stable interface).
    #[command(hide = true)]
    Debug {
        #[command(subcommand)]
        command: DebugCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user: the owner of a new organization, or a member of an existing one (--tenant). The
    /// password comes from HARDSHIP_PASSWORD or the first line of standard input, never from a flag.
    Create {
        #[arg(long)]
        email: String,
        /// Name of a new organization to create, owned by this user.
        #[arg(long, required_unless_present = "tenant", conflicts_with = "tenant")]
        organization: Option<String>,
        /// The new organization is a consultancy (many practices) or a single practice.
        #[arg(long, default_value = "consultancy", value_parser = |s: &str| hardship_store::OrganizationKind::parse(s).ok_or_else(|| format!("invalid kind {s:?}: consultancy or practice")))]
        kind: hardship_store::OrganizationKind,
        /// Add the user to this existing organization instead.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long, default_value = "owner", value_parser = parse_role)]
        role: hardship_store::Role,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Everything the CMS form or the phone call needs; `.pdf` or `.json` by the output's name.
    Packet {
        application: String,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// The audit binder of a practice-year (PDF).
    Binder {
        #[arg(long)]
        practice: String,
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Every clinician of every practice of a year, with decisions and applications; `.csv` or `.json`.
    Portfolio {
        #[arg(long, value_parser = parse_year)]
        year: PerformanceYear,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum VaultCommand {
    /// Re-read every document: decryption, authentication and the recorded SHA-256 (exit 3 on mismatch).
    Verify,
}

#[derive(Subcommand)]
enum DebugCommand {
    /// Prints a synthetic roster in the NPPES file's layout (real taxonomy codes, valid NPIs).
    NppesSample {
        #[arg(long, default_value_t = 1000)]
        rows: u32,
    },
    /// Fills a fresh installation with a consultancy of PRACTICES practices of CLINICIANS clinicians each
    /// (for the load benchmark) and prints JSON: the organization, an owner's e-mail and an API token.
    Seed {
        #[arg(long, default_value_t = 500)]
        practices: u32,
        #[arg(long, default_value_t = 50)]
        clinicians: u32,
        #[arg(long, default_value = "2026", value_parser = parse_year)]
        year: PerformanceYear,
        /// The API token's role: staff (the default), owner or auditor.
        #[arg(long, default_value = "staff", value_parser = parse_role)]
        token_role: hardship_store::Role,
    },
    /// Writes a stream of applications, printing `ack application ID` after each commit: the crash test
    /// kills it mid-stream and checks that every acknowledged write survived.
    WriteStream {
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Also upload an evidence document every N writes (0: never).
        #[arg(long, default_value_t = 0)]
        upload_every: u32,
        #[arg(long, default_value_t = 300_000)]
        upload_bytes: u32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every tenant's hash chain and name the first broken event (exit 3 when broken).
    Verify {
        /// Only this tenant (organization id).
        #[arg(long)]
        tenant: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<hardship_store::Role, String> {
    hardship_store::Role::parse(s)
        .ok_or_else(|| format!("invalid role {s:?}: owner, staff or auditor"))
}

fn parse_year(s: &str) -> Result<PerformanceYear, String> {
    PerformanceYear::parse(s).map_err(|e| e.to_string())
}

fn parse_score(s: &str) -> Result<f64, String> {
    CategoryScore::parse("score", s)
        .map(CategoryScore::percent)
        .map_err(|e| e.to_string())
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!("invalid instant {s:?}: {e} (use RFC 3339, e.g. 2024-12-31T20:00:00-05:00)")
        })
}

#[derive(Args)]
struct CheckArgs {
    /// A case as JSON (see README); replaces the flags below.
    #[arg(long, conflicts_with_all = ["year", "clinician_type"])]
    file: Option<PathBuf>,
    #[arg(long, value_parser = parse_year, required_unless_present = "file")]
    year: Option<PerformanceYear>,
    #[arg(long, default_value = "individual", value_parser = |s: &str| ReportingLevel::parse(s).map_err(|e| e.to_string()))]
    level: ReportingLevel,
    #[arg(long, value_parser = |s: &str| ClinicianType::parse(s).map_err(|e| e.to_string()), required_unless_present = "file")]
    clinician_type: Option<ClinicianType>,
    #[arg(long)]
    hospital_based: bool,
    #[arg(long)]
    non_patient_facing: bool,
    #[arg(long)]
    asc_based: bool,
    /// Clinicians billing under the TIN.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    practice_size: Option<u32>,
    #[arg(long, value_parser = |s: &str| HardshipReason::parse_with_hint(s).map_err(|e| e.to_string()), requires = "hardship_status")]
    hardship_reason: Option<HardshipReason>,
    #[arg(long, value_parser = |s: &str| ApplicationStatus::parse(s).map_err(|e| e.to_string()), requires = "hardship_reason")]
    hardship_status: Option<ApplicationStatus>,
    /// PI data was (or will be) submitted at this reporting level: `true` (qualifying; the default when
    /// the flag is given without a value), `incomplete` or `false`.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_parser = |s: &str| hardship_rules::PiSubmission::parse(s).map_err(|e| e.to_string()))]
    pi_submitted: Option<hardship_rules::PiSubmission>,
    /// The practice location's ZIP code (CMS's automatic EUC areas): 12345 or 12345-6789.
    #[arg(long, value_parser = |s: &str| hardship_rules::Zip5::parse(s).map_err(|e| e.to_string()))]
    practice_zip: Option<hardship_rules::Zip5>,
    /// The instant for the deadline countdown (default: now).
    #[arg(long, value_parser = parse_instant)]
    at: Option<DateTime<Utc>>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Clone)]
struct ScoresArgs {
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    /// Quality category score, percent (omit when not scored).
    #[arg(long, value_parser = parse_score)]
    quality: Option<f64>,
    #[arg(long, value_parser = parse_score)]
    cost: Option<f64>,
    #[arg(long, value_parser = parse_score)]
    ia: Option<f64>,
    /// The practice has 15 or fewer clinicians.
    #[arg(long)]
    small_practice: bool,
    #[arg(long, default_value_t = 0.0, value_parser = parse_score)]
    complex_patient_bonus: f64,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ScoreArgs {
    #[command(flatten)]
    common: ScoresArgs,
    /// PI category score, percent (omit when PI is not scored).
    #[arg(long, value_parser = parse_score)]
    pi: Option<f64>,
    /// PI is reweighted (any --pi is then ignored).
    #[arg(long)]
    pi_reweighted: bool,
}

#[derive(Args)]
struct WhatifArgs {
    #[command(flatten)]
    common: ScoresArgs,
    /// The PI score reporting would earn, percent.
    #[arg(long, value_parser = parse_score)]
    pi: f64,
}

#[derive(Args)]
struct RulesArgs {
    #[arg(long, value_parser = parse_year, required_unless_present_any = ["diff", "sources"])]
    year: Option<PerformanceYear>,
    /// Two years to compare.
    #[arg(long, num_args = 2, value_parser = parse_year, conflicts_with = "year")]
    diff: Option<Vec<PerformanceYear>>,
    /// List every source key and what it refers to.
    #[arg(long)]
    sources: bool,
    /// Print the year's data file as embedded.
    #[arg(long, requires = "year")]
    raw: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DeadlineArgs {
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    #[arg(long, value_parser = parse_instant)]
    at: Option<DateTime<Utc>>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ScreenArgs {
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    /// Practice facts as JSON (see README).
    #[arg(long)]
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BatchArgs {
    input: PathBuf,
    #[arg(short, long)]
    output: PathBuf,
    /// Write good rows and an errors file instead of stopping at the first bad row.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Errors file (default: OUTPUT.errors.csv).
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

enum Failure {
    BadInput(String),
    Internal(String),
    /// A verification found tampering or loss (exit 3).
    Verification(String),
    /// The guard refuses a submission file (exit 4).
    Blocked(String),
}

type Outcome = Result<(), Failure>;

fn bad(msg: impl Into<String>) -> Failure {
    Failure::BadInput(msg.into())
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
    let result = match cli.command {
        Command::Check(a) => check(book, a),
        Command::Score(a) => score_cmd(book, a),
        Command::Whatif(a) => whatif_cmd(book, a),
        Command::Rules(a) => rules_cmd(book, a),
        Command::Deadline(a) => deadline_cmd(book, a),
        Command::Screen(a) => screen_cmd(book, a),
        Command::Batch(a) => batch_cmd(a),
        Command::Migrate => with_runtime(|| migrate_cmd(&cli.storage)),
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    organization,
                    kind,
                    tenant,
                    role,
                },
        } => {
            with_runtime(|| user_create_cmd(&cli.storage, email, organization, kind, tenant, role))
        }
        Command::Serve {
            listen,
            upload_limit_bytes,
            cookie_secure,
            trusted_proxies,
        } => with_runtime(|| {
            let options = ServeOptions {
                listen,
                upload_limit: upload_limit_bytes,
                cookie_secure,
                trusted_proxies,
            };
            serve_cmd(&cli.storage, options)
        }),
        Command::Audit {
            command: AuditCommand::Verify { tenant },
        } => with_runtime(|| audit_verify_cmd(&cli.storage, tenant)),
        Command::Debug {
            command:
                DebugCommand::WriteStream {
                    count,
                    upload_every,
                    upload_bytes,
                },
        } => with_runtime(|| write_stream_cmd(&cli.storage, count, upload_every, upload_bytes)),
        Command::Debug {
            command: DebugCommand::NppesSample { rows },
        } => {
            print!("{}", hardship_formats::nppes::synthetic(rows));
            Ok(())
        }
        Command::Debug {
            command:
                DebugCommand::Seed {
                    practices,
                    clinicians,
                    year,
                    token_role,
                },
        } => with_runtime(|| seed_cmd(&cli.storage, practices, clinicians, year, token_role)),
        Command::Vault {
            command: VaultCommand::Verify,
        } => with_runtime(|| vault_verify_cmd(&cli.storage)),
        Command::Backup { dir } => with_runtime(|| backup_cmd(&cli.storage, dir)),
        Command::Restore { dir } => with_runtime(|| restore_cmd(&cli.storage, dir)),
        Command::Import {
            file,
            practice,
            tenant,
            year,
            organization,
            retrieved_on,
            skip_bad_rows,
        } => with_runtime(|| {
            import_cmd(
                &cli.storage,
                file,
                practice,
                tenant,
                hardship_server::imports::ImportOptions {
                    year,
                    organization,
                    retrieved_on,
                    keep_good_rows: skip_bad_rows,
                },
            )
        }),
        Command::Guard {
            file,
            tin,
            year,
            tenant,
            json,
        } => with_runtime(|| guard_cmd(&cli.storage, file, tin, year, tenant, json)),
        Command::Export { what } => with_runtime(|| export_cmd(&cli.storage, what)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(m)) => {
            eprintln!("hardship: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(m)) => {
            eprintln!("hardship: internal error: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Verification(m)) => {
            eprintln!("hardship: verification failed: {m}");
            ExitCode::from(3)
        }
        Err(Failure::Blocked(m)) => {
            eprintln!("hardship: BLOCKED: {m}");
            ExitCode::from(4)
        }
    }
}

fn read_file(path: &PathBuf) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| bad(format!("{}: {e}", path.display())))
}

fn check(book: &RuleBook, a: CheckArgs) -> Outcome {
    let case = match &a.file {
        Some(path) => {
            let text = read_file(path)?;
            let parsed =
                CaseJson::parse(&text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
            parsed
                .to_case(book)
                .map_err(|e| bad(format!("{}: {e}", path.display())))?
        }
        None => {
            if a.level.is_collective() {
                return Err(bad(
                    "a group or virtual group needs its members: use --file with a JSON case (see README)",
                ));
            }
            let (Some(year), Some(clinician_type)) = (a.year, a.clinician_type) else {
                return Err(bad(
                    "--year and --clinician-type are required without --file",
                ));
            };
            Case {
                practice_size: a.practice_size,
                application: a
                    .hardship_reason
                    .zip(a.hardship_status)
                    .map(|(reason, status)| Application { reason, status }),
                pi_submission: a.pi_submitted.unwrap_or_default(),
                practice_zip: a.practice_zip,
                ..Case::new(
                    year,
                    a.level,
                    Subject::Clinician(ClinicianFacts {
                        clinician_type,
                        hospital_based: a.hospital_based,
                        non_patient_facing: a.non_patient_facing,
                        asc_based: a.asc_based,
                    }),
                )
            }
        }
    };
    let rules = book.year(case.year);
    let decision = eligibility::decide(rules, &case);
    let explanation = decision.explain(rules);
    let window = deadline::window_status(rules, a.at.unwrap_or_else(Utc::now));
    if a.json {
        let out = json!({
            "performance_year": case.year,
            "reporting_level": case.level,
            "pi_reweighted": decision.reweighted,
            "pi_basis": decision.basis.to_string(),
            "voided_basis": decision.voided_basis.map(|b| b.to_string()),
            "small_practice": decision.small_practice,
            "warnings": decision.warnings.codes(),
            "explanation": explanation,
            "rule_set_version": rules.version,
            "application_window": window,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        println!("{}", explanation.render());
        if !decision.reweighted {
            println!("  application window {}: {}", case.year, window.describe());
        }
    }
    Ok(())
}

fn scores_of(c: &ScoresArgs, pi: Option<f64>) -> CategoryScores {
    CategoryScores {
        quality: c.quality,
        cost: c.cost,
        ia: c.ia,
        pi,
    }
}

fn score_json(r: &ScoreResult<'_>) -> serde_json::Value {
    let cats: Vec<serde_json::Value> = Category::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"category": c.code(), "weight": r.weights[i], "points": round4(r.contributions[i]), "reweighted": r.reweighted.contains(*c)}))
        .collect();
    json!({
        "final_score": round4(r.final_score),
        "categories": cats,
        "bonus_points": r.bonus_points,
        "fewer_than_two_scored": r.fewer_than_two_scored,
        "adjustment": r.adjustment,
        "adjustment_text": r.adjustment.describe(),
        "warnings": r.warnings.codes(),
        "sources": r.cites.source_keys(),
        "unconfirmed": r.cites.unconfirmed(),
    })
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

fn render_score(
    rules: &RuleSet,
    label: &str,
    scores: &CategoryScores,
    r: &ScoreResult<'_>,
) -> String {
    let mut s = format!(
        "{label}\n  {:<28} {:>7} {:>7} {:>8}\n",
        "category", "score", "weight", "points"
    );
    for (i, c) in Category::ALL.iter().enumerate() {
        let name = if *c == Category::Pi {
            rules.pi_category_name.as_str()
        } else {
            c.label()
        };
        let score = scores
            .get(*c)
            .map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"));
        let score = if r.reweighted.contains(*c) {
            "not scored".to_owned()
        } else {
            score
        };
        s.push_str(&format!(
            "  {name:<28} {score:>10} {:>6}% {:>8.2}\n",
            r.weights[i], r.contributions[i]
        ));
    }
    if r.bonus_points > 0.0 {
        s.push_str(&format!(
            "  {:<28} {:>24.2}\n",
            "bonus points", r.bonus_points
        ));
    }
    if r.fewer_than_two_scored {
        s.push_str(
            "  fewer than two categories scored: the final score is the performance threshold\n",
        );
    }
    s.push_str(&format!(
        "  final score {:.2} → {}: {}\n",
        r.final_score,
        r.adjustment.band.code(),
        r.adjustment.describe()
    ));
    s
}

fn render_cites(c: &Cites<'_>) -> String {
    let mut s = format!(
        "  sources: {}",
        ruleset::render_sources(
            &c.source_keys()
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
        )
    );
    let u = c.unconfirmed();
    if !u.is_empty() {
        s.push_str(&format!("\n  UNCONFIRMED: {}", u.join("; ")));
    }
    s
}

fn score_cmd(book: &RuleBook, a: ScoreArgs) -> Outcome {
    let rules = book.year(a.common.year);
    let scores = scores_of(&a.common, a.pi);
    let input = ScoreInput {
        scores,
        pi_reweighted: a.pi_reweighted,
        small_practice: a.common.small_practice,
        complex_patient_bonus: a.common.complex_patient_bonus,
    };
    let r = scoring::score(rules, &input);
    if a.common.json {
        let mut v = score_json(&r);
        v["performance_year"] = json!(a.common.year);
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        let label = format!(
            "Performance year {} (payment year {})",
            rules.year,
            rules.year + 2
        );
        println!(
            "{}{}",
            render_score(rules, &label, &scores, &r),
            render_cites(&r.cites)
        );
    }
    Ok(())
}

fn whatif_cmd(book: &RuleBook, a: WhatifArgs) -> Outcome {
    let c = &a.common;
    let rules = book.year(c.year);
    let scores = scores_of(c, None);
    let w = whatif::what_if(
        rules,
        scores,
        c.small_practice,
        c.complex_patient_bonus,
        a.pi,
    );
    let verdict = match w.winner {
        Choice::Reweight => format!(
            "Keep PI reweighted: reporting PI at {:.2} would cost {:.2} points.",
            a.pi,
            w.reweighted.final_score - w.reported.final_score
        ),
        Choice::Report => format!(
            "Report PI: at {:.2} it adds {:.2} points over reweighting.",
            a.pi,
            w.reported.final_score - w.reweighted.final_score
        ),
        Choice::Tie => "Reporting PI and reweighting give the same final score.".to_owned(),
    };
    let break_even = match w.break_even {
        Some(p) => format!("Reporting beats or equals reweighting from a PI score of {p:.2}."),
        None => "Even a PI score of 100 does not match reweighting.".to_owned(),
    };
    if c.json {
        let mut rw = score_json(&w.reweighted);
        rw["choice"] = json!("reweight");
        let mut rp = score_json(&w.reported);
        rp["choice"] = json!("report");
        rp["pi_score"] = json!(a.pi);
        let out = json!({
            "performance_year": c.year,
            "reweighted": rw,
            "reported": rp,
            "break_even_pi_score": w.break_even,
            "winner": w.winner,
            "verdict": verdict,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        let mut reported_scores = scores;
        reported_scores.pi = Some(a.pi);
        println!(
            "{}",
            render_score(
                rules,
                &format!("PI reweighted ({})", rules.year),
                &scores,
                &w.reweighted
            )
        );
        println!(
            "{}",
            render_score(
                rules,
                &format!("PI reported at {:.2} ({})", a.pi, rules.year),
                &reported_scores,
                &w.reported
            )
        );
        println!("{verdict}\n{break_even}");
        println!("Reminder: submitting any PI data voids the reweighting.");
        let mut cites = w.reweighted.cites;
        cites.extend(&w.reported.cites);
        cites.push(
            rules
                .pi_submission_voids_reweighting
                .cite("PI submission voids reweighting"),
        );
        println!("{}", render_cites(&cites));
    }
    Ok(())
}

fn rules_cmd(book: &RuleBook, a: RulesArgs) -> Outcome {
    if a.sources {
        for set in book.years() {
            let _ = set;
        }
        let mut keys: Vec<String> = Vec::new();
        for set in book.years() {
            for c in set.citations() {
                keys.extend(c.sources.iter().cloned());
            }
        }
        keys.sort();
        keys.dedup();
        for k in keys {
            println!(
                "[{k}] {}",
                book.source(&k).unwrap_or("(not in the register)")
            );
        }
        return Ok(());
    }
    if let Some(years) = a.diff {
        let (ya, yb) = (book.year(years[0]), book.year(years[1]));
        let (fa, fb) = (ya.facts(), yb.facts());
        let mut keys: Vec<&String> = fa
            .iter()
            .map(|f| &f.0)
            .chain(fb.iter().map(|f| &f.0))
            .collect();
        keys.dedup();
        let mut seen = std::collections::BTreeSet::new();
        let mut changes = Vec::new();
        for k in keys {
            if !seen.insert(k.clone()) {
                continue;
            }
            let va = fa.iter().find(|f| &f.0 == k);
            let vb = fb.iter().find(|f| &f.0 == k);
            let text = |f: Option<&(String, String, hardship_rules::Cite<'_>)>| {
                f.map_or_else(
                    || "(absent)".to_owned(),
                    |f| {
                        format!(
                            "{}{}",
                            f.1,
                            if f.2.confirmed { "" } else { " [UNCONFIRMED]" }
                        )
                    },
                )
            };
            let (ta, tb) = (text(va), text(vb));
            if ta != tb {
                let src = vb
                    .or(va)
                    .map(|f| ruleset::render_sources(f.2.sources))
                    .unwrap_or_default();
                changes.push(json!({"key": k, "from": ta, "to": tb, "sources": src}));
                if !a.json {
                    println!(
                        "{k}\n  {}: {ta}\n  {}: {tb}\n  sources: {src}",
                        ya.year, yb.year
                    );
                }
            }
        }
        if a.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&changes)
                    .map_err(|e| Failure::Internal(e.to_string()))?
            );
        } else if changes.is_empty() {
            println!("No differences between {} and {}.", ya.year, yb.year);
        }
        return Ok(());
    }
    let Some(year) = a.year else {
        return Err(bad("--year, --diff or --sources is required"));
    };
    if a.raw {
        print!("{}", RuleBook::raw_file(year));
        return Ok(());
    }
    let set = book.year(year);
    if a.json {
        let facts: Vec<serde_json::Value> = set
            .facts()
            .into_iter()
            .map(|(k, v, c)| json!({"key": k, "value": v, "sources": c.sources, "confirmed": c.confirmed}))
            .collect();
        let out =
            json!({"performance_year": year, "rule_set_version": set.version, "facts": facts});
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        print!("{}", set.render());
    }
    Ok(())
}

fn deadline_cmd(book: &RuleBook, a: DeadlineArgs) -> Outcome {
    let rules = book.year(a.year);
    let status = deadline::window_status(rules, a.at.unwrap_or_else(Utc::now));
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&status).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        println!(
            "PI hardship application window {}: {}",
            a.year,
            status.describe()
        );
        println!("  sources: {}", ruleset::render_sources(&status.sources));
    }
    Ok(())
}

fn screen_cmd(book: &RuleBook, a: ScreenArgs) -> Outcome {
    let rules = book.year(a.year);
    let text = read_file(&a.file)?;
    let facts: PracticeFacts = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "{}: line {}, column {}: {e}",
            a.file.display(),
            e.line(),
            e.column()
        ))
    })?;
    facts
        .validate()
        .map_err(|e| bad(format!("{}: {e}", a.file.display())))?;
    let s = screening::screen(rules, &facts, None);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&s).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        println!("Hardship reasons for performance year {}:", a.year);
        for r in &s.reasons {
            let mark = if r.may_cite { "may cite" } else { "may not " };
            let u = if r.confirmed { "" } else { " [UNCONFIRMED]" };
            println!(
                "  {mark}  {:<48} {}{u}\n            sources: {}",
                r.reason.label(),
                r.why,
                ruleset::render_sources(&r.sources)
            );
        }
        for line in &s.advice {
            println!("{line}");
        }
    }
    Ok(())
}

fn batch_cmd(a: BatchArgs) -> Outcome {
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(bad("--threads must be 1 or more"));
    }
    let opts = BatchOptions {
        input: a.input,
        output: a.output,
        errors: a.errors,
        skip_bad_rows: a.skip_bad_rows,
        threads,
        progress: std::io::stderr().is_terminal(),
        chunk_bytes: 1 << 20,
    };
    match batch::run(&opts) {
        Ok(summary) => {
            eprintln!(
                "hardship batch: {} rows written ({} group/virtual-group entities){}",
                summary.rows_written,
                summary.entities,
                if summary.bad_rows > 0 {
                    format!(", {} bad rows in the errors file", summary.bad_rows)
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        Err(e) => {
            let more = match &e {
                batch::BatchError::BadRow { more, .. } if *more > 0 => {
                    format!(
                        " ({more} more bad rows; --skip-bad-rows writes them all to an errors file)"
                    )
                }
                _ => String::new(),
            };
            let msg = format!("{e}{more}");
            if e.exit_code() == 2 {
                Err(Failure::BadInput(msg))
            } else {
                Err(Failure::Internal(msg))
            }
        }
    }
}

/// Runs an async command on a fresh runtime.
fn with_runtime<F: std::future::Future<Output = Outcome>>(f: impl FnOnce() -> F) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(f())
}

fn store_failure(e: hardship_store::StoreError) -> Failure {
    match e {
        hardship_store::StoreError::Invalid { .. }
        | hardship_store::StoreError::NotFound { .. } => Failure::BadInput(e.to_string()),
        other => Failure::Internal(other.to_string()),
    }
}

async fn open(storage: &StorageArgs) -> Result<(Settings, std::sync::Arc<dyn Store>), Failure> {
    let settings = storage.resolve().map_err(Failure::BadInput)?;
    let store = storage::open_store(&settings, Env::system())
        .await
        .map_err(store_failure)?;
    Ok((settings, store))
}

async fn migrate_cmd(storage: &StorageArgs) -> Outcome {
    let (settings, store) = open(storage).await?;
    store.migrate().await.map_err(store_failure)?;
    println!(
        "database {} is up to date",
        storage::redact(&settings.database_url)
    );
    Ok(())
}

async fn audit_verify_cmd(storage: &StorageArgs, tenant: Option<String>) -> Outcome {
    let (_, store) = open(storage).await?;
    let tenants = match tenant {
        Some(t) => vec![
            t.parse::<TenantId>()
                .map_err(|e| bad(format!("invalid tenant {t:?}: {e}")))?,
        ],
        None => store.list_tenants().await.map_err(store_failure)?,
    };
    let mut broken = Vec::new();
    for t in tenants {
        match store.verify_audit(t).await.map_err(store_failure)? {
            Ok(n) => println!("tenant {t}: {n} events, chain intact"),
            Err(b) => {
                println!("tenant {t}: BROKEN at event {}: {}", b.seq, b.problem);
                broken.push(format!("tenant {t} event {}", b.seq));
            }
        }
        // The records must agree with the log too: an edit behind the log's back is caught here.
        for f in store.verify_records(t).await.map_err(store_failure)? {
            println!("tenant {t}: RECORD DISAGREES WITH THE LOG: {f}");
            broken.push(format!("tenant {t} {}", f.subject));
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(Failure::Verification(format!(
            "audit verification failed: {}",
            broken.join(", ")
        )))
    }
}

async fn write_stream_cmd(
    storage: &StorageArgs,
    count: u32,
    upload_every: u32,
    upload_bytes: u32,
) -> Outcome {
    use hardship_store::*;
    use std::io::Write as _;
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(Failure::BadInput)?;
    let actor = Actor {
        user: None,
        label: "write-stream".into(),
        role: Role::Staff,
    };
    let org = store
        .create_organization(&actor, "Crash test", OrganizationKind::Consultancy)
        .await
        .map_err(store_failure)?;
    let tin =
        hardship_rules::Tin::parse("123456789").map_err(|e| Failure::Internal(e.to_string()))?;
    let contact = Contact {
        name: "Pat".into(),
        email: "pat@example.test".into(),
        phone: "555".into(),
    };
    let practice = store
        .create_practice(
            org.id,
            &actor,
            NewPractice {
                tin,
                name: "Crash Practice".into(),
                address: String::new(),
                contact,
                zip: None,
            },
        )
        .await
        .map_err(store_failure)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "tenant {}", org.id);
    for i in 0..count {
        let draft = ApplicationDraft {
            practice: practice.id,
            year: PerformanceYear::new(2026).map_err(|e| Failure::Internal(e.to_string()))?,
            applicant: Applicant::Group { tin },
            reason: HardshipReason::InsufficientInternet,
            circumstance_start: None,
            circumstance_end: None,
            description: format!("write {i}"),
            submitter: Submitter {
                first_name: "A".into(),
                last_name: "B".into(),
                email: "a@b.test".into(),
                phone: "1".into(),
                extension: String::new(),
            },
            euc_kind: None,
            facts: ApplicationFacts {
                insufficient_internet: true,
                ..ApplicationFacts::default()
            },
            attested: true,
        };
        let app = store
            .create_application(org.id, &actor, draft)
            .await
            .map_err(store_failure)?;
        // Acknowledged only after the commit returned.
        let _ = writeln!(out, "ack application {}", app.id);
        let _ = out.flush();
        if upload_every > 0 && i % upload_every == 0 {
            let doc = DocumentId(uuid::Uuid::new_v4());
            let body: Vec<u8> = (0..upload_bytes)
                .map(|b| (b.wrapping_mul(31).wrapping_add(i)) as u8)
                .collect();
            let retain = ops::retain_until(
                PerformanceYear::new(2026).map_err(|e| Failure::Internal(e.to_string()))?,
            )
            .map_err(Failure::Internal)?;
            let stored = vault
                .put(org.id.0, doc.0, retain, &body[..], u64::MAX)
                .await
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let new = NewDocument {
                id: doc,
                practice: practice.id,
                application: Some(app.id),
                kind: "outage_record".into(),
                filename: format!("outage-{i}.bin"),
                content_type: "application/octet-stream".into(),
                size: stored.size,
                sha256: stored.sha256,
                object_key: stored.key,
                retain_until: retain,
            };
            store
                .record_document(org.id, &actor, new)
                .await
                .map_err(store_failure)?;
            let _ = writeln!(
                out,
                "ack document {doc} {}",
                hardship_store::hex(&stored.sha256)
            );
            let _ = out.flush();
        }
    }
    Ok(())
}

async fn seed_cmd(
    storage: &StorageArgs,
    practices: u32,
    clinicians: u32,
    year: PerformanceYear,
    token_role: hardship_store::Role,
) -> Outcome {
    let (_, store) = open(storage).await?;
    let password =
        std::env::var("HARDSHIP_PASSWORD").unwrap_or_else(|_| "benchmark passphrase".into());
    let hash =
        tokio::task::spawn_blocking(move || hardship_server::passwords::hash_password(&password))
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?
            .map_err(Failure::BadInput)?;
    let report = ops::seed_portfolio(&*store, &hash, practices, clinicians, year, token_role)
        .await
        .map_err(Failure::Internal)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Internal(e.to_string()))?
    );
    Ok(())
}

fn api_failure(e: hardship_server::error::ApiError) -> Failure {
    if e.status().is_client_error() {
        Failure::BadInput(e.public_message())
    } else {
        Failure::Internal(e.public_message())
    }
}

async fn import_cmd(
    storage: &StorageArgs,
    file: PathBuf,
    practice: String,
    tenant: Option<String>,
    opts: hardship_server::imports::ImportOptions,
) -> Outcome {
    let bytes = std::fs::read(&file).map_err(|e| bad(format!("{}: {e}", file.display())))?;
    let (settings, store) = open(storage).await?;
    let tenant = casework::tenant(&*store, tenant.as_deref())
        .await
        .map_err(bad)?;
    let practice: hardship_store::PracticeId = practice
        .parse()
        .map_err(|e| bad(format!("invalid practice {practice:?}: {e}")))?;
    let state = casework::state(&settings, store).map_err(Failure::BadInput)?;
    let p = casework::cli(tenant);
    match hardship_server::imports::import_file(&state, &p, practice, &bytes, opts).await {
        Ok(r) => {
            println!(
                "{}: {} ({} rows): {} added, {} updated, {} unchanged, {} statuses recorded{}",
                file.display(),
                r.format,
                r.rows,
                r.added,
                r.updated,
                r.unchanged,
                r.statuses_set,
                if r.statuses_kept_from_cms > 0 {
                    format!(
                        ", {} kept from CMS eligibility data",
                        r.statuses_kept_from_cms
                    )
                } else {
                    String::new()
                }
            );
            for n in &r.notes {
                println!("  {n}");
            }
            for e in &r.left_out {
                eprintln!(
                    "  left out {}:{}: column {}: {}",
                    file.display(),
                    e.line,
                    e.column,
                    e.message
                );
            }
            if let Some(e) = &r.eligibility {
                println!("  {} {}: {}", e.npi, e.name, e.statuses.join(", "));
                for f in &e.flags {
                    println!("  CMS: {f}");
                }
            }
            Ok(())
        }
        Err(hardship_server::imports::ImportFailure::Other(e)) => Err(api_failure(e)),
        Err(hardship_server::imports::ImportFailure::Rows(rows)) => {
            let mut msg = format!(
                "{}: {} problem(s), nothing was imported",
                file.display(),
                rows.len()
            );
            for e in rows.iter().take(50) {
                if e.line == 0 {
                    msg.push_str(&format!("\n  {}: {}", e.column, e.message));
                } else {
                    msg.push_str(&format!(
                        "\n  {}:{}: column {}: {}",
                        file.display(),
                        e.line,
                        e.column,
                        e.message
                    ));
                }
            }
            Err(Failure::BadInput(msg))
        }
    }
}

async fn guard_cmd(
    storage: &StorageArgs,
    file: PathBuf,
    tin: String,
    year: PerformanceYear,
    tenant: Option<String>,
    json: bool,
) -> Outcome {
    let bytes = std::fs::read(&file).map_err(|e| bad(format!("{}: {e}", file.display())))?;
    let tin = hardship_rules::Tin::parse(&tin).map_err(|e| bad(e.to_string()))?;
    let (_, store) = open(storage).await?;
    let tenant = match tenant {
        Some(t) => Some(casework::tenant(&*store, Some(&t)).await.map_err(bad)?),
        None => None,
    };
    let found = casework::practices_with_tin(&*store, tin, tenant)
        .await
        .map_err(Failure::Internal)?;
    let (t, practice, _) = match found.as_slice() {
        [one] => one.clone(),
        [] => return Err(bad(format!("no practice has TIN {tin}: add it first"))),
        more => {
            return Err(bad(format!(
                "{} practices have TIN {tin} (in organizations {}): pass --tenant",
                more.len(),
                more.iter()
                    .map(|(t, _, _)| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let b = hardship_server::service::load_practice_year(&*store, t, practice, year)
        .await
        .map_err(api_failure)?;
    let r = hardship_server::guard::check(&b, year, &bytes).map_err(api_failure)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| Failure::Internal(e.to_string()))?
        );
    } else {
        println!("{}", r.message);
        for w in &r.warnings {
            println!("  warning: {w}");
        }
        for s in &r.pi_sets {
            println!(
                "  PI data at {} ({}): {}",
                s.path,
                s.category,
                s.measures.join(", ")
            );
        }
    }
    if r.blocked {
        return Err(Failure::Blocked(format!(
            "{}: PI data for {} would void its PI reweighting",
            file.display(),
            r.submitter
        )));
    }
    Ok(())
}

async fn export_cmd(storage: &StorageArgs, what: ExportCommand) -> Outcome {
    let (settings, store) = open(storage).await?;
    let (tenant, output) = match &what {
        ExportCommand::Packet { tenant, output, .. }
        | ExportCommand::Binder { tenant, output, .. }
        | ExportCommand::Portfolio { tenant, output, .. } => (tenant.clone(), output.clone()),
    };
    let tenant = casework::tenant(&*store, tenant.as_deref())
        .await
        .map_err(bad)?;
    let state = casework::state(&settings, store).map_err(Failure::BadInput)?;
    let p = casework::cli(tenant);
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes: Vec<u8> = match what {
        ExportCommand::Packet { application, .. } => {
            let id: hardship_store::ApplicationId = application
                .parse()
                .map_err(|e| bad(format!("invalid application {application:?}: {e}")))?;
            let pk = hardship_server::report::packet(&state, &p, id)
                .await
                .map_err(api_failure)?;
            match ext.as_str() {
                "pdf" => hardship_server::pdf::render(&hardship_server::report::packet_pdf(&pk)),
                "json" => {
                    serde_json::to_vec_pretty(&pk).map_err(|e| Failure::Internal(e.to_string()))?
                }
                _ => {
                    return Err(bad(format!(
                        "{}: name the output .pdf or .json",
                        output.display()
                    )));
                }
            }
        }
        ExportCommand::Binder { practice, year, .. } => {
            if ext != "pdf" {
                return Err(bad(format!("{}: the binder is a .pdf", output.display())));
            }
            let id: hardship_store::PracticeId = practice
                .parse()
                .map_err(|e| bad(format!("invalid practice {practice:?}: {e}")))?;
            let b = hardship_server::report::binder(&state, &p, id, year)
                .await
                .map_err(api_failure)?;
            hardship_server::pdf::render(&hardship_server::report::binder_pdf(&b))
        }
        ExportCommand::Portfolio { year, .. } => {
            let rows = hardship_server::report::portfolio(&state, &p, year)
                .await
                .map_err(api_failure)?;
            match ext.as_str() {
                "csv" => hardship_server::report::portfolio_csv(&rows).map_err(api_failure)?,
                "json" => serde_json::to_vec_pretty(&rows)
                    .map_err(|e| Failure::Internal(e.to_string()))?,
                _ => {
                    return Err(bad(format!(
                        "{}: name the output .csv or .json",
                        output.display()
                    )));
                }
            }
        }
    };
    // Written beside the target and renamed, so a failure leaves no half-written file.
    let tmp = output.with_extension(format!("{ext}.partial"));
    std::fs::write(&tmp, &bytes).map_err(|e| bad(format!("{}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, &output).map_err(|e| bad(format!("{}: {e}", output.display())))?;
    println!("{}: {} bytes", output.display(), bytes.len());
    Ok(())
}

async fn vault_verify_cmd(storage: &StorageArgs) -> Outcome {
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(Failure::BadInput)?;
    let report = ops::verify_vault(store.as_ref(), &vault)
        .await
        .map_err(Failure::Internal)?;
    println!("{} documents verified", report.verified);
    for key in &report.unreferenced {
        println!(
            "note: complete object with no document record (an upload interrupted before it was recorded): {key}"
        );
    }
    for f in &report.failures {
        println!("FAILED: {f}");
    }
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Verification(format!(
            "{} documents failed verification",
            report.failures.len()
        )))
    }
}

async fn backup_cmd(storage: &StorageArgs, dir: PathBuf) -> Outcome {
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(Failure::BadInput)?;
    let m = ops::backup(&settings, store.as_ref(), &vault, &dir)
        .await
        .map_err(Failure::BadInput)?;
    println!(
        "backup written to {}: {} database, {} documents, {} tenants (the master key is not in the backup)",
        dir.display(),
        m.database,
        m.objects.len(),
        m.audit_heads.len()
    );
    Ok(())
}

async fn restore_cmd(storage: &StorageArgs, dir: PathBuf) -> Outcome {
    let settings = storage.resolve().map_err(Failure::BadInput)?;
    let m = ops::restore(&settings, &dir)
        .await
        .map_err(Failure::BadInput)?;
    println!(
        "restored {} database and {} documents from {}",
        m.database,
        m.objects.len(),
        dir.display()
    );
    let (_, store) = open(storage).await?;
    for (tenant, seq) in &m.audit_heads {
        let events = store
            .audit_events(*tenant, None)
            .await
            .map_err(store_failure)?;
        if events.last().map_or(0, |e| e.seq) < *seq {
            return Err(Failure::Verification(format!(
                "tenant {tenant}: the restored audit log ends before event {seq}"
            )));
        }
    }
    audit_verify_cmd(storage, None).await?;
    vault_verify_cmd(storage).await
}

/// `hardship serve`'s own flags (the storage flags are shared with every command).
struct ServeOptions {
    listen: Option<String>,
    upload_limit: Option<u64>,
    cookie_secure: Option<bool>,
    trusted_proxies: Vec<std::net::IpAddr>,
}

async fn serve_cmd(storage: &StorageArgs, options: ServeOptions) -> Outcome {
    let ServeOptions {
        listen,
        upload_limit,
        cookie_secure,
        trusted_proxies,
    } = options;
    let filter = tracing_subscriber::EnvFilter::try_from_env("HARDSHIP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    let (settings, store) = open(storage).await?;
    let vault = ops::open_vault(&settings).map_err(Failure::BadInput)?;
    let listen = listen
        .or(settings.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut server = hardship_server::ServerSettings::default();
    if let Some(limit) = upload_limit.or(settings.file.upload_limit_bytes) {
        server.body_limit = usize::try_from(limit)
            .map_err(|_| bad(format!("upload limit {limit} is too large")))?;
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| bad(format!("cannot listen on {listen}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::Internal(e.to_string()))?;
    server.secure_cookies = cookie_secure
        .or(settings.file.cookie_secure)
        .unwrap_or(true);
    if !server.secure_cookies && !bound.ip().is_loopback() {
        return Err(bad(format!(
            "cookie_secure=false is only allowed on a loopback address, not {bound}: serve over HTTPS"
        )));
    }
    server.trusted_proxies = if trusted_proxies.is_empty() {
        settings.file.trusted_proxies.clone().unwrap_or_default()
    } else {
        trusted_proxies
    };
    tracing::info!(address = %bound, database = %storage::redact(&settings.database_url), "hardship is serving");
    eprintln!("hardship: serving on http://{bound}");
    let state = hardship_server::AppState::new(store, std::sync::Arc::new(vault), server);
    hardship_server::serve(listener, state)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))
}

async fn user_create_cmd(
    storage: &StorageArgs,
    email: String,
    organization: Option<String>,
    kind: hardship_store::OrganizationKind,
    tenant: Option<String>,
    role: hardship_store::Role,
) -> Outcome {
    let password = match std::env::var("HARDSHIP_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| bad(format!("cannot read the password from standard input: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let hash =
        tokio::task::spawn_blocking(move || hardship_server::passwords::hash_password(&password))
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?
            .map_err(Failure::BadInput)?;
    let (_, store) = open(storage).await?;
    // Everything is checked before anything is written, so a refusal leaves no organization behind.
    let email = email.trim().to_owned();
    if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
        return Err(bad(format!(
            "invalid email {email:?}: not an email address"
        )));
    }
    if store
        .find_user_by_email(&email)
        .await
        .map_err(store_failure)?
        .is_some()
    {
        return Err(bad(format!("email {email} already exists")));
    }
    if organization.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(bad("--organization needs a name"));
    }
    let tenant = match tenant {
        Some(t) => {
            let id: TenantId = t
                .parse()
                .map_err(|e| bad(format!("invalid tenant {t:?}: {e}")))?;
            store.get_organization(id).await.map_err(store_failure)?;
            id
        }
        None => {
            let name = organization.unwrap_or_default();
            let actor = hardship_store::Actor {
                user: None,
                label: "cli".into(),
                role: hardship_store::Role::Owner,
            };
            store
                .create_organization(&actor, &name, kind)
                .await
                .map_err(store_failure)?
                .id
        }
    };
    let user = store
        .create_user(&email, &hash)
        .await
        .map_err(|e| match e {
            hardship_store::StoreError::Duplicate { .. } => Failure::BadInput(e.to_string()),
            other => store_failure(other),
        })?;
    let actor = hardship_store::Actor {
        user: None,
        label: "cli".into(),
        role: hardship_store::Role::Owner,
    };
    store
        .add_membership(tenant, &actor, user.id, role)
        .await
        .map_err(store_failure)?;
    println!(
        "created {} ({}) in organization {tenant}",
        user.email,
        role.code()
    );
    Ok(())
}

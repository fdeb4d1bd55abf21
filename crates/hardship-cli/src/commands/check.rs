//! `hardship check`: is PI reweighted for one clinician or group, on what basis, or why not — from flags
//! or a JSON case file.

use super::{parse_instant, parse_year, print_json, read_file};
use crate::error::{CliError, Outcome};
use chrono::{DateTime, Utc};
use clap::Args;
use hardship_cli::case_json::CaseJson;
use hardship_rules::eligibility::{self, Application, Case, ClinicianFacts, Subject};
use hardship_rules::{
    ApplicationStatus, ClinicianType, HardshipReason, PerformanceYear, ReportingLevel, RuleBook,
    deadline,
};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
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

/// The case the flags or the file describe.
fn case_of(book: &RuleBook, a: &CheckArgs) -> Result<Case, CliError> {
    if let Some(path) = &a.file {
        let text = read_file(path)?;
        let parsed = CaseJson::parse(&text)
            .map_err(|e| CliError::bad(format!("{}: {e}", path.display())))?;
        return parsed
            .to_case(book)
            .map_err(|e| CliError::bad(format!("{}: {e}", path.display())));
    }
    if a.level.is_collective() {
        return Err(CliError::bad(
            "a group or virtual group needs its members: use --file with a JSON case (see README)",
        ));
    }
    let (Some(year), Some(clinician_type)) = (a.year, a.clinician_type) else {
        return Err(CliError::bad(
            "--year and --clinician-type are required without --file",
        ));
    };
    Ok(Case {
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
    })
}

pub fn run(book: &RuleBook, a: CheckArgs) -> Outcome {
    let case = case_of(book, &a)?;
    let rules = book.year(case.year);
    let decision = eligibility::decide(rules, &case);
    let explanation = decision.explain(rules);
    let window = deadline::window_status(rules, a.at.unwrap_or_else(Utc::now));
    if a.json {
        print_json(&json!({
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
        }))?;
    } else {
        println!("{}", explanation.render());
        if !decision.reweighted {
            println!("  application window {}: {}", case.year, window.describe());
        }
    }
    Ok(())
}

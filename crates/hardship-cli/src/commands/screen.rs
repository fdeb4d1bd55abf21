//! `hardship screen`: which hardship reasons a practice may cite, from its facts (JSON).

use super::{parse_year, print_json, read_file};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_rules::screening::{self, PracticeFacts};
use hardship_rules::{PerformanceYear, RuleBook, ruleset};
use std::path::PathBuf;

#[derive(Args)]
pub struct ScreenArgs {
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    /// Practice facts as JSON (see README).
    #[arg(long)]
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(book: &RuleBook, a: ScreenArgs) -> Outcome {
    let rules = book.year(a.year);
    let text = read_file(&a.file)?;
    let facts: PracticeFacts = serde_json::from_str(&text).map_err(|e| {
        CliError::bad(format!(
            "{}: line {}, column {}: {e}",
            a.file.display(),
            e.line(),
            e.column()
        ))
    })?;
    facts
        .validate()
        .map_err(|e| CliError::bad(format!("{}: {e}", a.file.display())))?;
    let s = screening::screen(rules, &facts, None);
    if a.json {
        print_json(&s)?;
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

//! `hardship deadline`: the application window of a year and the time left.

use super::{parse_instant, parse_year, print_json};
use crate::error::Outcome;
use chrono::{DateTime, Utc};
use clap::Args;
use hardship_rules::{PerformanceYear, RuleBook, deadline, ruleset};

#[derive(Args)]
pub struct DeadlineArgs {
    #[arg(long, value_parser = parse_year)]
    year: PerformanceYear,
    #[arg(long, value_parser = parse_instant)]
    at: Option<DateTime<Utc>>,
    #[arg(long)]
    json: bool,
}

pub fn run(book: &RuleBook, a: DeadlineArgs) -> Outcome {
    let rules = book.year(a.year);
    let status = deadline::window_status(rules, a.at.unwrap_or_else(Utc::now));
    if a.json {
        print_json(&status)?;
    } else {
        println!(
            "PI hardship application window {}: {}",
            a.year,
            status.describe()
        );
        println!("  sources: {}", ruleset::render_sources(&status.sources));
        // The EUC application's windows CMS reopened for one reason after the deadline.
        for w in rules.euc_application.iter().flat_map(|e| e.reopened.iter()) {
            println!(
                "EUC window reopened for {} only: closes {} {}{}",
                w.reason.label(),
                w.closes.format("%Y-%m-%d %H:%M %:z"),
                w.time_zone,
                if w.confirmed { "" } else { " [UNCONFIRMED]" }
            );
            println!("  sources: {}", ruleset::render_sources(&w.sources));
        }
    }
    Ok(())
}

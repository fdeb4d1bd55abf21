//! `hardship rules`: a year's rule set with its sources, the differences between two years, the source
//! register, or a year's data file as embedded.

use super::{parse_year, print_json};
use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_rules::{PerformanceYear, RuleBook, ruleset};
use serde_json::json;

#[derive(Args)]
pub struct RulesArgs {
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

pub fn run(book: &RuleBook, a: RulesArgs) -> Outcome {
    if a.sources {
        sources(book);
        return Ok(());
    }
    if let Some(years) = &a.diff {
        return diff(book, years, a.json);
    }
    let Some(year) = a.year else {
        return Err(CliError::bad("--year, --diff or --sources is required"));
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
        print_json(
            &json!({"performance_year": year, "rule_set_version": set.version, "facts": facts}),
        )?;
    } else {
        print!("{}", set.render());
    }
    Ok(())
}

/// Every source key any year cites, with what it refers to.
fn sources(book: &RuleBook) {
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
}

/// The facts that differ between two years, with their sources.
fn diff(book: &RuleBook, years: &[PerformanceYear], as_json: bool) -> Outcome {
    let (Some(first), Some(second)) = (years.first(), years.get(1)) else {
        return Err(CliError::bad("--diff needs two years"));
    };
    let (ya, yb) = (book.year(*first), book.year(*second));
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
            if !as_json {
                println!(
                    "{k}\n  {}: {ta}\n  {}: {tb}\n  sources: {src}",
                    ya.year, yb.year
                );
            }
        }
    }
    if as_json {
        print_json(&changes)?;
    } else if changes.is_empty() {
        println!("No differences between {} and {}.", ya.year, yb.year);
    }
    Ok(())
}

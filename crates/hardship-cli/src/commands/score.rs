//! `hardship score`: the final score and payment adjustment from category scores; and the category-score
//! flags, the JSON form and the table of a score, which `hardship whatif` shares.

use super::{parse_score, parse_year, print_json};
use crate::error::Outcome;
use clap::Args;
use hardship_rules::cites::Cites;
use hardship_rules::scoring::{self, CategoryScores, ScoreInput, ScoreResult};
use hardship_rules::{Category, PerformanceYear, RuleBook, RuleSet, ruleset};
use serde_json::json;

// The category scores and practice facts both `score` and `whatif` take (a plain comment: a doc
// comment on an `Args` struct would become the subcommand's help text).
#[derive(Args, Clone)]
pub struct ScoresArgs {
    #[arg(long, value_parser = parse_year)]
    pub year: PerformanceYear,
    /// Quality category score, percent (omit when not scored).
    #[arg(long, value_parser = parse_score)]
    pub quality: Option<f64>,
    #[arg(long, value_parser = parse_score)]
    pub cost: Option<f64>,
    #[arg(long, value_parser = parse_score)]
    pub ia: Option<f64>,
    /// The practice has 15 or fewer clinicians.
    #[arg(long)]
    pub small_practice: bool,
    #[arg(long, default_value_t = 0.0, value_parser = parse_score)]
    pub complex_patient_bonus: f64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    common: ScoresArgs,
    /// PI category score, percent (omit when PI is not scored).
    #[arg(long, value_parser = parse_score)]
    pi: Option<f64>,
    /// PI is reweighted (any --pi is then ignored).
    #[arg(long)]
    pi_reweighted: bool,
}

pub fn scores_of(c: &ScoresArgs, pi: Option<f64>) -> CategoryScores {
    CategoryScores {
        quality: c.quality,
        cost: c.cost,
        ia: c.ia,
        pi,
    }
}

/// A score as JSON: the final score, each category's weight and points, the adjustment and the sources.
pub fn score_json(r: &ScoreResult<'_>) -> serde_json::Value {
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

/// A score as a table under a label.
pub fn render_score(
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

/// The sources line, and what is not confirmed.
pub fn render_cites(c: &Cites<'_>) -> String {
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

pub fn run(book: &RuleBook, a: ScoreArgs) -> Outcome {
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
        print_json(&v)?;
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

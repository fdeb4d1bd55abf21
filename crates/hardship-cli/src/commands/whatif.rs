//! `hardship whatif`: PI reweighted versus reported at a PI score, which wins, and the break-even PI
//! score.

use super::parse_score;
use super::print_json;
use super::score::{ScoresArgs, render_cites, render_score, score_json, scores_of};
use crate::error::Outcome;
use clap::Args;
use hardship_rules::RuleBook;
use hardship_rules::whatif::{self, Choice};
use serde_json::json;

#[derive(Args)]
pub struct WhatifArgs {
    #[command(flatten)]
    common: ScoresArgs,
    /// The PI score reporting would earn, percent.
    #[arg(long, value_parser = parse_score)]
    pi: f64,
}

pub fn run(book: &RuleBook, a: WhatifArgs) -> Outcome {
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
        print_json(&json!({
            "performance_year": c.year,
            "reweighted": rw,
            "reported": rp,
            "break_even_pi_score": w.break_even,
            "winner": w.winner,
            "verdict": verdict,
        }))?;
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

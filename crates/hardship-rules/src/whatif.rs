//! What-if: reweighting PI versus reporting it at a given score — the decision practices face — and the
//! PI score at which reporting starts to beat reweighting.

use crate::ruleset::RuleSet;
use crate::scoring::{CategoryScores, ScoreInput, ScoreResult, score};
use serde::Serialize;

/// Which choice gives the higher final score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Reweight,
    Report,
    Tie,
}

#[derive(Clone, Copy, Debug)]
pub struct WhatIf<'r> {
    pub reweighted: ScoreResult<'r>,
    pub reported: ScoreResult<'r>,
    pub pi_score: f64,
    /// The lowest PI score (to 0.01) at which reporting is at least as good as reweighting;
    /// `None` when even a PI score of 100 loses.
    pub break_even: Option<f64>,
    pub winner: Choice,
}

/// Compares the two choices. `scores.pi` is ignored; `pi_score` is the PI score reporting would earn.
pub fn what_if<'r>(
    rules: &'r RuleSet,
    scores: CategoryScores,
    small_practice: bool,
    complex_patient_bonus: f64,
    pi_score: f64,
) -> WhatIf<'r> {
    let base = ScoreInput {
        scores,
        pi_reweighted: true,
        small_practice,
        complex_patient_bonus,
    };
    let reweighted = score(rules, &base);
    let reporting = |pi: f64| {
        let mut s = scores;
        s.pi = Some(pi);
        score(
            rules,
            &ScoreInput {
                scores: s,
                pi_reweighted: false,
                ..base
            },
        )
    };
    let reported = reporting(pi_score);
    // The reported score never falls as the PI score rises, so the crossing point can be bisected
    // over hundredths of a point (14 evaluations) — robust to caps and the fewer-than-two rule.
    let target = reweighted.final_score - 1e-9;
    let break_even = if reporting(100.0).final_score < target {
        None
    } else {
        let (mut lo, mut hi) = (0u32, 10_000u32);
        if reporting(0.0).final_score >= target {
            hi = 0;
        }
        while lo < hi {
            let mid = (lo + hi) / 2;
            if reporting(f64::from(mid) / 100.0).final_score >= target {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        Some(f64::from(hi) / 100.0)
    };
    let diff = reported.final_score - reweighted.final_score;
    let winner = if diff.abs() < 1e-9 {
        Choice::Tie
    } else if diff > 0.0 {
        Choice::Report
    } else {
        Choice::Reweight
    };
    WhatIf {
        reweighted,
        reported,
        pi_score,
        break_even,
        winner,
    }
}

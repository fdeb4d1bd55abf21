//! Final score and payment adjustment from category scores, with the year's redistribution table.

use crate::cites::{Cites, Warning, Warnings};
use crate::model::{Category, CategorySet};
use crate::ruleset::{BonusPlacement, RuleSet, Weights};
use serde::Serialize;

/// Category scores in percent; `None` = not scored (its weight is redistributed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoryScores {
    pub quality: Option<f64>,
    pub cost: Option<f64>,
    pub ia: Option<f64>,
    pub pi: Option<f64>,
}

impl CategoryScores {
    pub fn set(&mut self, c: Category, v: Option<f64>) {
        match c {
            Category::Quality => self.quality = v,
            Category::Cost => self.cost = v,
            Category::Ia => self.ia = v,
            Category::Pi => self.pi = v,
        }
    }

    pub fn get(&self, c: Category) -> Option<f64> {
        match c {
            Category::Quality => self.quality,
            Category::Cost => self.cost,
            Category::Ia => self.ia,
            Category::Pi => self.pi,
        }
    }
}

/// What scoring needs besides the category scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScoreInput {
    pub scores: CategoryScores,
    /// PI is reweighted (from the eligibility decision): PI is not scored even if a score is given.
    pub pi_reweighted: bool,
    /// The practice has 15 or fewer clinicians: selects the small-practice redistribution rows and bonus.
    pub small_practice: bool,
    /// Complex patient bonus points claimed (capped at the year's maximum).
    pub complex_patient_bonus: f64,
}

/// The payment-adjustment band of a final score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    NegativeMax,
    Negative,
    Neutral,
    Positive,
    Exceptional,
}

impl Band {
    pub fn code(self) -> &'static str {
        match self {
            Band::NegativeMax => "negative_max",
            Band::Negative => "negative",
            Band::Neutral => "neutral",
            Band::Positive => "positive",
            Band::Exceptional => "exceptional",
        }
    }
}

/// The payment adjustment a final score leads to. The negative side is exact (a linear scale fixed in
/// regulation); the positive side is a range because CMS scales it for budget neutrality afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AdjustmentEstimate {
    pub band: Band,
    /// Exact negative adjustment in percent (e.g. -2.52), or 0 at the threshold.
    pub negative_percent: Option<f64>,
    /// Positive adjustment range in percent, before the budget-neutrality factor is known.
    pub positive_range: Option<(f64, f64)>,
    /// The exceptional-performance bonus range in percent (PY 2017–2022).
    pub exceptional_range: Option<(f64, f64)>,
    pub payment_year: u16,
}

/// A final score with how it was built.
#[derive(Clone, Copy, Debug)]
pub struct ScoreResult<'r> {
    /// Weights applied, in percent, in `Category::ALL` order.
    pub weights: [u8; 4],
    /// Final-score points each category contributed.
    pub contributions: [f64; 4],
    pub reweighted: CategorySet,
    pub bonus_points: f64,
    pub final_score: f64,
    pub fewer_than_two_scored: bool,
    pub adjustment: AdjustmentEstimate,
    pub warnings: Warnings,
    pub cites: Cites<'r>,
}

/// Computes the final score (0–100) and payment adjustment under a year's rules.
pub fn score<'r>(rules: &'r RuleSet, input: &ScoreInput) -> ScoreResult<'r> {
    let mut cites = Cites::default();
    let mut warnings = Warnings::default();
    let base = rules.base_weights.weights();
    cites.push(rules.base_weights.cite("base weights"));
    let active = base.active();

    let mut scores = input.scores;
    if input.pi_reweighted {
        if scores.pi.is_some() {
            warnings.add(Warning::PiScoreIgnoredReweighted);
        }
        scores.pi = None;
    }
    let not_scored = Category::ALL
        .iter()
        .filter(|&&c| scores.get(c).is_none())
        .fold(CategorySet::EMPTY, |s, &c| s.with(c));
    let reweighted = not_scored.intersection(active);
    let scored_count = active.len() - reweighted.len();

    let fewer = &rules.fewer_than_two_scored;
    if scored_count < 2 && fewer.final_score_equals_threshold {
        cites.push(fewer.cite("fewer than two scored categories"));
        warnings.add(Warning::FewerThanTwoCategoriesScored);
        let final_score = rules.adjustment.performance_threshold.value;
        let adjustment = adjust(rules, final_score, &mut cites);
        mark_unconfirmed(&cites, &mut warnings);
        return ScoreResult {
            weights: [0; 4],
            contributions: [0.0; 4],
            reweighted,
            bonus_points: 0.0,
            final_score,
            fewer_than_two_scored: true,
            adjustment,
            warnings,
            cites,
        };
    }

    let weights: Weights = if reweighted.is_empty() {
        base
    } else {
        match rules.redistribution_for(reweighted, input.small_practice) {
            Some(row) => {
                cites.push(row.cite("redistribution row"));
                row.weights
            }
            // Validation guarantees a row for every set leaving two or more categories; with the
            // fewer-than-two rule switched off, what remains keeps its base weight.
            None => base,
        }
    };
    let w = weights.as_array();
    let mut contributions = [0.0; 4];
    let mut total = 0.0;
    for (i, &c) in Category::ALL.iter().enumerate() {
        if let Some(s) = scores.get(c) {
            contributions[i] = s * f64::from(w[i]) / 100.0;
            total += contributions[i];
        }
    }

    let mut bonus_points = 0.0;
    let spb = &rules.small_practice_bonus;
    if input.small_practice && spb.placement == BonusPlacement::FinalScore && scored_count > 0 {
        cites.push(spb.cite("small-practice bonus"));
        bonus_points += spb.points;
    }
    if input.complex_patient_bonus > 0.0 {
        let cap = &rules.complex_patient_bonus_max;
        cites.push(cap.cite("complex patient bonus"));
        if input.complex_patient_bonus > cap.value {
            warnings.add(Warning::ComplexPatientBonusCapped);
        }
        bonus_points += input.complex_patient_bonus.min(cap.value);
    }
    let final_score = (total + bonus_points).clamp(0.0, 100.0);
    let adjustment = adjust(rules, final_score, &mut cites);
    mark_unconfirmed(&cites, &mut warnings);
    ScoreResult {
        weights: w,
        contributions,
        reweighted,
        bonus_points,
        final_score,
        fewer_than_two_scored: false,
        adjustment,
        warnings,
        cites,
    }
}

fn mark_unconfirmed(cites: &Cites<'_>, warnings: &mut Warnings) {
    if cites.any_unconfirmed() {
        warnings.add(Warning::UnconfirmedRule);
    }
}

/// Scores are compared at the precision CMS publishes them (two decimals).
const EPS: f64 = 1e-9;

/// The payment adjustment for a final score (42 CFR 414.1405(b)).
pub fn adjust<'r>(
    rules: &'r RuleSet,
    final_score: f64,
    cites: &mut Cites<'r>,
) -> AdjustmentEstimate {
    let a = &rules.adjustment;
    let pt = a.performance_threshold.value;
    let max = a.max_negative_percent.value;
    cites.push(a.performance_threshold.cite("performance threshold"));
    let payment_year = (rules.year) + 2;
    let mut est = AdjustmentEstimate {
        band: Band::Neutral,
        negative_percent: None,
        positive_range: None,
        exceptional_range: None,
        payment_year,
    };
    if (final_score - pt).abs() < EPS {
        est.negative_percent = Some(0.0);
        return est;
    }
    if final_score < pt {
        cites.push(a.max_negative_percent.cite("maximum negative adjustment"));
        cites.push(a.negative_floor_fraction.cite("negative floor"));
        if final_score <= pt * a.negative_floor_fraction.value + EPS {
            est.band = Band::NegativeMax;
            est.negative_percent = Some(-max);
        } else {
            // Linear from 0% at the threshold to -max at a score of 0 (not at the floor).
            est.band = Band::Negative;
            est.negative_percent = Some(-max * (pt - final_score) / pt);
        }
        return est;
    }
    cites.push(a.positive_scaling_max.cite("positive scaling factor"));
    let base = max * (final_score - pt) / (100.0 - pt);
    est.band = Band::Positive;
    est.positive_range = Some((0.0, base * a.positive_scaling_max.value));
    if let (Some(ex), Some(bonus_max)) = (
        a.exceptional_threshold.value,
        a.exceptional_bonus_max_percent.value,
    ) {
        cites.push(
            a.exceptional_threshold
                .cite("exceptional-performance threshold"),
        );
        if final_score + EPS >= ex {
            cites.push(
                a.exceptional_bonus_max_percent
                    .cite("exceptional-performance bonus"),
            );
            est.band = Band::Exceptional;
            // 0.5% at the additional threshold rising to the maximum at 100, paid from a capped pool.
            let top = if ex >= 100.0 {
                bonus_max
            } else {
                0.5 + (bonus_max - 0.5) * (final_score - ex) / (100.0 - ex)
            };
            est.exceptional_range = Some((0.0, top));
        }
    }
    est
}

impl AdjustmentEstimate {
    /// "-2.52%", "0%", "+0.00% to +3.60% at most (…)": the positive side is the formula's ceiling.
    pub fn describe(&self) -> String {
        let mut s = match (self.negative_percent, self.positive_range) {
            (Some(0.0), _) => "0% (neutral)".to_owned(),
            (Some(n), _) => format!("{n:.2}%"),
            (None, Some((lo, hi))) => {
                format!(
                    "+{lo:.2}% to +{hi:.2}% at most (the formula's ceiling, with CMS's budget-neutrality scaling at its largest; what CMS pays has been far less)"
                )
            }
            (None, None) => "unknown".to_owned(),
        };
        if let Some((_, hi)) = self.exceptional_range {
            s.push_str(&format!(
                ", plus an exceptional-performance bonus of up to +{hi:.2}%"
            ));
        }
        format!("{s} in payment year {}", self.payment_year)
    }
}

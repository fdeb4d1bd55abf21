//! Score impact: the final score and payment-adjustment band with PI reweighted versus reported, across
//! every PI score, and the break-even PI score — the numbers behind "apply or report?". Pure; the chart is
//! drawn from these numbers as SVG on the server (no script, nothing inline the CSP would refuse).

use hardship_rules::RuleSet;
use hardship_rules::scoring::{self, CategoryScores, ScoreInput, ScoreResult};
use hardship_rules::whatif::{self, Choice};
use hardship_store::ScoreEstimates;
use serde::Serialize;

/// One final score with how it was built.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreView {
    pub final_score: f64,
    /// Weights applied in percent: quality, cost, IA, PI.
    pub weights: [u8; 4],
    /// `negative_max`, `negative`, `neutral`, `positive`, `exceptional`.
    pub band: String,
    /// The band in words.
    pub band_label: String,
    /// The exact negative adjustment in percent (0 at the threshold), when not positive.
    pub negative_percent: Option<f64>,
    /// The positive adjustment range in percent before CMS's budget-neutrality scaling.
    pub positive_range: Option<[f64; 2]>,
    pub adjustment: String,
    /// For a positive score: what CMS has actually paid, and about what this score would earn on that
    /// scale (the formula's range is a ceiling, not a forecast).
    pub realistic: Option<String>,
}

/// A point of the curve: the final score if PI is reported at `pi_score`.
#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurvePoint {
    pub pi_score: f64,
    pub final_score: f64,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreImpact {
    pub year: u16,
    pub payment_year: u16,
    pub quality: Option<f64>,
    pub cost: Option<f64>,
    pub ia: Option<f64>,
    /// The PI score reporting would earn (the point marked on the chart).
    pub pi_score: f64,
    pub small_practice: bool,
    pub performance_threshold: f64,
    pub reweighted: ScoreView,
    pub reported: ScoreView,
    /// The lowest PI score at which reporting is at least as good as reweighting; absent when even 100 loses.
    pub break_even: Option<f64>,
    /// `reweight`, `report` or `tie` at `pi_score`.
    pub winner: String,
    /// Final score when reporting, for PI scores 0, 2, 4, … 100.
    pub curve: Vec<CurvePoint>,
    pub sources: Vec<String>,
    pub unconfirmed: Vec<String>,
    /// Whether any category score was given: without them there is nothing to compare (every weight
    /// moves onto categories with no score), and the pages ask for them instead.
    pub scores_entered: bool,
}

fn view(r: &ScoreResult<'_>) -> ScoreView {
    ScoreView {
        final_score: round2(r.final_score),
        weights: r.weights,
        band: r.adjustment.band.code().to_owned(),
        band_label: match r.adjustment.band.code() {
            "negative_max" => "the largest negative adjustment",
            "negative" => "negative",
            "neutral" => "neutral",
            "positive" => "positive",
            "exceptional" => "positive, with the exceptional-performance bonus",
            other => other,
        }
        .to_owned(),
        negative_percent: r.adjustment.negative_percent.map(round2),
        positive_range: r
            .adjustment
            .positive_range
            .map(|(a, b)| [round2(a), round2(b)]),
        adjustment: r.adjustment.describe(),
        realistic: None,
    }
}

/// What a positive final score has meant in practice: this year's actual maximum once CMS has scored
/// it, else the latest scored year's (without the exceptional bonus, which ended with PY 2022), scaled
/// linearly from the threshold; with the rule it relies on, for the sources.
fn realistic_positive(rules: &RuleSet, final_score: f64) -> Option<(String, &RuleSet)> {
    let pt = rules.adjustment.performance_threshold.value;
    if final_score <= pt {
        return None;
    }
    let share = (final_score - pt) / (100.0 - pt);
    let own = &rules.adjustment;
    if let Some(max) = own.actual_max_positive_percent.value {
        let text = if own.exceptional_bonus_max_percent.value.is_some() {
            format!(
                "In practice CMS paid at most +{max:.2}% for a final score of 100 in payment year {}, most of it the exceptional-performance bonus.",
                rules.year + 2
            )
        } else {
            format!(
                "In practice CMS paid +{max:.2}% for a final score of 100 in payment year {}; on that scale this score earned about +{:.2}%.",
                rules.year + 2,
                max * share
            )
        };
        return Some((text, rules));
    }
    let book = hardship_rules::RuleBook::embedded().ok()?;
    let scored = book.years().iter().rev().find(|r| {
        r.year < rules.year
            && r.adjustment.actual_max_positive_percent.value.is_some()
            && r.adjustment.exceptional_bonus_max_percent.value.is_none()
    })?;
    let max = scored.adjustment.actual_max_positive_percent.value?;
    Some((
        format!(
            "Not known until CMS scores {} (payment year {}). For PY {} CMS paid at most +{max:.2}% for a final score of 100; on that scale this score would earn about +{:.2}%.",
            rules.year,
            rules.year + 2,
            scored.year,
            max * share
        ),
        scored,
    ))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Computes the comparison for category estimates and a PI score (0–100).
pub fn score_impact(
    rules: &RuleSet,
    estimates: ScoreEstimates,
    small_practice: bool,
    pi_score: f64,
) -> ScoreImpact {
    let scores = CategoryScores {
        quality: estimates.quality,
        cost: estimates.cost,
        ia: estimates.ia,
        pi: None,
    };
    let w = whatif::what_if(rules, scores, small_practice, 0.0, pi_score);
    let curve = (0..=50)
        .map(|i| {
            let pi = f64::from(i) * 2.0;
            let r = scoring::score(
                rules,
                &ScoreInput {
                    scores: CategoryScores {
                        pi: Some(pi),
                        ..scores
                    },
                    pi_reweighted: false,
                    small_practice,
                    complex_patient_bonus: 0.0,
                },
            );
            CurvePoint {
                pi_score: pi,
                final_score: round2(r.final_score),
            }
        })
        .collect();
    let mut cites = w.reweighted.cites;
    cites.extend(&w.reported.cites);
    let mut reweighted = view(&w.reweighted);
    let mut reported = view(&w.reported);
    for v in [&mut reweighted, &mut reported] {
        if let Some((text, source)) = realistic_positive(rules, v.final_score) {
            v.realistic = Some(text);
            cites.push(
                source
                    .adjustment
                    .actual_max_positive_percent
                    .cite("actual maximum positive adjustment"),
            );
        }
    }
    ScoreImpact {
        year: rules.year,
        payment_year: rules.year + 2,
        quality: estimates.quality,
        cost: estimates.cost,
        ia: estimates.ia,
        pi_score,
        small_practice,
        performance_threshold: rules.adjustment.performance_threshold.value,
        reweighted,
        reported,
        break_even: w.break_even,
        winner: match w.winner {
            Choice::Reweight => "reweight",
            Choice::Report => "report",
            Choice::Tie => "tie",
        }
        .to_owned(),
        curve,
        sources: cites
            .source_keys()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        unconfirmed: cites
            .unconfirmed()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        scores_entered: estimates.quality.is_some()
            || estimates.cost.is_some()
            || estimates.ia.is_some(),
    }
}

/// The chart of the comparison (SVG).
mod chart;
pub use chart::render_svg;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hardship_rules::{PerformanceYear, RuleBook};

    fn rules(y: u16) -> &'static RuleSet {
        RuleBook::embedded()
            .unwrap()
            .year(PerformanceYear::new(y).unwrap())
    }

    #[test]
    fn the_readme_what_if_small_practice_2024() {
        // README: quality 80, cost 50, IA 100, PI 0, small practice, PY 2024 → 77.00 reweighted against
        // 54.00 reported; reporting only pays from a PI score of 92.
        let est = ScoreEstimates {
            quality: Some(80.0),
            cost: Some(50.0),
            ia: Some(100.0),
            pi: None,
        };
        let i = score_impact(rules(2024), est, true, 0.0);
        assert_eq!(i.reweighted.final_score, 77.0);
        assert_eq!(i.reported.final_score, 54.0);
        assert_eq!(i.break_even, Some(92.0));
        assert_eq!(i.winner, "reweight");
        assert_eq!(i.reported.negative_percent, Some(-2.52));
        assert_eq!(i.curve.len(), 51);
        assert!(
            i.curve
                .windows(2)
                .all(|w| w[0].final_score <= w[1].final_score)
        );
        assert_eq!(i.reweighted.weights[3], 0, "PI weight is 0 when reweighted");
    }

    #[test]
    fn when_reporting_never_catches_up_there_is_no_break_even() {
        let est = ScoreEstimates {
            quality: Some(100.0),
            cost: Some(100.0),
            ia: Some(100.0),
            pi: None,
        };
        let i = score_impact(rules(2024), est, false, 50.0);
        assert_eq!(i.reweighted.final_score, 100.0);
        assert!(i.break_even == Some(100.0) || i.break_even.is_none());
        assert!(render_svg(&i).contains("Final score"));
    }

    #[test]
    fn a_positive_score_says_what_cms_actually_paid() {
        let est = ScoreEstimates {
            quality: Some(95.0),
            cost: Some(90.0),
            ia: Some(100.0),
            pi: None,
        };
        // PY 2023 was scored: +2.15% at 100 [SIR-2023QPP]; a final score of 95 is 20/25 of the way.
        let i = score_impact(rules(2023), est, false, 0.0);
        let r = i.reweighted.realistic.as_deref().unwrap();
        assert!(
            r.contains("+2.15%") && r.contains("payment year 2025"),
            "{r}"
        );
        let expected = 2.15 * (i.reweighted.final_score - 75.0) / 25.0;
        assert!(r.contains(&format!("about +{expected:.2}%")), "{r}");
        assert!(i.sources.iter().any(|s| s == "SIR-2023QPP"));
        // PY 2026 is not scored yet: the latest scored year without the exceptional bonus (PY 2024).
        let i = score_impact(rules(2026), est, false, 0.0);
        let r = i.reweighted.realistic.as_deref().unwrap();
        assert!(
            r.starts_with("Not known until CMS scores 2026")
                && r.contains("PY 2024")
                && r.contains("+1.05%"),
            "{r}"
        );
        assert!(
            i.unconfirmed
                .iter()
                .any(|u| u.contains("actual maximum positive")),
            "{:?}",
            i.unconfirmed
        );
        // The formula's range says it is a ceiling.
        assert!(
            i.reweighted.adjustment.contains("ceiling"),
            "{}",
            i.reweighted.adjustment
        );
        // A score under the threshold has nothing to temper.
        let low = ScoreEstimates {
            quality: Some(20.0),
            cost: Some(20.0),
            ia: Some(20.0),
            pi: None,
        };
        assert!(
            score_impact(rules(2026), low, false, 0.0)
                .reweighted
                .realistic
                .is_none()
        );
        // Exceptional-bonus years quote the maximum only.
        let i = score_impact(rules(2019), est, false, 0.0);
        assert!(
            i.reweighted
                .realistic
                .as_deref()
                .unwrap()
                .contains("exceptional-performance bonus")
        );
    }

    #[test]
    fn without_category_scores_there_is_nothing_to_compare() {
        let i = score_impact(rules(2024), ScoreEstimates::default(), false, 50.0);
        assert!(!i.scores_entered);
        let i = score_impact(
            rules(2024),
            ScoreEstimates {
                ia: Some(40.0),
                ..Default::default()
            },
            false,
            50.0,
        );
        assert!(i.scores_entered);
    }
}

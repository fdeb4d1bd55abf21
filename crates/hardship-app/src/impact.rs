//! Score impact: the final score and payment-adjustment band with PI reweighted versus reported, across
//! every PI score, and the break-even PI score — the numbers behind "apply or report?". Pure; the chart is
//! drawn from these numbers as SVG on the server (no script, nothing inline the CSP would refuse).

use hardship_rules::RuleSet;
use hardship_rules::scoring::{self, CategoryScores, ScoreInput, ScoreResult};
use hardship_rules::whatif::{self, Choice};
use hardship_store::ScoreEstimates;
use serde::Serialize;
use std::fmt::Write as _;

/// One final score with how it was built.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreView {
    pub final_score: f64,
    /// Weights applied in percent: quality, cost, IA, PI.
    pub weights: [u8; 4],
    /// `negative_max`, `negative`, `neutral`, `positive`, `exceptional`.
    pub band: String,
    /// The exact negative adjustment in percent (0 at the threshold), when not positive.
    pub negative_percent: Option<f64>,
    /// The positive adjustment range in percent before CMS's budget-neutrality scaling.
    pub positive_range: Option<[f64; 2]>,
    pub adjustment: String,
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
}

fn view(r: &ScoreResult<'_>) -> ScoreView {
    ScoreView {
        final_score: round2(r.final_score),
        weights: r.weights,
        band: r.adjustment.band.code().to_owned(),
        negative_percent: r.adjustment.negative_percent.map(round2),
        positive_range: r
            .adjustment
            .positive_range
            .map(|(a, b)| [round2(a), round2(b)]),
        adjustment: r.adjustment.describe(),
    }
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
    ScoreImpact {
        year: rules.year,
        payment_year: rules.year + 2,
        quality: estimates.quality,
        cost: estimates.cost,
        ia: estimates.ia,
        pi_score,
        small_practice,
        performance_threshold: rules.adjustment.performance_threshold.value,
        reweighted: view(&w.reweighted),
        reported: view(&w.reported),
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
    }
}

// ---- the chart ------------------------------------------------------------------------------------------

const W: f64 = 640.0;
const H: f64 = 360.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 44.0;

fn x(pi: f64) -> f64 {
    LEFT + (W - LEFT - RIGHT) * pi.clamp(0.0, 100.0) / 100.0
}

fn y(score: f64) -> f64 {
    TOP + (H - TOP - BOTTOM) * (1.0 - score.clamp(0.0, 100.0) / 100.0)
}

/// The comparison as an SVG document: final score (y) against the PI score (x) when reporting, the flat
/// line of reweighting, the performance threshold with the negative and positive zones, the break-even
/// PI score and the PI score entered. Colours come from classes in the stylesheet, so the chart follows
/// the page's CSP (no inline style).
pub fn render_svg(i: &ScoreImpact) -> String {
    let mut s = String::with_capacity(6_000);
    let pt = i.performance_threshold;
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" class="chart" role="img" aria-labelledby="chart-title chart-desc">"#
    );
    let _ = write!(
        s,
        r#"<title id="chart-title">Final score, PI reweighted versus reported, PY {}</title>"#,
        i.year
    );
    let desc = match i.break_even {
        Some(b) => format!(
            "Reweighted: {:.2}. Reported at PI {:.0}: {:.2}. Reporting is at least as good from a PI score of {b:.2}.",
            i.reweighted.final_score, i.pi_score, i.reported.final_score
        ),
        None => format!(
            "Reweighted: {:.2}. Reported at PI {:.0}: {:.2}. Reporting never catches up with reweighting.",
            i.reweighted.final_score, i.pi_score, i.reported.final_score
        ),
    };
    let _ = write!(s, r#"<desc id="chart-desc">{}</desc>"#, escape(&desc));
    // Zones: below the threshold a negative adjustment, above it a positive one.
    let _ = write!(
        s,
        r#"<rect class="zone-negative" x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
        y(pt),
        W - LEFT - RIGHT,
        y(0.0) - y(pt)
    );
    let _ = write!(
        s,
        r#"<rect class="zone-positive" x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}"/>"#,
        W - LEFT - RIGHT,
        y(pt) - TOP
    );
    // Grid and axes.
    for t in (0..=100).step_by(10) {
        let v = f64::from(t);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{t}</text>"#,
            W - RIGHT,
            y(v),
            y(v),
            LEFT - 6.0,
            y(v) + 4.0
        );
        let _ = write!(
            s,
            r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{t}</text>"#,
            x(v),
            H - BOTTOM + 16.0
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">PI score if reported</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 8.0
    );
    let _ = write!(
        s,
        r#"<text class="axis-label" x="14" y="{:.1}" text-anchor="middle" transform="rotate(-90 14 {:.1})">Final score</text>"#,
        (TOP + H - BOTTOM) / 2.0,
        (TOP + H - BOTTOM) / 2.0
    );
    // The performance threshold.
    let _ = write!(
        s,
        r#"<line class="threshold" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">threshold {}</text>"#,
        W - RIGHT,
        y(pt),
        y(pt),
        W - RIGHT - 4.0,
        y(pt) - 4.0,
        num(pt)
    );
    // Reweighted: the same final score whatever the PI score.
    let rw = i.reweighted.final_score;
    let _ = write!(
        s,
        r#"<line class="reweighted" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="label reweighted-label" x="{:.1}" y="{:.1}">reweighted {rw:.2}</text>"#,
        W - RIGHT,
        y(rw),
        y(rw),
        LEFT + 6.0,
        y(rw) - 5.0
    );
    // Reported: the curve.
    s.push_str(r#"<polyline class="reported" points=""#);
    for p in &i.curve {
        let _ = write!(s, "{:.1},{:.1} ", x(p.pi_score), y(p.final_score));
    }
    s.push_str(r#""/>"#);
    if let Some(b) = i.break_even {
        let _ = write!(
            s,
            r#"<line class="break-even" x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{:.1}"/><text class="label" x="{:.1}" y="{:.1}">break-even PI {b:.2}</text>"#,
            x(b),
            x(b),
            y(0.0),
            x(b) + 4.0,
            TOP + 12.0
        );
    }
    let _ = write!(
        s,
        r#"<circle class="marker" cx="{:.1}" cy="{:.1}" r="5"/><text class="label" x="{:.1}" y="{:.1}">reported at PI {:.0}: {:.2}</text>"#,
        x(i.pi_score),
        y(i.reported.final_score),
        (x(i.pi_score) + 8.0).min(W - RIGHT - 170.0),
        y(i.reported.final_score) + 16.0,
        i.pi_score,
        i.reported.final_score
    );
    s.push_str("</svg>");
    s
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

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
    fn the_chart_is_well_formed_svg_with_its_numbers() {
        let est = ScoreEstimates {
            quality: Some(80.0),
            cost: Some(50.0),
            ia: Some(100.0),
            pi: None,
        };
        let i = score_impact(rules(2024), est, true, 60.0);
        let svg = render_svg(&i);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("break-even PI 92.00"), "{svg}");
        assert!(svg.contains("reweighted 77.00"));
        assert!(svg.contains("threshold 75"));
        assert!(!svg.contains("style="), "no inline style under the CSP");
        assert_eq!(svg.matches("<polyline").count(), 1);
        // Every point lies inside the plot area.
        let pts = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for p in pts.split_whitespace() {
            let (px, py) = p.split_once(',').unwrap();
            let (px, py): (f64, f64) = (px.parse().unwrap(), py.parse().unwrap());
            assert!(
                (LEFT..=W - RIGHT).contains(&px) && (TOP..=H - BOTTOM).contains(&py),
                "{p}"
            );
        }
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
}

//! The comparison as an SVG chart: final score (y) against the PI score (x) when reporting, the flat
//! line of reweighting, the performance threshold with the negative and positive zones, the break-even
//! PI score and the PI score entered, with a legend above the plot and the lines' values in the right
//! margin, so no label sits on a line. Colours come from classes in the stylesheet, so the chart follows
//! the page's CSP (no inline style).

use super::ScoreImpact;
use std::fmt::Write as _;

const W: f64 = 680.0;
const H: f64 = 400.0;
const LEFT: f64 = 52.0;
/// Room for "reweighted 100.00" beside the plot.
const RIGHT: f64 = 118.0;
/// Room for the legend above the plot.
const TOP: f64 = 46.0;
const BOTTOM: f64 = 44.0;
/// A label's line height at the chart's label size (12 px).
const LINE: f64 = 14.0;
/// An estimate of a label's width per character at 12 px, to keep labels inside the picture.
const CHAR_W: f64 = 6.6;

fn x(pi: f64) -> f64 {
    LEFT + (W - LEFT - RIGHT) * pi.clamp(0.0, 100.0) / 100.0
}

fn y(score: f64) -> f64 {
    TOP + (H - TOP - BOTTOM) * (1.0 - score.clamp(0.0, 100.0) / 100.0)
}

/// The chart for a comparison.
pub fn render_svg(i: &ScoreImpact) -> String {
    let mut s = String::with_capacity(7_000);
    let pt = i.performance_threshold;
    let rw = i.reweighted.final_score;
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
            "Reweighted: {rw:.2}. Reported at PI {:.0}: {:.2}. Reporting is at least as good from a PI score of {b:.2}.",
            i.pi_score, i.reported.final_score
        ),
        None => format!(
            "Reweighted: {rw:.2}. Reported at PI {:.0}: {:.2}. Reporting never catches up with reweighting.",
            i.pi_score, i.reported.final_score
        ),
    };
    let _ = write!(s, r#"<desc id="chart-desc">{}</desc>"#, escape(&desc));
    legend(&mut s, i.break_even.is_some());
    // Zones: below the threshold a negative adjustment, above it a positive one.
    let plot_w = W - LEFT - RIGHT;
    let _ = write!(
        s,
        r#"<rect class="zone-negative" x="{LEFT}" y="{:.1}" width="{plot_w:.1}" height="{:.1}"/>"#,
        y(pt),
        y(0.0) - y(pt)
    );
    let _ = write!(
        s,
        r#"<rect class="zone-positive" x="{LEFT}" y="{TOP}" width="{plot_w:.1}" height="{:.1}"/>"#,
        y(pt) - TOP
    );
    axes(&mut s);
    // The lines, then their values in the right margin (moved apart when they would touch).
    let _ = write!(
        s,
        r#"<line class="threshold" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
        W - RIGHT,
        y(pt),
        y(pt)
    );
    let _ = write!(
        s,
        r#"<line class="reweighted" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
        W - RIGHT,
        y(rw),
        y(rw)
    );
    s.push_str(r#"<polyline class="reported" points=""#);
    for p in &i.curve {
        let _ = write!(s, "{:.1},{:.1} ", x(p.pi_score), y(p.final_score));
    }
    s.push_str(r#""/>"#);
    let (mut ty, mut ry) = (y(pt) + 4.0, y(rw) + 4.0);
    if (ty - ry).abs() < LINE {
        // The higher score's label goes up, the other down, each half the overlap.
        let shift = (LINE - (ty - ry).abs()) / 2.0;
        if rw >= pt {
            (ry, ty) = (ry - shift, ty + shift);
        } else {
            (ry, ty) = (ry + shift, ty - shift);
        }
    }
    let margin = W - RIGHT + 6.0;
    let _ = write!(
        s,
        r#"<text class="label" x="{margin:.1}" y="{ty:.1}">threshold {}</text><text class="label reweighted-label" x="{margin:.1}" y="{ry:.1}">reweighted {rw:.2}</text>"#,
        num(pt)
    );
    if let Some(b) = i.break_even {
        let text = format!("break-even PI {b:.2}");
        let (lx, anchor) = if x(b) + 4.0 + width(&text) > W - RIGHT {
            (x(b) - 4.0, "end")
        } else {
            (x(b) + 4.0, "start")
        };
        let _ = write!(
            s,
            r#"<line class="break-even" x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{:.1}"/><text class="label" x="{lx:.1}" y="{:.1}" text-anchor="{anchor}">{text}</text>"#,
            x(b),
            x(b),
            y(0.0),
            y(0.0) - 6.0
        );
    }
    let (mx, my) = (x(i.pi_score), y(i.reported.final_score));
    let text = format!(
        "reported at PI {:.0}: {:.2}",
        i.pi_score, i.reported.final_score
    );
    let lx = (mx + 8.0).min(W - RIGHT - width(&text)).max(LEFT + 2.0);
    let ly = if my - 10.0 > TOP + LINE {
        my - 10.0
    } else {
        my + 18.0
    };
    let _ = write!(
        s,
        r#"<circle class="marker" cx="{mx:.1}" cy="{my:.1}" r="5"/><text class="label" x="{lx:.1}" y="{ly:.1}">{text}</text>"#
    );
    s.push_str("</svg>");
    s
}

/// What each line is, above the plot.
fn legend(s: &mut String, break_even: bool) {
    let mut items = vec![
        ("reported", "PI reported"),
        ("reweighted", "PI reweighted"),
        ("threshold", "performance threshold"),
    ];
    if break_even {
        items.push(("break-even", "break-even PI score"));
    }
    s.push_str(r#"<g class="legend">"#);
    let mut at = LEFT;
    for (class, text) in items {
        let _ = write!(
            s,
            r#"<line class="{class}" x1="{at:.1}" x2="{:.1}" y1="18" y2="18"/><text class="label" x="{:.1}" y="22">{text}</text>"#,
            at + 24.0,
            at + 30.0
        );
        at += 30.0 + width(text) + 18.0;
    }
    s.push_str("</g>");
}

fn axes(s: &mut String) {
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
    let mid = (TOP + H - BOTTOM) / 2.0;
    let _ = write!(
        s,
        r#"<text class="axis-label" x="14" y="{mid:.1}" text-anchor="middle" transform="rotate(-90 14 {mid:.1})">Final score</text>"#
    );
}

fn width(text: &str) -> f64 {
    CHAR_W * text.chars().count() as f64
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
    use crate::impact::score_impact;
    use hardship_rules::{PerformanceYear, RuleBook, RuleSet};
    use hardship_store::ScoreEstimates;

    fn rules(y: u16) -> &'static RuleSet {
        RuleBook::embedded()
            .unwrap()
            .year(PerformanceYear::new(y).unwrap())
    }

    fn scores(q: f64, c: f64, ia: f64) -> ScoreEstimates {
        ScoreEstimates {
            quality: Some(q),
            cost: Some(c),
            ia: Some(ia),
            pi: None,
        }
    }

    /// Every label's (x, y, anchor, text).
    fn labels(svg: &str) -> Vec<(f64, f64, String, String)> {
        svg.split("<text ")
            .skip(1)
            .map(|t| {
                let attr = |name: &str| {
                    t.split(&format!(" {name}=\""))
                        .nth(1)
                        .or_else(|| t.strip_prefix(&format!("{name}=\"")))
                        .map(|v| v.split('"').next().unwrap().to_owned())
                };
                let text = t.split('>').nth(1).unwrap().split('<').next().unwrap();
                (
                    attr("x").unwrap().parse().unwrap(),
                    attr("y").unwrap().parse().unwrap(),
                    attr("text-anchor").unwrap_or_else(|| "start".into()),
                    text.to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn the_chart_is_well_formed_svg_with_its_numbers_and_a_legend() {
        let i = score_impact(rules(2024), scores(80.0, 50.0, 100.0), true, 60.0);
        let svg = render_svg(&i);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("break-even PI 92.00"), "{svg}");
        assert!(svg.contains("reweighted 77.00"));
        assert!(svg.contains("threshold 75"));
        assert!(svg.contains(r#"<g class="legend">"#));
        for item in [
            "PI reported",
            "PI reweighted",
            "performance threshold",
            "break-even PI score",
        ] {
            assert!(svg.contains(&format!(">{item}<")), "legend lacks {item}");
        }
        assert!(!svg.contains("style="), "no inline style under the CSP");
        assert_eq!(svg.matches("<polyline").count(), 1);
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
    fn every_label_fits_in_the_picture_and_none_overlaps_another() {
        // Break-even near 100, threshold and reweighted lines a point apart, the marker at the top.
        for (est, pi) in [
            (scores(80.0, 50.0, 100.0), 60.0),
            (scores(76.0, 75.0, 74.0), 100.0),
            (scores(100.0, 100.0, 100.0), 0.0),
            (scores(10.0, 0.0, 0.0), 99.0),
            (scores(75.0, 75.0, 75.0), 75.0),
        ] {
            for small in [true, false] {
                let i = score_impact(rules(2024), est, small, pi);
                let svg = render_svg(&i);
                let ls = labels(&svg);
                let boxes: Vec<(f64, f64, f64, f64, &str)> = ls
                    .iter()
                    .filter(|l| !l.3.is_empty())
                    .map(|(lx, ly, anchor, text)| {
                        let w = width(text);
                        let x0 = match anchor.as_str() {
                            "end" => lx - w,
                            "middle" => lx - w / 2.0,
                            _ => *lx,
                        };
                        (x0, ly - 10.0, x0 + w, *ly + 2.0, text.as_str())
                    })
                    .collect();
                for b in &boxes {
                    if b.4 == "Final score" {
                        continue; // rotated
                    }
                    assert!(
                        b.0 >= 0.0 && b.2 <= W + 0.5 && b.1 >= 0.0 && b.3 <= H,
                        "{b:?} outside, {est:?} {pi}"
                    );
                }
                for (n, a) in boxes.iter().enumerate() {
                    for c in &boxes[n + 1..] {
                        let apart = a.2 <= c.0 || c.2 <= a.0 || a.3 <= c.1 || c.3 <= a.1;
                        assert!(
                            apart || a.4 == "Final score" || c.4 == "Final score",
                            "{a:?} overlaps {c:?}, {est:?} pi {pi} small {small}"
                        );
                    }
                }
            }
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! RULEBOOK §9 worked examples 1–12 and the CMS Submissions API scoring examples [QPP-SUBDOCS], through
//! `scoring::score`, `scoring::adjust` and `whatif::what_if`. Final scores to 1e-9, weights exactly.
//! Example 11 uses the regulation's negative scale (42 CFR 414.1405(b)(2) [AYE-414.1405]
//! [ECFR-414.1405-2019]), which corrects the rule book's −3.36 % to −2.52 %.

use super::{assert_close, cats, rules, score_of};
use hardship_rules::cites::{Cites, Warning};
use hardship_rules::scoring::{AdjustmentEstimate, Band, ScoreInput, adjust, score};
use hardship_rules::whatif::{Choice, what_if};

fn adj(year: u16, final_score: f64) -> AdjustmentEstimate {
    let mut cites = Cites::default();
    adjust(rules(year), final_score, &mut cites)
}

#[track_caller]
fn assert_negative(year: u16, final_score: f64, band: Band, percent: f64) {
    let a = adj(year, final_score);
    assert_eq!(a.band, band, "PY {year} score {final_score}");
    assert_close(a.negative_percent.unwrap(), percent);
    assert_eq!(a.positive_range, None);
    assert_eq!(a.payment_year, year + 2);
}

/// Example 1 [HA-2020] [MGMA-MO]: PY 2017, no quality reported (scored 0): IA max 15 + ACI max 25 = 40;
/// IA max alone = 15; threshold 3 → both positive. A perfect 100 earned +1.88 % in 2019, which lies inside
/// the estimate (positive range plus exceptional bonus, PY 2017 weights [AYE-414.1330]).
#[test]
fn example_01_py2017_ia_and_aci_without_quality() {
    let r = score_of(
        2017,
        cats(Some(0.0), None, Some(100.0), Some(100.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [60, 0, 15, 25]);
    assert_close(r.final_score, 40.0);
    assert_eq!(r.adjustment.band, Band::Positive);

    let r = score_of(
        2017,
        cats(Some(0.0), None, Some(100.0), Some(0.0)),
        false,
        false,
    );
    assert_close(r.final_score, 15.0);
    assert_eq!(r.adjustment.band, Band::Positive);

    let perfect = score_of(
        2017,
        cats(Some(100.0), None, Some(100.0), Some(100.0)),
        false,
        false,
    );
    assert_close(perfect.final_score, 100.0);
    assert_eq!(perfect.adjustment.band, Band::Exceptional);
    let (_, pos_hi) = perfect.adjustment.positive_range.unwrap();
    let (_, ex_hi) = perfect.adjustment.exceptional_range.unwrap();
    assert_close(pos_hi, 4.0 * 3.0);
    assert_close(ex_hi, 10.0);
    assert!(1.88 <= pos_hi + ex_hi);
}

/// Example 2 [CSMS-2018]: PY 2018, IA only: 100 % × 15 = 15 = threshold → neutral; quality 18/60 = 30 % × 50
/// = 15 → neutral. Weights: base 50/10/15/25 [AYE-414.1330]; cost not scored → 60/0/15/25 [ECFR-414.1380-2020].
#[test]
fn example_02_py2018_ia_only_and_quality_30_percent_are_neutral() {
    for cost in [None, Some(0.0)] {
        let r = score_of(
            2018,
            cats(Some(0.0), cost, Some(100.0), Some(0.0)),
            false,
            false,
        );
        assert_close(r.final_score, 15.0);
        assert_close(r.contributions[2], 15.0);
        assert_eq!(r.adjustment.band, Band::Neutral);
        assert_eq!(r.adjustment.negative_percent, Some(0.0));
    }
    let r = score_of(
        2018,
        cats(Some(0.0), None, Some(100.0), Some(0.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [60, 0, 15, 25]);

    let r = score_of(
        2018,
        cats(Some(30.0), Some(0.0), Some(0.0), Some(0.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [50, 10, 15, 25]);
    assert_close(r.final_score, 15.0);
    assert_eq!(r.adjustment.band, Band::Neutral);
}

/// Example 3 [AAO-2018] [ACP-2018]: PY 2018, quality 80 % × 50 = 40, PI 80 % × 25 = 20, IA 80 % × 15 = 12;
/// with cost scoring 0 the sum is 72 ≥ 70, the exceptional threshold [ECFR-414.1405-2019].
#[test]
fn example_03_py2018_category_contributions() {
    let r = score_of(
        2018,
        cats(Some(80.0), Some(0.0), Some(80.0), Some(80.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [50, 10, 15, 25]);
    assert_close(r.contributions[0], 40.0);
    assert_close(r.contributions[1], 0.0);
    assert_close(r.contributions[2], 12.0);
    assert_close(r.contributions[3], 20.0);
    assert_close(r.final_score, 72.0);
    assert_eq!(r.adjustment.band, Band::Exceptional);
}

/// Example 4 [ACP-2018] [AYE-414.1405]: PY 2018, final score ≤ 3.75 (¼ of 15) → −5 %; 15 → 0 %.
#[test]
fn example_04_py2018_negative_floor() {
    for s in [0.0, 1.0, 3.75] {
        assert_negative(2018, s, Band::NegativeMax, -5.0);
    }
    assert_negative(2018, 3.76, Band::Negative, -5.0 * (15.0 - 3.76) / 15.0);
    assert_negative(2018, 15.0, Band::Neutral, 0.0);
}

/// Example 5 [AAO-2019b] [AAO-2019] [EAGLE-2019]: PY 2019, PI hardship → quality 45 → 70; quality 60 % × 45
/// = 27 when not reweighted; final 0–7.5 → −7 % [ECFR-414.1405-2019].
#[test]
fn example_05_py2019_pi_hardship_quality_weight_70() {
    let r = score_of(
        2019,
        cats(Some(60.0), Some(50.0), Some(100.0), None),
        true,
        false,
    );
    assert_eq!(r.weights, [70, 15, 15, 0]);
    assert_close(r.contributions[0], 42.0);
    let r = score_of(
        2019,
        cats(Some(60.0), Some(50.0), Some(100.0), Some(0.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [45, 15, 15, 25]);
    assert_close(r.contributions[0], 27.0);
    for s in [0.0, 5.0, 7.5] {
        assert_negative(2019, s, Band::NegativeMax, -7.0);
    }
    assert_negative(2019, 7.51, Band::Negative, -7.0 * (30.0 - 7.51) / 30.0);
}

/// Example 6 [PAI-2020]: PY 2020 minimum: quality 12 % × 45 (5.4) + IA 100 % (15) + PI 100 % (25) = 45.4 ≥ 45;
/// quality 100 % alone (cost scored 0) × 45 = 45 exactly → neutral. PT 45 [ECFR-414.1405-2019].
#[test]
fn example_06_py2020_minimum_scores() {
    let r = score_of(
        2020,
        cats(Some(12.0), Some(0.0), Some(100.0), Some(100.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [45, 15, 15, 25]);
    assert_close(r.final_score, 45.4);
    assert_eq!(r.adjustment.band, Band::Positive);

    let r = score_of(
        2020,
        cats(Some(100.0), Some(0.0), Some(0.0), Some(0.0)),
        false,
        false,
    );
    assert_close(r.final_score, 45.0);
    assert_eq!(r.adjustment.band, Band::Neutral);
    assert_eq!(r.adjustment.negative_percent, Some(0.0));
}

/// Example 7 [QPP-API]: PI category score 15 × 25 % = 3.75 final-score points.
#[test]
fn example_07_pi_contribution() {
    for year in 2017..=2026 {
        let r = score_of(
            year,
            cats(Some(0.0), Some(0.0), Some(0.0), Some(15.0)),
            false,
            false,
        );
        assert_eq!(r.weights[3], 25, "PY {year}");
        assert_close(r.contributions[3], 3.75);
    }
}

/// Example 8 [AAO-2022] [ECFR-414.1380-2023]: PY 2022, cost not scored → Q 55 / C 0 / IA 15 / PI 30, for any
/// practice size.
#[test]
fn example_08_py2022_cost_not_scored() {
    for small in [false, true] {
        let r = score_of(
            2022,
            cats(Some(50.0), None, Some(50.0), Some(50.0)),
            false,
            small,
        );
        assert_eq!(r.weights, [55, 0, 15, 30]);
        assert_close(r.final_score, 50.0);
    }
}

/// Example 9 [EYEF-SP] [MDI-2023PR] [ECFR-414.1380-2023] table (G): PY 2022+ small practice with PI
/// reweighted → Q 40 / C 30 / IA 30; with cost also not scored → Q 50 / IA 50. Table (F) for others:
/// 55/30/15/0 and 85/0/15/0.
#[test]
fn example_09_py2022_on_small_practice_pi_reweighted() {
    for year in 2022..=2026 {
        let s = cats(Some(80.0), Some(50.0), Some(100.0), None);
        assert_eq!(
            score_of(year, s, true, true).weights,
            [40, 30, 30, 0],
            "PY {year}"
        );
        assert_eq!(
            score_of(year, s, true, false).weights,
            [55, 30, 15, 0],
            "PY {year}"
        );
        let s = cats(Some(80.0), None, Some(100.0), None);
        assert_eq!(
            score_of(year, s, true, true).weights,
            [50, 0, 50, 0],
            "PY {year}"
        );
        assert_eq!(
            score_of(year, s, true, false).weights,
            [85, 0, 15, 0],
            "PY {year}"
        );
    }
}

/// Example 10 [AAFP] [AYE-414.1405]: PT 75 regime: 18.75 → −9 %; above it sliding negative, anchored at a
/// score of 0; 75 → 0; 75.01 → positive (scaled ≤ 3×).
#[test]
fn example_10_pt75_bands() {
    for year in 2022..=2026 {
        assert_negative(year, 18.75, Band::NegativeMax, -9.0);
        assert_negative(year, 0.0, Band::NegativeMax, -9.0);
        assert_negative(year, 18.76, Band::Negative, -9.0 * (75.0 - 18.76) / 75.0);
        assert_negative(year, 74.99, Band::Negative, -9.0 * 0.01 / 75.0);
        assert_negative(year, 75.0, Band::Neutral, 0.0);
        let a = adj(year, 75.01);
        assert_eq!(a.negative_percent, None);
        let (lo, hi) = a.positive_range.unwrap();
        assert_close(lo, 0.0);
        assert_close(hi, 9.0 * 0.01 / 25.0 * 3.0);
        assert_eq!(a.band, Band::Positive, "PY {year}");
        let top = adj(year, 100.0);
        assert_close(top.positive_range.unwrap().1, 27.0);
    }
    // PY 2022 still has the exceptional threshold 89 [NEWSCLIMB-2022] [HSAG-2021]; later years do not.
    assert_eq!(adj(2022, 89.0).band, Band::Exceptional);
    assert_eq!(adj(2022, 88.99).band, Band::Positive);
    assert_eq!(adj(2023, 100.0).band, Band::Positive);
    assert_eq!(adj(2023, 100.0).exceptional_range, None);
}

/// Example 11 (derived) [EYEF-SP] [ECFR-414.1380-2023] [AYE-414.1405]: PY 2024 small practice, quality 80,
/// cost 50, IA 100. Not reporting PI → 32 + 15 + 30 = 77 (positive). PI submitted and scored 0 → 24 + 15 +
/// 15 + 0 = 54 → −9 % × (75 − 54) / 75 = −2.52 % (not the rule book's −3.36 %).
#[test]
fn example_11_report_pi_anyway_trap_py2024_small_practice() {
    let s = cats(Some(80.0), Some(50.0), Some(100.0), None);
    let w = what_if(rules(2024), s, true, 0.0, 0.0);
    assert_eq!(w.reweighted.weights, [40, 30, 30, 0]);
    assert_close(w.reweighted.final_score, 77.0);
    assert_eq!(w.reweighted.adjustment.band, Band::Positive);
    assert_eq!(w.reported.weights, [30, 30, 15, 25]);
    assert_close(w.reported.final_score, 54.0);
    assert_eq!(w.reported.adjustment.band, Band::Negative);
    assert_close(w.reported.adjustment.negative_percent.unwrap(), -2.52);
    assert!(w.reported.adjustment.describe().starts_with("-2.52%"));
    assert_eq!(w.winner, Choice::Reweight);
    // 24 + 15 + 15 + 0.25 p ≥ 77 ⇔ p ≥ 92.
    assert_close(w.break_even.unwrap(), 92.0);
    // The same through `adjust` directly, and the cite of the regulation.
    let mut cites = Cites::default();
    let a = adjust(rules(2024), 54.0, &mut cites);
    assert_close(a.negative_percent.unwrap(), -2.52);
    assert!(cites.source_keys().contains(&"AYE-414.1405"));
}

/// Example 12 (derived) [EAGLE-2019] [ECFR-414.1380-2020]: PY 2019, quality 80, cost 50, IA 100: approved
/// hardship → 56 + 7.5 + 15 = 78.5; reporting PI at 40 → 36 + 7.5 + 15 + 10 = 68.5; break-even PI 80
/// (36 + 7.5 + 15 + 0.25 p = 78.5).
#[test]
fn example_12_py2019_hardship_versus_reporting() {
    let s = cats(Some(80.0), Some(50.0), Some(100.0), Some(99.0)); // scores.pi is ignored
    let w = what_if(rules(2019), s, false, 0.0, 40.0);
    assert_eq!(w.reweighted.weights, [70, 15, 15, 0]);
    assert_close(w.reweighted.final_score, 78.5);
    assert_eq!(w.reported.weights, [45, 15, 15, 25]);
    assert_close(w.reported.final_score, 68.5);
    assert_eq!(w.winner, Choice::Reweight);
    assert_close(w.break_even.unwrap(), 80.0);
    assert_eq!(
        what_if(rules(2019), s, false, 0.0, 80.0).winner,
        Choice::Tie
    );
    assert_eq!(
        what_if(rules(2019), s, false, 0.0, 80.01).winner,
        Choice::Report
    );
}

/// Break-even PI scores and the case where no PI score can win [ECFR-414.1380-2023] [ECFR-414.1380-2017].
#[test]
fn what_if_break_even_and_none() {
    // PY 2024 small practice (table (G) 40/30/30/0): quality 100, cost 100, IA 0 → reweighted 70;
    // reporting 30 + 30 + 0 + 0.25 p ≥ 70 ⇔ p ≥ 40.
    let w = what_if(
        rules(2024),
        cats(Some(100.0), Some(100.0), Some(0.0), None),
        true,
        0.0,
        0.0,
    );
    assert_close(w.reweighted.final_score, 70.0);
    assert_close(w.break_even.unwrap(), 40.0);
    assert_eq!(w.winner, Choice::Reweight);
    // Not small (table (F) 55/30/15/0), all 100 + complex patient bonus 10 → capped at 100; reporting
    // 75 + 0.25 p + 10 ≥ 100 ⇔ p ≥ 60.
    let w = what_if(
        rules(2024),
        cats(Some(100.0), Some(100.0), Some(100.0), None),
        false,
        10.0,
        0.0,
    );
    assert_close(w.reweighted.final_score, 100.0);
    assert_close(w.break_even.unwrap(), 60.0);
    // Only quality scored (0 %): reweighting PI leaves one category → final = threshold 75; reporting PI
    // makes two scored categories (70/0/0/30) and at most 30 points: no PI score wins.
    let w = what_if(
        rules(2024),
        cats(Some(0.0), None, None, None),
        false,
        0.0,
        100.0,
    );
    assert!(w.reweighted.fewer_than_two_scored);
    assert_close(w.reweighted.final_score, 75.0);
    assert_eq!(w.reported.weights, [70, 0, 0, 30]);
    assert_close(w.reported.final_score, 30.0);
    assert_eq!(w.break_even, None);
    assert_eq!(w.winner, Choice::Reweight);
}

/// The fewer-than-two rule (42 CFR 414.1380(c) [ECFR-414.1380-2017] [ECFR-414.1380-2020]): a clinician
/// scored in only one category gets the performance threshold, whatever that score is.
#[test]
fn fewer_than_two_scored_categories_get_the_threshold() {
    let want = [3.0, 15.0, 30.0, 45.0, 60.0, 75.0, 75.0, 75.0, 75.0, 75.0];
    for (year, pt) in (2017..=2026).zip(want) {
        for s in [
            cats(Some(100.0), None, None, None),
            cats(None, None, Some(0.0), None),
            cats(None, None, None, None),
        ] {
            let r = score_of(year, s, false, false);
            assert!(r.fewer_than_two_scored, "PY {year}");
            assert_close(r.final_score, pt);
            assert_eq!(r.adjustment.band, Band::Neutral);
            assert!(r.warnings.has(Warning::FewerThanTwoCategoriesScored));
        }
        // PI reweighted and only quality left: also the threshold.
        let r = score_of(year, cats(Some(10.0), None, None, Some(100.0)), true, false);
        assert!(r.fewer_than_two_scored);
        assert_close(r.final_score, pt);
    }
    // PY 2017 uses the rule without a confirmed origin (CY 2017 rule not read): flagged UNCONFIRMED.
    let r = score_of(2017, cats(Some(100.0), None, None, None), false, false);
    assert!(r.warnings.has(Warning::UnconfirmedRule));
}

/// CMS Submissions API scoring examples [QPP-SUBDOCS] (CMS's own engine output).
#[test]
fn cms_submissions_api_examples() {
    // Engine 18.6.0, PY 2024 guide, small practice with PI and cost not scored: weights 50/0/50/0; quality
    // 18.946 % (incl. the 6 small-practice bonus points) and IA 0 → 9.473.
    for year in 2022..=2026 {
        let r = score_of(year, cats(Some(18.946), None, Some(0.0), None), false, true);
        assert_eq!(r.weights, [50, 0, 50, 0], "PY {year}");
        assert_close(r.final_score, 9.473);
        // The same with PI marked reweighted and a PI score present: the score is ignored, with a warning.
        let r = score_of(
            year,
            cats(Some(18.946), None, Some(0.0), Some(64.0)),
            true,
            true,
        );
        assert_close(r.final_score, 9.473);
        assert!(r.warnings.has(Warning::PiScoreIgnoredReweighted));
    }
    // Engine 0.75.0, PY 2017 weights 60/0/15/25: quality 34.9308 % → 20.9585; PI 64 % → 16.
    let r = score_of(
        2017,
        cats(Some(34.9308), None, Some(0.0), Some(64.0)),
        false,
        false,
    );
    assert_eq!(r.weights, [60, 0, 15, 25]);
    assert_close(r.contributions[0], 0.6 * 34.9308);
    assert_eq!(format!("{:.4}", r.contributions[0]), "20.9585");
    assert_close(r.contributions[3], 16.0);
    // Engine 0.45.0: IA 40 of 40 points (100 %) → 15; 20 of 40 (50 %) → 7.5.
    let r = score_of(
        2017,
        cats(Some(0.0), None, Some(100.0), Some(0.0)),
        false,
        false,
    );
    assert_close(r.contributions[2], 15.0);
    assert_close(r.final_score, 15.0);
    let r = score_of(
        2017,
        cats(Some(0.0), None, Some(50.0), Some(0.0)),
        false,
        false,
    );
    assert_close(r.final_score, 7.5);
    // Engine 13.3.0, weights 45/15/15/25 (PY 2019–2020): quality 9.7888 % → 4.405.
    for year in [2019, 2020] {
        let r = score_of(
            year,
            cats(Some(9.7888), Some(0.0), Some(0.0), Some(0.0)),
            false,
            false,
        );
        assert_eq!(format!("{:.3}", r.contributions[0]), "4.405");
    }
}

/// Bonuses: PY 2018 small-practice bonus of 5 final-score points [AAFP-FPM-2018] [ECFR-414.1380-2017];
/// complex patient bonus capped at 5 (PY 2018–2019) and 10 (PY 2020 on) [ECFR-414.1380-2023].
#[test]
fn bonuses_are_added_and_capped() {
    let s = cats(Some(50.0), Some(50.0), Some(50.0), Some(50.0));
    assert_close(score_of(2018, s, false, true).final_score, 55.0);
    assert_close(score_of(2018, s, false, false).final_score, 50.0);
    // From PY 2019 the bonus sits inside the Quality score CMS reports: nothing added here.
    for year in 2019..=2026 {
        assert_close(score_of(year, s, false, true).final_score, 50.0);
    }
    for (year, cap) in [
        (2018, 5.0),
        (2019, 5.0),
        (2020, 10.0),
        (2021, 10.0),
        (2024, 10.0),
    ] {
        let r = score(
            rules(year),
            &ScoreInput {
                scores: s,
                pi_reweighted: false,
                small_practice: false,
                complex_patient_bonus: 12.0,
            },
        );
        assert_close(r.bonus_points, cap);
        assert_close(r.final_score, 50.0 + cap);
        assert!(
            r.warnings.has(Warning::ComplexPatientBonusCapped),
            "PY {year}"
        );
    }
    // Capped at 100.
    let all = cats(Some(100.0), Some(100.0), Some(100.0), Some(100.0));
    let r = score(
        rules(2020),
        &ScoreInput {
            scores: all,
            pi_reweighted: false,
            small_practice: false,
            complex_patient_bonus: 10.0,
        },
    );
    assert_close(r.final_score, 100.0);
}

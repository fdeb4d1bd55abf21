#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The regulation's tables per year as data, hard-coded here and compared with what `RuleBook::embedded()`
//! holds and with what `score` applies.
//!
//! Weights: 42 CFR 414.1380(c)(2)(ii) tables (A)–(G), keyed by payment year = PY + 2
//! [ECFR-414.1380-2020] (tables A–F) [ECFR-414.1380-2023] (tables F and G from payment year 2024), base
//! weights [AYE-414.1330] [LAWSTACK-414.1330]. Thresholds and applicable percents: 42 CFR 414.1405(b)–(c)
//! [ECFR-414.1405-2019] [AYE-414.1405], later years RULEBOOK §6.2.

use super::{assert_close, cats, rules, score_of};
use Category::{Cost, Ia, Pi, Quality};
use hardship_rules::ruleset::BonusPlacement;
use hardship_rules::scoring::CategoryScores;
use hardship_rules::{Category, CategorySet};

/// (reweighted categories, Q/C/IA/PI).
type Row = (&'static [Category], [u8; 4]);

/// Table (A), payment year 2019 (PY 2017): cost carries no weight, so only single removals leave two.
const T2017: &[Row] = &[
    (&[Pi], [85, 0, 15, 0]),
    (&[Quality], [0, 0, 50, 50]),
    (&[Ia], [75, 0, 0, 25]),
];

/// Table (B), payment year 2020 (PY 2018). PI + Quality is 0/10/90/0 (the rule book's 0/50/50 is refuted).
const T2018: &[Row] = &[
    (&[Cost], [60, 0, 15, 25]),
    (&[Pi], [75, 10, 15, 0]),
    (&[Quality], [0, 10, 45, 45]),
    (&[Ia], [65, 10, 0, 25]),
    (&[Cost, Pi], [85, 0, 15, 0]),
    (&[Quality, Pi], [0, 10, 90, 0]),
    (&[Ia, Pi], [90, 10, 0, 0]),
    (&[Quality, Cost], [0, 0, 50, 50]),
    (&[Cost, Ia], [75, 0, 0, 25]),
    (&[Quality, Ia], [0, 10, 0, 90]),
];

/// Table (C), payment year 2021 (PY 2019). PI + Quality is 0/15/85/0.
const T2019: &[Row] = &[
    (&[Cost], [60, 0, 15, 25]),
    (&[Pi], [70, 15, 15, 0]),
    (&[Quality], [0, 15, 40, 45]),
    (&[Ia], [60, 15, 0, 25]),
    (&[Cost, Pi], [85, 0, 15, 0]),
    (&[Quality, Pi], [0, 15, 85, 0]),
    (&[Ia, Pi], [85, 15, 0, 0]),
    (&[Quality, Cost], [0, 0, 50, 50]),
    (&[Cost, Ia], [75, 0, 0, 25]),
    (&[Quality, Ia], [0, 15, 0, 85]),
];

/// Table (D), payment year 2022 (PY 2020) — differs from PY 2019 [NWAHEC-2020].
const T2020: &[Row] = &[
    (&[Cost], [55, 0, 15, 30]),
    (&[Pi], [70, 15, 15, 0]),
    (&[Quality], [0, 15, 15, 70]),
    (&[Ia], [60, 15, 0, 25]),
    (&[Cost, Pi], [85, 0, 15, 0]),
    (&[Quality, Pi], [0, 50, 50, 0]),
    (&[Ia, Pi], [85, 15, 0, 0]),
    (&[Quality, Cost], [0, 0, 15, 85]),
    (&[Cost, Ia], [70, 0, 0, 30]),
    (&[Quality, Ia], [0, 15, 0, 85]),
];

/// Table (E) ("Table 6"), payment year 2023 (PY 2021).
const T2021: &[Row] = &[
    (&[Cost], [55, 0, 15, 30]),
    (&[Pi], [65, 20, 15, 0]),
    (&[Quality], [0, 20, 15, 65]),
    (&[Ia], [55, 20, 0, 25]),
    (&[Cost, Pi], [85, 0, 15, 0]),
    (&[Quality, Pi], [0, 50, 50, 0]),
    (&[Ia, Pi], [80, 20, 0, 0]),
    (&[Quality, Cost], [0, 0, 15, 85]),
    (&[Cost, Ia], [70, 0, 0, 30]),
    (&[Quality, Ia], [0, 20, 0, 80]),
];

/// Table (F), from payment year 2024 (PY 2022 on), practices that are not small.
const T2022_NOT_SMALL: &[Row] = &[
    (&[Cost], [55, 0, 15, 30]),
    (&[Pi], [55, 30, 15, 0]),
    (&[Quality], [0, 30, 15, 55]),
    (&[Ia], [45, 30, 0, 25]),
    (&[Cost, Pi], [85, 0, 15, 0]),
    (&[Quality, Pi], [0, 50, 50, 0]),
    (&[Ia, Pi], [70, 30, 0, 0]),
    (&[Quality, Cost], [0, 0, 15, 85]),
    (&[Cost, Ia], [70, 0, 0, 30]),
    (&[Quality, Ia], [0, 30, 0, 70]),
];

/// Table (G), small practices from payment year 2024 (PY 2022 on) [EYEF-SP] [QPP-SUBDOCS].
const T2022_SMALL: &[Row] = &[
    (&[Cost], [55, 0, 15, 30]),
    (&[Pi], [40, 30, 30, 0]),
    (&[Quality], [0, 30, 15, 55]),
    (&[Ia], [45, 30, 0, 25]),
    (&[Cost, Pi], [50, 0, 50, 0]),
    (&[Quality, Pi], [0, 50, 50, 0]),
    (&[Ia, Pi], [70, 30, 0, 0]),
    (&[Quality, Cost], [0, 0, 15, 85]),
    (&[Cost, Ia], [70, 0, 0, 30]),
    (&[Quality, Ia], [0, 30, 0, 70]),
];

/// Base weights per year (RULEBOOK §5.1) and the (not small, small) redistribution tables.
fn expected(year: u16) -> ([u8; 4], &'static [Row], &'static [Row]) {
    match year {
        2017 => ([60, 0, 15, 25], T2017, T2017),
        2018 => ([50, 10, 15, 25], T2018, T2018),
        2019 => ([45, 15, 15, 25], T2019, T2019),
        2020 => ([45, 15, 15, 25], T2020, T2020),
        2021 => ([40, 20, 15, 25], T2021, T2021),
        2022..=2026 => ([30, 30, 15, 25], T2022_NOT_SMALL, T2022_SMALL),
        _ => panic!("no table for {year}"),
    }
}

/// Every category scored 50 % except the not-scored ones.
fn fifty_except(not_scored: CategorySet) -> CategoryScores {
    let v = |c| (!not_scored.contains(c)).then_some(50.0);
    cats(v(Quality), v(Cost), v(Ia), v(Pi))
}

#[test]
fn base_weights_per_year_aye_414_1330_lawstack_414_1330() {
    for year in 2017..=2026 {
        let (base, _, _) = expected(year);
        let set = rules(year);
        assert_eq!(set.base_weights.weights().as_array(), base, "PY {year}");
        assert!(!set.base_weights.sources.is_empty());
        // And `score` applies them when everything is scored.
        let r = score_of(year, fifty_except(CategorySet::EMPTY), false, false);
        assert_eq!(r.weights, base, "PY {year}");
        assert!(r.reweighted.is_empty());
    }
    assert_eq!(rules(2017).pi_category_name, "Advancing Care Information");
    for year in 2018..=2026 {
        assert_eq!(rules(year).pi_category_name, "Promoting Interoperability");
    }
}

/// Every row of tables (A)–(G) [ECFR-414.1380-2020] [ECFR-414.1380-2023], for both practice sizes, in the
/// rule book and as applied by `score`; every combination that leaves fewer than two scored categories has
/// no row and scores the threshold instead.
#[test]
fn redistribution_tables_ecfr_414_1380_c_2_ii_cell_by_cell() {
    let mut checked = 0;
    for year in 2017..=2026 {
        let (base, not_small, small_table) = expected(year);
        let set = rules(year);
        let active = CategorySet::of(
            &Category::ALL
                .iter()
                .copied()
                .filter(|&c| base[c.index()] > 0)
                .collect::<Vec<_>>(),
        );
        for small in [false, true] {
            let table = if small { small_table } else { not_small };
            let mut used = 0;
            for subset in active.subsets().filter(|s| !s.is_empty()) {
                let remaining = active.len() - subset.len();
                let row = set.redistribution_for(subset, small);
                let r = score_of(year, fifty_except(subset), false, small);
                if remaining < 2 {
                    assert!(row.is_none(), "PY {year} {} has a row", subset.describe());
                    assert!(r.fewer_than_two_scored);
                    assert_close(r.final_score, set.adjustment.performance_threshold.value);
                    continue;
                }
                let want = table
                    .iter()
                    .find(|(c, _)| CategorySet::of(c) == subset)
                    .unwrap_or_else(|| panic!("test table lacks PY {year} {}", subset.describe()))
                    .1;
                used += 1;
                let row = row.unwrap_or_else(|| {
                    panic!("PY {year} {} small={small}: no row", subset.describe())
                });
                assert_eq!(
                    row.weights.as_array(),
                    want,
                    "PY {year} {} small={small}",
                    subset.describe()
                );
                assert!(!row.sources.is_empty(), "PY {year} row without sources");
                assert_eq!(r.weights, want, "score(): PY {year} {}", subset.describe());
                assert_eq!(r.reweighted, subset);
                let bonus = if year == 2018 && small { 5.0 } else { 0.0 };
                assert_close(r.final_score, 50.0 + bonus);
                // Reweighting PI through the eligibility flag gives the same row as leaving PI unscored.
                if subset.contains(Pi) {
                    let mut s = fifty_except(subset);
                    s.pi = Some(90.0);
                    assert_eq!(score_of(year, s, true, small).weights, want);
                }
                checked += 1;
            }
            assert_eq!(used, table.len(), "PY {year}: unused test rows");
        }
    }
    assert_eq!(checked, 2 * (3 + 10 * 9));
}

/// PY 2017–2021 rows hold for any practice size; only PY 2022+ PI and PI + Cost differ for small
/// practices (tables (F) vs (G)) [ECFR-414.1380-2023].
#[test]
fn small_practice_rows_differ_only_where_table_g_differs() {
    for year in 2022..=2026 {
        let set = rules(year);
        let mut differing = Vec::new();
        for (cats, _) in T2022_NOT_SMALL {
            let s = CategorySet::of(cats);
            let a = set.redistribution_for(s, false).unwrap().weights;
            let b = set.redistribution_for(s, true).unwrap().weights;
            if a != b {
                differing.push(s.describe());
            }
        }
        assert_eq!(differing, ["pi", "cost+pi"], "PY {year}");
    }
}

/// 42 CFR 414.1405(b)(4)–(8), (c) [ECFR-414.1405-2019]: PT 3/15/30/45/60; additional PT 70/70/75/85/85;
/// applicable percent 4/5/7/9/9. PY 2022: 75, 89 [NEWSCLIMB-2022] [HSAG-2021]; PY 2023–2026: 75, no
/// exceptional threshold [MDI-2023FR] [AAFP] [BIOINS-2024] [PROACTIVE-2025] [PATIENT360-2026].
/// Floor ¼ of PT and scaling ≤ 3 [AYE-414.1405]; exceptional bonus ≤ 10 % PY 2017–2022.
#[test]
fn thresholds_and_adjustments_per_year_ecfr_414_1405() {
    type Want = (u16, f64, Option<f64>, f64, Option<f64>);
    let want: [Want; 10] = [
        (2017, 3.0, Some(70.0), 4.0, Some(10.0)),
        (2018, 15.0, Some(70.0), 5.0, Some(10.0)),
        (2019, 30.0, Some(75.0), 7.0, Some(10.0)),
        (2020, 45.0, Some(85.0), 9.0, Some(10.0)),
        (2021, 60.0, Some(85.0), 9.0, Some(10.0)),
        (2022, 75.0, Some(89.0), 9.0, Some(10.0)),
        (2023, 75.0, None, 9.0, None),
        (2024, 75.0, None, 9.0, None),
        (2025, 75.0, None, 9.0, None),
        (2026, 75.0, None, 9.0, None),
    ];
    for (year, pt, ex, max, ex_bonus) in want {
        let a = &rules(year).adjustment;
        assert_eq!(a.performance_threshold.value, pt, "PY {year}");
        assert_eq!(a.exceptional_threshold.value, ex, "PY {year}");
        assert_eq!(a.max_negative_percent.value, max, "PY {year}");
        assert_eq!(a.exceptional_bonus_max_percent.value, ex_bonus, "PY {year}");
        assert_eq!(a.negative_floor_fraction.value, 0.25, "PY {year}");
        assert_eq!(a.positive_scaling_max.value, 3.0, "PY {year}");
        assert!(
            a.negative_floor_fraction
                .sources
                .iter()
                .any(|s| s == "AYE-414.1405")
        );
        // And `adjust` uses them: full negative at ¼ PT, neutral at PT.
        let r = score_of(
            year,
            cats(Some(0.0), Some(0.0), Some(0.0), Some(0.0)),
            false,
            false,
        );
        assert_eq!(r.adjustment.negative_percent, Some(-max), "PY {year}");
        assert_eq!(r.adjustment.payment_year, year + 2);
    }
}

/// Small-practice bonus: none 2017, +5 final-score points 2018 [ECFR-414.1380-2017], 6 points inside Quality
/// from 2019 [ECFR-414.1380-2020] (b)(1)(v)(C). Complex patient bonus cap: 5 (PY 2018–2019), 10 (PY 2020–2021,
/// doubled) and 10 from PY 2022 [ECFR-414.1380-2023] (c)(3)(iv),(v).
#[test]
fn bonuses_per_year_ecfr_414_1380() {
    let sp = &rules(2017).small_practice_bonus;
    assert_eq!(sp.placement, BonusPlacement::None);
    assert_eq!(rules(2017).complex_patient_bonus_max.value, 0.0);
    let sp = &rules(2018).small_practice_bonus;
    assert_eq!((sp.placement, sp.points), (BonusPlacement::FinalScore, 5.0));
    for year in 2019..=2026 {
        let sp = &rules(year).small_practice_bonus;
        assert_eq!(
            (sp.placement, sp.points),
            (BonusPlacement::QualityCategory, 6.0),
            "PY {year}"
        );
    }
    for (year, cap) in [
        (2018, 5.0),
        (2019, 5.0),
        (2020, 10.0),
        (2021, 10.0),
        (2022, 10.0),
        (2023, 10.0),
        (2024, 10.0),
        (2025, 10.0),
        (2026, 10.0),
    ] {
        assert_eq!(
            rules(year).complex_patient_bonus_max.value,
            cap,
            "PY {year}"
        );
        assert!(rules(year).complex_patient_bonus_max.confirmed, "PY {year}");
    }
}

/// Fewer than two scored → threshold, in every year (42 CFR 414.1380(c) [ECFR-414.1380-2017]); small practice
/// is 15 or fewer clinicians every year [AAFP-FPM-2018] [ECFR-414.1305-2020]; automatic from PY 2022
/// [ECFR-414.1380-2023] (c)(2)(i)(C)(9); record retention 6 years, 10 recommended [MDI-DVA] [PBN-DVA].
#[test]
fn fixed_rules_per_year() {
    for year in 2017..=2026 {
        let set = rules(year);
        assert!(set.fewer_than_two_scored.final_score_equals_threshold);
        assert!(set.pi_submission_voids_reweighting.applies, "PY {year}");
        assert!(set.group_scored_as_group.applies);
        assert_eq!(set.small_practice.max_clinicians, 15);
        assert_eq!(
            set.small_practice.automatic_pi_reweighting,
            year >= 2022,
            "PY {year}"
        );
        assert_eq!(set.virtual_groups.allowed, year >= 2018, "PY {year}");
        assert_eq!(
            (
                set.retention.regulatory_years,
                set.retention.recommended_years
            ),
            (6, 10)
        );
    }
}

/// Group tests: hospital-based > 75 % from PY 2020 (payment year 2022 definition in 414.1305
/// [ECFR-414.1305-2020]), all members before; NPF > 75 % every year; no ASC-based group definition; the
/// members test on mixed grounds (414.1380(c)(2)(iii) [ECFR-414.1380-2018], confirmed from PY 2019, the
/// first year the regulation states it).
#[test]
fn group_tests_per_year_ecfr_414_1305_and_414_1380() {
    for year in 2017..=2027 {
        let g = &rules(year).group_tests;
        let hb = (g.hospital_based.share, g.hospital_based.inclusive);
        if year >= 2020 {
            assert_eq!(hb, (0.75, false), "PY {year}");
        } else {
            assert_eq!(hb, (1.0, true), "PY {year}");
        }
        assert_eq!(
            (g.non_patient_facing.share, g.non_patient_facing.inclusive),
            (0.75, false)
        );
        assert!(
            g.for_status(hardship_rules::SpecialStatus::AscBased)
                .is_none()
        );
        assert!(g.all_members.mixed_grounds);
        assert_eq!(
            g.all_members.confirmed,
            (2019..=2026).contains(&year),
            "PY {year}"
        );
    }
}

/// Hardship reasons accepted per year: small practice only 2018–2021 [ECFR-414.1380-2023] (c)(2)(i)(C)(9);
/// decertified EHR from 2018 [QSOURCE-2018] [ACUMEN-2018]; the other three every year (RULEBOOK §1).
#[test]
fn hardship_reasons_accepted_per_year() {
    use hardship_rules::HardshipReason as R;
    for year in 2017..=2026 {
        let set = rules(year);
        let accepted = |r| set.reason_rule(r).unwrap().accepted;
        assert_eq!(
            accepted(R::SmallPractice),
            (2018..=2021).contains(&year),
            "PY {year}"
        );
        assert_eq!(accepted(R::DecertifiedEhr), year >= 2018, "PY {year}");
        assert!(accepted(R::InsufficientInternet));
        assert!(accepted(R::ExtremeUncontrollable));
        assert!(accepted(R::LackOfControlCehrt));
    }
}

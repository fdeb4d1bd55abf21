#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties that must hold in every year and every combination, and the regulation tables cell by cell.

use hardship_rules::eligibility::{
    self, Application, Basis, Case, ClinicianFacts, GroupMembers, Subject,
};
use hardship_rules::scoring::{CategoryScores, ScoreInput, score};
use hardship_rules::{
    ApplicationStatus, Category, CategorySet, ClinicianType, HardshipReason, PerformanceYear,
    ReportingLevel, RuleBook,
};
use proptest::prelude::*;

fn book() -> &'static RuleBook {
    RuleBook::embedded().unwrap()
}

fn year() -> impl Strategy<Value = PerformanceYear> {
    (2017u16..=2026).prop_map(|y| PerformanceYear::new(y).unwrap())
}

fn opt_score() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![Just(None), (0.0f64..=100.0).prop_map(Some)]
}

fn clinician() -> impl Strategy<Value = ClinicianFacts> {
    (
        0..ClinicianType::ALL.len(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, h, n, a)| ClinicianFacts {
            clinician_type: ClinicianType::ALL[t],
            hospital_based: h,
            non_patient_facing: n,
            asc_based: a,
        })
}

#[test]
fn weights_sum_to_100_for_every_year_combination_and_size() {
    for set in book().years() {
        let active = set.base_weights.weights().active();
        for subset in CategorySet::of(Category::ALL).subsets() {
            let reweighted = CategorySet::of(
                &subset
                    .iter()
                    .filter(|c| active.contains(*c))
                    .collect::<Vec<_>>(),
            );
            if active.len() - reweighted.len() < 2 || reweighted.is_empty() {
                continue;
            }
            for small in [false, true] {
                let row = set
                    .redistribution_for(reweighted, small)
                    .unwrap_or_else(|| panic!("{} {}", set.year, reweighted.describe()));
                assert_eq!(
                    row.weights.sum(),
                    100,
                    "{} {}",
                    set.year,
                    reweighted.describe()
                );
                for c in reweighted.iter() {
                    assert_eq!(row.weights.get(c), 0);
                }
            }
        }
    }
}

/// 42 CFR 414.1380(c)(2)(ii) tables (A)–(G), keyed by payment year = PY + 2, as read in the eCFR copies
/// [ECFR-414.1380-2020] [ECFR-414.1380-2023]: (reweighted, small practice) → Q/C/IA/PI.
#[test]
fn redistribution_tables_match_the_regulation_cell_by_cell() {
    use Category::*;
    type Row = (&'static [Category], bool, [u8; 4]);
    let t2018: &[Row] = &[
        (&[Cost], false, [60, 0, 15, 25]),
        (&[Pi], false, [75, 10, 15, 0]),
        (&[Quality], false, [0, 10, 45, 45]),
        (&[Ia], false, [65, 10, 0, 25]),
        (&[Cost, Pi], false, [85, 0, 15, 0]),
        (&[Quality, Pi], false, [0, 10, 90, 0]),
        (&[Ia, Pi], false, [90, 10, 0, 0]),
        (&[Quality, Cost], false, [0, 0, 50, 50]),
        (&[Cost, Ia], false, [75, 0, 0, 25]),
        (&[Quality, Ia], false, [0, 10, 0, 90]),
    ];
    let t2019: &[Row] = &[
        (&[Cost], false, [60, 0, 15, 25]),
        (&[Pi], false, [70, 15, 15, 0]),
        (&[Quality], false, [0, 15, 40, 45]),
        (&[Ia], false, [60, 15, 0, 25]),
        (&[Cost, Pi], false, [85, 0, 15, 0]),
        (&[Quality, Pi], false, [0, 15, 85, 0]),
        (&[Ia, Pi], false, [85, 15, 0, 0]),
        (&[Quality, Cost], false, [0, 0, 50, 50]),
        (&[Cost, Ia], false, [75, 0, 0, 25]),
        (&[Quality, Ia], false, [0, 15, 0, 85]),
    ];
    let t2020: &[Row] = &[
        (&[Cost], false, [55, 0, 15, 30]),
        (&[Pi], false, [70, 15, 15, 0]),
        (&[Quality], false, [0, 15, 15, 70]),
        (&[Ia], false, [60, 15, 0, 25]),
        (&[Cost, Pi], false, [85, 0, 15, 0]),
        (&[Quality, Pi], false, [0, 50, 50, 0]),
        (&[Ia, Pi], false, [85, 15, 0, 0]),
        (&[Quality, Cost], false, [0, 0, 15, 85]),
        (&[Cost, Ia], false, [70, 0, 0, 30]),
        (&[Quality, Ia], false, [0, 15, 0, 85]),
    ];
    let t2021: &[Row] = &[
        (&[Cost], false, [55, 0, 15, 30]),
        (&[Pi], false, [65, 20, 15, 0]),
        (&[Quality], false, [0, 20, 15, 65]),
        (&[Ia], false, [55, 20, 0, 25]),
        (&[Cost, Pi], false, [85, 0, 15, 0]),
        (&[Quality, Pi], false, [0, 50, 50, 0]),
        (&[Ia, Pi], false, [80, 20, 0, 0]),
        (&[Quality, Cost], false, [0, 0, 15, 85]),
        (&[Cost, Ia], false, [70, 0, 0, 30]),
        (&[Quality, Ia], false, [0, 20, 0, 80]),
    ];
    let t2022: &[Row] = &[
        (&[Cost], false, [55, 0, 15, 30]),
        (&[Pi], false, [55, 30, 15, 0]),
        (&[Pi], true, [40, 30, 30, 0]),
        (&[Quality], false, [0, 30, 15, 55]),
        (&[Ia], false, [45, 30, 0, 25]),
        (&[Cost, Pi], false, [85, 0, 15, 0]),
        (&[Cost, Pi], true, [50, 0, 50, 0]),
        (&[Quality, Pi], true, [0, 50, 50, 0]),
        (&[Ia, Pi], true, [70, 30, 0, 0]),
        (&[Quality, Cost], true, [0, 0, 15, 85]),
        (&[Cost, Ia], false, [70, 0, 0, 30]),
        (&[Quality, Ia], false, [0, 30, 0, 70]),
    ];
    let t2017: &[Row] = &[
        (&[Pi], false, [85, 0, 15, 0]),
        (&[Quality], false, [0, 0, 50, 50]),
        (&[Ia], false, [75, 0, 0, 25]),
    ];
    let mut checked = 0;
    for (years, table) in [
        (2017..=2017, t2017),
        (2018..=2018, t2018),
        (2019..=2019, t2019),
        (2020..=2020, t2020),
        (2021..=2021, t2021),
        (2022..=2026, t2022),
    ] {
        for y in years {
            let set = book().year(PerformanceYear::new(y).unwrap());
            for (cats, small, want) in table {
                let row = set
                    .redistribution_for(CategorySet::of(cats), *small)
                    .unwrap();
                assert_eq!(
                    row.weights.as_array(),
                    *want,
                    "PY {y} {:?} small={small}",
                    cats
                );
                assert!(!row.sources.is_empty());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 + 10 * 4 + 12 * 5);
}

/// 42 CFR 414.1405(b)(4)–(8) and (c) [ECFR-414.1405-2019], later years per RULEBOOK §6.2.
#[test]
fn thresholds_and_maximum_adjustments_per_year() {
    let want: [(u16, f64, Option<f64>, f64); 10] = [
        (2017, 3.0, Some(70.0), 4.0),
        (2018, 15.0, Some(70.0), 5.0),
        (2019, 30.0, Some(75.0), 7.0),
        (2020, 45.0, Some(85.0), 9.0),
        (2021, 60.0, Some(85.0), 9.0),
        (2022, 75.0, Some(89.0), 9.0),
        (2023, 75.0, None, 9.0),
        (2024, 75.0, None, 9.0),
        (2025, 75.0, None, 9.0),
        (2026, 75.0, None, 9.0),
    ];
    for (y, pt, ex, max) in want {
        let a = &book().year(PerformanceYear::new(y).unwrap()).adjustment;
        assert_eq!(a.performance_threshold.value, pt, "{y}");
        assert_eq!(a.exceptional_threshold.value, ex, "{y}");
        assert_eq!(a.max_negative_percent.value, max, "{y}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn final_score_stays_within_0_and_100(y in year(), q in opt_score(), c in opt_score(), ia in opt_score(), pi in opt_score(),
                                          small in any::<bool>(), rew in any::<bool>(), bonus in 0.0f64..50.0) {
        let r = score(book().year(y), &ScoreInput { scores: CategoryScores { quality: q, cost: c, ia, pi }, pi_reweighted: rew, small_practice: small, complex_patient_bonus: bonus });
        prop_assert!((0.0..=100.0).contains(&r.final_score), "{}", r.final_score);
        prop_assert!(r.fewer_than_two_scored || r.weights.iter().map(|&w| u32::from(w)).sum::<u32>() == 100);
    }

    #[test]
    fn a_higher_category_score_never_lowers_the_final_score(y in year(), q in opt_score(), c in opt_score(), ia in opt_score(), pi in opt_score(),
                                                            small in any::<bool>(), which in 0usize..4, raise in 0.0f64..=100.0) {
        let base = CategoryScores { quality: q, cost: c, ia, pi };
        let mut higher = base;
        let slot = match which { 0 => &mut higher.quality, 1 => &mut higher.cost, 2 => &mut higher.ia, _ => &mut higher.pi };
        // Only a scored category can be raised; an unscored one stays unscored.
        if let Some(v) = slot.as_mut() { *v = (*v + raise).min(100.0); }
        let rules = book().year(y);
        let input = |s| ScoreInput { scores: s, pi_reweighted: false, small_practice: small, complex_patient_bonus: 0.0 };
        let (lo, hi) = (score(rules, &input(base)).final_score, score(rules, &input(higher)).final_score);
        prop_assert!(hi + 1e-9 >= lo, "{lo} -> {hi}");
    }

    #[test]
    fn submitting_pi_voids_every_reweighting_in_every_year(y in year(), c in clinician(), size in 1u32..40,
                                                           reason in 0..HardshipReason::ALL.len(), apply in any::<bool>()) {
        let rules = book().year(y);
        let application = apply.then(|| Application { reason: HardshipReason::ALL[reason], status: ApplicationStatus::Approved });
        let case = Case { year: y, level: ReportingLevel::Individual, subject: Subject::Clinician(c), practice_size: Some(size), application, pi_submitted: false };
        let quiet = eligibility::decide(rules, &case);
        let loud = eligibility::decide(rules, &Case { pi_submitted: true, ..case });
        prop_assert!(!loud.reweighted);
        if quiet.reweighted {
            prop_assert_eq!(loud.basis, Basis::VoidedByPiSubmission);
            prop_assert_eq!(loud.voided_basis, Some(quiet.basis));
        } else {
            prop_assert_eq!(loud.basis, quiet.basis);
        }
    }

    #[test]
    fn a_group_is_never_reweighted_by_status_unless_it_meets_the_group_test(y in year(), members in proptest::collection::vec(clinician(), 16..40)) {
        // 16 or more members: no small-practice path, so only the group tests can reweight it.
        let rules = book().year(y);
        let g = GroupMembers::from_members(&members);
        let d = eligibility::decide(rules, &Case { year: y, level: ReportingLevel::Group, subject: Subject::Entity(g), practice_size: None, application: None, pi_submitted: false });
        if let Basis::SpecialStatus(s) = d.basis {
            prop_assert!(rules.group_tests.for_status(s).passes(g.with_status(s), g.count));
        }
        if d.reweighted {
            prop_assert!(matches!(d.basis, Basis::SpecialStatus(_) | Basis::ClinicianType(_)));
        }
    }
}

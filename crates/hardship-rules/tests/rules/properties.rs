#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties that must hold in every year and every combination (proptest and exhaustive loops).

use super::{book, py};
use hardship_rules::cites::{Cites, Warning};
use hardship_rules::eligibility::{
    self, Application, Basis, Case, ClinicianFacts, GroupMembers, Subject,
};
use hardship_rules::scoring::{Band, CategoryScores, ScoreInput, adjust, score};
use hardship_rules::whatif::what_if;
use hardship_rules::{
    ApplicationStatus, Category, CategorySet, ClinicianType, HardshipReason, PerformanceYear,
    PiSubmission, ReportingLevel, SpecialStatus,
};
use proptest::prelude::*;

fn year() -> impl Strategy<Value = PerformanceYear> {
    (2017u16..=2027).prop_map(py)
}

fn opt_score() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(0.0)),
        Just(Some(100.0)),
        (0.0f64..=100.0).prop_map(Some)
    ]
}

fn scores() -> impl Strategy<Value = CategoryScores> {
    (opt_score(), opt_score(), opt_score(), opt_score()).prop_map(|(quality, cost, ia, pi)| {
        CategoryScores {
            quality,
            cost,
            ia,
            pi,
        }
    })
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

/// A subject before a year's rules summarise a group's members.
#[derive(Clone, Debug)]
enum RawSubject {
    Clinician(ClinicianFacts),
    Members(Vec<ClinicianFacts>),
}

impl RawSubject {
    fn build(&self, rules: &hardship_rules::RuleSet) -> Subject {
        match self {
            RawSubject::Clinician(c) => Subject::Clinician(*c),
            RawSubject::Members(m) => Subject::Entity(GroupMembers::from_members(rules, m)),
        }
    }
}

fn subject() -> impl Strategy<Value = (ReportingLevel, RawSubject)> {
    prop_oneof![
        (
            clinician(),
            prop_oneof![
                Just(ReportingLevel::Individual),
                Just(ReportingLevel::ApmEntity)
            ]
        )
            .prop_map(|(c, l)| (l, RawSubject::Clinician(c))),
        (
            proptest::collection::vec(clinician(), 1..30),
            prop_oneof![
                Just(ReportingLevel::Group),
                Just(ReportingLevel::VirtualGroup)
            ]
        )
            .prop_map(|(m, l)| (l, RawSubject::Members(m))),
    ]
}

fn application() -> impl Strategy<Value = Option<Application>> {
    prop_oneof![
        Just(None),
        (
            0..HardshipReason::ALL.len(),
            0..ApplicationStatus::ALL.len()
        )
            .prop_map(|(r, s)| Some(Application {
                reason: HardshipReason::ALL[r],
                status: ApplicationStatus::ALL[s],
            })),
    ]
}

/// Weights sum to 100 for every year × every subset of not-scored categories × small flag whenever at least
/// two categories remain; otherwise the final score is the threshold (42 CFR 414.1380(c)
/// [ECFR-414.1380-2020]). Checked through `score`, exhaustively.
#[test]
fn weights_sum_to_100_for_every_year_subset_and_size() {
    for set in book().years() {
        let active = set.base_weights.weights().active();
        for not_scored in CategorySet::of(Category::ALL).subsets() {
            for small in [false, true] {
                for pi_reweighted in [false, true] {
                    let v = |c| (!not_scored.contains(c)).then_some(70.0);
                    let input = ScoreInput {
                        scores: CategoryScores {
                            quality: v(Category::Quality),
                            cost: v(Category::Cost),
                            ia: v(Category::Ia),
                            pi: v(Category::Pi),
                        },
                        pi_reweighted,
                        small_practice: small,
                        complex_patient_bonus: 0.0,
                    };
                    let r = score(set, &input);
                    let mut gone = not_scored;
                    if pi_reweighted {
                        gone = gone.with(Category::Pi);
                    }
                    let remaining = active.iter().filter(|&c| !gone.contains(c)).count();
                    let what = format!(
                        "PY {} not scored {} small={small}",
                        set.year,
                        gone.describe()
                    );
                    if remaining < 2 {
                        assert!(r.fewer_than_two_scored, "{what}");
                        assert_eq!(r.final_score, set.adjustment.performance_threshold.value);
                        continue;
                    }
                    let sum: u32 = r.weights.iter().map(|&w| u32::from(w)).sum();
                    assert_eq!(sum, 100, "{what}");
                    for c in gone.iter() {
                        assert_eq!(r.weights[c.index()], 0, "{what}: {c} keeps weight");
                    }
                    let bonus = if set.year == 2018 && small { 5.0 } else { 0.0 };
                    assert!(
                        (r.final_score - 70.0 - bonus).abs() < 1e-9,
                        "{what}: {}",
                        r.final_score
                    );
                }
            }
        }
    }
}

/// Adjustment is monotone in the final score (42 CFR 414.1405(b) [AYE-414.1405]): the negative percent never
/// falls as the score rises, and bands come in order.
#[test]
fn adjustment_is_monotone_in_the_final_score() {
    fn rank(b: Band) -> u8 {
        match b {
            Band::NegativeMax => 0,
            Band::Negative => 1,
            Band::Neutral => 2,
            Band::Positive => 3,
            Band::Exceptional => 4,
        }
    }
    for set in book().years() {
        let mut prev: Option<(u8, f64)> = None;
        for i in 0..=10_000u32 {
            let s = f64::from(i) / 100.0;
            let mut cites = Cites::default();
            let a = adjust(set, s, &mut cites);
            let value = match (a.negative_percent, a.positive_range) {
                (Some(n), _) => n,
                (None, Some((_, hi))) => hi,
                (None, None) => panic!("PY {} score {s}: no adjustment", set.year),
            };
            if let Some((r, v)) = prev {
                assert!(rank(a.band) >= r, "PY {} score {s}", set.year);
                assert!(
                    value + 1e-12 >= v,
                    "PY {} score {s}: {value} < {v}",
                    set.year
                );
            }
            prev = Some((rank(a.band), value));
            let max = set.adjustment.max_negative_percent.value;
            assert!(value >= -max - 1e-12);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The final score stays within 0–100 for any scores and any bonus claimed.
    #[test]
    fn final_score_stays_within_0_and_100(y in year(), s in scores(), small in any::<bool>(), rew in any::<bool>(),
                                          bonus in prop_oneof![Just(0.0), 0.0f64..50.0, Just(1e9)]) {
        let r = score(book().year(y), &ScoreInput { scores: s, pi_reweighted: rew, small_practice: small, complex_patient_bonus: bonus });
        prop_assert!((0.0..=100.0).contains(&r.final_score), "{}", r.final_score);
        prop_assert!(r.fewer_than_two_scored || r.weights.iter().map(|&w| u32::from(w)).sum::<u32>() == 100);
        prop_assert!(r.contributions.iter().all(|c| (0.0..=100.0).contains(c)));
    }

    /// Raising any one category score never lowers the final score.
    #[test]
    fn a_higher_category_score_never_lowers_the_final_score(y in year(), s in scores(), small in any::<bool>(),
                                                            rew in any::<bool>(), bonus in 0.0f64..12.0,
                                                            which in 0usize..4, raise in 0.0f64..=100.0) {
        let mut higher = s;
        let slot = match which { 0 => &mut higher.quality, 1 => &mut higher.cost, 2 => &mut higher.ia, _ => &mut higher.pi };
        // Only a scored category can be raised; an unscored one stays unscored.
        if let Some(v) = slot.as_mut() { *v = (*v + raise).min(100.0); }
        let rules = book().year(y);
        let input = |s| ScoreInput { scores: s, pi_reweighted: rew, small_practice: small, complex_patient_bonus: bonus };
        let (lo, hi) = (score(rules, &input(s)).final_score, score(rules, &input(higher)).final_score);
        prop_assert!(hi + 1e-9 >= lo, "{lo} -> {hi}");
    }

    /// Submitting PI voids reweighting for every year and any subject, level, size and application
    /// (RULEBOOK §4 O1–O3 [MACRAU] [ASA-PI-2021] [APOLLO-2019] [ECFR-414.1380-2023]).
    #[test]
    fn submitting_pi_voids_every_reweighting_in_every_year(y in year(), (level, subject) in subject(),
                                                           size in prop_oneof![Just(None), (1u32..40).prop_map(Some)],
                                                           application in application()) {
        let rules = book().year(y);
        let case = Case { practice_size: size, application, ..Case::new(y, level, subject.build(rules)) };
        let quiet = eligibility::decide(rules, &case);
        let loud = eligibility::decide(rules, &Case { pi_submission: PiSubmission::Qualifying, ..case });
        // The one exception: PY 2019's COVID-19 application, (c)(2)(i)(C)(11) [ECFR-414.1380-2020a].
        if quiet.basis == Basis::Hardship(HardshipReason::Covid19) {
            prop_assert!(loud.reweighted);
            return Ok(());
        }
        prop_assert!(!loud.reweighted);
        if quiet.reweighted {
            prop_assert_eq!(loud.basis, Basis::VoidedByPiSubmission);
            prop_assert_eq!(loud.voided_basis, Some(quiet.basis));
            prop_assert!(loud.warnings.has(Warning::PiSubmissionVoidsReweighting));
        } else {
            prop_assert_eq!(loud.basis, quiet.basis);
            prop_assert_eq!(loud.voided_basis, None);
            prop_assert!(!loud.warnings.has(Warning::PiSubmissionVoidsReweighting));
        }
        // Explaining never panics and always cites something.
        let e = loud.explain(rules);
        prop_assert!(!e.summary.is_empty());
    }

    /// Every rule a decision and its score use fits in one list: the batch's and the API's `sources`
    /// merge them, and a full list would drop rules silently. Strictly below capacity, so nothing was
    /// dropped on the way.
    #[test]
    fn a_decision_and_its_score_cite_every_rule_they_use(y in year(), (level, subject) in subject(),
                                                         size in prop_oneof![Just(None), (1u32..40).prop_map(Some)],
                                                         application in application(), s in scores(),
                                                         pi in prop_oneof![Just(PiSubmission::No), Just(PiSubmission::Incomplete), Just(PiSubmission::Qualifying)],
                                                         in_area in any::<bool>(), bonus in prop_oneof![Just(0.0), 0.0f64..20.0]) {
        let rules = book().year(y);
        let zip = rules.euc_area_zips.first().filter(|_| in_area).and_then(|z| hardship_rules::Zip5::parse(&format!("{z:05}")).ok());
        let case = Case { practice_size: size, application, pi_submission: pi, practice_zip: zip, ..Case::new(y, level, subject.build(rules)) };
        let d = eligibility::decide(rules, &case);
        let input = ScoreInput { scores: d.scores_to_use(rules, s), pi_reweighted: d.reweighted, small_practice: d.small_practice, complex_patient_bonus: bonus };
        let r = score(rules, &input);
        let mut all = d.cites;
        all.extend(&r.cites);
        prop_assert!(d.cites.len() < Cites::CAPACITY && r.cites.len() < Cites::CAPACITY);
        prop_assert!(all.len() < Cites::CAPACITY, "PY {}: {} rules", y.get(), all.len());
    }

    /// A group is never reweighted by status unless it meets the group test of its year.
    #[test]
    fn a_group_is_never_reweighted_by_status_unless_it_meets_the_group_test(y in year(), members in proptest::collection::vec(clinician(), 16..40)) {
        // 16 or more members: no small-practice path, so only the group tests can reweight it.
        let rules = book().year(y);
        let g = GroupMembers::from_members(rules, &members);
        let d = eligibility::decide(rules, &Case::new(y, ReportingLevel::Group, Subject::Entity(g)));
        // Reweighted only by a group definition that passes, or when every MIPS eligible member qualifies.
        let by_definition = |s| rules.group_tests.for_status(s).is_some_and(|t| t.passes(g.with_status(s), g.count));
        if let Basis::SpecialStatus(s) = d.basis {
            prop_assert!(by_definition(s) || g.all_eligible_qualify());
        }
        if d.reweighted {
            prop_assert!(matches!(d.basis, Basis::SpecialStatus(_) | Basis::ClinicianType(_) | Basis::GroupAllMembersQualify));
            prop_assert!(g.all_eligible_qualify() || SpecialStatus::ALL.iter().any(|&s| by_definition(s)));
        }
    }

    /// What-if: the break-even PI score is where reporting first reaches the reweighted score.
    #[test]
    fn what_if_break_even_is_the_crossing_point(y in year(), s in scores(), small in any::<bool>(), bonus in 0.0f64..12.0,
                                                pi in 0.0f64..=100.0) {
        let rules = book().year(y);
        let w = what_if(rules, s, small, bonus, pi);
        let report = |p: f64| {
            let mut t = s;
            t.pi = Some(p);
            score(rules, &ScoreInput { scores: t, pi_reweighted: false, small_practice: small, complex_patient_bonus: bonus }).final_score
        };
        prop_assert!((w.reported.final_score - report(pi)).abs() < 1e-12);
        match w.break_even {
            Some(b) => {
                prop_assert!(report(b) + 1e-9 >= w.reweighted.final_score);
                if b >= 0.01 {
                    prop_assert!(report(b - 0.01) < w.reweighted.final_score - 1e-9 + 1e-12);
                }
            }
            None => prop_assert!(report(100.0) < w.reweighted.final_score),
        }
    }
}

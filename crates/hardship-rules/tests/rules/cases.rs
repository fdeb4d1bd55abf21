//! The cases the regulation and CMS define beyond one ground at a time: groups whose members qualify on
//! mixed grounds, CMS's automatic EUC by area, the COVID-19 years, the PY 2019 COVID-19 application,
//! incomplete versus qualifying PI data, and the provisional PY 2027. Each test names the paragraph or
//! notice it comes from; expected values are written here, never read back from the year files.

use super::{assert_close, cats, py, rules};
use hardship_rules::cites::Warning;
use hardship_rules::deadline::{LateApplication, WindowState, check_submission, window_status};
use hardship_rules::eligibility::{
    Application, Basis, Case, ClinicianFacts, Decision, GroupMembers, Subject, decide, euc_applies,
    member_basis,
};
use hardship_rules::group::own_ground;
use hardship_rules::scoring::{Band, ScoreInput, score};
use hardship_rules::{
    ApplicationStatus, Category, ClinicianType, HardshipReason, PiSubmission, ReportingLevel,
    SpecialStatus, Zip5,
};

fn doc() -> ClinicianFacts {
    ClinicianFacts {
        clinician_type: ClinicianType::Physician,
        hospital_based: false,
        non_patient_facing: false,
        asc_based: false,
    }
}

fn of(t: ClinicianType) -> ClinicianFacts {
    ClinicianFacts {
        clinician_type: t,
        ..doc()
    }
}

fn hb() -> ClinicianFacts {
    ClinicianFacts {
        hospital_based: true,
        ..doc()
    }
}

fn npf() -> ClinicianFacts {
    ClinicianFacts {
        non_patient_facing: true,
        ..doc()
    }
}

fn asc() -> ClinicianFacts {
    ClinicianFacts {
        asc_based: true,
        ..doc()
    }
}

fn group_case(year: u16, members: &[ClinicianFacts]) -> Case {
    let g = GroupMembers::from_members(rules(year), members);
    // More than 15 billing under the TIN, so no small-practice path clouds the group test.
    Case {
        practice_size: Some(40),
        ..Case::new(py(year), ReportingLevel::Group, Subject::Entity(g))
    }
}

fn individual(year: u16, c: ClinicianFacts) -> Case {
    Case {
        practice_size: Some(40),
        ..Case::new(py(year), ReportingLevel::Individual, Subject::Clinician(c))
    }
}

fn run(case: &Case) -> Decision<'static> {
    decide(rules(case.year.get()), case)
}

fn zip(z: &str) -> Option<Zip5> {
    Some(Zip5::parse(z).unwrap())
}

// ---- 1. the group test is the regulation's ---------------------------------------------------------

/// 414.1380(c)(2)(iii) [ECFR-414.1380-2020a]: all MIPS eligible clinicians qualify, each on any ground of
/// (c)(2)(i). The case: PY 2021, 2 hospital-based physicians and 2 nurse practitioners. CMS
/// weights it 85/0/15/0 (PI reweighted, and cost 0% for groups in 2021 [ASCO-COST-2021]): with quality 80
/// and IA 100 that is 83.00 and a positive adjustment, where scoring PI at 0 gave 59.00.
#[test]
fn a_mixed_group_of_hospital_based_physicians_and_nps_is_reweighted_py2021() {
    let year = 2021;
    let members = [
        hb(),
        hb(),
        of(ClinicianType::NursePractitioner),
        of(ClinicianType::NursePractitioner),
    ];
    let d = run(&group_case(year, &members));
    assert!(d.reweighted);
    assert_eq!(d.basis, Basis::GroupAllMembersQualify);
    assert_eq!(d.basis.to_string(), "group_all_members_qualify");
    let e = d.explain(rules(year));
    let members_line = e
        .details
        .iter()
        .find(|t| t.starts_with("Members test"))
        .unwrap();
    assert!(
        members_line.contains("4 of 4 MIPS eligible clinicians qualify on their own")
            && members_line.contains("2 hospital-based")
            && members_line.contains("2 nurse practitioners"),
        "{members_line}"
    );
    // The score CMS gives.
    let scores = d.scores_to_use(
        rules(year),
        cats(Some(80.0), Some(50.0), Some(100.0), Some(0.0)),
    );
    assert_eq!(scores.cost, None, "cost weighted 0% for groups in 2021");
    let r = score(
        rules(year),
        &ScoreInput {
            scores,
            pi_reweighted: d.reweighted,
            small_practice: d.small_practice,
            complex_patient_bonus: 0.0,
        },
    );
    assert_eq!(r.weights, [85, 0, 15, 0]);
    assert_close(r.final_score, 83.0);
    assert_eq!(r.adjustment.band, Band::Positive);
}

/// Several mixes, each member on a different ground, in the years the members test is in the text
/// (PY 2019 on [ECFR-414.1380-2018]): one ground missing in a single member breaks it.
#[test]
fn mixed_grounds_in_every_combination_and_one_member_short() {
    use ClinicianType::*;
    let cases: &[(u16, Vec<ClinicianFacts>)] = &[
        // Hospital-based + non-patient-facing + ASC-based.
        (2024, vec![hb(), npf(), asc()]),
        // Status + type (PT reweighted 2019–2023 [ECFR-414.1380-2024] (A)(4)(i)).
        (2019, vec![hb(), of(PhysicalTherapist), of(Audiologist)]),
        // CSW 2022–2024 ((A)(4)(iii)) with an NPF physician.
        (
            2023,
            vec![npf(), of(ClinicalSocialWorker), of(ClinicalSocialWorker)],
        ),
        // NP (to 2022) + ASC.
        (2022, vec![asc(), of(NursePractitioner), of(Crna)]),
    ];
    for (year, members) in cases {
        let d = run(&group_case(*year, members));
        assert!(d.reweighted, "PY {year} {members:?}");
        assert!(
            matches!(
                d.basis,
                Basis::GroupAllMembersQualify | Basis::SpecialStatus(_)
            ),
            "PY {year}: {:?}",
            d.basis
        );
        // One physician without a ground: the members test fails; the group definitions (more than
        // 75 %) do not pass with these shares.
        let mut short = members.clone();
        short.push(doc());
        let d = run(&group_case(*year, &short));
        assert!(!d.reweighted, "PY {year}");
        assert_eq!(d.basis, Basis::GroupTestNotMet);
    }
}

/// Clinicians who are not MIPS eligible (a type the year does not list, 414.1305 "MIPS eligible
/// clinician" [ECFR-414.1305-2023]) do not count against the members test: 414.1380(c)(2)(iii) speaks of
/// "all of the MIPS eligible clinicians in the group".
#[test]
fn members_who_are_not_mips_eligible_do_not_count() {
    use ClinicianType::*;
    // PY 2020: PTs reweighted, CSWs not yet MIPS eligible, "other" never.
    let d = run(&group_case(
        2020,
        &[
            hb(),
            of(PhysicalTherapist),
            of(ClinicalSocialWorker),
            of(Other),
        ],
    ));
    assert!(d.reweighted);
    let e = d.explain(rules(2020));
    assert!(
        e.details.iter().any(|t| t
            .contains("2 clinician(s) of types that are not MIPS eligible in 2020 do not count")),
        "{e:?}"
    );
    // A group of nothing but non-eligible types is not reweighted by the members test.
    let d = run(&group_case(2020, &[of(Other), of(Other)]));
    assert!(!d.reweighted);
}

/// The group definitions of 414.1305 [ECFR-414.1305-2020]: more than 75 % of the NPIs hospital-based
/// (from PY 2020) or non-patient-facing reweight the group even when the rest qualify on nothing. At
/// exactly 75 % they do not — unless the rest qualify on their own (then the members test passes).
#[test]
fn the_75_percent_boundaries_of_the_group_definitions() {
    for year in [2020, 2024, 2026] {
        for (status, member) in [
            (SpecialStatus::HospitalBased, hb()),
            (SpecialStatus::NonPatientFacing, npf()),
        ] {
            // 16 of 20 = 80 % > 75 %: the definition passes; the other 4 are plain physicians.
            let mut m = vec![member; 16];
            m.extend(vec![doc(); 4]);
            let d = run(&group_case(year, &m));
            assert_eq!(d.basis, Basis::SpecialStatus(status), "PY {year}");
            // 15 of 20 = 75 %: not more than 75 %.
            let mut m = vec![member; 15];
            m.extend(vec![doc(); 5]);
            let d = run(&group_case(year, &m));
            assert!(!d.reweighted, "PY {year} {status}");
            assert_eq!(d.basis, Basis::GroupTestNotMet);
            // 15 of 20 with the other 5 qualifying by type in a year they do: the members test.
            if year <= 2022 {
                let mut m = vec![member; 15];
                m.extend(vec![of(ClinicianType::NursePractitioner); 5]);
                assert!(run(&group_case(year, &m)).reweighted, "PY {year}");
            }
        }
    }
    // ASC-based has no group definition: 19 of 20 is not enough [QPPMIPS-2021].
    let mut m = vec![asc(); 19];
    m.push(doc());
    assert_eq!(run(&group_case(2024, &m)).basis, Basis::GroupTestNotMet);
}

/// A member's own row: the entity's answer when it is reweighted (or was, before PI data voided it);
/// otherwise `group_test_not_met` for a member who would be reweighted reporting alone, `none` for one
/// who would not.
#[test]
fn a_group_members_row_speaks_of_that_clinician() {
    let year = 2024;
    let rules = rules(year);
    let members = [hb(), doc(), doc(), doc()];
    let entity = run(&group_case(year, &members));
    assert!(!entity.reweighted);
    let alone = |c: &ClinicianFacts| own_ground(rules, c, None).is_some();
    assert_eq!(
        member_basis(&entity, alone(&members[0])),
        Basis::GroupTestNotMet
    );
    assert_eq!(member_basis(&entity, alone(&members[1])), Basis::None);
    // Reweighted: everyone carries the entity's basis.
    let entity = run(&group_case(year, &[hb(), npf()]));
    assert!(entity.reweighted);
    assert_eq!(member_basis(&entity, false), entity.basis);
    // Voided by PI data: everyone carries the voiding.
    let voided = run(&Case {
        pi_submission: PiSubmission::Qualifying,
        ..group_case(year, &[hb(), npf()])
    });
    assert_eq!(member_basis(&voided, false), Basis::VoidedByPiSubmission);
    // An approved individual hardship is a member ground too ((c)(2)(i)(C)).
    assert_eq!(
        own_ground(rules, &doc(), Some(HardshipReason::InsufficientInternet)),
        Some(Basis::Hardship(HardshipReason::InsufficientInternet))
    );
    let mut g = GroupMembers::default();
    g.add(rules, &hb(), None);
    g.add(rules, &doc(), Some(HardshipReason::DecertifiedEhr));
    let d = run(&Case {
        practice_size: Some(40),
        ..Case::new(py(year), ReportingLevel::Group, Subject::Entity(g))
    });
    assert_eq!(d.basis, Basis::GroupAllMembersQualify);
}

// ---- 2. automatic extreme and uncontrollable circumstances -----------------------------------------

/// CMS's automatic EUC areas, PY 2022–2025 [CMS-AUTOEUC-2022..2025]: an individual whose practice ZIP is
/// designated has PI (and every category) reweighted unless data is submitted in it; a ZIP elsewhere is
/// not; groups are never covered (414.1380(c)(2)(i)(C)(3), (A)(8); CMS's fact sheets).
#[test]
fn automatic_euc_by_area_for_individuals_only() {
    // (year, a designated ZIP, its list's size as CMS's crosswalk gives it)
    for (year, designated, zips) in [
        (2022, "00601", 2479),
        (2023, "30401", 1270),
        (2024, "27007-1234", 4457),
        (2025, "76436", 720),
    ] {
        assert_eq!(rules(year).euc_area_zips.len(), zips, "PY {year}");
        let case = Case {
            practice_zip: zip(designated),
            ..individual(year, doc())
        };
        let d = run(&case);
        assert!(d.reweighted, "PY {year}");
        assert_eq!(d.basis, Basis::AutomaticEuc);
        assert_eq!(d.basis.to_string(), "automatic_euc");
        assert!(d.automatic_euc && d.warnings.has(Warning::AutomaticEuc));
        let e = d.explain(rules(year));
        assert!(
            e.sources
                .iter()
                .any(|s| s == &format!("CMS-AUTOEUC-{year}")),
            "{e:?}"
        );
        // PI data submitted: PI scored (the other categories keep their own rule).
        let d = run(&Case {
            pi_submission: PiSubmission::Qualifying,
            ..case
        });
        assert_eq!(d.basis, Basis::VoidedByPiSubmission, "PY {year}");
        assert_eq!(d.voided_basis, Some(Basis::AutomaticEuc));
        // Not designated.
        let d = run(&Case {
            practice_zip: zip("10001"),
            ..individual(year, doc())
        });
        assert!(!d.reweighted, "PY {year}");
        // A group in the same area: not covered.
        let g = Case {
            practice_zip: zip(designated),
            ..group_case(year, &[doc(), doc()])
        };
        assert!(!euc_applies(rules(year), &g));
        assert!(!run(&g).reweighted, "PY {year}");
    }
    // Years with no list carried: a ZIP proves nothing, CMS's own data does.
    let d = run(&Case {
        practice_zip: zip("00601"),
        ..individual(2026, doc())
    });
    assert!(!d.reweighted);
    let d = run(&Case {
        euc_reported_by_cms: true,
        ..individual(2019, doc())
    });
    assert_eq!(d.basis, Basis::AutomaticEuc);
}

/// Under the automatic EUC policy cost is always 0% and quality and IA are reweighted unless data is
/// submitted in them (414.1380(c)(2)(i)(A)(8)); with data in fewer than two categories the final score is
/// the threshold (414.1380(c), "scored on fewer than 2 performance categories"), two or more are scored.
#[test]
fn automatic_euc_categories_and_the_two_category_rule() {
    let year = 2024;
    let r = rules(year);
    let case = Case {
        practice_zip: zip("27007"),
        ..individual(year, doc())
    };
    let d = run(&case);
    // Only quality submitted: neutral at the threshold.
    let s = d.scores_to_use(r, cats(Some(90.0), Some(40.0), None, None));
    assert_eq!(
        (s.quality, s.cost, s.ia, s.pi),
        (Some(90.0), None, None, None)
    );
    let out = score(
        r,
        &ScoreInput {
            scores: s,
            pi_reweighted: d.reweighted,
            small_practice: false,
            complex_patient_bonus: 0.0,
        },
    );
    assert!(out.fewer_than_two_scored);
    assert_close(out.final_score, 75.0);
    // Quality and IA submitted: both scored, cost still not.
    let s = d.scores_to_use(r, cats(Some(90.0), Some(40.0), Some(100.0), None));
    assert_eq!(s.cost, None);
    let out = score(
        r,
        &ScoreInput {
            scores: s,
            pi_reweighted: d.reweighted,
            small_practice: false,
            complex_patient_bonus: 0.0,
        },
    );
    assert!(!out.fewer_than_two_scored);
    assert_eq!(out.weights[Category::Cost.index()], 0);
    assert_eq!(out.weights[Category::Pi.index()], 0);
    assert!(d.always_reweighted(r).contains(Category::Cost));
}

// ---- COVID-19 ---------------------------------------------------------------------------------------

/// PY 2020 and 2021: CMS applied the automatic EUC policy to every individual MIPS eligible clinician
/// [BECKERS-EUC-2020] [SCRIBD-COVID]; cost was weighted 0% for individuals, groups, virtual groups and APM
/// entities in 2020 [ACR-COST-2020] and for individuals and groups in 2021 [ASCO-COST-2021].
#[test]
fn covid_years_cost_and_automatic_euc() {
    for year in [2020, 2021] {
        let d = run(&individual(year, doc()));
        assert_eq!(d.basis, Basis::AutomaticEuc, "PY {year}");
        assert!(d.cost_not_scored);
        // Groups: no automatic EUC, but cost not scored.
        let g = run(&group_case(year, &[doc(), doc()]));
        assert!(!g.automatic_euc && !g.reweighted);
        assert!(g.cost_not_scored, "PY {year}");
        let s = g.scores_to_use(
            rules(year),
            cats(Some(80.0), Some(90.0), Some(100.0), Some(70.0)),
        );
        assert_eq!(s.cost, None, "a cost score given is not used");
        assert_eq!((s.quality, s.pi), (Some(80.0), Some(70.0)));
    }
    // Virtual groups: cost not scored in 2020, scored in 2021.
    let vg = |year| {
        let g = GroupMembers::from_members(rules(year), &[doc(), doc()]);
        run(&Case::new(
            py(year),
            ReportingLevel::VirtualGroup,
            Subject::Entity(g),
        ))
    };
    assert!(vg(2020).cost_not_scored);
    assert!(!vg(2021).cost_not_scored);
    // Before and after: cost counts.
    for year in [2019, 2022] {
        assert!(!run(&group_case(year, &[doc(), doc()])).cost_not_scored);
        assert!(!run(&individual(year, doc())).automatic_euc);
    }
}

/// PY 2019's COVID-19 application (414.1380(c)(2)(i)(C)(11) [ECFR-414.1380-2020a]) is not voided by PI
/// data, unlike every other approval; other years do not accept it.
#[test]
fn the_py2019_covid_application_survives_pi_data() {
    let approved = Some(Application {
        reason: HardshipReason::Covid19,
        status: ApplicationStatus::Approved,
    });
    let d = run(&Case {
        application: approved,
        pi_submission: PiSubmission::Qualifying,
        ..individual(2019, doc())
    });
    assert!(d.reweighted);
    assert_eq!(d.basis, Basis::Hardship(HardshipReason::Covid19));
    let d = run(&Case {
        application: approved,
        ..individual(2023, doc())
    });
    assert!(!d.reweighted);
    assert!(d.warnings.has(Warning::ReasonNotAcceptedThisYear));
}

// ---- 3. incomplete versus qualifying PI data -----------------------------------------------------

/// Before PY 2025 any PI data voids reweighting (414.1380(c)(2)(i)(C) [ECFR-414.1380-2024]); from PY 2025
/// only a qualifying submission does, and an incomplete one is neither scored nor voids it
/// [OMB-XW-2025] [ACAAI-2025F] (UNCONFIRMED until the CY 2025 rule text is read).
#[test]
fn incomplete_pi_data_voids_in_2024_but_not_in_2025() {
    let hb_case = |year| individual(year, hb());
    for year in 2017..=2024 {
        let d = run(&Case {
            pi_submission: PiSubmission::Incomplete,
            ..hb_case(year)
        });
        assert_eq!(d.basis, Basis::VoidedByPiSubmission, "PY {year}");
        assert!(
            rules(year).pi_submission_voids_reweighting.confirmed,
            "PY {year}"
        );
    }
    for year in [2025, 2026, 2027] {
        let d = run(&Case {
            pi_submission: PiSubmission::Incomplete,
            ..hb_case(year)
        });
        assert!(d.reweighted, "PY {year}");
        assert!(d.warnings.has(Warning::IncompletePiNotScored));
        assert!(!rules(year).pi_submission_voids_reweighting.confirmed);
        let d = run(&Case {
            pi_submission: PiSubmission::Qualifying,
            ..hb_case(year)
        });
        assert_eq!(d.basis, Basis::VoidedByPiSubmission, "PY {year}");
    }
    // The three states parse from the batch contract's words and from JSON booleans.
    assert_eq!(PiSubmission::parse("FALSE").unwrap(), PiSubmission::No);
    assert_eq!(
        PiSubmission::parse("incomplete").unwrap(),
        PiSubmission::Incomplete
    );
    assert_eq!(
        PiSubmission::parse("qualifying").unwrap(),
        PiSubmission::Qualifying
    );
    assert_eq!(
        PiSubmission::parse(" true ").unwrap(),
        PiSubmission::Qualifying
    );
    let e = PiSubmission::parse("partial").unwrap_err();
    assert_eq!(e.field, "pi_submitted");
    assert_eq!(
        serde_json::from_str::<PiSubmission>("true").unwrap(),
        PiSubmission::Qualifying
    );
    assert_eq!(
        serde_json::from_str::<PiSubmission>("\"incomplete\"").unwrap(),
        PiSubmission::Incomplete
    );
}

// ---- 4. PY 2027 ---------------------------------------------------------------------------------------

/// PY 2027 is provisional: every value carried from 2026 is UNCONFIRMED, the window is not announced (no
/// invented date), and an application cannot be submitted until it is; the threshold is a conflict
/// between sources [CMS-2026PROP] [FR-2025-19787].
#[test]
fn py2027_is_provisional_with_a_window_not_announced() {
    let r = rules(2027);
    assert!(r.citations().iter().all(|c| !c.confirmed));
    assert_eq!(r.application_window.closes, None);
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let w = window_status(r, now);
    assert_eq!(w.state, WindowState::NotAnnounced);
    assert_eq!((w.days_left, w.closes), (None, None));
    assert!(
        w.describe().contains("not yet announced"),
        "{}",
        w.describe()
    );
    assert_eq!(
        check_submission(r, now),
        Err(LateApplication::NotAnnounced { year: 2027 })
    );
    assert!(
        r.adjustment
            .performance_threshold
            .note
            .as_deref()
            .is_some_and(|n| n.contains("CONFLICT"))
    );
    // Decisions work, and say what they rest on is unconfirmed.
    let d = run(&individual(2027, hb()));
    assert!(d.reweighted);
    assert!(d.warnings.has(Warning::UnconfirmedRule));
    let text = r.render();
    assert!(text.contains("not yet announced by CMS"), "{text}");
    assert!(!text.contains("2027-12-31"));
}

/// Settled cells: PY 2017 has no complex patient bonus and no small-practice bonus, confirmed by the CY
/// 2017 text of 414.1380(c) [ECFR-414.1380-CY2017]; POS 19 counts toward hospital-based from PY 2017
/// [ECFR-414.1305-2018]; the PY 2020 deadline is a recorded conflict.
#[test]
fn settled_cells_of_the_year_files() {
    let r = rules(2017);
    assert!(r.complex_patient_bonus_max.confirmed);
    assert_eq!(r.complex_patient_bonus_max.value, 0.0);
    assert!(r.small_practice_bonus.confirmed);
    let hb = r.status_rule(SpecialStatus::HospitalBased).unwrap();
    assert!(hb.note.as_deref().unwrap().contains("19"));
    assert!(hb.sources.iter().any(|s| s == "ECFR-414.1305-2018"));
    let w = &rules(2020).application_window;
    assert!(!w.confirmed);
    assert!(w.note.as_deref().unwrap().contains("CONFLICT"));
    // PY 2025–2026 redistribution rows rest on the same text: marked alike.
    for year in [2025, 2026] {
        assert!(rules(year).redistribution.iter().all(|row| !row.confirmed));
    }
}

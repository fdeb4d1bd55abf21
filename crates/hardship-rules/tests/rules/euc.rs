//! The EUC exception application against CMS's texts: which categories, events and levels a year takes,
//! the windows CMS reopened for one reason (boundaries to the second), and what submitted data overrides.

use super::rules;
use chrono::{DateTime, Utc};
use hardship_rules::euc::{self, EucRefusal, EucWindow};
use hardship_rules::{Category, CategorySet, EucEventType as E, ReportingLevel as L};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const QC: CategorySet = CategorySet::EMPTY;

fn qc() -> CategorySet {
    QC.with(Category::Quality).with(Category::Cost)
}

/// PY 2024 reopened March 31, 2025 10 a.m. ET – April 14, 2025 8 p.m. ET for the national IV fluid
/// shortage only: "Any applications submitted for reasons outside of the national IV fluid shortage will
/// be denied" [NIEPODAM-2025IV].
#[test]
fn py2024_iv_fluid_window_to_the_second_and_only_for_its_reason() {
    let r = rules(2024);
    // Main window: open until 2024-12-31 20:00 ET (01:00 UTC the next day) [OMB-XW-EUC-2025].
    assert_eq!(
        euc::window_at(r, at("2025-01-01T00:59:59Z"), E::Disaster, L::Group),
        Ok(EucWindow::Main)
    );
    let closed = euc::window_at(r, at("2025-01-01T01:00:00Z"), E::Disaster, L::Group).unwrap_err();
    assert!(matches!(closed, EucRefusal::Closed { .. }), "{closed}");
    // Not yet reopened one second before 10:00 EDT (14:00 UTC).
    let early = euc::window_at(r, at("2025-03-31T13:59:59Z"), E::IvFluidShortage, L::Group);
    assert!(matches!(early, Err(EucRefusal::Closed { .. })), "{early:?}");
    let w = euc::window_at(r, at("2025-03-31T14:00:00Z"), E::IvFluidShortage, L::Group).unwrap();
    assert!(
        matches!(w, EucWindow::Reopened(w) if w.reason == E::IvFluidShortage && !w.overrides_data)
    );
    // Another reason inside the window: refused, naming the field and the window's reason.
    let other =
        euc::window_at(r, at("2025-04-14T23:59:59Z"), E::Disaster, L::Individual).unwrap_err();
    assert_eq!(other.field(), "euc_event");
    let text = other.to_string();
    assert!(
        text.contains(
            "CMS will deny applications for reasons outside the national IV fluid shortage"
        ),
        "{text}"
    );
    assert!(text.contains("2025-04-14 20:00:00 -04:00"), "{text}");
    assert!(
        euc::window_at(
            r,
            at("2025-04-14T23:59:59Z"),
            E::IvFluidShortage,
            L::Individual
        )
        .is_ok()
    );
    // Closed at 8 p.m. EDT (00:00 UTC April 15), to the second.
    let after = euc::window_at(
        r,
        at("2025-04-15T00:00:00Z"),
        E::IvFluidShortage,
        L::Individual,
    );
    assert!(matches!(after, Err(EucRefusal::Closed { .. })), "{after:?}");
}

/// PY 2023: reopened for the Change Healthcare cyberattack to April 15, 2024 [INTELLICURE-2024], and
/// again September 23 – October 11, 2024 through the targeted review form, where "Applications will
/// not override previously submitted data" [AAFP-2024SEP] [TEXMED-2024CH].
#[test]
fn py2023_change_healthcare_reopenings() {
    let r = rules(2023);
    for t in [
        "2024-04-15T23:59:59Z",
        "2024-09-23T04:00:00Z",
        "2024-10-11T23:59:59Z",
    ] {
        let w = euc::window_at(r, at(t), E::ChangeHealthcareCyberattack, L::Group).unwrap();
        assert!(
            matches!(w, EucWindow::Reopened(w) if !w.overrides_data),
            "{t}"
        );
        let e = euc::window_at(r, at(t), E::Disaster, L::Group).unwrap_err();
        assert_eq!(e.field(), "euc_event", "{t}");
    }
    let autumn = euc::reopened_open_at(r, at("2024-10-01T12:00:00Z"), None);
    assert_eq!(autumn.len(), 1);
    assert_eq!(
        autumn[0].via.as_deref(),
        Some("the MIPS Targeted Review form")
    );
    // Between the two windows, and after the second: closed.
    for t in ["2024-04-16T00:00:00Z", "2024-10-12T00:00:00Z"] {
        let e = euc::window_at(r, at(t), E::ChangeHealthcareCyberattack, L::Group);
        assert!(matches!(e, Err(EucRefusal::Closed { .. })), "{t}");
    }
}

/// PY 2019: reopened April 3–30, 2020 for COVID-19, and those applications override data already
/// submitted (414.1380(c)(2)(i)(A)(6), (C)(11); [AAOE-2020]); outside it data overrides [ECFR-414.1380-2024].
#[test]
fn py2019_covid_window_overrides_submitted_data() {
    let r = rules(2019);
    let submitted = CategorySet::of(&[Category::Quality, Category::Pi]);
    let all = CategorySet::of(Category::ALL);
    let w = euc::window_at(r, at("2020-04-30T23:59:59Z"), E::Covid19, L::Individual).unwrap();
    let o = euc::outcome(r, all, L::Individual, w, submitted);
    assert_eq!(o.reweighted, all);
    assert!(o.overridden.is_empty());
    let o = euc::outcome(r, all, L::Individual, EucWindow::Main, submitted);
    assert_eq!(o.overridden, submitted);
    assert_eq!(
        o.reweighted,
        CategorySet::of(&[Category::Cost, Category::Ia])
    );
    assert!(euc::window_at(r, at("2020-05-01T00:00:00Z"), E::Covid19, L::Individual).is_err());
}

/// From PY 2020 quality, IA and PI data override an approval, cost never does ("you will not be scored on
/// cost measures even if other data are submitted" [PALTC-2020EXT]); an APM entity must request every
/// category and its data does not override [OMB-EUC-2022] [AAPMR-2023].
#[test]
fn overrides_per_category_and_apm_entities() {
    let r = rules(2024);
    let submitted = CategorySet::of(&[Category::Quality, Category::Cost]);
    let o = euc::outcome(r, qc(), L::Group, EucWindow::Main, submitted);
    assert_eq!(o.reweighted, QC.with(Category::Cost));
    assert_eq!(o.overridden, QC.with(Category::Quality));
    let o = euc::outcome(r, qc(), L::Group, EucWindow::Main, CategorySet::EMPTY);
    assert_eq!(o.reweighted, qc());

    let e = euc::check_request(r, qc(), E::Disaster, L::ApmEntity).unwrap_err();
    assert_eq!(e.field(), "categories");
    let all = CategorySet::of(Category::ALL);
    assert!(euc::check_request(r, all, E::Disaster, L::ApmEntity).is_ok());
    let o = euc::outcome(r, all, L::ApmEntity, EucWindow::Main, all);
    assert_eq!(o.reweighted, all);
    // Before PY 2020 an APM entity could not file [NEQPP-2020APM].
    let e = euc::check_request(rules(2019), all, E::Disaster, L::ApmEntity).unwrap_err();
    assert_eq!(e.field(), "applicant");
}

/// The categories and events a year takes: PY 2017 had no EUC application (EUC was an ACI hardship reason
/// [ASCRS-2017b]); PY 2018 covered quality, cost and IA only [MCMS-2018]; the third-party intermediary
/// ground from PY 2025 [ACAAI-2025]; at least one category.
#[test]
fn categories_and_events_by_year() {
    let pi = QC.with(Category::Pi);
    assert_eq!(
        euc::check_request(rules(2017), qc(), E::Disaster, L::Group)
            .unwrap_err()
            .field(),
        "kind"
    );
    let e = euc::check_request(rules(2018), pi, E::Disaster, L::Group).unwrap_err();
    assert_eq!(
        (
            e.field(),
            e.to_string().contains("Promoting Interoperability")
        ),
        ("categories", true)
    );
    assert!(euc::check_request(rules(2018), qc(), E::Disaster, L::Group).is_ok());
    assert!(euc::check_request(rules(2019), pi, E::Disaster, L::Group).is_ok());
    assert_eq!(
        euc::check_request(rules(2024), QC, E::Disaster, L::Group).unwrap_err(),
        EucRefusal::NoCategory
    );
    let tpi = E::ThirdPartyIntermediaryFailure;
    assert_eq!(
        euc::check_request(rules(2024), qc(), tpi, L::Group)
            .unwrap_err()
            .field(),
        "euc_event"
    );
    assert!(euc::check_request(rules(2025), qc(), tpi, L::Group).is_ok());
    // PY 2027 is carried and shown as unconfirmed.
    let e27 = rules(2027).euc_application.as_ref().unwrap();
    assert!(!e27.coverage.confirmed && !e27.levels.confirmed && !e27.data_override.confirmed);
}

/// PY 2020's second extension (to March 31, 2021) was for groups, virtual groups and APM entities only
/// [BECKERS-2021]: an individual is refused then, a group citing COVID-19 is not.
#[test]
fn a_reopened_window_for_some_levels_only() {
    let r = rules(2020);
    let t = at("2021-03-01T12:00:00Z");
    assert!(euc::window_at(r, t, E::Covid19, L::Group).is_ok());
    let e = euc::window_at(r, t, E::Covid19, L::Individual).unwrap_err();
    assert!(matches!(e, EucRefusal::Closed { .. }), "{e}");
}

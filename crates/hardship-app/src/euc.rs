//! The extreme-and-uncontrollable-circumstances (EUC) side of a practice-year: the EUC exception
//! applications sent for it and what each does to the categories it covers (the year's override rules,
//! category by category), the categories an approved one reweights at the level the practice reports
//! (what the score impact drops), and CMS's automatic EUC policy shown with its area list as source.
//! Pure: the assessment calls it with the records it already holds.

use hardship_rules::euc::{self, EucWindow};
use hardship_rules::{
    ApplicationStatus, Category, CategorySet, HardshipReason, ReportingLevel, RuleSet,
};
use hardship_store::{Applicant, Application, ApplicationState, Practice, ReportingProfile};
use serde::Serialize;

/// One EUC exception application sent for the year, and what it does.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EucApplicationView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub application: uuid::Uuid,
    /// `individual`, `group`, `virtual_group` or `apm_entity`.
    pub level: String,
    /// `pending`, `approved` or `denied`.
    pub status: String,
    /// The event cited (`disaster`, `covid19`, …) and in words.
    pub event: String,
    pub event_label: String,
    /// The categories it asks to reweight.
    pub categories: Vec<String>,
    /// Approved: the categories weighted 0% (those without data that overrides).
    pub reweighted: Vec<String>,
    /// Approved: categories it covers that are scored after all, because data was submitted in them.
    pub overridden: Vec<String>,
    /// Whether it covers the level the practice reports at.
    pub at_practice_level: bool,
    pub text: String,
    pub sources: Vec<String>,
}

/// CMS's automatic EUC policy for the practice: whether it covers its clinicians, which categories,
/// and what would override it, with CMS's area list as source.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutomaticEucView {
    /// Whether the policy covers the practice's individually reporting clinicians.
    pub covers: bool,
    /// Why (or why not), in words.
    pub text: String,
    /// The categories it weights 0%.
    pub categories: Vec<String>,
    /// The categories in which submitted data overrides it (scored after all).
    pub overridden_by_data: Vec<String>,
    /// What would override it, in words.
    pub overrides: String,
    /// The source keys of the policy (CMS's county/ZIP list among them).
    pub sources: Vec<String>,
    /// The same with what each refers to (the rule book's register).
    pub source_titles: Vec<SourceTitle>,
    pub confirmed: bool,
}

/// A source key and what it refers to.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceTitle {
    pub key: String,
    pub title: String,
}

/// The EUC part of a practice-year's assessment.
#[derive(Clone, Debug, Default)]
pub struct EucPart {
    pub applications: Vec<EucApplicationView>,
    /// Categories other than PI that approved EUC applications reweight at the practice's level.
    pub reweighted: CategorySet,
}

fn codes(set: CategorySet) -> Vec<String> {
    set.iter().map(|c| c.code().to_owned()).collect()
}

fn labels(set: CategorySet) -> String {
    let v: Vec<&str> = set.iter().map(Category::label).collect();
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

/// The categories with data submitted (or to be submitted) at the practice's level: PI as the profile
/// says (counted as the year counts it), quality and IA when a score is expected for them. Cost is
/// computed by CMS from claims, never submitted.
pub fn submitted_categories(rules: &RuleSet, profile: &ReportingProfile) -> CategorySet {
    let mut s = CategorySet::EMPTY;
    if profile.scores.quality.is_some() {
        s = s.with(Category::Quality);
    }
    if profile.scores.ia.is_some() {
        s = s.with(Category::Ia);
    }
    if euc::pi_data_counts(rules, profile.pi_submitted) {
        s = s.with(Category::Pi);
    }
    s
}

/// Whether data submitted in `c` overrides an approved EUC reweighting this year.
pub fn overridable(rules: &RuleSet, c: Category) -> bool {
    rules
        .euc_application
        .as_ref()
        .is_some_and(|e| e.data_override.categories.contains(&c))
}

/// The window an EUC application was sent in (for the PY 2019 COVID-19 override).
fn window_of<'r>(rules: &'r RuleSet, a: &Application) -> EucWindow<'r> {
    match (&a.draft.euc, a.state.sent()) {
        (Some(req), Some(sent)) => {
            euc::window_of_submission(rules, sent.at, req.event, a.draft.applicant.level())
        }
        _ => EucWindow::Main,
    }
}

/// The reason the PI part of an application stands on for the eligibility engine: the PI hardship's own
/// reason; for an EUC application covering PI the EUC reason of 414.1380(c)(2)(i)(C)(2) — or, sent in
/// the PY 2019 COVID-19 window, the COVID-19 application (C)(11) that PI data does not void; none for an
/// EUC application that leaves PI alone.
pub fn pi_reason(rules: &RuleSet, a: &Application) -> Option<HardshipReason> {
    let Some(req) = &a.draft.euc else {
        return Some(a.draft.reason);
    };
    if !req.category_set().contains(Category::Pi) {
        return None;
    }
    Some(if window_of(rules, a).overrides_data() {
        HardshipReason::Covid19
    } else {
        HardshipReason::ExtremeUncontrollable
    })
}

/// Whether an application covers the practice at the level it reports: a group (TIN) or virtual-group
/// application for collective levels, an individual one for that clinician.
fn at_level(a: &Application, level: ReportingLevel) -> bool {
    a.draft.applicant.level() == level
}

/// The EUC applications sent for the year and what they do; `roster_npis` are the clinicians of an
/// individually reporting practice (the practice-wide score drops a category only when every one of
/// them has it reweighted).
pub fn euc_part(
    rules: &RuleSet,
    profile: &ReportingProfile,
    level: ReportingLevel,
    apps: &[&Application],
    roster_npis: &[hardship_rules::Npi],
    status_of: impl Fn(&ApplicationState) -> Option<ApplicationStatus>,
) -> EucPart {
    let submitted = submitted_categories(rules, profile);
    let mut part = EucPart::default();
    let mut per_npi: Vec<CategorySet> = vec![CategorySet::EMPTY; roster_npis.len()];
    let mut collective = CategorySet::EMPTY;
    for a in apps {
        let (Some(req), Some(status)) = (&a.draft.euc, status_of(&a.state)) else {
            continue;
        };
        let covered = req.category_set();
        let window = window_of(rules, a);
        let app_level = a.draft.applicant.level();
        let o = euc::outcome(rules, covered, app_level, window, submitted);
        let approved = status == ApplicationStatus::Approved;
        let here = at_level(a, level);
        if approved && here {
            match &a.draft.applicant {
                Applicant::Individual { npi, .. } => {
                    if let Some(i) = roster_npis.iter().position(|n| n == npi) {
                        per_npi[i] = per_npi[i].union(o.reweighted);
                    }
                }
                _ => collective = collective.union(o.reweighted),
            }
        }
        let window_words = match window {
            EucWindow::Main => String::new(),
            EucWindow::Reopened(w) => format!(
                " It was sent in the window CMS reopened for {} (to {}){}.",
                w.reason.label(),
                w.closes.format("%Y-%m-%d %H:%M %:z"),
                if w.overrides_data {
                    ": applications approved in it override data already submitted"
                } else {
                    ""
                }
            ),
        };
        let text = match status {
            ApplicationStatus::Approved => format!(
                "Approved EUC exception ({}): {} weighted 0%{}.{}{}",
                req.event.label(),
                labels(o.reweighted),
                if o.overridden.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} scored after all because data was submitted in them (the year's rule: data submitted in a category overrides its EUC reweighting)",
                        labels(o.overridden)
                    )
                },
                window_words,
                if here {
                    String::new()
                } else {
                    format!(
                        " It was filed as {} but the practice reports as {}: it does not change the practice's score at that level.",
                        app_level.label(),
                        level.label()
                    )
                }
            ),
            ApplicationStatus::Pending => format!(
                "EUC exception sent, awaiting CMS: asks to reweight {} ({}). Submitting data in one of them would override its reweighting.{window_words}",
                labels(covered),
                req.event.label()
            ),
            ApplicationStatus::Denied => format!(
                "EUC exception denied ({}): {} keep their weights.",
                req.event.label(),
                labels(covered)
            ),
        };
        let sources: Vec<String> = o
            .cites
            .source_keys()
            .into_iter()
            .map(str::to_owned)
            .collect();
        part.applications.push(EucApplicationView {
            application: a.id.0,
            level: app_level.code().to_owned(),
            status: status.code().to_owned(),
            event: req.event.code().to_owned(),
            event_label: req.event.label().to_owned(),
            categories: codes(covered),
            reweighted: if approved {
                codes(o.reweighted)
            } else {
                Vec::new()
            },
            overridden: if approved {
                codes(o.overridden)
            } else {
                Vec::new()
            },
            at_practice_level: here,
            text,
            sources,
        });
    }
    let individual_all = per_npi
        .iter()
        .copied()
        .reduce(CategorySet::intersection)
        .unwrap_or(CategorySet::EMPTY);
    let all = if level == ReportingLevel::Individual {
        individual_all
    } else {
        collective
    };
    // PI goes through the eligibility decision (its own basis and voiding); here the other three.
    part.reweighted = CategorySet::of(
        &all.iter()
            .filter(|&c| c != Category::Pi)
            .collect::<Vec<_>>(),
    );
    part
}

/// CMS's automatic EUC policy as it stands for the practice in the year.
pub fn automatic_euc(rules: &RuleSet, practice: &Practice) -> AutomaticEucView {
    let e = &rules.automatic_euc;
    let y = rules.year;
    let categories = CategorySet::of(&e.categories);
    let over = CategorySet::of(&e.overridden_by_data);
    let (covers, text) = if categories.is_empty() {
        (false, format!("CMS had no automatic EUC policy in {y}."))
    } else if e.all_individuals {
        (
            true,
            format!(
                "In {y} CMS's automatic EUC policy (COVID-19) covers every individually reporting clinician; groups and virtual groups must apply."
            ),
        )
    } else if e.areas.is_none() {
        (
            false,
            format!(
                "The product carries no area list for {y}: only CMS's own eligibility data (fetched per clinician) can say the policy covers them."
            ),
        )
    } else {
        match practice.zip {
            Some(z) if rules.in_euc_area(z) => (
                true,
                format!(
                    "The practice's ZIP {z} is in an area CMS designated for {y}: its individually reporting clinicians are covered (groups, virtual groups and APM entities are not)."
                ),
            ),
            Some(z) => (
                false,
                format!("The practice's ZIP {z} is not in an area CMS designated for {y}."),
            ),
            None => (
                false,
                "The practice has no ZIP on file: record it to check CMS's designated areas."
                    .into(),
            ),
        }
    };
    let always = categories
        .iter()
        .filter(|&c| !over.contains(c))
        .collect::<Vec<_>>();
    let overrides = if categories.is_empty() {
        String::new()
    } else {
        format!(
            "Data submitted in {} overrides it for that category (the category is scored){}.",
            labels(over),
            if always.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} stays at 0% whatever is submitted",
                    labels(CategorySet::of(&always))
                )
            }
        )
    };
    AutomaticEucView {
        covers,
        text,
        categories: codes(categories),
        overridden_by_data: codes(over),
        overrides,
        sources: e.sources.clone(),
        source_titles: e
            .sources
            .iter()
            .map(|k| SourceTitle {
                key: k.clone(),
                title: hardship_rules::RuleBook::embedded()
                    .ok()
                    .and_then(|b| b.source(k))
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect(),
        confirmed: e.confirmed,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use crate::assess::{Assessment, Detail, PracticeRecords, assess};
    use chrono::{DateTime, TimeZone, Utc};
    use hardship_rules::{
        Category, ClinicianType, PerformanceYear, PiSubmission, ReportingLevel, RuleBook, Tin,
    };
    use hardship_store::testsuite::{euc_draft, npi};
    use hardship_store::*;

    fn practice() -> Practice {
        Practice {
            id: PracticeId(uuid::Uuid::from_u128(1)),
            tenant: TenantId(uuid::Uuid::from_u128(2)),
            tin: Tin::parse("123456789").unwrap(),
            name: "Nguyễn Văn An Clinic".into(),
            address: String::new(),
            contact: Contact::default(),
            zip: None,
            archived: None,
            version: 1,
            created_at: Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn roster(n: u32) -> Vec<Clinician> {
        (1..=n)
            .map(|i| Clinician {
                id: ClinicianId(uuid::Uuid::from_u128(100 + u128::from(i))),
                tenant: TenantId(uuid::Uuid::from_u128(2)),
                practice: PracticeId(uuid::Uuid::from_u128(1)),
                npi: npi(i),
                name: format!("Clinician {i}"),
                clinician_type: ClinicianType::Physician,
                joined_on: None,
                left_on: None,
                archived: None,
                version: 1,
                created_at: Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap(),
            })
            .collect()
    }

    /// An approved group EUC application for `categories`, sent at `sent`.
    fn approved(year: u16, categories: &[Category], sent: DateTime<Utc>) -> Application {
        let p = practice();
        let mut d = euc_draft(p.id, year, categories);
        if year == 2019 {
            d.euc.as_mut().unwrap().event = hardship_rules::EucEventType::Covid19;
        }
        Application {
            id: ApplicationId(uuid::Uuid::from_u128(9)),
            tenant: p.tenant,
            draft: d,
            state: ApplicationState::Approved {
                submitted: Box::new(ApplicationState::Submitted {
                    channel: Channel::Portal,
                    reference: "EUC-1".into(),
                    at: sent,
                    by: "x".into(),
                }),
                decided_on: sent.date_naive(),
                email: None,
                seen: None,
            },
            version: 4,
            created_at: p.created_at,
            updated_at: p.created_at,
        }
    }

    fn run(year: u16, profile: ReportingProfile, app: &Application) -> Assessment {
        let y = PerformanceYear::new(year).unwrap();
        let p = practice();
        let cl = roster(20);
        let cl: Vec<&Clinician> = cl.iter().collect();
        assess(
            RuleBook::embedded().unwrap().year(y),
            y,
            &PracticeRecords {
                practice: &p,
                profile: &profile,
                clinicians: &cl,
                statuses: &[],
                applications: &[app],
                documents: &[],
                window_closed: false,
            },
            Detail::Full,
        )
    }

    fn group(pi: PiSubmission, quality: Option<f64>) -> ReportingProfile {
        ReportingProfile {
            level: ReportingLevel::Group,
            level_decided: true,
            pi_submitted: pi,
            scores: ScoreEstimates {
                quality,
                ..ScoreEstimates::default()
            },
            ..ReportingProfile::default()
        }
    }

    fn in_2024() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 11, 1, 12, 0, 0).unwrap()
    }

    /// From PY 2020 data submitted in quality overrides that category's EUC reweighting, cost never is
    /// [PALTC-2020EXT]; PI covered by an EUC application is the EUC reason of 414.1380(c)(2)(i)(C)(2) and PI
    /// data voids it like any approval ((C) lead-in) [ECFR-414.1380-2024].
    #[test]
    fn data_overrides_an_approved_euc_category_by_category() {
        let all = [Category::Quality, Category::Cost, Category::Pi];
        let app = approved(2024, &all, in_2024());
        let a = run(2024, group(PiSubmission::No, None), &app);
        assert_eq!(a.euc_reweighted, ["quality", "cost"]);
        let caution = a
            .alerts
            .iter()
            .find(|x| x.code == "reporting_data_overrides_euc");
        assert!(
            caution.is_some_and(|c| c.text.contains("weights Quality at 0%")),
            "{:?}",
            a.alerts
        );
        assert_eq!(
            a.group.as_ref().unwrap().basis,
            "hardship:extreme_uncontrollable"
        );
        assert_eq!(a.reweighted_by_hardship, 20);

        let a = run(2024, group(PiSubmission::Qualifying, Some(80.0)), &app);
        assert_eq!(
            a.euc_reweighted,
            ["cost"],
            "quality data overrides, cost never"
        );
        assert_eq!(a.group.as_ref().unwrap().basis, "voided_by_pi_submission");
        let v = &a.euc_applications[0];
        assert_eq!(v.overridden, ["quality", "pi"]);
        assert!(a.alerts.iter().any(|x| x.code == "data_overrides_euc"));
    }

    /// PY 2019: an application citing COVID-19 in the April 3–30, 2020 window overrides data already
    /// submitted, PI included ((A)(6), (C)(11); [AAOE-2020]).
    #[test]
    fn the_py2019_covid_window_keeps_its_approval_despite_data() {
        let all = [
            Category::Quality,
            Category::Cost,
            Category::Ia,
            Category::Pi,
        ];
        let in_window = Utc.with_ymd_and_hms(2020, 4, 20, 15, 0, 0).unwrap();
        let app = approved(2019, &all, in_window);
        let a = run(2019, group(PiSubmission::Qualifying, Some(70.0)), &app);
        assert_eq!(a.euc_reweighted, ["quality", "cost", "ia"]);
        assert!(a.group.as_ref().unwrap().reweighted, "{:?}", a.group);
        assert_eq!(a.group.as_ref().unwrap().basis, "hardship:covid19");
    }

    /// An application leaving PI alone does not touch PI, and one filed by a clinician does not change a
    /// group-reporting practice's score.
    #[test]
    fn an_euc_without_pi_or_at_another_level_leaves_the_practice_alone() {
        let app = approved(2024, &[Category::Quality, Category::Cost], in_2024());
        let a = run(2024, group(PiSubmission::No, None), &app);
        assert!(!a.group.as_ref().unwrap().reweighted);
        let mut solo = app.clone();
        solo.draft.applicant = Applicant::Individual {
            npi: npi(1),
            tin: practice().tin,
        };
        let a = run(2024, group(PiSubmission::No, None), &solo);
        assert!(a.euc_reweighted.is_empty());
        assert!(!a.euc_applications[0].at_practice_level);
    }
}

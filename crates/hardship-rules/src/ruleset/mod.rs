//! The rule set of one performance year, as read from `years/<year>.toml`, and its validation.
//!
//! Every value in a year file carries the rule-book source keys it comes from and whether it is confirmed,
//! so that every decision built on it can cite them and warn when a value is only the best current belief.

use crate::model::{
    Category, CategorySet, ClinicianType, EucEventType, HardshipReason, ReportingLevel,
    SpecialStatus,
};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

/// The year's facts as lines with their sources: what `hardship rules` prints and diffs.
mod facts;
/// A year file's own checks: sources known, shares and weights consistent, dates in order.
mod validate;

pub use facts::{fmt_num, render_sources};

/// Where a value comes from: rule-book source keys, whether a source confirms it, and a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cite<'r> {
    /// What the value is, in a few words ("PY 2019 redistribution when PI is reweighted").
    pub what: &'static str,
    pub sources: &'r [String],
    pub confirmed: bool,
}

/// Declares a rule-file table: the given fields plus `sources`, `confirmed` and an optional `note`.
macro_rules! cited {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Rule-book source keys (RULEBOOK §10).
            pub sources: Vec<String>,
            /// True when a cited source states the value; false for the rule book's UNCONFIRMED best belief.
            pub confirmed: bool,
            #[serde(default)]
            pub note: Option<String>,
        }

        impl $name {
            pub fn cite(&self, what: &'static str) -> Cite<'_> {
                Cite { what, sources: &self.sources, confirmed: self.confirmed }
            }
        }
    };
}

/// Category weights in whole percent.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub quality: u8,
    pub cost: u8,
    pub ia: u8,
    pub pi: u8,
}

impl Weights {
    pub fn get(&self, c: Category) -> u8 {
        match c {
            Category::Quality => self.quality,
            Category::Cost => self.cost,
            Category::Ia => self.ia,
            Category::Pi => self.pi,
        }
    }

    pub fn as_array(&self) -> [u8; 4] {
        [self.quality, self.cost, self.ia, self.pi]
    }

    pub fn sum(&self) -> u32 {
        self.as_array().iter().map(|&w| u32::from(w)).sum()
    }

    /// The categories with a non-zero weight.
    pub fn active(&self) -> CategorySet {
        Category::ALL
            .iter()
            .filter(|&&c| self.get(c) > 0)
            .fold(CategorySet::EMPTY, |s, &c| s.with(c))
    }

    pub fn describe(&self) -> String {
        format!(
            "Q {} / C {} / IA {} / PI {}",
            self.quality, self.cost, self.ia, self.pi
        )
    }
}

/// Which practices a redistribution row applies to.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PracticeSize {
    Any,
    Small,
    NotSmall,
}

impl PracticeSize {
    pub fn matches(self, small: bool) -> bool {
        match self {
            PracticeSize::Any => true,
            PracticeSize::Small => small,
            PracticeSize::NotSmall => !small,
        }
    }
}

cited!(
    /// Base weights of the year.
    BaseWeights { quality: u8, cost: u8, ia: u8, pi: u8 }
);

impl BaseWeights {
    pub fn weights(&self) -> Weights {
        Weights {
            quality: self.quality,
            cost: self.cost,
            ia: self.ia,
            pi: self.pi,
        }
    }
}

cited!(
    /// One row of the redistribution table: the weights when `reweighted` categories are not scored.
    RedistributionRow { reweighted: Vec<Category>, practice: PracticeSize, weights: Weights }
);

cited!(
    /// "Scored in fewer than two performance categories → final score equals the performance threshold".
    FewerThanTwoRule { final_score_equals_threshold: bool }
);

cited!(
    /// A rule that holds or not in a year (PI submission voids reweighting; a group is scored as the group).
    Applies { applies: bool }
);

cited!(
    /// Whether PI data voids PI reweighting this year, and whether incomplete data does too (before PY
    /// 2025 any PI data did; from PY 2025 only a qualifying submission does).
    PiSubmissionRule { applies: bool, incomplete_voids: bool }
);

fn yes() -> bool {
    true
}

cited!(
    /// Whether an application may cite this reason in the year, and what the reason requires.
    /// `voided_by_pi_submission` is false for the one reason whose approval PI data does not undo
    /// (the PY 2019 COVID-19 application, 414.1380(c)(2)(i)(C)(11)).
    ReasonRule {
        reason: HardshipReason,
        accepted: bool,
        criteria: String,
        #[serde(default = "yes")]
        voided_by_pi_submission: bool,
    }
);

cited!(
    /// The application window. `closes` is the published deadline with its UTC offset, or absent while
    /// CMS has not announced it (a year whose rules are provisional).
    ApplicationWindow {
        opens: Option<NaiveDate>,
        closes: Option<DateTime<FixedOffset>>,
        time_zone: String,
    }
);

cited!(
    /// A special status that reweights PI automatically this year.
    StatusRule { status: SpecialStatus }
);

cited!(
    /// Whether these clinician types have PI reweighted automatically this year. Rows with
    /// `automatic = false` record a sourced "no" (e.g. NPs from PY 2023), so the answer can cite it.
    ClinicianTypeRule { types: Vec<ClinicianType>, automatic: bool }
);

cited!(
    /// Clinician types that are MIPS eligible this year.
    EligibleTypes { types: Vec<ClinicianType> }
);

cited!(
    /// Small-practice definition and whether small practices are reweighted automatically.
    SmallPracticeRule { max_clinicians: u32, automatic_pi_reweighting: bool }
);

cited!(
    /// A group test: the share of the group's clinicians that must hold the status.
    ShareTest {
        share: f64,
        /// True for "at least `share`", false for "more than `share`".
        inclusive: bool,
    }
);

impl ShareTest {
    pub fn passes(&self, members_with_status: u32, members: u32) -> bool {
        if members == 0 {
            return false;
        }
        let got = f64::from(members_with_status) / f64::from(members);
        if self.inclusive {
            got >= self.share - 1e-12
        } else {
            got > self.share + 1e-12
        }
    }

    pub fn describe(&self) -> String {
        let pct = self.share * 100.0;
        if self.inclusive && self.share >= 1.0 {
            "all of its clinicians".to_owned()
        } else if self.inclusive {
            format!("at least {pct:.0}% of its clinicians")
        } else {
            format!("more than {pct:.0}% of its clinicians")
        }
    }
}

cited!(
    /// The members test of 414.1380(c)(2)(iii): a group or virtual group is reweighted when all of its
    /// MIPS eligible clinicians qualify on their own; with `mixed_grounds`, each on any ground of
    /// (c)(2)(i) (one hospital-based, another a reweighted clinician type, ...).
    AllMembersRule { mixed_grounds: bool }
);

/// The group / virtual-group tests of the year: the members test, and the two statuses 414.1305 defines
/// for a group (hospital-based, non-patient-facing) by the share of its clinicians. ASC-based has no group
/// definition, so an ASC-based group passes only through the members test.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupTests {
    pub all_members: AllMembersRule,
    pub hospital_based: ShareTest,
    pub non_patient_facing: ShareTest,
}

impl GroupTests {
    /// The group definition of a status, if 414.1305 has one.
    pub fn for_status(&self, s: SpecialStatus) -> Option<&ShareTest> {
        match s {
            SpecialStatus::HospitalBased => Some(&self.hospital_based),
            SpecialStatus::NonPatientFacing => Some(&self.non_patient_facing),
            SpecialStatus::AscBased => None,
        }
    }
}

cited!(
    /// CMS's automatic extreme-and-uncontrollable-circumstances (EUC) policy of the year: who it covers
    /// (every individual clinician, as for COVID-19 in PY 2020–2021, and/or those whose practice is in a
    /// designated area: `areas` names the embedded ZIP list), the categories it reweights, and the
    /// categories in which submitted data overrides it. It covers clinicians reporting individually only.
    AutomaticEuc {
        all_individuals: bool,
        #[serde(default)]
        areas: Option<String>,
        categories: Vec<Category>,
        overridden_by_data: Vec<Category>,
    }
);

cited!(
    /// What an EUC exception application may cover this year: the categories (each chosen on its own)
    /// and the events it may cite (414.1380(c)(2)(i)(A)(6) and (C)(2)).
    EucCoverage { categories: Vec<Category>, event_types: Vec<EucEventType> }
);

cited!(
    /// Who may file an EUC application this year, and whether an APM entity's must cover every category.
    EucLevels { levels: Vec<ReportingLevel>, apm_entity_all_categories: bool }
);

cited!(
    /// The categories in which data submitted later overrides an approved EUC reweighting (the category
    /// is scored), and whether an APM entity's data does (CMS: it does not).
    EucDataOverride { categories: Vec<Category>, apm_entity: bool }
);

cited!(
    /// A window CMS reopened (or extended) after the main deadline for one reason only: applications
    /// citing another are denied. `opens` absent: it runs on from the main window's close. `levels`
    /// empty: every level that may file. `overrides_data`: an application approved in it reweights even
    /// categories with data (PY 2019 COVID-19); otherwise submitted data is scored as usual.
    ReopenedWindow {
        reason: EucEventType,
        #[serde(default)]
        opens: Option<DateTime<FixedOffset>>,
        closes: DateTime<FixedOffset>,
        time_zone: String,
        #[serde(default)]
        levels: Vec<ReportingLevel>,
        overrides_data: bool,
        /// How applications were filed when not the usual form (the PY 2023 autumn window: the
        /// targeted review form).
        #[serde(default)]
        via: Option<String>,
    }
);

/// The EUC exception application of a year (absent in PY 2017, when EUC was only a reason of the
/// ACI hardship application). Its main window is the year's `application_window`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EucApplication {
    pub coverage: EucCoverage,
    pub levels: EucLevels,
    pub data_override: EucDataOverride,
    #[serde(default)]
    pub reopened: Vec<ReopenedWindow>,
}

cited!(
    /// Levels whose cost category CMS set to 0% for everyone this year (COVID-19: PY 2020 and 2021): a
    /// cost score given is not used.
    CostNotScored { levels: Vec<ReportingLevel> }
);

cited!(
    /// Whether virtual groups exist this year.
    VirtualGroups { allowed: bool }
);

cited!(
    /// The participation levels that may submit a PI hardship application this year.
    ApplicationLevels { levels: Vec<ReportingLevel> }
);

cited!(
    /// A number in points or percent.
    Number { value: f64 }
);

cited!(
    /// A number that some years do not have (the exceptional-performance threshold after 2022).
    OptionalNumber { value: Option<f64> }
);

/// Where a small-practice bonus is added.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BonusPlacement {
    None,
    /// Added to the final score (2018).
    FinalScore,
    /// Added inside the Quality category (2019 on): already in the quality score CMS reports.
    QualityCategory,
}

cited!(
    /// The small-practice bonus.
    SmallPracticeBonus { placement: BonusPlacement, points: f64 }
);

cited!(
    /// How long records must / should be kept, in years after the end of the performance year.
    Retention { regulatory_years: u32, recommended_years: u32 }
);

cited!(
    /// The year's targeted-review window (42 CFR 414.1385(a)(1)): it opens when CMS releases the final
    /// scores and closes on the date CMS publishes (about 60 days later through PY 2023; from PY 2024 30
    /// days after the payment adjustments). Dates are data per year, never a formula: only PY 2018 ended
    /// on the regulation's September 30.
    ReviewWindow {
        /// The day CMS released the final scores, when a source gives the day.
        opens: Option<NaiveDate>,
        /// The close, when CMS has announced it (or, unconfirmed, the product's projection).
        closes: Option<DateTime<FixedOffset>>,
        time_zone: String,
    }
);

cited!(
    /// A reason CMS lists for requesting a targeted review in a year ("not a comprehensive list").
    ReviewReason {
        /// A stable code (`hardship_not_applied`, `wrong_tin_npi`, …).
        reason: String,
        /// CMS's wording, or the product's where CMS gives none.
        label: String,
    }
);

/// The payment-adjustment parameters of a year.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub performance_threshold: Number,
    pub exceptional_threshold: OptionalNumber,
    /// The statutory maximum negative adjustment, in percent (a positive number).
    pub max_negative_percent: Number,
    /// Scores at or below this fraction of the threshold get the full negative adjustment.
    pub negative_floor_fraction: Number,
    /// The positive side is the negative maximum times a budget-neutrality factor of at most this.
    pub positive_scaling_max: Number,
    /// The exceptional-performance bonus, up to this many percent (PY 2017–2022).
    pub exceptional_bonus_max_percent: OptionalNumber,
    /// The largest positive adjustment CMS actually applied for the year (a final score of 100, the
    /// exceptional bonus included), once CMS has scored the year: what "positive" has meant in practice,
    /// against the formula's ceiling.
    pub actual_max_positive_percent: OptionalNumber,
}

/// The rule set of one performance year.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub year: u16,
    pub pi_category_name: String,
    pub base_weights: BaseWeights,
    pub redistribution: Vec<RedistributionRow>,
    pub fewer_than_two_scored: FewerThanTwoRule,
    pub pi_submission_voids_reweighting: PiSubmissionRule,
    pub group_scored_as_group: Applies,
    pub hardship_reasons: Vec<ReasonRule>,
    pub application_window: ApplicationWindow,
    pub application_levels: ApplicationLevels,
    pub automatic_statuses: Vec<StatusRule>,
    pub automatic_clinician_types: Vec<ClinicianTypeRule>,
    pub eligible_clinician_types: EligibleTypes,
    pub small_practice: SmallPracticeRule,
    pub group_tests: GroupTests,
    pub automatic_euc: AutomaticEuc,
    pub cost_not_scored: CostNotScored,
    pub virtual_groups: VirtualGroups,
    pub adjustment: Adjustment,
    pub small_practice_bonus: SmallPracticeBonus,
    pub complex_patient_bonus_max: Number,
    pub retention: Retention,
    #[serde(default)]
    pub euc_application: Option<EucApplication>,
    pub targeted_review: ReviewWindow,
    pub targeted_review_reasons: Vec<ReviewReason>,
    /// Filled in after loading: a content hash of the year file, stored with every decision.
    #[serde(skip)]
    pub version: String,
    /// Filled in after loading from the file `automatic_euc.areas` names: the designated ZIP codes, sorted.
    #[serde(skip)]
    pub euc_area_zips: Vec<u32>,
}

/// A problem found while loading a year file. Loading stops at the first one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("rule set {file}: {problem}")]
pub struct RuleSetError {
    pub file: String,
    pub problem: String,
}

impl RuleSet {
    /// Parses and validates one year file. `known_sources` are the keys of RULEBOOK §10.
    pub fn from_toml(file: &str, text: &str, known_sources: &[&str]) -> Result<Self, RuleSetError> {
        Self::from_toml_with_areas(file, text, known_sources, &[])
    }

    /// As [`from_toml`](Self::from_toml), with the ZIP lists (`name`, text) the year may name.
    pub fn from_toml_with_areas(
        file: &str,
        text: &str,
        known_sources: &[&str],
        areas: &[(&str, &str)],
    ) -> Result<Self, RuleSetError> {
        let fail = |problem: String| RuleSetError {
            file: file.to_owned(),
            problem,
        };
        let mut set: RuleSet = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        let mut hash = fnv1a(text.as_bytes());
        if let Some(name) = &set.automatic_euc.areas {
            let (_, list) = areas.iter().find(|(n, _)| n == name).ok_or_else(|| {
                fail(format!(
                    "automatic_euc.areas names {name}, which is not carried"
                ))
            })?;
            set.euc_area_zips = parse_zip_list(list).map_err(|e| fail(format!("{name}: {e}")))?;
            // The areas are part of the rules a decision used.
            hash ^= fnv1a(list.as_bytes()).rotate_left(1);
        }
        set.version = format!("{}-{:016x}", set.year, hash);
        set.validate(known_sources).map_err(fail)?;
        Ok(set)
    }

    /// The redistribution row for a set of not-scored categories, or `None` when nothing is reweighted
    /// (base weights apply) or fewer than two categories remain (the threshold rule applies).
    pub fn redistribution_for(
        &self,
        reweighted: CategorySet,
        small: bool,
    ) -> Option<&RedistributionRow> {
        self.redistribution
            .iter()
            .find(|r| r.applies(reweighted, small))
    }

    pub fn reason_rule(&self, reason: HardshipReason) -> Option<&ReasonRule> {
        self.hardship_reasons.iter().find(|r| r.reason == reason)
    }

    pub fn status_rule(&self, status: SpecialStatus) -> Option<&StatusRule> {
        self.automatic_statuses.iter().find(|r| r.status == status)
    }

    pub fn clinician_type_rule(&self, t: ClinicianType) -> Option<&ClinicianTypeRule> {
        self.automatic_clinician_types
            .iter()
            .find(|r| r.types.contains(&t))
    }

    /// The last day the year's evidence is kept: December 31 of the performance year plus the recommended
    /// retention (RULEBOOK §7: six years regulatory, ten encouraged; the product keeps ten).
    pub fn retain_until(&self) -> chrono::NaiveDate {
        let until = i32::from(self.year).saturating_add(
            i32::try_from(self.retention.recommended_years).unwrap_or(i32::MAX / 2),
        );
        chrono::NaiveDate::from_ymd_opt(until, 12, 31).unwrap_or(chrono::NaiveDate::MAX)
    }

    /// The last day the regulation requires the year's records to be kept (RULEBOOK §7).
    pub fn regulatory_retain_until(&self) -> chrono::NaiveDate {
        let until = i32::from(self.year)
            .saturating_add(i32::try_from(self.retention.regulatory_years).unwrap_or(i32::MAX / 2));
        chrono::NaiveDate::from_ymd_opt(until, 12, 31).unwrap_or(chrono::NaiveDate::MAX)
    }

    /// A year none of whose values a source confirms yet (carried from the year before until its final
    /// rule is read).
    pub fn is_provisional(&self) -> bool {
        self.citations().iter().all(|c| !c.confirmed)
    }

    /// Whether a practice at this ZIP is in an area CMS designated for the year's automatic EUC policy.
    pub fn in_euc_area(&self, zip: crate::ids::Zip5) -> bool {
        self.euc_area_zips.binary_search(&zip.as_u32()).is_ok()
    }

    pub fn is_mips_eligible_type(&self, t: ClinicianType) -> bool {
        self.eligible_clinician_types.types.contains(&t)
    }
}

impl RedistributionRow {
    pub fn applies(&self, reweighted: CategorySet, small: bool) -> bool {
        CategorySet::of(&self.reweighted) == reweighted && self.practice.matches(small)
    }
}

/// A ZIP list: one five-digit ZIP a line, `#` comments; returned sorted and without duplicates.
fn parse_zip_list(text: &str) -> Result<Vec<u32>, String> {
    let mut zips = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let zip = crate::ids::Zip5::parse(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        zips.push(zip.as_u32());
    }
    zips.sort_unstable();
    zips.dedup();
    Ok(zips)
}

/// FNV-1a, 64 bit: a stable content hash for rule-set versions (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

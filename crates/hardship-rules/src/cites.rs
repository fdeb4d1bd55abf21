//! Small, allocation-free lists that decisions carry: the rules they used and the warnings they raise.

use crate::ruleset::Cite;
use std::fmt;

const CAPACITY: usize = 24;

/// The rules a decision used, in the order it used them. Fixed capacity keeps hot paths allocation-free.
/// A decision uses up to a dozen rules and its score up to ten, and the two are merged (the batch's and the
/// API's `sources`): 24 holds both (a property test checks every year), where 12 dropped the last ones.
#[derive(Clone, Copy, Default)]
pub struct Cites<'r> {
    items: [Option<Cite<'r>>; CAPACITY],
    len: usize,
}

impl<'r> Cites<'r> {
    pub const CAPACITY: usize = CAPACITY;

    /// The rules listed, in order: every entry is `Some` (`Option` only fills the unused capacity). A
    /// plain loop over it compiles to less than [`Cites::iter`]'s adapters on the batch's hot path.
    #[inline]
    pub fn as_slice(&self) -> &[Option<Cite<'r>>] {
        self.items.get(..self.len).unwrap_or(&[])
    }

    /// The number of rules listed.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, cite: Cite<'r>) {
        // A rule cited twice is listed once. Identity, not content: the same table of the same year.
        let same =
            |c: Cite<'r>| std::ptr::eq(c.sources, cite.sources) && std::ptr::eq(c.what, cite.what);
        if self.iter().any(same) {
            return;
        }
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Some(cite);
            self.len += 1;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Cite<'r>> + '_ {
        self.items[..self.len].iter().flatten().copied()
    }

    pub fn extend(&mut self, other: &Cites<'r>) {
        for c in other.iter() {
            self.push(c);
        }
    }

    /// The distinct source keys, in first-use order.
    pub fn source_keys(&self) -> Vec<&'r str> {
        let mut keys: Vec<&'r str> = Vec::new();
        for c in self.iter() {
            for s in c.sources {
                if !keys.contains(&s.as_str()) {
                    keys.push(s.as_str());
                }
            }
        }
        keys
    }

    /// What the decision relied on that no source confirms yet.
    pub fn unconfirmed(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in self.iter().filter(|c| !c.confirmed) {
            if !out.contains(&c.what) {
                out.push(c.what);
            }
        }
        out
    }

    /// Writes the distinct source keys separated by `sep`, without allocating.
    pub fn write_source_keys(&self, out: &mut Vec<u8>, sep: u8) {
        let mut first = true;
        for (i, c) in self.iter().enumerate() {
            for (j, s) in c.sources.iter().enumerate() {
                let seen = self.iter().take(i).any(|p| p.sources.contains(s))
                    || c.sources[..j].contains(s);
                if seen {
                    continue;
                }
                if !first {
                    out.push(sep);
                }
                first = false;
                out.extend_from_slice(s.as_bytes());
            }
        }
    }

    pub fn any_unconfirmed(&self) -> bool {
        self.iter().any(|c| !c.confirmed)
    }
}

impl fmt::Debug for Cites<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|c| c.what)).finish()
    }
}

/// Machine-readable warning codes: the batch contract's `warnings` column and the API's `warnings`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Warning {
    /// Reporting any PI data voids the reweighting this subject would otherwise have.
    PiSubmissionVoidsReweighting,
    /// A special-status or reweighted-type clinician reports with a group that does not meet the group test.
    GroupTestNotMet,
    ReasonNotAcceptedThisYear,
    SmallPracticeReasonOver15,
    ClinicianTypeNotMipsEligible,
    HardshipPending,
    HardshipDenied,
    /// The subject is reweighted automatically; an application is not needed.
    ApplicationNotNeeded,
    /// The reporting level may not submit a PI hardship application this year.
    LevelCannotApply,
    VirtualGroupNotAvailable,
    /// APM entity reporting is evaluated per clinician; the entity's APP scoring is not modelled.
    ApmEntityEvaluatedPerClinician,
    /// PI is not reweighted and no PI score was given: PI counts as 0.
    PiMissingScoredZero,
    /// A PI score was given but PI is reweighted (PI data not submitted), so it is not used.
    PiScoreIgnoredReweighted,
    ComplexPatientBonusCapped,
    /// The practice size is unknown, so small-practice rules could not be applied.
    PracticeSizeUnknown,
    /// Fewer than two categories scored: the final score is the performance threshold.
    FewerThanTwoCategoriesScored,
    /// The decision relies on a rule the rule book marks UNCONFIRMED.
    UnconfirmedRule,
    /// Incomplete PI data from PY 2025: neither scored nor voiding reweighting.
    IncompletePiNotScored,
    /// A cost score was given but CMS set cost to 0% for this subject (COVID-19 years, automatic EUC).
    CostNotScored,
    /// CMS's automatic EUC policy reweights this subject's categories that have no data.
    AutomaticEuc,
}

impl Warning {
    pub const ALL: &'static [Warning] = &[
        Warning::PiSubmissionVoidsReweighting,
        Warning::GroupTestNotMet,
        Warning::ReasonNotAcceptedThisYear,
        Warning::SmallPracticeReasonOver15,
        Warning::ClinicianTypeNotMipsEligible,
        Warning::HardshipPending,
        Warning::HardshipDenied,
        Warning::ApplicationNotNeeded,
        Warning::LevelCannotApply,
        Warning::VirtualGroupNotAvailable,
        Warning::ApmEntityEvaluatedPerClinician,
        Warning::PiMissingScoredZero,
        Warning::PiScoreIgnoredReweighted,
        Warning::ComplexPatientBonusCapped,
        Warning::PracticeSizeUnknown,
        Warning::FewerThanTwoCategoriesScored,
        Warning::UnconfirmedRule,
        Warning::IncompletePiNotScored,
        Warning::CostNotScored,
        Warning::AutomaticEuc,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Warning::PiSubmissionVoidsReweighting => "pi_submission_voids_reweighting",
            Warning::GroupTestNotMet => "group_test_not_met",
            Warning::ReasonNotAcceptedThisYear => "reason_not_accepted_this_year",
            Warning::SmallPracticeReasonOver15 => "small_practice_reason_over_15",
            Warning::ClinicianTypeNotMipsEligible => "clinician_type_not_mips_eligible",
            Warning::HardshipPending => "hardship_pending",
            Warning::HardshipDenied => "hardship_denied",
            Warning::ApplicationNotNeeded => "application_not_needed",
            Warning::LevelCannotApply => "level_cannot_apply",
            Warning::VirtualGroupNotAvailable => "virtual_group_not_available",
            Warning::ApmEntityEvaluatedPerClinician => "apm_entity_evaluated_per_clinician",
            Warning::PiMissingScoredZero => "pi_missing_scored_zero",
            Warning::PiScoreIgnoredReweighted => "pi_score_ignored_reweighted",
            Warning::ComplexPatientBonusCapped => "complex_patient_bonus_capped",
            Warning::PracticeSizeUnknown => "practice_size_unknown",
            Warning::FewerThanTwoCategoriesScored => "fewer_than_two_categories_scored",
            Warning::UnconfirmedRule => "unconfirmed_rule",
            Warning::IncompletePiNotScored => "incomplete_pi_not_scored",
            Warning::CostNotScored => "cost_not_scored",
            Warning::AutomaticEuc => "automatic_euc",
        }
    }
}

/// A set of warnings as a bit set.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Warnings(u32);

impl Warnings {
    pub fn add(&mut self, w: Warning) {
        self.0 |= 1 << (w as u32);
    }

    pub fn has(self, w: Warning) -> bool {
        self.0 & (1 << (w as u32)) != 0
    }

    pub fn union(self, other: Warnings) -> Warnings {
        Warnings(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Warning> {
        Warning::ALL.iter().copied().filter(move |&w| self.has(w))
    }

    pub fn codes(self) -> Vec<&'static str> {
        self.iter().map(Warning::code).collect()
    }
}

impl fmt::Debug for Warnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(Warning::code))
            .finish()
    }
}

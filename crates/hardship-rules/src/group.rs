//! The members of a group or virtual group and the group tests of 42 CFR 414.1380(c)(2)(iii).
//!
//! A group's PI is reweighted when **all of its MIPS eligible clinicians qualify on their own** on any of
//! the grounds of (c)(2)(i) — one hospital-based, another a nurse practitioner in a year NPs are
//! reweighted, a third with an approved individual hardship — **or** when the group itself meets the
//! hospital-based or non-patient-facing definition of 414.1305 (more than 75 % of the NPIs billing under
//! the TIN, in the years those definitions exist). Clinicians who are not MIPS eligible (a type the year
//! does not list) do not count against the members test. CMS's automatic extreme-and-uncontrollable-
//! circumstances policy is not a member ground: CMS applies it to individual participation only.
//!
//! [`GroupMembers`] summarises the members as counts, built one member at a time, so a stream of roster
//! rows is never held in memory (the batch tallies millions).

use crate::eligibility::{Basis, ClinicianFacts};
use crate::model::{ClinicianType, HardshipReason, SpecialStatus};
use crate::ruleset::RuleSet;

/// Why one clinician would have PI reweighted on their own in the year, before any PI data voids it:
/// a special status, a reweighted clinician type, or an approved individual hardship (in that order).
pub fn own_ground(
    rules: &RuleSet,
    c: &ClinicianFacts,
    approved_hardship: Option<HardshipReason>,
) -> Option<Basis> {
    if !rules.is_mips_eligible_type(c.clinician_type) {
        return None;
    }
    if let Some(&s) = SpecialStatus::ALL
        .iter()
        .find(|&&s| c.has(s) && rules.status_rule(s).is_some())
    {
        return Some(Basis::SpecialStatus(s));
    }
    if rules
        .clinician_type_rule(c.clinician_type)
        .is_some_and(|r| r.automatic)
    {
        return Some(Basis::ClinicianType(c.clinician_type));
    }
    approved_hardship
        .filter(|&r| rules.reason_rule(r).is_some_and(|rule| rule.accepted))
        .map(Basis::Hardship)
}

/// The members of a group or virtual group, as the group tests need them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupMembers {
    /// Every member (the NPIs billing under the TIN that the group lists).
    pub count: u32,
    /// Members of a MIPS eligible clinician type this year.
    pub eligible: u32,
    /// Eligible members who qualify on their own.
    pub qualifying: u32,
    /// Members holding each status (all members: 414.1305's group definitions count NPIs).
    pub hospital_based: u32,
    pub non_patient_facing: u32,
    pub asc_based: u32,
    /// Qualifying members by their ground: a status (in `SpecialStatus::ALL` order), a clinician type
    /// (indexed by the type), an approved individual hardship.
    by_status: [u32; 3],
    by_type: [u32; 15],
    by_hardship: u32,
}

impl GroupMembers {
    /// Adds one member under the year's rules.
    pub fn add(
        &mut self,
        rules: &RuleSet,
        m: &ClinicianFacts,
        approved_hardship: Option<HardshipReason>,
    ) {
        self.count += 1;
        self.hospital_based += u32::from(m.hospital_based);
        self.non_patient_facing += u32::from(m.non_patient_facing);
        self.asc_based += u32::from(m.asc_based);
        if !rules.is_mips_eligible_type(m.clinician_type) {
            return;
        }
        self.eligible += 1;
        match own_ground(rules, m, approved_hardship) {
            Some(Basis::SpecialStatus(s)) => {
                self.qualifying += 1;
                self.by_status[status_index(s)] += 1;
            }
            Some(Basis::ClinicianType(t)) => {
                self.qualifying += 1;
                self.by_type[t as usize] += 1;
            }
            Some(Basis::Hardship(_)) => {
                self.qualifying += 1;
                self.by_hardship += 1;
            }
            _ => {}
        }
    }

    pub fn merge(&mut self, o: &GroupMembers) {
        self.count += o.count;
        self.eligible += o.eligible;
        self.qualifying += o.qualifying;
        self.hospital_based += o.hospital_based;
        self.non_patient_facing += o.non_patient_facing;
        self.asc_based += o.asc_based;
        for (a, b) in self.by_status.iter_mut().zip(o.by_status) {
            *a += b;
        }
        for (a, b) in self.by_type.iter_mut().zip(o.by_type) {
            *a += b;
        }
        self.by_hardship += o.by_hardship;
    }

    /// Members from their facts, none with an individual hardship.
    pub fn from_members<'a>(
        rules: &RuleSet,
        members: impl IntoIterator<Item = &'a ClinicianFacts>,
    ) -> Self {
        let mut g = Self::default();
        for m in members {
            g.add(rules, m, None);
        }
        g
    }

    pub fn with_status(&self, s: SpecialStatus) -> u32 {
        match s {
            SpecialStatus::HospitalBased => self.hospital_based,
            SpecialStatus::NonPatientFacing => self.non_patient_facing,
            SpecialStatus::AscBased => self.asc_based,
        }
    }

    /// Every MIPS eligible member qualifies on its own (and there is at least one).
    pub fn all_eligible_qualify(&self) -> bool {
        self.eligible > 0 && self.qualifying == self.eligible
    }

    /// The one ground every qualifying member shares, when they share one.
    pub fn single_ground(&self) -> Option<Basis> {
        let mut grounds = SpecialStatus::ALL
            .iter()
            .filter(|&&s| self.by_status[status_index(s)] > 0)
            .map(|&s| Basis::SpecialStatus(s))
            .chain(
                ClinicianType::ALL
                    .iter()
                    .filter(|&&t| self.by_type[t as usize] > 0)
                    .map(|&t| Basis::ClinicianType(t)),
            );
        let first = grounds.next()?;
        (grounds.next().is_none() && self.by_hardship == 0).then_some(first)
    }

    /// The qualifying members by ground, in words: "2 hospital-based, 2 nurse practitioners".
    pub fn grounds_in_words(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for &s in SpecialStatus::ALL {
            let n = self.by_status[status_index(s)];
            if n > 0 {
                parts.push(format!("{n} {}", s.label()));
            }
        }
        for &t in ClinicianType::ALL {
            let n = self.by_type[t as usize];
            if n > 0 {
                parts.push(format!("{n} {}", plural(t.label(), n)));
            }
        }
        if self.by_hardship > 0 {
            parts.push(format!(
                "{} with an approved individual hardship exception",
                self.by_hardship
            ));
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

fn status_index(s: SpecialStatus) -> usize {
    match s {
        SpecialStatus::HospitalBased => 0,
        SpecialStatus::NonPatientFacing => 1,
        SpecialStatus::AscBased => 2,
    }
}

fn plural(label: &str, n: u32) -> String {
    if n == 1 {
        label.to_owned()
    } else {
        format!("{label}s")
    }
}

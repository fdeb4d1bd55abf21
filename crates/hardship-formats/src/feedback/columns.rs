//! Which column is which, per layout and performance year, by header name (never by position).
//!
//! The QPP Experience PUF's labels per year are CMS's, as listed (lower-cased) in the column maps
//! `qpp_2017_2021`, `qpp_2022`, `qpp_2023` of the R package andrewallenbruce/providertwo (our copy:
//! shared `qpp_puf_reference/puf_summary_columns_by_year.csv`). PY 2024 and later are read with the 2023
//! labels until a later map is found (an assumption: the file says which labels were missing).

/// A field the reconciliation reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Field {
    Tin,
    Npi,
    Year,
    FinalScore,
    Quality,
    Cost,
    Ia,
    Pi,
    QualityWeight,
    CostWeight,
    IaWeight,
    PiWeight,
    PaymentAdjustment,
    ComplexPatientBonus,
    /// PUF: the level the score was attributed at ("participation type"/"participation option").
    Participation,
    /// PUF: PI reweighted for an approved PI hardship application.
    PiHardship,
    /// PUF: PI reweighted automatically (special status or clinician type).
    PiSpecialStatus,
    /// PUF: PI reweighted for extreme and uncontrollable circumstances.
    PiEuc,
    SmallPractice,
    HospitalBased,
    NonPatientFacing,
    AscBased,
}

/// The plain final-feedback CSV a consultancy types from the portal (compared through
/// [`crate::client_list::headers::key`], so case, `_`, `-` and spaces do not matter).
pub const PLAIN: &[(Field, &str)] = &[
    (Field::Tin, "tin"),
    (Field::Npi, "npi"),
    (Field::Year, "performance_year"),
    (Field::FinalScore, "final_score"),
    (Field::Quality, "quality_score"),
    (Field::Cost, "cost_score"),
    (Field::Ia, "ia_score"),
    (Field::Pi, "pi_score"),
    (Field::QualityWeight, "quality_weight"),
    (Field::CostWeight, "cost_weight"),
    (Field::IaWeight, "ia_weight"),
    (Field::PiWeight, "pi_weight"),
    (Field::PaymentAdjustment, "payment_adjustment"),
];

/// The plain layout's canonical header.
pub const PLAIN_HEADER: &str = "tin,npi,performance_year,final_score,quality_score,cost_score,ia_score,pi_score,quality_weight,cost_weight,ia_weight,pi_weight,payment_adjustment";

const PUF_2017_2021: &[(Field, &str)] = &[
    (Field::Npi, "npi"),
    (Field::FinalScore, "final score"),
    (Field::PaymentAdjustment, "payment adjustment percentage"),
    (Field::ComplexPatientBonus, "complex patient bonus"),
    (Field::Quality, "quality category score"),
    (Field::Pi, "promoting interoperability (pi) category score"),
    (Field::Ia, "ia score"),
    (Field::Cost, "cost score"),
    (Field::Participation, "participation type"),
    (Field::PiHardship, "pi hardship"),
    (Field::PiSpecialStatus, "pi reweighting"),
    (Field::PiEuc, "extreme hardship pi"),
    (Field::SmallPractice, "small practitioner"),
    (Field::HospitalBased, "hospital-based clinician"),
    (Field::NonPatientFacing, "non-patient facing"),
    (Field::AscBased, "ambulatory surgical center"),
];

const PUF_2022: &[(Field, &str)] = &[
    (Field::Npi, "npi"),
    (Field::FinalScore, "final score"),
    (Field::PaymentAdjustment, "payment adjustment percentage"),
    (Field::ComplexPatientBonus, "complex patient bonus"),
    (Field::Quality, "quality category score"),
    (Field::Pi, "promoting interoperability (pi) category score"),
    (Field::Ia, "improvement activities (ia) category score"),
    (Field::Cost, "cost category score"),
    (Field::Participation, "participation option"),
    (Field::PiHardship, "pi reweighting (hardship exception)"),
    (
        Field::PiSpecialStatus,
        "pi reweighting (special status or clinician type)",
    ),
    (Field::PiEuc, "pi reweighting (euc)"),
    (Field::SmallPractice, "small practice status"),
    (Field::HospitalBased, "hospital-based status"),
    (Field::NonPatientFacing, "non-patient facing status"),
    (Field::AscBased, "ambulatory surgical center-based status"),
];

/// From PY 2023 the PUF adds the weights CMS applied (so the redistribution it used is visible).
const PUF_2023_WEIGHTS: &[(Field, &str)] = &[
    (Field::QualityWeight, "quality category weight"),
    (Field::CostWeight, "cost category weight"),
    (
        Field::IaWeight,
        "improvement activities (ia) category weight",
    ),
    (
        Field::PiWeight,
        "promoting interoperability (pi) category weight",
    ),
];

/// The PUF's columns the reconciliation reads for a performance year. A `tin` column is also accepted
/// (the public file has none; a consultancy may add it to match rows by TIN/NPI).
pub fn puf(year: u16) -> Vec<(Field, &'static str)> {
    let mut out = vec![(Field::Tin, "tin")];
    match year {
        ..=2021 => out.extend_from_slice(PUF_2017_2021),
        2022 => out.extend_from_slice(PUF_2022),
        _ => {
            out.extend_from_slice(PUF_2022);
            out.extend_from_slice(PUF_2023_WEIGHTS);
        }
    }
    out
}

/// Fields a layout must have for a row to mean anything.
pub fn required(puf: bool) -> &'static [Field] {
    if puf {
        &[Field::Npi, Field::FinalScore]
    } else {
        &[Field::Tin, Field::Npi, Field::Year, Field::FinalScore]
    }
}

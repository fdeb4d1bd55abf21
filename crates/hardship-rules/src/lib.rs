//! `hardship-rules`: the pure domain of MIPS Promoting Interoperability (PI) reweighting.
//!
//! No I/O, no async, no clock: every instant is a parameter. The rule sets of performance years
//! 2017–2027 (2027 provisional) are data files embedded at build time (`years/*.toml`); every value there names its
//! rule-book sources and whether a source confirms it, and every answer this crate gives carries those
//! citations so a user can see which rules are still unconfirmed.
//!
//! - [`ids`], [`model`]: newtypes that cannot hold bad values.
//! - [`ruleset`], [`book`]: the year rule sets, validated on load.
//! - [`eligibility`]: is PI reweighted for a clinician or reporting entity, on what basis, or why not;
//!   [`group`]: the members of a group and the test of 414.1380(c)(2)(iii).
//! - [`screening`]: which hardship reasons a practice may cite this year, and whether it needs to apply.
//! - [`deadline`]: the application window and days left; [`euc`]: the EUC exception application —
//!   categories, levels, the year's windows reopened for one reason, what submitted data overrides;
//!   [`review`]: the targeted-review window.
//! - [`scoring`]: final score and payment adjustment; [`whatif`]: reweighting versus reporting PI.

pub mod book;
pub mod cites;
pub mod deadline;
pub mod eligibility;
pub mod error;
pub mod euc;
pub mod group;
pub mod ids;
pub mod model;
pub mod review;
pub mod ruleset;
pub mod scoring;
pub mod screening;
pub mod whatif;

pub use book::RuleBook;
pub use error::InvalidValue;
pub use ids::{Npi, Tin, Zip5};
pub use model::{
    ApplicationStatus, Category, CategoryScore, CategorySet, ClinicianType, EucEventType,
    HardshipReason, PerformanceYear, PiSubmission, ReportingLevel, SpecialStatus,
};
pub use ruleset::{Cite, RuleSet};

//! A practice-year's reporting profile, and the practice's answers to the screening questions.

use super::*;
use utoipa::IntoParams;

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresDto {
    pub quality: Option<f64>,
    pub cost: Option<f64>,
    pub ia: Option<f64>,
    pub pi: Option<f64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub year: u16,
    /// 0 until first saved.
    pub version: i64,
    /// `individual`, `group`, `virtual_group`, or `undecided` (the answers then assume individual
    /// reporting, or the level of a sent application, and say so).
    pub level: String,
    /// `false`, `incomplete` or `true` (qualifying).
    #[schema(example = "false")]
    pub pi_submitted: String,
    /// Set when the practice will report PI and not apply: who decided, when, why.
    pub not_applying: Option<NotApplyingDto>,
    pub clinician_count: Option<u32>,
    pub has_cehrt: bool,
    pub scores: ScoresDto,
    /// The member who works this practice-year in the queue, and the queue's notes.
    pub assignee: Option<String>,
    pub notes: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&PracticeYear> for ProfileDto {
    fn from(p: &PracticeYear) -> Self {
        let s = p.profile.scores;
        ProfileDto {
            practice: p.practice,
            year: p.year.get(),
            version: p.version,
            level: if p.profile.level_decided {
                p.profile.level.code().to_owned()
            } else {
                "undecided".to_owned()
            },
            pi_submitted: p.profile.pi_submitted.code().to_owned(),
            not_applying: p.profile.not_applying.as_ref().map(|n| NotApplyingDto {
                by: n.by.clone(),
                at: n.at,
                why: n.why.clone(),
            }),
            clinician_count: p.profile.clinician_count,
            has_cehrt: p.profile.has_cehrt,
            scores: ScoresDto {
                quality: s.quality,
                cost: s.cost,
                ia: s.ia,
                pi: s.pi,
            },
            assignee: p.profile.assignee.clone(),
            notes: p.profile.notes.clone(),
            updated_at: p.updated_at,
        }
    }
}

/// A decision to report PI instead of applying.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NotApplyingDto {
    pub by: String,
    pub at: DateTime<Utc>,
    pub why: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdateDto {
    /// The version you read (0 for the first save).
    pub version: i64,
    /// `individual`, `group`, `virtual_group`, or `undecided`.
    pub level: String,
    /// Why the practice will report PI and not apply (it leaves "needs an application"); an empty text
    /// withdraws that decision; absent keeps what is on file.
    #[serde(default)]
    pub not_applying: Option<String>,
    #[schema(schema_with = pi_submitted_input_schema_ref)]
    pub pi_submitted: hardship_rules::PiSubmission,
    #[serde(default)]
    pub clinician_count: Option<u32>,
    #[serde(default = "yes")]
    pub has_cehrt: bool,
    #[serde(default)]
    pub scores: ScoresDto,
}

fn yes() -> bool {
    true
}

/// A reporting level, or `undecided` (`None`).
pub fn parse_level_choice(text: &str) -> Result<Option<ReportingLevel>, ApiError> {
    match text.trim() {
        "undecided" | "" => Ok(None),
        t => parse_level(t).map(Some),
    }
}

/// What a caller says of the not-applying decision: absent keeps it, empty withdraws it.
pub fn not_applying_change(text: Option<&str>) -> hardship_app::practice_years::NotApplyingChange {
    use hardship_app::practice_years::NotApplyingChange as C;
    match text.map(str::trim) {
        None => C::Keep,
        Some("") => C::Withdraw,
        Some(why) => C::Decide(why.to_owned()),
    }
}

impl ProfileUpdateDto {
    pub fn parse(self) -> Result<(i64, hardship_app::practice_years::ProfileInput), ApiError> {
        Ok((
            self.version,
            hardship_app::practice_years::ProfileInput {
                level: parse_level_choice(&self.level)?,
                pi_submitted: self.pi_submitted,
                clinician_count: self.clinician_count,
                has_cehrt: self.has_cehrt,
                scores: ScoreEstimates {
                    quality: check_score("scores.quality", self.scores.quality)?,
                    cost: check_score("scores.cost", self.scores.cost)?,
                    ia: check_score("scores.ia", self.scores.ia)?,
                    pi: check_score("scores.pi", self.scores.pi)?,
                },
                not_applying: not_applying_change(self.not_applying.as_deref()),
            },
        ))
    }
}

/// The practice's answers to the screening questions.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsDto {
    #[serde(default)]
    pub clinician_count: Option<u32>,
    #[serde(default)]
    pub overwhelming_barriers: bool,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub ehr_decertified_on: Option<String>,
    #[serde(default)]
    pub good_faith_new_cehrt: bool,
    #[serde(default)]
    pub decertified_exception_years_used: u32,
    #[serde(default)]
    pub insufficient_internet: bool,
    /// `disaster`, `practice_or_hospital_closure`, `severe_financial_distress`, `ehr_vendor_issues`.
    #[serde(default)]
    pub event_kind: Option<String>,
    #[serde(default)]
    pub event_start: Option<String>,
    #[serde(default)]
    pub event_end: Option<String>,
    /// 0–100.
    #[serde(default)]
    pub percent_encounters_without_cehrt_control: Option<u8>,
    #[serde(default = "yes")]
    pub has_cehrt: bool,
    /// Adversely affected by the COVID-19 public health emergency (the PY 2019 COVID-19 reason only).
    #[serde(default)]
    pub covid19_affected: bool,
}

impl FactsDto {
    pub fn parse(&self) -> Result<hardship_rules::screening::PracticeFacts, ApiError> {
        use hardship_rules::screening::{EucEvent, PracticeFacts};
        let start = parse_opt_date("event_start", self.event_start.as_deref())?;
        let end = parse_opt_date("event_end", self.event_end.as_deref())?;
        let kind = match self.event_kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(parse_euc_kind(k)?),
        };
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(ApiError::BadRequest(format!(
                "invalid event_end \"{e}\": before the event's start {s} (leave it blank while the event goes on)"
            )));
        }
        let event = match (kind, start) {
            (Some(kind), Some(start)) => Some(EucEvent { kind, start, end }),
            (Some(_), None) => {
                return Err(ApiError::BadRequest(
                    "invalid event_start \"\": an event needs its start date".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(ApiError::BadRequest(
                    "invalid event_kind \"\": say what kind of event it was".into(),
                ));
            }
            (None, None) => None,
        };
        if let Some(p) = self.percent_encounters_without_cehrt_control
            && p > 100
        {
            return Err(ApiError::BadRequest(format!(
                "invalid percent_encounters_without_cehrt_control \"{p}\": a percentage from 0 to 100"
            )));
        }
        let facts = PracticeFacts {
            clinician_count: self.clinician_count,
            overwhelming_barriers: self.overwhelming_barriers,
            ehr_decertified_on: parse_opt_date(
                "ehr_decertified_on",
                self.ehr_decertified_on.as_deref(),
            )?,
            good_faith_new_cehrt: self.good_faith_new_cehrt,
            decertified_exception_years_used: self.decertified_exception_years_used,
            insufficient_internet: self.insufficient_internet,
            event,
            share_encounters_without_cehrt_control: self
                .percent_encounters_without_cehrt_control
                .map(|p| f64::from(p) / 100.0),
            has_cehrt: self.has_cehrt,
            covid19_affected: self.covid19_affected,
        };
        facts.validate().map_err(bad)?;
        Ok(facts)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Quality score 0–100 (default: the profile's estimate).
    pub quality: Option<String>,
    pub cost: Option<String>,
    pub ia: Option<String>,
    /// The PI score reporting would earn.
    pub pi: Option<String>,
}

impl ScoreQuery {
    pub fn parse(&self) -> Result<ScoreEstimates, ApiError> {
        Ok(ScoreEstimates {
            quality: parse_opt_score("quality", self.quality.as_deref())?,
            cost: parse_opt_score("cost", self.cost.as_deref())?,
            ia: parse_opt_score("ia", self.ia.as_deref())?,
            pi: parse_opt_score("pi", self.pi.as_deref())?,
        })
    }
}

/// What to ask CMS's QPP Eligibility API about: the practice's clinicians in a performance year.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchInput {
    pub year: u16,
    /// Ask again about clinicians whose answer is younger than 24 hours (skipped otherwise).
    #[serde(default)]
    pub refresh: bool,
}

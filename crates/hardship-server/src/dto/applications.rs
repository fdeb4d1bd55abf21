//! Applications: applicants, submitters, states, what a client sends to create, edit or move one.

use super::*;
use utoipa::IntoParams;

/// An application's content, as created or edited.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[schema(value_type = String, format = Uuid)]
    pub practice: PracticeId,
    pub year: u16,
    pub applicant: ApplicantDto,
    /// A reason the year accepts: `small_practice`, `decertified_ehr`, `insufficient_internet`,
    /// `extreme_uncontrollable`, `lack_of_control_cehrt`. For an EUC application it may be left out
    /// (it is `extreme_uncontrollable`).
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub euc_kind: Option<String>,
    /// `pi_hardship` (the default) or `euc`: the extreme and uncontrollable circumstances exception,
    /// which reweights the `categories` it names.
    #[serde(default)]
    pub kind: Option<String>,
    /// EUC: the performance categories to reweight, at least one of `quality`, `cost`, `ia`, `pi`
    /// (every one for an APM entity).
    #[serde(default)]
    pub categories: Vec<String>,
    /// EUC: the event cited: `disaster`, `practice_or_hospital_closure`, `severe_financial_distress`,
    /// `ehr_vendor_issues`, `covid19`, `change_healthcare_cyberattack`, `iv_fluid_shortage`,
    /// `third_party_intermediary_failure` (the year's own list; after the deadline only a reopened
    /// window's reason).
    #[serde(default)]
    pub euc_event: Option<String>,
    #[serde(default)]
    pub circumstance_start: Option<String>,
    #[serde(default)]
    pub circumstance_end: Option<String>,
    #[serde(default)]
    pub description: String,
    pub submitter: SubmitterDto,
    #[serde(default)]
    pub facts: ApplicationFactsDto,
    #[serde(default)]
    pub attested: bool,
    /// Required when editing: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

impl ApplicationInput {
    pub fn parse(&self) -> Result<ApplicationDraft, ApiError> {
        let year = PerformanceYear::new(self.year).map_err(bad)?;
        let euc_kind = match self.euc_kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(k) => Some(parse_euc_kind(k)?),
        };
        let euc = match self.kind.as_deref().map(str::trim) {
            None | Some("") | Some("pi_hardship") => {
                if !self.categories.is_empty() || self.euc_event.is_some() {
                    return Err(ApiError::BadRequest(
                        "invalid kind \"pi_hardship\": categories and euc_event belong to an EUC application (kind \"euc\")".into(),
                    ));
                }
                None
            }
            Some("euc") => {
                let categories = self
                    .categories
                    .iter()
                    .map(|c| Category::parse(c).map_err(bad))
                    .collect::<Result<Vec<_>, _>>()?;
                let event =
                    EucEventType::parse(self.euc_event.as_deref().unwrap_or("")).map_err(bad)?;
                Some(EucRequest { categories, event })
            }
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "invalid kind {other:?}: expected one of: pi_hardship, euc"
                )));
            }
        };
        let reason = match (&euc, self.reason.trim()) {
            (Some(_), "") => HardshipReason::ExtremeUncontrollable,
            (_, r) => parse_reason(r)?,
        };
        Ok(ApplicationDraft {
            practice: self.practice,
            year,
            applicant: self.applicant.parse()?,
            reason,
            circumstance_start: parse_opt_date(
                "circumstance_start",
                self.circumstance_start.as_deref(),
            )?,
            circumstance_end: parse_opt_date("circumstance_end", self.circumstance_end.as_deref())?,
            description: self.description.clone(),
            submitter: Submitter {
                first_name: self.submitter.first_name.trim().to_owned(),
                last_name: self.submitter.last_name.trim().to_owned(),
                email: self.submitter.email.trim().to_owned(),
                phone: self.submitter.phone.trim().to_owned(),
                extension: self.submitter.extension.trim().to_owned(),
            },
            euc_kind,
            facts: (&self.facts).into(),
            attested: self.attested,
            euc,
        })
    }
}

/// A step of the application's life.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The version you read.
    pub version: i64,
    /// `mark_ready`, `back_to_draft`, `submit`, `approve`, `deny`, `withdraw`, `void`, `link_email`.
    pub action: String,
    /// For `submit`: `portal` or `phone`. For `approve` / `deny` without `decision_email`: where the
    /// decision was seen, `portal` or `phone`.
    #[serde(default)]
    pub channel: Option<String>,
    /// For `submit`: the portal confirmation number or the call reference. For `approve` / `deny`
    /// without `decision_email`: the reference of the portal screen or the call where it was seen.
    #[serde(default)]
    pub reference: Option<String>,
    /// For `approve` / `deny`: the date of CMS's e-mail (YYYY-MM-DD).
    #[serde(default)]
    pub decided_on: Option<String>,
    /// For `approve` / `deny`: the uploaded decision e-mail's document id (or say where the decision was
    /// seen with `channel` and `reference`). For `link_email`: the e-mail to file with a decision
    /// recorded without it.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub decision_email: Option<DocumentId>,
    /// For `void`: what PI data was submitted, by whom.
    #[serde(default)]
    pub note: Option<String>,
}

impl TransitionInput {
    fn channel(&self) -> Result<Channel, ApiError> {
        match self.channel.as_deref().map(str::trim) {
            Some("portal") => Ok(Channel::Portal),
            Some("phone") => Ok(Channel::Phone),
            other => Err(ApiError::BadRequest(format!(
                "invalid channel {:?}: portal or phone",
                other.unwrap_or("")
            ))),
        }
    }

    pub fn parse(&self) -> Result<(i64, hardship_store::Transition), ApiError> {
        use hardship_store::Transition as T;
        let t = match self.action.trim() {
            "mark_ready" => T::MarkReady,
            "back_to_draft" => T::BackToDraft,
            "submit" => T::Submit {
                channel: self.channel()?,
                reference: self.reference.clone().unwrap_or_default(),
            },
            "approve" | "deny" => {
                let decided_on =
                    parse_date("decided_on", self.decided_on.as_deref().unwrap_or(""))?;
                let seen = match (self.decision_email, self.channel.as_deref()) {
                    (None, Some(c)) if !c.trim().is_empty() => Some(DecisionSeen {
                        channel: self.channel()?,
                        reference: self.reference.clone().unwrap_or_default().trim().to_owned(),
                    }),
                    _ => None,
                };
                if self.action.trim() == "approve" {
                    T::Approve {
                        decided_on,
                        email: self.decision_email,
                        seen,
                    }
                } else {
                    T::Deny {
                        decided_on,
                        email: self.decision_email,
                        seen,
                    }
                }
            }
            "link_email" => T::LinkDecisionEmail {
                email: self.decision_email.ok_or_else(|| {
                    ApiError::BadRequest(
                        "invalid decision_email \"\": link_email needs the e-mail's document id"
                            .into(),
                    )
                })?,
            },
            "withdraw" => T::Withdraw,
            "void" => T::VoidByPiSubmission {
                note: self.note.clone().unwrap_or_default(),
            },
            other => {
                return Err(ApiError::BadRequest(format!(
                    "invalid action {other:?}: expected one of: mark_ready, back_to_draft, submit, approve, deny, withdraw, void, link_email"
                )));
            }
        };
        Ok((self.version, t))
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    pub year: Option<String>,
    /// Only this practice's applications.
    pub practice: Option<String>,
}

/// A signature of an application's packet.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// The application's version as read.
    pub version: i64,
    /// The signer's full name, typed.
    pub typed_name: String,
    /// The packet's SHA-256 as read (`packet_sha256` of the packet or its attestations).
    pub packet_sha256: String,
}

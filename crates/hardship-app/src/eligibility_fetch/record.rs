//! Recording one NPI's answer: a profile for each practice it was asked for (when one of its
//! organizations is the practice), a 400/404 as "not known to CMS", anything else as a failure with its
//! reason. Each record is one store transaction with its audit event, so a run stopped later keeps it.

use super::matching;
use super::{Answer, FetchSummary, Target, note};
use crate::App;
use crate::error::{AppError, AppResult};
use crate::imports::profile_entry;
use crate::principal::Principal;
use hardship_formats::eligibility::{self, EligibilityFile, Profile};
use hardship_rules::{Npi, PerformanceYear};
use hardship_store::*;

/// Where and when an answer was asked: what every record of it carries.
struct Asked {
    npi: Npi,
    year: PerformanceYear,
    url: String,
    api_version: String,
    retrieved_at: chrono::DateTime<chrono::Utc>,
}

impl Asked {
    fn answer(&self, practice: PracticeId, outcome: CmsOutcome) -> CmsAnswer {
        CmsAnswer {
            practice,
            npi: self.npi,
            year: self.year,
            retrieved_at: self.retrieved_at,
            url: self.url.clone(),
            api_version: self.api_version.clone(),
            outcome,
        }
    }
}

/// Records one NPI's answer for each practice it was asked for; returns the outcome in a word.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record(
    app: &App,
    p: &Principal,
    practices: &[Practice],
    on: &[(usize, Clinician)],
    t: &Target,
    year: PerformanceYear,
    a: Answer,
    summary: &mut FetchSummary,
) -> AppResult<&'static str> {
    let asked = Asked {
        npi: t.npi,
        year,
        url: a.url,
        api_version: a.api_version,
        retrieved_at: app.now(),
    };
    let fail = |summary: &mut FetchSummary, why: String| {
        for &i in &t.practices {
            summary.failed.push(note(t.npi, &practices[i], why.clone()));
        }
        Ok("failed")
    };
    match (a.http_status, eligibility::parse_eligibility(&a.body)) {
        (200, Ok(EligibilityFile::Profile(profile))) if profile.npi == t.npi => {
            let mut found = false;
            for &i in &t.practices {
                let pr = &practices[i];
                let existing = on.iter().find(|(j, _)| *j == i).map(|(_, c)| c);
                match record_profile(app, p, pr, existing, &profile, &asked).await? {
                    Ok(set) => {
                        summary.statuses_set += set;
                        found = true;
                    }
                    Err(why) => summary.unmatched.push(note(t.npi, pr, why)),
                }
            }
            if found {
                summary.fetched += 1;
                Ok("found")
            } else {
                Ok("unmatched")
            }
        }
        (200, Ok(EligibilityFile::Profile(profile))) => fail(
            summary,
            format!("CMS answered for another NPI ({})", profile.npi),
        ),
        (400 | 404, Ok(EligibilityFile::Error { kind, message })) => {
            for &i in &t.practices {
                let pr = &practices[i];
                let outcome = CmsOutcome::NotFound {
                    http_status: a.http_status,
                    error: kind.clone(),
                    message: message.clone(),
                };
                app.store
                    .record_cms_answer(p.tenant, &p.actor(), asked.answer(pr.id, outcome), None)
                    .await?;
                summary.not_found.push(note(
                    t.npi,
                    pr,
                    format!("CMS answered {} {kind}: {message}", a.http_status),
                ));
            }
            Ok("not found")
        }
        (400 | 404, _) => fail(
            summary,
            format!(
                "CMS answered {} without its error JSON: is the base URL right?",
                a.http_status
            ),
        ),
        (status, Err(e)) => fail(
            summary,
            format!("CMS's answer ({status}) is not an eligibility profile: {e}"),
        ),
        (status, Ok(_)) => fail(
            summary,
            format!("CMS answered {status} with an unexpected body"),
        ),
    }
}

/// Records a profile for one practice when one of its organizations is the practice: the answer (every
/// status CMS stated there) and the clinician's special statuses as CMS data, in one transaction. `Err`
/// says why no organization is the practice.
async fn record_profile(
    app: &App,
    p: &Principal,
    pr: &Practice,
    existing: Option<&Clinician>,
    profile: &Profile,
    asked: &Asked,
) -> AppResult<Result<u32, String>> {
    let org = match matching::choose_organization(&profile.organizations, pr.tin, &pr.name) {
        Ok(o) => o,
        Err(why) => return Ok(Err(why)),
    };
    let origin = StatusOrigin::CmsEligibility {
        retrieved_on: asked.retrieved_at.date_naive(),
    };
    let built = profile_entry(profile, org, asked.year, existing, origin)
        .map_err(|e| AppError::invalid(e.column, e.message))?;
    let outcome = CmsOutcome::Found {
        clinician: profile.name.clone(),
        organization: org.name.clone(),
        statuses: matching::cms_statuses(org),
    };
    let sum = app
        .store
        .record_cms_answer(
            p.tenant,
            &p.actor(),
            asked.answer(pr.id, outcome),
            Some(built.entry),
        )
        .await?;
    Ok(Ok(sum.statuses_set))
}

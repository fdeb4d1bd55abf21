//! A practice-year: the eligibility view with its warnings, the reporting profile, filed decisions, the
//! score impact with its chart, and the submission guard.

use super::*;

#[derive(Template)]
#[template(path = "eligibility.html")]
pub(super) struct EligibilityPage {
    pub(super) nav: Nav,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) practice: PracticeDto,
    pub(super) year: u16,
    pub(super) years: Vec<u16>,
    pub(super) a: Assessment,
    pub(super) profile: dto::ProfileDto,
    pub(super) deadline: DeadlineView,
    pub(super) applications: Vec<ApplicationDto>,
    pub(super) pi_name: String,
}

pub(super) async fn eligibility_page(
    state: &AppState,
    user: WebUser,
    id: PracticeId,
    year: PerformanceYear,
    notice: Option<String>,
    error: Option<String>,
) -> Result<EligibilityPage, WebError> {
    let b = hardship_app::practice_years::practice_year(state, &user.0, id, year).await?;
    let mut nav = user.nav(state).await?;
    nav.year = year.get();
    Ok(EligibilityPage {
        nav,
        notice,
        error,
        practice: (&b.practice).into(),
        year: year.get(),
        years: years(),
        a: b.assessment.clone(),
        profile: (&b.profile).into(),
        deadline: hardship_app::years::deadline_view(year, state.now())?,
        applications: b
            .applications
            .iter()
            .filter(|a| a.draft.year == year)
            .map(ApplicationDto::from)
            .collect(),
        pi_name: hardship_app::years::rules(year)?.pi_category_name.clone(),
    })
}

pub async fn year(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let page = eligibility_page(
        &state,
        user,
        practice_id(&id)?,
        parse_year(&year)?,
        notice_text(q.notice.as_deref()).or_else(|| {
            (q.notice.as_deref() == Some("filed")).then(|| {
                "The assessment was filed with its rule-set version and sources.".to_owned()
            })
        }),
        None,
    )
    .await?;
    Ok(html(&page))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub(super) version: i64,
    #[serde(default)]
    pub(super) level: String,
    pub(super) pi_submitted: Option<String>,
    pub(super) no_cehrt: Option<String>,
    pub(super) clinician_count: Option<String>,
    pub(super) quality: Option<String>,
    pub(super) cost: Option<String>,
    pub(super) ia: Option<String>,
    pub(super) pi: Option<String>,
    /// Why the practice will report PI and not apply; empty withdraws it; absent keeps it.
    pub(super) not_applying: Option<String>,
}

pub async fn save_profile(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, f): Form<ProfileForm>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let result: Result<(), ApiError> = async {
        let count = match text(&f.clinician_count) {
            "" => None,
            t => Some(t.parse::<u32>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "invalid clinician_count {t:?}: a whole number of clinicians"
                ))
            })?),
        };
        let input = hardship_app::practice_years::ProfileInput {
            level: dto::parse_level_choice(&f.level)?,
            not_applying: dto::not_applying_change(f.not_applying.as_deref()),
            pi_submitted: match text(&f.pi_submitted) {
                "" => hardship_rules::PiSubmission::No,
                // A checkbox from an older page.
                "on" => hardship_rules::PiSubmission::Qualifying,
                t => hardship_rules::PiSubmission::parse(t)
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?,
            },
            clinician_count: count,
            has_cehrt: !ticked(&f.no_cehrt),
            scores: ScoreEstimates {
                quality: dto::parse_opt_score("quality", f.quality.as_deref())?,
                cost: dto::parse_opt_score("cost", f.cost.as_deref())?,
                ia: dto::parse_opt_score("ia", f.ia.as_deref())?,
                pi: dto::parse_opt_score("pi", f.pi.as_deref())?,
            },
        };
        hardship_app::practice_years::set_profile(&state, &p, id, year, f.version, input).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see(&format!("/practices/{id}/years/{year}?notice=saved"))),
        Err(e) => {
            let status = e.status();
            let page =
                eligibility_page(&state, WebUser(p), id, year, None, Some(e.public_message()))
                    .await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct Nothing {}

/// Files the current assessment (each clinician and the group) as stored decisions with the rule-set
/// version and sources, for the audit binder.
pub async fn file_decisions(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    Form(p, _): Form<Nothing>,
) -> PageResult {
    p.require_write()?;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let b = hardship_app::practice_years::practice_year(&state, &p, id, year).await?;
    let now = state.now();
    let mut decisions: Vec<(Option<ClinicianId>, &hardship_app::assess::Outcome)> = b
        .assessment
        .clinicians
        .iter()
        .map(|c| (Some(ClinicianId(c.clinician)), &c.individual))
        .collect();
    if let Some(g) = &b.assessment.group {
        decisions.push((None, g));
    }
    for (clinician, o) in decisions {
        let d = StoredDecision {
            id: DecisionId(uuid::Uuid::new_v4()),
            tenant: p.tenant,
            practice: id,
            clinician,
            year,
            rule_set_version: b.assessment.rule_set_version.clone(),
            reweighted: o.reweighted,
            basis: o.basis.clone(),
            explanation: serde_json::to_value(&o.explanation)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            decided_at: now,
        };
        state
            .store_for(&p)
            .record_decision(p.tenant, &p.actor(), d)
            .await?;
    }
    Ok(see(&format!("/practices/{id}/years/{year}?notice=filed")))
}

#[derive(Template)]
#[template(path = "score.html")]
pub(super) struct ScorePage {
    pub(super) nav: Nav,
    pub(super) practice: PracticeDto,
    pub(super) year: u16,
    pub(super) i: ScoreImpact,
    pub(super) svg: String,
    pub(super) quality: String,
    pub(super) cost: String,
    pub(super) ia: String,
    pub(super) pi: String,
}

pub(super) fn show_score(v: Option<f64>) -> String {
    v.map(hardship_rules::ruleset::fmt_num).unwrap_or_default()
}

pub async fn score(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<ScoreQuery>,
) -> PageResult {
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let (b, i) =
        hardship_app::applications::score_impact(&state, &user.0, id, year, q.parse()?).await?;
    let svg = impact::render_svg(&i);
    let mut nav = user.nav(&state).await?;
    nav.year = year.get();
    Ok(html(&ScorePage {
        nav,
        practice: (&b.practice).into(),
        year: year.get(),
        quality: show_score(i.quality),
        cost: show_score(i.cost),
        ia: show_score(i.ia),
        pi: hardship_rules::ruleset::fmt_num(i.pi_score),
        svg,
        i,
    }))
}

/// The chart alone, for the page's script to swap in as the inputs change.
pub async fn score_svg(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    Query(q): Query<ScoreQuery>,
) -> PageResult {
    let (_, i) = hardship_app::applications::score_impact(
        &state,
        &user.0,
        practice_id(&id)?,
        parse_year(&year)?,
        q.parse()?,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        impact::render_svg(&i),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "guard.html")]
pub(super) struct GuardPage {
    pub(super) nav: Nav,
    pub(super) practice: PracticeDto,
    pub(super) year: u16,
    pub(super) r: hardship_app::guard::GuardReport,
}

/// Checks a submission file (from the eligibility page) before the registry or EHR sends it.
pub async fn submission_check(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, year)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let p = user.0;
    let id = practice_id(&id)?;
    let year = parse_year(&year)?;
    let multipart = multipart.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let form = csrf_then_file(&state, &p, multipart).await?;
    let r =
        hardship_app::guard::check_submission(&state, &p, id, year, &form.name, &form.file).await?;
    let b = hardship_app::practice_years::practice_year(&state, &p, id, year).await?;
    let status = if r.blocked {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut nav = WebUser(p).nav(&state).await?;
    nav.year = year.get();
    Ok(html_status(
        status,
        &GuardPage {
            nav,
            practice: (&b.practice).into(),
            year: year.get(),
            r,
        },
    ))
}

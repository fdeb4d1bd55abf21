//! Editing an application: the wizard's fields filled from the record; saving sends a ready one back to
//! draft.

use super::*;

#[derive(Template)]
#[template(path = "application_edit.html")]
pub(super) struct EditPage {
    pub(super) nav: Nav,
    pub(super) error: Option<String>,
    pub(super) id: String,
    pub(super) version: i64,
    pub(super) practice: dto::PracticeDto,
    pub(super) year: u16,
    pub(super) f: WizardFields,
    pub(super) reasons: Vec<(String, String)>,
    pub(super) levels: Vec<(String, String)>,
    pub(super) roster: Vec<(String, String)>,
    pub(super) euc_kinds: Vec<(&'static str, &'static str)>,
}

pub(super) fn fields_of(a: &Application) -> WizardFields {
    let d = &a.draft;
    let s = |v: String| Some(v).filter(|x| !x.is_empty());
    let (level, npi, identifier) = match &d.applicant {
        Applicant::Individual { npi, .. } => ("individual", Some(npi.to_string()), None),
        Applicant::Group { .. } => ("group", None, None),
        Applicant::VirtualGroup { identifier } => ("virtual_group", None, Some(identifier.clone())),
        Applicant::ApmEntity { identifier } => ("apm_entity", None, Some(identifier.clone())),
    };
    let cats = d.euc.as_ref().map(|e| e.category_set()).unwrap_or_default();
    let cat = |c: hardship_rules::Category| cats.contains(c).then(|| "on".to_owned());
    let yes = |b: bool| b.then(|| "on".to_owned());
    WizardFields {
        step: None,
        clinician_count: d.facts.clinician_count.map(|n| n.to_string()),
        overwhelming_barriers: yes(d.facts.overwhelming_barriers),
        ehr_decertified_on: None,
        good_faith_new_cehrt: yes(d.facts.good_faith_new_cehrt),
        decertified_exception_years_used: Some(
            d.facts.decertified_exception_years_used.to_string(),
        ),
        insufficient_internet: yes(d.facts.insufficient_internet),
        event_kind: d.euc_kind.map(|k| dto::euc_kind_code(k).to_owned()),
        event_start: None,
        event_end: None,
        percent_encounters_without_cehrt_control: d
            .facts
            .percent_encounters_without_cehrt_control
            .map(|p| p.to_string()),
        no_cehrt: None,
        kind: d.euc.as_ref().map(|_| "euc".to_owned()),
        euc_event: d.euc.as_ref().map(|e| e.event.code().to_owned()),
        cat_quality: cat(hardship_rules::Category::Quality),
        cat_cost: cat(hardship_rules::Category::Cost),
        cat_ia: cat(hardship_rules::Category::Ia),
        cat_pi: cat(hardship_rules::Category::Pi),
        reason: Some(d.reason.code().to_owned()),
        level: Some(level.to_owned()),
        npi,
        identifier,
        description: s(d.description.clone()),
        circumstance_start: d.circumstance_start.map(|x| x.to_string()),
        circumstance_end: d.circumstance_end.map(|x| x.to_string()),
        first_name: s(d.submitter.first_name.clone()),
        last_name: s(d.submitter.last_name.clone()),
        email: s(d.submitter.email.clone()),
        phone: s(d.submitter.phone.clone()),
        extension: s(d.submitter.extension.clone()),
        attested: yes(d.attested),
        mark_ready: None,
        csrf: None,
        version: Some(a.version.to_string()),
    }
}

pub(super) async fn edit_page_for(
    state: &AppState,
    user: WebUser,
    app: &Application,
    f: WizardFields,
    error: Option<String>,
) -> Result<EditPage, WebError> {
    let p = &user.0;
    let pr = state
        .store_for(p)
        .get_practice(p.tenant, app.draft.practice)
        .await?;
    let roster = state.store_for(p).list_clinicians(p.tenant, pr.id).await?;
    let rules = hardship_app::years::rules(app.draft.year)?;
    Ok(EditPage {
        nav: user.nav(state).await?,
        error,
        id: app.id.to_string(),
        version: app.version,
        practice: (&pr).into(),
        year: app.draft.year.get(),
        f,
        reasons: rules
            .hardship_reasons
            .iter()
            .filter(|r| r.accepted)
            .map(|r| (r.reason.code().to_owned(), r.reason.label().to_owned()))
            .collect(),
        levels: if app.draft.euc.is_some() {
            rules
                .euc_application
                .as_ref()
                .map(|e| e.levels.levels.clone())
                .unwrap_or_default()
        } else {
            rules.application_levels.levels.clone()
        }
        .iter()
        .map(|l| (l.code().to_owned(), l.label().to_owned()))
        .collect(),
        roster: roster
            .iter()
            .map(|c| (c.npi.to_string(), c.name.clone()))
            .collect(),
        euc_kinds: EUC_KINDS.to_vec(),
    })
}

pub(super) async fn editable(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Application, WebError> {
    p.require_contribute()?;
    let id: ApplicationId = parse_id("application", id)?;
    Ok(state.store_for(p).get_application(p.tenant, id).await?)
}

pub async fn edit_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> PageResult {
    let app = editable(&state, &user.0, &id).await?;
    let f = fields_of(&app);
    let page = edit_page_for(&state, user, &app, f, None).await?;
    Ok(html(&page))
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<WizardFields>,
) -> PageResult {
    let app = editable(&state, &p, &id).await?;
    let pr = state
        .store_for(&p)
        .get_practice(p.tenant, app.draft.practice)
        .await?;
    let result = async {
        let version: i64 = text(&f.version)
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("invalid version {:?}", text(&f.version))))?;
        let draft = f
            .input(app.draft.practice, app.draft.year, pr.tin.as_str())?
            .parse()?;
        hardship_app::applications::update_application(&state, &p, app.id, version, draft)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(a) => Ok(see(&format!("/applications/{}?notice=saved", a.id))),
        Err(e) => {
            let status = e.status();
            let page = edit_page_for(&state, WebUser(p), &app, f, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

//! One application's page: its fields, state, packet and evidence, and the steps of its life.

use super::*;
use hardship_app::report::QPP_SERVICE_CENTER;

#[derive(Template)]
#[template(path = "application.html")]
pub(super) struct ApplicationPage {
    pub(super) nav: Nav,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    pub(super) a: ApplicationDto,
    pub(super) practice: dto::PracticeDto,
    pub(super) deadline: DeadlineView,
    pub(super) documents: Vec<DocumentDto>,
    pub(super) events: Vec<AuditEntry>,
    pub(super) kinds: Vec<(&'static str, &'static str)>,
    pub(super) euc_kind_label: String,
    /// Why the application cannot be marked ready yet, if it cannot.
    pub(super) readiness: Option<String>,
    pub(super) today: String,
    pub(super) phone_number: &'static str,
    /// The packet's hash now, whether it is signed, and by whom.
    pub(super) attestation: dto::AttestationsDto,
    /// For an EUC application: the windows CMS reopened for one reason that are open now.
    pub(super) reopened: Vec<hardship_app::years::ReopenedWindowView>,
}

pub(super) async fn show_page(
    state: &AppState,
    user: WebUser,
    id: ApplicationId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<(StatusCode, ApplicationPage), WebError> {
    let p = &user.0;
    let app = state.store_for(p).get_application(p.tenant, id).await?;
    let pr = state
        .store_for(p)
        .get_practice(p.tenant, app.draft.practice)
        .await?;
    let docs = state
        .store_for(p)
        .list_documents(p.tenant, Some(pr.id))
        .await?;
    // The application's own events and those of the evidence filed with it, in order, with names.
    let own: Vec<String> = std::iter::once(id.to_string())
        .chain(
            docs.iter()
                .filter(|d| d.application == Some(id))
                .map(|d| d.id.to_string()),
        )
        .collect();
    let events: Vec<AuditEntry> = hardship_app::audit_trail::trail(
        state,
        p,
        &hardship_app::audit_trail::AuditFilter {
            practice: Some(pr.id),
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|e| own.contains(&e.entity_id))
    .collect();
    let readiness = match app.state {
        ApplicationState::Draft => hardship_store::application::validate_complete(&app.draft)
            .err()
            .map(|e| e.to_string()),
        _ => None,
    };
    let (sha, signed, list) = hardship_app::attest::current(state, p, id).await?;
    let attestation = dto::AttestationsDto::new(sha, &signed, &list, app.draft.attested);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        ApplicationPage {
            nav: user.nav(state).await?,
            notice,
            error,
            euc_kind_label: app
                .draft
                .euc_kind
                .map(dto::euc_kind_label)
                .unwrap_or("")
                .to_owned(),
            a: (&app).into(),
            practice: (&pr).into(),
            deadline: hardship_app::years::deadline_view(app.draft.year, state.now())?,
            documents: docs
                .iter()
                .filter(|d| d.application.is_none_or(|x| x == id))
                .map(DocumentDto::from)
                .collect(),
            events,
            kinds: hardship_app::evidence::DOCUMENT_KINDS.to_vec(),
            readiness,
            today: state.now().date_naive().to_string(),
            phone_number: QPP_SERVICE_CENTER,
            attestation,
            reopened: if app.draft.euc.is_some() {
                hardship_app::years::reopened_windows(app.draft.year, state.now())?
            } else {
                Vec::new()
            },
        },
    ))
}

#[derive(Deserialize)]
pub struct NoticeParam {
    pub(super) notice: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeParam>,
) -> PageResult {
    let notice = match q.notice.as_deref() {
        Some("created") => Some("Application saved as a draft.".to_owned()),
        Some("moved") => Some("Done.".to_owned()),
        Some("saved") => Some("Saved.".to_owned()),
        Some("uploaded") => Some("Evidence stored in the vault.".to_owned()),
        Some("signed") => {
            Some("Signed: the attestation is recorded with this packet's SHA-256.".to_owned())
        }
        _ => None,
    };
    let (status, page) =
        show_page(&state, user, parse_id("application", &id)?, notice, None).await?;
    Ok(html_status(status, &page))
}

#[derive(Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    pub(super) action: String,
    pub(super) channel: Option<String>,
    pub(super) reference: Option<String>,
    pub(super) decided_on: Option<String>,
    pub(super) decision_email: Option<String>,
    pub(super) note: Option<String>,
}

pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<TransitionForm>,
) -> PageResult {
    // Which steps a client may take (ready and back) is the use case's to say.
    p.require_contribute()?;
    let id: ApplicationId = parse_id("application", &id)?;
    state.store_for(&p).get_application(p.tenant, id).await?;
    let result = async {
        let version: i64 = f
            .version
            .trim()
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("invalid version {:?}", f.version)))?;
        let email = match text(&f.decision_email) {
            "" => None,
            t => Some(parse_id::<DocumentId>("decision_email", t)?),
        };
        let input = TransitionInput {
            version,
            action: f.action.clone(),
            channel: f.channel.clone(),
            reference: f.reference.clone(),
            decided_on: f.decided_on.clone(),
            decision_email: email,
            note: f.note.clone(),
        };
        let (v, t) = input.parse()?;
        hardship_app::applications::transition(&state, &p, id, v, t)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see(&format!("/applications/{id}?notice=moved"))),
        Err(e) => {
            let status = e.status();
            let (_, page) =
                show_page(&state, WebUser(p), id, None, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    pub(super) typed_name: String,
    #[serde(default)]
    pub(super) packet_sha256: String,
    pub(super) agree: Option<String>,
}

/// Signs the packet the page showed: the typed name, the signer's account, today, and the packet's hash
/// as the page had it (refused when the packet changed since).
pub async fn sign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p, f): Form<SignForm>,
) -> PageResult {
    p.require_contribute()?;
    let id: ApplicationId = parse_id("application", &id)?;
    let result = async {
        if !super::ticked(&f.agree) {
            return Err(ApiError::Unprocessable(
                "agree: tick the attestation to sign it".into(),
            ));
        }
        let version: i64 = f
            .version
            .trim()
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("invalid version {:?}", f.version)))?;
        hardship_app::attest::sign(&state, &p, id, version, &f.typed_name, &f.packet_sha256)
            .await
            .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see(&format!(
            "/applications/{id}?notice=signed#attestation"
        ))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            let (_, page) =
                show_page(&state, WebUser(p), id, None, Some(e.public_message())).await?;
            Ok(html_status(status, &page))
        }
    }
}

//! Applications from draft to CMS's answer, their audit trail and their packets.

use super::prelude::*;

/// Applications of the organization.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationsQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<ApplicationDto>), (status = 400, body = ErrorBody)))]
pub(super) async fn list_applications(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<ApplicationsQuery>,
) -> ApiResult<Json<Vec<ApplicationDto>>> {
    let year = match q.year.as_deref() {
        Some(y) if !y.is_empty() => Some(parse_year(y)?),
        _ => None,
    };
    let practice = match q.practice.as_deref() {
        Some(pr) if !pr.is_empty() => Some(practice_id(pr)?),
        _ => None,
    };
    let list = state
        .store_for(&p)
        .list_applications(p.tenant, year)
        .await?;
    Ok(Json(
        list.iter()
            .filter(|a| practice.is_none_or(|pr| a.draft.practice == pr))
            .map(ApplicationDto::from)
            .collect(),
    ))
}

/// Starts an application as a draft (the year must accept the reason; the applicant must belong to the
/// practice).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_application(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(body): ApiJson<ApplicationInput>,
) -> ApiResult<Response> {
    p.require_contribute()?;
    let app = hardship_app::applications::create_application(&state, &p, body.parse()?).await?;
    Ok(created(ApplicationDto::from(&app)))
}

pub(super) fn application_id(text: &str) -> ApiResult<ApplicationId> {
    parse_id("application", text)
}

/// One application.
#[utoipa::path(get, path = "/api/v1/applications/{application}", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 404, body = ErrorBody)))]
pub(super) async fn get_application(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationDto>> {
    let app = state
        .store_for(&p)
        .get_application(p.tenant, application_id(&id)?)
        .await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// Edits a draft or ready application (a ready one returns to draft).
#[utoipa::path(put, path = "/api/v1/applications/{application}", tag = "applications", request_body = ApplicationInput,
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_application(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationInput>,
) -> ApiResult<Json<ApplicationDto>> {
    p.require_contribute()?;
    let id = application_id(&id)?;
    let version = body.version.ok_or_else(|| {
        ApiError::BadRequest("invalid version \"\": send the version you read".into())
    })?;
    let app =
        hardship_app::applications::update_application(&state, &p, id, version, body.parse()?)
            .await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// Moves an application on: mark ready, back to draft, submit (portal confirmation number or call
/// reference; refused after the deadline), approve or deny (CMS's e-mail), withdraw, void.
#[utoipa::path(post, path = "/api/v1/applications/{application}/transitions", tag = "applications",
    request_body = TransitionInput,
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn transition_application(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionInput>,
) -> ApiResult<Json<ApplicationDto>> {
    // The role first (an auditor is refused whatever it sends); which steps a client may take is the
    // use case's to say.
    p.require_contribute()?;
    let id = application_id(&id)?;
    let (version, t) = body.parse()?;
    let app = hardship_app::applications::transition(&state, &p, id, version, t).await?;
    Ok(Json(ApplicationDto::from(&app)))
}

/// The audit events of one application.
#[utoipa::path(get, path = "/api/v1/applications/{application}/audit", tag = "audit",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 404, body = ErrorBody)))]
pub(super) async fn application_audit(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let id = application_id(&id)?;
    state.store_for(&p).get_application(p.tenant, id).await?;
    let filter = hardship_app::audit_trail::AuditFilter {
        entity: Some(id.to_string()),
        ..Default::default()
    };
    Ok(Json(
        hardship_app::audit_trail::trail(&state, &p, &filter).await?,
    ))
}

/// Checks a QPP submission file before it is sent: does it carry PI data for a submitter whose PI is
/// reweighted? `blocked` says not to send it as it is; the message names who loses what and the
/// final-score consequence.
#[utoipa::path(post, path = "/api/v1/practices/{practice}/years/{year}/submission-check", tag = "eligibility",
    request_body(content = Object, content_type = "application/json", description = "The QPP submission JSON (Submissions API measurement-set format)"),
    params(("practice" = String, Path, description = "Practice id"), ("year" = u16, Path, description = "Performance year")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = hardship_app::guard::GuardReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn submission_check(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path((practice, year)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<hardship_app::guard::GuardReport>> {
    let year = parse_year(&year)?;
    Ok(Json(
        hardship_app::guard::check_submission(
            &state,
            &p,
            practice_id(&practice)?,
            year,
            "(sent to the API)",
            &body,
        )
        .await?,
    ))
}

/// Everything the CMS form or the phone call needs, the reason's criteria and how the practice meets
/// them, and the documents to keep.
#[utoipa::path(get, path = "/api/v1/applications/{application}/packet", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ApplicationPacketDto), (status = 404, body = ErrorBody)))]
pub(super) async fn application_packet(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationPacketDto>> {
    let packet = hardship_app::report::packet(&state, &p, application_id(&id)?).await?;
    Ok(Json(ApplicationPacketDto::from(&packet)))
}

/// The packet as a printable PDF.
#[utoipa::path(get, path = "/api/v1/applications/{application}/packet.pdf", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "A PDF", content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub(super) async fn application_packet_pdf(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let pk = hardship_app::report::packet(&state, &p, application_id(&id)?).await?;
    Ok(pdf_response(
        &hardship_app::report::packet_pdf(&pk),
        &format!(
            "packet-{}-{}.pdf",
            pk.practice.tin, pk.application.draft.year
        ),
    ))
}

/// The packet's attestation: its SHA-256 as it reads now, whether that is signed (`signed`, `stale`
/// when only an earlier packet was, `unsigned`) and every signature given.
#[utoipa::path(get, path = "/api/v1/applications/{application}/attestations", tag = "applications",
    params(("application" = String, Path, description = "Application id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AttestationsDto), (status = 404, body = ErrorBody)))]
pub(super) async fn list_attestations(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AttestationsDto>> {
    let id = application_id(&id)?;
    let (sha, status, list) = hardship_app::attest::current(&state, &p, id).await?;
    let ticked = state
        .store_for(&p)
        .get_application(p.tenant, id)
        .await?
        .draft
        .attested;
    Ok(Json(AttestationsDto::new(sha, &status, &list, ticked)))
}

/// Signs the packet of a draft or ready application as the caller's own account (an API token cannot
/// sign): the full name as typed, today, and the packet's SHA-256 as the signer read it (409 when the
/// packet has changed since, or when that packet is already signed).
#[utoipa::path(post, path = "/api/v1/applications/{application}/attestations", tag = "applications",
    request_body = SignInput,
    params(("application" = String, Path, description = "Application id")),
    security(("session" = [])),
    responses((status = 201, body = AttestationDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn sign_attestation(
    State(state): State<AppState>,
    ApiCaller(p): ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignInput>,
) -> ApiResult<Response> {
    p.require_contribute()?;
    let id = application_id(&id)?;
    let a = hardship_app::attest::sign(
        &state,
        &p,
        id,
        body.version,
        &body.typed_name,
        &body.packet_sha256,
    )
    .await?;
    Ok(created(AttestationDto::new(&a, a.packet_sha256)))
}

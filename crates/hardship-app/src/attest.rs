//! Signing an application's packet. A person (a client of the practice, or its owners and staff) types
//! their full name and signs; the record keeps the name, the day, their account and the SHA-256 of the
//! packet as it read then. The hash covers what the packet says is sent — the organization, the practice
//! and its TIN, the application and its year, every field of the CMS form, who it covers and the reason's
//! criteria — and not what changes by itself (when it was generated, the countdown, the history, the
//! evidence on file). Any change to what is sent makes a new hash: the old signature stays on record,
//! and the packet says it was given for an earlier version and must be signed again.

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use crate::report::packet::{self, CoveredClinician, PacketField, ReasonCriteria};
use hardship_store::{Application, ApplicationId, Attestation, NewAttestation, Practice};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a signature covers, serialised as JSON in this order and hashed.
#[derive(Serialize)]
struct Signed<'a> {
    application: ApplicationId,
    year: u16,
    organization: &'a str,
    practice: &'a str,
    tin: &'a str,
    fields: &'a [PacketField],
    clinicians: &'a [CoveredClinician],
    reason: &'a ReasonCriteria,
}

/// The SHA-256 of what a packet says is sent.
pub fn content_sha256(
    application: &Application,
    practice: &Practice,
    organization: &str,
    content: &packet::PacketContent,
) -> [u8; 32] {
    let signed = Signed {
        application: application.id,
        year: application.draft.year.get(),
        organization,
        practice: &practice.name,
        tin: practice.tin.as_str(),
        fields: &content.fields,
        clinicians: &content.clinicians,
        reason: &content.reason,
    };
    // Serialising plain strings and numbers cannot fail; an empty input would still hash distinctly.
    let bytes = serde_json::to_vec(&signed).unwrap_or_default();
    Sha256::digest(&bytes).into()
}

/// Where a packet's attestation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Signed for the packet as it reads now.
    Signed(Attestation),
    /// The latest signature was given for an earlier version of the packet.
    Stale(Attestation),
    Unsigned,
}

impl Status {
    /// The signature for `current`, else the latest one (stale), else none.
    pub fn of(attestations: &[Attestation], current: [u8; 32]) -> Status {
        if let Some(a) = attestations.iter().find(|a| a.packet_sha256 == current) {
            Status::Signed(a.clone())
        } else if let Some(a) = attestations.last() {
            Status::Stale(a.clone())
        } else {
            Status::Unsigned
        }
    }

    /// The line the packet, its PDF and the binder print. `ticked`: the draft's attestation box.
    pub fn line(&self, current: [u8; 32], ticked: bool) -> String {
        match self {
            Status::Signed(a) => a.line(),
            Status::Stale(a) => format!(
                "NOT SIGNED FOR THIS PACKET: {} — the packet has changed since (its SHA-256 is now {}) and must be signed again",
                a.line(),
                hex::encode(current)
            ),
            Status::Unsigned if ticked => {
                "the submitter attests that the information is accurate (not signed yet)".into()
            }
            Status::Unsigned => "NOT YET ATTESTED".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Status::Signed(_) => "signed",
            Status::Stale(_) => "stale",
            Status::Unsigned => "unsigned",
        }
    }
}

/// An application's packet hash now and its attestation's standing.
pub async fn current(
    app: &App,
    p: &Principal,
    id: ApplicationId,
) -> Result<([u8; 32], Status, Vec<Attestation>), AppError> {
    let store = app.store_for(p);
    let application = store.get_application(p.tenant, id).await?;
    let practice = store
        .get_practice(p.tenant, application.draft.practice)
        .await?;
    let org = store.get_organization(p.tenant).await?;
    let year = crate::practice_years::practice_year(
        app,
        p,
        application.draft.practice,
        application.draft.year,
    )
    .await?;
    let content = packet::content(&application, &year)?;
    let sha = content_sha256(&application, &practice, &org.name, &content);
    let list = store.attestations(p.tenant, id).await?;
    Ok((sha, Status::of(&list, sha), list))
}

/// Signs the packet the signer read: `packet_sha256` is the hash they were shown, refused when the
/// packet no longer hashes to it (someone changed the application since), so nobody signs a packet
/// they did not see.
pub async fn sign(
    app: &App,
    p: &Principal,
    id: ApplicationId,
    version: i64,
    typed_name: &str,
    packet_sha256: &str,
) -> Result<Attestation, AppError> {
    p.require_contribute()?;
    let claimed = hardship_store::unhex32(packet_sha256.trim()).ok_or_else(|| {
        AppError::invalid(
            "packet_sha256",
            format!(
                "invalid packet_sha256 {:?}: the packet's SHA-256 in 64 hex digits",
                packet_sha256.chars().take(64).collect::<String>()
            ),
        )
    })?;
    let (now, _, _) = current(app, p, id).await?;
    if now != claimed {
        return Err(AppError::Conflict(format!(
            "the packet has changed since it was read (its SHA-256 is now {}): read it again and sign what it says now",
            hex::encode(now)
        )));
    }
    Ok(app
        .store_for(p)
        .sign_application(
            p.tenant,
            &p.actor(),
            id,
            version,
            NewAttestation {
                typed_name: typed_name.to_owned(),
                packet_sha256: claimed,
            },
        )
        .await?)
}

/// A signature, as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationDto {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: hardship_store::AttestationId,
    /// The signer's full name as typed.
    pub typed_name: String,
    /// The signer's account.
    pub email: String,
    pub role: String,
    pub signed_on: chrono::NaiveDate,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    /// The packet it was given for.
    pub packet_sha256: String,
    /// The application's version when signed.
    pub application_version: i64,
    /// Whether it is the packet as it reads now.
    pub current: bool,
    /// As printed on the packet and in the binder.
    pub line: String,
}

impl AttestationDto {
    pub fn new(a: &Attestation, current: [u8; 32]) -> AttestationDto {
        AttestationDto {
            id: a.id,
            typed_name: a.typed_name.clone(),
            email: a.email.clone(),
            role: a.role.code().to_owned(),
            signed_on: a.signed_on,
            signed_at: a.signed_at,
            packet_sha256: hex::encode(a.packet_sha256),
            application_version: a.application_version,
            current: a.packet_sha256 == current,
            line: a.line(),
        }
    }
}

/// A packet's attestation: its hash now, whether that is signed, and every signature given.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationsDto {
    /// The SHA-256 of the packet as it reads now: what a new signature signs.
    pub packet_sha256: String,
    /// `signed` (for this packet), `stale` (only an earlier packet is signed: sign again) or `unsigned`.
    pub status: String,
    /// The attestation line as the packet prints it.
    pub line: String,
    /// Oldest first.
    pub attestations: Vec<AttestationDto>,
}

impl AttestationsDto {
    pub fn new(
        sha: [u8; 32],
        status: &Status,
        list: &[Attestation],
        ticked: bool,
    ) -> AttestationsDto {
        AttestationsDto {
            packet_sha256: hex::encode(sha),
            status: status.code().to_owned(),
            line: status.line(sha, ticked),
            attestations: list.iter().map(|a| AttestationDto::new(a, sha)).collect(),
        }
    }
}

//! Evidence: checking an upload's description, streaming it into the vault and recording it, opening a
//! document (verified before its first byte leaves), and verifying the tenant's audit log and records.

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use crate::years::{current_year, rules};
use hardship_rules::PerformanceYear;
use hardship_store::*;
use serde::Serialize;
use std::sync::Arc;

// ---- evidence -------------------------------------------------------------------------------------------

/// What an upload says about itself.
pub struct UploadMeta {
    pub practice: PracticeId,
    pub application: Option<ApplicationId>,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    /// The performance year the evidence belongs to (sets retain-until); the application's when linked.
    pub year: Option<PerformanceYear>,
}

/// The kinds of evidence the product knows; no other is accepted.
pub use hardship_store::DOCUMENT_KINDS;

/// Checks an upload's description before any byte is stored.
pub async fn check_upload(
    app: &App,
    p: &Principal,
    meta: &UploadMeta,
) -> Result<(DocumentId, chrono::NaiveDate), AppError> {
    // Evidence is the practice's own: a client uploads its practices' too.
    p.require_contribute()?;
    app.store_for(p)
        .get_practice(p.tenant, meta.practice)
        .await?;
    let year = match meta.application {
        Some(a) => {
            let application = app.store_for(p).get_application(p.tenant, a).await?;
            if application.draft.practice != meta.practice {
                return Err(AppError::NotFound(format!(
                    "application {a} not found in this practice"
                )));
            }
            application.draft.year
        }
        None => meta.year.unwrap_or_else(|| current_year(app.now())),
    };
    let retain_until = rules(year)?.retain_until();
    let id = DocumentId(uuid::Uuid::new_v4());
    let probe = NewDocument {
        id,
        practice: meta.practice,
        application: meta.application,
        kind: meta.kind.clone(),
        filename: meta.filename.clone(),
        content_type: meta.content_type.clone(),
        size: 0,
        sha256: [0; 32],
        object_key: String::new(),
        retain_until,
    };
    validate_new_document(&probe)?;
    if meta.content_type.len() > 200 || meta.content_type.chars().any(char::is_control) {
        return Err(AppError::Malformed(format!(
            "invalid content_type {:?}",
            meta.content_type.chars().take(60).collect::<String>()
        )));
    }
    Ok((id, retain_until))
}

/// Streams an upload into the vault (encrypted, hashed, write-once), then records it. Nothing is recorded
/// unless every byte was stored; an upload over the limit leaves nothing behind.
pub async fn store_upload(
    app: &App,
    p: &Principal,
    meta: UploadMeta,
    id: DocumentId,
    retain_until: chrono::NaiveDate,
    body: impl tokio::io::AsyncRead + Unpin + Send,
) -> Result<Document, AppError> {
    let limit = app.settings.upload_limit as u64;
    let stored = app
        .vault
        .put(p.tenant.0, id.0, retain_until, body, limit)
        .await
        .map_err(|e| match e {
            hardship_vault::VaultError::TooLarge { limit } => AppError::TooLarge(format!(
                "file {:?} is larger than the upload limit of {limit} bytes",
                meta.filename
            )),
            hardship_vault::VaultError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
                vault_full(&meta.filename)
            }
            other => vault_error(other),
        })
        .map_err(|e| match e {
            AppError::StorageFull(_) => vault_full(&meta.filename),
            e => e,
        })?;
    let doc = NewDocument {
        id,
        practice: meta.practice,
        application: meta.application,
        kind: meta.kind,
        filename: meta.filename,
        content_type: meta.content_type,
        size: stored.size,
        sha256: stored.sha256,
        object_key: stored.key,
        retain_until,
    };
    Ok(app
        .store_for(p)
        .record_document(p.tenant, &p.actor(), doc)
        .await?)
}

fn vault_full(filename: &str) -> AppError {
    AppError::StorageFull(format!(
        "the evidence vault is out of space: {filename:?} was not stored and nothing was recorded; ask the operator to free or add storage, then upload it again"
    ))
}

fn vault_error(e: hardship_vault::VaultError) -> AppError {
    let text = e.to_string();
    if text.contains("No space left")
        || text.contains("os error 28")
        || text.contains("QuotaExceeded")
    {
        tracing::error!(error = %text, "the evidence vault is out of space");
        vault_full("the file")
    } else {
        AppError::Internal(format!("vault: {text}"))
    }
}

/// A document and a reader of its bytes, verified against its recorded SHA-256 before the first byte is sent.
pub async fn open_document(
    app: &App,
    p: &Principal,
    id: DocumentId,
) -> Result<(Document, tokio::io::DuplexStream), AppError> {
    let doc = app.store_for(p).get_document(p.tenant, id).await?;
    // The record against its upload event, the key against the record, the bytes against the hash:
    // any failure is named to the user and recorded, and nothing is sent.
    let events = app
        .store_for(p)
        .audit_events(p.tenant, Some(&id.to_string()))
        .await?;
    let upload = events
        .iter()
        .find(|e| e.action == hardship_store::audit::actions::DOCUMENT_UPLOAD);
    let problem = match hardship_store::integrity::document(&doc, upload) {
        Some(f) => Some(f.problem),
        None => match app.vault.check_key(p.tenant.0, id.0, &doc.object_key) {
            Err(e) => Some(e.to_string()),
            Ok(()) => app
                .vault
                .verify(p.tenant.0, &doc.object_key, &doc.sha256)
                .await
                .err()
                .map(|e| e.to_string()),
        },
    };
    if let Some(problem) = problem {
        tracing::error!(document = %id, %problem, "evidence failed its integrity check");
        app.store_for(p)
            .record_observation(
                p.tenant,
                &p.actor(),
                hardship_store::engine::payloads::document_integrity_failed(id, &problem),
            )
            .await?;
        return Err(AppError::Integrity(format!(
            "document {id} ({}) failed its integrity check and was not sent: it is not the file that \
             was uploaded. This has been recorded in the audit log; restore the document from a backup.",
            doc.filename
        )));
    }
    // Who read which evidence, and when: the auditor's "who looked at what".
    app.store_for(p)
        .record_observation(
            p.tenant,
            &p.actor(),
            hardship_store::engine::payloads::document_read(id, "download"),
        )
        .await?;
    let (reader, writer) = tokio::io::duplex(64 * 1024);
    let vault = Arc::clone(&app.vault);
    let key = doc.object_key.clone();
    let tenant = p.tenant.0;
    tokio::spawn(async move {
        if let Err(e) = vault.get(tenant, &key, writer).await {
            tracing::error!(error = %e, key = %key, "evidence download failed mid-stream");
        }
    });
    Ok((doc, reader))
}

// What verifying a tenant's audit log and records found (no doc comment: the OpenAPI schema has none).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AuditVerifyDto))]
pub struct AuditCheck {
    pub ok: bool,
    /// Events checked when the chain is intact.
    pub events: usize,
    /// The first broken event, when not.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
    /// Records that disagree with the log (a document whose hash or size is not its upload event's, an
    /// application whose state is not the one its last event left, a tenant whose log was deleted).
    pub record_problems: Vec<String>,
}

/// Verifies the tenant's audit chain and its records against it.
pub async fn verify_audit(app: &App, p: &Principal) -> Result<AuditCheck, AppError> {
    let records: Vec<String> = app
        .store_for(p)
        .verify_records(p.tenant)
        .await?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(match app.store_for(p).verify_audit(p.tenant).await? {
        Ok(n) => AuditCheck {
            ok: records.is_empty(),
            events: n,
            broken_at: None,
            problem: (!records.is_empty()).then(|| {
                format!(
                    "records disagree with the audit log: {}",
                    records.join("; ")
                )
            }),
            record_problems: records,
        },
        Err(b) => AuditCheck {
            ok: false,
            events: 0,
            broken_at: Some(b.seq),
            problem: Some(format!("event {}: {}", b.seq, b.problem)),
            record_problems: records,
        },
    })
}

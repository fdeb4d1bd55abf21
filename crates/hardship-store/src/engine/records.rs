//! Applications and their state machine, eligibility decisions, evidence records, and observations.

use super::{Backend, Engine, payloads, stale};
use crate::application::{self, Transition};
use crate::attestation::{Attestation, NewAttestation, check_typed_name};
use crate::audit::{Change, actions};
use crate::error::{StoreError, StoreResult};
use crate::model::*;
use crate::{ensure_can_contribute, ensure_can_write, validate_new_document};

impl<B: Backend> Engine<B> {
    pub(super) async fn create_application_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        // The role first: an auditor is told it may not, whatever the draft holds.
        ensure_can_contribute(actor)?;
        application::validate_draft(&draft)?;
        let now = self.now();
        // An EUC application after the main deadline only inside a window reopened for its reason.
        application::check_window(&draft, now)?;
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, draft.practice).await?;
        let app = Application {
            id: ApplicationId(self.id()),
            tenant,
            draft,
            state: ApplicationState::Draft,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        tx.insert_application(&app).await?;
        self.audit(&mut tx, tenant, actor, payloads::application_created(&app))
            .await?;
        tx.commit().await?;
        Ok(app)
    }

    async fn application_at(
        &self,
        tx: &mut Box<dyn super::Tx>,
        tenant: TenantId,
        id: ApplicationId,
        expected: i64,
    ) -> StoreResult<Application> {
        let current = tx
            .application(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("application", id))?;
        if current.version != expected {
            return Err(stale("application", id, expected));
        }
        Ok(current)
    }

    pub(super) async fn update_application_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        ensure_can_contribute(actor)?;
        application::validate_draft(&draft)?;
        application::check_window(&draft, self.now())?;
        let mut tx = self.begin(tenant).await?;
        let current = self.application_at(&mut tx, tenant, id, expected).await?;
        let state = application::state_after_edit(&current.state)?;
        if draft.practice != current.draft.practice {
            return Err(StoreError::invalid(
                "practice",
                "an application cannot move to another practice",
            ));
        }
        let after = Application {
            draft,
            state,
            version: expected + 1,
            updated_at: self.now(),
            ..current.clone()
        };
        if !tx.update_application(&after, expected).await? {
            return Err(stale("application", id, expected));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::application_edited(&current, &after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub(super) async fn transition_application_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected: i64,
        transition: Transition,
    ) -> StoreResult<Application> {
        // Getting a draft ready (and back) is the practice's own work; sending it and recording CMS's
        // answer are the organization's.
        if transition.prepares() {
            ensure_can_contribute(actor)?;
        } else {
            ensure_can_write(actor)?;
        }
        let mut tx = self.begin(tenant).await?;
        let current = self.application_at(&mut tx, tenant, id, expected).await?;
        let now = self.now();
        let next = application::apply(
            &current.draft,
            &current.state,
            &transition,
            &actor.label,
            now,
        )?;
        if let Transition::Approve {
            email: Some(doc), ..
        }
        | Transition::Deny {
            email: Some(doc), ..
        }
        | Transition::LinkDecisionEmail { email: doc } = &transition
            && !tx.document_exists(tenant, *doc).await?
        {
            return Err(StoreError::not_found("document", doc));
        }
        let after = Application {
            state: next,
            version: expected + 1,
            updated_at: now,
            ..current.clone()
        };
        if !tx.update_application(&after, expected).await? {
            return Err(stale("application", id, expected));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::application_transitioned(transition.action(), &current, &after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A signature of the packet as it reads at `expected` (the version the signer read): by a person,
    /// of a draft or ready application, once per packet hash.
    pub(super) async fn sign_application_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected: i64,
        new: NewAttestation,
    ) -> StoreResult<Attestation> {
        ensure_can_contribute(actor)?;
        let user = actor.user.ok_or_else(|| {
            StoreError::Forbidden(
                "an attestation is signed by a person with their own account, not by an API token"
                    .into(),
            )
        })?;
        check_typed_name(&new.typed_name)?;
        let mut tx = self.begin(tenant).await?;
        let app = self.application_at(&mut tx, tenant, id, expected).await?;
        if !matches!(app.state, ApplicationState::Draft | ApplicationState::Ready) {
            return Err(StoreError::IllegalTransition {
                action: "sign",
                state: app.state.name(),
                reason: " (the packet is signed before it is sent)".into(),
            });
        }
        let now = self.now();
        let a = Attestation {
            id: AttestationId(self.id()),
            tenant,
            application: id,
            practice: app.draft.practice,
            application_version: app.version,
            typed_name: new.typed_name.trim().to_owned(),
            user,
            email: actor.label.clone(),
            role: actor.role,
            signed_on: now.date_naive(),
            signed_at: now,
            packet_sha256: new.packet_sha256,
        };
        match tx.insert_attestation(&a).await {
            Err(StoreError::Duplicate { .. }) => {
                return Err(StoreError::Refused(format!(
                    "this packet (SHA-256 {}) is already signed; a change to the application makes a new packet to sign",
                    hex::encode(a.packet_sha256)
                )));
            }
            other => other?,
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::application_attested(&a, &app.state),
        )
        .await?;
        tx.commit().await?;
        Ok(a)
    }

    pub(super) async fn record_decision_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        d: StoredDecision,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        if d.tenant != tenant {
            return Err(StoreError::invalid(
                "tenant",
                "the decision belongs to another tenant",
            ));
        }
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, d.practice).await?;
        tx.insert_decision(&d).await?;
        self.audit(&mut tx, tenant, actor, payloads::decision_recorded(&d))
            .await?;
        tx.commit().await
    }

    pub(super) async fn record_document_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        d: NewDocument,
    ) -> StoreResult<Document> {
        ensure_can_contribute(actor)?;
        validate_new_document(&d)?;
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, d.practice).await?;
        if let Some(a) = d.application {
            let app = tx.application(tenant, a).await?;
            if app.is_none_or(|app| app.draft.practice != d.practice) {
                return Err(StoreError::not_found("application", a));
            }
        }
        let doc = Document {
            id: d.id,
            tenant,
            practice: d.practice,
            application: d.application,
            kind: d.kind,
            filename: d.filename,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            object_key: d.object_key,
            retain_until: d.retain_until,
            uploaded_by: actor.label.clone(),
            uploaded_at: self.now(),
            note: String::new(),
            superseded_by: None,
        };
        tx.insert_document(&doc).await?;
        self.audit(&mut tx, tenant, actor, payloads::document_uploaded(&doc))
            .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Corrects what a document is (its kind, a note, what supersedes it); its bytes never change.
    pub(super) async fn edit_document_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        edit: DocumentEdit,
    ) -> StoreResult<Document> {
        ensure_can_write(actor)?;
        crate::check_document_kind(&edit.kind)?;
        crate::check_text("note", &edit.note, 2000)?;
        if edit.superseded_by == Some(id) {
            return Err(StoreError::invalid(
                "superseded_by",
                "a document cannot supersede itself",
            ));
        }
        let mut tx = self.begin(tenant).await?;
        let before = tx
            .document(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("document", id))?;
        if let Some(other) = edit.superseded_by
            && tx
                .document(tenant, other)
                .await?
                .is_none_or(|o| o.practice != before.practice)
        {
            return Err(StoreError::not_found("document", other));
        }
        let after = Document {
            kind: edit.kind.trim().to_owned(),
            note: edit.note.trim().to_owned(),
            superseded_by: edit.superseded_by,
            ..before.clone()
        };
        tx.update_document(&after).await?;
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::document_edited(&before, &after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Recorded for anyone, auditors included: an attempt to delete evidence is a fact worth keeping,
    /// and recording it changes nothing else.
    pub(super) async fn record_refused_deletion_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin(tenant).await?;
        if !tx.document_exists(tenant, id).await? {
            return Err(StoreError::not_found("document", id));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::document_delete_refused(id, reason),
        )
        .await?;
        tx.commit().await
    }

    pub(super) async fn record_observation_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        change: Change,
    ) -> StoreResult<()> {
        if !actions::OBSERVATIONS.contains(&change.action.as_str()) {
            return Err(StoreError::Internal(format!(
                "{} is not an observation",
                change.action
            )));
        }
        let mut tx = self.begin(tenant).await?;
        self.audit(&mut tx, tenant, actor, change).await?;
        tx.commit().await
    }
}

//! The scoped store's longer methods over a practice's file: applications and their transitions and
//! signatures, CMS's decisions, evidence documents and what the audit trail records about them — each
//! checked against the client's practices before the inner store is asked.

use super::ScopedStore;
use hardship_rules::PerformanceYear;
use hardship_store::*;

impl ScopedStore {
    pub(super) async fn create_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        self.practice_ok(draft.practice)?;
        self.inner.create_application(tenant, actor, draft).await
    }
    pub(super) async fn get_application(
        &self,
        tenant: TenantId,
        id: ApplicationId,
    ) -> StoreResult<Application> {
        let a = self.inner.get_application(tenant, id).await?;
        self.check(a.draft.practice, "application", id)?;
        Ok(a)
    }
    pub(super) async fn list_applications(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<Application>> {
        let all = self.inner.list_applications(tenant, year).await?;
        Ok(self.keep(all, |a| a.draft.practice))
    }
    pub(super) async fn update_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        draft: ApplicationDraft,
    ) -> StoreResult<Application> {
        self.get_application(tenant, id).await?;
        self.practice_ok(draft.practice)?;
        self.inner
            .update_application(tenant, actor, id, expected_version, draft)
            .await
    }
    pub(super) async fn transition_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        transition: Transition,
    ) -> StoreResult<Application> {
        self.get_application(tenant, id).await?;
        self.inner
            .transition_application(tenant, actor, id, expected_version, transition)
            .await
    }
    pub(super) async fn sign_application(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: ApplicationId,
        expected_version: i64,
        attestation: NewAttestation,
    ) -> StoreResult<Attestation> {
        self.get_application(tenant, id).await?;
        self.inner
            .sign_application(tenant, actor, id, expected_version, attestation)
            .await
    }
    pub(super) async fn attestations(
        &self,
        tenant: TenantId,
        application: ApplicationId,
    ) -> StoreResult<Vec<Attestation>> {
        self.get_application(tenant, application).await?;
        self.inner.attestations(tenant, application).await
    }

    pub(super) async fn record_decision(
        &self,
        tenant: TenantId,
        actor: &Actor,
        decision: StoredDecision,
    ) -> StoreResult<()> {
        self.practice_ok(decision.practice)?;
        self.inner.record_decision(tenant, actor, decision).await
    }
    pub(super) async fn list_decisions(
        &self,
        tenant: TenantId,
        practice: PracticeId,
    ) -> StoreResult<Vec<StoredDecision>> {
        self.practice_ok(practice)?;
        self.inner.list_decisions(tenant, practice).await
    }

    pub(super) async fn record_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        doc: NewDocument,
    ) -> StoreResult<Document> {
        self.practice_ok(doc.practice)?;
        self.inner.record_document(tenant, actor, doc).await
    }
    pub(super) async fn get_document(
        &self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<Document> {
        let d = self.inner.get_document(tenant, id).await?;
        self.check(d.practice, "document", id)?;
        Ok(d)
    }
    pub(super) async fn list_documents(
        &self,
        tenant: TenantId,
        practice: Option<PracticeId>,
    ) -> StoreResult<Vec<Document>> {
        if let Some(p) = practice {
            self.practice_ok(p)?;
        }
        let all = self.inner.list_documents(tenant, practice).await?;
        Ok(self.keep(all, |d| d.practice))
    }
    pub(super) async fn edit_document(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        edit: DocumentEdit,
    ) -> StoreResult<Document> {
        self.get_document(tenant, id).await?;
        self.inner.edit_document(tenant, actor, id, edit).await
    }
    pub(super) async fn record_refused_deletion(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: DocumentId,
        reason: &str,
    ) -> StoreResult<()> {
        self.get_document(tenant, id).await?;
        self.inner
            .record_refused_deletion(tenant, actor, id, reason)
            .await
    }
}

//! The client's filter as the scoped store applies it: a record checked against the client's
//! practices, lists kept to them, the practice of a record found by its id, and the audit events that
//! belong to the client's practices.

use super::ScopedStore;
use crate::audit_trail::{Names, Records, event_practice};
use hardship_store::*;
use uuid::Uuid;

pub(super) fn beyond() -> StoreError {
    StoreError::Forbidden(
        "a client works in its own practices: practices are added by the organization".into(),
    )
}

impl ScopedStore {
    pub(super) fn check(
        &self,
        practice: PracticeId,
        entity: &'static str,
        id: impl ToString,
    ) -> StoreResult<()> {
        self.filter.check(practice, entity, id)
    }

    pub(super) fn practice_ok(&self, practice: PracticeId) -> StoreResult<()> {
        self.check(practice, "practice", practice)
    }

    pub(super) fn keep<T>(&self, list: Vec<T>, practice: impl Fn(&T) -> PracticeId) -> Vec<T> {
        list.into_iter()
            .filter(|x| self.filter.allows(practice(x)))
            .collect()
    }

    /// The practice of the record with this id, by its key (a practice, application, document or
    /// clinician), or `None` when it is none of those.
    pub(super) async fn record_practice(
        &self,
        tenant: TenantId,
        id: &str,
    ) -> StoreResult<Option<PracticeId>> {
        let Ok(uuid) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let found = |r: StoreResult<PracticeId>| match r {
            Ok(p) => Ok(Some(p)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        };
        let inner = &self.inner;
        if let Some(p) = found(
            inner
                .get_practice(tenant, PracticeId(uuid))
                .await
                .map(|p| p.id),
        )? {
            return Ok(Some(p));
        }
        let a = inner.get_application(tenant, ApplicationId(uuid)).await;
        if let Some(p) = found(a.map(|a| a.draft.practice))? {
            return Ok(Some(p));
        }
        let d = inner.get_document(tenant, DocumentId(uuid)).await;
        if let Some(p) = found(d.map(|d| d.practice))? {
            return Ok(Some(p));
        }
        found(
            inner
                .get_clinician(tenant, ClinicianId(uuid))
                .await
                .map(|c| c.practice),
        )
    }

    /// The tenant's events that belong to one of the client's practices (its own records', those of
    /// its clinicians, applications, documents and decisions).
    pub(super) async fn visible_events(
        &self,
        tenant: TenantId,
        entity: Option<&str>,
    ) -> StoreResult<Vec<AuditEvent>> {
        // One record's events (a download's check, an application's history) all belong to its
        // practice: a few reads by key instead of the tenant's every record.
        if let Some(id) = entity
            && let Some(p) = self.record_practice(tenant, id).await?
        {
            return if self.filter.allows(p) {
                self.inner.audit_events(tenant, entity).await
            } else {
                Ok(Vec::new())
            };
        }
        let events = self.inner.audit_events(tenant, entity).await?;
        let practices = self.inner.list_practices(tenant).await?;
        let clinicians = self.inner.list_tenant_clinicians(tenant).await?;
        let applications = self.inner.list_applications(tenant, None).await?;
        let documents = self.inner.list_documents(tenant, None).await?;
        let org = tenant.to_string();
        let names = Names::new(Records {
            organization: (&org, ""),
            practices: &practices,
            clinicians: &clinicians,
            applications: &applications,
            documents: &documents,
            members: &[],
            tokens: &[],
        });
        Ok(events
            .into_iter()
            .filter(|e| event_practice(e, &names).is_some_and(|p| self.filter.allows(p)))
            .collect())
    }
}

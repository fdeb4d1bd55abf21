//! Targeted-review candidates opened from CMS's final feedback: one per subject and year, so an import
//! run twice opens nothing the second time (and writes no audit event).

use super::{Backend, Engine, payloads};
use crate::ensure_can_write;
use crate::error::{StoreError, StoreResult};
use crate::model::*;
use crate::review::{NewTargetedReview, ReviewState, TargetedReview};
use hardship_rules::PerformanceYear;

impl<B: Backend> Engine<B> {
    pub(super) async fn open_targeted_reviews_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        candidates: Vec<NewTargetedReview>,
    ) -> StoreResult<Vec<TargetedReview>> {
        ensure_can_write(actor)?;
        for c in &candidates {
            crate::check_name("a summary", &c.summary, 4000)
                .map_err(|_| StoreError::invalid("summary", "a summary of 1–4000 characters"))?;
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin(tenant).await?;
        let mut opened = Vec::new();
        for c in candidates {
            // The practice must be the tenant's (another tenant's id is not found).
            if tx.practice(tenant, c.practice).await?.is_none() {
                return Err(StoreError::not_found("practice", c.practice));
            }
            let r = TargetedReview {
                id: self.id(),
                tenant,
                practice: c.practice,
                year: c.year,
                tin: c.tin,
                npi: c.npi,
                state: ReviewState::Draft,
                codes: c.codes,
                summary: c.summary,
                evidence: c.evidence,
                created_at: self.now(),
                created_by: actor.label.clone(),
            };
            if tx.insert_targeted_review(&r).await? {
                self.audit(&mut tx, tenant, actor, payloads::targeted_review_opened(&r))
                    .await?;
                opened.push(r);
            }
        }
        tx.commit().await?;
        Ok(opened)
    }

    pub(super) async fn list_targeted_reviews_(
        &self,
        tenant: TenantId,
        year: Option<PerformanceYear>,
    ) -> StoreResult<Vec<TargetedReview>> {
        self.backend.targeted_reviews(tenant, year).await
    }
}

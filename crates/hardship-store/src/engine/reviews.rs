//! Targeted-review cases: opened from CMS's final feedback (one per subject and year, so an import run
//! twice opens nothing the second time and writes no audit event) or by hand, then edited, sent and
//! decided, each change one audit event; and data validation and audit requests with their checklist.

use super::{Backend, Engine, payloads};
use crate::dva::{self, DvaChange, DvaRequest, NewDvaRequest};
use crate::ensure_can_write;
use crate::error::{StoreError, StoreResult};
use crate::model::*;
use crate::review::{self, NewTargetedReview, ReviewChange, ReviewState, TargetedReview};
use hardship_rules::{PerformanceYear, RuleBook};
use uuid::Uuid;

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
            let r = self.new_review(tenant, actor, c);
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

impl<B: Backend> Engine<B> {
    fn new_review(&self, tenant: TenantId, actor: &Actor, c: NewTargetedReview) -> TargetedReview {
        let now = self.now();
        TargetedReview {
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
            created_at: now,
            created_by: actor.label.clone(),
            detail: c.detail,
            version: 1,
            updated_at: now,
        }
    }

    pub(super) async fn open_targeted_review_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewTargetedReview,
    ) -> StoreResult<TargetedReview> {
        ensure_can_write(actor)?;
        crate::check_text("summary", &new.summary, 4000)?;
        review::check_request(&new.detail.reasons, &new.detail.statement, &new.evidence)?;
        let mut tx = self.begin(tenant).await?;
        let practice = self.practice_in(&mut tx, tenant, new.practice).await?;
        if practice.tin != new.tin {
            return Err(StoreError::invalid(
                "tin",
                format!("{} is not the TIN of practice {}", new.tin, practice.id),
            ));
        }
        let r = self.new_review(tenant, actor, new);
        if !tx.insert_targeted_review(&r).await? {
            return Err(StoreError::Duplicate {
                field: "targeted review",
                value: format!(
                    "PY {} {}{}",
                    r.year.get(),
                    r.tin,
                    r.npi.map(|n| format!("/{n}")).unwrap_or_default()
                ),
                context: " (open that case instead)".into(),
            });
        }
        self.audit(&mut tx, tenant, actor, payloads::targeted_review_opened(&r))
            .await?;
        tx.commit().await?;
        Ok(r)
    }

    pub(super) async fn get_targeted_review_(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<TargetedReview> {
        self.backend
            .targeted_review(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("targeted review", id))
    }

    pub(super) async fn change_targeted_review_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: ReviewChange,
    ) -> StoreResult<TargetedReview> {
        ensure_can_write(actor)?;
        let mut tx = self.begin(tenant).await?;
        let current = tx
            .targeted_review(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("targeted review", id))?;
        if current.version != expected {
            return Err(super::stale("targeted review", id, expected));
        }
        // The window is checked at the injected clock's now: a confirmed window that closed refuses the
        // request naming its close; an UNCONFIRMED one only warns (kept with the case).
        let mut warning = None;
        if matches!(change, ReviewChange::Submit { .. }) && current.state == ReviewState::Draft {
            let book = RuleBook::embedded().map_err(|e| StoreError::Internal(e.to_string()))?;
            warning = hardship_rules::review::check_review_submission(
                book.year(current.year),
                self.env.clock.now(),
            )
            .map_err(|late| {
                StoreError::Refused(format!(
                    "cannot submit targeted review {id}: it is draft and {late}"
                ))
            })?;
        }
        if let ReviewChange::Edit { evidence, .. } = &change {
            for e in evidence {
                if let Some(doc) = e.strip_prefix("document:")
                    && let Ok(doc) = doc.parse::<Uuid>()
                    && !tx.document_exists(tenant, DocumentId(doc)).await?
                {
                    return Err(StoreError::not_found("document", doc));
                }
            }
        }
        let mut next = review::apply(&current, &change, warning)?;
        next.version = expected + 1;
        next.updated_at = self.now();
        if !tx.update_targeted_review(&next, expected).await? {
            return Err(super::stale("targeted review", id, expected));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::targeted_review_changed(change.action(), &current, &next),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    pub(super) async fn open_dva_request_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewDvaRequest,
    ) -> StoreResult<DvaRequest> {
        ensure_can_write(actor)?;
        let mut tx = self.begin(tenant).await?;
        self.practice_in(&mut tx, tenant, new.practice).await?;
        let now = self.now();
        let d = DvaRequest {
            id: self.id(),
            tenant,
            practice: new.practice,
            year: new.year,
            notice_date: new.notice_date,
            items: Vec::new(),
            version: 1,
            created_at: now,
            created_by: actor.label.clone(),
            updated_at: now,
        };
        if !tx.insert_dva_request(&d).await? {
            return Err(StoreError::Duplicate {
                field: "data validation and audit request",
                value: format!("PY {}", d.year.get()),
                context: format!(" for practice {}", d.practice),
            });
        }
        self.audit(&mut tx, tenant, actor, payloads::dva_opened(&d))
            .await?;
        tx.commit().await?;
        Ok(d)
    }

    pub(super) async fn get_dva_request_(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> StoreResult<DvaRequest> {
        self.backend
            .dva_request(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("data validation and audit request", id))
    }

    pub(super) async fn change_dva_request_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
        expected: i64,
        change: DvaChange,
    ) -> StoreResult<DvaRequest> {
        ensure_can_write(actor)?;
        let mut tx = self.begin(tenant).await?;
        let current = tx
            .dva_request(tenant, id)
            .await?
            .ok_or_else(|| StoreError::not_found("data validation and audit request", id))?;
        if current.version != expected {
            return Err(super::stale(
                "data validation and audit request",
                id,
                expected,
            ));
        }
        let now = self.now();
        let mut next = dva::apply(&current, &change, &actor.label, now)?;
        next.version = expected + 1;
        next.updated_at = now;
        if !tx.update_dva_request(&next, expected).await? {
            return Err(super::stale(
                "data validation and audit request",
                id,
                expected,
            ));
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::dva_changed(&change, &next),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }
}

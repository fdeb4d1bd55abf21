//! The transaction's rows of applications: applications, CMS's decisions and evidence documents.

use super::{PgTx, json_value, year};
use crate::error::{db, duplicate_or_db, unique_violation};
use hardship_store::*;

impl PgTx {
    pub(super) async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id.0)
        .bind(a.tenant.0)
        .bind(a.draft.practice.0)
        .bind(year(a.draft.year))
        .bind(json_value("application draft", &a.draft)?)
        .bind(json_value("application state", &a.state)?)
        .bind(a.state.name())
        .bind(a.version)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn update_application(
        &mut self,
        a: &Application,
        expected: i64,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE applications SET draft = $4, practice = $5, year = $6, state = $7, state_name = $8, \
             version = $9, updated_at = $10 WHERE tenant = $1 AND id = $2 AND version = $3",
        )
        .bind(a.tenant.0)
        .bind(a.id.0)
        .bind(expected)
        .bind(json_value("application draft", &a.draft)?)
        .bind(a.draft.practice.0)
        .bind(year(a.draft.year))
        .bind(json_value("application state", &a.state)?)
        .bind(a.state.name())
        .bind(a.version)
        .bind(a.updated_at)
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, \
             explanation, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(d.id.0)
        .bind(d.tenant.0)
        .bind(d.practice.0)
        .bind(d.clinician.map(|c| c.0))
        .bind(year(d.year))
        .bind(&d.rule_set_version)
        .bind(d.reweighted)
        .bind(&d.basis)
        .bind(&d.explanation)
        .bind(d.decided_at)
        .execute(&mut *self.0)
        .await
        .map_err(|e| duplicate_or_db(e, "decisions_pkey", "decision", &d.id.to_string(), ""))?;
        Ok(())
    }

    pub(super) async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        let size = i64::try_from(d.size)
            .map_err(|_| StoreError::invalid("size", format!("{} bytes is too large", d.size)))?;
        sqlx::query(
            "INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, \
             object_key, retain_until, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(d.id.0)
        .bind(d.tenant.0)
        .bind(d.practice.0)
        .bind(d.application.map(|a| a.0))
        .bind(&d.kind)
        .bind(&d.filename)
        .bind(&d.content_type)
        .bind(size)
        .bind(d.sha256.as_slice())
        .bind(&d.object_key)
        .bind(d.retain_until)
        .bind(&d.uploaded_by)
        .bind(d.uploaded_at)
        .execute(&mut *self.0)
        .await
        .map_err(|e| match unique_violation(&e) {
            // Either key: the record of this upload exists already.
            Some("documents_pkey" | "documents_object_key_key") => StoreError::Duplicate {
                field: "document",
                value: d.id.to_string(),
                context: String::new(),
            },
            _ => db(e),
        })?;
        Ok(())
    }

    pub(super) async fn update_document(&mut self, d: &Document) -> StoreResult<()> {
        sqlx::query(
            "UPDATE documents SET kind = $3, note = $4, superseded_by = $5 WHERE tenant = $1 AND id = $2",
        )
        .bind(d.tenant.0)
        .bind(d.id.0)
        .bind(&d.kind)
        .bind(&d.note)
        .bind(d.superseded_by.map(|x| x.0))
        .execute(&mut *self.0)
        .await
        .map_err(db)?;
        Ok(())
    }

    pub(super) async fn document_exists(
        &mut self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<bool> {
        Ok(
            sqlx::query_scalar::<_, i32>("SELECT 1 FROM documents WHERE tenant = $1 AND id = $2")
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db)?
                .is_some(),
        )
    }
}

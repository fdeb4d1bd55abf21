//! The transaction's rows of applications: applications, CMS's decisions and evidence documents.

use super::{SqliteTx, duplicate};
use crate::rows::{db, is_unique_violation, to_json, ts};
use hardship_store::*;

impl SqliteTx {
    pub(super) async fn insert_application(&mut self, a: &Application) -> StoreResult<()> {
        sqlx::query("INSERT INTO applications (id, tenant, practice, year, draft, state, state_name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(a.id.to_string())
            .bind(a.tenant.to_string())
            .bind(a.draft.practice.to_string())
            .bind(i64::from(a.draft.year.get()))
            .bind(to_json(&a.draft)?)
            .bind(to_json(&a.state)?)
            .bind(a.state.name())
            .bind(a.version)
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
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
        let r = sqlx::query("UPDATE applications SET draft = ?, year = ?, state = ?, state_name = ?, version = ?, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?")
            .bind(to_json(&a.draft)?)
            .bind(i64::from(a.draft.year.get()))
            .bind(to_json(&a.state)?)
            .bind(a.state.name())
            .bind(a.version)
            .bind(ts(a.updated_at))
            .bind(a.tenant.to_string())
            .bind(a.id.to_string())
            .bind(expected)
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    pub(super) async fn insert_decision(&mut self, d: &StoredDecision) -> StoreResult<()> {
        sqlx::query("INSERT INTO decisions (id, tenant, practice, clinician, year, rule_set_version, reweighted, basis, explanation, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id.to_string())
            .bind(d.tenant.to_string())
            .bind(d.practice.to_string())
            .bind(d.clinician.map(|c| c.to_string()))
            .bind(i64::from(d.year.get()))
            .bind(&d.rule_set_version)
            .bind(i64::from(d.reweighted))
            .bind(&d.basis)
            .bind(d.explanation.to_string())
            .bind(ts(d.decided_at))
            .execute(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(())
    }

    pub(super) async fn insert_document(&mut self, d: &Document) -> StoreResult<()> {
        let size = i64::try_from(d.size)
            .map_err(|_| StoreError::invalid("size", format!("{} bytes is too large", d.size)))?;
        let r = sqlx::query("INSERT INTO documents (id, tenant, practice, application, kind, filename, content_type, size, sha256, object_key, retain_until, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(d.id.to_string())
            .bind(d.tenant.to_string())
            .bind(d.practice.to_string())
            .bind(d.application.map(|a| a.to_string()))
            .bind(&d.kind)
            .bind(&d.filename)
            .bind(&d.content_type)
            .bind(size)
            .bind(hex(&d.sha256))
            .bind(&d.object_key)
            .bind(d.retain_until.to_string())
            .bind(&d.uploaded_by)
            .bind(ts(d.uploaded_at))
            .execute(&mut *self.0)
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(duplicate("document", d.id.to_string(), "")),
            Err(e) => Err(db(e)),
        }
    }

    pub(super) async fn update_document(&mut self, d: &Document) -> StoreResult<()> {
        sqlx::query("UPDATE documents SET kind = ?, note = ?, superseded_by = ? WHERE tenant = ? AND id = ?")
            .bind(&d.kind)
            .bind(&d.note)
            .bind(d.superseded_by.map(|x| x.to_string()))
            .bind(d.tenant.to_string())
            .bind(d.id.to_string())
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
        let row = sqlx::query("SELECT 1 FROM documents WHERE tenant = ? AND id = ?")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db)?;
        Ok(row.is_some())
    }
}

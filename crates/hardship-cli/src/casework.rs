//! The command line's casework commands over a whole installation: importing files into a practice,
//! guarding a submission file before it is sent, and exporting packets, binders and portfolios. They run
//! the same use cases as the server (`hardship-app`: the same checks, the same audit events) as the
//! `cli` actor.

use crate::ops;
use crate::storage::Settings;
use hardship_app::{App, AppSettings, Principal};
use hardship_store::{PracticeId, Store, TenantId};
use std::sync::Arc;

/// The use cases' context over the installation the settings name.
pub fn app(settings: &Settings, store: Arc<dyn Store>) -> Result<App, String> {
    let vault = ops::open_vault(settings)?;
    Ok(App::new(store, Arc::new(vault), AppSettings::default()))
}

/// The tenant a command acts in: the one given, or the only one there is.
pub async fn tenant(store: &dyn Store, given: Option<&str>) -> Result<TenantId, String> {
    if let Some(t) = given {
        let id: TenantId = t
            .parse()
            .map_err(|e| format!("invalid tenant {t:?}: {e}"))?;
        store
            .get_organization(id)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(id);
    }
    let all = store.list_tenants().await.map_err(|e| e.to_string())?;
    match all.as_slice() {
        [one] => Ok(*one),
        [] => Err("the installation has no organization yet".into()),
        _ => Err(format!(
            "the installation has {} organizations: pass --tenant (one of {})",
            all.len(),
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The practices with a TIN, in one tenant or in all of them.
pub async fn practices_with_tin(
    store: &dyn Store,
    tin: hardship_rules::Tin,
    tenant: Option<TenantId>,
) -> Result<Vec<(TenantId, PracticeId, String)>, String> {
    let tenants = match tenant {
        Some(t) => vec![t],
        None => store.list_tenants().await.map_err(|e| e.to_string())?,
    };
    let mut out = Vec::new();
    for t in tenants {
        for p in store.list_practices(t).await.map_err(|e| e.to_string())? {
            if p.tin == tin {
                out.push((t, p.id, p.name));
            }
        }
    }
    Ok(out)
}

/// The command line acting in a tenant (recorded as `cli` in the audit log).
pub fn cli(tenant: TenantId) -> Principal {
    Principal::cli(tenant)
}

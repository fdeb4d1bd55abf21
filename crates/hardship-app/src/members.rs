//! The organization's members as its owners manage them: who is a member with which role (a client with
//! its practices), a role changed, a member removed. A change ends the member's sessions in the
//! organization and revokes its API tokens there, in the store's transaction (see
//! [`hardship_store::members`]); the last owner stays.

use crate::App;
use crate::error::AppError;
use crate::principal::Principal;
use hardship_store::{MemberChange, MemberChanged, PracticeId, Role, UserId};
use serde::Serialize;

/// A member as the people page and the API show it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub user: UserId,
    pub email: String,
    pub role: String,
    /// A client's practices (empty for every other role, which sees them all).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub practices: Vec<PracticeId>,
    /// Their names, in the same order.
    pub practice_names: Vec<String>,
}

/// The organization's members, clients with their practices. Not for clients.
pub async fn list(app: &App, p: &Principal) -> Result<Vec<MemberView>, AppError> {
    p.require_organization()?;
    let store = app.store_for(p);
    let practices = store.list_practices(p.tenant).await?;
    let mut out = Vec::new();
    for (m, u) in store.members(p.tenant).await? {
        let ids = match m.role {
            Role::Client => store.client_practices(p.tenant, u.id).await?,
            _ => Vec::new(),
        };
        let practice_names = ids
            .iter()
            .map(|id| {
                practices
                    .iter()
                    .find(|x| x.id == *id)
                    .map_or_else(|| id.to_string(), |x| x.name.clone())
            })
            .collect();
        out.push(MemberView {
            user: u.id,
            email: u.email,
            role: m.role.code().to_owned(),
            practices: ids,
            practice_names,
        });
    }
    Ok(out)
}

/// Changes a member's role (a client's with its practices) or removes it. Owners only.
pub async fn change(
    app: &App,
    p: &Principal,
    user: UserId,
    change: MemberChange,
) -> Result<MemberChanged, AppError> {
    p.require_owner()?;
    Ok(app
        .store_for(p)
        .change_member(p.tenant, &p.actor(), user, change)
        .await?)
}

//! Members after they joined: a role changed, a member removed, a client's practices. The member's doors
//! close in the same transaction as the change (its sessions working in the tenant end, its API tokens
//! there are revoked), so nothing it held under the old role outlives the commit.

use super::{Backend, Engine, Tx, payloads};
use crate::error::{StoreError, StoreResult};
use crate::members::{MemberChange, MemberChanged, check_role_practices, keep_an_owner};
use crate::model::*;

impl<B: Backend> Engine<B> {
    pub(super) async fn change_member_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        change: MemberChange,
    ) -> StoreResult<MemberChanged> {
        crate::ensure_owner(actor)?;
        let next = match &change {
            MemberChange::Role { role, practices } => {
                Some((*role, check_role_practices(*role, practices)?))
            }
            MemberChange::Remove => None,
        };
        let mut tx = self.begin(tenant).await?;
        let previous = tx
            .membership_role(tenant, user)
            .await?
            .ok_or_else(|| StoreError::not_found("member", user))?;
        let owners = tx.count_owners(tenant).await?;
        keep_an_owner(previous, next.as_ref().map(|(r, _)| *r), owners)?;
        let before_practices = tx.client_practices(tenant, user).await?;
        let membership = match &next {
            Some((role, practices)) => {
                let m = Membership {
                    tenant,
                    user,
                    role: *role,
                };
                tx.upsert_membership(&m).await?;
                self.link_practices(&mut tx, tenant, user, practices)
                    .await?;
                Some(m)
            }
            None => {
                tx.delete_membership(tenant, user).await?;
                None
            }
        };
        let tokens_revoked = tx.revoke_user_tokens(tenant, user).await?;
        let sessions_ended = tx.end_user_sessions(tenant, user).await?;
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::member_changed(
                user,
                (previous, &before_practices),
                next.as_ref().map(|(r, p)| (*r, p.as_slice())),
                sessions_ended,
                &tokens_revoked,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(MemberChanged {
            membership,
            previous,
            sessions_ended,
            tokens_revoked,
        })
    }

    /// Links a member to exactly `practices` (none: not a client), each checked to be the tenant's.
    pub(super) async fn link_practices(
        &self,
        tx: &mut Box<dyn Tx>,
        tenant: TenantId,
        user: UserId,
        practices: &[PracticeId],
    ) -> StoreResult<()> {
        for p in practices {
            self.practice_in(tx, tenant, *p).await?;
        }
        tx.set_client_practices(tenant, user, practices).await
    }
}

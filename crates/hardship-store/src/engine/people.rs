//! Organizations, users, memberships, API tokens, invitations and sign-in attempts.

use super::{Backend, Engine, Lock, payloads};
use crate::error::{StoreError, StoreResult};
use crate::members::{NewInvite, check_role_practices, keep_an_owner};
use crate::model::*;
use crate::{check_name, ensure_can_write, normalize_email};
use chrono::{DateTime, Utc};
use uuid::Uuid;

impl<B: Backend> Engine<B> {
    pub(super) async fn create_organization_(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrganizationKind,
    ) -> StoreResult<Organization> {
        ensure_can_write(actor)?;
        check_name("an organization", name, 200)?;
        let org = Organization {
            id: TenantId(self.id()),
            name: name.trim().to_owned(),
            kind,
            created_at: self.now(),
        };
        let mut tx = self.backend.begin(Lock::NewTenant, &[]).await?;
        tx.insert_organization(&org).await?;
        self.audit(&mut tx, org.id, actor, payloads::organization_created(&org))
            .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub(super) async fn create_user_(&self, email: &str, password_hash: &str) -> StoreResult<User> {
        let user = User {
            id: UserId(self.id()),
            email: normalize_email(email)?,
            password_hash: password_hash.to_owned(),
            created_at: self.now(),
        };
        self.backend.insert_user(&user).await?;
        Ok(user)
    }

    pub(super) async fn add_membership_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> StoreResult<Membership> {
        ensure_can_write(actor)?;
        // The set-up and the command line's way in (an operator's): owners manage members with
        // `change_member`, which keeps the last owner.
        let mut tx = self.begin(tenant).await?;
        let m = Membership { tenant, user, role };
        let previous = tx.upsert_membership(&m).await?;
        if role != Role::Client {
            // Only a client is linked to practices; a member given another role sees them all.
            tx.set_client_practices(tenant, user, &[]).await?;
        }
        self.audit(
            &mut tx,
            tenant,
            actor,
            payloads::membership_set(&m, previous),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    pub(super) async fn create_api_token_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        name: &str,
        role: Role,
        scope: TokenScope,
        token_hash: [u8; 32],
    ) -> StoreResult<ApiToken> {
        ensure_can_write(actor)?;
        check_name("an API token", name, 100)?;
        if role == Role::Client {
            // A client's access is its account's practices: it signs in; a token carries no practices.
            return Err(StoreError::invalid(
                "role",
                "an API token cannot have the client role: a client signs in with its own account",
            ));
        }
        let token = ApiToken {
            id: self.id(),
            tenant,
            name: name.trim().to_owned(),
            role,
            scope,
            token_hash,
            created_by: actor.label.clone(),
            user: actor.user,
            created_at: self.now(),
            revoked: false,
        };
        let mut tx = self.begin(tenant).await?;
        tx.insert_api_token(&token).await?;
        self.audit(&mut tx, tenant, actor, payloads::api_token_created(&token))
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub(super) async fn revoke_api_token_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        id: Uuid,
    ) -> StoreResult<()> {
        ensure_can_write(actor)?;
        let mut tx = self.begin(tenant).await?;
        if !tx.revoke_api_token(tenant, id).await? {
            return Err(StoreError::not_found("api token", id));
        }
        self.audit(&mut tx, tenant, actor, payloads::api_token_revoked(id))
            .await?;
        tx.commit().await
    }

    pub(super) async fn create_invite_(
        &self,
        tenant: TenantId,
        actor: &Actor,
        new: NewInvite,
    ) -> StoreResult<Invite> {
        ensure_can_write(actor)?;
        let NewInvite {
            email,
            role,
            practices,
            token_hash,
            expires_at,
        } = new;
        let practices = check_role_practices(role, &practices)?;
        let invite = Invite {
            id: InviteId(self.id()),
            tenant,
            email: normalize_email(&email)?,
            role,
            practices,
            token_hash,
            created_by: actor.label.clone(),
            created_at: self.now(),
            expires_at: crate::audit::truncate_micros(expires_at),
            accepted_at: None,
        };
        let mut tx = self.begin(tenant).await?;
        for p in &invite.practices {
            self.practice_in(&mut tx, tenant, *p).await?;
        }
        tx.insert_invite(&invite).await?;
        self.audit(&mut tx, tenant, actor, payloads::invite_created(&invite))
            .await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// The invitee acts for themselves: no member's write role is needed, only a valid invitation. The
    /// acceptance says which case the caller checked; the other is refused inside the transaction, so two
    /// acceptances racing for one new address make one account.
    pub(super) async fn accept_invite_(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
        acceptance: InviteAcceptance,
    ) -> StoreResult<(Invite, User)> {
        let gone = || StoreError::not_found("invitation", "(used, expired or unknown)");
        // The invitation's tenant never changes, so it is read before taking that tenant's lock; the
        // invitation itself is read again under the lock.
        let tenant = self
            .backend
            .invite_tenant(token_hash)
            .await?
            .ok_or_else(gone)?;
        let mut tx = self.begin(tenant).await?;
        let mut invite = tx
            .invite_for_update(token_hash, now)
            .await?
            .ok_or_else(gone)?;
        let existing = tx.user_by_email(&invite.email).await?;
        acceptance.check(&invite.email, existing.as_ref())?;
        let accepted = self.now();
        let user = match (existing, acceptance) {
            (Some(u), _) => u,
            (None, InviteAcceptance::NewAccount { password_hash }) => {
                let u = User {
                    id: UserId(self.id()),
                    email: invite.email.clone(),
                    password_hash,
                    created_at: accepted,
                };
                tx.insert_user(&u).await?;
                u
            }
            (None, InviteAcceptance::SignedIn { .. }) => {
                return Err(StoreError::Forbidden(
                    "the invited account does not exist".into(),
                ));
            }
        };
        if let Some(before) = tx.membership_role(tenant, user.id).await? {
            keep_an_owner(before, Some(invite.role), tx.count_owners(tenant).await?)?;
        }
        let previous = tx
            .upsert_membership(&Membership {
                tenant,
                user: user.id,
                role: invite.role,
            })
            .await?;
        // A client invitation links its practices (still the tenant's: the tenant is locked); any other
        // role sees every practice.
        self.link_practices(&mut tx, tenant, user.id, &invite.practices)
            .await?;
        if !tx.mark_invite_accepted(invite.id, accepted).await? {
            return Err(gone());
        }
        let actor = Actor {
            user: Some(user.id),
            label: user.email.clone(),
            role: invite.role,
        };
        self.audit(
            &mut tx,
            tenant,
            &actor,
            payloads::invite_accepted(&invite, &user, previous),
        )
        .await?;
        tx.commit().await?;
        invite.accepted_at = Some(accepted);
        Ok((invite, user))
    }

    /// Counts and records in one transaction no other reservation of the same keys can interleave with.
    pub(super) async fn reserve_attempt_(
        &self,
        attempt: Uuid,
        limits: &[AttemptLimit],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), DateTime<Utc>>> {
        let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
        let mut tx = self.backend.begin(Lock::Attempts, &keys).await?;
        for limit in limits {
            let (count, earliest) = tx.count_attempts(&limit.key, since).await?;
            if count >= limit.max {
                // Nothing recorded: the transaction rolls back when dropped.
                return Ok(Err(earliest.unwrap_or(now)));
            }
        }
        tx.insert_attempts(&keys, now, attempt).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

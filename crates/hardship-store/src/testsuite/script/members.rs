//! The script's member changes: a client invited, made staff, then removed.

use super::*;

/// A client invited for a practice, made staff (with a token and a session), then removed.
pub(super) async fn members(s: &Scripted, t: TenantId, practice: PracticeId) {
    let st = &s.store;
    let expires = s.clock.now() + chrono::Duration::days(7);
    st.create_invite(
        t,
        &owner(),
        NewInvite {
            practices: vec![practice],
            ..invite("client@example.test", Role::Client, [3; 32], expires)
        },
    )
    .await
    .unwrap();
    let (_, client) = st
        .accept_invite(&[3; 32], s.clock.now(), new_account("$argon2id$z"))
        .await
        .unwrap();
    s.tick();
    let to_staff = MemberChange::Role {
        role: Role::Staff,
        practices: vec![],
    };
    st.change_member(t, &owner(), client.id, to_staff)
        .await
        .unwrap();
    s.tick();
    let as_member = Actor {
        user: Some(client.id),
        label: client.email.clone(),
        role: Role::Staff,
    };
    st.create_api_token(
        t,
        &as_member,
        "Nightly",
        Role::Staff,
        TokenScope::Api,
        [8; 32],
    )
    .await
    .unwrap();
    let now = s.clock.now();
    st.create_session(Session {
        token_hash: [8; 32],
        user: client.id,
        tenant: Some(t),
        csrf_token: "csrf".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    })
    .await
    .unwrap();
    s.tick();
    st.change_member(t, &owner(), client.id, MemberChange::Remove)
        .await
        .unwrap();
}

//! Sessions, API tokens, invitations and sign-in attempts.

use super::*;

pub async fn sessions_and_api_tokens(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$stub")
        .await
        .unwrap();
    let now = in_2024();
    let session = Session {
        token_hash: [1; 32],
        user: user.id,
        tenant: Some(w.a),
        csrf_token: "csrf-abc".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    };
    s.create_session(session.clone()).await.unwrap();
    assert_eq!(
        s.get_session(&[1; 32], now).await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(
        s.get_session(&[2; 32], now).await.unwrap(),
        None,
        "an unknown token finds nothing"
    );
    assert_eq!(
        s.get_session(&[1; 32], session.expires_at).await.unwrap(),
        None,
        "expired at its expiry instant"
    );
    let stale = Session {
        token_hash: [3; 32],
        expires_at: now - chrono::Duration::seconds(1),
        ..session.clone()
    };
    s.create_session(stale).await.unwrap();
    assert_eq!(s.purge_sessions(now).await.unwrap(), 1);
    s.delete_session(&[1; 32]).await.unwrap();
    assert_eq!(
        s.get_session(&[1; 32], now).await.unwrap(),
        None,
        "signed out"
    );
    let ghost = Session {
        token_hash: [4; 32],
        user: UserId(uuid::Uuid::from_u128(999_999)),
        ..session
    };
    assert!(is_not_found(s.create_session(ghost).await));

    // API tokens: audited, tenant-scoped, revocable; auditors cannot mint them.
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let forbidden = s
        .create_api_token(w.a, &auditor(), "ci", Role::Staff, TokenScope::Api, [9; 32])
        .await;
    assert!(
        matches!(forbidden, Err(StoreError::Forbidden(_))),
        "{forbidden:?}"
    );
    assert!(matches!(
        s.create_api_token(w.a, &owner(), " ", Role::Staff, TokenScope::Api, [9; 32])
            .await,
        Err(StoreError::Invalid { field: "name", .. })
    ));
    let t = s
        .create_api_token(
            w.a,
            &owner(),
            "billing export",
            Role::Auditor,
            TokenScope::Api,
            [9; 32],
        )
        .await
        .unwrap();
    let found = s.find_api_token(&[9; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.tenant, found.role),
        (t.id, w.a, Role::Auditor)
    );
    assert!(
        is_not_found(s.revoke_api_token(w.b, &owner(), t.id).await),
        "another tenant cannot revoke it"
    );
    s.revoke_api_token(w.a, &owner(), t.id).await.unwrap();
    assert_eq!(
        s.find_api_token(&[9; 32]).await.unwrap(),
        None,
        "a revoked token no longer authenticates"
    );
    assert!(is_not_found(s.revoke_api_token(w.a, &owner(), t.id).await));
    let actions: Vec<String> = s
        .audit_events(w.a, None)
        .await
        .unwrap()
        .into_iter()
        .skip(before)
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["api_token.create", "api_token.revoke"]);
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());
}

pub async fn invitations(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let later = now + chrono::Duration::days(7);
    assert!(matches!(
        s.create_invite(
            w.a,
            &staff(),
            invite("not an email", Role::Staff, [5; 32], later)
        )
        .await,
        Err(StoreError::Invalid { field: "email", .. })
    ));
    assert!(matches!(
        s.create_invite(
            w.a,
            &auditor(),
            invite("eve@x.test", Role::Owner, [5; 32], later)
        )
        .await,
        Err(StoreError::Forbidden(_))
    ));
    let inv = s
        .create_invite(
            w.a,
            &staff(),
            invite(" Audrey@Audit.test ", Role::Auditor, [5; 32], later),
        )
        .await
        .unwrap();
    assert_eq!(inv.email, "Audrey@Audit.test");
    assert_eq!(
        s.find_invite(&[5; 32], now).await.unwrap().unwrap().id,
        inv.id
    );
    assert_eq!(
        s.find_invite(&[5; 32], later).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(s.list_invites(w.a).await.unwrap().len(), 1);
    assert!(s.list_invites(w.b).await.unwrap().is_empty());
    assert!(matches!(
        s.accept_invite(&[5; 32], now, new_account("")).await,
        Err(StoreError::Invalid {
            field: "password",
            ..
        })
    ));
    assert!(is_not_found(
        s.accept_invite(&[5; 32], later, new_account("$argon2id$x"))
            .await
    ));
    let (accepted, user) = s
        .accept_invite(&[5; 32], now, new_account("$argon2id$x"))
        .await
        .unwrap();
    assert!(accepted.accepted_at.is_some());
    assert_eq!(user.email, "Audrey@Audit.test");
    let m = s.memberships_of(user.id).await.unwrap();
    assert_eq!(
        m,
        vec![Membership {
            tenant: w.a,
            user: user.id,
            role: Role::Auditor
        }]
    );
    assert!(
        is_not_found(
            s.accept_invite(&[5; 32], now, new_account("$argon2id$x"))
                .await
        ),
        "used once"
    );
    assert_eq!(s.find_invite(&[5; 32], now).await.unwrap(), None);
    let last = s.audit_events(w.a, None).await.unwrap();
    let last = last.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor_label.as_str()),
        ("invite.accept", "Audrey@Audit.test")
    );
    // An existing account joins a second organization without a new password.
    s.create_invite(
        w.b,
        &staff(),
        invite("audrey@audit.test", Role::Staff, [6; 32], later),
    )
    .await
    .unwrap();
    // Not as a new account (the address has one), nor as another signed-in user ...
    assert!(matches!(
        s.accept_invite(&[6; 32], now, new_account("$argon2id$y"))
            .await,
        Err(StoreError::Duplicate { field: "email", .. })
    ));
    let other = s
        .create_user("mallory@x.test", "$argon2id$m")
        .await
        .unwrap();
    assert!(matches!(
        s.accept_invite(&[6; 32], now, InviteAcceptance::SignedIn { user: other.id })
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert!(s.memberships_of(other.id).await.unwrap().is_empty());
    // ... only signed in as the invited account; both refusals left the invitation usable.
    let (_, same) = s
        .accept_invite(&[6; 32], now, InviteAcceptance::SignedIn { user: user.id })
        .await
        .unwrap();
    assert_eq!(same.id, user.id);
    assert_eq!(s.memberships_of(user.id).await.unwrap().len(), 2);
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());
    assert!(s.verify_audit(w.b).await.unwrap().is_ok());
}

pub(crate) fn new_account(hash: &str) -> InviteAcceptance {
    InviteAcceptance::NewAccount {
        password_hash: hash.to_owned(),
    }
}

/// Two invitations of one new address, from two organizations, accepted at the same instant as new
/// accounts: exactly one creates the account; the other is refused and its invitation stays unused.
pub async fn racing_invitations_make_one_account(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = std::sync::Arc::clone(&w.store);
    let now = in_2024();
    let later = now + chrono::Duration::days(7);
    s.create_invite(
        w.a,
        &staff(),
        invite("victim@x.test", Role::Owner, [21; 32], later),
    )
    .await
    .unwrap();
    s.create_invite(
        w.b,
        &staff(),
        invite("victim@x.test", Role::Staff, [22; 32], later),
    )
    .await
    .unwrap();
    let tasks: Vec<_> = [[21u8; 32], [22u8; 32]]
        .into_iter()
        .map(|h| {
            let s = std::sync::Arc::clone(&s);
            tokio::spawn(async move { s.accept_invite(&h, now, new_account("$argon2id$v")).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Duplicate { field: "email", .. }) => {}
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    assert_eq!(ok, 1, "one account, one acceptance");
    let mut unused = 0;
    for h in [[21u8; 32], [22u8; 32]] {
        if s.find_invite(&h, now).await.unwrap().is_some() {
            unused += 1;
        }
    }
    assert_eq!(
        unused, 1,
        "the refused invitation can still be accepted later"
    );
}

pub async fn session_tenant_and_sign_out_everywhere(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s.create_user("sam@x.test", "$argon2id$stub").await.unwrap();
    let now = in_2024();
    let mk = |h: u8| Session {
        token_hash: [h; 32],
        user: user.id,
        tenant: None,
        csrf_token: format!("csrf-{h}"),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    };
    for h in [11, 12, 13] {
        s.create_session(mk(h)).await.unwrap();
    }
    s.set_session_tenant(&[11; 32], w.b).await.unwrap();
    assert_eq!(
        s.get_session(&[11; 32], now).await.unwrap().unwrap().tenant,
        Some(w.b)
    );
    assert!(is_not_found(s.set_session_tenant(&[99; 32], w.b).await));
    assert_eq!(
        s.delete_user_sessions(user.id, Some(&[12; 32]))
            .await
            .unwrap(),
        2
    );
    assert!(s.get_session(&[11; 32], now).await.unwrap().is_none());
    assert!(s.get_session(&[12; 32], now).await.unwrap().is_some());
    assert_eq!(s.delete_user_sessions(user.id, None).await.unwrap(), 1);
    let t = s
        .create_api_token(
            w.a,
            &owner(),
            "export",
            Role::Staff,
            TokenScope::Api,
            [21; 32],
        )
        .await
        .unwrap();
    let listed = s.list_api_tokens(w.a).await.unwrap();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![t.id]);
    assert!(s.list_api_tokens(w.b).await.unwrap().is_empty());
}

pub async fn sign_in_attempts_are_reserved_counted_and_released(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let t0 = in_2024();
    let limits = vec![
        AttemptLimit {
            key: "ip:203.0.113.7".to_owned(),
            max: 4,
        },
        AttemptLimit {
            key: "account:ada@lakeside.test".to_owned(),
            max: 3,
        },
    ];
    let keys: Vec<String> = limits.iter().map(|l| l.key.clone()).collect();
    assert!(s.sign_in_failures(&keys, t0).await.unwrap().is_empty());
    for i in 0..3 {
        let r = s
            .reserve_attempt(
                uuid::Uuid::new_v4(),
                &limits,
                t0,
                t0 + chrono::Duration::seconds(i),
            )
            .await
            .unwrap();
        assert_eq!(r, Ok(()), "attempt {i} is within both limits");
    }
    // The account key is exhausted: refused with its earliest attempt, and nothing recorded.
    let refused = s
        .reserve_attempt(
            uuid::Uuid::new_v4(),
            &limits,
            t0,
            t0 + chrono::Duration::seconds(5),
        )
        .await
        .unwrap();
    assert_eq!(refused, Err(t0));
    let mut got = s.sign_in_failures(&keys, t0).await.unwrap();
    got.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        got,
        vec![
            SignInFailures {
                key: keys[1].clone(),
                count: 3,
                earliest: t0
            },
            SignInFailures {
                key: keys[0].clone(),
                count: 3,
                earliest: t0
            },
        ]
    );
    // Only attempts since the window's start count.
    let later = s
        .sign_in_failures(&keys, t0 + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert!(later.iter().all(|x| x.count == 1), "{later:?}");
    // A released attempt is not a failure, and the keys it names to forget are forgotten.
    let ok = uuid::Uuid::new_v4();
    let ip_only = &limits[..1];
    assert_eq!(
        s.reserve_attempt(ok, ip_only, t0, t0 + chrono::Duration::seconds(6))
            .await
            .unwrap(),
        Ok(())
    );
    s.release_attempt(ok, &keys[1..]).await.unwrap();
    let got = s.sign_in_failures(&keys, t0).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].key.as_str(), got[0].count), (keys[0].as_str(), 3));
    // The purge drops attempts older than a day.
    s.purge_sessions(t0 + chrono::Duration::days(2))
        .await
        .unwrap();
    assert!(s.sign_in_failures(&keys, t0).await.unwrap().is_empty());
}

/// Concurrent attempts cannot all pass the limit: exactly `max` reservations succeed.
pub async fn concurrent_sign_in_attempts_cannot_exceed_the_limit(f: &dyn StoreFactory) {
    let w = world(f).await;
    let store = std::sync::Arc::clone(&w.store);
    let t0 = in_2024();
    let limits = vec![AttemptLimit {
        key: "account:race@lakeside.test".to_owned(),
        max: 5,
    }];
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = std::sync::Arc::clone(&store);
        let l = limits.clone();
        tasks.push(tokio::spawn(async move {
            s.reserve_attempt(uuid::Uuid::new_v4(), &l, t0, t0)
                .await
                .unwrap()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            granted += 1;
        }
    }
    assert_eq!(granted, 5);
}

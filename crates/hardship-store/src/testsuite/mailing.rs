//! Password reset links and reminders sent once.

use super::*;
use crate::mailing::{ReminderKey, ResetRefusal};

/// A link works once, before it expires; using it sets the password, spends every link of the account,
/// ends every session and writes one audit event in each of the user's organizations (none elsewhere).
pub async fn password_reset_links_work_once(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$old")
        .await
        .unwrap();
    s.add_membership(w.a, &owner(), user.id, Role::Staff)
        .await
        .unwrap();
    s.add_membership(w.b, &owner(), user.id, Role::Owner)
        .await
        .unwrap();
    let other = s
        .create_user("bob@lakeside.test", "$argon2id$bob")
        .await
        .unwrap();
    for (n, who) in [(1u8, user.id), (2, user.id), (3, other.id)] {
        let session = Session {
            token_hash: [n; 32],
            user: who,
            tenant: Some(w.a),
            csrf_token: "c".into(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(8),
        };
        s.create_session(session).await.unwrap();
    }
    let hour = chrono::Duration::hours(1);
    let link = s
        .create_password_reset(user.id, [10; 32], now + hour)
        .await
        .unwrap();
    let second = s
        .create_password_reset(user.id, [11; 32], now + hour)
        .await
        .unwrap();
    assert_eq!(
        s.find_password_reset(&[10; 32]).await.unwrap(),
        Some(link.clone())
    );
    assert_eq!(s.find_password_reset(&[12; 32]).await.unwrap(), None);
    let ghost = s
        .create_password_reset(UserId(uuid::Uuid::from_u128(999_999)), [13; 32], now + hour)
        .await;
    assert!(is_not_found(ghost), "a link for no account");

    let events = |t| async move { s.audit_events(t, None).await.unwrap().len() };
    let (a0, b0) = (events(w.a).await, events(w.b).await);
    // Expired: refused, nothing changes.
    let late = s
        .reset_password(&[10; 32], now + hour, "$argon2id$new")
        .await
        .unwrap();
    assert_eq!(late, Err(ResetRefusal::Expired));
    assert_eq!(
        s.reset_password(&[12; 32], now, "$argon2id$new")
            .await
            .unwrap(),
        Err(ResetRefusal::Unknown)
    );
    assert!(s.get_session(&[1; 32], now).await.unwrap().is_some());
    assert_eq!(
        s.get_user(user.id).await.unwrap().password_hash,
        "$argon2id$old"
    );

    let done = s
        .reset_password(&[10; 32], now, "$argon2id$new")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.id, user.id);
    assert_eq!(
        s.get_user(user.id).await.unwrap().password_hash,
        "$argon2id$new"
    );
    assert_eq!(
        s.get_session(&[1; 32], now).await.unwrap(),
        None,
        "every session of the user ends"
    );
    assert_eq!(s.get_session(&[2; 32], now).await.unwrap(), None);
    assert!(
        s.get_session(&[3; 32], now).await.unwrap().is_some(),
        "another user's session stays"
    );
    assert_eq!(
        s.reset_password(&[10; 32], now, "$argon2id$x")
            .await
            .unwrap(),
        Err(ResetRefusal::Used)
    );
    assert_eq!(
        s.reset_password(&[11; 32], now, "$argon2id$x")
            .await
            .unwrap(),
        Err(ResetRefusal::Used),
        "the account's other links are spent too"
    );
    assert!(
        s.find_password_reset(&[11; 32])
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_some()
    );
    assert_eq!(second.used_at, None);
    for (t, before, role) in [(w.a, a0, "staff"), (w.b, b0, "owner")] {
        let all = s.audit_events(t, None).await.unwrap();
        assert_eq!(
            all.len(),
            before + 1,
            "one event in each of the user's organizations"
        );
        let e = all.last().unwrap();
        assert_eq!(e.action, "user.password_reset");
        assert_eq!(e.entity_id, user.id.to_string());
        assert_eq!(e.actor_label, "ada@lakeside.test");
        assert!(s.verify_audit(t).await.unwrap().is_ok(), "{role}");
    }
    assert!(
        s.reset_password(&[11; 32], now, " ").await.is_err(),
        "an empty hash is refused before anything"
    );
}

/// Two uses of one link at once: one sets the password, the other finds it used.
pub async fn racing_password_resets_use_the_link_once(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$old")
        .await
        .unwrap();
    s.add_membership(w.a, &owner(), user.id, Role::Staff)
        .await
        .unwrap();
    s.create_password_reset(user.id, [20; 32], now + chrono::Duration::hours(1))
        .await
        .unwrap();
    let before = s.audit_events(w.a, None).await.unwrap().len();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let s = Arc::clone(s);
        tasks.push(tokio::spawn(async move {
            s.reset_password(&[20; 32], now, &format!("$argon2id${i}"))
                .await
                .unwrap()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(r) => assert_eq!(r, ResetRefusal::Used),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(s.audit_events(w.a, None).await.unwrap().len(), before + 1);
}

fn key(w: &World, recipient: UserId, kind: &str) -> ReminderKey {
    ReminderKey {
        tenant: w.a,
        recipient,
        kind: kind.into(),
        period: "PY2024 2025-01-03T01:00:00Z".into(),
    }
}

/// A reminder is claimed once; a sent one is never claimed again; a released one is; a claim whose
/// sender died is taken over after the lease; only the holder marks it sent.
pub async fn reminders_are_claimed_once(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$x")
        .await
        .unwrap();
    let k = key(&w, user.id, "deadline_30");
    let (c1, c2) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
    let lease = chrono::Duration::hours(1);
    let revision = s.revision(w.a).await.unwrap();
    assert!(s.claim_reminder(&k, c1, now, now - lease).await.unwrap());
    assert!(
        !s.claim_reminder(&k, c2, now, now - lease).await.unwrap(),
        "held by a live claim"
    );
    s.release_reminder(&k, c2).await.unwrap();
    assert_eq!(
        s.list_reminders(w.a).await.unwrap().len(),
        1,
        "only the holder releases"
    );
    s.release_reminder(&k, c1).await.unwrap();
    assert!(s.list_reminders(w.a).await.unwrap().is_empty());
    assert!(
        s.claim_reminder(&k, c2, now, now - lease).await.unwrap(),
        "released, claimable"
    );
    assert!(
        s.mark_reminder_sent(&k, c1, now).await.is_err(),
        "not the holder"
    );
    s.mark_reminder_sent(&k, c2, now).await.unwrap();
    let later = now + chrono::Duration::days(2);
    assert!(
        !s.claim_reminder(&k, c1, later, later - lease)
            .await
            .unwrap(),
        "sent once"
    );
    let sent = s.list_reminders(w.a).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].claim, sent[0].sent_at), (c2, Some(now)));

    // A sender that died holding a claim: taken over once the lease is over, not before.
    let k7 = key(&w, user.id, "deadline_7");
    assert!(s.claim_reminder(&k7, c1, now, now - lease).await.unwrap());
    let soon = now + chrono::Duration::minutes(30);
    assert!(!s.claim_reminder(&k7, c2, soon, soon - lease).await.unwrap());
    assert!(
        s.claim_reminder(&k7, c2, later, later - lease)
            .await
            .unwrap()
    );
    assert!(
        s.mark_reminder_sent(&k7, c1, later).await.is_err(),
        "the dead claim lost it"
    );

    // Another tenant sees none of them; bookkeeping is not a change of the tenant's records.
    assert!(s.list_reminders(w.b).await.unwrap().is_empty());
    assert_eq!(s.revision(w.a).await.unwrap(), revision);
    let ghost = ReminderKey {
        tenant: TenantId(uuid::Uuid::from_u128(999_999)),
        ..k.clone()
    };
    assert!(is_not_found(s.claim_reminder(&ghost, c1, now, now).await));
    let bad = ReminderKey {
        kind: " ".into(),
        ..k
    };
    assert!(s.claim_reminder(&bad, c1, now, now).await.is_err());
}

/// Many senders claiming the same reminders at once: each key is claimed by exactly one.
pub async fn concurrent_reminder_claims_pick_one_sender(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let user = s
        .create_user("ada@lakeside.test", "$argon2id$x")
        .await
        .unwrap();
    let k = key(&w, user.id, "weekly");
    let mut tasks = Vec::new();
    for i in 0..8u128 {
        let (s, k) = (Arc::clone(s), k.clone());
        tasks.push(tokio::spawn(async move {
            s.claim_reminder(
                &k,
                uuid::Uuid::from_u128(100 + i),
                now,
                now - chrono::Duration::hours(1),
            )
            .await
            .unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

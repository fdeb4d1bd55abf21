//! Client members and their practices, members' roles changed and members removed (their sessions and
//! tokens ending at once, the last owner kept), and attestations signed once per packet.

use super::*;

fn person(user: &User, role: Role) -> Actor {
    Actor {
        user: Some(user.id),
        label: user.email.clone(),
        role,
    }
}

fn session(token: u8, user: UserId, tenant: Option<TenantId>) -> Session {
    let now = in_2024();
    Session {
        token_hash: [token; 32],
        user,
        tenant,
        csrf_token: "csrf".into(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(8),
    }
}

pub async fn client_practices_follow_invitations_and_role_changes(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let now = in_2024();
    let later = now + chrono::Duration::days(7);
    let second = s
        .create_practice(w.a, &owner(), practice("222333444"))
        .await
        .unwrap();
    let theirs = s
        .create_practice(w.b, &owner(), practice("555666777"))
        .await
        .unwrap();
    let client_invite = |practices: Vec<PracticeId>, token: u8| NewInvite {
        practices,
        ..invite("an@client.test", Role::Client, [token; 32], later)
    };
    // A client names its practices, nobody else does, and only the tenant's own.
    assert!(matches!(
        s.create_invite(w.a, &owner(), client_invite(vec![], 30))
            .await,
        Err(StoreError::Invalid {
            field: "practices",
            ..
        })
    ));
    let staff_with_practices = NewInvite {
        practices: vec![w.practice.id],
        ..invite("x@y.test", Role::Staff, [31; 32], later)
    };
    assert!(matches!(
        s.create_invite(w.a, &owner(), staff_with_practices).await,
        Err(StoreError::Invalid {
            field: "practices",
            ..
        })
    ));
    assert!(is_not_found(
        s.create_invite(w.a, &owner(), client_invite(vec![theirs.id], 32))
            .await
    ));
    let inv = s
        .create_invite(w.a, &owner(), client_invite(vec![w.practice.id], 33))
        .await
        .unwrap();
    assert_eq!(inv.practices, vec![w.practice.id]);
    assert_eq!(
        s.list_invites(w.a).await.unwrap()[0].practices,
        inv.practices
    );
    let (_, client) = s
        .accept_invite(&[33; 32], now, new_account("$argon2id$c"))
        .await
        .unwrap();
    assert_eq!(
        s.memberships_of(client.id).await.unwrap()[0].role,
        Role::Client
    );
    assert_eq!(
        s.client_practices(w.a, client.id).await.unwrap(),
        vec![w.practice.id]
    );
    assert!(s.client_practices(w.b, client.id).await.unwrap().is_empty());

    // Only owners change members; the practices follow the role.
    let both = MemberChange::Role {
        role: Role::Client,
        practices: vec![second.id, w.practice.id, second.id],
    };
    assert!(matches!(
        s.change_member(w.a, &staff(), client.id, both.clone())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    s.change_member(w.a, &owner(), client.id, both)
        .await
        .unwrap();
    let mut expected = vec![w.practice.id, second.id];
    expected.sort();
    assert_eq!(s.client_practices(w.a, client.id).await.unwrap(), expected);
    let stranger = MemberChange::Role {
        role: Role::Client,
        practices: vec![theirs.id],
    };
    assert!(is_not_found(
        s.change_member(w.a, &owner(), client.id, stranger).await
    ));
    assert_eq!(
        s.client_practices(w.a, client.id).await.unwrap(),
        expected,
        "a refused change changes nothing"
    );

    // A change ends the member's sessions in the tenant (and those in none yet) and revokes its tokens.
    s.create_session(session(40, client.id, Some(w.a)))
        .await
        .unwrap();
    s.create_session(session(41, client.id, None))
        .await
        .unwrap();
    s.create_session(session(42, client.id, Some(w.b)))
        .await
        .unwrap();
    let theirs_token = s
        .create_api_token(
            w.a,
            &person(&client, Role::Staff),
            "own",
            Role::Staff,
            TokenScope::Api,
            [43; 32],
        )
        .await
        .unwrap();
    assert_eq!(theirs_token.user, Some(client.id));
    let others_token = s
        .create_api_token(w.a, &owner(), "ci", Role::Staff, TokenScope::Api, [44; 32])
        .await
        .unwrap();
    let changed = s
        .change_member(
            w.a,
            &owner(),
            client.id,
            MemberChange::Role {
                role: Role::Staff,
                practices: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.previous, Role::Client);
    assert_eq!(changed.sessions_ended, 2);
    assert_eq!(changed.tokens_revoked, vec![theirs_token.id]);
    assert!(s.client_practices(w.a, client.id).await.unwrap().is_empty());
    assert_eq!(s.get_session(&[40; 32], now).await.unwrap(), None);
    assert_eq!(s.get_session(&[41; 32], now).await.unwrap(), None);
    assert!(
        s.get_session(&[42; 32], now).await.unwrap().is_some(),
        "a session working in another organization stays"
    );
    assert_eq!(s.find_api_token(&[43; 32]).await.unwrap(), None);
    assert_eq!(
        s.find_api_token(&[44; 32]).await.unwrap().map(|t| t.id),
        Some(others_token.id)
    );
    let last = s.audit_events(w.a, None).await.unwrap();
    let last = last.last().unwrap();
    assert_eq!(last.action, "membership.change");
    let after: serde_json::Value = serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["role"], "staff");
    assert_eq!(after["sessions_ended"], 2);
    assert_eq!(after["tokens_revoked"][0], theirs_token.id.to_string());

    // Removed: no membership, nothing left open; a member of nobody is not found.
    s.create_session(session(45, client.id, Some(w.a)))
        .await
        .unwrap();
    let removed = s
        .change_member(w.a, &owner(), client.id, MemberChange::Remove)
        .await
        .unwrap();
    assert_eq!((removed.membership, removed.sessions_ended), (None, 1));
    assert!(
        s.memberships_of(client.id)
            .await
            .unwrap()
            .iter()
            .all(|m| m.tenant != w.a)
    );
    assert!(is_not_found(
        s.change_member(w.a, &owner(), client.id, MemberChange::Remove)
            .await
    ));
    assert!(s.verify_audit(w.a).await.unwrap().is_ok());

    // A client's access is its account's: no API token carries the role.
    assert!(matches!(
        s.create_api_token(w.a, &owner(), "c", Role::Client, TokenScope::Api, [46; 32])
            .await,
        Err(StoreError::Invalid { field: "role", .. })
    ));
}

pub async fn the_last_owner_is_kept(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let first = s
        .create_user("first@acme.test", "$argon2id$a")
        .await
        .unwrap();
    let second = s
        .create_user("second@acme.test", "$argon2id$b")
        .await
        .unwrap();
    s.add_membership(w.a, &owner(), first.id, Role::Owner)
        .await
        .unwrap();
    let demote = MemberChange::Role {
        role: Role::Staff,
        practices: vec![],
    };
    for change in [demote.clone(), MemberChange::Remove] {
        assert!(
            matches!(
                s.change_member(w.a, &owner(), first.id, change).await,
                Err(StoreError::Refused(_))
            ),
            "the only owner stays an owner"
        );
    }
    s.add_membership(w.a, &owner(), second.id, Role::Owner)
        .await
        .unwrap();
    s.change_member(w.a, &person(&second, Role::Owner), first.id, demote)
        .await
        .unwrap();
    assert!(matches!(
        s.change_member(
            w.a,
            &person(&second, Role::Owner),
            second.id,
            MemberChange::Remove
        )
        .await,
        Err(StoreError::Refused(_))
    ));
}

pub async fn clients_contribute_and_change_nothing_else(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s
        .create_user("an@client.test", "$argon2id$c")
        .await
        .unwrap();
    let client = person(&user, Role::Client);
    let refused = |r: StoreResult<Practice>| matches!(r, Err(StoreError::Forbidden(_)));
    assert!(refused(
        s.create_practice(w.a, &client, practice("999888777")).await
    ));
    let app = s
        .create_application(
            w.a,
            &client,
            draft(w.practice.id, 2024, HardshipReason::InsufficientInternet),
        )
        .await
        .unwrap();
    let app = s
        .transition_application(w.a, &client, app.id, app.version, Transition::MarkReady)
        .await
        .unwrap();
    let submit = Transition::Submit {
        channel: Channel::Portal,
        reference: "QPP-1".into(),
    };
    assert!(matches!(
        s.transition_application(w.a, &client, app.id, app.version, submit)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    s.record_document(w.a, &client, new_document(w.practice.id, Some(app.id), 77))
        .await
        .unwrap();
    let edit = DocumentEdit {
        kind: "other".into(),
        note: String::new(),
        superseded_by: None,
    };
    assert!(matches!(
        s.edit_document(w.a, &client, w.document.id, edit).await,
        Err(StoreError::Forbidden(_))
    ));
    let invite_by_client = invite("x@y.test", Role::Staff, [50; 32], in_2024());
    assert!(matches!(
        s.create_invite(w.a, &client, invite_by_client).await,
        Err(StoreError::Forbidden(_))
    ));
}

pub async fn attestations_are_signed_once_per_packet(f: &dyn StoreFactory) {
    let w = world(f).await;
    let s = &w.store;
    let user = s
        .create_user("an@client.test", "$argon2id$c")
        .await
        .unwrap();
    let a = &w.application;
    let sign = |name: &str, hash: u8| NewAttestation {
        typed_name: name.into(),
        packet_sha256: [hash; 32],
    };
    assert!(matches!(
        s.sign_application(w.a, &owner(), a.id, a.version, sign("Pat Doe", 1))
            .await,
        Err(StoreError::Forbidden(_)),
    ));
    assert!(matches!(
        s.sign_application(
            w.a,
            &person(&user, Role::Auditor),
            a.id,
            a.version,
            sign("Pat Doe", 1)
        )
        .await,
        Err(StoreError::Forbidden(_)),
    ));
    let client = person(&user, Role::Client);
    assert!(matches!(
        s.sign_application(w.a, &client, a.id, a.version, sign(" ", 1))
            .await,
        Err(StoreError::Invalid {
            field: "typed_name",
            ..
        })
    ));
    assert!(matches!(
        s.sign_application(w.a, &client, a.id, a.version + 1, sign("Nguyễn Văn An", 1))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(is_not_found(
        s.sign_application(w.b, &client, a.id, a.version, sign("Nguyễn Văn An", 1))
            .await
    ));
    let signed = s
        .sign_application(w.a, &client, a.id, a.version, sign(" Nguyễn Văn An ", 1))
        .await
        .unwrap();
    assert_eq!(
        (
            signed.typed_name.as_str(),
            signed.email.as_str(),
            signed.user
        ),
        ("Nguyễn Văn An", "an@client.test", user.id)
    );
    assert_eq!(signed.signed_on, in_2024().date_naive());
    assert_eq!(signed.practice, w.practice.id);
    assert!(
        matches!(
            s.sign_application(
                w.a,
                &person(&user, Role::Owner),
                a.id,
                a.version,
                sign("Pat Doe", 1)
            )
            .await,
            Err(StoreError::Refused(_))
        ),
        "one signature per packet"
    );
    s.sign_application(w.a, &client, a.id, a.version, sign("Nguyễn Văn An", 2))
        .await
        .unwrap();
    let all = s.attestations(w.a, a.id).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], signed);
    assert!(is_not_found(s.attestations(w.b, a.id).await));
    // Signing changes no application: its version and state stay, and the log agrees with the records.
    assert_eq!(
        s.get_application(w.a, a.id).await.unwrap().version,
        a.version
    );
    let last = s.audit_events(w.a, Some(&a.id.to_string())).await.unwrap();
    assert_eq!(last.last().unwrap().action, "application.attest");
    assert!(s.verify_records(w.a).await.unwrap().is_empty());
    // A sent application's packet is not signed any more.
    let ready = s
        .transition_application(w.a, &owner(), a.id, a.version, Transition::MarkReady)
        .await
        .unwrap();
    let sent = s
        .transition_application(
            w.a,
            &owner(),
            a.id,
            ready.version,
            Transition::Submit {
                channel: Channel::Portal,
                reference: "QPP-2".into(),
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        s.sign_application(w.a, &client, a.id, sent.version, sign("Nguyễn Văn An", 3))
            .await,
        Err(StoreError::IllegalTransition { .. })
    ));
}

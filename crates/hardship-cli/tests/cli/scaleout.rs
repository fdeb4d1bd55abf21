//! Scale-out: two `hardship serve` instances against one PostgreSQL and one S3-compatible object store (the
//! `moto` server, started by `scripts/with-moto.sh`). Concurrent edits of one application from both
//! instances never lose an update (one wins, the others get 409), every change has exactly one audit event,
//! the tenant's chain stays one chain after a concurrent storm, what one instance writes the other reads at
//! once (caches included), and evidence uploaded through one downloads through the other.

use crate::instance::{Installation, client, get_list, master_key};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The S3 URL of the test object store, or None (a notice) when it is not running and not required.
pub fn s3() -> Option<String> {
    match std::env::var("HARDSHIP_TEST_S3_URL") {
        Ok(u) => Some(u),
        Err(_)
            if std::env::var_os("HARDSHIP_REQUIRE_S3").is_some()
                || std::env::var_os("CI").is_some() =>
        {
            panic!("HARDSHIP_TEST_S3_URL is not set: run the tests through scripts/with-moto.sh")
        }
        Err(_) => {
            eprintln!("skipping: HARDSHIP_TEST_S3_URL is not set (use scripts/with-moto.sh)");
            None
        }
    }
}

fn application_body(practice: &str, version: i64, description: &str) -> Value {
    json!({
        "practice": practice, "year": 2026, "version": version,
        "applicant": {"level": "group", "tin": "100000000"},
        "reason": "insufficient_internet", "description": description,
        "submitter": {"first_name": "Pat", "last_name": "Doe", "email": "pat@example.test", "phone": "555-0100"},
        "facts": {"insufficient_internet": true}, "attested": true
    })
}

async fn audit_len(base: &str, token: &str) -> usize {
    get_list(base, "/api/v1/audit", token).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgres_and_s3_lose_no_update_and_keep_one_chain() {
    let (Some(pg), Some(s3)) = (crate::postgres_ops::server(), s3()) else {
        return;
    };
    let db = crate::postgres_ops::create_database(&pg, &format!("scaleout_{}", std::process::id()));
    let dir = tempfile::tempdir().unwrap();
    let prefix = format!("run{}", std::process::id());
    let vault = s3.replacen("/evidence?", &format!("/{prefix}?"), 1);
    let inst = Installation::sqlite(dir.path())
        .with_arg("--database-url", &db)
        .with_arg("--vault-url", &vault)
        .with_env("HARDSHIP_MASTER_KEY", &master_key(3));
    let (token, practices, _) = inst.seed(2, 5);
    let a = inst.serve();
    let b = inst.serve();
    let bases = [a.base.clone(), b.base.clone()];
    let c = client();

    // The seeded ready application of the first practice.
    let apps = get_list(
        &a.base,
        &format!("/api/v1/applications?practice={}", practices[0]),
        &token,
    )
    .await;
    let app = apps[0]["id"].as_str().unwrap().to_owned();
    let mut version = apps[0]["version"].as_i64().unwrap();
    let audit_app = |base: String| {
        let (token, app) = (token.clone(), app.clone());
        async move {
            get_list(&base, &format!("/api/v1/applications/{app}/audit"), &token)
                .await
                .len()
        }
    };
    let events_before = audit_app(bases[0].clone()).await;

    // Ten rounds of six concurrent edits of the same version, three through each instance.
    for round in 0..10 {
        let edits = (0..6).map(|i| {
            let base = bases[i % 2].clone();
            let (c, token, app) = (c.clone(), token.clone(), app.clone());
            let body = application_body(&practices[0], version, &format!("round {round} edit {i}"));
            async move {
                let r = c
                    .put(format!("{base}/api/v1/applications/{app}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                (s, r.json::<Value>().await.unwrap(), i)
            }
        });
        let results = join_all(edits).await;
        let won: Vec<&(StatusCode, Value, usize)> = results
            .iter()
            .filter(|(s, ..)| *s == StatusCode::OK)
            .collect();
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one edit of version {version} wins: {results:?}"
        );
        for (s, body, _) in &results {
            if *s != StatusCode::OK {
                assert_eq!(*s, StatusCode::CONFLICT, "{body}");
                assert!(
                    body["message"]
                        .as_str()
                        .unwrap()
                        .contains("changed by someone else"),
                    "{body}"
                );
            }
        }
        // The other instance reads the winner at once.
        let winner = won[0].2;
        let other = bases[(winner + 1) % 2].clone();
        let now: Value = c
            .get(format!("{other}/api/v1/applications/{app}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now["description"], format!("round {round} edit {winner}"));
        version = now["version"].as_i64().unwrap();
    }
    assert_eq!(
        audit_app(bases[1].clone()).await,
        events_before + 10,
        "one audit event per accepted change, none for the refused ones"
    );

    // A storm of mixed writes through both instances; count what was accepted.
    let before = audit_len(&bases[0], &token).await;
    let p1 = practices[1].clone();
    let mut jobs = Vec::new();
    for i in 0..90u32 {
        let base = bases[(i % 2) as usize].clone();
        let (c, token, p1) = (c.clone(), token.clone(), p1.clone());
        let app = app.clone();
        jobs.push(tokio::spawn(async move {
            let r = match i % 3 {
                0 => c
                    .post(format!("{base}/api/v1/practices/{p1}/clinicians"))
                    .bearer_auth(&token)
                    .json(&json!({"npi": crate::npi(500_000 + i), "name": format!("Storm {i}"), "clinician_type": "physician"}))
                    .send()
                    .await
                    .unwrap(),
                1 => {
                    let form = reqwest::multipart::Form::new()
                        .text("kind", "outage_record")
                        .part("file", reqwest::multipart::Part::bytes(vec![i as u8; 70_000 + i as usize]).file_name(format!("storm-{i}.bin")));
                    c.post(format!("{base}/api/v1/practices/{p1}/documents"))
                        .bearer_auth(&token)
                        .multipart(form)
                        .send()
                        .await
                        .unwrap()
                }
                _ => {
                    let now: Value = c
                        .get(format!("{base}/api/v1/applications/{app}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let action = if now["state"]["name"] == "draft" { "mark_ready" } else { "back_to_draft" };
                    c.post(format!("{base}/api/v1/applications/{app}/transitions"))
                        .bearer_auth(&token)
                        .json(&json!({"version": now["version"], "action": action}))
                        .send()
                        .await
                        .unwrap()
                }
            };
            r.status()
        }));
    }
    let mut accepted = 0;
    for j in jobs {
        let s = j.await.unwrap();
        assert!(
            s.is_success() || s == StatusCode::CONFLICT,
            "unexpected {s}"
        );
        accepted += usize::from(s.is_success());
    }
    assert!(
        accepted >= 60,
        "clinicians and uploads never conflict: {accepted}"
    );
    assert_eq!(
        audit_len(&bases[1], &token).await - before,
        accepted,
        "exactly one audit event per accepted change"
    );

    // What one instance writes, the other answers at once — cached answers included.
    for (level, expect) in [
        ("group", "group"),
        ("individual", "individual"),
        ("group", "group"),
    ] {
        let prof: Value = c
            .get(b.url(&format!("/api/v1/practices/{p1}/years/2026/profile")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = c
            .put(a.url(&format!("/api/v1/practices/{p1}/years/2026/profile")))
            .bearer_auth(&token)
            .json(&json!({"version": prof["version"], "level": level, "pi_submitted": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let e: Value = c
            .get(b.url(&format!("/api/v1/practices/{p1}/years/2026/eligibility")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            e["level"], expect,
            "instance B's cached eligibility follows instance A's write"
        );
    }

    // Evidence uploaded through A downloads, byte for byte, through B (one object store).
    let bytes: Vec<u8> = (0..9_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let form = reqwest::multipart::Form::new()
        .text("kind", "cms_decision_email")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("big.eml"),
        );
    let doc: Value = c
        .post(a.url(&format!("/api/v1/practices/{p1}/documents")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got = c
        .get(b.url(&format!(
            "/api/v1/documents/{}/content",
            doc["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        got.as_ref() == bytes.as_slice(),
        "the same bytes through the other instance"
    );

    // One chain, intact; every object authentic and matching its record.
    let o = inst.run(&["audit", "verify"]);
    assert!(
        o.status.success(),
        "{}{}",
        crate::stdout(&o),
        crate::stderr(&o)
    );
    let o = inst.run(&["vault", "verify"]);
    assert!(
        o.status.success(),
        "{}{}",
        crate::stdout(&o),
        crate::stderr(&o)
    );
    assert!(
        crate::stdout(&o).contains("documents verified"),
        "{}",
        crate::stdout(&o)
    );
}

//! "Fetch from CMS" on the practice page, and its API twin, against the stand-in for CMS's QPP
//! Eligibility API (the harness's fake, answering like CMS's samples): the button records what CMS says
//! and redirects back to a summary that names what it could not record; a second press skips fresh
//! answers; auditors may not.

use crate::harness::{Auth, TestApp, npi};
use hardship_testkit::fake_cms::{Org, Reply};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_practice_page_button_fetches_records_and_summarises() {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let token = app.token(&owner, "owner").await;
    let t = Auth::Bearer(&token);
    let (_, pr) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Lakeside Family Medicine"}),
        )
        .await;
    let p = pr["id"].as_str().unwrap().to_owned();
    for i in 1..=3 {
        let (s, _) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/practices/{p}/clinicians"),
                t,
                &json!({"npi": npi(i), "name": format!("Dr. {i}"), "clinician_type": "physician"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let cms = app.cms.as_ref().unwrap();
    // 1: hospital-based at the practice (named in capitals, as CMS writes names).
    cms.script(
        &npi(1),
        vec![Reply::Profile(vec![
            Org::named("LAKESIDE FAMILY MEDICINE").with(json!({"hospitalBasedClinician": true})),
        ])],
    );
    // 2: asked to slow down once, then two organizations, neither named like the practice.
    cms.script(
        &npi(2),
        vec![
            Reply::TooMany { retry_after: 1 },
            Reply::Profile(vec![
                Org::named("HILLSIDE CLINIC"),
                Org::named("RIVERSIDE GROUP"),
            ]),
        ],
    );
    // 3: unknown to CMS (the fake's default, the 404 sample).

    let path = format!("/practices/{p}/eligibility/fetch");
    let r = app
        .post_form(&path, &owner, &[("year", "2026")], true)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    for part in [
        "notice=cms_fetched",
        "fetched=1",
        "statuses=",
        "not_found=1",
        "unmatched=1",
        "failed=0",
        "fresh=0",
    ] {
        assert!(to.contains(part), "{to}");
    }
    let page = app
        .get(&to, Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("QPP Eligibility API about 3 clinician(s) for 2026: 1 answered and recorded"),
        "{page}"
    );
    assert!(page.contains("2 organizations, none named like the practice"));
    assert!(page.contains("NoProviderInformation"));
    assert!(page.contains(&npi(3)));
    let asked = cms.requests();
    let twice: Vec<_> = asked.iter().filter(|r| r.npi() == npi(2)).collect();
    assert_eq!(twice.len(), 2, "429, then again");
    assert!(twice[1].at - twice[0].at >= std::time::Duration::from_secs(1));
    assert!(asked.iter().all(
        |r| r.accept == "application/vnd.qpp.cms.gov.v6+json" && r.path.ends_with("?year=2026")
    ));

    // Recorded as CMS data, seen by the eligibility view.
    let (_, e) = app
        .get_json(&format!("/api/v1/practices/{p}/years/2026/eligibility"), t)
        .await;
    let c1 = e["clinicians"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["npi"] == npi(1))
        .unwrap();
    let hb = c1["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "hospital_based")
        .unwrap();
    assert_eq!(hb["value"], true);
    assert_eq!(
        hb["origin"],
        "from CMS eligibility data, retrieved on 2026-11-16"
    );

    // Pressed again through the API: the fresh answers (1 and 3) are skipped, 2 is asked again.
    let before = cms.requests().len();
    let (s, sum) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/practices/{p}/eligibility/fetch"),
            t,
            &json!({"year": 2026}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sum}");
    assert_eq!(sum["skipped_fresh"], 2, "{sum}");
    assert_eq!(sum["unmatched"][0]["npi"], npi(2));
    assert_eq!(
        sum["endpoint"],
        format!("{}/api/eligibility/npi/{{npi}}", cms.url())
    );
    assert_eq!(sum["api_version"], "v6");
    assert_eq!(cms.requests().len(), before + 1);

    // Each run is in the audit trail as a sentence.
    let (_, trail) = app.get_json("/api/v1/audit", t).await;
    let text = trail.to_string();
    assert!(
        text.contains("asked CMS's QPP Eligibility API"),
        "the run's sentence: {text}"
    );
    assert!(text.contains("recorded CMS's answer for NPI"), "{text}");

    // Auditors see the page without the button, and may not press it.
    let tenant = app.state.store.list_tenants().await.unwrap()[0];
    app.add_member(tenant, "auditor@acme.test", hardship_store::Role::Auditor)
        .await;
    let auditor = app
        .login("auditor@acme.test", crate::harness::PASSWORD)
        .await
        .unwrap();
    let page = app
        .get(&format!("/practices/{p}"), Auth::Session(&auditor))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("id=\"fetch-cms\""));
    let r = app
        .post_form(&path, &auditor, &[("year", "2026")], true)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

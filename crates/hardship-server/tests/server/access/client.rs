//! A client of practice A sees A in every list and view, count for count as the owner sees A, and
//! nothing of practice B or of the organization's people.

use super::world::world;
use crate::harness::Auth;
use reqwest::StatusCode;
use serde_json::Value;

/// The practice ids a JSON list names (`key` of each row).
fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_client_sees_its_practice_and_nothing_else_count_for_count() {
    let w = world().await;
    let (a, b) = (&w.ids[0].1, &w.ids_b[0].1);
    let client = Auth::Session(&w.client);
    let owner = Auth::Session(&w.owner);

    let (_, practices) = w.app.get_json("/api/v1/practices", client).await;
    assert_eq!(ids(&practices, "id"), std::slice::from_ref(a));
    let (_, apps) = w.app.get_json("/api/v1/applications", client).await;
    let (_, all_apps) = w.app.get_json("/api/v1/applications", owner).await;
    let of_a = ids(&all_apps, "practice")
        .iter()
        .filter(|p| *p == a)
        .count();
    assert!(of_a > 0);
    assert_eq!(ids(&apps, "practice"), vec![a.clone(); of_a]);

    // The dashboard: A's row, and totals that are A's row's, count for count.
    let (_, mine) = w.app.get_json("/api/v1/dashboard?year=2026", client).await;
    let (_, all) = w.app.get_json("/api/v1/dashboard?year=2026", owner).await;
    assert_eq!(ids(&mine["practices"], "practice"), std::slice::from_ref(a));
    assert_eq!(all["totals"]["practices"], 2);
    let row = all["practices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["practice"] == a.as_str())
        .unwrap();
    assert_eq!(mine["practices"][0], *row);
    let t = &mine["totals"];
    assert_eq!(t["practices"], 1);
    for (total, col) in [
        ("clinicians", "clinicians"),
        ("needs_application", "needs_application"),
        ("not_reweighted", "not_reweighted"),
        ("reweighted_automatically", "reweighted_automatically"),
    ] {
        assert_eq!(t[total], row[col], "{total}");
    }
    assert_eq!(t["applications"], row["applications"]);
    let (_, queue) = w.app.get_json("/api/v1/queue?year=2026", client).await;
    assert_eq!(ids(&queue["rows"], "practice"), std::slice::from_ref(a));
    assert_eq!(queue["matching"], 1);
    let (_, portfolio) = w.app.get_json("/api/v1/portfolio?year=2026", client).await;
    let names: Vec<&str> = portfolio
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["practice"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lakeside"]);

    // The audit trail: A's events, as many as the owner sees when filtering by A.
    let (_, trail) = w.app.get_json("/api/v1/audit", client).await;
    let (_, filtered) = w
        .app
        .get_json(&format!("/api/v1/audit?practice={a}"), owner)
        .await;
    let trail = trail.as_array().unwrap();
    assert!(!trail.is_empty());
    assert!(
        trail.iter().all(|e| e["practice"] == a.as_str()),
        "{trail:?}"
    );
    assert_eq!(trail.len(), filtered.as_array().unwrap().len());
    let (_, verify) = w.app.get_json("/api/v1/audit/verify", client).await;
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(
        verify["events"],
        trail.len(),
        "the client's own events, verified"
    );

    // Targeted-review cases and audit requests: A's only (the owner sees both practices').
    for path in ["/api/v1/targeted-reviews", "/api/v1/dva-requests"] {
        let (_, mine) = w.app.get_json(path, client).await;
        let (_, all) = w.app.get_json(path, owner).await;
        assert_eq!(ids(&mine, "practice"), std::slice::from_ref(a), "{path}");
        assert_eq!(all.as_array().unwrap().len(), 2, "{path}");
    }

    // Practice B as another tenant's; the organization's people refused.
    for path in [
        format!("/api/v1/practices/{b}"),
        format!("/api/v1/practices/{b}/documents"),
        format!("/api/v1/audit?practice={b}"),
    ] {
        let (s, body) = w.app.get_json(&path, client).await;
        assert!(
            s == StatusCode::NOT_FOUND || body.as_array().is_some_and(Vec::is_empty),
            "{path}: {s} {body}"
        );
    }
    let (s, _) = w.app.get_json("/api/v1/members", client).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The pages say the same.
    for path in [
        "/dashboard",
        "/practices",
        "/applications",
        "/audit",
        "/targeted-reviews",
        "/dva-requests",
    ] {
        let text = w.app.get(path, client).await.text().await.unwrap();
        assert!(text.contains("Lakeside"), "{path}");
        assert!(
            !text.contains("Brookside") && !text.contains(b.as_str()),
            "{path}"
        );
        assert!(!text.contains("/settings/users"), "{path}: no People link");
    }
}

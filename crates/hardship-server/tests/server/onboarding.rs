//! A consultancy onboards its client list: 200 practices from one CSV as Excel saves it (CRLF, BOM,
//! "NPI"/"Name"/"Type" headers, MD/NP/PA, TINs with a dash), then the same list as XLSX; a re-run changes
//! nothing; errors name the line the user's editor shows; the page previews, then writes on confirmation;
//! the work queue filters, searches, pages and assigns.

use crate::api::owner_and_token;
use crate::harness::{Auth, Session, TestApp, csrf_in, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PRACTICES: u32 = 200;
const PER_PRACTICE: u32 = 3;

fn tin(i: u32) -> String {
    let t = format!("{:09}", 100_000_000 + i * 7);
    format!("{}-{}", &t[..2], &t[2..])
}

/// The client list's rows: TIN, practice, ZIP, level, NPI, name, type.
fn rows() -> Vec<[String; 7]> {
    let types = ["MD", "NP", "PA-C"];
    let mut out = Vec::new();
    for p in 0..PRACTICES {
        for c in 0..PER_PRACTICE {
            let n = p * PER_PRACTICE + c + 1;
            out.push([
                tin(p),
                format!("Clínica Nguyễn {p:03}"),
                format!("{:05}", 2100 + p),
                if p % 2 == 0 { "Group" } else { "" }.to_owned(),
                npi(n),
                if c == 0 {
                    "Nguyễn Văn An".to_owned()
                } else {
                    format!("Łukasz Wróbel {n}")
                },
                types[c as usize].to_owned(),
            ]);
        }
    }
    out
}

const HEADER: [&str; 7] = [
    "TIN",
    "Practice Name",
    "ZIP",
    "Reporting Level",
    "NPI",
    "Name",
    "Type",
];

/// As Excel's "CSV UTF-8" writes it: a BOM, CRLF line ends.
fn excel_csv(rows: &[[String; 7]]) -> Vec<u8> {
    let mut s = String::from("\u{feff}");
    s.push_str(&HEADER.join(","));
    s.push_str("\r\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push_str("\r\n");
    }
    s.into_bytes()
}

fn xlsx(rows: &[[String; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            // Excel keeps NPIs as numbers when typed in.
            if c == 4 {
                sheet
                    .write_number(r, c as u16, v.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r, c as u16, v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn post_list(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/imports{query}"),
            Auth::Bearer(token),
        )
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let (s, v) = app.get_json(path, Auth::Bearer(token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().len()
}

async fn audit_len(app: &TestApp, token: &str) -> usize {
    let (_, v) = app.get_json("/api/v1/audit", Auth::Bearer(token)).await;
    v.as_array()
        .map_or_else(|| v["events"].as_array().unwrap().len(), Vec::len)
}

#[tokio::test]
async fn two_hundred_practices_onboard_from_excel_csv_and_xlsx_and_a_rerun_changes_nothing() {
    let app = TestApp::start().await;
    let (_owner, token) = owner_and_token(&app).await;
    let list = rows();

    // The preview says what would happen and writes nothing.
    let (s, r) = post_list(&app, &token, "?preview=true", excel_csv(&list)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["committed"], false);
    assert_eq!(r["totals"]["practices_created"], PRACTICES);
    assert_eq!(r["totals"]["clinicians_added"], PRACTICES * PER_PRACTICE);
    assert_eq!(r["practices"][0]["tin"], "10-0000000");
    assert_eq!(
        r["practices"][1]["line"], 5,
        "the 2nd practice starts on line 5 (header, 3 rows)"
    );
    assert_eq!(count(&app, &token, "/api/v1/practices").await, 0);

    // The commit writes every practice and clinician.
    let (s, r) = post_list(&app, &token, "", excel_csv(&list)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["committed"], true);
    assert_eq!(r["totals"]["practices_created"], PRACTICES);
    assert_eq!(r["totals"]["clinicians_added"], PRACTICES * PER_PRACTICE);
    assert_eq!(r["totals"]["levels_set"], PRACTICES / 2);
    let (_, practices) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    let practices = practices.as_array().unwrap();
    assert_eq!(practices.len(), PRACTICES as usize);
    let first = practices
        .iter()
        .find(|p| p["tin"] == "100000000")
        .expect("TIN stored without its dash");
    assert_eq!(first["name"], "Clínica Nguyễn 000");
    let (_, roster) = app
        .get_json(
            &format!(
                "/api/v1/practices/{}/clinicians",
                first["id"].as_str().unwrap()
            ),
            Auth::Bearer(&token),
        )
        .await;
    let types: Vec<&str> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clinician_type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 3);
    for t in ["physician", "nurse_practitioner", "physician_assistant"] {
        assert!(types.contains(&t), "{types:?}");
    }
    assert!(
        roster
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Nguyễn Văn An")
    );

    // The same file again, then the same list as XLSX: nothing changes, no audit event is written.
    let events = audit_len(&app, &token).await;
    for body in [excel_csv(&list), xlsx(&list)] {
        let (s, r) = post_list(&app, &token, "", body).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let t = &r["totals"];
        assert_eq!(
            (
                t["practices_created"].as_u64(),
                t["practices_updated"].as_u64(),
                t["practices_unchanged"].as_u64(),
                t["clinicians_added"].as_u64(),
                t["clinicians_unchanged"].as_u64(),
                t["levels_set"].as_u64()
            ),
            (Some(0), Some(0), Some(200), Some(0), Some(600), Some(0)),
            "{t}"
        );
    }
    assert_eq!(audit_len(&app, &token).await, events);

    // A changed name is an update, said before → after.
    let mut renamed = list.clone();
    for r in renamed.iter_mut().take(3) {
        r[1] = "Lakeside Family Medicine".into();
    }
    let (_, r) = post_list(&app, &token, "?preview=1", excel_csv(&renamed)).await;
    assert_eq!(r["totals"]["practices_updated"], 1);
    assert_eq!(
        r["practices"][0]["changes"][0],
        "name: Clínica Nguyễn 000 → Lakeside Family Medicine"
    );
}

#[tokio::test]
async fn a_bad_row_is_named_by_its_editor_line_and_nothing_is_written_unless_good_rows_are_kept() {
    let app = TestApp::start().await;
    let (_owner, token) = owner_and_token(&app).await;
    let mut list = rows()[..6].to_vec();
    list[4][4] = "1234567890".into(); // a wrong check digit, 5th data row: line 6
    let (s, r) = post_list(&app, &token, "", excel_csv(&list)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let e = &r[0];
    assert_eq!(
        (e["line"].as_u64(), e["value"].as_str()),
        (Some(6), Some("1234567890")),
        "{r}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("check digit"),
        "{e}"
    );
    assert_eq!(count(&app, &token, "/api/v1/practices").await, 0);

    // Asked to, the good rows go in and the bad one is listed.
    let (s, r) = post_list(&app, &token, "?keep_good_rows=true", excel_csv(&list)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["totals"]["clinicians_added"], 5);
    assert_eq!(r["left_out"][0]["line"], 6);

    // Windows-1252 bytes (Excel's "CSV" without UTF-8) are decoded, not refused.
    let mut cp1252 = b"TIN,Practice,NPI,Name,Specialty\r\n55-5666777,N".to_vec();
    cp1252.extend_from_slice(b"\xfa\xf1ez Chiropractic,");
    cp1252.extend_from_slice(npi(900).as_bytes());
    cp1252.extend_from_slice(b",Jos\xe9 N\xfa\xf1ez,DC\r\n");
    let (s, r) = post_list(&app, &token, "", cp1252).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, practices) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    assert!(
        practices
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Núñez Chiropractic"),
        "{practices}"
    );

    // A roster of one practice is not a client list; bad options are named.
    let (s, r) = post_list(&app, &token, "", b"npi,name,clinician_type\n".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("names no practices"),
        "{r}"
    );
    let (s, r) = post_list(&app, &token, "?preview=perhaps", excel_csv(&list)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("preview \"perhaps\""),
        "{r}"
    );

    // The template imports as it is.
    let t = app
        .get("/api/v1/imports/template", Auth::Bearer(&token))
        .await;
    assert_eq!(t.status(), StatusCode::OK);
    let bytes = t.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let (s, r) = post_list(&app, &token, "?preview=true", bytes).await;
    assert_eq!(s, StatusCode::OK, "{r}");
}

async fn upload_page(
    app: &TestApp,
    owner: &Session,
    form: reqwest::multipart::Form,
) -> (StatusCode, String) {
    let r = crate::harness::client()
        .post(app.url("/practices/import"))
        .header(reqwest::header::COOKIE, &owner.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_page_previews_then_writes_what_was_previewed() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let page = app.get("/practices/import", Auth::Session(&owner)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let list = rows()[..9].to_vec();
    let form = reqwest::multipart::Form::new()
        .text("csrf", owner.csrf.clone())
        .text("action", "preview")
        .part(
            "file",
            reqwest::multipart::Part::bytes(xlsx(&list)).file_name("clients.xlsx"),
        );
    let (s, html) = upload_page(&app, &owner, form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Preview: nothing written yet"), "{html}");
    assert!(html.contains("10-0000000") && html.contains("Clínica Nguyễn 000"));
    assert_eq!(count(&app, &token, "/api/v1/practices").await, 0);
    // Confirm: the previewed file comes back from the page, not a second upload.
    let b64 = html
        .split("name=\"file_b64\">")
        .nth(1)
        .and_then(|r| r.split("</textarea>").next())
        .unwrap()
        .to_owned();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_in(&html).unwrap())
        .text("action", "commit")
        .text("file_b64", b64.clone());
    let (s, html) = upload_page(&app, &owner, form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Imported"), "{html}");
    assert_eq!(count(&app, &token, "/api/v1/practices").await, 3);
    // Without the form token nothing is read; an auditor may not import.
    let form = reqwest::multipart::Form::new()
        .text("action", "commit")
        .text("file_b64", b64);
    let (s, _) = upload_page(&app, &owner, form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_queue_filters_searches_pages_and_assigns() {
    let app = TestApp::start().await;
    let (owner, token) = owner_and_token(&app).await;
    let (s, r) = post_list(&app, &token, "", excel_csv(&rows())).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, q) = app
        .get_json(
            "/api/v1/queue?year=2026&sort=name&per_page=75&page=3",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(
        (
            q["matching"].as_u64(),
            q["pages"].as_u64(),
            q["page"].as_u64()
        ),
        (Some(200), Some(3), Some(3))
    );
    assert_eq!(q["rows"].as_array().unwrap().len(), 50);
    let (_, q) = app
        .get_json("/api/v1/queue?q=10-0000007", Auth::Bearer(&token))
        .await;
    assert_eq!(q["matching"], 1, "{q}");
    let row = &q["rows"][0];
    assert_eq!(row["tin_dashed"], "10-0000007");
    let practice = row["practice"].as_str().unwrap().to_owned();
    let version = row["profile_version"].as_i64().unwrap();
    // Assign to a member, note, and decide not to apply.
    let (s, p) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{practice}/years/2026/work"),
            Auth::Bearer(&token),
            &json!({"version": version, "assignee": "OWNER@acme.test", "notes": "waiting for the vendor letter",
                    "not_applying": "the new EHR is certified; they will report PI"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["assignee"], "owner@acme.test");
    let (_, q) = app
        .get_json("/api/v1/queue?filter=mine", Auth::Session(&owner))
        .await;
    assert_eq!(q["matching"], 1, "{q}");
    assert_eq!(q["rows"][0]["status"], "not_applying");
    assert_eq!(q["rows"][0]["notes"], "waiting for the vendor letter");
    let (_, q) = app
        .get_json("/api/v1/queue?filter=not_applying", Auth::Bearer(&token))
        .await;
    assert_eq!(q["matching"], 1);
    // Someone outside the organization cannot be assigned; unknown filters are named.
    let (s, e) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/practices/{practice}/years/2026/work"),
            Auth::Bearer(&token),
            &json!({"version": p["version"], "assignee": "stranger@else.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("stranger@else.test"),
        "{e}"
    );
    let (s, e) = app
        .get_json("/api/v1/queue?filter=urgent", Auth::Bearer(&token))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["message"].as_str().unwrap().contains("filter \"urgent\""),
        "{e}"
    );
    // The page: 50 rows a page, one short line each, the TIN dashed, a next page.
    let r = app.get("/dashboard?year=2026", Auth::Session(&owner)).await;
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<tr id=\"row-").count(), 50);
    assert!(html.contains("id=\"next-page\"") && html.contains("page 1 of 4"));
    assert!(html.contains("10-0000000"));
    let r = app
        .get(
            "/dashboard?year=2026&q=Nguy%E1%BB%85n%20199",
            Auth::Session(&owner),
        )
        .await;
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<tr id=\"row-").count(), 1, "{html}");
    // The row form assigns from the page and comes back to the same view.
    let r = app
        .post_form(
            &format!("/practices/{practice}/years/2026/work"),
            &owner,
            &[
                ("version", &p["version"].to_string()),
                ("assignee", ""),
                ("notes", ""),
                ("back", "year=2026&filter=unassigned"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/dashboard?year=2026&filter=unassigned")
    );
    let (_, q) = app
        .get_json("/api/v1/queue?filter=unassigned", Auth::Bearer(&token))
        .await;
    assert_eq!(q["matching"], 200);
}

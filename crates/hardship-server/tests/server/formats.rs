//! The field's formats through the real app: NPPES rosters, CMS eligibility data, the submission guard,
//! the application packet, the audit binder and the portfolio export. PDFs are checked for real with
//! poppler (`pdftotext`, `pdfinfo`, `pdftoppm`, installed by `scripts/with-poppler.sh`).

use crate::harness::{Auth, TestApp, npi};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ELIGIBILITY_200: &str =
    include_str!("../../../hardship-formats/tests/fixtures/sample_response_200.json");
const ELIGIBILITY_404: &str =
    include_str!("../../../hardship-formats/tests/fixtures/sample_response_404.json");
const SUBMISSION_2017: &str =
    include_str!("../../../hardship-formats/tests/fixtures/scoring-example-submission-input.json");

async fn setup() -> (TestApp, String, String) {
    let app = TestApp::start().await;
    let owner = app.setup("Acme Consulting", "owner@acme.test").await;
    let token = app.token(&owner, "owner").await;
    let (_, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            Auth::Bearer(&token),
            &json!({"tin": "123456789", "name": "Scooby Gang Health Partners"}),
        )
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    (app, token, id)
}

async fn import(
    app: &TestApp,
    token: &str,
    practice: &str,
    query: &str,
    body: &str,
) -> (StatusCode, Value) {
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/practices/{practice}/imports{query}"),
            Auth::Bearer(token),
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

#[tokio::test]
async fn an_nppes_roster_imports_with_types_from_taxonomy_codes() {
    let (app, token, p) = setup().await;
    let csv = hardship_formats::nppes::synthetic(1000);
    let (s, r) = import(&app, &token, &p, "", &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["format"].as_str(), r["added"].as_u64()),
        (Some("nppes"), Some(1000))
    );
    assert_eq!(r["types"][1]["clinician_type"], "nurse_practitioner");
    assert!(
        r["types"][1]["source"]
            .as_str()
            .unwrap()
            .contains("crosswalk")
    );
    let (_, roster) = app
        .get_json(
            &format!("/api/v1/practices/{p}/clinicians"),
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(roster.as_array().unwrap().len(), 1000);
    // A bad taxonomy code or a Luhn-invalid NPI is reported with its line; nothing is written.
    let (app, token, p) = setup().await;
    let mut bad = hardship_formats::nppes::synthetic(5);
    bad = bad.replacen("\"207Q00000X\",\"L0b\"", "\"999Z99999X\",\"L0b\"", 1);
    bad.push_str("\"1234567890\",\"1\",\"\",\"X\",\"Y\",\"\",\"\",\"207Q00000X\",\"\",\"Y\",\"\",\"\",\"\"\n");
    let (s, errs) = import(&app, &token, &p, "", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{errs}");
    let errs = errs.as_array().unwrap();
    assert!(
        errs.iter()
            .any(|e| e["line"] == 2 && e["value"] == "999Z99999X"),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e["line"] == 7 && e["column"] == "NPI" && e["value"] == "1234567890"),
        "{errs:?}"
    );
    let (_, roster) = app
        .get_json(
            &format!("/api/v1/practices/{p}/clinicians"),
            Auth::Bearer(&token),
        )
        .await;
    assert!(roster.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn cms_eligibility_data_sets_statuses_the_view_shows_with_their_origin() {
    let (app, token, p) = setup().await;
    // CMS's documented sample, with its fictional NPI (which fails the check digit) replaced by a real one.
    let sample = ELIGIBILITY_200.replace("\"1234567890\"", &format!("\"{}\"", npi(1)));
    let (s, r) = import(
        &app,
        &token,
        &p,
        "?year=2026&retrieved_on=2026-11-02",
        &sample,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["format"], "qpp_eligibility");
    assert_eq!(r["added"], 1);
    assert_eq!(
        r["eligibility"]["organization"],
        "Scooby Gang Health Partners"
    );
    assert!(
        r["eligibility"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "individual: approved PI hardship on record true"),
        "{r}"
    );
    assert_eq!(r["types"][0]["code"], "72");
    assert_eq!(r["types"][0]["clinician_type"], "physician");
    let (_, e) = app
        .get_json(
            &format!("/api/v1/practices/{p}/years/2026/eligibility"),
            Auth::Bearer(&token),
        )
        .await;
    let c = &e["clinicians"][0];
    let npf = c["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "non_patient_facing")
        .unwrap();
    assert_eq!(npf["value"], true);
    assert_eq!(
        npf["origin"],
        "from CMS eligibility data, retrieved on 2026-11-02"
    );
    assert_eq!(
        c["individual"]["basis"],
        "special_status:non_patient_facing"
    );
    // The page shows the origin too.
    let owner = app
        .login("owner@acme.test", crate::harness::PASSWORD)
        .await
        .unwrap();
    let page = app
        .get(&format!("/practices/{p}/years/2026"), Auth::Session(&owner))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("from CMS eligibility data, retrieved on 2026-11-02"));
    // A hand-entered value no longer replaces it.
    let (s, err) = app
        .send_json(
            Method::POST,
            &format!(
                "/api/v1/practices/{p}/clinicians/{}/statuses",
                c["clinician"].as_str().unwrap()
            ),
            Auth::Bearer(&token),
            &json!({"year": 2026, "status": "non_patient_facing", "value": false}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    // The unchanged sample and the error bodies are reported; nothing is written.
    let (s, errs) = import(&app, &token, &p, "?year=2026", ELIGIBILITY_200).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errs[0]["column"], "data.npi");
    let (s, err) = import(&app, &token, &p, "?year=2026", ELIGIBILITY_404).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("NoProviderInformation"),
        "{err}"
    );
    let (s, err) = import(&app, &token, &p, "", &sample).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the year is required");
    assert!(err["message"].as_str().unwrap().contains("year"));
}

async fn guarded_practice() -> (TestApp, String, String) {
    let (app, token, p) = setup().await;
    // Hospital-based clinicians reporting individually: reweighted automatically.
    let mut csv = String::from("performance_year,npi,name,clinician_type,tin,hospital_based\n");
    for i in 1..=20 {
        csv.push_str(&format!(
            "2017,{},Dr {i},physician,000123456,true\n",
            npi(i)
        ));
    }
    app.send_json(
        Method::POST,
        "/api/v1/practices",
        Auth::Bearer(&token),
        &json!({"tin": "000123456", "name": "Group of the CMS example"}),
    )
    .await;
    let (_, list) = app
        .get_json("/api/v1/practices", Auth::Bearer(&token))
        .await;
    let q = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["tin"] == "000123456")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, r) = import(&app, &token, &q, "", &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.send_json(
        Method::PUT,
        &format!("/api/v1/practices/{q}/years/2017/profile"),
        Auth::Bearer(&token),
        &json!({"version": 0, "level": "group", "pi_submitted": false, "scores": {"quality": 80, "ia": 100}}),
    )
    .await;
    let _ = p;
    (app, token, q)
}

#[tokio::test]
async fn the_guard_blocks_pi_data_for_a_reweighted_tin_and_passes_a_file_without() {
    let (app, token, q) = guarded_practice().await;
    let path = format!("/api/v1/practices/{q}/years/2017/submission-check");
    let r = app
        .request(Method::POST, &path, Auth::Bearer(&token))
        .body(SUBMISSION_2017)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let g: Value = r.json().await.unwrap();
    assert_eq!(g["blocked"], true, "{g}");
    assert_eq!(g["basis"], "special_status:hospital_based");
    assert!(
        g["message"]
            .as_str()
            .unwrap()
            .contains("will void the PI reweighting of the group (TIN 000123456)"),
        "{g}"
    );
    assert_eq!(g["pi_sets"][0]["category"], "aci");
    assert!(
        g["consequence"]["reweighted_final_score"].as_f64().unwrap()
            > g["consequence"]["reported_final_score"].as_f64().unwrap()
    );
    // The same file without its ACI set passes.
    let mut v: Value = serde_json::from_str(SUBMISSION_2017).unwrap();
    v["data"]["submission"]["measurementSets"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["category"] != "aci");
    let g: Value = app
        .request(Method::POST, &path, Auth::Bearer(&token))
        .json(&v)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (g["blocked"].as_bool(), g["contains_pi"].as_bool()),
        (Some(false), Some(false)),
        "{g}"
    );
    let r = app
        .request(Method::POST, &path, Auth::Bearer(&token))
        .body("{\"measurementSets\": 3}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("measurementSets"));
}

pub fn poppler() -> bool {
    let found = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if !found
        && (std::env::var_os("HARDSHIP_REQUIRE_POPPLER").is_some()
            || std::env::var_os("CI").is_some())
    {
        panic!("pdftotext is missing: run the tests through scripts/with-poppler.sh");
    }
    if !found {
        eprintln!(
            "skipping the PDF checks: poppler-utils is not installed (scripts/with-poppler.sh)"
        );
    }
    found
}

/// The text in content-stream order (`pdftotext -raw`): a wrapped table cell's lines stay together.
fn pdf_raw_text(path: &std::path::Path) -> String {
    let raw = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(raw.status.success());
    String::from_utf8_lossy(&raw.stdout).into_owned()
}

pub fn pdf_text(dir: &std::path::Path, name: &str, pdf: &[u8]) -> (String, u32) {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    if let Some(keep) = std::env::var_os("HARDSHIP_KEEP_PDFS") {
        let _ = std::fs::write(std::path::Path::new(&keep).join(name), pdf);
    }
    let text = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let info = String::from_utf8(
        std::process::Command::new("pdfinfo")
            .arg(&path)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap();
    let png = std::process::Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&path)
        .arg(dir.join(name.replace(".pdf", "")))
        .status()
        .unwrap();
    assert!(png.success(), "every page renders");
    // The layout text for reading, then the raw text, where wrapped cells (hashes) are whole again.
    let mut all = String::from_utf8_lossy(&text.stdout).into_owned();
    all.push('\n');
    all.push_str(&pdf_raw_text(&path));
    (all, pages)
}

/// A table wraps long cells over several lines; in the raw text the pieces follow each other.
pub(crate) fn contains_wrapped(text: &str, needle: &str) -> bool {
    let flat: String = text.split_whitespace().collect();
    flat.contains(needle)
}

#[tokio::test]
async fn the_packet_and_the_binder_render_with_every_field_hash_and_the_verification() {
    let (app, token, p) = setup().await;
    let t = Auth::Bearer(&token);
    let (s, _) = import(
        &app,
        &token,
        &p,
        "",
        &format!("npi,name,clinician_type\n{},Dr. Ada,physician\n", npi(1)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, a) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet",
                    "description": "The Sunnydale site has 2 Mbit/s at best; three providers declined (letters on file).",
                    "submitter": {"first_name": "Rupert", "last_name": "Giles", "email": "giles@sunnydale.test", "phone": "555-0199"},
                    "facts": {"insufficient_internet": true}, "attested": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let mut hashes = Vec::new();
    for (i, kind) in ["outage_record", "cms_decision_email"].iter().enumerate() {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .text("application", id.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(format!("evidence {i}").into_bytes())
                    .file_name(format!("e{i}.txt")),
            );
        let d: Value = app
            .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        hashes.push(d["sha256"].as_str().unwrap().to_owned());
    }
    // The packet as JSON: the fields, the criteria and the documents to keep.
    let (s, pk) = app
        .get_json(&format!("/api/v1/applications/{id}/packet"), t)
        .await;
    assert_eq!(s, StatusCode::OK, "{pk}");
    let labels: Vec<&str> = pk["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    for l in [
        "TIN",
        "Hardship category",
        "Supplemental information",
        "Submitter e-mail (CMS answers here)",
        "Business telephone",
    ] {
        assert!(labels.contains(&l), "{labels:?}");
    }
    assert_eq!(pk["reason"]["met"], true);
    assert!(
        pk["keep"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kind"] == "outage_record" && k["on_file"] == true)
    );
    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = app
        .get(&format!("/api/v1/applications/{id}/packet.pdf"), t)
        .await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let (text, pages) = pdf_text(dir.path(), "packet.pdf", &r.bytes().await.unwrap());
    assert!(pages >= 3, "{pages}");
    for needle in [
        "123456789",
        "insufficient internet connectivity",
        "Rupert",
        "giles@sunnydale.test",
        "555-0199",
        "Documents to keep",
        "1-866-288-8292",
    ] {
        assert!(text.contains(needle), "packet lacks {needle:?}:\n{text}");
    }
    assert!(
        contains_wrapped(&text, "2Mbit/satbest"),
        "the description is in the packet"
    );
    for h in &hashes {
        assert!(contains_wrapped(&text, h), "packet lacks hash {h}");
    }
    // The binder: decisions, applications, the evidence with every hash, the audit extract and the verification.
    let r = app
        .get(&format!("/api/v1/practices/{p}/years/2026/binder.pdf"), t)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (text, pages) = pdf_text(dir.path(), "binder.pdf", &r.bytes().await.unwrap());
    assert!(pages >= 6, "cover, contents and five sections: {pages}");
    for needle in [
        "Audit binder",
        "Contents",
        "Eligibility decisions",
        "Evidence inventory",
        "Audit trail extract",
        "Verification",
        "Dr. Ada",
        "intact",
        "2 of 2 document(s) decrypted and matching",
        "Page 2 of",
    ] {
        assert!(text.contains(needle), "binder lacks {needle:?}:\n{text}");
    }
    for h in &hashes {
        assert!(contains_wrapped(&text, h), "binder lacks hash {h}");
    }
    assert!(contains_wrapped(&text, "2036-12-31"), "retain-until dates");
    assert!(
        contains_wrapped(
            &text,
            "startedtheinsufficientinternetconnectivityapplicationfor2026"
        ),
        "the audit extract reads as sentences: {text}"
    );
}

#[tokio::test]
async fn the_portfolio_exports_as_csv_and_json() {
    let (app, token, p) = setup().await;
    let csv = format!(
        "performance_year,npi,name,clinician_type,reporting_level,hospital_based\n2026,{},\"Doe, Jane\",physician,individual,true\n2026,{},Sam,nurse_practitioner,individual,false\n",
        npi(1),
        npi(2)
    );
    import(&app, &token, &p, "", &csv).await;
    let r = app
        .get(
            "/api/v1/portfolio?year=2026&format=csv",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rd.headers().unwrap().get(0), Some("practice"));
    assert!(
        rows.iter()
            .any(|r| r.get(4) == Some("Doe, Jane") && r.get(7) == Some("true"))
    );
    let (_, j) = app
        .get_json("/api/v1/portfolio?year=2026", Auth::Bearer(&token))
        .await;
    assert_eq!(j.as_array().unwrap().len(), 2);
    let (s, _) = app
        .get_json(
            "/api/v1/portfolio?year=2026&format=xml",
            Auth::Bearer(&token),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// The issue's test: a packet and a binder made for a practice whose clinicians are named as real
/// clinicians are, read back with `pdftotext`, hold every name exactly; the binder prints CMS's decision
/// e-mail (an .eml, quoted-printable UTF-8), the history as sentences and the sources it cites.
#[tokio::test]
async fn the_packet_and_the_binder_print_every_name_and_cms_email() {
    let app = TestApp::start().await;
    let owner = app.setup("Łódź Consulting", "owner@acme.test").await;
    let token = app.token(&owner, "owner").await;
    let t = Auth::Bearer(&token);
    let (_, p) = app
        .send_json(
            Method::POST,
            "/api/v1/practices",
            t,
            &json!({"tin": "123456789", "name": "Nguyễn Văn An Family Practice"}),
        )
        .await;
    let p = p["id"].as_str().unwrap().to_owned();
    let names = ["Nguyễn Văn An", "Łukasz Wróbel", "José Núñez"];
    let csv = format!(
        "npi,name,clinician_type\n{},{},physician\n{},{},nurse_practitioner\n{},{},physician_assistant\n",
        npi(1),
        names[0],
        npi(2),
        names[1],
        npi(3),
        names[2]
    );
    let (s, r) = import(&app, &token, &p, "", &csv).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, a) = app
        .send_json(Method::POST, "/api/v1/applications", t,
            &json!({"practice": p, "year": 2026, "applicant": {"level": "group", "tin": "123456789"},
                    "reason": "insufficient_internet", "description": "No provider serves the clinic of Nguyễn Văn An.",
                    "submitter": {"first_name": "Łukasz", "last_name": "Wróbel", "email": "lukasz@clinic.test", "phone": "555-0100"},
                    "facts": {"insufficient_internet": true}, "attested": true}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    let eml = "From: QPP Service Center <qpp@cms.hhs.gov>\r\nTo: lukasz@clinic.test\r\nDate: Tue, 10 Nov 2026 14:03:00 -0500\r\nSubject: =?utf-8?Q?PI_hardship_exception_approved_=E2=80=94_TIN_123456789?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDear =C5=81ukasz Wr=C3=B3bel, the exception QPP-HE-55 is approved.\r\n";
    let form = reqwest::multipart::Form::new()
        .text("kind", "cms_decision_email")
        .text("application", id.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(eml.as_bytes().to_vec())
                .file_name("approval.eml")
                .mime_str("message/rfc822")
                .unwrap(),
        );
    let doc: Value = app
        .request(Method::POST, &format!("/api/v1/practices/{p}/documents"), t)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/applications/{id}/transitions");
    let today = crate::harness::now().date_naive().to_string();
    for (v, body) in [
        (1, json!({"action": "mark_ready"})),
        (
            2,
            json!({"action": "submit", "channel": "portal", "reference": "QPP-HE-55"}),
        ),
        (
            3,
            json!({"action": "approve", "decided_on": today, "decision_email": doc["id"]}),
        ),
    ] {
        let mut body = body;
        body["version"] = json!(v);
        let (s, r) = app.send_json(Method::POST, &path, t, &body).await;
        assert_eq!(s, StatusCode::OK, "{body}: {r}");
    }
    // The packet's JSON names who it covers.
    let (_, pk) = app
        .get_json(&format!("/api/v1/applications/{id}/packet"), t)
        .await;
    let covered: Vec<&str> = pk["clinicians"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(covered.len(), 3, "{pk}");
    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = app
        .get(&format!("/api/v1/applications/{id}/packet.pdf"), t)
        .await;
    let (packet, _) = pdf_text(dir.path(), "packet.pdf", &r.bytes().await.unwrap());
    let r = app
        .get(&format!("/api/v1/practices/{p}/years/2026/binder.pdf"), t)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (binder, _) = pdf_text(dir.path(), "binder.pdf", &r.bytes().await.unwrap());
    for (what, text) in [("packet", &packet), ("binder", &binder)] {
        for name in names {
            assert!(text.contains(name), "the {what} lacks {name:?}:\n{text}");
        }
        assert!(text.contains("Nguyễn Văn An Family Practice"), "{what}");
        assert!(text.contains("Sources cited"), "the {what}'s bibliography");
        assert!(
            !text.contains("Nguy?") && !text.contains("Wr?bel"),
            "nothing replaced"
        );
    }
    // CMS's e-mail, decoded, in the binder; the history as sentences.
    for needle in [
        "Dear Łukasz Wróbel, the exception QPP-HE-55 is approved.",
        "PI hardship exception approved — TIN 123456789",
        "QPP Service Center <qpp@cms.hhs.gov>",
    ] {
        assert!(
            binder.contains(needle),
            "binder lacks {needle:?}:\n{binder}"
        );
    }
    assert!(
        contains_wrapped(
            &binder,
            "recordedthatCMSapprovedtheinsufficientinternetconnectivityapplicationfor2026"
        ),
        "{binder}"
    );
    // Every key the group's explanation cites is in the bibliography, with what it is.
    let cited = binder
        .split("\nSources: ")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .to_owned();
    let bibliography = binder
        .split("Every source key this document cites")
        .nth(1)
        .expect("a bibliography");
    for key in cited.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        assert!(
            bibliography.lines().any(|l| l.starts_with(key)),
            "{key} is not in the bibliography:\n{bibliography}"
        );
    }
}

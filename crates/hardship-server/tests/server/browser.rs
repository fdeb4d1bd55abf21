//! The main journey in a real headless Chromium, driven through WebDriver (chromedriver), against the
//! real application served by the harness: first-run set-up, a practice, a roster imported from a CSV,
//! the eligibility view with its warnings, an application through the wizard, its submission, the CMS
//! e-mail uploaded as evidence (its SHA-256 checked), the approval, the score chart (with a screenshot),
//! and an auditor who can see everything and change nothing.
//!
//! Needs `HARDSHIP_TEST_CHROMEDRIVER` (and optionally `HARDSHIP_TEST_CHROMIUM`), which
//! `scripts/with-chromium.sh` sets after installing Debian's `chromium` and `chromium-driver`. Without
//! it the test prints a notice and passes, unless `HARDSHIP_REQUIRE_BROWSER` or `CI` is set, where it
//! fails. The test starts chromedriver itself on a free loopback port and always stops it (and with it
//! the browser) at the end, even when an assertion fails.

use crate::harness::{Auth, PASSWORD, Session, TestApp, client, npi};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use hardship_server::ServerSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long one step may wait for the page it expects.
const WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);
/// The whole journey's budget: it normally takes a few seconds; past this the test fails, not hangs.
const BUDGET: Duration = Duration::from_secs(90);

const YEAR: u16 = 2026;
const OWNER: &str = "owner@lakeside-consulting.test";
const AUDITOR: &str = "auditor@lakeside-consulting.test";
const AUDITOR_PASSWORD: &str = "auditors read everything twice";

// ---- chromedriver ---------------------------------------------------------------------------------------

/// chromedriver on a loopback port, with the browser's fresh profile directory; killed when dropped.
struct Driver {
    child: Child,
    url: String,
    /// Holds the browser profile and the driver's log; removed after the driver is gone.
    dir: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium outlives a killed chromedriver: if the session could not be closed, end the
        // browser processes of this test (those started with this test's own profile directory).
        for pid in processes_with_arg(&format!("--user-data-dir={}", self.profile_dir().display()))
        {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        if std::thread::panicking() {
            self.print_log_tail();
        }
    }
}

/// The ids of the running processes that have `arg` on their command line.
fn processes_with_arg(arg: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == arg.as_bytes()))
        })
        .collect()
}

impl Driver {
    /// Starts chromedriver and waits (bounded) until its `/status` says it is ready.
    async fn start(chromedriver: &Path) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        let port = hardship_testkit::free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        let http = client();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = driver.child.try_wait().unwrap() {
                panic!("chromedriver exited at start: {status}");
            }
            let ready = match http.get(format!("{}/status", driver.url)).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within {WAIT:?}",
                driver.url
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The end of chromedriver's log, for a failure's report.
    fn print_log_tail(&self) {
        let log =
            std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("browser: the last lines of chromedriver's log:");
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
    }

    fn profile_dir(&self) -> PathBuf {
        self.dir.path().join("profile")
    }
}

/// Where chromedriver is, or `None` when this run has no browser (then the test is skipped, where
/// allowed).
fn chromedriver() -> Option<PathBuf> {
    match std::env::var_os("HARDSHIP_TEST_CHROMEDRIVER").filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "HARDSHIP_TEST_CHROMEDRIVER={} does not exist",
                p.display()
            );
            Some(p)
        }
        None => {
            let required = ["HARDSHIP_REQUIRE_BROWSER", "CI"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
            assert!(
                !required,
                "HARDSHIP_TEST_CHROMEDRIVER is not set but a browser is required here: run the tests \
                 under scripts/with-chromium.sh"
            );
            eprintln!(
                "browser: skipped — HARDSHIP_TEST_CHROMEDRIVER is not set (run under \
                 scripts/with-chromium.sh to drive a real Chromium)"
            );
            None
        }
    }
}

async fn browser(driver: &Driver) -> Client {
    let chromium =
        std::env::var("HARDSHIP_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        format!("--user-data-dir={}", driver.profile_dir().display()),
        "--window-size=1280,1600".to_owned(),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("chromedriver could not start {chromium}: {e}"))
}

// ---- page helpers ---------------------------------------------------------------------------------------

async fn here(c: &Client) -> String {
    c.current_url()
        .await
        .map_or_else(|e| format!("(no url: {e})"), |u| u.to_string())
}

/// The element, waiting for it to appear.
async fn el(c: &Client, css: &str) -> Element {
    match c
        .wait()
        .at_most(WAIT)
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e,
        Err(e) => {
            // What the page shows instead (its text, enough of it to see an error message).
            let page: String = match c.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
            .chars()
            .take(4000)
            .collect();
            panic!(
                "no {css} on {} after {WAIT:?}: {e}\n--- page ---\n{page}",
                here(c).await
            )
        }
    }
}

async fn all(c: &Client, css: &str) -> Vec<Element> {
    c.find_all(Locator::Css(css)).await.unwrap()
}

async fn text(c: &Client, css: &str) -> String {
    el(c, css).await.text().await.unwrap().trim().to_owned()
}

/// The current value of a form control.
async fn value(c: &Client, css: &str) -> String {
    el(c, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn fill(c: &Client, css: &str, v: &str) {
    let e = el(c, css).await;
    e.clear().await.unwrap();
    e.send_keys(v).await.unwrap();
}

async fn absent(c: &Client, css: &str) {
    assert!(
        all(c, css).await.is_empty(),
        "{css} should not be on {}",
        here(c).await
    );
}

async fn open(c: &Client, app: &TestApp, path: &str) {
    c.goto(&app.url(path)).await.unwrap();
    snapshot(c).await;
}

/// Where screenshots go: under the target directory, never into the repository.
fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// With `HARDSHIP_TEST_SCREENSHOTS` set, a screenshot of every page the journey reaches (numbered), to
/// look at what a person sees.
async fn snapshot(c: &Client) {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if std::env::var_os("HARDSHIP_TEST_SCREENSHOTS").is_none() {
        return;
    }
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let url = c.current_url().await.unwrap();
    let name: String = url
        .path()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
        .take(60)
        .collect();
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots_dir().join(format!("{n:02}{name}.png")), png).unwrap();
}

/// Clicks a control that loads another page and waits until that page has loaded: the old document
/// gets a mark, and the wait ends when the browser shows a complete document without it.
async fn click_to_page(c: &Client, css: &str) {
    c.execute("window.__hardshipOld = true; return null;", vec![])
        .await
        .unwrap();
    el(c, css).await.click().await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let done = c
            .execute(
                "return document.readyState === 'complete' && !window.__hardshipOld;",
                vec![],
            )
            .await;
        if matches!(done, Ok(Value::Bool(true))) {
            snapshot(c).await;
            return;
        }
        assert!(
            Instant::now() < deadline,
            "clicking {css} loaded no new page within {WAIT:?} (still on {})",
            here(c).await
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The id after `/{segment}/` in the current URL.
async fn id_in_url(c: &Client, segment: &str) -> String {
    let url = c.current_url().await.unwrap();
    let mut parts = url.path_segments().unwrap();
    parts
        .by_ref()
        .find(|p| *p == segment)
        .and_then(|_| parts.next())
        .unwrap_or_else(|| panic!("no /{segment}/ID in {url}"))
        .to_owned()
}

/// Posts a form from inside the page with `fetch` (the browser's own cookie, the page's own CSRF token);
/// returns the status and the body.
async fn post_from_page(c: &Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let fields: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let r = c
        .execute_async(
            r#"const [path, fields, done] = arguments;
               const body = new URLSearchParams(fields);
               body.set("csrf", document.querySelector('input[name="csrf"]').value);
               fetch(path, { method: "POST", body, credentials: "same-origin", redirect: "manual" })
                 .then(async (r) => done({ status: r.status, body: await r.text() }))
                 .catch((e) => done({ status: -1, body: String(e) }));"#,
            vec![json!(path), Value::Object(fields)],
        )
        .await
        .unwrap();
    let status = r["status"].as_i64().unwrap();
    (
        u16::try_from(status).unwrap_or_else(|_| panic!("fetch {path} failed: {}", r["body"])),
        r["body"].as_str().unwrap_or_default().to_owned(),
    )
}

fn roster_csv() -> String {
    let mut csv =
        String::from("performance_year,npi,name,clinician_type,reporting_level,hospital_based\n");
    for i in 1..=20 {
        csv.push_str(&format!(
            "{YEAR},{},Clinician {i:02},physician,group,{}\n",
            npi(i),
            i == 1
        ));
    }
    csv
}

// ---- the journey ----------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_journey_in_headless_chromium() {
    let Some(chromedriver) = chromedriver() else {
        return;
    };
    let started = Instant::now();
    // The default settings: the session cookie is `Secure` and named `__Host-hardship_session`, and
    // Chromium keeps it over http://127.0.0.1 (a loopback origin counts as secure).
    let app = TestApp::start_with(ServerSettings::default()).await;
    let driver = Driver::start(&chromedriver).await;
    let c = browser(&driver).await;
    // The files the browser uploads, in the app's own temporary folder (beside its database and vault).
    let files = app.dir.path().join("uploads");
    std::fs::create_dir_all(&files).unwrap();
    let outcome = tokio::time::timeout(
        BUDGET,
        std::panic::AssertUnwindSafe(journey(&c, &app, &files)).catch_unwind(),
    )
    .await;
    // Always end the browser session (chromedriver closes Chromium), then the driver.
    if !matches!(outcome, Ok(Ok(()))) {
        driver.print_log_tail();
    }
    let _ = tokio::time::timeout(WAIT, c.close()).await;
    drop(driver);
    match outcome {
        Err(_) => panic!("the journey took longer than {BUDGET:?}"),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Ok(Ok(())) => {}
    }
    eprintln!("browser: the main journey took {:?}", started.elapsed());
}

async fn journey(c: &Client, app: &TestApp, files: &Path) {
    // 1. First-run set-up.
    open(c, app, "/").await;
    el(c, "#create-owner").await;
    assert!(
        here(c).await.ends_with("/setup"),
        "a fresh installation opens set-up"
    );
    fill(c, "#organization", "Lakeside Consulting").await;
    el(c, "#kind")
        .await
        .select_by_value("consultancy")
        .await
        .unwrap();
    fill(c, "#email", OWNER).await;
    fill(c, "#password", PASSWORD).await;
    fill(c, "#password_confirm", PASSWORD).await;
    click_to_page(c, "#create-owner").await;
    assert!(here(c).await.ends_with("/dashboard"), "{}", here(c).await);
    let who = text(c, "#who").await;
    assert!(who.contains(OWNER) && who.contains("(owner)"), "{who}");
    let cookie = c
        .get_named_cookie(app.cookie_name())
        .await
        .unwrap_or_else(|e| panic!("the browser holds no {}: {e}", app.cookie_name()));
    assert_eq!(cookie.secure(), Some(true), "{cookie}");
    assert_eq!(cookie.http_only(), Some(true), "{cookie}");

    // 2. A practice.
    open(c, app, "/practices/new").await;
    fill(c, "#tin", "12-3456789").await;
    fill(c, "#name", "Lakeside Family Medicine").await;
    fill(c, "#address", "1 Lake Road, Duluth MN").await;
    click_to_page(c, "#save-practice").await;
    assert_eq!(text(c, "#notice").await, "Practice created.");
    let practice = id_in_url(c, "practices").await;

    // 3. The roster, through the import form.
    let roster = files.join("roster.csv");
    std::fs::write(&roster, roster_csv()).unwrap();
    el(c, "#roster-file")
        .await
        .send_keys(&roster.display().to_string())
        .await
        .unwrap();
    click_to_page(c, "#import-roster").await;
    let notice = text(c, "#notice").await;
    assert!(notice.starts_with("Roster imported: 20 added"), "{notice}");
    assert_eq!(all(c, "#roster-table tbody tr").await.len(), 20);

    // 4. Eligibility with its warnings.
    let year_path = format!("/practices/{practice}/years/{YEAR}");
    open(c, app, &year_path).await;
    el(c, "#alerts [data-alert=\"group_test_not_met\"]").await;
    // Nobody is reweighted yet (the group is not, and everyone reports with it), so no caution about
    // reporting PI stands yet; no PI data was submitted.
    absent(
        c,
        "#alerts [data-alert=\"pi_submission_voids_reweighting\"]",
    )
    .await;
    absent(c, "#alerts [data-alert=\"reporting_pi_voids_reweighting\"]").await;
    let rows = all(c, "#clinicians tbody tr[data-npi]").await;
    assert_eq!(rows.len(), 20, "the clinicians table lists the roster");
    let mut listed = Vec::new();
    for r in &rows {
        listed.push(r.attr("data-npi").await.unwrap().unwrap_or_default());
    }
    listed.sort();
    let mut expected: Vec<String> = (1..=20).map(npi).collect();
    expected.sort();
    assert_eq!(listed, expected);
    // The hospital-based clinician carries the warning on its own row.
    el(
        c,
        &format!(
            "#clinicians tr[data-npi=\"{}\"] [data-alert=\"group_test_not_met\"]",
            npi(1)
        ),
    )
    .await;
    assert_eq!(
        all(c, "#clinicians [data-alert=\"group_test_not_met\"]")
            .await
            .len(),
        1
    );

    // 5. An application through the wizard.
    click_to_page(c, "#start-application").await;
    el(c, "#facts-form").await;
    assert_eq!(value(c, "#clinician_count").await, "20");
    el(c, "#insufficient_internet").await.click().await.unwrap();
    click_to_page(c, "#to-reasons").await;
    el(c, "#reason-form").await;
    el(c, "#reason-insufficient_internet")
        .await
        .click()
        .await
        .unwrap();
    el(c, "#level-group").await.click().await.unwrap();
    click_to_page(c, "#to-details").await;
    el(c, "#details-form").await;
    let description = value(c, "#description").await;
    assert!(
        description.contains("lacks sufficient internet access"),
        "the description is drafted from the answers: {description:?}"
    );
    // The parts only the practice can say are marked, and a ready application may not keep them.
    assert!(description.contains("[to fill:"), "{description:?}");
    fill(
        c,
        "#description",
        "The Lakeside clinic site lacks sufficient internet access: the only provider offers 3 Mbit/s, \
         too slow for the EHR's cloud service; two other providers quoted no service (letters on file).",
    )
    .await;
    fill(c, "#first_name", "Pat").await;
    fill(c, "#last_name", "Doe").await;
    if value(c, "#email").await.is_empty() {
        fill(c, "#email", OWNER).await;
    }
    if value(c, "#phone").await.is_empty() {
        fill(c, "#phone", "218-555-0100").await;
    }
    el(c, "#attested").await.click().await.unwrap();
    assert!(el(c, "#mark_ready").await.is_selected().await.unwrap());
    click_to_page(c, "#create-application").await;
    assert_eq!(
        text(c, "#state").await,
        "ready to send",
        "{}",
        here(c).await
    );
    let application = id_in_url(c, "applications").await;
    let app_path = format!("/applications/{application}");
    assert_eq!(text(c, "#f-level").await, "the group (TIN)");
    assert_eq!(text(c, "#f-submitter").await, "Pat Doe");

    // 6. Submitted through the portal.
    el(c, "#channel")
        .await
        .select_by_value("portal")
        .await
        .unwrap();
    fill(c, "#reference-input", "QPP-2026-0042137").await;
    click_to_page(c, "#submit-application").await;
    assert_eq!(text(c, "#state").await, "sent, awaiting CMS");
    assert_eq!(text(c, "#reference").await, "QPP-2026-0042137");

    // 7. CMS's e-mail as evidence, its SHA-256 shown.
    let email = files.join("cms-approval.eml");
    let email_bytes = b"From: QPP Service Center <qpp@cms.test>\r\nSubject: Your 2026 PI hardship exception application is approved\r\n\r\nApplication QPP-2026-0042137 is approved.\r\n";
    std::fs::write(&email, email_bytes).unwrap();
    let sha256 = hardship_store::hex(&Sha256::digest(email_bytes));
    el(c, "select#kind")
        .await
        .select_by_value("cms_decision_email")
        .await
        .unwrap();
    el(c, "#evidence-file")
        .await
        .send_keys(&email.display().to_string())
        .await
        .unwrap();
    click_to_page(c, "#upload-evidence").await;
    assert_eq!(text(c, "#notice").await, "Evidence stored in the vault.");
    let doc_rows = all(c, "table.documents tbody tr").await;
    assert_eq!(doc_rows.len(), 1);
    let cells = doc_rows[0].find_all(Locator::Css("td")).await.unwrap();
    assert_eq!(cells[0].text().await.unwrap(), "cms-approval.eml");
    assert_eq!(
        cells[1].text().await.unwrap(),
        "CMS approval or denial e-mail"
    );
    assert_eq!(
        cells[2].text().await.unwrap(),
        email_bytes.len().to_string()
    );
    assert_eq!(
        cells[3].text().await.unwrap(),
        sha256,
        "the SHA-256 shown is the file's"
    );
    let href = el(c, "table.documents tbody tr a")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    let document = href
        .strip_prefix("/documents/")
        .and_then(|s| s.strip_suffix("/download"))
        .unwrap_or_else(|| panic!("unexpected download link {href:?}"))
        .to_owned();

    // 8. The approval, with the uploaded e-mail preselected.
    assert_eq!(value(c, "#decision_email").await, document);
    click_to_page(c, "#record-approval").await;
    assert_eq!(text(c, "#state").await, "approved");
    let version = value(c, "#actions input[name=\"version\"]").await;
    let history = all(c, "#history tbody tr").await.len();

    // The approval at group level reweights everyone: the warning is gone, the standing caution is up.
    open(c, app, &year_path).await;
    el(c, "#alerts [data-alert=\"reporting_pi_voids_reweighting\"]").await;
    absent(c, "[data-alert=\"group_test_not_met\"]").await;
    let profile_version = value(c, "#profile-form input[name=\"version\"]").await;

    // 9. The score chart.
    click_to_page(c, "#score-link").await;
    el(c, "#score-form").await;
    fill(c, "#quality", "80").await;
    fill(c, "#cost", "60").await;
    fill(c, "#ia", "100").await;
    fill(c, "#pi", "50").await;
    click_to_page(c, "#score-form button[type=\"submit\"]").await;
    let url = here(c).await;
    assert!(
        url.contains("quality=80") && url.contains("ia=100"),
        "{url}"
    );
    assert_eq!(value(c, "#quality").await, "80");
    el(c, "#score-result svg.chart polyline.reported").await;
    let points = el(c, "svg.chart polyline.reported")
        .await
        .attr("points")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(points.split_whitespace().count() > 2, "{points:?}");
    for row in ["#score-table #row-reweighted", "#score-table #row-reported"] {
        let score = text(c, &format!("{row} td.num")).await;
        let score: f64 = score
            .parse()
            .unwrap_or_else(|_| panic!("{row}: final score {score:?}"));
        assert!((0.0..=100.0).contains(&score), "{row}: {score}");
    }
    assert!(
        text(c, "#row-reported")
            .await
            .starts_with("PI reported at 50")
    );
    let png = c.screenshot().await.unwrap();
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "a PNG screenshot"
    );
    let shot = shots_dir().join("score.png");
    std::fs::write(&shot, &png).unwrap();
    eprintln!("browser: the score page's screenshot is {}", shot.display());

    // 10. An auditor sees everything and changes nothing.
    open(c, app, "/settings/users").await;
    fill(c, "#email", AUDITOR).await;
    el(c, "select#role")
        .await
        .select_by_value("auditor")
        .await
        .unwrap();
    click_to_page(c, "#create-invite").await;
    let link = text(c, "#invite-link").await;
    assert!(
        link.starts_with(&format!("http://{}/invite/", app.addr)),
        "{link}"
    );
    click_to_page(c, "#sign-out").await;
    assert!(here(c).await.ends_with("/login"), "{}", here(c).await);
    assert!(
        c.get_named_cookie(app.cookie_name()).await.is_err(),
        "signing out removes the session cookie"
    );
    c.goto(&link).await.unwrap();
    fill(c, "#password", AUDITOR_PASSWORD).await;
    fill(c, "#password_confirm", AUDITOR_PASSWORD).await;
    click_to_page(c, "#accept").await;
    let who = text(c, "#who").await;
    assert!(who.contains(AUDITOR) && who.contains("(auditor)"), "{who}");

    open(c, app, &app_path).await;
    assert_eq!(text(c, "#state").await, "approved");
    absent(c, "#actions").await;
    absent(c, "#upload-evidence").await;
    assert_eq!(
        text(c, "table.documents td.mono").await,
        sha256,
        "auditors see the evidence"
    );

    open(c, app, &year_path).await;
    el(c, "#alerts").await;
    absent(c, "#start-application").await;
    absent(c, "#profile-form").await;

    open(c, app, "/practices/new").await;
    let message = text(c, "#error-message").await;
    assert!(message.contains("is an auditor"), "{message}");
    assert!(text(c, "h1").await.starts_with("403"));
    // The same page by the auditor's own session cookie (HttpOnly: read through WebDriver), for the
    // status itself.
    let session = c.get_named_cookie(app.cookie_name()).await.unwrap();
    let cookie_only = Session {
        cookie: format!("{}={}", session.name(), session.value()),
        csrf: String::new(),
    };
    let r = app
        .get("/practices/new", Auth::SessionNoCsrf(&cookie_only))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Writes with the auditor's real session and CSRF token, from the page itself.
    open(c, app, &app_path).await;
    el(c, "#state").await;
    let (status, body) = post_from_page(
        c,
        &format!("{app_path}/transition"),
        &[
            ("version", &version),
            ("action", "void"),
            ("note", "an auditor tries to void the approval"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("is an auditor"),
        "refused for the role, not the token: {body}"
    );
    let (status, body) = post_from_page(
        c,
        &format!("{year_path}/profile"),
        &[
            ("version", &profile_version),
            ("level", "individual"),
            ("pi_submitted", "on"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("is an auditor"), "{body}");

    // Nothing changed.
    open(c, app, &app_path).await;
    assert_eq!(text(c, "#state").await, "approved");
    assert_eq!(all(c, "#history tbody tr").await.len(), history);
    let heading = text(c, "main > p").await;
    assert!(heading.contains(&format!("version {version}")), "{heading}");
    open(c, app, &year_path).await;
    el(c, "#alerts [data-alert=\"reporting_pi_voids_reweighting\"]").await;
    absent(c, "[data-alert=\"pi_submission_voids_reweighting\"]").await;
    let reports = c
        .execute(
            "return [...document.querySelectorAll('.card p')].map(p => p.textContent).find(t => t.startsWith('Reports as')) || '';",
            vec![],
        )
        .await
        .unwrap();
    let reports = reports.as_str().unwrap_or_default();
    assert!(
        reports.contains("Reports as a group (TIN)") && reports.contains("PI data: none submitted"),
        "{reports:?}"
    );

    // 11. The main pages at desktop and phone widths: screenshots of each, and on a 390-px phone no
    // page is wider than the screen (wide tables scroll inside their card).
    let practice_path = year_path
        .rsplit_once("/years/")
        .map(|(p, _)| p.to_owned())
        .unwrap();
    let pages = [
        ("dashboard", "/dashboard".to_owned()),
        ("practices", "/practices".to_owned()),
        ("practice", practice_path),
        ("eligibility", year_path.clone()),
        (
            "score",
            format!("{year_path}/score?quality=80&cost=60&ia=100&pi=50"),
        ),
        ("application", app_path.clone()),
        ("applications", "/applications".to_owned()),
        ("audit", "/audit".to_owned()),
        ("sources", "/sources".to_owned()),
    ];
    for (width, height, label) in [(1280, 1600, "desktop"), (390, 844, "phone")] {
        c.set_window_size(width, height).await.unwrap();
        for (name, path) in &pages {
            open(c, app, path).await;
            el(c, "main h1").await;
            // The page's width, and the elements that stick out (the innermost first), to say what to fix.
            let wide = c
                .execute(
                    "const w = window.innerWidth; \
                     const out = [...document.querySelectorAll('main *')] \
                       .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.scroll')) \
                       .filter(e => ![...e.children].some(k => k.getBoundingClientRect().right > w + 1)) \
                       .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40)); \
                     return [document.documentElement.scrollWidth, w, out];",
                    vec![],
                )
                .await
                .unwrap();
            let (page_w, screen_w) = (wide[0].as_i64().unwrap(), wide[1].as_i64().unwrap());
            assert!(
                page_w <= screen_w,
                "{name} is {page_w} px wide on a {screen_w}-px {label} screen; sticking out: {}",
                wide[2]
            );
            let png = c.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            std::fs::write(shots_dir().join(format!("{label}-{name}.png")), &png).unwrap();
        }
    }
    eprintln!(
        "browser: desktop and phone screenshots of {} pages are in {}",
        pages.len(),
        shots_dir().display()
    );
}

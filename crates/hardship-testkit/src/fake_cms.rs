//! A stand-in for CMS's QPP Eligibility API on a loopback port, answering exactly as CMS's documented
//! samples do (`crates/hardship-formats/tests/fixtures/sample_response_{200,400,404}.json`, public CMS
//! data): `GET /api/eligibility/npi/{npi}?year=YYYY` gets, per NPI, the replies a test scripts (the last
//! one repeats), else the default (404 `NoProviderInformation`). It can also answer 429 with
//! `Retry-After`, 503, drop the connection mid-answer, stall, or drop everything after N answers (an
//! outage mid-run). Every request is logged with its time, so tests can check pacing and `Retry-After`.
//!
//! Plain blocking sockets on threads: it serves async clients and child processes alike, and stops when
//! dropped.

use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SAMPLE_200: &str =
    include_str!("../../hardship-formats/tests/fixtures/sample_response_200.json");
const SAMPLE_400: &str =
    include_str!("../../hardship-formats/tests/fixtures/sample_response_400.json");
const SAMPLE_404: &str =
    include_str!("../../hardship-formats/tests/fixtures/sample_response_404.json");

/// One organization of a scripted profile: its name (the TIN stays masked, as in public answers) and
/// members of its individual scenario to set over the sample's.
#[derive(Clone, Debug)]
pub struct Org {
    pub name: String,
    pub individual: Value,
}

impl Org {
    pub fn named(name: &str) -> Org {
        Org {
            name: name.into(),
            individual: json!({}),
        }
    }

    /// The sample's scenario with these members set (e.g. `{"hospitalBasedClinician": true}`).
    pub fn with(mut self, members: Value) -> Org {
        self.individual = members;
        self
    }
}

/// CMS's sample profile for `npi`, one organization per `orgs` (each a copy of the sample's, renamed,
/// its individual scenario amended).
pub fn profile(npi: &str, orgs: &[Org]) -> Value {
    let mut v: Value = serde_json::from_str(SAMPLE_200).expect("the 200 sample is JSON");
    let template = v["data"]["organizations"][0].clone();
    v["data"]["npi"] = json!(npi);
    let list: Vec<Value> = orgs
        .iter()
        .map(|o| {
            let mut org = template.clone();
            org["prvdrOrgName"] = json!(o.name);
            if let (Some(ind), Some(set)) = (
                org["individualScenario"].as_object_mut(),
                o.individual.as_object(),
            ) {
                for (k, x) in set {
                    ind.insert(k.clone(), x.clone());
                }
            }
            org
        })
        .collect();
    v["data"]["organizations"] = Value::Array(list);
    v
}

/// What the fake answers a request with.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with [`profile`] for the NPI asked.
    Profile(Vec<Org>),
    /// 404 with the `NoProviderInformation` sample.
    NotFound,
    /// 400 with the `InvalidFormatNpi` sample.
    InvalidNpi,
    /// 429 with `Retry-After: N`.
    TooMany { retry_after: u64 },
    /// 503 with a short text body.
    Unavailable,
    /// The 200 profile's headers and the first half of its body, then the connection closes.
    Drop(Vec<Org>),
    /// Reads the request and never answers (until the fake stops).
    Stall,
}

/// A request the fake received.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub accept: String,
    pub at: Instant,
    /// What it was answered with: `200`, `404`, `429`, `drop`, ...
    pub answered: String,
}

impl Request {
    /// The NPI of `/api/eligibility/npi/{npi}?year=…`.
    pub fn npi(&self) -> &str {
        let rest = self.path.trim_start_matches("/api/eligibility/npi/");
        rest.split('?').next().unwrap_or("")
    }
}

#[derive(Default)]
struct State {
    script: HashMap<String, VecDeque<Reply>>,
    default: Option<Reply>,
    log: Vec<Request>,
    answers: usize,
    drop_after: Option<usize>,
}

/// The fake server. Dropping it stops it.
pub struct FakeCms {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl FakeCms {
    /// Listens on a free loopback port.
    pub fn start() -> FakeCms {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (st, sp) = (Arc::clone(&st), Arc::clone(&sp));
                std::thread::spawn(move || serve(conn, &st, &sp));
            }
        });
        FakeCms { addr, state, stop }
    }

    /// The base URL to give `hardship` (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The replies for an NPI, in order; the last one repeats.
    pub fn script(&self, npi: &str, replies: Vec<Reply>) {
        self.lock().script.insert(npi.into(), replies.into());
    }

    /// The reply for NPIs with no script (404 unless set).
    pub fn default_reply(&self, reply: Reply) {
        self.lock().default = Some(reply);
    }

    /// After `n` more answers (200, 400 or 404), every connection is dropped unanswered.
    pub fn drop_everything_after(&self, n: usize) {
        let mut s = self.lock();
        s.drop_after = Some(s.answers + n);
    }

    /// Answers again.
    pub fn heal(&self) {
        self.lock().drop_after = None;
    }

    pub fn requests(&self) -> Vec<Request> {
        self.lock().log.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeCms {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Reads a request's head: the path and the `Accept` header.
fn read_head(conn: &mut TcpStream) -> Option<(String, String)> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let accept = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    Some((path, accept))
}

fn respond(conn: &mut TcpStream, status: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}

fn serve(mut conn: TcpStream, state: &Mutex<State>, stop: &AtomicBool) {
    let Some((path, accept)) = read_head(&mut conn) else {
        return;
    };
    let npi = path
        .strip_prefix("/api/eligibility/npi/")
        .and_then(|r| r.split('?').next())
        .map(str::to_owned);
    let reply = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let outage = s.drop_after.is_some_and(|n| s.answers >= n);
        let reply = match (&npi, outage) {
            (_, true) => Reply::Stall,
            (None, _) => Reply::NotFound,
            (Some(n), _) => {
                let default = s.default.clone().unwrap_or(Reply::NotFound);
                match s.script.get_mut(n) {
                    Some(q) if q.len() > 1 => q.pop_front().unwrap_or(default),
                    Some(q) => q.front().cloned().unwrap_or(default),
                    None => default,
                }
            }
        };
        let answered = match (&reply, outage) {
            (_, true) => "outage",
            (Reply::Profile(_), _) => "200",
            (Reply::NotFound, _) => "404",
            (Reply::InvalidNpi, _) => "400",
            (Reply::TooMany { .. }, _) => "429",
            (Reply::Unavailable, _) => "503",
            (Reply::Drop(_), _) => "drop",
            (Reply::Stall, _) => "stall",
        };
        if matches!(
            reply,
            Reply::Profile(_) | Reply::NotFound | Reply::InvalidNpi
        ) && !outage
        {
            s.answers += 1;
        }
        s.log.push(Request {
            path: path.clone(),
            accept,
            at: Instant::now(),
            answered: answered.into(),
        });
        if outage {
            // An outage: the connection closes without a byte of answer.
            return;
        }
        reply
    };
    let npi = npi.unwrap_or_default();
    match reply {
        Reply::Profile(orgs) => {
            let body = serde_json::to_vec_pretty(&profile(&npi, &orgs)).unwrap_or_default();
            respond(&mut conn, "200 OK", "", &body);
        }
        Reply::NotFound => respond(&mut conn, "404 Not Found", "", SAMPLE_404.as_bytes()),
        Reply::InvalidNpi => respond(&mut conn, "400 Bad Request", "", SAMPLE_400.as_bytes()),
        Reply::TooMany { retry_after } => respond(
            &mut conn,
            "429 Too Many Requests",
            &format!("retry-after: {retry_after}\r\n"),
            br#"{"error":{"type":"TooManyRequests","message":"Rate limit exceeded"}}"#,
        ),
        Reply::Unavailable => respond(&mut conn, "503 Service Unavailable", "", b"{}"),
        Reply::Drop(orgs) => {
            let body = serde_json::to_vec_pretty(&profile(&npi, &orgs)).unwrap_or_default();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body[..body.len() / 2]);
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Reply::Stall => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

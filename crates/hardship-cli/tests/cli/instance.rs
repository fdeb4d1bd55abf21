//! A real `hardship serve` process on a free loopback port, for the scale-out and fault tests: started
//! with the installation's settings as arguments and environment, killed with SIGKILL on demand or when
//! dropped. Its stderr is drained so the server never blocks on a full pipe.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Instance {
    child: Child,
    pub base: String,
}

/// What an installation is: the arguments and environment every `hardship` command of it gets.
#[derive(Clone, Default)]
pub struct Installation {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Installation {
    pub fn sqlite(data: &std::path::Path) -> Installation {
        Installation {
            args: vec!["--data-dir".into(), data.display().to_string()],
            env: vec![],
        }
    }

    pub fn with_arg(mut self, k: &str, v: &str) -> Installation {
        self.args.push(k.into());
        self.args.push(v.into());
        self
    }

    pub fn with_env(mut self, k: &str, v: &str) -> Installation {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Runs a `hardship` command of this installation.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_hardship"))
            .args(args)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap()
    }

    /// `hardship debug seed`: (token, practice ids, the whole report).
    pub fn seed(
        &self,
        practices: u32,
        clinicians: u32,
    ) -> (String, Vec<String>, serde_json::Value) {
        let p = practices.to_string();
        let c = clinicians.to_string();
        let o = self.run(&["debug", "seed", "--practices", &p, "--clinicians", &c]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let ids = v["practices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        (v["token"].as_str().unwrap().to_owned(), ids, v)
    }

    pub fn serve(&self) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hardship"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--cookie-secure",
                "false",
            ])
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("HARDSHIP_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let base = loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let _ = child.wait();
                panic!("hardship serve exited before serving");
            }
            if let Some(a) = line.trim().strip_prefix("hardship: serving on ") {
                break a.to_owned();
            }
        };
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                if std::env::var_os("HARDSHIP_TEST_SERVER_LOG").is_some() {
                    eprint!("[server] {sink}");
                }
                sink.clear();
            }
        });
        Instance { child, base }
    }
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no destructor, no flush, nothing finished.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn client() -> reqwest::Client {
    hardship_vault::tls::use_ring();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The JSON array an API list answers `base + path` with, read with an API token.
pub async fn get_list(base: &str, path: &str, token: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array().unwrap().clone()
}

/// A master key for installations whose instances must share it (hex, 32 bytes).
pub fn master_key(seed: u8) -> String {
    (0..32u8)
        .map(|i| format!("{:02x}", i.wrapping_mul(7).wrapping_add(seed)))
        .collect()
}

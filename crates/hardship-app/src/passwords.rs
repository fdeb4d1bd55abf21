//! Password hashing with a bounded cost: argon2id (PHC strings) on blocking threads, at most a few at a
//! time, each in a memory buffer that is allocated once and reused.
//!
//! Why bounded: every argon2 run needs 19 MiB. Left to tokio's blocking pool, a burst of sign-ins ran one
//! hash per request at once (memory 486 → 786 MiB, never given back: glibc keeps the freed buffers in the
//! threads' arenas). Here at most `workers` hashes run at once, in `workers` buffers kept for the life of
//! the process, so memory is fixed at about `workers × 19 MiB`; at most `queue` more callers wait, and
//! anyone beyond that is told the service is busy (`Busy`, answered 503 with `Retry-After`) at once.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Ident, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Most memory a stored hash may ask for (a larger `m` in a PHC string is refused as malformed).
const MAX_M_COST_KIB: u32 = 64 * 1024;

/// argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane).
fn default_params() -> Result<Params, String> {
    Params::new(19 * 1024, 2, 1, Some(32)).map_err(|e| e.to_string())
}

/// Refuses passwords too short or too long to be sensible, naming the rule.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters, got {n}"
        ));
    }
    if n > 1024 {
        return Err("password: at most 1024 characters".into());
    }
    Ok(())
}

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many password checks are running or waiting: try again shortly.
    #[error("too many sign-ins are being checked at once; try again in a few seconds")]
    Busy,
    #[error("{0}")]
    Failed(String),
}

/// The bounded hasher. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Passwords {
    running: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    wait_at_most: Duration,
}

impl Passwords {
    /// At most `workers` hashes at once (each holds a 19 MiB buffer), and at most `queue` callers waiting
    /// up to `wait_at_most` for a turn.
    pub fn new(workers: usize, queue: usize, wait_at_most: Duration) -> Passwords {
        let workers = workers.max(1);
        Passwords {
            running: Arc::new(Semaphore::new(workers)),
            waiting: Arc::new(Semaphore::new(workers + queue)),
            buffers: Arc::new(Mutex::new(Vec::with_capacity(workers))),
            wait_at_most,
        }
    }

    /// Runs `work` with a memory buffer on a blocking thread, when a turn is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _place = self
            .waiting
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        let turn = tokio::time::timeout(self.wait_at_most, self.running.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let buffers = Arc::clone(&self.buffers);
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut buffer = buffers
                .lock()
                .ok()
                .and_then(|mut b| b.pop())
                .unwrap_or_default();
            let out = work(&mut buffer);
            if let Ok(mut b) = buffers.lock() {
                b.push(buffer);
            }
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// Hashes a password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        check_password_policy(&password).map_err(HashError::Failed)?;
        self.run(move |mem| hash_with(&password, mem)).await?
    }

    /// Whether `password` matches the PHC string; a malformed hash is a mismatch. The wait for a turn is
    /// the only way this fails.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, HashError> {
        self.run(move |mem| verify_with(&password, &phc, mem)).await
    }
}

/// Hashes a password (blocking, with a buffer of its own): for the command line and tests.
pub fn hash_password(password: &str) -> Result<String, String> {
    check_password_policy(password)?;
    hash_with(password, &mut Vec::new()).map_err(|e| e.to_string())
}

/// Checks a password (blocking, with a buffer of its own): for the command line and tests.
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_with(password, phc, &mut Vec::new())
}

/// Grows `mem` to the blocks `params` needs (never shrinks it, so the buffer is reused).
fn blocks(mem: &mut Vec<Block>, params: &Params) -> usize {
    let n = params.block_count();
    if mem.len() < n {
        mem.resize(n, Block::default());
    }
    n
}

/// Hashes with the default parameters and a fresh salt (blocking).
pub fn hash_with(password: &str, mem: &mut Vec<Block>) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
    let params = default_params().map_err(HashError::Failed)?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| failed(&e))?;
    let mut out = [0u8; 32];
    let n = blocks(mem, &params);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt_raw, &mut out, &mut mem[..n])
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Ident::new("argon2id").map_err(|e| failed(&e))?,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string (blocking); any malformed or unsupported hash is a mismatch.
pub fn verify_with(password: &str, phc: &str, mem: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let n = blocks(mem, &params);
    if Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt_raw, &mut out, &mut mem[..n])
        .is_err()
    {
        return false;
    }
    crate::access::constant_time_eq(&out, expected.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn our_hashes_are_standard_phc_strings_both_ways() {
        let mut mem = Vec::new();
        let phc = hash_with("correct horse battery", &mut mem).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The reference implementation accepts ours ...
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // ... and we accept the reference implementation's.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            default_params().unwrap(),
        )
        .hash_password(b"another long password", &salt)
        .unwrap()
        .to_string();
        assert!(verify_with("another long password", &theirs, &mut mem));
        assert!(!verify_with("another long passwore", &theirs, &mut mem));
        assert!(verify_with("correct horse battery", &phc, &mut mem));
        assert!(!verify_with("correct horse batterx", &phc, &mut mem));
        assert!(!verify_with(
            "correct horse battery",
            "not a hash",
            &mut mem
        ));
        // The buffer is kept for the next caller: exactly the default parameters' 19 MiB.
        assert_eq!(mem.len(), 19 * 1024);
    }

    #[test]
    fn an_absurd_memory_cost_in_a_stored_hash_is_a_mismatch_not_an_allocation() {
        let phc = "$argon2id$v=19$m=4000000,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bU8dL0t3hWw5F2yPq3jjx+0m0bWQy8C5xXy6mTzQ2A";
        let mut mem = Vec::new();
        assert!(!verify_with("whatever password", phc, &mut mem));
        assert!(mem.is_empty());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let p = Passwords::new(1, 0, Duration::from_secs(30));
        let slow = {
            let p = p.clone();
            tokio::spawn(async move {
                p.run(|_| std::thread::sleep(Duration::from_millis(300)))
                    .await
            })
        };
        // Let the first caller take the only turn.
        while p.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(p.run(|_| ()).await, Err(HashError::Busy)));
        slow.await.unwrap().unwrap();
        assert!(p.run(|_| ()).await.is_ok(), "free again afterwards");
    }

    #[test]
    fn policy_names_the_rule() {
        assert!(
            check_password_policy("short")
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(check_password_policy(&"x".repeat(1025)).is_err());
        assert!(check_password_policy("twelve chars").is_ok());
    }
}

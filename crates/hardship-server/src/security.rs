//! Security mechanics shared by the pages and the API: random tokens and their hashes, cookies,
//! CSRF tokens, and the sign-in rate limiter.
//!
//! - Session and API tokens are 32 random bytes shown once (hex); the store keeps only their SHA-256, so a
//!   copy of the database signs nobody in.
//! - The session cookie is `HttpOnly; SameSite=Strict; Path=/`, `Secure` unless the operator relaxed it for
//!   plain-HTTP localhost (then its name loses the `__Host-` prefix, which requires `Secure`).
//! - CSRF: every session has its own token; forms carry it in a hidden `csrf` field, scripts and API
//!   clients using the cookie send it as `X-CSRF-Token`. Forms used before sign-in (set-up, sign-in,
//!   accepting an invitation) use a double-submit cookie instead.
//! - Sign-in attempts are limited per client address and per e-mail address (a sliding window, counted in
//!   the database so that all instances share it). Behind a load
//!   balancer the client address is taken from `X-Forwarded-For`, but only when the connection comes from
//!   a proxy the operator named as trusted; otherwise the header is ignored, so a client cannot pick its
//!   own address to escape the limit.

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use hardship_store::{Store, StoreResult};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The session cookie's name when it is `Secure` (the `__Host-` prefix pins it to this host and path).
pub const SESSION_COOKIE_SECURE: &str = "__Host-hardship_session";
/// The session cookie's name when `Secure` is relaxed for plain-HTTP localhost.
pub const SESSION_COOKIE_PLAIN: &str = "hardship_session";
/// The double-submit cookie of forms used before sign-in.
pub const FORM_COOKIE: &str = "hardship_form";
/// The header scripts and API clients use to echo the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// 32 random bytes from the operating system.
pub fn random_bytes() -> Result<[u8; 32], String> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut b)
        .map_err(|e| format!("no randomness: {e}"))?;
    Ok(b)
}

/// A new secret token as text (64 hex digits).
pub fn new_token() -> Result<String, String> {
    random_bytes().map(|b| hardship_store::hex(&b))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Equality that takes the same time wherever the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the connection's peer, or, when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (proxies append, so the entries to its right are
/// the ones our own proxies wrote).
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut chosen = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => chosen = ip,
            Ok(ip) => return Some(ip),
            // A garbled entry: nothing to its left can be trusted; stay with the last proxy seen.
            Err(_) => return Some(chosen),
        }
    }
    Some(chosen)
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// How the server's cookies are made.
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn session_name(self) -> &'static str {
        if self.secure {
            SESSION_COOKIE_SECURE
        } else {
            SESSION_COOKIE_PLAIN
        }
    }

    fn build(self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if self.secure {
            c.push_str("; Secure");
        }
        match max_age {
            Some(s) => c.push_str(&format!("; Max-Age={s}")),
            None => c.push_str("; Max-Age=0"),
        }
        // Names and values are ours (fixed names, hex tokens), so this never fails.
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
    }

    pub fn set_session(self, token: &str, ttl: Duration) -> HeaderValue {
        self.build(self.session_name(), token, Some(ttl.as_secs()))
    }

    pub fn clear_session(self) -> HeaderValue {
        self.build(self.session_name(), "", None)
    }

    pub fn set_form(self, token: &str) -> HeaderValue {
        self.build(FORM_COOKIE, token, Some(3600))
    }
}

/// Sign-in attempts per client address and per e-mail address, over a sliding window. The failures are
/// kept in the database, so every instance behind a load balancer counts the same ones.
pub struct LoginLimiter {
    pub max_failures: usize,
    pub window: Duration,
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginLimiter {
            max_failures,
            window,
        }
    }

    fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::days(1))
    }

    /// `Ok(Err(seconds to wait))` when any of `keys` has used up its attempts in the window ending `now`.
    pub async fn check(
        &self,
        store: &dyn Store,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<Result<(), u64>> {
        let since = self.window_start(now);
        let mut wait = 0u64;
        for f in store.sign_in_failures(keys, since).await? {
            if f.count as usize >= self.max_failures {
                // The window frees up when its earliest failure leaves it.
                let left = (f.earliest - since).num_seconds().max(1);
                wait = wait.max(u64::try_from(left).unwrap_or(1));
            }
        }
        Ok(if wait > 0 { Err(wait) } else { Ok(()) })
    }

    pub async fn fail(
        &self,
        store: &dyn Store,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        store.record_sign_in_failure(keys, now).await
    }

    pub async fn succeed(&self, store: &dyn Store, keys: &[String]) -> StoreResult<()> {
        store.clear_sign_in_failures(keys).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn cookies_parse_and_carry_their_attributes() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-hardship_session=abc ; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE_SECURE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let secure = CookiePolicy { secure: true }.set_session("tok", Duration::from_secs(60));
        let s = secure.to_str().unwrap();
        assert!(s.starts_with("__Host-hardship_session=tok;"));
        for attr in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(s.contains(attr), "{s}");
        }
        let plain = CookiePolicy { secure: false }.set_session("tok", Duration::from_secs(60));
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(plain.to_str().unwrap().starts_with("hardship_session="));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

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
//! - Password reset requests are limited the same way (per e-mail address and per client address).
//! - Sign-in attempts are limited per client address and per e-mail address (a sliding window, counted in
//!   the database so that all instances share it). Behind a load
//!   balancer the client address is taken from `X-Forwarded-For`, but only when the connection comes from
//!   a proxy the operator named as trusted; otherwise the header is ignored, so a client cannot pick its
//!   own address to escape the limit.

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use hardship_store::{AttemptLimit, Store, StoreResult};
use sha2::Sha256;
use std::time::Duration;

/// The session cookie's name when it is `Secure` (the `__Host-` prefix pins it to this host and path).
pub const SESSION_COOKIE_SECURE: &str = "__Host-hardship_session";
/// The session cookie's name when `Secure` is relaxed for plain-HTTP localhost.
pub const SESSION_COOKIE_PLAIN: &str = "hardship_session";
/// The double-submit cookie of forms used before sign-in, when `Secure` (the `__Host-` prefix: no
/// sibling site can plant it).
pub const FORM_COOKIE_SECURE: &str = "__Host-hardship_form";
/// The same for plain-HTTP localhost.
pub const FORM_COOKIE_PLAIN: &str = "hardship_form";
/// The header scripts and API clients use to echo the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A value for the double-submit cookie: a random nonce and its HMAC under the installation's form
/// secret, so a value the client made up does not pass ([`form_token_is_ours`]).
pub fn new_form_token(secret: &[u8; 32]) -> Result<String, String> {
    let nonce = hardship_app::access::new_secret().map_err(|e| e.to_string())?;
    let mac = form_mac(secret, &nonce);
    Ok(format!("{nonce}.{mac}"))
}

/// Whether a double-submit value was made by [`new_form_token`] with this secret.
pub fn form_token_is_ours(secret: &[u8; 32], value: &str) -> bool {
    let Some((nonce, mac)) = value.split_once('.') else {
        return false;
    };
    nonce.len() == 64 && constant_time_eq(form_mac(secret, nonce).as_bytes(), mac.as_bytes())
}

fn form_mac(secret: &[u8; 32], nonce: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(secret);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
    mac.update(nonce.as_bytes());
    hardship_store::hex(&mac.finalize().into_bytes())
}

pub use hardship_app::access::constant_time_eq;

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

/// `scheme://host` of the request, for links to copy (see `web::Origin`). In order: what a trusted
/// proxy reports in `X-Forwarded-Proto`; the browser's own `Origin` header (sent with form posts); plain
/// `http` for a loopback host (our listener speaks plain HTTP); else `https` when cookies are `Secure`
/// (browsers send those only over HTTPS), else `http`.
pub fn origin(
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    trusted: &[std::net::IpAddr],
    secure: bool,
) -> String {
    let plain_host = |h: &str| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| plain_host(h))
        .unwrap_or("127.0.0.1:8080");
    let forwarded = peer
        .filter(|p| trusted.contains(p))
        .and_then(|_| headers.get("x-forwarded-proto"))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| matches!(*v, "https" | "http"));
    if let Some(scheme) = forwarded {
        return format!("{scheme}://{host}");
    }
    let browser = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| o.split_once("://"))
        .filter(|(scheme, h)| matches!(*scheme, "https" | "http") && *h == host);
    if let Some((scheme, _)) = browser {
        return format!("{scheme}://{host}");
    }
    let name = host.rsplit_once(':').map_or(host, |(n, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            n
        } else {
            host
        }
    });
    let loopback = name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let scheme = if secure && !loopback { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A cookie's value from the request's `Cookie` headers (the first of that name).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name_raw() == Some(name))
        .and_then(|c| c.value_raw())
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
        let age = i64::try_from(max_age.unwrap_or(0)).unwrap_or(i64::MAX);
        let c = cookie::Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(age))
            .build();
        // Names and values are ours (fixed names, hex tokens), so this never fails.
        HeaderValue::from_str(&c.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
    }

    pub fn set_session(self, token: &str, ttl: Duration) -> HeaderValue {
        self.build(self.session_name(), token, Some(ttl.as_secs()))
    }

    pub fn clear_session(self) -> HeaderValue {
        self.build(self.session_name(), "", None)
    }

    pub fn form_name(self) -> &'static str {
        if self.secure {
            FORM_COOKIE_SECURE
        } else {
            FORM_COOKIE_PLAIN
        }
    }

    pub fn set_form(self, token: &str) -> HeaderValue {
        self.build(self.form_name(), token, Some(3600))
    }
}

/// Sign-in attempts, limited over a sliding window and counted in the database (so every instance
/// behind a load balancer counts the same ones). An attempt is reserved *before* the password is checked,
/// so concurrent attempts cannot all slip under the limit, and counts as a failure unless released.
///
/// Three keys limit a sign-in: the account from this address (`max_failures`), so the real user, from
/// their own address, is not locked out by a stranger guessing elsewhere; the address over all accounts
/// (4×), so one address cannot spray many accounts; and the account from everywhere (20×), a ceiling on
/// guessing from many addresses.
pub struct LoginLimiter {
    pub max_failures: u32,
    pub window: Duration,
}

/// What a reservation answered: go ahead (with the attempt to release on success), or wait this long.
pub enum Reserved {
    Go(uuid::Uuid),
    Wait(u64),
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginLimiter {
            max_failures: u32::try_from(max_failures.max(1)).unwrap_or(u32::MAX),
            window,
        }
    }

    fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::days(1))
    }

    fn limit(&self, key: String, times: u32) -> AttemptLimit {
        AttemptLimit {
            key,
            max: self.max_failures.saturating_mul(times),
        }
    }

    /// The keys of a sign-in to `email` from `addr`.
    pub fn sign_in(&self, addr: Option<std::net::IpAddr>, email: &str) -> Vec<AttemptLimit> {
        let addr = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        vec![
            self.limit(format!("account-from:{addr}|{email}"), 1),
            self.limit(format!("ip:{addr}"), 4),
            self.limit(format!("account:{email}"), 20),
        ]
    }

    /// The keys of a password reset request for `email` from `addr`: `max` per address in the window
    /// (nobody floods one inbox) and 4× that per client address (nobody sprays many). Every request
    /// counts, whether an account exists or not, so the limit reveals nothing either.
    pub fn password_reset(
        &self,
        addr: Option<std::net::IpAddr>,
        email: &str,
        max: u32,
    ) -> Vec<AttemptLimit> {
        let addr = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        vec![
            AttemptLimit {
                key: format!("reset:{email}"),
                max: max.max(1),
            },
            AttemptLimit {
                key: format!("reset-ip:{addr}"),
                max: max.max(1).saturating_mul(4),
            },
        ]
    }

    /// The key of a signed-in user re-entering their password (to change it).
    pub fn password_check(&self, user: &str) -> Vec<AttemptLimit> {
        vec![self.limit(format!("password-check:{user}"), 1)]
    }

    /// Reserves an attempt under every key, or says how many seconds to wait.
    pub async fn reserve(
        &self,
        store: &dyn Store,
        limits: &[AttemptLimit],
        now: DateTime<Utc>,
    ) -> StoreResult<Reserved> {
        let attempt = uuid::Uuid::new_v4();
        let since = self.window_start(now);
        Ok(
            match store.reserve_attempt(attempt, limits, since, now).await? {
                Ok(()) => Reserved::Go(attempt),
                // The window frees up when its earliest attempt leaves it.
                Err(earliest) => Reserved::Wait(
                    u64::try_from((earliest - since).num_seconds().max(1)).unwrap_or(1),
                ),
            },
        )
    }

    /// The password was right: the attempt was no failure, and the account's keys start afresh (never
    /// the address's, or a guesser with one valid account could reset its own budget).
    pub async fn succeeded(
        &self,
        store: &dyn Store,
        attempt: uuid::Uuid,
        limits: &[AttemptLimit],
    ) -> StoreResult<()> {
        let forget: Vec<String> = limits
            .iter()
            .filter(|l| !l.key.starts_with("ip:"))
            .map(|l| l.key.clone())
            .collect();
        store.release_attempt(attempt, &forget).await
    }

    /// The password was never checked (the hasher was busy): the attempt does not count.
    pub async fn not_checked(&self, store: &dyn Store, attempt: uuid::Uuid) -> StoreResult<()> {
        store.release_attempt(attempt, &[]).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
        // Cleared: the same cookie, expired at once.
        let cleared = CookiePolicy { secure: true }.clear_session();
        assert!(cleared.to_str().unwrap().contains("Max-Age=0"));
        // A malformed pair does not hide the cookie after it.
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("junk; x=1; hardship_session=zz"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE_PLAIN), Some("zz"));
    }

    #[test]
    fn links_carry_the_scheme_the_user_came_in_with() {
        let h = |pairs: &[(&str, &str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            m
        };
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let other: std::net::IpAddr = "203.0.113.9".parse().unwrap();
        let site = h(&[
            ("host", "hardship.example.org"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            origin(&site, Some(proxy), &[proxy], false),
            "https://hardship.example.org"
        );
        // Not from a trusted proxy: the header is the client's word; cookies decide.
        assert_eq!(
            origin(&site, Some(other), &[proxy], true),
            "https://hardship.example.org"
        );
        assert_eq!(
            origin(&site, Some(other), &[proxy], false),
            "http://hardship.example.org"
        );
        let post = h(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(origin(&post, None, &[], true), "http://127.0.0.1:8080");
        let local = h(&[("host", "localhost:8080")]);
        assert_eq!(origin(&local, None, &[], true), "http://localhost:8080");
        let evil = h(&[("host", "a.example"), ("origin", "https://evil.example")]);
        assert_eq!(origin(&evil, None, &[], false), "http://a.example");
    }

    #[test]
    fn form_tokens_are_signed() {
        let secret = [9u8; 32];
        let t = new_form_token(&secret).unwrap();
        assert!(form_token_is_ours(&secret, &t));
        assert!(
            !form_token_is_ours(&[8u8; 32], &t),
            "another installation's"
        );
        let (nonce, _) = t.split_once('.').unwrap();
        assert!(!form_token_is_ours(&secret, nonce), "unsigned");
        assert!(!form_token_is_ours(&secret, &format!("{nonce}.00")));
        assert!(!form_token_is_ours(&secret, "chosen.by-the-client"));
        let secure = CookiePolicy { secure: true }.set_form(&t);
        assert!(
            secure
                .to_str()
                .unwrap()
                .starts_with("__Host-hardship_form=")
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

//! Being a good client of a public API: requests spaced to a rate (every attempt counts, retries too),
//! and waits before a retry that grow exponentially with random jitter (so many clients that failed
//! together do not retry together), never shorter than the `Retry-After` CMS asked for.

use rand_core::{OsRng, RngCore};
use std::time::Duration;
use tokio::time::Instant;

/// Spaces request starts `1 / rate` apart and holds them back after CMS asked to wait.
pub struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// `rate` requests per second (a non-positive or non-finite rate is treated as one per second).
    pub fn new(rate: f64) -> Pacer {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: None,
        }
    }

    /// Waits for the next slot and takes it.
    pub async fn wait(&mut self) {
        if let Some(at) = self.next {
            tokio::time::sleep_until(at).await;
        }
        self.next = Some(Instant::now() + self.interval);
    }

    /// No request before `delay` from now.
    pub fn hold_for(&mut self, delay: Duration) {
        let at = Instant::now() + delay;
        self.next = Some(self.next.map_or(at, |n| n.max(at)));
    }
}

/// A random duration in `[0, max]`.
fn jitter(max: Duration) -> Duration {
    let fraction = f64::from(OsRng.next_u32()) / f64::from(u32::MAX);
    max.mul_f64(fraction)
}

/// The wait before retry number `attempt` (1, 2, ...): `base · 2^(attempt-1)`, capped at `cap`, of which
/// the upper half is random; at least `retry_after` (plus up to a quarter second, so clients told the
/// same instant do not all come back at it).
pub fn backoff(
    attempt: u32,
    base: Duration,
    cap: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let exp = base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(cap);
    let jittered = exp / 2 + jitter(exp / 2);
    match retry_after {
        Some(asked) => jittered.max(asked + jitter(Duration::from_millis(250))),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let (base, cap) = (Duration::from_millis(500), Duration::from_secs(8));
        for _ in 0..50 {
            let first = backoff(1, base, cap, None);
            assert!(
                first >= Duration::from_millis(250) && first <= base,
                "{first:?}"
            );
            let third = backoff(3, base, cap, None);
            assert!(third >= Duration::from_secs(1) && third <= Duration::from_secs(2));
            assert!(backoff(30, base, cap, None) <= cap);
            let asked = backoff(1, base, cap, Some(Duration::from_secs(3)));
            assert!(asked >= Duration::from_secs(3) && asked <= Duration::from_millis(3250));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_and_held_back() {
        let mut p = Pacer::new(4.0);
        let t0 = Instant::now();
        p.wait().await;
        p.wait().await;
        p.wait().await;
        assert_eq!(t0.elapsed(), Duration::from_millis(500));
        p.hold_for(Duration::from_secs(2));
        p.wait().await;
        assert_eq!(t0.elapsed(), Duration::from_millis(2500));
    }
}

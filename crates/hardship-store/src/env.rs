//! What a backend needs from its surroundings: the clock and the id generator, injected so tests
//! control time and randomness.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// The clock, injected so tests control time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Id generation, injected so tests control randomness.
pub trait Ids: Send + Sync {
    fn new_id(&self) -> Uuid;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub struct RandomIds;

impl Ids for RandomIds {
    fn new_id(&self) -> Uuid {
        Uuid::new_v4()
    }
}

/// What a backend needs from its surroundings.
#[derive(Clone)]
pub struct Env {
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
}

impl Env {
    pub fn system() -> Env {
        Env {
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
        }
    }
}

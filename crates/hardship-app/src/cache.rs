//! Caches whose entries are only valid at one tenant revision (the sequence number of the tenant's last
//! audit event, see `Store::revision`). Every change of a tenant's data appends an audit event, so an
//! entry stored at revision *r* is exactly right as long as the tenant's revision is still *r* — on this
//! instance or on any other sharing the database. Nothing expires by time and nothing is ever stale.

//!
//! Entries are computed once: when a change moves the revision, the many requests that arrive at the new
//! revision together wait for one computation instead of each loading and assessing the same records
//! (on a 500-practice portfolio that herd used to take every core and hundreds of megabytes).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// One entry: the revision it is valid at, and its value once computed.
type Slot<V> = (i64, Arc<OnceCell<Arc<V>>>);

pub struct RevisionCache<K, V> {
    entries: Mutex<HashMap<K, Slot<V>>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> RevisionCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        RevisionCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Slot<V>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry for `key` at `revision`, computing it with `init` unless it is there or being computed
    /// (then this waits for that computation). A failed or cancelled computation stores nothing, and the
    /// next caller tries again. A caller whose revision is older than the entry's (it read the revision
    /// before a change landed) computes for itself and leaves the newer entry alone.
    pub async fn get_or_try_init<E, F, Fut>(
        &self,
        key: K,
        revision: i64,
        init: F,
    ) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        // The lock is held only here, never across an await.
        let cell = {
            let mut map = self.lock();
            match map.get(&key) {
                Some((r, cell)) if *r == revision => Some(Arc::clone(cell)),
                Some((r, _)) if *r > revision => None,
                _ => {
                    // Memory stays bounded; entries are cheap to rebuild.
                    if map.len() >= self.capacity && !map.contains_key(&key) {
                        map.clear();
                    }
                    let cell = Arc::new(OnceCell::new());
                    map.insert(key, (revision, Arc::clone(&cell)));
                    Some(cell)
                }
            }
        };
        let Some(cell) = cell else {
            return init().await.map(Arc::new);
        };
        cell.get_or_try_init(|| async { init().await.map(Arc::new) })
            .await
            .map(Arc::clone)
    }

    /// The entry for `key` if it was computed at `revision`.
    pub fn get(&self, key: &K, revision: i64) -> Option<Arc<V>> {
        self.lock()
            .get(key)
            .filter(|(r, _)| *r == revision)
            .and_then(|(_, cell)| cell.get().map(Arc::clone))
    }

    /// The entry for `key` at whatever revision it was computed, with that revision: the starting point
    /// for bringing it up to date.
    pub fn latest(&self, key: &K) -> Option<(i64, Arc<V>)> {
        self.lock()
            .get(key)
            .and_then(|(r, cell)| cell.get().map(|v| (*r, Arc::clone(v))))
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(v: u32) -> impl Future<Output = Result<u32, ()>> {
        std::future::ready(Ok(v))
    }

    #[tokio::test]
    async fn an_entry_is_served_only_at_its_revision() {
        let c: RevisionCache<&str, u32> = RevisionCache::new(2);
        assert_eq!(*c.get_or_try_init("a", 5, || ready(1)).await.unwrap(), 1);
        assert_eq!(c.get(&"a", 5).as_deref(), Some(&1));
        assert_eq!(
            *c.get_or_try_init("a", 5, || ready(9)).await.unwrap(),
            1,
            "a hit"
        );
        assert_eq!(c.get(&"a", 6), None, "a newer revision misses");
        assert_eq!(*c.get_or_try_init("a", 6, || ready(2)).await.unwrap(), 2);
        // An older revision computes its own answer and leaves the newer entry in place.
        assert_eq!(*c.get_or_try_init("a", 4, || ready(3)).await.unwrap(), 3);
        assert_eq!(c.get(&"a", 6).as_deref(), Some(&2));
        c.get_or_try_init("b", 1, || ready(2)).await.unwrap();
        c.get_or_try_init("c", 1, || ready(3)).await.unwrap();
        assert!(c.len() <= 2, "bounded");
        assert_eq!(c.get(&"c", 1).as_deref(), Some(&3));
    }

    #[tokio::test]
    async fn callers_at_one_revision_share_one_computation_and_failures_are_not_kept() {
        let c: Arc<RevisionCache<&str, u32>> = Arc::new(RevisionCache::new(8));
        let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut waiting = Vec::new();
        for _ in 0..8 {
            let (c, runs, gate) = (Arc::clone(&c), Arc::clone(&runs), Arc::clone(&gate));
            waiting.push(tokio::spawn(async move {
                c.get_or_try_init("p", 7, || async move {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    gate.notified().await;
                    Ok::<u32, ()>(42)
                })
                .await
            }));
        }
        // Let every caller reach the cell, then release the one computation.
        while runs.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..16 {
            tokio::task::yield_now().await;
        }
        gate.notify_one();
        for w in waiting {
            assert_eq!(*w.await.unwrap().unwrap(), 42);
        }
        assert_eq!(
            runs.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "computed once"
        );
        // A failure stores nothing: the next caller computes again.
        let e: Result<_, &str> = c.get_or_try_init("q", 1, || async { Err("down") }).await;
        assert!(e.is_err());
        assert_eq!(c.get(&"q", 1), None);
        assert_eq!(*c.get_or_try_init("q", 1, || ready(5)).await.unwrap(), 5);
    }
}

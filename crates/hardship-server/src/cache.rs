//! Caches whose entries are only valid at one tenant revision (the sequence number of the tenant's last
//! audit event, see `Store::revision`). Every change of a tenant's data appends an audit event, so an
//! entry stored at revision *r* is exactly right as long as the tenant's revision is still *r* — on this
//! instance or on any other sharing the database. Nothing expires by time and nothing is ever stale.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct RevisionCache<K, V> {
    entries: Mutex<HashMap<K, (i64, Arc<V>)>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> RevisionCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        RevisionCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The entry for `key` if it was stored at `revision`.
    pub fn get(&self, key: &K, revision: i64) -> Option<Arc<V>> {
        let map = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(key)
            .filter(|(r, _)| *r == revision)
            .map(|(_, v)| Arc::clone(v))
    }

    pub fn insert(&self, key: K, revision: i64, value: Arc<V>) {
        let mut map = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Memory stays bounded; entries are cheap to rebuild.
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, (revision, value));
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_only_at_its_revision() {
        let c: RevisionCache<&str, u32> = RevisionCache::new(2);
        c.insert("a", 5, Arc::new(1));
        assert_eq!(c.get(&"a", 5).as_deref(), Some(&1));
        assert_eq!(c.get(&"a", 6), None, "a newer revision misses");
        assert_eq!(c.get(&"a", 4), None);
        c.insert("b", 1, Arc::new(2));
        c.insert("c", 1, Arc::new(3));
        assert!(c.len() <= 2, "bounded");
        assert_eq!(c.get(&"c", 1).as_deref(), Some(&3));
    }
}

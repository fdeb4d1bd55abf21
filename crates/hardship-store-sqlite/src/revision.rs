//! Tenant revisions without a round trip to the database while nothing has changed.
//!
//! In WAL mode SQLite keeps a wal-index (the `-shm` file beside the database) that begins with two
//! identical copies of a 48-byte header. Its `iChange` counter moves with every committed write
//! transaction — by any connection of any process — and its salts change whenever the WAL restarts
//! (SQLite "WAL-mode file format", §2.1 "The WAL-Index Header"). Readers of SQLite itself decide whether
//! their snapshot is current the same way: read both copies, and trust them only if they are equal.
//!
//! So a revision read from the database while the header had value *H* is still the revision for as long
//! as the header is *H*. The header is read before the query, so a commit that lands during the query
//! changes the header and the next call reads the database again. When the header cannot be read (no
//! `-shm` file yet, a torn read during a commit, not Unix) every call reads the database.

use hardship_store::TenantId;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Offsets in the wal-index: two copies of the 48-byte header; `isInit` is byte 12 of a copy.
const HEADER: usize = 48;
const IS_INIT: usize = 12;

/// Revisions per tenant, read while the wal-index header had this value.
type Memo = Option<([u8; HEADER], HashMap<TenantId, i64>)>;
/// The open `-shm` file with its device and inode.
type OpenShm = Option<(u64, u64, std::fs::File)>;

pub struct RevisionMemo {
    shm: Option<PathBuf>,
    file: Mutex<OpenShm>,
    /// The header the revisions below were read under, and the revisions.
    memo: Mutex<Memo>,
}

impl RevisionMemo {
    /// For the database file at `db` (an in-memory database has no wal-index: `None`).
    pub fn new(db: Option<PathBuf>) -> RevisionMemo {
        RevisionMemo {
            shm: db.map(|p| {
                let mut s = p.into_os_string();
                s.push("-shm");
                PathBuf::from(s)
            }),
            memo: Mutex::new(None),
            file: Mutex::new(None),
        }
    }

    /// The current wal-index header, if it can be read consistently.
    pub fn header(&self) -> Option<[u8; HEADER]> {
        read_header(self.shm.as_ref()?, &self.file)
    }

    /// The revision read under `header`, if the header is still that.
    pub fn get(&self, header: &[u8; HEADER], tenant: TenantId) -> Option<i64> {
        let m = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*m {
            Some((h, map)) if h == header => map.get(&tenant).copied(),
            _ => None,
        }
    }

    /// Remembers a revision read from the database after `header` was read.
    pub fn put(&self, header: [u8; HEADER], tenant: TenantId, revision: i64) {
        let mut m = self
            .memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &mut *m {
            Some((h, map)) if *h == header => {
                map.insert(tenant, revision);
            }
            _ => *m = Some((header, HashMap::from([(tenant, revision)]))),
        }
    }
}

#[cfg(unix)]
fn read_header(
    shm: &std::path::Path,
    open: &Mutex<Option<(u64, u64, std::fs::File)>>,
) -> Option<[u8; HEADER]> {
    use std::os::unix::fs::{FileExt, MetadataExt};
    // The handle is kept, but checked against the path each time: if the -shm file was replaced (every
    // connection closed, then reopened), the old handle would go on reading a frozen header.
    let meta = std::fs::metadata(shm).ok()?;
    let mut guard = open
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let current =
        matches!(&*guard, Some((dev, ino, _)) if *dev == meta.dev() && *ino == meta.ino());
    if !current {
        let f = std::fs::File::open(shm).ok()?;
        let m = f.metadata().ok()?;
        *guard = Some((m.dev(), m.ino(), f));
    }
    let (_, _, f) = guard.as_ref()?;
    let mut buf = [0u8; 2 * HEADER];
    f.read_exact_at(&mut buf, 0).ok()?;
    drop(guard);
    let (a, b) = buf.split_at(HEADER);
    if a != b || a[IS_INIT] == 0 {
        return None;
    }
    let mut h = [0u8; HEADER];
    h.copy_from_slice(a);
    Some(h)
}

#[cfg(not(unix))]
fn read_header(
    _: &std::path::Path,
    _: &Mutex<Option<(u64, u64, std::fs::File)>>,
) -> Option<[u8; HEADER]> {
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_memo_serves_only_under_its_header() {
        let m = RevisionMemo::new(None);
        assert!(m.header().is_none(), "no database file, no header");
        let t = TenantId(uuid::Uuid::from_u128(1));
        let u = TenantId(uuid::Uuid::from_u128(2));
        let h1 = [1u8; HEADER];
        let h2 = [2u8; HEADER];
        m.put(h1, t, 7);
        assert_eq!(m.get(&h1, t), Some(7));
        assert_eq!(m.get(&h1, u), None);
        assert_eq!(
            m.get(&h2, t),
            None,
            "another header: read the database again"
        );
        m.put(h2, u, 3);
        assert_eq!(
            m.get(&h2, t),
            None,
            "a new header forgets what was read under the old one"
        );
        assert_eq!(m.get(&h2, u), Some(3));
    }

    #[test]
    fn torn_or_uninitialised_headers_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.sqlite");
        let m = RevisionMemo::new(Some(db.clone()));
        assert!(m.header().is_none(), "no -shm file");
        let shm = dir.path().join("x.sqlite-shm");
        let mut page = vec![0u8; 4096];
        page[IS_INIT] = 1;
        page[HEADER + IS_INIT] = 1;
        page[8] = 5; // iChange of the first copy only: torn
        std::fs::write(&shm, &page).unwrap();
        assert!(m.header().is_none());
        page[HEADER + 8] = 5;
        std::fs::write(&shm, &page).unwrap();
        assert!(m.header().is_some());
        page[IS_INIT] = 0;
        page[HEADER + IS_INIT] = 0;
        std::fs::write(&shm, &page).unwrap();
        assert!(m.header().is_none(), "not initialised");
    }
}

//! The writing side of [`Vault::put`](crate::Vault::put): reading the body frame by frame, the sink the
//! ciphertext goes to (one atomic create-if-absent put, or a multipart upload once it is too big), the
//! existence check, and the claim on a key being written by this process.

use crate::{UPLOAD_CONCURRENCY, VaultError};
use bytes::Bytes;
use object_store::path::Path;
use object_store::{
    ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions, PutPayload,
    WriteMultipart,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads until `frame` holds `max` bytes or the body ends; returns the bytes read.
pub(crate) async fn read_up_to(
    body: &mut (impl AsyncRead + Unpin + Send),
    frame: &mut Vec<u8>,
    max: usize,
) -> Result<usize, VaultError> {
    frame.clear();
    while frame.len() < max {
        let want = (max - frame.len()) as u64;
        let n = (&mut *body).take(want).read_buf(frame).await?;
        if n == 0 {
            break;
        }
    }
    Ok(frame.len())
}

/// Where the ciphertext goes: a buffer while it fits in one part (stored with a single atomic
/// create-if-absent put), a multipart upload once it does not.
pub(crate) enum Sink {
    Buffer {
        parts: Vec<Bytes>,
        len: usize,
        part_size: usize,
    },
    Multipart(WriteMultipart),
    Done,
}

impl Sink {
    pub(crate) fn new(part_size: usize) -> Sink {
        Sink::Buffer {
            parts: Vec::new(),
            len: 0,
            part_size,
        }
    }

    pub(crate) async fn push(
        &mut self,
        store: &dyn ObjectStore,
        key: &str,
        bytes: Bytes,
    ) -> Result<(), VaultError> {
        match self {
            Sink::Buffer {
                parts,
                len,
                part_size,
            } => {
                *len += bytes.len();
                parts.push(bytes);
                if *len > *part_size {
                    let upload = store
                        .put_multipart_opts(&Path::from(key), PutMultipartOptions::default())
                        .await
                        .map_err(|e| VaultError::storage(key, e))?;
                    let mut writer = WriteMultipart::new_with_chunk_size(upload, *part_size);
                    for part in std::mem::take(parts) {
                        writer.put(part);
                    }
                    *self = Sink::Multipart(writer);
                }
                Ok(())
            }
            Sink::Multipart(writer) => {
                writer
                    .wait_for_capacity(UPLOAD_CONCURRENCY)
                    .await
                    .map_err(|e| VaultError::storage(key, e))?;
                writer.put(bytes);
                Ok(())
            }
            Sink::Done => Err(VaultError::Io(std::io::Error::other(
                "upload already finished",
            ))),
        }
    }

    pub(crate) async fn finish(
        &mut self,
        store: &dyn ObjectStore,
        path: &Path,
        key: &str,
    ) -> Result<(), VaultError> {
        match std::mem::replace(self, Sink::Done) {
            Sink::Buffer { parts, .. } => {
                let payload: PutPayload = parts.into_iter().collect();
                let create = PutOptions::from(PutMode::Create);
                match store.put_opts(path, payload.clone(), create).await {
                    Ok(_) => Ok(()),
                    Err(object_store::Error::NotImplemented { .. }) => {
                        // A backend without create-if-absent: check, then put.
                        ensure_absent(store, path, key).await?;
                        store
                            .put(path, payload)
                            .await
                            .map(|_| ())
                            .map_err(|e| VaultError::storage(key, e))
                    }
                    Err(e) => Err(VaultError::storage(key, e)),
                }
            }
            Sink::Multipart(mut writer) => {
                if let Err(e) = writer.wait_for_capacity(0).await {
                    let _ = writer.abort().await;
                    return Err(VaultError::storage(key, e));
                }
                // Multipart completion cannot be made conditional through object_store: check
                // once more just before the atomic completion.
                if let Err(e) = ensure_absent(store, path, key).await {
                    let _ = writer.abort().await;
                    return Err(e);
                }
                writer
                    .finish()
                    .await
                    .map(|_| ())
                    .map_err(|e| VaultError::storage(key, e))
            }
            Sink::Done => Ok(()),
        }
    }

    pub(crate) async fn abort(&mut self) {
        if let Sink::Multipart(writer) = std::mem::replace(self, Sink::Done) {
            // Best effort: on failure the local staging file is removed on drop, and S3
            // incomplete uploads are invisible (a bucket lifecycle rule reclaims them).
            let _ = writer.abort().await;
        }
    }
}

pub(crate) async fn ensure_absent(
    store: &dyn ObjectStore,
    path: &Path,
    key: &str,
) -> Result<(), VaultError> {
    match store.head(path).await {
        Ok(_) => Err(VaultError::AlreadyExists {
            key: key.to_owned(),
        }),
        Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(VaultError::storage(key, e)),
    }
}

/// A key being written by this process; released on drop.
pub(crate) struct InFlight {
    set: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl InFlight {
    pub(crate) fn claim(
        set: &Arc<Mutex<HashSet<String>>>,
        key: &str,
    ) -> Result<InFlight, VaultError> {
        let mut guard = set.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !guard.insert(key.to_owned()) {
            return Err(VaultError::AlreadyExists {
                key: key.to_owned(),
            });
        }
        Ok(InFlight {
            set: Arc::clone(set),
            key: key.to_owned(),
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut guard = self
            .set
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.remove(&self.key);
    }
}

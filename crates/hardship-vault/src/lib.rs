//! The evidence vault: barrier documentation, decertification letters, outage records and CMS
//! e-mails kept unaltered, encrypted and retention-locked for an audit that may come 6–10 years
//! later.
//!
//! * Documents are **streamed** in and out in 64 KiB chunks; memory does not grow with their size.
//! * Each document gets a **fresh random 256-bit data key**, wrapped with AES-256-GCM under the
//!   **master key** ([`MasterKey`], from a key file or an environment variable, never stored with
//!   the data).
//! * Chunks are sealed with **AES-256-GCM in the STREAM construction**: the nonce of chunk *i* is
//!   `prefix(7) ‖ i (u32 BE) ‖ last-flag(1)`, so truncation, reordering, chunk swapping and
//!   appending are detected. AES-GCM was chosen over XChaCha20-Poly1305 for AES-NI/PCLMULQDQ
//!   speed (see `benches/vault.rs`).
//! * The whole header — including **tenant and document ids** and the **retain-until date** — is
//!   the associated data of the key wrap *and* of every chunk, so an object copied to another
//!   tenant or document, or with its retention date edited, fails to decrypt.
//! * The **SHA-256 and length of the plaintext** are sealed in a final trailer chunk (only known
//!   at the end of the stream) and returned to the caller, who keeps them in its own record.
//! * **Write once**: keys are `tenants/<tenant>/documents/<document>`; objects that fit in one
//!   upload part are stored with `PutMode::Create` (atomic create-if-absent, on the local file
//!   system a hard link, on S3 `If-None-Match: *`); larger ones go through a multipart upload
//!   after an existence check, which completes atomically (local: a `<key>#<n>` staging file,
//!   invisible to `list` and `get`, renamed into place; S3: `CompleteMultipartUpload`).
//!   A failed or abandoned upload leaves nothing at the key.
//! * **Retention lock**: [`Vault::delete`] refuses before the retain-until date in the
//!   authenticated header.
//!
//! # Object format, version 1
//!
//! All integers big-endian. The object is `header ‖ chunk* ‖ trailer`.
//!
//! | offset | len | field |
//! |---|---|---|
//! | 0 | 8 | magic `HSVAULT\0` |
//! | 8 | 2 | format version = 1 |
//! | 10 | 1 | algorithm = 1 (AES-256-GCM, STREAM, 32-bit counter) |
//! | 11 | 1 | reserved, 0 |
//! | 12 | 4 | chunk size *C* (plaintext bytes per chunk; 65 536 when written) |
//! | 16 | 4 | retain-until date as an i32 day number, 0001-01-01 = 1 (proleptic Gregorian; chrono's `num_days_from_ce`) |
//! | 20 | 16 | tenant uuid |
//! | 36 | 16 | document uuid |
//! | 52 | 7 | STREAM nonce prefix (random) |
//! | 59 | 1 | reserved, 0 |
//! | 60 | 12 | key-wrap nonce (random) |
//! | 72 | 48 | wrapped data key: AES-256-GCM(master key, nonce, data key, aad = bytes 0..72) = 32 + 16 tag |
//!
//! Then the data chunks *i* = 0 … *n*−1: `AES-256-GCM(data key, nonce(i, last = 0), plaintext,
//! aad = header[0..120])` ‖ 16-byte tag. Every data chunk holds exactly *C* plaintext bytes except
//! the last, which holds 1 … *C*; an empty document has no data chunk.
//!
//! Then the trailer: `AES-256-GCM(data key, nonce(n, last = 1), plaintext length (u64) ‖ SHA-256
//! of the plaintext (32), aad = header)` ‖ tag — 56 bytes.
//!
//! The reader derives *n* and the chunk boundaries from the object's size, authenticates the
//! header by unwrapping the data key, then every chunk in order, then the trailer, and finally
//! compares the trailer's length and hash with what it decrypted. Plaintext reaches the caller's
//! writer chunk by chunk as each chunk authenticates; if [`Vault::get`] returns an error (for
//! example truncation, noticed only at the end) the output written so far must be discarded.

mod error;
mod format;
mod key;
mod location;
/// Reading objects back: read-ahead of local files, exact frames.
mod read;
/// The process's TLS provider (ring) for every HTTPS client.
pub mod tls;
/// Writing objects: the upload sink and the in-flight claim.
mod write;

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};

use aes_gcm::Aes256Gcm;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    GetOptions, GetResultPayload, ObjectStore, ObjectStoreExt, PutMultipartOptions, WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use uuid::Uuid;

pub use error::VaultError;
pub use key::MasterKey;
pub use location::{Location, redact_url};

use format::{CHUNK_SIZE, HEADER_LEN, Header, Layout, TRAILER_PLAINTEXT_LEN};
use read::{ExactReader, read_ahead};
use write::{InFlight, Sink, ensure_absent, read_up_to};

/// What the vault stored or read back: the key, the plaintext size and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// The evidence vault over an object store.
pub struct Vault {
    store: Arc<dyn ObjectStore>,
    master: MasterKey,
    /// Ciphertext bytes per upload part; an object smaller than this is stored in one atomic
    /// create-if-absent put.
    part_size: usize,
    /// Keys being written by this process, so two concurrent puts of one key cannot both pass the
    /// existence check of a multipart upload.
    in_flight: Arc<Mutex<HashSet<String>>>,
    location: String,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("location", &self.location)
            .field("store", &self.store.to_string())
            .field("master", &self.master)
            .finish()
    }
}

/// Upload parts in flight per document.
const UPLOAD_CONCURRENCY: usize = 2;

impl Vault {
    /// Opens the vault at `url`: a plain path or `file:///abs/path` (directory created if
    /// missing), or `s3://bucket/prefix?endpoint=..&region=..&allow_http=true` with credentials
    /// from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub fn open(url: &str, master: MasterKey) -> Result<Vault, VaultError> {
        let location = Location::parse(url)?;
        let store = location.build(url)?;
        // S3 needs parts of at least 5 MiB; locally smaller parts keep memory low.
        let part_size = if location.is_s3() {
            8 * 1024 * 1024
        } else {
            2 * 1024 * 1024
        };
        Ok(Vault {
            store,
            master,
            part_size,
            in_flight: Arc::new(Mutex::new(HashSet::new())),
            location: location::redact_url(url),
        })
    }

    /// Uses an existing object store (for tests, or a store the caller built itself).
    /// `part_size` is the multipart part size in bytes (at least 64 KiB; S3 needs 5 MiB or more).
    pub fn with_store(store: Arc<dyn ObjectStore>, master: MasterKey, part_size: usize) -> Vault {
        Vault {
            location: store.to_string(),
            store,
            master,
            part_size: part_size.max(64 * 1024),
            in_flight: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The object key of a document: `tenants/<tenant>/documents/<document>`.
    pub fn key_for(tenant: Uuid, document: Uuid) -> String {
        format!("tenants/{tenant}/documents/{document}")
    }

    /// Streams `body` in, encrypting and hashing; refuses more than `max_bytes` with
    /// [`VaultError::TooLarge`] and leaves nothing behind. Refuses an existing key with
    /// [`VaultError::AlreadyExists`].
    pub async fn put(
        &self,
        tenant: Uuid,
        document: Uuid,
        retain_until: NaiveDate,
        mut body: impl AsyncRead + Unpin + Send,
        max_bytes: u64,
    ) -> Result<StoredObject, VaultError> {
        let key = Self::key_for(tenant, document);
        let path = Path::from(key.as_str());
        let _claim = InFlight::claim(&self.in_flight, &key)?;
        ensure_absent(&*self.store, &path, &key).await?;

        let (header, cipher) = Header::seal(
            self.master.bytes(),
            tenant,
            document,
            retain_until,
            &mut os_random,
        )
        .map_err(|e| VaultError::Io(std::io::Error::other(e)))?;

        let mut sink = Sink::new(self.part_size);
        let result = self
            .encrypt_into(&mut sink, &key, &header, &cipher, &mut body, max_bytes)
            .await;
        match result {
            Ok((size, sha256)) => {
                sink.finish(&*self.store, &path, &key).await?;
                Ok(StoredObject { key, size, sha256 })
            }
            Err(e) => {
                sink.abort().await;
                Err(e)
            }
        }
    }

    async fn encrypt_into(
        &self,
        sink: &mut Sink,
        key: &str,
        header: &Header,
        cipher: &Aes256Gcm,
        body: &mut (impl AsyncRead + Unpin + Send),
        max_bytes: u64,
    ) -> Result<(u64, [u8; 32]), VaultError> {
        sink.push(&*self.store, key, Bytes::copy_from_slice(&header.raw))
            .await?;
        let chunk = CHUNK_SIZE as usize;
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        let mut counter: u32 = 0;
        loop {
            let mut frame = Vec::with_capacity(chunk + format::TAG_LEN);
            let n = read_up_to(body, &mut frame, chunk).await?;
            total += n as u64;
            if total > max_bytes {
                return Err(VaultError::TooLarge { limit: max_bytes });
            }
            if n == 0 {
                break;
            }
            hasher.update(&frame);
            format::seal_chunk(cipher, header, counter, false, &mut frame)
                .map_err(|e| VaultError::tampered(key, e))?;
            sink.push(&*self.store, key, Bytes::from(frame)).await?;
            counter = counter.checked_add(1).ok_or(VaultError::TooLarge {
                limit: u64::from(u32::MAX - 1) * u64::from(CHUNK_SIZE),
            })?;
            if n < chunk {
                break;
            }
        }
        let sha256: [u8; 32] = hasher.finalize().into();
        let mut trailer = Vec::with_capacity(format::TRAILER_LEN);
        trailer.extend_from_slice(&total.to_be_bytes());
        trailer.extend_from_slice(&sha256);
        format::seal_chunk(cipher, header, counter, true, &mut trailer)
            .map_err(|e| VaultError::tampered(key, e))?;
        sink.push(&*self.store, key, Bytes::from(trailer)).await?;
        Ok((total, sha256))
    }

    /// Streams the plaintext out to `out`, verifying every chunk; returns size and SHA-256 (the
    /// caller compares them with its record). On error, discard what was written to `out`.
    pub async fn get(
        &self,
        tenant: Uuid,
        key: &str,
        mut out: impl AsyncWrite + Unpin + Send,
    ) -> Result<StoredObject, VaultError> {
        let stored = self.decrypt(tenant, key, Some(&mut out)).await?;
        out.flush().await?;
        Ok(stored)
    }

    /// Refuses a key that is not `document`'s own object in `tenant` (a record pointed at another
    /// document's object). The object's authenticated header binds the same two ids, so an object
    /// moved under this key fails to decrypt.
    pub fn check_key(&self, tenant: Uuid, document: Uuid, key: &str) -> Result<(), VaultError> {
        let named = parse_key(tenant, key)?;
        if named == document {
            Ok(())
        } else {
            Err(VaultError::tampered(
                key,
                format!("the object belongs to document {named}, not to document {document}"),
            ))
        }
    }

    /// Re-reads and decrypts without keeping the plaintext; checks the object's own trailer and
    /// that its SHA-256 equals `expected_sha256`.
    pub async fn verify(
        &self,
        tenant: Uuid,
        key: &str,
        expected_sha256: &[u8; 32],
    ) -> Result<StoredObject, VaultError> {
        let stored = self
            .decrypt(tenant, key, None::<&mut tokio::io::Sink>)
            .await?;
        if &stored.sha256 != expected_sha256 {
            return Err(VaultError::tampered(
                key,
                format!(
                    "SHA-256 of the stored document is {}, the record expects {}",
                    hex::encode(stored.sha256),
                    hex::encode(expected_sha256)
                ),
            ));
        }
        Ok(stored)
    }

    /// Deletes the object if `now` is on or after its retain-until date; before it, refuses with
    /// [`VaultError::RetentionLocked`]. An object whose header does not authenticate is never
    /// deleted ([`VaultError::Tampered`]).
    pub async fn delete(
        &self,
        tenant: Uuid,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        let until = self.retain_until(tenant, key).await?;
        if now.date_naive() < until {
            return Err(VaultError::RetentionLocked { until });
        }
        self.store
            .delete(&Path::from(key))
            .await
            .map_err(|e| VaultError::storage(key, e))
    }

    /// A secret derived from the master key for another purpose (see [`MasterKey::derive`]).
    pub fn derive_secret(&self, label: &str) -> zeroize::Zeroizing<[u8; 32]> {
        self.master.derive(label)
    }

    /// Every object key under `prefix` (e.g. `tenants/<tenant>/`), sorted.
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<String>, VaultError> {
        let prefix = prefix.map(|p| Path::from(p.trim_end_matches('/')));
        let mut stream = self.store.list(prefix.as_ref());
        let mut keys = Vec::new();
        while let Some(meta) = stream.next().await {
            let meta = meta.map_err(VaultError::Storage)?;
            keys.push(meta.location.to_string());
        }
        keys.sort();
        Ok(keys)
    }

    /// Copies an object's stored bytes (ciphertext, as is) into another vault under the same key, for
    /// backups and restores: the master key never touches the copy, and the copy verifies with the same
    /// key. Refuses to overwrite an existing object at the destination.
    pub async fn copy_raw_to(&self, key: &str, dest: &Vault) -> Result<u64, VaultError> {
        let path = Path::from(key);
        ensure_absent(&*dest.store, &path, key).await?;
        let got = self
            .store
            .get(&path)
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        let mut stream = got.into_stream();
        let upload = dest
            .store
            .put_multipart_opts(&path, PutMultipartOptions::default())
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, dest.part_size);
        let mut copied = 0u64;
        while let Some(bytes) = stream.next().await {
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(VaultError::storage(key, e));
                }
            };
            copied += bytes.len() as u64;
            writer.write(&bytes);
        }
        writer
            .finish()
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        Ok(copied)
    }

    /// The retain-until date from the object's authenticated header.
    pub async fn retain_until(&self, tenant: Uuid, key: &str) -> Result<NaiveDate, VaultError> {
        let document = parse_key(tenant, key)?;
        let path = Path::from(key);
        let meta = self
            .store
            .head(&path)
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        if meta.size < HEADER_LEN as u64 {
            return Err(VaultError::tampered(
                key,
                "object is shorter than its header",
            ));
        }
        let raw = self
            .store
            .get_range(&path, 0..HEADER_LEN as u64)
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        let (header, _) = self.open_header(key, &raw, tenant, document)?;
        Ok(header.retain_until)
    }

    fn open_header(
        &self,
        key: &str,
        raw: &[u8],
        tenant: Uuid,
        document: Uuid,
    ) -> Result<(Header, Aes256Gcm), VaultError> {
        let header = Header::parse(raw).map_err(|e| VaultError::tampered(key, e.0))?;
        let cipher = header
            .open(self.master.bytes())
            .map_err(|e| VaultError::tampered(key, e.0))?;
        if header.tenant != tenant {
            return Err(VaultError::tampered(
                key,
                format!(
                    "object was written for tenant {}, not {tenant}",
                    header.tenant
                ),
            ));
        }
        if header.document != document {
            return Err(VaultError::tampered(
                key,
                format!(
                    "object was written for document {}, not {document}",
                    header.document
                ),
            ));
        }
        Ok((header, cipher))
    }

    async fn decrypt<W: AsyncWrite + Unpin + Send>(
        &self,
        tenant: Uuid,
        key: &str,
        mut out: Option<&mut W>,
    ) -> Result<StoredObject, VaultError> {
        let document = parse_key(tenant, key)?;
        let result = self
            .store
            .get_opts(&Path::from(key), GetOptions::default())
            .await
            .map_err(|e| VaultError::storage(key, e))?;
        let object_size = result.meta.size;
        let stream = match result.payload {
            // object_store streams a local file in 8 KiB blocking reads; read it in 1 MiB blocks
            // on a blocking thread instead, ahead of the decryption.
            GetResultPayload::File(file, _) => read_ahead(file),
            GetResultPayload::Stream(stream) => stream,
        };
        let mut reader = ExactReader::new(stream);
        let mut frame = Vec::with_capacity(CHUNK_SIZE as usize + format::TAG_LEN);

        reader.read(key, &mut frame, HEADER_LEN).await?;
        let (header, cipher) = self.open_header(key, &frame, tenant, document)?;
        let layout = Layout::from_size(object_size, header.chunk_size)
            .map_err(|e| VaultError::tampered(key, e))?;

        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        for i in 0..layout.chunks {
            let len = usize::try_from(layout.frame(i))
                .map_err(|_| VaultError::tampered(key, "chunk too large"))?;
            reader.read(key, &mut frame, len).await?;
            format::open_chunk(&cipher, &header, i, false, &mut frame).map_err(|()| {
                VaultError::tampered(
                    key,
                    format!("chunk {i} failed authentication (altered, reordered or from another object)"),
                )
            })?;
            hasher.update(&frame);
            total += frame.len() as u64;
            if let Some(out) = out.as_mut() {
                out.write_all(&frame).await?;
            }
        }

        reader.read(key, &mut frame, format::TRAILER_LEN).await?;
        format::open_chunk(&cipher, &header, layout.chunks, true, &mut frame).map_err(|()| {
            VaultError::tampered(
                key,
                "final record failed authentication (object truncated, extended or altered)",
            )
        })?;
        reader.expect_end(key).await?;
        if frame.len() != TRAILER_PLAINTEXT_LEN {
            return Err(VaultError::tampered(
                key,
                "final record has the wrong length",
            ));
        }
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&frame[..8]);
        let recorded_len = u64::from_be_bytes(len_bytes);
        let sha256: [u8; 32] = hasher.finalize().into();
        if recorded_len != total {
            return Err(VaultError::tampered(
                key,
                format!("final record says {recorded_len} bytes, the chunks hold {total}"),
            ));
        }
        if frame[8..] != sha256 {
            return Err(VaultError::tampered(
                key,
                "SHA-256 of the decrypted chunks differs from the sealed one",
            ));
        }
        Ok(StoredObject {
            key: key.to_owned(),
            size: total,
            sha256,
        })
    }
}

/// Checks that `key` is `tenants/<tenant>/documents/<uuid>` for this tenant; returns the document.
fn parse_key(tenant: Uuid, key: &str) -> Result<Uuid, VaultError> {
    let invalid = |reason: String| VaultError::InvalidKey {
        key: key.to_owned(),
        reason,
    };
    let mut parts = key.split('/');
    let (Some("tenants"), Some(t), Some("documents"), Some(d), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid(
            "expected tenants/<tenant>/documents/<document>".into(),
        ));
    };
    let key_tenant = Uuid::parse_str(t).map_err(|e| invalid(format!("tenant segment: {e}")))?;
    if key_tenant != tenant {
        return Err(invalid(format!(
            "the key belongs to another tenant than {tenant}"
        )));
    }
    Uuid::parse_str(d).map_err(|e| invalid(format!("document segment: {e}")))
}

fn os_random(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| format!("operating-system randomness failed: {e}"))
}

//! The object format (see the crate documentation for the byte layout) and the AEAD operations on
//! it. Pure functions over byte slices: no I/O here.

use aes_gcm::aead::array::Array;
use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit, Tag};
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;
use zeroize::Zeroizing;

/// First eight bytes of every object.
pub const MAGIC: [u8; 8] = *b"HSVAULT\0";
/// The only format version written and read so far.
pub const VERSION: u16 = 1;
/// Algorithm id 1: AES-256-GCM, STREAM construction with a 32-bit big-endian counter.
pub const ALG_AES256GCM_STREAM_BE32: u8 = 1;
/// Plaintext bytes per chunk written by this version.
pub const CHUNK_SIZE: u32 = 64 * 1024;
/// Largest chunk size a reader accepts (bounds memory before the header is authenticated).
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Length of the fixed header.
pub const HEADER_LEN: usize = 120;
/// Bytes of the header covered by the key wrap's associated data (everything before the wrapped key).
pub const WRAP_AAD_LEN: usize = 72;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Plaintext of the final (trailer) chunk: u64 plaintext length + SHA-256.
pub const TRAILER_PLAINTEXT_LEN: usize = 8 + 32;
/// The trailer chunk as stored.
pub const TRAILER_LEN: usize = TRAILER_PLAINTEXT_LEN + TAG_LEN;

/// The parsed fixed header. `raw` is the exact stored bytes, used as associated data.
#[derive(Clone)]
pub struct Header {
    pub chunk_size: u32,
    pub retain_until: NaiveDate,
    pub tenant: Uuid,
    pub document: Uuid,
    pub stream_prefix: [u8; 7],
    pub raw: [u8; HEADER_LEN],
}

/// Why a header could not be parsed (before any authentication).
#[derive(Debug)]
pub struct HeaderError(pub String);

impl Header {
    /// Builds the header of a new object: fresh stream prefix, fresh data key wrapped under the
    /// master key. Returns the header and the data key's cipher.
    pub fn seal(
        master: &[u8; 32],
        tenant: Uuid,
        document: Uuid,
        retain_until: NaiveDate,
        random: &mut dyn FnMut(&mut [u8]) -> Result<(), String>,
    ) -> Result<(Header, Aes256Gcm), String> {
        let mut raw = [0u8; HEADER_LEN];
        raw[0..8].copy_from_slice(&MAGIC);
        raw[8..10].copy_from_slice(&VERSION.to_be_bytes());
        raw[10] = ALG_AES256GCM_STREAM_BE32;
        raw[11] = 0;
        raw[12..16].copy_from_slice(&CHUNK_SIZE.to_be_bytes());
        raw[16..20].copy_from_slice(&retain_until.num_days_from_ce().to_be_bytes());
        raw[20..36].copy_from_slice(tenant.as_bytes());
        raw[36..52].copy_from_slice(document.as_bytes());
        let mut stream_prefix = [0u8; 7];
        random(&mut stream_prefix)?;
        raw[52..59].copy_from_slice(&stream_prefix);
        raw[59] = 0;
        let mut wrap_nonce = [0u8; 12];
        random(&mut wrap_nonce)?;
        raw[60..72].copy_from_slice(&wrap_nonce);

        let mut data_key = Zeroizing::new([0u8; 32]);
        random(data_key.as_mut_slice())?;
        let mut wrapped = *data_key;
        let kek = Aes256Gcm::new(&Array::from(*master));
        let tag = kek
            .encrypt_inout_detached(
                &Array::from(wrap_nonce),
                &raw[..WRAP_AAD_LEN],
                wrapped.as_mut_slice().into(),
            )
            .map_err(|_| "key wrap failed".to_owned())?;
        raw[72..104].copy_from_slice(&wrapped);
        raw[104..120].copy_from_slice(&tag);
        let header = Header {
            chunk_size: CHUNK_SIZE,
            retain_until,
            tenant,
            document,
            stream_prefix,
            raw,
        };
        Ok((header, Aes256Gcm::new(&Array::from(*data_key))))
    }

    /// Parses the fixed fields. Nothing is trusted until [`Header::open`] succeeds.
    pub fn parse(raw: &[u8]) -> Result<Header, HeaderError> {
        let raw: [u8; HEADER_LEN] = raw
            .get(..HEADER_LEN)
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| HeaderError("object is shorter than its header".into()))?;
        if raw[0..8] != MAGIC {
            return Err(HeaderError("bad magic: not a vault object".into()));
        }
        let version = u16::from_be_bytes([raw[8], raw[9]]);
        if version != VERSION {
            return Err(HeaderError(format!("unknown format version {version}")));
        }
        if raw[10] != ALG_AES256GCM_STREAM_BE32 {
            return Err(HeaderError(format!("unknown algorithm id {}", raw[10])));
        }
        if raw[11] != 0 || raw[59] != 0 {
            return Err(HeaderError("reserved header bytes are not zero".into()));
        }
        let chunk_size = u32::from_be_bytes([raw[12], raw[13], raw[14], raw[15]]);
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(HeaderError(format!("chunk size {chunk_size} out of range")));
        }
        let days = i32::from_be_bytes([raw[16], raw[17], raw[18], raw[19]]);
        let retain_until = NaiveDate::from_num_days_from_ce_opt(days)
            .ok_or_else(|| HeaderError("retain-until is not a date".into()))?;
        let tenant = Uuid::from_slice(&raw[20..36]).map_err(|e| HeaderError(e.to_string()))?;
        let document = Uuid::from_slice(&raw[36..52]).map_err(|e| HeaderError(e.to_string()))?;
        let mut stream_prefix = [0u8; 7];
        stream_prefix.copy_from_slice(&raw[52..59]);
        Ok(Header {
            chunk_size,
            retain_until,
            tenant,
            document,
            stream_prefix,
            raw,
        })
    }

    /// Unwraps the data key, which authenticates every header byte under the master key.
    pub fn open(&self, master: &[u8; 32]) -> Result<Aes256Gcm, HeaderError> {
        let kek = Aes256Gcm::new(&Array::from(*master));
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&self.raw[60..72]);
        let mut data_key = Zeroizing::new([0u8; 32]);
        data_key.copy_from_slice(&self.raw[72..104]);
        let tag =
            Tag::try_from(&self.raw[104..120]).map_err(|_| HeaderError("bad tag length".into()))?;
        kek.decrypt_inout_detached(
            &Array::from(nonce),
            &self.raw[..WRAP_AAD_LEN],
            data_key.as_mut_slice().into(),
            &tag,
        )
        .map_err(|_| {
            HeaderError(
                "the data key did not authenticate: wrong master key, or the header was altered"
                    .into(),
            )
        })?;
        Ok(Aes256Gcm::new(&Array::from(*data_key)))
    }

    /// Nonce of chunk `counter`: stream prefix (7) || counter (u32 BE) || last-chunk flag (1).
    pub fn nonce(&self, counter: u32, last: bool) -> Array<u8, aes_gcm::aead::consts::U12> {
        let mut n = [0u8; 12];
        n[..7].copy_from_slice(&self.stream_prefix);
        n[7..11].copy_from_slice(&counter.to_be_bytes());
        n[11] = u8::from(last);
        Array::from(n)
    }
}

/// Encrypts `frame[..len]` in place and appends the tag (so `frame.len()` becomes `len + 16`).
pub fn seal_chunk(
    cipher: &Aes256Gcm,
    header: &Header,
    counter: u32,
    last: bool,
    frame: &mut Vec<u8>,
) -> Result<(), String> {
    let tag = cipher
        .encrypt_inout_detached(
            &header.nonce(counter, last),
            &header.raw,
            frame.as_mut_slice().into(),
        )
        .map_err(|_| "chunk encryption failed".to_owned())?;
    frame.extend_from_slice(&tag);
    Ok(())
}

/// Authenticates and decrypts a stored chunk in place; on success `frame` holds the plaintext.
pub fn open_chunk(
    cipher: &Aes256Gcm,
    header: &Header,
    counter: u32,
    last: bool,
    frame: &mut Vec<u8>,
) -> Result<(), ()> {
    let body_len = frame.len().checked_sub(TAG_LEN).ok_or(())?;
    let tag = Tag::try_from(&frame[body_len..]).map_err(|_| ())?;
    cipher
        .decrypt_inout_detached(
            &header.nonce(counter, last),
            &header.raw,
            (&mut frame[..body_len]).into(),
            &tag,
        )
        .map_err(|_| ())?;
    frame.truncate(body_len);
    Ok(())
}

/// Sizes of the stored data chunks, computed from the object's total size. `Err` describes why
/// the size cannot be a valid object (a truncation or extension).
pub struct Layout {
    /// Number of data chunks (the trailer's counter).
    pub chunks: u32,
    /// Stored length of a full data chunk.
    pub frame_len: u64,
    /// Stored length of the last data chunk (equal to `frame_len` when it is full).
    pub last_frame_len: u64,
}

impl Layout {
    pub fn from_size(object_size: u64, chunk_size: u32) -> Result<Layout, String> {
        let fixed = (HEADER_LEN + TRAILER_LEN) as u64;
        let body = object_size.checked_sub(fixed).ok_or_else(|| {
            format!("object is {object_size} bytes, shorter than header and trailer: truncated")
        })?;
        let frame_len = u64::from(chunk_size) + TAG_LEN as u64;
        let full = body / frame_len;
        let rem = body % frame_len;
        let (chunks, last_frame_len) = if rem == 0 {
            (full, frame_len)
        } else if rem > TAG_LEN as u64 {
            (full + 1, rem)
        } else {
            return Err(format!(
                "object size {object_size} does not fit the chunk layout: truncated or extended"
            ));
        };
        let chunks = u32::try_from(chunks).map_err(|_| "too many chunks".to_owned())?;
        if chunks == u32::MAX {
            return Err("too many chunks".into());
        }
        Ok(Layout {
            chunks,
            frame_len,
            last_frame_len,
        })
    }

    /// Stored length of data chunk `i`.
    pub fn frame(&self, i: u32) -> u64 {
        if i + 1 == self.chunks {
            self.last_frame_len
        } else {
            self.frame_len
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os_random(buf: &mut [u8]) -> Result<(), String> {
        getrandom::fill(buf).map_err(|e| e.to_string())
    }

    #[test]
    fn header_round_trip_and_every_byte_is_authenticated() {
        let master = [7u8; 32];
        let date = NaiveDate::from_ymd_opt(2033, 12, 31).unwrap();
        let (h, _) = Header::seal(&master, Uuid::nil(), Uuid::max(), date, &mut os_random).unwrap();
        let parsed = Header::parse(&h.raw).unwrap();
        assert_eq!(parsed.retain_until, date);
        assert_eq!(parsed.tenant, Uuid::nil());
        assert_eq!(parsed.document, Uuid::max());
        assert!(parsed.open(&master).is_ok());
        assert!(parsed.open(&[8u8; 32]).is_err());
        for extreme in [NaiveDate::MIN, NaiveDate::MAX] {
            let (h, _) =
                Header::seal(&master, Uuid::nil(), Uuid::nil(), extreme, &mut os_random).unwrap();
            assert_eq!(Header::parse(&h.raw).unwrap().retain_until, extreme);
        }
        for i in 0..HEADER_LEN {
            let mut raw = h.raw;
            raw[i] ^= 0x01;
            if let Ok(p) = Header::parse(&raw) {
                assert!(p.open(&master).is_err(), "flip at byte {i} not detected");
            }
        }
    }

    #[test]
    fn layout_rejects_impossible_sizes() {
        let fixed = (HEADER_LEN + TRAILER_LEN) as u64;
        assert_eq!(Layout::from_size(fixed, 1024).unwrap().chunks, 0);
        assert_eq!(Layout::from_size(fixed + 17, 1024).unwrap().chunks, 1);
        assert_eq!(Layout::from_size(fixed + 1040, 1024).unwrap().chunks, 1);
        assert!(Layout::from_size(fixed + 16, 1024).is_err());
        assert!(Layout::from_size(fixed + 1040 + 5, 1024).is_err());
        assert!(Layout::from_size(fixed - 1, 1024).is_err());
    }
}

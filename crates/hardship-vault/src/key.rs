//! The master key: 32 bytes that wrap every document's data key. Read from a file or an environment
//! variable (64 hex digits or base64 of 32 bytes). It is never stored beside the data, never
//! printed, and zeroed when dropped.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use zeroize::Zeroizing;

use crate::VaultError;

/// The 32-byte master key. `Debug` prints `MasterKey([REDACTED])`.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl MasterKey {
    /// Reads the key from a file holding 64 hex digits or base64 of 32 bytes (surrounding
    /// whitespace ignored). Raw binary is refused on purpose: a 32-character passphrase typed into
    /// the file must not silently become a weak key.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, VaultError> {
        let path = path.as_ref();
        let raw = Zeroizing::new(std::fs::read(path).map_err(|e| {
            VaultError::Key(format!(
                "cannot read master key file {}: {e}",
                path.display()
            ))
        })?);
        decode_text(&raw).map(Self::from_bytes_boxed).ok_or_else(|| {
            VaultError::Key(format!(
                "master key file {} holds {} bytes that are neither 64 hex digits nor base64 of \
                 32 bytes",
                path.display(),
                raw.len()
            ))
        })
    }

    /// Reads the key from environment variable `var` (64 hex digits or base64 of 32 bytes).
    pub fn from_env(var: &str) -> Result<Self, VaultError> {
        let value = Zeroizing::new(std::env::var(var).map_err(|e| {
            VaultError::Key(format!("environment variable {var} is not usable: {e}"))
        })?);
        decode_text(value.as_bytes())
            .map(Self::from_bytes_boxed)
            .ok_or_else(|| {
                VaultError::Key(format!(
                    "environment variable {var} holds {} characters that are neither 64 hex \
                     digits nor base64 of 32 bytes",
                    value.len()
                ))
            })
    }

    /// Wraps 32 bytes the caller already holds.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    fn from_bytes_boxed(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self::from_bytes(*bytes)
    }

    /// A fresh random key from the operating system (for tests and `hardship` set-up).
    pub fn generate() -> Result<Self, VaultError> {
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        getrandom::fill(key.expose_secret_mut())
            .map_err(|e| VaultError::Key(format!("operating-system randomness failed: {e}")))?;
        Ok(Self(key))
    }

    /// The key as 64 lowercase hex digits, to write a new key file during set-up.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.expose_secret()))
    }

    /// A secret for another purpose (e.g. signing form cookies), derived from this key so that every
    /// instance of an installation agrees on it without another secret to distribute:
    /// HMAC-SHA256(master key, label). Different labels give unrelated secrets.
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        use hmac::{Hmac, KeyInit, Mac};
        // HMAC pads a 32-byte key with zeros to its 64-byte block, so giving the padded block is the
        // same key, and the constructor that takes a whole block cannot fail.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..32].copy_from_slice(self.bytes());
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new(&(*block).into());
        mac.update(label.as_bytes());
        Zeroizing::new(mac.finalize().into_bytes().into())
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// Hex (64 digits) or base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
fn decode_text(text: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let text = text.trim_ascii();
    let mut out = Zeroizing::new([0u8; 32]);
    if text.len() == 64 && hex::decode_to_slice(text, out.as_mut_slice()).is_ok() {
        return Some(out);
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        let Ok(decoded) = engine.decode(text) else {
            continue;
        };
        let decoded = Zeroizing::new(decoded);
        if decoded.len() == 32 {
            out.copy_from_slice(&decoded);
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_secrets_are_hmac_sha256_of_the_label() {
        // RFC 4231 test case 2 has a 4-byte key; HMAC zero-pads keys, so our 32-byte key "Jefe" + 28
        // zeros gives the same MAC.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let k = MasterKey::from_bytes(key);
        assert_eq!(
            hex::encode(*k.derive("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(*k.derive("a"), *k.derive("b"));
    }

    #[test]
    fn parses_hex_and_base64() {
        let bytes: [u8; 32] = core::array::from_fn(|i| i as u8 * 7);
        let hex = hex::encode(bytes);
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(*decode_text(hex.as_bytes()).unwrap(), bytes);
        assert_eq!(*decode_text(format!(" {b64}\n").as_bytes()).unwrap(), bytes);
        assert!(decode_text(b"abcd").is_none());
        assert!(decode_text(&hex.as_bytes()[..62]).is_none());
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let key = MasterKey::from_bytes([0xAB; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn file_and_env_errors_name_the_source_not_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, "not-a-key-secretvalue").unwrap();
        let err = MasterKey::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("master.key"), "{err}");
        assert!(!err.contains("secretvalue"), "{err}");

        std::fs::write(&path, format!("{}\n", hex::encode([9u8; 32]))).unwrap();
        assert_eq!(MasterKey::from_file(&path).unwrap().bytes(), &[9u8; 32]);
        std::fs::write(&path, [b'x'; 32]).unwrap();
        assert!(
            MasterKey::from_file(&path).is_err(),
            "raw passphrase refused"
        );

        let err = MasterKey::from_env("HARDSHIP_VAULT_TEST_UNSET_VARIABLE")
            .unwrap_err()
            .to_string();
        assert!(err.contains("HARDSHIP_VAULT_TEST_UNSET_VARIABLE"), "{err}");
    }
}

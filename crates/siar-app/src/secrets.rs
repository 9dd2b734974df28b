//! The master key and the encryption helper for secrets at rest (platform tokens).
//!
//! Ciphertexts look like `v1:<key id>:<base64url(nonce ‖ ciphertext+tag)>` using
//! XChaCha20-Poly1305. The key id lets a deployment rotate keys: new writes use the
//! primary key; reads find the key by id.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "SIAR_SECRET_KEY must be 32 bytes written as 64 hex characters or base64 (generate one with `openssl rand -hex 32`)"
    )]
    BadKey,
    #[error("cannot read or create the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is damaged: it must hold 64 hex characters")]
    DamagedKeyFile(String),
    #[error("the secret was encrypted with key `{0}`, which this deployment does not have")]
    UnknownKey(String),
    #[error("the secret is damaged or was encrypted with another key")]
    Damaged,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The keys of this deployment; the first is the primary.
pub struct Keyring {
    keys: Vec<Key>,
    /// Key for signing URLs, derived from the primary key.
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Keyring")
            .field(
                "key_ids",
                &self.keys.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A short, stable id for a key: the first 8 hex digits of SHA-256 of the key.
fn key_id(bytes: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(bytes)[..4])
}

pub fn parse_key(text: &str) -> Result<[u8; 32], SecretError> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(t).map_err(|_| SecretError::BadKey)?
    } else {
        STANDARD
            .decode(t)
            .or_else(|_| URL_SAFE_NO_PAD.decode(t))
            .map_err(|_| SecretError::BadKey)?
    };
    bytes.try_into().map_err(|_| SecretError::BadKey)
}

impl Keyring {
    pub fn from_keys(primary: [u8; 32], older: &[[u8; 32]]) -> Self {
        let keys = std::iter::once(primary)
            .chain(older.iter().copied())
            .map(|k| Key {
                id: key_id(&k),
                cipher: XChaCha20Poly1305::new(&k.into()),
            })
            .collect();
        let mut h = Sha256::new();
        h.update(b"siar-url-signing-v1");
        h.update(primary);
        Self {
            keys,
            mac_key: h.finalize().into(),
        }
    }

    /// From `SIAR_SECRET_KEY` when given; otherwise from `secret.key` in the data
    /// folder, created with mode 0600 on first start.
    pub fn load(env_key: Option<&str>, data_dir: &Path) -> Result<Self, SecretError> {
        if let Some(k) = env_key.filter(|k| !k.trim().is_empty()) {
            return Ok(Self::from_keys(parse_key(k)?, &[]));
        }
        let path = data_dir.join("secret.key");
        let io = |source| SecretError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = parse_key(&text)
                    .map_err(|_| SecretError::DamagedKeyFile(path.display().to_string()))?;
                Ok(Self::from_keys(key, &[]))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_private(&path, &hex::encode(key)).map_err(io)?;
                Ok(Self::from_keys(key, &[]))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// HMAC-SHA256 of `message`, URL-safe base64: signs expiring media URLs.
    pub fn sign(&self, message: &str) -> String {
        use hmac::Mac;
        // HMAC accepts keys of any length; 32 bytes cannot fail.
        let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(&self.mac_key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(message.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Checks a signature from [`Keyring::sign`] in constant time.
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        use subtle::ConstantTimeEq;
        let want = self.sign(message);
        !want.is_empty() && bool::from(want.as_bytes().ct_eq(signature.as_bytes()))
    }

    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ct = key
            .cipher
            .encrypt(&XNonce::from(nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("v1:{}:{}", key.id, URL_SAFE_NO_PAD.encode(blob))
    }

    pub fn decrypt(&self, sealed: &str) -> Result<String, SecretError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecretError::Damaged);
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecretError::Damaged)?;
        if blob.len() < 24 {
            return Err(SecretError::Damaged);
        }
        let (nonce, ct) = blob.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| SecretError::Damaged)?;
        let pt = key
            .cipher
            .decrypt(&nonce, ct)
            .map_err(|_| SecretError::Damaged)?;
        String::from_utf8(pt).map_err(|_| SecretError::Damaged)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A random token for cookies, CSRF fields and API tokens: 32 bytes, base64url.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 hex of a token: what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rotation() {
        let old = Keyring::from_keys([7; 32], &[]);
        let sealed = old.encrypt("EAAB-page-token");
        assert!(sealed.starts_with(&format!("v1:{}:", old.primary_id())));
        assert!(!sealed.contains("EAAB"));
        assert_eq!(old.decrypt(&sealed).unwrap(), "EAAB-page-token");
        // After rotation the old ciphertext still opens; new ones use the new key.
        let rotated = Keyring::from_keys([9; 32], &[[7; 32]]);
        assert_eq!(rotated.decrypt(&sealed).unwrap(), "EAAB-page-token");
        assert_ne!(rotated.primary_id(), old.primary_id());
        let other = Keyring::from_keys([1; 32], &[]);
        assert!(matches!(
            other.decrypt(&sealed),
            Err(SecretError::UnknownKey(_))
        ));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(old.decrypt(&tampered).is_err());
    }

    #[test]
    fn parses_hex_and_base64_keys() {
        let hexkey = "00".repeat(32);
        assert_eq!(parse_key(&hexkey).unwrap(), [0; 32]);
        assert_eq!(parse_key(&STANDARD.encode([5u8; 32])).unwrap(), [5; 32]);
        assert!(parse_key("short").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Keyring::load(None, dir.path()).unwrap();
        let b = Keyring::load(None, dir.path()).unwrap();
        assert_eq!(a.primary_id(), b.primary_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let env = Keyring::load(Some(&"11".repeat(32)), dir.path()).unwrap();
        assert_ne!(env.primary_id(), a.primary_id());
        std::fs::write(dir.path().join("secret.key"), "junk").unwrap();
        assert!(matches!(
            Keyring::load(None, dir.path()),
            Err(SecretError::DamagedKeyFile(_))
        ));
        assert!(format!("{a:?}").contains("key_ids"));
    }
}

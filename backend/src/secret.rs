//! Secrets the product hands out (manage links, embed keys, calendar-feed
//! secrets, session cookies): 32 random bytes from the operating system's
//! generator as base64url after a prefix that says what they are, stored
//! only as their SHA-256.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// A new secret: `prefix` and 43 base64url characters (256 random bits).
pub fn new_secret(prefix: &str) -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps of a secret: its SHA-256, hex. A fast hash is
/// enough: the secret is 256 random bits, not a password that could be guessed.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets (or their hashes) in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_differ_every_time_and_their_hash_does_not_reveal_them() {
        let (a, b) = (new_secret("dke_"), new_secret("dke_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 43);
        assert!(dk2020_model::credential::CredentialKind::EmbedKey.is_secret_shaped(&a));
        let h = hash(&a);
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash(&a));
        assert!(!h.contains(&a[4..]));
        assert!(same(&a, &a.clone()) && !same(&a, &b) && !same("a", "ab"));
    }
}

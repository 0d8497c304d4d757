//! One-time codes. A verification gets a 128-bit seed from the CSPRNG; its code is derived from
//! that seed under the deployment's secret key (HMAC-SHA256 as a PRF), with rejection sampling
//! so every digit is uniform. The code itself is never stored: a resend derives it again, and a
//! check compares `HMAC(key, sid | code)` against the stored digest in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::sid::{to_hex, Rng, VerificationSid};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of a verification seed.
pub const SEED_BYTES: usize = 16;

/// HMAC-SHA256 under one key, kept as a keyed state so each use skips the key schedule. Its
/// input is a list of parts, each prefixed with its length, so no two lists collide.
#[derive(Clone)]
pub struct KeyedMac(HmacSha256);

impl KeyedMac {
    /// `None` only if HMAC refuses the key, which it never does (any length is accepted).
    pub fn new(key: &[u8]) -> Option<Self> {
        HmacSha256::new_from_slice(key).ok().map(Self)
    }

    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// The secret key behind codes (`CODE_HMAC_KEY`). Never logged: `Debug` hides it.
#[derive(Clone)]
pub struct CodeKey(KeyedMac);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(..)")
    }
}

impl CodeKey {
    /// A key from the secret's text; at least 16 bytes.
    pub fn new(secret: &str) -> Option<Self> {
        // HMAC accepts keys of any length, so only the length rule can refuse.
        (secret.len() >= 16).then(|| KeyedMac::new(secret.as_bytes())).flatten().map(Self)
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.0.mac(parts)
    }

    /// The code of `length` digits for `seed`: uniform, reproducible, never stored.
    pub fn derive_code(&self, seed: &[u8], length: u8) -> String {
        let mut code = String::with_capacity(usize::from(length));
        let mut block: u32 = 0;
        while code.len() < usize::from(length) {
            let bytes = self.mac(&[b"edge-verify/code/v1", seed, &block.to_be_bytes()]);
            for b in bytes {
                // 250 = 25 * 10: bytes 250..=255 would favour 0..5, so they are skipped.
                if b < 250 && code.len() < usize::from(length) {
                    code.push(char::from(b'0' + b % 10));
                }
            }
            block = block.wrapping_add(1);
        }
        code
    }

    /// The stored check value of `code` for verification `sid`, as hex.
    pub fn digest(&self, sid: &VerificationSid, code: &str) -> String {
        to_hex(&self.mac(&[b"edge-verify/check/v1", sid.as_str().as_bytes(), code.as_bytes()]))
    }

    /// Whether `code` matches the stored `digest`, in constant time.
    pub fn matches(&self, sid: &VerificationSid, code: &str, digest: &str) -> bool {
        self.digest(sid, code).as_bytes().ct_eq(digest.as_bytes()).into()
    }

    /// A key for another purpose, derived from this one (`HMAC(key, label)`).
    pub fn derive_key(&self, label: &str) -> [u8; 32] {
        self.mac(&[b"edge-verify/key/v1", label.as_bytes()])
    }

    /// Signs a webhook body: hex HMAC of `timestamp.body` under `secret`.
    pub fn sign_webhook(secret: &str, timestamp: u64, body: &[u8]) -> String {
        let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        to_hex(&mac.finalize().into_bytes())
    }
}

/// A fresh seed from the CSPRNG.
pub fn new_seed(rng: &impl Rng) -> String {
    let mut seed = [0u8; SEED_BYTES];
    rng.fill(&mut seed);
    to_hex(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CodeKey {
        CodeKey::new("0123456789abcdef-test-key").unwrap()
    }

    #[test]
    fn codes_have_the_asked_length_and_are_reproducible() {
        for len in 4..=10 {
            let code = key().derive_code(b"seed", len);
            assert_eq!(code.len(), usize::from(len));
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(code, key().derive_code(b"seed", len));
        }
        assert_ne!(key().derive_code(b"seed-a", 6), key().derive_code(b"seed-b", 6));
        let other = CodeKey::new("another-secret-key-0000").unwrap();
        assert_ne!(key().derive_code(b"seed", 10), other.derive_code(b"seed", 10));
    }

    #[test]
    fn digits_are_uniform_in_every_position() {
        // 20,000 six-digit codes: each digit value appears ~2,000 times per position. A chi-square
        // statistic above 33.7 (9 degrees of freedom, p = 0.0001) would mean a biased generator.
        let k = key();
        let mut counts = [[0u32; 10]; 6];
        for i in 0u32..20_000 {
            let code = k.derive_code(&i.to_be_bytes(), 6);
            for (pos, d) in code.bytes().enumerate() {
                counts[pos][usize::from(d - b'0')] += 1;
            }
        }
        for (pos, row) in counts.iter().enumerate() {
            let expected = 2_000.0;
            let chi2: f64 = row.iter().map(|&c| (f64::from(c) - expected).powi(2) / expected).sum();
            assert!(chi2 < 33.7, "position {pos}: chi2 {chi2:.1} counts {row:?}");
        }
    }

    #[test]
    fn digests_bind_the_code_to_its_verification() {
        let sid = VerificationSid::parse("VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let other = VerificationSid::parse("VEbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap();
        let d = key().digest(&sid, "123456");
        assert_eq!(d.len(), 64);
        assert!(!d.contains("123456"));
        assert!(key().matches(&sid, "123456", &d));
        assert!(!key().matches(&sid, "123457", &d));
        assert!(!key().matches(&other, "123456", &d));
        assert!(!key().matches(&sid, "", &d));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        assert!(CodeKey::new("short").is_none());
        assert_eq!(format!("{:?}", key()), "CodeKey(..)");
    }

    #[test]
    fn webhook_signatures_depend_on_every_input() {
        let a = CodeKey::sign_webhook("s", 1, b"body");
        assert_eq!(a.len(), 64);
        assert_ne!(a, CodeKey::sign_webhook("s", 2, b"body"));
        assert_ne!(a, CodeKey::sign_webhook("t", 1, b"body"));
        assert_ne!(a, CodeKey::sign_webhook("s", 1, b"bodY"));
    }
}

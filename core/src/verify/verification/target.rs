//! Naming a verification's target (a service and a `To`) without Workers KV. The coordinator of
//! a target is the Durable Object named by a keyed hash of the pair, and a verification's SID
//! carries that hash: the SID is a keyed 128-bit permutation (a four-round Feistel network over
//! HMAC-SHA256) of the 96-bit target id and 32 random bits. So a check, fetch or update by SID
//! finds its coordinator from the SID alone, with no eventually consistent lookup; SIDs still
//! look random and do not reveal which of them share a recipient; a forged SID leads to a
//! coordinator that holds nothing (404). Object names never contain a phone number or an email.

use crate::code::{CodeKey, KeyedMac};
use crate::sid::{to_hex, Rng, ServiceSid, VerificationSid};

const TARGET_BYTES: usize = 12;
const ROUNDS: u8 = 4;

/// The key behind target ids and SIDs, derived from `CODE_HMAC_KEY` (rotating that key also
/// renames every target: live verifications are lost, as their codes already are).
#[derive(Clone)]
pub struct TargetKey(KeyedMac);

impl std::fmt::Debug for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TargetKey(..)")
    }
}

/// A target's id: the name of its coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetId([u8; TARGET_BYTES]);

impl TargetId {
    /// The coordinator's object name: 24 hex digits.
    pub fn name(&self) -> String {
        to_hex(&self.0)
    }
}

impl TargetKey {
    /// The target key of a code key (`None` only if HMAC refused a 32-byte key, which it never does).
    pub fn new(code_key: &CodeKey) -> Option<Self> {
        KeyedMac::new(&code_key.derive_key("verification-target")).map(Self)
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.0.mac(parts)
    }

    pub fn target(&self, service: &ServiceSid, to: &str) -> TargetId {
        let digest = self.mac(&[b"target", service.as_str().as_bytes(), to.as_bytes()]);
        let mut id = [0u8; TARGET_BYTES];
        id.copy_from_slice(digest.get(..TARGET_BYTES).unwrap_or(&[0; TARGET_BYTES]));
        TargetId(id)
    }

    fn round(&self, round: u8, half: &[u8; 8]) -> [u8; 8] {
        let digest = self.mac(&[b"sid", &[round], half]);
        let mut out = [0u8; 8];
        out.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        out
    }

    fn halves(block: &[u8; 16]) -> ([u8; 8], [u8; 8]) {
        let (mut left, mut right) = ([0u8; 8], [0u8; 8]);
        left.copy_from_slice(block.get(..8).unwrap_or(&[0; 8]));
        right.copy_from_slice(block.get(8..).unwrap_or(&[0; 8]));
        (left, right)
    }

    fn join(left: [u8; 8], right: [u8; 8]) -> [u8; 16] {
        let mut block = [0u8; 16];
        block.iter_mut().zip(left.iter().chain(right.iter())).for_each(|(b, v)| *b = *v);
        block
    }

    fn xor(a: [u8; 8], b: [u8; 8]) -> [u8; 8] {
        let mut out = a;
        out.iter_mut().zip(b).for_each(|(x, y)| *x ^= y);
        out
    }

    /// A new SID for a verification of `target`.
    pub fn new_sid(&self, target: &TargetId, rng: &impl Rng) -> VerificationSid {
        let mut nonce = [0u8; 16 - TARGET_BYTES];
        rng.fill(&mut nonce);
        let mut block = [0u8; 16];
        block.iter_mut().zip(target.0.iter().chain(nonce.iter())).for_each(|(b, v)| *b = *v);
        let (mut left, mut right) = Self::halves(&block);
        for round in 0..ROUNDS {
            (left, right) = (right, Self::xor(left, self.round(round, &right)));
        }
        VerificationSid::from_bytes(&Self::join(left, right))
    }

    /// The target a SID was made for (any SID decodes to some target; a forged one to a target
    /// that holds nothing).
    pub fn target_of(&self, sid: &VerificationSid) -> TargetId {
        let (mut left, mut right) = Self::halves(&sid.bytes());
        for round in (0..ROUNDS).rev() {
            (left, right) = (Self::xor(right, self.round(round, &left)), left);
        }
        let block = Self::join(left, right);
        let mut id = [0u8; TARGET_BYTES];
        id.copy_from_slice(block.get(..TARGET_BYTES).unwrap_or(&[0; TARGET_BYTES]));
        TargetId(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sid::tests::CountingRng;
    use std::cell::Cell;

    fn key() -> TargetKey {
        TargetKey::new(&CodeKey::new("target-test-key-0000").unwrap()).unwrap()
    }

    #[test]
    fn sids_name_their_target_and_look_unrelated() {
        let k = key();
        let rng = CountingRng(Cell::new(7));
        let service = ServiceSid::example();
        let target = k.target(&service, "+14155550100");
        let a = k.new_sid(&target, &rng);
        let b = k.new_sid(&target, &rng);
        assert_ne!(a, b);
        assert_eq!(k.target_of(&a), target);
        assert_eq!(k.target_of(&b), target);
        let shared = a.as_str().bytes().zip(b.as_str().bytes()).take_while(|(x, y)| x == y).count();
        assert!(shared < 8, "SIDs of one target share no visible prefix: {a} {b}");
        assert_ne!(k.target(&service, "+14155550101"), target);
        assert_ne!(k.target(&ServiceSid::parse("VAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap(), "+14155550100"), target);
        let other = TargetKey::new(&CodeKey::new("another-key-0000000").unwrap()).unwrap();
        assert_ne!(other.target_of(&a), target, "the key matters");
        assert_eq!(target.name().len(), 24);
        assert!(!target.name().contains("4155550100"));
    }
}

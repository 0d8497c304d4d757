//! The limiter port: one method, the transport of a [`LimitCommand`] to a shard's single writer
//! (a `Limiter` Durable Object in the worker, a map in host tests), which runs it with
//! [`super::shard::execute`]. Shards are named by a keyed hash of what they count, so no object
//! name holds a phone number, an email or an IP.

use super::shard::{LimitCommand, LimitReply};
use crate::code::{CodeKey, KeyedMac};
use crate::error::ApiError;
use crate::sid::to_hex;

/// A shard's object name: 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardName(pub String);

/// The key behind shard names and destination hashes, derived from `CODE_HMAC_KEY`.
#[derive(Clone)]
pub struct ShardKey(KeyedMac);

impl std::fmt::Debug for ShardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShardKey(..)")
    }
}

impl ShardKey {
    pub fn new(code_key: &CodeKey) -> Option<Self> {
        KeyedMac::new(&code_key.derive_key("limiter-shard")).map(Self)
    }

    /// The shard that counts `label` (e.g. `px|AC...|+4477009`).
    pub fn shard(&self, label: &str) -> ShardName {
        let digest = self.0.mac(&[b"shard", label.as_bytes()]);
        ShardName(to_hex(digest.get(..16).unwrap_or_default()))
    }

    /// A keyed 64-bit hash of `what` (never 0, which means "none").
    pub fn hash(&self, what: &str) -> u64 {
        let digest = self.0.mac(&[b"hash", what.as_bytes()]);
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        u64::from_le_bytes(bytes).max(1)
    }
}

/// Talks to the single writer of each limiter shard.
#[allow(async_fn_in_trait)]
pub trait Limiter {
    /// Delivers `command` to `shard` and returns its reply. Errors are transport failures (500).
    async fn send(&self, shard: &ShardName, command: LimitCommand) -> Result<LimitReply, ApiError>;
    /// Delivers `command` after the response (`ctx.waitUntil` in the worker); a failure is logged.
    fn send_later(&self, shard: &ShardName, command: LimitCommand);
}

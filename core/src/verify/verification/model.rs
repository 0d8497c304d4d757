//! A verification as its coordinator keeps it (with the seed and digest that never leave the
//! coordinator), and the public view of it that does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::channel::Channel;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;

/// Sends allowed per verification; the next start is 429 60203.
pub const MAX_SENDS: usize = 5;
/// Checks allowed per verification; the next check is 429 60202.
pub const MAX_CHECKS: u8 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationStatus"))]
pub enum Status {
    /// Waiting for the right code.
    Pending,
    /// The right code was given, or the caller approved it.
    Approved,
    Canceled,
    /// Five wrong codes.
    MaxAttemptsReached,
}

/// Sends to one target allowed per hour and per day, across its verifications: what bounds
/// cancel-and-start-again cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendLimits {
    pub per_hour: u32,
    pub per_day: u32,
}

/// What the fraud guard needs to credit an approval: the destination's keyed hash and the
/// shards that judged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardNote {
    pub dest: u64,
    pub shards: Vec<String>,
}

/// One delivery of the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAttempt {
    pub attempt_sid: AttemptSid,
    pub channel: Channel,
    pub time: Timestamp,
}

/// What leaves the coordinator: everything but the seed, the digest and the start's options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationView {
    pub sid: VerificationSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub channel: Channel,
    pub status: Status,
    pub amount: Option<String>,
    pub payee: Option<String>,
    pub send_attempts: Vec<SendAttempt>,
    pub checks: u8,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
    pub expires_at: Timestamp,
    /// The fraud guard's notes, for crediting an approval; never shown to callers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardNote>,
    /// Whether its service had webhooks when it was (re)sent: only then are its events handed to
    /// the event outbox (a check reads no storage, so the flag travels with the verification).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub events: bool,
}

/// The coordinator's state of one target (a service and a `To`): the public view, and what
/// never leaves the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub public: VerificationView,
    /// Hex CSPRNG seed the code derives from (empty for custom codes and once finished).
    pub seed: String,
    /// Hex `HMAC(key, sid | code)` (empty once finished).
    pub code_digest: String,
    /// Digits of a derived code.
    pub code_length: u8,
    /// Whether the caller supplied the code.
    pub custom_code: bool,
    /// The `Locale` asked for.
    pub locale: Option<String>,
    /// `RateLimits` keys and values, kept for rate limit enforcement.
    pub rate_limits: Option<Map<String, Value>>,
    pub tags: Option<Map<String, Value>>,
    /// The client token that started it (or took it over by a resend); `None`: a backend's
    /// credentials, and then no page's token reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starter: Option<String>,
}
impl Verification {
    pub fn view(&self) -> VerificationView {
        self.public.clone()
    }
}

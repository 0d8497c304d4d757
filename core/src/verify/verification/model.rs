//! A verification as its coordinator keeps it (with the seed and digest that never leave the
//! coordinator), and the public view of it that does.

use std::net::IpAddr;

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
    /// The channel fallback its last SMS armed (see `verification::fallback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

/// What an SMS start arms a channel fallback with: when, and what the later send needs to pass
/// the guard as the start did (the target object sends it through itself, with no request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallbackPlan {
    pub after_seconds: u64,
    /// The target's object name (`TargetId::name`): the object knows itself by it.
    pub target: String,
    /// The client the start's guard judged: its IP, whether that was a `DeviceIp`, its country.
    pub client_ip: Option<IpAddr>,
    pub end_user: bool,
    pub client_country: Option<String>,
    /// The worker's origin, for the status callback URL.
    pub origin: String,
    pub friendly_name: Option<String>,
}

impl FallbackPlan {
    /// When the fallback of an SMS sent at `sent` is due. Times are whole seconds: one more, so
    /// it never comes before the full delay.
    pub fn due_after(&self, sent: Timestamp) -> Timestamp {
        sent.plus_seconds(self.after_seconds + 1)
    }
}

/// A verification's fallback: the plan its last SMS armed, when it is due (`None`: not armed,
/// as after a send by another channel), and whether it was sent (it is sent at most once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallback {
    pub plan: FallbackPlan,
    pub due: Option<Timestamp>,
    pub fired: bool,
}

/// A due fallback, taken by the target's alarm: what its send needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackJob {
    pub plan: FallbackPlan,
    pub sid: VerificationSid,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub to: String,
    pub locale: Option<String>,
    pub rate_limits: Option<Map<String, Value>>,
}

impl Fallback {
    /// Arms the fallback after an SMS (from now, unless it was sent already); a send by another
    /// channel disarms it (kept, to be armed again if that send is undone), an SMS without a
    /// plan (the service switched it off) drops it, unless it was sent.
    pub fn arm(slot: &mut Option<Self>, plan: Option<FallbackPlan>, channel: Channel, now: Timestamp) {
        let fired = slot.as_ref().is_some_and(|f| f.fired);
        match plan {
            Some(plan) if channel == Channel::Sms && !fired => {
                let due = Some(plan.due_after(now));
                *slot = Some(Self { plan, due, fired });
            }
            None if channel == Channel::Sms && !fired => *slot = None,
            _ => {
                if let Some(f) = slot.as_mut() {
                    f.due = None;
                }
            }
        }
    }

    /// Armed again after a send was undone (refused by a limit, or its delivery failed): due
    /// after the last send still standing if that was an SMS, as if the undone send had never
    /// been asked for; a fallback already sent stays sent.
    pub fn restore(slot: &mut Option<Self>, last: &SendAttempt) {
        if let Some(f) = slot.as_mut().filter(|f| !f.fired) {
            f.due = (last.channel == Channel::Sms).then(|| f.plan.due_after(last.time));
        }
    }
}

impl Verification {
    pub fn view(&self) -> VerificationView {
        self.public.clone()
    }

    /// When its fallback is due, while it is pending and the fallback armed and not sent.
    pub fn fallback_due(&self) -> Option<Timestamp> {
        let f = self.fallback.as_ref().filter(|f| !f.fired && self.public.status == Status::Pending)?;
        f.due
    }

    /// Takes its fallback if it is due: marked sent from now on (whatever becomes of its send,
    /// it is tried once), and what its send needs.
    pub fn take_fallback(&mut self, now: Timestamp) -> Option<FallbackJob> {
        if self.fallback_due().is_none_or(|due| now < due) {
            return None;
        }
        let f = self.fallback.as_mut()?;
        f.fired = true;
        f.due = None;
        let v = &self.public;
        Some(FallbackJob {
            plan: f.plan.clone(),
            sid: v.sid.clone(),
            account_sid: v.account_sid.clone(),
            service_sid: v.service_sid.clone(),
            to: v.to.clone(),
            locale: self.locale.clone(),
            rate_limits: self.rate_limits.clone(),
        })
    }
}

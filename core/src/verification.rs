//! A verification: its channel, recipient, status and send attempts, and the two resource shapes
//! (`verification` and `verification_check`) it is shown as.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::phone::E164;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;

/// Sends allowed per verification; the next start is 429 60203.
pub const MAX_SENDS: usize = 5;
/// Checks allowed per verification; the next check is 429 60202.
pub const MAX_CHECKS: u8 = 5;

/// How a code is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Text message.
    Sms,
    /// Voice call.
    Call,
    /// Email.
    Email,
    /// WhatsApp message.
    Whatsapp,
}

impl Channel {
    /// Every channel, in the order they are documented.
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Call, Channel::Email, Channel::Whatsapp];

    /// Parses `Channel`: `sms`, `call`, `email`, `whatsapp`, or `auto` (sms).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "sms" | "auto" => Ok(Self::Sms),
            "call" => Ok(Self::Call),
            "email" => Ok(Self::Email),
            "whatsapp" => Ok(Self::Whatsapp),
            "sna" => Err(ApiError::invalid("Channel", "sna (silent network authentication) needs carrier integration and is not supported; use sms, call, email or whatsapp")),
            _ => Err(ApiError::invalid("Channel", "must be one of: sms, call, email, whatsapp, auto")),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
        }
    }

    /// The name in `send_code_attempts`, as Twilio's examples write it.
    fn attempt_label(self) -> &'static str {
        match self {
            Self::Sms => "SMS",
            Self::Call => "CALL",
            Self::Email => "EMAIL",
            Self::Whatsapp => "whatsapp",
        }
    }
}

/// Parses `To` for `channel`: an email address for email, E.164 otherwise. Email addresses are
/// lower-cased so the same inbox is one verification target.
pub fn parse_recipient(to: &str, channel: Channel) -> Result<String, ApiError> {
    if channel == Channel::Email {
        parse_email(to).ok_or_else(|| ApiError::invalid("To", "must be an email address for Channel=email"))
    } else {
        E164::parse(to)
            .map(|n| n.as_str().to_owned())
            .ok_or_else(|| ApiError::invalid("To", "must be a phone number in E.164 form, e.g. +14155550100"))
    }
}

/// A `To` of unknown channel (a check, or a path `{Sid}` that is not a SID): E.164 or email,
/// normalised as when the verification was started.
pub fn parse_any_recipient(text: &str) -> Option<String> {
    E164::parse(text).map(|n| n.as_str().to_owned()).or_else(|| parse_email(text))
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn parse_email(text: &str) -> Option<String> {
    let (local, domain) = text.split_once('@')?;
    let ok = text.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
        && !domain.contains('@');
    ok.then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// Where a verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the right code.
    Pending,
    /// The right code was given, or the caller approved it.
    Approved,
    /// The caller canceled it.
    Canceled,
    /// Five wrong codes.
    MaxAttemptsReached,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Canceled => "canceled",
            Self::MaxAttemptsReached => "max_attempts_reached",
        }
    }
}

/// One delivery of the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAttempt {
    /// `VL...`
    pub attempt_sid: AttemptSid,
    /// The channel used.
    pub channel: Channel,
    /// When.
    pub time: Timestamp,
}

/// A verification as the target's coordinator keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// `VE...`
    pub sid: VerificationSid,
    /// The service.
    pub service_sid: ServiceSid,
    /// The account.
    pub account_sid: AccountSid,
    /// Phone number or email address.
    pub to: String,
    /// The latest channel.
    pub channel: Channel,
    /// Where it stands.
    pub status: Status,
    /// Hex CSPRNG seed the code derives from (empty for custom codes and once finished).
    pub seed: String,
    /// Hex `HMAC(key, sid | code)` (empty once finished).
    pub code_digest: String,
    /// Digits of a derived code.
    pub code_length: u8,
    /// Whether the caller supplied the code.
    pub custom_code: bool,
    /// PSD2 amount.
    pub amount: Option<String>,
    /// PSD2 payee.
    pub payee: Option<String>,
    /// Deliveries so far.
    pub send_attempts: Vec<SendAttempt>,
    /// Checks so far.
    pub checks: u8,
    /// The `Locale` asked for.
    pub locale: Option<String>,
    /// `RateLimits` keys and values, kept for rate limit enforcement.
    #[serde(default)]
    pub rate_limits: Option<serde_json::Map<String, Value>>,
    /// `Tags`.
    #[serde(default)]
    pub tags: Option<serde_json::Map<String, Value>>,
    /// When it was made.
    pub date_created: Timestamp,
    /// When it last changed.
    pub date_updated: Timestamp,
    /// When it stops being valid.
    pub expires_at: Timestamp,
}

impl Verification {
    /// The fields the `verification` and `verification_check` resources share.
    fn common_json(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        for (name, value) in [
            ("sid", json!(self.sid)),
            ("service_sid", json!(self.service_sid)),
            ("account_sid", json!(self.account_sid)),
            ("to", json!(self.to)),
            ("channel", json!(self.channel)),
            ("status", json!(self.status.as_str())),
            ("valid", json!(self.status == Status::Approved)),
            ("amount", json!(self.amount)),
            ("payee", json!(self.payee)),
            ("date_created", json!(self.date_created.iso8601())),
            ("date_updated", json!(self.date_updated.iso8601())),
        ] {
            fields.insert(name.into(), value);
        }
        fields
    }

    /// The `verification` resource.
    pub fn to_json(&self, origin: &str) -> Value {
        let mut fields = self.common_json();
        let attempts: Vec<Value> = self
            .send_attempts
            .iter()
            .map(|a| json!({ "attempt_sid": a.attempt_sid, "channel": a.channel.attempt_label(), "time": a.time.iso8601() }))
            .collect();
        fields.insert("lookup".into(), json!({}));
        fields.insert("send_code_attempts".into(), Value::Array(attempts));
        fields.insert("sna".into(), Value::Null);
        fields.insert("url".into(), json!(format!("{origin}/v2/Services/{}/Verifications/{}", self.service_sid, self.sid)));
        Value::Object(fields)
    }

    /// The `verification_check` resource.
    pub fn check_json(&self) -> Value {
        let mut fields = self.common_json();
        fields.insert("sna_attempts_error_codes".into(), Value::Null);
        Value::Object(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_parse_with_auto_as_sms_and_sna_refused() {
        assert_eq!(Channel::parse("auto").unwrap(), Channel::Sms);
        assert_eq!(Channel::parse("whatsapp").unwrap(), Channel::Whatsapp);
        let sna = Channel::parse("sna").unwrap_err();
        assert_eq!(sna.parameter(), Some("Channel"));
        assert!(sna.to_string().contains("sna"));
        assert_eq!(Channel::parse("SMS").unwrap_err().parameter(), Some("Channel"));
    }

    #[test]
    fn recipients_follow_the_channel() {
        assert_eq!(parse_recipient("+14155550100", Channel::Sms).unwrap(), "+14155550100");
        assert_eq!(parse_recipient("Ann@Example.COM", Channel::Email).unwrap(), "Ann@example.com");
        for (to, ch) in [("14155550100", Channel::Sms), ("a@b.c", Channel::Call), ("+1415", Channel::Whatsapp), ("no-at", Channel::Email), ("a b@c.de", Channel::Email), ("a@b", Channel::Email), ("a@.b", Channel::Email)] {
            assert_eq!(parse_recipient(to, ch).unwrap_err().parameter(), Some("To"), "{to}");
        }
    }
}

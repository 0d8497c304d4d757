//! Twilio's status callbacks: a send through Twilio names a URL on this worker
//! (`/v1/callbacks/twilio/{VL or SM}`), Twilio posts each status change there, signed with
//! `X-Twilio-Signature` (base64 HMAC-SHA1 under the sending account's auth token of the URL
//! followed by every form parameter's name and value, sorted by name), and the worker records the
//! status on the send: a verification's attempt or a Messages API message.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Where Twilio posts the status of the send `sid`, under the worker's public `origin`.
pub fn callback_url(origin: &str, sid: &str) -> String {
    format!("{}/v1/callbacks/twilio/{sid}", origin.trim_end_matches('/'))
}

/// Twilio's request signature of a form POST to `url`.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else { return String::new() };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature of this request, compared in constant time.
pub fn signature_valid(auth_token: &str, url: &str, params: &[(String, String)], given: &str) -> bool {
    let expected = twilio_signature(auth_token, url, params);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.trim().as_bytes()))
}

/// A send's delivery status, in Twilio Messaging's words (calls are mapped onto them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Queued,
    Sending,
    Sent,
    Undelivered,
    Failed,
    Delivered,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Delivered => "delivered",
        }
    }

    /// Its order: 0 queued to 2 sent, then the final ones (3 undelivered, 4 failed, 5
    /// delivered), as stored beside attempts (migrations/0002_delivery_status.sql).
    pub fn rank(self) -> u64 {
        match self {
            Self::Queued => 0,
            Self::Sending => 1,
            Self::Sent => 2,
            Self::Undelivered => 3,
            Self::Failed => 4,
            Self::Delivered => 5,
        }
    }

    /// Twilio's `MessageStatus` or `CallStatus`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "accepted" | "scheduled" | "queued" | "initiated" | "ringing" => Self::Queued,
            "sending" | "in-progress" => Self::Sending,
            "sent" => Self::Sent,
            "delivered" | "read" | "completed" => Self::Delivered,
            "undelivered" | "busy" | "no-answer" => Self::Undelivered,
            "failed" | "canceled" => Self::Failed,
            _ => return None,
        })
    }

    /// Whether the send is over (callbacks arrive out of order: a final status is kept).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::Undelivered | Self::Failed)
    }

    /// The status after `next` arrives: never back from a final one, never back in the queue.
    pub fn then(self, next: Self) -> Self {
        if self.is_final() || (next < self && !next.is_final()) {
            self
        } else {
            next
        }
    }
}

/// What a status callback says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The sending (sub)account: whose auth token signed it.
    pub account_sid: String,
    pub status: DeliveryStatus,
    /// Twilio's error code (30003 unreachable, 30005 unknown handset, 30007 filtered...).
    pub error_code: Option<u32>,
}

impl StatusReport {
    /// Reads a callback's form; `None` when it is not a status callback.
    pub fn parse(params: &[(String, String)]) -> Option<Self> {
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let status = get("MessageStatus").or_else(|| get("SmsStatus")).or_else(|| get("CallStatus"))?;
        Some(Self {
            account_sid: get("AccountSid")?.to_owned(),
            status: DeliveryStatus::parse(status)?,
            error_code: get("ErrorCode").and_then(|c| c.parse().ok()).filter(|c| *c > 0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn signs_as_twilios_documentation_example() {
        // Twilio's published example (docs "Webhooks security"): auth token 12345, this URL and
        // these parameters sign to 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = pairs(&[("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"), ("To", "+18005551212")]);
        assert_eq!(twilio_signature("12345", url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signature_valid("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!signature_valid("12346", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!signature_valid("12345", url, &params[1..], "0/KCTR6DLpKmkAf8muzZqo1nDgQ="), "a parameter removed");
        assert!(!signature_valid("12345", url, &params, ""));
    }

    #[test]
    fn statuses_never_go_back() {
        use DeliveryStatus::*;
        assert_eq!(Queued.then(Sent).then(Delivered), Delivered);
        assert_eq!(Delivered.then(Sent), Delivered, "a late 'sent' after 'delivered'");
        assert_eq!(Sent.then(Queued), Sent);
        assert_eq!(Sent.then(Undelivered), Undelivered);
        assert_eq!(Failed.then(Delivered), Failed);
        assert_eq!(DeliveryStatus::parse("completed"), Some(Delivered));
        assert_eq!(DeliveryStatus::parse("no-answer"), Some(Undelivered));
        assert_eq!(DeliveryStatus::parse("bogus"), None);
    }

    #[test]
    fn reads_a_message_status_callback() {
        let report = StatusReport::parse(&pairs(&[("AccountSid", "ACx"), ("MessageSid", "SM1"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")])).unwrap();
        assert_eq!(report, StatusReport { account_sid: "ACx".into(), status: DeliveryStatus::Undelivered, error_code: Some(30003) });
        assert!(StatusReport::parse(&pairs(&[("AccountSid", "ACx")])).is_none());
    }
}

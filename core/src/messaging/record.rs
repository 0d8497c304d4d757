//! A sent message as kept: its metadata, never its body (which carries the caller's code).

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::delivery::callback::DeliveryStatus;
use crate::sid::{AccountSid, MessageSid, MessagingServiceSid, Rng};
use crate::time::Timestamp;
use crate::verify::verification::model::GuardNote;

/// How long a message's metadata is kept.
pub const MESSAGE_RETENTION_SECONDS: u64 = 30 * 86_400;

/// A message's metadata. Short field names: the record also rides as KV list metadata (1 KiB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    #[serde(rename = "s")]
    pub sid: MessageSid,
    #[serde(rename = "a")]
    pub account_sid: AccountSid,
    #[serde(rename = "c")]
    pub channel: Channel,
    /// E.164, without a `whatsapp:` prefix.
    #[serde(rename = "t")]
    pub to: String,
    /// The sender as the caller gave it.
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub messaging_service_sid: Option<MessagingServiceSid>,
    #[serde(rename = "st")]
    pub status: DeliveryStatus,
    #[serde(rename = "n")]
    pub num_segments: u32,
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    #[serde(rename = "d")]
    pub date_created: Timestamp,
    #[serde(rename = "u")]
    pub date_updated: Timestamp,
    /// What the fraud guard needs to credit a confirmed message (value only, not metadata).
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardNote>,
    /// The caller's `StatusCallback` (value only).
    #[serde(rename = "cb", default, skip_serializing_if = "Option::is_none")]
    pub status_callback: Option<String>,
    /// `confirmed`/`unconfirmed` once feedback was given (value only).
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<bool>,
    #[serde(rename = "od", default, skip_serializing_if = "Option::is_none")]
    pub outcome_date: Option<Timestamp>,
    /// Whether a confirmation already credited the fraud guard (value only).
    #[serde(rename = "cr", default, skip_serializing_if = "std::ops::Not::not")]
    pub credited: bool,
}

impl MessageRecord {
    /// What a listing needs, small enough for KV list metadata.
    pub fn summary(&self) -> Self {
        Self { guard: None, status_callback: None, outcome: None, outcome_date: None, credited: false, ..self.clone() }
    }

    /// `To` as Twilio shows it.
    pub fn to_address(&self) -> String {
        match self.channel {
            Channel::Whatsapp => format!("whatsapp:{}", self.to),
            _ => self.to.clone(),
        }
    }
}

/// A new message SID: four bytes counting down from 2106 (newer messages sort first under one
/// prefix, which is the order a list returns) and twelve random bytes.
pub fn new_message_sid(now: Timestamp, rng: &impl Rng) -> MessageSid {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    let countdown = u32::MAX.saturating_sub(u32::try_from(now.unix_seconds()).unwrap_or(u32::MAX));
    for (byte, stamp) in bytes.iter_mut().zip(countdown.to_be_bytes()) {
        *byte = stamp;
    }
    MessageSid::from_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sid::tests::CountingRng;
    use std::cell::Cell;

    #[test]
    fn newer_messages_sort_first_and_sids_are_distinct() {
        let rng = CountingRng(Cell::new(1));
        let old = new_message_sid(Timestamp::from_unix_seconds(1_000), &rng);
        let new = new_message_sid(Timestamp::from_unix_seconds(2_000), &rng);
        let same = new_message_sid(Timestamp::from_unix_seconds(2_000), &rng);
        assert!(new < old, "{new} sorts before {old}");
        assert_ne!(new, same);
        assert!(MessageSid::parse(new.as_str()).is_some());
    }

    #[test]
    fn a_summary_fits_kv_metadata_and_leaves_out_the_rest() {
        let rng = CountingRng(Cell::new(1));
        let record = MessageRecord {
            sid: new_message_sid(Timestamp::from_unix_seconds(1_800_000_000), &rng),
            account_sid: AccountSid::example(),
            channel: Channel::Whatsapp,
            to: "+447700900123456".into(),
            from: Some("whatsapp:+447700900123456".into()),
            messaging_service_sid: Some(MessagingServiceSid::example()),
            status: DeliveryStatus::Undelivered,
            num_segments: 11,
            error_code: Some(30008),
            date_created: Timestamp::from_unix_seconds(1_800_000_000),
            date_updated: Timestamp::from_unix_seconds(1_800_000_000),
            guard: Some(GuardNote { dest: u64::MAX, shards: vec!["a".repeat(32); 3] }),
            status_callback: Some(format!("https://{}", "x".repeat(990))),
            outcome: Some(true),
            outcome_date: Some(Timestamp::from_unix_seconds(1_800_000_000)),
            credited: true,
        };
        let text = serde_json::to_string(&record.summary()).unwrap();
        assert!(text.len() < 400, "{} bytes: {text}", text.len());
        assert!(!text.contains("xxx") && !text.contains("\"g\""));
        assert_eq!(record.to_address(), "whatsapp:+447700900123456");
        let back: MessageRecord = serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
        assert_eq!(back, record);
    }
}

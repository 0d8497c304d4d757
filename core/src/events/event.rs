//! The events: their types (Twilio's names, which webhooks may subscribe to, and edge-verify's
//! verification events, which it emits) and the JSON body a webhook receives.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::sid::{AccountSid, AttemptSid, EventSid, ServiceSid, VerificationSid};
use crate::history::resource::AttemptRow;
use crate::time::Timestamp;
use crate::verify::verification::model::{Status, VerificationView};

/// An event edge-verify emits, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "EventType"))]
pub enum EventType {
    /// A code was sent (a new verification, or a resend on the live one).
    #[serde(rename = "verification.started")]
    Started,
    /// The right code was checked, or the caller approved it.
    #[serde(rename = "verification.approved")]
    Approved,
    /// The caller canceled it.
    #[serde(rename = "verification.canceled")]
    Canceled,
    /// It reached its expiry still pending.
    #[serde(rename = "verification.expired")]
    Expired,
    /// The fifth wrong code ended it.
    #[serde(rename = "verification.max_attempts_reached")]
    MaxAttemptsReached,
    /// A provider reported the message's delivery status (reserved: emitted once provider
    /// status callbacks are recorded).
    #[serde(rename = "verification.delivery_status")]
    DeliveryStatus,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        Self::Started,
        Self::Approved,
        Self::Canceled,
        Self::Expired,
        Self::MaxAttemptsReached,
        Self::DeliveryStatus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "verification.started",
            Self::Approved => "verification.approved",
            Self::Canceled => "verification.canceled",
            Self::Expired => "verification.expired",
            Self::MaxAttemptsReached => "verification.max_attempts_reached",
            Self::DeliveryStatus => "verification.delivery_status",
        }
    }

    /// The event a verification's new status means, if any (`pending` after a wrong code means
    /// none).
    pub fn of_status(status: Status) -> Option<Self> {
        match status {
            Status::Pending => None,
            Status::Approved => Some(Self::Approved),
            Status::Canceled => Some(Self::Canceled),
            Status::MaxAttemptsReached => Some(Self::MaxAttemptsReached),
        }
    }
}

/// Twilio's Verify event types: accepted in `EventTypes` for compatibility, never emitted here
/// (they belong to Verify Push and TOTP factors).
pub const TWILIO_EVENT_TYPES: [&str; 5] = [
    "factor.deleted",
    "factor.created",
    "factor.verified",
    "challenge.approved",
    "challenge.denied",
];

/// Whether a subscription (`*`, one of Twilio's names or one of ours) takes `event`.
pub fn subscribed(event_types: &[String], event: EventType) -> bool {
    event_types.iter().any(|t| t == "*" || t == event.name())
}

/// The status an event reports: the verification's, or `expired` for an expiry.
fn status_name(event_type: EventType, status: Status) -> &'static str {
    match (event_type, status) {
        (EventType::Expired, _) => "expired",
        (_, Status::Pending) => "pending",
        (_, Status::Approved) => "approved",
        (_, Status::Canceled) => "canceled",
        (_, Status::MaxAttemptsReached) => "max_attempts_reached",
    }
}

/// What a webhook receives (JSON): never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationEvent"))]
pub struct Event {
    /// Unique per event; the same on every retry (`X-Edge-Verify-Event-Id`): dedupe by it.
    pub id: EventSid,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the event happened (ISO 8601).
    pub date_created: String,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub verification_sid: VerificationSid,
    pub channel: Channel,
    /// The phone number or email address the verification is for.
    pub to: String,
    /// The verification's status after the event: `pending`, `approved`, `canceled`,
    /// `max_attempts_reached`, or `expired`; for `verification.delivery_status`, the send's
    /// delivery status (`queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`).
    pub status: String,
    /// Codes sent so far (not in `verification.delivery_status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_attempts: Option<usize>,
    /// Wrong and right codes checked so far (not in `verification.delivery_status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<u8>,
    /// `verification.delivery_status`: the send (`VL...`, as in `/v2/Attempts/{Sid}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_sid: Option<AttemptSid>,
    /// `verification.delivery_status`: the provider's error code for an undelivered or failed
    /// send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
}

impl Event {
    /// The event `event_type` of `view`, at `now`.
    pub fn of(id: EventSid, event_type: EventType, view: &VerificationView, now: Timestamp) -> Self {
        Self {
            id,
            event_type,
            date_created: now.iso8601().to_string(),
            account_sid: view.account_sid.clone(),
            service_sid: view.service_sid.clone(),
            verification_sid: view.sid.clone(),
            channel: view.channel,
            to: view.to.clone(),
            status: status_name(event_type, view.status).into(),
            send_attempts: Some(view.send_attempts.len()),
            checks: Some(view.checks),
            attempt_sid: None,
            error_code: None,
        }
    }

    /// `verification.delivery_status` of the send `attempt` of `row`'s verification.
    pub fn delivery(id: EventSid, row: &AttemptRow, status: &str, error_code: Option<u32>, now: Timestamp) -> Option<Self> {
        Some(Self {
            id,
            event_type: EventType::DeliveryStatus,
            date_created: now.iso8601().to_string(),
            account_sid: row.account_sid.clone(),
            service_sid: row.service_sid.clone(),
            verification_sid: row.verification_sid.clone(),
            channel: Channel::parse(&row.channel, "channel").ok()?,
            to: row.destination.clone(),
            status: status.to_owned(),
            send_attempts: None,
            checks: None,
            attempt_sid: Some(row.sid.clone()),
            error_code,
        })
    }

    /// An example, for documents.
    pub fn example(event_type: EventType) -> Self {
        if event_type == EventType::DeliveryStatus {
            let example = Self { status: "delivered".into(), send_attempts: None, checks: None, attempt_sid: Some(AttemptSid::example()), ..Self::example(EventType::Started) };
            return Self { event_type, ..example };
        }
        Self {
            id: EventSid::example(),
            event_type,
            date_created: crate::time::EXAMPLE_TIME.iso8601().to_string(),
            account_sid: AccountSid::example(),
            service_sid: ServiceSid::example(),
            verification_sid: VerificationSid::example(),
            channel: Channel::Sms,
            to: "+14155550100".into(),
            status: status_name(event_type, match event_type {
                EventType::Approved => Status::Approved,
                EventType::Canceled => Status::Canceled,
                EventType::MaxAttemptsReached => Status::MaxAttemptsReached,
                _ => Status::Pending,
            })
            .into(),
            send_attempts: Some(1),
            checks: Some(u8::from(event_type == EventType::Approved)),
            attempt_sid: None,
            error_code: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn payloads_carry_the_documented_fields_and_never_a_code() {
        for event_type in EventType::ALL {
            let event = Event::example(event_type);
            let json: Value = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], event_type.name());
            assert_eq!(json["id"], "EVaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            let counts: &[&str] = if event_type == EventType::DeliveryStatus { &["attempt_sid"] } else { &["send_attempts", "checks"] };
            for field in ["date_created", "account_sid", "service_sid", "verification_sid", "channel", "to", "status"].iter().chain(counts) {
                assert!(json.get(field).is_some(), "{field} in {json}");
            }
            assert!(json.get("code").is_none() && json.get("seed").is_none());
            let back: Event = serde_json::from_value(json).unwrap();
            assert_eq!(back, event);
        }
        assert_eq!(serde_json::to_value(Event::example(EventType::MaxAttemptsReached)).unwrap()["status"], "max_attempts_reached");
        assert_eq!(Event::example(EventType::Expired).status, "expired");
    }

    #[test]
    fn statuses_map_to_events_and_subscriptions_match() {
        assert_eq!(EventType::of_status(Status::Pending), None);
        assert_eq!(EventType::of_status(Status::Approved), Some(EventType::Approved));
        assert_eq!(EventType::of_status(Status::Canceled), Some(EventType::Canceled));
        assert_eq!(EventType::of_status(Status::MaxAttemptsReached), Some(EventType::MaxAttemptsReached));
        let star = vec!["*".to_owned()];
        assert!(EventType::ALL.iter().all(|e| subscribed(&star, *e)));
        let some = vec!["verification.approved".to_owned(), "factor.created".to_owned()];
        assert!(subscribed(&some, EventType::Approved) && !subscribed(&some, EventType::Started));
    }
}

//! The `webhook` resource (Twilio's fields, plus edge-verify's `secret`, shown only by the create
//! response, and `delivery_failures`, the deliveries given up lately) and its list.

use serde::Serialize;

use super::event::EventType;
use super::webhook::{Failure, WebhookRecord};
use crate::page::{Listing, Meta, PageQuery};
use crate::sid::{AccountSid, EventSid, ServiceSid, WebhookSid};
use crate::time::IsoTime;

/// A delivery given up after its last retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "WebhookDeliveryFailure"))]
pub struct FailureResource {
    pub event_id: EventSid,
    pub event_type: EventType,
    /// Tries made.
    pub attempts: u32,
    /// The last try's outcome (`HTTP 500`, `timeout after 10000 ms`, ...).
    pub error: String,
    /// When it was given up.
    pub date_failed: IsoTime,
}

impl From<Failure> for FailureResource {
    fn from(f: Failure) -> Self {
        Self { event_id: f.event_id, event_type: f.event_type, attempts: f.attempts, error: f.error, date_failed: f.date.iso8601() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", schemars(rename = "WebhookStatus"))]
pub enum WebhookStatus {
    Enabled,
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize))]
#[cfg_attr(feature = "schema", schemars(rename = "WebhookMethod"))]
pub enum WebhookMethod {
    #[serde(rename = "POST")]
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Webhook"))]
pub struct WebhookResource {
    pub sid: WebhookSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub friendly_name: String,
    pub event_types: Vec<String>,
    pub status: WebhookStatus,
    pub version: String,
    pub webhook_url: String,
    pub webhook_method: WebhookMethod,
    /// The signing secret (`whsec_...`): only in the create response, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", serde(default))]
    pub secret: Option<String>,
    /// Deliveries given up after their last retry, newest first (at most 20).
    pub delivery_failures: Vec<FailureResource>,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub url: String,
}

impl WebhookResource {
    pub fn new(record: WebhookRecord, secret: Option<String>, origin: &str) -> Self {
        Self {
            url: format!("{origin}/v2/Services/{}/Webhooks/{}", record.service_sid, record.sid),
            sid: record.sid,
            service_sid: record.service_sid,
            account_sid: record.account_sid,
            friendly_name: record.friendly_name,
            event_types: record.event_types,
            status: if record.enabled { WebhookStatus::Enabled } else { WebhookStatus::Disabled },
            version: record.version,
            webhook_url: record.url,
            webhook_method: WebhookMethod::Post,
            secret,
            delivery_failures: record.failures.into_iter().map(FailureResource::from).collect(),
            date_created: record.date_created.iso8601(),
            date_updated: record.date_updated.iso8601(),
        }
    }
}

/// `GET .../Webhooks`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct WebhookList {
    pub webhooks: Vec<WebhookResource>,
    pub meta: Meta,
}

impl WebhookList {
    pub fn new(service: &ServiceSid, listing: Listing<WebhookRecord>, query: &PageQuery, origin: &str) -> Self {
        let meta = Meta::new("webhooks", &format!("{origin}/v2/Services/{service}/Webhooks"), query, &listing);
        Self { webhooks: listing.items.into_iter().map(|r| WebhookResource::new(r, None, origin)).collect(), meta }
    }
}

impl WebhookResource {
    /// Twilio's documented example (with the secret, as the create response shows it).
    pub fn example(origin: &str, with_secret: bool) -> Self {
        let when = crate::time::EXAMPLE_TIME;
        let record = WebhookRecord {
            sid: WebhookSid::example(),
            account_sid: AccountSid::example(),
            service_sid: ServiceSid::example(),
            friendly_name: "CRM".into(),
            event_types: vec!["verification.approved".into(), "verification.expired".into()],
            enabled: true,
            version: "v2".into(),
            url: "https://hooks.example.com/edge-verify".into(),
            secret: String::new(),
            date_created: when,
            date_updated: when,
            failures: Vec::new(),
        };
        Self::new(record, with_secret.then(|| format!("whsec_{}", "0123456789abcdef".repeat(4))), origin)
    }
}

impl WebhookList {
    pub fn example(origin: &str) -> Self {
        let service = ServiceSid::example();
        let mut list = Self::new(&service, Listing { items: Vec::new(), next: None, previous: None }, &PageQuery::default(), origin);
        list.webhooks.push(WebhookResource::example(origin, false));
        list
    }
}

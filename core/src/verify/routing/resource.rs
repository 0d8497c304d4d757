//! The `messaging_configuration` resource and its list, as Twilio shows them (no `sid`: the
//! country names it), and the test message report.

use serde::Serialize;

use super::config::MessagingConfig;
use crate::page::{Listing, Meta, PageQuery};
use crate::sid::{AccountSid, MessagingServiceSid, ServiceSid};
use crate::time::{IsoTime, Timestamp, EXAMPLE_TIME};

fn list_url(origin: &str, service: &ServiceSid) -> String {
    format!("{origin}/v2/Services/{service}/MessagingConfigurations")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "MessagingConfiguration"))]
pub struct MessagingConfigurationResource {
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    /// ISO 3166-1 alpha-2, or `all` for every country without its own configuration.
    pub country: String,
    /// The Messaging Service that sends SMS and WhatsApp codes to the country.
    pub messaging_service_sid: MessagingServiceSid,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub url: String,
}

impl MessagingConfigurationResource {
    pub fn new(account: &AccountSid, service: &ServiceSid, config: MessagingConfig, origin: &str) -> Self {
        Self {
            url: format!("{}/{}", list_url(origin, service), config.country),
            account_sid: account.clone(),
            service_sid: service.clone(),
            country: config.country,
            messaging_service_sid: config.messaging_service_sid,
            date_created: config.date_created.iso8601(),
            date_updated: config.date_updated.iso8601(),
        }
    }

    /// Twilio's example: `CA` through `MGaaa...`.
    pub fn example(origin: &str) -> Self {
        Self::new(&AccountSid::example(), &ServiceSid::example(), example_config(), origin)
    }
}

fn example_config() -> MessagingConfig {
    MessagingConfig {
        country: "CA".into(),
        messaging_service_sid: MessagingServiceSid::example(),
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
    }
}

/// `GET .../MessagingConfigurations`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "MessagingConfigurationList"))]
pub struct MessagingConfigurationList {
    pub messaging_configurations: Vec<MessagingConfigurationResource>,
    pub meta: Meta,
}

impl MessagingConfigurationList {
    pub fn new(account: &AccountSid, service: &ServiceSid, listing: Listing<MessagingConfig>, query: &PageQuery, origin: &str) -> Self {
        let meta = Meta::new("messaging_configurations", &list_url(origin, service), query, &listing);
        Self {
            messaging_configurations: listing.items.into_iter().map(|c| MessagingConfigurationResource::new(account, service, c, origin)).collect(),
            meta,
        }
    }

    pub fn example(origin: &str) -> Self {
        let query = PageQuery::default();
        let listing = Listing { items: vec![example_config()], next: None, previous: None };
        Self::new(&AccountSid::example(), &ServiceSid::example(), listing, &query, origin)
    }
}

/// What a test message did (`POST /v2/DeliveryRoutes/TestMessage`): the route and provider it
/// went through and what the provider answered. Never a credential, nor the text sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "TestMessage"))]
pub struct TestMessageResource {
    pub account_sid: AccountSid,
    pub to: String,
    /// `sms`, `whatsapp` or `call`.
    pub channel: String,
    /// The destination's ISO 3166-1 alpha-2 country, when it has one.
    pub country: Option<String>,
    /// Whether the provider accepted the message (HTTP 200 from this operation; 502 if not).
    pub accepted: bool,
    /// `twilio`, `gateway`, `webhook` or `log`.
    pub provider: String,
    /// The prefix of the `DELIVERY_CONFIG` route used (`+44`, `*`), for routed providers.
    pub route_prefix: Option<String>,
    /// The Twilio (sub)account of the route (never its token or key).
    pub route_account_sid: Option<String>,
    /// The sender used, for Twilio: a `From` number or a Messaging Service SID (MG...).
    pub sender: Option<String>,
    /// The provider's HTTP status; `null` when no answer came.
    pub provider_status: Option<u16>,
    /// The provider's id of the message or call (`sid`, `message_id`...), when it gave one.
    pub provider_message_sid: Option<String>,
    /// The provider's error code, when it gave one (e.g. Twilio's 21211).
    pub provider_error_code: Option<u64>,
    /// The provider's error message (or why no answer came), when there is one.
    pub provider_error_message: Option<String>,
    /// From sending the request to reading the whole answer, in milliseconds.
    pub latency_ms: u64,
    pub date_created: IsoTime,
}

impl TestMessageResource {
    pub fn example() -> Self {
        Self {
            account_sid: AccountSid::example(),
            to: "+14155550100".into(),
            channel: "sms".into(),
            country: Some("US".into()),
            accepted: true,
            provider: "twilio".into(),
            route_prefix: Some("+1".into()),
            route_account_sid: Some(AccountSid::example().to_string()),
            sender: Some("+15017122661".into()),
            provider_status: Some(201),
            provider_message_sid: Some("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
            provider_error_code: None,
            provider_error_message: None,
            latency_ms: 182,
            date_created: Timestamp::iso8601(EXAMPLE_TIME),
        }
    }

    /// A refused one: a route whose credentials Twilio no longer takes.
    pub fn failed_example() -> Self {
        Self {
            accepted: false,
            provider_status: Some(401),
            provider_message_sid: None,
            provider_error_code: Some(20003),
            provider_error_message: Some("Authenticate".into()),
            latency_ms: 95,
            ..Self::example()
        }
    }
}

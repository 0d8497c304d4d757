//! The Messages API's JSON, as Twilio's 2010-04-01 API writes it (RFC 2822 dates, relative
//! `uri`s, counts as strings). `body` is always null: the text carries the caller's code and is
//! never kept or echoed.

use serde::Serialize;
use serde_json::{Map, Value};

use super::record::MessageRecord;
use crate::delivery::callback::DeliveryStatus;
use crate::page::{Listing, PageQuery, Paging2010};
use crate::sid::{AccountSid, MessageSid};
use crate::time::Rfc2822Time;

/// `/2010-04-01/Accounts/{AC}/Messages/{SM}`, without the `.json`.
pub(super) fn message_path(account: &AccountSid, sid: &str) -> String {
    format!("/2010-04-01/Accounts/{account}/Messages/{sid}")
}

/// A message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageResource {
    pub account_sid: AccountSid,
    pub api_version: &'static str,
    /// Never returned (it carries the caller's code).
    pub body: Option<String>,
    pub date_created: Rfc2822Time,
    pub date_sent: Option<Rfc2822Time>,
    pub date_updated: Rfc2822Time,
    pub direction: &'static str,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub num_media: &'static str,
    pub num_segments: String,
    pub price: Option<String>,
    pub price_unit: &'static str,
    pub sid: MessageSid,
    pub status: &'static str,
    pub subresource_uris: Map<String, Value>,
    pub to: String,
    pub uri: String,
}

impl MessageResource {
    pub fn new(record: MessageRecord) -> Self {
        let path = message_path(&record.account_sid, record.sid.as_str());
        let mut subresources = Map::new();
        subresources.insert("media".into(), Value::String(format!("{path}/Media.json")));
        subresources.insert("feedback".into(), Value::String(format!("{path}/Feedback.json")));
        let to = record.to_address();
        Self {
            api_version: "2010-04-01",
            body: None,
            date_created: record.date_created.rfc2822(),
            date_sent: (record.status != DeliveryStatus::Failed).then(|| record.date_created.rfc2822()),
            date_updated: record.date_updated.rfc2822(),
            direction: "outbound-api",
            error_message: record.error_code.map(|_| "The message could not be delivered".to_owned()),
            error_code: record.error_code,
            from: record.from,
            messaging_service_sid: record.messaging_service_sid.map(String::from),
            num_media: "0",
            num_segments: record.num_segments.to_string(),
            price: None,
            price_unit: "USD",
            status: record.status.as_str(),
            subresource_uris: subresources,
            to,
            uri: format!("{path}.json"),
            account_sid: record.account_sid,
            sid: record.sid,
        }
    }
}

/// A page of messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageList {
    pub messages: Vec<MessageResource>,
    #[serde(flatten)]
    pub paging: Paging2010,
}

impl MessageList {
    pub fn new(list_path: &str, listing: Listing<MessageRecord>, query: &PageQuery) -> Self {
        let paging = Paging2010::new(list_path, query, &listing);
        Self { messages: listing.items.into_iter().map(MessageResource::new).collect(), paging }
    }
}

/// `POST .../Messages/{SM}/Feedback.json`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackResource {
    pub account_sid: AccountSid,
    pub message_sid: MessageSid,
    pub outcome: &'static str,
    pub date_created: Rfc2822Time,
    pub date_updated: Rfc2822Time,
    pub uri: String,
}

impl FeedbackResource {
    pub fn new(record: &MessageRecord) -> Self {
        let date = record.outcome_date.unwrap_or(record.date_updated);
        Self {
            account_sid: record.account_sid.clone(),
            message_sid: record.sid.clone(),
            outcome: if record.outcome == Some(true) { "confirmed" } else { "unconfirmed" },
            date_created: date.rfc2822(),
            date_updated: date.rfc2822(),
            uri: format!("{}/Feedback.json", message_path(&record.account_sid, record.sid.as_str())),
        }
    }
}

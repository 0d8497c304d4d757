//! The JSON shapes: Twilio's `verification_attempt`, its list, and `verification_attempts_summary`.

use serde::{Deserialize, Serialize};

use super::params::AttemptFilter;
use crate::page::{Listing, Meta, PageQuery, PageToken};
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::{IsoTime, Timestamp};

/// One row of the `attempts` table, as the database returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttemptRow {
    pub sid: AttemptSid,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub verification_sid: VerificationSid,
    pub channel: String,
    pub destination: String,
    pub country: Option<String>,
    pub conversion_status: String,
    pub price_value: Option<String>,
    pub price_currency: Option<String>,
    pub code_length: Option<u32>,
    pub locale: Option<String>,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
    /// Twilio's delivery status, once a status callback reported one.
    #[serde(default)]
    pub message_status: Option<String>,
    #[serde(default)]
    pub error_code: Option<u32>,
}

/// `price`: what the send cost, from the policy's price table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationAttemptPrice"))]
pub struct Price {
    /// A decimal, e.g. `0.0079`.
    pub value: String,
    /// The price table's currency, when the policy names one.
    pub currency: Option<String>,
}

/// `channel_data`: where the code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationAttemptChannelData"))]
pub struct ChannelData {
    pub verification_sid: VerificationSid,
    /// The phone number (E.164) or email address.
    pub to: String,
    /// `confirmed` once the verification was approved, else `unconfirmed`.
    pub status: String,
    /// ISO 3166-1 alpha-2 of the number, when it has one.
    pub country: Option<String>,
    pub code_length: Option<u32>,
    pub locale: Option<String>,
    /// The delivery status Twilio's signed status callbacks reported (`queued`, `sending`,
    /// `sent`, `delivered`, `undelivered`, `failed`), null until one did or for other providers.
    pub message_status: Option<String>,
    /// The provider's error code for an undelivered or failed send, as text as in Twilio's
    /// examples (e.g. `"30003"`).
    pub error_code: Option<String>,
}

/// The `verification_attempt` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationAttempt"))]
pub struct AttemptResource {
    pub sid: AttemptSid,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub verification_sid: VerificationSid,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    /// `converted` (approved) or `unconverted`.
    pub conversion_status: String,
    /// `sms`, `call`, `email` or `whatsapp`.
    pub channel: String,
    pub price: Option<Price>,
    pub channel_data: ChannelData,
    pub url: String,
}

impl AttemptResource {
    pub fn new(row: AttemptRow, origin: &str) -> Self {
        let status = if row.conversion_status == "converted" { "confirmed" } else { "unconfirmed" };
        Self {
            url: format!("{origin}/v2/Attempts/{}", row.sid),
            price: row.price_value.map(|value| Price { value, currency: row.price_currency }),
            channel_data: ChannelData {
                verification_sid: row.verification_sid.clone(),
                to: row.destination,
                status: status.to_owned(),
                country: row.country,
                code_length: row.code_length,
                locale: row.locale,
                message_status: row.message_status,
                error_code: row.error_code.map(|code| code.to_string()),
            },
            sid: row.sid,
            account_sid: row.account_sid,
            service_sid: row.service_sid,
            verification_sid: row.verification_sid,
            date_created: row.date_created.iso8601(),
            date_updated: row.date_updated.iso8601(),
            conversion_status: row.conversion_status,
            channel: row.channel,
        }
    }
}

/// `GET /v2/Attempts`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationAttemptList"))]
pub struct AttemptList {
    pub attempts: Vec<AttemptResource>,
    pub meta: Meta,
}

/// A page URL that keeps the filters, so Twilio's helpers can follow `next_page_url`.
fn page_url(base: &str, filters: &str, size: usize, page: u32, token: Option<&PageToken>) -> String {
    let token = token.map(|t| format!("&PageToken={t}")).unwrap_or_default();
    let filters = if filters.is_empty() { String::new() } else { format!("&{filters}") };
    format!("{base}?PageSize={size}&Page={page}{token}{filters}")
}

impl AttemptList {
    pub fn new(listing: Listing<AttemptRow>, filter: &AttemptFilter, query: &PageQuery, origin: &str) -> Self {
        let base = format!("{origin}/v2/Attempts");
        let filters = form_urlencoded::Serializer::new(String::new()).extend_pairs(filter.query_pairs()).finish();
        let (size, page) = (query.size, query.page);
        let meta = Meta {
            page,
            page_size: size,
            first_page_url: page_url(&base, &filters, size, 0, None),
            previous_page_url: listing.previous.as_ref().map(|t| page_url(&base, &filters, size, page.saturating_sub(1), Some(t))),
            url: page_url(&base, &filters, size, page, query.token.as_ref()),
            next_page_url: listing.next.as_ref().map(|t| page_url(&base, &filters, size, page.saturating_add(1), Some(t))),
            key: "attempts".to_owned(),
        };
        Self { attempts: listing.items.into_iter().map(|r| AttemptResource::new(r, origin)).collect(), meta }
    }
}

/// The `verification_attempts_summary` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationAttemptsSummary"))]
pub struct AttemptsSummary {
    pub total_attempts: u64,
    pub total_converted: u64,
    pub total_unconverted: u64,
    /// `total_converted / total_attempts * 100` as a decimal string (up to 9 decimals, e.g.
    /// `81.818181818`); null when there are no attempts.
    pub conversion_rate_percentage: Option<String>,
    pub url: String,
}

impl AttemptsSummary {
    pub fn new(total: u64, converted: u64, origin: &str) -> Self {
        let converted = converted.min(total);
        let rate = (total > 0).then(|| {
            // 9 decimals, cut (not rounded) as Twilio's example shows, trailing zeros dropped.
            let scaled = u128::from(converted) * 100 * 1_000_000_000 / u128::from(total);
            let text = format!("{}.{:09}", scaled / 1_000_000_000, scaled % 1_000_000_000);
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        });
        Self { total_attempts: total, total_converted: converted, total_unconverted: total - converted, conversion_rate_percentage: rate, url: format!("{origin}/v2/Attempts/Summary") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rate_is_twilios_decimal_text() {
        let rate = |t, c| AttemptsSummary::new(t, c, "").conversion_rate_percentage;
        assert_eq!(rate(11, 9).as_deref(), Some("81.818181818"));
        assert_eq!(rate(3, 2).as_deref(), Some("66.666666666"));
        assert_eq!(rate(4, 4).as_deref(), Some("100"));
        assert_eq!(rate(8, 1).as_deref(), Some("12.5"));
        assert_eq!(rate(5, 0).as_deref(), Some("0"));
        assert_eq!(rate(0, 0), None);
        let s = AttemptsSummary::new(11, 9, "https://h");
        assert_eq!((s.total_unconverted, s.url.as_str()), (2, "https://h/v2/Attempts/Summary"));
    }
}

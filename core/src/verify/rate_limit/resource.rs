//! The `rate_limit` and `bucket` resources and their lists.

use serde::Serialize;

use super::record::{BucketRecord, RateLimitRecord};
use crate::page::{Listing, Meta, PageQuery};
use crate::sid::{AccountSid, BucketSid, RateLimitSid, ServiceSid};
use crate::time::IsoTime;

fn rate_limit_url(origin: &str, service: &ServiceSid, sid: &RateLimitSid) -> String {
    format!("{origin}/v2/Services/{service}/RateLimits/{sid}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "RateLimitLinks"))]
pub struct RateLimitLinks {
    pub buckets: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "RateLimit"))]
pub struct RateLimitResource {
    pub sid: RateLimitSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub unique_name: String,
    pub description: Option<String>,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub url: String,
    pub links: RateLimitLinks,
}

impl RateLimitResource {
    pub fn new(record: RateLimitRecord, origin: &str) -> Self {
        let url = rate_limit_url(origin, &record.service_sid, &record.sid);
        Self {
            links: RateLimitLinks {
                buckets: format!("{url}/Buckets"),
            },
            url,
            sid: record.sid,
            service_sid: record.service_sid,
            account_sid: record.account_sid,
            unique_name: record.unique_name,
            description: record.description,
            date_created: record.date_created.iso8601(),
            date_updated: record.date_updated.iso8601(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "Bucket"))]
pub struct BucketResource {
    pub sid: BucketSid,
    pub rate_limit_sid: RateLimitSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub max: u32,
    pub interval: u32,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub url: String,
}

impl BucketResource {
    pub fn new(limit: &RateLimitRecord, bucket: BucketRecord, origin: &str) -> Self {
        Self {
            url: format!(
                "{}/Buckets/{}",
                rate_limit_url(origin, &limit.service_sid, &limit.sid),
                bucket.sid
            ),
            sid: bucket.sid,
            rate_limit_sid: limit.sid.clone(),
            service_sid: limit.service_sid.clone(),
            account_sid: limit.account_sid.clone(),
            max: bucket.max,
            interval: bucket.interval,
            date_created: bucket.date_created.iso8601(),
            date_updated: bucket.date_updated.iso8601(),
        }
    }
}

/// `GET .../RateLimits`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RateLimitList {
    pub rate_limits: Vec<RateLimitResource>,
    pub meta: Meta,
}

impl RateLimitList {
    pub fn new(
        service: &ServiceSid,
        listing: Listing<RateLimitRecord>,
        query: &PageQuery,
        origin: &str,
    ) -> Self {
        let meta = Meta::new(
            "rate_limits",
            &format!("{origin}/v2/Services/{service}/RateLimits"),
            query,
            &listing,
        );
        Self {
            rate_limits: listing
                .items
                .into_iter()
                .map(|r| RateLimitResource::new(r, origin))
                .collect(),
            meta,
        }
    }
}

/// `GET .../Buckets`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct BucketList {
    pub buckets: Vec<BucketResource>,
    pub meta: Meta,
}

impl BucketList {
    pub fn new(
        limit: &RateLimitRecord,
        listing: Listing<BucketRecord>,
        query: &PageQuery,
        origin: &str,
    ) -> Self {
        let meta = Meta::new(
            "buckets",
            &format!(
                "{}/Buckets",
                rate_limit_url(origin, &limit.service_sid, &limit.sid)
            ),
            query,
            &listing,
        );
        Self {
            buckets: listing
                .items
                .into_iter()
                .map(|b| BucketResource::new(limit, b, origin))
                .collect(),
            meta,
        }
    }
}

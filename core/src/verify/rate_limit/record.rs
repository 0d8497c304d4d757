//! A rate limit as stored, with its buckets, and the requests both faces parse.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::input::Input;
use crate::sid::{AccountSid, BucketSid, RateLimitSid, ServiceSid};
use crate::spec::rate_limit::{DESCRIPTION, INTERVAL, MAX, UNIQUE_NAME};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    pub sid: BucketSid,
    /// Starts allowed in any `interval` seconds.
    pub max: u32,
    pub interval: u32,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitRecord {
    pub sid: RateLimitSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub unique_name: String,
    pub description: Option<String>,
    pub buckets: Vec<BucketRecord>,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

/// The SID of `service`'s rate limit named `unique_name`.
pub fn rate_limit_sid(service: &ServiceSid, unique_name: &str) -> RateLimitSid {
    let digest = Sha256::new()
        .chain_update(b"edge-verify/rate-limit/")
        .chain_update(service.as_str())
        .chain_update(b"/")
        .chain_update(unique_name)
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    RateLimitSid::from_bytes(&bytes)
}

/// Whether `name` is a valid unique name: 1 to 64 letters, digits, `_`, `-` or `.`.
pub fn valid_unique_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= UNIQUE_NAME.max_chars()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

/// `POST .../RateLimits` and `POST .../RateLimits/{Sid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitInput {
    pub unique_name: Option<String>,
    pub description: Option<String>,
}

impl RateLimitInput {
    pub fn parse_new(input: &Input<'_>) -> Result<Self, ApiError> {
        let name = input
            .raw_text(&UNIQUE_NAME)?
            .ok_or_else(|| input.invalid(&UNIQUE_NAME, "is required"))?;
        if !valid_unique_name(name) {
            return Err(ApiError::Refused {
                code: 60209,
                detail: format!("Invalid Rate Limit unique name format: {} must be 1 to 64 letters, digits, _, - or .", input.name(&UNIQUE_NAME)),
            });
        }
        Ok(Self {
            unique_name: Some(name.to_owned()),
            description: input.text(&DESCRIPTION)?,
        })
    }

    pub fn parse_update(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            unique_name: None,
            description: input.text(&DESCRIPTION)?,
        })
    }
}

/// `POST .../Buckets` (both required) and `POST .../Buckets/{Sid}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketInput {
    pub max: Option<u32>,
    pub interval: Option<u32>,
}

impl BucketInput {
    pub fn parse(input: &Input<'_>, required: bool) -> Result<Self, ApiError> {
        let read = |spec| -> Result<Option<u32>, ApiError> {
            let value = input
                .integer(spec)?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            if required && value.is_none() {
                return Err(input.invalid(spec, "is required"));
            }
            Ok(value)
        };
        Ok(Self {
            max: read(&MAX)?,
            interval: read(&INTERVAL)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_name_service_and_unique_name() {
        let a = ServiceSid::example();
        let b = ServiceSid::parse("VAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap();
        assert_eq!(
            rate_limit_sid(&a, "end_user_ip"),
            rate_limit_sid(&a, "end_user_ip")
        );
        assert_ne!(
            rate_limit_sid(&a, "end_user_ip"),
            rate_limit_sid(&b, "end_user_ip")
        );
        assert_ne!(
            rate_limit_sid(&a, "end_user_ip"),
            rate_limit_sid(&a, "end_user_id")
        );
        assert!(
            valid_unique_name("end_user.ip-v4")
                && !valid_unique_name("")
                && !valid_unique_name("a b")
                && !valid_unique_name(&"x".repeat(65))
        );
    }
}

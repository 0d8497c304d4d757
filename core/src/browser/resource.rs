//! The wire shapes of the browser face: a minted client token (shown once) and a verified
//! result token.

use serde::Serialize;

use super::token::{ClientClaims, ResultClaims};
use crate::sid::{AccountSid, ServiceSid, VerificationSid};
use crate::time::{IsoTime, Timestamp};

/// `POST /v2/Services/{VA}/ClientTokens`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "ClientToken"))]
pub struct ClientTokenResource {
    /// The token, shown only here: send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    /// `start`, `check` or both.
    pub scopes: Vec<String>,
    /// The one recipient it is bound to.
    pub to: Option<String>,
    pub max_starts: Option<u32>,
    pub date_created: IsoTime,
    pub date_expires: IsoTime,
    pub url: String,
}

impl ClientTokenResource {
    pub fn new(token: String, claims: &ClientClaims, account: AccountSid, service: ServiceSid, origin: &str) -> Self {
        let url = format!("{origin}/v2/Services/{service}/ClientTokens");
        Self {
            token,
            account_sid: account,
            service_sid: service,
            scopes: claims.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            to: claims.to.clone(),
            max_starts: claims.max_starts,
            date_created: Timestamp::from_unix_seconds(claims.issued).iso8601(),
            date_expires: Timestamp::from_unix_seconds(claims.expires).iso8601(),
            url,
        }
    }
}

/// `POST /v2/Services/{VA}/VerificationResults`: a result token that holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationResult"))]
pub struct VerificationResultResource {
    /// Always true (an invalid token is a 404).
    pub valid: bool,
    pub service_sid: ServiceSid,
    pub verification_sid: VerificationSid,
    /// The recipient that was approved.
    pub to: String,
    pub date_approved: IsoTime,
    pub date_expires: IsoTime,
}

impl VerificationResultResource {
    pub fn new(claims: &ResultClaims, service: ServiceSid, verification: VerificationSid) -> Self {
        Self {
            valid: true,
            service_sid: service,
            verification_sid: verification,
            to: claims.to.clone(),
            date_approved: Timestamp::from_unix_seconds(claims.approved).iso8601(),
            date_expires: Timestamp::from_unix_seconds(claims.expires).iso8601(),
        }
    }
}

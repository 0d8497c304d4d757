//! The two wire shapes of a verification: the `verification` resource (start, fetch, update)
//! and the `verification_check` resource.

use serde::Serialize;

use super::model::{SendAttempt, Status, VerificationView};
use crate::channel::Channel;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::IsoTime;

/// A send's channel as Twilio's examples write it in `send_code_attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize))]
pub enum AttemptChannel {
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "CALL")]
    Call,
    #[serde(rename = "EMAIL")]
    Email,
    #[serde(rename = "whatsapp")]
    Whatsapp,
}

impl From<Channel> for AttemptChannel {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Sms => Self::Sms,
            Channel::Call => Self::Call,
            Channel::Email => Self::Email,
            Channel::Whatsapp => Self::Whatsapp,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "SendCodeAttempt"))]
pub struct AttemptResource {
    pub attempt_sid: AttemptSid,
    pub channel: AttemptChannel,
    pub time: IsoTime,
}

impl From<SendAttempt> for AttemptResource {
    fn from(a: SendAttempt) -> Self {
        Self { attempt_sid: a.attempt_sid, channel: a.channel.into(), time: a.time.iso8601() }
    }
}

/// Always `{}`: carrier lookups are not made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct Lookup {}

/// Always `null`: silent network authentication is not supported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct Sna {}

/// The `verification` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Verification"))]
pub struct VerificationResource {
    pub sid: VerificationSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub channel: Channel,
    pub status: Status,
    pub valid: bool,
    pub lookup: Lookup,
    pub amount: Option<String>,
    pub payee: Option<String>,
    pub send_code_attempts: Vec<AttemptResource>,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub sna: Option<Sna>,
    pub url: String,
}

impl VerificationResource {
    pub fn new(v: VerificationView, origin: &str) -> Self {
        Self {
            url: format!("{origin}/v2/Services/{}/Verifications/{}", v.service_sid, v.sid),
            valid: v.status == Status::Approved,
            sid: v.sid,
            service_sid: v.service_sid,
            account_sid: v.account_sid,
            to: v.to,
            channel: v.channel,
            status: v.status,
            lookup: Lookup {},
            amount: v.amount,
            payee: v.payee,
            send_code_attempts: v.send_attempts.into_iter().map(Into::into).collect(),
            date_created: v.date_created.iso8601(),
            date_updated: v.date_updated.iso8601(),
            sna: None,
        }
    }
}

/// The `verification_check` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "VerificationCheck"))]
pub struct VerificationCheckResource {
    pub sid: VerificationSid,
    pub service_sid: ServiceSid,
    pub account_sid: AccountSid,
    pub to: String,
    pub channel: Channel,
    pub status: Status,
    pub valid: bool,
    pub amount: Option<String>,
    pub payee: Option<String>,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub sna_attempts_error_codes: Option<Vec<Sna>>,
    /// With a client token, an approval's signed proof for the app's backend
    /// (`POST /v2/Services/{VA}/VerificationResults`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_token: Option<String>,
}

impl VerificationCheckResource {
    pub fn new(v: VerificationView) -> Self {
        Self {
            valid: v.status == Status::Approved,
            sid: v.sid,
            service_sid: v.service_sid,
            account_sid: v.account_sid,
            to: v.to,
            channel: v.channel,
            status: v.status,
            amount: v.amount,
            payee: v.payee,
            date_created: v.date_created.iso8601(),
            date_updated: v.date_updated.iso8601(),
            sna_attempts_error_codes: None,
            result_token: None,
        }
    }
}

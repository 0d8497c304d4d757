//! The Verify v2 `service` resource and its list, as both faces show them.

use serde::Serialize;

use super::fallback::FallbackSettings;
use super::guard::LimitOverrides;
use super::record::{PasskeysSettings, PushSettings, ServiceRecord, WhatsappSettings};
use crate::guard::shard::FraudMode;
use crate::page::{Listing, Meta, PageQuery};
use crate::sid::{AccountSid, ServiceSid, TemplateSid};
use crate::time::IsoTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Service"))]
pub struct ServiceResource {
    pub sid: ServiceSid,
    pub account_sid: AccountSid,
    pub friendly_name: String,
    pub code_length: u8,
    pub lookup_enabled: bool,
    pub psd2_enabled: bool,
    pub skip_sms_to_landlines: bool,
    pub dtmf_input_required: bool,
    pub tts_name: Option<String>,
    pub do_not_share_warning_enabled: bool,
    pub custom_code_enabled: bool,
    pub push: PushSettings,
    pub totp: TotpResource,
    pub default_template_sid: Option<TemplateSid>,
    pub whatsapp: WhatsappSettings,
    pub passkeys: PasskeysSettings,
    pub verify_event_subscription_enabled: bool,
    /// `off`, `monitor` or `block`; `null`: the account's (block unless the operator changed it).
    pub fraud_guard: Option<FraudMode>,
    pub geo_permissions: GeoPermissions,
    /// The limits this service sets for itself; `null`: the account's.
    pub limits: LimitOverrides,
    /// Numbers that send nothing and approve with a fixed code (the codes are never shown).
    pub test_numbers: Vec<TestNumberResource>,
    /// Origins whose pages may call the start and check routes with client tokens.
    pub allowed_origins: Vec<String>,
    pub turnstile_site_key: Option<String>,
    /// Whether starts made with client tokens need a Turnstile token (the secret is never shown).
    pub turnstile_enabled: bool,
    /// The host of the SMS's Web OTP line.
    pub web_otp_domain: Option<String>,
    /// The channel that sends the code again when a verification is still pending some seconds
    /// after an SMS.
    pub fallback: FallbackSettings,
    pub date_created: IsoTime,
    pub date_updated: IsoTime,
    pub url: String,
    pub links: ServiceLinks,
}

/// The regions a service narrows its account's geo permissions to; `null`: all of the account's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct GeoPermissions {
    pub sms: Option<Vec<String>>,
    pub call: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "TestNumber"))]
pub struct TestNumberResource {
    pub to: String,
    pub date_expires: Option<IsoTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Totp"))]
pub struct TotpResource {
    /// The friendly name unless set.
    pub issuer: String,
    pub time_step: u8,
    pub code_length: u8,
    pub skew: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct ServiceLinks {
    pub verification_checks: String,
    pub verifications: String,
    pub rate_limits: String,
    pub messaging_configurations: String,
    pub entities: String,
    pub webhooks: String,
    pub access_tokens: String,
}

impl ServiceResource {
    pub fn new(record: ServiceRecord, origin: &str) -> Self {
        let url = format!("{origin}/v2/Services/{}", record.sid);
        let link = |name: &str| format!("{url}/{name}");
        let links = ServiceLinks {
            verification_checks: link("VerificationCheck"),
            verifications: link("Verifications"),
            rate_limits: link("RateLimits"),
            messaging_configurations: link("MessagingConfigurations"),
            entities: link("Entities"),
            webhooks: link("Webhooks"),
            access_tokens: link("AccessTokens"),
        };
        let totp = TotpResource {
            issuer: record.totp.issuer.unwrap_or_else(|| record.friendly_name.clone()),
            time_step: record.totp.time_step,
            code_length: record.totp.code_length,
            skew: record.totp.skew,
        };
        Self {
            sid: record.sid,
            account_sid: record.account_sid,
            friendly_name: record.friendly_name,
            code_length: record.code_length,
            lookup_enabled: record.lookup_enabled,
            psd2_enabled: record.psd2_enabled,
            skip_sms_to_landlines: record.skip_sms_to_landlines,
            dtmf_input_required: record.dtmf_input_required,
            tts_name: record.tts_name,
            do_not_share_warning_enabled: record.do_not_share_warning_enabled,
            custom_code_enabled: record.custom_code_enabled,
            push: record.push,
            totp,
            default_template_sid: record.default_template_sid,
            whatsapp: record.whatsapp,
            passkeys: record.passkeys,
            verify_event_subscription_enabled: record.verify_event_subscription_enabled,
            fraud_guard: record.guard.fraud_guard,
            geo_permissions: GeoPermissions {
                sms: record.guard.geo_sms,
                call: record.guard.geo_call,
            },
            limits: record.guard.limits,
            test_numbers: record
                .guard
                .test_numbers
                .into_iter()
                .map(|t| TestNumberResource {
                    to: t.to,
                    date_expires: t.expires.map(|e| e.iso8601()),
                })
                .collect(),
            turnstile_enabled: record.browser.turnstile_secret.is_some(),
            allowed_origins: record.browser.allowed_origins,
            turnstile_site_key: record.browser.turnstile_site_key,
            web_otp_domain: record.browser.web_otp_domain,
            fallback: record.fallback,
            date_created: record.date_created.iso8601(),
            date_updated: record.date_updated.iso8601(),
            url,
            links,
        }
    }
}

/// `GET /v2/Services`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct ServiceList {
    pub services: Vec<ServiceResource>,
    pub meta: Meta,
}

impl ServiceList {
    pub fn new(listing: Listing<ServiceRecord>, query: &PageQuery, origin: &str) -> Self {
        let meta = Meta::new("services", &format!("{origin}/v2/Services"), query, &listing);
        Self { services: listing.items.into_iter().map(|r| ServiceResource::new(r, origin)).collect(), meta }
    }
}

//! Parameter definitions: one `ParamSpec` per input parameter, with its wire name (`CodeLength`)
//! and its action field (`code_length`). The request parsers read values through them (so the
//! REST face and the actions face share one parser), and the action catalog and the connector
//! generator describe them. A parameter is described once, here.

use serde_json::{json, Value};

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text up to `max` characters.
    Text {
        /// Longest value.
        max: usize,
    },
    /// A whole number in `min..=max`.
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// `true` or `false`.
    Boolean,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A SID with this prefix.
    Sid(&'static str),
    /// A JSON object (sent as JSON text in forms).
    Object,
    /// A list of `{key, value}` pairs.
    Pairs,
    /// Text, or a JSON object.
    TextOrObject,
}

/// One input parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// Whether an empty value clears it (optional settings on update).
    pub clearable: bool,
    /// The Twilio wire name, e.g. `CodeLength`.
    pub wire: &'static str,
    /// The JSON action field, e.g. `code_length`.
    pub field: &'static str,
    /// A label for forms.
    pub label: &'static str,
    /// Accepted values.
    pub kind: Kind,
    /// Help text.
    pub help: &'static str,
    /// The default when omitted, as shown to users.
    pub default: Option<&'static str>,
}

impl ParamSpec {
    /// The integer bounds, for `Params::integer`.
    pub const fn range(&self) -> std::ops::RangeInclusive<i64> {
        match self.kind {
            Kind::Integer { min, max } => min..=max,
            _ => 0..=0,
        }
    }

    /// The text limit, for `Params::text`.
    pub const fn max_chars(&self) -> usize {
        match self.kind {
            Kind::Text { max } => max,
            _ => 0,
        }
    }

    /// The choices, for `Params::one_of`.
    pub const fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Choice(choices) => choices,
            _ => &[],
        }
    }

    /// A JSON Schema for the value, as the action catalog and OpenAPI show it.
    pub fn schema(&self) -> Value {
        let mut schema = match self.kind {
            Kind::Text { max } => json!({ "type": "string", "maxLength": max, "pattern": self.pattern() }),
            Kind::Integer { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
            Kind::Boolean => json!({ "type": "boolean" }),
            Kind::Choice(choices) if self.clearable => {
                let mut all: Vec<&str> = vec![""];
                all.extend_from_slice(choices);
                json!({ "type": "string", "enum": all })
            }
            Kind::Choice(choices) => json!({ "type": "string", "enum": choices }),
            Kind::Sid(prefix) if self.clearable => json!({ "type": "string", "pattern": format!("^({prefix}[0-9a-fA-F]{{32}})?$"), "maxLength": 34 }),
            Kind::Sid(prefix) => json!({ "type": "string", "pattern": format!("^{prefix}[0-9a-fA-F]{{32}}$"), "minLength": 34, "maxLength": 34 }),
            Kind::Object => json!({ "type": "object", "additionalProperties": true }),
            Kind::Pairs => json!({ "type": "array", "items": { "type": "object", "required": ["key"], "properties": { "key": { "type": "string", "minLength": 1 }, "value": { "type": "string" } } } }),
            Kind::TextOrObject => json!({ "oneOf": [{ "type": "string" }, { "type": "object" }] }),
        };
        if let (Some(default), Some(obj)) = (self.default, schema.as_object_mut()) {
            let value = match self.kind {
                Kind::Integer { .. } => default.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                Kind::Boolean => Value::Bool(default == "true"),
                _ => Value::from(default),
            };
            obj.insert("default".into(), value);
        }
        schema
    }

    /// The catalog type name.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Text { .. } | Kind::Sid(_) => "text",
            Kind::Integer { .. } => "integer",
            Kind::Boolean => "boolean",
            Kind::Choice(_) => "select",
            Kind::Object => "object",
            Kind::Pairs => "array",
            Kind::TextOrObject => "any",
        }
    }
}

const fn p(wire: &'static str, field: &'static str, label: &'static str, kind: Kind, help: &'static str) -> ParamSpec {
    ParamSpec { clearable: false, wire, field, label, kind, help, default: None }
}

/// A setting that an empty value clears.
const fn c(spec: ParamSpec) -> ParamSpec {
    ParamSpec { clearable: true, ..spec }
}

const fn d(spec: ParamSpec, default: &'static str) -> ParamSpec {
    ParamSpec { default: Some(default), ..spec }
}

/// Service parameters (create and update).
pub mod service {
    use super::*;

    /// `FriendlyName`
    pub const FRIENDLY_NAME: ParamSpec = p("FriendlyName", "friendly_name", "Friendly name", Kind::Text { max: 30 }, "Shown in messages. Up to 30 characters, at most 4 digits, no links.");
    /// `CodeLength`
    pub const CODE_LENGTH: ParamSpec = d(p("CodeLength", "code_length", "Code length", Kind::Integer { min: 4, max: 10 }, "Digits in generated codes."), "6");
    /// `TtsName`
    pub const TTS_NAME: ParamSpec = c(p("TtsName", "tts_name", "Text-to-speech name", Kind::Text { max: 100 }, "An alternative TTS voice for calls."));
    /// `Totp.Issuer`
    pub const TOTP_ISSUER: ParamSpec = c(p("Totp.Issuer", "totp_issuer", "TOTP issuer", Kind::Text { max: 64 }, "Issuer in TOTP URIs; defaults to the friendly name."));
    /// `Totp.TimeStep`
    pub const TOTP_TIME_STEP: ParamSpec = d(p("Totp.TimeStep", "totp_time_step", "TOTP time step", Kind::Integer { min: 20, max: 60 }, "Seconds per TOTP code."), "30");
    /// `Totp.CodeLength`
    pub const TOTP_CODE_LENGTH: ParamSpec = d(p("Totp.CodeLength", "totp_code_length", "TOTP code length", Kind::Integer { min: 3, max: 8 }, "Digits per TOTP code."), "6");
    /// `Totp.Skew`
    pub const TOTP_SKEW: ParamSpec = d(p("Totp.Skew", "totp_skew", "TOTP skew", Kind::Integer { min: 0, max: 2 }, "Time steps of tolerance."), "1");
    /// `Push.ApnCredentialSid`
    pub const PUSH_APN: ParamSpec = c(p("Push.ApnCredentialSid", "push_apn_credential_sid", "APN credential SID", Kind::Sid("CR"), "Push credential for iOS."));
    /// `Push.FcmCredentialSid`
    pub const PUSH_FCM: ParamSpec = c(p("Push.FcmCredentialSid", "push_fcm_credential_sid", "FCM credential SID", Kind::Sid("CR"), "Push credential for Android."));
    /// `DefaultTemplateSid`
    pub const DEFAULT_TEMPLATE: ParamSpec = c(p("DefaultTemplateSid", "default_template_sid", "Default template SID", Kind::Sid("HJ"), "Default SMS template."));
    /// `Whatsapp.MsgServiceSid`
    pub const WHATSAPP_MSG_SERVICE: ParamSpec = c(p("Whatsapp.MsgServiceSid", "whatsapp_msg_service_sid", "WhatsApp messaging service SID", Kind::Sid("MG"), "Messaging Service holding the WhatsApp senders."));
    /// `Whatsapp.From`
    pub const WHATSAPP_FROM: ParamSpec = c(p("Whatsapp.From", "whatsapp_from", "WhatsApp sender", Kind::Text { max: 64 }, "E.164 number, optionally prefixed with whatsapp:."));
    /// `Passkeys.RelyingParty.Id`
    pub const PASSKEYS_RP_ID: ParamSpec = c(p("Passkeys.RelyingParty.Id", "passkeys_relying_party_id", "Passkeys relying party ID", Kind::Text { max: 253 }, "Your domain, e.g. example.com."));
    /// `Passkeys.RelyingParty.Name`
    pub const PASSKEYS_RP_NAME: ParamSpec = c(p("Passkeys.RelyingParty.Name", "passkeys_relying_party_name", "Passkeys relying party name", Kind::Text { max: 64 }, "Your application's name."));
    /// `Passkeys.RelyingParty.Origins`
    pub const PASSKEYS_RP_ORIGINS: ParamSpec = c(p("Passkeys.RelyingParty.Origins", "passkeys_relying_party_origins", "Passkeys origins", Kind::Text { max: 2048 }, "Comma-separated origins, up to 20."));
    /// `Passkeys.AuthenticatorAttachment`
    pub const PASSKEYS_ATTACHMENT: ParamSpec = c(p("Passkeys.AuthenticatorAttachment", "passkeys_authenticator_attachment", "Passkeys authenticator attachment", Kind::Choice(&["platform", "cross-platform", "any"]), "Which authenticators may be used."));
    /// `Passkeys.DiscoverableCredentials`
    pub const PASSKEYS_DISCOVERABLE: ParamSpec = c(p("Passkeys.DiscoverableCredentials", "passkeys_discoverable_credentials", "Passkeys discoverable credentials", Kind::Choice(&["required", "preferred", "discouraged"]), "Whether credentials must be discoverable."));
    /// `Passkeys.UserVerification`
    pub const PASSKEYS_USER_VERIFICATION: ParamSpec = c(p("Passkeys.UserVerification", "passkeys_user_verification", "Passkeys user verification", Kind::Choice(&["required", "preferred", "discouraged"]), "Whether the user must be verified."));

    /// `FraudGuard`
    pub const FRAUD_GUARD: ParamSpec = c(p("FraudGuard", "fraud_guard", "Fraud guard", Kind::Choice(&["off", "monitor", "block"]), "Blocks destination prefixes and clients that look like SMS pumping (block), only reports them (monitor), or neither (off); the account's setting when empty."));
    /// `GeoPermissions.Sms`
    pub const GEO_SMS: ParamSpec = c(p("GeoPermissions.Sms", "geo_permissions_sms", "SMS countries", Kind::Text { max: 1000 }, "Comma-separated ISO country codes that SMS and WhatsApp may reach, within what the account allows; empty for all of those."));
    /// `GeoPermissions.Call`
    pub const GEO_CALL: ParamSpec = c(p("GeoPermissions.Call", "geo_permissions_call", "Voice countries", Kind::Text { max: 1000 }, "Comma-separated ISO country codes that calls may reach, within what the account allows; empty for all of those."));
    /// `TestNumbers`
    pub const TEST_NUMBERS: ParamSpec = c(p("TestNumbers", "test_numbers", "Test numbers", Kind::Text { max: 2000 }, "Up to 20 comma-separated number:code or number:code:YYYY-MM-DD entries: starts to these numbers send nothing and cost nothing, and the fixed code approves them (until the date)."));
    const LIMIT: Kind = Kind::Integer { min: 1, max: 1_000_000 };
    /// The limits a service may lower for itself (empty: the account's).
    pub const LIMITS: [ParamSpec; 6] = [
        c(p("Limits.SendsPerToPerHour", "limits_sends_per_to_per_hour", "Sends per To per hour", LIMIT, "Sends to one To in an hour, across its verifications (default 8; at most the account's).")),
        c(p("Limits.SendsPerToPerDay", "limits_sends_per_to_per_day", "Sends per To per day", LIMIT, "Sends to one To in a day (default 15; at most the account's).")),
        c(p("Limits.StartsPerClientPerHour", "limits_starts_per_client_per_hour", "Starts per end-user IP per hour", LIMIT, "Starts from one DeviceIp in an hour (default 20; at most the account's).")),
        c(p("Limits.StartsPerIpPerHour", "limits_starts_per_ip_per_hour", "Starts per caller IP per hour", LIMIT, "Starts from one connecting IP that passes no DeviceIp in an hour (default 1000; at most the account's).")),
        c(p("Limits.StartsPerPrefixPerHour", "limits_starts_per_prefix_per_hour", "Starts per number block per hour", LIMIT, "Starts to one block of 10,000 numbers (or one email address) in an hour (default 30; at most the account's).")),
        c(p("Limits.SendsPerDay", "limits_sends_per_day", "Sends per day", LIMIT, "Sends by this service in a day (default 1000; at most the account's, whose own daily cap applies too).")),
    ];

    /// `Fallback.Channel`
    pub const FALLBACK_CHANNEL: ParamSpec = c(p("Fallback.Channel", "fallback_channel", "Fallback channel", Kind::Choice(&["call", "whatsapp"]), "A verification still pending Fallback.AfterSeconds after an SMS gets the same code once more by this channel (a send like any other: every limit applies; not for custom codes); empty for none."));
    /// `Fallback.AfterSeconds`
    pub const FALLBACK_AFTER: ParamSpec = d(p("Fallback.AfterSeconds", "fallback_after_seconds", "Fallback delay", Kind::Integer { min: 10, max: 3600 }, "Seconds after the last SMS before the fallback sends: at most the verification lifetime less 2 s (598 with the default 10 minutes; 409 otherwise); nothing is sent once the verification has ended."), "60");
    /// `AllowedOrigins`
    pub const ALLOWED_ORIGINS: ParamSpec = c(p("AllowedOrigins", "allowed_origins", "Allowed origins", Kind::Text { max: 2048 }, "Up to 20 comma-separated exact origins (scheme://host[:port], no path, no wildcard) whose pages may call the start and check routes with client tokens (CORS); empty for none."));
    /// `Turnstile.SiteKey`
    pub const TURNSTILE_SITE_KEY: ParamSpec = c(p("Turnstile.SiteKey", "turnstile_site_key", "Turnstile site key", Kind::Text { max: 100 }, "The public Cloudflare Turnstile site key pages render the bot check with."));
    /// `Turnstile.SecretKey`
    pub const TURNSTILE_SECRET_KEY: ParamSpec = c(p("Turnstile.SecretKey", "turnstile_secret_key", "Turnstile secret key", Kind::Text { max: 200 }, "The Turnstile secret (write-only, never shown): when set, every start made with a client token needs a TurnstileToken that passes siteverify."));
    /// `WebOtpDomain`
    pub const WEB_OTP_DOMAIN: ParamSpec = c(p("WebOtpDomain", "web_otp_domain", "Web OTP domain", Kind::Text { max: 253 }, "The host of the page that reads codes (e.g. verify.example.com): SMS end with the line @host #code for the Web OTP API."));
    /// `RotateClientTokenKey`
    pub const ROTATE_CLIENT_TOKEN_KEY: ParamSpec = d(p("RotateClientTokenKey", "rotate_client_token_key", "Rotate client token key", Kind::Boolean, "true: a new signing key, so every client token and result token issued so far stops working at once."), "false");
    /// The browser settings.
    pub const BROWSER: [ParamSpec; 5] = [ALLOWED_ORIGINS, TURNSTILE_SITE_KEY, TURNSTILE_SECRET_KEY, WEB_OTP_DOMAIN, ROTATE_CLIENT_TOKEN_KEY];

    /// The boolean settings.
    pub const BOOLEANS: [ParamSpec; 8] = [
        d(p("LookupEnabled", "lookup_enabled", "Lookup enabled", Kind::Boolean, "Look the number up before sending."), "false"),
        d(p("SkipSmsToLandlines", "skip_sms_to_landlines", "Skip SMS to landlines", Kind::Boolean, "Requires lookup_enabled."), "false"),
        d(p("DtmfInputRequired", "dtmf_input_required", "DTMF input required", Kind::Boolean, "Ask for a key press before reading a code in a call."), "false"),
        d(p("Psd2Enabled", "psd2_enabled", "PSD2 enabled", Kind::Boolean, "Verifications carry an amount and a payee."), "false"),
        d(p("DoNotShareWarningEnabled", "do_not_share_warning_enabled", "Do-not-share warning", Kind::Boolean, "Add a do-not-share sentence to SMS."), "false"),
        d(p("CustomCodeEnabled", "custom_code_enabled", "Custom codes enabled", Kind::Boolean, "Allow starting verifications with your own code."), "false"),
        d(p("Push.IncludeDate", "push_include_date", "Push: include date", Kind::Boolean, "Deprecated."), "false"),
        d(p("VerifyEventSubscriptionEnabled", "verify_event_subscription_enabled", "Event subscription enabled", Kind::Boolean, "Send events to event streams."), "false"),
    ];

    /// Every service parameter, in form order.
    pub fn all() -> Vec<ParamSpec> {
        let mut all = vec![FRIENDLY_NAME, CODE_LENGTH];
        all.extend(BOOLEANS);
        all.extend([
            TTS_NAME, PUSH_APN, PUSH_FCM, TOTP_ISSUER, TOTP_TIME_STEP, TOTP_CODE_LENGTH, TOTP_SKEW, DEFAULT_TEMPLATE,
            WHATSAPP_MSG_SERVICE, WHATSAPP_FROM, PASSKEYS_RP_ID, PASSKEYS_RP_NAME, PASSKEYS_RP_ORIGINS, PASSKEYS_ATTACHMENT,
            PASSKEYS_DISCOVERABLE, PASSKEYS_USER_VERIFICATION, FRAUD_GUARD, GEO_SMS, GEO_CALL, TEST_NUMBERS,
        ]);
        all.extend(LIMITS);
        all.extend([FALLBACK_CHANNEL, FALLBACK_AFTER]);
        all.extend(BROWSER);
        all
    }
}

/// Verification parameters (start, check, status update).
pub mod verification {
    use super::*;

    /// `To`
    pub const TO: ParamSpec = p("To", "to", "To", Kind::Text { max: 254 }, "Phone number in E.164 form (+14155550100), or an email address for the email channel.");
    /// `Channel`
    pub const CHANNEL: ParamSpec = p("Channel", "channel", "Channel", Kind::Choice(&["sms", "call", "email", "whatsapp", "auto"]), "How to deliver the code; auto means sms.");
    /// `CustomFriendlyName`
    pub const CUSTOM_FRIENDLY_NAME: ParamSpec = p("CustomFriendlyName", "custom_friendly_name", "Custom friendly name", Kind::Text { max: 30 }, "Replaces the service name in this message.");
    /// `CustomMessage`
    pub const CUSTOM_MESSAGE: ParamSpec = p("CustomMessage", "custom_message", "Custom message", Kind::Text { max: 1000 }, "The whole message, with a {{code}} placeholder.");
    /// `SendDigits`
    pub const SEND_DIGITS: ParamSpec = p("SendDigits", "send_digits", "Send digits", Kind::Text { max: 32 }, "Digits to dial once a call connects (0-9, w, W, #, *).");
    /// `Locale`
    pub const LOCALE: ParamSpec = p("Locale", "locale", "Locale", Kind::Text { max: 10 }, "Message language: en, es, fr, de, it, pt, nl, pl, tr, ja, zh, hi, ar; English otherwise.");
    /// `CustomCode`
    pub const CUSTOM_CODE: ParamSpec = p("CustomCode", "custom_code", "Custom code", Kind::Text { max: 10 }, "Your own 4-10 character code; the service must enable custom codes.");
    /// `Amount`
    pub const AMOUNT: ParamSpec = p("Amount", "amount", "Amount", Kind::Text { max: 100 }, "PSD2 transaction amount; required when the service is PSD2-enabled.");
    /// `Payee`
    pub const PAYEE: ParamSpec = p("Payee", "payee", "Payee", Kind::Text { max: 100 }, "PSD2 payee; required when the service is PSD2-enabled.");
    /// `ChannelConfiguration`
    pub const CHANNEL_CONFIGURATION: ParamSpec = p("ChannelConfiguration", "channel_configuration", "Channel configuration", Kind::Object, "Email options: from, from_name, template_id, substitutions.");
    /// `AppHash`
    pub const APP_HASH: ParamSpec = p("AppHash", "app_hash", "App hash", Kind::Text { max: 11 }, "Android SMS Retriever hash.");
    /// `RateLimits`
    pub const RATE_LIMITS: ParamSpec = p("RateLimits", "rate_limits", "Rate limits", Kind::Object, "Rate limit keys and values, e.g. {\"end_user_ip\": \"1.2.3.4\"}.");
    /// `DeviceIp`
    pub const DEVICE_IP: ParamSpec = p("DeviceIp", "device_ip", "Device IP", Kind::Text { max: 45 }, "The user's IPv4 or IPv6 address.");
    /// `TemplateSid`
    pub const TEMPLATE_SID: ParamSpec = p("TemplateSid", "template_sid", "Template SID", Kind::Sid("HJ"), "A message template.");
    /// `TurnstileToken`
    pub const TURNSTILE_TOKEN: ParamSpec = p("TurnstileToken", "turnstile_token", "Turnstile token", Kind::Text { max: 2048 }, "The page's Cloudflare Turnstile response: required on starts made with a client token when the service sets Turnstile.SecretKey; ignored otherwise.");
    /// `Tags`
    pub const TAGS: ParamSpec = p("Tags", "tags", "Tags", Kind::Object, "Up to 10 string tags.");
    /// `Code`
    pub const CODE: ParamSpec = p("Code", "code", "Code", Kind::Text { max: 10 }, "The 4-10 character code the user entered.");
    /// `VerificationSid`
    pub const VERIFICATION_SID: ParamSpec = p("VerificationSid", "verification_sid", "Verification SID", Kind::Sid("VE"), "The verification to check; give this or to.");
    /// `Status`
    pub const STATUS: ParamSpec = p("Status", "status", "Status", Kind::Choice(&["approved", "canceled"]), "The new status.");

    /// Start parameters, in form order.
    pub const START: [ParamSpec; 16] = [
        TO, CHANNEL, CUSTOM_FRIENDLY_NAME, CUSTOM_MESSAGE, SEND_DIGITS, LOCALE, CUSTOM_CODE, AMOUNT, PAYEE,
        CHANNEL_CONFIGURATION, APP_HASH, RATE_LIMITS, DEVICE_IP, TEMPLATE_SID, TAGS, TURNSTILE_TOKEN,
    ];
    /// What a start made with a client token may not choose (a browser must not).
    pub const NOT_FOR_BROWSERS: [ParamSpec; 9] = [CUSTOM_CODE, CUSTOM_MESSAGE, CUSTOM_FRIENDLY_NAME, SEND_DIGITS, AMOUNT, PAYEE, CHANNEL_CONFIGURATION, RATE_LIMITS, TEMPLATE_SID];
    /// Check parameters.
    pub const CHECK: [ParamSpec; 5] = [CODE, TO, VERIFICATION_SID, AMOUNT, PAYEE];
}

/// Client token and result token parameters.
pub mod client_token {
    use super::*;
    /// `Ttl`
    pub const TTL: ParamSpec = d(p("Ttl", "ttl", "Time to live", Kind::Integer { min: 1, max: 3600 }, "Seconds the token works, 1 to 3600."), "300");
    /// `Scopes`
    pub const SCOPES: ParamSpec = d(p("Scopes", "scopes", "Scopes", Kind::Text { max: 32 }, "Comma-separated: start (send codes), check (check codes), or both."), "start,check");
    /// `To`
    pub const TO: ParamSpec = p("To", "to", "Bound To", Kind::Text { max: 254 }, "Binds the token to one recipient (E.164 number or email address): it starts and checks for this To only.");
    /// `MaxStarts`
    pub const MAX_STARTS: ParamSpec = p("MaxStarts", "max_starts", "Max starts", Kind::Integer { min: 1, max: 100 }, "Starts allowed with this token, 1 to 100; when absent, only the service's limits bound it.");
    /// Minting parameters.
    pub const ALL: [ParamSpec; 4] = [TTL, SCOPES, TO, MAX_STARTS];
    /// `Token` of a verification result.
    pub const RESULT_TOKEN: ParamSpec = p("Token", "token", "Result token", Kind::Text { max: 2048 }, "The result_token an approved check made with a client token returned.");
}

/// Rate limit and bucket parameters.
pub mod rate_limit {
    use super::*;
    /// `UniqueName`
    pub const UNIQUE_NAME: ParamSpec = p("UniqueName", "unique_name", "Unique name", Kind::Text { max: 64 }, "The key's name, as starts give it in RateLimits: 1 to 64 letters, digits, _, - or . (no personal data).");
    /// `Description`
    pub const DESCRIPTION: ParamSpec = p("Description", "description", "Description", Kind::Text { max: 256 }, "What the rate limit is for.");
    /// `Max`
    pub const MAX: ParamSpec = p("Max", "max", "Max", Kind::Integer { min: 1, max: 100_000 }, "Starts allowed per key value in any Interval seconds.");
    /// `Interval`
    pub const INTERVAL: ParamSpec = p("Interval", "interval", "Interval", Kind::Integer { min: 1, max: 604_800 }, "The window in seconds (up to a week).");
}

/// Event webhook parameters (docs/events.md).
pub mod webhook {
    use super::*;
    /// `FriendlyName`
    pub const FRIENDLY_NAME: ParamSpec = p("FriendlyName", "friendly_name", "Friendly name", Kind::Text { max: 64 }, "A name for the webhook, up to 64 characters (no personal data).");
    /// `EventTypes` (a list: repeat the parameter, or separate with commas)
    pub const EVENT_TYPES: ParamSpec = p("EventTypes", "event_types", "Event types", Kind::Text { max: 400 }, "The events to receive (repeat the parameter, or separate with commas): * for all, verification.started, verification.approved, verification.canceled, verification.expired, verification.max_attempts_reached, verification.delivery_status, or Twilio's factor.* and challenge.* names (accepted, never sent).");
    /// `WebhookUrl`
    pub const WEBHOOK_URL: ParamSpec = p("WebhookUrl", "webhook_url", "Webhook URL", Kind::Text { max: 2048 }, "Where events are POSTed: an https URL to a public host (loopback and private addresses only with DEV_MODE=true).");
    /// `Status`
    pub const STATUS: ParamSpec = d(p("Status", "status", "Status", Kind::Choice(&["enabled", "disabled"]), "A disabled webhook receives nothing (events are not kept for it)."), "enabled");
    /// `Version`
    pub const VERSION: ParamSpec = d(p("Version", "version", "Version", Kind::Choice(&["v1", "v2"]), "The payload version; both send the v2 JSON payload of docs/events.md."), "v2");
    /// Create and update parameters.
    pub const ALL: [ParamSpec; 5] = [FRIENDLY_NAME, EVENT_TYPES, WEBHOOK_URL, STATUS, VERSION];
}

/// Safe list parameters.
pub mod safe_list {
    use super::*;
    /// `PhoneNumber`
    pub const PHONE_NUMBER: ParamSpec = p("PhoneNumber", "phone_number", "Phone number", Kind::Text { max: 16 }, "A number in E.164 form that geo permissions and the fraud guard let through.");
}

/// Identifiers that fill path parameters in actions.
pub mod ids {
    use super::*;
    /// A service SID.
    pub const SERVICE_SID: ParamSpec = p("ServiceSid", "service_sid", "Verification service", Kind::Sid("VA"), "The verification service (VA...). Choose one, or map a SID.");
    /// A verification SID, or its `To`.
    pub const VERIFICATION: ParamSpec = p("Sid", "verification_sid", "Verification SID or To", Kind::Text { max: 254 }, "The verification's SID (VE...), or the phone number or email it was sent to.");
}

/// `make_api_call` inputs.
pub mod api_call {
    use super::*;
    /// The path.
    pub const URL: ParamSpec = p("url", "url", "URL", Kind::Text { max: 2048 }, "A path of this API, e.g. /v2/Services. Absolute URLs are refused.");
    /// The method.
    pub const METHOD: ParamSpec = d(p("method", "method", "Method", Kind::Choice(&["GET", "POST", "PUT", "PATCH", "DELETE"]), "The HTTP method."), "GET");
    /// Headers.
    pub const HEADERS: ParamSpec = p("headers", "headers", "Headers", Kind::Pairs, "A list of {key, value}. Authorization is added for you.");
    /// Query string.
    pub const QUERY: ParamSpec = p("query", "query", "Query string", Kind::Pairs, "A list of {key, value}.");
    /// Body.
    pub const BODY: ParamSpec = p("body", "body", "Body", Kind::TextOrObject, "Text (form-encoded unless a content-type header says otherwise) or a JSON object.");
}

/// Account and API key parameters (2010-04-01 API).
pub mod account {
    use super::*;
    /// `FriendlyName` of an account or key.
    pub const FRIENDLY_NAME: ParamSpec = p("FriendlyName", "friendly_name", "Friendly name", Kind::Text { max: 64 }, "A name, up to 64 characters.");
    /// `Status` of a subaccount.
    pub const STATUS: ParamSpec = p("Status", "status", "Status", Kind::Choice(&["active", "suspended", "closed"]), "Only the main account changes a subaccount's status; closed is final.");
}

/// Paging parameters.
pub mod paging {
    use super::*;
    /// `PageSize`
    pub const PAGE_SIZE: ParamSpec = d(p("PageSize", "page_size", "Page size", Kind::Integer { min: 1, max: 1000 }, "Items per page."), "50");
    /// `Page`
    pub const PAGE: ParamSpec = p("Page", "page", "Page", Kind::Integer { min: 0, max: 4_294_967_295 }, "Page number (client state).");
    /// `PageToken`
    pub const PAGE_TOKEN: ParamSpec = p("PageToken", "page_token", "Page token", Kind::Text { max: 66 }, "From a previous page's URLs.");
}

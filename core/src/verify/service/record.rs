//! A verification service's settings as stored, and the typed update both faces parse into
//! (create is an update of a fresh record with Twilio's defaults).

use serde::{Deserialize, Serialize};

use super::fallback::{FallbackSettings, FallbackUpdate};
use super::guard::{GuardSettings, GuardUpdate};
use crate::browser::settings::{BrowserSettings, BrowserUpdate};
use crate::channel::is_e164;
use crate::error::ApiError;
use crate::input::{Input, Naming, Patch};
use crate::sid::{AccountSid, CredentialSid, MessagingServiceSid, ServiceSid, TemplateSid};
use crate::spec::service::*;
use crate::spec::ParamSpec;
use crate::time::Timestamp;
use crate::verify::routing::config::MessagingConfig;

/// Code length when the service does not set one (what Console-created services use).
pub const DEFAULT_CODE_LENGTH: u8 = 6;
/// Most digits a `FriendlyName` may hold, so a name cannot pass for a code or a phone number.
pub const MAX_FRIENDLY_NAME_DIGITS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushSettings {
    /// Deprecated; kept for compatibility.
    pub include_date: bool,
    pub apn_credential_sid: Option<CredentialSid>,
    pub fcm_credential_sid: Option<CredentialSid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSettings {
    /// The friendly name when unset.
    pub issuer: Option<String>,
    /// Seconds per code, 20 to 60.
    pub time_step: u8,
    /// Digits per code, 3 to 8.
    pub code_length: u8,
    /// Steps of tolerance, 0 to 2.
    pub skew: u8,
}

impl Default for TotpSettings {
    fn default() -> Self {
        Self { issuer: None, time_step: 30, code_length: 6, skew: 1 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WhatsappSettings {
    /// The Messaging Service holding the WhatsApp senders.
    pub msg_service_sid: Option<MessagingServiceSid>,
    /// `whatsapp:+E164`
    pub from: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RelyingParty {
    pub id: Option<String>,
    pub name: Option<String>,
    pub origins: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeysSettings {
    pub relying_party: RelyingParty,
    /// `platform`, `cross-platform` or `any`.
    pub authenticator_attachment: Option<String>,
    /// `required`, `preferred` or `discouraged`.
    pub discoverable_credentials: Option<String>,
    /// `required`, `preferred` or `discouraged`.
    pub user_verification: Option<String>,
}

/// A stored verification service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub sid: ServiceSid,
    pub account_sid: AccountSid,
    /// Shown in messages.
    pub friendly_name: String,
    /// Digits per generated code, 4 to 10.
    pub code_length: u8,
    pub lookup_enabled: bool,
    /// Requires lookup.
    pub skip_sms_to_landlines: bool,
    pub dtmf_input_required: bool,
    pub tts_name: Option<String>,
    /// Verifications carry an amount and a payee.
    pub psd2_enabled: bool,
    pub do_not_share_warning_enabled: bool,
    /// Callers may supply the code.
    pub custom_code_enabled: bool,
    pub push: PushSettings,
    pub totp: TotpSettings,
    pub default_template_sid: Option<TemplateSid>,
    pub whatsapp: WhatsappSettings,
    pub passkeys: PasskeysSettings,
    pub verify_event_subscription_enabled: bool,
    #[serde(default)]
    pub guard: GuardSettings,
    #[serde(default)]
    pub browser: BrowserSettings,
    /// The channel a verification still pending after an SMS falls back to.
    #[serde(default)]
    pub fallback: FallbackSettings,
    /// Which Messaging Service sends to each country (`/MessagingConfigurations`), sorted by
    /// country, at most `MAX_CONFIGURATIONS`: kept here so that a start reads no more than the
    /// (cached) service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messaging_configurations: Vec<MessagingConfig>,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

impl ServiceRecord {
    /// A service with Twilio's defaults.
    pub fn new(sid: ServiceSid, account_sid: AccountSid, friendly_name: String, now: Timestamp) -> Self {
        Self {
            sid,
            account_sid,
            friendly_name,
            code_length: DEFAULT_CODE_LENGTH,
            lookup_enabled: false,
            skip_sms_to_landlines: false,
            dtmf_input_required: false,
            tts_name: None,
            psd2_enabled: false,
            do_not_share_warning_enabled: false,
            custom_code_enabled: false,
            push: PushSettings::default(),
            totp: TotpSettings::default(),
            default_template_sid: None,
            whatsapp: WhatsappSettings::default(),
            passkeys: PasskeysSettings::default(),
            verify_event_subscription_enabled: false,
            guard: GuardSettings::default(),
            browser: BrowserSettings::default(),
            fallback: FallbackSettings::default(),
            messaging_configurations: Vec::new(),
            date_created: now,
            date_updated: now,
        }
    }

    /// The example SIDs (`VAaaa...`, `ACaaa...`) and defaults, named "Acme".
    pub fn example() -> Self {
        Self::new(ServiceSid::example(), AccountSid::example(), "Acme".into(), crate::time::EXAMPLE_TIME)
    }

    /// Applies an update; on error (a rule across settings) `self` may be partly changed, so
    /// work on a copy.
    pub fn apply(&mut self, u: ServiceUpdate) -> Result<(), ApiError> {
        if let Some(name) = u.friendly_name {
            self.friendly_name = name;
        }
        if let Some(n) = u.code_length {
            self.code_length = n;
        }
        let [lookup, skip_sms, dtmf, psd2, do_not_share, custom_code, include_date, events] = u.booleans;
        for (value, field) in [
            (lookup, &mut self.lookup_enabled),
            (skip_sms, &mut self.skip_sms_to_landlines),
            (dtmf, &mut self.dtmf_input_required),
            (psd2, &mut self.psd2_enabled),
            (do_not_share, &mut self.do_not_share_warning_enabled),
            (custom_code, &mut self.custom_code_enabled),
            (include_date, &mut self.push.include_date),
            (events, &mut self.verify_event_subscription_enabled),
        ] {
            if let Some(b) = value {
                *field = b;
            }
        }
        u.tts_name.apply(&mut self.tts_name);
        u.push_apn.apply(&mut self.push.apn_credential_sid);
        u.push_fcm.apply(&mut self.push.fcm_credential_sid);
        u.totp_issuer.apply(&mut self.totp.issuer);
        for (value, field) in [(u.totp_time_step, &mut self.totp.time_step), (u.totp_code_length, &mut self.totp.code_length), (u.totp_skew, &mut self.totp.skew)] {
            if let Some(n) = value {
                *field = n;
            }
        }
        u.default_template.apply(&mut self.default_template_sid);
        u.whatsapp_msg_service.apply(&mut self.whatsapp.msg_service_sid);
        u.whatsapp_from.apply(&mut self.whatsapp.from);
        let rp = &mut self.passkeys.relying_party;
        u.rp_id.apply(&mut rp.id);
        u.rp_name.apply(&mut rp.name);
        if let Some(origins) = u.rp_origins {
            rp.origins = origins;
        }
        u.attachment
            .apply(&mut self.passkeys.authenticator_attachment);
        u.discoverable
            .apply(&mut self.passkeys.discoverable_credentials);
        u.user_verification
            .apply(&mut self.passkeys.user_verification);
        u.guard.apply(&mut self.guard);
        u.browser.apply(&mut self.browser);
        u.fallback.apply(&mut self.fallback);
        if self.skip_sms_to_landlines && !self.lookup_enabled {
            let name = match u.naming {
                Naming::Wire => skip_sms_spec().wire,
                Naming::Field => skip_sms_spec().field,
            };
            return Err(ApiError::invalid(name, "requires LookupEnabled=true"));
        }
        Ok(())
    }
}

fn skip_sms_spec() -> ParamSpec {
    let [_, skip_sms, ..] = BOOLEANS;
    skip_sms
}

/// The settings a create or update request gives; everything absent is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUpdate {
    naming: Naming,
    pub friendly_name: Option<String>,
    pub code_length: Option<u8>,
    /// In the order of [`BOOLEANS`].
    pub booleans: [Option<bool>; 8],
    pub tts_name: Patch<String>,
    pub push_apn: Patch<CredentialSid>,
    pub push_fcm: Patch<CredentialSid>,
    pub totp_issuer: Patch<String>,
    pub totp_time_step: Option<u8>,
    pub totp_code_length: Option<u8>,
    pub totp_skew: Option<u8>,
    pub default_template: Patch<TemplateSid>,
    pub whatsapp_msg_service: Patch<MessagingServiceSid>,
    pub whatsapp_from: Patch<String>,
    pub rp_id: Patch<String>,
    pub rp_name: Patch<String>,
    pub rp_origins: Option<Vec<String>>,
    pub attachment: Patch<String>,
    pub discoverable: Patch<String>,
    pub user_verification: Patch<String>,
    pub guard: GuardUpdate,
    pub browser: BrowserUpdate,
    pub fallback: FallbackUpdate,
}

impl ServiceUpdate {
    /// The settings of a new service: `FriendlyName` is required.
    pub fn parse_new(input: &Input<'_>) -> Result<Self, ApiError> {
        if !input.has(&FRIENDLY_NAME) {
            return Err(input.invalid(&FRIENDLY_NAME, "is required"));
        }
        Self::parse(input)
    }

    /// How the request named its parameters (for errors found after parsing).
    pub fn naming(&self) -> Naming {
        self.naming
    }

    /// Parses every service parameter present, failing on the first bad one.
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let small = |spec: &ParamSpec| -> Result<Option<u8>, ApiError> { Ok(input.integer(spec)?.map(|n| n as u8)) };
        let mut booleans = [None; 8];
        for (slot, spec) in booleans.iter_mut().zip(BOOLEANS.iter()) {
            *slot = input.boolean(spec)?;
        }
        let choice = |spec: &ParamSpec| -> Result<Patch<String>, ApiError> {
            Ok(match input.raw_text(spec)? {
                None => Patch::Keep,
                Some("") => Patch::Clear,
                Some(_) => input.choice(spec)?.map_or(Patch::Keep, |c| Patch::Set(c.to_owned())),
            })
        };
        Ok(Self {
            naming: input.naming(),
            friendly_name: match input.raw_text(&FRIENDLY_NAME)? {
                None => None,
                Some(name) => Some(check_friendly_name(name).map_err(|why| input.invalid(&FRIENDLY_NAME, why))?),
            },
            code_length: small(&CODE_LENGTH)?,
            booleans,
            tts_name: input.text_patch(&TTS_NAME)?,
            push_apn: input.sid_patch(&PUSH_APN, CredentialSid::parse)?,
            push_fcm: input.sid_patch(&PUSH_FCM, CredentialSid::parse)?,
            totp_issuer: input.text_patch(&TOTP_ISSUER)?,
            totp_time_step: small(&TOTP_TIME_STEP)?,
            totp_code_length: small(&TOTP_CODE_LENGTH)?,
            totp_skew: small(&TOTP_SKEW)?,
            default_template: input.sid_patch(&DEFAULT_TEMPLATE, TemplateSid::parse)?,
            whatsapp_msg_service: input.sid_patch(&WHATSAPP_MSG_SERVICE, MessagingServiceSid::parse)?,
            whatsapp_from: match input.text_patch(&WHATSAPP_FROM)? {
                Patch::Set(from) => {
                    let number = from.strip_prefix("whatsapp:").unwrap_or(&from);
                    if !is_e164(number) {
                        return Err(input.invalid(&WHATSAPP_FROM, "must be a phone number in E.164 form, optionally prefixed with whatsapp:"));
                    }
                    Patch::Set(format!("whatsapp:{number}"))
                }
                other => other,
            },
            rp_id: input.text_patch(&PASSKEYS_RP_ID)?,
            rp_name: input.text_patch(&PASSKEYS_RP_NAME)?,
            rp_origins: match input.text(&PASSKEYS_RP_ORIGINS)? {
                None => None,
                Some(text) => Some(parse_origins(&text).ok_or_else(|| input.invalid(&PASSKEYS_RP_ORIGINS, "must be up to 20 comma-separated origins"))?),
            },
            attachment: choice(&PASSKEYS_ATTACHMENT)?,
            discoverable: choice(&PASSKEYS_DISCOVERABLE)?,
            user_verification: choice(&PASSKEYS_USER_VERIFICATION)?,
            guard: GuardUpdate::parse(input)?,
            browser: BrowserUpdate::parse(input)?,
            fallback: FallbackUpdate::parse(input)?,
        })
    }
}

/// Checks a friendly name: 1 to 30 characters, at most 4 digits, and none of the characters
/// that would make it a link, an address or markup in a message. Returns what is wrong.
pub fn check_friendly_name(name: &str) -> Result<String, String> {
    let max = FRIENDLY_NAME.max_chars();
    if name.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if name.chars().filter(char::is_ascii_digit).count() > MAX_FRIENDLY_NAME_DIGITS {
        return Err(format!("must not contain more than {MAX_FRIENDLY_NAME_DIGITS} digits"));
    }
    if name.chars().any(|c| c.is_control() || "<>/\\@:{}|#%=[]`\"".contains(c)) {
        return Err("may hold letters, digits, spaces and simple punctuation only (no links or markup)".into());
    }
    Ok(name.to_owned())
}

fn parse_origins(text: &str) -> Option<Vec<String>> {
    let origins: Vec<String> = text.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
    (origins.len() <= 20 && origins.iter().all(|o| o.len() <= 253 && !o.contains(char::is_whitespace))).then_some(origins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Body;

    fn apply(record: &mut ServiceRecord, pairs: &[(&str, &str)]) -> Result<(), ApiError> {
        let body = Body::Form(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        record.apply(ServiceUpdate::parse(&body.input(Naming::Wire))?)
    }

    #[test]
    fn applies_every_setting() {
        let mut s = ServiceRecord::example();
        apply(&mut s, &[
            ("FriendlyName", "Acme Login"),
            ("CodeLength", "8"),
            ("LookupEnabled", "true"),
            ("SkipSmsToLandlines", "true"),
            ("DtmfInputRequired", "true"),
            ("TtsName", "alice"),
            ("Psd2Enabled", "true"),
            ("DoNotShareWarningEnabled", "true"),
            ("CustomCodeEnabled", "true"),
            ("Push.IncludeDate", "true"),
            ("Push.ApnCredentialSid", "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Push.FcmCredentialSid", "CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            ("Totp.Issuer", "Acme"),
            ("Totp.TimeStep", "60"),
            ("Totp.CodeLength", "8"),
            ("Totp.Skew", "2"),
            ("DefaultTemplateSid", "HJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Whatsapp.MsgServiceSid", "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Whatsapp.From", "+14155550100"),
            ("Passkeys.RelyingParty.Id", "example.com"),
            ("Passkeys.RelyingParty.Name", "Example"),
            ("Passkeys.RelyingParty.Origins", "https://a.example.com, https://b.example.com"),
            ("Passkeys.AuthenticatorAttachment", "cross-platform"),
            ("Passkeys.DiscoverableCredentials", "preferred"),
            ("Passkeys.UserVerification", "required"),
            ("VerifyEventSubscriptionEnabled", "true"),
            ("MailerSid", "MDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Unknown", "ignored"),
        ])
        .unwrap();
        assert_eq!((s.friendly_name.as_str(), s.code_length), ("Acme Login", 8));
        assert!(s.lookup_enabled && s.skip_sms_to_landlines && s.dtmf_input_required && s.psd2_enabled);
        assert!(s.do_not_share_warning_enabled && s.custom_code_enabled && s.push.include_date && s.verify_event_subscription_enabled);
        assert_eq!(s.push.apn_credential_sid.as_ref().map(CredentialSid::as_str), Some("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_eq!(s.totp, TotpSettings { issuer: Some("Acme".into()), time_step: 60, code_length: 8, skew: 2 });
        assert_eq!(s.whatsapp.from.as_deref(), Some("whatsapp:+14155550100"));
        assert_eq!(s.passkeys.relying_party.origins, ["https://a.example.com", "https://b.example.com"]);
        assert_eq!(s.passkeys.user_verification.as_deref(), Some("required"));
    }

    #[test]
    fn empty_values_clear_optional_settings() {
        let mut s = ServiceRecord::example();
        apply(&mut s, &[("TtsName", "x"), ("Whatsapp.From", "whatsapp:+14155550100"), ("Passkeys.UserVerification", "required")]).unwrap();
        apply(&mut s, &[("TtsName", ""), ("Whatsapp.From", ""), ("Passkeys.UserVerification", "")]).unwrap();
        assert_eq!((s.tts_name, s.whatsapp.from, s.passkeys.user_verification), (None, None, None));
    }

    #[test]
    fn rejects_each_bad_value_naming_it() {
        let cases = [
            ("FriendlyName", "x".repeat(31)),
            ("FriendlyName", "".into()),
            ("FriendlyName", "   ".into()),
            ("FriendlyName", "Call 555-1234".into()),
            ("FriendlyName", "see https://evil.example".into()),
            ("CodeLength", "3".into()),
            ("CodeLength", "11".into()),
            ("CodeLength", "six".into()),
            ("LookupEnabled", "yes".into()),
            ("Psd2Enabled", "1".into()),
            ("Push.ApnCredentialSid", "CR123".into()),
            ("Totp.TimeStep", "19".into()),
            ("Totp.CodeLength", "9".into()),
            ("Totp.Skew", "3".into()),
            ("DefaultTemplateSid", "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
            ("Whatsapp.MsgServiceSid", "MGzz".into()),
            ("Whatsapp.From", "whatsapp:12345".into()),
            ("Passkeys.AuthenticatorAttachment", "usb".into()),
            ("Passkeys.UserVerification", "always".into()),
            ("SkipSmsToLandlines", "true".into()),
        ];
        for (name, value) in cases {
            let err = apply(&mut ServiceRecord::example(), &[(name, &value)]).unwrap_err();
            assert_eq!(err.parameter(), Some(name), "{name}={value}");
            assert_eq!((err.status(), err.code()), (400, 60200));
        }
    }

    #[test]
    fn friendly_name_limits() {
        assert!(check_friendly_name(&"x".repeat(30)).is_ok());
        assert!(check_friendly_name("Acme 2024").is_ok());
        assert!(check_friendly_name("Acme 20245").is_err());
        assert!(check_friendly_name("Café Zürich").is_ok());
    }
}

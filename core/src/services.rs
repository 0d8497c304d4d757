//! Verification services: the settings record, parsed from Twilio's form parameters, and its
//! create / list / fetch / update / delete operations.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::{App, Call, Platform};
use crate::error::ApiError;
use crate::http::ApiResponse;
use crate::page::{v2_list, window, PageQuery};
use crate::params::{Params, Patch};
use crate::sid::{AccountSid, CredentialSid, MessagingServiceSid, ServiceSid, TemplateSid};
use crate::store::{get_json, get_many_json, keys, list_suffixes, put_json, KeyValue};
use crate::time::{Clock, Timestamp};

/// Longest `FriendlyName` (Twilio's 60200 text: "max 30 characters").
pub const MAX_FRIENDLY_NAME: usize = crate::spec::service::FRIENDLY_NAME.max_chars();
/// Most digits a `FriendlyName` may hold, so a name cannot pass for a code or a phone number.
pub const MAX_FRIENDLY_NAME_DIGITS: usize = 4;
/// Code length when the service does not set one.
pub const DEFAULT_CODE_LENGTH: u8 = 6;

/// The Verify v2 `service` resource as an example (used by the action catalog and the spec).
pub fn example_json(origin: &str) -> Value {
    let mut service = ServiceRecord::example();
    service.friendly_name = "My Service".into();
    service.do_not_share_warning_enabled = true;
    service.to_json(origin)
}

/// Push factor settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSettings {
    /// Deprecated; kept for compatibility.
    pub include_date: bool,
    /// APN credential.
    pub apn_credential_sid: Option<CredentialSid>,
    /// FCM credential.
    pub fcm_credential_sid: Option<CredentialSid>,
}

/// TOTP factor settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSettings {
    /// Issuer in the TOTP URI; the friendly name when unset.
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

/// WhatsApp sender settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsappSettings {
    /// Messaging Service holding the WhatsApp senders.
    pub msg_service_sid: Option<MessagingServiceSid>,
    /// The WhatsApp sender, `whatsapp:+E164`.
    pub from: Option<String>,
}

/// The WebAuthn relying party.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelyingParty {
    /// Its domain.
    pub id: Option<String>,
    /// Its display name.
    pub name: Option<String>,
    /// Origins allowed.
    pub origins: Vec<String>,
}

/// Passkeys settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysSettings {
    /// The relying party.
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
    /// `VA...`
    pub sid: ServiceSid,
    /// The owning account.
    pub account_sid: AccountSid,
    /// Shown in messages.
    pub friendly_name: String,
    /// Digits per generated code, 4 to 10.
    pub code_length: u8,
    /// Whether to look the number up before sending.
    pub lookup_enabled: bool,
    /// Whether to skip SMS to landlines (requires lookup).
    pub skip_sms_to_landlines: bool,
    /// Whether a call asks for a key press before the code.
    pub dtmf_input_required: bool,
    /// Alternative TTS voice.
    pub tts_name: Option<String>,
    /// Whether verifications carry a PSD2 amount and payee.
    pub psd2_enabled: bool,
    /// Whether SMS add the do-not-share sentence.
    pub do_not_share_warning_enabled: bool,
    /// Whether callers may supply the code.
    pub custom_code_enabled: bool,
    /// Push settings.
    pub push: PushSettings,
    /// TOTP settings.
    pub totp: TotpSettings,
    /// Default SMS template.
    pub default_template_sid: Option<TemplateSid>,
    /// WhatsApp settings.
    pub whatsapp: WhatsappSettings,
    /// Passkeys settings.
    pub passkeys: PasskeysSettings,
    /// Whether events go to event streams.
    pub verify_event_subscription_enabled: bool,
    /// When it was made.
    pub date_created: Timestamp,
    /// When it last changed.
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
            date_created: now,
            date_updated: now,
        }
    }

    /// A service with the example SIDs (`VAaaa...`, `ACaaa...`) and defaults, named "Acme".
    pub fn example() -> Self {
        Self::new(ServiceSid::example(), AccountSid::example(), "Acme".into(), crate::examples::EXAMPLE_TIME)
    }

    /// Applies every service parameter present in `p`, or fails naming the first bad one.
    /// Work on a copy: a failure may leave `self` partly changed.
    pub fn apply(&mut self, p: &Params) -> Result<(), ApiError> {
        use crate::spec::service::*;
        if let Some(name) = p.get(FRIENDLY_NAME.wire) {
            self.friendly_name = parse_friendly_name(name)?;
        }
        if let Some(n) = p.integer(CODE_LENGTH.wire, CODE_LENGTH.range())? {
            self.code_length = n as u8;
        }
        let [lookup, skip_sms, dtmf, psd2, do_not_share, custom_code, include_date, events] = BOOLEANS;
        for (spec, field) in [
            (lookup, &mut self.lookup_enabled),
            (skip_sms, &mut self.skip_sms_to_landlines),
            (dtmf, &mut self.dtmf_input_required),
            (psd2, &mut self.psd2_enabled),
            (do_not_share, &mut self.do_not_share_warning_enabled),
            (custom_code, &mut self.custom_code_enabled),
            (include_date, &mut self.push.include_date),
            (events, &mut self.verify_event_subscription_enabled),
        ] {
            if let Some(b) = p.boolean(spec.wire)? {
                *field = b;
            }
        }
        p.text_patch(TTS_NAME.wire, TTS_NAME.max_chars())?.apply(&mut self.tts_name);
        p.sid_patch(PUSH_APN.wire, CredentialSid::parse, CredentialSid::PREFIX)?.apply(&mut self.push.apn_credential_sid);
        p.sid_patch(PUSH_FCM.wire, CredentialSid::parse, CredentialSid::PREFIX)?.apply(&mut self.push.fcm_credential_sid);
        p.text_patch(TOTP_ISSUER.wire, TOTP_ISSUER.max_chars())?.apply(&mut self.totp.issuer);
        for (spec, field) in [
            (TOTP_TIME_STEP, &mut self.totp.time_step),
            (TOTP_CODE_LENGTH, &mut self.totp.code_length),
            (TOTP_SKEW, &mut self.totp.skew),
        ] {
            if let Some(n) = p.integer(spec.wire, spec.range())? {
                *field = n as u8;
            }
        }
        p.sid_patch(DEFAULT_TEMPLATE.wire, TemplateSid::parse, TemplateSid::PREFIX)?.apply(&mut self.default_template_sid);
        p.sid_patch(WHATSAPP_MSG_SERVICE.wire, MessagingServiceSid::parse, MessagingServiceSid::PREFIX)?
            .apply(&mut self.whatsapp.msg_service_sid);
        parse_whatsapp_from(p)?.apply(&mut self.whatsapp.from);
        let rp = &mut self.passkeys.relying_party;
        p.text_patch(PASSKEYS_RP_ID.wire, PASSKEYS_RP_ID.max_chars())?.apply(&mut rp.id);
        p.text_patch(PASSKEYS_RP_NAME.wire, PASSKEYS_RP_NAME.max_chars())?.apply(&mut rp.name);
        if let Some(origins) = p.text(PASSKEYS_RP_ORIGINS.wire, PASSKEYS_RP_ORIGINS.max_chars())? {
            rp.origins = parse_origins(&origins)?;
        }
        for (spec, field) in [
            (PASSKEYS_ATTACHMENT, &mut self.passkeys.authenticator_attachment),
            (PASSKEYS_DISCOVERABLE, &mut self.passkeys.discoverable_credentials),
            (PASSKEYS_USER_VERIFICATION, &mut self.passkeys.user_verification),
        ] {
            match p.get(spec.wire) {
                None => {}
                Some("") => *field = None,
                Some(_) => *field = p.one_of(spec.wire, spec.choices())?.map(str::to_owned),
            }
        }
        if self.skip_sms_to_landlines && !self.lookup_enabled {
            return Err(ApiError::invalid(skip_sms.wire, "requires LookupEnabled=true"));
        }
        Ok(())
    }

    /// The Verify v2 `service` resource, with URLs under `origin`.
    pub fn to_json(&self, origin: &str) -> Value {
        let url = format!("{origin}/v2/Services/{}", self.sid);
        let link = |name: &str| format!("{url}/{name}");
        json!({
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "code_length": self.code_length,
            "lookup_enabled": self.lookup_enabled,
            "psd2_enabled": self.psd2_enabled,
            "skip_sms_to_landlines": self.skip_sms_to_landlines,
            "dtmf_input_required": self.dtmf_input_required,
            "tts_name": self.tts_name,
            "do_not_share_warning_enabled": self.do_not_share_warning_enabled,
            "custom_code_enabled": self.custom_code_enabled,
            "push": self.push,
            "totp": {
                "issuer": self.totp.issuer.as_deref().unwrap_or(&self.friendly_name),
                "time_step": self.totp.time_step,
                "code_length": self.totp.code_length,
                "skew": self.totp.skew,
            },
            "default_template_sid": self.default_template_sid,
            "whatsapp": self.whatsapp,
            "passkeys": self.passkeys,
            "verify_event_subscription_enabled": self.verify_event_subscription_enabled,
            "date_created": self.date_created.iso8601(),
            "date_updated": self.date_updated.iso8601(),
            "url": url,
            "links": {
                "verification_checks": link("VerificationCheck"),
                "verifications": link("Verifications"),
                "rate_limits": link("RateLimits"),
                "messaging_configurations": link("MessagingConfigurations"),
                "entities": link("Entities"),
                "webhooks": link("Webhooks"),
                "access_tokens": link("AccessTokens"),
            },
        })
    }
}

/// Checks a service `FriendlyName`: 1 to 30 characters, at most 4 digits, and none of the
/// characters that would make it a link, an address or markup in a message.
pub fn parse_friendly_name(name: &str) -> Result<String, ApiError> {
    const FIELD: &str = "FriendlyName";
    if name.trim().is_empty() {
        return Err(ApiError::invalid(FIELD, "must not be empty"));
    }
    if name.chars().count() > MAX_FRIENDLY_NAME {
        return Err(ApiError::invalid(FIELD, format!("must be at most {MAX_FRIENDLY_NAME} characters")));
    }
    if name.chars().filter(char::is_ascii_digit).count() > MAX_FRIENDLY_NAME_DIGITS {
        return Err(ApiError::invalid(FIELD, format!("must not contain more than {MAX_FRIENDLY_NAME_DIGITS} digits")));
    }
    if name.chars().any(|c| c.is_control() || "<>/\\@:{}|#%=[]`\"".contains(c)) {
        return Err(ApiError::invalid(FIELD, "may hold letters, digits, spaces and simple punctuation only (no links or markup)"));
    }
    Ok(name.to_owned())
}

fn parse_whatsapp_from(p: &Params) -> Result<Patch<String>, ApiError> {
    use crate::spec::service::WHATSAPP_FROM;
    Ok(match p.text_patch(WHATSAPP_FROM.wire, WHATSAPP_FROM.max_chars())? {
        Patch::Set(from) => {
            let number = from.strip_prefix("whatsapp:").unwrap_or(&from);
            if crate::phone::E164::parse(number).is_none() {
                return Err(ApiError::invalid("Whatsapp.From", "must be a phone number in E.164 form, optionally prefixed with whatsapp:"));
            }
            Patch::Set(format!("whatsapp:{number}"))
        }
        other => other,
    })
}

fn parse_origins(text: &str) -> Result<Vec<String>, ApiError> {
    let origins: Vec<String> = text.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
    if origins.len() > 20 || origins.iter().any(|o| o.len() > 253 || o.contains(char::is_whitespace)) {
        return Err(ApiError::invalid("Passkeys.RelyingParty.Origins", "must be up to 20 comma-separated origins"));
    }
    Ok(origins)
}

impl<P: Platform> App<P> {
    /// The caller's service named in the path, or 404.
    pub(crate) async fn load_service(&self, call: &Call) -> Result<ServiceRecord, ApiError> {
        let name = if call.has_path_param("ServiceSid") { "ServiceSid" } else { "Sid" };
        let not_found = || ApiError::NotFound(call.path.clone());
        let sid = ServiceSid::parse(call.path_param(name)).ok_or_else(not_found)?;
        let record: Option<ServiceRecord> = get_json(&self.kv, &keys::service(&call.principal.account, &sid)).await?;
        record.ok_or_else(not_found)
    }

    /// `POST /v2/Services`
    pub(crate) async fn create_service(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        if !call.params.has("FriendlyName") {
            return Err(ApiError::invalid("FriendlyName", "is required"));
        }
        let now = self.clock.now();
        let sid = ServiceSid::generate(&self.rng);
        let mut record = ServiceRecord::new(sid, call.principal.account.clone(), String::new(), now);
        record.apply(&call.params)?;
        put_json(&self.kv, &keys::service(&record.account_sid, &record.sid), &record, None).await?;
        Ok(ApiResponse::json(201, &record.to_json(&call.origin)))
    }

    /// `GET /v2/Services`
    pub(crate) async fn list_services(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let query = PageQuery::from_params(&call.query)?;
        let account = &call.principal.account;
        let sids = list_suffixes(&self.kv, &keys::services(account)).await?;
        let page = window(&sids, &query);
        let record_keys: Vec<String> = page.items.iter().map(|s| format!("{}{s}", keys::services(account))).collect();
        let records: Vec<ServiceRecord> = get_many_json(&self.kv, &record_keys).await?;
        let shown = records.iter().map(|r| r.to_json(&call.origin)).collect();
        let list_url = format!("{}/v2/Services", call.origin);
        Ok(ApiResponse::json(200, &v2_list("services", shown, &list_url, &query, &page)))
    }

    /// `GET /v2/Services/{Sid}`
    pub(crate) async fn fetch_service(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let record = self.load_service(call).await?;
        Ok(ApiResponse::json(200, &record.to_json(&call.origin)))
    }

    /// `POST /v2/Services/{Sid}`
    pub(crate) async fn update_service(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let mut record = self.load_service(call).await?;
        record.apply(&call.params)?;
        record.date_updated = self.clock.now();
        put_json(&self.kv, &keys::service(&record.account_sid, &record.sid), &record, None).await?;
        Ok(ApiResponse::json(200, &record.to_json(&call.origin)))
    }

    /// `DELETE /v2/Services/{Sid}`
    pub(crate) async fn delete_service(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let record = self.load_service(call).await?;
        self.kv.delete(&keys::service(&record.account_sid, &record.sid)).await?;
        Ok(ApiResponse::empty(204))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_every_setting() {
        let mut s = ServiceRecord::example();
        s.apply(&Params::from_pairs([
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
        ]))
        .unwrap();
        let j = s.to_json("http://h");
        assert_eq!(j["friendly_name"], "Acme Login");
        assert_eq!(j["code_length"], 8);
        for field in ["lookup_enabled", "skip_sms_to_landlines", "dtmf_input_required", "psd2_enabled", "do_not_share_warning_enabled", "custom_code_enabled", "verify_event_subscription_enabled"] {
            assert_eq!(j[field], true, "{field}");
        }
        assert_eq!(j["push"]["apn_credential_sid"], "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(j["totp"], json!({"issuer": "Acme", "time_step": 60, "code_length": 8, "skew": 2}));
        assert_eq!(j["whatsapp"]["from"], "whatsapp:+14155550100");
        assert_eq!(j["passkeys"]["relying_party"]["origins"], json!(["https://a.example.com", "https://b.example.com"]));
        assert_eq!(j["passkeys"]["user_verification"], "required");
        assert_eq!(j["links"]["verification_checks"], "http://h/v2/Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/VerificationCheck");
        assert_eq!(j["date_created"], "2015-07-30T20:00:00Z");
    }

    #[test]
    fn empty_values_clear_optional_settings() {
        let mut s = ServiceRecord::example();
        s.apply(&Params::from_pairs([("TtsName", "x"), ("Whatsapp.From", "whatsapp:+14155550100")])).unwrap();
        s.apply(&Params::from_pairs([("TtsName", ""), ("Whatsapp.From", "")])).unwrap();
        assert_eq!(s.tts_name, None);
        assert_eq!(s.whatsapp.from, None);
        assert_eq!(s.to_json("http://h")["totp"]["issuer"], "Acme", "issuer defaults to the name");
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
            let mut s = ServiceRecord::example();
            let err = s.apply(&Params::from_pairs([(name, value.clone())])).unwrap_err();
            assert_eq!(err.parameter(), Some(name), "{name}={value}");
            assert_eq!((err.status(), err.code()), (400, 60200));
        }
    }

    #[test]
    fn friendly_name_limits() {
        assert!(parse_friendly_name(&"x".repeat(30)).is_ok());
        assert!(parse_friendly_name("Acme 2024").is_ok());
        assert!(parse_friendly_name("Acme 20245").is_err());
        assert!(parse_friendly_name("Café Zürich").is_ok());
    }
}

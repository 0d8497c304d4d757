//! The providers: each turns a delivery job into one outbound HTTP request (or a log line) and
//! judges the answer. Provider failures become a 502 naming the provider and its status.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::config::{DeliveryConfig, ProviderKind};
use super::message::{self, MessageParts};
use super::{OutboundRequest, OutboundResponse, TransportError};
use crate::code::CodeKey;
use crate::error::ApiError;
use crate::services::ServiceRecord;
use crate::time::Timestamp;
use crate::verification::Channel;

/// Where the providers live and how long to wait for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// `TWILIO_API_BASE`, e.g. `https://api.twilio.com`.
    pub twilio_api_base: String,
    /// `SENDGRID_API_BASE`, e.g. `https://api.sendgrid.com`.
    pub sendgrid_api_base: String,
    /// `PROVIDER_TIMEOUT_MS`.
    pub timeout_ms: u64,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            twilio_api_base: "https://api.twilio.com".into(),
            sendgrid_api_base: "https://api.sendgrid.com".into(),
            timeout_ms: 10_000,
        }
    }
}

/// The email options of a start (`ChannelConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConfiguration {
    /// Sender address.
    pub from: Option<String>,
    /// Sender name.
    pub from_name: Option<String>,
    /// SendGrid dynamic template (`d-...`).
    pub template_id: Option<String>,
    /// Template data.
    pub substitutions: Option<Map<String, Value>>,
}

/// Everything a provider needs to deliver one code.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryJob<'a> {
    /// The channel.
    pub channel: Channel,
    /// Phone number or email address.
    pub to: &'a str,
    /// The message parts (name, code, locale...).
    pub parts: MessageParts<'a>,
    /// Digits to dial after a call connects.
    pub send_digits: Option<&'a str>,
    /// Email options.
    pub channel_configuration: Option<&'a ChannelConfiguration>,
    /// The service (WhatsApp sender settings).
    pub service: &'a ServiceRecord,
    /// The verification SID, for webhooks and the outbox.
    pub verification_sid: &'a str,
}

/// What to do to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// Send this request and judge the answer with [`judge`].
    Http {
        /// Which provider.
        provider: ProviderKind,
        /// The request.
        request: OutboundRequest,
    },
    /// Print this text (dev log sink).
    Log {
        /// The message as it would be delivered.
        text: String,
    },
}

fn disabled(detail: impl Into<String>) -> ApiError {
    ApiError::ChannelDisabled(detail.into())
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(pairs).unwrap_or_default().into_bytes()
}

/// Builds the delivery for `job` with the provider configured for its channel.
pub fn dispatch(config: &DeliveryConfig, settings: &ProviderSettings, dev_mode: bool, job: &DeliveryJob<'_>, now: Timestamp) -> Result<Dispatch, ApiError> {
    let provider = config
        .provider(job.channel, dev_mode)
        .ok_or_else(|| disabled(format!("no provider is configured for channel {}", job.channel.as_str())))?;
    match provider {
        ProviderKind::Log => Ok(Dispatch::Log { text: log_text(job) }),
        ProviderKind::Twilio => twilio(config, settings, job).map(|request| Dispatch::Http { provider, request }),
        ProviderKind::Sendgrid => sendgrid(config, settings, job).map(|request| Dispatch::Http { provider, request }),
        ProviderKind::Webhook => webhook(config, job, now).map(|request| Dispatch::Http { provider, request }),
    }
}

fn log_text(job: &DeliveryJob<'_>) -> String {
    match job.channel {
        Channel::Sms => message::sms_text(&job.parts),
        Channel::Whatsapp => message::plain_text(&job.parts),
        Channel::Call => message::voice_twiml(&job.parts),
        Channel::Email => {
            let mail = message::email(&job.parts);
            format!("Subject: {}\n\n{}", mail.subject, mail.text)
        }
    }
}

fn twilio(config: &DeliveryConfig, settings: &ProviderSettings, job: &DeliveryJob<'_>) -> Result<OutboundRequest, ApiError> {
    let route = config.twilio_route(job.to).ok_or_else(|| disabled(format!("no Twilio route matches {}", job.to)))?;
    let (user, password) = route.credentials().ok_or_else(|| disabled("the Twilio route has no credentials"))?;
    let base = settings.twilio_api_base.trim_end_matches('/');
    let account = &route.account_sid;
    let (resource, body) = match job.channel {
        Channel::Sms => {
            let text = message::sms_text(&job.parts);
            let sender = match (&route.messaging_service_sid, &route.from) {
                (Some(ms), _) => ("MessagingServiceSid", ms.as_str()),
                (None, Some(from)) => ("From", from.as_str()),
                (None, None) => return Err(disabled(format!("the Twilio route {} has no from number or messaging service", route.prefix))),
            };
            ("Messages.json", form(&[("To", job.to), sender, ("Body", &text)]))
        }
        Channel::Whatsapp => {
            let text = message::plain_text(&job.parts);
            let to = format!("whatsapp:{}", job.to);
            let from = job.service.whatsapp.from.clone().or_else(|| route.whatsapp_from.as_ref().map(|f| format!("whatsapp:{f}")));
            let body = match (from, &job.service.whatsapp.msg_service_sid) {
                (Some(from), _) => form(&[("To", &to), ("From", &from), ("Body", &text)]),
                (None, Some(ms)) => form(&[("To", &to), ("MessagingServiceSid", ms.as_str()), ("Body", &text)]),
                (None, None) => return Err(disabled("whatsapp has no sender: set the service's Whatsapp.From or Whatsapp.MsgServiceSid, or a route whatsapp_from")),
            };
            ("Messages.json", body)
        }
        Channel::Call => {
            let from = route
                .voice_from
                .as_ref()
                .or(route.from.as_ref())
                .ok_or_else(|| disabled(format!("the Twilio route {} has no voice_from or from number", route.prefix)))?;
            let twiml = message::voice_twiml(&job.parts);
            let mut pairs = vec![("To", job.to), ("From", from.as_str()), ("Twiml", twiml.as_str())];
            if let Some(digits) = job.send_digits {
                pairs.push(("SendDigits", digits));
            }
            ("Calls.json", form(&pairs))
        }
        Channel::Email => return Err(disabled("twilio cannot deliver email")),
    };
    Ok(OutboundRequest {
        method: "POST",
        url: format!("{base}/2010-04-01/Accounts/{account}/{resource}"),
        headers: vec![
            ("authorization".into(), basic(user, password)),
            ("content-type".into(), "application/x-www-form-urlencoded".into()),
            ("accept".into(), "application/json".into()),
        ],
        body,
    })
}

fn sendgrid(config: &DeliveryConfig, settings: &ProviderSettings, job: &DeliveryJob<'_>) -> Result<OutboundRequest, ApiError> {
    let sg = config.sendgrid.as_ref().ok_or_else(|| disabled("sendgrid is not configured"))?;
    let options = job.channel_configuration.cloned().unwrap_or_default();
    let mut from = Map::new();
    from.insert("email".into(), json!(options.from.as_deref().unwrap_or(&sg.from_email)));
    if let Some(name) = options.from_name.as_ref().or(sg.from_name.as_ref()) {
        from.insert("name".into(), json!(name));
    }
    let personalization = json!({ "to": [{ "email": job.to }] });
    let body = match &options.template_id {
        Some(template_id) => {
            let mut data = options.substitutions.clone().unwrap_or_default();
            data.insert("code".into(), json!(job.parts.code));
            data.insert("friendly_name".into(), json!(job.parts.friendly_name));
            let personalization = json!({ "to": [{ "email": job.to }], "dynamic_template_data": data });
            json!({ "personalizations": [personalization], "from": from, "template_id": template_id })
        }
        None => {
            let mail = message::email(&job.parts);
            json!({
                "personalizations": [personalization],
                "from": from,
                "subject": mail.subject,
                "content": [{ "type": "text/plain", "value": mail.text }, { "type": "text/html", "value": mail.html }],
            })
        }
    };
    Ok(OutboundRequest {
        method: "POST",
        url: format!("{}/v3/mail/send", settings.sendgrid_api_base.trim_end_matches('/')),
        headers: vec![
            ("authorization".into(), format!("Bearer {}", sg.api_key.expose())),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.to_string().into_bytes(),
    })
}

fn webhook(config: &DeliveryConfig, job: &DeliveryJob<'_>, now: Timestamp) -> Result<OutboundRequest, ApiError> {
    let hook = config.webhook.as_ref().ok_or_else(|| disabled("the webhook is not configured"))?;
    let mut payload = Map::new();
    for (name, value) in [
        ("channel", json!(job.channel)),
        ("to", json!(job.to)),
        ("code", json!(job.parts.code)),
        ("locale", json!(message::language(job.parts.locale).code)),
        ("verification_sid", json!(job.verification_sid)),
        ("service_sid", json!(job.service.sid)),
        ("account_sid", json!(job.service.account_sid)),
        ("friendly_name", json!(job.parts.friendly_name)),
    ] {
        payload.insert(name.into(), value);
    }
    let text = match job.channel {
        Channel::Sms => message::sms_text(&job.parts),
        Channel::Whatsapp => message::plain_text(&job.parts),
        Channel::Call => {
            payload.insert("twiml".into(), json!(message::voice_twiml(&job.parts)));
            payload.insert("send_digits".into(), json!(job.send_digits));
            message::plain_text(&job.parts)
        }
        Channel::Email => {
            let mail = message::email(&job.parts);
            payload.insert("subject".into(), json!(mail.subject));
            payload.insert("html".into(), json!(mail.html));
            payload.insert("channel_configuration".into(), json!(job.channel_configuration));
            mail.text
        }
    };
    payload.insert("message".into(), json!(text));
    let body = Value::Object(payload).to_string().into_bytes();
    let timestamp = now.unix_seconds();
    Ok(OutboundRequest {
        method: "POST",
        url: hook.url.clone(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-edge-verify-timestamp".into(), timestamp.to_string()),
            ("x-edge-verify-signature".into(), format!("v1={}", CodeKey::sign_webhook(hook.secret.expose(), timestamp, &body))),
        ],
        body,
    })
}

fn provider_name(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Twilio => "twilio",
        ProviderKind::Sendgrid => "sendgrid",
        ProviderKind::Webhook => "webhook",
        ProviderKind::Log => "log",
    }
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// What the provider said about a failure: Twilio's `code`/`message` or SendGrid's
/// `errors[0].message`, when the body has them.
fn provider_detail(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        let code = value.get("code").and_then(Value::as_u64).map(|c| format!("code {c}: ")).unwrap_or_default();
        return Some(clean(&format!("{code}{message}")));
    }
    let first = value.get("errors")?.get(0)?;
    first.get("message").and_then(Value::as_str).map(clean)
}

/// Judges a provider's answer: any 2xx is delivered; anything else is a 502 that names the
/// provider and its status (and its own error text when it gave one, with the code blanked out
/// in case the provider echoed the message back).
pub fn judge(provider: ProviderKind, answer: Result<OutboundResponse, TransportError>, code: &str) -> Result<(), ApiError> {
    let name = provider_name(provider);
    match answer {
        Ok(response) if (200..300).contains(&response.status) => Ok(()),
        Ok(response) => Err(ApiError::DeliveryFailed {
            provider: name.to_owned(),
            detail: match provider_detail(&response.body) {
                Some(detail) if !code.is_empty() => {
                    format!("the provider answered HTTP {} ({})", response.status, detail.replace(code, &"*".repeat(code.len())))
                }
                Some(detail) => format!("the provider answered HTTP {} ({detail})", response.status),
                None => format!("the provider answered HTTP {}", response.status),
            },
        }),
        Err(err) => Err(ApiError::DeliveryFailed { provider: name.to_owned(), detail: err.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::config::DeliveryConfig;

    fn service() -> ServiceRecord {
        ServiceRecord::example()
    }

    fn config() -> DeliveryConfig {
        DeliveryConfig::parse(
            r#"{"twilio_routes": [
                {"prefix": "*", "account_sid": "ACdef", "auth_token": "tok", "from": "+15550000000", "whatsapp_from": "+15550000001"},
                {"prefix": "+91", "account_sid": "ACind", "api_key_sid": "SKind", "api_key_secret": "sec", "messaging_service_sid": "MGind"}
            ],
            "sendgrid": {"api_key": "SG.key", "from_email": "no-reply@acme.test", "from_name": "Acme"},
            "webhook": {"url": "http://127.0.0.1:9/hook", "secret": "whsec"}}"#,
            false,
        )
        .unwrap()
    }

    fn job<'a>(channel: Channel, to: &'a str, service: &'a ServiceRecord) -> DeliveryJob<'a> {
        DeliveryJob {
            channel,
            to,
            parts: MessageParts { friendly_name: "Acme", code: "123456", locale: None, do_not_share: false, custom_message: None, app_hash: None },
            send_digits: None,
            channel_configuration: None,
            service,
            verification_sid: "VEx",
        }
    }

    fn request(d: Dispatch) -> OutboundRequest {
        match d {
            Dispatch::Http { request, .. } => request,
            other => panic!("{other:?}"),
        }
    }

    fn form_of(r: &OutboundRequest) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&r.body).unwrap()
    }

    #[test]
    fn sms_goes_through_the_route_for_the_prefix() {
        let s = service();
        let us = request(dispatch(&config(), &ProviderSettings::default(), false, &job(Channel::Sms, "+14155550100", &s), Timestamp::from_unix_seconds(0)).unwrap());
        assert_eq!(us.url, "https://api.twilio.com/2010-04-01/Accounts/ACdef/Messages.json");
        assert!(form_of(&us).contains(&("From".into(), "+15550000000".into())));
        assert!(form_of(&us).contains(&("Body".into(), "Your Acme verification code is: 123456.".into())));
        let india = request(dispatch(&config(), &ProviderSettings::default(), false, &job(Channel::Sms, "+919812345678", &s), Timestamp::from_unix_seconds(0)).unwrap());
        assert!(india.url.contains("/Accounts/ACind/"));
        assert!(form_of(&india).contains(&("MessagingServiceSid".into(), "MGind".into())));
        let auth = india.headers.iter().find(|(k, _)| k == "authorization").unwrap();
        assert_eq!(auth.1, basic("SKind", "sec"));
    }

    #[test]
    fn whatsapp_and_calls() {
        let mut s = service();
        let wa = request(dispatch(&config(), &ProviderSettings::default(), false, &job(Channel::Whatsapp, "+14155550100", &s), Timestamp::from_unix_seconds(0)).unwrap());
        assert!(form_of(&wa).contains(&("To".into(), "whatsapp:+14155550100".into())));
        assert!(form_of(&wa).contains(&("From".into(), "whatsapp:+15550000001".into())));
        s.whatsapp.from = Some("whatsapp:+15559999999".into());
        let wa = request(dispatch(&config(), &ProviderSettings::default(), false, &job(Channel::Whatsapp, "+14155550100", &s), Timestamp::from_unix_seconds(0)).unwrap());
        assert!(form_of(&wa).contains(&("From".into(), "whatsapp:+15559999999".into())), "the service's sender wins");
        let mut call = job(Channel::Call, "+14155550100", &s);
        call.send_digits = Some("ww1");
        let call = request(dispatch(&config(), &ProviderSettings::default(), false, &call, Timestamp::from_unix_seconds(0)).unwrap());
        assert!(call.url.ends_with("/Calls.json"));
        let f = form_of(&call);
        assert!(f.contains(&("SendDigits".into(), "ww1".into())));
        assert!(f.iter().any(|(k, v)| k == "Twiml" && v.contains("1, 2, 3, 4, 5, 6")));
    }

    #[test]
    fn email_through_sendgrid_with_and_without_template() {
        let s = service();
        let mut j = job(Channel::Email, "ann@example.com", &s);
        let plain = request(dispatch(&config(), &ProviderSettings::default(), false, &j, Timestamp::from_unix_seconds(0)).unwrap());
        assert_eq!(plain.url, "https://api.sendgrid.com/v3/mail/send");
        let body: Value = serde_json::from_slice(&plain.body).unwrap();
        assert_eq!(body["from"], json!({"email": "no-reply@acme.test", "name": "Acme"}));
        assert_eq!(body["content"][0]["type"], "text/plain");
        let cc = ChannelConfiguration {
            from: Some("otp@acme.test".into()),
            from_name: None,
            template_id: Some("d-123".into()),
            substitutions: Some(serde_json::from_str(r#"{"username": "ann"}"#).unwrap()),
        };
        j.channel_configuration = Some(&cc);
        let templated = request(dispatch(&config(), &ProviderSettings::default(), false, &j, Timestamp::from_unix_seconds(0)).unwrap());
        let body: Value = serde_json::from_slice(&templated.body).unwrap();
        assert_eq!(body["template_id"], "d-123");
        assert_eq!(body["from"]["email"], "otp@acme.test");
        assert_eq!(body["personalizations"][0]["dynamic_template_data"], json!({"username": "ann", "code": "123456", "friendly_name": "Acme"}));
    }

    #[test]
    fn webhooks_are_signed() {
        let s = service();
        let cfg = DeliveryConfig::parse(r#"{"webhook": {"url": "http://127.0.0.1:9/hook", "secret": "whsec"}}"#, false).unwrap();
        let r = request(dispatch(&cfg, &ProviderSettings::default(), false, &job(Channel::Sms, "+14155550100", &s), Timestamp::from_unix_seconds(77)).unwrap());
        let sig = r.headers.iter().find(|(k, _)| k == "x-edge-verify-signature").unwrap();
        assert_eq!(sig.1, format!("v1={}", CodeKey::sign_webhook("whsec", 77, &r.body)));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["code"], "123456");
    }

    #[test]
    fn unconfigured_channels_are_disabled() {
        let s = service();
        let err = dispatch(&DeliveryConfig::default(), &ProviderSettings::default(), false, &job(Channel::Sms, "+14155550100", &s), Timestamp::from_unix_seconds(0)).unwrap_err();
        assert_eq!((err.status(), err.code()), (400, 60223));
        let log = dispatch(&DeliveryConfig::default(), &ProviderSettings::default(), true, &job(Channel::Sms, "+14155550100", &s), Timestamp::from_unix_seconds(0)).unwrap();
        assert_eq!(log, Dispatch::Log { text: "Your Acme verification code is: 123456.".into() });
    }

    #[test]
    fn failures_name_the_provider_and_status() {
        let ok = OutboundResponse { status: 201, headers: vec![], body: vec![] };
        assert!(judge(ProviderKind::Twilio, Ok(ok), "123456").is_ok());
        let err = judge(ProviderKind::Twilio, Ok(OutboundResponse { status: 400, headers: vec![], body: br#"{"code":21211,"message":"Invalid 'To' Phone Number"}"#.to_vec() }), "123456").unwrap_err();
        assert_eq!(err.status(), 502);
        assert!(err.to_string().contains("twilio") && err.to_string().contains("HTTP 400") && err.to_string().contains("21211"), "{err}");
        let sg = judge(ProviderKind::Sendgrid, Ok(OutboundResponse { status: 401, headers: vec![], body: br#"{"errors":[{"message":"bad key"}]}"#.to_vec() }), "123456").unwrap_err();
        assert!(sg.to_string().contains("bad key"));
        let echo = judge(ProviderKind::Webhook, Ok(OutboundResponse { status: 422, headers: vec![], body: br#"{"message":"cannot deliver: Your code is 123456."}"#.to_vec() }), "123456").unwrap_err();
        assert!(!echo.to_string().contains("123456") && echo.to_string().contains("******"), "{echo}");
        let timeout = judge(ProviderKind::Webhook, Err(TransportError::Timeout(1000)), "123456").unwrap_err();
        assert!(timeout.to_string().contains("timed out"));
    }
}

//! Delivering codes: the outbound HTTP port, the providers (one file each: Twilio Messaging and
//! Voice, SendGrid, a signed webhook, any HTTP SMS gateway; the dev log sink is a
//! [`Dispatch::Log`]), message wording and the delivery configuration. A provider turns a
//! [`DeliveryJob`] into one request; the worker only sends it, so request shapes are tested on
//! the host.

pub mod callback;
pub mod config;
pub mod gateway;
pub mod message;
mod secret;
mod sendgrid;
mod twilio;
mod webhook;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::channel::Channel;
use crate::error::ApiError;
use crate::time::Timestamp;
use config::{DeliveryConfig, ProviderKind};
use message::MessageParts;

/// An HTTP request to a provider. Its headers may hold credentials: never log them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// Refused, reset, DNS...
    #[error("connection failed: {0}")]
    Connection(String),
}

/// Outbound HTTP (the Workers `fetch`, or a fake in tests).
#[allow(async_fn_in_trait)]
pub trait HttpClient {
    /// Sends `request`, giving up after `timeout_ms`.
    async fn send(&self, request: &OutboundRequest, timeout_ms: u64) -> Result<OutboundResponse, TransportError>;
}

/// Where the providers live and how long to wait for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// `TWILIO_API_BASE`
    pub twilio_api_base: String,
    /// `SENDGRID_API_BASE`
    pub sendgrid_api_base: String,
    /// `PROVIDER_TIMEOUT_MS`
    pub timeout_ms: u64,
    /// `TURNSTILE_API_BASE`: where Turnstile's siteverify lives.
    pub turnstile_api_base: String,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            twilio_api_base: "https://api.twilio.com".into(),
            sendgrid_api_base: "https://api.sendgrid.com".into(),
            timeout_ms: 10_000,
            turnstile_api_base: "https://challenges.cloudflare.com".into(),
        }
    }
}

/// The email options of a start (`ChannelConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConfiguration {
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// A SendGrid dynamic template (`d-...`).
    pub template_id: Option<String>,
    pub substitutions: Option<Map<String, Value>>,
}

/// Everything a provider needs to deliver one code.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryJob<'a> {
    pub channel: Channel,
    pub to: &'a str,
    pub parts: MessageParts<'a>,
    /// Digits to dial after a call connects.
    pub send_digits: Option<&'a str>,
    pub channel_configuration: Option<&'a ChannelConfiguration>,
    /// The service's WhatsApp sender (`whatsapp:+E164`), which wins over the route's.
    pub whatsapp_from: Option<&'a str>,
    /// The service's WhatsApp Messaging Service.
    pub whatsapp_service: Option<&'a str>,
    /// The Messaging Service of the destination's country (the service's
    /// MessagingConfigurations): Twilio sends SMS, and WhatsApp unless the service names its own
    /// sender, through it, with the route's credentials.
    pub messaging_service: Option<&'a str>,
    /// Where Twilio posts the send's status (`callback::callback_url`); sent only through a
    /// route with an auth token, which is what signs the callbacks.
    pub status_callback: Option<&'a str>,
    pub account_sid: &'a str,
    pub service_sid: &'a str,
    pub verification_sid: &'a str,
}

/// Who a request goes to, and so how [`judge`] reads the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub kind: ProviderKind,
    /// A gateway route's prefix, its rule for "accepted", and what its request carried.
    gateway: Option<Box<(String, gateway::Accepted, Vec<String>)>>,
}

impl From<ProviderKind> for Provider {
    fn from(kind: ProviderKind) -> Self {
        Self { kind, gateway: None }
    }
}

impl Provider {
    /// `twilio`, `sendgrid`, `webhook`, `gateway` or `log`.
    pub fn name(&self) -> &'static str {
        provider_name(self.kind)
    }

    /// The prefix of the gateway route the request goes through (`+44`, `*`).
    pub fn gateway_prefix(&self) -> Option<&str> {
        self.gateway.as_deref().map(|(prefix, _, _)| prefix.as_str())
    }
}

/// What to do to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// Send this request and judge the answer with [`judge`].
    Http { provider: Provider, request: OutboundRequest },
    /// Print this text (dev log sink).
    Log { text: String },
}

fn disabled(detail: impl Into<String>) -> ApiError {
    ApiError::ChannelDisabled(detail.into())
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.extend_pairs(pairs);
    out.finish().into_bytes()
}

/// Builds the delivery for `job` with the provider configured for its channel.
pub fn dispatch(config: &DeliveryConfig, settings: &ProviderSettings, dev_mode: bool, job: &DeliveryJob<'_>, now: Timestamp) -> Result<Dispatch, ApiError> {
    let provider = config
        .provider(job.channel, dev_mode)
        .ok_or_else(|| disabled(format!("no provider is configured for channel {}", job.channel.as_str())))?;
    let request = match provider {
        ProviderKind::Log => return Ok(Dispatch::Log { text: log_text(job) }),
        ProviderKind::Twilio => twilio::request(config, settings, job)?,
        ProviderKind::Sendgrid => sendgrid::request(config, settings, job)?,
        ProviderKind::Webhook => webhook::request(config, job, now)?,
        ProviderKind::Gateway => {
            let route = config.gateway_route(job.to).ok_or_else(|| disabled(format!("no gateway matches {}", job.to)))?;
            let request = gateway::request(route, job)?;
            let mut secrets = carried(&request);
            secrets.extend(route.basic_auth.as_ref().map(|auth| auth.password.expose().to_owned()));
            let provider = Provider { kind: provider, gateway: Some(Box::new((route.prefix.clone(), route.accepted.clone(), secrets))) };
            return Ok(Dispatch::Http { provider, request });
        }
    };
    Ok(Dispatch::Http { provider: provider.into(), request })
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

fn provider_name(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Twilio => "twilio",
        ProviderKind::Sendgrid => "sendgrid",
        ProviderKind::Webhook => "webhook",
        ProviderKind::Gateway => "gateway",
        ProviderKind::Log => "log",
    }
}

fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// What a request carried that a provider's answer must not quote back: its header values
/// (whole, and each word: `Bearer <token>`), its URL and its long path segments (a key in the
/// path), the values of its query and body (a gateway's keys sit in any of them); 6 characters
/// or more (shorter ones are ordinary words and numbers, not keys). The content type and
/// accepted types are no secret.
pub fn carried(request: &OutboundRequest) -> Vec<String> {
    let (path, query) = request.url.split_once('?').unwrap_or((&request.url, ""));
    let mut out: Vec<String> = form_urlencoded::parse(query.as_bytes()).map(|(_, v)| v.into_owned()).collect();
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(json) => strings_of(&json, &mut out),
        Err(_) => out.extend(form_urlencoded::parse(&request.body).map(|(_, v)| v.into_owned())),
    }
    for (_, value) in request.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-type") && !n.eq_ignore_ascii_case("accept")) {
        out.push(value.clone());
        out.extend(value.split_whitespace().filter(|word| *word != value).map(str::to_owned));
    }
    out.extend(path.split('/').skip(3).filter(|segment| segment.len() >= 16).map(str::to_owned));
    out.push(request.url.clone());
    out.retain(|s| s.chars().count() >= 6);
    out
}

/// `text` with each of `secrets` replaced by `[redacted]`, longest first (so no part of a
/// longer one survives the replacement of a shorter one inside it).
pub fn blank(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    sorted.into_iter().fold(text.to_owned(), |out, secret| out.replace(secret.as_str(), "[redacted]"))
}

/// Every string in a JSON value.
fn strings_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings_of(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

/// What the provider said about a failure: Twilio's `code`/`message` or SendGrid's
/// `errors[0].message`, when the body has them. With `text_too` false, only Twilio's numeric
/// code: the provider's free text may quote the whole message, which no blanking can be sure to
/// catch (a caller's own text, with line breaks, longer than what is shown).
fn provider_detail(body: &[u8], text_too: bool) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    if !text_too {
        return value.get("code").and_then(Value::as_u64).map(|code| format!("code {code}"));
    }
    if let Some(message) = value.get("message").and_then(Value::as_str) {
        return Some(clean(&match value.get("code").and_then(Value::as_u64) {
            Some(code) => format!("code {code}: {message}"),
            None => message.to_owned(),
        }));
    }
    let first = value.get("errors")?.get(0)?;
    first.get("message").and_then(Value::as_str).map(clean)
}

fn uncertain(provider: String, ms: u64) -> ApiError {
    ApiError::DeliveryUncertain {
        provider,
        detail: format!("no answer within {ms} ms; the message may still arrive (the send counts): check the code, or start again to resend it"),
    }
}

/// Judges a provider's answer: any 2xx is delivered (a gateway: what its `accepted` rule says);
/// anything else is a 502 that names the provider and its status (and its own error text when
/// it gave one, with the code blanked out in case the provider echoed the message back).
pub fn judge(provider: impl Into<Provider>, answer: Result<OutboundResponse, TransportError>, code: &str) -> Result<(), ApiError> {
    let provider = provider.into();
    if let Some((prefix, rule, carried)) = provider.gateway.as_deref() {
        return gateway::judge(prefix, rule, answer, code, carried);
    }
    let name = provider_name(provider.kind).to_owned();
    match answer {
        Ok(response) if (200..300).contains(&response.status) => Ok(()),
        Ok(response) => {
            // A code is at most 10 characters and blanked out of the provider's text; a longer
            // secret is a caller's whole message (the Messages API): then no free text at all.
            let detail = match provider_detail(&response.body, code.chars().count() <= 10) {
                Some(detail) if !code.is_empty() => {
                    format!("the provider answered HTTP {} ({})", response.status, detail.replace(code, &"*".repeat(code.len())))
                }
                Some(detail) => format!("the provider answered HTTP {} ({detail})", response.status),
                None => format!("the provider answered HTTP {}", response.status),
            };
            Err(ApiError::DeliveryFailed { provider: name, detail })
        }
        Err(TransportError::Timeout(ms)) => Err(uncertain(name, ms)),
        Err(err) => Err(ApiError::DeliveryFailed { provider: name, detail: err.to_string() }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn what_a_request_carried_is_blanked_but_not_its_content_type() {
        let request = OutboundRequest {
            method: "POST",
            url: "https://gw.test/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/send?key=sekrit-key".into(),
            headers: vec![("authorization".into(), "Bearer tok-hunter2".into()), ("content-type".into(), "application/json".into())],
            body: br#"{"text": "Your code is 123456", "to": "+14155550100"}"#.to_vec(),
        };
        let said = "bad token tok-hunter2 for bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw, key sekrit-key; expected application/json; to +14155550100";
        let shown = blank(said, &carried(&request));
        for secret in ["tok-hunter2", "AAHdq", "sekrit-key", "+14155550100"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        assert!(shown.contains("application/json") && shown.contains("bad token"), "{shown}");
    }

    pub fn config() -> DeliveryConfig {
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

    pub fn job(channel: Channel, to: &str) -> DeliveryJob<'_> {
        DeliveryJob {
            channel,
            to,
            parts: MessageParts { friendly_name: "Acme", code: "123456", locale: None, do_not_share: false, custom_message: None, app_hash: None, web_otp_domain: None, text: None },
            send_digits: None,
            channel_configuration: None,
            whatsapp_from: None,
            whatsapp_service: None,
            messaging_service: None,
            status_callback: None,
            account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            service_sid: "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            verification_sid: "VEx",
        }
    }

    pub fn request(d: Dispatch) -> OutboundRequest {
        match d {
            Dispatch::Http { request, .. } => request,
            other => panic!("{other:?}"),
        }
    }

    pub fn send(config: &DeliveryConfig, job: &DeliveryJob<'_>) -> OutboundRequest {
        request(dispatch(config, &ProviderSettings::default(), false, job, Timestamp::from_unix_seconds(77)).unwrap())
    }

    #[test]
    fn unconfigured_channels_are_disabled() {
        let err = dispatch(&DeliveryConfig::default(), &ProviderSettings::default(), false, &job(Channel::Sms, "+14155550100"), Timestamp::from_unix_seconds(0)).unwrap_err();
        assert_eq!((err.status(), err.code()), (400, 60223));
        let log = dispatch(&DeliveryConfig::default(), &ProviderSettings::default(), true, &job(Channel::Sms, "+14155550100"), Timestamp::from_unix_seconds(0)).unwrap();
        assert_eq!(log, Dispatch::Log { text: "Your Acme verification code is: 123456.".into() });
    }

    #[test]
    fn failures_name_the_provider_and_status() {
        let ok = OutboundResponse { status: 201, body: vec![] };
        assert!(judge(ProviderKind::Twilio, Ok(ok), "123456").is_ok());
        let err = judge(ProviderKind::Twilio, Ok(OutboundResponse { status: 400, body: br#"{"code":21211,"message":"Invalid 'To' Phone Number"}"#.to_vec() }), "123456").unwrap_err();
        assert_eq!(err.status(), 502);
        assert!(err.to_string().contains("twilio") && err.to_string().contains("HTTP 400") && err.to_string().contains("21211"), "{err}");
        let sg = judge(ProviderKind::Sendgrid, Ok(OutboundResponse { status: 401, body: br#"{"errors":[{"message":"bad key"}]}"#.to_vec() }), "123456").unwrap_err();
        assert!(sg.to_string().contains("bad key"));
        let body = "Your IdentityIQ code is 482913\nDo not share it";
        let quoted = judge(ProviderKind::Webhook, Ok(OutboundResponse { status: 422, body: br#"{"code":21610,"message":"rejected: Your IdentityIQ code is 482913\nDo not share it"}"#.to_vec() }), body).unwrap_err();
        assert!(!quoted.to_string().contains("482913") && quoted.to_string().contains("code 21610"), "a message's text never comes back: {quoted}");
        let echo = judge(ProviderKind::Webhook, Ok(OutboundResponse { status: 422, body: br#"{"message":"cannot deliver: Your code is 123456."}"#.to_vec() }), "123456").unwrap_err();
        assert!(!echo.to_string().contains("123456") && echo.to_string().contains("******"), "{echo}");
        let timeout = judge(ProviderKind::Webhook, Err(TransportError::Timeout(1000)), "123456").unwrap_err();
        assert!(matches!(timeout, ApiError::DeliveryUncertain { .. }) && timeout.to_string().contains("1000 ms"), "{timeout}");
        assert_eq!((timeout.status(), timeout.code()), (502, 30008));
    }
}

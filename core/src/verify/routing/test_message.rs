//! The operator's test message (NetIQ's "Test" button for a sender): `POST
//! /v2/DeliveryRoutes/TestMessage` sends a fixed text (never a code) to `To` through exactly the
//! route and provider a verification to it would use, and reports what the provider answered:
//! its name, the route's prefix and account, the HTTP status, the message SID or error, the
//! latency. Only the main account's auth token may (the routes are the operator's); it passes
//! the account's geo permissions and counts as a send to `To` on the shard the Messages API
//! counts on. Credentials, and the text sent, never appear in the report or the log.

use serde_json::Value;

use super::config::sender_for;
use super::resource::TestMessageResource;
use crate::channel::{is_e164, Channel};
use crate::delivery::message::MessageParts;
use crate::delivery::{blank, carried, dispatch, judge, DeliveryJob, Dispatch, HttpClient, OutboundRequest, OutboundResponse, TransportError};
use crate::delivery::config::{DeliveryConfig, ProviderKind};
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::guard::geo::{self, Destination};
use crate::guard::limiter::Limiter;
use crate::guard::plan::{Reservation, Scope};
use crate::guard::shard::{Limit, LimitCommand};
use crate::identity::principal::{Credential, Principal};
use crate::input::Input;
use crate::sid::ServiceSid;
use super::params::{BODY, CHANNEL, SERVICE_SID, TO};
use crate::time::Clock;
use crate::verify::service::store::ServiceStore;
use crate::verify::verification::reserve::Undo;

/// What a test message says unless `Body` says otherwise.
pub const TEST_TEXT: &str = "This is a test message from edge-verify: this sender works. No action is needed.";

/// A parsed test message request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRequest {
    pub to: String,
    pub channel: Channel,
    pub body: Option<String>,
    /// A service whose messaging configurations (and WhatsApp sender) apply, as for its starts.
    pub service: Option<ServiceSid>,
}

impl TestRequest {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let to = input.raw_text(&TO)?.ok_or_else(|| input.invalid(&TO, "is required"))?;
        if !is_e164(to) {
            return Err(input.invalid(&TO, "must be a phone number in E.164 form, e.g. +14155550100"));
        }
        let channel = match input.choice(&CHANNEL)? {
            Some("whatsapp") => Channel::Whatsapp,
            Some("call") => Channel::Call,
            _ => Channel::Sms,
        };
        let body = input.text(&BODY)?.filter(|b| !b.trim().is_empty());
        let service = match input.raw_text(&SERVICE_SID)? {
            None => None,
            Some(text) => Some(ServiceSid::parse(text).ok_or_else(|| input.invalid(&SERVICE_SID, "must be a SID: VA followed by 32 hex digits"))?),
        };
        Ok(Self { to: to.to_owned(), channel, body, service })
    }
}

/// `twilio`, `gateway`... (the name `DELIVERY_CONFIG` gives the provider).
fn provider_name(kind: ProviderKind) -> String {
    format!("{kind:?}").to_ascii_lowercase()
}

/// The route `DELIVERY_CONFIG` picks for `to`: its prefix and (Twilio) account.
fn route_of(config: &DeliveryConfig, kind: ProviderKind, to: &str) -> (Option<String>, Option<String>) {
    match kind {
        ProviderKind::Twilio => config.twilio_route(to).map_or((None, None), |r| (Some(r.prefix.clone()), Some(r.account_sid.clone()))),
        ProviderKind::Gateway => (config.gateway_route(to).map(|g| g.prefix.clone()), None),
        _ => (None, None),
    }
}

/// The sender a Twilio request names (`MessagingServiceSid` or `From`; neither is a secret).
fn sender_of(request: &OutboundRequest) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let named = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    named("MessagingServiceSid").or_else(|| named("From"))
}

/// Text from a provider, without control characters, at most 200 characters, with anything
/// the request carried blanked out first (credentials and keys may sit in its headers, its URL
/// and query, or its body: a gateway's template values), then cut.
fn redacted(text: &str, request: &OutboundRequest, also: &[&str]) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    let mut secrets = carried(request);
    secrets.extend(also.iter().filter(|s| s.len() >= 6).map(|s| (*s).to_owned()));
    blank(&text, &secrets).chars().take(200).collect()
}

/// What the provider said: the message's id, an error code and message (Twilio's `sid`,
/// `code`, `message`; Vonage's `messages[0]`; Plivo's `message_uuid[0]`, `error`).
fn answer_fields(body: &[u8]) -> (Option<String>, Option<u64>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else { return (None, None, None) };
    let first = |key: &str| value.get(key).and_then(Value::as_array).and_then(|a| a.first()).cloned();
    let root = first("messages").unwrap_or_else(|| value.clone());
    let text = |v: &Value, keys: &[&str]| keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned));
    let id = text(&root, &["sid", "message_id", "message-id", "id"]).or_else(|| first("message_uuid").and_then(|v| v.as_str().map(str::to_owned)));
    let code = ["code", "error_code"].iter().find_map(|k| root.get(*k).and_then(|c| c.as_u64().or_else(|| c.as_str().and_then(|s| s.parse().ok()))));
    let message = text(&root, &["message", "error_message", "error-text", "error"]);
    (id.filter(|i| i.len() <= 64), code, message)
}

impl<P: Platform> Engine<P> {
    /// Sends a test message and reports what happened (`accepted` false: the provider refused
    /// or did not answer; the operation then answers 502 with the same report).
    pub async fn send_test_message(&self, who: &Principal, request: TestRequest) -> Result<TestMessageResource, ApiError> {
        if !who.is_main || who.credential != Credential::AuthToken {
            return Err(ApiError::Forbidden("only the main account's auth token may send test messages through the delivery routes".into()));
        }
        let service = match &request.service {
            Some(sid) => Some(self.records().service(&who.account, sid).await?.ok_or_else(|| ApiError::NotFound(crate::verify::service::ops::service_path(sid)))?),
            None => None,
        };
        let (settings, channel, to) = (&self.settings, request.channel, request.to.as_str());
        let policy = settings.policy.account(who.account.as_str());
        let destination = Destination::of(to);
        let rule = if channel == Channel::Call { &policy.geo.call } else { &policy.geo.sms };
        if let Some(why) = geo::refusal(rule, None, channel, &destination) {
            if destination.high_cost.is_some() || !self.is_safe_number(&who.account, to).await? {
                return Err(ApiError::Blocked { code: 60605, detail: why, retry_after: None });
            }
        }
        // One send to `To`, on the shard the Messages API counts sends per recipient on.
        let key = settings.shard_key.as_ref().ok_or_else(missing_code_key)?;
        let per = |name: &str, max: u32, interval: u32| Limit { name: name.into(), max: u64::from(max), interval, weight: 1 };
        let limits = vec![per("hour", policy.limits.sends_per_to_per_hour, 3600), per("day", policy.limits.sends_per_to_per_day, 86_400)];
        let reservations = vec![Reservation { shard: key.shard(&format!("to|{}|{to}", who.account)), scope: Scope::Recipient { label: to.to_owned() }, limits, probe: None }];
        let mut replies = Vec::new();
        for r in &reservations {
            replies.push(self.limiter.send(&r.shard, LimitCommand::Reserve { limits: r.limits.clone(), probe: None }).await);
        }
        let settled = self.settle(&who.account, &reservations, replies);
        let undo = Undo { target: None, attempt: None, made: settled.made, dest: 0 };
        if let Some((_, err)) = settled.failure {
            self.undo(&undo).await;
            return Err(err);
        }
        let text = request.body.as_deref().unwrap_or(TEST_TEXT);
        let configs = service.as_ref().map_or(&[][..], |s| s.messaging_configurations.as_slice());
        let job = DeliveryJob {
            channel,
            to,
            parts: MessageParts { friendly_name: "", code: "", locale: None, do_not_share: false, custom_message: None, app_hash: None, web_otp_domain: None, text: Some(text) },
            send_digits: None,
            channel_configuration: None,
            whatsapp_from: service.as_ref().and_then(|s| s.whatsapp.from.as_deref()),
            whatsapp_service: service.as_ref().and_then(|s| s.whatsapp.msg_service_sid.as_ref()).map(|s| s.as_str()),
            messaging_service: sender_for(configs, to),
            status_callback: None,
            account_sid: who.account.as_str(),
            service_sid: service.as_ref().map_or("", |s| s.sid.as_str()),
            verification_sid: "",
        };
        let now = self.clock.now();
        let mut report = TestMessageResource {
            account_sid: who.account.clone(),
            to: to.to_owned(),
            channel: channel.as_str().to_owned(),
            country: destination.region().map(str::to_owned),
            accepted: true,
            provider: "log".into(),
            route_prefix: None,
            route_account_sid: None,
            sender: None,
            provider_status: None,
            provider_message_sid: None,
            provider_error_code: None,
            provider_error_message: None,
            latency_ms: 0,
            date_created: now.iso8601(),
        };
        let (provider, outbound) = match dispatch(&settings.delivery, &settings.providers, settings.dev_mode, &job, now) {
            Ok(Dispatch::Http { provider, request }) => (provider, request),
            Ok(Dispatch::Log { text }) => {
                P::log(&format!("[dev log sink] test {} to {to}:\n{text}", channel.as_str()));
                return Ok(report);
            }
            Err(err) => {
                self.undo(&undo).await;
                return Err(err);
            }
        };
        (report.route_prefix, report.route_account_sid) = route_of(&settings.delivery, provider.kind, to);
        report.provider = provider_name(provider.kind);
        if provider.kind == ProviderKind::Twilio {
            report.sender = sender_of(&outbound);
        }
        let started = self.clock.now_millis();
        let answer = self.http.send(&outbound, settings.providers.timeout_ms).await;
        report.latency_ms = self.clock.now_millis().saturating_sub(started);
        self.read_answer(&mut report, provider, &outbound, answer);
        let outcome = if report.accepted { "accepted".to_owned() } else { format!("refused ({})", report.provider_error_code.map_or_else(|| "no code".to_owned(), |c| c.to_string())) };
        P::log(&format!(
            "test message: {} {} via {} route {}: HTTP {}, {outcome}, {} ms",
            report.channel,
            report.country.as_deref().unwrap_or("(no country)"),
            report.provider,
            report.route_prefix.as_deref().unwrap_or("-"),
            report.provider_status.map_or_else(|| "none".to_owned(), |s| s.to_string()),
            report.latency_ms
        ));
        // As for codes: a refused send is taken back, one the provider may have taken counts.
        if !report.accepted && report.provider_status.is_some() {
            self.undo(&undo).await;
        }
        Ok(report)
    }

    fn read_answer(&self, report: &mut TestMessageResource, provider: crate::delivery::Provider, outbound: &OutboundRequest, answer: Result<OutboundResponse, TransportError>) {
        let twilio = self.settings.delivery.twilio_route(&report.to).and_then(|r| r.credentials()).map(|(_, secret)| secret);
        let also: Vec<&str> = twilio.into_iter().collect();
        report.accepted = judge(provider, answer.clone(), "").is_ok();
        match answer {
            Ok(response) => {
                report.provider_status = Some(response.status);
                let (id, code, message) = answer_fields(&response.body);
                report.provider_message_sid = id.map(|i| redacted(&i, outbound, &also));
                if !report.accepted || code.is_some() {
                    report.provider_error_code = code;
                    report.provider_error_message = message.map(|m| redacted(&m, outbound, &also));
                }
                if !report.accepted && report.provider_error_message.is_none() {
                    report.provider_error_message = Some(format!("the provider answered HTTP {}", response.status));
                }
            }
            // Never the transport's own text: it may quote the request's URL.
            Err(TransportError::Timeout(ms)) => report.provider_error_message = Some(format!("no answer within {ms} ms; the message may still arrive")),
            Err(TransportError::Connection(_)) => report.provider_error_message = Some("the connection to the provider failed".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbound() -> OutboundRequest {
        OutboundRequest { method: "POST", url: "https://gw.test/send?key=sekrit-key".into(), headers: vec![("authorization".into(), "Basic c2VjcmV0".into())], body: b"To=%2B447700900123&MessagingServiceSid=MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&Body=x".to_vec() }
    }

    #[test]
    fn reads_twilio_vonage_and_plivo_answers() {
        assert_eq!(answer_fields(br#"{"sid":"SM123","status":"queued","error_code":null}"#), (Some("SM123".into()), None, None));
        assert_eq!(answer_fields(br#"{"code":21211,"message":"Invalid 'To' Phone Number","status":400}"#), (None, Some(21211), Some("Invalid 'To' Phone Number".into())));
        assert_eq!(answer_fields(br#"{"message-count":"1","messages":[{"status":"4","error-text":"Bad Credentials"}]}"#), (None, None, Some("Bad Credentials".into())));
        assert_eq!(answer_fields(br#"{"message_uuid":["e0b1"],"api_id":"x"}"#).0.as_deref(), Some("e0b1"));
        assert_eq!(answer_fields(b"not json"), (None, None, None));
    }

    #[test]
    fn blanks_out_what_the_request_carried() {
        let r = outbound();
        let text = redacted("auth Basic c2VjcmV0 failed for https://gw.test/send?key=sekrit-key with tok-123456\n", &r, &["tok-123456"]);
        assert!(!text.contains("c2VjcmV0") && !text.contains("sekrit") && !text.contains("tok-123456") && !text.contains('\n'), "{text}");
        assert_eq!(sender_of(&r).as_deref(), Some("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_eq!(provider_name(ProviderKind::Gateway), "gateway");
        // A gateway's key in its body template, its query, or past the first 200 characters.
        let json = OutboundRequest { method: "POST", url: "https://gw.test/sms?api_key=query-key-1".into(), headers: vec![], body: br#"{"auth": {"api_secret": "body-secret-2"}, "text": "hi"}"#.to_vec() };
        let echoed = format!("{} bad api_secret body-secret-2 and api_key query-key-1", "x".repeat(190));
        let text = redacted(&echoed, &json, &[]);
        assert!(!text.contains("body-secret") && !text.contains("query-key") && text.chars().count() <= 200, "{text}");
        let form = OutboundRequest { body: b"api_secret=form-secret-3&text=hi".to_vec(), ..json };
        assert!(!redacted("echo form-secret-3", &form, &[]).contains("form-secret-3"));
    }

    #[test]
    fn parses_the_request_naming_bad_parameters() {
        use crate::input::{Body, Naming};
        let parse = |pairs: &[(&str, &str)]| {
            let body = Body::Form(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
            TestRequest::parse(&body.input(Naming::Wire))
        };
        let ok = parse(&[("To", "+447700900123"), ("Channel", "whatsapp")]).unwrap();
        assert_eq!((ok.channel, ok.body, ok.service), (Channel::Whatsapp, None, None));
        for (pairs, name) in [
            (vec![], "To"),
            (vec![("To", "447700900123")], "To"),
            (vec![("To", "+447700900123"), ("Channel", "email")], "Channel"),
            (vec![("To", "+447700900123"), ("Body", "x\u{7}")], "Body"),
            (vec![("To", "+447700900123"), ("ServiceSid", "VA12")], "ServiceSid"),
        ] {
            let err = parse(&pairs).unwrap_err();
            assert_eq!((err.status(), err.parameter()), (400, Some(name)), "{pairs:?}");
        }
    }
}

//! Any SMS gateway: a generic HTTP provider configured as URL + method + headers + a body
//! template (form, JSON, or the query of a GET) with placeholders, and the answer that means
//! "accepted" (a status, and optionally a field of the JSON answer). Routes are keyed by
//! destination prefix like the Twilio routes. Values are substituted into the parsed template,
//! never spliced into its text: a message with quotes or `&` cannot change the request's shape.

mod route;

pub use route::{Accepted, BasicAuth, Format, GatewayRoute, Method, StatusRule, Template, PLACEHOLDERS};

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use super::{clean, disabled, message, DeliveryJob, OutboundRequest, OutboundResponse, TransportError};
use crate::channel::Channel;
use crate::error::ApiError;
use route::{lookup, pieces, scalar_text, Piece};

/// What a URL placeholder may leave unencoded: RFC 3986's unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The values of the placeholders for one delivery.
struct Values<'a> {
    message: String,
    job: &'a DeliveryJob<'a>,
    from: &'a str,
}

impl Values<'_> {
    fn get(&self, name: &str) -> &str {
        match name {
            "message" => &self.message,
            // A caller's own text (the Messages API) has no code apart from it: a gateway that
            // sends only {code} gets the whole text, never an empty field.
            "code" if self.job.parts.code.is_empty() => &self.message,
            "code" => self.job.parts.code,
            "to" => self.job.to,
            "to_digits" => self.job.to.trim_start_matches('+'),
            "from" => self.from,
            "verification_sid" => self.job.verification_sid,
            _ => "",
        }
    }

    fn fill(&self, text: &str, encode: bool) -> String {
        pieces(text)
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(t) => t.to_owned(),
                Piece::Slot(name) if encode => utf8_percent_encode(self.get(name), COMPONENT).to_string(),
                Piece::Slot(name) => self.get(name).to_owned(),
            })
            .collect()
    }

    fn fill_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.fill(s, false)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.fill_value(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.fill_value(v))).collect()),
            other => other.clone(),
        }
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

fn form_of(map: &Map<String, Value>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in map {
        out.append_pair(key, &scalar_text(value).unwrap_or_default());
    }
    out.finish()
}

/// The request for `job` (an SMS) through `route`.
pub(super) fn request(route: &GatewayRoute, job: &DeliveryJob<'_>) -> Result<OutboundRequest, ApiError> {
    if job.channel != Channel::Sms {
        return Err(disabled(format!("the gateway delivers sms, not {}", job.channel.as_str())));
    }
    let values = Values { message: message::sms_text(&job.parts), job, from: route.from.as_deref().unwrap_or_default() };
    let mut url = values.fill(route.url.expose(), true);
    let filled = match values.fill_value(&Value::Object(route.body.0.clone())) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let mut headers: Vec<(String, String)> = vec![("accept".into(), "application/json".into())];
    let body = match (route.method, route.format) {
        (Method::Get, _) => {
            if !filled.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&form_of(&filled));
            }
            Vec::new()
        }
        (_, Format::Form) => {
            headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
            form_of(&filled).into_bytes()
        }
        (_, Format::Json) => {
            headers.push(("content-type".into(), "application/json".into()));
            Value::Object(filled).to_string().into_bytes()
        }
    };
    for (name, value) in &route.headers {
        let name = name.to_ascii_lowercase();
        headers.retain(|(n, _)| *n != name);
        headers.push((name, value.expose().to_owned()));
    }
    if let Some(auth) = &route.basic_auth {
        headers.push(("authorization".into(), basic(&auth.username, auth.password.expose())));
    }
    Ok(OutboundRequest { method: route.method.as_str(), url, headers, body })
}

/// Judges a gateway's answer by its route's `accepted` rule. A refusal is a 502 naming the
/// route's prefix, the status and the `field` found. With a code as `secret`, it also quotes the
/// field's value and the gateway's `error_field` text (or its `message`), with the code and
/// everything the request `carried` (its keys) blanked out; with a longer secret (a caller's
/// whole message, the Messages API) no free text at all, since a gateway may quote any part
/// of it. A timeout is uncertain, as for every provider.
pub(super) fn judge(prefix: &str, rule: &Accepted, answer: Result<OutboundResponse, TransportError>, secret: &str, carried: &[String]) -> Result<(), ApiError> {
    let name = "gateway".to_owned();
    let response = match answer {
        Ok(response) => response,
        Err(TransportError::Timeout(ms)) => return Err(super::uncertain(name, ms)),
        // The runtime's text may quote the URL, which may carry a key.
        Err(TransportError::Connection(_)) => return Err(ApiError::DeliveryFailed { provider: name, detail: format!("the gateway for {prefix} could not be reached") }),
    };
    let json: Option<Value> = serde_json::from_slice(&response.body).ok();
    let found = rule.field.as_ref().map(|path| (path, json.as_ref().and_then(|j| lookup(j, path))));
    let field_ok = match &found {
        None => true,
        Some((_, Some(value))) => rule.field_ok(value),
        Some((_, None)) => false,
    };
    if rule.status_ok(response.status) && field_ok {
        return Ok(());
    }
    let text_too = secret.chars().count() <= 10;
    // Blanked before `clean` shortens it, so no part of a secret survives a cut.
    let blanked = |text: String| {
        let text = if secret.is_empty() { text } else { text.replace(secret, &"*".repeat(secret.chars().count())) };
        super::blank(&text, carried)
    };
    let shown = |v: &Value| clean(&blanked(scalar_text(v).unwrap_or_else(|| v.to_string())));
    let mut detail = format!("the gateway for {prefix} answered HTTP {}", response.status);
    match found {
        Some((path, Some(value))) if text_too => detail.push_str(&format!(" with {path} = \"{}\"", shown(value))),
        Some((path, Some(_))) if !field_ok => detail.push_str(&format!(" with {path} not accepted")),
        Some((_, Some(_))) => {}
        Some((path, None)) => detail.push_str(&format!(" without {path}")),
        None => {}
    }
    let own = rule.error_field.as_ref().and_then(|path| json.as_ref().and_then(|j| lookup(j, path))).map(shown);
    if let Some(text) = own.or_else(|| json.as_ref().and_then(|j| j.get("message").or_else(|| j.get("error"))).map(shown)).filter(|_| text_too) {
        detail.push_str(&format!(" ({text})"));
    }
    Err(ApiError::DeliveryFailed { provider: name, detail })
}

#[cfg(test)]
mod tests {
    use super::super::config::{DeliveryConfig, ProviderKind};
    use super::super::tests::{job, send};
    use super::super::{dispatch, judge, Dispatch, ProviderSettings};
    use super::*;
    use crate::time::Timestamp;

    /// A Vonage-SMS-shaped gateway for +44 and a Plivo-shaped one for everything else.
    pub const TWO: &str = r#"{
        "channels": {"sms": "gateway"},
        "gateways": [
            {"prefix": "+44", "url": "https://rest.nexmo.com/sms/json", "method": "POST", "format": "form",
             "body": {"api_key": "vonage-key", "api_secret": "vonage-secret-hunter2", "from": "{from}", "to": "{to_digits}", "text": "{message}"},
             "from": "Acme",
             "accepted": {"status": [200], "field": "messages.0.status", "equals": "0", "error_field": "messages.0.error-text"}},
            {"prefix": "*", "url": "https://api.plivo.com/v1/Account/MAPLIVOID/Message/", "format": "json",
             "basic_auth": {"username": "MAPLIVOID", "password": "plivo-token-hunter2"},
             "body": {"src": "{from}", "dst": "{to_digits}", "text": "{message}", "type": "sms"},
             "from": "+15550000000",
             "accepted": {"status": [202, "200-201"]}}
        ]
    }"#;

    fn two() -> DeliveryConfig {
        DeliveryConfig::parse(TWO, false).unwrap()
    }

    fn form_of(r: &OutboundRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(&r.body).into_owned().collect()
    }

    fn header<'a>(r: &'a OutboundRequest, name: &str) -> Option<&'a str> {
        r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn answer(status: u16, body: &str) -> Result<OutboundResponse, TransportError> {
        Ok(OutboundResponse { status, body: body.as_bytes().to_vec() })
    }

    fn provider(config: &DeliveryConfig, to: &str) -> super::super::Provider {
        match dispatch(config, &ProviderSettings::default(), false, &job(Channel::Sms, to), Timestamp::from_unix_seconds(1)).unwrap() {
            Dispatch::Http { provider, .. } => provider,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_vonage_shaped_gateway_gets_a_form_with_digits_only() {
        let r = send(&two(), &job(Channel::Sms, "+447700900123"));
        assert_eq!((r.method, r.url.as_str()), ("POST", "https://rest.nexmo.com/sms/json"));
        assert_eq!(header(&r, "content-type"), Some("application/x-www-form-urlencoded"));
        // The fields in any order: serde_json keeps the template's order or sorts it, depending
        // on the features other crates of the build turn on.
        let mut fields = form_of(&r);
        fields.sort();
        assert_eq!(
            fields,
            [("api_key", "vonage-key"), ("api_secret", "vonage-secret-hunter2"), ("from", "Acme"), ("text", "Your Acme verification code is: 123456."), ("to", "447700900123")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(header(&r, "authorization"), None);
    }

    #[test]
    fn a_plivo_shaped_gateway_gets_json_with_basic_auth() {
        let r = send(&two(), &job(Channel::Sms, "+14155550100"));
        assert_eq!((r.method, r.url.as_str()), ("POST", "https://api.plivo.com/v1/Account/MAPLIVOID/Message/"));
        assert_eq!(header(&r, "content-type"), Some("application/json"));
        assert_eq!(header(&r, "authorization"), Some(basic("MAPLIVOID", "plivo-token-hunter2").as_str()));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body, serde_json::json!({"src": "+15550000000", "dst": "14155550100", "text": "Your Acme verification code is: 123456.", "type": "sms"}));
    }

    #[test]
    fn quotes_and_ampersands_in_the_message_cannot_change_the_request() {
        let mut j = job(Channel::Sms, "+447700900123");
        j.parts.custom_message = Some(r#"He said "hi" & to=+1999 \ {code} }{"#);
        let vonage = send(&two(), &j);
        let form = form_of(&vonage);
        assert_eq!(form.len(), 5, "{form:?}");
        assert!(form.contains(&("text".into(), r#"He said "hi" & to=+1999 \ 123456 }{"#.into())));
        assert!(form.contains(&("to".into(), "447700900123".into())));
        j.to = "+14155550100";
        let plivo: Value = serde_json::from_slice(&send(&two(), &j).body).unwrap();
        assert_eq!(plivo["text"], r#"He said "hi" & to=+1999 \ 123456 }{"#);
        assert_eq!(plivo.as_object().unwrap().len(), 4);
    }

    #[test]
    fn get_sends_the_template_as_the_query_and_url_placeholders_are_encoded() {
        let cfg = DeliveryConfig::parse(
            r#"{"gateways": [{"prefix": "*", "method": "GET", "url": "https://sms.example.com/send/{to}?key=k1",
                "headers": {"X-Api-Key": "hunter2", "Accept": "text/plain"},
                "body": {"msg": "{message}", "num": "{to}", "sid": "{verification_sid}", "flash": false, "otp": "{code}"}}]}"#,
            false,
        )
        .unwrap();
        assert_eq!(cfg.provider(Channel::Sms, false), Some(ProviderKind::Gateway), "gateways alone serve sms");
        let r = send(&cfg, &job(Channel::Sms, "+14155550100"));
        assert_eq!(r.method, "GET");
        assert!(r.body.is_empty());
        let (path, query) = r.url.split_once('?').unwrap();
        assert_eq!(path, "https://sms.example.com/send/%2B14155550100");
        let q: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        assert_eq!(q.first(), Some(&("key".into(), "k1".into())));
        assert!(q.contains(&("num".into(), "+14155550100".into())) && q.contains(&("flash".into(), "false".into())));
        assert!(q.contains(&("msg".into(), "Your Acme verification code is: 123456.".into())) && q.contains(&("sid".into(), "VEx".into())));
        assert!(q.contains(&("otp".into(), "123456".into())));
        assert_eq!(header(&r, "x-api-key"), Some("hunter2"));
        assert_eq!(header(&r, "accept"), Some("text/plain"), "the operator's header replaces the default");
        assert_eq!(header(&r, "content-type"), None);
        let call = dispatch(&cfg, &ProviderSettings::default(), false, &job(Channel::Call, "+14155550100"), Timestamp::from_unix_seconds(1));
        assert_eq!(call.unwrap_err().code(), 60223, "a gateway never serves calls");
    }

    #[test]
    fn the_accepted_rule_decides_and_refusals_name_status_and_field() {
        let vonage = provider(&two(), "+447700900123");
        assert_eq!((vonage.name(), vonage.gateway_prefix()), ("gateway", Some("+44")));
        assert_eq!(provider(&two(), "+4917000000").gateway_prefix(), Some("*"));
        let ok = r#"{"message-count":"1","messages":[{"to":"447700900123","message-id":"0A0000000123ABCD1","status":"0","remaining-balance":"3.14","message-price":"0.03","network":"23410"}]}"#;
        assert_eq!(judge(vonage.clone(), answer(200, ok), "123456"), Ok(()));
        let refused = r#"{"message-count":"1","messages":[{"status":"4","error-text":"Bad Credentials for 123456"}]}"#;
        let err = judge(vonage.clone(), answer(200, refused), "123456").unwrap_err();
        assert_eq!((err.status(), err.code()), (502, 30008));
        let text = err.to_string();
        assert!(text.contains("gateway") && text.contains("+44") && text.contains("HTTP 200") && text.contains(r#"messages.0.status = "4""#), "{text}");
        assert!(text.contains("Bad Credentials") && !text.contains("123456"), "{text}");
        let missing = judge(vonage.clone(), answer(200, "not json"), "123456").unwrap_err();
        assert!(missing.to_string().contains("without messages.0.status"), "{missing}");
        assert!(judge(vonage.clone(), answer(500, ok), "123456").is_err(), "the status must match too");

        let plivo = provider(&two(), "+14155550100");
        let queued = r#"{"message":"message(s) queued","message_uuid":["db3ce55a-7f1d-11e1-8ea7-1231380bc196"],"api_id":"db342550-7f1d-11e1-8ea7-1231380bc196"}"#;
        assert_eq!(judge(plivo.clone(), answer(202, queued), "123456"), Ok(()));
        assert_eq!(judge(plivo.clone(), answer(201, "{}"), "123456"), Ok(()));
        let bad = judge(plivo.clone(), answer(400, r#"{"api_id":"x","error":"invalid dst 123456"}"#), "123456").unwrap_err();
        assert!(bad.to_string().contains("HTTP 400") && bad.to_string().contains("invalid dst ******"), "{bad}");
        assert!(judge(plivo.clone(), answer(204, ""), "123456").is_err(), "204 is not in [202, 200-201]");
        // What the request carried (its keys) is blanked out of what the gateway says.
        let echoed = judge(vonage.clone(), answer(200, r#"{"messages":[{"status":"4","error-text":"invalid api_secret vonage-secret-hunter2"}]}"#), "123456").unwrap_err();
        assert!(!echoed.to_string().contains("hunter2") && echoed.to_string().contains("[redacted]"), "{echoed}");
        let basic = judge(plivo.clone(), answer(401, r#"{"error":"bad password plivo-token-hunter2"}"#), "123456").unwrap_err();
        assert!(!basic.to_string().contains("hunter2"), "{basic}");
        let path_key = judge(plivo.clone(), answer(401, r#"{"error":"no account MAPLIVOID"}"#), "123456").unwrap_err();
        assert!(path_key.to_string().contains("MAPLIVOID"), "a short path segment is no key: {path_key}");
        // A caller's whole message (the Messages API): no free text, since any part may be quoted.
        let body = "Your IdentityIQ code is 482913\nDo not share it";
        let quoted = judge(plivo.clone(), answer(400, r#"{"error":"rejected: Your IdentityIQ code is 482913"}"#), body).unwrap_err();
        assert!(quoted.to_string().contains("HTTP 400") && !quoted.to_string().contains("482913"), "{quoted}");
        let field = judge(vonage.clone(), answer(200, r#"{"messages":[{"status":"code 482913 refused"}]}"#), body).unwrap_err();
        assert!(field.to_string().contains("messages.0.status not accepted") && !field.to_string().contains("482913"), "{field}");
        let timeout = judge(plivo.clone(), Err(TransportError::Timeout(900)), "123456").unwrap_err();
        assert!(matches!(timeout, ApiError::DeliveryUncertain { .. }) && timeout.to_string().contains("900 ms"), "{timeout}");
        let down = judge(plivo, Err(TransportError::Connection("fetch https://api.plivo.com/v1/Account/MAPLIVOID failed".into())), "123456").unwrap_err();
        assert!(matches!(down, ApiError::DeliveryFailed { .. }) && !down.to_string().contains("MAPLIVOID"), "{down}");
    }

    #[test]
    fn equals_matches_text_numbers_and_lists() {
        let rule = |equals: &str| Accepted { field: Some("a.b".into()), equals: Some(serde_json::from_str(equals).unwrap()), ..Accepted::default() };
        let found: Value = serde_json::from_str(r#"{"a": {"b": 0}}"#).unwrap();
        let at = route::lookup(&found, "a.b").unwrap();
        assert!(rule("\"0\"").field_ok(at) && rule("0").field_ok(at) && rule(r#"["queued", 0]"#).field_ok(at));
        assert!(!rule("\"1\"").field_ok(at) && !rule("false").field_ok(at));
        let classes = Accepted { status: vec![StatusRule::Text("2xx".into()), StatusRule::Code(302)], ..Accepted::default() };
        assert!(classes.status_ok(299) && classes.status_ok(302) && !classes.status_ok(301) && !classes.status_ok(300));
        assert!(Accepted::default().status_ok(204) && !Accepted::default().status_ok(302));
    }

    #[test]
    fn debug_never_shows_the_url_headers_or_template_values() {
        let cfg = DeliveryConfig::parse(
            r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/send?apikey=hunter2", "headers": {"Authorization": "Bearer hunter2"},
                "body": {"secret": "hunter2", "to": "{to}", "text": "{message}"}}]}"#,
            false,
        )
        .unwrap();
        let shown = format!("{cfg:?} {:?}", two());
        assert!(!shown.contains("hunter2") && shown.contains("secret"), "{shown}");
    }

    #[test]
    fn placeholders_split_from_text() {
        use route::Piece::{Slot, Text};
        assert_eq!(route::pieces("Body={message}&To={to}"), [Text("Body="), Slot("message"), Text("&To="), Slot("to"), Text("")]);
        assert_eq!(route::pieces("{\"a\":1} {X} {"), [Text(""), Text("{"), Text("\"a\":1} "), Text("{"), Text("X} "), Text("{"), Text("")]);
    }

    #[test]
    fn bad_gateways_are_refused_naming_the_setting_and_never_a_value() {
        let gw = |extra: &str| format!(r#"{{"gateways": [{{"prefix": "*", "url": "https://gw.example.com/send", "body": {{"to": "{{to}}", "text": "{{message}}", "key": "hunter2"}}{extra}}}]}}"#);
        let cases: Vec<(String, &str)> = vec![
            (gw("").replace(r#"]}"#, &format!(", {}]}}", gw("").trim_start_matches(r#"{"gateways": ["#).trim_end_matches("]}"))), "gateways[1].prefix repeats"),
            (r#"{"gateways": [{"prefix": "44", "url": "https://gw.example.com/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].prefix"),
            (r#"{"gateways": [{"prefix": "*", "url": "http://gw.example.com/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must be an https:// URL"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://127.0.0.1/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must not point at a loopback, private"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://10.1.2.3/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must not point at a loopback, private"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://user:hunter2@gw.example.com/", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must not carry"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://{hunter}.example.com/", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must name a host"),
            (r#"{"gateways": [{"prefix": "*", "url": "hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must be an https:// URL"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://2130706433/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must be a host name or an IPv4"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://[::ffff:127.0.0.1]/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must not point at a loopback"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://x.localhost/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#.into(), "gateways[0].url must not point at a loopback"),
            (gw(r#", "headers": {"Authorization": "hunter2\r\nX: 1"}"#), "gateways[0].headers.Authorization has a control"),
            (gw(r#", "headers": {"Bad Name": "hunter2"}"#), "gateways[0].headers: a header name"),
            (gw(r#", "headers": {"authorization": "hunter2"}, "basic_auth": {"username": "u", "password": "hunter2"}"#), "sets both basic_auth"),
            (gw(r#", "method": "GET", "format": "json""#), "gateways[0].format json"),
            (gw(r#", "method": "DELETE""#), "DELIVERY_CONFIG is not valid"),
            (gw(r#", "accepted": {"status": ["hunter2"]}"#), "gateways[0].accepted.status"),
            (gw(r#", "accepted": {"status": [700]}"#), "gateways[0].accepted.status"),
            (gw(r#", "accepted": {"field": "messages.0.status"}"#), "field and equals together"),
            (gw(r#", "accepted": {"field": "a..b", "equals": "hunter2"}"#), "gateways[0].accepted.field"),
            (gw(r#", "accepted": {"field": "a", "equals": {"x": "hunter2"}}"#), "gateways[0].accepted.equals"),
            (gw(r#", "accepted": {"field": "a", "equals": "0", "hunter2": 1}"#), "DELIVERY_CONFIG is not valid"),
            (gw(r#", "hunter2": 1"#), "DELIVERY_CONFIG is not valid"),
            (gw(r#", "from": "hunter2\n""#), "gateways[0].from"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "text": "{mesage}", "k": "hunter2"}}]}"#.into(), "gateways[0].body.text has an unknown placeholder"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "k": "hunter2"}}]}"#.into(), "never sends {message} or {code}"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"text": "{message}", "k": "hunter2"}}]}"#.into(), "never sends {to} or {to_digits}"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "text": "{message}", "src": "{from}", "k": "hunter2"}}]}"#.into(), "uses {from} but sets no from"),
            (r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "text": "{message}", "k": {"n": "hunter2"}}}]}"#.into(), "gateways[0].body.k must be text"),
            (r#"{"channels": {"sms": "gateway"}}"#.into(), "there are no gateways"),
            (gw("").replace(r#""gateways""#, r#""channels": {"call": "gateway"}, "gateways""#), "gateway can only deliver sms"),
        ];
        for (json, want) in cases {
            let err = DeliveryConfig::parse(&json, false).unwrap_err();
            assert!(err.contains(want) && !err.contains("hunter2"), "{json}\n=> {err}");
        }
        // Loopback http and private hosts are for dev mode only.
        let local = r#"{"gateways": [{"prefix": "*", "url": "http://127.0.0.1:8787/sms", "body": {"to": "{to}", "text": "{message}"}}]}"#;
        assert!(DeliveryConfig::parse(local, false).is_err());
        assert!(DeliveryConfig::parse(local, true).is_ok());
        assert!(DeliveryConfig::parse(&local.replace("127.0.0.1", "gw.example.com"), true).is_err(), "http only to loopback");
        assert!(DeliveryConfig::parse(&local.replace("http:", "https:").replace("127.0.0.1", "[::1]"), true).is_ok());
    }
}

//! The verification requests both faces parse into: start, check, status update, and the
//! `{Sid}` of a path (a `VE` SID or the `To`). Parsing is about the request alone; what the
//! service allows (custom codes, PSD2) is the start operation's business.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::model::Status;
use crate::channel::{normalise_email, parse_any_recipient, parse_recipient, Channel};
use crate::delivery::ChannelConfiguration;
use crate::error::ApiError;
use crate::input::Input;
use crate::sid::{TemplateSid, VerificationSid};
use crate::spec::verification::*;
use crate::spec::ParamSpec;
use crate::verify::service::record::check_friendly_name;

/// `POST /v2/Services/{VA}/Verifications`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// E.164 number or email address (domain lower-cased).
    pub to: String,
    /// `auto` already resolved to sms.
    pub channel: Channel,
    pub custom_friendly_name: Option<String>,
    /// The whole message, with a `{{code}}` placeholder.
    pub custom_message: Option<String>,
    pub send_digits: Option<String>,
    pub locale: Option<String>,
    pub custom_code: Option<String>,
    /// PSD2 amount and payee as given; judged by the start operation, and only for a PSD2
    /// service (other services ignore them).
    pub amount: Option<String>,
    pub payee: Option<String>,
    pub channel_configuration: Option<ChannelConfiguration>,
    /// Android SMS Retriever hash.
    pub app_hash: Option<String>,
    pub rate_limits: Option<Map<String, Value>>,
    pub tags: Option<Map<String, Value>>,
    pub device_ip: Option<IpAddr>,
    pub template_sid: Option<TemplateSid>,
}

fn required<'a>(input: &Input<'a>, spec: &ParamSpec) -> Result<&'a str, ApiError> {
    input.raw_text(spec)?.ok_or_else(|| input.invalid(spec, "is required"))
}

fn matching_text(input: &Input<'_>, spec: &ParamSpec, allowed: fn(char) -> bool, what: &str) -> Result<Option<String>, ApiError> {
    match input.text(spec)? {
        None => Ok(None),
        Some(v) if !v.is_empty() && v.chars().all(allowed) => Ok(Some(v)),
        Some(_) => Err(input.invalid(spec, what)),
    }
}

/// A code as typed by a user or given as `CustomCode`: 4 to 10 letters or digits.
fn code(input: &Input<'_>, spec: &ParamSpec) -> Result<Option<String>, ApiError> {
    match input.raw_text(spec)? {
        None => Ok(None),
        Some(c) if (4..=10).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()) => Ok(Some(c.to_owned())),
        Some(_) => Err(input.invalid(spec, "must be 4 to 10 letters or digits")),
    }
}

fn locale(input: &Input<'_>) -> Result<Option<String>, ApiError> {
    const WHAT: &str = "must be a language tag such as en, es or pt-BR";
    let locale = matching_text(input, &LOCALE, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', WHAT)?;
    let language_ok = |l: &str| l.split(['-', '_']).next().is_some_and(|lang| (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic()));
    match locale {
        Some(l) if !language_ok(&l) => Err(input.invalid(&LOCALE, WHAT)),
        other => Ok(other),
    }
}

/// `RateLimits`: up to 20 keys, each valued a string (up to 256 characters) or an integer that
/// JSON numbers hold exactly.
fn rate_limits(input: &Input<'_>) -> Result<Option<Map<String, Value>>, ApiError> {
    const SAFE: f64 = ((1_i64 << 53) - 1) as f64;
    let Some(map) = input.object(&RATE_LIMITS)? else { return Ok(None) };
    let invalid = || input.invalid(&RATE_LIMITS, "at most 20 keys, each a string or a whole number");
    if map.len() > 20 {
        return Err(invalid());
    }
    // Any key: one the service does not have is refused when the start looks it up (404). A
    // whole number however written (`49`, `49.0`, `-0`) is one value: the integer.
    let mut out = Map::new();
    for (key, value) in map {
        let value = match value {
            Value::String(s) if s.chars().count() <= 256 => Value::String(s),
            Value::Number(n) => match n.as_i64() {
                Some(whole) if (whole as f64).abs() <= SAFE => Value::from(whole),
                Some(_) => return Err(invalid()),
                None => match n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= SAFE) {
                    Some(f) => Value::from(f as i64),
                    None => return Err(invalid()),
                },
            },
            _ => return Err(invalid()),
        };
        out.insert(key, value);
    }
    Ok(Some(out))
}

fn tags(input: &Input<'_>) -> Result<Option<Map<String, Value>>, ApiError> {
    let tags = input.object(&TAGS)?;
    if let Some(tags) = &tags {
        if tags.len() > 10 || tags.iter().any(|(k, v)| k.chars().count() > 128 || v.as_str().is_none_or(|s| s.chars().count() > 128)) {
            return Err(input.invalid(&TAGS, "at most 10 string tags, keys and values up to 128 characters"));
        }
    }
    Ok(tags)
}

fn channel_configuration(input: &Input<'_>) -> Result<Option<ChannelConfiguration>, ApiError> {
    let Some(map) = input.object(&CHANNEL_CONFIGURATION)? else { return Ok(None) };
    let cc: ChannelConfiguration = serde_json::from_value(Value::Object(map))
        .map_err(|_| input.invalid(&CHANNEL_CONFIGURATION, "from, from_name and template_id must be strings and substitutions an object"))?;
    if cc.from.as_deref().is_some_and(|f| normalise_email(f).is_none()) {
        return Err(input.invalid(&CHANNEL_CONFIGURATION, "from must be an email address"));
    }
    Ok(Some(cc))
}

impl StartRequest {
    /// Parses and checks every start parameter, failing on the first bad one.
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let channel = Channel::parse(required(input, &CHANNEL)?, input.name(&CHANNEL))?;
        let to = parse_recipient(required(input, &TO)?, channel, input.name(&TO))?;
        let custom_friendly_name = match input.raw_text(&CUSTOM_FRIENDLY_NAME)? {
            None | Some("") => None,
            Some(name) => Some(check_friendly_name(name).map_err(|why| input.invalid(&CUSTOM_FRIENDLY_NAME, why))?),
        };
        let custom_message = match input.text(&CUSTOM_MESSAGE)? {
            Some(m) if m.contains("{{code}}") || m.contains("{code}") => Some(m),
            Some(_) => return Err(input.invalid(&CUSTOM_MESSAGE, "must contain the {{code}} placeholder")),
            None => None,
        };
        let send_digits = matching_text(input, &SEND_DIGITS, |c| c.is_ascii_digit() || "wW#*".contains(c), "may hold only digits, w, W, # and *")?;
        let locale = locale(input)?;
        let custom_code = code(input, &CUSTOM_CODE)?;
        let amount = input.text(&AMOUNT)?;
        let payee = input.text(&PAYEE)?;
        let channel_configuration = channel_configuration(input)?;
        let app_hash = match input.raw_text(&APP_HASH)? {
            None | Some("") => None,
            Some(h) if h.len() == APP_HASH.max_chars() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/') => Some(h.to_owned()),
            Some(_) => return Err(input.invalid(&APP_HASH, "must be the 11-character Android app hash")),
        };
        let device_ip = match input.raw_text(&DEVICE_IP)? {
            None | Some("") => None,
            Some(ip) => Some(ip.parse().map_err(|_| input.invalid(&DEVICE_IP, "must be an IPv4 or IPv6 address"))?),
        };
        let template_sid = match input.raw_text(&TEMPLATE_SID)? {
            None | Some("") => None,
            Some(t) => Some(TemplateSid::parse(t).ok_or_else(|| input.invalid(&TEMPLATE_SID, "must be HJ followed by 32 hex digits"))?),
        };
        let tags = tags(input)?;
        Ok(Self {
            to,
            channel,
            custom_friendly_name,
            custom_message,
            send_digits,
            locale,
            custom_code,
            amount,
            payee,
            channel_configuration,
            app_hash,
            rate_limits: rate_limits(input)?,
            tags,
            device_ip,
            template_sid,
        })
    }
}

/// How a check, fetch or update names its verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationRef {
    Sid(VerificationSid),
    /// A normalised `To`.
    To(String),
}

impl VerificationRef {
    /// A path's `{Sid}`: a `VE` SID, else a `To`; anything else names nothing.
    pub fn from_path(segment: &str) -> Option<Self> {
        VerificationSid::parse(segment).map(Self::Sid).or_else(|| parse_any_recipient(segment).map(Self::To))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Sid(sid) => sid.as_str(),
            Self::To(to) => to,
        }
    }
}

/// `POST /v2/Services/{VA}/VerificationCheck`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The code typed.
    pub code: String,
    pub target: VerificationRef,
    pub amount: Option<String>,
    pub payee: Option<String>,
}

impl CheckRequest {
    /// Parses `Code`, then `VerificationSid` or `To` (60221 if neither), `Amount`, `Payee`.
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let code = code(input, &CODE)?.ok_or_else(|| input.invalid(&CODE, "is required"))?;
        let sid = input.raw_text(&VERIFICATION_SID)?.filter(|s| !s.is_empty());
        let to = input.raw_text(&TO)?.filter(|s| !s.is_empty());
        let target = match (sid, to) {
            (Some(sid), _) => VerificationRef::Sid(VerificationSid::parse(sid).ok_or_else(|| input.invalid(&VERIFICATION_SID, "must be VE followed by 32 hex digits"))?),
            (None, Some(to)) => VerificationRef::To(parse_any_recipient(to).ok_or_else(|| input.invalid(&TO, "must be an E.164 phone number or an email address"))?),
            (None, None) => return Err(ApiError::NoVerificationTarget),
        };
        Ok(Self { code, target, amount: input.text(&AMOUNT)?, payee: input.text(&PAYEE)? })
    }
}

/// The `Status` of a verification update: `approved` or `canceled`.
pub fn parse_status_update(input: &Input<'_>) -> Result<Status, ApiError> {
    match input.raw_text(&STATUS)? {
        Some("approved") => Ok(Status::Approved),
        Some("canceled") => Ok(Status::Canceled),
        Some(_) => Err(input.invalid(&STATUS, "must be approved or canceled")),
        None => Err(input.invalid(&STATUS, "is required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    fn form(pairs: &[(&str, &str)]) -> Body {
        Body::Form(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn start_parses_every_parameter() {
        let body = form(&[
            ("To", "Ann@Example.com"),
            ("Channel", "email"),
            ("CustomFriendlyName", "Shop"),
            ("Locale", "pt-BR"),
            ("CustomCode", "ab12"),
            ("Amount", "€5"),
            ("Payee", "Acme"),
            ("ChannelConfiguration", r#"{"from": "otp@acme.test", "substitutions": {"a": 1}}"#),
            ("RateLimits", r#"{"end_user_ip": "1.2.3.4", "n": 3}"#),
            ("DeviceIp", "2001:db8::1"),
            ("Tags", r#"{"k": "v"}"#),
        ]);
        let r = StartRequest::parse(&body.input(Naming::Wire)).unwrap();
        assert_eq!((r.to.as_str(), r.channel), ("Ann@example.com", Channel::Email));
        assert_eq!(r.locale.as_deref(), Some("pt-BR"));
        assert_eq!(r.custom_code.as_deref(), Some("ab12"));
        assert_eq!(r.channel_configuration.unwrap().from.as_deref(), Some("otp@acme.test"));
        assert_eq!(r.rate_limits.unwrap()["n"], 3);
        assert!(r.device_ip.unwrap().is_ipv6());
        // JSON Schema's integers include 3.0 and -0: one value each, the integer.
        let whole = form(&[("To", "+14155550100"), ("Channel", "sms"), ("RateLimits", r#"{"a": -0, "b": 49.0, "c": 7}"#)]);
        let limits = StartRequest::parse(&whole.input(Naming::Wire)).unwrap().rate_limits.unwrap();
        assert_eq!(serde_json::to_string(&limits).unwrap(), r#"{"a":0,"b":49,"c":7}"#);
        let fraction = form(&[("To", "+14155550100"), ("Channel", "sms"), ("RateLimits", r#"{"a": 1.5}"#)]);
        assert!(StartRequest::parse(&fraction.input(Naming::Wire)).is_err());
    }

    #[test]
    fn start_names_each_bad_parameter_as_its_face_does() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("To", "+14155550100")], "Channel"),
            (&[("Channel", "sms")], "To"),
            (&[("To", "4155550100"), ("Channel", "sms")], "To"),
            (&[("To", "+14155550100"), ("Channel", "fax")], "Channel"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("CustomMessage", "no placeholder")], "CustomMessage"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("Locale", "e")], "Locale"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("CustomCode", "12")], "CustomCode"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("AppHash", "short")], "AppHash"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("DeviceIp", "999.1.1.1")], "DeviceIp"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("RateLimits", r#"{"k": [1]}"#)], "RateLimits"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("Tags", r#"{"k": 1}"#)], "Tags"),
            (&[("To", "+14155550100"), ("Channel", "sms"), ("SendDigits", "12x")], "SendDigits"),
        ];
        for (pairs, name) in cases {
            let err = StartRequest::parse(&form(pairs).input(Naming::Wire)).unwrap_err();
            assert_eq!(err.parameter(), Some(*name), "{pairs:?}");
        }
        let json = Body::from_json(br#"{"to": "+14155550100", "channel": "sms", "locale": 5}"#).unwrap();
        assert_eq!(StartRequest::parse(&json.input(Naming::Field)).unwrap_err().parameter(), Some("locale"));
    }

    #[test]
    fn check_needs_a_code_and_a_target() {
        let ok = form(&[("Code", "123456"), ("To", "+14155550100")]);
        assert_eq!(CheckRequest::parse(&ok.input(Naming::Wire)).unwrap().target, VerificationRef::To("+14155550100".into()));
        assert_eq!(CheckRequest::parse(&form(&[("Code", "123456")]).input(Naming::Wire)).unwrap_err(), ApiError::NoVerificationTarget);
        assert_eq!(CheckRequest::parse(&form(&[("To", "+14155550100")]).input(Naming::Wire)).unwrap_err().parameter(), Some("Code"));
        let bad_sid = form(&[("Code", "123456"), ("VerificationSid", "VE12")]);
        assert_eq!(CheckRequest::parse(&bad_sid.input(Naming::Wire)).unwrap_err().parameter(), Some("VerificationSid"));
        assert_eq!(VerificationRef::from_path("nobody"), None);
    }
}

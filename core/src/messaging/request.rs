//! What a `POST .../Messages.json` asks for, checked the way Twilio checks it (its error codes:
//! 21604 no `To`, 21211 a bad `To`, 21603 no sender, 21212 a bad `From`, 21602 no `Body`,
//! 21617 a `Body` over 1,600 characters, 21620 media, which SMS OTP does not send).

use crate::channel::{is_e164, plus_restored, Channel};
use crate::error::ApiError;
use crate::input::Input;
use crate::sid::MessagingServiceSid;
use crate::spec::{Kind, ParamSpec};

const fn param(wire: &'static str, field: &'static str, max: usize, help: &'static str) -> ParamSpec {
    ParamSpec { clearable: false, wire, field, label: wire, kind: Kind::Text { max }, help, default: None }
}

pub const TO: ParamSpec = param("To", "to", 64, "The recipient: an E.164 number, or whatsapp:+E164.");
pub const FROM: ParamSpec = param("From", "from", 64, "The sender number (the route's own sender is used when it has one).");
pub const MESSAGING_SERVICE_SID: ParamSpec = param("MessagingServiceSid", "messaging_service_sid", 34, "A Messaging Service SID (MG...), instead of From.");
pub const BODY: ParamSpec = param("Body", "body", 1600, "The text, up to 1,600 characters.");
pub const STATUS_CALLBACK: ParamSpec = param("StatusCallback", "status_callback", 1000, "A URL for status callbacks (recorded).");
pub const MEDIA_URL: ParamSpec = param("MediaUrl", "media_url", 1000, "Not supported: text messages only.");
/// The list filters.
pub const DATE_SENT: ParamSpec = param("DateSent", "date_sent", 30, "Messages sent on this day (YYYY-MM-DD, or a time in it).");
pub const DATE_SENT_BEFORE: ParamSpec = param("DateSent<", "date_sent_before", 30, "Messages sent before this date or time.");
pub const DATE_SENT_AFTER: ParamSpec = param("DateSent>", "date_sent_after", 30, "Messages sent on or after this date or time.");
pub const OUTCOME: ParamSpec = param("Outcome", "outcome", 11, "confirmed (the recipient used the code) or unconfirmed.");

/// Longest body, as Twilio allows.
pub const MAX_BODY_CHARS: usize = 1600;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    /// E.164, without a `whatsapp:` prefix.
    pub to: String,
    pub channel: Channel,
    pub from: Option<String>,
    pub messaging_service_sid: Option<MessagingServiceSid>,
    pub body: String,
    pub status_callback: Option<String>,
}

fn refused(code: u32, detail: impl Into<String>) -> ApiError {
    ApiError::Refused { code, detail: detail.into() }
}

/// Text without control characters (line breaks and tabs allowed in a body).
fn clean(text: &str, breaks: bool) -> bool {
    text.chars().all(|c| !c.is_control() || (breaks && matches!(c, '\n' | '\r' | '\t')))
}

/// A status callback URL: https, or http to loopback in dev mode.
fn callback(url: &str, dev_mode: bool) -> Result<String, ApiError> {
    let lower = url.to_ascii_lowercase();
    let host_ok = |rest: &str| !rest.is_empty() && !rest.starts_with('/') && clean(rest, false) && !rest.contains(char::is_whitespace);
    let ok = match lower.strip_prefix("https://") {
        Some(rest) => host_ok(rest),
        None => dev_mode && lower.strip_prefix("http://").is_some_and(host_ok),
    };
    if ok {
        Ok(url.to_owned())
    } else {
        Err(refused(21609, "The StatusCallback URL is not a valid https URL"))
    }
}

impl MessageRequest {
    pub fn parse(input: &Input<'_>, dev_mode: bool) -> Result<Self, ApiError> {
        let to = input.raw_text(&TO)?.map(plus_restored).filter(|t| !t.is_empty());
        let to = to.as_deref();
        let to = to.ok_or_else(|| refused(21604, "A 'To' phone number is required."))?;
        let (channel, number) = match to.strip_prefix("whatsapp:") {
            Some(number) => (Channel::Whatsapp, number),
            None => (Channel::Sms, to),
        };
        if !is_e164(number) {
            return Err(refused(21211, format!("The 'To' number {} is not a valid phone number.", shown(to))));
        }
        let from = match input.raw_text(&FROM)?.map(plus_restored).filter(|f| !f.is_empty()) {
            None => None,
            Some(f) => {
                let f = f.as_str();
                let number = f.strip_prefix("whatsapp:").unwrap_or(f);
                let alphanumeric = (1..=11).contains(&f.len()) && f.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') && f.chars().any(|c| c.is_ascii_alphabetic());
                if !is_e164(number) && !alphanumeric {
                    return Err(refused(21212, format!("The 'From' number {} is not a valid phone number, shortcode, or alphanumeric sender ID.", shown(f))));
                }
                Some(f.to_owned())
            }
        };
        let messaging_service_sid = match input.raw_text(&MESSAGING_SERVICE_SID)?.filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(MessagingServiceSid::parse(s).ok_or_else(|| refused(21701, "The Messaging Service Sid is invalid (MG and 32 hex digits)."))?),
        };
        if from.is_none() && messaging_service_sid.is_none() {
            return Err(refused(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."));
        }
        if input.raw_text(&MEDIA_URL)?.is_some_and(|m| !m.is_empty()) {
            return Err(refused(21620, "MediaUrl is not supported: edge-verify sends text messages only."));
        }
        let body = input.raw_text(&BODY)?.unwrap_or_default();
        if body.trim().is_empty() {
            return Err(refused(21602, "Message body is required."));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(refused(21617, format!("The concatenated message body exceeds the {MAX_BODY_CHARS} character limit.")));
        }
        if !clean(body, true) {
            return Err(ApiError::invalid(BODY.wire, "must not contain control characters other than line breaks and tabs"));
        }
        let status_callback = input.raw_text(&STATUS_CALLBACK)?.filter(|u| !u.is_empty()).map(|u| callback(u, dev_mode)).transpose()?;
        Ok(Self { to: number.to_owned(), channel, from, messaging_service_sid, body: body.to_owned(), status_callback })
    }
}

/// A caller's value quoted in an error: printable, at most 32 characters.
fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(32).collect()
}

/// `Outcome` of a feedback: whether the recipient used what the message carried.
pub fn outcome(input: &Input<'_>) -> Result<bool, ApiError> {
    match input.raw_text(&OUTCOME)? {
        Some("confirmed") => Ok(true),
        Some("unconfirmed") => Ok(false),
        _ => Err(ApiError::invalid(OUTCOME.wire, "must be confirmed or unconfirmed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    fn parse(form: &str) -> Result<MessageRequest, ApiError> {
        let body = Body::from_request(Some("application/x-www-form-urlencoded"), form.as_bytes()).unwrap();
        MessageRequest::parse(&body.input(Naming::Wire), false)
    }

    fn code(form: &str) -> u32 {
        parse(form).unwrap_err().code()
    }

    #[test]
    fn wso2s_payload_parses() {
        let m = parse("Body=Your+OTP+is+482913&To=%2B447700900123&From=%2B15005550006").unwrap();
        assert_eq!((m.to.as_str(), m.channel, m.from.as_deref(), m.body.as_str()), ("+447700900123", Channel::Sms, Some("+15005550006"), "Your OTP is 482913"));
        let wa = parse("Body=x&To=whatsapp%3A%2B447700900123&MessagingServiceSid=MG11111111111111111111111111111111").unwrap();
        assert_eq!((wa.to.as_str(), wa.channel), ("+447700900123", Channel::Whatsapp));
        assert!(parse("Body=x&To=%2B447700900123&From=Acme").is_ok(), "alphanumeric sender IDs");
        let raw = parse("Body=Your OTP is 482913&To=+447700900123&From=+15005550006").unwrap();
        assert_eq!((raw.to.as_str(), raw.from.as_deref(), raw.body.as_str()), ("+447700900123", Some("+15005550006"), "Your OTP is 482913"), "WSO2's unencoded payload");
    }

    #[test]
    fn twilios_codes_for_bad_messages() {
        assert_eq!(code("Body=x&From=%2B15005550006"), 21604);
        assert_eq!(code("Body=x&To=12345&From=%2B15005550006"), 21211);
        assert_eq!(code("Body=x&To=%2B447700900123"), 21603);
        assert_eq!(code("Body=x&To=%2B447700900123&From=%2B1"), 21212);
        assert_eq!(code("To=%2B447700900123&From=%2B15005550006"), 21602);
        assert_eq!(code("Body=%20&To=%2B447700900123&From=%2B15005550006"), 21602);
        assert_eq!(code(&format!("Body={}&To=%2B447700900123&From=%2B15005550006", "a".repeat(1601))), 21617);
        assert_eq!(code("Body=x&To=%2B447700900123&MessagingServiceSid=MGnope"), 21701);
        assert_eq!(code("Body=x&To=%2B447700900123&From=%2B15005550006&MediaUrl=https%3A%2F%2Fa.test%2Fx.png"), 21620);
        assert_eq!(code("Body=x&To=%2B447700900123&From=%2B15005550006&StatusCallback=http%3A%2F%2Fa.test%2F"), 21609);
        assert_eq!(code("Body=a%07b&To=%2B447700900123&From=%2B15005550006"), 60200);
        let err = parse("Body=x&To=%2B447700900123").unwrap_err();
        assert_eq!(err.status(), 400);
    }
}

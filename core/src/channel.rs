//! How a code travels (`Channel`) and where to (`To`): E.164 numbers and email addresses,
//! normalised so the same recipient is always one verification target.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Call,
    Email,
    Whatsapp,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Call, Channel::Email, Channel::Whatsapp];

    /// Parses `Channel`: `sms`, `call`, `email`, `whatsapp`, or `auto` (sms). `name` is how the
    /// caller called the parameter.
    pub fn parse(text: &str, name: &str) -> Result<Self, ApiError> {
        match text {
            "sms" | "auto" => Ok(Self::Sms),
            "call" => Ok(Self::Call),
            "email" => Ok(Self::Email),
            "whatsapp" => Ok(Self::Whatsapp),
            "sna" => Err(ApiError::invalid(name, "sna (silent network authentication) needs carrier integration and is not supported; use sms, call, email or whatsapp")),
            _ => Err(ApiError::invalid(name, "must be one of: sms, call, email, whatsapp, auto")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
        }
    }
}

/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
    })
}

/// A number as some clients send it: WSO2 puts `$ctx.num` into its form payload without
/// encoding it, and Postman puts a query example such as `+4477` into the URL as it is, so
/// `+44...` arrives as ` 44...` (a form's or query's `+` is a space). A value that is a space
/// and then digits is read back as the `+` number it was; anything else is trimmed.
pub fn plus_restored(raw: &str) -> String {
    let trimmed = raw.trim();
    if raw.starts_with(' ') && trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty() {
        format!("+{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// A plausible email address (one `@`, a non-empty local part, a dotted domain, no spaces),
/// with the domain lower-cased.
pub fn normalise_email(text: &str) -> Option<String> {
    let (local, domain) = text.split_once('@')?;
    // Lengths in characters, as the spec's maxLength and pattern count them.
    let ok = text.chars().count() <= 254
        && !local.is_empty()
        && local.chars().count() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
        && !domain.contains('@');
    ok.then(|| format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// Who a normalised `To` is, for counting and naming its verification target: an email address
/// with ASCII letters in lower case (mailboxes are matched without regard to case in practice,
/// and `Ann@x.com` and `ANN@x.com` must not be two verifications with five guesses each; ASCII
/// only, as Unicode case tables would cost the wasm 9 KB), a number as it is.
pub fn identity(to: &str) -> std::borrow::Cow<'_, str> {
    if to.contains('@') {
        std::borrow::Cow::Owned(to.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(to)
    }
}

/// `To` for `channel`: an email address for email, E.164 otherwise.
pub fn parse_recipient(to: &str, channel: Channel, name: &str) -> Result<String, ApiError> {
    if channel == Channel::Email {
        normalise_email(to).ok_or_else(|| ApiError::invalid(name, "must be an email address for Channel=email"))
    } else if is_e164(to) {
        Ok(to.to_owned())
    } else {
        Err(ApiError::invalid(name, "must be a phone number in E.164 form, e.g. +14155550100"))
    }
}

/// A `To` of unknown channel (a check, or a path segment that is not a SID), normalised as
/// when its verification was started.
pub fn parse_any_recipient(text: &str) -> Option<String> {
    if is_e164(text) {
        Some(text.to_owned())
    } else {
        normalise_email(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_parse_with_auto_as_sms_and_sna_refused() {
        assert_eq!(Channel::parse("auto", "Channel").unwrap(), Channel::Sms);
        assert_eq!(Channel::parse("whatsapp", "Channel").unwrap(), Channel::Whatsapp);
        let sna = Channel::parse("sna", "Channel").unwrap_err();
        assert_eq!(sna.parameter(), Some("Channel"));
        assert!(sna.to_string().contains("sna"));
        assert_eq!(Channel::parse("SMS", "channel").unwrap_err().parameter(), Some("channel"));
    }

    #[test]
    fn e164_only() {
        assert!(is_e164("+14155550100"));
        assert!(is_e164("+919876543210"));
        for bad in ["14155550100", "+1415555", "+1234567890123456", "+0123456789", "+1 415 555 0100", "+1415555010a", ""] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn recipients_follow_the_channel() {
        assert_eq!(parse_recipient("+14155550100", Channel::Sms, "To").unwrap(), "+14155550100");
        assert_eq!(parse_recipient("Ann@Example.COM", Channel::Email, "To").unwrap(), "Ann@example.com");
        for (to, ch) in [("14155550100", Channel::Sms), ("a@b.c", Channel::Call), ("+1415", Channel::Whatsapp), ("no-at", Channel::Email), ("a b@c.de", Channel::Email), ("a@b", Channel::Email), ("a@.b", Channel::Email)] {
            assert_eq!(parse_recipient(to, ch, "To").unwrap_err().parameter(), Some("To"), "{to}");
        }
        assert_eq!(parse_any_recipient("A@B.CO").as_deref(), Some("A@b.co"));
        assert_eq!(identity("Casey@example.com"), identity("CASEY@example.com"));
        assert_eq!(identity("+14155550100"), "+14155550100");
        assert_eq!(parse_any_recipient("VEaaaa"), None);
    }
}

//! The content rules a start passes before anything else: what a tenant may say and whom it may
//! say it as, on the operator's provider accounts (`POLICY`: `channels`, `custom_message`,
//! `senders`). Pure: no storage is read.

use super::request::StartRequest;
use crate::channel::Channel;
use crate::error::ApiError;
use crate::guard::policy::AccountPolicy;
use crate::spec::verification::{CHANNEL_CONFIGURATION, CUSTOM_MESSAGE};
use crate::verify::service::record::ServiceRecord;

/// The GSM 03.38 basic character set; any other character makes an SMS UCS-2.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM extension table (two septets each).
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// The SMS segments `text` takes.
pub fn segments(text: &str) -> usize {
    let mut septets = 0usize;
    let mut gsm = true;
    for c in text.chars() {
        if GSM_BASIC.contains(c) {
            septets += 1;
        } else if GSM_EXTENDED.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    if gsm {
        if septets <= 160 {
            1
        } else {
            septets.div_ceil(153)
        }
    } else {
        let units: usize = text.chars().map(char::len_utf16).sum();
        if units <= 70 {
            1
        } else {
            units.div_ceil(67)
        }
    }
}

/// Whether `text` holds something a phone would show as a link.
pub fn has_link(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return true;
    }
    lower
        .split(|c: char| c.is_whitespace() || "()<>\"'".contains(c))
        .any(|word| {
            let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            match word.rsplit_once('.') {
                // name.tld, name.tld/path
                Some((name, tld)) => {
                    let tld = tld.split('/').next().unwrap_or_default();
                    !name.is_empty()
                        && name
                            .chars()
                            .last()
                            .is_some_and(|c| c.is_ascii_alphanumeric())
                        && tld.len() >= 2
                        && tld.chars().all(|c| c.is_ascii_alphabetic())
                }
                None => false,
            }
        })
}

/// A sender's display name: 1 to 64 characters, no links or markup.
fn sender_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        Some("from_name must be 1 to 64 characters")
    } else if name
        .chars()
        .any(|c| c.is_control() || "<>/\\@:{}|#%=[]`\"".contains(c))
        || has_link(name)
    {
        Some("from_name may hold letters, digits, spaces and simple punctuation only (no links or markup)")
    } else {
        None
    }
}

fn forbidden(what: String) -> ApiError {
    ApiError::FeatureNotEnabled(what)
}

/// Checks a start against the account's content rules.
pub fn admit(
    policy: &AccountPolicy,
    service: &ServiceRecord,
    request: &StartRequest,
) -> Result<(), ApiError> {
    if !policy.channels.allows(request.channel) {
        return Err(ApiError::ChannelDisabled(format!(
            "channel {} is switched off for this account",
            request.channel.as_str()
        )));
    }
    if let Some(message) = &request.custom_message {
        let rule = policy.custom_message;
        if !rule.allowed {
            return Err(forbidden("CustomMessage is switched off for this account (the operator's POLICY custom_message.allowed)".into()));
        }
        if !rule.links && has_link(message) {
            return Err(forbidden(format!("{} must not contain links for this account (the operator's POLICY custom_message.links)", CUSTOM_MESSAGE.wire)));
        }
        let longest = message
            .replace("{{code}}", "0000000000")
            .replace("{code}", "0000000000");
        if segments(&longest) > usize::from(rule.max_segments) {
            return Err(forbidden(format!("{} must fit in {} SMS segments for this account (the operator's POLICY custom_message.max_segments)", CUSTOM_MESSAGE.wire, rule.max_segments)));
        }
    }
    if let Some(cc) = &request.channel_configuration {
        let senders = &policy.senders;
        if let Some(from) = &cc.from {
            if !senders
                .email_from
                .iter()
                .any(|f| f.eq_ignore_ascii_case(from))
            {
                return Err(forbidden(format!("{}: from {from} is not an allowed sender for this account", CHANNEL_CONFIGURATION.wire)));
            }
        }
        if let Some(problem) = cc.from_name.as_deref().and_then(sender_name_problem) {
            return Err(ApiError::invalid(CHANNEL_CONFIGURATION.wire, problem));
        }
        if let Some(template) = &cc.template_id {
            if !senders.templates.is_empty() && !senders.templates.contains(template) {
                return Err(forbidden(format!("{}: template_id {template} is not an allowed template for this account", CHANNEL_CONFIGURATION.wire)));
            }
        }
    }
    if request.channel == Channel::Whatsapp {
        if let Some(from) = &service.whatsapp.from {
            let number = from.strip_prefix("whatsapp:").unwrap_or(from);
            if !policy
                .senders
                .whatsapp_from
                .iter()
                .any(|f| f.strip_prefix("whatsapp:").unwrap_or(f) == number)
            {
                return Err(forbidden(format!(
                    "Whatsapp.From {number} is not an allowed sender for this account"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_segments_as_phones_do() {
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(
            segments(&"{".repeat(80)),
            1,
            "extension characters take two septets"
        );
        assert_eq!(segments(&"é".repeat(160)), 1, "é is GSM");
        assert_eq!(segments(&"ł".repeat(70)), 1);
        assert_eq!(segments(&"ł".repeat(71)), 2, "UCS-2");
        assert_eq!(segments(&"a".repeat(1000)), 7);
    }

    #[test]
    fn finds_links_and_leaves_sentences_alone() {
        for link in [
            "go to https://x.io",
            "www.example.org",
            "visit example.com now",
            "bit.ly/abc",
            "(acme.co)",
        ] {
            assert!(has_link(link), "{link}");
        }
        for plain in [
            "Your code is {{code}}.",
            "e.g. this",
            "v1.2 released",
            "Use code {{code}}. Thanks",
            "end.",
        ] {
            assert!(!has_link(plain), "{plain}");
        }
    }
}

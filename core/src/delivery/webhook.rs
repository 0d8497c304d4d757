//! The operator's own endpoint: a JSON POST with the code and the message, signed with
//! `X-Edge-Verify-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.

use serde_json::{json, Map, Value};

use super::config::DeliveryConfig;
use super::{disabled, message, DeliveryJob, OutboundRequest};
use crate::channel::Channel;
use crate::code::CodeKey;
use crate::error::ApiError;
use crate::time::Timestamp;

pub(super) fn request(config: &DeliveryConfig, job: &DeliveryJob<'_>, now: Timestamp) -> Result<OutboundRequest, ApiError> {
    let hook = config.webhook.as_ref().ok_or_else(|| disabled("the webhook is not configured"))?;
    let mut payload = Map::new();
    for (name, value) in [
        ("channel", json!(job.channel)),
        ("to", json!(job.to)),
        ("code", json!(job.parts.code)),
        ("locale", json!(message::language(job.parts.locale).code)),
        ("verification_sid", json!(job.verification_sid)),
        ("service_sid", json!(job.service_sid)),
        ("account_sid", json!(job.account_sid)),
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

#[cfg(test)]
mod tests {
    use super::super::tests::{job, send};
    use super::*;

    #[test]
    fn webhooks_are_signed() {
        let cfg = DeliveryConfig::parse(r#"{"webhook": {"url": "http://127.0.0.1:9/hook", "secret": "whsec"}}"#, false).unwrap();
        let r = send(&cfg, &job(Channel::Sms, "+14155550100"));
        let sig = r.headers.iter().find(|(k, _)| k == "x-edge-verify-signature").unwrap();
        assert_eq!(sig.1, format!("v1={}", CodeKey::sign_webhook("whsec", 77, &r.body)));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["code"], "123456");
    }
}

//! SendGrid mail send (`/v3/mail/send`): a dynamic template with substitutions when the start
//! names one, else a text and HTML message in the start's language.

use serde_json::{json, Map};

use super::config::DeliveryConfig;
use super::{disabled, message, DeliveryJob, OutboundRequest, ProviderSettings};
use crate::error::ApiError;

pub(super) fn request(config: &DeliveryConfig, settings: &ProviderSettings, job: &DeliveryJob<'_>) -> Result<OutboundRequest, ApiError> {
    let sg = config.sendgrid.as_ref().ok_or_else(|| disabled("sendgrid is not configured"))?;
    let options = job.channel_configuration.cloned().unwrap_or_default();
    let mut from = Map::new();
    from.insert("email".into(), json!(options.from.as_deref().unwrap_or(&sg.from_email)));
    if let Some(name) = options.from_name.as_ref().or(sg.from_name.as_ref()) {
        from.insert("name".into(), json!(name));
    }
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
                "personalizations": [{ "to": [{ "email": job.to }] }],
                "from": from,
                "subject": mail.subject,
                "content": [{ "type": "text/plain", "value": mail.text }, { "type": "text/html", "value": mail.html }],
            })
        }
    };
    Ok(OutboundRequest {
        method: "POST",
        url: format!("{}/v3/mail/send", settings.sendgrid_api_base.trim_end_matches('/')),
        headers: vec![("authorization".into(), format!("Bearer {}", sg.api_key.expose())), ("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{config, job, send};
    use super::super::ChannelConfiguration;
    use crate::channel::Channel;
    use serde_json::{json, Value};

    #[test]
    fn email_with_and_without_template() {
        let mut j = job(Channel::Email, "ann@example.com");
        let plain = send(&config(), &j);
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
        let body: Value = serde_json::from_slice(&send(&config(), &j).body).unwrap();
        assert_eq!(body["template_id"], "d-123");
        assert_eq!(body["from"]["email"], "otp@acme.test");
        assert_eq!(body["personalizations"][0]["dynamic_template_data"], json!({"username": "ann", "code": "123456", "friendly_name": "Acme"}));
    }
}

//! Twilio: SMS and WhatsApp through Programmable Messaging (`Messages.json`), calls through
//! Voice (`Calls.json` with TwiML), from the sender route of the destination's prefix.

use base64::Engine;

use super::config::DeliveryConfig;
use super::{disabled, form, message, DeliveryJob, OutboundRequest, ProviderSettings};
use crate::channel::Channel;
use crate::error::ApiError;

pub(super) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

pub(super) fn request(config: &DeliveryConfig, settings: &ProviderSettings, job: &DeliveryJob<'_>) -> Result<OutboundRequest, ApiError> {
    let route = config.twilio_route(job.to).ok_or_else(|| disabled(format!("no Twilio route matches {}", job.to)))?;
    let (user, password) = route.credentials().ok_or_else(|| disabled("the Twilio route has no credentials"))?;
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
            let from = job.whatsapp_from.map(str::to_owned).or_else(|| route.whatsapp_from.as_ref().map(|f| format!("whatsapp:{f}")));
            let body = match (from, job.whatsapp_service) {
                (Some(from), _) => form(&[("To", &to), ("From", &from), ("Body", &text)]),
                (None, Some(ms)) => form(&[("To", &to), ("MessagingServiceSid", ms), ("Body", &text)]),
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
        url: format!("{}/2010-04-01/Accounts/{}/{resource}", settings.twilio_api_base.trim_end_matches('/'), route.account_sid),
        headers: vec![
            ("authorization".into(), basic(user, password)),
            ("content-type".into(), "application/x-www-form-urlencoded".into()),
            ("accept".into(), "application/json".into()),
        ],
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{config, job, send};
    use super::*;

    fn form_of(r: &OutboundRequest) -> Vec<(String, String)> {
        form_urlencoded::parse(&r.body).into_owned().collect()
    }

    #[test]
    fn sms_goes_through_the_route_for_the_prefix() {
        let us = send(&config(), &job(Channel::Sms, "+14155550100"));
        assert_eq!(us.url, "https://api.twilio.com/2010-04-01/Accounts/ACdef/Messages.json");
        assert!(form_of(&us).contains(&("From".into(), "+15550000000".into())));
        assert!(form_of(&us).contains(&("Body".into(), "Your Acme verification code is: 123456.".into())));
        let india = send(&config(), &job(Channel::Sms, "+919812345678"));
        assert!(india.url.contains("/Accounts/ACind/"));
        assert!(form_of(&india).contains(&("MessagingServiceSid".into(), "MGind".into())));
        assert_eq!(india.headers.iter().find(|(k, _)| k == "authorization").unwrap().1, basic("SKind", "sec"));
    }

    #[test]
    fn whatsapp_and_calls() {
        let wa = send(&config(), &job(Channel::Whatsapp, "+14155550100"));
        assert!(form_of(&wa).contains(&("To".into(), "whatsapp:+14155550100".into())));
        assert!(form_of(&wa).contains(&("From".into(), "whatsapp:+15550000001".into())));
        let mut own = job(Channel::Whatsapp, "+14155550100");
        own.whatsapp_from = Some("whatsapp:+15559999999");
        assert!(form_of(&send(&config(), &own)).contains(&("From".into(), "whatsapp:+15559999999".into())), "the service's sender wins");
        let mut call = job(Channel::Call, "+14155550100");
        call.send_digits = Some("ww1");
        let call = send(&config(), &call);
        assert!(call.url.ends_with("/Calls.json"));
        let f = form_of(&call);
        assert!(f.contains(&("SendDigits".into(), "ww1".into())));
        assert!(f.iter().any(|(k, v)| k == "Twiml" && v.contains("1, 2, 3, 4, 5, 6")));
    }
}

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
            let own = job.messaging_service.or(route.messaging_service_sid.as_deref());
            let sender = match (own, &route.from) {
                (Some(ms), _) => ("MessagingServiceSid", ms),
                (None, Some(from)) => ("From", from.as_str()),
                (None, None) => return Err(disabled(format!("the Twilio route {} has no from number or messaging service", route.prefix))),
            };
            ("Messages.json", form(&[("To", job.to), sender, ("Body", &text)]))
        }
        Channel::Whatsapp => {
            let text = message::plain_text(&job.parts);
            let to = format!("whatsapp:{}", job.to);
            // The service's own sender wins, then its country's Messaging Service, then the route's.
            let from = job.whatsapp_from.map(str::to_owned).or_else(|| route.whatsapp_from.as_ref().filter(|_| job.messaging_service.is_none()).map(|f| format!("whatsapp:{f}")));
            let body = match (from, job.messaging_service.or(job.whatsapp_service)) {
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
    // Twilio signs its status callbacks with the account's auth token: without one on the
    // route they could not be checked, so none is asked for.
    let mut body = body;
    if let (Some(url), Some(_)) = (job.status_callback, &route.auth_token) {
        body.push(b'&');
        body.extend(form(&[("StatusCallback", url)]));
    }
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
    fn a_country_messaging_service_sends_with_the_route_credentials() {
        let mg = "MGcccccccccccccccccccccccccccccccc";
        let mut uk = job(Channel::Sms, "+447700900123");
        uk.messaging_service = Some(mg);
        let r = send(&config(), &uk);
        assert_eq!(r.url, "https://api.twilio.com/2010-04-01/Accounts/ACdef/Messages.json");
        assert_eq!(r.headers.iter().find(|(k, _)| k == "authorization").unwrap().1, basic("ACdef", "tok"));
        let f = form_of(&r);
        assert!(f.contains(&("MessagingServiceSid".into(), mg.into())) && !f.iter().any(|(k, _)| k == "From"), "{f:?}");
        let mut india = job(Channel::Sms, "+919812345678");
        india.messaging_service = Some(mg);
        let r = send(&config(), &india);
        assert!(r.url.contains("/Accounts/ACind/") && form_of(&r).contains(&("MessagingServiceSid".into(), mg.into())), "the country's wins over the route's own");
        assert_eq!(r.headers.iter().find(|(k, _)| k == "authorization").unwrap().1, basic("SKind", "sec"));
        let mut wa = job(Channel::Whatsapp, "+447700900123");
        wa.messaging_service = Some(mg);
        let f = form_of(&send(&config(), &wa));
        assert!(f.contains(&("MessagingServiceSid".into(), mg.into())) && !f.iter().any(|(k, _)| k == "From"), "over the route's whatsapp_from: {f:?}");
        wa.whatsapp_from = Some("whatsapp:+15559999999");
        let f = form_of(&send(&config(), &wa));
        assert!(f.contains(&("From".into(), "whatsapp:+15559999999".into())), "the service's own sender wins: {f:?}");
        let mut call = job(Channel::Call, "+447700900123");
        call.messaging_service = Some(mg);
        assert!(form_of(&send(&config(), &call)).contains(&("From".into(), "+15550000000".into())), "calls keep the route's number");
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

    #[test]
    fn status_callbacks_only_through_routes_that_can_check_them() {
        let mut sms = job(Channel::Sms, "+14155550100");
        sms.status_callback = Some("https://verify.example/v1/callbacks/twilio/AC1/VL1");
        assert!(form_of(&send(&config(), &sms)).contains(&("StatusCallback".into(), "https://verify.example/v1/callbacks/twilio/AC1/VL1".into())));
        let mut india = job(Channel::Sms, "+919812345678");
        india.status_callback = sms.status_callback;
        assert!(!form_of(&send(&config(), &india)).iter().any(|(k, _)| k == "StatusCallback"), "an API-key route has no token to check signatures with");
    }
}

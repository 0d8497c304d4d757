//! Routing parameters: a service's messaging configurations (which Messaging Service sends to a
//! country) and the operator's test message through a delivery route.

use crate::spec::{Kind, ParamSpec};

const fn p(wire: &'static str, field: &'static str, label: &'static str, kind: Kind, help: &'static str) -> ParamSpec {
    ParamSpec { clearable: false, wire, field, label, kind, help, default: None }
}

/// `Country` of a messaging configuration.
pub const COUNTRY: ParamSpec = p("Country", "country", "Country", Kind::Text { max: 3 }, "The destination country, as an ISO 3166-1 alpha-2 code (GB, US...), or all for every country without its own configuration.");
/// `MessagingServiceSid` of a messaging configuration.
pub const MESSAGING_SERVICE_SID: ParamSpec = p("MessagingServiceSid", "messaging_service_sid", "Messaging Service", Kind::Sid("MG"), "The Twilio Messaging Service (MG...) that sends SMS and WhatsApp codes to this country, with the credentials of the delivery route of the number.");
/// `To` of a test message.
pub const TO: ParamSpec = p("To", "to", "To", Kind::Text { max: 16 }, "The phone number to send the test message to, in E.164 form; it goes through the route a verification to it would use.");
/// `Channel` of a test message.
pub const CHANNEL: ParamSpec = ParamSpec { default: Some("sms"), ..p("Channel", "channel", "Channel", Kind::Choice(&["sms", "whatsapp", "call"]), "The channel to test.") };
/// `Body` of a test message.
pub const BODY: ParamSpec = p("Body", "body", "Body", Kind::Text { max: 160 }, "The text to send instead of the standard test text (no codes are ever sent by this operation).");
/// `ServiceSid` of a test message.
pub const SERVICE_SID: ParamSpec = p("ServiceSid", "service_sid", "Verification service", Kind::Sid("VA"), "Optional: a service whose messaging configurations and WhatsApp sender apply, as for its verifications.");
/// Test message parameters.
pub const TEST_MESSAGE: [ParamSpec; 4] = [TO, CHANNEL, BODY, SERVICE_SID];

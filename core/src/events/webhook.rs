//! A service's webhook as its outbox keeps it (with its signing secret and its recent failed
//! deliveries), and the create and update parameters.

use serde::{Deserialize, Serialize};

use super::event::{EventType, TWILIO_EVENT_TYPES};
use super::url;
use crate::error::ApiError;
use crate::input::Input;
use crate::sid::{AccountSid, EventSid, ServiceSid, WebhookSid};
use crate::spec::webhook::{EVENT_TYPES, FRIENDLY_NAME, STATUS, VERSION, WEBHOOK_URL};
use crate::time::Timestamp;

/// Failed deliveries a webhook remembers (newest first).
pub const MAX_FAILURES: usize = 20;
/// Most entries in `EventTypes`.
pub const MAX_EVENT_TYPES: usize = 12;

/// A delivery given up after its last retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub event_id: EventSid,
    pub event_type: EventType,
    /// Tries made.
    pub attempts: u32,
    /// The last try's outcome: `HTTP <status>`, `timeout`, or a connection error.
    pub error: String,
    /// When it was given up.
    pub date: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub sid: WebhookSid,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub friendly_name: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub version: String,
    pub url: String,
    /// The signing secret; empty in every copy that leaves the outbox.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret: String,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
    #[serde(default)]
    pub failures: Vec<Failure>,
}

impl WebhookRecord {
    /// The copy that leaves the outbox: without the secret.
    pub fn redacted(&self) -> Self {
        Self { secret: String::new(), ..self.clone() }
    }

    /// Records a given-up delivery, keeping the newest [`MAX_FAILURES`].
    pub fn record_failure(&mut self, failure: Failure) {
        self.failures.insert(0, failure);
        self.failures.truncate(MAX_FAILURES);
    }

    /// Applies a checked change.
    pub fn apply(&mut self, input: WebhookInput, now: Timestamp) {
        if let Some(name) = input.friendly_name {
            self.friendly_name = name;
        }
        if let Some(types) = input.event_types {
            self.event_types = types;
        }
        if let Some(url) = input.url {
            self.url = url;
        }
        if let Some(enabled) = input.enabled {
            self.enabled = enabled;
        }
        if let Some(version) = input.version {
            self.version = version;
        }
        self.date_updated = now;
    }
}

/// Create or update parameters, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInput {
    pub friendly_name: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub url: Option<String>,
    pub enabled: Option<bool>,
    pub version: Option<String>,
}

fn event_types(input: &Input<'_>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(given) = input.list(&EVENT_TYPES)? else { return Ok(None) };
    let mut types: Vec<String> = Vec::new();
    for name in given {
        let known = name == "*" || EventType::ALL.iter().any(|e| e.name() == name) || TWILIO_EVENT_TYPES.contains(&name.as_str());
        if !known {
            return Err(input.invalid(&EVENT_TYPES, "must list *, verification.started, verification.approved, verification.canceled, verification.expired, verification.max_attempts_reached, verification.delivery_status, or Twilio's factor.* and challenge.* event types"));
        }
        if !types.contains(&name) {
            types.push(name);
        }
    }
    if types.is_empty() {
        return Err(input.invalid(&EVENT_TYPES, "must list at least one event type"));
    }
    if types.len() > MAX_EVENT_TYPES {
        return Err(input.invalid(&EVENT_TYPES, format!("must list at most {MAX_EVENT_TYPES} event types")));
    }
    Ok(Some(types))
}

impl WebhookInput {
    /// Reads the parameters; `new`: a create, which needs `FriendlyName`, `EventTypes` and
    /// `WebhookUrl`.
    pub fn parse(input: &Input<'_>, new: bool, dev_mode: bool) -> Result<Self, ApiError> {
        let friendly_name = input.text(&FRIENDLY_NAME)?;
        // Blank as the spec's pattern says (ECMAScript's \s, which also counts U+FEFF).
        if friendly_name.as_deref().is_some_and(|n| n.chars().all(|c| c.is_whitespace() || c == '\u{feff}')) {
            return Err(input.invalid(&FRIENDLY_NAME, "must not be empty"));
        }
        let event_types = event_types(input)?;
        let url = input.text(&WEBHOOK_URL)?;
        if let Some(u) = &url {
            url::check(u, dev_mode).map_err(|why| input.invalid(&WEBHOOK_URL, why))?;
        }
        let enabled = input.choice(&STATUS)?.map(|s| s == "enabled");
        let version = input.choice(&VERSION)?.map(str::to_owned);
        if new {
            for (given, spec) in [(friendly_name.is_some(), &FRIENDLY_NAME), (event_types.is_some(), &EVENT_TYPES), (url.is_some(), &WEBHOOK_URL)] {
                if !given {
                    return Err(input.invalid(spec, "is required"));
                }
            }
        }
        Ok(Self { friendly_name, event_types, url, enabled, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    fn parse(form: &str, new: bool, dev: bool) -> Result<WebhookInput, ApiError> {
        let body = Body::from_request(Some("application/x-www-form-urlencoded"), form.as_bytes()).unwrap();
        WebhookInput::parse(&body.input(Naming::Wire), new, dev)
    }

    fn param(err: ApiError) -> String {
        match err {
            ApiError::InvalidParameter { name, .. } => name,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn create_takes_twilio_form_lists_and_our_event_names() {
        let input = parse("FriendlyName=CRM&EventTypes=verification.approved&EventTypes=factor.created&EventTypes=verification.approved&WebhookUrl=https%3A%2F%2Fhooks.example.com%2Fv&Status=disabled&Version=v2", true, false).unwrap();
        assert_eq!(input.event_types.unwrap(), ["verification.approved", "factor.created"]);
        assert_eq!((input.enabled, input.version.as_deref()), (Some(false), Some("v2")));
        let input = parse("FriendlyName=CRM&EventTypes=*,verification.expired&WebhookUrl=https://hooks.example.com/", true, false).unwrap();
        assert_eq!(input.event_types.unwrap(), ["*", "verification.expired"]);
        let json = Body::from_json(br#"{"friendly_name": "x", "event_types": ["*"], "webhook_url": "https://h.example.com/"}"#).unwrap();
        assert!(WebhookInput::parse(&json.input(Naming::Field), true, false).is_ok());
    }

    #[test]
    fn every_bad_input_names_its_parameter() {
        let url = "WebhookUrl=https://hooks.example.com/";
        let cases = [
            (format!("EventTypes=*&{url}"), "FriendlyName"),
            (format!("FriendlyName=%20&EventTypes=*&{url}"), "FriendlyName"),
            ("FriendlyName=a&EventTypes=*".to_owned(), "WebhookUrl"),
            (format!("FriendlyName=a&{url}"), "EventTypes"),
            (format!("FriendlyName=a&EventTypes=&{url}"), "EventTypes"),
            (format!("FriendlyName=a&EventTypes=verification.nope&{url}"), "EventTypes"),
            ("FriendlyName=a&EventTypes=*&WebhookUrl=https://127.0.0.1/".to_owned(), "WebhookUrl"),
            ("FriendlyName=a&EventTypes=*&WebhookUrl=http://hooks.example.com/".to_owned(), "WebhookUrl"),
            (format!("FriendlyName=a&EventTypes=*&{url}&Status=on"), "Status"),
            (format!("FriendlyName=a&EventTypes=*&{url}&Version=v3"), "Version"),
        ];
        for (form, name) in cases {
            assert_eq!(param(parse(&form, true, false).unwrap_err()), name, "{form}");
        }
        assert!(parse("WebhookUrl=http://127.0.0.1:9/x", false, true).is_ok(), "loopback http in dev mode");
        assert_eq!(parse("", false, false).unwrap(), WebhookInput::default(), "an update may change nothing");
    }
}

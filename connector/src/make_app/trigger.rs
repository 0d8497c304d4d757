//! The instant trigger: "Watch verification events", and the dedicated, attached webhook behind
//! it (https://developers.make.com/custom-apps-documentation/app-components/webhooks/dedicated/attached).
//!
//! - The webhook's parameters choose the service and the event types; its `attach` creates an
//!   event webhook on that service (`POST /v2/Services/{VA}/Webhooks`, docs/events.md) whose URL
//!   is Make's own (`{{webhook.url}}`), and keeps the webhook's and the service's SIDs in the
//!   webhook's data (`response.data`), which `detach` reads to delete it.
//! - The signing secret the create answers with is not kept: IML sees the parsed body, not the
//!   raw bytes the signature covers, so Make could not check it; Make's URL is itself unguessable.
//!   The secret is sanitized from Make's logs.
//! - The trigger module has no communication of its own (one bundle per event, as Make's instant
//!   triggers do); its interface is the event's schema (`VerificationEvent` in the OpenAPI
//!   document) and its sample one event.

use edge_verify_core::events::event::{Event, EventType};
use edge_verify_core::spec::ids;
use serde_json::{json, Value};

use super::{component_id, humanize, interface_fields, Module};

/// The webhook's id (Make's component name pattern, as modules).
pub const WEBHOOK: &str = "verificationEvents";
/// The event webhook's friendly name on the service (`FriendlyName`, up to 64 characters).
const FRIENDLY_NAME: &str = "Make scenario";

/// "Verification approved" for `verification.approved`; "All events" for `*`.
fn event_label(name: &str) -> String {
    match name.strip_prefix("verification.") {
        Some(rest) => format!("Verification {}", humanize(rest).to_lowercase()),
        None => "All events".to_owned(),
    }
}

/// The webhook's parameters: the service (picker) and the event types (several).
pub fn webhook_params() -> Value {
    let mut options: Vec<Value> = EventType::ALL.iter().map(|t| json!({ "label": event_label(t.name()), "value": t.name() })).collect();
    options.push(json!({ "label": event_label("*"), "value": "*" }));
    json!([
        {
            "name": ids::SERVICE_SID.field,
            "type": "select",
            "label": "Verification service",
            "help": "The service whose verifications start this scenario.",
            "options": format!("rpc://{}", component_id("list_services")),
            "required": true,
        },
        {
            "name": "event_types",
            "type": "select",
            "multiple": true,
            "label": "Event types",
            "help": "The events that start this scenario, e.g. Verification approved.",
            "options": options,
            "required": true,
            "validate": { "minItems": 1 },
        },
    ])
}

/// `attach`: subscribes Make's URL; keeps what `detach` needs.
pub fn attach() -> Value {
    json!({
        "url": format!("/v2/Services/{{{{parameters.{}}}}}/Webhooks", ids::SERVICE_SID.field),
        "method": "POST",
        "type": "json",
        "body": {
            "FriendlyName": FRIENDLY_NAME,
            "EventTypes": "{{parameters.event_types}}",
            "WebhookUrl": "{{webhook.url}}",
        },
        "response": {
            "data": { "webhookSid": "{{body.sid}}", "serviceSid": "{{body.service_sid}}" },
        },
        "log": { "sanitize": ["request.headers.authorization", "response.body.secret"] },
    })
}

/// `detach`: deletes the webhook `attach` created.
pub fn detach() -> Value {
    json!({
        "url": "/v2/Services/{{webhook.serviceSid}}/Webhooks/{{webhook.webhookSid}}",
        "method": "DELETE",
    })
}

/// How an incoming delivery becomes a bundle: the event as sent.
pub fn communication() -> Value {
    json!({ "output": "{{body}}" })
}

/// Output labels: the event's own `id` and `type` named as such.
fn output_label(key: &str) -> String {
    match key {
        "id" => "Event ID".to_owned(),
        "type" => "Event type".to_owned(),
        _ => humanize(key),
    }
}

/// The instant trigger module.
pub fn module(spec: &Value) -> Module {
    let mut interface = spec.pointer("/components/schemas/VerificationEvent/properties").map_or_else(|| json!([]), |p| interface_fields(p, spec, &output_label));
    // `date_created` is ISO 8601 text in the schema: a date for Make.
    for field in interface.as_array_mut().into_iter().flatten() {
        if field.get("name").and_then(Value::as_str).is_some_and(|n| n.starts_with("date_")) {
            if let Some(obj) = field.as_object_mut() {
                obj.insert("type".into(), json!("date"));
            }
        }
    }
    Module {
        id: "watchVerificationEvents".to_owned(),
        label: "Watch verification events".to_owned(),
        description: "Triggers when a verification of the chosen service is started, approved, canceled, expired or reaches its maximum attempts, or when a send's delivery status changes.".to_owned(),
        kind: "instant_trigger",
        crud: None,
        webhook: Some(WEBHOOK),
        communication: json!({}),
        params: Vec::new(),
        interface,
        samples: serde_json::to_value(Event::example(EventType::Approved)).unwrap_or_else(|_| json!({})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_labels() {
        assert_eq!(event_label("verification.max_attempts_reached"), "Verification max attempts reached");
        assert_eq!(event_label("verification.approved"), "Verification approved");
        assert_eq!(event_label("*"), "All events");
    }
}

//! The webhook trigger "When a verification event occurs", as Microsoft's rules for webhook
//! triggers in custom connectors shape it
//! (<https://learn.microsoft.com/en-us/connectors/custom-connectors/create-webhook-trigger>):
//!
//! - the subscribe operation is the service's `CreateWebhook` (`POST`), marked
//!   `x-ms-trigger: single`, whose body carries the flow's callback URL in `WebhookUrl`, marked
//!   `x-ms-notification-url: true` and internal (Power Automate fills it);
//! - its 201 answers with a `Location` header naming the webhook, which Power Automate DELETEs to
//!   unsubscribe when the flow is turned off or deleted: that `DeleteWebhook` is in the
//!   definition too, internal;
//! - `x-ms-notification-content` describes what each delivery carries: the event
//!   (`VerificationEvent`), which becomes the trigger's outputs.
//!
//! The 201's body (with the signing secret) is not the trigger's output and gets no schema.

use edge_verify_core::events::event::EventType;
use serde_json::{json, Map, Value};

use super::describe::sentence;
use super::{annotate_response, convert, operation, service_picker};

/// The subscribe and unsubscribe paths of the OpenAPI document.
pub const SUBSCRIBE_PATH: &str = "/v2/Services/{ServiceSid}/Webhooks";
pub const UNSUBSCRIBE_PATH: &str = "/v2/Services/{ServiceSid}/Webhooks/{Sid}";
/// The webhook's name on the service.
const FRIENDLY_NAME: &str = "Power Automate flow";

/// "Verification approved" for `verification.approved`, "All events" for `*`.
fn event_title(name: &str) -> String {
    match name.strip_prefix("verification.") {
        Some(rest) => {
            let rest = rest.replace('_', " ");
            format!("Verification {rest}")
        }
        None => "All events".to_owned(),
    }
}

fn service_parameter() -> Value {
    let (values, list) = service_picker();
    json!({
        "name": "ServiceSid",
        "in": "path",
        "required": true,
        "type": "string",
        "pattern": "^VA[0-9a-fA-F]{32}$",
        "description": "The verification service whose events start the flow.",
        "x-ms-summary": "Verification Service",
        "x-ms-visibility": "important",
        "x-ms-url-encoding": "single",
        "x-ms-dynamic-values": values,
        "x-ms-dynamic-list": list,
    })
}

/// The trigger (`CreateWebhook`) and the unsubscribe (`DeleteWebhook`) path items.
pub fn paths(openapi: &Value, components: &Map<String, Value>) -> Vec<(String, Value)> {
    let op = |path: &str, method: &str| openapi.get("paths").and_then(|p| p.get(path)).and_then(|i| i.get(method)).filter(|o| o.is_object());
    let (Some(create), Some(delete)) = (op(SUBSCRIBE_PATH, "post"), op(UNSUBSCRIBE_PATH, "delete")) else { return Vec::new() };
    let mut names: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
    names.push("*");
    let enum_values: Vec<Value> = names.iter().map(|n| json!({ "value": n, "displayName": event_title(n) })).collect();
    let body = json!({
        "name": "body",
        "in": "body",
        "required": true,
        "description": "The subscription: which events, and the flow's callback URL.",
        "x-ms-summary": "Subscription",
        "schema": {
            "type": "object",
            "required": ["FriendlyName", "EventTypes", "WebhookUrl"],
            "properties": {
                "EventTypes": {
                    "type": "string",
                    "enum": names,
                    "description": "The event that starts the flow; All events for every one.",
                    "x-ms-summary": "Event",
                    "x-ms-visibility": "important",
                    "x-ms-enum-values": enum_values,
                },
                "FriendlyName": {
                    "type": "string",
                    "default": FRIENDLY_NAME,
                    "description": "The webhook's name on the service.",
                    "x-ms-summary": "Webhook Name",
                    "x-ms-visibility": "internal",
                },
                "WebhookUrl": {
                    "type": "string",
                    "description": "The flow's callback URL, filled by Power Automate.",
                    "x-ms-summary": "Callback URL",
                    "x-ms-notification-url": true,
                    "x-ms-visibility": "internal",
                },
            },
        },
    });
    let mut trigger = operation(
        create.get("operationId").and_then(Value::as_str).unwrap_or("CreateWebhook"),
        "When a verification event occurs",
        "Triggers when a verification of the chosen service is started, approved, canceled, expired or reaches its maximum attempts, or when a send's delivery status changes (each event at least once: dedupe by its event ID).",
        "Webhooks",
        vec![service_parameter(), body],
        json!({
            "201": {
                "description": "Subscribed",
                "headers": { "Location": { "type": "string", "description": "The webhook's URL: a DELETE there unsubscribes." } },
            },
        }),
    );
    let mut notification = convert(&json!({ "$ref": "#/components/schemas/VerificationEvent" }), components, 0);
    annotate_response(&mut notification, "VerificationEvent");
    if let Some(props) = notification.get_mut("properties").and_then(Value::as_object_mut) {
        if let Some(date) = props.get_mut("date_created").and_then(Value::as_object_mut) {
            date.insert("format".into(), json!("date-time"));
        }
    }
    if let Some(op) = trigger.as_object_mut() {
        op.insert("x-ms-visibility".into(), json!("important"));
        op.insert("x-ms-trigger".into(), json!("single"));
        op.insert("x-ms-notification-content".into(), json!({ "description": "The verification event.", "schema": notification }));
    }
    let unsubscribe = operation(
        delete.get("operationId").and_then(Value::as_str).unwrap_or("DeleteWebhook"),
        "Delete a webhook",
        &sentence("Unsubscribes a trigger: Power Automate calls it with the Location its subscription answered with"),
        "Webhooks",
        vec![
            json!({ "name": "ServiceSid", "in": "path", "required": true, "type": "string", "description": "The verification service.", "x-ms-summary": "Verification Service", "x-ms-url-encoding": "single" }),
            json!({ "name": "Sid", "in": "path", "required": true, "type": "string", "description": "The webhook's SID (YW...).", "x-ms-summary": "Webhook SID", "x-ms-url-encoding": "single" }),
        ],
        json!({ "204": { "description": "Deleted" } }),
    );
    let mut unsubscribe = unsubscribe;
    if let Some(op) = unsubscribe.as_object_mut() {
        op.insert("x-ms-visibility".into(), json!("internal"));
        op.shift_remove("consumes");
    }
    vec![(SUBSCRIBE_PATH.to_owned(), json!({ "post": trigger })), (UNSUBSCRIBE_PATH.to_owned(), json!({ "delete": unsubscribe }))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(event_title("verification.max_attempts_reached"), "Verification max attempts reached");
        assert_eq!(event_title("*"), "All events");
    }
}

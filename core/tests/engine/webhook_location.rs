//! A webhook's create answers 201 with a `Location` header naming the webhook, which a webhook
//! trigger (Power Automate, Logic Apps) DELETEs to unsubscribe; the JSON body a connector sends
//! (`EventTypes` as an array) subscribes as the form does.

use super::*;

#[test]
fn a_created_webhook_is_located_and_deleted_there() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let body = serde_json::json!({ "FriendlyName": "Flow", "EventTypes": ["verification.approved", "verification.expired"], "WebhookUrl": "https://hooks.example.com/flow" });
    let r = raw(&e, &request("POST", &format!("{base}/Webhooks"), MAIN, TOKEN, "application/json", &body.to_string()));
    let created = json(&r);
    assert_eq!(r.status, 201, "{created}");
    assert_eq!(created["event_types"], serde_json::json!(["verification.approved", "verification.expired"]));
    let location = r.header("location").expect("a Location header on the 201");
    assert_eq!(location, created["url"].as_str().unwrap());
    let path = location.strip_prefix("https://verify.example").expect("the webhook's absolute URL");
    assert_eq!(path, format!("{base}/Webhooks/{}", created["sid"].as_str().unwrap()));
    assert_eq!(call(&e, "DELETE", path, "").0, 204, "the Location unsubscribes");
    assert_eq!(call(&e, "GET", path, "").0, 404);
    // Power Automate's trigger sends one event type as a JSON string.
    let one = serde_json::json!({ "FriendlyName": "Power Automate flow", "EventTypes": "verification.approved", "WebhookUrl": "https://hooks.example.com/pa" });
    let r = raw(&e, &request("POST", &format!("{base}/Webhooks"), MAIN, TOKEN, "application/json", &one.to_string()));
    assert_eq!((r.status, json(&r)["event_types"].clone()), (201, serde_json::json!(["verification.approved"])));
    // Only the create is located: a fetch or an update is not a new resource.
    let (_, again) = call(&e, "POST", &format!("{base}/Webhooks"), "FriendlyName=CRM&EventTypes=*&WebhookUrl=https%3A%2F%2Fhooks.example.com%2Fcrm");
    let sid = again["sid"].as_str().unwrap();
    let fetched = raw(&e, &request("GET", &format!("{base}/Webhooks/{sid}"), MAIN, TOKEN, "application/x-www-form-urlencoded", ""));
    assert_eq!((fetched.status, fetched.header("location")), (200, None));
}

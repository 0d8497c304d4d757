//! Event webhooks on the host: the resource through the REST face, the events each verification
//! operation owes to the outbox (run in process, as the `EventOutbox` Durable Object runs it),
//! signed deliveries, retries on the schedule and the failure record.

use edge_verify_core::events::backoff::Schedule;
use edge_verify_core::events::outbox::{self, due, execute, next_due, settle, Outbox, OutboxCommand, OutboxReply};
use edge_verify_core::events::signature;
use edge_verify_core::events::EventSink;
use edge_verify_core::sid::ServiceSid;

use super::*;

/// Each service's outbox in process, stored as JSON text as the Durable Object stores it; later
/// commands run at once.
#[derive(Default)]
pub struct LocalOutboxes {
    pub states: RefCell<HashMap<ServiceSid, String>>,
    pub now_ms: Cell<u64>,
}

impl LocalOutboxes {
    fn run(&self, service: &ServiceSid, command: OutboxCommand) -> OutboxReply {
        let command: OutboxCommand = serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
        let mut states = self.states.borrow_mut();
        let mut state: Outbox = states.get(service).map(|t| serde_json::from_str(t).unwrap()).unwrap_or_default();
        let reply = execute(&mut state, command, self.now_ms.get());
        states.insert(service.clone(), serde_json::to_string(&state).unwrap());
        serde_json::from_str(&serde_json::to_string(&reply).unwrap()).unwrap()
    }

    pub fn state(&self, service: &str) -> Outbox {
        let sid = ServiceSid::parse(service).unwrap();
        self.states.borrow().get(&sid).map(|t| serde_json::from_str(t).unwrap()).unwrap_or_default()
    }

    fn save(&self, service: &str, state: &Outbox) {
        self.states.borrow_mut().insert(ServiceSid::parse(service).unwrap(), serde_json::to_string(state).unwrap());
    }
}

impl EventSink for LocalOutboxes {
    async fn send(&self, service: &ServiceSid, command: OutboxCommand) -> Result<OutboxReply, ApiError> {
        Ok(self.run(service, command))
    }
    fn send_later(&self, service: &ServiceSid, command: OutboxCommand) {
        self.run(service, command);
    }
}

const HOOK_URL: &str = "WebhookUrl=https%3A%2F%2Fhooks.example.com%2Fedge";

fn hook(e: &Engine<Host>, base: &str, types: &str) -> Value {
    let (status, w) = call(e, "POST", &format!("{base}/Webhooks"), &format!("FriendlyName=CRM&{types}&{HOOK_URL}"));
    assert_eq!(status, 201, "{w}");
    w
}

/// The events owed, as (type, status) of their bodies.
fn owed(e: &Engine<Host>, base: &str) -> Vec<(String, String)> {
    let state = e.events.state(base.trim_start_matches("/v2/Services/"));
    state
        .queue
        .iter()
        .map(|p| {
            let body: Value = serde_json::from_str(&p.body).unwrap();
            (body["type"].as_str().unwrap().to_owned(), body["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn the_webhook_resource_is_twilio_shaped_and_shows_its_secret_once() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let form = format!("FriendlyName=CRM&EventTypes=verification.approved&EventTypes=factor.created&{HOOK_URL}");
    let (status, w) = call(&e, "POST", &format!("{base}/Webhooks"), &form);
    assert_eq!(status, 201, "{w}");
    let sid = w["sid"].as_str().unwrap();
    assert!(sid.starts_with("YW") && sid.len() == 34);
    assert_eq!((w["status"].as_str(), w["version"].as_str(), w["webhook_method"].as_str()), (Some("enabled"), Some("v2"), Some("POST")));
    assert_eq!(w["event_types"], serde_json::json!(["verification.approved", "factor.created"]));
    assert_eq!(w["url"], format!("https://verify.example{base}/Webhooks/{sid}"));
    let secret = w["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() == 70);

    let (status, fetched) = call(&e, "GET", &format!("{base}/Webhooks/{sid}"), "");
    assert_eq!(status, 200);
    assert!(fetched.get("secret").is_none() && !fetched.to_string().contains(&secret), "the secret is shown once");
    assert_eq!(fetched["delivery_failures"], serde_json::json!([]));
    let (status, list) = call(&e, "GET", &format!("{base}/Webhooks?PageSize=1"), "");
    assert_eq!((status, list["meta"]["key"].as_str(), list["webhooks"].as_array().unwrap().len()), (200, Some("webhooks"), 1));
    assert!(!list.to_string().contains(&secret));

    let (status, updated) = call(&e, "POST", &format!("{base}/Webhooks/{sid}"), "Status=disabled&EventTypes=*");
    assert_eq!((status, updated["status"].as_str(), updated["event_types"][0].as_str()), (200, Some("disabled"), Some("*")));
    assert_eq!(updated["friendly_name"], "CRM");
    let (status, err) = call(&e, "POST", &format!("{base}/Webhooks/{sid}"), "WebhookUrl=https%3A%2F%2F10.0.0.1%2F");
    assert_eq!((status, err["code"].as_u64()), (400, Some(60200)));
    assert!(err["message"].as_str().unwrap().contains("WebhookUrl"), "{err}");
    let missing = format!("{base}/Webhooks/YW{}", "0".repeat(32));
    assert_eq!(call(&e, "POST", &missing, "Status=bogus").0, 404, "404 before the parameters are judged");
    assert_eq!(call(&e, "GET", &missing, "").0, 404);
    assert_eq!(call(&e, "GET", &format!("{base}/Webhooks/nope"), "").0, 404);
    assert_eq!(call(&e, "DELETE", &format!("{base}/Webhooks/{sid}"), "").0, 204);
    assert_eq!(call(&e, "DELETE", &format!("{base}/Webhooks/{sid}"), "").0, 404);
    assert_eq!(call(&e, "GET", &format!("/v2/Services/VA{}/Webhooks", "0".repeat(32)), "").0, 404, "an unknown service");
}

#[test]
fn a_service_holds_ten_webhooks_and_bad_input_names_its_parameter() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    for _ in 0..10 {
        hook(&e, &base, "EventTypes=*");
    }
    let (status, err) = call(&e, "POST", &format!("{base}/Webhooks"), &format!("FriendlyName=CRM&EventTypes=*&{HOOK_URL}"));
    assert_eq!((status, err["code"].as_u64()), (409, Some(60207)), "{err}");
    for (form, name) in [
        (format!("EventTypes=*&{HOOK_URL}"), "FriendlyName"),
        (format!("FriendlyName=a&EventTypes=verification.nope&{HOOK_URL}"), "EventTypes"),
        ("FriendlyName=a&EventTypes=*&WebhookUrl=https%3A%2F%2Flocalhost%2F".to_owned(), "WebhookUrl"),
        ("FriendlyName=a&EventTypes=*&WebhookUrl=http%3A%2F%2F127.0.0.1%3A9%2F".to_owned(), "WebhookUrl"),
    ] {
        let (status, err) = call(&e, "POST", &format!("{base}/Webhooks"), &form);
        assert_eq!(status, 400, "{form}");
        assert!(err["message"].as_str().unwrap().contains(name), "{form}: {err}");
    }
}

#[test]
fn each_verification_operation_owes_its_event_and_never_the_code() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    hook(&e, &base, "EventTypes=*");
    let to = "To=%2B14155550100";
    call(&e, "POST", &format!("{base}/Verifications"), &format!("{to}&Channel=sms"));
    let code = last_code(&e);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("{to}&Code=00000000")).1["status"], "pending");
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("{to}&Code={code}")).1["status"], "approved");
    call(&e, "POST", &format!("{base}/Verifications"), &format!("{to}&Channel=sms"));
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550101&Channel=sms");
    call(&e, "POST", &format!("{base}/Verifications/%2B14155550100"), "Status=canceled");
    for _ in 0..5 {
        call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("VerificationSid={}&Code=00000000", v["sid"].as_str().unwrap()));
    }
    let owed = owed(&e, &base);
    let types: Vec<&str> = owed.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["verification.started", "verification.approved", "verification.started", "verification.started", "verification.canceled", "verification.max_attempts_reached"]);
    assert_eq!(owed[1].1, "approved");
    let state = e.events.state(base.trim_start_matches("/v2/Services/"));
    let ids: std::collections::HashSet<&str> = state.queue.iter().map(|p| p.event_id.as_str()).collect();
    assert_eq!(ids.len(), 6, "each event has its own id");
    for pending in &state.queue {
        assert!(!pending.body.contains(&code), "no code in {}", pending.body);
        let body: Value = serde_json::from_str(&pending.body).unwrap();
        assert_eq!(body["service_sid"], base.trim_start_matches("/v2/Services/"));
        assert_eq!(body["account_sid"], MAIN);
        assert!(body["verification_sid"].as_str().unwrap().starts_with("VE") && body["channel"] == "sms");
    }
}

#[test]
fn subscriptions_and_disabled_webhooks_decide_who_is_owed() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    hook(&e, &base, "EventTypes=verification.approved");
    let off = hook(&e, &base, "EventTypes=*&Status=disabled");
    assert_eq!(off["status"], "disabled");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert!(owed(&e, &base).is_empty(), "started: no subscriber");
    call(&e, "POST", &format!("{base}/Verifications/%2B14155550100"), "Status=approved");
    assert_eq!(owed(&e, &base).len(), 1, "approved: only the enabled subscriber");
}

#[test]
fn deliveries_are_signed_retried_on_the_schedule_and_recorded_when_given_up() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let service_sid = base.trim_start_matches("/v2/Services/").to_owned();
    let w = hook(&e, &base, "EventTypes=*");
    let secret = w["secret"].as_str().unwrap();
    let t0 = 1_700_000_000_000u64;
    e.events.now_ms.set(t0);
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let schedule = Schedule::default();
    let mut state = e.events.state(&service_sid);
    let mut now = t0;
    let mut tries = Vec::new();
    loop {
        let batch = due(&state, now, outbox::PARALLEL);
        assert_eq!(batch.len(), 1);
        let t = &batch[0];
        assert_eq!(t.request.url, "https://hooks.example.com/edge");
        let header = |name: &str| t.request.headers.iter().find(|(n, _)| n == name).unwrap().1.clone();
        assert!(signature::verify(secret, &header(signature::SIGNATURE), &t.request.body, now / 1000, 300));
        assert_eq!(header(signature::EVENT_ID), state.queue[0].event_id.as_str(), "the same id on every try");
        tries.push(now - t0);
        settle(&mut state, vec![(t.event_id.clone(), t.webhook.clone(), Err("HTTP 500".into()))], now, &schedule);
        match next_due(&state) {
            Some(at) => {
                assert!(due(&state, at - 1, 6).is_empty(), "nothing before its time");
                now = at;
            }
            None => break,
        }
    }
    assert_eq!(tries, [0, 10_000, 40_000, 160_000, 760_000, 4_360_000, 15_160_000, 36_760_000, 79_960_000], "nine tries over 22.2 hours");
    e.events.save(&service_sid, &state);
    let (_, fetched) = call(&e, "GET", &format!("{base}/Webhooks/{}", w["sid"].as_str().unwrap()), "");
    let failure = &fetched["delivery_failures"][0];
    assert_eq!((failure["event_type"].as_str(), failure["attempts"].as_u64(), failure["error"].as_str()), (Some("verification.started"), Some(9), Some("HTTP 500")));
    assert!(failure["event_id"].as_str().unwrap().starts_with("EV"));

    // A 2xx ends a delivery at once.
    call(&e, "POST", &format!("{base}/Verifications/%2B14155550100"), "Status=canceled");
    let mut state = e.events.state(&service_sid);
    let batch = due(&state, now, 6);
    settle(&mut state, batch.iter().map(|t| (t.event_id.clone(), t.webhook.clone(), outbox::outcome(&Ok(OutboundResponse { status: 204, body: Vec::new() })))).collect(), now, &schedule);
    assert!(state.queue.is_empty());
    assert_eq!(outbox::outcome(&Err(TransportError::Timeout(10_000))), Err("timeout after 10000 ms".into()));
}

#[test]
fn a_deleted_or_disabled_webhook_is_owed_nothing_more() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let a = hook(&e, &base, "EventTypes=*");
    let b = hook(&e, &base, "EventTypes=*");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(owed(&e, &base).len(), 2);
    call(&e, "DELETE", &format!("{base}/Webhooks/{}", a["sid"].as_str().unwrap()), "");
    assert_eq!(owed(&e, &base).len(), 1);
    call(&e, "POST", &format!("{base}/Webhooks/{}", b["sid"].as_str().unwrap()), "Status=disabled");
    assert!(owed(&e, &base).is_empty());
}

#[test]
fn a_service_without_webhooks_hands_nothing_to_the_outbox() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Quiet");
    let svc = base.trim_start_matches("/v2/Services/");
    let outbox_calls = || e.events.states.borrow().len();
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms").0, 201);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications/%2B14155550100"), "Status=canceled").0, 200);
    assert_eq!(outbox_calls(), 0, "no webhooks: no outbox call after a start or an update");
    let w = hook(&e, &base, "EventTypes=*");
    let flag = |e: &Engine<Host>| e.kv.keys().into_iter().any(|k| k.starts_with("hooks/") && k.ends_with(svc));
    assert!(flag(&e), "the first webhook sets the service's flag");
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550101&Channel=sms").0, 201);
    assert_eq!(owed(&e, &base), vec![("verification.started".to_owned(), "pending".to_owned())]);
    assert_eq!(call(&e, "DELETE", &format!("{base}/Webhooks/{}", w["sid"].as_str().unwrap()), "").0, 204);
    assert!(!flag(&e), "the last webhook gone, the flag is cleared");
}

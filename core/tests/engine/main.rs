//! The whole engine on the host, through both faces, with an in-memory store, a fixed clock, a
//! counting RNG, an in-process coordinator running the same state machine as the Durable Object,
//! and a fake provider. Also: what each request costs in storage and coordinator round trips,
//! and the shape of the source tree (no module imports one that imports it back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use edge_verify_core::cache::ReadCache;
use edge_verify_core::code::CodeKey;
use edge_verify_core::delivery::{HttpClient, OutboundRequest, OutboundResponse, TransportError};
use edge_verify_core::guard::limiter::{Limiter, ShardName};
use edge_verify_core::guard::shard::{self, LimitCommand, LimitReply, Shard};
use edge_verify_core::http::{ApiRequest, ApiResponse, Method};
use edge_verify_core::memory::MemoryKv;
use edge_verify_core::rest::handle;
use edge_verify_core::sid::Rng;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verify::verification::coordinator::{execute, Command, Coordinator, Reply};
use edge_verify_core::verify::verification::machine::{Sends, State};
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::{ApiError, Engine, Platform, Settings};
use serde_json::Value;

mod client_tokens;
mod events;
mod fallback;
mod guard;
mod history;
mod known_answers;
mod messages;
mod methods;
mod pages;
mod routing;
mod webhook_location;

#[test]
fn known_answers_hold_on_the_host() {
    for (what, computed, expected) in known_answers::known_answers() {
        assert_eq!(computed, expected, "{what}");
    }
}

const MAIN: &str = "AC11111111111111111111111111111111";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const KEY: &str = "host-test-code-key-0000";

#[derive(Clone)]
struct FixedClock(Rc<Cell<u64>>);
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.0.get())
    }
}

/// The coordinator in process: the same state machine the Durable Object runs, one state (and
/// count of sends) per target, stored as JSON text as the Durable Object stores it.
struct LocalCoordinator {
    clock: FixedClock,
    states: RefCell<HashMap<TargetId, (String, String)>>,
    calls: Cell<usize>,
}
impl Coordinator for LocalCoordinator {
    async fn send(&self, target: &TargetId, command: Command) -> Result<Reply, ApiError> {
        self.calls.set(self.calls.get() + 1);
        let command: Command = serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
        let mut states = self.states.borrow_mut();
        let (mut state, mut sends): (State, Sends) = match states.get(target) {
            Some((state, sends)) => (
                serde_json::from_str(state).unwrap(),
                serde_json::from_str(sends).unwrap(),
            ),
            None => (None, Sends::default()),
        };
        let reply = execute(
            &mut state,
            &mut sends,
            command,
            self.clock.now(),
            &CodeKey::new(KEY).unwrap(),
        );
        states.insert(
            *target,
            (
                serde_json::to_string(&state).unwrap(),
                serde_json::to_string(&sends).unwrap(),
            ),
        );
        Ok(serde_json::from_str(&serde_json::to_string(&reply).unwrap()).unwrap())
    }
}

/// The limiter in process: the shard state machine the `Limiter` Durable Object runs, one state
/// per shard, as JSON text. Later commands run at once (there is no response to wait for).
struct LocalLimiter {
    clock: FixedClock,
    shards: RefCell<HashMap<ShardName, String>>,
    calls: Cell<usize>,
}
impl LocalLimiter {
    fn run(&self, shard: &ShardName, command: LimitCommand) -> LimitReply {
        self.calls.set(self.calls.get() + 1);
        let command: LimitCommand =
            serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
        let mut shards = self.shards.borrow_mut();
        let mut state: Shard = shards
            .get(shard)
            .map(|t| serde_json::from_str(t).unwrap())
            .unwrap_or_default();
        let reply = shard::execute(&mut state, command, self.clock.now());
        shards.insert(shard.clone(), serde_json::to_string(&state).unwrap());
        serde_json::from_str(&serde_json::to_string(&reply).unwrap()).unwrap()
    }
}
impl Limiter for LocalLimiter {
    async fn send(&self, shard: &ShardName, command: LimitCommand) -> Result<LimitReply, ApiError> {
        Ok(self.run(shard, command))
    }
    fn send_later(&self, shard: &ShardName, command: LimitCommand) {
        self.run(shard, command);
    }
}

/// A provider that records requests and answers with a scripted status (0: time out).
#[derive(Default)]
struct FakeHttp {
    sent: RefCell<Vec<OutboundRequest>>,
    status: Cell<u16>,
}
impl HttpClient for FakeHttp {
    async fn send(&self, request: &OutboundRequest, timeout_ms: u64) -> Result<OutboundResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        match self.status.get() {
            0 => Err(TransportError::Timeout(timeout_ms)),
            status => Ok(OutboundResponse { status, body: b"{}".to_vec() }),
        }
    }
}

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

struct Host;
impl Platform for Host {
    type Kv = MemoryKv;
    type Clock = FixedClock;
    type Rng = CountingRng;
    type Coordinator = LocalCoordinator;
    type Limiter = LocalLimiter;
    type Http = FakeHttp;
    type History = history::SqliteDb;
    type Events = events::LocalOutboxes;
    fn log(line: &str) {
        LOG.with(|log| log.borrow_mut().push(line.to_owned()));
    }
}

struct CountingRng(Cell<u8>);
impl Rng for CountingRng {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf {
            *b = self.0.get();
            self.0.set(self.0.get().wrapping_add(7));
        }
    }
}

/// Runs a future whose I/O is all in memory (always ready).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn settings(extra: &[(&str, &str)]) -> Settings {
    let mut env: BTreeMap<&str, &str> = [
        ("ACCOUNT_SID", MAIN),
        ("AUTH_TOKEN", TOKEN),
        ("CODE_HMAC_KEY", KEY),
        ("DELIVERY_CONFIG", r#"{"twilio_routes": [{"prefix": "*", "account_sid": "ACprovider", "auth_token": "provider-token", "from": "+15550000000"}]}"#),
    ]
    .into_iter()
    .collect();
    env.extend(extra.iter().copied());
    Settings::from_env(&|name| env.get(name).map(|v| (*v).to_owned())).unwrap()
}

fn engine_with(kv: MemoryKv, settings: Settings) -> Engine<Host> {
    let clock = FixedClock(Rc::new(Cell::new(1_700_000_000)));
    let http = FakeHttp::default();
    http.status.set(201);
    Engine {
        kv,
        clock: clock.clone(),
        rng: CountingRng(Cell::new(1)),
        coordinator: LocalCoordinator {
            clock: clock.clone(),
            states: RefCell::default(),
            calls: Cell::new(0),
        },
        limiter: LocalLimiter {
            clock,
            shards: RefCell::default(),
            calls: Cell::new(0),
        },
        http,
        history: history::SqliteDb::new(),
        events: events::LocalOutboxes::default(),
        settings: Rc::new(settings),
        cache: Rc::new(ReadCache::default()),
    }
}

fn engine(kv: MemoryKv) -> Engine<Host> {
    engine_with(kv, settings(&[]))
}

fn request(method: &str, path: &str, user: &str, password: &str, content_type: &str, body: &str) -> ApiRequest {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    ApiRequest {
        method: Method::parse(method),
        method_name: method.into(),
        origin: "https://verify.example".into(),
        path: path.into(),
        query: query.into(),
        headers: vec![("authorization".into(), format!("Basic {basic}")), ("content-type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
    }
}

fn json(r: &ApiResponse) -> Value {
    if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).unwrap()
    }
}

fn raw(engine: &Engine<Host>, req: &ApiRequest) -> ApiResponse {
    block_on(handle(engine, req))
}

fn call(engine: &Engine<Host>, method: &str, path: &str, form: &str) -> (u16, Value) {
    let r = raw(engine, &request(method, path, MAIN, TOKEN, "application/x-www-form-urlencoded", form));
    (r.status, json(&r))
}

fn action(engine: &Engine<Host>, id: &str, input: Value) -> (u16, Value) {
    let r = raw(engine, &request("POST", &format!("/v1/actions/{id}"), MAIN, TOKEN, "application/json", &input.to_string()));
    (r.status, json(&r))
}

/// The code in the last SMS the fake provider got.
fn last_code(engine: &Engine<Host>) -> String {
    let sent = engine.http.sent.borrow();
    let body = &sent.last().unwrap().body;
    if let Ok(mail) = serde_json::from_slice::<Value>(body) {
        let text = mail["content"][0]["value"].as_str().unwrap();
        let mut words = text.split(|c: char| !c.is_ascii_digit());
        return words.rfind(|w| w.len() >= 4).unwrap().to_owned();
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
    body.chars().filter(char::is_ascii_digit).collect()
}

fn service(engine: &Engine<Host>, form: &str) -> String {
    let (status, svc) = call(engine, "POST", "/v2/Services", form);
    assert_eq!(status, 201, "{svc}");
    format!("/v2/Services/{}", svc["sid"].as_str().unwrap())
}

#[test]
fn a_whole_verification_on_the_host() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&CodeLength=8");
    let (status, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "pending");
    let code = last_code(&e);
    assert_eq!(code.len(), 8);
    assert!(!v.to_string().contains(&code));
    let (status, again) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=call");
    assert_eq!(status, 201);
    assert_eq!((&again["sid"], again["channel"].as_str()), (&v["sid"], Some("call")));
    assert_eq!(again["send_code_attempts"].as_array().unwrap().len(), 2);
    let (status, wrong) = call(&e, "POST", &format!("{base}/VerificationCheck"), "To=%2B14155550100&Code=00000000");
    assert_eq!((status, wrong["status"].as_str()), (200, Some("pending")));
    let (status, ok) = call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("VerificationSid={}&Code={code}", v["sid"].as_str().unwrap()));
    assert_eq!((status, ok["status"].as_str(), ok["valid"].as_bool()), (200, Some("approved"), Some(true)));
    let (status, gone) = call(&e, "GET", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "");
    assert_eq!((status, gone["code"].as_u64()), (404, Some(20404)));
}

#[test]
fn a_start_costs_one_coordinator_call_and_one_deferred_write_and_a_check_no_storage_at_all() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let (ops, calls, shards) = (e.kv.operations(), e.coordinator.calls.get(), e.limiter.calls.get());
    let (status, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 201);
    assert_eq!(e.coordinator.calls.get() - calls, 1, "start: reserve only");
    assert_eq!(e.limiter.calls.get() - shards, 2, "and beside it the prefix and account shards (no client IP here)");
    assert_eq!(e.kv.operations() - ops, 1, "start: the token write (the service came from the isolate's cache)");
    let token_key = format!("ver/{}/{}", base.trim_start_matches("/v2/Services/"), v["sid"].as_str().unwrap());
    assert!(e.kv.ttl(&token_key).is_some_and(|ttl| (60..=600).contains(&ttl)), "the token is in KV with its TTL");
    let (ops, calls) = (e.kv.operations(), e.coordinator.calls.get());
    let by_sid = format!("VerificationSid={}&Code={}", v["sid"].as_str().unwrap(), last_code(&e));
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &by_sid).1["status"], "approved");
    assert_eq!((e.kv.operations() - ops, e.coordinator.calls.get() - calls), (0, 1), "check: one command, no storage");
    assert_eq!(e.limiter.calls.get() - shards, 3, "and after the response, the approval credited to the prefix shard");
}

#[test]
fn checks_fetches_and_updates_by_sid_need_no_token_in_kv() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let sid = v["sid"].as_str().unwrap();
    for key in e.kv.keys().into_iter().filter(|k| k.starts_with("ver/")) {
        block_on(edge_verify_core::ports::KeyValue::delete(&e.kv, &key)).unwrap();
    }
    assert_eq!(call(&e, "GET", &format!("{base}/Verifications/{sid}"), "").0, 200, "KV lags; the SID names the coordinator");
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications/{sid}"), "Status=canceled").1["status"], "canceled");
}

#[test]
fn another_account_or_service_cannot_reach_a_verification() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let other = service(&e, "FriendlyName=Other");
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let sid = v["sid"].as_str().unwrap();
    let code = last_code(&e);
    assert_eq!(call(&e, "GET", &format!("{other}/Verifications/{sid}"), "").0, 404);
    assert_eq!(call(&e, "POST", &format!("{other}/VerificationCheck"), &format!("VerificationSid={sid}&Code={code}")).0, 404);
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=T");
    let as_sub = |method: &str, path: &str, form: &str| {
        raw(&e, &request(method, path, sub["sid"].as_str().unwrap(), sub["auth_token"].as_str().unwrap(), "application/x-www-form-urlencoded", form)).status
    };
    assert_eq!(as_sub("GET", &format!("{base}/Verifications/{sid}"), ""), 404);
    assert_eq!(as_sub("POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")), 404);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")).1["status"], "approved", "nothing was counted");
}

#[test]
fn both_faces_parse_with_one_parser_and_name_fields_their_own_way() {
    let e = engine(MemoryKv::default());
    let (status, created) = action(&e, "create_service", serde_json::json!({"friendly_name": "Acme", "code_length": 5, "lookup_enabled": true}));
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["code_length"].as_u64(), created["lookup_enabled"].as_bool()), (Some(5), Some(true)));
    let sid = created["sid"].as_str().unwrap();
    let (status, err) = action(&e, "update_service", serde_json::json!({"service_sid": sid, "code_length": "5"}));
    assert_eq!((status, err["message"].as_str()), (400, Some("Invalid parameter: code_length: must be an integer")));
    let (status, err) = action(&e, "update_service", serde_json::json!({"service_sid": sid, "skip_sms_to_landlines": true, "lookup_enabled": false}));
    assert_eq!((status, err["message"].as_str()), (400, Some("Invalid parameter: skip_sms_to_landlines: requires LookupEnabled=true")));
    let (status, err) = call(&e, "POST", &format!("/v2/Services/{sid}"), "CodeLength=11");
    assert_eq!((status, err["message"].as_str()), (400, Some("Invalid parameter: CodeLength: must be an integer from 4 to 10")));
    let (status, v) = action(&e, "start_verification", serde_json::json!({"service_sid": sid, "to": "+14155550100", "channel": "sms"}));
    assert_eq!(status, 201, "{v}");
    let (_, checked) = action(&e, "check_verification", serde_json::json!({"service_sid": sid, "verification_sid": v["sid"], "code": last_code(&e)}));
    assert_eq!(checked["status"], "approved");
    let (status, err) = action(&e, "start_verification", serde_json::json!({"service_sid": sid, "channel": "sms"}));
    assert_eq!((status, err["message"].as_str()), (400, Some("Invalid parameter: to: is required")));
    let (status, listed) = action(&e, "make_api_call", serde_json::json!({"url": "/v2/Services", "query": [{"key": "PageSize", "value": "1"}]}));
    assert_eq!((status, listed["status"].as_u64(), listed["body"]["services"].as_array().map(Vec::len)), (200, Some(200), Some(1)));
}

#[test]
fn a_404_on_the_actions_face_names_the_resource_as_the_rest_face_does() {
    let e = engine(MemoryKv::default());
    let message = |(status, err): (u16, Value)| {
        assert_eq!((status, err["code"].as_u64()), (404, Some(20404)), "{err}");
        err["message"].as_str().unwrap().to_owned()
    };
    let unknown = "VAffffffffffffffffffffffffffffffff";
    for (id, input, rest) in [
        ("get_service", serde_json::json!({"service_sid": unknown}), ("GET", format!("/v2/Services/{unknown}"), "")),
        ("get_service", serde_json::json!({"service_sid": "VA123"}), ("GET", "/v2/Services/VA123".to_owned(), "")),
        ("delete_service", serde_json::json!({"service_sid": "VA123"}), ("DELETE", "/v2/Services/VA123".to_owned(), "")),
        ("check_verification", serde_json::json!({"service_sid": "VA123", "to": "+14155550100", "code": "123456"}), ("POST", "/v2/Services/VA123/VerificationCheck".to_owned(), "To=%2B14155550100&Code=123456")),
        ("get_verification", serde_json::json!({"service_sid": "VA123", "verification_sid": "+14155550100"}), ("GET", "/v2/Services/VA123/Verifications/%2B14155550100".to_owned(), "")),
    ] {
        let (method, path, form) = rest;
        let from_action = message(action(&e, id, input));
        assert_eq!(from_action, format!("The requested resource {path} was not found"), "{id}");
        assert!(!from_action.contains("/v1/actions"), "{id}: {from_action}");
        assert_eq!(from_action, message(call(&e, method, &path, form)), "{id}: both faces say the same");
    }
    let (status, err) = action(&e, "no_such_action", serde_json::json!({}));
    assert_eq!((status, err["message"].as_str()), (404, Some("The requested resource /v1/actions/no_such_action was not found")), "an unknown action is named");
}

#[test]
fn provider_failure_leaves_no_verification_behind() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let keys_before = e.kv.keys();
    e.http.status.set(503);
    let (status, err) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (502, Some(30008)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("HTTP 503"));
    assert_eq!(e.kv.keys(), keys_before, "no token left in KV");
    assert_eq!(call(&e, "GET", &format!("{base}/Verifications/%2B14155550100"), "").0, 404);
    e.http.status.set(201);
    let (status, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 201);
    assert_eq!(v["send_code_attempts"].as_array().unwrap().len(), 1, "failed sends do not count");
}

#[test]
fn a_provider_timeout_counts_the_send_as_made() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    e.http.status.set(0);
    let (status, err) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (502, Some(30008)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("may still arrive"), "{err}");
    let sent = last_code(&e);
    let (status, v) = call(&e, "GET", &format!("{base}/Verifications/%2B14155550100"), "");
    assert_eq!((status, v["send_code_attempts"].as_array().map(Vec::len)), (200, Some(1)), "the send the provider may have taken counts: {v}");
    e.http.status.set(201);
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(v["send_code_attempts"].as_array().unwrap().len(), 2, "a later start is a resend");
    assert_eq!(last_code(&e), sent, "of the same code, so a late delivery still works");
    let (_, checked) = call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={sent}"));
    assert_eq!(checked["status"], "approved");
    for _ in 0..3 {
        e.http.status.set(0);
        call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550101&Channel=sms");
    }
    let (_, v) = call(&e, "GET", &format!("{base}/Verifications/%2B14155550101"), "");
    assert_eq!(v["send_code_attempts"].as_array().unwrap().len(), 3, "timeouts cannot buy more than five deliveries");
}

#[test]
fn email_identity_ignores_case_and_shows_the_address_as_given() {
    let mail = r#"{"twilio_routes": [{"prefix": "*", "account_sid": "ACprovider", "auth_token": "t", "from": "+15550000000"}], "sendgrid": {"api_key": "SG.x", "from_email": "no-reply@acme.test"}}"#;
    let e = engine_with(MemoryKv::default(), settings(&[("DELIVERY_CONFIG", mail)]));
    let base = service(&e, "FriendlyName=Acme");
    let (status, first) = call(&e, "POST", &format!("{base}/Verifications"), "To=casey%40x.com&Channel=email");
    assert_eq!(status, 201, "{first}");
    let mut sids = vec![first["sid"].clone()];
    for to in ["CASEY%40x.com", "Casey%40EXAMPLE.com"] {
        let (status, again) = call(&e, "POST", &format!("{base}/Verifications"), &format!("To={to}&Channel=email"));
        assert_eq!(status, 201, "{again}");
        sids.push(again["sid"].clone());
    }
    assert_eq!(sids[1], sids[0], "one inbox, one verification");
    assert_ne!(sids[2], sids[0], "another domain is another inbox");
    let (_, v) = call(&e, "GET", &format!("{base}/Verifications/{}", sids[0].as_str().unwrap()), "");
    assert_eq!(v["send_code_attempts"].as_array().unwrap().len(), 2);
    assert_eq!(v["to"], "casey@x.com", "shown as first given");
    call(&e, "POST", &format!("{base}/Verifications"), "To=casey%40x.com&Channel=email");
    let code = last_code(&e);
    for n in 0..5 {
        let to = ["Casey%40x.COM", "casey%40x.com", "CASEY%40X.COM"][n % 3];
        let (status, c) = call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To={to}&Code=000000"));
        assert_eq!((status, c["valid"].as_bool()), (200, Some(false)), "{c}");
    }
    let (status, _) = call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=casey%40x.com&Code={code}"));
    assert_eq!(status, 429, "five wrong guesses across spellings lock the one verification");
}

#[test]
fn custom_code_starts_are_no_oracle_for_a_generated_code() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&CustomCodeEnabled=true");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let code = last_code(&e);
    let right = call(&e, "POST", &format!("{base}/Verifications"), &format!("To=%2B14155550100&Channel=sms&CustomCode={code}"));
    let wrong = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms&CustomCode=0000");
    assert_eq!(right.0, 400, "{:?}", right.1);
    assert_eq!(right, wrong, "the right guess and a wrong one get the same answer");
    assert_eq!(right.1["code"], 60200);

    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550199&Channel=sms&CustomCode=4321");
    for n in 0..5 {
        let (status, _) = call(&e, "POST", &format!("{base}/Verifications"), &format!("To=%2B14155550199&Channel=sms&CustomCode=11{n:02}"));
        assert_eq!(status, 400);
    }
    let (status, _) = call(&e, "POST", &format!("{base}/VerificationCheck"), "To=%2B14155550199&Code=4321");
    assert_eq!(status, 429, "five different custom codes are five guesses");
}

#[test]
fn expiry_follows_the_clock() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let code = last_code(&e);
    e.clock.0.set(e.clock.0.get() + 600);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")).0, 404);
}

#[test]
fn service_crud_through_the_router_and_the_cache() {
    let e = engine(MemoryKv::with_page_size(2));
    let (status, created) = call(&e, "POST", "/v2/Services", "FriendlyName=Host+Test&CodeLength=7");
    assert_eq!(status, 201);
    let sid = created["sid"].as_str().unwrap().to_owned();
    assert_eq!(created["date_created"], "2023-11-14T22:13:20Z");
    assert_eq!(created["url"], format!("https://verify.example/v2/Services/{sid}"));
    for i in 0..4 {
        call(&e, "POST", "/v2/Services", &format!("FriendlyName=S{i}"));
    }
    let (_, listed) = call(&e, "GET", "/v2/Services?PageSize=3", "");
    assert_eq!(listed["services"].as_array().unwrap().len(), 3, "lists across KV cursor pages");
    assert_eq!(call(&e, "POST", &format!("/v2/Services/{sid}"), "CodeLength=9").1["code_length"], 9);
    assert_eq!(call(&e, "GET", &format!("/v2/Services/{sid}"), "").1["code_length"], 9, "an update refreshes the cache");
    assert_eq!(call(&e, "DELETE", &format!("/v2/Services/{sid}"), ""), (204, Value::Null));
    assert_eq!(call(&e, "GET", &format!("/v2/Services/{sid}"), "").0, 404, "a delete empties the cache");
}

#[test]
fn a_failed_write_leaves_nothing_behind_and_the_operator_sees_why() {
    let e = engine(MemoryKv::default());
    e.kv.fail_writes(true);
    let (status, body) = call(&e, "POST", &format!("/2010-04-01/Accounts/{MAIN}/Keys.json"), "FriendlyName=k");
    assert_eq!((status, body["code"].as_u64()), (500, Some(20500)));
    assert_eq!(body["message"], "Internal server error", "storage detail stays in the log");
    let logged = LOG.with(|log| log.borrow().join("\n"));
    assert!(logged.contains("error 20500: writes are failing"), "{logged}");
    e.kv.fail_writes(false);
    assert!(e.kv.keys().is_empty(), "{:?}", e.kv.keys());
}

#[test]
fn undecodable_stored_state_is_an_error_never_empty() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let key = format!("svc/{MAIN}/{}", base.trim_start_matches("/v2/Services/"));
    block_on(edge_verify_core::ports::KeyValue::put(&e.kv, &key, "{\"not\": \"a service\"}", &Default::default())).unwrap();
    e.cache.forget(&key);
    let (status, body) = call(&e, "GET", &base, "");
    assert_eq!((status, body["code"].as_u64()), (500, Some(20500)));
}

#[test]
fn secrets_are_stored_as_digests_only() {
    let e = engine(MemoryKv::default());
    let (_, key) = call(&e, "POST", &format!("/2010-04-01/Accounts/{MAIN}/Keys.json"), "");
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=T");
    let secret = key["secret"].as_str().unwrap();
    let token = sub["auth_token"].as_str().unwrap();
    for value in e.kv.values() {
        assert!(!value.contains(secret) && !value.contains(token));
    }
    let get = |user: &str, password: &str| raw(&e, &request("GET", "/v2/Services", user, password, "", "")).status;
    assert_eq!(get(key["sid"].as_str().unwrap(), secret), 200);
    assert_eq!(get(sub["sid"].as_str().unwrap(), token), 200);
    assert_eq!(call(&e, "DELETE", &format!("/2010-04-01/Accounts/{MAIN}/Keys/{}.json", key["sid"].as_str().unwrap()), "").0, 204);
    assert_eq!(get(key["sid"].as_str().unwrap(), secret), 401, "a revoked key fails at once in this isolate");
}

#[test]
fn account_lists_filter_on_metadata_and_read_only_their_page() {
    let e = engine(MemoryKv::default());
    for i in 0..5 {
        call(&e, "POST", "/2010-04-01/Accounts.json", &format!("FriendlyName=T{}", i % 2));
    }
    let ops = e.kv.operations();
    let (_, listed) = call(&e, "GET", "/2010-04-01/Accounts.json?FriendlyName=T1&PageSize=1", "");
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 1);
    assert!(listed["next_page_uri"].is_string());
    assert_eq!(e.kv.operations() - ops, 2, "one listing, one record");
}

#[test]
fn a_write_reads_afresh_so_a_cached_record_cannot_undo_a_change_made_elsewhere() {
    let e = engine(MemoryKv::default());
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=Tenant");
    let (sid, token) = (sub["sid"].as_str().unwrap().to_owned(), sub["auth_token"].as_str().unwrap().to_owned());
    let as_sub = |form: &str| raw(&e, &request("POST", &format!("/2010-04-01/Accounts/{sid}.json"), &sid, &token, "application/x-www-form-urlencoded", form));
    assert_eq!(as_sub("FriendlyName=Renamed").status, 200, "the record is now in this isolate's cache");
    // Another isolate suspends it: the write reaches KV, not this isolate's cache.
    let key = format!("acct/{sid}");
    let text = block_on(edge_verify_core::ports::KeyValue::get(&e.kv, &key)).unwrap().unwrap();
    let suspended = text.replace("\"active\"", "\"suspended\"");
    block_on(edge_verify_core::ports::KeyValue::put(&e.kv, &key, &suspended, &Default::default())).unwrap();
    // Within the cache window the subaccount still authenticates here, but its rename is based
    // on what KV holds now, so the suspension stands.
    assert_eq!(as_sub("FriendlyName=Again").status, 200);
    let stored: Value = serde_json::from_str(&block_on(edge_verify_core::ports::KeyValue::get(&e.kv, &key)).unwrap().unwrap()).unwrap();
    assert_eq!((stored["status"].as_str(), stored["friendly_name"].as_str()), (Some("suspended"), Some("Again")));
}

#[test]
fn subaccount_records_without_list_metadata_are_listed_and_healed() {
    let e = engine(MemoryKv::default());
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=Old");
    let key = format!("acct/{}", sub["sid"].as_str().unwrap());
    // As an earlier version wrote it: no metadata.
    let text = block_on(edge_verify_core::ports::KeyValue::get(&e.kv, &key)).unwrap().unwrap();
    block_on(edge_verify_core::ports::KeyValue::put(&e.kv, &key, &text, &Default::default())).unwrap();
    let (status, listed) = call(&e, "GET", "/2010-04-01/Accounts.json?FriendlyName=Old", "");
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["accounts"].as_array().unwrap().len(), 1);
    let page = block_on(edge_verify_core::ports::KeyValue::list(&e.kv, "acct/", None)).unwrap();
    assert!(page.keys.iter().all(|k| k.metadata.is_some()), "the record was written back with its metadata");
}

#[test]
fn an_unknown_service_is_404_before_parameters_are_judged_and_psd2_fields_only_matter_to_psd2() {
    let e = engine(MemoryKv::default());
    let nobody = "/v2/Services/VAffffffffffffffffffffffffffffffff";
    assert_eq!(call(&e, "POST", nobody, "CodeLength=99").0, 404);
    assert_eq!(call(&e, "POST", &format!("{nobody}/Verifications"), "To=nope").0, 404);
    let plain = service(&e, "FriendlyName=Plain");
    let long = "x".repeat(200);
    assert_eq!(call(&e, "POST", &format!("{plain}/Verifications"), &format!("To=%2B14155550100&Channel=sms&Amount={}", "x".repeat(100))).0, 201, "ignored without PSD2");
    // Over the documented 100 characters is refused everywhere (the spec's maxLength).
    assert_eq!(call(&e, "POST", &format!("{plain}/Verifications"), &format!("To=%2B14155550102&Channel=sms&Amount={long}")).0, 400, "too long even without PSD2");
    let psd2 = service(&e, "FriendlyName=Bank&Psd2Enabled=true");
    let (status, err) = call(&e, "POST", &format!("{psd2}/Verifications"), &format!("To=%2B14155550101&Channel=sms&Amount={long}&Payee=Acme"));
    assert_eq!((status, err["message"].as_str()), (400, Some("Invalid parameter: Amount: must be at most 100 characters")));
    assert_eq!(call(&e, "POST", &format!("{psd2}/Verifications"), "To=%2B14155550101&Channel=sms&Amount=5").1["code"], 60206);
}

#[test]
fn routing_errors_come_before_authentication_and_say_what_is_allowed() {
    let e = engine(MemoryKv::default());
    let r = raw(&e, &request("PUT", "/v2/Services", "nobody", "nothing", "", ""));
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = raw(&e, &request("GET", "/v2/Services", MAIN, "wrong", "", ""));
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
}

#[test]
fn the_dev_outbox_reads_a_bounded_page_however_full_it_is() {
    let open = r#"{"fraud_guard": "off", "limits": {"starts_per_prefix_per_hour": 1000}}"#;
    let e = engine_with(
        MemoryKv::with_page_size(1000),
        settings(&[
            ("DEV_MODE", "true"),
            ("DELIVERY_CONFIG", ""),
            ("POLICY", open),
        ]),
    );
    let base = service(&e, "FriendlyName=Acme");
    for i in 0..120 {
        e.clock.0.set(e.clock.0.get() + 1);
        let to = format!("To=%2B1415555{:04}&Channel=sms", 1000 + i);
        assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), &to).0, 201);
    }
    let ops = e.kv.operations();
    let (status, outbox) = call(&e, "GET", "/dev/outbox", "");
    assert_eq!(status, 200);
    let messages = outbox["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 50);
    assert_eq!(messages[0]["to"], "+14155551119", "newest first");
    assert_eq!(e.kv.operations() - ops, 1 + 50, "one listing and one page of messages");
    let (_, one) = call(&e, "GET", "/dev/outbox?To=%2B14155551000", "");
    assert_eq!(one["messages"].as_array().unwrap().len(), 1);
}

/// `use crate::a::b` edges between the core's modules, by file.
fn imports(root: &Path) -> BTreeMap<String, Vec<String>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<String>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let mut uses = Vec::new();
            for line in code.lines().map(str::trim) {
                let Some(rest) = line.strip_prefix("use ").or_else(|| line.strip_prefix("pub use ")) else { continue };
                let target: Vec<String> = if let Some(rest) = rest.strip_prefix("crate::") {
                    rest.split("::").take_while(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '_')).map(str::to_owned).collect()
                } else if let Some(rest) = rest.strip_prefix("super::") {
                    let mut base = module.clone();
                    base.pop();
                    base.extend(rest.split("::").take_while(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '_')).map(str::to_owned));
                    base
                } else {
                    continue;
                };
                uses.push(target.join("::"));
            }
            out.insert(module.join("::"), uses);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = imports(&root);
    // Resolve `a::b::Item`-style targets to the longest known module.
    let resolve = |target: &str| -> Option<String> {
        let mut parts: Vec<&str> = target.split("::").collect();
        while !parts.is_empty() {
            let candidate = parts.join("::");
            if graph.contains_key(&candidate) {
                return Some(candidate);
            }
            parts.pop();
        }
        None
    };
    let edges: BTreeMap<&String, Vec<String>> = graph.iter().map(|(m, uses)| (m, uses.iter().filter_map(|u| resolve(u)).filter(|t| t != m && !t.is_empty()).collect())).collect();
    // Depth-first search for a cycle, file by file.
    fn visit<'a>(node: &'a str, edges: &'a BTreeMap<&String, Vec<String>>, path: &mut Vec<&'a str>, done: &mut Vec<&'a str>) {
        if done.contains(&node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| *n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node);
        for next in edges.iter().find(|(k, _)| k.as_str() == node).map(|(_, v)| v.as_slice()).unwrap_or(&[]) {
            visit(next, edges, path, done);
        }
        path.pop();
        done.push(node);
    }
    let mut done = Vec::new();
    for node in graph.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done);
    }
    assert!(graph.len() > 30, "the walk found the modules: {:?}", graph.keys());
}

#[test]
fn no_source_file_is_over_400_lines_of_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (module, _) in imports(&root) {
        let mut path = root.join(module.replace("::", "/"));
        path = if path.is_dir() { path.join("mod.rs") } else { path.with_extension("rs") };
        if module.is_empty() {
            path = root.join("lib.rs");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("").lines().count();
        assert!(code <= 400, "{} has {code} lines before its tests", path.display());
    }
}

//! The whole application on the host, with an in-memory store, a fixed clock and a counting
//! RNG: routing, authentication and the operations together, without the Workers runtime.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use base64::Engine;
use edge_verify_core::app::{Coordinator, Platform, Settings};
use edge_verify_core::auth::MainAccount;
use edge_verify_core::code::CodeKey;
use edge_verify_core::delivery::config::DeliveryConfig;
use edge_verify_core::delivery::{HttpClient, OutboundRequest, OutboundResponse, TransportError};
use edge_verify_core::http::{ApiRequest, ApiResponse, Method};
use edge_verify_core::sid::{AccountSid, Rng};
use edge_verify_core::store::MemoryKv;
use edge_verify_core::target::{apply, TargetCommand, TargetError, TargetReply};
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verification::Verification;
use edge_verify_core::{ApiError, App};
use serde_json::Value;

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

/// The coordinator in process: the same state machine the Durable Object runs.
struct LocalTargets {
    clock: FixedClock,
    states: RefCell<HashMap<String, Option<Verification>>>,
}
impl Coordinator for LocalTargets {
    async fn call(&self, target: &str, command: &TargetCommand) -> Result<Result<TargetReply, TargetError>, ApiError> {
        let mut states = self.states.borrow_mut();
        let state = states.entry(target.to_owned()).or_default();
        Ok(apply(state, command.clone(), self.clock.now(), &CodeKey::new(KEY).unwrap()))
    }
}

/// A provider that records requests and answers with a scripted status.
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
            status => Ok(OutboundResponse { status, headers: vec![], body: b"{}".to_vec() }),
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
    type Targets = LocalTargets;
    type Http = FakeHttp;
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

fn app(kv: MemoryKv) -> App<Host> {
    let clock = FixedClock(Rc::new(Cell::new(1_700_000_000)));
    let delivery = DeliveryConfig::parse(
        r#"{"twilio_routes": [{"prefix": "*", "account_sid": "ACprovider", "auth_token": "provider-token", "from": "+15550000000"}]}"#,
        false,
    )
    .unwrap();
    let http = FakeHttp::default();
    http.status.set(201);
    App {
        kv,
        clock: clock.clone(),
        rng: CountingRng(Cell::new(1)),
        targets: LocalTargets { clock, states: RefCell::default() },
        http,
        main: MainAccount::new(AccountSid::parse(MAIN).unwrap(), TOKEN, "Main"),
        settings: Settings { code_key: CodeKey::new(KEY), delivery, ..Settings::default() },
    }
}

fn call(app: &App<Host>, method: &str, path: &str, form: &str) -> (u16, Value) {
    let r = block_on(app.handle(&request(method, path, MAIN, TOKEN, form)));
    (r.status, if r.body.is_empty() { Value::Null } else { json(&r) })
}

/// The code in the last SMS the fake provider got.
fn last_code(app: &App<Host>) -> String {
    let sent = app.http.sent.borrow();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&sent.last().unwrap().body).unwrap();
    let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
    body.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn a_whole_verification_on_the_host() {
    let app = app(MemoryKv::default());
    let (_, svc) = call(&app, "POST", "/v2/Services", "FriendlyName=Acme&CodeLength=8");
    let base = format!("/v2/Services/{}", svc["sid"].as_str().unwrap());
    let (status, v) = call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "pending");
    let code = last_code(&app);
    assert_eq!(code.len(), 8);
    assert!(!v.to_string().contains(&code));
    let (status, again) = call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=call");
    assert_eq!(status, 201);
    assert_eq!(again["sid"], v["sid"]);
    assert_eq!(again["channel"], "call");
    assert_eq!(again["send_code_attempts"].as_array().unwrap().len(), 2);
    let (status, wrong) = call(&app, "POST", &format!("{base}/VerificationCheck"), "To=%2B14155550100&Code=00000000");
    assert_eq!((status, wrong["status"].as_str()), (200, Some("pending")));
    let (status, ok) = call(&app, "POST", &format!("{base}/VerificationCheck"), &format!("VerificationSid={}&Code={code}", v["sid"].as_str().unwrap()));
    assert_eq!((status, ok["status"].as_str(), ok["valid"].as_bool()), (200, Some("approved"), Some(true)));
    let (status, gone) = call(&app, "GET", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "");
    assert_eq!((status, gone["code"].as_u64()), (404, Some(20404)));
}

#[test]
fn provider_failure_leaves_no_verification_behind() {
    let app = app(MemoryKv::default());
    let (_, svc) = call(&app, "POST", "/v2/Services", "FriendlyName=Acme");
    let base = format!("/v2/Services/{}", svc["sid"].as_str().unwrap());
    let keys_before = app.kv.keys();
    app.http.status.set(503);
    let (status, err) = call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (502, Some(30008)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("HTTP 503"));
    assert_eq!(app.kv.keys(), keys_before, "no token left in KV");
    assert_eq!(call(&app, "GET", &format!("{base}/Verifications/%2B14155550100"), "").0, 404);
    app.http.status.set(0);
    let (status, err) = call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 502);
    assert!(err["message"].as_str().unwrap().contains("timed out"));
    app.http.status.set(201);
    let (status, v) = call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    assert_eq!(status, 201);
    assert_eq!(v["send_code_attempts"].as_array().unwrap().len(), 1, "failed sends do not count");
}

#[test]
fn expiry_follows_the_clock() {
    let app = app(MemoryKv::default());
    let (_, svc) = call(&app, "POST", "/v2/Services", "FriendlyName=Acme");
    let base = format!("/v2/Services/{}", svc["sid"].as_str().unwrap());
    call(&app, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    let code = last_code(&app);
    app.clock.0.set(app.clock.0.get() + 600);
    let (status, _) = call(&app, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}"));
    assert_eq!(status, 404);
}

fn request(method: &str, path: &str, user: &str, password: &str, form: &str) -> ApiRequest {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    ApiRequest {
        method: Method::parse(method),
        method_name: method.into(),
        origin: "https://verify.example".into(),
        path: path.into(),
        query: query.into(),
        headers: vec![
            ("authorization".into(), format!("Basic {basic}")),
            ("content-type".into(), "application/x-www-form-urlencoded".into()),
        ],
        body: form.as_bytes().to_vec(),
    }
}

fn json(r: &ApiResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn service_crud_through_the_router() {
    let app = app(MemoryKv::with_page_size(2));
    let created = block_on(app.handle(&request("POST", "/v2/Services", MAIN, TOKEN, "FriendlyName=Host+Test&CodeLength=7")));
    assert_eq!(created.status, 201);
    let sid = json(&created)["sid"].as_str().unwrap().to_owned();
    assert_eq!(json(&created)["date_created"], "2023-11-14T22:13:20Z");
    assert_eq!(json(&created)["url"], format!("https://verify.example/v2/Services/{sid}"));
    for i in 0..4 {
        block_on(app.handle(&request("POST", "/v2/Services", MAIN, TOKEN, &format!("FriendlyName=S{i}"))));
    }
    let listed = json(&block_on(app.handle(&request("GET", "/v2/Services?PageSize=3", MAIN, TOKEN, ""))));
    assert_eq!(listed["services"].as_array().unwrap().len(), 3, "lists across KV cursor pages");
    let deleted = block_on(app.handle(&request("DELETE", &format!("/v2/Services/{sid}"), MAIN, TOKEN, "")));
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let app = app(MemoryKv::default());
    app.kv.fail_writes(true);
    let r = block_on(app.handle(&request("POST", &format!("/2010-04-01/Accounts/{MAIN}/Keys.json"), MAIN, TOKEN, "FriendlyName=k")));
    assert_eq!((r.status, json(&r)["code"].as_u64()), (500, Some(20500)));
    assert_eq!(json(&r)["message"], "Internal server error", "storage detail stays in the log");
    let logged = LOG.with(|log| log.borrow().join("\n"));
    assert!(logged.contains("error 20500: writes are failing"), "the operator sees why: {logged}");
    app.kv.fail_writes(false);
    assert!(app.kv.keys().is_empty(), "{:?}", app.kv.keys());
}

#[test]
fn secrets_are_stored_as_digests_only() {
    let app = app(MemoryKv::default());
    let key = json(&block_on(app.handle(&request("POST", &format!("/2010-04-01/Accounts/{MAIN}/Keys.json"), MAIN, TOKEN, ""))));
    let sub = json(&block_on(app.handle(&request("POST", "/2010-04-01/Accounts.json", MAIN, TOKEN, "FriendlyName=T"))));
    let secret = key["secret"].as_str().unwrap();
    let token = sub["auth_token"].as_str().unwrap();
    for value in app.kv.values() {
        assert!(!value.contains(secret) && !value.contains(token));
    }
    let as_key = block_on(app.handle(&request("GET", "/v2/Services", key["sid"].as_str().unwrap(), secret, "")));
    assert_eq!(as_key.status, 200);
    let as_sub = block_on(app.handle(&request("GET", "/v2/Services", sub["sid"].as_str().unwrap(), token, "")));
    assert_eq!(as_sub.status, 200);
}

#[test]
fn routing_errors_come_before_authentication_and_say_what_is_allowed() {
    let app = app(MemoryKv::default());
    let r = block_on(app.handle(&request("PUT", "/v2/Services", "nobody", "nothing", "")));
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = block_on(app.handle(&request("GET", "/v2/Services", MAIN, "wrong", "")));
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    let mut big = request("POST", "/v2/Services", MAIN, TOKEN, "");
    big.body = vec![b'a'; 64 * 1024 + 1];
    assert_eq!(block_on(app.handle(&big)).status, 413);
}

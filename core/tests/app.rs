//! The whole application on the host, with an in-memory store, a fixed clock and a counting
//! RNG: routing, authentication and the operations together, without the Workers runtime.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use base64::Engine;
use edge_verify_core::auth::MainAccount;
use edge_verify_core::http::{ApiRequest, ApiResponse, Method};
use edge_verify_core::sid::{AccountSid, Rng};
use edge_verify_core::store::MemoryKv;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::App;
use serde_json::Value;

const MAIN: &str = "AC11111111111111111111111111111111";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_000)
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

fn app(kv: MemoryKv) -> App<MemoryKv, FixedClock, CountingRng> {
    App {
        kv,
        clock: FixedClock,
        rng: CountingRng(Cell::new(1)),
        main: MainAccount::new(AccountSid::parse(MAIN).unwrap(), TOKEN, "Main"),
    }
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

//! The engine's ports on the Workers runtime: Workers KV (with writes after the response through
//! `ctx.waitUntil`), `Date.now()`, `crypto.getRandomValues`, outbound `fetch` with a timeout, and
//! the console.

use std::rc::Rc;

use edge_verify_core::delivery::{HttpClient, OutboundRequest, OutboundResponse, TransportError};
use edge_verify_core::ports::{KeyList, KeyValue, ListedKey, PutOptions, StoreError};
use edge_verify_core::sid::Rng;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::Platform;
use worker::js_sys::{self, Array, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_error, console_log, web_sys, Context, Env};

use crate::coordinator::WorkerCoordinator;
use crate::limiter::WorkerLimiter;
use crate::runtime::{AbortSignalStatic, Fetcher, KvNamespace};

/// The Workers runtime as the engine's platform.
pub struct Workers;

impl Platform for Workers {
    type Kv = WorkerKv;
    type Clock = WorkerClock;
    type Rng = CryptoRng;
    type Coordinator = WorkerCoordinator;
    type Limiter = WorkerLimiter;
    type Http = WorkerHttp;
    type History = crate::history::WorkerDb;
    type Events = crate::outbox::WorkerEvents;

    fn log(line: &str) {
        console_log!("{line}");
    }
}

/// Workers KV behind the engine's [`KeyValue`] port, called through the binding's own JS
/// methods (`get`, `put`, `delete`, `list`): the SDK's wrapper converts options and listings
/// with serde-wasm-bindgen, which costs more wasm than these few calls.
pub struct WorkerKv {
    binding: KvNamespace,
    ctx: Rc<Context>,
}

pub fn js_error(err: &JsValue) -> String {
    err.as_string()
        .or_else(|| err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "a JavaScript error".to_owned())
}

fn store_error(op: &str, key: &str, err: &JsValue) -> StoreError {
    StoreError(format!("KV {op} {key}: {}", js_error(err)))
}

fn set(object: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}

async fn settle(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise?).await
}

async fn put(binding: &KvNamespace, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError> {
    let init = Object::new();
    if let Some(ttl) = options.ttl_seconds {
        set(&init, "expirationTtl", &JsValue::from_f64(ttl as f64));
    }
    if let Some(metadata) = &options.metadata {
        set(&init, "metadata", &js_sys::JSON::parse(metadata).map_err(|e| store_error("put", key, &e))?);
    }
    settle(binding.put(key, value, &init)).await.map(|_| ()).map_err(|e| store_error("put", key, &e))
}

impl WorkerKv {
    /// The KV namespace bound as `name`, if there is one.
    pub fn new(env: &Env, name: &str, ctx: Rc<Context>) -> Option<Self> {
        let binding = Reflect::get(env, &JsValue::from_str(name)).ok().filter(|b| b.is_object())?;
        Some(Self { binding: binding.unchecked_into(), ctx })
    }
}

impl KeyValue for WorkerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = settle(self.binding.get(key, "text")).await.map_err(|e| store_error("get", key, &e))?;
        Ok(value.as_string())
    }

    async fn put(&self, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError> {
        put(&self.binding, key, value, options).await
    }

    fn put_later(&self, key: String, value: String, options: PutOptions) {
        let binding: KvNamespace = JsValue::clone(&self.binding).unchecked_into();
        self.ctx.wait_until(async move {
            if let Err(err) = put(&binding, &key, &value, &options).await {
                console_error!("error 20500: a write after the response failed: {}", err.0);
            }
        });
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        settle(self.binding.delete(key)).await.map(|_| ()).map_err(|e| store_error("delete", key, &e))
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        let options = Object::new();
        set(&options, "prefix", &JsValue::from_str(prefix));
        if let Some(c) = cursor {
            set(&options, "cursor", &JsValue::from_str(c));
        }
        let page = settle(self.binding.list(&options)).await.map_err(|e| store_error("list", prefix, &e))?;
        let field = |object: &JsValue, name: &str| Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let keys: Array = field(&page, "keys").dyn_into().map_err(|e| store_error("list", prefix, &e))?;
        let keys = keys
            .iter()
            .filter_map(|key| {
                let name = field(&key, "name").as_string()?;
                let metadata = field(&key, "metadata");
                let metadata = if metadata.is_undefined() || metadata.is_null() { None } else { js_sys::JSON::stringify(&metadata).ok().map(String::from) };
                Some(ListedKey { name, metadata })
            })
            .collect();
        let complete = field(&page, "list_complete").as_bool().unwrap_or(true);
        Ok(KeyList { keys, cursor: if complete { None } else { field(&page, "cursor").as_string() } })
    }
}

/// `Date.now()`, in whole seconds.
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(worker::Date::now().as_millis() / 1000)
    }

    fn now_millis(&self) -> u64 {
        worker::Date::now().as_millis()
    }
}

/// The platform CSPRNG (`crypto.getRandomValues`).
pub struct CryptoRng;

impl Rng for CryptoRng {
    fn fill(&self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // Without a working CSPRNG no SID, token or code may be issued: stop this isolate.
            std::process::abort();
        }
    }
}

/// Outbound `fetch`, abandoned after the timeout (the runtime's `AbortSignal.timeout`, which
/// also covers reading the body).
pub struct WorkerHttp;

/// A request built with the runtime's own `RequestInit` (the SDK's converts `cf` options with
/// serde-wasm-bindgen, which costs more wasm than this).
fn js_request(method: &str, url: &str, headers: &[(String, String)], body: &JsValue) -> Result<web_sys::Request, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    // Redirects are not followed: a provider, gateway or webhook receiver answering 3xx is a
    // failure, so a public URL cannot send a request on to a private one.
    let _ = Reflect::set(&init, &JsValue::from_str("redirect"), &JsValue::from_str("manual"));
    if !headers.is_empty() {
        let js_headers = web_sys::Headers::new().map_err(|e| js_error(&e))?;
        for (name, value) in headers {
            js_headers.set(name, value).map_err(|e| js_error(&e))?;
        }
        init.set_headers(&js_headers);
    }
    // A GET (a gateway's query-string template) may not carry a body, not even an empty one.
    if method != "GET" && method != "HEAD" {
        init.set_body(body);
    }
    web_sys::Request::new_with_str_and_init(url, &init).map_err(|e| js_error(&e))
}

/// The global `fetch(request, {signal})`.
async fn js_fetch(request: &web_sys::Request, signal: &JsValue) -> Result<web_sys::Response, JsValue> {
    let init = Object::new();
    set(&init, "signal", signal);
    let global: Fetcher = js_sys::global().unchecked_into();
    settle(global.fetch(request, &init)).await?.dyn_into()
}

/// The most of an answer's body read: providers', gateways' and receivers' answers are small,
/// and a receiver streaming a huge one must not grow this isolate's memory (wasm memory never
/// shrinks).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The body up to `MAX_ANSWER_BYTES`; the rest is not read (the stream is cancelled).
async fn js_body(response: &web_sys::Response) -> Result<Vec<u8>, JsValue> {
    let Some(stream) = response.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let step = JsFuture::from(reader.read()).await?;
        if Reflect::get(&step, &JsValue::from_str("done"))?.as_bool().unwrap_or(true) {
            return Ok(body);
        }
        let chunk = js_sys::Uint8Array::new(&Reflect::get(&step, &JsValue::from_str("value"))?);
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        if chunk.length() as usize > room {
            body.extend(chunk.subarray(0, room as u32).to_vec());
            let _ = reader.cancel();
            return Ok(body);
        }
        body.extend(chunk.to_vec());
    }
}

impl HttpClient for WorkerHttp {
    async fn send(&self, request: &OutboundRequest, timeout_ms: u64) -> Result<OutboundResponse, TransportError> {
        let body = js_sys::Uint8Array::from(request.body.as_slice());
        let req = js_request(request.method, &request.url, &request.headers, &body).map_err(TransportError::Connection)?;
        let failed = |err: JsValue| {
            let timed_out = Reflect::get(&err, &JsValue::from_str("name")).ok().and_then(|n| n.as_string()).is_some_and(|n| n == "TimeoutError");
            if timed_out {
                TransportError::Timeout(timeout_ms)
            } else {
                TransportError::Connection(js_error(&err))
            }
        };
        let signal = AbortSignalStatic::timeout(timeout_ms as f64).map_err(|e| TransportError::Connection(js_error(&e)))?;
        let response = js_fetch(&req, &signal).await.map_err(failed)?;
        let body = js_body(&response).await.map_err(failed)?;
        Ok(OutboundResponse { status: response.status(), body })
    }
}

//! The core's ports on the Workers runtime: Workers KV, `Date.now()`, `crypto.getRandomValues`,
//! outbound `fetch` with a timeout, and the console.

use std::time::Duration;

use edge_verify_core::app::Platform;
use edge_verify_core::code::CodeKey;
use edge_verify_core::delivery::{HttpClient, OutboundRequest, OutboundResponse, TransportError};
use edge_verify_core::sid::Rng;
use edge_verify_core::store::{KeyList, KeyValue, StoreError};
use edge_verify_core::time::{Clock, Timestamp};
use futures_util::future::{select, Either};
use worker::js_sys::Uint8Array;
use worker::kv::KvStore;
use worker::{console_log, AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit};

use crate::target_object::WorkerTargets;

/// The Workers runtime as the core's platform.
pub struct Workers;

impl Platform for Workers {
    type Kv = WorkerKv;
    type Clock = WorkerClock;
    type Rng = CryptoRng;
    type Targets = WorkerTargets;
    type Http = WorkerHttp;

    fn log(line: &str) {
        console_log!("{line}");
    }
}

/// The current time from `Date.now()`.
pub fn now() -> Timestamp {
    WorkerClock.now()
}

/// `CODE_HMAC_KEY` from the environment.
pub fn code_key(env: &Env) -> Option<CodeKey> {
    let text = env.secret("CODE_HMAC_KEY").map(|s| s.to_string()).or_else(|_| env.var("CODE_HMAC_KEY").map(|v| v.to_string())).ok()?;
    CodeKey::new(&text)
}

/// Workers KV behind the core's [`KeyValue`] port.
pub struct WorkerKv(pub KvStore);

fn store_error(op: &str, key: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError(format!("KV {op} {key}: {err}"))
}

impl KeyValue for WorkerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(|e| store_error("get", key, e))
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<(), StoreError> {
        let mut put = self.0.put(key, value).map_err(|e| store_error("put", key, e))?;
        if let Some(ttl) = ttl_seconds {
            put = put.expiration_ttl(ttl);
        }
        put.execute().await.map_err(|e| store_error("put", key, e))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(|e| store_error("delete", key, e))
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        let mut list = self.0.list().prefix(prefix.to_owned());
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        let page = list.execute().await.map_err(|e| store_error("list", prefix, e))?;
        Ok(KeyList {
            keys: page.keys.into_iter().map(|k| k.name).collect(),
            cursor: if page.list_complete { None } else { page.cursor },
        })
    }
}

/// `Date.now()`, in whole seconds.
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(worker::Date::now().as_millis() / 1000)
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

/// Outbound `fetch`, abandoned after the timeout.
pub struct WorkerHttp;

fn connection(err: impl std::fmt::Display) -> TransportError {
    TransportError::Connection(err.to_string())
}

impl HttpClient for WorkerHttp {
    async fn send(&self, request: &OutboundRequest, timeout_ms: u64) -> Result<OutboundResponse, TransportError> {
        let headers = Headers::new();
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(connection)?;
        }
        let method = if request.method == "GET" { Method::Get } else { Method::Post };
        let mut init = RequestInit::new();
        init.with_method(method).with_headers(headers).with_body(Some(Uint8Array::from(request.body.as_slice()).into()));
        let req = Request::new_with_init(&request.url, &init).map_err(connection)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(req);
        // The timeout covers the whole exchange, body included.
        let exchange = Box::pin(async {
            let mut response = fetch.send_with_signal(&signal).await?;
            let status = response.status_code();
            let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
            let body = response.bytes().await?;
            Ok::<_, worker::Error>(OutboundResponse { status, headers, body })
        });
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        let outcome = match select(exchange, timeout).await {
            Either::Left((result, _)) => Some(result),
            Either::Right(_) => None,
        };
        match outcome {
            Some(result) => result.map_err(connection),
            None => {
                controller.abort();
                Err(TransportError::Timeout(timeout_ms))
            }
        }
    }
}

//! The engine's ports on the Workers runtime: Workers KV (with writes after the response through
//! `ctx.waitUntil`), `Date.now()`, `crypto.getRandomValues`, outbound `fetch` with a timeout, and
//! the console.

use std::rc::Rc;
use std::time::Duration;

use edge_verify_core::delivery::{HttpClient, OutboundRequest, OutboundResponse, TransportError};
use edge_verify_core::ports::{KeyList, KeyValue, ListedKey, PutOptions, StoreError};
use edge_verify_core::sid::Rng;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::Platform;
use futures_util::future::{select, Either};
use worker::js_sys::Uint8Array;
use worker::kv::KvStore;
use worker::{console_error, console_log, AbortController, Context, Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::coordinator::WorkerCoordinator;

/// The Workers runtime as the engine's platform.
pub struct Workers;

impl Platform for Workers {
    type Kv = WorkerKv;
    type Clock = WorkerClock;
    type Rng = CryptoRng;
    type Coordinator = WorkerCoordinator;
    type Http = WorkerHttp;

    fn log(line: &str) {
        console_log!("{line}");
    }
}

/// Workers KV behind the engine's [`KeyValue`] port.
pub struct WorkerKv {
    pub store: KvStore,
    pub ctx: Rc<Context>,
}

fn store_error(op: &str, key: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError(format!("KV {op} {key}: {err}"))
}

async fn put(store: &KvStore, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError> {
    let mut put = store.put(key, value).map_err(|e| store_error("put", key, e))?;
    if let Some(ttl) = options.ttl_seconds {
        put = put.expiration_ttl(ttl);
    }
    if let Some(metadata) = &options.metadata {
        let value: serde_json::Value = serde_json::from_str(metadata).map_err(|e| store_error("put", key, e))?;
        put = put.metadata(value).map_err(|e| store_error("put", key, e))?;
    }
    put.execute().await.map_err(|e| store_error("put", key, e))
}

impl KeyValue for WorkerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.get(key).text().await.map_err(|e| store_error("get", key, e))
    }

    async fn put(&self, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError> {
        put(&self.store, key, value, options).await
    }

    fn put_later(&self, key: String, value: String, options: PutOptions) {
        let store = self.store.clone();
        self.ctx.wait_until(async move {
            if let Err(err) = put(&store, &key, &value, &options).await {
                console_error!("error 20500: a write after the response failed: {}", err.0);
            }
        });
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await.map_err(|e| store_error("delete", key, e))
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        let mut list = self.store.list().prefix(prefix.to_owned());
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        let page = list.execute().await.map_err(|e| store_error("list", prefix, e))?;
        Ok(KeyList {
            keys: page.keys.into_iter().map(|k| ListedKey { name: k.name, metadata: k.metadata.map(|m| m.to_string()) }).collect(),
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
        let outcome = match select(exchange, Delay::from(Duration::from_millis(timeout_ms))).await {
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

//! Typed bindings to the few runtime APIs the worker calls directly: a KV namespace, a Durable
//! Object's storage (with its synchronous key-value API), anything with a `fetch` method (the
//! global scope, a Durable Object stub), and `AbortSignal.timeout`. Each call is one import,
//! where going through the SDK or `Reflect` costs conversions and lookups on every request.

use wasm_bindgen::prelude::*;
use worker::js_sys::Promise;
use worker::web_sys;

#[wasm_bindgen]
extern "C" {
    /// A Workers KV namespace binding.
    pub type KvNamespace;
    #[wasm_bindgen(method, catch)]
    pub fn get(this: &KvNamespace, key: &str, kind: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn put(this: &KvNamespace, key: &str, value: &str, options: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn delete(this: &KvNamespace, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn list(this: &KvNamespace, options: &JsValue) -> Result<Promise, JsValue>;

    /// `ctx.storage` of a Durable Object.
    pub type ObjectStorage;
    #[wasm_bindgen(method, getter)]
    pub fn kv(this: &ObjectStorage) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = setAlarm)]
    pub fn set_alarm(this: &ObjectStorage, when_ms: f64) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = deleteAlarm)]
    pub fn delete_alarm(this: &ObjectStorage) -> Result<Promise, JsValue>;

    /// `ctx.storage.kv` of a SQLite-backed Durable Object: synchronous reads and writes.
    pub type SyncKv;
    #[wasm_bindgen(method, catch)]
    pub fn get(this: &SyncKv, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn put(this: &SyncKv, key: &str, value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn delete(this: &SyncKv, key: &str) -> Result<JsValue, JsValue>;

    /// Anything with `fetch(request, init)` (the global scope).
    pub type Fetcher;
    #[wasm_bindgen(method, catch)]
    pub fn fetch(this: &Fetcher, request: &web_sys::Request, init: &JsValue) -> Result<Promise, JsValue>;

    /// A Durable Object namespace binding.
    pub type ObjectNamespace;
    #[wasm_bindgen(method, catch, js_name = idFromName)]
    pub fn id_from_name(this: &ObjectNamespace, name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn get(this: &ObjectNamespace, id: &JsValue) -> Result<ObjectStub, JsValue>;

    /// A stub of a `VerificationTarget` or `Limiter` object; `command` is their RPC method
    /// (src/entry.mjs).
    pub type ObjectStub;
    #[wasm_bindgen(method, catch)]
    pub fn command(this: &ObjectStub, text: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = AbortSignal)]
    pub type AbortSignalStatic;
    #[wasm_bindgen(static_method_of = AbortSignalStatic, js_class = "AbortSignal", catch)]
    pub fn timeout(ms: f64) -> Result<JsValue, JsValue>;
}

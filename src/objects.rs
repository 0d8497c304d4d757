//! What the worker's two Durable Object classes share: the synchronous storage of SQLite-backed
//! objects, and the RPC call that carries one JSON command to an object and its JSON reply back.

use worker::js_sys::Reflect;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::State;

use crate::platform::js_error;
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

pub fn js(err: JsValue) -> String {
    js_error(&err)
}

/// `ctx.storage` and its synchronous key-value API (`ctx.storage.kv`), which needs no promise
/// per read or write. Writes, alarm changes included, are confirmed before the reply leaves (the
/// output gate), so alarm calls are not awaited.
pub fn storage_of(state: &State) -> Result<(ObjectStorage, SyncKv), String> {
    let storage: ObjectStorage = Reflect::get(state.as_raw(), &JsValue::from_str("storage"))
        .map_err(js)?
        .unchecked_into();
    let kv = storage.kv();
    if !kv.is_object() {
        return Err(
            "this object's storage has no synchronous kv API (needs new_sqlite_classes)".into(),
        );
    }
    Ok((storage, kv.unchecked_into()))
}

/// Runs `command` (JSON text) on the object named `name` by RPC (`stub.command`, see
/// src/entry.mjs) and returns its reply (JSON text).
pub async fn call(
    namespace: &ObjectNamespace,
    name: &str,
    command: &str,
) -> Result<String, String> {
    let id = namespace
        .id_from_name(name)
        .map_err(|e| format!("id: {}", js(e)))?;
    let stub = namespace.get(&id).map_err(|e| format!("stub: {}", js(e)))?;
    let promise = stub
        .command(command)
        .map_err(|e| format!("call: {}", js(e)))?;
    let reply = JsFuture::from(promise)
        .await
        .map_err(|e| format!("call: {}", js(e)))?;
    reply
        .as_string()
        .ok_or_else(|| "reply: not text".to_owned())
}

//! The `VerificationTarget` Durable Object, one per verification target (named by the target's
//! keyed id, see `edge_verify_core::verify::verification::target`): the single writer of that
//! target's verification. The worker calls it by RPC (`command`, through `src/entry.mjs`), one
//! JSON command in and one JSON reply out; it runs the command with the core's `execute` in one
//! synchronous step. An alarm removes the state when the verification expires.

use edge_verify_core::code::CodeKey;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verify::verification::coordinator::{execute, stored_state, Command, Coordinator, Reply};
use edge_verify_core::verify::verification::machine::State as TargetState;
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::ApiError;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::Reflect;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_error, Env, State};

use crate::platform::{js_error, WorkerClock};
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

/// The state, as JSON text: serde_json keeps every value the state can hold, where a conversion
/// to JS values would fail on integers beyond 2^53.
const STATE_KEY: &str = "verification.json";
/// When the state expires (Unix seconds), kept apart so that even state this version cannot
/// decode (written by another one) is removed when it would have expired, not kept forever.
const EXPIRY_KEY: &str = "expires_at";

/// The object's storage: the synchronous key-value API of SQLite-backed objects
/// (`ctx.storage.kv`), which needs no promise per read or write. Writes, alarm changes included,
/// are confirmed before the reply leaves (the output gate), so alarm calls are not awaited.
struct TargetStorage {
    storage: ObjectStorage,
    kv: SyncKv,
}

fn js(err: JsValue) -> String {
    js_error(&err)
}

impl TargetStorage {
    fn new(state: &State) -> Result<Self, String> {
        let storage: ObjectStorage = Reflect::get(state.as_raw(), &JsValue::from_str("storage")).map_err(js)?.unchecked_into();
        let kv = storage.kv();
        if !kv.is_object() {
            return Err("this object's storage has no synchronous kv API (needs new_sqlite_classes)".into());
        }
        Ok(Self { storage, kv: kv.unchecked_into() })
    }

    /// The stored state (see `stored_state` for text that does not decode).
    fn load(&self, now: Timestamp) -> Result<TargetState, String> {
        let Some(text) = self.kv.get(STATE_KEY).map_err(js)?.as_string() else { return Ok(None) };
        let state = stored_state(Some(&text), self.expiry()?, now)?;
        if state.is_none() {
            self.remove()?;
        }
        Ok(state)
    }

    fn expiry(&self) -> Result<Option<Timestamp>, String> {
        let value = self.kv.get(EXPIRY_KEY).map_err(js)?;
        Ok(value.as_f64().filter(|s| *s >= 0.0).map(|s| Timestamp::from_unix_seconds(s as u64)))
    }

    fn save(&self, state: &TargetState, before: &TargetState) -> Result<(), String> {
        let Some(v) = state else { return self.remove() };
        let text = serde_json::to_string(v).map_err(|e| e.to_string())?;
        self.kv.put(STATE_KEY, &JsValue::from_str(&text)).map_err(js)?;
        let expires_at = v.public.expires_at;
        if before.as_ref().map(|b| b.public.expires_at) != Some(expires_at) {
            self.kv.put(EXPIRY_KEY, &JsValue::from_f64(expires_at.unix_seconds() as f64)).map_err(js)?;
            self.alarm_at(expires_at)?;
        }
        Ok(())
    }

    fn remove(&self) -> Result<(), String> {
        self.kv.delete(STATE_KEY).map_err(js)?;
        self.kv.delete(EXPIRY_KEY).map_err(js)?;
        self.storage.delete_alarm().map(|_| ()).map_err(js)
    }

    /// Wakes the object when the verification expires.
    fn alarm_at(&self, expires_at: Timestamp) -> Result<(), String> {
        self.storage.set_alarm(expires_at.unix_seconds() as f64 * 1000.0).map(|_| ()).map_err(js)
    }
}

thread_local! {
    /// `CODE_HMAC_KEY`, read once per isolate (every new object would read it again).
    static CODE_KEY: std::cell::OnceCell<Option<CodeKey>> = const { std::cell::OnceCell::new() };
}

fn code_key(env: &Env) -> Option<CodeKey> {
    CODE_KEY.with(|cell| {
        cell.get_or_init(|| {
            let text = env.secret("CODE_HMAC_KEY").map(|s| s.to_string()).or_else(|_| env.var("CODE_HMAC_KEY").map(|v| v.to_string()));
            text.ok().and_then(|t| CodeKey::new(&t))
        })
        .clone()
    })
}

fn failure(why: &str) -> JsValue {
    console_error!("error 20500: verification target: {why}");
    JsValue::from(worker::js_sys::Error::new("verification target failure"))
}

/// The Durable Object class, written out with wasm-bindgen (the SDK's `#[durable_object]` passes
/// requests and responses through its own wrappers, and RPC needs none).
#[wasm_bindgen]
pub struct VerificationTarget {
    storage: Result<TargetStorage, String>,
    key: Option<CodeKey>,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl VerificationTarget {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState, env: Env) -> Self {
        Self { storage: TargetStorage::new(&State::from(state)), key: code_key(&env) }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text). Synchronous: the storage
    /// API it uses needs no promise, so a command is one uninterrupted step, as a single
    /// writer's should be.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.run(text).map_err(|why| failure(&why))
    }

    /// Removes the state once the verification has expired (or sets the alarm again if it
    /// fired early).
    pub fn alarm(&self) -> Result<(), JsValue> {
        let storage = self.storage.as_ref().map_err(|why| failure(why))?;
        let now = WorkerClock.now();
        let done = match storage.load(now) {
            Ok(Some(v)) if now < v.public.expires_at => storage.alarm_at(v.public.expires_at),
            Ok(Some(_)) => storage.remove(),
            Ok(None) => Ok(()),
            Err(why) => match storage.expiry() {
                Ok(Some(expires_at)) => storage.alarm_at(expires_at).and(Err(why)),
                _ => Err(why),
            },
        };
        done.map_err(|why| failure(&why))
    }
}

impl VerificationTarget {
    fn run(&self, text: &str) -> Result<String, String> {
        let key = self.key.as_ref().ok_or("CODE_HMAC_KEY is not set (16+ characters)")?;
        let storage = self.storage.as_ref().map_err(String::clone)?;
        let command: Command = serde_json::from_str(text).map_err(|e| format!("bad command: {e}"))?;
        let now = WorkerClock.now();
        let mut current = storage.load(now)?;
        let before = current.clone();
        let reply = execute(&mut current, command, now, key);
        if current != before {
            storage.save(&current, &before)?;
        }
        serde_json::to_string(&reply).map_err(|e| e.to_string())
    }
}

/// Reaches `VerificationTarget` objects through the `VERIFY_TARGET` binding, by RPC.
pub struct WorkerCoordinator(pub ObjectNamespace);

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("verification target {what}: {err}"))
}

impl Coordinator for WorkerCoordinator {
    async fn send(&self, target: &TargetId, command: Command) -> Result<Reply, ApiError> {
        let id = self.0.id_from_name(&target.name()).map_err(|e| internal("id", js(e)))?;
        let stub = self.0.get(&id).map_err(|e| internal("stub", js(e)))?;
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let promise = stub.command(&text).map_err(|e| internal("call", js(e)))?;
        let reply = JsFuture::from(promise).await.map_err(|e| internal("call", js(e)))?;
        let reply = reply.as_string().ok_or_else(|| internal("reply", "not text"))?;
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }
}

//! The `VerificationTarget` Durable Object, one per verification target (named by the target's
//! keyed id, see `edge_verify_core::verify::verification::target`): the single writer of that
//! target's verification. It runs one command at a time on its stored state with the core's
//! `execute`; an alarm removes the state when the verification expires. `WorkerCoordinator` is
//! the worker's side of the port: one `fetch` to the object per command.

use edge_verify_core::code::CodeKey;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verify::verification::coordinator::{execute, Command, Coordinator, Reply};
use edge_verify_core::verify::verification::machine::State as TargetState;
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::ApiError;
use worker::js_sys::Reflect;
use worker::wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_error, web_sys, Env, State};

use crate::platform::{js_error, WorkerClock};
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

/// The state is stored as JSON text: serde_json keeps every value the state can hold, where a
/// conversion to JS values would fail on integers beyond 2^53.
const STATE_KEY: &str = "verification.json";

/// The object's storage: the synchronous key-value API of SQLite-backed objects
/// (`ctx.storage.kv`), which needs no promise per read or write. Writes, alarm changes included,
/// are confirmed before the reply leaves (the output gate), so alarm calls are not awaited.
struct TargetStorage {
    storage: ObjectStorage,
    kv: SyncKv,
}

impl TargetStorage {
    fn new(state: &State) -> std::result::Result<Self, String> {
        let storage: ObjectStorage = Reflect::get(state.as_raw(), &JsValue::from_str("storage")).map_err(|e| js_error(&e))?.unchecked_into();
        let kv = storage.kv();
        if !kv.is_object() {
            return Err("this object's storage has no synchronous kv API (needs new_sqlite_classes)".into());
        }
        Ok(Self { storage, kv: kv.unchecked_into() })
    }

    /// The stored state; state that does not decode is an error (never "nothing stored", which
    /// would silently lift a lockout).
    fn load(&self) -> std::result::Result<TargetState, String> {
        match self.kv.get(STATE_KEY).map_err(|e| js_error(&e))?.as_string() {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map_err(|e| format!("stored state does not decode: {e}")),
        }
    }

    fn save(&self, text: &str) -> std::result::Result<(), String> {
        self.kv.put(STATE_KEY, text).map(|_| ()).map_err(|e| js_error(&e))
    }

    fn remove(&self) -> std::result::Result<(), String> {
        self.kv.delete(STATE_KEY).map(|_| ()).map_err(|e| js_error(&e))
    }

    /// Wakes the object when the verification expires.
    fn alarm_at(&self, expires_at: Timestamp) -> std::result::Result<(), String> {
        self.storage.set_alarm(expires_at.unix_seconds() as f64 * 1000.0).map(|_| ()).map_err(|e| js_error(&e))
    }

    fn clear_alarm(&self) -> std::result::Result<(), String> {
        self.storage.delete_alarm().map(|_| ()).map_err(|e| js_error(&e))
    }
}

fn text_response(status: u16, body: &str) -> Result<web_sys::Response, JsValue> {
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    web_sys::Response::new_with_opt_str_and_init(Some(body), &init)
}

fn failed(why: &str) -> Result<web_sys::Response, JsValue> {
    console_error!("error 20500: verification target: {why}");
    text_response(500, "verification target failure")
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

/// The Durable Object class, written out with wasm-bindgen (rather than the SDK's
/// `#[durable_object]`) so a command arrives and leaves as the runtime's own request and
/// response, with no SDK conversion on either side.
#[wasm_bindgen]
pub struct VerificationTarget {
    storage: std::result::Result<TargetStorage, String>,
    key: Option<CodeKey>,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl VerificationTarget {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState, env: Env) -> Self {
        Self { storage: TargetStorage::new(&State::from(state)), key: code_key(&env) }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text); called by RPC through
    /// `src/entry.mjs`. Synchronous: the storage API it uses needs no promise, so a command is
    /// one uninterrupted step, as a single writer's should be.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.run(text).map_err(|why| {
            console_error!("error 20500: verification target: {why}");
            JsValue::from(worker::js_sys::Error::new("verification target failure"))
        })
    }

    /// Removes the state when the verification has expired.    /// Removes the state when the verification has expired.
    pub async fn alarm(&self) -> Result<JsValue, JsValue> {
        let storage = match &self.storage {
            Ok(storage) => storage,
            Err(why) => return failed(why).map(JsValue::from),
        };
        let done = match storage.load() {
            Ok(Some(v)) if WorkerClock.now() < v.public.expires_at => storage.alarm_at(v.public.expires_at),
            Ok(Some(_)) => storage.remove(),
            Ok(None) => Ok(()),
            // Keep undecodable state for the operator to look at; its expiry cannot be read.
            Err(why) => Err(why),
        };
        match done {
            Ok(()) => Ok(JsValue::UNDEFINED),
            Err(why) => failed(&why).map(JsValue::from),
        }
    }
}

impl VerificationTarget {
    fn run(&self, text: &str) -> std::result::Result<String, String> {
        let key = self.key.as_ref().ok_or("CODE_HMAC_KEY is not set (16+ characters)")?;
        let storage = self.storage.as_ref().map_err(String::clone)?;
        let command: Command = serde_json::from_str(text).map_err(|e| format!("bad command: {e}"))?;
        let mut current = storage.load()?;
        let before = current.clone();
        let reply = execute(&mut current, command, WorkerClock.now(), key);
        if current != before {
            match &current {
                Some(v) => storage.save(&serde_json::to_string(v).map_err(|e| e.to_string())?)?,
                None => storage.remove()?,
            }
            match (&before, &current) {
                (_, Some(v)) if before.as_ref().map(|b| b.public.expires_at) != Some(v.public.expires_at) => storage.alarm_at(v.public.expires_at)?,
                (Some(_), None) => storage.clear_alarm()?,
                _ => {}
            }
        }
        serde_json::to_string(&reply).map_err(|e| e.to_string())
    }
}

/// Reaches `VerificationTarget` objects through the `VERIFY_TARGET` binding.
pub struct WorkerCoordinator(pub ObjectNamespace);

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("verification target {what}: {err}"))
}

impl Coordinator for WorkerCoordinator {
    async fn send(&self, target: &TargetId, command: Command) -> std::result::Result<Reply, ApiError> {
        let id = self.0.id_from_name(&target.name()).map_err(|e| internal("id", js_error(&e)))?;
        let stub = self.0.get(&id).map_err(|e| internal("stub", js_error(&e)))?;
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let promise = stub.command(&text).map_err(|e| internal("call", js_error(&e)))?;
        let reply = JsFuture::from(promise).await.map_err(|e| internal("call", js_error(&e)))?;
        let reply = reply.as_string().ok_or_else(|| internal("reply", "not text"))?;
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }
}

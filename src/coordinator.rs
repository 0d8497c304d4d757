//! The `VerificationTarget` Durable Object, one per verification target (named by the target's
//! keyed id, see `edge_verify_core::verify::verification::target`): the single writer of that
//! target's verification. The worker calls it by RPC (`command`, through `src/entry.mjs`), one
//! JSON command in and one JSON reply out; it runs the command with the core's `execute` in one
//! synchronous step, with the target's sends of the last day (stored beside the verification, as
//! they outlive it). An alarm removes each when it expires.

use std::cell::{Cell, RefCell};

use edge_verify_core::code::CodeKey;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verify::verification::coordinator::{
    execute, stored_state, Command, Coordinator, Reply,
};
use edge_verify_core::verify::verification::machine::{Sends, State as TargetState};
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::ApiError;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::{console_error, Env, State};

use crate::objects::{call, js, storage_of};
use crate::platform::WorkerClock;
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

/// The state, as JSON text: serde_json keeps every value the state can hold, where a conversion
/// to JS values would fail on integers beyond 2^53.
const STATE_KEY: &str = "verification.json";
/// When the state expires (Unix seconds), kept apart so that even state this version cannot
/// decode (written by another one) is removed when it would have expired, not kept forever.
const EXPIRY_KEY: &str = "expires_at";
/// The target's sends in the last day (JSON), which outlive its verifications: they bound
/// cancel-and-start-again cycles.
const SENDS_KEY: &str = "sends.json";

/// The object's storage (see `objects::storage_of`).
struct TargetStorage {
    storage: ObjectStorage,
    kv: SyncKv,
    /// Whether this object set its cleanup alarm (not known after a restart: then it sets one).
    alarm_set: Cell<bool>,
}

impl TargetStorage {
    fn new(state: &State) -> Result<Self, String> {
        let (storage, kv) = storage_of(state)?;
        Ok(Self { storage, kv, alarm_set: Cell::new(false) })
    }

    /// The stored state (see `stored_state` for text that does not decode).
    fn load(&self, now: Timestamp) -> Result<TargetState, String> {
        let Some(text) = self.kv.get(STATE_KEY).map_err(js)?.as_string() else { return Ok(None) };
        let state = stored_state(Some(&text), self.expiry()?, now)?;
        if state.is_none() {
            self.kv.delete(STATE_KEY).map_err(js)?;
            self.kv.delete(EXPIRY_KEY).map_err(js)?;
        }
        Ok(state)
    }

    fn expiry(&self) -> Result<Option<Timestamp>, String> {
        let value = self.kv.get(EXPIRY_KEY).map_err(js)?;
        Ok(value.as_f64().filter(|s| *s >= 0.0).map(|s| Timestamp::from_unix_seconds(s as u64)))
    }

    fn save(&self, state: &TargetState, before: &TargetState) -> Result<(), String> {
        let Some(v) = state else {
            self.kv.delete(STATE_KEY).map_err(js)?;
            self.kv.delete(EXPIRY_KEY).map_err(js)?;
            return Ok(());
        };
        let text = serde_json::to_string(v).map_err(|e| e.to_string())?;
        self.kv.put(STATE_KEY, &JsValue::from_str(&text)).map_err(js)?;
        let expires_at = v.public.expires_at;
        if before.as_ref().map(|b| b.public.expires_at) != Some(expires_at) {
            self.kv
                .put(
                    EXPIRY_KEY,
                    &JsValue::from_f64(expires_at.unix_seconds() as f64),
                )
                .map_err(js)?;
        }
        Ok(())
    }

    fn sends(&self, now: Timestamp) -> Result<Sends, String> {
        let Some(text) = self.kv.get(SENDS_KEY).map_err(js)?.as_string() else {
            return Ok(Sends::default());
        };
        let mut sends: Sends =
            serde_json::from_str(&text).map_err(|e| format!("stored sends do not decode: {e}"))?;
        sends.prune(now);
        Ok(sends)
    }

    fn save_sends(&self, sends: &Sends) -> Result<(), String> {
        if sends.is_empty() {
            return self.kv.delete(SENDS_KEY).map(|_| ()).map_err(js);
        }
        let text = serde_json::to_string(sends).map_err(|e| e.to_string())?;
        self.kv
            .put(SENDS_KEY, &JsValue::from_str(&text))
            .map(|_| ())
            .map_err(js)
    }

    fn remove(&self) -> Result<(), String> {
        for key in [STATE_KEY, EXPIRY_KEY, SENDS_KEY] {
            self.kv.delete(key).map_err(js)?;
        }
        self.alarm_set.set(false);
        self.storage.delete_alarm().map(|_| ()).map_err(js)
    }

    fn alarm_at(&self, at: Timestamp) -> Result<(), String> {
        self.alarm_set.set(true);
        self.storage.set_alarm(at.unix_seconds() as f64 * 1000.0).map(|_| ()).map_err(js)
    }

    /// Makes sure an alarm will clean up: set for when the first of what the object holds
    /// expires (the verification, or the last day's sends), unless one is set already (the
    /// alarm then cleans what has expired and sets itself again for the rest); with nothing
    /// left, removes everything.
    fn schedule(&self, state: &TargetState, sends: &Sends) -> Result<(), String> {
        let next = [state.as_ref().map(|v| v.public.expires_at), sends.expires_at()].into_iter().flatten().min();
        match next {
            Some(at) if !self.alarm_set.get() => self.alarm_at(at),
            Some(_) => Ok(()),
            None => self.remove(),
        }
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
    /// What storage holds, as last read or written: an object is the only writer of its
    /// storage, so while it stays in memory it need not read or decode it again.
    held: RefCell<Option<(TargetState, Sends)>>,
    /// The `EVENT_OUTBOX` binding, told of a verification that expires still pending.
    outbox: Option<ObjectNamespace>,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl VerificationTarget {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState, env: Env) -> Self {
        Self { storage: TargetStorage::new(&State::from(state)), key: code_key(&env), held: RefCell::new(None), outbox: crate::outbox::namespace(&env) }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text). Synchronous: the storage
    /// API it uses needs no promise, so a command is one uninterrupted step, as a single
    /// writer's should be.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.run(text).map_err(|why| failure(&why))
    }

    /// Removes what has expired (the verification, sends older than a day) and sets the alarm
    /// for what remains; a verification that expired pending emits `verification.expired` (the
    /// alarm waits on handing it to the outbox).
    pub fn alarm(&self) -> Result<JsValue, JsValue> {
        self.held.replace(None);
        let storage = self.storage.as_ref().map_err(|why| failure(why))?;
        let now = WorkerClock.now();
        let mut emitted = JsValue::UNDEFINED;
        let done = match (storage.load(now), storage.sends(now)) {
            (Ok(state), Ok(sends)) => {
                emitted = crate::outbox::expired(self.outbox.as_ref(), &state, now);
                let state = state.filter(|v| now < v.public.expires_at);
                storage.alarm_set.set(false);
                storage
                    .save(&state, &None)
                    .and_then(|()| storage.save_sends(&sends))
                    .and_then(|()| storage.schedule(&state, &sends))
            }
            (Err(why), _) | (_, Err(why)) => match storage.expiry() {
                Ok(Some(expires_at)) if now < expires_at => {
                    storage.alarm_at(expires_at).and(Err(why))
                }
                Ok(Some(_)) => storage.remove(),
                _ => Err(why),
            },
        };
        done.map(|()| emitted).map_err(|why| failure(&why))
    }
}

impl VerificationTarget {
    fn run(&self, text: &str) -> Result<String, String> {
        let key = self.key.as_ref().ok_or("CODE_HMAC_KEY is not set (16+ characters)")?;
        let storage = self.storage.as_ref().map_err(String::clone)?;
        let command: Command = serde_json::from_str(text).map_err(|e| format!("bad command: {e}"))?;
        let now = WorkerClock.now();
        let (mut current, mut sends) = match self.held.take() {
            Some(held) => held,
            None => (storage.load(now)?, storage.sends(now)?),
        };
        sends.prune(now);
        let (before, sends_before) = (current.clone(), sends.clone());
        let reply = execute(&mut current, &mut sends, command, now, key);
        if current != before {
            storage.save(&current, &before)?;
        }
        if sends != sends_before {
            storage.save_sends(&sends)?;
        }
        if current != before || sends != sends_before {
            storage.schedule(&current, &sends)?;
        }
        // Kept only once storage holds it (a failed write above leaves nothing held).
        self.held.replace(Some((current, sends)));
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
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let reply = call(&self.0, &target.name(), &text)
            .await
            .map_err(|e| internal("call", e))?;
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }
}

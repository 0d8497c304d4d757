//! The `Limiter` Durable Object, one per limiter shard (named by the shard's keyed name, see
//! `edge_verify_core::guard::limiter`): the single writer of that shard's counters and fraud
//! guard memory. Like the verification target it is called by RPC (`command`, through
//! src/entry.mjs) with one JSON command, run in one synchronous step with the core's `execute`.
//! An alarm removes the state once everything in it has expired.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use edge_verify_core::guard::limiter::{Limiter as LimiterPort, ShardName};
use edge_verify_core::guard::plan::FRAUD_MEMORY;
use edge_verify_core::guard::shard::{execute, LimitCommand, LimitReply, Shard};
use edge_verify_core::time::Clock;
use edge_verify_core::ApiError;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, Context, State};

use crate::objects::{call, js, storage_of};
use crate::platform::WorkerClock;
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

const STATE_KEY: &str = "shard.json";

struct ShardStorage {
    storage: ObjectStorage,
    kv: SyncKv,
    /// Whether this object set its cleanup alarm (not known after a restart: then it sets one).
    alarm_set: Cell<bool>,
}

impl ShardStorage {
    /// The stored shard; text that does not decode is an error, never an empty shard (that
    /// would lift its limits and blocks).
    fn load(&self) -> Result<Shard, String> {
        match self.kv.get(STATE_KEY).map_err(js)?.as_string() {
            None => Ok(Shard::default()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| format!("stored shard does not decode: {e}")),
        }
    }

    fn save(&self, shard: &Shard) -> Result<(), String> {
        if shard.is_empty() {
            self.kv.delete(STATE_KEY).map_err(js)?;
            self.alarm_set.set(false);
            return self.storage.delete_alarm().map(|_| ()).map_err(js);
        }
        let text = serde_json::to_string(shard).map_err(|e| e.to_string())?;
        self.kv
            .put(STATE_KEY, &JsValue::from_str(&text))
            .map_err(js)?;
        if !self.alarm_set.get() {
            self.alarm_at(shard)?;
        }
        Ok(())
    }

    /// Wakes the object when everything it holds now has expired (it may hold more by then:
    /// the alarm then prunes and sets itself again).
    fn alarm_at(&self, shard: &Shard) -> Result<(), String> {
        let Some(at) = shard.expires_at(FRAUD_MEMORY) else {
            return Ok(());
        };
        self.alarm_set.set(true);
        self.storage
            .set_alarm(at.unix_seconds() as f64 * 1000.0)
            .map(|_| ())
            .map_err(js)
    }
}

fn failure(why: &str) -> JsValue {
    console_error!("error 20500: limiter shard: {why}");
    JsValue::from(worker::js_sys::Error::new("limiter shard failure"))
}

/// The Durable Object class (see `coordinator::VerificationTarget` for why it is written out).
#[wasm_bindgen]
pub struct Limiter {
    storage: Result<ShardStorage, String>,
    /// What storage holds, as last read or written (the object is its only writer).
    held: RefCell<Option<Shard>>,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl Limiter {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState) -> Self {
        Self {
            storage: storage_of(&State::from(state)).map(|(storage, kv)| ShardStorage { storage, kv, alarm_set: Cell::new(false) }),
            held: RefCell::new(None),
        }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text), synchronously.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.run(text).map_err(|why| failure(&why))
    }

    /// Drops what has expired; removes the shard when nothing is left.
    pub fn alarm(&self) -> Result<(), JsValue> {
        self.held.replace(None);
        let storage = self.storage.as_ref().map_err(|why| failure(why))?;
        let done = storage.load().and_then(|mut shard| {
            shard.prune(WorkerClock.now(), FRAUD_MEMORY);
            storage.alarm_set.set(false);
            storage.save(&shard)
        });
        done.map_err(|why| failure(&why))
    }
}

impl Limiter {
    fn run(&self, text: &str) -> Result<String, String> {
        let storage = self.storage.as_ref().map_err(String::clone)?;
        let command: LimitCommand =
            serde_json::from_str(text).map_err(|e| format!("bad command: {e}"))?;
        let mut shard = match self.held.take() {
            Some(shard) => shard,
            None => storage.load()?,
        };
        let before = shard.clone();
        let reply = execute(&mut shard, command, WorkerClock.now());
        if shard != before {
            storage.save(&shard)?;
        }
        self.held.replace(Some(shard));
        serde_json::to_string(&reply).map_err(|e| e.to_string())
    }
}

/// Reaches `Limiter` objects through the `LIMITER` binding, by RPC.
pub struct WorkerLimiter {
    pub namespace: ObjectNamespace,
    pub ctx: Rc<Context>,
}

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("limiter shard {what}: {err}"))
}

impl LimiterPort for WorkerLimiter {
    async fn send(&self, shard: &ShardName, command: LimitCommand) -> Result<LimitReply, ApiError> {
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let reply = call(&self.namespace, &shard.0, &text)
            .await
            .map_err(|e| internal("call", e))?;
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }

    fn send_later(&self, shard: &ShardName, command: LimitCommand) {
        let Ok(text) = serde_json::to_string(&command) else {
            return;
        };
        let namespace: ObjectNamespace = JsValue::clone(&self.namespace).unchecked_into();
        let name = shard.0.clone();
        self.ctx.wait_until(async move {
            if let Err(err) = call(&namespace, &name, &text).await {
                console_error!("error 20500: a limiter command after the response failed: {err}");
            }
        });
    }
}

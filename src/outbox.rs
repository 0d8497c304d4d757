//! The `EventOutbox` Durable Object, one per service (named by its SID): the single writer of the
//! service's webhooks and of the deliveries still owed to them. Commands come by RPC (`command`,
//! through src/entry.mjs) and run with the core's `events::outbox::execute` in one synchronous
//! step; an event is stored before the reply, so it survives a restart. Deliveries are made from
//! the alarm: it takes what is due, POSTs it (six at a time, each with a timeout), applies the
//! outcomes to the state as it then is (commands may have run meanwhile), and sets itself again
//! for the next due delivery. Durable Object alarms are retried by the runtime if the handler
//! throws, and they run locally in Miniflare, which Cloudflare Queues' retries with delays do not
//! reproduce as closely; a per-service object also keeps each service's secrets in one place.

use std::rc::Rc;

use edge_verify_core::delivery::HttpClient;
use edge_verify_core::events::backoff::Schedule;
use edge_verify_core::events::event::Event;
use edge_verify_core::events::outbox::{self, due, execute, next_due, settle, Outbox, OutboxCommand, OutboxReply, PARALLEL, PER_ALARM, TIMEOUT_MS};
use edge_verify_core::events::EventSink;
use edge_verify_core::sid::ServiceSid;
use edge_verify_core::ApiError;
use futures_util::future::join_all;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::{Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, Context, Env, State};

use crate::objects::{call, js, storage_of};
use crate::platform::WorkerHttp;
use crate::runtime::{ObjectNamespace, ObjectStorage, SyncKv};

const STATE_KEY: &str = "outbox.json";
/// When the alarm this object set will ring (Unix ms), so that a command never postpones it.
const ALARM_KEY: &str = "alarm_ms";

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

fn failure(why: &str) -> JsValue {
    console_error!("error 20500: event outbox: {why}");
    JsValue::from(worker::js_sys::Error::new("event outbox failure"))
}

/// The object's storage; cheap to clone (JS handles).
#[derive(Clone)]
struct Store {
    storage: Rc<ObjectStorage>,
    kv: Rc<SyncKv>,
}

impl Store {
    fn load(&self) -> Result<Outbox, String> {
        match self.kv.get(STATE_KEY).map_err(js)?.as_string() {
            None => Ok(Outbox::default()),
            Some(text) => serde_json::from_str(&text).map_err(|e| format!("stored outbox does not decode: {e}")),
        }
    }

    fn save(&self, state: &Outbox) -> Result<(), String> {
        if state.webhooks.is_empty() && state.queue.is_empty() {
            self.kv.delete(STATE_KEY).map_err(js)?;
            return Ok(());
        }
        let text = serde_json::to_string(state).map_err(|e| e.to_string())?;
        self.kv.put(STATE_KEY, &JsValue::from_str(&text)).map(|_| ()).map_err(js)
    }

    /// Sets the alarm for the next due delivery, unless one rings sooner (`ringing`: the alarm
    /// handler itself, whose alarm is spent).
    fn schedule(&self, state: &Outbox, ringing: bool) -> Result<(), String> {
        let Some(at) = next_due(state) else { return Ok(()) };
        let set = if ringing { None } else { self.kv.get(ALARM_KEY).map_err(js)?.as_f64() };
        if set.is_some_and(|s| s <= at as f64) {
            return Ok(());
        }
        self.kv.put(ALARM_KEY, &JsValue::from_f64(at as f64)).map_err(js)?;
        self.storage.set_alarm(at as f64).map(|_| ()).map_err(js)
    }

    /// One round: the due deliveries (at most [`PARALLEL`]) tried at once, their outcomes
    /// applied. `false`: nothing was due.
    async fn round(&self, schedule: &Schedule) -> Result<bool, String> {
        let now = now_ms();
        let tries = due(&self.load()?, now, PARALLEL);
        if tries.is_empty() {
            // Nothing to try: drop what no webhook can take any more, so that it never keeps
            // the alarm ringing.
            let mut state = self.load()?;
            settle(&mut state, Vec::new(), now, schedule);
            self.save(&state)?;
            return Ok(false);
        }
        let answers = join_all(tries.iter().map(|t| WorkerHttp.send(&t.request, TIMEOUT_MS))).await;
        let outcomes = tries.into_iter().zip(answers).map(|(t, a)| (t.event_id, t.webhook, outbox::outcome(&a))).collect();
        let mut state = self.load()?;
        settle(&mut state, outcomes, now_ms(), schedule);
        self.save(&state)?;
        Ok(true)
    }
}

/// The Durable Object class (see `coordinator::VerificationTarget` for why it is written out).
#[wasm_bindgen]
pub struct EventOutbox {
    store: Result<Store, String>,
    schedule: Schedule,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl EventOutbox {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState, env: Env) -> Self {
        let text = |name: &str| env.var(name).map(|v| v.to_string()).ok();
        let dev_mode = edge_verify_core::engine::dev_mode(text("DEV_MODE").as_deref());
        Self {
            store: storage_of(&State::from(state)).map(|(storage, kv)| Store { storage: Rc::new(storage), kv: Rc::new(kv) }),
            schedule: Schedule::from_env(text("EVENT_RETRY_SCHEDULE_MS").as_deref(), dev_mode),
        }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text), synchronously.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.run(text).map_err(|why| failure(&why))
    }

    /// Delivers what is due, in rounds, then sets the alarm for what remains.
    pub fn alarm(&self) -> Promise {
        let (store, schedule) = (self.store.clone(), self.schedule.clone());
        worker::wasm_bindgen_futures::future_to_promise(async move {
            let store = store.map_err(|why| failure(&why))?;
            store.kv.delete(ALARM_KEY).map_err(|e| failure(&js(e)))?;
            let mut done = Ok(());
            for _ in 0..PER_ALARM / PARALLEL {
                match store.round(&schedule).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(why) => {
                        done = Err(why);
                        break;
                    }
                }
            }
            // Whatever happened, the alarm is set again for what is owed.
            let scheduled = store.load().and_then(|state| store.schedule(&state, true));
            done.and(scheduled).map(|()| JsValue::UNDEFINED).map_err(|why| failure(&why))
        })
    }
}

impl EventOutbox {
    fn run(&self, text: &str) -> Result<String, String> {
        let store = self.store.as_ref().map_err(String::clone)?;
        let command: OutboxCommand = serde_json::from_str(text).map_err(|e| format!("bad command: {e}"))?;
        let mut state = store.load()?;
        let before = state.clone();
        let reply = execute(&mut state, command, now_ms());
        if state != before {
            store.save(&state)?;
            store.schedule(&state, false)?;
        }
        serde_json::to_string(&reply).map_err(|e| e.to_string())
    }
}

/// Reaches `EventOutbox` objects through the `EVENT_OUTBOX` binding, by RPC.
pub struct WorkerEvents {
    pub namespace: Option<ObjectNamespace>,
    pub ctx: Rc<Context>,
}

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("event outbox {what}: {err}"))
}

impl EventSink for WorkerEvents {
    async fn send(&self, service: &ServiceSid, command: OutboxCommand) -> Result<OutboxReply, ApiError> {
        let namespace = self.namespace.as_ref().ok_or_else(|| ApiError::Internal("the EVENT_OUTBOX binding is missing".into()))?;
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let reply = call(namespace, service.as_str(), &text).await.map_err(|e| internal("call", e))?;
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }

    fn send_later(&self, service: &ServiceSid, command: OutboxCommand) {
        let (Some(namespace), Ok(text)) = (&self.namespace, serde_json::to_string(&command)) else { return };
        let namespace: ObjectNamespace = JsValue::clone(namespace).unchecked_into();
        let name = service.to_string();
        self.ctx.wait_until(async move {
            if let Err(err) = call(&namespace, &name, &text).await {
                console_error!("error 20500: an event for the outbox failed: {err}");
            }
        });
    }
}

/// The `EVENT_OUTBOX` binding of `env`, if there is one.
pub fn namespace(env: &Env) -> Option<ObjectNamespace> {
    Reflect::get(env, &JsValue::from_str("EVENT_OUTBOX")).ok().filter(JsValue::is_object).map(JsCast::unchecked_into)
}

/// Hands `event` to its service's outbox from another object (the verification target's
/// expiry alarm), returning the call's promise for the caller to wait on.
pub fn emit_from_object(namespace: &ObjectNamespace, event: Event) -> Option<Promise> {
    let name = event.service_sid.to_string();
    let text = serde_json::to_string(&OutboxCommand::Emit { event }).ok()?;
    let id = namespace.id_from_name(&name).ok()?;
    namespace.get(&id).ok()?.command(&text).ok()
}

/// `verification.expired` for a verification its target's cleanup alarm finds still pending at
/// its expiry: the promise of handing it to the outbox, or `undefined`.
pub fn expired(namespace: Option<&ObjectNamespace>, state: &edge_verify_core::verify::verification::machine::State, now: edge_verify_core::time::Timestamp) -> JsValue {
    use edge_verify_core::events::event::EventType;
    use edge_verify_core::verify::verification::model::Status;
    let (Some(namespace), Some(v)) = (namespace, state.as_ref()) else { return JsValue::UNDEFINED };
    if !v.public.events || v.public.status != Status::Pending || now < v.public.expires_at {
        return JsValue::UNDEFINED;
    }
    let id = edge_verify_core::sid::EventSid::generate(&crate::platform::CryptoRng);
    emit_from_object(namespace, Event::of(id, EventType::Expired, &v.public, now)).map_or(JsValue::UNDEFINED, JsValue::from)
}

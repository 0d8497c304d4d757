//! The `VerificationTarget` Durable Object, one per verification target (named by the target's
//! keyed id, see `edge_verify_core::verify::verification::target`): the single writer of that
//! target's verification. The worker calls it by RPC (`command`, through `src/entry.mjs`), one
//! JSON command in and one JSON reply out; it runs the command with the core's `execute` in one
//! synchronous step, with the target's sends of the last day (stored beside the verification, as
//! they outlive it). An alarm removes each when it expires, and sends a due channel fallback
//! (`edge_verify_core::verify::verification::fallback`) through the whole engine, whose commands
//! for this target the object then runs itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use edge_verify_core::code::CodeKey;
use edge_verify_core::time::{Clock, Timestamp};
use edge_verify_core::verify::verification::coordinator::{
    execute, stored_state, Command, Coordinator, Reply,
};
use edge_verify_core::verify::verification::machine::{take_fallback, Sends, State as TargetState};
use edge_verify_core::verify::verification::model::FallbackJob;
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::ApiError;
use wasm_bindgen::prelude::wasm_bindgen;
use worker::js_sys::Promise;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{future_to_promise, JsFuture};
use worker::{console_error, console_log, Context, Env, State};

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
    /// When the alarm this object set rings (Unix seconds; not known after a restart: then it
    /// sets one).
    alarm_at: Cell<Option<u64>>,
}

impl TargetStorage {
    fn new(state: &State) -> Result<Self, String> {
        let (storage, kv) = storage_of(state)?;
        Ok(Self { storage, kv, alarm_at: Cell::new(None) })
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
        self.alarm_at.set(None);
        self.storage.delete_alarm().map(|_| ()).map_err(js)
    }

    /// Sets the alarm, and remembers it only once it is set (so a failure leaves the next
    /// `schedule` to set it).
    fn alarm_at(&self, at: Timestamp) -> Result<(), String> {
        self.storage.set_alarm(at.unix_seconds() as f64 * 1000.0).map(|_| ()).map_err(js)?;
        self.alarm_at.set(Some(at.unix_seconds()));
        Ok(())
    }

    /// Makes sure an alarm rings for the first of what the object holds to come due (the
    /// verification's expiry or fallback, the last day's sends), unless one rings sooner already
    /// (the alarm then does what is due and sets itself again for the rest); with nothing left,
    /// removes everything.
    fn schedule(&self, state: &TargetState, sends: &Sends) -> Result<(), String> {
        let verification = state.as_ref().map(|v| [Some(v.public.expires_at), v.fallback_due()]).unwrap_or_default();
        let next = verification.into_iter().chain([sends.expires_at()]).flatten().min();
        match next {
            Some(at) if self.alarm_at.get().is_none_or(|set| at.unix_seconds() < set) => self.alarm_at(at),
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

/// What runs the object's commands: shared with the coordinator of a fallback's engine, which
/// runs the commands for this object here.
struct Target {
    storage: Result<TargetStorage, String>,
    key: Option<CodeKey>,
    /// What storage holds, as last read or written: an object is the only writer of its
    /// storage, so while it stays in memory it need not read or decode it again.
    held: RefCell<Option<(TargetState, Sends)>>,
}

/// The Durable Object class, written out with wasm-bindgen (the SDK's `#[durable_object]` passes
/// requests and responses through its own wrappers, and RPC needs none).
#[wasm_bindgen]
pub struct VerificationTarget {
    target: Rc<Target>,
    /// The `EVENT_OUTBOX` binding, told of a verification that expires still pending.
    outbox: Option<ObjectNamespace>,
    /// The worker's bindings and settings, for a fallback's engine.
    env: Env,
}

#[wasm_bindgen(js_sys = worker::js_sys, wasm_bindgen_futures = worker::wasm_bindgen_futures)]
impl VerificationTarget {
    #[wasm_bindgen(constructor)]
    pub fn new(state: worker::worker_sys::DurableObjectState, env: Env) -> Self {
        let target = Target { storage: TargetStorage::new(&State::from(state)), key: code_key(&env), held: RefCell::new(None) };
        Self { target: Rc::new(target), outbox: crate::outbox::namespace(&env), env }
    }

    /// Runs one command (JSON text) and returns the reply (JSON text). Synchronous: the storage
    /// API it uses needs no promise, so a command is one uninterrupted step, as a single
    /// writer's should be.
    pub fn command(&self, text: &str) -> Result<String, JsValue> {
        self.target.run(text).map_err(|why| failure(&why))
    }

    /// Removes what has expired (the verification, sends older than a day), takes a due
    /// fallback, and sets the alarm for what remains; then sends the fallback, and waits on
    /// handing `verification.expired` to the outbox for a verification that expired pending.
    /// `ctx` takes what the fallback's send defers (src/entry.mjs waits on it).
    pub fn alarm(&self, ctx: worker::worker_sys::Context) -> Promise {
        let due = self.ring();
        let (target, env) = (self.target.clone(), self.env.clone());
        future_to_promise(async move {
            let (emitted, job) = due?;
            if let Some(job) = job {
                fallback(target, &env, Context::new(ctx), job).await;
            }
            if let Some(promise) = emitted.dyn_ref::<Promise>() {
                JsFuture::from(promise.clone()).await?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// Sends a due fallback through an engine whose commands for this target run here (an object
/// calling itself by RPC would wait on itself), and logs what became of it (no number, no code).
async fn fallback(target: Rc<Target>, env: &Env, ctx: Context, job: FallbackJob) {
    let sid = job.sid.clone();
    let mut engine = match crate::engine(env, ctx) {
        Ok(engine) => engine,
        Err(_) => return console_error!("error 20500: fallback of {sid}: not sent, the worker is misconfigured"),
    };
    engine.coordinator.local = Some((job.plan.target.clone(), target));
    match engine.send_fallback(job).await {
        Ok(Some(v)) => console_log!("fallback of {sid}: sent by {}", v.channel.as_str()),
        Ok(None) => console_log!("fallback of {sid}: not sent, its service has no fallback now or its account is inactive"),
        Err(err) => console_log!("fallback of {sid}: not sent ({} {})", err.status(), err.code()),
    }
}

impl VerificationTarget {
    /// The alarm's synchronous part: the promise of a `verification.expired` event (or
    /// `undefined`) and the fallback now due.
    fn ring(&self) -> Result<(JsValue, Option<FallbackJob>), JsValue> {
        let target = &self.target;
        target.held.replace(None);
        let storage = target.storage.as_ref().map_err(|why| failure(why))?;
        let now = WorkerClock.now();
        let mut emitted = JsValue::UNDEFINED;
        let mut job = None;
        let done = match (storage.load(now), storage.sends(now)) {
            (Ok(mut state), Ok(sends)) => {
                emitted = crate::outbox::expired(self.outbox.as_ref(), &state, now);
                job = take_fallback(&mut state, now);
                storage.alarm_at.set(None);
                storage.save(&state, &None).and_then(|()| storage.save_sends(&sends)).and_then(|()| {
                    // A fallback taken is stored as sent: send it even if the alarm could not be
                    // set again (the next command to this object sets it).
                    storage.schedule(&state, &sends).or_else(|why| match &job {
                        Some(_) => {
                            console_error!("error 20500: verification target: alarm not set after a fallback: {why}");
                            Ok(())
                        }
                        None => Err(why),
                    })
                })
            }
            (Err(why), _) | (_, Err(why)) => match storage.expiry() {
                Ok(Some(expires_at)) if now < expires_at => {
                    storage.alarm_at(expires_at).and(Err(why))
                }
                Ok(Some(_)) => storage.remove(),
                _ => Err(why),
            },
        };
        done.map(|()| (emitted, job)).map_err(|why| failure(&why))
    }
}

impl Target {
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

/// Reaches `VerificationTarget` objects through the `VERIFY_TARGET` binding, by RPC; in an
/// object's own alarm, the commands for that object (`local`: its name) run in place.
pub struct WorkerCoordinator {
    pub namespace: ObjectNamespace,
    local: Option<(String, Rc<Target>)>,
}

impl WorkerCoordinator {
    pub fn new(namespace: ObjectNamespace) -> Self {
        Self { namespace, local: None }
    }
}

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("verification target {what}: {err}"))
}

impl Coordinator for WorkerCoordinator {
    async fn send(&self, target: &TargetId, command: Command) -> Result<Reply, ApiError> {
        let text = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let name = target.name();
        let reply = match &self.local {
            Some((own, object)) if *own == name => object.run(&text).map_err(|e| internal("run", e))?,
            _ => call(&self.namespace, &name, &text).await.map_err(|e| internal("call", e))?,
        };
        serde_json::from_str(&reply).map_err(|e| internal("decode", e))
    }
}

//! The Cloudflare Worker: glue between the Workers runtime and `edge_verify_core`. It reads a
//! `worker::Request` into an `ApiRequest` (bounding the body), builds the engine from the
//! isolate's settings and ports, lets the REST face answer, and writes the `worker::Response`.
//! Settings are parsed once per isolate and rebuilt only when the environment's text changes.

mod coordinator;
pub mod glue;
mod history;
mod limiter;
mod objects;
mod outbox;
pub mod platform;
mod runtime;

use std::cell::RefCell;
use std::rc::Rc;

use edge_verify_core::cache::ReadCache;
use edge_verify_core::engine::{dev_mode, misconfigured, ENV_NAMES};
use edge_verify_core::http::ApiResponse;
use edge_verify_core::rest::handle;
use edge_verify_core::{Engine, Settings};
use worker::js_sys::{Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, event, web_sys, Context, Env, Result};

pub use coordinator::VerificationTarget;
use coordinator::WorkerCoordinator;
use glue::{read_request, write_response};
pub use limiter::Limiter;
pub use outbox::EventOutbox;
use limiter::WorkerLimiter;
use platform::{CryptoRng, WorkerClock, WorkerHttp, WorkerKv, Workers};

/// What an isolate keeps between requests.
struct Isolate {
    /// The `env` object the settings were read from: the same object serves every request of
    /// an isolate, so while it is, nothing needs reading again.
    env: JsValue,
    /// The environment's text the settings were built from.
    fingerprint: String,
    settings: std::result::Result<Rc<Settings>, String>,
    cache: Rc<ReadCache>,
}

thread_local! {
    static ISOLATE: RefCell<Option<Isolate>> = const { RefCell::new(None) };
}

fn env_text(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
}

/// The isolate's settings and read cache, rebuilt when the environment changed.
fn isolate(env: &Env) -> (std::result::Result<Rc<Settings>, String>, Rc<ReadCache>) {
    let same_env = ISOLATE.with(|cell| {
        cell.borrow().as_ref().filter(|i| Object::is(&i.env, env)).map(|i| (i.settings.clone(), i.cache.clone()))
    });
    if let Some(known) = same_env {
        return known;
    }
    let texts: Vec<Option<String>> = ENV_NAMES.iter().map(|name| env_text(env, name)).collect();
    let mut fingerprint = String::new();
    for text in &texts {
        fingerprint.push_str(text.as_deref().unwrap_or("\u{1}"));
        fingerprint.push('\u{0}');
    }
    ISOLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some(isolate) = slot.as_mut().filter(|i| i.fingerprint == fingerprint) {
            isolate.env = JsValue::clone(env);
            return (isolate.settings.clone(), isolate.cache.clone());
        }
        let lookup = |name: &str| ENV_NAMES.iter().position(|n| *n == name).and_then(|i| texts.get(i).cloned().flatten());
        let settings = Settings::from_env(&lookup).map(Rc::new);
        let isolate = Isolate { env: JsValue::clone(env), fingerprint, settings, cache: Rc::new(ReadCache::default()) };
        let out = (isolate.settings.clone(), isolate.cache.clone());
        *slot = Some(isolate);
        out
    })
}

/// The engine, or the answer to a misconfigured deployment: a 500 that is logged and, with
/// `DEV_MODE=true`, names what is wrong (never a value). When the settings themselves failed,
/// `DEV_MODE` is read on its own.
fn engine(env: &Env, ctx: Context) -> std::result::Result<Engine<Workers>, ApiResponse> {
    let (settings, cache) = isolate(env);
    let settings = settings.map_err(|what| {
        console_error!("configuration error: {what}");
        misconfigured(&what, dev_mode(env_text(env, "DEV_MODE").as_deref()))
    })?;
    let dev = settings.dev_mode;
    let missing = |what: &str| {
        console_error!("configuration error: {what}");
        misconfigured(what, dev)
    };
    let ctx = Rc::new(ctx);
    let kv = WorkerKv::new(env, "OTP_KV", ctx.clone())
        .ok_or_else(|| missing("the OTP_KV binding is missing"))?;
    let binding = |name: &str| {
        Reflect::get(env, &JsValue::from_str(name))
            .ok()
            .filter(JsValue::is_object)
            .ok_or_else(|| missing(&format!("the {name} binding is missing")))
    };
    let targets = binding("VERIFY_TARGET")?;
    let limiters = binding("LIMITER")?;
    let history = history::WorkerDb::new(env, ctx.clone());
    Ok(Engine {
        kv,
        clock: WorkerClock,
        rng: CryptoRng,
        coordinator: WorkerCoordinator::new(targets.unchecked_into()),
        limiter: WorkerLimiter {
            namespace: limiters.unchecked_into(),
            ctx: ctx.clone(),
        },
        // Optional: without it, webhook operations answer 500 naming it and events go nowhere.
        events: outbox::WorkerEvents { namespace: outbox::namespace(env), ctx },
        http: WorkerHttp,
        history,
        settings,
        cache,
    })
}

/// The fetch handler, on the runtime's own request and response types (no SDK conversion).
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    let api_request = match read_request(&req).await {
        Ok(r) => r,
        Err(err) => return write_response(ApiResponse::error(&err)).map_err(worker::Error::from),
    };
    // No access log line: Cloudflare records every request (method, path, status) itself;
    // the worker logs only what it alone knows (errors, the dev log sink).
    let response = match engine(&env, ctx) {
        Ok(engine) => handle(&engine, &api_request).await,
        Err(response) => response,
    };
    write_response(response).map_err(worker::Error::from)
}

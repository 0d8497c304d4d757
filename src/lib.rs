//! The Cloudflare Worker: glue between the Workers runtime and `edge_verify_core`. It reads a
//! `worker::Request` into an `ApiRequest` (bounding the body), builds the engine from the
//! isolate's settings and ports, lets the REST face answer, and writes the `worker::Response`.
//! Settings are parsed once per isolate and rebuilt only when the environment's text changes.

mod coordinator;
mod platform;

use std::cell::RefCell;
use std::rc::Rc;

use edge_verify_core::cache::ReadCache;
use edge_verify_core::engine::ENV_NAMES;
use edge_verify_core::http::{ApiRequest, ApiResponse, Method};
use edge_verify_core::rest::{handle, Handled};
use edge_verify_core::{ApiError, Engine, Settings};
use worker::{console_error, console_log, event, Context, Env, Headers, Request, Response, Result};

pub use coordinator::VerificationTarget;
use coordinator::WorkerCoordinator;
use platform::{CryptoRng, WorkerClock, WorkerHttp, WorkerKv, Workers};

/// Largest request body accepted (64 KiB); checked here, while the body streams in.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What an isolate keeps between requests.
struct Isolate {
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
    let texts: Vec<Option<String>> = ENV_NAMES.iter().map(|name| env_text(env, name)).collect();
    let mut fingerprint = String::new();
    for text in &texts {
        fingerprint.push_str(text.as_deref().unwrap_or("\u{1}"));
        fingerprint.push('\u{0}');
    }
    ISOLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some(isolate) = slot.as_ref().filter(|i| i.fingerprint == fingerprint) {
            return (isolate.settings.clone(), isolate.cache.clone());
        }
        let lookup = |name: &str| ENV_NAMES.iter().position(|n| *n == name).and_then(|i| texts.get(i).cloned().flatten());
        let settings = Settings::from_env(&lookup).map(Rc::new);
        let isolate = Isolate { fingerprint, settings, cache: Rc::new(ReadCache::default()) };
        let out = (isolate.settings.clone(), isolate.cache.clone());
        *slot = Some(isolate);
        out
    })
}

fn engine(env: &Env, ctx: Context) -> std::result::Result<Engine<Workers>, ApiError> {
    let misconfigured = |what: &str| {
        console_error!("configuration error: {what}");
        ApiError::Internal(format!("configuration: {what}"))
    };
    let (settings, cache) = isolate(env);
    let settings = settings.map_err(|what| misconfigured(&what))?;
    let store = env.kv("OTP_KV").map_err(|_| misconfigured("the OTP_KV binding is missing"))?;
    let targets = env.durable_object("VERIFY_TARGET").map_err(|_| misconfigured("the VERIFY_TARGET binding is missing"))?;
    Ok(Engine {
        kv: WorkerKv { store, ctx: Rc::new(ctx) },
        clock: WorkerClock,
        rng: CryptoRng,
        coordinator: WorkerCoordinator(targets),
        http: WorkerHttp,
        settings,
        cache,
    })
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let api_request = match read_request(&mut req).await {
        Ok(r) => r,
        Err(err) => return write_response(ApiResponse::error(&err)),
    };
    let Handled { response, route } = match engine(&env, ctx) {
        Ok(engine) => handle(&engine, &api_request).await,
        Err(err) => Handled { response: ApiResponse::error(&err), route: None },
    };
    console_log!("{} {} -> {}", api_request.method_name, route.unwrap_or("(no route)"), response.status);
    write_response(response)
}

async fn read_request(req: &mut Request) -> std::result::Result<ApiRequest, ApiError> {
    let url = req.url().map_err(|e| ApiError::MalformedBody(format!("bad URL: {e}")))?;
    let method_name = req.method().to_string();
    let headers: Vec<(String, String)> = req.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    let body = read_body(req).await?;
    Ok(ApiRequest {
        method: Method::parse(&method_name),
        method_name,
        origin: url.origin().ascii_serialization(),
        path: url.path().to_owned(),
        query: url.query().unwrap_or_default().to_owned(),
        headers,
        body,
    })
}

/// Reads the body as a stream, keeping at most the limit and draining the rest: memory stays
/// bounded, and the connection stays usable after a 413 (answering before the body is read
/// would break a keep-alive client's next request).
async fn read_body(req: &mut Request) -> std::result::Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt;
    let Ok(mut stream) = req.stream() else { return Ok(Vec::new()) };
    let mut body = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            too_large = true;
            body = Vec::new();
        } else if !too_large {
            body.extend_from_slice(&chunk);
        }
    }
    if too_large {
        Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES })
    } else {
        Ok(body)
    }
}

fn write_response(response: ApiResponse) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let out = if response.body.is_empty() { Response::empty()? } else { Response::from_bytes(response.body)? };
    Ok(out.with_status(response.status).with_headers(headers))
}

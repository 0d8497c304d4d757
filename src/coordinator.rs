//! The `VerificationTarget` Durable Object, one per verification target (named by the target's
//! keyed id, see `edge_verify_core::verify::verification::target`): the single writer of that
//! target's verification. It runs one command at a time on its stored state with the core's
//! `execute`; an alarm wipes the state when the verification expires. `WorkerCoordinator` is the
//! worker's side of the port: one `fetch` to the object per command.

use edge_verify_core::code::CodeKey;
use edge_verify_core::verify::verification::coordinator::{execute, Command, Coordinator, Reply};
use edge_verify_core::verify::verification::machine::State as TargetState;
use edge_verify_core::verify::verification::target::TargetId;
use edge_verify_core::ApiError;
use worker::{console_error, durable_object, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response, Result, State, Storage};

use crate::platform::WorkerClock;
use edge_verify_core::time::Clock;

/// The state is stored as JSON text: serde_json keeps every value the state can hold, where a
/// conversion to JS values would fail on integers beyond 2^53.
const STATE_KEY: &str = "verification.json";

/// The stored state; state that does not decode is an error (never "nothing stored", which
/// would silently lift a lockout).
async fn load(storage: &Storage) -> std::result::Result<TargetState, String> {
    let text: Option<String> = storage.get(STATE_KEY).await.map_err(|e| format!("read: {e}"))?;
    match text {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map_err(|e| format!("stored state does not decode: {e}")),
    }
}

fn alarm_in_ms(expires_at: edge_verify_core::time::Timestamp) -> i64 {
    i64::try_from(WorkerClock.now().seconds_until(expires_at).saturating_mul(1000)).unwrap_or(i64::MAX)
}

#[durable_object]
pub struct VerificationTarget {
    state: State,
    key: Option<CodeKey>,
}

impl DurableObject for VerificationTarget {
    fn new(state: State, env: Env) -> Self {
        let text = env.secret("CODE_HMAC_KEY").map(|s| s.to_string()).or_else(|_| env.var("CODE_HMAC_KEY").map(|v| v.to_string()));
        Self { state, key: text.ok().and_then(|t| CodeKey::new(&t)) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let Some(key) = &self.key else {
            console_error!("error 20500: CODE_HMAC_KEY is not set (16+ characters)");
            return Response::error("CODE_HMAC_KEY is not set", 500);
        };
        let Ok(command) = serde_json::from_slice::<Command>(&req.bytes().await?) else {
            return Response::error("bad command", 400);
        };
        let storage = self.state.storage();
        let mut current = match load(&storage).await {
            Ok(state) => state,
            Err(why) => {
                console_error!("error 20500: verification target: {why}");
                return Response::error("stored state does not decode", 500);
            }
        };
        let before_expiry = current.as_ref().map(|v| v.expires_at);
        let before = current.clone();
        let reply = execute(&mut current, command, WorkerClock.now(), key);
        if current != before {
            match &current {
                Some(v) => {
                    let text = serde_json::to_string(v).map_err(|e| worker::Error::RustError(e.to_string()))?;
                    storage.put(STATE_KEY, text).await?;
                    if before_expiry != Some(v.expires_at) {
                        storage.set_alarm(alarm_in_ms(v.expires_at)).await?;
                    }
                }
                None => storage.delete_all().await?,
            }
        }
        let body = serde_json::to_vec(&reply).map_err(|e| worker::Error::RustError(e.to_string()))?;
        Response::from_bytes(body)
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        match load(&storage).await {
            Ok(Some(v)) if WorkerClock.now() < v.expires_at => storage.set_alarm(alarm_in_ms(v.expires_at)).await?,
            Ok(_) => storage.delete_all().await?,
            // Keep undecodable state for the operator to look at; its expiry cannot be read.
            Err(why) => console_error!("error 20500: verification target alarm: {why}"),
        }
        Response::ok("")
    }
}

/// Reaches `VerificationTarget` objects through the `VERIFY_TARGET` binding.
pub struct WorkerCoordinator(pub ObjectNamespace);

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("verification target {what}: {err}"))
}

impl Coordinator for WorkerCoordinator {
    async fn send(&self, target: &TargetId, command: Command) -> std::result::Result<Reply, ApiError> {
        let stub = self.0.id_from_name(&target.name()).and_then(|id| id.get_stub()).map_err(|e| internal("stub", e))?;
        let body = serde_json::to_string(&command).map_err(|e| internal("encode", e))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://verification-target/", &init).map_err(|e| internal("request", e))?;
        let mut response = stub.fetch_with_request(request).await.map_err(|e| internal("fetch", e))?;
        if response.status_code() != 200 {
            return Err(internal("status", response.status_code()));
        }
        let bytes = response.bytes().await.map_err(|e| internal("read", e))?;
        serde_json::from_slice(&bytes).map_err(|e| internal("decode", e))
    }
}

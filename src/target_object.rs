//! The `VerificationTarget` Durable Object: one per service and `To`, the single writer of that
//! target's verification. It runs `edge_verify_core::target::apply` on its stored state for each
//! command, one command at a time, and an alarm wipes the state when the verification expires.

use edge_verify_core::app::Coordinator;
use edge_verify_core::target::{apply, TargetCommand, TargetError, TargetReply};
use edge_verify_core::verification::Verification;
use edge_verify_core::ApiError;
use worker::{durable_object, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response, Result, State};

use crate::platform::{code_key, now};

/// The state is stored as JSON text: serde_json handles every value the state can hold, where
/// a conversion to JS values would fail on integers beyond 2^53.
const STATE_KEY: &str = "verification.json";

async fn load(storage: &worker::Storage) -> Result<Option<Verification>> {
    let text: Option<String> = storage.get(STATE_KEY).await?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

#[durable_object]
pub struct VerificationTarget {
    state: State,
    env: Env,
}

impl DurableObject for VerificationTarget {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let Some(key) = code_key(&self.env) else {
            return Response::error("CODE_HMAC_KEY is not set", 500);
        };
        let command: TargetCommand = match req.json().await {
            Ok(c) => c,
            Err(_) => return Response::error("bad command", 400),
        };
        let storage = self.state.storage();
        let mut current = load(&storage).await?;
        let before = current.clone();
        let reply = apply(&mut current, command, now(), &key);
        if current != before {
            match &current {
                Some(v) => {
                    let text = serde_json::to_string(v).map_err(|e| worker::Error::RustError(e.to_string()))?;
                    storage.put(STATE_KEY, text).await?;
                    let remaining_ms = now().seconds_until(v.expires_at).saturating_mul(1000);
                    storage.set_alarm(i64::try_from(remaining_ms).unwrap_or(i64::MAX)).await?;
                }
                None => {
                    storage.delete_all().await?;
                }
            }
        }
        Response::from_json(&reply)
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        match load(&storage).await? {
            Some(v) if now() < v.expires_at => {
                let remaining_ms = now().seconds_until(v.expires_at).saturating_mul(1000);
                storage.set_alarm(i64::try_from(remaining_ms).unwrap_or(i64::MAX)).await?;
            }
            _ => storage.delete_all().await?,
        }
        Response::ok("")
    }
}

/// Reaches `VerificationTarget` objects through the `VERIFY_TARGET` binding.
pub struct WorkerTargets(pub ObjectNamespace);

fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("verification target {what}: {err}"))
}

impl Coordinator for WorkerTargets {
    async fn call(&self, target: &str, command: &TargetCommand) -> std::result::Result<std::result::Result<TargetReply, TargetError>, ApiError> {
        let stub = self.0.id_from_name(target).and_then(|id| id.get_stub()).map_err(|e| internal("stub", e))?;
        let body = serde_json::to_string(command).map_err(|e| internal("encode", e))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://verification-target/", &init).map_err(|e| internal("request", e))?;
        let mut response = stub.fetch_with_request(request).await.map_err(|e| internal("fetch", e))?;
        if response.status_code() != 200 {
            return Err(internal("status", response.status_code()));
        }
        response.json().await.map_err(|e| internal("decode", e))
    }
}

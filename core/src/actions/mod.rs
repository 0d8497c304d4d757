//! The JSON actions face: `POST /v1/actions/{id}` with a JSON object of snake_case fields runs
//! the same operation as the REST face, reading the same typed values from the JSON (no
//! flattening to form text), and answers with the same resource and the same errors, named by
//! field. `make_api_call` is handed back to the REST face to serve as an inner request.

pub mod api_call;
pub mod catalog;

use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::http::operations::{self, Call};
use crate::http::{ApiRequest, ApiResponse};
use crate::identity::principal::Principal;
use crate::input::{Body, Naming};
use catalog::{catalog, Action, Place};

/// What running an action comes to.
#[derive(Debug)]
pub enum Outcome {
    Done(ApiResponse),
    /// `make_api_call`: serve this request as the caller, then [`api_call::wrap`] the answer.
    ApiCall(ApiRequest),
}

/// Errors name the action's fields, also those raised after parsing.
fn rename(err: ApiError, action: &Action) -> ApiError {
    match err {
        ApiError::InvalidParameter { name, detail } => {
            let field = action.fields.iter().find(|f| f.spec.wire == name).map_or(name, |f| f.spec.field.to_owned());
            ApiError::InvalidParameter { name: field, detail }
        }
        other => other,
    }
}

/// Runs the action `id` with a raw JSON body.
pub async fn run<P: Platform>(engine: &Engine<P>, who: &Principal, origin: &str, id: &str, raw_body: &[u8]) -> Result<Outcome, ApiError> {
    let path = format!("/v1/actions/{id}");
    let action = catalog().into_iter().find(|a| a.id == id).ok_or_else(|| ApiError::NotFound(path.clone()))?;
    let body = Body::from_json(raw_body)?;
    let input = body.input(Naming::Field);
    let mut ids = Vec::new();
    for f in &action.fields {
        if f.required && !input.has(&f.spec) {
            return Err(input.invalid(&f.spec, "is required"));
        }
        if let Place::Path(name) = f.place {
            match input.raw_text(&f.spec)? {
                Some(v) if !v.is_empty() => ids.push((name, v.to_owned())),
                _ => return Err(input.invalid(&f.spec, "must be a non-empty string")),
            }
        }
    }
    let Some(operation) = action.operation else {
        return api_call::request(&input, origin).map(Outcome::ApiCall);
    };
    // Resources are named as the REST face names them (`/v2/Services/VA...`), not by the action.
    let path = operation.path_with(&ids).unwrap_or(path);
    let call = Call { principal: who, origin, path: &path, ids: &ids, query: input, body: input };
    operations::run(engine, operation, &call).await.map(Outcome::Done).map_err(|e| rename(e, &action))
}

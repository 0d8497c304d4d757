//! The REST face: one request in, one response out. The route is matched once, the caller
//! authenticated once, the body decoded once; the operation then runs on typed input
//! (`http::operations`). JSON actions come in through the same door (`POST /v1/actions/{id}`).

use crate::actions::{self, Outcome};
use crate::browser::bearer::bearer;
use crate::browser::cors::{cors_route, response_headers};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::guard::plan::Client;
use crate::http::operations::{self, Call};
use crate::http::routes::{match_route, query_params, Matched, NoRoute, Operation};
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::identity::principal::Principal;
use crate::input::{Body, Naming};

/// Answers one request. Never panics; every failure becomes a Twilio error response.
pub async fn handle<P: Platform>(engine: &Engine<P>, req: &ApiRequest) -> ApiResponse {
    // The hosted page, its assets and client.js: no credentials, not API operations.
    if let Some(response) = crate::web::serve(engine, req).await {
        return response;
    }
    // Twilio's status callbacks: signed with a provider's token, not our credentials.
    if let Some(response) = crate::callbacks::serve(engine, req).await {
        return response;
    }
    if req.method == Some(Method::Options) {
        if let Some(response) = engine.preflight(req).await {
            return response;
        }
    }
    let matched = match route(req) {
        Ok(matched) => matched,
        Err(response) => return response,
    };
    // An origin not on the service's list is refused before anything runs.
    let cors = match engine.admit_origin(req, &matched).await {
        Ok(cors) => cors,
        Err(response) => return response,
    };
    let mut response = answer(engine, req, &matched).await;
    if let Some(origin) = cors {
        response.headers.extend(response_headers(&origin));
    }
    response
}

/// The answer to a routed request: a client token's call, or one with Basic credentials.
async fn answer<P: Platform>(engine: &Engine<P>, req: &ApiRequest, matched: &Matched) -> ApiResponse {
    if let Some(token) = bearer(req) {
        let mut response = engine.serve_token(req, matched, token).await.unwrap_or_else(|err| failure::<P>(&err));
        if response.status == 401 {
            // The four token routes challenge for a token (no browser prompt); others for Basic.
            let challenge = if cors_route(matched, "").is_some() { "Bearer realm=\"edge-verify\", error=\"invalid_token\"" } else { "Basic realm=\"edge-verify\"" };
            response.headers.push(("www-authenticate".into(), challenge.into()));
        }
        return response;
    }
    let result = match engine.authenticate(req.header("authorization")).await {
        Ok(mut principal) => {
            principal.client = Client {
                ip: req
                    .header("cf-connecting-ip")
                    .and_then(|ip| ip.trim().parse().ok()),
                end_user: false,
                country: req
                    .header("cf-ipcountry")
                    .filter(|c| c.len() == 2)
                    .map(str::to_ascii_uppercase),
            };
            principal.origin.clone_from(&req.origin);
            serve(engine, req, matched, &principal).await
        }
        Err(err) => Err(err),
    };
    result.unwrap_or_else(|err| failure::<P>(&err))
}

/// The error response; server-side failures are logged with their detail (storage,
/// configuration, provider), which the caller never sees and which holds no code or credential.
fn failure<P: Platform>(err: &ApiError) -> ApiResponse {
    match err {
        ApiError::Internal(detail) => P::log(&format!("error 20500: {detail}")),
        ApiError::DeliveryFailed { .. } | ApiError::DeliveryUncertain { .. } => P::log(&format!("error 30008: {err}")),
        _ => {}
    }
    ApiResponse::error(err)
}

/// The route of a request, or the 404 / 405 (with `Allow`) answer.
fn route(req: &ApiRequest) -> Result<Matched, ApiResponse> {
    match_route(req.method, &req.path).map_err(|no| match no {
        NoRoute::NotFound => ApiResponse::error(&ApiError::NotFound(req.path.clone())),
        NoRoute::MethodNotAllowed(allowed) => {
            let mut response = ApiResponse::error(&ApiError::MethodNotAllowed { method: req.method_name.clone(), path: req.path.clone() });
            let allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
            response.headers.push(("allow".into(), allow.join(", ")));
            response
        }
    })
}

/// Refuses a query parameter that the operation does not take, naming it (cut to 64 characters).
fn known_query(operation: Operation, query: &Body) -> Result<(), ApiError> {
    let (Some(known), Body::Form(pairs)) = (query_params(operation), query) else { return Ok(()) };
    match pairs.iter().find(|(name, _)| !known.iter().any(|spec| spec.wire == name)) {
        Some((name, _)) => Err(ApiError::invalid(name.chars().take(64).collect::<String>(), format!("is not a parameter of this operation (it takes {})", known.iter().map(|s| s.wire).collect::<Vec<_>>().join(", ")))),
        None => Ok(()),
    }
}

/// Decodes and runs a routed request for an authenticated caller.
async fn serve<P: Platform>(engine: &Engine<P>, req: &ApiRequest, matched: &Matched, principal: &Principal) -> Result<ApiResponse, ApiError> {
    let operation = matched.route.operation;
    if operation == Operation::ListActions {
        let body = actions::catalog::catalog_json(&req.origin).into_bytes();
        return Ok(ApiResponse { status: 200, headers: vec![("content-type".into(), "application/json; charset=utf-8".into())], body });
    }
    if operation == Operation::RunAction {
        let id = matched.params.first().map_or("", |(_, v)| v.as_str());
        return match actions::run(engine, principal, req.origin.as_str(), id, &req.body).await? {
            Outcome::Done(response) => Ok(response),
            Outcome::ApiCall(inner) => {
                // Boxed: an API call is served by this same function (only once: the action
                // refuses paths under /v1/actions).
                let response = match route(&inner) {
                    Ok(matched) => Box::pin(serve(engine, &inner, &matched, principal)).await.unwrap_or_else(|e| failure::<P>(&e)),
                    Err(response) => response,
                };
                Ok(actions::api_call::wrap(response))
            }
        };
    }
    let query = Body::from_query(&req.query)?;
    known_query(operation, &query)?;
    let body = match req.method {
        Some(method) if method.has_body() => Body::from_request(req.header("content-type"), &req.body)?,
        _ => Body::Empty,
    };
    let call = Call {
        principal,
        origin: &req.origin,
        path: &req.path,
        ids: &matched.params,
        query: query.input(Naming::Wire),
        body: body.input(Naming::Wire),
    };
    operations::run(engine, operation, &call).await
}

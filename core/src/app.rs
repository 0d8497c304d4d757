//! The application: one request in, one response out. Size limit, routing, authentication and
//! parameter decoding happen here once; each operation then works with typed values.

use crate::auth::{authenticate, MainAccount, Principal};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::params::Params;
use crate::routes::{match_route, NoRoute, Operation};
use crate::sid::Rng;
use crate::store::KeyValue;
use crate::time::Clock;

/// Largest request body accepted (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The service with its ports: storage, clock and randomness, and the main account.
pub struct App<K, C, R> {
    /// Workers KV, or a fake.
    pub kv: K,
    /// The clock.
    pub clock: C,
    /// The CSPRNG.
    pub rng: R,
    /// The deployment's main account.
    pub main: MainAccount,
}

/// One authenticated, decoded call to an operation.
#[derive(Debug, Clone)]
pub struct Call {
    /// Who is calling.
    pub principal: Principal,
    /// Scheme and host of the request, for absolute URLs.
    pub origin: String,
    /// The request path, for messages.
    pub path: String,
    /// Parameters captured from the path.
    pub path_params: Vec<(&'static str, String)>,
    /// The query string.
    pub query: Params,
    /// The body.
    pub params: Params,
}

impl Call {
    /// A captured path parameter, or `""`.
    pub fn path_param(&self, name: &str) -> &str {
        self.path_params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }

    /// Whether the route captured `name`.
    pub fn has_path_param(&self, name: &str) -> bool {
        self.path_params.iter().any(|(n, _)| *n == name)
    }
}

impl<K: KeyValue, C: Clock, R: Rng> App<K, C, R> {
    /// Answers one request. Never panics; every failure becomes a Twilio error response.
    pub async fn handle(&self, req: &ApiRequest) -> ApiResponse {
        match self.dispatch(req).await {
            Ok(response) => response,
            Err(err) => {
                let mut response = ApiResponse::error(&err);
                if let Err(NoRoute::MethodNotAllowed(allowed)) = match_route(req.method, &req.path) {
                    let allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                    response.headers.push(("allow".into(), allow.join(", ")));
                }
                response
            }
        }
    }

    async fn dispatch(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        if req.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
        }
        let matched = match_route(req.method, &req.path).map_err(|no| match no {
            NoRoute::NotFound => ApiError::NotFound(req.path.clone()),
            NoRoute::MethodNotAllowed(_) => ApiError::MethodNotAllowed { method: req.method_name.clone(), path: req.path.clone() },
        })?;
        let principal = authenticate(&self.kv, &self.main, req.header("authorization")).await?;
        let query = Params::from_query(&req.query)?;
        let params = match req.method {
            Some(Method::Post | Method::Put | Method::Patch) => Params::from_body(req.header("content-type"), &req.body)?,
            _ => Params::default(),
        };
        let call = Call {
            principal,
            origin: req.origin.clone(),
            path: req.path.clone(),
            path_params: matched.params,
            query,
            params,
        };
        self.run(matched.route.operation, &call).await
    }

    /// Runs one operation for an authenticated call.
    pub async fn run(&self, operation: Operation, call: &Call) -> Result<ApiResponse, ApiError> {
        match operation {
            Operation::ListService => self.list_services(call).await,
            Operation::CreateService => self.create_service(call).await,
            Operation::FetchService => self.fetch_service(call).await,
            Operation::UpdateService => self.update_service(call).await,
            Operation::DeleteService => self.delete_service(call).await,
            Operation::ListAccount => self.list_accounts(call).await,
            Operation::CreateAccount => self.create_account(call).await,
            Operation::FetchAccount => self.fetch_account(call).await,
            Operation::UpdateAccount => self.update_account(call).await,
            Operation::ListKey => self.list_keys(call).await,
            Operation::CreateNewKey => self.create_key(call).await,
            Operation::FetchKey => self.fetch_key(call).await,
            Operation::UpdateKey => self.update_key(call).await,
            Operation::DeleteKey => self.delete_key(call).await,
        }
    }
}

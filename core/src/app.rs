//! The application: one request in, one response out. Size limit, routing, authentication and
//! parameter decoding happen here once; each operation then works with typed values.

use crate::auth::{authenticate, MainAccount, Principal};
use crate::code::CodeKey;
use crate::delivery::config::DeliveryConfig;
use crate::delivery::providers::ProviderSettings;
use crate::delivery::HttpClient;
use crate::target::{TargetCommand, TargetError, TargetReply};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::params::Params;
use crate::routes::{match_route, NoRoute, Operation};
use crate::sid::Rng;
use crate::store::KeyValue;
use crate::time::Clock;

/// Largest request body accepted (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Talks to the coordinator of one verification target (a Durable Object in the worker).
#[allow(async_fn_in_trait)]
pub trait Coordinator {
    /// Sends `command` to the target named `target` and returns its answer.
    async fn call(&self, target: &str, command: &TargetCommand) -> Result<Result<TargetReply, TargetError>, ApiError>;
}

/// The ports the application runs on: the Workers runtime, or fakes on the host.
pub trait Platform {
    /// Key-value storage (Workers KV).
    type Kv: KeyValue;
    /// The clock.
    type Clock: Clock;
    /// The CSPRNG.
    type Rng: Rng;
    /// Verification target coordinators (Durable Objects).
    type Targets: Coordinator;
    /// Outbound HTTP to providers.
    type Http: HttpClient;
    /// Writes one line to the operator's log (used by the dev log sink only).
    fn log(line: &str);
}

/// Deployment settings beyond the main account.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `CODE_HMAC_KEY`; verifications are refused (500, logged) without it.
    pub code_key: Option<CodeKey>,
    /// How long a verification lives (`VERIFICATION_LIFETIME_SECONDS`, default 600).
    pub lifetime_seconds: u64,
    /// `DEV_MODE=true`: enables the log sink and `GET /dev/outbox`.
    pub dev_mode: bool,
    /// Providers and sender routes.
    pub delivery: DeliveryConfig,
    /// Provider base URLs and timeout.
    pub providers: ProviderSettings,
}

/// Default verification lifetime: 10 minutes.
pub const DEFAULT_LIFETIME_SECONDS: u64 = 600;

impl Settings {
    /// The accepted `VERIFICATION_LIFETIME_SECONDS`: 2 minutes to 24 hours, or down to 2 seconds
    /// in dev mode (for expiry tests).
    pub fn lifetime_range(dev_mode: bool) -> std::ops::RangeInclusive<u64> {
        (if dev_mode { 2 } else { 120 })..=86_400
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            code_key: None,
            lifetime_seconds: DEFAULT_LIFETIME_SECONDS,
            dev_mode: false,
            delivery: DeliveryConfig::default(),
            providers: ProviderSettings::default(),
        }
    }
}

/// The service with its ports and settings.
pub struct App<P: Platform> {
    /// Workers KV, or a fake.
    pub kv: P::Kv,
    /// The clock.
    pub clock: P::Clock,
    /// The CSPRNG.
    pub rng: P::Rng,
    /// Verification target coordinators.
    pub targets: P::Targets,
    /// Outbound HTTP.
    pub http: P::Http,
    /// The deployment's main account.
    pub main: MainAccount,
    /// Everything else the deployment sets.
    pub settings: Settings,
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

impl<P: Platform> App<P> {
    /// Answers one request. Never panics; every failure becomes a Twilio error response.
    pub async fn handle(&self, req: &ApiRequest) -> ApiResponse {
        match self.dispatch(req).await {
            Ok(response) => response,
            Err(err) => {
                // Server-side failures are logged with their detail (storage, configuration,
                // provider), which the caller never sees; details hold no codes or credentials.
                match &err {
                    ApiError::Internal(detail) => P::log(&format!("error 20500: {detail}")),
                    ApiError::DeliveryFailed { .. } => P::log(&format!("error 30008: {err}")),
                    _ => {}
                }
                self.error_response(req, &err)
            }
        }
    }

    /// The Twilio error response for `err`, with `Allow` on a 405.
    pub(crate) fn error_response(&self, req: &ApiRequest, err: &ApiError) -> ApiResponse {
        let mut response = ApiResponse::error(err);
        if let Err(NoRoute::MethodNotAllowed(allowed)) = match_route(req.method, &req.path) {
            let allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
            response.headers.push(("allow".into(), allow.join(", ")));
        }
        response
    }

    fn route(req: &ApiRequest) -> Result<crate::routes::Matched, ApiError> {
        if req.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
        }
        match_route(req.method, &req.path).map_err(|no| match no {
            NoRoute::NotFound => ApiError::NotFound(req.path.clone()),
            NoRoute::MethodNotAllowed(_) => ApiError::MethodNotAllowed { method: req.method_name.clone(), path: req.path.clone() },
        })
    }

    async fn dispatch(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        Self::route(req)?;
        let principal = authenticate(&self.kv, &self.main, req.header("authorization")).await?;
        self.serve(req, principal).await
    }

    /// Routes, decodes and runs a request for an already authenticated caller (also used by
    /// `make_api_call`, which dispatches inside the worker as its caller).
    pub(crate) async fn serve(&self, req: &ApiRequest, principal: Principal) -> Result<ApiResponse, ApiError> {
        let matched = Self::route(req)?;
        let operation = matched.route.operation;
        let query = Params::from_query(&req.query)?;
        let params = match req.method {
            Some(Method::Post | Method::Put | Method::Patch) if operation != Operation::RunAction => {
                let params = Params::from_body(req.header("content-type"), &req.body)?;
                params.check_json_types(&crate::spec::body_params(operation))?;
                params
            }
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
        match operation {
            Operation::RunAction => self.run_action(&call, &req.body).await,
            other => self.run(other, &call).await,
        }
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
            Operation::CreateVerification => self.create_verification(call).await,
            Operation::FetchVerification => self.fetch_verification(call).await,
            Operation::UpdateVerification => self.update_verification(call).await,
            Operation::CreateVerificationCheck => self.create_verification_check(call).await,
            Operation::ListDevOutbox => self.list_dev_outbox(call).await,
            Operation::ListActions => self.list_actions(call).await,
            // Actions need their raw JSON body: `serve` runs them.
            Operation::RunAction => Err(ApiError::NotFound(call.path.clone())),
        }
    }
}

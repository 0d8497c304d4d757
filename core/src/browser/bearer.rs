//! The door of the browser face: CORS preflights and origins on the four CORS-enabled routes,
//! and the calls made with a client token (`Authorization: Bearer evt1...`), which may start
//! (scope `start`) and check (scope `check`) on the token's service and nothing else. A token
//! call is an end user's: its connecting IP is the client the abuse limits count, `DeviceIp` is
//! ignored, and what a browser must not choose (`CustomCode`, `CustomMessage`, ...) is refused.

use super::cors::{self, CorsRoute};
use super::settings::{public_key, PublicService};
use super::token::{ClientClaims, Scope};
use super::turnstile;
use crate::channel::identity;
use crate::delivery::HttpClient;
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::guard::limiter::Limiter;
use crate::guard::plan::Client;
use crate::guard::shard::{Limit, LimitCommand, LimitReply};
use crate::http::routes::{match_route, Matched, Operation};
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::identity::principal::{Credential, Principal};
use crate::input::{Body, Input, Naming};
use crate::sid::{AccountSid, ServiceSid};
use crate::spec::ids::SERVICE_SID;
use crate::spec::verification::{NOT_FOR_BROWSERS, TURNSTILE_TOKEN};
use crate::time::Clock;
use crate::verify::service::record::ServiceRecord;
use crate::verify::verification::model::Status;
use crate::verify::verification::request::{CheckRequest, StartRequest, VerificationRef};
use crate::verify::verification::resource::{VerificationCheckResource, VerificationResource};

/// The client token of an `Authorization: Bearer` header.
pub fn bearer(req: &ApiRequest) -> Option<&str> {
    let (scheme, token) = req.header("authorization")?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn not_allowed(origin: &str) -> ApiResponse {
    ApiResponse::error(&ApiError::Forbidden(format!("the origin {origin} may not call this service (its AllowedOrigins)")))
}

impl<P: Platform> Engine<P> {
    /// The public view of a service, for its CORS decisions (no credentials needed).
    async fn public_service(&self, sid: &str) -> Result<Option<PublicService>, ApiError> {
        let Some(sid) = ServiceSid::parse(sid) else { return Ok(None) };
        self.records().get_cached(&public_key(&sid)).await
    }

    /// Whether a cross-origin `origin` may call `route`.
    async fn origin_allowed(&self, route: &CorsRoute, origin: &str) -> Result<bool, ApiError> {
        Ok(match route {
            CorsRoute::NoService => false,
            CorsRoute::Service(sid) => self.public_service(sid).await?.is_some_and(|s| cors::allowed(&s.allowed_origins, origin)),
        })
    }

    /// The answer to an `OPTIONS` request: 204 with the CORS headers for an allowed origin on a
    /// CORS-enabled route, 403 without them for any other origin; `None` for a path that is not
    /// CORS-enabled (the router answers it).
    pub async fn preflight(&self, req: &ApiRequest) -> Option<ApiResponse> {
        let matched = match_route(Some(Method::Post), &req.path).ok()?;
        let route = cors::cors_route(&matched, &req.query)?;
        let origin = req.header("origin").unwrap_or_default();
        Some(match self.origin_allowed(&route, origin).await {
            Ok(true) => ApiResponse { status: 204, headers: cors::preflight_headers(origin), body: Vec::new() },
            Ok(false) => not_allowed(origin),
            Err(err) => ApiResponse::error(&err),
        })
    }

    /// The CORS decision on a routed request: `Ok(Some(origin))` to echo, `Ok(None)` for no
    /// CORS header (no `Origin`, the same origin, or a route that is not CORS-enabled), or the
    /// 403 that answers a cross origin not on the list (before anything runs).
    pub async fn admit_origin(&self, req: &ApiRequest, matched: &Matched) -> Result<Option<String>, ApiResponse> {
        let Some(origin) = req.header("origin").filter(|o| *o != req.origin) else { return Ok(None) };
        let Some(route) = cors::cors_route(matched, &req.query) else { return Ok(None) };
        match self.origin_allowed(&route, origin).await {
            Ok(true) => Ok(Some(origin.to_owned())),
            Ok(false) => Err(not_allowed(origin)),
            Err(err) => Err(ApiResponse::error(&err)),
        }
    }

    /// Serves a call made with a client token.
    pub async fn serve_token(&self, req: &ApiRequest, matched: &Matched, text: &str) -> Result<ApiResponse, ApiError> {
        let (scope, naming) = match (matched.route.operation, cors::action_id(matched)) {
            (Operation::CreateVerification, _) => (Scope::Start, Naming::Wire),
            (Operation::CreateVerificationCheck, _) => (Scope::Check, Naming::Wire),
            (Operation::RunAction, Some("start_verification")) => (Scope::Start, Naming::Field),
            (Operation::RunAction, Some("check_verification")) => (Scope::Check, Naming::Field),
            _ => return Err(ApiError::InvalidToken),
        };
        let (claims, service) = self.open_client_token(text).await?;
        if !claims.allows(scope) {
            return Err(ApiError::InvalidToken);
        }
        let body = match naming {
            Naming::Wire => Body::from_request(req.header("content-type"), &req.body)?,
            Naming::Field => Body::from_json(&req.body)?,
        };
        let input = body.input(naming);
        // The service asked for: the path's, or the action's field (and query), else the token's.
        let asked: Vec<String> = match naming {
            Naming::Wire => matched.params.iter().filter(|(n, _)| *n == "ServiceSid").map(|(_, v)| v.clone()).collect(),
            Naming::Field => {
                let field = input.raw_text(&SERVICE_SID)?.map(str::to_owned);
                field.into_iter().chain(cors::query_value(&req.query, "service_sid")).collect()
            }
        };
        if asked.iter().any(|sid| *sid != claims.service) {
            return Err(ApiError::InvalidToken);
        }
        let principal = Principal {
            is_main: service.account_sid == self.settings.main.sid,
            account: AccountSid::parse(&claims.account).ok_or(ApiError::InvalidToken)?,
            credential: Credential::ClientToken(claims.id.clone()),
            origin: req.origin.clone(),
            client: Client {
                ip: req.header("cf-connecting-ip").and_then(|ip| ip.trim().parse().ok()),
                end_user: true,
                country: req.header("cf-ipcountry").filter(|c| c.len() == 2).map(str::to_ascii_uppercase),
            },
        };
        match scope {
            Scope::Start => self.token_start(req, &principal, &claims, &service, &input).await,
            Scope::Check => self.token_check(&principal, &claims, &service, &input).await,
        }
    }

    async fn token_start(&self, req: &ApiRequest, who: &Principal, claims: &ClientClaims, service: &ServiceRecord, input: &Input<'_>) -> Result<ApiResponse, ApiError> {
        if let Some(spec) = NOT_FOR_BROWSERS.iter().find(|s| input.has(s)) {
            return Err(input.invalid(spec, "cannot be chosen by a page: start without it, or from your backend"));
        }
        let mut request = StartRequest::parse(input)?;
        request.device_ip = None;
        if claims.to.as_deref().is_some_and(|to| identity(to) != identity(&request.to)) {
            return Err(ApiError::InvalidToken);
        }
        if let Some(secret) = &service.browser.turnstile_secret {
            let given = input.text(&TURNSTILE_TOKEN)?.filter(|t| !t.trim().is_empty());
            let given = given.ok_or_else(|| ApiError::BotCheckFailed(format!("{} is required", input.name(&TURNSTILE_TOKEN))))?;
            let ip = who.client.ip.map(|ip| ip.to_string());
            let providers = &self.settings.providers;
            let check = turnstile::request(&providers.turnstile_api_base, secret, &given, ip.as_deref());
            turnstile::judge(self.http.send(&check, providers.timeout_ms).await).map_err(|(refusal, log)| {
                if let Some(line) = log {
                    P::log(&format!("error 60451: {line}"));
                }
                refusal
            })?;
        }
        let reserved = self.reserve_start(claims).await?;
        let started = self.start_verification(who, &service.sid, request).await;
        // A start that may have sent (a provider timeout) keeps its count; any other refusal
        // gives it back.
        let maybe_sent = matches!(&started, Err(ApiError::DeliveryUncertain { .. }));
        if let (Err(_), false, Some((shard, at, limits))) = (&started, maybe_sent, reserved) {
            if let Err(err) = self.limiter.send(&shard, LimitCommand::Release { at, limits, dest: None }).await {
                P::log(&format!("error 20500: releasing a client token's start: {err}"));
            }
        }
        Ok(ApiResponse::json(201, &VerificationResource::new(started?, &req.origin)))
    }

    /// Counts a start against the token's `MaxStarts` (a shard named by the token's id).
    async fn reserve_start(&self, claims: &ClientClaims) -> Result<Option<(crate::guard::limiter::ShardName, crate::time::Timestamp, Vec<Limit>)>, ApiError> {
        let Some(max) = claims.max_starts else { return Ok(None) };
        let key = self.settings.shard_key.as_ref().ok_or_else(missing_code_key)?;
        let shard = key.shard(&format!("ct|{}", claims.id));
        let lifetime = claims.expires.saturating_sub(claims.issued).saturating_add(60);
        let limits = vec![Limit { name: "client token starts".into(), max: u64::from(max), interval: u32::try_from(lifetime).unwrap_or(u32::MAX), weight: 1 }];
        match self.limiter.send(&shard, LimitCommand::Reserve { limits: limits.clone(), probe: None }).await? {
            LimitReply::Reserved { at, .. } => Ok(Some((shard, at, limits))),
            LimitReply::Refused(_) => Err(ApiError::Limited {
                code: 20429,
                detail: format!("this client token's MaxStarts ({max}) are used; mint another"),
                retry_after: claims.expires.saturating_sub(self.clock.now().unix_seconds()).max(1),
            }),
            LimitReply::Done => Err(ApiError::Internal("a limiter shard answered out of turn".into())),
        }
    }

    async fn token_check(&self, who: &Principal, claims: &ClientClaims, service: &ServiceRecord, input: &Input<'_>) -> Result<ApiResponse, ApiError> {
        let request = CheckRequest::parse(input)?;
        if let Some(bound) = claims.to.as_deref() {
            let to = match &request.target {
                VerificationRef::To(to) => to.clone(),
                reference @ VerificationRef::Sid(_) => self.fetch_verification(who, &service.sid, reference).await?.to,
            };
            if identity(bound) != identity(&to) {
                return Err(ApiError::InvalidToken);
            }
        }
        let view = self.check_verification(who, &service.sid, request).await?;
        let token = if view.status == Status::Approved { Some(self.result_token(service, &view.to, &view.sid)?) } else { None };
        let mut resource = VerificationCheckResource::new(view);
        resource.result_token = token;
        Ok(ApiResponse::json(200, &resource))
    }
}

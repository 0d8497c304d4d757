//! The Cloudflare Worker: glue between the Workers runtime and `edge_verify_core`. It turns a
//! `worker::Request` into an `ApiRequest`, hands it to the core with real ports (Workers KV,
//! `Date.now()`, the platform CSPRNG), and turns the answer back into a `worker::Response`.

mod platform;
mod target_object;

use edge_verify_core::app::Settings;
use edge_verify_core::auth::MainAccount;
use edge_verify_core::delivery::config::DeliveryConfig;
use edge_verify_core::delivery::providers::ProviderSettings;
use edge_verify_core::http::{ApiRequest, ApiResponse, Method};
use edge_verify_core::routes::match_route;
use edge_verify_core::sid::AccountSid;
use edge_verify_core::{ApiError, App};
use worker::{console_error, console_log, event, Context, Env, Headers, Request, Response, Result};

use platform::{code_key, CryptoRng, WorkerClock, WorkerHttp, WorkerKv, Workers};
use target_object::WorkerTargets;

pub use target_object::VerificationTarget;

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let api_request = match read_request(&mut req).await {
        Ok(r) => r,
        Err(err) => return write_response(&ApiResponse::error(&err)),
    };
    let response = match build_app(&env) {
        Ok(app) => app.handle(&api_request).await,
        Err(err) => ApiResponse::error(&err),
    };
    let route = match_route(api_request.method, &api_request.path).map_or("(no route)", |m| m.route.path);
    console_log!("{} {} -> {}", api_request.method_name, route, response.status);
    write_response(&response)
}

fn build_app(env: &Env) -> std::result::Result<App<Workers>, ApiError> {
    let misconfigured = |what: &str| {
        console_error!("configuration error: {what}");
        ApiError::Internal(format!("configuration: {what}"))
    };
    let text = |name: &str| env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok();
    let sid = text("ACCOUNT_SID")
        .and_then(|s| AccountSid::parse(&s))
        .ok_or_else(|| misconfigured("ACCOUNT_SID is not set to an AC SID"))?;
    let token = text("AUTH_TOKEN").filter(|t| t.len() >= 16).ok_or_else(|| misconfigured("AUTH_TOKEN is not set (16+ characters)"))?;
    let name = text("MAIN_ACCOUNT_NAME").unwrap_or_else(|| "Main account".to_owned());
    let kv = env.kv("OTP_KV").map_err(|_| misconfigured("the OTP_KV binding is missing"))?;
    let targets = env.durable_object("VERIFY_TARGET").map_err(|_| misconfigured("the VERIFY_TARGET binding is missing"))?;
    let dev_mode = text("DEV_MODE").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let lifetime_seconds = match text("VERIFICATION_LIFETIME_SECONDS") {
        None => edge_verify_core::app::DEFAULT_LIFETIME_SECONDS,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| Settings::lifetime_range(dev_mode).contains(s))
            .ok_or_else(|| misconfigured("VERIFICATION_LIFETIME_SECONDS must be 120 to 86400 (down to 2 with DEV_MODE=true)"))?,
    };
    let delivery = DeliveryConfig::parse(&text("DELIVERY_CONFIG").unwrap_or_default(), dev_mode).map_err(|e| misconfigured(&e))?;
    let defaults = ProviderSettings::default();
    let providers = ProviderSettings {
        twilio_api_base: text("TWILIO_API_BASE").unwrap_or(defaults.twilio_api_base),
        sendgrid_api_base: text("SENDGRID_API_BASE").unwrap_or(defaults.sendgrid_api_base),
        timeout_ms: match text("PROVIDER_TIMEOUT_MS") {
            None => defaults.timeout_ms,
            Some(v) => v.trim().parse().ok().filter(|ms| (100..=60_000).contains(ms)).ok_or_else(|| misconfigured("PROVIDER_TIMEOUT_MS must be 100 to 60000"))?,
        },
    };
    let settings = Settings { code_key: code_key(env), lifetime_seconds, dev_mode, delivery, providers };
    Ok(App {
        kv: WorkerKv(kv),
        clock: WorkerClock,
        rng: CryptoRng,
        targets: WorkerTargets(targets),
        http: WorkerHttp,
        main: MainAccount::new(sid, &token, name),
        settings,
    })
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
    let limit = edge_verify_core::app::MAX_BODY_BYTES;
    let Ok(mut stream) = req.stream() else { return Ok(Vec::new()) };
    let mut body = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if body.len() + chunk.len() > limit {
            too_large = true;
            body.clear();
        } else if !too_large {
            body.extend_from_slice(&chunk);
        }
    }
    if too_large {
        Err(ApiError::PayloadTooLarge { limit })
    } else {
        Ok(body)
    }
}

fn write_response(response: &ApiResponse) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let out = if response.body.is_empty() { Response::empty()? } else { Response::from_bytes(response.body.clone())? };
    Ok(out.with_status(response.status).with_headers(headers))
}

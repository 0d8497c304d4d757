//! The engine: the ports it runs on, the deployment's settings, and (in the domain folders) one
//! typed operation per thing the service does. The faces (`rest`, `actions`) only decode input,
//! call an operation and encode its result.

use std::rc::Rc;

use crate::browser::token::TokenKey;
use crate::cache::ReadCache;
use crate::code::CodeKey;
use crate::delivery::config::DeliveryConfig;
use crate::delivery::{HttpClient, ProviderSettings};
use crate::error::{ApiError, ErrorBody, MoreInfo};
use crate::events::EventSink;
use crate::guard::limiter::{Limiter, ShardKey};
use crate::guard::policy::Policy;
use crate::history::Database;
use crate::http::ApiResponse;
use crate::identity::principal::MainAccount;
use crate::ports::{KeyValue, Records};
use crate::sid::{AccountSid, Rng};
use crate::time::Clock;
use crate::verify::verification::coordinator::Coordinator;
use crate::verify::verification::target::TargetKey;

/// The ports the engine runs on: the Workers runtime, or fakes on the host.
pub trait Platform {
    type Kv: KeyValue;
    type Clock: Clock;
    type Rng: Rng;
    type Coordinator: Coordinator;
    type Limiter: Limiter;
    type Http: HttpClient;
    /// The history database (D1 `HISTORY` in the worker).
    type History: Database;
    /// The services' event outboxes (Durable Object `EVENT_OUTBOX` in the worker).
    type Events: EventSink;
    /// Writes one line to the operator's log. Never given a secret or a code (the dev log
    /// sink, which prints codes on purpose, only runs with `DEV_MODE=true`).
    fn log(line: &str);
}

/// Default verification lifetime: 10 minutes.
pub const DEFAULT_LIFETIME_SECONDS: u64 = 600;

/// The refusal of anything that needs a key derived from `CODE_HMAC_KEY` when it is missing.
pub fn missing_code_key() -> ApiError {
    ApiError::Internal("CODE_HMAC_KEY is not set (16+ characters)".into())
}

/// Everything the deployment configures, built once per isolate from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub main: MainAccount,
    /// `CODE_HMAC_KEY`; verifications are refused (500, logged) without it.
    pub code_key: Option<CodeKey>,
    /// Names verification targets; derived from `CODE_HMAC_KEY`.
    pub target_key: Option<TargetKey>,
    /// Names limiter shards and hashes destinations; derived from `CODE_HMAC_KEY`.
    pub shard_key: Option<ShardKey>,
    /// Signs client and result tokens; derived from `CODE_HMAC_KEY`.
    pub token_key: Option<TokenKey>,
    /// `POLICY`: limits, geo permissions, fraud guard, caps, content rules.
    pub policy: Policy,
    /// `VERIFICATION_LIFETIME_SECONDS`.
    pub lifetime_seconds: u64,
    /// `DEV_MODE=true`: the log sink and `GET /dev/outbox`.
    pub dev_mode: bool,
    pub delivery: DeliveryConfig,
    pub providers: ProviderSettings,
}

/// The environment variables and secrets [`Settings::from_env`] reads.
pub const ENV_NAMES: [&str; 12] = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "MAIN_ACCOUNT_NAME",
    "CODE_HMAC_KEY",
    "DEV_MODE",
    "VERIFICATION_LIFETIME_SECONDS",
    "DELIVERY_CONFIG",
    "TWILIO_API_BASE",
    "SENDGRID_API_BASE",
    "PROVIDER_TIMEOUT_MS",
    "POLICY",
    "TURNSTILE_API_BASE",
];

impl Settings {
    /// Builds the settings from the environment's text; an error names the setting and never
    /// quotes a secret.
    pub fn from_env(text: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let sid = text("ACCOUNT_SID")
            .and_then(|s| AccountSid::parse(s.trim()))
            .ok_or("ACCOUNT_SID is not set to an AC SID")?;
        let token = text("AUTH_TOKEN");
        refuse_placeholder("AUTH_TOKEN", token.as_deref())?;
        let token = token.filter(|t| t.len() >= 16).ok_or("AUTH_TOKEN is not set or has fewer than 16 characters")?;
        let name = text("MAIN_ACCOUNT_NAME").unwrap_or_else(|| "Main account".to_owned());
        let dev_mode = dev_mode(text("DEV_MODE").as_deref());
        let lifetime_seconds = match text("VERIFICATION_LIFETIME_SECONDS") {
            None => DEFAULT_LIFETIME_SECONDS,
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| Self::lifetime_range(dev_mode).contains(s))
                .ok_or("VERIFICATION_LIFETIME_SECONDS must be 120 to 86400 (down to 2 with DEV_MODE=true)")?,
        };
        let delivery = DeliveryConfig::parse(&text("DELIVERY_CONFIG").unwrap_or_default(), dev_mode)
            .map_err(|e| if e.starts_with("DELIVERY_CONFIG") { e } else { format!("DELIVERY_CONFIG: {e}") })?;
        let defaults = ProviderSettings::default();
        let providers = ProviderSettings {
            twilio_api_base: text("TWILIO_API_BASE").unwrap_or(defaults.twilio_api_base),
            sendgrid_api_base: text("SENDGRID_API_BASE").unwrap_or(defaults.sendgrid_api_base),
            timeout_ms: match text("PROVIDER_TIMEOUT_MS") {
                None => defaults.timeout_ms,
                Some(v) => v.trim().parse().ok().filter(|ms| (100..=60_000).contains(ms)).ok_or("PROVIDER_TIMEOUT_MS must be 100 to 60000")?,
            },
            turnstile_api_base: text("TURNSTILE_API_BASE").unwrap_or(defaults.turnstile_api_base),
        };
        let code_key = text("CODE_HMAC_KEY");
        refuse_placeholder("CODE_HMAC_KEY", code_key.as_deref())?;
        let code_key = code_key.and_then(|k| CodeKey::new(&k));
        let policy = Policy::parse(&text("POLICY").unwrap_or_default())?;
        Ok(Self {
            main: MainAccount::new(sid, &token, name),
            target_key: code_key.as_ref().and_then(TargetKey::new),
            shard_key: code_key.as_ref().and_then(ShardKey::new),
            token_key: code_key.as_ref().and_then(TokenKey::new),
            policy,
            code_key,
            lifetime_seconds,
            dev_mode,
            delivery,
            providers,
        })
    }

    /// The accepted `VERIFICATION_LIFETIME_SECONDS`: 2 minutes to 24 hours, or down to 2 seconds
    /// in dev mode (for expiry tests).
    pub fn lifetime_range(dev_mode: bool) -> std::ops::RangeInclusive<u64> {
        (if dev_mode { 2 } else { 120 })..=86_400
    }
}

/// `DEV_MODE`'s rule: `true` in any case, around spaces. The worker also reads it on its own
/// when the other settings fail to build (see [`misconfigured`]).
pub fn dev_mode(text: Option<&str>) -> bool {
    text.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// `.dev.vars.example` has `GENERATE` where `make dev` puts a fresh secret; a copy that kept it
/// must not run with a secret everyone knows.
fn refuse_placeholder(name: &str, text: Option<&str>) -> Result<(), String> {
    match text {
        Some(t) if t.trim().trim_matches(|c| c == '"' || c == '\'').eq_ignore_ascii_case("GENERATE") => Err(format!(
            "{name} is still the placeholder GENERATE from .dev.vars.example: set a random secret of 16+ characters (make dev does it in .dev.vars)"
        )),
        _ => Ok(()),
    }
}

/// The answer to every request while the deployment is misconfigured (`what` names the setting
/// and never quotes a value: [`Settings::from_env`]'s errors, a missing binding). Always a 500;
/// the caller logs `what`. Outside dev mode the body says nothing more than any 500; with
/// `DEV_MODE=true` it says what is wrong, so a newcomer's first request explains itself.
pub fn misconfigured(what: &str, dev_mode: bool) -> ApiResponse {
    let err = ApiError::Internal(what.to_owned());
    if !dev_mode {
        return ApiResponse::error(&err);
    }
    let (code, status) = (err.code(), err.status());
    let body = ErrorBody { code, message: format!("Configuration error (shown because DEV_MODE=true): {what}"), more_info: MoreInfo(code), status };
    ApiResponse::json(status, &body)
}

/// The service with its ports, its settings and the isolate's read cache.
pub struct Engine<P: Platform> {
    pub kv: P::Kv,
    pub clock: P::Clock,
    pub rng: P::Rng,
    pub coordinator: P::Coordinator,
    pub limiter: P::Limiter,
    pub http: P::Http,
    pub history: P::History,
    pub events: P::Events,
    pub settings: Rc<Settings>,
    pub cache: Rc<ReadCache>,
}

impl<P: Platform> Engine<P> {
    /// Typed record stores over the KV port, at the current time.
    pub fn records(&self) -> Records<'_, P::Kv> {
        Records { kv: &self.kv, cache: &self.cache, now: self.clock.now() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn settings_name_what_is_wrong_and_never_quote_secrets() {
        let good = [("ACCOUNT_SID", "AC11111111111111111111111111111111"), ("AUTH_TOKEN", "0123456789abcdef-secret"), ("CODE_HMAC_KEY", "0123456789abcdef0123")];
        let s = Settings::from_env(&env(&good)).unwrap();
        assert_eq!(s.lifetime_seconds, 600);
        assert!(s.code_key.is_some() && s.target_key.is_some());
        let err = Settings::from_env(&env(&[("ACCOUNT_SID", "AC11111111111111111111111111111111"), ("AUTH_TOKEN", "short")])).unwrap_err();
        assert!(err.contains("AUTH_TOKEN") && !err.contains("short"), "{err}");
        let mut with_lifetime = good.to_vec();
        with_lifetime.push(("VERIFICATION_LIFETIME_SECONDS", "3"));
        assert!(Settings::from_env(&env(&with_lifetime)).unwrap_err().contains("VERIFICATION_LIFETIME_SECONDS"));
        with_lifetime.push(("DEV_MODE", "true"));
        assert_eq!(Settings::from_env(&env(&with_lifetime)).unwrap().lifetime_seconds, 3);
        let mut bad_config = good.to_vec();
        bad_config.push(("DELIVERY_CONFIG", "{\"sendgrid\": \"SG.hunter2\"}"));
        assert!(!Settings::from_env(&env(&bad_config)).unwrap_err().contains("hunter2"));
    }

    #[test]
    fn every_settings_error_names_its_setting_and_not_the_value() {
        let good = [("ACCOUNT_SID", "AC11111111111111111111111111111111"), ("AUTH_TOKEN", "0123456789abcdef-secret"), ("CODE_HMAC_KEY", "0123456789abcdef0123")];
        // Each bad value carries "hunter2": the error must name the setting and never quote it.
        let bad: &[(&str, &str)] = &[
            ("ACCOUNT_SID", "AChunter2"),
            ("AUTH_TOKEN", "hunter2"),
            ("AUTH_TOKEN", "GENERATE"),
            ("CODE_HMAC_KEY", "GENERATE"),
            ("CODE_HMAC_KEY", " \"generate\" "),
            ("VERIFICATION_LIFETIME_SECONDS", "hunter2"),
            ("PROVIDER_TIMEOUT_MS", "hunter2"),
            ("DELIVERY_CONFIG", "{hunter2"),
            ("DELIVERY_CONFIG", r#"{"twilio_routes": [{"prefix": "hunter2", "account_sid": "AC", "auth_token": "t"}]}"#),
            ("DELIVERY_CONFIG", r#"{"twilio_routes": [{"prefix": "+1", "account_sid": "AChunter2"}]}"#),
            ("DELIVERY_CONFIG", r#"{"channels": {"sms": "log"}, "webhook_hunter2": 1}"#),
            ("DELIVERY_CONFIG", r#"{"channels": {"sms": "log"}}"#),
            ("DELIVERY_CONFIG", r#"{"gateways": [{"prefix": "*", "url": "http://gw.example.com/hunter2", "body": {"to": "{to}", "text": "{message}"}}]}"#),
            ("DELIVERY_CONFIG", r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "headers": {"Authorization": "hunter2\n"}, "body": {"to": "{to}", "text": "{message}"}}]}"#),
            ("DELIVERY_CONFIG", r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "text": "{hunter}", "key": "hunter2"}}]}"#),
            ("DELIVERY_CONFIG", r#"{"gateways": [{"prefix": "*", "url": "https://gw.example.com/", "body": {"to": "{to}", "text": "{message}", "key": "hunter2"}, "accepted": {"status": ["hunter2"]}}]}"#),
            ("POLICY", "{hunter2"),
            ("POLICY", "[\"hunter2\"]"),
            ("POLICY", r#"{"limits": {"starts_per_ip_per_hour": "hunter2"}}"#),
            ("POLICY", r#"{"fraud_guard": "hunter2"}"#),
            ("POLICY", r#"{"geo": {"sms": {"allow": "hunter2"}}}"#),
            ("POLICY", r#"{"spend_per_account_per_day": "hunter2"}"#),
            ("POLICY", r#"{"custom_message": {"max_segments": 100000}}"#),
            ("POLICY", r#"{"prices": {"sms": {"US": "hunter2"}}}"#),
            ("POLICY", r#"{"accounts": {"AC1": {"channels": {"sms": "hunter2"}}}}"#),
        ];
        for (name, value) in bad {
            let mut pairs: Vec<(&str, &str)> = good.iter().filter(|(k, _)| k != name).copied().collect();
            pairs.push((name, value));
            let err = Settings::from_env(&env(&pairs)).unwrap_err();
            assert!(err.starts_with(name), "{name}={value}: {err}");
            assert!(!err.contains("hunter2"), "{name}={value}: {err}");
        }
        let placeholder = Settings::from_env(&env(&[good[0], ("AUTH_TOKEN", "GENERATE"), good[2]])).unwrap_err();
        assert!(placeholder.contains("placeholder GENERATE"), "{placeholder}");
    }

    #[test]
    fn a_misconfigured_worker_says_what_is_wrong_only_in_dev_mode() {
        let what = "POLICY limits.x is not a setting";
        let quiet = misconfigured(what, false);
        assert_eq!(quiet.status, 500);
        let body: serde_json::Value = serde_json::from_slice(&quiet.body).unwrap();
        assert_eq!(body["message"], "Internal server error");
        assert_eq!(body["code"], 20500);
        let told = misconfigured(what, true);
        assert_eq!(told.status, 500);
        let body: serde_json::Value = serde_json::from_slice(&told.body).unwrap();
        assert_eq!(body["message"], format!("Configuration error (shown because DEV_MODE=true): {what}"));
        assert_eq!((body["code"].as_u64(), body["status"].as_u64()), (Some(20500), Some(500)));
        assert_eq!(body["more_info"], "https://www.twilio.com/docs/errors/20500");
        assert!(dev_mode(Some(" TRUE ")) && !dev_mode(Some("1")) && !dev_mode(None));
    }
}

//! Verifications over the REST face: start (reserve a send with the target's coordinator, then
//! deliver, undoing the reservation if delivery fails), fetch, approve or cancel, check, and the
//! dev outbox.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::app::{App, Call, Coordinator, Platform};
use crate::code::{new_seed, CodeKey};
use crate::delivery::message::MessageParts;
use crate::delivery::providers::{dispatch, judge, ChannelConfiguration, DeliveryJob, Dispatch};
use crate::delivery::HttpClient;
use crate::error::ApiError;
use crate::http::ApiResponse;
use crate::params::Params;
use crate::services::{parse_friendly_name, ServiceRecord};
use crate::spec::ParamSpec;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, TemplateSid, VerificationSid};
use crate::store::{get_json, get_many_json, keys, list_suffixes, put_json, KeyValue};
use crate::target::{target_name, StartCommand, TargetCommand, TargetError, TargetReply};
use crate::time::{Clock, Timestamp};
use crate::verification::{parse_any_recipient, parse_email, parse_recipient, Channel, Status, Verification};

/// KV's smallest expiration TTL.
const KV_MIN_TTL: u64 = 60;
/// How long dev outbox entries are kept.
const OUTBOX_TTL: u64 = 3_600;
/// How many dev outbox entries a read returns.
const OUTBOX_LIMIT: usize = 50;

/// A parsed `POST /v2/Services/{VA}/Verifications`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// E.164 number or lower-cased email address.
    pub to: String,
    /// The channel (`auto` already resolved to sms).
    pub channel: Channel,
    /// Overrides the service name in the message.
    pub custom_friendly_name: Option<String>,
    /// The whole message, with a `{{code}}` placeholder.
    pub custom_message: Option<String>,
    /// Digits to dial once a call connects.
    pub send_digits: Option<String>,
    /// Message language.
    pub locale: Option<String>,
    /// Caller-supplied code (services with custom codes).
    pub custom_code: Option<String>,
    /// PSD2 amount.
    pub amount: Option<String>,
    /// PSD2 payee.
    pub payee: Option<String>,
    /// Email options.
    pub channel_configuration: Option<ChannelConfiguration>,
    /// Android SMS Retriever hash.
    pub app_hash: Option<String>,
    /// Rate limit keys (accepted and stored; enforcement comes with rate limits).
    pub rate_limits: Option<Map<String, Value>>,
    /// Tags (stored with the verification).
    pub tags: Option<Map<String, Value>>,
    /// The user's IP address.
    pub device_ip: Option<IpAddr>,
    /// A template (accepted; templates come later).
    pub template_sid: Option<TemplateSid>,
}

fn json_object(p: &Params, name: &str) -> Result<Option<Map<String, Value>>, ApiError> {
    match p.get(name) {
        None | Some("") => Ok(None),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(Some(map)),
            _ => Err(ApiError::invalid(name, "must be a JSON object")),
        },
    }
}

fn matching_text(p: &Params, spec: &ParamSpec, allowed: fn(char) -> bool, what: &str) -> Result<Option<String>, ApiError> {
    match p.text(spec.wire, spec.max_chars())? {
        None => Ok(None),
        Some(v) if !v.is_empty() && v.chars().all(allowed) => Ok(Some(v)),
        Some(_) => Err(ApiError::invalid(spec.wire, what)),
    }
}

/// `RateLimits`: up to 20 keys of up to 64 characters, each valued a string (up to 256
/// characters) or an integer that JSON numbers hold exactly.
fn parse_rate_limits(p: &Params) -> Result<Option<Map<String, Value>>, ApiError> {
    use crate::spec::verification::RATE_LIMITS;
    const SAFE: i64 = (1 << 53) - 1;
    let Some(map) = json_object(p, RATE_LIMITS.wire)? else { return Ok(None) };
    let ok = map.len() <= 20
        && map.iter().all(|(k, v)| {
            !k.is_empty()
                && k.chars().count() <= 64
                && match v {
                    Value::String(s) => s.chars().count() <= 256,
                    Value::Number(n) => n.as_i64().is_some_and(|n| (-SAFE..=SAFE).contains(&n)),
                    _ => false,
                }
        });
    if ok {
        Ok(Some(map))
    } else {
        Err(ApiError::invalid(RATE_LIMITS.wire, "at most 20 keys, each a string or a whole number"))
    }
}

/// Parses a code as typed by a user or given as `CustomCode`: 4 to 10 letters or digits.
fn parse_code(p: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(c) if (4..=10).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()) => Ok(Some(c.to_owned())),
        Some(_) => Err(ApiError::invalid(name, "must be 4 to 10 letters or digits")),
    }
}

impl StartRequest {
    /// Parses and checks every start parameter against the service's settings.
    pub fn parse(p: &Params, service: &ServiceRecord) -> Result<Self, ApiError> {
        use crate::spec::verification::*;
        let channel = Channel::parse(p.get(CHANNEL.wire).ok_or_else(|| ApiError::invalid(CHANNEL.wire, "is required"))?)?;
        let to = parse_recipient(p.get(TO.wire).ok_or_else(|| ApiError::invalid(TO.wire, "is required"))?, channel)?;
        let custom_friendly_name = match p.get(CUSTOM_FRIENDLY_NAME.wire) {
            None | Some("") => None,
            Some(name) => Some(parse_friendly_name(name).map_err(|e| match e {
                ApiError::InvalidParameter { detail, .. } => ApiError::invalid(CUSTOM_FRIENDLY_NAME.wire, detail),
                other => other,
            })?),
        };
        let custom_message = match p.text(CUSTOM_MESSAGE.wire, CUSTOM_MESSAGE.max_chars())? {
            Some(m) if m.contains("{{code}}") || m.contains("{code}") => Some(m),
            Some(_) => return Err(ApiError::invalid(CUSTOM_MESSAGE.wire, "must contain the {{code}} placeholder")),
            None => None,
        };
        let send_digits = matching_text(p, &SEND_DIGITS, |c| c.is_ascii_digit() || "wW#*".contains(c), "may hold only digits, w, W, # and *")?;
        let locale = matching_text(p, &LOCALE, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_', "must be a language tag such as en, es or pt-BR")?;
        if locale.as_deref().is_some_and(|l| !l.split(['-', '_']).next().is_some_and(|lang| (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic()))) {
            return Err(ApiError::invalid(LOCALE.wire, "must be a language tag such as en, es or pt-BR"));
        }
        let custom_code = parse_code(p, CUSTOM_CODE.wire)?;
        if custom_code.is_some() && !service.custom_code_enabled {
            return Err(ApiError::FeatureNotEnabled("CustomCode needs CustomCodeEnabled=true on the service".into()));
        }
        let (amount, payee) = if service.psd2_enabled {
            let amount = p.text(AMOUNT.wire, AMOUNT.max_chars())?.filter(|a| !a.trim().is_empty());
            let payee = p.text(PAYEE.wire, PAYEE.max_chars())?.filter(|a| !a.trim().is_empty());
            match (amount, payee) {
                (Some(a), Some(b)) => (Some(a), Some(b)),
                _ => return Err(ApiError::Psd2ParamsRequired),
            }
        } else {
            (None, None)
        };
        let channel_configuration = match json_object(p, CHANNEL_CONFIGURATION.wire)? {
            None => None,
            Some(map) => {
                let cc: ChannelConfiguration = serde_json::from_value(Value::Object(map))
                    .map_err(|_| ApiError::invalid(CHANNEL_CONFIGURATION.wire, "from, from_name and template_id must be strings and substitutions an object"))?;
                if cc.from.as_deref().is_some_and(|f| parse_email(f).is_none()) {
                    return Err(ApiError::invalid(CHANNEL_CONFIGURATION.wire, "from must be an email address"));
                }
                Some(cc)
            }
        };
        let app_hash = match p.get(APP_HASH.wire) {
            None | Some("") => None,
            Some(h) if h.len() == APP_HASH.max_chars() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/') => Some(h.to_owned()),
            Some(_) => return Err(ApiError::invalid(APP_HASH.wire, "must be the 11-character Android app hash")),
        };
        let device_ip = match p.get(DEVICE_IP.wire) {
            None | Some("") => None,
            Some(ip) => Some(ip.parse().map_err(|_| ApiError::invalid(DEVICE_IP.wire, "must be an IPv4 or IPv6 address"))?),
        };
        let template_sid = match p.get(TEMPLATE_SID.wire) {
            None | Some("") => None,
            Some(t) => Some(TemplateSid::parse(t).ok_or_else(|| ApiError::invalid(TEMPLATE_SID.wire, "must be HJ followed by 32 hex digits"))?),
        };
        let tags = json_object(p, TAGS.wire)?;
        if let Some(tags) = &tags {
            if tags.len() > 10 || tags.iter().any(|(k, v)| k.chars().count() > 128 || v.as_str().is_none_or(|s| s.chars().count() > 128)) {
                return Err(ApiError::invalid(TAGS.wire, "at most 10 string tags, keys and values up to 128 characters"));
            }
        }
        Ok(Self {
            to,
            channel,
            custom_friendly_name,
            custom_message,
            send_digits,
            locale,
            custom_code,
            amount,
            payee,
            channel_configuration,
            app_hash,
            rate_limits: parse_rate_limits(p)?,
            tags,
            device_ip,
            template_sid,
        })
    }
}

/// A parsed `POST /v2/Services/{VA}/VerificationCheck`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The code typed.
    pub code: String,
    /// Which verification: by SID, or by `To`.
    pub target: CheckTarget,
    /// PSD2 amount.
    pub amount: Option<String>,
    /// PSD2 payee.
    pub payee: Option<String>,
}

/// How a check names its verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckTarget {
    /// By `VerificationSid`.
    Sid(VerificationSid),
    /// By `To` (normalised).
    To(String),
}

impl CheckRequest {
    /// Parses `Code`, then `VerificationSid` or `To` (60221 if neither), `Amount`, `Payee`.
    pub fn parse(p: &Params) -> Result<Self, ApiError> {
        use crate::spec::verification::{AMOUNT, CODE, PAYEE, TO, VERIFICATION_SID};
        let code = parse_code(p, CODE.wire)?.ok_or_else(|| ApiError::invalid(CODE.wire, "is required"))?;
        let target = match (p.get(VERIFICATION_SID.wire).filter(|s| !s.is_empty()), p.get(TO.wire).filter(|s| !s.is_empty())) {
            (Some(sid), _) => CheckTarget::Sid(
                VerificationSid::parse(sid).ok_or_else(|| ApiError::invalid(VERIFICATION_SID.wire, "must be VE followed by 32 hex digits"))?,
            ),
            (None, Some(to)) => CheckTarget::To(
                parse_any_recipient(to).ok_or_else(|| ApiError::invalid(TO.wire, "must be an E.164 phone number or an email address"))?,
            ),
            (None, None) => return Err(ApiError::NoVerificationTarget),
        };
        Ok(Self { code, target, amount: p.text(AMOUNT.wire, AMOUNT.max_chars())?, payee: p.text(PAYEE.wire, PAYEE.max_chars())? })
    }
}

/// Parses the `Status` of a verification update: `approved` or `canceled`.
pub fn parse_status_update(p: &Params) -> Result<Status, ApiError> {
    use crate::spec::verification::STATUS;
    match p.get(STATUS.wire) {
        Some("approved") => Ok(Status::Approved),
        Some("canceled") => Ok(Status::Canceled),
        Some(_) => Err(ApiError::invalid(STATUS.wire, "must be approved or canceled")),
        None => Err(ApiError::invalid(STATUS.wire, "is required")),
    }
}

/// What KV keeps of a verification for its lifetime: enough to find its coordinator by SID,
/// and the code digest (never the code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// `VE...`
    pub sid: VerificationSid,
    /// The account.
    pub account_sid: AccountSid,
    /// The service.
    pub service_sid: ServiceSid,
    /// Recipient.
    pub to: String,
    /// `HMAC(key, sid | code)`.
    pub code_digest: String,
    /// End of life.
    pub expires_at: Timestamp,
}

/// One message kept by the dev log sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// When it was "sent".
    pub date_created: String,
    /// Channel.
    pub channel: Channel,
    /// Recipient.
    pub to: String,
    /// The message as a provider would have delivered it.
    pub body: String,
    /// The verification.
    pub verification_sid: VerificationSid,
    /// The service.
    pub service_sid: ServiceSid,
}

fn target_error(err: TargetError, call: &Call) -> ApiError {
    match err {
        TargetError::NotFound => ApiError::NotFound(call.path.clone()),
        TargetError::MaxCheckAttempts => ApiError::MaxCheckAttempts,
        TargetError::MaxSendAttempts => ApiError::MaxSendAttempts,
        TargetError::DifferentCustomCode => ApiError::invalid(
            crate::spec::verification::CUSTOM_CODE.wire,
            "must be the pending verification's code; cancel it to send another",
        ),
    }
}

fn current(reply: Result<TargetReply, TargetError>, call: &Call) -> Result<Verification, ApiError> {
    match reply.map_err(|e| target_error(e, call))? {
        TargetReply::Current { verification } | TargetReply::Started { verification, .. } => Ok(verification),
        TargetReply::Released { .. } => Err(ApiError::Internal("unexpected coordinator reply".into())),
    }
}

impl<P: Platform> App<P> {
    fn code_key(&self) -> Result<&CodeKey, ApiError> {
        self.settings
            .code_key
            .as_ref()
            .ok_or_else(|| ApiError::Internal("CODE_HMAC_KEY is not set (16+ characters)".into()))
    }

    /// `POST /v2/Services/{ServiceSid}/Verifications`
    pub(crate) async fn create_verification(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let service = self.load_service(call).await?;
        let request = StartRequest::parse(&call.params, &service)?;
        let key = self.code_key()?;
        if self.settings.delivery.provider(request.channel, self.settings.dev_mode).is_none() {
            return Err(ApiError::ChannelDisabled(format!("no provider is configured for channel {}", request.channel.as_str())));
        }
        let attempt_sid = AttemptSid::generate(&self.rng);
        let start = StartCommand {
            sid: VerificationSid::generate(&self.rng),
            seed: new_seed(&self.rng),
            code_length: service.code_length,
            custom_code: request.custom_code.clone(),
            channel: request.channel,
            to: request.to.clone(),
            account_sid: service.account_sid.clone(),
            service_sid: service.sid.clone(),
            amount: request.amount.clone(),
            payee: request.payee.clone(),
            locale: request.locale.clone(),
            rate_limits: request.rate_limits.clone(),
            tags: request.tags.clone(),
            attempt_sid: attempt_sid.clone(),
            lifetime_seconds: self.settings.lifetime_seconds,
        };
        let target = target_name(&service.sid, &request.to);
        let reply = self.targets.call(&target, &TargetCommand::Start(Box::new(start))).await?;
        let created = matches!(reply, Ok(TargetReply::Started { created: true, .. }));
        let verification = current(reply, call)?;
        let delivered = self.record_and_deliver(call, &service, &request, &verification, created, key).await;
        if let Err(err) = delivered {
            let release = TargetCommand::Release { attempt_sid };
            if let Ok(Ok(TargetReply::Released { removed: true })) = self.targets.call(&target, &release).await {
                let _ = self.kv.delete(&keys::verification(&service.sid, &verification.sid)).await;
            }
            return Err(err);
        }
        Ok(ApiResponse::json(201, &verification.to_json(&call.origin)))
    }

    async fn record_and_deliver(&self, call: &Call, service: &ServiceRecord, request: &StartRequest, verification: &Verification, created: bool, key: &CodeKey) -> Result<(), ApiError> {
        let code = match (&request.custom_code, verification.derived_code(key)) {
            (Some(custom), _) => custom.clone(),
            (None, Some(derived)) => derived,
            (None, None) => return Err(ApiError::invalid("CustomCode", "is required to resend a verification started with a custom code")),
        };
        if created {
            let token = VerificationToken {
                sid: verification.sid.clone(),
                account_sid: verification.account_sid.clone(),
                service_sid: verification.service_sid.clone(),
                to: verification.to.clone(),
                code_digest: verification.code_digest.clone(),
                expires_at: verification.expires_at,
            };
            let ttl = self.clock.now().seconds_until(verification.expires_at).max(KV_MIN_TTL);
            put_json(&self.kv, &keys::verification(&service.sid, &verification.sid), &token, Some(ttl)).await?;
        }
        let parts = MessageParts {
            friendly_name: request.custom_friendly_name.as_deref().unwrap_or(&service.friendly_name),
            code: &code,
            locale: request.locale.as_deref(),
            do_not_share: service.do_not_share_warning_enabled,
            custom_message: request.custom_message.as_deref(),
            app_hash: request.app_hash.as_deref(),
        };
        let job = DeliveryJob {
            channel: request.channel,
            to: &request.to,
            parts,
            send_digits: request.send_digits.as_deref(),
            channel_configuration: request.channel_configuration.as_ref(),
            service,
            verification_sid: verification.sid.as_str(),
        };
        let now = self.clock.now();
        match dispatch(&self.settings.delivery, &self.settings.providers, self.settings.dev_mode, &job, now)? {
            Dispatch::Http { provider, request } => judge(provider, self.http.send(&request, self.settings.providers.timeout_ms).await, &code),
            Dispatch::Log { text } => {
                P::log(&format!("[dev log sink] {} to {}:\n{text}", job.channel.as_str(), job.to));
                let entry = OutboxEntry {
                    date_created: now.iso8601(),
                    channel: job.channel,
                    to: job.to.to_owned(),
                    body: text,
                    verification_sid: verification.sid.clone(),
                    service_sid: service.sid.clone(),
                };
                let stamp = format!("{:012}-{}", now.unix_seconds(), AttemptSid::generate(&self.rng));
                put_json(&self.kv, &keys::outbox_entry(&call.principal.account, &stamp), &entry, Some(OUTBOX_TTL)).await
            }
        }
    }

    /// The coordinator and verification named by a path `{Sid}`: a `VE` SID, or a `To`.
    async fn resolve(&self, service: &ServiceRecord, sid_or_to: &str, call: &Call) -> Result<(String, Option<VerificationSid>), ApiError> {
        if let Some(sid) = VerificationSid::parse(sid_or_to) {
            let token: Option<VerificationToken> = get_json(&self.kv, &keys::verification(&service.sid, &sid)).await?;
            let token = token.filter(|t| t.account_sid == service.account_sid).ok_or_else(|| ApiError::NotFound(call.path.clone()))?;
            return Ok((target_name(&service.sid, &token.to), Some(sid)));
        }
        let to = parse_any_recipient(sid_or_to).ok_or_else(|| ApiError::NotFound(call.path.clone()))?;
        Ok((target_name(&service.sid, &to), None))
    }

    /// `GET /v2/Services/{ServiceSid}/Verifications/{Sid}` (a `VE` SID or the `To`).
    pub(crate) async fn fetch_verification(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let service = self.load_service(call).await?;
        let (target, sid) = self.resolve(&service, call.path_param("Sid"), call).await?;
        let verification = current(self.targets.call(&target, &TargetCommand::Fetch { sid }).await?, call)?;
        Ok(ApiResponse::json(200, &verification.to_json(&call.origin)))
    }

    /// `POST /v2/Services/{ServiceSid}/Verifications/{Sid}` with `Status=approved|canceled`.
    pub(crate) async fn update_verification(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let service = self.load_service(call).await?;
        let status = parse_status_update(&call.params)?;
        let (target, sid) = self.resolve(&service, call.path_param("Sid"), call).await?;
        let verification = current(self.targets.call(&target, &TargetCommand::Update { sid, status }).await?, call)?;
        Ok(ApiResponse::json(200, &verification.to_json(&call.origin)))
    }

    /// `POST /v2/Services/{ServiceSid}/VerificationCheck`
    pub(crate) async fn create_verification_check(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let service = self.load_service(call).await?;
        self.code_key()?;
        let request = CheckRequest::parse(&call.params)?;
        let (target, sid) = match request.target {
            CheckTarget::Sid(sid) => self.resolve(&service, sid.as_str(), call).await?,
            CheckTarget::To(to) => (target_name(&service.sid, &to), None),
        };
        let command = TargetCommand::Check { sid, code: request.code, amount: request.amount, payee: request.payee };
        let verification = current(self.targets.call(&target, &command).await?, call)?;
        Ok(ApiResponse::json(200, &verification.check_json()))
    }

    /// `GET /dev/outbox`: the caller's recent log-sink messages, newest first (`DEV_MODE` only).
    pub(crate) async fn list_dev_outbox(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        if !self.settings.dev_mode {
            return Err(ApiError::NotFound(call.path.clone()));
        }
        let prefix = keys::outbox(&call.principal.account);
        let stamps = list_suffixes(&self.kv, &prefix).await?;
        let newest: Vec<String> = stamps.iter().rev().map(|s| format!("{prefix}{s}")).collect();
        let entries: Vec<OutboxEntry> = get_many_json(&self.kv, &newest).await?;
        let to = call.query.get("To");
        let sid = call.query.get("VerificationSid");
        let shown: Vec<&OutboxEntry> = entries
            .iter()
            .filter(|e| to.is_none_or(|t| e.to == t) && sid.is_none_or(|s| e.verification_sid.as_str() == s))
            .take(OUTBOX_LIMIT)
            .collect();
        Ok(ApiResponse::json(200, &json!({ "messages": shown })))
    }
}

//! The verification operations. A start costs one coordinator round trip on its success path
//! (reserve; release only when delivery fails) plus the delivery itself; the KV token and the dev
//! outbox are written after the response. A check, fetch or update costs one coordinator round
//! trip and no storage read at all: the coordinator is named by the SID or by the `To`, and it
//! checks the caller's account and service against what it holds.

use super::coordinator::Coordinator;
use super::index::{VerificationIndex, VerificationToken};
use super::machine::{CheckCommand, Refusal, Selector, StartCommand};
use super::model::{Status, VerificationView};
use super::request::{CheckRequest, StartRequest, VerificationRef};
use super::target::{TargetId, TargetKey};
use crate::channel::identity;
use crate::code::{new_seed, CodeKey};
use crate::delivery::message::MessageParts;
use crate::delivery::{dispatch, judge, DeliveryJob, Dispatch, HttpClient};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::sid::{AttemptSid, ServiceSid};
use crate::input::check_text;
use crate::spec::verification::{AMOUNT, CUSTOM_CODE, PAYEE};
use crate::spec::ParamSpec;
use crate::time::Clock;
use crate::verify::outbox::{OutboxEntry, OutboxStore};
use crate::verify::service::record::ServiceRecord;

fn refused(err: Refusal, path: impl FnOnce() -> String) -> ApiError {
    match err {
        Refusal::NotFound => ApiError::NotFound(path()),
        Refusal::MaxCheckAttempts => ApiError::MaxCheckAttempts,
        Refusal::MaxSendAttempts => ApiError::MaxSendAttempts,
        Refusal::DifferentCustomCode => ApiError::invalid(CUSTOM_CODE.wire, "must be the pending verification's code; cancel it to send another"),
        Refusal::CustomCodeRequired => ApiError::invalid(CUSTOM_CODE.wire, "is required to resend a verification started with a custom code"),
        Refusal::GeneratedCode => ApiError::invalid(CUSTOM_CODE.wire, "cannot be given while a verification with a generated code is pending; cancel it first"),
    }
}

/// A PSD2 start's amount and payee: both given, each checked as text.
fn psd2_transaction(request: &StartRequest) -> Result<(Option<String>, Option<String>), ApiError> {
    let given = |value: &Option<String>, spec: &ParamSpec| -> Result<Option<String>, ApiError> {
        value.as_deref().filter(|v| !v.trim().is_empty()).map(|v| check_text(spec, v)).transpose()
    };
    match (given(&request.amount, &AMOUNT)?, given(&request.payee, &PAYEE)?) {
        (Some(amount), Some(payee)) => Ok((Some(amount), Some(payee))),
        _ => Err(ApiError::Psd2ParamsRequired),
    }
}

fn verification_path(service: &ServiceSid, reference: &str) -> String {
    format!("/v2/Services/{service}/Verifications/{reference}")
}

impl<P: Platform> Engine<P> {
    fn keys(&self) -> Result<(&CodeKey, &TargetKey), ApiError> {
        let settings = &self.settings;
        match (&settings.code_key, &settings.target_key) {
            (Some(code), Some(target)) => Ok((code, target)),
            _ => Err(ApiError::Internal("CODE_HMAC_KEY is not set (16+ characters)".into())),
        }
    }

    /// Where a reference leads: the coordinator and the selector it is asked with.
    fn locate(&self, who: &Principal, service: &ServiceSid, reference: &VerificationRef) -> Result<(TargetId, Selector), ApiError> {
        let (_, targets) = self.keys()?;
        let (target, sid) = match reference {
            VerificationRef::Sid(sid) => (targets.target_of(sid), Some(sid.clone())),
            VerificationRef::To(to) => (targets.target(service, &identity(to)), None),
        };
        Ok((target, Selector { account_sid: who.account.clone(), service_sid: service.clone(), sid }))
    }

    /// Sends a code: a new verification, or the same code again on the live one.
    pub async fn start_verification(&self, who: &Principal, service_sid: &ServiceSid, request: StartRequest) -> Result<VerificationView, ApiError> {
        let service = self.fetch_service(who, service_sid).await?;
        if request.custom_code.is_some() && !service.custom_code_enabled {
            return Err(ApiError::FeatureNotEnabled("CustomCode needs CustomCodeEnabled=true on the service".into()));
        }
        let (amount, payee) = if service.psd2_enabled { psd2_transaction(&request)? } else { (None, None) };
        if self.settings.delivery.provider(request.channel, self.settings.dev_mode).is_none() {
            return Err(ApiError::ChannelDisabled(format!("no provider is configured for channel {}", request.channel.as_str())));
        }
        let (code_key, targets) = self.keys()?;
        let target = targets.target(&service.sid, &identity(&request.to));
        let attempt_sid = AttemptSid::generate(&self.rng);
        let command = StartCommand {
            sid: targets.new_sid(&target, &self.rng),
            seed: new_seed(&self.rng),
            code_length: service.code_length,
            custom_code: request.custom_code.clone(),
            channel: request.channel,
            to: request.to.clone(),
            account_sid: service.account_sid.clone(),
            service_sid: service.sid.clone(),
            amount,
            payee,
            locale: request.locale.clone(),
            rate_limits: request.rate_limits.clone(),
            tags: request.tags.clone(),
            attempt_sid: attempt_sid.clone(),
            lifetime_seconds: self.settings.lifetime_seconds,
        };
        let started = self.coordinator.start(&target, command).await?.map_err(|e| refused(e, || verification_path(&service.sid, &request.to)))?;
        let verification = started.verification;
        let code = match (started.code, request.custom_code.clone()) {
            (Some(code), _) | (None, Some(code)) => code,
            (None, None) => return Err(ApiError::Internal("the coordinator reserved a send without a code".into())),
        };
        let delivered = self.deliver(who, &service, &request, &verification, &code).await;
        if let Err(err) = &delivered {
            // A refused send is undone; one the provider may have taken (a timeout) counts, or a
            // slow provider would hand out more than five deliveries.
            if !matches!(err, ApiError::DeliveryUncertain { .. }) {
                if let Err(release) = self.coordinator.release(&target, attempt_sid).await {
                    P::log(&format!("error 20500: releasing a failed send of {}: {release}", verification.sid));
                }
                return delivered.map(|()| verification);
            }
        }
        let token = VerificationToken {
            sid: verification.sid.clone(),
            account_sid: verification.account_sid.clone(),
            service_sid: verification.service_sid.clone(),
            to: verification.to.clone(),
            code_digest: code_key.digest(&verification.sid, &code),
            expires_at: verification.expires_at,
        };
        self.records().put_token_later(&token)?;
        delivered.map(|()| verification)
    }

    async fn deliver(&self, who: &Principal, service: &ServiceRecord, request: &StartRequest, verification: &VerificationView, code: &str) -> Result<(), ApiError> {
        let job = DeliveryJob {
            channel: request.channel,
            to: &request.to,
            parts: MessageParts {
                friendly_name: request.custom_friendly_name.as_deref().unwrap_or(&service.friendly_name),
                code,
                locale: request.locale.as_deref(),
                do_not_share: service.do_not_share_warning_enabled,
                custom_message: request.custom_message.as_deref(),
                app_hash: request.app_hash.as_deref(),
            },
            send_digits: request.send_digits.as_deref(),
            channel_configuration: request.channel_configuration.as_ref(),
            whatsapp_from: service.whatsapp.from.as_deref(),
            whatsapp_service: service.whatsapp.msg_service_sid.as_ref().map(|s| s.as_str()),
            account_sid: service.account_sid.as_str(),
            service_sid: service.sid.as_str(),
            verification_sid: verification.sid.as_str(),
        };
        let settings = &self.settings;
        let now = self.clock.now();
        match dispatch(&settings.delivery, &settings.providers, settings.dev_mode, &job, now)? {
            Dispatch::Http { provider, request } => judge(provider, self.http.send(&request, settings.providers.timeout_ms).await, code),
            Dispatch::Log { text } => {
                P::log(&format!("[dev log sink] {} to {}:\n{text}", job.channel.as_str(), job.to));
                let entry = OutboxEntry {
                    date_created: now.iso8601().to_string(),
                    channel: job.channel,
                    to: job.to.to_owned(),
                    body: text,
                    verification_sid: verification.sid.clone(),
                    service_sid: service.sid.clone(),
                };
                self.records().put_outbox_later(&who.account, &entry, &AttemptSid::generate(&self.rng))
            }
        }
    }

    /// The live verification by SID or `To`.
    pub async fn fetch_verification(&self, who: &Principal, service: &ServiceSid, reference: &VerificationRef) -> Result<VerificationView, ApiError> {
        let (target, selector) = self.locate(who, service, reference)?;
        self.coordinator.fetch(&target, selector).await?.map_err(|e| refused(e, || verification_path(service, reference.as_str())))
    }

    /// Approves or cancels the live verification.
    pub async fn update_verification(&self, who: &Principal, service: &ServiceSid, reference: &VerificationRef, status: Status) -> Result<VerificationView, ApiError> {
        let (target, selector) = self.locate(who, service, reference)?;
        self.coordinator.update(&target, selector, status).await?.map_err(|e| refused(e, || verification_path(service, reference.as_str())))
    }

    /// Checks a code.
    pub async fn check_verification(&self, who: &Principal, service: &ServiceSid, request: CheckRequest) -> Result<VerificationView, ApiError> {
        let (target, selector) = self.locate(who, service, &request.target)?;
        let command = CheckCommand { selector, code: request.code, amount: request.amount, payee: request.payee };
        let path = || format!("/v2/Services/{service}/VerificationCheck");
        self.coordinator.check(&target, command).await?.map_err(|e| refused(e, path))
    }
}

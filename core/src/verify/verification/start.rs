//! Starting a verification: the content rules and geo permissions (no state), then at once the
//! send on the target and the counts on the limiter shards (`reserve`): one coordinator round
//! trip and one per shard (three, plus one per rate limit named), side by side; then the
//! delivery. A refusal anywhere, or a delivery the provider refused, takes every reservation
//! back. The KV token and the dev outbox are written after the response.

use futures_util::future::{join, join_all};

use super::content;
use super::coordinator::Coordinator;
use super::index::{VerificationIndex, VerificationToken};
use super::machine::StartCommand;
use super::model::{FallbackPlan, GuardNote, SendLimits, VerificationView};
use super::ops::{refused, verification_path};
use super::request::StartRequest;
use super::reserve::{client_of, Undo};
use super::target::TargetId;
use crate::channel::{identity, Channel};
use crate::code::new_seed;
use crate::delivery::message::MessageParts;
use crate::callbacks::status_callback_url;
use crate::delivery::DeliveryJob;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::guard::limiter::Limiter;
use crate::guard::shard::LimitCommand;
use crate::identity::principal::Principal;
use crate::input::check_text;
use crate::sid::{AttemptSid, ServiceSid, VerificationSid};
use crate::spec::verification::{AMOUNT, PAYEE};
use crate::spec::ParamSpec;
use crate::time::Clock;
use crate::verify::outbox::Origin;
use crate::verify::service::guard::TestNumber;
use crate::verify::service::record::ServiceRecord;

/// One start as the guarded path sees it.
pub(super) struct Start<'a> {
    pub service: &'a ServiceRecord,
    pub request: &'a StartRequest,
    pub amount: Option<String>,
    pub payee: Option<String>,
    /// The test number it goes to, if it does.
    pub test: Option<TestNumber>,
    /// Whether the service has webhooks (its events go to the outbox).
    pub events: bool,
    /// A fallback's send: of this verification only (see `StartCommand::resend_of`).
    pub resend_of: Option<VerificationSid>,
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

/// The channel fallback an SMS start arms: only when its service has one, for a generated code
/// (a custom code is the caller's, never stored in a form that could be sent again), and never
/// for a test number or a fallback's own send.
fn fallback_plan(who: &Principal, start: &Start<'_>, target: &TargetId) -> Option<FallbackPlan> {
    let (service, request) = (start.service, start.request);
    service.fallback.channel?;
    if request.channel != Channel::Sms || request.custom_code.is_some() || start.test.is_some() || start.resend_of.is_some() {
        return None;
    }
    let client = client_of(who, request);
    Some(FallbackPlan {
        after_seconds: u64::from(service.fallback.after_seconds),
        target: target.name(),
        client_ip: client.ip,
        end_user: client.end_user,
        client_country: client.country,
        origin: who.origin.clone(),
        friendly_name: request.custom_friendly_name.clone(),
    })
}

impl<P: Platform> Engine<P> {
    /// Sends a code: a new verification, or the same code again on the live one. Before anything
    /// is sent the start passes the content rules and geo permissions (no state), then reserves,
    /// all at once, its send on the target and its counts on the limiter shards; a refusal
    /// anywhere undoes every reservation made, so a refused start leaves nothing behind.
    pub async fn start_verification(
        &self,
        who: &Principal,
        service_sid: &ServiceSid,
        request: StartRequest,
    ) -> Result<VerificationView, ApiError> {
        let service = self.fetch_service(who, service_sid).await?;
        // Read once the service is known to exist (its absence is cached too).
        let events = self.has_webhooks(&who.account, service_sid).await?;
        if request.custom_code.is_some() && !service.custom_code_enabled {
            return Err(ApiError::FeatureNotEnabled("CustomCode needs CustomCodeEnabled=true on the service".into()));
        }
        let (amount, payee) = if service.psd2_enabled { psd2_transaction(&request)? } else { (None, None) };
        self.deliverable(request.channel)?;
        let policy = self.settings.policy.account(who.account.as_str());
        content::admit(policy, &service, &request)?;
        let test = service
            .guard
            .test_number(&request.to, self.clock.now())
            .cloned();
        let start = Start {
            service: &service,
            request: &request,
            amount,
            payee,
            test,
            events,
            resend_of: None,
        };
        self.start_admitted(who, &start).await
    }

    /// Refuses a channel no provider of the deployment delivers.
    pub(super) fn deliverable(&self, channel: Channel) -> Result<(), ApiError> {
        match self.settings.delivery.provider(channel, self.settings.dev_mode) {
            Some(_) => Ok(()),
            None => Err(ApiError::ChannelDisabled(format!("no provider is configured for channel {}", channel.as_str()))),
        }
    }

    /// The guarded path of a start that passed the content rules: again, exempt from the fraud
    /// guard, if the guard refused a safe-listed number.
    pub(super) async fn start_admitted(&self, who: &Principal, start: &Start<'_>) -> Result<VerificationView, ApiError> {
        match self.start_guarded(who, start, false).await {
            Err(ApiError::Blocked { code: 60410, .. })
                if self.fraud_exempt(who, start).await? =>
            {
                self.start_guarded(who, start, true).await
            }
            other => other,
        }
    }

    /// Whether a start the fraud guard refused is to a safe-listed number.
    async fn fraud_exempt(&self, who: &Principal, start: &Start<'_>) -> Result<bool, ApiError> {
        self.is_safe_number(&who.account, &start.request.to).await
    }

    async fn start_guarded(
        &self,
        who: &Principal,
        start: &Start<'_>,
        exempt: bool,
    ) -> Result<VerificationView, ApiError> {
        let (service, request) = (start.service, start.request);
        let (code_key, targets) = self.keys()?;
        let identity = identity(&request.to);
        let target = targets.target(&service.sid, &identity);
        let policy = self.settings.policy.account(who.account.as_str());
        let limits = service.guard.limits.over(&policy.limits);
        // Test numbers send nothing, cost nothing and count nothing.
        let (reservations, dest) = match &start.test {
            Some(_) => (Vec::new(), 0),
            None => {
                self.guard_plan(who, policy, service, request, &identity, exempt)
                    .await?
            }
        };
        let probed: Vec<String> = reservations
            .iter()
            .filter(|r| r.probe.is_some())
            .map(|r| r.shard.0.clone())
            .collect();
        let attempt_sid = AttemptSid::generate(&self.rng);
        let command = StartCommand {
            sid: targets.new_sid(&target, &self.rng),
            seed: new_seed(&self.rng),
            code_length: service.code_length,
            custom_code: start
                .test
                .as_ref()
                .map(|t| t.code.clone())
                .or_else(|| request.custom_code.clone()),
            channel: request.channel,
            to: request.to.clone(),
            account_sid: service.account_sid.clone(),
            service_sid: service.sid.clone(),
            amount: start.amount.clone(),
            payee: start.payee.clone(),
            locale: request.locale.clone(),
            rate_limits: request.rate_limits.clone(),
            tags: request.tags.clone(),
            attempt_sid: attempt_sid.clone(),
            lifetime_seconds: self.settings.lifetime_seconds,
            send_limits: start.test.is_none().then_some(SendLimits {
                per_hour: limits.sends_per_to_per_hour,
                per_day: limits.sends_per_to_per_day,
            }),
            guard: (!probed.is_empty()).then_some(GuardNote {
                dest,
                shards: probed,
            }),
            starter: who.credential.client_token().map(str::to_owned),
            events: start.events,
            fallback: fallback_plan(who, start, &target),
            resend_of: start.resend_of.clone(),
        };
        let reserve = reservations.iter().map(|r| {
            self.limiter.send(
                &r.shard,
                LimitCommand::Reserve {
                    limits: r.limits.clone(),
                    probe: r.probe.clone(),
                },
            )
        });
        let (started, replies) =
            join(self.coordinator.start(&target, command), join_all(reserve)).await;
        let mut settled = self.settle(&who.account, &reservations, replies);
        let started = match started {
            Ok(Ok(started)) => Some(started),
            Ok(Err(refusal)) => {
                settled.fail(
                    1,
                    refused(refusal, || verification_path(&service.sid, &request.to)),
                );
                None
            }
            Err(err) => {
                settled.fail(0, err);
                None
            }
        };
        let undo = Undo {
            target: Some(&target),
            attempt: started.as_ref().map(|_| attempt_sid.clone()),
            made: settled.made,
            dest,
        };
        let Some(started) = started.filter(|_| settled.failure.is_none()) else {
            self.undo(&undo).await;
            return Err(settled.failure.map_or_else(
                || ApiError::Internal("a start failed without a reason".into()),
                |(_, err)| err,
            ));
        };
        let verification = started.verification;
        let code = match (
            started.code,
            start
                .test
                .as_ref()
                .map(|t| t.code.clone())
                .or_else(|| request.custom_code.clone()),
        ) {
            (Some(code), _) | (None, Some(code)) => code,
            (None, None) => return Err(ApiError::Internal("the coordinator reserved a send without a code".into())),
        };
        let delivered = if start.test.is_some() {
            Ok(())
        } else {
            self.deliver(who, service, request, (&verification, &attempt_sid), &code)
                .await
        };
        if let Err(err) = &delivered {
            // A refused send is undone; one the provider may have taken (a timeout) counts, or a
            // slow provider would hand out more than five deliveries.
            if !matches!(err, ApiError::DeliveryUncertain { .. }) {
                self.undo(&undo).await;
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
        if start.test.is_none() {
            self.record_attempt(&attempt_sid, &verification, service.code_length, request.locale.as_deref());
        }
        self.emit_started(&verification);
        delivered.map(|()| verification)
    }

    async fn deliver(
        &self,
        who: &Principal,
        service: &ServiceRecord,
        request: &StartRequest,
        (verification, attempt): (&VerificationView, &AttemptSid),
        code: &str,
    ) -> Result<(), ApiError> {
        let callback = status_callback_url(who, attempt.as_str());
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
                web_otp_domain: service.browser.web_otp_domain.as_deref(),
                text: None,
            },
            send_digits: request.send_digits.as_deref(),
            channel_configuration: request.channel_configuration.as_ref(),
            whatsapp_from: service.whatsapp.from.as_deref(),
            whatsapp_service: service.whatsapp.msg_service_sid.as_ref().map(|s| s.as_str()),
            messaging_service: crate::verify::routing::config::sender_for(&service.messaging_configurations, &request.to),
            status_callback: callback.as_deref(),
            account_sid: service.account_sid.as_str(),
            service_sid: service.sid.as_str(),
            verification_sid: verification.sid.as_str(),
        };
        let origin = Origin::Verification { service: service.sid.clone(), verification: verification.sid.clone() };
        self.deliver_job(&who.account, &job, code, origin).await
    }
}

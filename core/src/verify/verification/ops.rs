//! The verification operations after the start (`start`): a check, fetch or update costs one
//! coordinator round trip and no storage read at all: the coordinator is named by the SID or by
//! the `To`, and it checks the caller's account and service against what it holds. An approval
//! is credited to the fraud guard after the response.

use super::coordinator::Coordinator;
use super::machine::{CheckCommand, Refusal, Selector};
use super::model::{Status, VerificationView};
use super::request::{CheckRequest, VerificationRef};
use super::target::{TargetId, TargetKey};
use crate::channel::identity;
use crate::code::CodeKey;
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::guard::limiter::{Limiter, ShardName};
use crate::guard::shard::LimitCommand;
use crate::identity::principal::Principal;
use crate::sid::ServiceSid;
use crate::spec::verification::CUSTOM_CODE;


pub(super) fn refused(err: Refusal, path: impl FnOnce() -> String) -> ApiError {
    match err {
        Refusal::NotFound => ApiError::NotFound(path()),
        Refusal::MaxCheckAttempts => ApiError::MaxCheckAttempts,
        Refusal::MaxSendAttempts => ApiError::MaxSendAttempts,
        Refusal::DifferentCustomCode => ApiError::invalid(CUSTOM_CODE.wire, "must be the pending verification's code; cancel it to send another"),
        Refusal::CustomCodeRequired => ApiError::invalid(CUSTOM_CODE.wire, "is required to resend a verification started with a custom code"),
        Refusal::GeneratedCode => ApiError::invalid(CUSTOM_CODE.wire, "cannot be given while a verification with a generated code is pending; cancel it first"),
        Refusal::TooManySends { retry_after, per_day } => ApiError::Limited {
            code: 60212,
            detail: format!("the sends to this To in the last {} are used up", if per_day { "day" } else { "hour" }),
            retry_after,
        },
    }
}

pub(super) fn verification_path(service: &ServiceSid, reference: &str) -> String {
    format!("/v2/Services/{service}/Verifications/{reference}")
}

impl<P: Platform> Engine<P> {
    pub(super) fn keys(&self) -> Result<(&CodeKey, &TargetKey), ApiError> {
        let settings = &self.settings;
        match (&settings.code_key, &settings.target_key) {
            (Some(code), Some(target)) => Ok((code, target)),
            _ => Err(missing_code_key()),
        }
    }

    /// Where a reference leads: the coordinator and the selector it is asked with.
    fn locate(&self, who: &Principal, service: &ServiceSid, reference: &VerificationRef) -> Result<(TargetId, Selector), ApiError> {
        let (_, targets) = self.keys()?;
        let (target, sid) = match reference {
            VerificationRef::Sid(sid) => (targets.target_of(sid), Some(sid.clone())),
            VerificationRef::To(to) => (targets.target(service, &identity(to)), None),
        };
        let starter = who.credential.client_token().map(str::to_owned);
        Ok((target, Selector { account_sid: who.account.clone(), service_sid: service.clone(), sid, starter }))
    }

    /// Tells the fraud guard that a destination's verification was approved, and marks its
    /// attempts converted; emits the event of its new status (after the response).
    fn credit(&self, view: &VerificationView) {
        self.convert_attempts(view);
        self.emit_outcome(view);
        if let (Status::Approved, Some(note)) = (view.status, &view.guard) {
            for shard in &note.shards {
                self.limiter.send_later(
                    &ShardName(shard.clone()),
                    LimitCommand::Converted { dest: note.dest },
                );
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
        let view = self
            .coordinator
            .update(&target, selector, status)
            .await?
            .map_err(|e| refused(e, || verification_path(service, reference.as_str())))?;
        self.credit(&view);
        Ok(view)
    }

    /// Checks a code.
    pub async fn check_verification(&self, who: &Principal, service: &ServiceSid, request: CheckRequest) -> Result<VerificationView, ApiError> {
        let (target, selector) = self.locate(who, service, &request.target)?;
        let command = CheckCommand { selector, code: request.code, amount: request.amount, payee: request.payee };
        let path = || format!("/v2/Services/{service}/VerificationCheck");
        let view = self
            .coordinator
            .check(&target, command)
            .await?
            .map_err(|e| refused(e, path))?;
        self.credit(&view);
        Ok(view)
    }
}

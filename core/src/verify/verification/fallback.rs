//! Channel fallback: the send a verification's target makes from its alarm when the
//! verification is still pending `Fallback.AfterSeconds` after an SMS (the setting is
//! `verify::service::fallback`; the target arms it with the SMS and takes it when due, see
//! `machine::take_fallback`). The send is the same verification's resend by the service's
//! fallback channel, through the whole guarded start: the account's channels and the geo
//! permissions of that channel, every limiter shard (fraud guard and spend included), the
//! target's sends per hour and day and the verification's five sends. The target refuses it once
//! the verification has ended (approved, canceled, locked out or expired), so nothing is sent
//! after that, and it is tried once, whatever becomes of it.

use super::content;
use super::model::{FallbackJob, VerificationView};
use super::request::StartRequest;
use super::start::Start;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::guard::plan::Client;
use crate::identity::principal::{Credential, Principal};
use crate::identity::records::AccountStatus;
use crate::identity::store::AccountStore;
use crate::verify::service::store::ServiceStore;

impl<P: Platform> Engine<P> {
    /// Sends a due fallback. `Ok(None)`: nothing to send, as the account is no longer active or
    /// the service no longer has a fallback. Errors are the start's: a refusal by a limit or a
    /// permission, `NotFound` when the verification has ended, or the provider's.
    pub async fn send_fallback(&self, job: FallbackJob) -> Result<Option<VerificationView>, ApiError> {
        let records = self.records();
        let main = job.account_sid == self.settings.main.sid;
        if !main && !records.account(&job.account_sid).await?.is_some_and(|r| r.status == AccountStatus::Active) {
            return Ok(None);
        }
        let Some(service) = records.service(&job.account_sid, &job.service_sid).await? else { return Ok(None) };
        let Some(channel) = service.fallback.channel else { return Ok(None) };
        let plan = job.plan;
        // As the start's caller: the account's own credentials, the client the start was judged by.
        let who = Principal {
            account: job.account_sid,
            is_main: main,
            credential: Credential::AuthToken,
            client: Client { ip: plan.client_ip, end_user: plan.end_user, country: plan.client_country },
            origin: plan.origin,
        };
        let events = self.has_webhooks(&who.account, &service.sid).await?;
        self.deliverable(channel)?;
        let request = StartRequest {
            to: job.to,
            channel,
            custom_friendly_name: plan.friendly_name,
            custom_message: None,
            send_digits: None,
            locale: job.locale,
            custom_code: None,
            amount: None,
            payee: None,
            channel_configuration: None,
            app_hash: None,
            rate_limits: job.rate_limits,
            tags: None,
            device_ip: None,
            template_sid: None,
        };
        content::admit(self.settings.policy.account(who.account.as_str()), &service, &request)?;
        let start = Start { service: &service, request: &request, amount: None, payee: None, test: None, events, resend_of: Some(job.sid) };
        self.start_admitted(&who, &start).await.map(Some)
    }
}

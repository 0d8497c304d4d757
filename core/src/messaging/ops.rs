//! The Messages API's operations. A message is guarded like a verification start (the same
//! plan: geo permissions, then client, prefix and account shards with the fraud guard, spend
//! and caps), plus a shard for its recipient that counts sends per `To` as a verification's
//! coordinator does; a refusal anywhere takes every reservation back and sends nothing.
//! Feedback (`Outcome=confirmed`) is how a caller tells the fraud guard that the recipient used
//! the code, as an approval does for a verification.

use futures_util::future::join_all;

use super::record::{new_message_sid, MessageRecord};
use super::request::{MessageRequest, DATE_SENT, DATE_SENT_AFTER, DATE_SENT_BEFORE, FROM, TO};
use super::resource::message_path;
use super::store::MessageStore;
use crate::callbacks::status_callback_url;
use crate::delivery::callback::{DeliveryStatus, StatusReport};
use crate::delivery::message::MessageParts;
use crate::delivery::DeliveryJob;
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::guard::limiter::{Limiter, ShardName};
use crate::guard::plan::{recipient, MESSAGES_SCOPE};
use crate::guard::shard::LimitCommand;
use crate::history::params::parse_datetime;
use crate::identity::principal::Principal;
use crate::identity::records::AccountStatus;
use crate::input::Input;
use crate::page::{window, Listing, PageQuery};
use crate::sid::{AccountSid, MessageSid, ServiceSid};
use crate::spec::ParamSpec;
use crate::time::{Clock, Timestamp};
use crate::verify::outbox::Origin;
use crate::verify::service::record::ServiceRecord;
use crate::verify::verification::content::segments;
use crate::verify::verification::model::GuardNote;
use crate::verify::verification::request::StartRequest;
use crate::verify::verification::reserve::Undo;

/// Which messages a listing wants (`To`, `From`, `DateSent`, `DateSent<`, `DateSent>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub to: Option<String>,
    pub from: Option<String>,
    /// Sent at or after.
    pub after: Option<Timestamp>,
    /// Sent before.
    pub before: Option<Timestamp>,
}

impl MessageFilter {
    fn admits(&self, m: &MessageRecord) -> bool {
        self.to.as_ref().is_none_or(|t| *t == m.to || *t == m.to_address())
            && self.from.as_ref().is_none_or(|f| m.from.as_ref() == Some(f))
            && self.after.is_none_or(|a| m.date_created >= a)
            && self.before.is_none_or(|b| m.date_created < b)
    }
}

/// Reads a listing's filters.
pub fn message_filter(input: &Input<'_>) -> Result<MessageFilter, ApiError> {
    // The helper libraries send dates as `YYYY-MM-DDThh:mm:ssZ`; `DateSent` means its day.
    let when = |spec: &ParamSpec| -> Result<Option<Timestamp>, ApiError> {
        let parsed = input.raw_text(spec)?.filter(|d| !d.is_empty()).map(|d| parse_datetime(d).ok_or_else(|| input.invalid(spec, "must be a date (YYYY-MM-DD) or a time (YYYY-MM-DDThh:mm:ssZ)")));
        parsed.transpose()
    };
    let on = when(&DATE_SENT)?.map(|t| Timestamp::from_unix_seconds(t.unix_seconds() - t.unix_seconds() % 86_400));
    let (before, after) = (when(&DATE_SENT_BEFORE)?, when(&DATE_SENT_AFTER)?);
    let text = |spec: &ParamSpec| -> Result<Option<String>, ApiError> { Ok(input.text(spec)?.filter(|t| !t.is_empty())) };
    Ok(MessageFilter {
        to: text(&TO)?,
        from: text(&FROM)?,
        after: on.or(after),
        before: on.map(|d| d.plus_seconds(86_400)).or(before),
    })
}

/// The guard sees a message as a start with nothing but a channel and a recipient.
fn as_start(request: &MessageRequest) -> StartRequest {
    StartRequest {
        to: request.to.clone(),
        channel: request.channel,
        custom_friendly_name: None,
        custom_message: None,
        send_digits: None,
        locale: None,
        custom_code: None,
        amount: None,
        payee: None,
        channel_configuration: None,
        app_hash: None,
        rate_limits: None,
        tags: None,
        device_ip: None,
        template_sid: None,
    }
}

/// A refusal in Twilio Messaging's words: 21408 for geo permissions, 30450 for the fraud guard
/// (SMS pumping protection); everything else as it is.
fn in_messaging_terms(err: ApiError) -> ApiError {
    match err {
        ApiError::Blocked { code: 60605, detail, .. } => ApiError::Denied {
            code: 21408,
            detail: format!("Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {detail}"),
            retry_after: None,
        },
        ApiError::Blocked { code: 60410, detail, retry_after } => ApiError::Denied {
            code: 30450,
            detail: format!("Message delivery blocked by SMS pumping protection: {detail}"),
            retry_after,
        },
        other => other,
    }
}

fn message_not_found(account: &AccountSid, sid: &str) -> ApiError {
    ApiError::NotFound(format!("{}.json", message_path(account, sid)))
}

impl<P: Platform> Engine<P> {
    /// The account a call acts for: the path's, if the caller may see it (a main account acts
    /// for its subaccounts, as in Twilio).
    async fn messaging_principal(&self, who: &Principal, account: &AccountSid) -> Result<Principal, ApiError> {
        let record = self.visible_account(who, account).await?;
        // A main account may act for its subaccounts, never for a suspended or closed one.
        if record.status != AccountStatus::Active {
            return Err(ApiError::Forbidden(format!("the account {account} is suspended or closed: it sends nothing")));
        }
        Ok(Principal { account: account.clone(), is_main: *account == self.settings.main.sid, credential: who.credential.clone(), client: who.client.clone(), origin: who.origin.clone() })
    }

    /// Sends one message, or refuses it (and then sends nothing and counts nothing).
    pub async fn send_message(&self, who: &Principal, account: &AccountSid, request: MessageRequest) -> Result<MessageRecord, ApiError> {
        let acting = self.messaging_principal(who, account).await?;
        let (settings, channel) = (&self.settings, request.channel);
        if !settings.policy.account(account.as_str()).channels.allows(channel) || settings.delivery.provider(channel, settings.dev_mode).is_none() {
            return Err(ApiError::ChannelDisabled(format!("no provider delivers {} for this account", channel.as_str())));
        }
        match self.send_guarded(&acting, &request, false).await {
            Err(ApiError::Denied { code: 30450, .. }) if self.is_safe_number(&acting.account, &request.to).await? => {
                self.send_guarded(&acting, &request, true).await
            }
            other => other,
        }
    }

    async fn send_guarded(&self, who: &Principal, request: &MessageRequest, exempt: bool) -> Result<MessageRecord, ApiError> {
        let now = self.clock.now();
        let key = self.settings.shard_key.as_ref().ok_or_else(missing_code_key)?;
        let scope = ServiceSid::parse(MESSAGES_SCOPE).ok_or_else(|| ApiError::Internal("the Messages scope is not a SID".into()))?;
        let service = ServiceRecord::new(scope, who.account.clone(), "Messages".into(), now);
        let policy = self.settings.policy.account(who.account.as_str());
        let (mut reservations, dest) = self
            .guard_plan(who, policy, &service, &as_start(request), &request.to, exempt)
            .await
            .map_err(in_messaging_terms)?;
        reservations.push(recipient(key, &who.account, &request.to, &service.guard.limits.over(&policy.limits)));
        let reserve = reservations.iter().map(|r| self.limiter.send(&r.shard, LimitCommand::Reserve { limits: r.limits.clone(), probe: r.probe.clone() }));
        let replies = join_all(reserve).await;
        let settled = self.settle(&who.account, &reservations, replies);
        let probed: Vec<String> = reservations.iter().filter(|r| r.probe.is_some()).map(|r| r.shard.0.clone()).collect();
        let undo = Undo { target: None, attempt: None, made: settled.made, dest };
        if let Some((_, err)) = settled.failure {
            self.undo(&undo).await;
            return Err(in_messaging_terms(err));
        }
        let sid = new_message_sid(now, &self.rng);
        let callback = status_callback_url(who, sid.as_str());
        // The caller's sender is used only where the operator gave it to the account (POLICY
        // senders.whatsapp_from): otherwise the route's sender sends, as for SMS. A caller's
        // MessagingServiceSid is recorded, never used: a Messaging Service is the operator's.
        let senders = &self.settings.policy.account(who.account.as_str()).senders;
        let whatsapp_from = request.from.as_ref().filter(|f| senders.whatsapp_allowed(f)).map(|f| if f.starts_with("whatsapp:") { f.clone() } else { format!("whatsapp:{f}") });
        let job = DeliveryJob {
            channel: request.channel,
            to: &request.to,
            parts: MessageParts { friendly_name: "", code: "", locale: None, do_not_share: false, custom_message: None, app_hash: None, web_otp_domain: None, text: Some(&request.body) },
            send_digits: None,
            channel_configuration: None,
            whatsapp_from: whatsapp_from.as_deref(),
            whatsapp_service: None,
            messaging_service: None,
            status_callback: callback.as_deref(),
            account_sid: who.account.as_str(),
            service_sid: "",
            verification_sid: sid.as_str(),
        };
        if let Err(err) = self.deliver_job(&who.account, &job, &request.body, Origin::Message(sid.clone())).await {
            // As for codes: a send the provider may have taken (a timeout) counts.
            if !matches!(err, ApiError::DeliveryUncertain { .. }) {
                self.undo(&undo).await;
            }
            return Err(err);
        }
        let record = MessageRecord {
            sid,
            account_sid: who.account.clone(),
            channel: request.channel,
            to: request.to.clone(),
            from: request.from.clone(),
            messaging_service_sid: request.messaging_service_sid.clone(),
            status: DeliveryStatus::Queued,
            num_segments: u32::try_from(segments(&request.body)).unwrap_or(u32::MAX),
            error_code: None,
            date_created: now,
            date_updated: now,
            guard: (!probed.is_empty()).then_some(GuardNote { dest, shards: probed }),
            status_callback: request.status_callback.clone(),
            outcome: None,
            outcome_date: None,
            credited: false,
        };
        self.records().put_message(&record).await?;
        Ok(record)
    }

    /// One message of the account.
    pub async fn fetch_message(&self, who: &Principal, account: &AccountSid, sid: &str) -> Result<MessageRecord, ApiError> {
        self.messaging_principal(who, account).await?;
        let parsed = MessageSid::parse(sid).ok_or_else(|| message_not_found(account, sid))?;
        self.records().message(account, &parsed).await?.ok_or_else(|| message_not_found(account, sid))
    }

    /// Deletes a message's record (Twilio's `DELETE`), as the caller's own redaction.
    pub async fn delete_message(&self, who: &Principal, account: &AccountSid, sid: &str) -> Result<(), ApiError> {
        let found = self.fetch_message(who, account, sid).await?;
        self.records().delete_message(account, &found.sid).await
    }

    /// A page of the account's messages, newest first.
    pub async fn list_messages(&self, who: &Principal, account: &AccountSid, filter: &MessageFilter, query: &PageQuery) -> Result<Listing<MessageRecord>, ApiError> {
        self.messaging_principal(who, account).await?;
        let mut found = self.records().message_summaries(account).await?;
        found.retain(|m| filter.admits(m));
        let sids: Vec<String> = found.iter().map(|m| m.sid.to_string()).collect();
        let page = window(&sids, query);
        let wanted: std::collections::HashSet<&str> = page.items.iter().map(String::as_str).collect();
        let items = found.iter().filter(|m| wanted.contains(m.sid.as_str())).cloned().collect();
        Ok(Listing::new(items, &page))
    }

    /// Records what Twilio's status callback said about a message (statuses never go back).
    pub(crate) async fn message_status(&self, account: &AccountSid, sid: &MessageSid, report: &StatusReport) -> Result<(), ApiError> {
        let records = self.records();
        // Missing: expired, deleted, or not yet visible where the callback landed (KV takes up to
        // a minute between locations). Twilio does not retry, so answering an error helps no one.
        let Some(mut record) = records.message(account, sid).await? else {
            P::log(&format!("status callback for {sid}: no such message here (yet); {} not recorded", report.status.as_str()));
            return Ok(());
        };
        let (status, error_code) = (record.status.then(report.status), report.error_code.or(record.error_code));
        if (status, error_code) == (record.status, record.error_code) {
            return Ok(());
        }
        (record.status, record.error_code, record.date_updated) = (status, error_code, self.clock.now());
        records.put_message(&record).await
    }

    /// Records the recipient's outcome; the first confirmation credits the fraud guard's shards
    /// with a conversion, as an approved verification does.
    pub async fn message_feedback(&self, who: &Principal, account: &AccountSid, sid: &str, confirmed: bool) -> Result<MessageRecord, ApiError> {
        let mut record = self.fetch_message(who, account, sid).await?;
        // Credited once per message, whatever feedback follows.
        let first_confirmation = confirmed && !record.credited;
        record.credited |= confirmed;
        record.outcome = Some(confirmed);
        record.outcome_date = Some(self.clock.now());
        self.records().put_message(&record).await?;
        if let (true, Some(note)) = (first_confirmation, &record.guard) {
            for shard in &note.shards {
                self.limiter.send_later(&ShardName(shard.clone()), LimitCommand::Converted { dest: note.dest });
            }
        }
        Ok(record)
    }
}

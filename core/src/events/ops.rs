//! The webhook operations (each one command to the service's outbox, after the service is found
//! as the caller's) and the emission of events, after the response, from the verification
//! operations.

use super::event::{Event, EventType};
use super::outbox::{OutboxCommand, OutboxReply};
use super::signature::new_secret;
use super::webhook::{WebhookInput, WebhookRecord};
use super::{EventSink, MAX_WEBHOOKS};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::ports::PutOptions;
use crate::page::{window, Listing, PageQuery};
use crate::sid::{AccountSid, EventSid, ServiceSid, WebhookSid};
use crate::time::Clock;
use crate::verify::verification::model::VerificationView;

/// The key of a service's webhook flag.
pub fn webhooks_flag_key(account: &AccountSid, service: &ServiceSid) -> String {
    format!("hooks/{account}/{service}")
}

/// What to do. Inputs are parsed only once the service is found.
#[derive(Debug, Clone, Copy)]
pub enum WebhookAction<'a> {
    List(&'a PageQuery),
    Create(Input<'a>),
    Fetch(&'a str),
    Update(&'a str, Input<'a>),
    Delete(&'a str),
}

/// What came of it.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookOutcome {
    List(Listing<WebhookRecord>),
    /// The new webhook and its signing secret (shown this once).
    Created(WebhookRecord, String),
    One(WebhookRecord),
    Deleted,
}

fn unexpected(reply: &OutboxReply) -> ApiError {
    ApiError::Internal(format!("the event outbox answered out of turn ({reply:?})"))
}

impl<P: Platform> Engine<P> {
    /// Runs one webhook operation on `service`.
    pub async fn webhook_action(&self, who: &Principal, service: &ServiceSid, action: WebhookAction<'_>) -> Result<WebhookOutcome, ApiError> {
        let owner = self.fetch_service(who, service).await?.account_sid;
        let not_found = |sid: &str| ApiError::NotFound(format!("/v2/Services/{service}/Webhooks/{sid}"));
        let one = |reply: OutboxReply, sid: &str| match reply {
            OutboxReply::Webhook(record) => Ok(*record),
            OutboxReply::NotFound => Err(not_found(sid)),
            other => Err(unexpected(&other)),
        };
        let dev_mode = self.settings.dev_mode;
        match action {
            WebhookAction::List(query) => {
                let OutboxReply::Webhooks(all) = self.events.send(service, OutboxCommand::List).await? else {
                    return Err(ApiError::Internal("the event outbox did not list its webhooks".into()));
                };
                let sids: Vec<String> = all.iter().map(|w| w.sid.to_string()).collect();
                let page = window(&sids, query);
                let items = all.into_iter().filter(|w| page.items.iter().any(|s| s == w.sid.as_str())).collect();
                Ok(WebhookOutcome::List(Listing::new(items, &page)))
            }
            WebhookAction::Create(input) => {
                let input = WebhookInput::parse(&input, true, dev_mode)?;
                let now = self.clock.now();
                let secret = new_secret(&self.rng);
                let mut record = WebhookRecord {
                    sid: WebhookSid::generate(&self.rng),
                    account_sid: who.account.clone(),
                    service_sid: service.clone(),
                    friendly_name: String::new(),
                    event_types: Vec::new(),
                    enabled: true,
                    version: "v2".into(),
                    url: String::new(),
                    secret: secret.clone(),
                    date_created: now,
                    date_updated: now,
                    failures: Vec::new(),
                };
                record.apply(input, now);
                // The flag first: a webhook the flag missed would miss its events, a flag
                // without a webhook only costs an outbox call.
                self.note_webhooks(&owner, service, true).await?;
                match self.events.send(service, OutboxCommand::Create { record: Box::new(record) }).await? {
                    OutboxReply::Webhook(record) => Ok(WebhookOutcome::Created(*record, secret)),
                    // 409 60207: Twilio's code for a service at its cap (of rate limits).
                    OutboxReply::Full => Err(ApiError::Refused { code: 60207, detail: format!("Max webhooks per service reached: a service holds at most {MAX_WEBHOOKS}") }),
                    other => Err(unexpected(&other)),
                }
            }
            WebhookAction::Fetch(sid) => {
                let parsed = WebhookSid::parse(sid).ok_or_else(|| not_found(sid))?;
                one(self.events.send(service, OutboxCommand::Fetch { sid: parsed }).await?, sid).map(WebhookOutcome::One)
            }
            WebhookAction::Update(sid, input) => {
                let parsed = WebhookSid::parse(sid).ok_or_else(|| not_found(sid))?;
                let input = match WebhookInput::parse(&input, false, dev_mode) {
                    Ok(input) => input,
                    // An unknown webhook is a 404 before any parameter is judged.
                    Err(err) => {
                        one(self.events.send(service, OutboxCommand::Fetch { sid: parsed }).await?, sid)?;
                        return Err(err);
                    }
                };
                let command = OutboxCommand::Update { sid: parsed, input, now: self.clock.now() };
                one(self.events.send(service, command).await?, sid).map(WebhookOutcome::One)
            }
            WebhookAction::Delete(sid) => {
                let parsed = WebhookSid::parse(sid).ok_or_else(|| not_found(sid))?;
                let deleted = match self.events.send(service, OutboxCommand::Delete { sid: parsed }).await? {
                    OutboxReply::Done => WebhookOutcome::Deleted,
                    other => one(other, sid).map(|_| WebhookOutcome::Deleted)?,
                };
                // Cleared when none is left, then looked at again: a webhook made meanwhile (whose
                // create set the flag before this cleared it) sets it back.
                for _ in 0..2 {
                    let OutboxReply::Webhooks(left) = self.events.send(service, OutboxCommand::List).await? else { break };
                    self.note_webhooks(&owner, service, !left.is_empty()).await?;
                    if !left.is_empty() {
                        break;
                    }
                }
                Ok(deleted)
            }
        }
    }

    /// Sets or clears the service's webhook flag (its own key, written by nothing else: a
    /// service update that read the service before cannot undo it).
    async fn note_webhooks(&self, account: &AccountSid, service: &ServiceSid, any: bool) -> Result<(), ApiError> {
        let key = webhooks_flag_key(account, service);
        if any {
            self.records().put(&key, &true, &PutOptions::default()).await
        } else {
            self.records().delete(&key).await
        }
    }

    /// Whether the service (one that exists) has webhooks: its flag, through the isolate's
    /// 5-second cache, absence included. A verification carries it from its start, so its checks
    /// need not read it.
    pub(crate) async fn has_webhooks(&self, account: &AccountSid, service: &ServiceSid) -> Result<bool, ApiError> {
        self.records().flag_cached(&webhooks_flag_key(account, service)).await
    }

    fn emit(&self, event_type: EventType, view: &VerificationView) {
        if !view.events {
            return;
        }
        let event = Event::of(EventSid::generate(&self.rng), event_type, view, self.clock.now());
        self.events.send_later(&view.service_sid, OutboxCommand::Emit { event });
    }

    /// `verification.started`, after a code was sent.
    pub fn emit_started(&self, view: &VerificationView) {
        self.emit(EventType::Started, view);
    }

    /// The event of a verification's new status after a check or an update (approved,
    /// canceled, max_attempts_reached; nothing for a wrong code that leaves it pending).
    pub fn emit_outcome(&self, view: &VerificationView) {
        if let Some(event_type) = EventType::of_status(view.status) {
            self.emit(event_type, view);
        }
    }
}

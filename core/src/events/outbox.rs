//! A service's event outbox, as its Durable Object runs it: the webhooks, and the deliveries
//! still owed (each an event for one webhook, due at a time). Commands run in one synchronous
//! step ([`execute`]); deliveries are taken when due ([`due`]), tried by the object (at most
//! [`PARALLEL`] at once, each with [`TIMEOUT_MS`]), and their outcomes applied ([`settle`]):
//! a 2xx removes the delivery, anything else sets it due again after the schedule's next wait,
//! or, after the last, records a failure on the webhook.

use serde::{Deserialize, Serialize};

use super::backoff::Schedule;
use super::event::{subscribed, Event, EventType};
use super::signature;
use super::webhook::{Failure, WebhookInput, WebhookRecord};
use super::MAX_WEBHOOKS;
use crate::delivery::{OutboundRequest, OutboundResponse, TransportError};
use crate::sid::{EventSid, WebhookSid};
use crate::time::Timestamp;

/// Deliveries an outbox holds; an event beyond it is recorded as a failure at once.
pub const MAX_QUEUE: usize = 1000;
/// Deliveries tried at once (the Workers limit on open connections is six).
pub const PARALLEL: usize = 6;
/// Deliveries tried per alarm (in rounds of [`PARALLEL`]); the rest wait for the next alarm.
pub const PER_ALARM: usize = 30;
/// How long a receiver has to answer.
pub const TIMEOUT_MS: u64 = 10_000;

/// One event owed to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub event_id: EventSid,
    pub event_type: EventType,
    pub webhook: WebhookSid,
    /// The JSON body, the same on every try.
    pub body: String,
    /// Tries made so far.
    pub tries: u32,
    /// When the next try is due (Unix milliseconds).
    pub due_ms: u64,
}

/// What the object stores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    /// In SID order.
    pub webhooks: Vec<WebhookRecord>,
    pub queue: Vec<Pending>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxCommand {
    /// A new webhook (SID, secret and dates made by the engine).
    Create { record: Box<WebhookRecord> },
    List,
    Fetch { sid: WebhookSid },
    Update { sid: WebhookSid, input: WebhookInput, now: Timestamp },
    Delete { sid: WebhookSid },
    /// Owes `event` to every enabled webhook subscribed to it.
    Emit { event: Event },
    /// The service is gone: forget everything.
    DeleteAll,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxReply {
    /// Without their secrets.
    Webhooks(Vec<WebhookRecord>),
    Webhook(Box<WebhookRecord>),
    NotFound,
    /// The service holds [`MAX_WEBHOOKS`] already.
    Full,
    Done,
}

fn failure(pending: &Pending, error: String, now_ms: u64) -> Failure {
    Failure { event_id: pending.event_id.clone(), event_type: pending.event_type, attempts: pending.tries, error, date: Timestamp::from_unix_seconds(now_ms / 1000) }
}

/// Owes `event` to each enabled webhook subscribed to it (once: an event already owed to a
/// webhook is not added again).
fn emit(state: &mut Outbox, event: &Event, now_ms: u64) {
    let Ok(body) = serde_json::to_string(event) else { return };
    let Outbox { webhooks, queue } = state;
    for hook in webhooks.iter_mut().filter(|w| w.enabled && subscribed(&w.event_types, event.event_type)) {
        if queue.iter().any(|p| p.event_id == event.id && p.webhook == hook.sid) {
            continue;
        }
        let pending = Pending { event_id: event.id.clone(), event_type: event.event_type, webhook: hook.sid.clone(), body: body.clone(), tries: 0, due_ms: now_ms };
        if queue.len() >= MAX_QUEUE {
            hook.record_failure(failure(&pending, format!("the outbox holds {MAX_QUEUE} deliveries already"), now_ms));
            continue;
        }
        queue.push(pending);
    }
}

/// Runs one command.
pub fn execute(state: &mut Outbox, command: OutboxCommand, now_ms: u64) -> OutboxReply {
    let position = |state: &Outbox, sid: &WebhookSid| state.webhooks.iter().position(|w| &w.sid == sid);
    match command {
        OutboxCommand::Create { record } => {
            if state.webhooks.len() >= MAX_WEBHOOKS {
                return OutboxReply::Full;
            }
            let reply = OutboxReply::Webhook(Box::new(record.redacted()));
            let at = state.webhooks.partition_point(|w| w.sid < record.sid);
            state.webhooks.insert(at, *record);
            reply
        }
        OutboxCommand::List => OutboxReply::Webhooks(state.webhooks.iter().map(WebhookRecord::redacted).collect()),
        OutboxCommand::Fetch { sid } => match position(state, &sid).and_then(|i| state.webhooks.get(i)) {
            Some(w) => OutboxReply::Webhook(Box::new(w.redacted())),
            None => OutboxReply::NotFound,
        },
        OutboxCommand::Update { sid, input, now } => {
            let Some(hook) = position(state, &sid).and_then(|i| state.webhooks.get_mut(i)) else { return OutboxReply::NotFound };
            hook.apply(input, now);
            let reply = OutboxReply::Webhook(Box::new(hook.redacted()));
            if !hook.enabled {
                state.queue.retain(|p| p.webhook != sid);
            }
            reply
        }
        OutboxCommand::Delete { sid } => match position(state, &sid) {
            Some(i) => {
                state.webhooks.remove(i);
                state.queue.retain(|p| p.webhook != sid);
                OutboxReply::Done
            }
            None => OutboxReply::NotFound,
        },
        OutboxCommand::Emit { event } => {
            emit(state, &event, now_ms);
            OutboxReply::Done
        }
        OutboxCommand::DeleteAll => {
            *state = Outbox::default();
            OutboxReply::Done
        }
    }
}

/// One try to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Try {
    pub event_id: EventSid,
    pub webhook: WebhookSid,
    pub request: OutboundRequest,
}

/// The deliveries due at `now_ms`, earliest first, at most `max`, signed now.
pub fn due(state: &Outbox, now_ms: u64, max: usize) -> Vec<Try> {
    let mut due: Vec<&Pending> = state.queue.iter().filter(|p| p.due_ms <= now_ms).collect();
    due.sort_by_key(|p| p.due_ms);
    due.into_iter()
        .filter_map(|p| {
            let hook = state.webhooks.iter().find(|w| w.sid == p.webhook && w.enabled)?;
            let request = signature::request(&hook.url, &hook.secret, p.event_id.as_str(), p.event_type.name(), &p.body, now_ms / 1000);
            Some(Try { event_id: p.event_id.clone(), webhook: p.webhook.clone(), request })
        })
        .take(max)
        .collect()
}

/// What a try's answer means: `Ok` for a 2xx, else what went wrong (never the body).
pub fn outcome(answer: &Result<OutboundResponse, TransportError>) -> Result<(), String> {
    match answer {
        Ok(r) if (200..300).contains(&r.status) => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status)),
        Err(TransportError::Timeout(ms)) => Err(format!("timeout after {ms} ms")),
        Err(TransportError::Connection(why)) => Err(format!("connection failed: {}", why.chars().take(200).collect::<String>())),
    }
}

/// Applies the outcomes of tries made at `now_ms`.
pub fn settle(state: &mut Outbox, outcomes: Vec<(EventSid, WebhookSid, Result<(), String>)>, now_ms: u64, schedule: &Schedule) {
    for (event_id, webhook, result) in outcomes {
        let Some(index) = state.queue.iter().position(|p| p.event_id == event_id && p.webhook == webhook) else { continue };
        let Err(error) = result else {
            state.queue.remove(index);
            continue;
        };
        let Some(pending) = state.queue.get_mut(index) else { continue };
        pending.tries = pending.tries.saturating_add(1);
        match schedule.wait_after(pending.tries) {
            Some(wait) => pending.due_ms = now_ms.saturating_add(wait),
            None => {
                let gone = state.queue.remove(index);
                if let Some(hook) = state.webhooks.iter_mut().find(|w| w.sid == webhook) {
                    hook.record_failure(failure(&gone, error, now_ms));
                }
            }
        }
    }
    // Deliveries to webhooks that are gone or disabled are dropped.
    let Outbox { webhooks, queue } = state;
    queue.retain(|p| webhooks.iter().any(|w| w.sid == p.webhook && w.enabled));
}

/// When the next delivery is due, if any.
pub fn next_due(state: &Outbox) -> Option<u64> {
    state.queue.iter().map(|p| p.due_ms).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use crate::sid::{AccountSid, ServiceSid};

    fn hook(n: u8, types: &[&str]) -> WebhookRecord {
        WebhookRecord {
            sid: WebhookSid::from_bytes(&[n; 16]),
            account_sid: AccountSid::example(),
            service_sid: ServiceSid::example(),
            friendly_name: "x".into(),
            event_types: types.iter().map(|t| (*t).to_owned()).collect(),
            enabled: true,
            version: "v2".into(),
            url: format!("https://h{n}.example.com/"),
            secret: format!("whsec_{n}"),
            date_created: Timestamp::from_unix_seconds(0),
            date_updated: Timestamp::from_unix_seconds(0),
            failures: Vec::new(),
        }
    }

    fn event(n: u8, event_type: EventType) -> Event {
        let mut e = Event::example(event_type);
        e.id = EventSid::from_bytes(&[n; 16]);
        e.channel = Channel::Sms;
        e
    }

    #[test]
    fn webhooks_are_kept_in_sid_order_without_secrets_outside_and_at_most_ten() {
        let mut state = Outbox::default();
        for n in [5u8, 1, 3] {
            assert!(matches!(execute(&mut state, OutboxCommand::Create { record: Box::new(hook(n, &["*"])) }, 0), OutboxReply::Webhook(w) if w.secret.is_empty()));
        }
        let OutboxReply::Webhooks(all) = execute(&mut state, OutboxCommand::List, 0) else { panic!() };
        assert!(all.windows(2).all(|w| w[0].sid < w[1].sid) && all.iter().all(|w| w.secret.is_empty()));
        assert!(state.webhooks.iter().all(|w| !w.secret.is_empty()), "kept inside");
        for n in 10..17 {
            execute(&mut state, OutboxCommand::Create { record: Box::new(hook(n, &["*"])) }, 0);
        }
        assert_eq!(execute(&mut state, OutboxCommand::Create { record: Box::new(hook(99, &["*"])) }, 0), OutboxReply::Full);
        assert_eq!(state.webhooks.len(), MAX_WEBHOOKS);
        assert_eq!(execute(&mut state, OutboxCommand::Fetch { sid: hook(98, &[]).sid }, 0), OutboxReply::NotFound);
    }

    #[test]
    fn an_event_is_owed_once_per_subscribed_webhook_and_the_queue_is_bounded() {
        let mut state = Outbox::default();
        execute(&mut state, OutboxCommand::Create { record: Box::new(hook(1, &["verification.approved"])) }, 0);
        execute(&mut state, OutboxCommand::Create { record: Box::new(hook(2, &["*"])) }, 0);
        execute(&mut state, OutboxCommand::Emit { event: event(1, EventType::Started) }, 7);
        execute(&mut state, OutboxCommand::Emit { event: event(1, EventType::Started) }, 8);
        assert_eq!(state.queue.len(), 1, "only the * webhook, and only once per id");
        assert_eq!(state.queue[0].due_ms, 7);
        execute(&mut state, OutboxCommand::Emit { event: event(2, EventType::Approved) }, 9);
        assert_eq!(state.queue.len(), 3);
        for n in 0..MAX_QUEUE {
            let mut e = event(3, EventType::Started);
            e.id = EventSid::from_bytes(&[(n % 256) as u8, (n / 256) as u8, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
            execute(&mut state, OutboxCommand::Emit { event: e }, 10);
        }
        assert_eq!(state.queue.len(), MAX_QUEUE);
        assert!(state.webhooks.iter().any(|w| w.failures.first().is_some_and(|f| f.error.contains("outbox holds"))), "the overflow is recorded");
        assert_eq!(due(&state, 10, PARALLEL).len(), PARALLEL);
        execute(&mut state, OutboxCommand::DeleteAll, 0);
        assert_eq!(state, Outbox::default());
    }
}

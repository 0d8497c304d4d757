//! Event webhooks: a service's webhooks (`/v2/Services/{VA}/Webhooks`, Twilio-compatible) and the
//! events a verification's life emits to them, delivered signed, at least once, with retries.
//!
//! One `EventOutbox` Durable Object per service (named by the service SID) holds the service's
//! webhooks (with their signing secrets, which never leave it but once, in the create response)
//! and the deliveries still owed. The engine reaches it through the [`EventSink`] port: webhook
//! operations by one command each, events after the response ([`EventSink::send_later`]). The
//! object runs [`outbox::execute`] for commands and delivers from its alarm (see `src/outbox.rs`).
//! docs/events.md documents the payloads, the signature and the retry schedule.

pub mod backoff;
pub mod event;
pub mod ops;
pub mod outbox;
pub mod resource;
pub mod signature;
pub mod url;
pub mod webhook;

use crate::error::ApiError;
use crate::sid::ServiceSid;
use outbox::{OutboxCommand, OutboxReply};

/// Most webhooks a service holds.
pub const MAX_WEBHOOKS: usize = 10;

/// Talks to each service's event outbox.
#[allow(async_fn_in_trait)]
pub trait EventSink {
    /// Runs `command` on `service`'s outbox and returns its reply. Errors are transport
    /// failures (500), never refusals.
    async fn send(&self, service: &ServiceSid, command: OutboxCommand) -> Result<OutboxReply, ApiError>;

    /// Hands `command` to `service`'s outbox after the response (never delays or fails it).
    fn send_later(&self, service: &ServiceSid, command: OutboxCommand);
}

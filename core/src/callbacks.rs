//! Status callbacks from Twilio: `POST /v1/callbacks/twilio/{AC}/{VL or SM}`, the URL a send
//! through a Twilio route names (`delivery::callback`). Twilio has no credentials of ours, so
//! these are answered before authentication and trusted only when `X-Twilio-Signature` checks
//! out under the auth token of the route whose account sent the message; an unsigned or wrongly
//! signed callback is 403 and changes nothing. A good one is recorded on the send: a Messages
//! API message's record, or a verification attempt's history row.

use crate::delivery::callback::{callback_url, signature_valid, DeliveryStatus, StatusReport};
use crate::history::{sql, Database};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::identity::principal::Principal;
use crate::events::event::Event;
use crate::events::outbox::OutboxCommand;
use crate::events::EventSink;
use crate::sid::{AccountSid, AttemptSid, EventSid, MessageSid};
use crate::time::Clock;

/// Where status callbacks arrive.
pub const CALLBACK_PREFIX: &str = "/v1/callbacks/twilio/";

/// The status callback URL of the send `send` (an `SM` or `VL` SID) of `who`'s account, on the
/// origin the caller reached the worker at.
pub fn status_callback_url(who: &Principal, send: &str) -> Option<String> {
    (!who.origin.is_empty()).then(|| callback_url(&who.origin, &format!("{}/{send}", who.account)))
}

/// The answer to a status callback, or `None` for any other path.
pub async fn serve<P: Platform>(engine: &Engine<P>, req: &ApiRequest) -> Option<ApiResponse> {
    let rest = req.path.strip_prefix(CALLBACK_PREFIX)?;
    Some(match engine.status_callback(req, rest).await {
        Ok(response) => response,
        Err(err @ ApiError::MethodNotAllowed { .. }) => {
            let mut response = ApiResponse::error(&err);
            response.headers.push(("allow".into(), "POST".into()));
            response
        }
        Err(err) => {
            if let ApiError::Internal(detail) = &err {
                P::log(&format!("error 20500: a status callback: {detail}"));
            }
            ApiResponse::error(&err)
        }
    })
}

fn refused() -> ApiError {
    ApiError::Forbidden("the X-Twilio-Signature of this status callback is missing or wrong".into())
}

impl<P: Platform> Engine<P> {
    /// Records a verification send's status after the response, and tells the service's
    /// webhooks (`verification.delivery_status`) when it has any: one history read for the
    /// attempt's verification, service and current status, one cached service read.
    async fn attempt_status(&self, account: &AccountSid, sid: &AttemptSid, report: &StatusReport) -> Result<(), ApiError> {
        if !self.history.bound() {
            return Ok(());
        }
        let now = self.clock.now();
        let Some(row) = self.fetch_attempt_row(account, sid).await? else { return Ok(()) };
        // A callback that changes nothing (a late one, a repeat) is recorded and told nowhere.
        let known = row.message_status.as_deref().and_then(DeliveryStatus::parse);
        if known.is_some_and(|k| k.then(report.status) == k) {
            return Ok(());
        }
        self.history.run_later(vec![sql::delivery_status(account.as_str(), sid.as_str(), report, now.unix_seconds())]);
        // The row names a service this account had: its flag may be cached.
        if self.has_webhooks(account, &row.service_sid).await? {
            if let Some(event) = Event::delivery(EventSid::generate(&self.rng), &row, report.status.as_str(), report.error_code, now) {
                self.events.send_later(&row.service_sid, OutboxCommand::Emit { event });
            }
        }
        Ok(())
    }

    async fn status_callback(&self, req: &ApiRequest, rest: &str) -> Result<ApiResponse, ApiError> {
        let not_found = || ApiError::NotFound(req.path.clone());
        let (account, send) = rest.split_once('/').ok_or_else(not_found)?;
        let account = AccountSid::parse(account).ok_or_else(not_found)?;
        if req.method != Some(Method::Post) {
            return Err(ApiError::MethodNotAllowed { method: req.method_name.clone(), path: req.path.clone() });
        }
        let params: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
        let report = StatusReport::parse(&params).ok_or_else(refused)?;
        let token = self
            .settings
            .delivery
            .twilio_routes
            .iter()
            .find(|route| route.account_sid == report.account_sid)
            .and_then(|route| route.auth_token.as_ref())
            .ok_or_else(refused)?;
        let mut url = format!("{}{}", req.origin, req.path);
        if !req.query.is_empty() {
            url = format!("{url}?{}", req.query);
        }
        if !signature_valid(token.expose(), &url, &params, req.header("x-twilio-signature").unwrap_or_default()) {
            // The classic cause is a URL that differs from the one Twilio signed (a proxy in
            // front, another host name): say which one was checked.
            // Only what this worker knows: its origin and a configured route's account (the
            // path is the caller's).
            P::log(&format!("status callback refused: the signature does not match a URL on {} under the token of the route for {}", req.origin, report.account_sid));
            return Err(refused());
        }
        if let Some(sid) = MessageSid::parse(send) {
            self.message_status(&account, &sid, &report).await?;
        } else if let Some(sid) = AttemptSid::parse(send) {
            self.attempt_status(&account, &sid, &report).await?;
        } else {
            return Err(not_found());
        }
        Ok(ApiResponse::empty(204))
    }
}

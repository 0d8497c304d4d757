//! The coordinator port: one method per command, each with its own reply type. A platform
//! implements only [`Coordinator::send`], the transport of a [`Command`] to the target's
//! single writer (a Durable Object in the worker, a map in host tests), which runs it with
//! [`execute`].

use serde::{Deserialize, Serialize};

use super::machine::{self, CheckCommand, Refusal, Selector, Sends, StartCommand, Started, State};
use super::model::{Status, VerificationView};
use super::target::TargetId;
use crate::code::CodeKey;
use crate::error::ApiError;
use crate::sid::AttemptSid;
use crate::time::Timestamp;

/// A command as it travels to the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Start(Box<StartCommand>),
    Release { attempt_sid: AttemptSid },
    Check(CheckCommand),
    Fetch(Selector),
    Update { selector: Selector, status: Status },
}

/// A reply as it travels back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Started(Result<Started, Refusal>),
    Released { removed: bool },
    Current(Result<VerificationView, Refusal>),
}

/// Runs one command on a target's state and its count of sends (the coordinator's side of the
/// port).
pub fn execute(
    state: &mut State,
    sends: &mut Sends,
    command: Command,
    now: Timestamp,
    key: &CodeKey,
) -> Reply {
    match command {
        Command::Start(start) => {
            Reply::Started(machine::start_counted(state, sends, *start, now, key))
        }
        Command::Release { attempt_sid } => Reply::Released {
            removed: machine::release_counted(state, sends, &attempt_sid, now),
        },
        Command::Check(check) => Reply::Current(machine::check(state, check, now, key)),
        Command::Fetch(selector) => Reply::Current(machine::fetch(state, &selector, now)),
        Command::Update { selector, status } => Reply::Current(machine::update(state, &selector, status, now)),
    }
}

/// What the coordinator finds in its storage: the state, if its text decodes. Text that does not
/// decode (written by another version) is an error, never "nothing stored" (which would lift a
/// lockout), until the expiry stored beside it has passed; then it is gone (`Ok(None)`, and the
/// caller removes it).
pub fn stored_state(text: Option<&str>, expires_at: Option<Timestamp>, now: Timestamp) -> Result<State, String> {
    let Some(text) = text else { return Ok(None) };
    match serde_json::from_str(text) {
        Ok(state) => Ok(state),
        Err(_) if expires_at.is_some_and(|t| now >= t) => Ok(None),
        Err(e) => Err(format!("stored state does not decode: {e}")),
    }
}

fn unexpected(reply: &Reply) -> ApiError {
    let kind = match reply {
        Reply::Started(_) => "started",
        Reply::Released { .. } => "released",
        Reply::Current(_) => "current",
    };
    ApiError::Internal(format!("the coordinator answered out of turn ({kind})"))
}

/// Talks to the single writer of each verification target.
#[allow(async_fn_in_trait)]
pub trait Coordinator {
    /// Delivers `command` to the coordinator of `target` and returns its reply. Errors are
    /// transport failures (500), never refusals.
    async fn send(&self, target: &TargetId, command: Command) -> Result<Reply, ApiError>;

    /// Reserves a send.
    async fn start(&self, target: &TargetId, start: StartCommand) -> Result<Result<Started, Refusal>, ApiError> {
        match self.send(target, Command::Start(Box::new(start))).await? {
            Reply::Started(reply) => Ok(reply),
            other => Err(unexpected(&other)),
        }
    }

    /// Undoes a reserved send; `true` when the verification went away with it.
    async fn release(&self, target: &TargetId, attempt_sid: AttemptSid) -> Result<bool, ApiError> {
        match self.send(target, Command::Release { attempt_sid }).await? {
            Reply::Released { removed } => Ok(removed),
            other => Err(unexpected(&other)),
        }
    }

    async fn check(&self, target: &TargetId, check: CheckCommand) -> Result<Result<VerificationView, Refusal>, ApiError> {
        self.current(target, Command::Check(check)).await
    }

    async fn fetch(&self, target: &TargetId, selector: Selector) -> Result<Result<VerificationView, Refusal>, ApiError> {
        self.current(target, Command::Fetch(selector)).await
    }

    async fn update(&self, target: &TargetId, selector: Selector, status: Status) -> Result<Result<VerificationView, Refusal>, ApiError> {
        self.current(target, Command::Update { selector, status }).await
    }

    #[doc(hidden)]
    async fn current(&self, target: &TargetId, command: Command) -> Result<Result<VerificationView, Refusal>, ApiError> {
        match self.send(target, command).await? {
            Reply::Current(reply) => Ok(reply),
            other => Err(unexpected(&other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_state_is_an_error_until_it_expires() {
        let t = Timestamp::from_unix_seconds(100);
        assert_eq!(stored_state(None, None, t), Ok(None));
        assert!(stored_state(Some("{\"old\": \"format\"}"), None, t).is_err(), "no expiry known: an error");
        assert!(stored_state(Some("{\"old\": \"format\"}"), Some(t.plus_seconds(1)), t).is_err(), "not yet expired: an error");
        assert_eq!(stored_state(Some("{\"old\": \"format\"}"), Some(t), t), Ok(None), "expired: gone");
        assert_eq!(stored_state(Some("null"), None, t), Ok(None));
    }

    #[test]
    fn commands_and_replies_round_trip_through_json() {
        let release = Command::Release { attempt_sid: AttemptSid::example() };
        let text = serde_json::to_string(&release).unwrap();
        assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), release);
        let refused = Reply::Current(Err(Refusal::MaxSendAttempts));
        let text = serde_json::to_string(&refused).unwrap();
        assert_eq!(serde_json::from_str::<Reply>(&text).unwrap(), refused);
    }
}

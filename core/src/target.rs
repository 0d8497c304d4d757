//! The state machine of one verification target (a service and a `To`). The Durable Object runs
//! it for every request to its target, one at a time, so the send and check limits and the
//! status changes hold under any concurrency. It is pure: state in, state and reply out.

use serde::{Deserialize, Serialize};

use crate::code::CodeKey;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;
use crate::verification::{Channel, SendAttempt, Status, Verification, MAX_CHECKS, MAX_SENDS};

/// The Durable Object name of a target.
pub fn target_name(service: &ServiceSid, to: &str) -> String {
    format!("{service}/{to}")
}

/// What starting a verification needs from the caller side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCommand {
    /// The SID to use if a new verification is made.
    pub sid: VerificationSid,
    /// The seed to use if a new verification is made.
    pub seed: String,
    /// Code digits if a new verification is made.
    pub code_length: u8,
    /// A caller-supplied code (services with custom codes).
    pub custom_code: Option<String>,
    /// The channel of this send.
    pub channel: Channel,
    /// Recipient.
    pub to: String,
    /// The account.
    pub account_sid: AccountSid,
    /// The service.
    pub service_sid: ServiceSid,
    /// PSD2 amount.
    pub amount: Option<String>,
    /// PSD2 payee.
    pub payee: Option<String>,
    /// Locale asked for.
    pub locale: Option<String>,
    /// `RateLimits` of the start.
    #[serde(default)]
    pub rate_limits: Option<serde_json::Map<String, serde_json::Value>>,
    /// `Tags` of the start.
    #[serde(default)]
    pub tags: Option<serde_json::Map<String, serde_json::Value>>,
    /// The SID of this send.
    pub attempt_sid: AttemptSid,
    /// How long a new verification lives.
    pub lifetime_seconds: u64,
}

/// A request to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetCommand {
    /// Reserve a send: a new verification, or a resend of the live one.
    Start(Box<StartCommand>),
    /// Undo a reserved send whose delivery failed.
    Release {
        /// The send to undo.
        attempt_sid: AttemptSid,
    },
    /// Check a code.
    Check {
        /// Only this verification, if given.
        sid: Option<VerificationSid>,
        /// The code the user typed.
        code: String,
        /// PSD2 amount to match.
        amount: Option<String>,
        /// PSD2 payee to match.
        payee: Option<String>,
    },
    /// Read the live verification.
    Fetch {
        /// Only this verification, if given.
        sid: Option<VerificationSid>,
    },
    /// Approve or cancel the live verification.
    Update {
        /// Only this verification, if given.
        sid: Option<VerificationSid>,
        /// `approved` or `canceled`.
        status: Status,
    },
}

/// A successful answer from a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetReply {
    /// A send was reserved.
    Started {
        /// The verification after the reservation.
        verification: Verification,
        /// Whether it was made by this start.
        created: bool,
    },
    /// A reserved send was undone.
    Released {
        /// Whether the verification went away with it (it had no other send).
        removed: bool,
    },
    /// The verification as it now is (after a check, fetch or update).
    Current {
        /// The verification.
        verification: Verification,
    },
}

/// Why a target refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum TargetError {
    /// No live verification (never made, approved, canceled, expired, or another SID).
    #[error("not found")]
    NotFound,
    /// Five checks were used.
    #[error("max check attempts reached")]
    MaxCheckAttempts,
    /// Five sends were used.
    #[error("max send attempts reached")]
    MaxSendAttempts,
    /// A resend carried a custom code other than the pending one.
    #[error("different custom code")]
    DifferentCustomCode,
}

fn finish(v: &mut Verification, status: Status, now: Timestamp) {
    v.status = status;
    v.date_updated = now;
    v.seed.clear();
    v.code_digest.clear();
}

/// Applies one command to the target's state (`None`: nothing stored).
pub fn apply(state: &mut Option<Verification>, command: TargetCommand, now: Timestamp, key: &CodeKey) -> Result<TargetReply, TargetError> {
    if state.as_ref().is_some_and(|v| now >= v.expires_at) {
        *state = None;
    }
    match command {
        TargetCommand::Start(start) => start_or_resend(state, *start, now, key),
        TargetCommand::Release { attempt_sid } => {
            let Some(v) = state.as_mut() else { return Ok(TargetReply::Released { removed: false }) };
            v.send_attempts.retain(|a| a.attempt_sid != attempt_sid);
            if let Some(last) = v.send_attempts.last() {
                v.channel = last.channel;
            }
            // Only a verification nobody has checked yet goes away with its last send: checks
            // already made (or an exhausted lockout) must survive a failed delivery.
            let removed = v.send_attempts.is_empty() && v.status == Status::Pending && v.checks == 0;
            if removed {
                *state = None;
            }
            Ok(TargetReply::Released { removed })
        }
        TargetCommand::Check { sid, code, amount, payee } => {
            let v = live_or_exhausted(state, sid.as_ref())?;
            if v.status == Status::MaxAttemptsReached || v.checks >= MAX_CHECKS {
                return Err(TargetError::MaxCheckAttempts);
            }
            v.checks += 1;
            v.date_updated = now;
            let transaction_matches = v.amount.is_none() || (v.amount == amount && v.payee == payee);
            let code_matches = key.matches(&v.sid, &code, &v.code_digest);
            if code_matches && transaction_matches {
                finish(v, Status::Approved, now);
                let verification = v.clone();
                *state = None;
                return Ok(TargetReply::Current { verification });
            }
            if v.checks >= MAX_CHECKS {
                finish(v, Status::MaxAttemptsReached, now);
            }
            Ok(TargetReply::Current { verification: v.clone() })
        }
        TargetCommand::Fetch { sid } => {
            let v = live(state, sid.as_ref())?;
            Ok(TargetReply::Current { verification: v.clone() })
        }
        TargetCommand::Update { sid, status } => {
            let v = live(state, sid.as_ref())?;
            finish(v, status, now);
            let verification = v.clone();
            *state = None;
            Ok(TargetReply::Current { verification })
        }
    }
}

fn start_or_resend(state: &mut Option<Verification>, start: StartCommand, now: Timestamp, key: &CodeKey) -> Result<TargetReply, TargetError> {
    let attempt = SendAttempt { attempt_sid: start.attempt_sid, channel: start.channel, time: now };
    if let Some(v) = state.as_mut() {
        if v.status == Status::MaxAttemptsReached {
            return Err(TargetError::MaxCheckAttempts);
        }
        if v.send_attempts.len() >= MAX_SENDS {
            return Err(TargetError::MaxSendAttempts);
        }
        if start.custom_code.as_ref().is_some_and(|code| !key.matches(&v.sid, code, &v.code_digest)) {
            return Err(TargetError::DifferentCustomCode);
        }
        v.send_attempts.push(attempt);
        v.channel = start.channel;
        v.date_updated = now;
        return Ok(TargetReply::Started { verification: v.clone(), created: false });
    }
    let code = match &start.custom_code {
        Some(code) => code.clone(),
        None => key.derive_code(start.seed.as_bytes(), start.code_length),
    };
    let verification = Verification {
        code_digest: key.digest(&start.sid, &code),
        sid: start.sid,
        service_sid: start.service_sid,
        account_sid: start.account_sid,
        to: start.to,
        channel: start.channel,
        status: Status::Pending,
        seed: if start.custom_code.is_some() { String::new() } else { start.seed },
        code_length: start.code_length,
        custom_code: start.custom_code.is_some(),
        amount: start.amount,
        payee: start.payee,
        send_attempts: vec![attempt],
        checks: 0,
        locale: start.locale,
        rate_limits: start.rate_limits,
        tags: start.tags,
        date_created: now,
        date_updated: now,
        expires_at: now.plus_seconds(start.lifetime_seconds),
    };
    *state = Some(verification.clone());
    Ok(TargetReply::Started { verification, created: true })
}

fn matching<'a>(state: &'a mut Option<Verification>, sid: Option<&VerificationSid>) -> Result<&'a mut Verification, TargetError> {
    state.as_mut().filter(|v| sid.is_none_or(|s| *s == v.sid)).ok_or(TargetError::NotFound)
}

fn live<'a>(state: &'a mut Option<Verification>, sid: Option<&VerificationSid>) -> Result<&'a mut Verification, TargetError> {
    let v = matching(state, sid)?;
    if v.status == Status::Pending {
        Ok(v)
    } else {
        Err(TargetError::NotFound)
    }
}

fn live_or_exhausted<'a>(state: &'a mut Option<Verification>, sid: Option<&VerificationSid>) -> Result<&'a mut Verification, TargetError> {
    matching(state, sid)
}

impl Verification {
    /// The code to deliver for this verification, derived again from its seed; `None` for a
    /// custom code (the caller has it) or a finished verification.
    pub fn derived_code(&self, key: &CodeKey) -> Option<String> {
        (!self.seed.is_empty()).then(|| key.derive_code(self.seed.as_bytes(), self.code_length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_unix_seconds(1_700_000_000);

    fn key() -> CodeKey {
        CodeKey::new("target-test-key-000000").unwrap()
    }

    fn sid(n: u8, prefix: &str) -> String {
        format!("{prefix}{}", format!("{n:02x}").repeat(16))
    }

    fn start(n: u8) -> TargetCommand {
        TargetCommand::Start(Box::new(StartCommand {
            sid: VerificationSid::parse(&sid(n, "VE")).unwrap(),
            seed: format!("seed-{n}"),
            code_length: 6,
            custom_code: None,
            channel: Channel::Sms,
            to: "+14155550100".into(),
            account_sid: AccountSid::parse(&sid(1, "AC")).unwrap(),
            service_sid: ServiceSid::parse(&sid(1, "VA")).unwrap(),
            amount: None,
            payee: None,
            locale: None,
            rate_limits: Some(serde_json::from_str(r#"{"end_user_ip": "203.0.113.7"}"#).unwrap()),
            tags: None,
            attempt_sid: AttemptSid::parse(&sid(n, "VL")).unwrap(),
            lifetime_seconds: 600,
        }))
    }

    fn check(code: &str) -> TargetCommand {
        TargetCommand::Check { sid: None, code: code.into(), amount: None, payee: None }
    }

    fn code_of(state: &Option<Verification>) -> String {
        state.as_ref().unwrap().derived_code(&key()).unwrap()
    }

    fn current(reply: Result<TargetReply, TargetError>) -> Verification {
        match reply {
            Ok(TargetReply::Current { verification }) | Ok(TargetReply::Started { verification, .. }) => verification,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resends_reuse_the_verification_and_its_code_up_to_five_sends() {
        let mut st = None;
        let first = current(apply(&mut st, start(1), T0, &key()));
        assert_eq!(first.rate_limits.as_ref().unwrap()["end_user_ip"], "203.0.113.7", "rate limit keys are stored");
        let code = code_of(&st);
        for n in 2..=5 {
            let again = current(apply(&mut st, start(n), T0.plus_seconds(u64::from(n)), &key()));
            assert_eq!(again.sid, first.sid, "same verification");
            assert_eq!(code_of(&st), code, "same code");
            assert_eq!(again.send_attempts.len(), usize::from(n));
        }
        assert_eq!(apply(&mut st, start(6), T0, &key()), Err(TargetError::MaxSendAttempts));
        assert_eq!(st.as_ref().unwrap().send_attempts.len(), 5);
    }

    #[test]
    fn right_code_approves_once_and_then_it_is_gone() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        let code = code_of(&st);
        let approved = current(apply(&mut st, check(&code), T0, &key()));
        assert_eq!(approved.status, Status::Approved);
        assert!(approved.code_digest.is_empty() && approved.seed.is_empty());
        assert_eq!(st, None);
        assert_eq!(apply(&mut st, check(&code), T0, &key()), Err(TargetError::NotFound));
        assert_eq!(apply(&mut st, TargetCommand::Fetch { sid: None }, T0, &key()), Err(TargetError::NotFound));
        let fresh = current(apply(&mut st, start(2), T0, &key()));
        assert_ne!(fresh.sid, approved.sid, "a start after approval makes a new verification");
    }

    #[test]
    fn five_wrong_checks_exhaust_it_even_for_the_right_code() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        let code = code_of(&st);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for n in 1..=4 {
            let v = current(apply(&mut st, check(wrong), T0, &key()));
            assert_eq!((v.status, v.checks), (Status::Pending, n));
        }
        let fifth = current(apply(&mut st, check(wrong), T0, &key()));
        assert_eq!(fifth.status, Status::MaxAttemptsReached);
        assert_eq!(apply(&mut st, check(&code), T0, &key()), Err(TargetError::MaxCheckAttempts));
        assert_eq!(apply(&mut st, start(2), T0, &key()), Err(TargetError::MaxCheckAttempts), "no fresh code before expiry");
        assert_eq!(apply(&mut st, TargetCommand::Fetch { sid: None }, T0, &key()), Err(TargetError::NotFound));
        let after = current(apply(&mut st, start(3), T0.plus_seconds(600), &key()));
        assert_eq!(after.status, Status::Pending, "after expiry a new verification starts");
    }

    #[test]
    fn expiry_makes_it_gone() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        let code = code_of(&st);
        assert!(apply(&mut st, TargetCommand::Fetch { sid: None }, T0.plus_seconds(599), &key()).is_ok());
        assert_eq!(apply(&mut st, check(&code), T0.plus_seconds(600), &key()), Err(TargetError::NotFound));
        assert_eq!(st, None);
    }

    #[test]
    fn update_approves_or_cancels_and_sid_must_match() {
        let mut st = None;
        let v = current(apply(&mut st, start(1), T0, &key()));
        let other = VerificationSid::parse(&sid(9, "VE")).unwrap();
        assert_eq!(apply(&mut st, TargetCommand::Update { sid: Some(other.clone()), status: Status::Canceled }, T0, &key()), Err(TargetError::NotFound));
        assert_eq!(apply(&mut st, TargetCommand::Fetch { sid: Some(other) }, T0, &key()), Err(TargetError::NotFound));
        let canceled = current(apply(&mut st, TargetCommand::Update { sid: Some(v.sid.clone()), status: Status::Canceled }, T0, &key()));
        assert_eq!(canceled.status, Status::Canceled);
        assert_eq!(st, None);
        assert_eq!(apply(&mut st, TargetCommand::Update { sid: None, status: Status::Approved }, T0, &key()), Err(TargetError::NotFound));
    }

    #[test]
    fn releasing_the_only_send_removes_the_verification() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        apply(&mut st, start(2), T0, &key()).unwrap();
        let release = |n: u8| TargetCommand::Release { attempt_sid: AttemptSid::parse(&sid(n, "VL")).unwrap() };
        assert_eq!(apply(&mut st, release(2), T0, &key()), Ok(TargetReply::Released { removed: false }));
        assert_eq!(st.as_ref().unwrap().send_attempts.len(), 1);
        assert_eq!(apply(&mut st, release(1), T0, &key()), Ok(TargetReply::Released { removed: true }));
        assert_eq!(st, None);
        assert_eq!(apply(&mut st, release(1), T0, &key()), Ok(TargetReply::Released { removed: false }));
    }

    #[test]
    fn psd2_checks_need_the_same_amount_and_payee() {
        let mut st = None;
        let TargetCommand::Start(mut s) = start(1) else { unreachable!() };
        s.amount = Some("€39.99".into());
        s.payee = Some("Acme".into());
        apply(&mut st, TargetCommand::Start(s), T0, &key()).unwrap();
        let code = code_of(&st);
        let wrong_amount = TargetCommand::Check { sid: None, code: code.clone(), amount: Some("€3999".into()), payee: Some("Acme".into()) };
        assert_eq!(current(apply(&mut st, wrong_amount, T0, &key())).status, Status::Pending);
        let right = TargetCommand::Check { sid: None, code, amount: Some("€39.99".into()), payee: Some("Acme".into()) };
        assert_eq!(current(apply(&mut st, right, T0, &key())).status, Status::Approved);
    }

    #[test]
    fn a_failed_delivery_never_resets_checks_or_the_lockout() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        let wrong = if code_of(&st) == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            apply(&mut st, check(wrong), T0, &key()).unwrap();
        }
        let release = TargetCommand::Release { attempt_sid: AttemptSid::parse(&sid(1, "VL")).unwrap() };
        assert_eq!(apply(&mut st, release, T0, &key()), Ok(TargetReply::Released { removed: false }));
        assert_eq!(apply(&mut st, start(2), T0, &key()), Err(TargetError::MaxCheckAttempts), "still locked out");

        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        apply(&mut st, check(wrong), T0, &key()).unwrap();
        let release = TargetCommand::Release { attempt_sid: AttemptSid::parse(&sid(1, "VL")).unwrap() };
        assert_eq!(apply(&mut st, release, T0, &key()), Ok(TargetReply::Released { removed: false }));
        assert_eq!(st.as_ref().unwrap().checks, 1, "the wrong check still counts");
    }

    #[test]
    fn a_failed_resend_restores_the_channel() {
        let mut st = None;
        apply(&mut st, start(1), T0, &key()).unwrap();
        let TargetCommand::Start(mut call) = start(2) else { unreachable!() };
        call.channel = Channel::Call;
        apply(&mut st, TargetCommand::Start(call), T0, &key()).unwrap();
        assert_eq!(st.as_ref().unwrap().channel, Channel::Call);
        let release = TargetCommand::Release { attempt_sid: AttemptSid::parse(&sid(2, "VL")).unwrap() };
        apply(&mut st, release, T0, &key()).unwrap();
        assert_eq!(st.as_ref().unwrap().channel, Channel::Sms);
    }

    #[test]
    fn a_resend_cannot_change_a_custom_code() {
        let mut st = None;
        let TargetCommand::Start(mut s) = start(1) else { unreachable!() };
        s.custom_code = Some("1111".into());
        apply(&mut st, TargetCommand::Start(s), T0, &key()).unwrap();
        let TargetCommand::Start(mut other) = start(2) else { unreachable!() };
        other.custom_code = Some("2222".into());
        assert_eq!(apply(&mut st, TargetCommand::Start(other), T0, &key()), Err(TargetError::DifferentCustomCode));
        let TargetCommand::Start(mut same) = start(3) else { unreachable!() };
        same.custom_code = Some("1111".into());
        assert!(apply(&mut st, TargetCommand::Start(same), T0, &key()).is_ok());
        assert_eq!(current(apply(&mut st, check("2222"), T0, &key())).status, Status::Pending);
        assert_eq!(current(apply(&mut st, check("1111"), T0, &key())).status, Status::Approved);
    }

    #[test]
    fn custom_codes_are_checked_and_not_derivable() {
        let mut st = None;
        let TargetCommand::Start(mut s) = start(1) else { unreachable!() };
        s.custom_code = Some("4321".into());
        apply(&mut st, TargetCommand::Start(s), T0, &key()).unwrap();
        assert_eq!(st.as_ref().unwrap().derived_code(&key()), None);
        assert!(st.as_ref().unwrap().seed.is_empty());
        assert_eq!(current(apply(&mut st, check("4321"), T0, &key())).status, Status::Approved);
    }

    #[test]
    fn commands_round_trip_through_json() {
        let cmd = start(1);
        let text = serde_json::to_string(&cmd).unwrap();
        assert_eq!(serde_json::from_str::<TargetCommand>(&text).unwrap(), cmd);
        let err: Result<TargetReply, TargetError> = Err(TargetError::MaxSendAttempts);
        let text = serde_json::to_string(&err).unwrap();
        assert_eq!(serde_json::from_str::<Result<TargetReply, TargetError>>(&text).unwrap(), err);
    }
}

//! The state machine of one verification target. Its coordinator (a Durable Object) runs one
//! command at a time on its stored state, so the send and check limits and the status changes
//! hold under any concurrency. Pure: state in, state and reply out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::{
    Fallback, FallbackJob, FallbackPlan, GuardNote, SendAttempt, SendLimits, Status, Verification,
    VerificationView, MAX_CHECKS, MAX_SENDS,
};
pub use super::sends::Sends;
use crate::channel::Channel;
use crate::code::CodeKey;
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;

/// Reserve a send: a new verification, or a resend of the live one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCommand {
    /// The SID if a new verification is made.
    pub sid: VerificationSid,
    /// The seed if a new verification is made.
    pub seed: String,
    /// Code digits if a new verification is made.
    pub code_length: u8,
    /// A caller-supplied code (services with custom codes).
    pub custom_code: Option<String>,
    pub channel: Channel,
    pub to: String,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub amount: Option<String>,
    pub payee: Option<String>,
    pub locale: Option<String>,
    pub rate_limits: Option<Map<String, Value>>,
    pub tags: Option<Map<String, Value>>,
    /// The SID of this send.
    pub attempt_sid: AttemptSid,
    /// How long a new verification lives.
    pub lifetime_seconds: u64,
    /// Sends to this target allowed per hour and per day (`None`: not counted, as for test
    /// numbers).
    #[serde(default)]
    pub send_limits: Option<SendLimits>,
    /// The guard's notes on this start, kept so an approval can be credited.
    #[serde(default)]
    pub guard: Option<GuardNote>,
    /// The client token a page started with (`None`: a backend's credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starter: Option<String>,
    /// Whether the service has webhooks (see `VerificationView::events`).
    #[serde(default)]
    pub events: bool,
    /// The channel fallback an SMS with a generated code arms (`None`: none, or not an SMS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackPlan>,
    /// A fallback's send: only on this live verification, never a new one, and it spends the
    /// fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend_of: Option<VerificationSid>,
}

/// A reserved send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    pub verification: VerificationView,
    /// Whether this start made the verification.
    pub created: bool,
    /// The code to deliver, derived again from the seed; `None` for a custom code (the caller
    /// has it).
    pub code: Option<String>,
}

/// Which verification a check, fetch or update means: the caller's account and service, and
/// a SID when the caller named one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selector {
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub sid: Option<VerificationSid>,
    /// A page's client token: it reaches only the verifications a client token started, and
    /// took over last (a backend's credentials reach every one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCommand {
    pub selector: Selector,
    /// The code the user typed.
    pub code: String,
    pub amount: Option<String>,
    pub payee: Option<String>,
}

/// Why a target refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// No live verification (never made, approved, canceled, expired, another SID, service or
    /// account).
    #[error("not found")]
    NotFound,
    #[error("max check attempts reached")]
    MaxCheckAttempts,
    #[error("max send attempts reached")]
    MaxSendAttempts,
    /// A resend carried a custom code other than the pending one (counted as a failed check).
    #[error("different custom code")]
    DifferentCustomCode,
    /// A resend carried a custom code, but the live verification's code was generated.
    #[error("generated code")]
    GeneratedCode,
    /// A resend of a custom-code verification without the code.
    #[error("custom code required")]
    CustomCodeRequired,
    /// The target's sends per hour (or per day) are used up.
    #[error("too many sends")]
    TooManySends { retry_after: u64, per_day: bool },
}

/// One target's state: `None` when nothing is stored.
pub type State = Option<Verification>;

fn expire(state: &mut State, now: Timestamp) {
    if state.as_ref().is_some_and(|v| now >= v.public.expires_at) {
        *state = None;
    }
}

fn finish(v: &mut Verification, status: Status, now: Timestamp) {
    v.public.status = status;
    v.public.date_updated = now;
    v.seed.clear();
    v.code_digest.clear();
}

/// The verification the selector names, live or exhausted.
fn selected<'a>(state: &'a mut State, selector: &Selector) -> Result<&'a mut Verification, Refusal> {
    state
        .as_mut()
        .filter(|v| v.public.account_sid == selector.account_sid && v.public.service_sid == selector.service_sid)
        .filter(|v| selector.sid.as_ref().is_none_or(|s| *s == v.public.sid))
        .filter(|v| selector.starter.is_none() || selector.starter == v.starter)
        .ok_or(Refusal::NotFound)
}

fn live<'a>(state: &'a mut State, selector: &Selector) -> Result<&'a mut Verification, Refusal> {
    let v = selected(state, selector)?;
    if v.public.status == Status::Pending {
        Ok(v)
    } else {
        Err(Refusal::NotFound)
    }
}

/// Reserves a send: within the target's sends per hour and day, then on the live verification
/// or a new one.
pub fn start_counted(
    state: &mut State,
    sends: &mut Sends,
    start: StartCommand,
    now: Timestamp,
    key: &CodeKey,
) -> Result<Started, Refusal> {
    let limits = start.send_limits;
    if let Some(limits) = limits {
        sends.admit(limits, now).map_err(|f| Refusal::TooManySends { retry_after: f.retry_after, per_day: f.per_day })?;
    }
    let started = self::start(state, start, now, key)?;
    if limits.is_some() {
        sends.record(now);
    }
    Ok(started)
}

/// Undoes a reserved send (see [`release`]), and takes it out of the target's count.
pub fn release_counted(
    state: &mut State,
    sends: &mut Sends,
    attempt_sid: &AttemptSid,
    now: Timestamp,
) -> bool {
    let time = state
        .as_ref()
        .and_then(|v| {
            v.public
                .send_attempts
                .iter()
                .find(|a| a.attempt_sid == *attempt_sid)
        })
        .map(|a| a.time);
    if let Some(time) = time {
        sends.forget(time);
    }
    release(state, attempt_sid, now)
}

/// Reserves a send on the live verification or a new one (no count of the target's sends).
pub fn start(
    state: &mut State,
    start: StartCommand,
    now: Timestamp,
    key: &CodeKey,
) -> Result<Started, Refusal> {
    expire(state, now);
    if let Some(sid) = &start.resend_of {
        if state.as_ref().is_none_or(|v| v.public.sid != *sid || v.public.status != Status::Pending) {
            return Err(Refusal::NotFound);
        }
    }
    let attempt = SendAttempt { attempt_sid: start.attempt_sid, channel: start.channel, time: now };
    if let Some(v) = state.as_mut() {
        if v.public.status == Status::MaxAttemptsReached {
            return Err(Refusal::MaxCheckAttempts);
        }
        if v.public.send_attempts.len() >= MAX_SENDS {
            return Err(Refusal::MaxSendAttempts);
        }
        match (&start.custom_code, v.custom_code) {
            // Refused without comparing: a start must not tell whether a guess is the live code.
            (Some(_), false) => return Err(Refusal::GeneratedCode),
            (None, true) => return Err(Refusal::CustomCodeRequired),
            // A different custom code is a guess like a wrong check, and is counted as one.
            (Some(code), true) if !key.matches(&v.public.sid, code, &v.code_digest) => {
                v.public.checks += 1;
                v.public.date_updated = now;
                if v.public.checks >= MAX_CHECKS {
                    finish(v, Status::MaxAttemptsReached, now);
                }
                return Err(Refusal::DifferentCustomCode);
            }
            _ => {}
        }
        v.public.send_attempts.push(attempt);
        // A page's resend takes over a page-started verification (a new token for the same
        // visitor); one a backend started stays out of every page's reach.
        if start.starter.is_some() && v.starter.is_some() {
            v.starter = start.starter;
        }
        v.public.channel = start.channel;
        v.public.events = start.events;
        v.public.date_updated = now;
        Fallback::arm(&mut v.fallback, start.fallback, start.channel, now);
        if start.resend_of.is_some() {
            if let Some(f) = v.fallback.as_mut() {
                f.fired = true;
            }
        }
        let code = (!v.custom_code).then(|| key.derive_code(v.seed.as_bytes(), v.code_length));
        return Ok(Started { verification: v.view(), created: false, code });
    }
    let (code, seed) = match start.custom_code {
        Some(code) => (code, String::new()),
        None => (key.derive_code(start.seed.as_bytes(), start.code_length), start.seed),
    };
    let custom_code = seed.is_empty();
    let code_digest = key.digest(&start.sid, &code);
    let mut verification = Verification {
        public: VerificationView {
            sid: start.sid,
            service_sid: start.service_sid,
            account_sid: start.account_sid,
            to: start.to,
            channel: start.channel,
            status: Status::Pending,
            amount: start.amount,
            payee: start.payee,
            send_attempts: vec![attempt],
            checks: 0,
            date_created: now,
            date_updated: now,
            expires_at: now.plus_seconds(start.lifetime_seconds),
            guard: start.guard,
            events: start.events,
        },
        code_digest,
        seed,
        code_length: start.code_length,
        custom_code,
        locale: start.locale,
        rate_limits: start.rate_limits,
        tags: start.tags,
        starter: start.starter,
        fallback: None,
    };
    Fallback::arm(&mut verification.fallback, start.fallback, start.channel, now);
    let started = Started { verification: verification.view(), created: true, code: (!custom_code).then_some(code) };
    *state = Some(verification);
    Ok(started)
}

/// Takes the live verification's fallback if it is due (see [`Verification::take_fallback`]).
pub fn take_fallback(state: &mut State, now: Timestamp) -> Option<FallbackJob> {
    expire(state, now);
    state.as_mut()?.take_fallback(now)
}

/// Undoes a reserved send whose delivery failed or that a limit refused (the fallback is armed
/// again as before it). Returns whether the verification went away
/// with it: only one nobody has checked yet does, so checks already made (or an exhausted
/// lockout) survive a failed delivery.
pub fn release(state: &mut State, attempt_sid: &AttemptSid, now: Timestamp) -> bool {
    expire(state, now);
    let Some(v) = state.as_mut() else { return false };
    v.public.send_attempts.retain(|a| a.attempt_sid != *attempt_sid);
    if let Some(last) = v.public.send_attempts.last() {
        v.public.channel = last.channel;
        Fallback::restore(&mut v.fallback, last);
    }
    let removed = v.public.send_attempts.is_empty() && v.public.status == Status::Pending && v.public.checks == 0;
    if removed {
        *state = None;
    }
    removed
}

/// Checks a code: approved (and gone) when right, pending when wrong, exhausted at the fifth
/// wrong one. PSD2 verifications also need the same amount and payee.
pub fn check(state: &mut State, command: CheckCommand, now: Timestamp, key: &CodeKey) -> Result<VerificationView, Refusal> {
    expire(state, now);
    let v = selected(state, &command.selector)?;
    if v.public.status == Status::MaxAttemptsReached || v.public.checks >= MAX_CHECKS {
        return Err(Refusal::MaxCheckAttempts);
    }
    v.public.checks += 1;
    v.public.date_updated = now;
    let transaction_matches = v.public.amount.is_none() || (v.public.amount == command.amount && v.public.payee == command.payee);
    if key.matches(&v.public.sid, &command.code, &v.code_digest) && transaction_matches {
        finish(v, Status::Approved, now);
        let view = v.view();
        *state = None;
        return Ok(view);
    }
    if v.public.checks >= MAX_CHECKS {
        finish(v, Status::MaxAttemptsReached, now);
    }
    Ok(v.view())
}

/// The live verification.
pub fn fetch(state: &mut State, selector: &Selector, now: Timestamp) -> Result<VerificationView, Refusal> {
    expire(state, now);
    live(state, selector).map(|v| v.view())
}

/// Approves or cancels the live verification; either way it is gone afterwards.
pub fn update(state: &mut State, selector: &Selector, status: Status, now: Timestamp) -> Result<VerificationView, Refusal> {
    expire(state, now);
    let v = live(state, selector)?;
    finish(v, status, now);
    let view = v.view();
    *state = None;
    Ok(view)
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

    fn attempt(n: u8) -> AttemptSid {
        AttemptSid::parse(&sid(n, "VL")).unwrap()
    }

    fn cmd(n: u8) -> StartCommand {
        StartCommand {
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
            attempt_sid: attempt(n),
            lifetime_seconds: 600,
            send_limits: None,
            guard: None,
            starter: None,
            events: false,
            fallback: None,
            resend_of: None,
        }
    }

    fn selector() -> Selector {
        Selector { account_sid: AccountSid::parse(&sid(1, "AC")).unwrap(), service_sid: ServiceSid::parse(&sid(1, "VA")).unwrap(), sid: None, starter: None }
    }

    fn check_cmd(code: &str) -> CheckCommand {
        CheckCommand { selector: selector(), code: code.into(), amount: None, payee: None }
    }

    fn code_of(st: &State) -> String {
        let v = st.as_ref().unwrap();
        key().derive_code(v.seed.as_bytes(), v.code_length)
    }

    #[test]
    fn resends_reuse_the_verification_and_its_code_up_to_five_sends() {
        let mut st = None;
        let first = start(&mut st, cmd(1), T0, &key()).unwrap();
        assert!(first.created);
        assert_eq!(st.as_ref().unwrap().rate_limits.as_ref().unwrap()["end_user_ip"], "203.0.113.7", "rate limit keys are stored");
        let code = first.code.clone().unwrap();
        assert_eq!(code, code_of(&st));
        for n in 2..=5 {
            let again = start(&mut st, cmd(n), T0.plus_seconds(u64::from(n)), &key()).unwrap();
            assert_eq!(again.verification.sid, first.verification.sid, "same verification");
            assert_eq!(again.code.as_deref(), Some(code.as_str()), "same code");
            assert!(!again.created);
            assert_eq!(again.verification.send_attempts.len(), usize::from(n));
        }
        assert_eq!(start(&mut st, cmd(6), T0, &key()), Err(Refusal::MaxSendAttempts));
        assert_eq!(st.as_ref().unwrap().public.send_attempts.len(), 5);
    }

    #[test]
    fn the_view_carries_neither_seed_nor_digest() {
        let mut st = None;
        let started = start(&mut st, cmd(1), T0, &key()).unwrap();
        let text = serde_json::to_string(&started.verification).unwrap();
        let state = st.unwrap();
        assert!(!text.contains(&state.seed) && !text.contains(&state.code_digest), "{text}");
    }

    #[test]
    fn right_code_approves_once_and_then_it_is_gone() {
        let mut st = None;
        let first = start(&mut st, cmd(1), T0, &key()).unwrap();
        let code = first.code.unwrap();
        let approved = check(&mut st, check_cmd(&code), T0, &key()).unwrap();
        assert_eq!(approved.status, Status::Approved);
        assert_eq!(st, None);
        assert_eq!(check(&mut st, check_cmd(&code), T0, &key()), Err(Refusal::NotFound));
        assert_eq!(fetch(&mut st, &selector(), T0), Err(Refusal::NotFound));
        let fresh = start(&mut st, cmd(2), T0, &key()).unwrap();
        assert_ne!(fresh.verification.sid, approved.sid, "a start after approval makes a new verification");
    }

    #[test]
    fn five_wrong_checks_exhaust_it_even_for_the_right_code() {
        let mut st = None;
        let code = start(&mut st, cmd(1), T0, &key()).unwrap().code.unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for n in 1..=4 {
            let v = check(&mut st, check_cmd(wrong), T0, &key()).unwrap();
            assert_eq!((v.status, v.checks), (Status::Pending, n));
        }
        assert_eq!(check(&mut st, check_cmd(wrong), T0, &key()).unwrap().status, Status::MaxAttemptsReached);
        assert_eq!(check(&mut st, check_cmd(&code), T0, &key()), Err(Refusal::MaxCheckAttempts));
        assert_eq!(start(&mut st, cmd(2), T0, &key()), Err(Refusal::MaxCheckAttempts), "no fresh code before expiry");
        assert_eq!(fetch(&mut st, &selector(), T0), Err(Refusal::NotFound));
        let after = start(&mut st, cmd(3), T0.plus_seconds(600), &key()).unwrap();
        assert_eq!(after.verification.status, Status::Pending, "after expiry a new verification starts");
    }

    #[test]
    fn expiry_makes_it_gone() {
        let mut st = None;
        let code = start(&mut st, cmd(1), T0, &key()).unwrap().code.unwrap();
        assert!(fetch(&mut st, &selector(), T0.plus_seconds(599)).is_ok());
        assert_eq!(check(&mut st, check_cmd(&code), T0.plus_seconds(600), &key()), Err(Refusal::NotFound));
        assert_eq!(st, None);
    }

    #[test]
    fn the_selector_must_match_account_service_and_sid() {
        let mut st = None;
        let v = start(&mut st, cmd(1), T0, &key()).unwrap().verification;
        let other_sid = Selector { sid: Some(VerificationSid::parse(&sid(9, "VE")).unwrap()), ..selector() };
        let other_service = Selector { service_sid: ServiceSid::parse(&sid(2, "VA")).unwrap(), ..selector() };
        let other_account = Selector { account_sid: AccountSid::parse(&sid(2, "AC")).unwrap(), ..selector() };
        for wrong in [&other_sid, &other_service, &other_account] {
            assert_eq!(update(&mut st, wrong, Status::Canceled, T0), Err(Refusal::NotFound));
            assert_eq!(fetch(&mut st, wrong, T0), Err(Refusal::NotFound));
            let cmd = CheckCommand { selector: wrong.clone(), code: "123456".into(), amount: None, payee: None };
            assert_eq!(check(&mut st, cmd, T0, &key()), Err(Refusal::NotFound));
        }
        assert_eq!(st.as_ref().unwrap().public.checks, 0, "refused checks count nothing");
        let by_sid = Selector { sid: Some(v.sid.clone()), ..selector() };
        assert_eq!(update(&mut st, &by_sid, Status::Canceled, T0).unwrap().status, Status::Canceled);
        assert_eq!(st, None);
        assert_eq!(update(&mut st, &selector(), Status::Approved, T0), Err(Refusal::NotFound));
    }

    #[test]
    fn releasing_the_only_send_removes_the_verification() {
        let mut st = None;
        start(&mut st, cmd(1), T0, &key()).unwrap();
        start(&mut st, cmd(2), T0, &key()).unwrap();
        assert!(!release(&mut st, &attempt(2), T0));
        assert_eq!(st.as_ref().unwrap().public.send_attempts.len(), 1);
        assert!(release(&mut st, &attempt(1), T0));
        assert_eq!(st, None);
        assert!(!release(&mut st, &attempt(1), T0));
    }

    #[test]
    fn psd2_checks_need_the_same_amount_and_payee() {
        let mut st = None;
        let mut c = cmd(1);
        c.amount = Some("€39.99".into());
        c.payee = Some("Acme".into());
        let code = start(&mut st, c, T0, &key()).unwrap().code.unwrap();
        let wrong_amount = CheckCommand { selector: selector(), code: code.clone(), amount: Some("€3999".into()), payee: Some("Acme".into()) };
        assert_eq!(check(&mut st, wrong_amount, T0, &key()).unwrap().status, Status::Pending);
        let right = CheckCommand { selector: selector(), code, amount: Some("€39.99".into()), payee: Some("Acme".into()) };
        assert_eq!(check(&mut st, right, T0, &key()).unwrap().status, Status::Approved);
    }

    #[test]
    fn a_failed_delivery_never_resets_checks_or_the_lockout() {
        let mut st = None;
        let code = start(&mut st, cmd(1), T0, &key()).unwrap().code.unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            check(&mut st, check_cmd(wrong), T0, &key()).unwrap();
        }
        assert!(!release(&mut st, &attempt(1), T0));
        assert_eq!(start(&mut st, cmd(2), T0, &key()), Err(Refusal::MaxCheckAttempts), "still locked out");

        let mut st = None;
        start(&mut st, cmd(1), T0, &key()).unwrap();
        check(&mut st, check_cmd(wrong), T0, &key()).unwrap();
        assert!(!release(&mut st, &attempt(1), T0));
        assert_eq!(st.as_ref().unwrap().public.checks, 1, "the wrong check still counts");
    }

    #[test]
    fn a_failed_resend_restores_the_channel() {
        let mut st = None;
        start(&mut st, cmd(1), T0, &key()).unwrap();
        let mut call = cmd(2);
        call.channel = Channel::Call;
        start(&mut st, call, T0, &key()).unwrap();
        assert_eq!(st.as_ref().unwrap().public.channel, Channel::Call);
        release(&mut st, &attempt(2), T0);
        assert_eq!(st.as_ref().unwrap().public.channel, Channel::Sms);
    }

    #[test]
    fn custom_codes_cannot_probe_a_generated_code_and_guesses_by_resend_are_counted() {
        let mut st = None;
        let code = start(&mut st, cmd(1), T0, &key()).unwrap().code.unwrap();
        for guess in [code.clone(), "000000".into()] {
            let mut probe = cmd(2);
            probe.custom_code = Some(guess);
            assert_eq!(start(&mut st, probe, T0, &key()), Err(Refusal::GeneratedCode), "the same answer, right or wrong");
        }
        assert_eq!(st.as_ref().unwrap().public.send_attempts.len(), 1);

        let mut st = None;
        let mut s = cmd(1);
        s.custom_code = Some("1111".into());
        start(&mut st, s, T0, &key()).unwrap();
        for n in 0..MAX_CHECKS {
            let mut guess = cmd(2 + n);
            guess.custom_code = Some(format!("{:04}", 2000 + u32::from(n)));
            assert_eq!(start(&mut st, guess, T0, &key()), Err(Refusal::DifferentCustomCode));
        }
        assert_eq!(st.as_ref().unwrap().public.status, Status::MaxAttemptsReached, "five wrong custom codes exhaust it");
        assert_eq!(check(&mut st, check_cmd("1111"), T0, &key()), Err(Refusal::MaxCheckAttempts));
    }

    #[test]
    fn custom_codes_are_checked_kept_and_never_derivable() {
        let mut st = None;
        let mut s = cmd(1);
        s.custom_code = Some("1111".into());
        let started = start(&mut st, s, T0, &key()).unwrap();
        assert_eq!(started.code, None, "the caller has its own code");
        assert!(st.as_ref().unwrap().seed.is_empty());
        let mut other = cmd(2);
        other.custom_code = Some("2222".into());
        assert_eq!(start(&mut st, other, T0, &key()), Err(Refusal::DifferentCustomCode));
        assert_eq!(st.as_ref().unwrap().public.checks, 1, "a different custom code is a counted guess");
        assert_eq!(start(&mut st, cmd(3), T0, &key()), Err(Refusal::CustomCodeRequired));
        let mut same = cmd(4);
        same.custom_code = Some("1111".into());
        assert!(start(&mut st, same, T0, &key()).is_ok());
        assert_eq!(check(&mut st, check_cmd("2222"), T0, &key()).unwrap().status, Status::Pending);
        assert_eq!(check(&mut st, check_cmd("1111"), T0, &key()).unwrap().status, Status::Approved);
    }
}

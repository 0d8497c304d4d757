//! Channel fallback on the host: what an SMS arms, the target's alarm taking it when due (here
//! by hand, on the in-process coordinator's state), and its send through the whole guarded
//! start: once, by the service's channel, with the same code, within every limit, and never once
//! the verification has ended.

use edge_verify_core::verify::verification::machine::take_fallback;
use edge_verify_core::verify::verification::model::FallbackJob;

use super::*;

const TO: &str = "To=%2B14155550100&Channel=sms";

/// What the target's alarm does at the clock's time: takes the fallback if it is due.
fn ring(e: &Engine<Host>) -> Option<FallbackJob> {
    let now = e.clock.now();
    let mut states = e.coordinator.states.borrow_mut();
    states.values_mut().find_map(|(text, _)| {
        let mut state: State = serde_json::from_str(text).unwrap();
        let job = take_fallback(&mut state, now);
        *text = serde_json::to_string(&state).unwrap();
        job
    })
}

fn later(e: &Engine<Host>, seconds: u64) {
    e.clock.0.set(e.clock.0.get() + seconds);
}

/// The code the last call said (the TwiML says it twice, digits separated).
fn called_code(e: &Engine<Host>) -> String {
    let sent = e.http.sent.borrow();
    let last = sent.last().unwrap();
    assert!(last.url.ends_with("/Calls.json"), "{}", last.url);
    let form: Vec<(String, String)> = form_urlencoded::parse(&last.body).into_owned().collect();
    let twiml = &form.iter().find(|(k, _)| k == "Twiml").unwrap().1;
    let first = twiml.split("</Say>").next().unwrap();
    first.rsplit('>').next().unwrap().chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn a_fallback_sends_the_same_code_once_by_call_when_the_sms_went_unanswered() {
    let e = engine(MemoryKv::default());
    let (status, svc) = call(&e, "POST", "/v2/Services", "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=30");
    assert_eq!(status, 201, "{svc}");
    assert_eq!(svc["fallback"], serde_json::json!({"channel": "call", "after_seconds": 30}));
    let base = format!("/v2/Services/{}", svc["sid"].as_str().unwrap());
    let (status, v) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    assert_eq!(status, 201, "{v}");
    let code = last_code(&e);
    later(&e, 30);
    assert!(ring(&e).is_none(), "not due before its seconds have fully passed (whole seconds: one more)");
    later(&e, 1);
    let job = ring(&e).expect("due");
    assert!(ring(&e).is_none(), "taken once");
    let sent = e.http.sent.borrow().len();
    let view = block_on(e.send_fallback(job)).unwrap().expect("sent");
    assert_eq!((view.sid.as_str(), view.channel.as_str(), view.send_attempts.len()), (v["sid"].as_str().unwrap(), "call", 2));
    assert_eq!(e.http.sent.borrow().len(), sent + 1, "one call");
    assert_eq!(called_code(&e), code, "the same code");
    later(&e, 600);
    assert!(ring(&e).is_none(), "never again");
    let (status, fetched) = call(&e, "GET", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "");
    assert_eq!((status, fetched["channel"].as_str()), (404, None), "expired meanwhile: {fetched}");
}

#[test]
fn the_code_of_a_fallback_approves_and_an_sms_resend_rearms_it_from_its_own_time() {
    let e = engine_with(MemoryKv::default(), settings(&[("POLICY", r#"{"senders": {"whatsapp_from": ["+14155550199"]}}"#)]));
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=whatsapp&Fallback.AfterSeconds=60&Whatsapp.From=%2B14155550199");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 50);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), TO).0, 201, "an SMS resend");
    later(&e, 50);
    assert!(ring(&e).is_none(), "due 60 s after the last SMS, not the first");
    later(&e, 11);
    let view = block_on(e.send_fallback(ring(&e).unwrap())).unwrap().unwrap();
    assert_eq!(view.channel.as_str(), "whatsapp");
    let body = e.http.sent.borrow().last().map(|r| String::from_utf8_lossy(&r.body).into_owned()).unwrap();
    assert!(body.contains("To=whatsapp%3A%2B14155550100"), "{body}");
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), TO).0, 201, "a later SMS");
    later(&e, 120);
    assert!(ring(&e).is_none(), "a fallback that was sent is not armed again");
    let (status, ok) = call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={}", last_code(&e)));
    assert_eq!((status, ok["status"].as_str()), (200, Some("approved")));
}

#[test]
fn a_fallback_is_never_sent_once_the_verification_has_ended() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10");
    // Approved before it is due: nothing to take.
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    let code = last_code(&e);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")).1["status"], "approved");
    later(&e, 11);
    assert!(ring(&e).is_none());
    // Taken, then canceled before its send reaches the target: the target refuses it.
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms");
    later(&e, 11);
    let job = ring(&e).unwrap();
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "Status=canceled").0, 200);
    let sent = e.http.sent.borrow().len();
    let err = block_on(e.send_fallback(job)).unwrap_err();
    assert_eq!((err.status(), err.code()), (404, 20404));
    assert_eq!(e.http.sent.borrow().len(), sent, "nothing sent");
    let (status, again) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    assert_eq!((status, again["send_code_attempts"].as_array().map(Vec::len)), (201, Some(1)), "a new verification, with no trace of it: {again}");
}

#[test]
fn a_fallback_passes_every_limit_and_counts_as_a_send() {
    // Calls narrowed to GB: a US number's fallback call is refused by geo permissions.
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10&GeoPermissions.Call=GB");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 11);
    let sent = e.http.sent.borrow().len();
    let err = block_on(e.send_fallback(ring(&e).unwrap())).unwrap_err();
    assert_eq!((err.status(), err.code()), (403, 60605), "{err:?}");
    assert_eq!(e.http.sent.borrow().len(), sent);
    // Two sends an hour to a To: the SMS and its fallback; the next start is refused.
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10&Limits.SendsPerToPerHour=2");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 11);
    assert!(block_on(e.send_fallback(ring(&e).unwrap())).unwrap().is_some());
    let (status, refused) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    assert_eq!((status, refused["code"].as_u64()), (429, Some(60212)), "{refused}");
    // One send an hour: the fallback itself is refused, and the SMS stays the only send.
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10&Limits.SendsPerToPerHour=1");
    let (_, v) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 11);
    let err = block_on(e.send_fallback(ring(&e).unwrap())).unwrap_err();
    assert_eq!(err.status(), 429, "{err:?}");
    let (_, fetched) = call(&e, "GET", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "");
    assert_eq!(fetched["send_code_attempts"].as_array().map(Vec::len), Some(1), "{fetched}");
}

#[test]
fn only_an_sms_with_a_generated_code_arms_a_fallback() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10&CustomCodeEnabled=true&FraudGuard=off");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550101&Channel=call");
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550102&Channel=sms&CustomCode=123456");
    later(&e, 60);
    assert!(ring(&e).is_none(), "a call and a custom code arm nothing");
    // A resend by another channel before it is due disarms it.
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550103&Channel=sms");
    later(&e, 5);
    call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550103&Channel=call");
    later(&e, 60);
    assert!(ring(&e).is_none(), "the user got a call already");
    // A service that switches its fallback off sends nothing for what was armed before.
    let (status, started) = call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550104&Channel=sms");
    assert_eq!(status, 201, "{started}");
    assert_eq!(call(&e, "POST", &base, "Fallback.Channel=").1["fallback"]["channel"], Value::Null);
    later(&e, 11);
    let sent = e.http.sent.borrow().len();
    assert_eq!(block_on(e.send_fallback(ring(&e).unwrap())).unwrap(), None);
    assert_eq!(e.http.sent.borrow().len(), sent);
}

#[test]
fn a_resend_that_fails_leaves_the_fallback_as_it_was() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=60");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 20);
    // A call the provider refuses: the user got no call, so the fallback stays armed.
    e.http.status.set(503);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=call").0, 502);
    // An SMS resend the provider refuses does not push it later either.
    later(&e, 20);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), TO).0, 502);
    e.http.status.set(201);
    later(&e, 20);
    assert!(ring(&e).is_none(), "due 61 s after the SMS that went out");
    later(&e, 1);
    let view = block_on(e.send_fallback(ring(&e).expect("due after the first SMS"))).unwrap().expect("sent");
    assert_eq!((view.channel.as_str(), view.send_attempts.len()), ("call", 2));
}

#[test]
fn a_fallback_never_reaches_another_verification_or_a_locked_one() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10");
    // Taken, then the verification is canceled and a new one started to the same To: the
    // fallback of the first is refused, the second keeps its own.
    let (_, first) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    later(&e, 11);
    let job = ring(&e).unwrap();
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications/{}", first["sid"].as_str().unwrap()), "Status=canceled").0, 200);
    let (_, second) = call(&e, "POST", &format!("{base}/Verifications"), TO);
    assert_ne!(first["sid"], second["sid"]);
    let sent = e.http.sent.borrow().len();
    let err = block_on(e.send_fallback(job)).unwrap_err();
    assert_eq!((err.status(), err.code()), (404, 20404));
    assert_eq!(e.http.sent.borrow().len(), sent, "nothing sent");
    let (_, fetched) = call(&e, "GET", &format!("{base}/Verifications/{}", second["sid"].as_str().unwrap()), "");
    assert_eq!(fetched["send_code_attempts"].as_array().map(Vec::len), Some(1), "{fetched}");
    later(&e, 11);
    assert!(ring(&e).is_some(), "the second one's own fallback is still armed");
    // Five wrong codes lock a verification out: its fallback is never taken.
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=10");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    let wrong = if last_code(&e) == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={wrong}"));
    }
    later(&e, 11);
    assert!(ring(&e).is_none(), "locked out: nothing to take");
}

#[test]
fn a_delay_the_verifications_never_reach_is_refused_naming_it() {
    // The deployment's verifications live 600 s (the default).
    let e = engine(MemoryKv::default());
    // Due a whole second after the delay, before the expiry: 598 s at most.
    let (status, err) = call(&e, "POST", "/v2/Services", "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=599");
    assert_eq!((status, err["code"].as_u64()), (409, Some(60200)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("Fallback.AfterSeconds") && err["message"].as_str().unwrap().contains("at most 598 s"), "{err}");
    let base = service(&e, "FriendlyName=Acme&Fallback.AfterSeconds=3600");
    let (status, err) = call(&e, "POST", &base, "Fallback.Channel=call");
    assert_eq!((status, err["code"].as_u64()), (409, Some(60200)), "switched on with that delay: {err}");
    let (status, svc) = call(&e, "POST", &base, "Fallback.Channel=call&Fallback.AfterSeconds=598");
    assert_eq!((status, svc["fallback"]["after_seconds"].as_u64()), (200, Some(598)), "{svc}");
    assert_eq!(call(&e, "POST", &base, "FriendlyName=Renamed").0, 200, "other settings change as ever");
    // A later change of the delay alone is judged too.
    let (status, err) = call(&e, "POST", &base, "Fallback.AfterSeconds=601");
    assert_eq!(status, 409, "{err}");
}

#[test]
fn an_sms_sent_while_the_fallback_is_off_drops_the_one_armed_before() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Fallback.Channel=call&Fallback.AfterSeconds=60");
    call(&e, "POST", &format!("{base}/Verifications"), TO);
    assert_eq!(call(&e, "POST", &base, "Fallback.Channel=").0, 200);
    later(&e, 10);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), TO).0, 201, "a resend while it is off");
    // A failed resend then undoes nothing the service had switched off, even once it is on again.
    e.http.status.set(503);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), TO).0, 502);
    e.http.status.set(201);
    assert_eq!(call(&e, "POST", &base, "Fallback.Channel=call").0, 200);
    later(&e, 120);
    assert!(ring(&e).is_none(), "armed by no SMS sent while it was on since");
}

//! The abuse controls on the host: geo permissions, the sends to one `To`, client and prefix
//! limits, the fraud guard and its read-out, rate limits and buckets, spend caps, the safe list,
//! test numbers and the content rules; and that every refusal leaves nothing behind.

use super::*;

/// A request from `ip` (as Cloudflare's edge names the connecting address).
fn call_from(e: &Engine<Host>, ip: &str, method: &str, path: &str, form: &str) -> (u16, Value, Option<String>) {
    let mut req = request(method, path, MAIN, TOKEN, "application/x-www-form-urlencoded", form);
    req.headers.push(("cf-connecting-ip".into(), ip.into()));
    let r = raw(e, &req);
    (r.status, json(&r), r.header("retry-after").map(str::to_owned))
}

fn start(e: &Engine<Host>, base: &str, form: &str) -> (u16, Value, Option<String>) {
    call_from(e, "198.51.100.1", "POST", &format!("{base}/Verifications"), form)
}

/// Everything a refusal could leave behind: KV keys, verification targets (as they would be
/// stored: nothing for an empty state), limiter shards, deliveries.
type Snapshot = (Vec<String>, Vec<(String, String)>, Vec<String>, usize);

fn snapshot(e: &Engine<Host>) -> Snapshot {
    let mut targets: Vec<(String, String)> = e
        .coordinator
        .states
        .borrow()
        .iter()
        .filter(|(_, (state, sends))| state != "null" || sends != "[]")
        .map(|(id, (state, sends))| (format!("{id:?}"), format!("{state}{sends}")))
        .collect();
    targets.sort();
    let mut shards: Vec<String> = e.limiter.shards.borrow().iter().filter(|(_, s)| *s != "{\"c\":{},\"r\":[],\"b\":null}").map(|(n, s)| format!("{}={s}", n.0)).collect();
    shards.sort();
    (e.kv.keys(), targets, shards, e.http.sent.borrow().len())
}

fn policy_engine(policy: &str) -> Engine<Host> {
    engine_with(MemoryKv::default(), settings(&[("POLICY", policy)]))
}

#[test]
fn geo_permissions_refuse_high_cost_ranges_and_risky_countries_before_anything_counts() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let before = snapshot(&e);
    let calls = (e.coordinator.calls.get(), e.limiter.calls.get());
    for (to, why) in [("%2B19005550100", "premium"), ("%2B8821612345678", "satellite"), ("%2B5352345678", "CU")] {
        for channel in ["sms", "call"] {
            let (status, err, _) = start(&e, &base, &format!("To={to}&Channel={channel}"));
            assert_eq!((status, err["code"].as_u64()), (403, Some(60605)), "{to} {channel}: {err}");
            assert!(err["message"].as_str().unwrap().contains(why), "{err}");
        }
    }
    assert_eq!(snapshot(&e), before, "nothing stored, nothing counted, nothing sent");
    assert_eq!((e.coordinator.calls.get(), e.limiter.calls.get()), calls, "refused before any round trip");

    // The safe list lets a country through, never a premium-rate number.
    assert_eq!(call(&e, "POST", "/v2/SafeList/Numbers", "PhoneNumber=%2B5352345678").0, 201);
    assert_eq!(call(&e, "POST", "/v2/SafeList/Numbers", "PhoneNumber=%2B19005550100").0, 201);
    assert_eq!(start(&e, &base, "To=%2B5352345678&Channel=sms").0, 201);
    assert_eq!(start(&e, &base, "To=%2B19005550100&Channel=sms").1["code"], 60605);
    let (status, entry) = call(&e, "GET", "/v2/SafeList/Numbers/%2B5352345678", "");
    assert_eq!((status, entry["phone_number"].as_str()), (200, Some("+5352345678")));
    assert!(entry["sid"].as_str().unwrap().starts_with("GN"));
    assert_eq!(call(&e, "DELETE", "/v2/SafeList/Numbers/%2B5352345678", "").0, 204);
    assert_eq!(call(&e, "GET", "/v2/SafeList/Numbers/%2B5352345678", "").0, 404);
    assert_eq!(call(&e, "POST", "/v2/SafeList/Numbers", "PhoneNumber=5352345678").1["code"], 60200);

    // A service narrows its account's regions, per channel.
    let gb = service(&e, "FriendlyName=GB&GeoPermissions.Sms=gb");
    assert_eq!(start(&e, &gb, "To=%2B447700900123&Channel=sms").0, 201);
    assert_eq!(start(&e, &gb, "To=%2B14155550100&Channel=sms").1["code"], 60605);
    assert_eq!(start(&e, &gb, "To=%2B14155550100&Channel=call").0, 201, "calls are not narrowed");
    let (_, svc) = call(&e, "GET", &gb, "");
    assert_eq!(svc["geo_permissions"], serde_json::json!({"sms": ["GB"], "call": null}));
}

#[test]
fn the_sends_to_one_to_are_bounded_across_cancel_and_start_again() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Limits.SendsPerToPerHour=3&Limits.SendsPerToPerDay=4");
    for _ in 0..3 {
        let (status, v, _) = start(&e, &base, "To=%2B14155550100&Channel=sms");
        assert_eq!(status, 201, "{v}");
        assert_eq!(call(&e, "POST", &format!("{base}/Verifications/{}", v["sid"].as_str().unwrap()), "Status=canceled").0, 200);
    }
    let before = snapshot(&e);
    let (status, err, retry) = start(&e, &base, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (429, Some(60212)), "{err}");
    let wait: u64 = retry.unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&wait), "{wait}");
    assert_eq!(snapshot(&e), before, "a refused start leaves nothing behind");
    e.clock.0.set(e.clock.0.get() + wait);
    assert_eq!(start(&e, &base, "To=%2B14155550100&Channel=sms").0, 201, "the hour rolled");
    e.clock.0.set(e.clock.0.get() + 3600);
    let (status, err, _) = start(&e, &base, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["message"].as_str().map(|m| m.contains("day"))), (429, Some(true)), "four a day: {err}");
    assert_eq!(start(&e, &base, "To=%2B14155550101&Channel=sms").0, 201, "another To is not held back");

    // A service lowers its account's limits, never raises them: the default 8 an hour holds.
    let loose = service(&e, "FriendlyName=Loose&Limits.SendsPerToPerHour=1000&Limits.SendsPerToPerDay=1000");
    for n in 0..8 {
        let (status, v, _) = start(&e, &loose, "To=%2B14155550199&Channel=sms");
        assert_eq!(status, 201, "send {n}: {v}");
        assert_eq!(call(&e, "POST", &format!("{loose}/Verifications/{}", v["sid"].as_str().unwrap()), "Status=canceled").0, 200);
    }
    assert_eq!(start(&e, &loose, "To=%2B14155550199&Channel=sms").1["code"], 60212);
}

#[test]
fn client_and_account_limits_answer_429_with_retry_after_and_count_nothing_refused() {
    let e = policy_engine(r#"{"sends_per_account_per_day": 5, "fraud_guard": "off"}"#);
    let base = service(&e, "FriendlyName=Acme&Limits.StartsPerClientPerHour=2&Limits.StartsPerIpPerHour=4");
    for n in 0..2 {
        assert_eq!(start(&e, &base, &format!("To=%2B1415555{:04}&Channel=sms&DeviceIp=203.0.113.7", 100 + n)).0, 201);
    }
    let before = snapshot(&e);
    let (status, err, retry) = start(&e, &base, "To=%2B14155550200&Channel=sms&DeviceIp=203.0.113.7");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("203.0.113.7") && retry.is_some(), "{err}");
    assert_eq!(snapshot(&e), before, "a refused start leaves nothing behind");
    assert_eq!(start(&e, &base, "To=%2B14155550200&Channel=sms&DeviceIp=203.0.113.8").0, 201, "another end user");
    assert_eq!(start(&e, &base, "To=%2B14155550300&Channel=sms").0, 201, "the backend itself (no DeviceIp)");
    assert_eq!(call_from(&e, "198.51.100.2", "POST", &format!("{base}/Verifications"), "To=%2B14155550301&Channel=sms").0, 201);
    let (status, err, _) = start(&e, &base, "To=%2B14155550302&Channel=sms&DeviceIp=203.0.113.9");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "the account's five sends a day: {err}");
    assert!(err["message"].as_str().unwrap().contains("account"), "{err}");
}

#[test]
fn the_fraud_guard_blocks_consecutive_unapproved_numbers_and_shows_why() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    assert_eq!(start(&e, &base, "To=%2B447700900100&Channel=sms").0, 201);
    assert_eq!(start(&e, &base, "To=%2B447700900101&Channel=sms").0, 201);
    let (status, err, retry) = start(&e, &base, "To=%2B447700900102&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (403, Some(60410)), "{err}");
    assert_eq!(retry.as_deref(), Some("43200"), "blocked for twelve hours");
    assert_eq!(start(&e, &base, "To=%2B447700909999&Channel=call").1["code"], 60410, "the whole block of numbers, every channel");
    assert_eq!(start(&e, &base, "To=%2B447700800100&Channel=sms").0, 201, "other blocks go on");
    let logged = LOG.with(|log| log.borrow().join("\n"));
    assert!(logged.contains("fraud guard (block): prefix +44770090XXXX"), "{logged}");
    let (_, blocks) = call(&e, "GET", "/v2/FraudGuard/Blocks", "");
    let block = &blocks["blocks"][0];
    assert_eq!((block["kind"].as_str(), block["target"].as_str(), block["mode"].as_str()), (Some("prefix"), Some("+44770090XXXX"), Some("block")), "{blocks}");
    assert_eq!(call(&e, "DELETE", &format!("/v2/FraudGuard/Blocks/{}", block["sid"].as_str().unwrap()), "").0, 204);
    assert_eq!(start(&e, &base, "To=%2B447700900103&Channel=sms").0, 201, "lifted at once");
    assert_eq!(call(&e, "GET", "/v2/FraudGuard/Blocks", "").1["blocks"].as_array().unwrap().len(), 0);

    // A safe-listed number passes a block; a service in monitor mode is never refused.
    assert_eq!(call(&e, "POST", "/v2/SafeList/Numbers", "PhoneNumber=%2B447700900150").0, 201);
    start(&e, &base, "To=%2B447700900104&Channel=sms");
    start(&e, &base, "To=%2B447700900105&Channel=sms");
    assert_eq!(start(&e, &base, "To=%2B447700900106&Channel=sms").1["code"], 60410);
    assert_eq!(start(&e, &base, "To=%2B447700900150&Channel=sms").0, 201, "the safe list lets it through");
    let watch = service(&e, "FriendlyName=Watch&FraudGuard=monitor");
    for n in 0..6 {
        assert_eq!(start(&e, &watch, &format!("To=%2B3361234{:04}&Channel=sms", n)).0, 201);
    }
    let (_, blocks) = call(&e, "GET", "/v2/FraudGuard/Blocks", "");
    assert!(blocks["blocks"].as_array().unwrap().iter().any(|b| b["mode"] == "monitor" && b["target"] == "+3361234XXXX"), "{blocks}");
}

#[test]
fn approvals_keep_a_busy_block_of_numbers_open() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    for n in 0..25 {
        let to = format!("%2B1415555{:04}", 100 + n);
        let (status, v, _) = start(&e, &base, &format!("To={to}&Channel=sms"));
        assert_eq!(status, 201, "start {n}: {v}");
        let check = format!("To={to}&Code={}", last_code(&e));
        assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &check).1["status"], "approved");
    }
}

#[test]
fn rate_limits_and_buckets_are_twilios_and_hold() {
    let e = policy_engine(r#"{"fraud_guard": "off"}"#);
    let base = service(&e, "FriendlyName=Acme");
    let (status, rl) = call(&e, "POST", &format!("{base}/RateLimits"), "UniqueName=end_user_id&Description=Per+user");
    assert_eq!(status, 201, "{rl}");
    let rk = rl["sid"].as_str().unwrap().to_owned();
    assert!(rk.starts_with("RK") && rl["links"]["buckets"].as_str().unwrap().ends_with(&format!("{rk}/Buckets")));
    assert_eq!(call(&e, "POST", &format!("{base}/RateLimits"), "UniqueName=end_user_id").1["code"], 60208);
    assert_eq!(call(&e, "POST", &format!("{base}/RateLimits"), "UniqueName=bad+name").1["code"], 60209);
    assert_eq!(call(&e, "POST", &format!("{base}/RateLimits"), "Description=x").1["code"], 60200);
    for n in 0..9 {
        assert_eq!(call(&e, "POST", &format!("{base}/RateLimits"), &format!("UniqueName=k{n}")).0, 201);
    }
    assert_eq!(call(&e, "POST", &format!("{base}/RateLimits"), "UniqueName=k9").1["code"], 60207);
    assert_eq!(call(&e, "GET", &format!("{base}/RateLimits/end_user_id"), "").1["sid"], rk.as_str(), "by unique name too");
    assert_eq!(call(&e, "POST", &format!("{base}/RateLimits/{rk}"), "Description=Renamed").1["description"], "Renamed");
    let (_, page) = call(&e, "GET", &format!("{base}/RateLimits?PageSize=4"), "");
    assert_eq!(page["rate_limits"].as_array().unwrap().len(), 4);
    assert!(page["meta"]["next_page_url"].is_string());

    let buckets = format!("{base}/RateLimits/{rk}/Buckets");
    let (status, b) = call(&e, "POST", &buckets, "Max=2&Interval=60");
    assert_eq!((status, b["max"].as_u64(), b["interval"].as_u64()), (201, Some(2), Some(60)), "{b}");
    assert_eq!(call(&e, "POST", &buckets, "Max=5&Interval=60").1["code"], 60211);
    assert_eq!(call(&e, "POST", &buckets, "Max=5").1["code"], 60200);
    for interval in [600, 3600, 86_400, 604_800] {
        assert_eq!(call(&e, "POST", &buckets, &format!("Max=100&Interval={interval}")).0, 201);
    }
    assert_eq!(call(&e, "POST", &buckets, "Max=5&Interval=7").1["code"], 60210);
    let bl = b["sid"].as_str().unwrap().to_owned();
    assert_eq!(call(&e, "POST", &format!("{buckets}/{bl}"), "Interval=600").1["code"], 60211);
    assert_eq!(call(&e, "GET", &buckets, "").1["buckets"].as_array().unwrap().len(), 5);

    let limited = |n: u32, user: &str| start(&e, &base, &format!("To=%2B1415555{n:04}&Channel=sms&RateLimits=%7B%22end_user_id%22%3A%22{user}%22%7D"));
    assert_eq!(limited(100, "u1").0, 201);
    assert_eq!(limited(101, "u1").0, 201);
    let before = snapshot(&e);
    let (status, err, retry) = limited(102, "u1");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("end_user_id"), "{err}");
    let wait: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=62).contains(&wait), "{wait}");
    assert_eq!(snapshot(&e), before, "nothing sent, nothing counted");
    assert_eq!(limited(103, "u2").0, 201, "each key value has its own buckets");
    e.clock.0.set(e.clock.0.get() + wait);
    assert_eq!(limited(104, "u1").0, 201, "the interval passed");
    assert_eq!(start(&e, &base, "To=%2B14155550105&Channel=sms&RateLimits=%7B%22nobody%22%3A1%7D").1["code"], 20404);

    assert_eq!(call(&e, "DELETE", &format!("{buckets}/{bl}"), "").0, 204);
    assert_eq!(call(&e, "GET", &format!("{buckets}/{bl}"), "").0, 404);
    assert_eq!(call(&e, "DELETE", &format!("{base}/RateLimits/{rk}"), "").0, 204);
    assert_eq!(call(&e, "GET", &format!("{base}/RateLimits/{rk}"), "").0, 404);
    assert_eq!(call(&e, "GET", "/v2/Services/VAffffffffffffffffffffffffffffffff/RateLimits", "").0, 404);
}

#[test]
fn spend_caps_hold_in_money() {
    let e = policy_engine(r#"{"prices": {"sms": {"*": "0.05", "GB": "0.04"}}, "spend_per_account_per_day": "0.12", "fraud_guard": "off"}"#);
    let base = service(&e, "FriendlyName=Acme");
    assert_eq!(start(&e, &base, "To=%2B14155550100&Channel=sms").0, 201);
    assert_eq!(start(&e, &base, "To=%2B14155550101&Channel=sms").0, 201);
    let (status, err, _) = start(&e, &base, "To=%2B14155550102&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "0.15 would pass 0.12: {err}");
    assert!(err["message"].as_str().unwrap().contains("spend"), "{err}");
    assert_eq!(start(&e, &base, "To=%2B447700900123&Channel=sms").1["code"], 20429, "0.14 would too");
    assert_eq!(start(&e, &base, "To=a%40example.com&Channel=email").1["code"], 60223, "email has no provider here, and costs nothing");
}

#[test]
fn test_numbers_send_nothing_count_nothing_and_approve_with_their_code() {
    let e = policy_engine(r#"{"sends_per_account_per_day": 1}"#);
    let base = service(&e, "FriendlyName=Review&TestNumbers=%2B15005550006%3A246810%2C%2B15005550007%3A135790%3A2000-01-01");
    let (_, svc) = call(&e, "GET", &base, "");
    assert_eq!(svc["test_numbers"][0], serde_json::json!({"to": "+15005550006", "date_expires": null}), "codes are never shown");
    let (sent, limiter) = (e.http.sent.borrow().len(), e.limiter.calls.get());
    for _ in 0..3 {
        assert_eq!(start(&e, &base, "To=%2B15005550006&Channel=sms").0, 201);
    }
    assert_eq!((e.http.sent.borrow().len(), e.limiter.calls.get()), (sent, limiter), "no delivery, no count");
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), "To=%2B15005550006&Code=246810").1["status"], "approved");
    assert_eq!(start(&e, &base, "To=%2B14155550100&Channel=sms").0, 201, "the account's one send is still there");
    assert_eq!(start(&e, &base, "To=%2B15005550007&Channel=sms").1["code"], 20429, "an expired test number is an ordinary one");
    for bad in ["%2B1500:1234", "12345%3A1234", "%2B15005550006%3A12", "%2B15005550006%3A1234%3A2026-02-30"] {
        assert_eq!(call(&e, "POST", &base, &format!("TestNumbers={bad}")).1["code"], 60200, "{bad}");
    }
}

#[test]
fn the_content_rules_guard_the_operators_senders() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let (status, err, _) = start(&e, &base, "To=%2B14155550100&Channel=sms&CustomMessage=Your+code+%7B%7Bcode%7D%7D");
    assert_eq!((status, err["code"].as_u64()), (403, Some(60204)), "custom messages are off by default: {err}");
    assert_eq!(call(&e, "POST", "/v2/Services", "FriendlyName=W&Whatsapp.From=%2B14155550100").1["code"], 60204);

    let e = policy_engine(r#"{"custom_message": {"allowed": true}, "senders": {"email_from": ["otp@acme.test"]}}"#);
    let base = service(&e, "FriendlyName=Acme");
    assert_eq!(start(&e, &base, "To=%2B14155550100&Channel=sms&CustomMessage=Your+Acme+code+is+%7B%7Bcode%7D%7D").0, 201);
    let link = start(&e, &base, "To=%2B14155550101&Channel=sms&CustomMessage=Code+%7B%7Bcode%7D%7D+at+acme-login.example%2Fx");
    assert_eq!((link.0, link.1["message"].as_str().map(|m| m.contains("links"))), (403, Some(true)), "{}", link.1);
    let long = format!("To=%2B14155550102&Channel=sms&CustomMessage={}%7B%7Bcode%7D%7D", "a".repeat(400));
    assert_eq!(start(&e, &base, &long).1["code"], 60204, "more than two segments");
}

#[test]
fn a_target_refusal_takes_back_the_limiter_reservations() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    for _ in 0..5 {
        assert_eq!(start(&e, &base, "To=%2B14155550100&Channel=sms").0, 201);
    }
    let before = snapshot(&e);
    let (status, err, _) = start(&e, &base, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (429, Some(60203)));
    assert_eq!(snapshot(&e), before, "the shards counted it, then took it back");
    e.http.status.set(503);
    assert_eq!(start(&e, &base, "To=%2B14155550199&Channel=sms").0, 502);
    assert_eq!(snapshot(&e).1, before.1, "a refused delivery leaves no verification");
    assert_eq!(snapshot(&e).2, before.2, "nor any count");
}

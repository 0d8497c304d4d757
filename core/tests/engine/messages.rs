//! The Messages API on the host: Twilio's shapes, the same guard as a start, routing through the
//! configured Twilio route, and no body kept, logged or returned.

use super::*;

const MESSAGES: &str = "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json";
const SECRET_BODY: &str = "Your IdentityIQ One Time Password is 482913";

fn send(e: &Engine<Host>, path: &str, to: &str) -> (u16, Value) {
    let form = format!("To={}&From=%2B15005550006&Body={}", to.replace('+', "%2B"), SECRET_BODY.replace(' ', "+"));
    call(e, "POST", path, &form)
}

fn stored_values(e: &Engine<Host>) -> String {
    e.kv.keys().iter().map(|k| block_on(edge_verify_core::ports::KeyValue::get(&e.kv, k)).unwrap().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_message_goes_out_through_the_route_and_only_its_metadata_stays() {
    let e = engine(MemoryKv::default());
    let (status, m) = send(&e, MESSAGES, "+447700900123");
    assert_eq!(status, 201, "{m}");
    let sid = m["sid"].as_str().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34);
    assert_eq!((m["status"].as_str(), m["to"].as_str(), m["from"].as_str()), (Some("queued"), Some("+447700900123"), Some("+15005550006")));
    assert_eq!((m["num_segments"].as_str(), m["num_media"].as_str(), m["direction"].as_str()), (Some("1"), Some("0"), Some("outbound-api")));
    assert!(m["body"].is_null(), "the body is never echoed");
    assert!(m["date_created"].as_str().unwrap().ends_with("+0000"), "RFC 2822: {m}");
    assert_eq!(m["uri"], format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}.json"));
    let sent = e.http.sent.borrow().last().cloned().unwrap();
    assert!(sent.url.ends_with("/Accounts/ACprovider/Messages.json"), "{}", sent.url);
    let form: Vec<(String, String)> = form_urlencoded::parse(&sent.body).into_owned().collect();
    assert!(form.contains(&("Body".into(), SECRET_BODY.into())), "{form:?}");
    assert!(form.contains(&("From".into(), "+15550000000".into())), "the route's sender wins: {form:?}");
    assert!(!stored_values(&e).contains("482913"), "no body in storage");
    assert!(!LOG.with(|log| log.borrow().join("\n")).contains("482913"), "no body in the log");

    let (status, fetched) = call(&e, "GET", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}.json"), "");
    assert_eq!((status, fetched["sid"].as_str()), (200, Some(sid)));
    assert!(fetched["body"].is_null());
    e.clock.0.set(e.clock.0.get() + 1);
    let (status, legacy) = send(&e, &MESSAGES.replace("/Messages.json", "/SMS/Messages.json"), "+447700900999");
    assert_eq!(status, 201, "the older SMS/Messages.json path: {legacy}");
    let (status, list) = call(&e, "GET", &format!("{MESSAGES}?PageSize=1"), "");
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["messages"].as_array().unwrap().len(), 1);
    assert_eq!(list["messages"][0]["sid"], legacy["sid"], "newest first");
    let next = list["next_page_uri"].as_str().unwrap();
    let (_, second) = call(&e, "GET", next, "");
    assert_eq!(second["messages"][0]["sid"].as_str(), Some(sid));
    let (_, filtered) = call(&e, "GET", &format!("{MESSAGES}?To=%2B447700900123"), "");
    assert_eq!(filtered["messages"].as_array().unwrap().len(), 1);
    assert_eq!(call(&e, "GET", &format!("{MESSAGES}?DateSent=yesterday"), "").0, 400);

    let (status, feedback) = call(&e, "POST", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}/Feedback.json"), "Outcome=confirmed");
    assert_eq!((status, feedback["outcome"].as_str()), (201, Some("confirmed")), "{feedback}");
    assert_eq!(call(&e, "POST", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}/Feedback.json"), "Outcome=maybe").0, 400);
    assert_eq!(call(&e, "DELETE", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}.json"), "").0, 204);
    assert_eq!(call(&e, "GET", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}.json"), "").0, 404);
}

#[test]
fn another_account_sees_none_of_them() {
    let e = engine(MemoryKv::default());
    let (_, m) = send(&e, MESSAGES, "+447700900123");
    let (status, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=Tenant");
    assert_eq!(status, 201, "{sub}");
    let (sub_sid, sub_token) = (sub["sid"].as_str().unwrap(), sub["auth_token"].as_str().unwrap());
    let as_sub = |method: &str, path: &str| {
        let r = raw(&e, &request(method, path, sub_sid, sub_token, "application/x-www-form-urlencoded", ""));
        (r.status, json(&r))
    };
    assert_eq!(as_sub("GET", &format!("/2010-04-01/Accounts/{sub_sid}/Messages/{}.json", m["sid"].as_str().unwrap())).0, 404);
    assert_eq!(as_sub("GET", MESSAGES).0, 404, "not the main account's list");
    let (status, own) = as_sub("GET", &format!("/2010-04-01/Accounts/{sub_sid}/Messages.json"));
    assert_eq!((status, own["messages"].as_array().map(Vec::len)), (200, Some(0)));
}

#[test]
fn messages_pass_the_same_guard_and_a_refusal_sends_nothing() {
    let e = engine(MemoryKv::default());
    let sent = || e.http.sent.borrow().len();
    let (status, err) = send(&e, MESSAGES, "+19005550100");
    assert_eq!((status, err["code"].as_u64()), (403, Some(21408)), "premium rate: {err}");
    let (status, err) = send(&e, MESSAGES, "+5352345678");
    assert_eq!((status, err["code"].as_u64()), (403, Some(21408)), "a high-risk country: {err}");
    assert_eq!(sent(), 0);
    for i in 0..8 {
        assert_eq!(send(&e, MESSAGES, "+447700900123").0, 201, "message {i}");
    }
    let (status, err) = send(&e, MESSAGES, "+447700900123");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "{err}");
    assert!(err["message"].as_str().unwrap().contains("8 messages to +447700900123"), "{err}");
    assert_eq!(sent(), 8, "the refused one was not sent");
    let (status, err) = call(&e, "POST", MESSAGES, "To=%2B447700900124&From=%2B15005550006");
    assert_eq!((status, err["code"].as_u64()), (400, Some(21602)), "{err}");
}

#[test]
fn a_provider_refusal_is_a_502_without_the_body_and_counts_nothing() {
    let e = engine(MemoryKv::default());
    e.http.status.set(400);
    for _ in 0..9 {
        let (status, err) = send(&e, MESSAGES, "+447700900123");
        assert_eq!((status, err["code"].as_u64()), (502, Some(30008)), "{err}");
        assert!(!err.to_string().contains("482913"));
    }
    e.http.status.set(201);
    assert_eq!(send(&e, MESSAGES, "+447700900123").0, 201, "refused sends were taken back");
}

/// Twilio's status callback for `send` of the main account, signed with `token`.
fn callback(e: &Engine<Host>, send: &str, form: &[(&str, &str)], token: &str) -> u16 {
    let path = format!("/v1/callbacks/twilio/{MAIN}/{send}");
    let params: Vec<(String, String)> = form.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let signature = edge_verify_core::delivery::callback::twilio_signature(token, &format!("https://verify.example{path}"), &params);
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let mut req = request("POST", &path, "", "", "application/x-www-form-urlencoded", &body);
    req.headers.retain(|(k, _)| k != "authorization");
    req.headers.push(("x-twilio-signature".into(), signature));
    raw(e, &req).status
}

#[test]
fn signed_status_callbacks_are_recorded_and_others_change_nothing() {
    let e = engine(MemoryKv::default());
    let (_, m) = send(&e, MESSAGES, "+447700900123");
    let sid = m["sid"].as_str().unwrap();
    let sent = e.http.sent.borrow().last().cloned().unwrap();
    let form: Vec<(String, String)> = form_urlencoded::parse(&sent.body).into_owned().collect();
    let asked = format!("https://verify.example/v1/callbacks/twilio/{MAIN}/{sid}");
    assert!(form.contains(&("StatusCallback".into(), asked)), "{form:?}");
    let fetch = || call(&e, "GET", &format!("/2010-04-01/Accounts/{MAIN}/Messages/{sid}.json"), "").1;
    let report = [("AccountSid", "ACprovider"), ("MessageSid", "SMprovider"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")];
    assert_eq!(callback(&e, sid, &report, "wrong-token"), 403);
    assert_eq!(callback(&e, sid, &[("AccountSid", "ACother"), ("MessageStatus", "delivered")], "provider-token"), 403, "no route of that account");
    assert_eq!(fetch()["status"], "queued", "a refused callback changes nothing");
    assert_eq!(callback(&e, sid, &report, "provider-token"), 204);
    let m = fetch();
    assert_eq!((m["status"].as_str(), m["error_code"].as_u64()), (Some("undelivered"), Some(30003)), "{m}");
    assert_eq!(callback(&e, sid, &[("AccountSid", "ACprovider"), ("MessageStatus", "sent")], "provider-token"), 204);
    assert_eq!(fetch()["status"], "undelivered", "a late callback never moves a send back");
    let r = raw(&e, &request("GET", &format!("/v1/callbacks/twilio/{MAIN}/{sid}"), "", "", "text/plain", ""));
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[test]
fn a_verifications_status_callbacks_reach_its_attempt() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let hook = "FriendlyName=CRM&EventTypes=verification.delivery_status&WebhookUrl=https%3A%2F%2Fhooks.example.com%2Fedge";
    assert_eq!(call(&e, "POST", &format!("{base}/Webhooks"), hook).0, 201);
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms").0, 201);
    let sent = e.http.sent.borrow().last().cloned().unwrap();
    let form: Vec<(String, String)> = form_urlencoded::parse(&sent.body).into_owned().collect();
    let url = &form.iter().find(|(k, _)| k == "StatusCallback").unwrap().1;
    let attempt = url.rsplit('/').next().unwrap().to_owned();
    assert!(attempt.starts_with("VL"), "{url}");
    let fetch = || call(&e, "GET", &format!("/v2/Attempts/{attempt}"), "").1;
    assert!(fetch()["channel_data"]["message_status"].is_null());
    assert_eq!(callback(&e, &attempt, &[("AccountSid", "ACprovider"), ("MessageStatus", "delivered")], "wrong"), 403);
    assert!(fetch()["channel_data"]["message_status"].is_null(), "nothing changed");
    assert_eq!(callback(&e, &attempt, &[("AccountSid", "ACprovider"), ("MessageStatus", "sent")], "provider-token"), 204);
    assert_eq!(fetch()["channel_data"]["message_status"], "sent");
    assert_eq!(callback(&e, &attempt, &[("AccountSid", "ACprovider"), ("MessageStatus", "undelivered"), ("ErrorCode", "30005")], "provider-token"), 204);
    assert_eq!(callback(&e, &attempt, &[("AccountSid", "ACprovider"), ("MessageStatus", "sent")], "provider-token"), 204);
    let a = fetch();
    assert_eq!((a["channel_data"]["message_status"].as_str(), a["channel_data"]["error_code"].as_str()), (Some("undelivered"), Some("30005")), "{a}");
    // Each good callback told the service's webhook (subscribed to delivery status only).
    let owed: Vec<Value> = e.events.state(base.trim_start_matches("/v2/Services/")).queue.iter().map(|p| serde_json::from_str(&p.body).unwrap()).collect();
    let statuses: Vec<&str> = owed.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["sent", "undelivered"], "a late callback changes nothing and is told nowhere: {owed:?}");
    assert!(owed.iter().all(|b| b["type"] == "verification.delivery_status" && b["attempt_sid"] == attempt.as_str()));
    assert_eq!(owed[1]["error_code"], 30005);
}

#[test]
fn a_tenant_sends_only_as_the_operator_allows() {
    let e = engine_with(MemoryKv::default(), settings(&[("POLICY", r#"{"senders": {"whatsapp_from": ["+15550009999"]}}"#)]));
    let wa = |from: &str| {
        let form = format!("To=whatsapp%3A%2B447700900123&From={}&Body=code+1", from.replace('+', "%2B").replace(':', "%3A"));
        call(&e, "POST", MESSAGES, &form)
    };
    let (status, m) = wa("whatsapp:+15550009999");
    assert_eq!(status, 201, "a sender the policy gives: {m}");
    let sent = e.http.sent.borrow().last().cloned().unwrap();
    assert!(form_urlencoded::parse(&sent.body).into_owned().any(|(k, v)| k == "From" && v == "whatsapp:+15550009999"));
    let before = e.http.sent.borrow().len();
    let (status, err) = wa("whatsapp:+15557777777");
    assert_eq!((status, err["code"].as_u64()), (400, Some(60223)), "another tenant's number is never used (and this route has no WhatsApp sender of its own): {err}");
    assert_eq!(e.http.sent.borrow().len(), before, "nothing sent");
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=Tenant");
    let (sub_sid, token) = (sub["sid"].as_str().unwrap(), sub["auth_token"].as_str().unwrap());
    let as_sub = |method: &str, path: &str, form: &str| {
        let r = raw(&e, &request(method, path, sub_sid, token, "application/x-www-form-urlencoded", form));
        (r.status, json(&r))
    };
    let (_, svc) = as_sub("POST", "/v2/Services", "FriendlyName=Tenant");
    let path = format!("/v2/Services/{}/MessagingConfigurations", svc["sid"].as_str().unwrap());
    let (status, err) = as_sub("POST", &path, "Country=GB&MessagingServiceSid=MG11111111111111111111111111111111");
    assert_eq!((status, err["code"].as_u64()), (403, Some(60204)), "a subaccount names only the Messaging Services it was given: {err}");
}

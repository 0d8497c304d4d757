//! Routing on the host: a service's messaging configurations (Twilio's shapes and errors, the
//! country's Messaging Service on starts at no extra storage cost), and the operator's test
//! message (only the main account's auth token, the provider's answer without secrets).

use super::*;

const MG_GB: &str = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MG_GB2: &str = "MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const TEST: &str = "/v2/DeliveryRoutes/TestMessage";

fn last_form(e: &Engine<Host>) -> (String, Vec<(String, String)>, String) {
    let sent = e.http.sent.borrow().last().cloned().unwrap();
    let auth = sent.headers.iter().find(|(k, _)| k == "authorization").unwrap().1.clone();
    (sent.url, form_urlencoded::parse(&sent.body).into_owned().collect(), auth)
}

fn has(form: &[(String, String)], key: &str, value: &str) -> bool {
    form.iter().any(|(k, v)| k == key && v == value)
}

#[test]
fn messaging_configurations_have_twilios_shape_and_errors() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let list = format!("{base}/MessagingConfigurations");
    let (status, c) = call(&e, "POST", &list, &format!("Country=gb&MessagingServiceSid={MG_GB}"));
    assert_eq!(status, 201, "{c}");
    assert_eq!((c["country"].as_str(), c["messaging_service_sid"].as_str(), c["account_sid"].as_str()), (Some("GB"), Some(MG_GB), Some(MAIN)));
    assert_eq!(c["service_sid"].as_str(), base.strip_prefix("/v2/Services/"));
    assert_eq!(c["url"], format!("https://verify.example{list}/GB"));
    assert!(c.get("sid").is_none() && c["date_created"].as_str().unwrap().ends_with('Z'), "{c}");
    let (status, dup) = call(&e, "POST", &list, &format!("Country=GB&MessagingServiceSid={MG_GB2}"));
    assert_eq!((status, dup["code"].as_u64()), (409, Some(60213)), "{dup}");
    for (form, name) in [
        (format!("MessagingServiceSid={MG_GB}"), "Country"),
        (format!("Country=GBR&MessagingServiceSid={MG_GB}"), "Country"),
        ("Country=FR".to_owned(), "MessagingServiceSid"),
        ("Country=FR&MessagingServiceSid=MG123".to_owned(), "MessagingServiceSid"),
    ] {
        let (status, err) = call(&e, "POST", &list, &form);
        assert_eq!((status, err["code"].as_u64()), (400, Some(60200)), "{form}: {err}");
        assert!(err["message"].as_str().unwrap().contains(name), "{form}: {err}");
    }
    assert_eq!(call(&e, "POST", &list, &format!("Country=all&MessagingServiceSid={MG_GB2}")).0, 201);
    let (status, page) = call(&e, "GET", &format!("{list}?PageSize=1"), "");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["meta"]["key"], "messaging_configurations");
    assert_eq!(page["messaging_configurations"][0]["country"], "GB");
    let (_, second) = call(&e, "GET", page["meta"]["next_page_url"].as_str().unwrap().trim_start_matches("https://verify.example"), "");
    assert_eq!(second["messaging_configurations"][0]["country"], "all", "{second}");
    let (status, updated) = call(&e, "POST", &format!("{list}/GB"), &format!("MessagingServiceSid={MG_GB2}"));
    assert_eq!((status, updated["messaging_service_sid"].as_str()), (200, Some(MG_GB2)), "{updated}");
    assert_eq!(call(&e, "POST", &format!("{list}/GB"), "").0, 400, "MessagingServiceSid is required");
    assert_eq!(call(&e, "GET", &format!("{list}/gb"), "").1["messaging_service_sid"], MG_GB2);
    assert_eq!(call(&e, "DELETE", &format!("{list}/GB"), "").0, 204);
    for path in [format!("{list}/GB"), format!("{list}/XYZ")] {
        assert_eq!(call(&e, "GET", &path, "").0, 404, "{path}");
        assert_eq!(call(&e, "DELETE", &path, "").0, 404, "{path}");
    }
    let other = "/v2/Services/VA00000000000000000000000000000001/MessagingConfigurations";
    assert_eq!(call(&e, "POST", other, "Country=GB").0, 404, "an unknown service is 404 before the parameters are judged");
    assert_eq!(call(&e, "GET", other, "").0, 404);
}

#[test]
fn a_start_to_a_configured_country_sends_through_its_messaging_service_at_no_extra_storage_cost() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let start = |to: &str| call(&e, "POST", &format!("{base}/Verifications"), &format!("To={}&Channel=sms", to.replace('+', "%2B")));
    assert_eq!(call(&e, "POST", &format!("{base}/MessagingConfigurations"), &format!("Country=GB&MessagingServiceSid={MG_GB}")).0, 201);
    assert_eq!(start("+14155550100").0, 201, "a start caches the service");
    let ops = e.kv.operations();
    assert_eq!(start("+447700900123").0, 201);
    assert_eq!(e.kv.operations() - ops, 1, "the token write only: the configurations came with the cached service");
    let (url, form, auth) = last_form(&e);
    assert!(url.ends_with("/Accounts/ACprovider/Messages.json"), "{url}");
    assert!(has(&form, "MessagingServiceSid", MG_GB) && !form.iter().any(|(k, _)| k == "From"), "{form:?}");
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("ACprovider:provider-token"));
    assert_eq!(auth, basic, "with the route's credentials");
    assert_eq!(start("+14155550101").0, 201);
    assert!(has(&last_form(&e).1, "From", "+15550000000"), "other countries keep the route's sender");
    assert_eq!(call(&e, "DELETE", &format!("{base}/MessagingConfigurations/GB"), "").0, 204);
    assert_eq!(start("+447700900124").0, 201);
    assert!(has(&last_form(&e).1, "From", "+15550000000"), "deleted: back to the route's sender at once in this isolate");
}

#[test]
fn a_test_message_reports_the_route_and_the_answer_without_secrets() {
    let e = engine(MemoryKv::default());
    let (status, r) = call(&e, "POST", TEST, "To=%2B447700900123");
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["accepted"].as_bool(), r["provider"].as_str(), r["route_prefix"].as_str(), r["route_account_sid"].as_str()), (Some(true), Some("twilio"), Some("*"), Some("ACprovider")));
    assert_eq!((r["provider_status"].as_u64(), r["country"].as_str(), r["sender"].as_str(), r["channel"].as_str()), (Some(201), Some("GB"), Some("+15550000000"), Some("sms")));
    let (_, form, _) = last_form(&e);
    let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
    assert!(body.contains("test message") && !body.chars().any(|c| c.is_ascii_digit()), "a fixed text, no code: {body}");
    assert!(r["latency_ms"].is_u64());
    e.http.status.set(401);
    let (status, r) = call(&e, "POST", TEST, "To=%2B447700900123&Body=Hello+from+ops");
    assert_eq!((status, r["accepted"].as_bool(), r["provider_status"].as_u64()), (502, Some(false), Some(401)), "{r}");
    assert!(r["provider_error_message"].as_str().unwrap().contains("401"), "{r}");
    assert!(has(&last_form(&e).1, "Body", "Hello from ops"));
    let everything = format!("{r}\n{}", LOG.with(|log| log.borrow().join("\n")));
    for secret in ["provider-token", "Hello from ops", TOKEN] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    e.http.status.set(201);
    let (status, err) = call(&e, "POST", TEST, "To=%2B19005550100");
    assert_eq!((status, err["code"].as_u64()), (403, Some(60605)), "geo permissions: {err}");
    let (status, err) = call(&e, "POST", TEST, "To=447700900123");
    assert_eq!(status, 400, "{err}");
    assert!(err["message"].as_str().unwrap().contains("To"));
}

#[test]
fn only_the_main_accounts_auth_token_sends_test_messages_and_each_counts_per_to() {
    let e = engine(MemoryKv::default());
    let (_, key) = call(&e, "POST", &format!("/2010-04-01/Accounts/{MAIN}/Keys.json"), "FriendlyName=ci");
    let (status, _) = {
        let r = raw(&e, &request("POST", TEST, key["sid"].as_str().unwrap(), key["secret"].as_str().unwrap(), "application/x-www-form-urlencoded", "To=%2B447700900123"));
        (r.status, json(&r))
    };
    assert_eq!(status, 403, "an API key");
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=Tenant");
    let r = raw(&e, &request("POST", TEST, sub["sid"].as_str().unwrap(), sub["auth_token"].as_str().unwrap(), "application/x-www-form-urlencoded", "To=%2B447700900123"));
    assert_eq!(r.status, 403, "a subaccount");
    let sent = e.http.sent.borrow().len();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(call(&e, "POST", TEST, "To=%2B447700900125").0);
    }
    assert!(statuses.contains(&429), "the per-To limit counts test messages: {statuses:?}");
    let accepted = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(e.http.sent.borrow().len() - sent, accepted, "a refused one sends nothing");
}

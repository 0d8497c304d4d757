//! The hosted page's own routes on the host: the page and its assets need no credentials; its
//! settings need the page's client token and say whether a redirect_uri is an allowed origin;
//! `/dev/demo` exists only in dev mode and lands on the demo service's page with a token.

use super::*;

fn get(e: &Engine<Host>, path: &str, authorization: Option<String>) -> ApiResponse {
    let mut req = request("GET", path, MAIN, TOKEN, "", "");
    req.headers.retain(|(k, _)| k != "authorization");
    if let Some(value) = authorization {
        req.headers.push(("authorization".into(), value));
    }
    raw(e, &req)
}

fn header<'a>(r: &'a ApiResponse, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn the_page_and_its_scripts_are_public_and_strict() {
    let e = engine(MemoryKv::default());
    let page = get(&e, "/verify/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?locale=es", None);
    assert_eq!(page.status, 200);
    assert!(String::from_utf8(page.body.clone()).unwrap().contains("<html lang=\"es\">"));
    for r in [&page, &get(&e, "/v1/client.js", None), &get(&e, "/verify/assets/verify.js", None)] {
        assert!(header(r, "content-security-policy").unwrap().starts_with("default-src 'self'"));
        assert_eq!(header(r, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(r, "referrer-policy"), Some("no-referrer"));
    }
    assert!(String::from_utf8(get(&e, "/v1/client.js", None).body).unwrap().contains("\"https://verify.example\""));
    assert_eq!(get(&e, "/verify/not-a-sid", None).status, 404);
    let post = raw(&e, &request("POST", "/verify/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", MAIN, TOKEN, "", ""));
    assert_eq!((post.status, header(&post, "allow")), (405, Some("GET, HEAD")));
    assert_eq!(get(&e, "/dev/demo", None).status, 404, "no demo outside dev mode");
}

#[test]
fn the_page_settings_need_its_token_and_judge_the_redirect() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&AllowedOrigins=https://app.example.test");
    let other = service(&e, "FriendlyName=Other");
    let sid = base.trim_start_matches("/v2/Services/");
    let (_, minted) = call(&e, "POST", &format!("{base}/ClientTokens"), "To=%2B14155550100");
    let bearer = Some(format!("Bearer {}", minted["token"].as_str().unwrap()));
    let config = |query: &str, auth: Option<String>| get(&e, &format!("/verify/{sid}/config{query}"), auth);

    let ok = config("?redirect_uri=https%3A%2F%2Fapp.example.test%2Fdone%3Fx%3D1", bearer.clone());
    assert_eq!(ok.status, 200);
    let body = json(&ok);
    assert_eq!((body["friendly_name"].as_str(), body["redirect_allowed"].as_bool(), body["to"].as_str()), (Some("Acme"), Some(true), Some("+14155550100")));
    assert_eq!(header(&ok, "cache-control"), Some("no-store"));
    for bad in ["?redirect_uri=https%3A%2F%2Fevil.example%2F", "?redirect_uri=javascript%3Aalert(1)", ""] {
        assert_eq!(json(&config(bad, bearer.clone()))["redirect_allowed"], Value::Bool(false), "{bad}");
    }
    for auth in [None, Some("Bearer evt1.x.y".to_owned()), Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{MAIN}:{TOKEN}"))))] {
        assert_eq!(json(&config("", auth))["code"], 20003);
    }
    let other_sid = other.trim_start_matches("/v2/Services/");
    let r = get(&e, &format!("/verify/{other_sid}/config"), bearer);
    assert_eq!((r.status, json(&r)["code"].as_u64()), (401, Some(20003)), "a token of another service");
}

#[test]
fn the_dev_demo_makes_one_service_and_lands_on_its_page_with_a_token() {
    let e = engine_with(MemoryKv::default(), settings(&[("DEV_MODE", "true")]));
    let remote = get(&e, "/dev/demo", None);
    assert_eq!((remote.status, json(&remote)["code"].as_u64()), (403, Some(20403)), "only on this machine");
    let local = |path: &str| {
        let mut req = request("GET", path, MAIN, TOKEN, "", "");
        req.headers.retain(|(k, _)| k != "authorization");
        req.origin = "http://127.0.0.1:8787".into();
        raw(&e, &req)
    };
    let first = local("/dev/demo");
    assert_eq!(first.status, 302);
    let location = header(&first, "location").unwrap().to_owned();
    let (page, fragment) = location.split_once('#').unwrap();
    assert!(page.starts_with("/verify/VA") && fragment.starts_with("token=evt1.") && fragment.ends_with("&channel=sms"), "{location}");
    let again = local("/dev/demo");
    assert!(header(&again, "location").unwrap().starts_with(page), "the demo service is reused");
    let (_, list) = call(&e, "GET", "/v2/Services", "");
    let services = list["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["allowed_origins"], serde_json::json!(["http://127.0.0.1:8787"]));
}

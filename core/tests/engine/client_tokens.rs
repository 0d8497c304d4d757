//! The browser face on the host: client tokens (tampering, service, scope, expiry, bound `To`,
//! MaxStarts, rotation), result tokens, what a browser may not choose, the limits a token call
//! counts under, Turnstile, and the CORS decisions.

use super::*;
use serde_json::json;

const PAGE: &str = "https://app.example.test";
const FORM: &str = "application/x-www-form-urlencoded";

fn with_token(method: &str, path: &str, token: &str, form: &str, origin: Option<&str>) -> ApiRequest {
    let mut req = request(method, path, MAIN, TOKEN, FORM, form);
    req.headers.retain(|(k, _)| k != "authorization");
    req.headers.push(("authorization".into(), format!("Bearer {token}")));
    req.headers.push(("cf-connecting-ip".into(), "198.51.100.9".into()));
    if let Some(origin) = origin {
        req.headers.push(("origin".into(), origin.into()));
    }
    req
}

fn as_page(e: &Engine<Host>, path: &str, token: &str, form: &str) -> (u16, Value) {
    let r = raw(e, &with_token("POST", path, token, form, None));
    (r.status, json(&r))
}

fn mint(e: &Engine<Host>, base: &str, form: &str) -> String {
    let (status, minted) = call(e, "POST", &format!("{base}/ClientTokens"), form);
    assert_eq!(status, 201, "{minted}");
    minted["token"].as_str().unwrap().to_owned()
}

fn assert_invalid_token(r: &(u16, Value), what: &str) {
    assert_eq!(r.0, 401, "{what}: {}", r.1);
    assert_eq!(r.1, json!({"code": 20003, "message": "Authentication Error - invalid token", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}), "{what}");
}

#[test]
fn a_client_token_starts_and_checks_and_its_approval_is_provable() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let (status, minted) = call(&e, "POST", &format!("{base}/ClientTokens"), "Ttl=120&Scopes=start,check&MaxStarts=3");
    assert_eq!(status, 201, "{minted}");
    assert_eq!((minted["scopes"].clone(), minted["max_starts"].as_u64(), minted["to"].clone()), (json!(["start", "check"]), Some(3), Value::Null));
    let token = minted["token"].as_str().unwrap();
    assert!(token.starts_with("evt1."));
    let (status, started) = as_page(&e, &format!("{base}/Verifications"), token, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, started["status"].as_str()), (201, Some("pending")), "{started}");
    let code = last_code(&e);
    let (status, wrong) = as_page(&e, &format!("{base}/VerificationCheck"), token, "To=%2B14155550100&Code=000000");
    assert_eq!((status, wrong["status"].as_str()), (200, Some("pending")));
    assert!(wrong.get("result_token").is_none(), "no proof without an approval");
    let (status, checked) = as_page(&e, &format!("{base}/VerificationCheck"), token, &format!("To=%2B14155550100&Code={code}"));
    assert_eq!((status, checked["status"].as_str()), (200, Some("approved")));
    let result = checked["result_token"].as_str().unwrap().to_owned();
    assert!(result.starts_with("evr1."));

    // The app's backend verifies the result token.
    let (status, verified) = call(&e, "POST", &format!("{base}/VerificationResults"), &format!("Token={result}"));
    assert_eq!(status, 200, "{verified}");
    assert_eq!((verified["valid"].as_bool(), verified["to"].as_str(), &verified["verification_sid"]), (Some(true), Some("+14155550100"), &started["sid"]));
    let mut tampered = result.clone().into_bytes();
    let at = tampered.len() - 3;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationResults"), &format!("Token={tampered}")).1["code"], 20404);
    let other = service(&e, "FriendlyName=Other");
    assert_eq!(call(&e, "POST", &format!("{other}/VerificationResults"), &format!("Token={result}")).1["code"], 20404, "another service's");
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationResults"), &format!("Token={token}")).1["code"], 20404, "a client token is no result");
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationResults"), "").1["code"], 60200, "Token is required");
    e.clock.0.set(e.clock.0.get() + 601);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationResults"), &format!("Token={result}")).1["code"], 20404, "expired");
}

#[test]
fn any_byte_changed_wrong_service_scope_or_expiry_is_the_same_401() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let other = service(&e, "FriendlyName=Other");
    let token = mint(&e, &base, "Ttl=60");
    let start = format!("{base}/Verifications");
    let form = "To=%2B14155550100&Channel=sms";
    let bytes = token.as_bytes();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] = if changed[i] == b'x' { b'y' } else { b'x' };
        let changed = String::from_utf8(changed).unwrap();
        assert_invalid_token(&as_page(&e, &start, &changed, form), &format!("byte {i}"));
    }
    assert_eq!(e.http.sent.borrow().len(), 0, "nothing was sent");
    assert_invalid_token(&as_page(&e, &format!("{other}/Verifications"), &token, form), "another service");
    let check_only = mint(&e, &base, "Scopes=check");
    assert_invalid_token(&as_page(&e, &start, &check_only, form), "check scope starting");
    let start_only = mint(&e, &base, "Scopes=start");
    assert_invalid_token(&as_page(&e, &format!("{base}/VerificationCheck"), &start_only, "To=%2B14155550100&Code=123456"), "start scope checking");
    for route in [("GET", "/v2/Services".to_owned()), ("POST", format!("{base}/ClientTokens")), ("GET", base.clone()), ("POST", "/v1/actions/list_services".into())] {
        let r = raw(&e, &with_token(route.0, &route.1, &token, "", None));
        assert_invalid_token(&(r.status, json(&r)), &route.1);
    }
    assert_eq!(as_page(&e, &start, &token, form).0, 201);
    e.clock.0.set(e.clock.0.get() + 60);
    assert_invalid_token(&as_page(&e, &start, &token, form), "expired");
    for bad in ["Ttl=0", "Ttl=3601", "Scopes=send", "Scopes=", "MaxStarts=0", "MaxStarts=101", "To=4155550100"] {
        let (status, err) = call(&e, "POST", &format!("{base}/ClientTokens"), bad);
        assert_eq!((status, err["code"].as_u64()), (400, Some(60200)), "{bad}: {err}");
    }
}

#[test]
fn a_bound_token_serves_its_to_only_and_max_starts_bounds_it() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let token = mint(&e, &base, "To=%2B14155550100&MaxStarts=2");
    let start = format!("{base}/Verifications");
    assert_invalid_token(&as_page(&e, &start, &token, "To=%2B14155550199&Channel=sms"), "another To");
    assert_eq!(as_page(&e, &start, &token, "To=%2B14155550100&Channel=sms").0, 201);
    let code = last_code(&e);
    let (_, other) = call(&e, "POST", &start, "To=%2B14155550199&Channel=sms");
    assert_invalid_token(&as_page(&e, &format!("{base}/VerificationCheck"), &token, "To=%2B14155550199&Code=123456"), "checking another To");
    let by_sid = format!("VerificationSid={}&Code=123456", other["sid"].as_str().unwrap());
    let (status, err) = as_page(&e, &format!("{base}/VerificationCheck"), &token, &by_sid);
    assert_eq!((status, err["code"].as_u64()), (404, Some(20404)), "another To's SID, started by a backend, is out of a page's reach: {err}");
    assert_eq!(as_page(&e, &start, &token, "To=%2B14155550100&Channel=sms").0, 201, "the second start");
    let (status, err) = as_page(&e, &start, &token, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "MaxStarts: {err}");
    let (status, ok) = as_page(&e, &format!("{base}/VerificationCheck"), &token, &format!("To=%2B14155550100&Code={code}"));
    assert_eq!((status, ok["status"].as_str()), (200, Some("approved")), "checks are not starts");
}

#[test]
fn rotating_the_key_kills_every_outstanding_token() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let old = mint(&e, &base, "");
    let start = format!("{base}/Verifications");
    assert_eq!(as_page(&e, &start, &old, "To=%2B14155550100&Channel=sms").0, 201);
    let code = last_code(&e);
    let (_, approved) = as_page(&e, &format!("{base}/VerificationCheck"), &old, &format!("To=%2B14155550100&Code={code}"));
    let result = approved["result_token"].as_str().unwrap().to_owned();
    let (status, svc) = call(&e, "POST", &base, "RotateClientTokenKey=true");
    assert_eq!(status, 200);
    assert!(!svc.to_string().contains("token_key"), "the key is never shown");
    assert_invalid_token(&as_page(&e, &start, &old, "To=%2B14155550101&Channel=sms"), "rotated");
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationResults"), &format!("Token={result}")).0, 404, "result tokens die too");
    let new = mint(&e, &base, "");
    assert_eq!(as_page(&e, &start, &new, "To=%2B14155550101&Channel=sms").0, 201);
}

#[test]
fn a_browser_cannot_choose_what_only_a_backend_may_and_its_ip_is_the_client() {
    let e = engine_with(MemoryKv::default(), settings(&[("POLICY", r#"{"fraud_guard": "off", "limits": {"starts_per_client_per_hour": 2}}"#)]));
    let base = service(&e, "FriendlyName=Acme&CustomCodeEnabled=true");
    let token = mint(&e, &base, "");
    let start = format!("{base}/Verifications");
    for (name, value) in [("CustomCode", "123456"), ("CustomMessage", "Code {{code}}"), ("ChannelConfiguration", "{}"), ("RateLimits", "{}"), ("TemplateSid", "HJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ("CustomFriendlyName", "PayPal"), ("SendDigits", "1234"), ("Amount", "10 EUR"), ("Payee", "Mallory")] {
        let (status, err) = as_page(&e, &start, &token, &format!("To=%2B14155550100&Channel=sms&{name}={}", value.replace('{', "%7B").replace('}', "%7D")));
        assert_eq!((status, err["code"].as_u64()), (400, Some(60200)), "{name}: {err}");
        assert!(err["message"].as_str().unwrap().starts_with(&format!("Invalid parameter: {name}:")), "{err}");
    }
    assert_eq!(e.http.sent.borrow().len(), 0);
    // The connecting IP is the end user's, whatever DeviceIp says.
    for (i, device) in ["203.0.113.1", "203.0.113.2"].iter().enumerate() {
        assert_eq!(as_page(&e, &start, &token, &format!("To=%2B1415555010{i}&Channel=sms&DeviceIp={device}")).0, 201);
    }
    let (status, err) = as_page(&e, &start, &token, "To=%2B14155550109&Channel=sms&DeviceIp=203.0.113.3");
    assert_eq!((status, err["code"].as_u64()), (429, Some(20429)), "{err}");
    let mut other_ip = with_token("POST", &start, &token, "To=%2B14155550109&Channel=sms", None);
    other_ip.headers.retain(|(k, _)| k != "cf-connecting-ip");
    other_ip.headers.push(("cf-connecting-ip".into(), "198.51.100.10".into()));
    assert_eq!(raw(&e, &other_ip).status, 201, "another end user");
    // The JSON action, named by fields.
    let mut action = with_token("POST", "/v1/actions/start_verification", &token, "", None);
    action.headers.retain(|(k, _)| k != "cf-connecting-ip" && k != "content-type");
    action.headers.push(("content-type".into(), "application/json".into()));
    action.body = json!({"to": "+14155550120", "channel": "sms", "custom_code": "123456"}).to_string().into_bytes();
    let r = raw(&e, &action);
    assert_eq!((r.status, json(&r)["message"].as_str().unwrap().starts_with("Invalid parameter: custom_code:")), (400, true), "{}", json(&r));
    action.body = json!({"to": "+14155550120", "channel": "sms"}).to_string().into_bytes();
    assert_eq!(raw(&e, &action).status, 201, "the token's service when the body names none");
    action.body = json!({"service_sid": "VAffffffffffffffffffffffffffffffff", "to": "+14155550121", "channel": "sms"}).to_string().into_bytes();
    assert_eq!(raw(&e, &action).status, 401, "another service in the body");
}

#[test]
fn cors_admits_the_listed_origins_only_and_nothing_runs_for_others() {
    let e = engine(MemoryKv::default());
    let base = service(&e, &format!("FriendlyName=Acme&AllowedOrigins={PAGE},http://127.0.0.1:8080"));
    let (_, svc) = call(&e, "GET", &base, "");
    assert_eq!(svc["allowed_origins"], json!([PAGE, "http://127.0.0.1:8080"]));
    let token = mint(&e, &base, "");
    let start = format!("{base}/Verifications");
    let preflight = |path: &str, origin: &str| {
        let mut req = request("OPTIONS", path, MAIN, TOKEN, "", "");
        req.headers = vec![("origin".into(), origin.into())];
        raw(&e, &req)
    };
    for path in [start.clone(), format!("{base}/VerificationCheck"), format!("/v1/actions/start_verification?service_sid={}", base.trim_start_matches("/v2/Services/"))] {
        let ok = preflight(&path, PAGE);
        assert_eq!(ok.status, 204, "{path}");
        assert_eq!(ok.header("access-control-allow-origin"), Some(PAGE));
        assert_eq!(ok.header("access-control-allow-methods"), Some("POST"));
        assert_eq!(ok.header("access-control-allow-headers"), Some("authorization, content-type"));
        assert_eq!(ok.header("access-control-max-age"), Some("600"));
        assert_eq!(ok.header("vary"), Some("Origin"));
        assert!(ok.header("access-control-allow-credentials").is_none());
        let no = preflight(&path, "https://evil.example");
        assert_eq!((no.status, json(&no)["code"].as_u64()), (403, Some(20403)));
        assert!(no.headers.iter().all(|(k, _)| !k.starts_with("access-control-")), "{:?}", no.headers);
    }
    let no_query = preflight("/v1/actions/start_verification", PAGE);
    assert_eq!(no_query.status, 403, "an action names its service in the query for CORS");
    assert_eq!(preflight(&format!("{base}/ClientTokens"), PAGE).status, 405, "minting is for backends");

    let r = raw(&e, &with_token("POST", &start, &token, "To=%2B14155550100&Channel=sms", Some(PAGE)));
    assert_eq!((r.status, r.header("access-control-allow-origin"), r.header("vary")), (201, Some(PAGE), Some("Origin")));
    let r = raw(&e, &with_token("POST", &start, &token, "To=nope&Channel=sms", Some(PAGE)));
    assert_eq!((r.status, r.header("access-control-allow-origin")), (400, Some(PAGE)), "errors carry the headers too");
    let sent = e.http.sent.borrow().len();
    let r = raw(&e, &with_token("POST", &start, &token, "To=%2B14155550101&Channel=sms", Some("https://evil.example")));
    assert_eq!((r.status, json(&r)["code"].as_u64()), (403, Some(20403)));
    assert!(r.headers.iter().all(|(k, _)| !k.starts_with("access-control-")));
    let mut basic = request("POST", &start, MAIN, TOKEN, FORM, "To=%2B14155550101&Channel=sms");
    basic.headers.push(("origin".into(), "https://evil.example".into()));
    assert_eq!(raw(&e, &basic).status, 403, "whatever the credentials");
    assert_eq!(e.http.sent.borrow().len(), sent, "nothing ran");
    let mut same = with_token("POST", &start, &token, "To=%2B14155550101&Channel=sms", Some("https://verify.example"));
    same.origin = "https://verify.example".into();
    let r = raw(&e, &same);
    assert_eq!((r.status, r.header("access-control-allow-origin")), (201, None), "the hosted page is same-origin");
    for bad in ["*", "https://app.example.test/", "https://*.example.test"] {
        assert_eq!(call(&e, "POST", &base, &format!("AllowedOrigins={bad}")).1["code"], 60200, "{bad}");
    }
}

#[test]
fn turnstile_guards_token_starts_and_a_refusal_counts_nothing() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&Turnstile.SiteKey=1x00000000000000000000AA&Turnstile.SecretKey=secret-key");
    let (_, svc) = call(&e, "GET", &base, "");
    assert_eq!((svc["turnstile_enabled"].as_bool(), svc["turnstile_site_key"].as_str()), (Some(true), Some("1x00000000000000000000AA")));
    assert!(!svc.to_string().contains("secret-key"), "the secret is never shown");
    let token = mint(&e, &base, "MaxStarts=1");
    let start = format!("{base}/Verifications");
    let (status, err) = as_page(&e, &start, &token, "To=%2B14155550100&Channel=sms");
    assert_eq!((status, err["code"].as_u64(), err["message"].as_str()), (403, Some(60451), Some("Bot check failed: TurnstileToken is required")));
    // The fake answers `{}` (no success): refused, and only siteverify was called.
    let (status, err) = as_page(&e, &start, &token, "To=%2B14155550100&Channel=sms&TurnstileToken=abc");
    assert_eq!((status, err["code"].as_u64()), (403, Some(60451)), "{err}");
    let sent = e.http.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url, "https://challenges.cloudflare.com/turnstile/v0/siteverify");
    let form = String::from_utf8(sent[0].body.clone()).unwrap();
    assert_eq!(form, "secret=secret-key&response=abc&remoteip=198.51.100.9");
    drop(sent);
    assert_eq!(call(&e, "POST", &start, "To=%2B14155550100&Channel=sms").0, 201, "Basic starts are not affected");
}

#[test]
fn the_web_otp_line_ends_the_sms() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme&WebOtpDomain=verify.example.com");
    assert_eq!(call(&e, "POST", &format!("{base}/Verifications"), "To=%2B14155550100&Channel=sms").0, 201);
    let sent = e.http.sent.borrow();
    let form: Vec<(String, String)> = form_urlencoded::parse(&sent.last().unwrap().body).into_owned().collect();
    let body = &form.iter().find(|(k, _)| k == "Body").unwrap().1;
    let code: String = body.lines().next().unwrap().chars().filter(char::is_ascii_digit).collect();
    assert!(body.ends_with(&format!("\n\n@verify.example.com #{code}")), "{body}");
    assert_eq!(call(&e, "POST", &base, "WebOtpDomain=https://x").1["code"], 60200);
}

#[test]
fn the_json_actions_mint_and_check_with_tokens_too() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let sid = base.trim_start_matches("/v2/Services/");
    let (status, minted) = action(&e, "create_client_token", json!({"service_sid": sid, "ttl": 60, "scopes": "start,check", "to": "+14155550100"}));
    assert_eq!((status, minted["to"].as_str(), minted["max_starts"].clone()), (201, Some("+14155550100"), Value::Null), "{minted}");
    let token = minted["token"].as_str().unwrap();
    let as_action = |id: &str, input: Value| {
        let mut req = with_token("POST", &format!("/v1/actions/{id}?service_sid={sid}"), token, "", Some(PAGE));
        req.headers.retain(|(k, _)| k != "content-type");
        req.headers.push(("content-type".into(), "application/json".into()));
        req.body = input.to_string().into_bytes();
        let r = raw(&e, &req);
        (r.status, json(&r))
    };
    // No AllowedOrigins: the page's origin is refused before anything runs.
    assert_eq!(as_action("start_verification", json!({"to": "+14155550100", "channel": "sms"})).0, 403);
    assert_eq!(call(&e, "POST", &base, &format!("AllowedOrigins={PAGE}")).0, 200);
    assert_eq!(as_action("start_verification", json!({"service_sid": sid, "to": "+14155550100", "channel": "sms"})).0, 201);
    let code = last_code(&e);
    let (status, checked) = as_action("check_verification", json!({"to": "+14155550100", "code": code}));
    assert_eq!((status, checked["status"].as_str()), (200, Some("approved")), "{checked}");
    assert!(checked["result_token"].as_str().unwrap().starts_with("evr1."));
    assert_eq!(action(&e, "create_client_token", json!({"service_sid": sid, "ttl": 0})).1["message"], "Invalid parameter: ttl: must be an integer from 1 to 3600");
}

#[test]
fn a_token_route_challenges_for_a_token_and_the_others_for_basic() {
    let e = engine(MemoryKv::default());
    let base = service(&e, "FriendlyName=Acme");
    let r = raw(&e, &with_token("POST", &format!("{base}/Verifications"), "evt1.x.y", "To=%2B14155550100&Channel=sms", None));
    assert_eq!((r.status, r.header("www-authenticate")), (401, Some("Bearer realm=\"edge-verify\", error=\"invalid_token\"")), "no Basic prompt in a browser");
    let r = raw(&e, &with_token("GET", "/v2/Services", "evt1.x.y", "", None));
    assert_eq!((r.status, r.header("www-authenticate")), (401, Some("Basic realm=\"edge-verify\"")));
}

#[test]
fn a_page_reaches_only_what_a_page_started_so_it_cannot_spend_others_guesses() {
    let e = engine_with(MemoryKv::default(), settings(&[("POLICY", r#"{"fraud_guard": "off"}"#)]));
    let base = service(&e, "FriendlyName=Acme");
    let (check, start) = (format!("{base}/VerificationCheck"), format!("{base}/Verifications"));
    // A backend's login code: no page's token may guess at it.
    assert_eq!(call(&e, "POST", &start, "To=%2B14155550100&Channel=sms").0, 201);
    let backend_code = last_code(&e);
    let hostile = mint(&e, &base, "");
    for _ in 0..6 {
        let (status, err) = as_page(&e, &check, &hostile, "To=%2B14155550100&Code=000000");
        assert_eq!((status, err["code"].as_u64()), (404, Some(20404)), "{err}");
    }
    let (status, ok) = call(&e, "POST", &check, &format!("To=%2B14155550100&Code={backend_code}"));
    assert_eq!((status, ok["status"].as_str()), (200, Some("approved")), "the backend's five guesses are intact");

    // A page's own verification: its token checks it, another page's token does not...
    let visitor = mint(&e, &base, "");
    assert_eq!(as_page(&e, &start, &visitor, "To=%2B14155550101&Channel=sms").0, 201);
    let code = last_code(&e);
    let (status, _) = as_page(&e, &check, &hostile, "To=%2B14155550101&Code=000000");
    assert_eq!(status, 404, "another page's token cannot spend the visitor's guesses");
    // ...and a new token for the same visitor takes it over by resending (the first expired).
    let renewed = mint(&e, &base, "");
    assert_eq!(as_page(&e, &start, &renewed, "To=%2B14155550101&Channel=sms").0, 201, "a resend");
    assert_eq!(last_code(&e), code, "the same code");
    assert_eq!(as_page(&e, &check, &visitor, &format!("To=%2B14155550101&Code={code}")).0, 404, "the old token lost it");
    let (status, ok) = as_page(&e, &check, &renewed, &format!("To=%2B14155550101&Code={code}"));
    assert_eq!((status, ok["status"].as_str()), (200, Some("approved")));
}

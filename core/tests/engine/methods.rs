//! Methods the router does not know, and query parameters a list does not take.

use super::*;

#[test]
fn an_unknown_method_on_a_known_path_is_405_with_allow() {
    let e = engine(MemoryKv::default());
    for method in ["QUERY", "PROPFIND", "TRACE", "PUT", "PATCH"] {
        let r = raw(&e, &request(method, "/v2/Services", MAIN, TOKEN, "", ""));
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, POST"), "{method}");
        let body = json(&r);
        assert_eq!(body["code"], 20004, "{method}");
        assert_eq!(body["status"], 405);
        assert!(body["message"].as_str().unwrap().contains(method));
    }
    let r = raw(&e, &request("QUERY", "/v2/Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", MAIN, TOKEN, "", ""));
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST, DELETE")));
    // Without credentials too: the method is wrong whoever asks.
    let mut anonymous = request("PROPFIND", "/2010-04-01/Accounts.json", MAIN, TOKEN, "", "");
    anonymous.headers.clear();
    let r = raw(&e, &anonymous);
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST")));
}

#[test]
fn an_unknown_method_on_an_unknown_path_stays_404() {
    let e = engine(MemoryKv::default());
    let r = raw(&e, &request("QUERY", "/v2/Nothing", MAIN, TOKEN, "", ""));
    assert_eq!(r.status, 404);
    assert_eq!(r.header("allow"), None);
    assert_eq!(json(&r)["code"], 20404);
}

#[test]
fn options_without_a_preflight_is_refused_like_any_other_method() {
    // A preflight (Origin + Access-Control-Request-Method) is answered by CORS
    // (tests/e2e/browser_api.test.mjs); a bare OPTIONS is an unsupported method.
    let e = engine(MemoryKv::default());
    let r = raw(&e, &request("OPTIONS", "/v2/Services", MAIN, TOKEN, "", ""));
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST")));
}

#[test]
fn a_list_refuses_a_query_parameter_it_does_not_take() {
    let e = engine(MemoryKv::default());
    assert_eq!(call(&e, "GET", "/v2/Services?PageSize=5&Page=0&PageToken=", "").0, 200);
    let (status, body) = call(&e, "GET", "/v2/Services?PageSize=5&Statsu=approved", "");
    assert_eq!(status, 400);
    assert_eq!(body["code"], 60200);
    assert!(body["message"].as_str().unwrap().contains("Statsu"), "{body}");
    // Operations that read no query ignore one, as Twilio does.
    let path = service(&e, "FriendlyName=Shop");
    assert_eq!(call(&e, "GET", &format!("{path}?cache=1"), "").0, 200);
}

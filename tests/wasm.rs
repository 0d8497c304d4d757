//! The worker's side tested as wasm32, under node (`wasm-bindgen-test-runner`; see
//! scripts/test.sh): what host tests cannot show. The core's known answers come out byte for
//! byte as on the host; the platform CSPRNG (getrandom `wasm_js`) gives distinct values; the
//! glue's conversions of requests, bodies, headers and errors round-trip through the runtime's
//! own `Request` and `Response`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_verify::glue::{read_request, write_response, MAX_BODY_BYTES};
use edge_verify::platform::CryptoRng;
use edge_verify_core::http::{ApiResponse, Method as ApiMethod};
use edge_verify_core::sid::{Rng, VerificationSid};
use edge_verify_core::ApiError;
use wasm_bindgen_test::wasm_bindgen_test;
use worker::web_sys;

#[path = "../core/tests/engine/known_answers.rs"]
mod known_answers;

#[wasm_bindgen_test]
fn known_answers_hold_in_wasm() {
    for (what, computed, expected) in known_answers::known_answers() {
        assert_eq!(computed, expected, "{what}");
    }
}

#[wasm_bindgen_test]
fn the_platform_csprng_gives_distinct_values() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..64 {
        let mut seed = [0u8; 16];
        CryptoRng.fill(&mut seed);
        assert!(seen.insert(seed), "a repeated 128-bit value");
    }
    assert!(VerificationSid::generate(&CryptoRng) != VerificationSid::generate(&CryptoRng));
}

fn request(body: Vec<u8>) -> web_sys::Request {
    let headers = web_sys::Headers::new().unwrap();
    headers.set("Content-Type", "application/x-www-form-urlencoded").unwrap();
    headers.set("Authorization", "Basic QUM6dG9rZW4=").unwrap();
    headers.set("Content-Length", &body.len().to_string()).unwrap();
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&worker::js_sys::Uint8Array::from(body.as_slice()));
    web_sys::Request::new_with_str_and_init("https://verify.example:8443/v2/Services?PageSize=5&x=%C3%A9", &init).unwrap()
}

/// A request whose body is a stream of unknown length (chunked), in two chunks.
fn streamed(body: Vec<u8>) -> web_sys::Request {
    let half = body.len() / 2;
    let source = worker::js_sys::Array::of2(&worker::js_sys::Uint8Array::from(&body[..half]), &worker::js_sys::Uint8Array::from(&body[half..]));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&source).unwrap();
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&blob.stream());
    worker::js_sys::Reflect::set(&init, &"duplex".into(), &"half".into()).unwrap();
    web_sys::Request::new_with_str_and_init("https://verify.example/v2/Services", &init).unwrap()
}

#[wasm_bindgen_test]
async fn requests_come_in_with_their_parts_and_a_bounded_body() {
    let req = request(b"FriendlyName=Caf%C3%A9".to_vec());
    let api = read_request(&req).await.unwrap();
    assert_eq!(api.method, Some(ApiMethod::Post));
    assert_eq!((api.origin.as_str(), api.path.as_str(), api.query.as_str()), ("https://verify.example:8443", "/v2/Services", "PageSize=5&x=%C3%A9"));
    assert_eq!(api.header("content-type"), Some("application/x-www-form-urlencoded"), "names are lower-cased");
    assert_eq!(api.header("authorization"), Some("Basic QUM6dG9rZW4="));
    assert_eq!(api.body, b"FriendlyName=Caf%C3%A9");
    let exact = request(vec![b'a'; MAX_BODY_BYTES]);
    assert_eq!(read_request(&exact).await.unwrap().body.len(), MAX_BODY_BYTES);
    let big = request(vec![b'a'; MAX_BODY_BYTES + 1]);
    assert_eq!(read_request(&big).await.unwrap_err(), ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    assert_eq!(read_request(&streamed(b"To=%2B1&Code=1".to_vec())).await.unwrap().body, b"To=%2B1&Code=1", "a chunked body is read as a stream");
    assert_eq!(read_request(&streamed(vec![b'a'; MAX_BODY_BYTES + 2])).await.unwrap_err(), ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
}

#[wasm_bindgen_test]
async fn responses_go_out_with_status_headers_and_body() {
    let out = write_response(ApiResponse::error(&ApiError::Unauthenticated)).unwrap();
    assert_eq!(out.status(), 401);
    assert_eq!(out.headers().get("www-authenticate").unwrap().as_deref(), Some("Basic realm=\"edge-verify\""));
    assert_eq!(out.headers().get("content-type").unwrap().as_deref(), Some("application/json; charset=utf-8"));
    let text = worker::wasm_bindgen_futures::JsFuture::from(out.text().unwrap()).await.unwrap().as_string().unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], 20003);
    assert_eq!(body["more_info"], "https://www.twilio.com/docs/errors/20003");
    let empty = write_response(ApiResponse::empty(204)).unwrap();
    assert_eq!(empty.status(), 204);
    assert!(empty.body().is_none());
}

#[wasm_bindgen_test]
fn urls_split_into_origin_path_and_query() {
    use edge_verify::glue::split_url;
    assert_eq!(split_url("https://h.example/v2/Services?PageSize=5#x"), ("https://h.example", "/v2/Services", "PageSize=5"));
    assert_eq!(split_url("http://127.0.0.1:8787/"), ("http://127.0.0.1:8787", "/", ""));
    assert_eq!(split_url("http://127.0.0.1:8787?a=b"), ("http://127.0.0.1:8787", "/", "a=b"));
    assert_eq!(split_url("https://h/a%3F%23/b?c=%3F&d"), ("https://h", "/a%3F%23/b", "c=%3F&d"));
    assert_eq!(split_url("https://h//v2/Services?a"), ("https://h", "/v2/Services", "a"), "a doubled leading slash");
    assert_eq!(split_url("https://h///"), ("https://h", "/", ""));
}

//! Converting between the runtime's requests and responses (`web_sys`, with no SDK wrapper in
//! between) and the core's: only the headers the core reads cross into wasm, the body is read
//! whole when its length is declared and within the limit (else as a bounded stream), and error
//! responses keep their headers.

use edge_verify_core::http::{ApiRequest, ApiResponse, Method, REQUEST_HEADERS};
use edge_verify_core::ApiError;
use futures_util::StreamExt;
use wasm_bindgen::JsValue;
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;

use crate::platform::js_error;

/// Largest request body accepted (64 KiB); checked here, while the body streams in.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn read_request(req: &web_sys::Request) -> Result<ApiRequest, ApiError> {
    let url = req.url();
    let (origin, path, query) = split_url(&url);
    let method_name = req.method();
    let given = req.headers();
    let header = |name: &str| given.get(name).ok().flatten();
    let headers: Vec<(String, String)> = REQUEST_HEADERS.iter().filter_map(|name| header(name).map(|v| ((*name).to_owned(), v))).collect();
    let declared = header("content-length").and_then(|n| n.trim().parse::<usize>().ok());
    let body = match (declared, req.body()) {
        (_, None) | (Some(0), _) => Vec::new(),
        (Some(n), Some(_)) if n <= MAX_BODY_BYTES => read_whole(req).await?,
        (_, Some(stream)) => read_stream(stream).await?,
    };
    Ok(ApiRequest {
        method: Method::parse(&method_name),
        method_name,
        origin: origin.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
    })
}

/// Splits the runtime's (already normalised) request URL into origin, path and query, without
/// a URL parser: the `url` crate and its IDNA tables would be most of the worker's size.
pub fn split_url(url: &str) -> (&str, &str, &str) {
    let url = url.split('#').next().unwrap_or_default();
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url.get(after_scheme..).and_then(|rest| rest.find(['/', '?'])).map_or(url.len(), |i| after_scheme + i);
    let (origin, rest) = url.split_at(path_start);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // A client that joins a base URL and a path that both carry the slash (Make's universal
    // module: base + "/" + "/v2/Services") sends "//v2/Services": served as "/v2/Services".
    let doubled = path.len() - path.trim_start_matches('/').len();
    let path = path.get(doubled.saturating_sub(1)..).unwrap_or(path);
    (origin, if path.is_empty() { "/" } else { path }, query)
}

fn unreadable(err: &JsValue) -> ApiError {
    ApiError::MalformedBody(format!("the body could not be read: {}", js_error(err)))
}

async fn read_whole(req: &web_sys::Request) -> Result<Vec<u8>, ApiError> {
    let buffer = JsFuture::from(req.array_buffer().map_err(|e| unreadable(&e))?).await.map_err(|e| unreadable(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Reads a body of undeclared (or too large) length as a stream, keeping at most the limit and
/// draining the rest: memory stays bounded, and the connection stays usable after a 413
/// (answering before the body is read would break a keep-alive client's next request).
async fn read_stream(stream: web_sys::ReadableStream) -> Result<Vec<u8>, ApiError> {
    let mut chunks = worker::ByteStream::from(stream);
    let mut body = Vec::new();
    let mut too_large = false;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedBody(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            too_large = true;
            body = Vec::new();
        } else if !too_large {
            body.extend_from_slice(&chunk);
        }
    }
    if too_large {
        Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES })
    } else {
        Ok(body)
    }
}

/// The runtime's response for the core's.
pub fn write_response(response: ApiResponse) -> Result<web_sys::Response, JsValue> {
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status);
    if !response.headers.is_empty() {
        let headers = web_sys::Headers::new()?;
        for (name, value) in &response.headers {
            headers.append(name, value)?;
        }
        init.set_headers(&headers);
    }
    if response.body.is_empty() {
        web_sys::Response::new_with_opt_str_and_init(None, &init)
    } else {
        let body = Uint8Array::from(response.body.as_slice());
        web_sys::Response::new_with_opt_buffer_source_and_init(Some(&body), &init)
    }
}

//! `make_api_call`: an arbitrary authorized call to this API, dispatched inside the worker as
//! the caller (never an outbound request, never another identity). Its path must be relative,
//! under `/v2/`, `/2010-04-01/` or `/dev/`, without `.`/`..` segments (even percent-encoded), and
//! never `/v1/actions`.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::input::Input;
use crate::spec::api_call::{BODY, HEADERS, METHOD, QUERY, URL};

/// What `make_api_call` answers: the inner call's status, headers and body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiCallResult {
    pub status: u16,
    pub headers: Map<String, Value>,
    /// The JSON body, text, or null.
    pub body: Value,
}

/// The inner request an action input describes.
pub fn request(input: &Input<'_>, origin: &str) -> Result<ApiRequest, ApiError> {
    let url = input.text(&URL)?.ok_or_else(|| input.invalid(&URL, "is required"))?;
    let (path, url_query) = checked_api_path(&url)?;
    let method_name = input.raw_text(&METHOD)?.map_or_else(|| "GET".to_owned(), str::to_ascii_uppercase);
    if !METHOD.choices().contains(&method_name.as_str()) {
        return Err(input.invalid(&METHOD, "must be one of GET, POST, PUT, PATCH, DELETE"));
    }
    let mut headers: Vec<(String, String)> = input
        .pairs(&HEADERS)?
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .filter(|(k, _)| k != "authorization" && k != "content-length")
        .collect();
    let mut query = form_urlencoded::Serializer::new(url_query.unwrap_or_default());
    query.extend_pairs(input.pairs(&QUERY)?);
    let body = match input.json(&BODY)? {
        None => Vec::new(),
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(json) => {
            if !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push(("content-type".into(), "application/json".into()));
            }
            json.to_string().into_bytes()
        }
    };
    if !headers.iter().any(|(k, _)| k == "content-type") && !body.is_empty() {
        headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
    }
    Ok(ApiRequest { method: Method::parse(&method_name), method_name, origin: origin.to_owned(), path, query: query.finish(), headers, body })
}

/// The action's answer for the inner response: always 200, the inner status inside.
pub fn wrap(inner: ApiResponse) -> ApiResponse {
    let body = if inner.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&inner.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&inner.body).into_owned()))
    };
    let headers = inner.headers.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    ApiResponse::json(200, &ApiCallResult { status: inner.status, headers, body })
}

/// Checks a `make_api_call` URL; returns the path and the query string it carried.
pub fn checked_api_path(url: &str) -> Result<(String, Option<String>), ApiError> {
    let refuse = |why: &str| ApiError::invalid(URL.field, why.to_owned());
    if url.contains("://") || url.starts_with("//") || !url.starts_with('/') {
        return Err(refuse("must be a path of this API such as /v2/Services, not an absolute URL"));
    }
    if url.contains('\\') || url.chars().any(char::is_control) || url.contains('#') {
        return Err(refuse("must not contain backslashes, control characters or fragments"));
    }
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned()).filter(|q| !q.is_empty())),
        None => (url, None),
    };
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().map_err(|_| refuse("is not valid UTF-8"))?;
    if decoded.split('/').any(|seg| seg == "." || seg == "..") || decoded.contains("//") {
        return Err(refuse("must not contain . or .. segments"));
    }
    if !["/v2/", "/2010-04-01/", "/dev/"].iter().any(|p| decoded.starts_with(p)) {
        return Err(refuse("must be a path of this API (/v2/..., /2010-04-01/...); actions cannot call themselves"));
    }
    Ok((path.to_owned(), query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    #[test]
    fn api_call_urls_stay_inside_the_api() {
        assert_eq!(checked_api_path("/v2/Services?PageSize=5").unwrap(), ("/v2/Services".into(), Some("PageSize=5".into())));
        assert!(checked_api_path("/2010-04-01/Accounts.json").is_ok());
        for bad in [
            "https://evil.example/v2/Services",
            "http://127.0.0.1/v2/Services",
            "//evil.example/v2",
            "v2/Services",
            "/v2/../v1/actions",
            "/v2/%2e%2e/v1/actions/make_api_call",
            "/v1/actions/make_api_call",
            "/v1/actions",
            "/v2\\Services",
            "/elsewhere",
            "javascript:alert(1)",
            "/v2//Services",
        ] {
            assert_eq!(checked_api_path(bad).unwrap_err().parameter(), Some("url"), "{bad}");
        }
    }

    #[test]
    fn builds_the_inner_request_without_the_callers_authorization() {
        let body = Body::from_json(br#"{"url": "/v2/Services?a=1", "method": "post", "headers": [{"key": "Authorization", "value": "Basic x"}], "query": [{"key": "PageSize", "value": "2"}], "body": {"FriendlyName": "x"}}"#).unwrap();
        let r = request(&body.input(Naming::Field), "http://h").unwrap();
        assert_eq!((r.method, r.path.as_str(), r.query.as_str()), (Some(Method::Post), "/v2/Services", "a=1&PageSize=2"));
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let bad = Body::from_json(br#"{"url": "/v2/Services", "body": [1]}"#).unwrap();
        assert_eq!(request(&bad.input(Naming::Field), "http://h").unwrap_err().parameter(), Some("body"));
    }
}

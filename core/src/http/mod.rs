//! The HTTP shapes the core works with, free of any runtime (a request in, a response out), the
//! route table, and the operations both faces run.

pub mod operations;
pub mod routes;
mod routing;

use serde::Serialize;

use crate::error::ApiError;

/// The request methods the API knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    /// Parses an upper-case method name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "HEAD" => Self::Head,
            "OPTIONS" => Self::Options,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
        }
    }

    pub fn has_body(self) -> bool {
        matches!(self, Self::Post | Self::Put | Self::Patch)
    }
}

/// The request headers the core reads (lower case); the worker passes only these. Cloudflare
/// sets `cf-connecting-ip` and `cf-ipcountry` at its edge (a client cannot forge them there).
pub const REQUEST_HEADERS: [&str; 6] = [
    "authorization",
    "content-type",
    "cf-connecting-ip",
    "cf-ipcountry",
    "origin",
    "x-twilio-signature",
];

/// A request as the core sees it. The worker has already bounded the body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// `None` for a method the API does not know.
    pub method: Option<Method>,
    /// The raw method name, for error messages.
    pub method_name: String,
    /// Scheme and authority, e.g. `http://127.0.0.1:8787`, for absolute URLs.
    pub origin: String,
    /// The percent-encoded path.
    pub path: String,
    /// The query string without `?`.
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A response as the core produces it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self { status, headers: vec![("content-type".into(), "application/json; charset=utf-8".into())], body },
            Err(e) => Self::error(&ApiError::Internal(format!("encode response: {e}"))),
        }
    }

    /// An empty response (204 for deletes).
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    /// The Twilio error response for `err`.
    pub fn error(err: &ApiError) -> Self {
        let mut response = Self {
            status: err.status(),
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_vec(&err.body()).unwrap_or_default(),
        };
        if matches!(err, ApiError::Unauthenticated) {
            response.headers.push(("www-authenticate".into(), "Basic realm=\"edge-verify\"".into()));
        }
        if let Some(seconds) = err.retry_after() {
            response
                .headers
                .push(("retry-after".into(), seconds.to_string()));
        }
        response
    }

    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

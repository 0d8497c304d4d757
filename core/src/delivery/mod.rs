//! Delivering codes: the outbound HTTP port, message wording, provider configuration and the
//! providers themselves (Twilio Messaging and Voice, SendGrid, a signed webhook, a dev log sink).

pub mod config;
pub mod message;
pub mod providers;

/// An HTTP request to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// `POST` for every provider here.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers (may hold credentials: never log them).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer within the timeout.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// The connection failed (refused, reset, DNS...).
    #[error("connection failed: {0}")]
    Connection(String),
}

/// Makes outbound HTTP requests (the Workers `fetch`, or a fake in tests).
#[allow(async_fn_in_trait)]
pub trait HttpClient {
    /// Sends `request`, giving up after `timeout_ms`.
    async fn send(&self, request: &OutboundRequest, timeout_ms: u64) -> Result<OutboundResponse, TransportError>;
}

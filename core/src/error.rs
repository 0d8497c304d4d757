//! The one domain error type. Each variant knows its HTTP status and its Twilio error code; the
//! faces turn it into the Twilio error body in one place ([`ErrorBody`]).

use serde::Serialize;

/// Everything that can go wrong in a request, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Missing or wrong credentials, or a suspended or closed account.
    #[error("Authenticate")]
    Unauthenticated,
    /// A client token (`Authorization: Bearer`) that is expired, tampered with, for another
    /// service or scope or recipient, or used on a route tokens cannot call. Says nothing more.
    #[error("Authentication Error - invalid token")]
    InvalidToken,
    /// The service's Turnstile bot check refused a start made with a client token (403 60451).
    #[error("Bot check failed: {0}")]
    BotCheckFailed(String),
    /// Authenticated, but this credential may not do this.
    #[error("Forbidden: {0}")]
    Forbidden(String),
    /// No such resource for this account (also used for other accounts' resources).
    #[error("The requested resource {0} was not found")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("Method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    /// The body is larger than the limit.
    #[error("Request body too large: the limit is {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body could not be decoded as a form or a JSON object.
    #[error("Invalid request body: {0}")]
    MalformedBody(String),
    /// A parameter is missing or has a value we do not accept; `name` is the wire name on the
    /// REST face and the field name on the actions face.
    #[error("Invalid parameter: {name}: {detail}")]
    InvalidParameter { name: String, detail: String },
    /// A well-formed parameter the deployment's settings rule out (409, as no spec can say it
    /// in advance), named like an invalid one.
    #[error("Invalid parameter: {name}: {detail}")]
    OutOfDeployment { name: String, detail: String },
    /// A request a resource's rules refuse, with Twilio's code for the rule: 60209 (a bad name,
    /// 400); 60208 and 60211 (the name or interval exists) and 60207 and 60210 (the service or
    /// rate limit is full) and 60213 (the country has a messaging configuration) conflict with what
    /// is stored (409).
    #[error("{detail}")]
    Refused { code: u32, detail: String },
    /// Five checks were used on this verification.
    #[error("Max check attempts reached")]
    MaxCheckAttempts,
    /// Five sends were used on this verification.
    #[error("Max send attempts reached")]
    MaxSendAttempts,
    /// The service does not enable what the request asks for.
    #[error("Service does not support this feature: {0}")]
    FeatureNotEnabled(String),
    /// A PSD2 service needs Amount and Payee (409: the service's setting requires them).
    #[error("'Amount' & 'Payee' params are required for this PSD2-enabled service")]
    Psd2ParamsRequired,
    /// A check named no verification.
    #[error("No target verification specified: send To or VerificationSid")]
    NoVerificationTarget,
    /// No provider can deliver on this channel.
    #[error("Delivery channel disabled: {0}")]
    ChannelDisabled(String),
    /// The provider did not take the message: `provider` is `twilio`, `sendgrid`, `webhook` or
    /// `gateway`; `detail` holds its status and error, never credentials or the code.
    #[error("Delivery through {provider} failed: {detail}")]
    DeliveryFailed { provider: String, detail: String },
    /// A limit is full (429): 60212 for the sends to one `To`, 20429 for the others. The
    /// response says when to retry (`Retry-After`).
    #[error("Too many requests: {detail}")]
    Limited {
        code: u32,
        detail: String,
        retry_after: u64,
    },
    /// A policy refuses the destination (403): 60605 geo permissions, 60410 fraud guard.
    #[error("Verification delivery attempt blocked: {detail}")]
    Blocked {
        code: u32,
        detail: String,
        retry_after: Option<u64>,
    },
    /// A policy refuses a message of the Messages API (403), with Twilio Messaging's code:
    /// 21408 geo permissions, 30450 the fraud guard.
    #[error("{detail}")]
    Denied {
        code: u32,
        detail: String,
        retry_after: Option<u64>,
    },
    /// The provider did not answer in time: it may have taken the message, so the send counts.
    #[error("Delivery through {provider} is uncertain: {detail}")]
    DeliveryUncertain { provider: String, detail: String },
    /// Storage, configuration or another dependency failed; the detail goes to the log, never
    /// to the caller.
    #[error("Internal server error")]
    Internal(String),
}

impl ApiError {
    /// A bad or missing parameter.
    pub fn invalid(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidParameter { name: name.into(), detail: detail.into() }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidToken => 401,
            Self::BotCheckFailed(_) => 403,
            Self::Forbidden(_) | Self::FeatureNotEnabled(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::PayloadTooLarge { .. } => 413,
            // A name that exists, or a parent at its cap: a conflict with what is stored.
            Self::Refused { code: 60207 | 60208 | 60210 | 60211 | 60213, .. } => 409,
            Self::MalformedBody(_) | Self::InvalidParameter { .. } | Self::Refused { .. } => 400,
            // Amount and Payee are required by the service's setting, not by the request's form.
            Self::Psd2ParamsRequired | Self::OutOfDeployment { .. } => 409,
            Self::NoVerificationTarget | Self::ChannelDisabled(_) => 400,
            Self::MaxCheckAttempts | Self::MaxSendAttempts | Self::Limited { .. } => 429,
            Self::Blocked { .. } | Self::Denied { .. } => 403,
            Self::DeliveryFailed { .. } | Self::DeliveryUncertain { .. } => 502,
            Self::Internal(_) => 500,
        }
    }

    /// The Twilio error code.
    pub fn code(&self) -> u32 {
        match self {
            Self::Unauthenticated | Self::InvalidToken => 20003,
            Self::BotCheckFailed(_) => 60451,
            Self::Forbidden(_) => 20403,
            Self::NotFound(_) => 20404,
            Self::MethodNotAllowed { .. } => 20004,
            Self::PayloadTooLarge { .. } => 20413,
            Self::MalformedBody(_) | Self::InvalidParameter { .. } | Self::OutOfDeployment { .. } => 60200,
            Self::MaxCheckAttempts => 60202,
            Self::MaxSendAttempts => 60203,
            Self::FeatureNotEnabled(_) => 60204,
            Self::Psd2ParamsRequired => 60206,
            Self::NoVerificationTarget => 60221,
            Self::ChannelDisabled(_) => 60223,
            Self::Limited { code, .. }
            | Self::Blocked { code, .. }
            | Self::Denied { code, .. }
            | Self::Refused { code, .. } => *code,
            Self::DeliveryFailed { .. } | Self::DeliveryUncertain { .. } => 30008,
            Self::Internal(_) => 20500,
        }
    }

    /// Seconds after which a retry may succeed, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Limited { retry_after, .. } => Some(*retry_after),
            Self::Blocked { retry_after, .. } | Self::Denied { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The parameter this error is about, if any.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Self::InvalidParameter { name, .. } | Self::OutOfDeployment { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let code = self.code();
        ErrorBody { code, message: self.to_string(), more_info: MoreInfo(code), status: self.status() }
    }
}

/// The Twilio error body: `{code, message, more_info, status}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Error"))]
pub struct ErrorBody {
    /// The Twilio error code.
    pub code: u32,
    pub message: String,
    /// A link to the error's documentation.
    pub more_info: MoreInfo,
    /// The HTTP status.
    pub status: u16,
}

/// `https://www.twilio.com/docs/errors/{code}`, written without an intermediate string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoreInfo(pub u32);

impl Serialize for MoreInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("https://www.twilio.com/docs/errors/{}", self.0))
    }
}

#[cfg(feature = "schema")]
impl<'de> serde::Deserialize<'de> for MoreInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.strip_prefix("https://www.twilio.com/docs/errors/")
            .and_then(|c| c.parse().ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("not a Twilio error link"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for MoreInfo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MoreInfo".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "uri" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_exactly_the_four_twilio_fields() {
        let body = serde_json::to_value(ApiError::invalid("CodeLength", "must be an integer from 4 to 10").body()).unwrap();
        assert_eq!(body.as_object().unwrap().len(), 4);
        assert_eq!(body["code"], 60200);
        assert_eq!(body["status"], 400);
        assert_eq!(body["message"], "Invalid parameter: CodeLength: must be an integer from 4 to 10");
        assert_eq!(body["more_info"], "https://www.twilio.com/docs/errors/60200");
    }

    #[test]
    fn internal_detail_is_not_in_the_message() {
        let err = ApiError::Internal("kv put failed: secret stuff".into());
        assert_eq!(err.body().message, "Internal server error");
        assert_eq!(err.status(), 500);
    }
}

//! The one domain error type. Each variant knows its HTTP status and its Twilio error code.

use serde_json::json;

/// Everything that can go wrong in a request, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Missing or wrong credentials, or a suspended or closed account.
    #[error("Authenticate")]
    Unauthenticated,
    /// Authenticated, but this credential may not do this.
    #[error("Forbidden: {0}")]
    Forbidden(String),
    /// No such resource for this account (also used for other accounts' resources).
    #[error("The requested resource {0} was not found")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("Method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The body is larger than the limit.
    #[error("Request body too large: the limit is {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be decoded as a form or a JSON object.
    #[error("Invalid request body: {0}")]
    MalformedBody(String),
    /// A parameter is missing or has a value we do not accept.
    #[error("Invalid parameter: {name}: {detail}")]
    InvalidParameter {
        /// The parameter's wire name, e.g. `CodeLength`.
        name: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Five checks were used on this verification.
    #[error("Max check attempts reached")]
    MaxCheckAttempts,
    /// Five sends were used on this verification.
    #[error("Max send attempts reached")]
    MaxSendAttempts,
    /// The service does not enable what the request asks for.
    #[error("Service does not support this feature: {0}")]
    FeatureNotEnabled(String),
    /// A PSD2 service needs Amount and Payee.
    #[error("'Amount' & 'Payee' params are required for this PSD2-enabled service")]
    Psd2ParamsRequired,
    /// A check named no verification.
    #[error("No target verification specified: send To or VerificationSid")]
    NoVerificationTarget,
    /// No provider can deliver on this channel.
    #[error("Delivery channel disabled: {0}")]
    ChannelDisabled(String),
    /// The provider did not take the message.
    #[error("Delivery through {provider} failed: {detail}")]
    DeliveryFailed {
        /// `twilio`, `sendgrid` or `webhook`.
        provider: String,
        /// Status and provider error, never credentials or the code.
        detail: String,
    },
    /// Storage or another dependency failed; the detail goes to the log, never to the caller.
    #[error("Internal server error")]
    Internal(String),
}

impl ApiError {
    /// A bad or missing parameter.
    pub fn invalid(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::InvalidParameter { name: name.into(), detail: detail.into() }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::PayloadTooLarge { .. } => 413,
            Self::MalformedBody(_) | Self::InvalidParameter { .. } => 400,
            Self::MaxCheckAttempts | Self::MaxSendAttempts => 429,
            Self::FeatureNotEnabled(_) => 403,
            Self::Psd2ParamsRequired | Self::NoVerificationTarget | Self::ChannelDisabled(_) => 400,
            Self::DeliveryFailed { .. } => 502,
            Self::Internal(_) => 500,
        }
    }

    /// The Twilio error code.
    pub fn code(&self) -> u32 {
        match self {
            Self::Unauthenticated => 20003,
            Self::Forbidden(_) => 20403,
            Self::NotFound(_) => 20404,
            Self::MethodNotAllowed { .. } => 20004,
            Self::PayloadTooLarge { .. } => 20413,
            Self::MalformedBody(_) | Self::InvalidParameter { .. } => 60200,
            Self::MaxCheckAttempts => 60202,
            Self::MaxSendAttempts => 60203,
            Self::FeatureNotEnabled(_) => 60204,
            Self::Psd2ParamsRequired => 60206,
            Self::NoVerificationTarget => 60221,
            Self::ChannelDisabled(_) => 60223,
            Self::DeliveryFailed { .. } => 30008,
            Self::Internal(_) => 20500,
        }
    }

    /// The parameter this error is about, if any.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Self::InvalidParameter { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The Twilio error body: `{code, message, more_info, status}`.
    pub fn body(&self) -> serde_json::Value {
        let code = self.code();
        json!({
            "code": code,
            "message": self.to_string(),
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": self.status(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_exactly_the_four_twilio_fields() {
        let body = ApiError::invalid("CodeLength", "must be an integer from 4 to 10").body();
        let obj = body.as_object().unwrap();
        assert_eq!(obj.len(), 4);
        assert_eq!(body["code"], 60200);
        assert_eq!(body["status"], 400);
        assert_eq!(body["message"], "Invalid parameter: CodeLength: must be an integer from 4 to 10");
        assert_eq!(body["more_info"], "https://www.twilio.com/docs/errors/60200");
    }

    #[test]
    fn internal_detail_is_not_in_the_message() {
        let err = ApiError::Internal("kv put failed: secret stuff".into());
        assert_eq!(err.body()["message"], "Internal server error");
        assert_eq!(err.status(), 500);
    }
}

//! Cloudflare Turnstile's siteverify: the request a start with a client token makes when its
//! service sets `Turnstile.SecretKey`, and what its answer means. Turnstile tokens are
//! single-use and live 300 s: siteverify answers `success: false` (`timeout-or-duplicate`) to a
//! reused or stale one. Pure; the engine sends the request through its HTTP port.

use serde::Deserialize;

use crate::delivery::{OutboundRequest, OutboundResponse, TransportError};
use crate::error::ApiError;

/// `TURNSTILE_API_BASE` when unset.
pub const DEFAULT_API_BASE: &str = "https://challenges.cloudflare.com";

/// The siteverify request for `response` (the page's token) from `remote_ip`.
pub fn request(api_base: &str, secret: &str, response: &str, remote_ip: Option<&str>) -> OutboundRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("secret", secret);
    form.append_pair("response", response);
    if let Some(ip) = remote_ip {
        form.append_pair("remoteip", ip);
    }
    OutboundRequest {
        method: "POST",
        url: format!("{}/turnstile/v0/siteverify", api_base.trim_end_matches('/')),
        headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
        body: form.finish().into_bytes(),
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    success: bool,
    #[serde(default, rename = "error-codes")]
    error_codes: Vec<String>,
}

/// What siteverify's answer means: `Ok` when it passed, else the 403 60451 and, for a failure
/// that is the operator's (siteverify unreachable or refusing the secret), a line for the log:
/// the caller sees only that the bot check failed.
pub fn judge(answer: Result<OutboundResponse, TransportError>) -> Result<(), (ApiError, Option<String>)> {
    let unavailable = |why: String| (ApiError::BotCheckFailed("the bot check is unavailable".into()), Some(why));
    let response = answer.map_err(|e| unavailable(format!("turnstile siteverify could not be reached: {e}")))?;
    let parsed: Option<Answer> = serde_json::from_slice(&response.body).ok();
    match parsed {
        Some(a) if a.success && response.status == 200 => Ok(()),
        Some(a) => {
            let codes: Vec<&str> = a.error_codes.iter().map(String::as_str).filter(|c| c.len() <= 40 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).take(3).collect();
            if codes.iter().any(|c| c.contains("secret") || *c == "internal-error") {
                return Err(unavailable(format!("turnstile siteverify refused the service's secret or failed: {}", codes.join(", "))));
            }
            Err((ApiError::BotCheckFailed(if codes.is_empty() { "the token was refused".into() } else { codes.join(", ") }), None))
        }
        None => Err(unavailable(format!("turnstile siteverify answered HTTP {}", response.status))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<OutboundResponse, TransportError> {
        Ok(OutboundResponse { status, body: body.as_bytes().to_vec() })
    }

    #[test]
    fn builds_the_form_and_judges_the_answer() {
        let r = request("http://127.0.0.1:9/", "sec", "tok en", Some("203.0.113.7"));
        assert_eq!(r.url, "http://127.0.0.1:9/turnstile/v0/siteverify");
        assert_eq!(String::from_utf8(r.body).unwrap(), "secret=sec&response=tok+en&remoteip=203.0.113.7");
        assert_eq!(judge(answer(200, r#"{"success": true}"#)), Ok(()));
        let (dup, log) = judge(answer(200, r#"{"success": false, "error-codes": ["timeout-or-duplicate"]}"#)).unwrap_err();
        assert_eq!((dup.status(), dup.code(), dup.to_string().as_str(), log), (403, 60451, "Bot check failed: timeout-or-duplicate", None));
        let (down, log) = judge(answer(500, "oops")).unwrap_err();
        assert_eq!((down.code(), down.to_string().as_str()), (60451, "Bot check failed: the bot check is unavailable"));
        assert!(log.unwrap().contains("HTTP 500"), "the operator's log says why");
        let (timeout, log) = judge(Err(TransportError::Timeout(5))).unwrap_err();
        assert!(timeout.code() == 60451 && !timeout.to_string().contains("reached") && log.is_some(), "no transport detail to the browser");
        let (secret, log) = judge(answer(200, r#"{"success": false, "error-codes": ["invalid-input-secret"]}"#)).unwrap_err();
        assert!(secret.to_string().ends_with("unavailable") && log.unwrap().contains("invalid-input-secret"));
        assert!(judge(answer(200, r#"{"success": false, "error-codes": ["<script>"]}"#)).unwrap_err().0.to_string().ends_with("the token was refused"));
    }
}

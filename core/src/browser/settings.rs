//! A service's browser settings as stored and updated, and the public view of a service (its
//! account and allowed origins) that a CORS preflight, which carries no credentials, reads.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::input::{Input, Patch};
use crate::sid::ServiceSid;
use crate::spec::service::{ALLOWED_ORIGINS, ROTATE_CLIENT_TOKEN_KEY, TURNSTILE_SECRET_KEY, TURNSTILE_SITE_KEY, WEB_OTP_DOMAIN};
use crate::spec::ParamSpec;

/// Most origins a service allows.
pub const MAX_ORIGINS: usize = 20;

/// What a service sets for the browser face.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSettings {
    /// Exact origins (`scheme://host[:port]`) whose pages may call the token routes.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub turnstile_site_key: Option<String>,
    /// Write-only: never shown.
    #[serde(default)]
    pub turnstile_secret: Option<String>,
    /// The host of the SMS's Web OTP line.
    #[serde(default)]
    pub web_otp_domain: Option<String>,
    /// The random per-service part of the token signing key (hex; never shown). Empty for a
    /// service stored before client tokens: the first mint gives it one.
    #[serde(default)]
    pub token_key: String,
}

/// The browser settings a create or update request gives; everything absent is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserUpdate {
    pub allowed_origins: Patch<Vec<String>>,
    pub turnstile_site_key: Patch<String>,
    pub turnstile_secret: Patch<String>,
    pub web_otp_domain: Patch<String>,
    /// A new token key: every outstanding token dies.
    pub rotate_token_key: bool,
}

fn key_text(input: &Input<'_>, spec: &ParamSpec) -> Result<Patch<String>, ApiError> {
    match input.text_patch(spec)? {
        Patch::Set(v) if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') => {
            Err(input.invalid(spec, "may hold only letters, digits, -, _ and ."))
        }
        other => Ok(other),
    }
}

/// Whether `host` is a host name or IPv4 address in lower case (labels of letters, digits, `-`).
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !label.starts_with('-') && !label.ends_with('-')
        })
}

/// An exact origin: `http` or `https`, a lower-case host, an optional port, nothing else.
pub fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    is_host(host) && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n)))
}

/// `AllowedOrigins`: comma-separated exact origins; empty clears the list.
pub fn parse_origins(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for origin in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        if !is_origin(origin) {
            return Err(format!("each entry must be an exact origin such as https://app.example.com or http://127.0.0.1:8080 (lower case, no path, no wildcard), not {origin}"));
        }
        if !out.iter().any(|o| o == origin) {
            out.push(origin.to_owned());
        }
    }
    if out.len() > MAX_ORIGINS {
        return Err(format!("at most {MAX_ORIGINS} origins"));
    }
    Ok(out)
}

impl BrowserUpdate {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            allowed_origins: match input.text(&ALLOWED_ORIGINS)? {
                None => Patch::Keep,
                Some(text) => match parse_origins(&text).map_err(|why| input.invalid(&ALLOWED_ORIGINS, why))? {
                    list if list.is_empty() => Patch::Clear,
                    list => Patch::Set(list),
                },
            },
            turnstile_site_key: key_text(input, &TURNSTILE_SITE_KEY)?,
            turnstile_secret: key_text(input, &TURNSTILE_SECRET_KEY)?,
            web_otp_domain: match input.text_patch(&WEB_OTP_DOMAIN)? {
                Patch::Set(host) if !is_host(&host) => return Err(input.invalid(&WEB_OTP_DOMAIN, "must be a lower-case host name such as verify.example.com")),
                other => other,
            },
            rotate_token_key: input.boolean(&ROTATE_CLIENT_TOKEN_KEY)?.unwrap_or(false),
        })
    }

    /// Applies the settings (the key rotation is the service operation's: it needs randomness).
    pub fn apply(self, settings: &mut BrowserSettings) {
        let mut origins = Some(std::mem::take(&mut settings.allowed_origins));
        self.allowed_origins.apply(&mut origins);
        settings.allowed_origins = origins.unwrap_or_default();
        self.turnstile_site_key.apply(&mut settings.turnstile_site_key);
        self.turnstile_secret.apply(&mut settings.turnstile_secret);
        self.web_otp_domain.apply(&mut settings.web_otp_domain);
    }
}

/// What anyone may learn of a service from its SID (stored beside it as `pubsvc/{VA}`): the
/// account it belongs to, its origins, and what a hosted page shows. No secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicService {
    pub account_sid: String,
    pub friendly_name: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub turnstile_site_key: Option<String>,
    #[serde(default)]
    pub turnstile_enabled: bool,
}

/// Where a service's public view is stored.
pub fn public_key(sid: &ServiceSid) -> String {
    format!("pubsvc/{sid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        assert!(is_origin("https://app.example.com"));
        assert!(is_origin("http://127.0.0.1:8080"));
        for bad in ["https://app.example.com/", "https://*.example.com", "ftp://x.com", "https://App.example.com", "https://x.com:0", "https://x.com:99999", "https://", "*", "null", "https://x.com/path"] {
            assert!(!is_origin(bad), "{bad}");
        }
        assert_eq!(parse_origins(" https://a.test , https://a.test,").unwrap(), ["https://a.test"]);
        let many: Vec<String> = (0..21).map(|i| format!("https://a{i}.test")).collect();
        assert!(parse_origins(&many.join(",")).is_err());
        assert!(parse_origins("").unwrap().is_empty());
    }
}

//! Client tokens (`evt1.`) and result tokens (`evr1.`): the prefix, base64url(claims JSON) and
//! base64url(HMAC-SHA256), joined by dots. The key is derived from `CODE_HMAC_KEY` and the MAC
//! also covers the service's random token key, so rotating that key kills every token of the
//! service at once. Verified statelessly, the MAC compared in constant time over its encoded
//! text (so any change to any byte of a token fails). Pure: no I/O, no clock.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::code::{CodeKey, KeyedMac};

/// The prefix of client tokens.
pub const CLIENT_PREFIX: &str = "evt1";
/// The prefix of result tokens.
pub const RESULT_PREFIX: &str = "evr1";
/// How long a result token works.
pub const RESULT_TTL_SECONDS: u64 = 600;
/// Longest token text accepted (anything longer is not ours).
pub const MAX_TOKEN_CHARS: usize = 2048;

/// What a client token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Start,
    Check,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Check => "check",
        }
    }
}

/// The claims of a client token. Short names: the token travels in every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientClaims {
    #[serde(rename = "a")]
    pub account: String,
    #[serde(rename = "s")]
    pub service: String,
    #[serde(rename = "c")]
    pub scopes: Vec<Scope>,
    /// The one recipient it is bound to.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub max_starts: Option<u32>,
    /// Unix seconds.
    #[serde(rename = "i")]
    pub issued: u64,
    #[serde(rename = "e")]
    pub expires: u64,
    /// Random id: names the token's MaxStarts counter.
    #[serde(rename = "n")]
    pub id: String,
}

impl ClientClaims {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// The claims of a result token: this `to` was approved on this verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultClaims {
    #[serde(rename = "a")]
    pub account: String,
    #[serde(rename = "s")]
    pub service: String,
    #[serde(rename = "t")]
    pub to: String,
    #[serde(rename = "v")]
    pub verification: String,
    /// Unix seconds.
    #[serde(rename = "d")]
    pub approved: u64,
    #[serde(rename = "e")]
    pub expires: u64,
}

/// The MAC key behind both kinds of token, derived from `CODE_HMAC_KEY`.
#[derive(Clone)]
pub struct TokenKey(KeyedMac);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn new(code_key: &CodeKey) -> Option<Self> {
        KeyedMac::new(&code_key.derive_key("browser-token")).map(Self)
    }

    fn signature(&self, prefix: &str, service_key: &str, payload: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.0.mac(&[prefix.as_bytes(), service_key.as_bytes(), payload.as_bytes()]))
    }

    /// The token for `claims` under the service's key.
    pub fn sign<T: Serialize>(&self, prefix: &str, service_key: &str, claims: &T) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signature = self.signature(prefix, service_key, &payload);
        format!("{prefix}.{payload}.{signature}")
    }

    /// Checks `token`'s MAC under `service_key` and decodes its claims; `None` if anything
    /// is off. The claims' own rules (expiry, service, scope) are the caller's.
    pub fn open<T: DeserializeOwned>(&self, prefix: &str, service_key: &str, token: &str) -> Option<T> {
        let (payload, given) = split(prefix, token)?;
        let expected = self.signature(prefix, service_key, payload);
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return None;
        }
        decode(payload)
    }
}

fn split<'a>(prefix: &str, token: &'a str) -> Option<(&'a str, &'a str)> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let rest = token.strip_prefix(prefix)?.strip_prefix('.')?;
    let (payload, signature) = rest.split_once('.')?;
    (!signature.contains('.')).then_some((payload, signature))
}

fn decode<T: DeserializeOwned>(payload: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The claims of a token whose MAC is not checked yet: only to find which service's key checks
/// it. Never act on them before [`TokenKey::open`] agrees.
pub fn unverified<T: DeserializeOwned>(prefix: &str, token: &str) -> Option<T> {
    split(prefix, token).and_then(|(payload, _)| decode(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::new(&CodeKey::new("0123456789abcdef-test-key").unwrap()).unwrap()
    }

    fn claims() -> ClientClaims {
        ClientClaims { account: "AC1".into(), service: "VA1".into(), scopes: vec![Scope::Start], to: None, max_starts: Some(2), issued: 10, expires: 20, id: "ab".into() }
    }

    #[test]
    fn a_token_opens_only_as_signed() {
        let token = key().sign(CLIENT_PREFIX, "k1", &claims());
        assert!(token.starts_with("evt1."));
        assert_eq!(key().open::<ClientClaims>(CLIENT_PREFIX, "k1", &token), Some(claims()));
        assert_eq!(key().open::<ClientClaims>(CLIENT_PREFIX, "k2", &token), None, "another service key");
        assert_eq!(key().open::<ClientClaims>(RESULT_PREFIX, "k1", &token), None, "another kind");
        assert_eq!(unverified::<ClientClaims>(CLIENT_PREFIX, &token), Some(claims()));
        let bytes = token.as_bytes();
        for i in 0..bytes.len() {
            let mut tampered = bytes.to_vec();
            tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
            let text = String::from_utf8(tampered).unwrap();
            assert_eq!(key().open::<ClientClaims>(CLIENT_PREFIX, "k1", &text), None, "byte {i}");
        }
        assert_eq!(key().open::<ClientClaims>(CLIENT_PREFIX, "k1", &format!("{token}.x")), None);
    }
}

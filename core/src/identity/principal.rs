//! Who is calling, and the secrets that prove it: account auth tokens and API key secrets are
//! 128-bit random values, shown once and stored only as SHA-256 digests (a fast digest is enough
//! for values that random), compared in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::guard::plan::Client;
use crate::sid::{to_hex, AccountSid, ApiKeySid, Rng};

/// The credential a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The account's own auth token.
    AuthToken,
    ApiKey(ApiKeySid),
    /// A client token (`Authorization: Bearer`): a page's, for one service's starts and checks;
    /// with the token's random id, which the verifications it starts remember.
    ClientToken(String),
}

impl Credential {
    /// The client token's id when the caller is a page.
    pub fn client_token(&self) -> Option<&str> {
        match self {
            Self::ClientToken(id) => Some(id),
            _ => None,
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account acting.
    pub account: AccountSid,
    /// Whether that is the deployment's main account.
    pub is_main: bool,
    pub credential: Credential,
    /// Where the request came from (set by the face from the edge's headers).
    pub client: Client,
    /// The worker's origin as the caller reached it (`https://verify.example.org`), for the
    /// URLs the worker hands out (status callbacks); set by the face.
    pub origin: String,
}

impl Principal {
    /// Fails with 403 unless the caller used the account's auth token (keys cannot manage keys
    /// or accounts).
    pub fn require_auth_token(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::AuthToken => Ok(()),
            Credential::ApiKey(_) | Credential::ClientToken(_) => Err(ApiError::Forbidden("API keys cannot manage accounts or keys; use the account's auth token".into())),
        }
    }
}

/// The deployment's main account, from the worker's secrets; its token is kept as a digest.
#[derive(Clone)]
pub struct MainAccount {
    pub sid: AccountSid,
    token_digest: String,
    pub friendly_name: String,
}

impl std::fmt::Debug for MainAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MainAccount").field("sid", &self.sid).finish_non_exhaustive()
    }
}

impl MainAccount {
    pub fn new(sid: AccountSid, auth_token: &str, friendly_name: impl Into<String>) -> Self {
        Self { sid, token_digest: secret_digest(auth_token), friendly_name: friendly_name.into() }
    }

    pub(crate) fn token_digest(&self) -> &str {
        &self.token_digest
    }
}

/// A new random secret: 32 lower-case hex digits (128 bits), the shape of a Twilio auth token.
pub fn generate_secret(rng: &impl Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    to_hex(&bytes)
}

/// The stored form of a secret.
pub fn secret_digest(secret: &str) -> String {
    to_hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` matches `digest`, in constant time.
pub fn secret_matches(secret: &str, digest: &str) -> bool {
    secret_digest(secret).as_bytes().ct_eq(digest.as_bytes()).into()
}

/// Splits an `Authorization: Basic ...` header into user and password.
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_headers() {
        assert_eq!(parse_basic("Basic dXNlcjpwYTpzcw=="), Some(("user".into(), "pa:ss".into())));
        assert_eq!(parse_basic("basic   dXNlcjpwYTpzcw=="), Some(("user".into(), "pa:ss".into())));
        assert_eq!(parse_basic("Bearer dXNlcjpwYXNz"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(parse_basic("Basic dXNlcg=="), None, "no colon");
        assert_eq!(parse_basic("Basic"), None);
    }

    #[test]
    fn digests_match_only_their_secret() {
        let d = secret_digest("s3cret");
        assert!(secret_matches("s3cret", &d));
        assert!(!secret_matches("s3cret ", &d));
        assert!(!secret_matches("", &d));
        assert_ne!(d, "s3cret");
    }

    #[test]
    fn debug_hides_the_main_token() {
        let main = MainAccount::new(AccountSid::example(), "hunter2-hunter2-hunter2", "Main");
        assert!(!format!("{main:?}").contains(&secret_digest("hunter2-hunter2-hunter2")));
    }
}

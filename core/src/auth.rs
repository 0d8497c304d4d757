//! Who is calling: HTTP Basic credentials checked against the main account, subaccounts and
//! API keys. Secrets are kept only as SHA-256 digests and compared in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::accounts::{AccountRecord, AccountStatus, ApiKeyRecord};
use crate::error::ApiError;
use crate::sid::{to_hex, AccountSid, ApiKeySid, Rng};
use crate::store::{get_json, keys, KeyValue};

/// The credential a request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The account's own auth token.
    AuthToken,
    /// An API key of the account.
    ApiKey(ApiKeySid),
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account acting.
    pub account: AccountSid,
    /// Whether that is the deployment's main account.
    pub is_main: bool,
    /// How it proved it.
    pub credential: Credential,
}

impl Principal {
    /// Fails with 403 unless the caller used the account's auth token (keys cannot manage keys
    /// or accounts).
    pub fn require_auth_token(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::AuthToken => Ok(()),
            Credential::ApiKey(_) => Err(ApiError::Forbidden(
                "API keys cannot manage accounts or keys; use the account's auth token".into(),
            )),
        }
    }
}

/// The deployment's main account, from worker secrets.
#[derive(Clone)]
pub struct MainAccount {
    /// `ACCOUNT_SID`.
    pub sid: AccountSid,
    /// Digest of `AUTH_TOKEN`.
    token_digest: String,
    /// The name shown for it.
    pub friendly_name: String,
}

impl std::fmt::Debug for MainAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MainAccount").field("sid", &self.sid).finish_non_exhaustive()
    }
}

impl MainAccount {
    /// The main account with its auth token (kept only as a digest).
    pub fn new(sid: AccountSid, auth_token: &str, friendly_name: impl Into<String>) -> Self {
        Self { sid, token_digest: secret_digest(auth_token), friendly_name: friendly_name.into() }
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

/// Checks the `Authorization` header; every failure is the same 401.
pub async fn authenticate(kv: &impl KeyValue, main: &MainAccount, header: Option<&str>) -> Result<Principal, ApiError> {
    let (user, password) = header.and_then(parse_basic).ok_or(ApiError::Unauthenticated)?;
    if let Some(sid) = AccountSid::parse(&user) {
        let digest = if sid == main.sid {
            main.token_digest.clone()
        } else {
            active_subaccount(kv, &sid).await?.ok_or(ApiError::Unauthenticated)?.token_digest
        };
        return if secret_matches(&password, &digest) {
            Ok(Principal { is_main: sid == main.sid, account: sid, credential: Credential::AuthToken })
        } else {
            Err(ApiError::Unauthenticated)
        };
    }
    let key_sid = ApiKeySid::parse(&user).ok_or(ApiError::Unauthenticated)?;
    let key: ApiKeyRecord = get_json(kv, &keys::api_key(&key_sid)).await?.ok_or(ApiError::Unauthenticated)?;
    if !secret_matches(&password, &key.secret_digest) {
        return Err(ApiError::Unauthenticated);
    }
    let is_main = key.account_sid == main.sid;
    if !is_main && active_subaccount(kv, &key.account_sid).await?.is_none() {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Principal { account: key.account_sid, is_main, credential: Credential::ApiKey(key_sid) })
}

async fn active_subaccount(kv: &impl KeyValue, sid: &AccountSid) -> Result<Option<AccountRecord>, ApiError> {
    let record: Option<AccountRecord> = get_json(kv, &keys::account(sid)).await?;
    Ok(record.filter(|r| r.status == AccountStatus::Active))
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
}

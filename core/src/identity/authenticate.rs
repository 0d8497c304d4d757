//! HTTP Basic authentication against the main account (from the deployment's secrets), active
//! subaccounts and API keys. Every failure is the same 401, whatever went wrong.

use super::principal::{parse_basic, secret_matches, Credential, Principal};
use super::records::AccountStatus;
use super::store::{AccountStore, KeyStore};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::guard::plan::Client;
use crate::sid::{AccountSid, ApiKeySid};

impl<P: Platform> Engine<P> {
    /// The caller behind an `Authorization` header.
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, ApiError> {
        let (user, password) = header.and_then(parse_basic).ok_or(ApiError::Unauthenticated)?;
        let main = &self.settings.main;
        let records = self.records();
        if let Some(sid) = AccountSid::parse(&user) {
            let is_main = sid == main.sid;
            let matches = if is_main {
                secret_matches(&password, main.token_digest())
            } else {
                let record = records.account(&sid).await?.filter(|r| r.status == AccountStatus::Active);
                record.is_some_and(|r| secret_matches(&password, &r.token_digest))
            };
            return if matches {
                Ok(Principal {
                    account: sid,
                    is_main,
                    credential: Credential::AuthToken,
                    client: Client::default(),
            origin: String::new(),
                })
            } else {
                Err(ApiError::Unauthenticated)
            };
        }
        let key_sid = ApiKeySid::parse(&user).ok_or(ApiError::Unauthenticated)?;
        let key = records.api_key(&key_sid).await?.ok_or(ApiError::Unauthenticated)?;
        if !secret_matches(&password, &key.secret_digest) {
            return Err(ApiError::Unauthenticated);
        }
        let is_main = key.account_sid == main.sid;
        if !is_main && !records.account(&key.account_sid).await?.is_some_and(|r| r.status == AccountStatus::Active) {
            return Err(ApiError::Unauthenticated);
        }
        Ok(Principal {
            account: key.account_sid,
            is_main,
            credential: Credential::ApiKey(key_sid),
            client: Client::default(),
            origin: String::new(),
        })
    }
}

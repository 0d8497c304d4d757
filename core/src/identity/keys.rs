//! API keys as the Twilio 2010-04-01 API has them: they act as their account but cannot manage
//! keys or accounts; the secret is shown once and stored as a digest; deleting one revokes it.

use serde::Serialize;

use super::principal::{generate_secret, secret_digest, Principal};
use super::records::ApiKeyRecord;
use super::store::KeyStore;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::input::Input;
use crate::page::{window, Listing, PageQuery, Paging2010};
use crate::sid::{AccountSid, ApiKeySid};
use crate::spec::account::FRIENDLY_NAME;
use crate::time::{Clock, Rfc2822Time};

/// Most API keys an account holds.
pub const MAX_KEYS_PER_ACCOUNT: usize = 1000;

fn key_path(account: &AccountSid, sid: &ApiKeySid) -> String {
    format!("/2010-04-01/Accounts/{account}/Keys/{sid}.json")
}

/// `FriendlyName` of a new or renamed key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyName(pub Option<String>);

impl KeyName {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        input.text(&FRIENDLY_NAME).map(Self)
    }
}

/// The `key` resource; `secret` only in the creation response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Key"))]
pub struct KeyResource {
    pub sid: ApiKeySid,
    pub friendly_name: String,
    pub date_created: Rfc2822Time,
    pub date_updated: Rfc2822Time,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", serde(default))]
    pub secret: Option<String>,
}

impl KeyResource {
    pub fn new(record: ApiKeyRecord, secret: Option<String>) -> Self {
        Self {
            sid: record.sid,
            friendly_name: record.friendly_name,
            date_created: record.date_created.rfc2822(),
            date_updated: record.date_updated.rfc2822(),
            secret,
        }
    }
}

/// `GET /2010-04-01/Accounts/{AC}/Keys.json`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize))]
pub struct KeyList {
    pub keys: Vec<KeyResource>,
    #[serde(flatten)]
    pub paging: Paging2010,
}

impl KeyList {
    pub fn new(account: &AccountSid, listing: Listing<ApiKeyRecord>, query: &PageQuery) -> Self {
        let paging = Paging2010::new(&format!("/2010-04-01/Accounts/{account}/Keys.json"), query, &listing);
        Self { keys: listing.items.into_iter().map(|r| KeyResource::new(r, None)).collect(), paging }
    }
}

impl<P: Platform> Engine<P> {
    /// The account whose keys the caller manages: visible to it, and with its auth token.
    async fn key_owner(&self, who: &Principal, account: &AccountSid) -> Result<(), ApiError> {
        self.visible_account(who, account).await?;
        who.require_auth_token()
    }

    async fn visible_key(&self, account: &AccountSid, sid: &ApiKeySid, for_update: bool) -> Result<ApiKeyRecord, ApiError> {
        let records = self.records();
        let record = if for_update { records.api_key_for_update(sid).await? } else { records.api_key(sid).await? };
        record.filter(|k| k.account_sid == *account).ok_or_else(|| ApiError::NotFound(key_path(account, sid)))
    }

    /// Returns the record and its secret, shown this once.
    pub async fn create_key(&self, who: &Principal, account: &AccountSid, name: KeyName) -> Result<(ApiKeyRecord, String), ApiError> {
        self.key_owner(who, account).await?;
        let records = self.records();
        if records.api_key_sids(account).await?.len() >= MAX_KEYS_PER_ACCOUNT {
            return Err(ApiError::Forbidden(format!("an account holds at most {MAX_KEYS_PER_ACCOUNT} API keys")));
        }
        let secret = generate_secret(&self.rng);
        let now = self.clock.now();
        let record = ApiKeyRecord {
            sid: ApiKeySid::generate(&self.rng),
            account_sid: account.clone(),
            friendly_name: name.0.unwrap_or_default(),
            secret_digest: secret_digest(&secret),
            date_created: now,
            date_updated: now,
        };
        records.put_api_key(&record, true).await?;
        Ok((record, secret))
    }

    pub async fn list_keys(&self, who: &Principal, account: &AccountSid, query: &PageQuery) -> Result<Listing<ApiKeyRecord>, ApiError> {
        self.key_owner(who, account).await?;
        let records = self.records();
        let sids = records.api_key_sids(account).await?;
        let page = window(&sids, query);
        let mut found = records.api_keys(page.items).await?;
        found.retain(|k| k.account_sid == *account);
        Ok(Listing::new(found, &page))
    }

    pub async fn fetch_key(&self, who: &Principal, account: &AccountSid, sid: &ApiKeySid) -> Result<ApiKeyRecord, ApiError> {
        self.key_owner(who, account).await?;
        self.visible_key(account, sid, false).await
    }

    pub async fn update_key(&self, who: &Principal, account: &AccountSid, sid: &ApiKeySid, name: KeyName) -> Result<ApiKeyRecord, ApiError> {
        self.key_owner(who, account).await?;
        let mut record = self.visible_key(account, sid, true).await?;
        if let Some(name) = name.0.filter(|n| !n.is_empty()) {
            record.friendly_name = name;
        }
        record.date_updated = self.clock.now();
        self.records().put_api_key(&record, false).await?;
        Ok(record)
    }

    /// Revokes the key at once in this isolate (others stop accepting it within the read
    /// cache's few seconds, plus KV's propagation).
    pub async fn delete_key(&self, who: &Principal, account: &AccountSid, sid: &ApiKeySid) -> Result<(), ApiError> {
        self.key_owner(who, account).await?;
        let record = self.visible_key(account, sid, true).await?;
        self.records().delete_api_key(&record).await
    }
}

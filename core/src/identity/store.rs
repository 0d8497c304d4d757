//! Where subaccounts and API keys live in Workers KV, behind two small stores:
//!
//! | Key | Value |
//! |---|---|
//! | `acct/{AC}` | subaccount record; its list metadata holds owner, name and status so lists filter without reading records |
//! | `key/{SK}` | API key record, found by its SID alone at authentication |
//! | `acct-key/{AC}/{SK}` | empty; lists an account's keys |
//!
//! API keys are written index-first: a failure between the two writes leaves at most an index
//! entry without a record, which listing skips, never a usable key nobody can see.

use serde::{Deserialize, Serialize};

use super::records::{AccountRecord, AccountStatus, ApiKeyRecord};
use crate::error::ApiError;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, ApiKeySid};

const ACCOUNTS: &str = "acct/";

fn account_key(sid: &AccountSid) -> String {
    format!("{ACCOUNTS}{sid}")
}

fn api_key(sid: &ApiKeySid) -> String {
    format!("key/{sid}")
}

fn account_keys(account: &AccountSid) -> String {
    format!("acct-key/{account}/")
}

/// What a listing of subaccounts shows of each without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    #[serde(rename = "o")]
    pub owner: AccountSid,
    #[serde(rename = "n")]
    pub friendly_name: String,
    #[serde(rename = "s")]
    pub status: AccountStatus,
}

fn summary(record: &AccountRecord) -> AccountSummary {
    AccountSummary { owner: record.owner_account_sid.clone(), friendly_name: record.friendly_name.clone(), status: record.status }
}

/// Records without list metadata (written by an earlier version) one request rewrites.
const MAX_HEALED_PER_REQUEST: usize = 300;

#[allow(async_fn_in_trait)]
pub trait AccountStore {
    /// Through the isolate's read cache.
    async fn account(&self, sid: &AccountSid) -> Result<Option<AccountRecord>, ApiError>;
    /// Read afresh, for a write based on it.
    async fn account_for_update(&self, sid: &AccountSid) -> Result<Option<AccountRecord>, ApiError>;
    async fn put_account(&self, record: &AccountRecord) -> Result<(), ApiError>;
    /// Every subaccount's SID with its summary, ascending.
    async fn account_summaries(&self) -> Result<Vec<(String, AccountSummary)>, ApiError>;
    async fn accounts(&self, sids: &[String]) -> Result<Vec<AccountRecord>, ApiError>;
}

#[allow(async_fn_in_trait)]
pub trait KeyStore {
    /// Through the isolate's read cache.
    async fn api_key(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>, ApiError>;
    /// Read afresh, for a write based on it.
    async fn api_key_for_update(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>, ApiError>;
    /// Creates a key (index first) or updates one.
    async fn put_api_key(&self, record: &ApiKeyRecord, created: bool) -> Result<(), ApiError>;
    async fn delete_api_key(&self, record: &ApiKeyRecord) -> Result<(), ApiError>;
    /// The SIDs of an account's keys, ascending.
    async fn api_key_sids(&self, account: &AccountSid) -> Result<Vec<String>, ApiError>;
    async fn api_keys(&self, sids: &[String]) -> Result<Vec<ApiKeyRecord>, ApiError>;
}

impl<K: KeyValue> AccountStore for Records<'_, K> {
    async fn account(&self, sid: &AccountSid) -> Result<Option<AccountRecord>, ApiError> {
        self.get_cached(&account_key(sid)).await
    }

    async fn account_for_update(&self, sid: &AccountSid) -> Result<Option<AccountRecord>, ApiError> {
        self.get(&account_key(sid)).await
    }

    async fn put_account(&self, record: &AccountRecord) -> Result<(), ApiError> {
        let metadata = crate::ports::encode("metadata", &summary(record))?;
        self.put(&account_key(&record.sid), record, &PutOptions { ttl_seconds: None, metadata: Some(metadata) }).await
    }

    async fn account_summaries(&self) -> Result<Vec<(String, AccountSummary)>, ApiError> {
        let listed = self.list(ACCOUNTS).await?;
        let mut out = Vec::with_capacity(listed.len());
        let mut legacy = Vec::new();
        for key in listed {
            match key.metadata {
                Some(text) => out.push((key.name.clone(), crate::ports::decode(&key.name, &text)?)),
                None => legacy.push(key.name),
            }
        }
        // Records written before list metadata existed: read them, and write them back with it
        // (after the response), a bounded number per request.
        if legacy.len() > MAX_HEALED_PER_REQUEST {
            return Err(ApiError::Internal(format!(
                "{} subaccount records predate list metadata; each request rewrites {MAX_HEALED_PER_REQUEST}: retry",
                legacy.len()
            )));
        }
        let keys: Vec<String> = legacy.iter().map(|sid| format!("{ACCOUNTS}{sid}")).collect();
        for record in self.get_many::<AccountRecord>(&keys).await? {
            let summary = summary(&record);
            self.put_later(account_key(&record.sid), &record, PutOptions { ttl_seconds: None, metadata: Some(crate::ports::encode("metadata", &summary)?) })?;
            out.push((record.sid.to_string(), summary));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn accounts(&self, sids: &[String]) -> Result<Vec<AccountRecord>, ApiError> {
        let keys: Vec<String> = sids.iter().map(|s| format!("{ACCOUNTS}{s}")).collect();
        self.get_many(&keys).await
    }
}

impl<K: KeyValue> KeyStore for Records<'_, K> {
    async fn api_key(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>, ApiError> {
        self.get_cached(&api_key(sid)).await
    }

    async fn api_key_for_update(&self, sid: &ApiKeySid) -> Result<Option<ApiKeyRecord>, ApiError> {
        self.get(&api_key(sid)).await
    }

    async fn put_api_key(&self, record: &ApiKeyRecord, created: bool) -> Result<(), ApiError> {
        let index = format!("{}{}", account_keys(&record.account_sid), record.sid);
        if created {
            self.kv.put(&index, "", &PutOptions::default()).await?;
        }
        let written = self.put(&api_key(&record.sid), record, &PutOptions::default()).await;
        if written.is_err() && created {
            let _ = self.kv.delete(&index).await;
        }
        written
    }

    async fn delete_api_key(&self, record: &ApiKeyRecord) -> Result<(), ApiError> {
        self.delete(&api_key(&record.sid)).await?;
        self.delete(&format!("{}{}", account_keys(&record.account_sid), record.sid)).await
    }

    async fn api_key_sids(&self, account: &AccountSid) -> Result<Vec<String>, ApiError> {
        self.list_names(&account_keys(account)).await
    }

    async fn api_keys(&self, sids: &[String]) -> Result<Vec<ApiKeyRecord>, ApiError> {
        let keys: Vec<String> = sids.iter().filter_map(|s| ApiKeySid::parse(s)).map(|s| api_key(&s)).collect();
        self.get_many(&keys).await
    }
}

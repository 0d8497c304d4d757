//! The storage port (a key-value store shaped like Workers KV), the key layout, and typed
//! JSON reads and writes over it. An in-memory store serves the host tests.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;
use crate::sid::{AccountSid, ApiKeySid, ServiceSid};

/// A storage failure. Never caused by the caller's input; the text is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failure: {0}")]
pub struct StoreError(pub String);

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Internal(err.0)
    }
}

/// One page of keys from [`KeyValue::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyList {
    /// Full key names, ascending.
    pub keys: Vec<String>,
    /// Where to continue, if the listing is not complete.
    pub cursor: Option<String>,
}

/// A key-value store with optional expiry, like Workers KV.
#[allow(async_fn_in_trait)]
pub trait KeyValue {
    /// The value under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key`, to expire after `ttl_seconds` if given.
    async fn put(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<(), StoreError>;
    /// Removes `key` (no error if absent).
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Keys starting with `prefix`, one page at a time.
    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError>;
}

/// Where each record lives.
pub mod keys {
    use super::*;

    /// A subaccount record.
    pub fn account(sid: &AccountSid) -> String {
        format!("acct/{sid}")
    }
    /// The prefix of all subaccount records.
    pub const ACCOUNTS: &str = "acct/";
    /// An API key record, found by its SID alone at authentication.
    pub fn api_key(sid: &ApiKeySid) -> String {
        format!("key/{sid}")
    }
    /// The entry that lists an API key under its account.
    pub fn account_key(account: &AccountSid, sid: &ApiKeySid) -> String {
        format!("acct-key/{account}/{sid}")
    }
    /// The prefix of an account's API key entries.
    pub fn account_keys(account: &AccountSid) -> String {
        format!("acct-key/{account}/")
    }
    /// A verification service record.
    pub fn service(account: &AccountSid, sid: &ServiceSid) -> String {
        format!("svc/{account}/{sid}")
    }
    /// A verification token: the record and code digest, kept for the verification's lifetime.
    pub fn verification(service: &ServiceSid, sid: &crate::sid::VerificationSid) -> String {
        format!("ver/{service}/{sid}")
    }
    /// A dev outbox entry (`DEV_MODE` only).
    pub fn outbox_entry(account: &AccountSid, stamp: &str) -> String {
        format!("dev-outbox/{account}/{stamp}")
    }
    /// The prefix of an account's dev outbox.
    pub fn outbox(account: &AccountSid) -> String {
        format!("dev-outbox/{account}/")
    }
    /// The prefix of an account's services.
    pub fn services(account: &AccountSid) -> String {
        format!("svc/{account}/")
    }
}

/// Reads and decodes a JSON record.
pub async fn get_json<T: DeserializeOwned>(kv: &impl KeyValue, key: &str) -> Result<Option<T>, ApiError> {
    match kv.get(key).await? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ApiError::Internal(format!("corrupt record under {key}: {e}"))),
    }
}

/// Encodes and stores a JSON record.
pub async fn put_json<T: Serialize>(kv: &impl KeyValue, key: &str, value: &T, ttl_seconds: Option<u64>) -> Result<(), ApiError> {
    let text = serde_json::to_string(value).map_err(|e| ApiError::Internal(format!("encode {key}: {e}")))?;
    kv.put(key, &text, ttl_seconds).await.map_err(Into::into)
}

/// Reads many JSON records at once, keeping those that exist, in the order asked.
pub async fn get_many_json<T: DeserializeOwned>(kv: &impl KeyValue, keys: &[String]) -> Result<Vec<T>, ApiError> {
    let reads = keys.iter().map(|key| get_json::<T>(kv, key));
    let results = futures_util::future::join_all(reads).await;
    results.into_iter().filter_map(Result::transpose).collect()
}

/// The part after `prefix` of every key under it, ascending.
pub async fn list_suffixes(kv: &impl KeyValue, prefix: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = kv.list(prefix, cursor.as_deref()).await?;
        out.extend(page.keys.iter().filter_map(|k| k.strip_prefix(prefix).map(str::to_owned)));
        match page.cursor {
            Some(next) if !next.is_empty() => cursor = Some(next),
            _ => break,
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// An in-memory [`KeyValue`] for host tests. Lists in pages of `page_size` to exercise cursors.
#[derive(Debug)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, (String, Option<u64>)>>,
    page_size: usize,
    fail_writes: RefCell<bool>,
}

impl Default for MemoryKv {
    fn default() -> Self {
        Self { entries: RefCell::default(), page_size: 1000, fail_writes: RefCell::new(false) }
    }
}

impl MemoryKv {
    /// A store that lists `page_size` keys per page.
    pub fn with_page_size(page_size: usize) -> Self {
        Self { page_size: page_size.max(1), ..Self::default() }
    }

    /// Makes every later write fail, to test that failures leave nothing half-written.
    pub fn fail_writes(&self, fail: bool) {
        *self.fail_writes.borrow_mut() = fail;
    }

    /// Every key, for assertions.
    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    /// Every stored value, for assertions that secrets are not stored.
    pub fn values(&self) -> Vec<String> {
        self.entries.borrow().values().map(|(v, _)| v.clone()).collect()
    }

    /// The TTL a key was written with.
    pub fn ttl(&self, key: &str) -> Option<u64> {
        self.entries.borrow().get(key).and_then(|(_, ttl)| *ttl)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        if *self.fail_writes.borrow() {
            Err(StoreError("writes are failing (test)".into()))
        } else {
            Ok(())
        }
    }
}

impl KeyValue for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.entries.borrow().get(key).map(|(v, _)| v.clone()))
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<(), StoreError> {
        self.check_writable()?;
        self.entries.borrow_mut().insert(key.to_owned(), (value.to_owned(), ttl_seconds));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check_writable()?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        let entries = self.entries.borrow();
        let keys: Vec<String> = entries
            .keys()
            .filter(|k| k.starts_with(prefix) && cursor.is_none_or(|c| k.as_str() > c))
            .take(self.page_size)
            .cloned()
            .collect();
        let more = keys.last().is_some_and(|last| entries.keys().any(|k| k.starts_with(prefix) && k > last));
        let cursor = if more { keys.last().cloned() } else { None };
        Ok(KeyList { keys, cursor })
    }
}

//! The storage port (a key-value store shaped like Workers KV) and the typed JSON access every
//! record store builds on. Reads of many records are bounded: at most [`MAX_CONCURRENT_READS`]
//! at a time (a Worker may hold 6 connections), and listings follow at most a few cursors.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cache::ReadCache;
use crate::error::ApiError;
use crate::time::Timestamp;

/// A storage failure. Never caused by the caller's input; the text is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failure: {0}")]
pub struct StoreError(pub String);

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Internal(err.0)
    }
}

/// How to store a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// Expire after this many seconds (Workers KV: at least 60).
    pub ttl_seconds: Option<u64>,
    /// Up to 1 KiB of JSON returned with the key by [`KeyValue::list`].
    pub metadata: Option<String>,
}

impl PutOptions {
    pub fn ttl(seconds: u64) -> Self {
        Self { ttl_seconds: Some(seconds), metadata: None }
    }
}

/// One key from a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    pub name: String,
    /// The metadata JSON it was stored with.
    pub metadata: Option<String>,
}

/// One page of keys from [`KeyValue::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyList {
    /// Ascending by name.
    pub keys: Vec<ListedKey>,
    /// Where to continue, if the listing is not complete.
    pub cursor: Option<String>,
}

/// A key-value store with optional expiry, like Workers KV.
#[allow(async_fn_in_trait)]
pub trait KeyValue {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn put(&self, key: &str, value: &str, options: &PutOptions) -> Result<(), StoreError>;
    /// Stores `value` after the response, off the request's critical path (`ctx.waitUntil` in
    /// the worker). For writes the answer does not depend on; a failure is logged, never lost
    /// silently.
    fn put_later(&self, key: String, value: String, options: PutOptions);
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Keys starting with `prefix`, up to 1000 per page.
    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError>;
}

/// Simultaneous storage reads per request (Workers allow 6 open connections).
pub const MAX_CONCURRENT_READS: usize = 6;
/// Listing pages (1000 keys each) one request may follow.
pub const MAX_LIST_PAGES: usize = 3;

/// Decodes a stored JSON record; a record that does not decode is an error, never "absent".
pub fn decode<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Internal(format!("corrupt record under {key}: {e}")))
}

pub fn encode<T: Serialize>(key: &str, value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(format!("encode {key}: {e}")))
}

/// Typed access to the store, with the isolate's read cache and the request's time.
pub struct Records<'a, K: KeyValue> {
    pub kv: &'a K,
    pub cache: &'a ReadCache,
    pub now: Timestamp,
}

impl<K: KeyValue> Records<'_, K> {
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ApiError> {
        match self.kv.get(key).await? {
            None => Ok(None),
            Some(text) => decode(key, &text).map(Some),
        }
    }

    /// Like [`Records::get`], through the isolate's read cache (for reads, never for the read
    /// a write is based on).
    pub async fn get_cached<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ApiError> {
        if let Some(text) = self.cache.get(key, self.now) {
            return decode(key, &text).map(Some);
        }
        let start = self.cache.read_start();
        let text = self.kv.get(key).await?;
        if let Some(text) = &text {
            self.cache.insert_read(key, text, self.now, start);
        }
        text.map(|t| decode(key, &t)).transpose()
    }

    /// A flag stored as `true` when set and absent when not, through the isolate's cache, which
    /// keeps its absence too (as `false`). Only for keys of records known to exist (the flag of a
    /// service just read), so made-up keys cannot fill the cache.
    pub async fn flag_cached(&self, key: &str) -> Result<bool, ApiError> {
        if let Some(text) = self.cache.get(key, self.now) {
            return decode(key, &text);
        }
        let start = self.cache.read_start();
        let text = self.kv.get(key).await?.unwrap_or_else(|| "false".to_owned());
        self.cache.insert_read(key, &text, self.now, start);
        decode(key, &text)
    }

    /// Stores a record and refreshes the cache with it.
    pub async fn put<T: Serialize>(&self, key: &str, value: &T, options: &PutOptions) -> Result<(), ApiError> {
        let text = encode(key, value)?;
        let written = self.kv.put(key, &text, options).await;
        match written {
            Ok(()) => self.cache.insert_written(key, &text, self.now),
            Err(_) => self.cache.forget(key),
        }
        written.map_err(Into::into)
    }

    pub fn put_later<T: Serialize>(&self, key: String, value: &T, options: PutOptions) -> Result<(), ApiError> {
        let text = encode(&key, value)?;
        self.kv.put_later(key, text, options);
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        let deleted = self.kv.delete(key).await;
        self.cache.forget(key);
        deleted.map_err(Into::into)
    }

    /// Reads many records, at most [`MAX_CONCURRENT_READS`] at a time, keeping those that
    /// exist, in the order asked.
    pub async fn get_many<T: DeserializeOwned>(&self, keys: &[String]) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_CONCURRENT_READS) {
            let reads = futures_util::future::join_all(chunk.iter().map(|key| self.get::<T>(key))).await;
            for read in reads {
                out.extend(read?);
            }
        }
        Ok(out)
    }

    /// Every key under `prefix` (the part after it, with its metadata), ascending, following at
    /// most [`MAX_LIST_PAGES`] cursors.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ListedKey>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let page = self.kv.list(prefix, cursor.as_deref()).await?;
            out.extend(page.keys.into_iter().filter_map(|k| {
                let name = k.name.strip_prefix(prefix)?.to_owned();
                Some(ListedKey { name, metadata: k.metadata })
            }));
            match page.cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out.dedup_by(|a, b| a.name == b.name);
        Ok(out)
    }

    /// The suffixes of every key under `prefix`, ascending.
    pub async fn list_names(&self, prefix: &str) -> Result<Vec<String>, ApiError> {
        Ok(self.list(prefix).await?.into_iter().map(|k| k.name).collect())
    }
}

//! The core's ports on the Workers runtime: Workers KV, `Date.now()` and `crypto.getRandomValues`.

use edge_verify_core::sid::Rng;
use edge_verify_core::store::{KeyList, KeyValue, StoreError};
use edge_verify_core::time::{Clock, Timestamp};
use worker::kv::KvStore;

/// Workers KV behind the core's [`KeyValue`] port.
pub struct WorkerKv(pub KvStore);

fn store_error(op: &str, key: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError(format!("KV {op} {key}: {err}"))
}

impl KeyValue for WorkerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(|e| store_error("get", key, e))
    }

    async fn put(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<(), StoreError> {
        let mut put = self.0.put(key, value).map_err(|e| store_error("put", key, e))?;
        if let Some(ttl) = ttl_seconds {
            put = put.expiration_ttl(ttl);
        }
        put.execute().await.map_err(|e| store_error("put", key, e))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(|e| store_error("delete", key, e))
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyList, StoreError> {
        let mut list = self.0.list().prefix(prefix.to_owned());
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        let page = list.execute().await.map_err(|e| store_error("list", prefix, e))?;
        Ok(KeyList {
            keys: page.keys.into_iter().map(|k| k.name).collect(),
            cursor: if page.list_complete { None } else { page.cursor },
        })
    }
}

/// `Date.now()`, in whole seconds.
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(worker::Date::now().as_millis() / 1000)
    }
}

/// The platform CSPRNG (`crypto.getRandomValues`).
pub struct CryptoRng;

impl Rng for CryptoRng {
    fn fill(&self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // Without a working CSPRNG no SID, token or code may be issued: stop this isolate.
            std::process::abort();
        }
    }
}

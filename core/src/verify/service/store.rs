//! Where services live: `svc/{AC}/{VA}` in Workers KV (the account in the key is what isolates
//! accounts), read through the isolate's cache.

use super::record::ServiceRecord;
use crate::error::ApiError;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, ServiceSid};

fn prefix(account: &AccountSid) -> String {
    format!("svc/{account}/")
}

fn key(account: &AccountSid, sid: &ServiceSid) -> String {
    format!("svc/{account}/{sid}")
}

#[allow(async_fn_in_trait)]
pub trait ServiceStore {
    /// Through the isolate's read cache.
    async fn service(&self, account: &AccountSid, sid: &ServiceSid) -> Result<Option<ServiceRecord>, ApiError>;
    /// Read afresh, for a write based on it.
    async fn service_for_update(&self, account: &AccountSid, sid: &ServiceSid) -> Result<Option<ServiceRecord>, ApiError>;
    async fn put_service(&self, record: &ServiceRecord) -> Result<(), ApiError>;
    async fn delete_service(&self, record: &ServiceRecord) -> Result<(), ApiError>;
    /// The SIDs of an account's services, ascending.
    async fn service_sids(&self, account: &AccountSid) -> Result<Vec<String>, ApiError>;
    async fn services(&self, account: &AccountSid, sids: &[String]) -> Result<Vec<ServiceRecord>, ApiError>;
}

impl<K: KeyValue> ServiceStore for Records<'_, K> {
    async fn service(&self, account: &AccountSid, sid: &ServiceSid) -> Result<Option<ServiceRecord>, ApiError> {
        self.get_cached(&key(account, sid)).await
    }

    async fn service_for_update(&self, account: &AccountSid, sid: &ServiceSid) -> Result<Option<ServiceRecord>, ApiError> {
        self.get(&key(account, sid)).await
    }

    async fn put_service(&self, record: &ServiceRecord) -> Result<(), ApiError> {
        self.put(&key(&record.account_sid, &record.sid), record, &PutOptions::default()).await
    }

    async fn delete_service(&self, record: &ServiceRecord) -> Result<(), ApiError> {
        self.delete(&key(&record.account_sid, &record.sid)).await
    }

    async fn service_sids(&self, account: &AccountSid) -> Result<Vec<String>, ApiError> {
        self.list_names(&prefix(account)).await
    }

    async fn services(&self, account: &AccountSid, sids: &[String]) -> Result<Vec<ServiceRecord>, ApiError> {
        let p = prefix(account);
        let keys: Vec<String> = sids.iter().map(|s| format!("{p}{s}")).collect();
        self.get_many(&keys).await
    }
}

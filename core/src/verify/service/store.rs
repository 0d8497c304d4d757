//! Where services live: `svc/{AC}/{VA}` in Workers KV (the account in the key is what isolates
//! accounts), read through the isolate's cache.

use super::record::ServiceRecord;
use crate::browser::settings::{public_key, PublicService};
use crate::error::ApiError;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, ServiceSid};

fn prefix(account: &AccountSid) -> String {
    format!("svc/{account}/")
}

/// What a CORS preflight (no credentials) may read of a service.
pub fn public_view(record: &ServiceRecord) -> PublicService {
    PublicService {
        account_sid: record.account_sid.to_string(),
        friendly_name: record.friendly_name.clone(),
        allowed_origins: record.browser.allowed_origins.clone(),
        turnstile_site_key: record.browser.turnstile_site_key.clone(),
        turnstile_enabled: record.browser.turnstile_secret.is_some(),
    }
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
        self.put(&key(&record.account_sid, &record.sid), record, &PutOptions::default()).await?;
        // Beside it, what a CORS preflight (no credentials) may read of it.
        self.put(&public_key(&record.sid), &public_view(record), &PutOptions::default()).await
    }

    async fn delete_service(&self, record: &ServiceRecord) -> Result<(), ApiError> {
        self.delete(&key(&record.account_sid, &record.sid)).await?;
        self.delete(&public_key(&record.sid)).await
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

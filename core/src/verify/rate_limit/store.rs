//! Where rate limits live: `rl/{AC}/{VA}/{RK}` in Workers KV, read through the isolate's cache
//! by starts.

use super::record::RateLimitRecord;
use crate::error::ApiError;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, RateLimitSid, ServiceSid};

fn prefix(account: &AccountSid, service: &ServiceSid) -> String {
    format!("rl/{account}/{service}/")
}

#[allow(async_fn_in_trait)]
pub trait RateLimitStore {
    /// Through the isolate's read cache (for starts).
    async fn rate_limit(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>, ApiError>;
    /// Read afresh, for a write based on it.
    async fn rate_limit_for_update(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>, ApiError>;
    async fn put_rate_limit(&self, record: &RateLimitRecord) -> Result<(), ApiError>;
    async fn delete_rate_limit(&self, record: &RateLimitRecord) -> Result<(), ApiError>;
    /// The SIDs of a service's rate limits, ascending.
    async fn rate_limit_sids(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
    ) -> Result<Vec<String>, ApiError>;
    async fn rate_limits(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sids: &[String],
    ) -> Result<Vec<RateLimitRecord>, ApiError>;
}

impl<K: KeyValue> RateLimitStore for Records<'_, K> {
    async fn rate_limit(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>, ApiError> {
        self.get_cached(&format!("{}{sid}", prefix(account, service)))
            .await
    }

    async fn rate_limit_for_update(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sid: &RateLimitSid,
    ) -> Result<Option<RateLimitRecord>, ApiError> {
        self.get(&format!("{}{sid}", prefix(account, service)))
            .await
    }

    async fn put_rate_limit(&self, record: &RateLimitRecord) -> Result<(), ApiError> {
        let key = format!(
            "{}{}",
            prefix(&record.account_sid, &record.service_sid),
            record.sid
        );
        self.put(&key, record, &PutOptions::default()).await
    }

    async fn delete_rate_limit(&self, record: &RateLimitRecord) -> Result<(), ApiError> {
        self.delete(&format!(
            "{}{}",
            prefix(&record.account_sid, &record.service_sid),
            record.sid
        ))
        .await
    }

    async fn rate_limit_sids(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
    ) -> Result<Vec<String>, ApiError> {
        self.list_names(&prefix(account, service)).await
    }

    async fn rate_limits(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        sids: &[String],
    ) -> Result<Vec<RateLimitRecord>, ApiError> {
        let p = prefix(account, service);
        let keys: Vec<String> = sids.iter().map(|s| format!("{p}{s}")).collect();
        self.get_many(&keys).await
    }
}

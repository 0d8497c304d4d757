//! Messages in the KV store: `msg/{AC}/{SM}` holds the record for 30 days, with its summary as
//! list metadata, so a listing reads no record; SIDs sort newest first.

use super::record::{MessageRecord, MESSAGE_RETENTION_SECONDS};
use crate::error::ApiError;
use crate::ports::{encode, KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, MessageSid};

fn prefix(account: &AccountSid) -> String {
    format!("msg/{account}/")
}

fn key(account: &AccountSid, sid: &MessageSid) -> String {
    format!("{}{sid}", prefix(account))
}

#[allow(async_fn_in_trait)]
pub(super) trait MessageStore {
    async fn put_message(&self, record: &MessageRecord) -> Result<(), ApiError>;
    async fn message(&self, account: &AccountSid, sid: &MessageSid) -> Result<Option<MessageRecord>, ApiError>;
    async fn delete_message(&self, account: &AccountSid, sid: &MessageSid) -> Result<(), ApiError>;
    /// The summaries of the account's newest messages (at most the listing bound), newest first.
    async fn message_summaries(&self, account: &AccountSid) -> Result<Vec<MessageRecord>, ApiError>;
}

impl<K: KeyValue> MessageStore for Records<'_, K> {
    async fn put_message(&self, record: &MessageRecord) -> Result<(), ApiError> {
        let key = key(&record.account_sid, &record.sid);
        let metadata = encode(&key, &record.summary())?;
        let left = MESSAGE_RETENTION_SECONDS.saturating_sub(record.date_created.seconds_until(self.now)).max(60);
        self.put(&key, record, &PutOptions { ttl_seconds: Some(left), metadata: Some(metadata) }).await
    }

    async fn message(&self, account: &AccountSid, sid: &MessageSid) -> Result<Option<MessageRecord>, ApiError> {
        let found: Option<MessageRecord> = self.get(&key(account, sid)).await?;
        Ok(found.filter(|m| m.account_sid == *account))
    }

    async fn delete_message(&self, account: &AccountSid, sid: &MessageSid) -> Result<(), ApiError> {
        self.delete(&key(account, sid)).await
    }

    async fn message_summaries(&self, account: &AccountSid) -> Result<Vec<MessageRecord>, ApiError> {
        Ok(self
            .list(&prefix(account))
            .await?
            .into_iter()
            .filter_map(|k| serde_json::from_str::<MessageRecord>(k.metadata.as_deref()?).ok())
            .filter(|m| m.account_sid == *account)
            .collect())
    }
}

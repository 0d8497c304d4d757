//! The dev log sink's outbox (`DEV_MODE=true` only): each message it "delivered", kept an hour
//! under `dev-outbox/{AC}/{newest-first stamp}` with the recipient and verification in the list
//! metadata. A read lists keys (at most a few pages), filters on the metadata, and reads at most
//! [`OUTBOX_LIMIT`] messages, a few at a time: bounded however many messages there are.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::spec::verification::{TO, VERIFICATION_SID};

/// How long outbox messages are kept.
const OUTBOX_TTL: u64 = 3_600;
/// Most messages one read returns.
pub const OUTBOX_LIMIT: usize = 50;
/// Stamps count down from here, so the newest message lists first.
const STAMP_BASE: u64 = 9_999_999_999;

/// One message as the log sink delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutboxEntry {
    /// ISO 8601.
    pub date_created: String,
    pub channel: Channel,
    pub to: String,
    /// The message as a provider would have delivered it.
    pub body: String,
    pub verification_sid: VerificationSid,
    pub service_sid: ServiceSid,
}

/// `GET /dev/outbox`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outbox {
    /// Newest first.
    pub messages: Vec<OutboxEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Summary {
    #[serde(rename = "t")]
    to: String,
    #[serde(rename = "v")]
    verification_sid: String,
}

/// Which messages a read wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub to: Option<String>,
    pub verification_sid: Option<String>,
}

impl OutboxFilter {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self { to: input.raw_text(&TO)?.map(str::to_owned), verification_sid: input.raw_text(&VERIFICATION_SID)?.map(str::to_owned) })
    }
}

#[allow(async_fn_in_trait)]
pub trait OutboxStore {
    fn put_outbox_later(&self, account: &AccountSid, entry: &OutboxEntry, unique: &AttemptSid) -> Result<(), ApiError>;
    async fn outbox(&self, account: &AccountSid, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, ApiError>;
}

fn prefix(account: &AccountSid) -> String {
    format!("dev-outbox/{account}/")
}

impl<K: KeyValue> OutboxStore for Records<'_, K> {
    fn put_outbox_later(&self, account: &AccountSid, entry: &OutboxEntry, unique: &AttemptSid) -> Result<(), ApiError> {
        let stamp = STAMP_BASE.saturating_sub(self.now.unix_seconds());
        let key = format!("{}{stamp:010}-{unique}", prefix(account));
        let summary = Summary { to: entry.to.clone(), verification_sid: entry.verification_sid.to_string() };
        let metadata = serde_json::to_string(&summary).map_err(|e| ApiError::Internal(format!("outbox metadata: {e}")))?;
        self.put_later(key, entry, PutOptions { ttl_seconds: Some(OUTBOX_TTL), metadata: Some(metadata) })
    }

    async fn outbox(&self, account: &AccountSid, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, ApiError> {
        let p = prefix(account);
        let wanted: Vec<String> = self
            .list(&p)
            .await?
            .into_iter()
            .filter(|k| {
                let summary = k.metadata.as_deref().and_then(|m| serde_json::from_str::<Summary>(m).ok());
                summary.is_some_and(|s| {
                    filter.to.as_ref().is_none_or(|t| *t == s.to) && filter.verification_sid.as_ref().is_none_or(|v| *v == s.verification_sid)
                })
            })
            .take(OUTBOX_LIMIT)
            .map(|k| format!("{p}{}", k.name))
            .collect();
        self.get_many(&wanted).await
    }
}

impl<P: Platform> Engine<P> {
    /// The caller's recent log-sink messages, newest first; 404 outside dev mode.
    pub async fn dev_outbox(&self, who: &Principal, filter: &OutboxFilter, path: &str) -> Result<Outbox, ApiError> {
        if !self.settings.dev_mode {
            return Err(ApiError::NotFound(path.to_owned()));
        }
        Ok(Outbox { messages: self.records().outbox(&who.account, filter).await? })
    }
}

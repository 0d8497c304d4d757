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
use crate::delivery::{dispatch, judge, DeliveryJob, Dispatch, HttpClient};
use crate::sid::{AccountSid, AttemptSid, MessageSid, ServiceSid, VerificationSid};
use crate::time::Clock;
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
    /// The verification it carried a code for...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_sid: Option<VerificationSid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_sid: Option<ServiceSid>,
    /// ...or the Messages API message it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_sid: Option<MessageSid>,
}

/// What a delivery was for, as the outbox records it.
pub(crate) enum Origin {
    Verification { service: ServiceSid, verification: VerificationSid },
    Message(MessageSid),
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
        let sid = entry.verification_sid.as_ref().map(ToString::to_string).or_else(|| entry.message_sid.as_ref().map(ToString::to_string));
        let summary = Summary { to: entry.to.clone(), verification_sid: sid.unwrap_or_default() };
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
    /// Delivers `job` through its channel's provider or, in dev mode, the log sink (printed, and
    /// kept in `account`'s outbox an hour). `secret` (the code, or a message's whole text) is
    /// blanked out of any error the provider echoes.
    pub(crate) async fn deliver_job(&self, account: &AccountSid, job: &DeliveryJob<'_>, secret: &str, origin: Origin) -> Result<(), ApiError> {
        let settings = &self.settings;
        let now = self.clock.now();
        match dispatch(&settings.delivery, &settings.providers, settings.dev_mode, job, now)? {
            Dispatch::Http { provider, request } => judge(provider, self.http.send(&request, settings.providers.timeout_ms).await, secret),
            Dispatch::Log { text } => {
                P::log(&format!("[dev log sink] {} to {}:\n{text}", job.channel.as_str(), job.to));
                let (verification_sid, service_sid, message_sid) = match origin {
                    Origin::Verification { service, verification } => (Some(verification), Some(service), None),
                    Origin::Message(sid) => (None, None, Some(sid)),
                };
                let entry = OutboxEntry { date_created: now.iso8601().to_string(), channel: job.channel, to: job.to.to_owned(), body: text, verification_sid, service_sid, message_sid };
                self.records().put_outbox_later(account, &entry, &AttemptSid::generate(&self.rng))
            }
        }
    }

    /// The caller's recent log-sink messages, newest first; 404 outside dev mode.
    pub async fn dev_outbox(&self, who: &Principal, filter: &OutboxFilter, path: &str) -> Result<Outbox, ApiError> {
        if !self.settings.dev_mode {
            return Err(ApiError::NotFound(path.to_owned()));
        }
        Ok(Outbox { messages: self.records().outbox(&who.account, filter).await? })
    }
}

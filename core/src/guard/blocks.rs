//! The fraud guard's read-out: what it blocked (or, in monitor mode, would have blocked), for
//! how long and why, at `fg/{AC}/{FB}` in Workers KV until the block ends. `GET
//! /v2/FraudGuard/Blocks` lists an account's; `DELETE /v2/FraudGuard/Blocks/{FB}` lifts one
//! (a false alarm) at once.

use serde::{Deserialize, Serialize};

use super::limiter::{Limiter, ShardName};
use super::plan::Scope;
use super::shard::LimitCommand;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::page::{window, Listing, Meta, PageQuery};
use crate::ports::PutOptions;
use crate::sid::{from_hex, AccountSid, FraudBlockSid};
use crate::time::{Clock, IsoTime, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    pub sid: FraudBlockSid,
    pub shard: String,
    /// `prefix` or `client`.
    pub kind: String,
    /// `+44770090XXXX`, or an IP.
    pub target: String,
    pub reason: String,
    /// `block` or `monitor` (would have blocked).
    pub mode: String,
    pub date_created: Timestamp,
    pub date_expires: Timestamp,
}

/// The `fraud_guard_block` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "FraudGuardBlock"))]
pub struct BlockResource {
    pub sid: FraudBlockSid,
    pub account_sid: AccountSid,
    /// `prefix` (a block of 10,000 numbers) or `client` (an end user's IP).
    pub kind: String,
    pub target: String,
    pub reason: String,
    /// `block`, or `monitor` when the service only reports.
    pub mode: String,
    pub date_created: IsoTime,
    pub date_expires: IsoTime,
    pub url: String,
}

/// `GET /v2/FraudGuard/Blocks`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "FraudGuardBlockList"))]
pub struct BlockList {
    pub blocks: Vec<BlockResource>,
    pub meta: Meta,
}

impl BlockResource {
    pub fn new(account: &AccountSid, record: BlockRecord, origin: &str) -> Self {
        Self {
            url: format!("{origin}/v2/FraudGuard/Blocks/{}", record.sid),
            sid: record.sid,
            account_sid: account.clone(),
            kind: record.kind,
            target: record.target,
            reason: record.reason,
            mode: record.mode,
            date_created: record.date_created.iso8601(),
            date_expires: record.date_expires.iso8601(),
        }
    }
}

impl BlockList {
    pub fn new(
        account: &AccountSid,
        listing: Listing<BlockRecord>,
        query: &PageQuery,
        origin: &str,
    ) -> Self {
        let meta = Meta::new(
            "blocks",
            &format!("{origin}/v2/FraudGuard/Blocks"),
            query,
            &listing,
        );
        Self {
            blocks: listing
                .items
                .into_iter()
                .map(|r| BlockResource::new(account, r, origin))
                .collect(),
            meta,
        }
    }
}

fn prefix(account: &AccountSid) -> String {
    format!("fg/{account}/")
}

fn path(sid: &str) -> String {
    format!("/v2/FraudGuard/Blocks/{sid}")
}

impl<P: Platform> Engine<P> {
    /// Records what the guard did (after the response) and logs it.
    pub(crate) fn note_fraud(
        &self,
        account: &AccountSid,
        shard: &ShardName,
        scope: &Scope,
        reason: &str,
        monitor: bool,
        seconds: u64,
    ) {
        let (kind, target) = match scope {
            Scope::Client { label, .. } => ("client", label.clone()),
            Scope::Prefix { label } => ("prefix", label.clone()),
            _ => return,
        };
        let mode = if monitor { "monitor" } else { "block" };
        P::log(&format!(
            "fraud guard ({mode}): {kind} {target} of {account}: {reason}"
        ));
        let Some(bytes) = from_hex::<16>(&shard.0) else {
            return;
        };
        let now = self.clock.now();
        let record = BlockRecord {
            sid: FraudBlockSid::from_bytes(&bytes),
            shard: shard.0.clone(),
            kind: kind.into(),
            target,
            reason: reason.into(),
            mode: mode.into(),
            date_created: now,
            date_expires: now.plus_seconds(seconds),
        };
        let key = format!("{}{}", prefix(account), record.sid);
        if let Err(err) = self
            .records()
            .put_later(key, &record, PutOptions::ttl(seconds.max(60)))
        {
            P::log(&format!(
                "error 20500: recording a fraud guard block: {err:?}"
            ));
        }
    }

    pub async fn list_fraud_blocks(
        &self,
        who: &Principal,
        query: &PageQuery,
    ) -> Result<Listing<BlockRecord>, ApiError> {
        let records = self.records();
        let p = prefix(&who.account);
        let sids = records.list_names(&p).await?;
        let page = window(&sids, query);
        let keys: Vec<String> = page.items.iter().map(|s| format!("{p}{s}")).collect();
        Ok(Listing::new(records.get_many(&keys).await?, &page))
    }

    /// Lifts a block at once: the shard forgets it and what led to it.
    pub async fn lift_fraud_block(&self, who: &Principal, sid: &str) -> Result<(), ApiError> {
        let key = format!("{}{sid}", prefix(&who.account));
        let found = match FraudBlockSid::parse(sid) {
            Some(_) => self.records().get::<BlockRecord>(&key).await?,
            None => None,
        };
        let record = found.ok_or_else(|| ApiError::NotFound(path(sid)))?;
        self.limiter
            .send(&ShardName(record.shard.clone()), LimitCommand::Unblock)
            .await?;
        self.records().delete(&key).await
    }
}

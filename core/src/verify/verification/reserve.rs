//! What a start reserves on the limiter shards, after its geo permissions, and how a refused or
//! failed start takes it all back.

use futures_util::future::{join, join_all};
use serde_json::Value;

use super::coordinator::Coordinator;
use super::request::StartRequest;
use super::target::TargetId;
use crate::channel::Channel;
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::guard::geo::{self, Destination};
use crate::guard::limiter::{Limiter, ShardKey};
use crate::guard::plan::{
    plan, refusal, Client, Reservation, Scope, StartFacts, CLIENT_BLOCK_SECONDS, PREFIX_BLOCK_SECONDS,
};
use crate::guard::policy::AccountPolicy;
use crate::guard::shard::{Limit, LimitCommand, LimitReply, Refused};
use crate::identity::principal::Principal;
use crate::sid::{AccountSid, AttemptSid, RateLimitSid};
use crate::spec::verification::RATE_LIMITS;
use crate::time::Timestamp;
use crate::verify::rate_limit::record::rate_limit_sid;
use crate::verify::rate_limit::store::RateLimitStore;
use crate::verify::rate_limit::MAX_RATE_LIMITS;
use crate::verify::service::record::ServiceRecord;

/// What a start reserved, to take back if it cannot go on.
pub(crate) struct Undo<'a> {
    /// The verification target whose send `attempt` reserved (none for a message).
    pub target: Option<&'a TargetId>,
    pub attempt: Option<AttemptSid>,
    pub made: Vec<(&'a Reservation, Timestamp, bool)>,
    pub dest: u64,
}

/// What the shards said to a start's reservations: those made (to undo), and the most telling
/// refusal (the lowest rank: 0 a failure, 1 the coordinator's, 2 the fraud guard, 3 a limit).
pub(crate) struct Settled<'a> {
    pub made: Vec<(&'a Reservation, Timestamp, bool)>,
    pub failure: Option<(u8, ApiError)>,
}

impl Settled<'_> {
    pub fn fail(&mut self, rank: u8, err: ApiError) {
        if self.failure.as_ref().is_none_or(|(r, _)| rank < *r) {
            self.failure = Some((rank, err));
        }
    }
}

/// The client a start's guard judges: the end user's `DeviceIp` when the caller gives it, else
/// the connecting client.
pub(crate) fn client_of(who: &Principal, request: &StartRequest) -> Client {
    match request.device_ip {
        Some(ip) => Client { ip: Some(ip), end_user: true, country: None },
        None => who.client.clone(),
    }
}

/// How long the read-out keeps a monitor-mode note.
pub(super) fn fraud_block_seconds(scope: &Scope) -> u64 {
    u64::from(if matches!(scope, Scope::Client { .. }) {
        CLIENT_BLOCK_SECONDS
    } else {
        PREFIX_BLOCK_SECONDS
    })
}

impl<P: Platform> Engine<P> {
    /// The shards a start reserves, after its geo permissions (a refused destination reserves
    /// nothing: 403 60605, unless the safe list lets its country through).
    pub(crate) async fn guard_plan(
        &self,
        who: &Principal,
        policy: &AccountPolicy,
        service: &ServiceRecord,
        request: &StartRequest,
        identity: &str,
        exempt: bool,
    ) -> Result<(Vec<Reservation>, u64), ApiError> {
        let key = self.settings.shard_key.as_ref().ok_or_else(missing_code_key)?;
        let channel = request.channel;
        let destination = (channel != Channel::Email).then(|| Destination::of(&request.to));
        if let Some(to) = &destination {
            let (rule, narrowed) = if channel == Channel::Call {
                (&policy.geo.call, &service.guard.geo_call)
            } else {
                (&policy.geo.sms, &service.guard.geo_sms)
            };
            if let Some(why) = geo::refusal(rule, narrowed.as_deref(), channel, to) {
                // The safe list lifts country permissions, never the block on high-cost ranges.
                if to.high_cost.is_some() || !self.is_safe_number(&who.account, &request.to).await?
                {
                    return Err(ApiError::Blocked {
                        code: 60605,
                        detail: why,
                        retry_after: None,
                    });
                }
            }
        }
        let rate_limits = self
            .rate_limit_reservations(who, service, request, key)
            .await?;
        let client = client_of(who, request);
        let facts = StartFacts {
            account: &who.account,
            service: &service.sid,
            channel,
            to: identity,
            destination,
            client: &client,
            limits: service.guard.limits.over(&policy.limits),
            fraud: service.guard.fraud_guard.unwrap_or(policy.fraud_guard),
            exempt,
            price: self
                .settings
                .policy
                .prices
                .of(channel, destination.as_ref().and_then(Destination::region)),
        };
        Ok(plan(key, policy, &facts, rate_limits))
    }

    /// The buckets of each rate limit a start names in `RateLimits` (one cached read each, at
    /// most [`MAX_RATE_LIMITS`] of them: a name the service does not have is a 404).
    async fn rate_limit_reservations(
        &self,
        who: &Principal,
        service: &ServiceRecord,
        request: &StartRequest,
        key: &ShardKey,
    ) -> Result<Vec<Reservation>, ApiError> {
        let Some(map) = &request.rate_limits else {
            return Ok(Vec::new());
        };
        if map.len() > MAX_RATE_LIMITS {
            return Err(ApiError::invalid(
                RATE_LIMITS.wire,
                format!("names more rate limits than a service has ({MAX_RATE_LIMITS})"),
            ));
        }
        let records = self.records();
        let sids: Vec<RateLimitSid> = map
            .keys()
            .map(|name| rate_limit_sid(&service.sid, name))
            .collect();
        let found = join_all(
            sids.iter()
                .map(|sid| records.rate_limit(&who.account, &service.sid, sid)),
        )
        .await;
        let mut out = Vec::new();
        for ((name, value), record) in map.iter().zip(found) {
            // A name the service does not have: the rate limit it names is not found (404).
            let record = record?.ok_or_else(|| ApiError::NotFound(format!("/v2/Services/{}/RateLimits/{name}", service.sid)))?;
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if record.buckets.is_empty() {
                continue;
            }
            let limits = record
                .buckets
                .iter()
                .map(|b| Limit {
                    name: b.sid.to_string(),
                    max: u64::from(b.max),
                    interval: b.interval,
                    weight: 1,
                })
                .collect();
            out.push(Reservation {
                shard: key.shard(&format!("rl|{}|{value}", record.sid)),
                scope: Scope::RateLimit {
                    unique_name: name.clone(),
                    value_label: value,
                },
                limits,
                probe: None,
            });
        }
        Ok(out)
    }

    /// Reads the shards' replies to `reservations` (in the same order), noting what the fraud
    /// guard flagged or blocked.
    pub(crate) fn settle<'a>(
        &self,
        account: &AccountSid,
        reservations: &'a [Reservation],
        replies: Vec<Result<LimitReply, ApiError>>,
    ) -> Settled<'a> {
        let mut settled = Settled { made: Vec::new(), failure: None };
        for (reservation, reply) in reservations.iter().zip(replies) {
            match reply {
                Ok(LimitReply::Reserved { at, recorded, flagged }) => {
                    if let Some(reason) = flagged {
                        let seconds = fraud_block_seconds(&reservation.scope);
                        self.note_fraud(account, &reservation.shard, &reservation.scope, &reason, true, seconds);
                    }
                    settled.made.push((reservation, at, recorded));
                }
                Ok(LimitReply::Refused(refused)) => {
                    if let Refused::Fraud { reason, retry_after, new: true } = &refused {
                        self.note_fraud(account, &reservation.shard, &reservation.scope, reason, false, *retry_after);
                    }
                    let rank = if matches!(refused, Refused::Fraud { .. }) { 2 } else { 3 };
                    settled.fail(rank, refusal(&reservation.scope, refused));
                }
                Ok(LimitReply::Done) => settled.fail(0, ApiError::Internal("a limiter shard answered out of turn".into())),
                Err(err) => settled.fail(0, err),
            }
        }
        settled
    }

    /// Takes back whatever a start reserved.
    pub(crate) async fn undo(&self, undo: &Undo<'_>) {
        let target = async {
            if let (Some(attempt), Some(target)) = (&undo.attempt, undo.target) {
                if let Err(err) = self.coordinator.release(target, attempt.clone()).await {
                    P::log(&format!(
                        "error 20500: releasing a refused or failed send: {err}"
                    ));
                }
            }
        };
        let shards = undo.made.iter().map(|(r, at, recorded)| async move {
            let release = LimitCommand::Release {
                at: *at,
                limits: r.limits.clone(),
                dest: recorded.then_some(undo.dest),
            };
            if let Err(err) = self.limiter.send(&r.shard, release).await {
                P::log(&format!(
                    "error 20500: releasing a limiter reservation: {err}"
                ));
            }
        });
        join(target, join_all(shards)).await;
    }
}

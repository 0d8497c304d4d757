//! Which shards one start reserves, with which counters and fraud probes, and what a shard's
//! refusal means to the caller. Four kinds of shard, each sharded by its own key so no object
//! sees every start:
//!
//! | shard | key | counts | fraud guard |
//! |---|---|---|---|
//! | client | account + IP (IPv6: its /64) | starts per end-user IP (`DeviceIp`) or per connecting IP | destinations per end user |
//! | prefix | account + 10,000-number block (email: the address) | starts per service | unapproved and consecutive numbers |
//! | account | account | sends per account and per service per day; spend | — |
//! | rate limit | rate limit + key value | the rate limit's buckets | — |
//! | recipient (Messages API only) | account + `To` | sends per `To` per hour and day | — |
//!
//! The sends per `To` are counted by the verification's own coordinator (exact against its five
//! sends, see `verify::verification::machine::Sends`).

use std::net::IpAddr;

use super::geo::Destination;
use super::limiter::{ShardKey, ShardName};
use super::policy::{AccountPolicy, Limits};
use super::shard::{FraudMode, Limit, Probe, Refused};
use crate::channel::Channel;
use crate::error::ApiError;
use crate::sid::{AccountSid, ServiceSid};

const HOUR: u32 = 3600;
const DAY: u32 = 86_400;
/// How far back the fraud guard looks, and how long shards remember destinations.
pub const FRAUD_MEMORY: u32 = HOUR;
/// How long the fraud guard blocks a destination prefix (as Twilio's Fraud Guard does).
pub const PREFIX_BLOCK_SECONDS: u32 = 12 * HOUR;
/// How long it blocks an end user's IP.
pub const CLIENT_BLOCK_SECONDS: u32 = HOUR;
/// Unapproved numbers in the same thousand (the number without its last three digits) that,
/// with one more, mark a run of consecutive numbers: real users' numbers almost never share
/// their first digits but the last three within an hour, a pumping run's always do.
pub const NEAR_MAX: u32 = 2;
/// Unapproved destinations (weighted) of one block of 10,000 numbers that, with fewer than a
/// fifth approved, mark it pumped.
pub const PREFIX_UNCONVERTED_MAX: u32 = 6;
/// New unapproved destinations one end user's IP may start in an hour, with fewer than a fifth
/// approved (a person retypes a number once or twice; a bot walks a list).
pub const CLIENT_UNCONVERTED_MAX: u32 = 4;

/// The service the Messages API counts its sends under (per-service limits, shard names): no
/// real service has this SID.
pub const MESSAGES_SCOPE: &str = "VA00000000000000000000000000000000";

/// Who is starting: the end user's IP when the caller gives it (`DeviceIp`), else the connecting
/// IP, and the country Cloudflare's edge puts the connecting IP in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Client {
    pub ip: Option<IpAddr>,
    /// Whether `ip` is the end user's (a `DeviceIp`), not a backend's.
    pub end_user: bool,
    /// `cf-ipcountry` of the connecting IP.
    pub country: Option<String>,
}

/// What a start is, for the guard.
#[derive(Debug, Clone)]
pub struct StartFacts<'a> {
    pub account: &'a AccountSid,
    pub service: &'a ServiceSid,
    pub channel: Channel,
    /// The recipient's identity (an email address in lower case).
    pub to: &'a str,
    /// Where a phone number leads (`None` for email).
    pub destination: Option<Destination>,
    pub client: &'a Client,
    /// The account's limits with the service's changes.
    pub limits: Limits,
    pub fraud: FraudMode,
    /// On the safe list: the fraud guard lets it through.
    pub exempt: bool,
    /// What one send costs, in millionths.
    pub price: u64,
}

/// What a shard holds, for messages and the fraud guard's read-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An IP (or IPv6 /64), and whether it is an end user's.
    Client {
        label: String,
        end_user: bool,
    },
    /// A block of numbers (`+4477009XXXX`) or an email address.
    Prefix {
        label: String,
    },
    Account,
    RateLimit {
        unique_name: String,
        value_label: String,
    },
    /// One recipient of the Messages API (a verification's sends to its `To` are counted by its
    /// coordinator instead).
    Recipient {
        label: String,
    },
}

/// One shard's part of a start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub shard: ShardName,
    pub scope: Scope,
    pub limits: Vec<Limit>,
    pub probe: Option<Probe>,
}

fn limit(name: String, max: u32, interval: u32) -> Limit {
    Limit {
        name,
        max: u64::from(max),
        interval,
        weight: 1,
    }
}

/// An IP as counted: IPv4 whole, IPv6 by its /64 (one subscriber's network).
pub fn client_label(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

/// A phone number without its last `n` digits (its first five characters at least).
fn without_last(to: &str, n: usize) -> &str {
    to.get(..to.len().saturating_sub(n).max(5)).unwrap_or(to)
}

/// The destination prefix a start is counted under: a block of 10,000 numbers, or the address.
pub fn prefix_label(to: &str) -> String {
    if to.contains('@') {
        to.to_owned()
    } else {
        format!("{}XXXX", without_last(to, 4))
    }
}

/// The reservations of one start, and the keyed hash of its destination.
pub fn plan(
    key: &ShardKey,
    policy: &AccountPolicy,
    facts: &StartFacts<'_>,
    rate_limits: Vec<Reservation>,
) -> (Vec<Reservation>, u64) {
    let account = facts.account.as_str();
    let service = facts.service.as_str();
    let dest = key.hash(facts.to);
    let phone = facts.channel != Channel::Email;
    let guarded = phone && !facts.exempt && facts.fraud != FraudMode::Off;
    let foreign = match (
        &facts.client.country,
        facts.destination.as_ref().and_then(Destination::region),
    ) {
        (Some(from), Some(to)) if !facts.client.end_user => {
            from != to && from != "XX" && from != "T1"
        }
        _ => false,
    };
    let probe = |near: u64, near_max: u32, unconverted_max: u32, block_seconds: u32| Probe {
        dest,
        near,
        weight: if foreign { 2 } else { 1 },
        mode: facts.fraud,
        near_max,
        unconverted_max,
        min_conversion_percent: 20,
        window: FRAUD_MEMORY,
        block_seconds,
    };
    let mut out = Vec::with_capacity(3 + rate_limits.len());
    if let Some(ip) = facts.client.ip {
        let label = client_label(ip);
        let (name, max) = if facts.client.end_user {
            ("client", facts.limits.starts_per_client_per_hour)
        } else {
            ("ip", facts.limits.starts_per_ip_per_hour)
        };
        out.push(Reservation {
            shard: key.shard(&format!("ip|{account}|{label}")),
            limits: vec![limit(name.into(), max, HOUR)],
            probe: (guarded && facts.client.end_user).then(|| probe(0, 0, CLIENT_UNCONVERTED_MAX, CLIENT_BLOCK_SECONDS)),
            scope: Scope::Client {
                label,
                end_user: facts.client.end_user,
            },
        });
    }
    let label = prefix_label(facts.to);
    let near = if phone {
        key.hash(without_last(facts.to, 3))
    } else {
        0
    };
    out.push(Reservation {
        shard: key.shard(&format!("px|{account}|{label}")),
        limits: vec![limit(
            format!("svc/{service}"),
            facts.limits.starts_per_prefix_per_hour,
            HOUR,
        )],
        probe: guarded.then(|| probe(near, NEAR_MAX, PREFIX_UNCONVERTED_MAX, PREFIX_BLOCK_SECONDS)),
        scope: Scope::Prefix { label },
    });
    let mut account_limits = vec![
        limit("sends".into(), policy.sends_per_account_per_day, DAY),
        limit(
            format!("svc/{service}"),
            facts.limits.sends_per_service_per_day,
            DAY,
        ),
    ];
    if facts.price > 0 {
        let spend = |name: String, cap: u64| Limit {
            name,
            max: cap,
            interval: DAY,
            weight: facts.price,
        };
        account_limits.extend(
            policy
                .spend_per_account_per_day
                .map(|cap| spend("spend".into(), cap)),
        );
        account_limits.extend(
            policy
                .spend_per_service_per_day
                .map(|cap| spend(format!("spend/{service}"), cap)),
        );
    }
    out.push(Reservation {
        shard: key.shard(&format!("ac|{account}")),
        limits: account_limits,
        probe: None,
        scope: Scope::Account,
    });
    out.extend(rate_limits);
    (out, dest)
}

fn per(interval: u32) -> String {
    match interval {
        HOUR => "an hour".into(),
        DAY => "a day".into(),
        seconds => format!("{seconds} seconds"),
    }
}

/// The Messages API's extra shard: the sends to one recipient, per hour and per day (a
/// verification's are counted by its coordinator instead).
pub fn recipient(key: &ShardKey, account: &AccountSid, to: &str, limits: &Limits) -> Reservation {
    Reservation {
        shard: key.shard(&format!("to|{account}|{to}")),
        scope: Scope::Recipient { label: to.to_owned() },
        limits: vec![limit("hour".into(), limits.sends_per_to_per_hour, HOUR), limit("day".into(), limits.sends_per_to_per_day, DAY)],
        probe: None,
    }
}

/// What a shard's refusal tells the caller.
pub fn refusal(scope: &Scope, refused: Refused) -> ApiError {
    match refused {
        Refused::Limit {
            name,
            max,
            interval,
            retry_after,
        } => {
            let detail = match scope {
                Scope::Client { label, end_user: true } => format!("the end user's IP {label} made {max} starts in {}", per(interval)),
                Scope::Client { label, end_user: false } => format!("{label} made {max} starts in {} without a DeviceIp", per(interval)),
                Scope::Prefix { label } => format!("{max} starts to {label} in {} for this service", per(interval)),
                Scope::Account if name.starts_with("spend") => "the daily spend cap is reached".into(),
                Scope::Account if name == "sends" => format!("the account's cap of {max} sends a day is reached"),
                Scope::Account if name.ends_with(MESSAGES_SCOPE) => format!("the Messages API's cap of {max} sends a day is reached"),
                Scope::Account => format!("the service's cap of {max} sends a day is reached"),
                Scope::RateLimit { unique_name, .. } => format!("rate limit {unique_name} allows {max} starts per {interval} seconds for this key"),
                Scope::Recipient { label } => format!("{max} messages to {label} in {}", per(interval)),
            };
            ApiError::Limited {
                code: 20429,
                detail,
                retry_after,
            }
        }
        Refused::Fraud {
            reason,
            retry_after,
            ..
        } => {
            let whom = match scope {
                Scope::Client { label, .. } => format!("requests from {label}"),
                Scope::Prefix { label } => format!("destinations {label}"),
                _ => "this start".into(),
            };
            ApiError::Blocked {
                code: 60410,
                detail: format!("the fraud guard blocks {whom} ({reason})"),
                retry_after: Some(retry_after),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::CodeKey;

    fn key() -> ShardKey {
        ShardKey::new(&CodeKey::new("plan-test-key-00000000").unwrap()).unwrap()
    }

    #[test]
    fn labels_group_neighbours_and_hide_nothing_in_shard_names() {
        assert_eq!(prefix_label("+447700900123"), "+44770090XXXX");
        assert_eq!(prefix_label("ann@example.com"), "ann@example.com");
        assert_eq!(
            client_label("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(client_label("203.0.113.7".parse().unwrap()), "203.0.113.7");
        let name = key().shard("px|AC1|+44770090XXXX");
        assert_eq!(name.0.len(), 32);
        assert!(!name.0.contains("4477"));
    }

    #[test]
    fn a_start_reserves_client_prefix_account_and_rate_limit_shards() {
        let (account, service) = (AccountSid::example(), ServiceSid::example());
        let client = Client {
            ip: Some("203.0.113.7".parse().unwrap()),
            end_user: true,
            country: None,
        };
        let facts = StartFacts {
            account: &account,
            service: &service,
            channel: Channel::Sms,
            to: "+447700900123",
            destination: Some(Destination::of("+447700900123")),
            client: &client,
            limits: Limits::default(),
            fraud: FraudMode::Block,
            exempt: false,
            price: 0,
        };
        let (reservations, dest) = plan(&key(), &AccountPolicy::default(), &facts, Vec::new());
        assert_eq!(reservations.len(), 3);
        assert!(
            reservations
                .iter()
                .all(|r| r.shard != reservations[0].shard || r.scope == reservations[0].scope),
            "distinct shards"
        );
        assert_eq!(
            reservations[0].probe.as_ref().map(|p| p.dest),
            Some(dest),
            "end users are judged"
        );
        assert_eq!(
            reservations[1].probe.as_ref().map(|p| p.near_max),
            Some(2),
            "prefixes are judged for consecutive numbers"
        );
        let exempt = StartFacts {
            exempt: true,
            ..facts.clone()
        };
        assert!(
            plan(&key(), &AccountPolicy::default(), &exempt, Vec::new())
                .0
                .iter()
                .all(|r| r.probe.is_none()),
            "the safe list skips the guard"
        );
        let email = StartFacts {
            channel: Channel::Email,
            to: "ann@example.com",
            destination: None,
            ..facts
        };
        assert!(
            plan(&key(), &AccountPolicy::default(), &email, Vec::new())
                .0
                .iter()
                .all(|r| r.probe.is_none()),
            "email is never pumped"
        );
    }
}

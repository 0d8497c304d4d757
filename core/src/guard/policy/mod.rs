//! The operator's policy: the limits, geo permissions, fraud guard, spend caps and content rules
//! every start passes. It comes from the `POLICY` setting (JSON, optional: every value has a safe
//! default), and may be changed per account under `accounts`; a tenant narrows it per service
//! (`verify::service::record::GuardSettings`) but never widens what the operator set.
//!
//! ```json
//! {
//!   "sends_per_account_per_day": 2000,
//!   "spend_per_account_per_day": "25.00",
//!   "prices": { "sms": { "*": "0.0079", "GB": "0.0400" }, "call": { "*": "0.0140" } },
//!   "geo": { "sms": { "allow": ["*"], "deny": ["CU"], "high_cost": false } },
//!   "accounts": { "AC...": { "sends_per_account_per_day": 10000 } }
//! }
//! ```

mod parse;


use super::shard::FraudMode;
use crate::channel::Channel;

/// Destinations refused by default on every phone channel: small territories with high
/// termination rates and little real verification traffic, and the destinations most often
/// abused for international revenue share fraud (pumping). An operator allows any of them by
/// setting its own `deny` list.
pub const DEFAULT_DENIED: [&str; 32] = [
    "AC", "CF", "CK", "CU", "DJ", "ER", "FK", "FM", "GN", "GQ", "GW", "IO", "KI", "KM", "KP", "LR",
    "MH", "MR", "NR", "NU", "PG", "PW", "SB", "SH", "SL", "SO", "SS", "ST", "TD", "TK", "TV", "WF",
];

/// The built-in limits. Each has a default (documented in docs/limits.md) that the operator may
/// change for everyone or per account, and a service may change for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sends to one `To` in an hour, across its verifications (bounds cancel/restart cycles).
    pub sends_per_to_per_hour: u32,
    /// Sends to one `To` in a day.
    pub sends_per_to_per_day: u32,
    /// Starts from one end user's IP (`DeviceIp`) in an hour.
    pub starts_per_client_per_hour: u32,
    /// Starts from one connecting IP that passes no `DeviceIp` (a backend) in an hour.
    pub starts_per_ip_per_hour: u32,
    /// Starts to one destination prefix (a block of 10,000 numbers, or one email address) per
    /// service in an hour.
    pub starts_per_prefix_per_hour: u32,
    /// Sends per service in a day.
    pub sends_per_service_per_day: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sends_per_to_per_hour: 8,
            sends_per_to_per_day: 15,
            starts_per_client_per_hour: 20,
            starts_per_ip_per_hour: 1000,
            starts_per_prefix_per_hour: 30,
            sends_per_service_per_day: 1000,
        }
    }
}

/// Where one phone channel may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoRule {
    /// Region codes (ISO 3166-1 alpha-2) allowed, or `*` for every region.
    pub allow: Vec<String>,
    /// Region codes refused even when `allow` has them.
    pub deny: Vec<String>,
    /// Whether premium-rate, shared-cost, satellite and international network numbers are
    /// allowed (by default they never are).
    pub high_cost: bool,
}

impl Default for GeoRule {
    fn default() -> Self {
        Self {
            allow: vec!["*".into()],
            deny: DEFAULT_DENIED.iter().map(|r| (*r).to_owned()).collect(),
            high_cost: false,
        }
    }
}

impl GeoRule {
    pub fn allows(&self, region: &str) -> bool {
        !self.deny.iter().any(|r| r == region) && self.allow.iter().any(|r| r == "*" || r == region)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Geo {
    /// SMS, and WhatsApp.
    pub sms: GeoRule,
    pub call: GeoRule,
}

/// What a tenant may put in `CustomMessage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomMessagePolicy {
    /// Off by default: a tenant's own text on the operator's sender is how phishing travels.
    pub allowed: bool,
    /// Whether links (`http`, `www.`, a domain) may appear.
    pub links: bool,
    /// The longest message, in SMS segments.
    pub max_segments: u8,
}

impl Default for CustomMessagePolicy {
    fn default() -> Self {
        Self {
            allowed: false,
            links: false,
            max_segments: 2,
        }
    }
}

/// Channels the account may use at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub sms: bool,
    pub call: bool,
    pub email: bool,
    pub whatsapp: bool,
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            sms: true,
            call: true,
            email: true,
            whatsapp: true,
        }
    }
}

impl Channels {
    pub fn allows(&self, channel: Channel) -> bool {
        match channel {
            Channel::Sms => self.sms,
            Channel::Call => self.call,
            Channel::Email => self.email,
            Channel::Whatsapp => self.whatsapp,
        }
    }
}

/// Senders and templates a tenant may name (empty: only the configured defaults, and any
/// template of the operator's SendGrid account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Senders {
    /// Addresses `ChannelConfiguration.from` may name.
    pub email_from: Vec<String>,
    /// Numbers a service's `Whatsapp.From` may name.
    pub whatsapp_from: Vec<String>,
    /// SendGrid template ids `ChannelConfiguration.template_id` may name (empty: any).
    pub templates: Vec<String>,
    /// Messaging Services (`MG...`) a subaccount's MessagingConfigurations may name (the main
    /// account, the operator, may name any).
    pub messaging_services: Vec<String>,
}

impl Senders {
    /// Whether `from` (`+E164` or `whatsapp:+E164`) is a WhatsApp sender the account was given.
    pub fn whatsapp_allowed(&self, from: &str) -> bool {
        let number = from.strip_prefix("whatsapp:").unwrap_or(from);
        self.whatsapp_from.iter().any(|f| f.strip_prefix("whatsapp:").unwrap_or(f) == number)
    }
}

/// One account's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPolicy {
    /// Sends per account in a day.
    pub sends_per_account_per_day: u32,
    /// Money per account in a day (a decimal in the price table's currency), if capped.
    pub spend_per_account_per_day: Option<u64>,
    /// Money per service in a day, if capped.
    pub spend_per_service_per_day: Option<u64>,
    pub fraud_guard: FraudMode,
    pub geo: Geo,
    pub limits: Limits,
    pub custom_message: CustomMessagePolicy,
    pub channels: Channels,
    pub senders: Senders,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        Self {
            sends_per_account_per_day: 2000,
            spend_per_account_per_day: None,
            spend_per_service_per_day: None,
            fraud_guard: FraudMode::Block,
            geo: Geo::default(),
            limits: Limits::default(),
            custom_message: CustomMessagePolicy::default(),
            channels: Channels::default(),
            senders: Senders::default(),
        }
    }
}

/// Prices per send, in millionths of the currency unit, per channel and region (`*`: every other
/// region).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prices(pub(crate) Vec<(String, Vec<(String, u64)>)>);

impl Prices {
    /// The price of one send (0 when the table has none).
    pub fn of(&self, channel: Channel, region: Option<&str>) -> u64 {
        let Some((_, table)) = self.0.iter().find(|(c, _)| c == channel.as_str()) else { return 0 };
        let price = |key: &str| table.iter().find(|(r, _)| r == key).map(|(_, p)| *p);
        region.and_then(price).or_else(|| price("*")).unwrap_or(0)
    }
}

/// The whole policy: the default, each account's, and the price table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub default: AccountPolicy,
    pub accounts: Vec<(String, AccountPolicy)>,
    pub prices: Prices,
}

/// Parses a decimal amount (`"25"`, `"0.0079"`) into millionths.
pub fn parse_money(text: &str) -> Option<u64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty()
        || fraction.len() > 6
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse().ok()?
    };
    whole.checked_mul(1_000_000)?.checked_add(fraction)
}

impl Policy {
    /// The policy of `account`.
    pub fn account(&self, account: &str) -> &AccountPolicy {
        self.accounts.iter().find(|(sid, _)| sid == account).map_or(&self.default, |(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_safe_and_accounts_override_key_by_key() {
        let p = Policy::parse("").unwrap();
        assert_eq!(p.default.fraud_guard, FraudMode::Block);
        assert!(!p.default.custom_message.allowed);
        assert!(!p.default.geo.sms.allows("CU") && p.default.geo.sms.allows("GB"));
        let p = Policy::parse(
            r#"{"limits": {"sends_per_to_per_hour": 3}, "geo": {"call": {"allow": ["GB", "IE"]}},
                "prices": {"sms": {"*": "0.0079", "GB": "0.04"}},
                "accounts": {"AC1": {"limits": {"starts_per_ip_per_hour": 50}, "spend_per_account_per_day": "2.5"}}}"#,
        )
        .unwrap();
        assert_eq!(p.default.limits.sends_per_to_per_hour, 3);
        let a = p.account("AC1");
        assert_eq!(
            (
                a.limits.sends_per_to_per_hour,
                a.limits.starts_per_ip_per_hour
            ),
            (3, 50),
            "merged, not replaced"
        );
        assert_eq!(a.spend_per_account_per_day, Some(2_500_000));
        assert!(a.geo.call.allows("IE") && !a.geo.call.allows("FR") && a.geo.sms.allows("FR"));
        assert_eq!(p.account("AC2").limits.starts_per_ip_per_hour, 1000);
        assert_eq!(p.prices.of(Channel::Sms, Some("GB")), 40_000);
        assert_eq!(p.prices.of(Channel::Sms, Some("FR")), 7_900);
        assert_eq!(p.prices.of(Channel::Call, Some("FR")), 0);
    }

    #[test]
    fn errors_name_the_setting() {
        for (json, says) in [
            ("[]", "JSON object"),
            (
                r#"{"limits": {"sends_per_to_per_hour": "x"}}"#,
                "limits.sends_per_to_per_hour",
            ),
            (r#"{"nope": 1}"#, "nope"),
            (r#"{"prices": {"fax": {"*": "1"}}}"#, "fax"),
            (r#"{"prices": {"sms": {"*": "1.2.3"}}}"#, "prices.sms.*"),
            (
                r#"{"accounts": {"AC1": {"fraud_guard": "maybe"}}}"#,
                "accounts.AC1.fraud_guard",
            ),
            (
                r#"{"accounts": {"AC1": {"prices": {}}}}"#,
                "accounts.AC1.prices",
            ),
            (r#"{"spend_per_account_per_day": "-1"}"#, "decimal"),
        ] {
            let err = Policy::parse(json).unwrap_err();
            assert!(err.contains(says), "{json}: {err}");
        }
    }

    #[test]
    fn money_is_parsed_exactly() {
        assert_eq!(parse_money("25"), Some(25_000_000));
        assert_eq!(parse_money("0.0079"), Some(7_900));
        assert_eq!(parse_money("0.0000001"), None);
        assert_eq!(parse_money(".5"), None);
        assert_eq!(parse_money("1e3"), None);
    }
}

//! Delivery settings: which provider serves each channel, and the Twilio sender routes keyed by
//! destination dialing prefix (longest prefix wins, `*` is the default), as enterprise
//! deployments use one Twilio subaccount per region, and the generic SMS gateways keyed the same
//! way. Parsed once from the `DELIVERY_CONFIG` secret; credentials are write-only: `Debug` never
//! shows them and nothing returns them.

use serde::Deserialize;

pub use super::secret::Secret;
use super::gateway::GatewayRoute;
use crate::channel::Channel;

/// Who delivers a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Twilio Programmable Messaging (sms, whatsapp) or Voice (call).
    Twilio,
    /// SendGrid mail send (email).
    Sendgrid,
    /// A signed JSON POST to the operator's own endpoint.
    Webhook,
    /// Any HTTP SMS gateway, from the `gateways` routes (sms).
    Gateway,
    /// Print the message and keep it in the dev outbox (only with `DEV_MODE=true`).
    Log,
}

/// A Twilio account to send from, for destinations starting with `prefix`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TwilioRoute {
    /// `+91`, `+1`, ... or `*` for every other destination.
    pub prefix: String,
    /// The (sub)account SID in the API path.
    pub account_sid: String,
    /// Its auth token, or use an API key below.
    pub auth_token: Option<Secret>,
    /// API key SID (`SK...`).
    pub api_key_sid: Option<String>,
    /// API key secret.
    pub api_key_secret: Option<Secret>,
    /// Sender number for SMS (and calls, unless `voice_from`).
    pub from: Option<String>,
    /// Messaging Service SID for SMS (instead of `from`).
    pub messaging_service_sid: Option<String>,
    /// Caller ID for calls.
    pub voice_from: Option<String>,
    /// WhatsApp sender (E.164), unless the service sets `Whatsapp.From`.
    pub whatsapp_from: Option<String>,
}

impl TwilioRoute {
    /// The Basic credentials for the API: the API key if set, else the account token.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match (&self.api_key_sid, &self.api_key_secret, &self.auth_token) {
            (Some(sid), Some(secret), _) => Some((sid, secret.expose())),
            (_, _, Some(token)) => Some((&self.account_sid, token.expose())),
            _ => None,
        }
    }
}

/// SendGrid settings.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SendGridConfig {
    /// API key (`SG...`).
    pub api_key: Secret,
    /// Default sender address.
    pub from_email: String,
    /// Default sender name.
    pub from_name: Option<String>,
}

/// Webhook settings.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// HMAC-SHA256 key for the `X-Edge-Verify-Signature` header.
    pub secret: Secret,
}

/// Channel to provider choices; unset channels get a default (see [`DeliveryConfig::provider`]).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ChannelProviders {
    /// sms
    pub sms: Option<ProviderKind>,
    /// call
    pub call: Option<ProviderKind>,
    /// email
    pub email: Option<ProviderKind>,
    /// whatsapp
    pub whatsapp: Option<ProviderKind>,
}

/// The whole delivery configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Provider per channel.
    #[serde(default)]
    pub channels: ChannelProviders,
    /// Twilio sender routes.
    #[serde(default)]
    pub twilio_routes: Vec<TwilioRoute>,
    /// SendGrid.
    pub sendgrid: Option<SendGridConfig>,
    /// Webhook.
    pub webhook: Option<WebhookConfig>,
    /// Generic SMS gateway routes.
    #[serde(default)]
    pub gateways: Vec<GatewayRoute>,
}

impl DeliveryConfig {
    /// Parses and checks the JSON configuration. `dev_mode` allows the `log` provider.
    /// Errors never quote the configuration (it holds credentials).
    pub fn parse(json: &str, dev_mode: bool) -> Result<Self, String> {
        let config: Self = if json.trim().is_empty() {
            Self::default()
        } else {
            serde_json::from_str(json).map_err(|e| format!("DELIVERY_CONFIG is not valid: {}", describe_json_error(&e)))?
        };
        for (i, route) in config.twilio_routes.iter().enumerate() {
            let prefix_ok = route.prefix == "*"
                || route.prefix.strip_prefix('+').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            if !prefix_ok {
                // Named by position: the text could be anything, a misplaced secret included.
                return Err(format!("twilio_routes[{i}].prefix must be + and digits, or *"));
            }
            if route.credentials().is_none() {
                return Err(format!("twilio route {} needs auth_token or api_key_sid + api_key_secret", route.prefix));
            }
        }
        for (i, gateway) in config.gateways.iter().enumerate() {
            gateway.check(i, dev_mode)?;
            if config.gateways.iter().take(i).any(|g| g.prefix == gateway.prefix) {
                return Err(format!("gateways[{i}].prefix repeats an earlier gateway's prefix"));
            }
        }
        for channel in Channel::ALL {
            match config.provider(channel, dev_mode) {
                Some(ProviderKind::Log) if !dev_mode => {
                    return Err(format!("channel {} uses the log provider, which prints codes: it needs DEV_MODE=true", channel.as_str()))
                }
                Some(ProviderKind::Sendgrid) if config.sendgrid.is_none() => {
                    return Err(format!("channel {} uses sendgrid but there is no sendgrid section", channel.as_str()))
                }
                Some(ProviderKind::Webhook) if config.webhook.is_none() => {
                    return Err(format!("channel {} uses webhook but there is no webhook section", channel.as_str()))
                }
                Some(ProviderKind::Twilio) if config.twilio_routes.is_empty() => {
                    return Err(format!("channel {} uses twilio but there are no twilio_routes", channel.as_str()))
                }
                Some(ProviderKind::Sendgrid) if channel != Channel::Email => {
                    return Err(format!("sendgrid can only deliver email, not {}", channel.as_str()))
                }
                Some(ProviderKind::Gateway) if config.gateways.is_empty() => {
                    return Err(format!("channel {} uses gateway but there are no gateways", channel.as_str()))
                }
                Some(ProviderKind::Gateway) if channel != Channel::Sms => {
                    return Err(format!("gateway can only deliver sms, not {}", channel.as_str()))
                }
                Some(ProviderKind::Twilio) if channel == Channel::Email => {
                    return Err("twilio cannot deliver email; use sendgrid, webhook or log".to_owned())
                }
                _ => {}
            }
        }
        Ok(config)
    }

    /// The provider of `channel`: the configured one, else Twilio for phone channels when routes
    /// exist, else the gateways for SMS, SendGrid for email when configured, the webhook when
    /// configured, and in dev mode the log sink. `None`: the channel is disabled.
    pub fn provider(&self, channel: Channel, dev_mode: bool) -> Option<ProviderKind> {
        let chosen = match channel {
            Channel::Sms => self.channels.sms,
            Channel::Call => self.channels.call,
            Channel::Email => self.channels.email,
            Channel::Whatsapp => self.channels.whatsapp,
        };
        chosen.or_else(|| match channel {
            Channel::Email if self.sendgrid.is_some() => Some(ProviderKind::Sendgrid),
            Channel::Sms | Channel::Call | Channel::Whatsapp if !self.twilio_routes.is_empty() => Some(ProviderKind::Twilio),
            Channel::Sms if !self.gateways.is_empty() => Some(ProviderKind::Gateway),
            _ if self.webhook.is_some() => Some(ProviderKind::Webhook),
            _ if dev_mode => Some(ProviderKind::Log),
            _ => None,
        })
    }

    /// The Twilio route for `to`: the longest matching prefix, else `*`.
    pub fn twilio_route(&self, to: &str) -> Option<&TwilioRoute> {
        longest_prefix(&self.twilio_routes, |r| &r.prefix, to)
    }

    /// The gateway for `to`: the longest matching prefix, else `*`.
    pub fn gateway_route(&self, to: &str) -> Option<&GatewayRoute> {
        longest_prefix(&self.gateways, |g| &g.prefix, to)
    }
}

fn longest_prefix<'a, T>(routes: &'a [T], prefix: impl Fn(&T) -> &str, to: &str) -> Option<&'a T> {
    routes
        .iter()
        .filter(|r| prefix(r) != "*" && to.starts_with(prefix(r)))
        .max_by_key(|r| prefix(r).len())
        .or_else(|| routes.iter().find(|r| prefix(r) == "*"))
}

fn describe_json_error(e: &serde_json::Error) -> String {
    // serde's messages can quote the offending value (a credential, here): say only what kind of
    // error it is and where.
    let kind = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not valid JSON",
        serde_json::error::Category::Data => "a field is unknown, missing or of the wrong type",
        serde_json::error::Category::Io => "unreadable",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str = r#"{
        "twilio_routes": [
            {"prefix": "*", "account_sid": "ACdefault", "auth_token": "tok-default", "from": "+15550000000"},
            {"prefix": "+91", "account_sid": "ACindia", "api_key_sid": "SKindia", "api_key_secret": "sec-india", "messaging_service_sid": "MGindia"},
            {"prefix": "+9198", "account_sid": "ACmumbai", "auth_token": "tok-mumbai", "from": "+919800000000"},
            {"prefix": "+1", "account_sid": "ACus", "auth_token": "tok-us", "from": "+15551111111"}
        ]
    }"#;

    #[test]
    fn longest_prefix_wins_with_a_default() {
        let c = DeliveryConfig::parse(ROUTES, false).unwrap();
        assert_eq!(c.twilio_route("+919812345678").unwrap().account_sid, "ACmumbai");
        assert_eq!(c.twilio_route("+917012345678").unwrap().account_sid, "ACindia");
        assert_eq!(c.twilio_route("+14155550100").unwrap().account_sid, "ACus");
        assert_eq!(c.twilio_route("+447700900000").unwrap().account_sid, "ACdefault");
        assert_eq!(c.twilio_route("+917012345678").unwrap().credentials(), Some(("SKindia", "sec-india")));
        assert_eq!(c.twilio_route("+14155550100").unwrap().credentials(), Some(("ACus", "tok-us")));
    }

    #[test]
    fn providers_default_sensibly() {
        let c = DeliveryConfig::parse(ROUTES, false).unwrap();
        assert_eq!(c.provider(Channel::Sms, false), Some(ProviderKind::Twilio));
        assert_eq!(c.provider(Channel::Email, false), None, "email disabled without sendgrid");
        assert_eq!(DeliveryConfig::default().provider(Channel::Sms, true), Some(ProviderKind::Log));
        assert_eq!(DeliveryConfig::default().provider(Channel::Sms, false), None);
    }

    #[test]
    fn bad_configurations_are_refused_without_echoing_secrets() {
        for bad in [
            r#"{"channels": {"sms": "log"}}"#,
            r#"{"channels": {"email": "sendgrid"}}"#,
            r#"{"channels": {"sms": "sendgrid"}, "sendgrid": {"api_key": "SG.x", "from_email": "a@b.c"}}"#,
            r#"{"twilio_routes": [{"prefix": "91", "account_sid": "AC", "auth_token": "t"}]}"#,
            r#"{"twilio_routes": [{"prefix": "+91", "account_sid": "AC"}]}"#,
            r#"{"twilio_routes": [{"prefix": "+91", "account_sid": "AC", "auth_token": "hunter2", "typo": 1}]}"#,
            r#"{"sendgrid": {"api_key": "hunter2"}}"#,
            r#"{"sendgrid": "SG.hunter2"}"#,
            r#"{"twilio_routes": [{"prefix": "*", "account_sid": "AC", "auth_token": ["hunter2"]}]}"#,
            r#"not json hunter2"#,
        ] {
            let err = DeliveryConfig::parse(bad, false).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
        assert!(DeliveryConfig::parse(r#"{"channels": {"sms": "log"}}"#, true).is_ok());
        assert!(DeliveryConfig::parse("", false).is_ok());
    }

    #[test]
    fn debug_never_shows_credentials() {
        let c = DeliveryConfig::parse(ROUTES, false).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("tok-") && !shown.contains("sec-india"), "{shown}");
    }
}

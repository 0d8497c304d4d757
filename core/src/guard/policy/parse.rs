//! Reading `POLICY`: a JSON object walked by hand (serde's derived readers for these dozen
//! structs cost the wasm 40 KB), every unknown key refused and every error named by its path.

use serde_json::{Map, Value};

use super::{parse_money, AccountPolicy, GeoRule, Limits, Policy, Prices};
use crate::guard::shard::FraudMode;

/// Reads one JSON object of the policy, naming what is wrong by its path.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Reader<'a> {
    fn new(value: &'a Value, path: String) -> Result<Self, String> {
        value
            .as_object()
            .map(|map| Self {
                map,
                path: path.clone(),
            })
            .ok_or_else(|| format!("POLICY {path} must be an object"))
    }

    /// Fails on a key the policy does not know (a typo must not silently keep a default).
    fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => Err(format!("POLICY {}{key} is not a setting", self.prefix())),
            None => Ok(()),
        }
    }

    fn prefix(&self) -> String {
        if self.path.is_empty() {
            String::new()
        } else {
            format!("{}.", self.path)
        }
    }

    fn wrong(&self, key: &str, what: &str) -> String {
        format!("POLICY {}{key} must be {what}", self.prefix())
    }

    fn number(&self, key: &str, slot: &mut u32) -> Result<(), String> {
        if let Some(v) = self.map.get(key) {
            *slot = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| self.wrong(key, "a whole number from 1"))?;
        }
        Ok(())
    }

    fn flag(&self, key: &str, slot: &mut bool) -> Result<(), String> {
        if let Some(v) = self.map.get(key) {
            *slot = v
                .as_bool()
                .ok_or_else(|| self.wrong(key, "true or false"))?;
        }
        Ok(())
    }

    fn list(&self, key: &str, slot: &mut Vec<String>) -> Result<(), String> {
        if let Some(v) = self.map.get(key) {
            let items = v
                .as_array()
                .ok_or_else(|| self.wrong(key, "a list of strings"))?;
            *slot = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| self.wrong(key, "a list of strings"))?;
        }
        Ok(())
    }

    fn money(&self, key: &str, slot: &mut Option<u64>) -> Result<(), String> {
        match self.map.get(key) {
            None => Ok(()),
            Some(Value::Null) => {
                *slot = None;
                Ok(())
            }
            Some(v) => {
                *slot = Some(v.as_str().and_then(parse_money).ok_or_else(|| {
                    self.wrong(key, "a decimal amount in a string, such as \"25.00\"")
                })?);
                Ok(())
            }
        }
    }

    fn object(&self, key: &str) -> Result<Option<Reader<'a>>, String> {
        self.map
            .get(key)
            .map(|v| Reader::new(v, format!("{}{key}", self.prefix())))
            .transpose()
    }
}

impl Limits {
    fn read(&mut self, r: &Reader<'_>) -> Result<(), String> {
        r.only(&[
            "sends_per_to_per_hour",
            "sends_per_to_per_day",
            "starts_per_client_per_hour",
            "starts_per_ip_per_hour",
            "starts_per_prefix_per_hour",
            "sends_per_service_per_day",
        ])?;
        r.number("sends_per_to_per_hour", &mut self.sends_per_to_per_hour)?;
        r.number("sends_per_to_per_day", &mut self.sends_per_to_per_day)?;
        r.number(
            "starts_per_client_per_hour",
            &mut self.starts_per_client_per_hour,
        )?;
        r.number("starts_per_ip_per_hour", &mut self.starts_per_ip_per_hour)?;
        r.number(
            "starts_per_prefix_per_hour",
            &mut self.starts_per_prefix_per_hour,
        )?;
        r.number(
            "sends_per_service_per_day",
            &mut self.sends_per_service_per_day,
        )
    }
}

impl GeoRule {
    fn read(&mut self, r: &Reader<'_>) -> Result<(), String> {
        r.only(&["allow", "deny", "high_cost"])?;
        r.list("allow", &mut self.allow)?;
        r.list("deny", &mut self.deny)?;
        r.flag("high_cost", &mut self.high_cost)
    }
}

impl AccountPolicy {
    /// Applies the settings `r` holds over `self`.
    fn read(&mut self, r: &Reader<'_>) -> Result<(), String> {
        r.only(&[
            "sends_per_account_per_day",
            "spend_per_account_per_day",
            "spend_per_service_per_day",
            "fraud_guard",
            "geo",
            "limits",
            "custom_message",
            "channels",
            "senders",
        ])?;
        r.number(
            "sends_per_account_per_day",
            &mut self.sends_per_account_per_day,
        )?;
        r.money(
            "spend_per_account_per_day",
            &mut self.spend_per_account_per_day,
        )?;
        r.money(
            "spend_per_service_per_day",
            &mut self.spend_per_service_per_day,
        )?;
        if let Some(mode) = r.map.get("fraud_guard") {
            self.fraud_guard = match mode.as_str() {
                Some("off") => FraudMode::Off,
                Some("monitor") => FraudMode::Monitor,
                Some("block") => FraudMode::Block,
                _ => return Err(r.wrong("fraud_guard", "off, monitor or block")),
            };
        }
        if let Some(geo) = r.object("geo")? {
            geo.only(&["sms", "call"])?;
            if let Some(sms) = geo.object("sms")? {
                self.geo.sms.read(&sms)?;
            }
            if let Some(call) = geo.object("call")? {
                self.geo.call.read(&call)?;
            }
        }
        if let Some(limits) = r.object("limits")? {
            self.limits.read(&limits)?;
        }
        if let Some(m) = r.object("custom_message")? {
            m.only(&["allowed", "links", "max_segments"])?;
            m.flag("allowed", &mut self.custom_message.allowed)?;
            m.flag("links", &mut self.custom_message.links)?;
            let mut segments = u32::from(self.custom_message.max_segments);
            m.number("max_segments", &mut segments)?;
            self.custom_message.max_segments =
                u8::try_from(segments).map_err(|_| m.wrong("max_segments", "at most 255"))?;
        }
        if let Some(c) = r.object("channels")? {
            c.only(&["sms", "call", "email", "whatsapp"])?;
            c.flag("sms", &mut self.channels.sms)?;
            c.flag("call", &mut self.channels.call)?;
            c.flag("email", &mut self.channels.email)?;
            c.flag("whatsapp", &mut self.channels.whatsapp)?;
        }
        if let Some(s) = r.object("senders")? {
            s.only(&["email_from", "whatsapp_from", "templates", "messaging_services"])?;
            s.list("email_from", &mut self.senders.email_from)?;
            s.list("whatsapp_from", &mut self.senders.whatsapp_from)?;
            s.list("templates", &mut self.senders.templates)?;
            s.list("messaging_services", &mut self.senders.messaging_services)?;
        }
        Ok(())
    }
}

fn prices(value: &Value) -> Result<Prices, String> {
    let tables = Reader::new(value, "prices".into())?;
    let mut out = Vec::new();
    for (channel, table) in tables.map {
        if !["sms", "call", "email", "whatsapp"].contains(&channel.as_str()) {
            return Err(format!("POLICY prices: unknown channel {channel}"));
        }
        let table = Reader::new(table, format!("prices.{channel}"))?;
        let mut parsed = Vec::new();
        for region in table.map.keys() {
            let mut amount = None;
            table.money(region, &mut amount)?;
            parsed.push((region.clone(), amount.unwrap_or(0)));
        }
        out.push((channel.clone(), parsed));
    }
    Ok(Prices(out))
}

impl Policy {
    /// Parses `POLICY` (empty: every default). An account's section changes the default
    /// policy setting by setting.
    pub fn parse(json: &str) -> Result<Self, String> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        let root: Value = serde_json::from_str(json).map_err(|e| {
            format!("POLICY must be a JSON object: not valid JSON at line {} column {}", e.line(), e.column())
        })?;
        let top = Reader::new(&root, String::new())
            .map_err(|_| "POLICY must be a JSON object".to_owned())?;
        let mut settings = top.map.clone();
        let accounts = settings.remove("accounts");
        let prices = settings
            .remove("prices")
            .as_ref()
            .map(prices)
            .transpose()?
            .unwrap_or_default();
        let shared = Value::Object(settings);
        let mut default = AccountPolicy::default();
        default.read(&Reader::new(&shared, String::new())?)?;
        let mut parsed = Vec::new();
        if let Some(accounts) = &accounts {
            for (sid, over) in Reader::new(accounts, "accounts".into())?.map {
                let mut policy = default.clone();
                let reader = Reader::new(over, format!("accounts.{sid}"))?;
                policy.read(&reader)?;
                parsed.push((sid.clone(), policy));
            }
        }
        Ok(Self {
            default,
            accounts: parsed,
            prices,
        })
    }
}

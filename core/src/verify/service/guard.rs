//! What a service changes of the operator's abuse controls for itself (docs/limits.md): its
//! fraud guard mode, the regions it narrows its account's geo permissions to, its own limits,
//! and its test numbers. It never widens what the operator set.

use serde::{Deserialize, Serialize};

use crate::channel::is_e164;
use crate::error::ApiError;
use crate::guard::policy::Limits;
use crate::guard::shard::FraudMode;
use crate::input::{Input, Patch};
use crate::spec::service::{FRAUD_GUARD, GEO_CALL, GEO_SMS, LIMITS, TEST_NUMBERS};
use crate::spec::ParamSpec;
use crate::time::Timestamp;

/// The limits a service sets for itself; `None` keeps the account's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ServiceLimits"))]
pub struct LimitOverrides {
    pub sends_per_to_per_hour: Option<u32>,
    pub sends_per_to_per_day: Option<u32>,
    pub starts_per_client_per_hour: Option<u32>,
    pub starts_per_ip_per_hour: Option<u32>,
    pub starts_per_prefix_per_hour: Option<u32>,
    pub sends_per_day: Option<u32>,
}

impl LimitOverrides {
    fn slots(&mut self) -> [&mut Option<u32>; 6] {
        [
            &mut self.sends_per_to_per_hour,
            &mut self.sends_per_to_per_day,
            &mut self.starts_per_client_per_hour,
            &mut self.starts_per_ip_per_hour,
            &mut self.starts_per_prefix_per_hour,
            &mut self.sends_per_day,
        ]
    }

    /// The account's limits with this service's changes: a service may lower a limit, never
    /// raise it past the account's (the operator raises it in `POLICY`).
    pub fn over(&self, base: &Limits) -> Limits {
        let own = |slot: Option<u32>, account: u32| slot.map_or(account, |n| n.min(account));
        Limits {
            sends_per_to_per_hour: own(self.sends_per_to_per_hour, base.sends_per_to_per_hour),
            sends_per_to_per_day: own(self.sends_per_to_per_day, base.sends_per_to_per_day),
            starts_per_client_per_hour: own(self.starts_per_client_per_hour, base.starts_per_client_per_hour),
            starts_per_ip_per_hour: own(self.starts_per_ip_per_hour, base.starts_per_ip_per_hour),
            starts_per_prefix_per_hour: own(self.starts_per_prefix_per_hour, base.starts_per_prefix_per_hour),
            sends_per_service_per_day: own(self.sends_per_day, base.sends_per_service_per_day),
        }
    }
}

/// A number whose starts send nothing and whose fixed code approves it (app store review, load
/// tests). The code is kept as given (it is the tenant's own fixture) and never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestNumber {
    pub to: String,
    pub code: String,
    /// Midnight UTC of the day it stops working.
    pub expires: Option<Timestamp>,
}

/// Most test numbers a service holds.
pub const MAX_TEST_NUMBERS: usize = 20;

/// A service's own settings of the abuse controls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardSettings {
    pub fraud_guard: Option<FraudMode>,
    /// Regions SMS and WhatsApp may reach, within the account's.
    pub geo_sms: Option<Vec<String>>,
    /// Regions calls may reach, within the account's.
    pub geo_call: Option<Vec<String>>,
    pub limits: LimitOverrides,
    pub test_numbers: Vec<TestNumber>,
}

impl GuardSettings {
    /// The test number `to` is, while it works.
    pub fn test_number(&self, to: &str, now: Timestamp) -> Option<&TestNumber> {
        self.test_numbers
            .iter()
            .find(|t| t.to == to && t.expires.is_none_or(|e| now < e))
    }
}

/// The guard settings a create or update request gives; everything absent is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardUpdate {
    pub fraud_guard: Patch<FraudMode>,
    pub geo_sms: Patch<Vec<String>>,
    pub geo_call: Patch<Vec<String>>,
    /// In the order of [`LIMITS`].
    pub limits: [Patch<u32>; 6],
    /// The whole list (empty clears it).
    pub test_numbers: Option<Vec<TestNumber>>,
}

impl GuardUpdate {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            fraud_guard: match input.raw_text(&FRAUD_GUARD)? {
                None => Patch::Keep,
                Some("") => Patch::Clear,
                Some(_) => match input.choice(&FRAUD_GUARD)? {
                    Some("off") => Patch::Set(FraudMode::Off),
                    Some("monitor") => Patch::Set(FraudMode::Monitor),
                    _ => Patch::Set(FraudMode::Block),
                },
            },
            geo_sms: regions(input, &GEO_SMS)?,
            geo_call: regions(input, &GEO_CALL)?,
            limits: {
                let mut limits = [
                    Patch::Keep,
                    Patch::Keep,
                    Patch::Keep,
                    Patch::Keep,
                    Patch::Keep,
                    Patch::Keep,
                ];
                for (slot, spec) in limits.iter_mut().zip(LIMITS.iter()) {
                    *slot = match input.integer_patch(spec)? {
                        Patch::Set(n) => Patch::Set(u32::try_from(n).unwrap_or(u32::MAX)),
                        Patch::Clear => Patch::Clear,
                        Patch::Keep => Patch::Keep,
                    };
                }
                limits
            },
            test_numbers: match input.text(&TEST_NUMBERS)? {
                None => None,
                Some(text) => Some(
                    parse_test_numbers(&text).map_err(|why| input.invalid(&TEST_NUMBERS, why))?,
                ),
            },
        })
    }

    pub fn apply(self, guard: &mut GuardSettings) {
        self.fraud_guard.apply(&mut guard.fraud_guard);
        self.geo_sms.apply(&mut guard.geo_sms);
        self.geo_call.apply(&mut guard.geo_call);
        if let Some(numbers) = self.test_numbers {
            guard.test_numbers = numbers;
        }
        for (patch, slot) in self.limits.into_iter().zip(guard.limits.slots()) {
            patch.apply(slot);
        }
    }
}

/// A comma-separated list of ISO 3166-1 alpha-2 region codes (upper-cased); empty clears it.
fn regions(input: &Input<'_>, spec: &ParamSpec) -> Result<Patch<Vec<String>>, ApiError> {
    let Some(text) = input.text(spec)? else {
        return Ok(Patch::Keep);
    };
    let list: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    if list.is_empty() {
        return Ok(Patch::Clear);
    }
    if list.len() > 250
        || !list
            .iter()
            .all(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(input.invalid(
            spec,
            "must be comma-separated two-letter country codes such as GB, US",
        ));
    }
    Ok(Patch::Set(list))
}

/// `number:code[:YYYY-MM-DD]`, comma-separated.
fn parse_test_numbers(text: &str) -> Result<Vec<TestNumber>, String> {
    let mut out: Vec<TestNumber> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let mut parts = entry.split(':');
        let (to, code, expires) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next(),
        );
        if parts.next().is_some() || !is_e164(to) {
            return Err(format!("each entry must be number:code or number:code:YYYY-MM-DD with an E.164 number, not {entry}"));
        }
        if !(4..=10).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "the code of {to} must be 4 to 10 letters or digits"
            ));
        }
        let expires =
            match expires {
                None => None,
                Some(date) => Some(Timestamp::parse_date(date).ok_or_else(|| {
                    format!("the expiry of {to} must be a date such as 2027-01-31")
                })?),
            };
        if out.iter().any(|t| t.to == to) {
            return Err(format!("{to} is listed twice"));
        }
        out.push(TestNumber {
            to: to.to_owned(),
            code: code.to_owned(),
            expires,
        });
    }
    if out.len() > MAX_TEST_NUMBERS {
        return Err(format!("at most {MAX_TEST_NUMBERS} test numbers"));
    }
    Ok(out)
}

//! Geo permissions: the region of a number and whether a start may reach it. The data is
//! libphonenumber's, generated into `geo_data` (its header names the version): regions by the
//! longest matching prefix, and the premium-rate, shared-cost, satellite and international
//! network ranges that no ordinary number shares.

use super::geo_data::{high_cost_class, region_of};
use super::policy::GeoRule;
use crate::channel::Channel;

/// Where a phone number leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    /// ISO 3166-1 alpha-2, when the number belongs to a region.
    pub region: Option<[u8; 2]>,
    /// `S` (satellite, international network) or `P` (premium rate, shared cost).
    pub high_cost: Option<u8>,
}

impl Destination {
    pub fn of(e164: &str) -> Self {
        Self {
            region: region_of(e164),
            high_cost: high_cost_class(e164),
        }
    }

    pub fn region(&self) -> Option<&str> {
        self.region
            .as_ref()
            .and_then(|r| std::str::from_utf8(r).ok())
    }
}

/// Why a destination is refused, or `None` when the rule (narrowed by the service's own list
/// of regions, if it has one) lets the start through.
pub fn refusal(
    rule: &GeoRule,
    narrowed: Option<&[String]>,
    channel: Channel,
    to: &Destination,
) -> Option<String> {
    let what = if channel == Channel::Call {
        "calls"
    } else {
        "messages"
    };
    if let Some(class) = to.high_cost.filter(|_| !rule.high_cost) {
        let kind = if class == b'S' {
            "satellite and international network numbers"
        } else {
            "premium-rate and shared-cost numbers"
        };
        return Some(format!("{what} to {kind} are not permitted"));
    }
    let Some(region) = to.region() else {
        return (!rule.high_cost)
            .then(|| format!("{what} to numbers outside any country are not permitted"));
    };
    let permitted =
        rule.allows(region) && narrowed.is_none_or(|list| list.iter().any(|r| r == region));
    (!permitted).then(|| {
        format!(
            "{what} to {region} are not permitted by this account's or service's geo permissions"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_high_cost_ranges_and_narrowing() {
        let rule = GeoRule::default();
        let ok = |to: &str| refusal(&rule, None, Channel::Sms, &Destination::of(to));
        assert_eq!(ok("+14155550100"), None);
        assert!(ok("+8821612345678").unwrap().contains("satellite"));
        assert!(ok("+19005550100").unwrap().contains("premium"));
        assert!(
            ok("+5352345678").unwrap().contains("CU"),
            "a default-denied country"
        );
        let gb_only = ["GB".to_owned()];
        assert_eq!(
            refusal(
                &rule,
                Some(&gb_only),
                Channel::Call,
                &Destination::of("+447700900123")
            ),
            None
        );
        assert!(refusal(
            &rule,
            Some(&gb_only),
            Channel::Call,
            &Destination::of("+33612345678")
        )
        .unwrap()
        .starts_with("calls to FR"));
        assert_eq!(Destination::of("+18765550100").region(), Some("JM"));
    }
}

//! A service's messaging configurations as stored: at most one per destination country (or
//! `all`), each naming the Messaging Service that sends to it. They live inside the service
//! record (see [`super`] for why), sorted by country.

use serde::{Deserialize, Serialize};

use crate::guard::geo::Destination;
use crate::sid::MessagingServiceSid;
use crate::time::Timestamp;

/// The `Country` of the configuration for every country without its own.
pub const ALL: &str = "all";
/// Most configurations a service holds: one per ISO 3166-1 country, plus `all`.
pub const MAX_CONFIGURATIONS: usize = 250;

/// One configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingConfig {
    /// ISO 3166-1 alpha-2, upper case, or `all`.
    pub country: String,
    pub messaging_service_sid: MessagingServiceSid,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

/// A `Country` as given (path or body): `all` in any case, or two ASCII letters (upper-cased).
pub fn parse_country(text: &str) -> Option<String> {
    if text.eq_ignore_ascii_case(ALL) {
        return Some(ALL.to_owned());
    }
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic())).then(|| text.to_ascii_uppercase())
}

/// The configuration of `country` (as [`parse_country`] gives it).
pub fn find<'a>(configs: &'a [MessagingConfig], country: &str) -> Option<&'a MessagingConfig> {
    configs.iter().find(|c| c.country == country)
}

/// The Messaging Service that sends to `to` (E.164): its country's configuration, else the
/// `all` one, else none (the delivery route's own sender).
pub fn sender_for<'a>(configs: &'a [MessagingConfig], to: &str) -> Option<&'a str> {
    if configs.is_empty() {
        return None;
    }
    let region = Destination::of(to);
    region
        .region()
        .and_then(|r| find(configs, r))
        .or_else(|| find(configs, ALL))
        .map(|c| c.messaging_service_sid.as_str())
}

/// Puts `config` in its place (by country), replacing the one of the same country.
pub fn upsert(configs: &mut Vec<MessagingConfig>, config: MessagingConfig) {
    match configs.binary_search_by(|c| c.country.as_str().cmp(config.country.as_str())) {
        Ok(at) => {
            if let Some(slot) = configs.get_mut(at) {
                *slot = config;
            }
        }
        Err(at) => configs.insert(at, config),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(country: &str, mg: char) -> MessagingConfig {
        let sid = MessagingServiceSid::parse(&format!("MG{}", mg.to_string().repeat(32))).unwrap();
        MessagingConfig { country: country.into(), messaging_service_sid: sid, date_created: Timestamp::from_unix_seconds(1), date_updated: Timestamp::from_unix_seconds(1) }
    }

    #[test]
    fn countries_are_two_letters_or_all() {
        assert_eq!(parse_country("gb").as_deref(), Some("GB"));
        assert_eq!(parse_country("ALL").as_deref(), Some("all"));
        for bad in ["", "G", "GBR", "G1", "+44", "é1"] {
            assert_eq!(parse_country(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_country_wins_over_all_and_others_keep_the_route() {
        let mut configs = Vec::new();
        upsert(&mut configs, config("GB", 'a'));
        assert_eq!(sender_for(&configs, "+447700900123"), Some("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_eq!(sender_for(&configs, "+14155550100"), None, "no configuration for US, no all");
        upsert(&mut configs, config(ALL, 'b'));
        upsert(&mut configs, config("DE", 'c'));
        assert_eq!(sender_for(&configs, "+14155550100"), Some("MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
        assert_eq!(sender_for(&configs, "+4915112345678"), Some("MGcccccccccccccccccccccccccccccccc"));
        assert_eq!(sender_for(&configs, "+447700900123"), Some("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        let countries: Vec<&str> = configs.iter().map(|c| c.country.as_str()).collect();
        assert_eq!(countries, ["DE", "GB", "all"], "sorted, as the list pages them");
        upsert(&mut configs, config("GB", 'd'));
        assert_eq!((configs.len(), sender_for(&configs, "+447700900123")), (3, Some("MGdddddddddddddddddddddddddddddddd")));
        assert_eq!(sender_for(&[], "+447700900123"), None);
    }
}

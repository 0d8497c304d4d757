//! The messaging configuration operations. Each reads the service afresh (a 404 for an unknown
//! service comes before any parameter is judged, as Twilio answers), and a write puts the whole
//! service back, which refreshes this isolate's cache at once; other isolates see it within the
//! cache's few seconds, as for any service update.

use super::config::{find, parse_country, upsert, MessagingConfig, MAX_CONFIGURATIONS};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::page::{window, Listing, PageQuery};
use crate::sid::{MessagingServiceSid, ServiceSid};
use super::params::{COUNTRY, MESSAGING_SERVICE_SID};
use crate::time::Clock;
use crate::verify::service::ops::service_path;
use crate::verify::service::record::ServiceRecord;
use crate::verify::service::store::ServiceStore;

/// What to do; inputs are parsed once the service (and, but for create, the configuration) is found.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    List(&'a PageQuery),
    Create(Input<'a>),
    Fetch,
    Update(Input<'a>),
    Delete,
}

/// What came of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    List(Listing<MessagingConfig>),
    Created(MessagingConfig),
    One(MessagingConfig),
    Deleted,
}

/// The path of a configuration, for 404s.
pub fn config_path(service: &ServiceSid, country: &str) -> String {
    format!("{}/MessagingConfigurations/{country}", service_path(service))
}

/// The `Country` and `MessagingServiceSid` of a new configuration.
pub fn parse_new(input: &Input<'_>) -> Result<(String, MessagingServiceSid), ApiError> {
    let text = input.raw_text(&COUNTRY)?.ok_or_else(|| input.invalid(&COUNTRY, "is required"))?;
    let country = parse_country(text).ok_or_else(|| input.invalid(&COUNTRY, "must be an ISO 3166-1 alpha-2 country code (GB, US...) or all"))?;
    Ok((country, parse_update(input)?))
}

/// The `MessagingServiceSid` of an update.
pub fn parse_update(input: &Input<'_>) -> Result<MessagingServiceSid, ApiError> {
    let text = input.raw_text(&MESSAGING_SERVICE_SID)?.ok_or_else(|| input.invalid(&MESSAGING_SERVICE_SID, "is required"))?;
    MessagingServiceSid::parse(text).ok_or_else(|| input.invalid(&MESSAGING_SERVICE_SID, "must be a Messaging Service SID: MG followed by 32 hex digits"))
}

fn create(record: &mut ServiceRecord, input: &Input<'_>, now: crate::time::Timestamp) -> Result<MessagingConfig, ApiError> {
    let (country, sid) = parse_new(input)?;
    let configs = &mut record.messaging_configurations;
    if find(configs, &country).is_some() {
        return Err(ApiError::Refused { code: 60213, detail: format!("A MessagingConfiguration already exists for the country {country}") });
    }
    if configs.len() >= MAX_CONFIGURATIONS {
        return Err(ApiError::Forbidden(format!("a service holds at most {MAX_CONFIGURATIONS} messaging configurations")));
    }
    let config = MessagingConfig { country, messaging_service_sid: sid, date_created: now, date_updated: now };
    upsert(configs, config.clone());
    Ok(config)
}

impl<P: Platform> Engine<P> {
    /// Runs one messaging configuration operation on `service`'s configuration for `country`
    /// (the path's `{Country}`; unused by list and create).
    pub async fn messaging_config_action(&self, who: &Principal, service: &ServiceSid, country: &str, action: Action<'_>) -> Result<Outcome, ApiError> {
        let records = self.records();
        let mut record = records.service_for_update(&who.account, service).await?.ok_or_else(|| ApiError::NotFound(service_path(service)))?;
        let now = self.clock.now();
        // A Messaging Service is the operator's: a subaccount may name only those POLICY
        // senders.messaging_services gives it.
        let allowed = |sid: &MessagingServiceSid| -> Result<(), ApiError> {
            let listed = &self.settings.policy.account(who.account.as_str()).senders.messaging_services;
            if who.is_main || listed.iter().any(|m| m.eq_ignore_ascii_case(sid.as_str())) {
                Ok(())
            } else {
                Err(ApiError::FeatureNotEnabled(format!("MessagingServiceSid {sid} is not a sender this account may use (the operator's POLICY senders.messaging_services)")))
            }
        };
        let outcome = match action {
            Action::List(query) => {
                let countries: Vec<String> = record.messaging_configurations.iter().map(|c| c.country.clone()).collect();
                let page = window(&countries, query);
                let items = page.items.iter().filter_map(|c| find(&record.messaging_configurations, c).cloned()).collect();
                return Ok(Outcome::List(Listing::new(items, &page)));
            }
            Action::Create(input) => {
                let created = create(&mut record, &input, now)?;
                allowed(&created.messaging_service_sid)?;
                Outcome::Created(created)
            }
            Action::Fetch | Action::Update(_) | Action::Delete => {
                let not_found = || ApiError::NotFound(config_path(service, country));
                let key = parse_country(country).ok_or_else(not_found)?;
                let found = find(&record.messaging_configurations, &key).cloned().ok_or_else(not_found)?;
                match action {
                    Action::Update(input) => {
                        let sid = parse_update(&input)?;
                        allowed(&sid)?;
                        let config = MessagingConfig { messaging_service_sid: sid, date_updated: now, ..found };
                        upsert(&mut record.messaging_configurations, config.clone());
                        Outcome::One(config)
                    }
                    Action::Delete => {
                        record.messaging_configurations.retain(|c| c.country != key);
                        Outcome::Deleted
                    }
                    _ => return Ok(Outcome::One(found)),
                }
            }
        };
        records.put_service(&record).await?;
        Ok(outcome)
    }
}

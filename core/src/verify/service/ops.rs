//! The service operations: create, list, fetch, update, delete, and the lookup every
//! verification operation starts with.

use super::fallback::{within_lifetime, FallbackSettings};
use super::record::{ServiceRecord, ServiceUpdate};
use super::store::ServiceStore;
use crate::browser::ops::new_token_key;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Patch;
use crate::page::{window, Listing, PageQuery};
use crate::sid::ServiceSid;
use crate::spec::service::WHATSAPP_FROM;
use crate::time::Clock;

/// Most services an account holds (lists must stay within a Worker's storage budget).
pub const MAX_SERVICES_PER_ACCOUNT: usize = 1000;

pub fn service_path(sid: &ServiceSid) -> String {
    format!("/v2/Services/{sid}")
}

impl<P: Platform> Engine<P> {
    /// A `Whatsapp.From` the account's policy does not list is refused: a tenant may not send as
    /// a sender of the operator's it was not given.
    fn check_senders(&self, who: &Principal, update: &ServiceUpdate) -> Result<(), ApiError> {
        let Patch::Set(from) = &update.whatsapp_from else {
            return Ok(());
        };
        if self.settings.policy.account(who.account.as_str()).senders.whatsapp_allowed(from) {
            Ok(())
        } else {
            // Well-formed, but the operator's policy does not give it to this account (403 60204,
            // as for custom messages the policy does not allow).
            Err(ApiError::FeatureNotEnabled(format!("{} is not a sender this account may use (the operator's POLICY senders.whatsapp_from)", WHATSAPP_FROM.wire)))
        }
    }

    /// The caller's service, or 404 (also for other accounts' services).
    pub async fn fetch_service(&self, who: &Principal, sid: &ServiceSid) -> Result<ServiceRecord, ApiError> {
        let record = self.records().service(&who.account, sid).await?;
        record.ok_or_else(|| ApiError::NotFound(service_path(sid)))
    }

    pub async fn create_service(&self, who: &Principal, settings: ServiceUpdate) -> Result<ServiceRecord, ApiError> {
        let records = self.records();
        if records.service_sids(&who.account).await?.len() >= MAX_SERVICES_PER_ACCOUNT {
            return Err(ApiError::Forbidden(format!("an account holds at most {MAX_SERVICES_PER_ACCOUNT} services")));
        }
        self.check_senders(who, &settings)?;
        let mut record = ServiceRecord::new(
            ServiceSid::generate(&self.rng),
            who.account.clone(),
            String::new(),
            self.clock.now(),
        );
        let naming = settings.naming();
        record.apply(settings)?;
        within_lifetime(&record.fallback, &FallbackSettings::default(), self.settings.lifetime_seconds, naming)?;
        record.browser.token_key = new_token_key(&self.rng);
        records.put_service(&record).await?;
        // A new service has no webhooks: this isolate knows it without reading the flag.
        self.cache.insert_written(&crate::events::ops::webhooks_flag_key(&record.account_sid, &record.sid), "false", records.now);
        Ok(record)
    }

    pub async fn list_services(&self, who: &Principal, query: &PageQuery) -> Result<Listing<ServiceRecord>, ApiError> {
        let records = self.records();
        let sids = records.service_sids(&who.account).await?;
        let page = window(&sids, query);
        let found = records.services(&who.account, page.items).await?;
        Ok(Listing::new(found, &page))
    }

    /// The caller's service read afresh (not from the isolate's cache), for a write.
    async fn service_for_update(&self, who: &Principal, sid: &ServiceSid) -> Result<ServiceRecord, ApiError> {
        let record = self.records().service_for_update(&who.account, sid).await?;
        record.ok_or_else(|| ApiError::NotFound(service_path(sid)))
    }

    /// Changes the settings given, keeps the others; refreshes this isolate's cache at once.
    pub async fn update_service(&self, who: &Principal, sid: &ServiceSid, settings: ServiceUpdate) -> Result<ServiceRecord, ApiError> {
        let mut record = self.service_for_update(who, sid).await?;
        self.check_senders(who, &settings)?;
        let rotate = settings.browser.rotate_token_key;
        let (naming, fallback) = (settings.naming(), record.fallback);
        record.apply(settings)?;
        within_lifetime(&record.fallback, &fallback, self.settings.lifetime_seconds, naming)?;
        if rotate || record.browser.token_key.is_empty() {
            record.browser.token_key = new_token_key(&self.rng);
        }
        record.date_updated = self.clock.now();
        self.records().put_service(&record).await?;
        Ok(record)
    }

    /// Deletes the service: no verification can start on it. Verifications already live stay
    /// checkable until they expire (checks never read the service; see docs/design.md).
    pub async fn delete_service(&self, who: &Principal, sid: &ServiceSid) -> Result<(), ApiError> {
        let record = self.service_for_update(who, sid).await?;
        self.records().delete_service(&record).await?;
        // Its webhooks and the deliveries owed to them go too (after the response).
        crate::events::EventSink::send_later(&self.events, sid, crate::events::outbox::OutboxCommand::DeleteAll);
        self.records().delete(&crate::events::ops::webhooks_flag_key(&record.account_sid, sid)).await?;
        self.delete_rate_limits_of(who, sid).await
    }
}

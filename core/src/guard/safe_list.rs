//! The safe list (`/v2/SafeList/Numbers`, as Twilio has it): numbers of an account that geo
//! permissions (by country) and the fraud guard let through. It never lifts the operator's
//! block on premium-rate and satellite numbers, nor any rate limit or cap. Entries live at
//! `safe/{AC}/{E.164}` in Workers KV; a start reads its entry only when the number would be
//! refused otherwise.

use serde::{Deserialize, Serialize};

use crate::channel::is_e164;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::ports::PutOptions;
use crate::sid::{AccountSid, SafeListSid};
use crate::spec::safe_list::PHONE_NUMBER;
use crate::time::{Clock, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeListRecord {
    pub sid: SafeListSid,
    pub phone_number: String,
    pub date_created: Timestamp,
}

/// The `safe_list` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema, serde::Deserialize),
    serde(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(rename = "SafeListNumber"))]
pub struct SafeListResource {
    pub sid: SafeListSid,
    pub phone_number: String,
    pub url: String,
}

impl SafeListResource {
    pub fn new(record: SafeListRecord, origin: &str) -> Self {
        Self {
            url: format!("{origin}/v2/SafeList/Numbers/{}", record.phone_number),
            sid: record.sid,
            phone_number: record.phone_number,
        }
    }
}

fn key(account: &AccountSid, number: &str) -> String {
    format!("safe/{account}/{number}")
}

fn path(number: &str) -> String {
    format!("/v2/SafeList/Numbers/{number}")
}

/// `PhoneNumber` of a new entry.
pub fn parse_number(input: &Input<'_>) -> Result<String, ApiError> {
    match input.raw_text(&PHONE_NUMBER)? {
        Some(n) if is_e164(n) => Ok(n.to_owned()),
        Some(_) => Err(input.invalid(
            &PHONE_NUMBER,
            "must be a phone number in E.164 form, such as +14155550100",
        )),
        None => Err(input.invalid(&PHONE_NUMBER, "is required")),
    }
}

impl<P: Platform> Engine<P> {
    /// Adds a number (again: the entry it has).
    pub async fn add_safe_number(
        &self,
        who: &Principal,
        number: String,
    ) -> Result<SafeListRecord, ApiError> {
        let records = self.records();
        if let Some(existing) = records
            .get::<SafeListRecord>(&key(&who.account, &number))
            .await?
        {
            return Ok(existing);
        }
        let record = SafeListRecord {
            sid: SafeListSid::generate(&self.rng),
            phone_number: number,
            date_created: self.clock.now(),
        };
        records
            .put(
                &key(&who.account, &record.phone_number),
                &record,
                &PutOptions::default(),
            )
            .await?;
        Ok(record)
    }

    pub async fn fetch_safe_number(
        &self,
        who: &Principal,
        number: &str,
    ) -> Result<SafeListRecord, ApiError> {
        let found = if is_e164(number) {
            self.records()
                .get::<SafeListRecord>(&key(&who.account, number))
                .await?
        } else {
            None
        };
        found.ok_or_else(|| ApiError::NotFound(path(number)))
    }

    pub async fn remove_safe_number(&self, who: &Principal, number: &str) -> Result<(), ApiError> {
        let record = self.fetch_safe_number(who, number).await?;
        self.records()
            .delete(&key(&who.account, &record.phone_number))
            .await
    }

    /// Whether `number` is on the account's safe list (read only when it would be refused).
    pub(crate) async fn is_safe_number(
        &self,
        account: &AccountSid,
        number: &str,
    ) -> Result<bool, ApiError> {
        Ok(self
            .records()
            .get_cached::<SafeListRecord>(&key(account, number))
            .await?
            .is_some())
    }
}

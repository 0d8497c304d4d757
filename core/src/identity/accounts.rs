//! Subaccounts as the Twilio 2010-04-01 API has them: the main account creates them, each sees
//! only itself (the main account sees them all), and their auth tokens are shown once.

use serde::Serialize;

use super::principal::{generate_secret, secret_digest, Principal};
use super::records::{AccountRecord, AccountStatus};
use super::store::AccountStore;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::input::Input;
use crate::page::{window, Listing, PageQuery, Paging2010};
use crate::sid::AccountSid;
use crate::spec::account::{FRIENDLY_NAME, STATUS};
use crate::time::{Clock, Rfc2822Time, Timestamp};

/// Most subaccounts a deployment holds (lists must stay within a Worker's storage budget).
pub const MAX_SUBACCOUNTS: usize = 1000;

pub fn account_path(sid: &AccountSid) -> String {
    format!("/2010-04-01/Accounts/{sid}.json")
}

/// `POST /2010-04-01/Accounts.json`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAccount {
    pub friendly_name: Option<String>,
}

impl NewAccount {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self { friendly_name: input.text(&FRIENDLY_NAME)?.filter(|n| !n.trim().is_empty()) })
    }
}

/// `POST /2010-04-01/Accounts/{AC}.json`
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountUpdate {
    pub friendly_name: Option<String>,
    pub status: Option<AccountStatus>,
}

impl AccountUpdate {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self {
            friendly_name: input.text(&FRIENDLY_NAME)?.filter(|n| !n.trim().is_empty()),
            status: input.choice(&STATUS)?.and_then(AccountStatus::parse),
        })
    }
}

/// The filters of `GET /2010-04-01/Accounts.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    pub friendly_name: Option<String>,
    pub status: Option<AccountStatus>,
}

impl AccountFilter {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        Ok(Self { friendly_name: input.text(&FRIENDLY_NAME)?, status: input.choice(&STATUS)?.and_then(AccountStatus::parse) })
    }

    fn admits(&self, name: &str, status: AccountStatus) -> bool {
        self.friendly_name.as_deref().is_none_or(|n| n == name) && self.status.is_none_or(|s| s == status)
    }
}

/// The `account` resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
#[cfg_attr(feature = "schema", schemars(rename = "Account"))]
pub struct AccountResource {
    /// Only in the creation response.
    pub auth_token: Option<String>,
    pub date_created: Rfc2822Time,
    pub date_updated: Rfc2822Time,
    pub friendly_name: String,
    pub owner_account_sid: AccountSid,
    pub sid: AccountSid,
    pub status: AccountStatus,
    pub subresource_uris: AccountLinks,
    #[serde(rename = "type")]
    pub kind: String,
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct AccountLinks {
    pub keys: String,
}

impl AccountResource {
    pub fn new(record: AccountRecord, auth_token: Option<String>) -> Self {
        let base = format!("/2010-04-01/Accounts/{}", record.sid);
        Self {
            auth_token,
            date_created: record.date_created.rfc2822(),
            date_updated: record.date_updated.rfc2822(),
            friendly_name: record.friendly_name,
            owner_account_sid: record.owner_account_sid,
            subresource_uris: AccountLinks { keys: format!("{base}/Keys.json") },
            uri: format!("{base}.json"),
            sid: record.sid,
            status: record.status,
            kind: "Full".into(),
        }
    }
}

/// `GET /2010-04-01/Accounts.json`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize))]
pub struct AccountList {
    pub accounts: Vec<AccountResource>,
    #[serde(flatten)]
    pub paging: Paging2010,
}

impl AccountList {
    pub fn new(listing: Listing<AccountRecord>, query: &PageQuery) -> Self {
        let paging = Paging2010::new("/2010-04-01/Accounts.json", query, &listing);
        Self { accounts: listing.items.into_iter().map(|r| AccountResource::new(r, None)).collect(), paging }
    }
}

impl<P: Platform> Engine<P> {
    fn main_account_record(&self) -> AccountRecord {
        let main = &self.settings.main;
        AccountRecord {
            sid: main.sid.clone(),
            owner_account_sid: main.sid.clone(),
            friendly_name: main.friendly_name.clone(),
            status: AccountStatus::Active,
            token_digest: String::new(),
            date_created: Timestamp::from_unix_seconds(0),
            date_updated: Timestamp::from_unix_seconds(0),
        }
    }

    /// The account `sid` if the caller may see it: itself, or a subaccount of the main account
    /// when the caller is the main account. Anything else is 404, never 403.
    pub(crate) async fn visible_account(&self, who: &Principal, sid: &AccountSid) -> Result<AccountRecord, ApiError> {
        self.account_as_seen(who, sid, false).await
    }

    /// The same, read afresh when a write will be based on it.
    async fn account_as_seen(&self, who: &Principal, sid: &AccountSid, for_update: bool) -> Result<AccountRecord, ApiError> {
        if *sid == who.account && who.is_main {
            return Ok(self.main_account_record());
        }
        let records = self.records();
        let record = if for_update { records.account_for_update(sid).await? } else { records.account(sid).await? };
        record
            .filter(|r| *sid == who.account || (who.is_main && r.owner_account_sid == who.account))
            .ok_or_else(|| ApiError::NotFound(account_path(sid)))
    }

    /// Returns the record and its auth token, shown this once.
    pub async fn create_account(&self, who: &Principal, request: NewAccount) -> Result<(AccountRecord, String), ApiError> {
        who.require_auth_token()?;
        if !who.is_main {
            return Err(ApiError::Forbidden("only the main account can create subaccounts".into()));
        }
        let records = self.records();
        if records.account_summaries().await?.len() >= MAX_SUBACCOUNTS {
            return Err(ApiError::Forbidden(format!("a deployment holds at most {MAX_SUBACCOUNTS} subaccounts")));
        }
        let now = self.clock.now();
        let token = generate_secret(&self.rng);
        let record = AccountRecord {
            sid: AccountSid::generate(&self.rng),
            owner_account_sid: who.account.clone(),
            friendly_name: request.friendly_name.unwrap_or_else(|| format!("SubAccount Created at {}", now.rfc2822())),
            status: AccountStatus::Active,
            token_digest: secret_digest(&token),
            date_created: now,
            date_updated: now,
        };
        records.put_account(&record).await?;
        Ok((record, token))
    }

    /// The caller's account and, for the main account, its subaccounts, filtered, by SID.
    /// Filters read only list metadata; only the page's records are read.
    pub async fn list_accounts(&self, who: &Principal, filter: &AccountFilter, query: &PageQuery) -> Result<Listing<AccountRecord>, ApiError> {
        let own = self.visible_account(who, &who.account).await?;
        let records = self.records();
        let mut sids: Vec<String> = Vec::new();
        if filter.admits(&own.friendly_name, own.status) {
            sids.push(own.sid.to_string());
        }
        if who.is_main {
            let subs = records.account_summaries().await?;
            sids.extend(subs.into_iter().filter(|(_, s)| s.owner == who.account && filter.admits(&s.friendly_name, s.status)).map(|(sid, _)| sid));
        }
        sids.sort();
        sids.dedup();
        let page = window(&sids, query);
        let others: Vec<String> = page.items.iter().filter(|s| **s != own.sid.as_str()).cloned().collect();
        let mut found = records.accounts(&others).await?;
        found.retain(|r| r.owner_account_sid == who.account);
        if page.items.iter().any(|s| *s == own.sid.as_str()) {
            found.push(own);
        }
        found.sort_by(|a, b| a.sid.cmp(&b.sid));
        Ok(Listing::new(found, &page))
    }

    pub async fn fetch_account(&self, who: &Principal, sid: &AccountSid) -> Result<AccountRecord, ApiError> {
        self.visible_account(who, sid).await
    }

    /// Renames an account, or (the main account only) suspends, reactivates or closes a
    /// subaccount; a closed account stays closed.
    pub async fn update_account(&self, who: &Principal, sid: &AccountSid, update: AccountUpdate) -> Result<AccountRecord, ApiError> {
        let mut record = self.account_as_seen(who, sid, true).await?;
        who.require_auth_token()?;
        if *sid == self.settings.main.sid {
            return Err(ApiError::Forbidden("the main account is configured by the deployment's secrets".into()));
        }
        if let Some(status) = update.status.filter(|s| *s != record.status) {
            if !who.is_main {
                return Err(ApiError::Forbidden("only the main account can change a subaccount's status".into()));
            }
            if record.status == AccountStatus::Closed {
                // Nobody may: 403, like the other refusals of a status change.
                return Err(ApiError::Forbidden(format!("{}: a closed account cannot be reopened", STATUS.wire)));
            }
            record.status = status;
        }
        if let Some(name) = update.friendly_name {
            record.friendly_name = name;
        }
        record.date_updated = self.clock.now();
        self.records().put_account(&record).await?;
        Ok(record)
    }
}

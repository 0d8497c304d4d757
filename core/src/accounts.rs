//! Subaccounts and API keys, as the Twilio 2010-04-01 API has them. Secrets are shown once, at
//! creation, and stored only as digests.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::{App, Call, Platform};
use crate::auth::{generate_secret, secret_digest, Principal};
use crate::error::ApiError;
use crate::http::ApiResponse;
use crate::page::{v2010_list, window, PageQuery};
use crate::params::Patch;
use crate::sid::{AccountSid, ApiKeySid};
use crate::store::{get_json, get_many_json, keys, list_suffixes, put_json, KeyValue};
use crate::time::{Clock, Timestamp};

/// Longest accepted `FriendlyName` of an account or key.
const MAX_NAME: usize = 64;

/// An account's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Can authenticate.
    Active,
    /// Cannot authenticate; can be reactivated.
    Suspended,
    /// Cannot authenticate, ever again.
    Closed,
}

impl AccountStatus {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Closed => "closed",
        }
    }
}

/// A stored subaccount.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    /// `AC...`
    pub sid: AccountSid,
    /// The main account that made it.
    pub owner_account_sid: AccountSid,
    /// Its name.
    pub friendly_name: String,
    /// Its status.
    pub status: AccountStatus,
    /// Digest of its auth token.
    pub token_digest: String,
    /// When it was made.
    pub date_created: Timestamp,
    /// When it last changed.
    pub date_updated: Timestamp,
}

/// A stored API key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// `SK...`
    pub sid: ApiKeySid,
    /// The account it acts as.
    pub account_sid: AccountSid,
    /// Its name.
    pub friendly_name: String,
    /// Digest of its secret.
    pub secret_digest: String,
    /// When it was made.
    pub date_created: Timestamp,
    /// When it last changed.
    pub date_updated: Timestamp,
}

fn account_json(record: &AccountRecord, auth_token: Option<&str>) -> Value {
    let uri = format!("/2010-04-01/Accounts/{}", record.sid);
    json!({
        "auth_token": auth_token,
        "date_created": record.date_created.rfc2822(),
        "date_updated": record.date_updated.rfc2822(),
        "friendly_name": record.friendly_name,
        "owner_account_sid": record.owner_account_sid,
        "sid": record.sid,
        "status": record.status.as_str(),
        "subresource_uris": { "keys": format!("{uri}/Keys.json") },
        "type": "Full",
        "uri": format!("{uri}.json"),
    })
}

fn key_json(record: &ApiKeyRecord, secret: Option<&str>) -> Value {
    let mut value = json!({
        "sid": record.sid,
        "friendly_name": record.friendly_name,
        "date_created": record.date_created.rfc2822(),
        "date_updated": record.date_updated.rfc2822(),
    });
    if let (Some(secret), Some(obj)) = (secret, value.as_object_mut()) {
        obj.insert("secret".into(), json!(secret));
    }
    value
}

/// Example resources for the connector spec.
pub mod examples {
    use super::*;
    use crate::examples::EXAMPLE_TIME;

    fn account() -> AccountRecord {
        AccountRecord {
            sid: AccountSid::example(),
            owner_account_sid: AccountSid::example(),
            friendly_name: "Tenant A".into(),
            status: AccountStatus::Active,
            token_digest: String::new(),
            date_created: EXAMPLE_TIME,
            date_updated: EXAMPLE_TIME,
        }
    }

    fn key() -> ApiKeyRecord {
        ApiKeyRecord {
            sid: ApiKeySid::example(),
            account_sid: AccountSid::example(),
            friendly_name: "CI key".into(),
            secret_digest: String::new(),
            date_created: EXAMPLE_TIME,
            date_updated: EXAMPLE_TIME,
        }
    }

    /// An account; with its auth token as creation shows it.
    pub fn account_json(created: bool) -> Value {
        super::account_json(&account(), created.then_some("0123456789abcdef0123456789abcdef"))
    }

    /// An API key; with its secret as creation shows it.
    pub fn key_json(created: bool) -> Value {
        super::key_json(&key(), created.then_some("0123456789abcdef0123456789abcdef"))
    }

    /// A one-item 2010 list page.
    pub fn list_json(key_name: &str, item: Value, list_path: &str) -> Value {
        let ids = vec!["x".to_owned()];
        let query = PageQuery { size: 50, page: 0, token: None };
        v2010_list(key_name, vec![item], list_path, &query, &window(&ids, &query))
    }
}

impl<P: Platform> App<P> {
    fn main_account_record(&self) -> AccountRecord {
        AccountRecord {
            sid: self.main.sid.clone(),
            owner_account_sid: self.main.sid.clone(),
            friendly_name: self.main.friendly_name.clone(),
            status: AccountStatus::Active,
            token_digest: String::new(),
            date_created: Timestamp::from_unix_seconds(0),
            date_updated: Timestamp::from_unix_seconds(0),
        }
    }

    /// The account `sid` if the caller may see it: itself, or a subaccount of the main account
    /// when the caller is the main account. Anything else is 404, never 403.
    async fn visible_account(&self, who: &Principal, sid: &AccountSid, path: &str) -> Result<AccountRecord, ApiError> {
        if *sid == who.account && who.is_main {
            return Ok(self.main_account_record());
        }
        let record: Option<AccountRecord> = get_json(&self.kv, &keys::account(sid)).await?;
        record
            .filter(|r| *sid == who.account || (who.is_main && r.owner_account_sid == who.account))
            .ok_or_else(|| ApiError::NotFound(path.to_owned()))
    }

    fn path_account(call: &Call) -> Result<AccountSid, ApiError> {
        AccountSid::parse(call.path_param("AccountSid"))
            .ok_or_else(|| ApiError::NotFound(call.path.clone()))
    }

    /// `POST /2010-04-01/Accounts.json`
    pub(crate) async fn create_account(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        call.principal.require_auth_token()?;
        if !call.principal.is_main {
            return Err(ApiError::Forbidden("only the main account can create subaccounts".into()));
        }
        let now = self.clock.now();
        let friendly_name = match call.params.text("FriendlyName", MAX_NAME)? {
            Some(name) if !name.trim().is_empty() => name,
            _ => format!("SubAccount Created at {}", now.rfc2822()),
        };
        let token = generate_secret(&self.rng);
        let record = AccountRecord {
            sid: AccountSid::generate(&self.rng),
            owner_account_sid: call.principal.account.clone(),
            friendly_name,
            status: AccountStatus::Active,
            token_digest: secret_digest(&token),
            date_created: now,
            date_updated: now,
        };
        put_json(&self.kv, &keys::account(&record.sid), &record, None).await?;
        Ok(ApiResponse::json(201, &account_json(&record, Some(&token))))
    }

    /// `GET /2010-04-01/Accounts.json`: the caller and, for the main account, its subaccounts.
    /// Without filters only the page's records are read; a `FriendlyName` or `Status` filter
    /// reads every subaccount (there is no index by name or status).
    pub(crate) async fn list_accounts(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let query = PageQuery::from_params(&call.query)?;
        let name_filter = call.query.text("FriendlyName", MAX_NAME)?;
        let status_filter = call.query.one_of("Status", &["active", "suspended", "closed"])?;
        let own = self.visible_account(&call.principal, &call.principal.account, &call.path).await?;
        let mut sids = vec![own.sid.to_string()];
        if call.principal.is_main {
            sids.extend(list_suffixes(&self.kv, keys::ACCOUNTS).await?);
        }
        sids.sort();
        sids.dedup();
        let filtered = name_filter.is_some() || status_filter.is_some();
        // Without filters the page is cut from the SIDs first, and only its records are read.
        let unfiltered_page = (!filtered).then(|| window(&sids, &query));
        let candidates = unfiltered_page.as_ref().map_or(&sids[..], |p| p.items);
        let sub_keys: Vec<String> = candidates.iter().filter(|s| **s != own.sid.as_str()).map(|s| format!("{}{s}", keys::ACCOUNTS)).collect();
        let subs: Vec<AccountRecord> = get_many_json(&self.kv, &sub_keys).await?;
        let mut records: Vec<AccountRecord> = subs.into_iter().filter(|r| r.owner_account_sid == call.principal.account).collect();
        if candidates.iter().any(|s| *s == own.sid.as_str()) {
            records.push(own);
        }
        records.retain(|r| {
            name_filter.as_deref().is_none_or(|n| r.friendly_name == n) && status_filter.is_none_or(|s| r.status.as_str() == s)
        });
        records.sort_by(|a, b| a.sid.cmp(&b.sid));
        let ids: Vec<String> = records.iter().map(|r| r.sid.to_string()).collect();
        let page = unfiltered_page.unwrap_or_else(|| window(&ids, &query));
        let shown: Vec<Value> = records
            .iter()
            .filter(|r| page.items.iter().any(|id| id == r.sid.as_str()))
            .map(|r| account_json(r, None))
            .collect();
        Ok(ApiResponse::json(200, &v2010_list("accounts", shown, "/2010-04-01/Accounts.json", &query, &page)))
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}.json`
    pub(crate) async fn fetch_account(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let sid = Self::path_account(call)?;
        let record = self.visible_account(&call.principal, &sid, &call.path).await?;
        Ok(ApiResponse::json(200, &account_json(&record, None)))
    }

    /// `POST /2010-04-01/Accounts/{AccountSid}.json`: FriendlyName, and Status by the owner.
    pub(crate) async fn update_account(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let sid = Self::path_account(call)?;
        let mut record = self.visible_account(&call.principal, &sid, &call.path).await?;
        call.principal.require_auth_token()?;
        let friendly_name = call.params.text("FriendlyName", MAX_NAME)?;
        let status = match call.params.get("Status") {
            None => None,
            Some(s) => Some(AccountStatus::parse(s).ok_or_else(|| ApiError::invalid("Status", "must be one of: active, suspended, closed"))?),
        };
        if sid == self.main.sid {
            return Err(ApiError::Forbidden("the main account is configured by the deployment's secrets".into()));
        }
        if status.is_some_and(|s| s != record.status) {
            if !call.principal.is_main {
                return Err(ApiError::Forbidden("only the main account can change a subaccount's status".into()));
            }
            if record.status == AccountStatus::Closed {
                return Err(ApiError::invalid("Status", "a closed account cannot be reopened"));
            }
        }
        if let Some(name) = friendly_name.filter(|n| !n.trim().is_empty()) {
            record.friendly_name = name;
        }
        if let Some(status) = status {
            record.status = status;
        }
        record.date_updated = self.clock.now();
        put_json(&self.kv, &keys::account(&sid), &record, None).await?;
        Ok(ApiResponse::json(200, &account_json(&record, None)))
    }

    /// The account in the path, if the caller may manage its keys.
    async fn key_owner(&self, call: &Call) -> Result<AccountSid, ApiError> {
        let sid = Self::path_account(call)?;
        self.visible_account(&call.principal, &sid, &call.path).await?;
        call.principal.require_auth_token()?;
        Ok(sid)
    }

    async fn visible_key(&self, call: &Call, account: &AccountSid) -> Result<ApiKeyRecord, ApiError> {
        let not_found = || ApiError::NotFound(call.path.clone());
        let sid = ApiKeySid::parse(call.path_param("Sid")).ok_or_else(not_found)?;
        let record: Option<ApiKeyRecord> = get_json(&self.kv, &keys::api_key(&sid)).await?;
        record.filter(|k| k.account_sid == *account).ok_or_else(not_found)
    }

    /// `POST /2010-04-01/Accounts/{AccountSid}/Keys.json`: the secret is in this response only.
    pub(crate) async fn create_key(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let account = self.key_owner(call).await?;
        let friendly_name = call.params.text("FriendlyName", MAX_NAME)?.unwrap_or_default();
        let secret = generate_secret(&self.rng);
        let now = self.clock.now();
        let record = ApiKeyRecord {
            sid: ApiKeySid::generate(&self.rng),
            account_sid: account.clone(),
            friendly_name,
            secret_digest: secret_digest(&secret),
            date_created: now,
            date_updated: now,
        };
        let index = keys::account_key(&account, &record.sid);
        self.kv.put(&index, "", None).await?;
        if let Err(err) = put_json(&self.kv, &keys::api_key(&record.sid), &record, None).await {
            let _ = self.kv.delete(&index).await;
            return Err(err);
        }
        Ok(ApiResponse::json(201, &key_json(&record, Some(&secret))))
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Keys.json`
    pub(crate) async fn list_keys(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let account = self.key_owner(call).await?;
        let query = PageQuery::from_params(&call.query)?;
        let sids = list_suffixes(&self.kv, &keys::account_keys(&account)).await?;
        let page = window(&sids, &query);
        let record_keys: Vec<String> = page
            .items
            .iter()
            .filter_map(|s| ApiKeySid::parse(s))
            .map(|s| keys::api_key(&s))
            .collect();
        let records: Vec<ApiKeyRecord> = get_many_json(&self.kv, &record_keys).await?;
        let shown = records.iter().filter(|k| k.account_sid == account).map(|k| key_json(k, None)).collect();
        let list_path = format!("/2010-04-01/Accounts/{account}/Keys.json");
        Ok(ApiResponse::json(200, &v2010_list("keys", shown, &list_path, &query, &page)))
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`
    pub(crate) async fn fetch_key(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let account = self.key_owner(call).await?;
        let record = self.visible_key(call, &account).await?;
        Ok(ApiResponse::json(200, &key_json(&record, None)))
    }

    /// `POST /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`: FriendlyName.
    pub(crate) async fn update_key(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let account = self.key_owner(call).await?;
        let mut record = self.visible_key(call, &account).await?;
        if let Patch::Set(name) = call.params.text_patch("FriendlyName", MAX_NAME)? {
            record.friendly_name = name;
        }
        record.date_updated = self.clock.now();
        put_json(&self.kv, &keys::api_key(&record.sid), &record, None).await?;
        Ok(ApiResponse::json(200, &key_json(&record, None)))
    }

    /// `DELETE /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`: revokes the key.
    pub(crate) async fn delete_key(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let account = self.key_owner(call).await?;
        let record = self.visible_key(call, &account).await?;
        self.kv.delete(&keys::api_key(&record.sid)).await?;
        self.kv.delete(&keys::account_key(&account, &record.sid)).await?;
        Ok(ApiResponse::empty(204))
    }
}

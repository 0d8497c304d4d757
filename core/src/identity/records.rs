//! What is stored of subaccounts and API keys: never a secret, only its digest.

use serde::{Deserialize, Serialize};

use crate::sid::{AccountSid, ApiKeySid};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    pub sid: AccountSid,
    /// The main account that made it.
    pub owner_account_sid: AccountSid,
    pub friendly_name: String,
    pub status: AccountStatus,
    pub token_digest: String,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub sid: ApiKeySid,
    /// The account it acts as.
    pub account_sid: AccountSid,
    pub friendly_name: String,
    pub secret_digest: String,
    pub date_created: Timestamp,
    pub date_updated: Timestamp,
}

//! The verification token in Workers KV: the record and the code's HMAC (never the code),
//! under `ver/{VA}/{VE}` with an expiration TTL of the verification's remaining lifetime. It is
//! written after a successful delivery, off the critical path; nothing on the request path reads
//! it (the coordinator is the authority), so KV's eventual consistency never shows to callers.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::ports::{KeyValue, PutOptions, Records};
use crate::sid::{AccountSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;

/// KV's smallest expiration TTL.
const KV_MIN_TTL: u64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    pub sid: VerificationSid,
    pub account_sid: AccountSid,
    pub service_sid: ServiceSid,
    pub to: String,
    /// `HMAC(key, sid | code)`.
    pub code_digest: String,
    pub expires_at: Timestamp,
}

pub trait VerificationIndex {
    /// Writes the token after the response.
    fn put_token_later(&self, token: &VerificationToken) -> Result<(), ApiError>;
}

impl<K: KeyValue> VerificationIndex for Records<'_, K> {
    fn put_token_later(&self, token: &VerificationToken) -> Result<(), ApiError> {
        let key = format!("ver/{}/{}", token.service_sid, token.sid);
        let ttl = self.now.seconds_until(token.expires_at).max(KV_MIN_TTL);
        self.put_later(key, token, PutOptions::ttl(ttl))
    }
}

//! The browser face's operations for backends (Basic auth): minting a client token, verifying
//! a result token; and opening a client token, which the Bearer door does.

use super::token::{self, ClientClaims, ResultClaims, Scope, TokenKey, CLIENT_PREFIX, RESULT_PREFIX, RESULT_TTL_SECONDS};
use crate::channel::parse_any_recipient;
use crate::engine::{missing_code_key, Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::identity::records::AccountStatus;
use crate::identity::store::AccountStore;
use crate::input::Input;
use crate::sid::{to_hex, AccountSid, Rng, ServiceSid, VerificationSid};
use crate::spec::client_token::{MAX_STARTS, RESULT_TOKEN, SCOPES, TO, TTL};
use crate::time::Clock;
use crate::verify::service::record::ServiceRecord;
use crate::verify::service::store::ServiceStore;

/// What a mint asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub ttl: u64,
    pub scopes: Vec<Scope>,
    pub to: Option<String>,
    pub max_starts: Option<u32>,
}

impl TokenRequest {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        let ttl = input.integer(&TTL)?.map_or(300, |n| n.unsigned_abs());
        let scopes = match input.text(&SCOPES)? {
            None => vec![Scope::Start, Scope::Check],
            Some(text) => {
                let mut scopes = Vec::new();
                for word in text.split(',').map(str::trim) {
                    let scope = match word {
                        "start" => Scope::Start,
                        "check" => Scope::Check,
                        _ => return Err(input.invalid(&SCOPES, "must be start, check or start,check")),
                    };
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
                scopes
            }
        };
        let to = match input.raw_text(&TO)? {
            None => None,
            Some(to) if to.trim().is_empty() => return Err(input.invalid(&TO, "must not be empty: leave it out for a token that serves any recipient")),
            Some(to) => Some(parse_any_recipient(to).ok_or_else(|| input.invalid(&TO, "must be a phone number in E.164 form or an email address"))?),
        };
        let max_starts = input.integer(&MAX_STARTS)?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        Ok(Self { ttl, scopes, to, max_starts })
    }
}

/// The `Token` of a result verification.
pub fn parse_result_token(input: &Input<'_>) -> Result<String, ApiError> {
    input.text(&RESULT_TOKEN)?.filter(|t| !t.is_empty()).ok_or_else(|| input.invalid(&RESULT_TOKEN, "is required"))
}

/// A new random token key (hex), for a new service or a rotation.
pub fn new_token_key(rng: &impl crate::sid::Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    to_hex(&bytes)
}

impl<P: Platform> Engine<P> {
    pub(crate) fn token_key(&self) -> Result<&TokenKey, ApiError> {
        self.settings.token_key.as_ref().ok_or_else(missing_code_key)
    }

    /// Mints a client token for the caller's service (shown once, stored nowhere).
    pub async fn create_client_token(&self, who: &Principal, sid: &ServiceSid, request: TokenRequest) -> Result<(String, ClientClaims), ApiError> {
        let key = self.token_key()?;
        let mut service = self.fetch_service(who, sid).await?;
        if service.browser.token_key.is_empty() {
            // A service stored before client tokens: give it its key now.
            let records = self.records();
            service = records.service_for_update(&who.account, sid).await?.ok_or_else(|| ApiError::NotFound(format!("/v2/Services/{sid}")))?;
            if service.browser.token_key.is_empty() {
                service.browser.token_key = new_token_key(&self.rng);
                records.put_service(&service).await?;
            }
        }
        let now = self.clock.now().unix_seconds();
        let mut id = [0u8; 12];
        self.rng.fill(&mut id);
        let claims = ClientClaims {
            account: who.account.to_string(),
            service: sid.to_string(),
            scopes: request.scopes,
            to: request.to,
            max_starts: request.max_starts,
            issued: now,
            expires: now.saturating_add(request.ttl),
            id: to_hex(&id),
        };
        Ok((key.sign(CLIENT_PREFIX, &service.browser.token_key, &claims), claims))
    }

    /// The claims of a client token and its service, if the token holds now; else 401 20003
    /// whatever is wrong.
    pub async fn open_client_token(&self, text: &str) -> Result<(ClientClaims, ServiceRecord), ApiError> {
        let key = self.token_key()?;
        let claims: ClientClaims = token::unverified(CLIENT_PREFIX, text).ok_or(ApiError::InvalidToken)?;
        let account = AccountSid::parse(&claims.account).ok_or(ApiError::InvalidToken)?;
        let sid = ServiceSid::parse(&claims.service).ok_or(ApiError::InvalidToken)?;
        let records = self.records();
        if account != self.settings.main.sid && !records.account(&account).await?.is_some_and(|a| a.status == AccountStatus::Active) {
            return Err(ApiError::InvalidToken);
        }
        let service = records.service(&account, &sid).await?.ok_or(ApiError::InvalidToken)?;
        let claims: ClientClaims = key.open(CLIENT_PREFIX, &service.browser.token_key, text).ok_or(ApiError::InvalidToken)?;
        if self.clock.now().unix_seconds() >= claims.expires {
            return Err(ApiError::InvalidToken);
        }
        Ok((claims, service))
    }

    /// A result token for an approval made with a client token.
    pub fn result_token(&self, service: &ServiceRecord, to: &str, verification: &VerificationSid) -> Result<String, ApiError> {
        let now = self.clock.now().unix_seconds();
        let claims = ResultClaims {
            account: service.account_sid.to_string(),
            service: service.sid.to_string(),
            to: to.to_owned(),
            verification: verification.to_string(),
            approved: now,
            expires: now + RESULT_TTL_SECONDS,
        };
        Ok(self.token_key()?.sign(RESULT_PREFIX, &service.browser.token_key, &claims))
    }

    /// The claims of a result token of the caller's service, or 404 20404 (invalid, expired,
    /// another service's, or signed before a rotation).
    pub async fn verify_result_token(&self, who: &Principal, sid: &ServiceSid, text: &str) -> Result<(ResultClaims, VerificationSid), ApiError> {
        let not_found = || ApiError::NotFound(format!("/v2/Services/{sid}/VerificationResults"));
        let key = self.token_key()?;
        let service = self.fetch_service(who, sid).await?;
        let claims: ResultClaims = key.open(RESULT_PREFIX, &service.browser.token_key, text).ok_or_else(not_found)?;
        let fresh = self.clock.now().unix_seconds() < claims.expires;
        if !fresh || claims.service != sid.as_str() || claims.account != who.account.as_str() || service.browser.token_key.is_empty() {
            return Err(not_found());
        }
        let verification = VerificationSid::parse(&claims.verification).ok_or_else(not_found)?;
        Ok((claims, verification))
    }
}

//! The engine's history operations: record a send, mark a verification's sends converted (both
//! after the response), and list, fetch and summarise an account's attempts (one query each).

use super::params::AttemptFilter;
use super::resource::AttemptRow;
use super::sql::{self, Cursor, NewAttempt};
use super::{Database, Row, Statement, BINDING, RETENTION_SECONDS};
use crate::engine::{misconfigured, Engine, Platform};
use crate::error::ApiError;
use crate::guard::geo::Destination;
use crate::http::ApiResponse;
use crate::identity::principal::Principal;
use crate::page::{Listing, PageQuery, PageToken};
use crate::sid::{AccountSid, AttemptSid};
use crate::time::Clock;
use crate::verify::verification::model::{Status, VerificationView};

/// Most rows one page returns (Twilio's bound on `PageSize`).
pub const MAX_PAGE_ROWS: usize = 1000;

fn decode_row(row: Row) -> Result<AttemptRow, ApiError> {
    serde_json::from_value(serde_json::Value::Object(row)).map_err(|e| ApiError::Internal(format!("history: an attempts row does not decode: {e}")))
}

/// A page token's row: `PA`/`PB`, the creation time in seconds, then the SID.
fn token_for(row: &AttemptRow, after: bool) -> PageToken {
    let id = format!("{}{}", row.date_created.unix_seconds(), row.sid);
    if after {
        PageToken::After(id)
    } else {
        PageToken::Before(id)
    }
}

fn token_row(id: &str) -> Option<(u64, String)> {
    let at = id.find(AttemptSid::PREFIX)?;
    let (date, sid) = (id.get(..at)?, id.get(at..)?);
    // SIDs are stored with lower-case hex: a hand-made token's upper case must compare as they do.
    let hex = sid.get(AttemptSid::PREFIX.len()..)?.to_ascii_lowercase();
    Some((date.parse().ok()?, AttemptSid::parse(sid).map(|_| format!("{}{hex}", AttemptSid::PREFIX))?))
}

/// The answer to the Attempts routes when no database is bound: a 500 naming the binding
/// (in dev mode; a plain 500 otherwise), logged.
pub fn missing_binding<P: Platform>(dev_mode: bool) -> ApiResponse {
    let what = format!("the {BINDING} binding (a D1 database, for /v2/Attempts) is missing: see docs/deploy.md");
    P::log(&format!("configuration error: {what}"));
    misconfigured(&what, dev_mode)
}

impl<P: Platform> Engine<P> {
    fn retention_cutoff(&self) -> u64 {
        self.clock.now().unix_seconds().saturating_sub(RETENTION_SECONDS)
    }

    /// Records a send after the response (and purges a batch of expired rows with it).
    pub(crate) fn record_attempt(&self, sid: &AttemptSid, view: &VerificationView, code_length: u8, locale: Option<&str>) {
        if !self.history.bound() {
            return;
        }
        let now = self.clock.now().unix_seconds();
        let country = Destination::of(&view.to).region().map(str::to_owned);
        let price = self.settings.policy.prices.of(view.channel, country.as_deref());
        let price_value = (price > 0).then(|| {
            let text = format!("{}.{:06}", price / 1_000_000, price % 1_000_000);
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        });
        let attempt = NewAttempt {
            sid: sid.to_string(),
            account_sid: view.account_sid.to_string(),
            service_sid: view.service_sid.to_string(),
            verification_sid: view.sid.to_string(),
            channel: view.channel.as_str().to_owned(),
            to: view.to.clone(),
            country,
            price_value,
            price_currency: None,
            code_length: Some(u64::from(code_length)),
            locale: locale.map(str::to_owned),
            now,
        };
        let mut batch = vec![sql::insert(attempt)];
        batch.extend(sql::purge(now.saturating_sub(RETENTION_SECONDS), now));
        self.history.run_later(batch);
    }

    /// Marks an approved verification's attempts converted, after the response.
    pub(crate) fn convert_attempts(&self, view: &VerificationView) {
        if view.status == Status::Approved && self.history.bound() {
            let now = self.clock.now().unix_seconds();
            self.history.run_later(sql::convert(view.account_sid.as_str(), view.sid.as_str(), now).into());
        }
    }

    async fn rows(&self, statement: Statement) -> Result<Vec<AttemptRow>, ApiError> {
        let rows = self.history.query(&statement.sql, &statement.params).await?;
        rows.into_iter().map(decode_row).collect()
    }

    /// One page of the caller's attempts, newest first: one query.
    pub async fn list_attempts(&self, who: &Principal, filter: &AttemptFilter, query: &PageQuery) -> Result<Listing<AttemptRow>, ApiError> {
        let size = query.size.clamp(1, MAX_PAGE_ROWS);
        let invalid = || ApiError::invalid("PageToken", "is not a token from a previous page");
        let row = match &query.token {
            None => None,
            Some(PageToken::After(id) | PageToken::Before(id)) => Some(token_row(id).ok_or_else(invalid)?),
        };
        let cursor = match (&query.token, &row) {
            (Some(PageToken::After(_)), Some((date, sid))) => Cursor::After(*date, sid),
            (Some(PageToken::Before(_)), Some((date, sid))) => Cursor::Before(*date, sid),
            _ => Cursor::First,
        };
        let statement = sql::page(who.account.as_str(), self.retention_cutoff(), filter, cursor, size.saturating_add(1));
        let mut rows = self.rows(statement).await?;
        let more = rows.len() > size;
        rows.truncate(size);
        let (has_next, has_previous) = match cursor {
            Cursor::First => (more, false),
            Cursor::After(..) => (more, true),
            Cursor::Before(..) => {
                rows.reverse();
                (true, more)
            }
        };
        let next = rows.last().filter(|_| has_next).map(|r| token_for(r, true));
        let previous = rows.first().filter(|_| has_previous).map(|r| token_for(r, false));
        Ok(Listing { items: rows, next, previous })
    }

    /// One of the caller's attempts: one query; 404 when it is unknown, another account's, or
    /// older than the retention.
    pub async fn fetch_attempt(&self, who: &Principal, sid: &str) -> Result<AttemptRow, ApiError> {
        let not_found = || ApiError::NotFound(format!("/v2/Attempts/{sid}"));
        let sid = AttemptSid::parse(sid).ok_or_else(not_found)?;
        self.fetch_attempt_row(&who.account, &sid).await?.ok_or_else(not_found)
    }

    /// One attempt of `account`, if it is still kept: one query.
    pub(crate) async fn fetch_attempt_row(&self, account: &AccountSid, sid: &AttemptSid) -> Result<Option<AttemptRow>, ApiError> {
        let statement = sql::fetch(account.as_str(), sid.as_str(), self.retention_cutoff());
        Ok(self.rows(statement).await?.into_iter().next())
    }

    /// `(total, converted)` of the caller's attempts that pass `filter`: one query.
    pub async fn summarise_attempts(&self, who: &Principal, filter: &AttemptFilter) -> Result<(u64, u64), ApiError> {
        let statement = sql::summary(who.account.as_str(), self.retention_cutoff(), filter);
        let rows = self.history.query(&statement.sql, &statement.params).await?;
        let count = |name: &str| rows.first().and_then(|r| r.get(name)).and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64))).unwrap_or(0);
        Ok((count("total"), count("converted")))
    }
}

//! Every statement on the `attempts` table (migrations/), with `?` parameters.
//! A read always names the account and the retention cutoff first, so it uses an index that
//! leads with `account_sid` and never shows another account's rows or an expired one.

use super::params::AttemptFilter;
use crate::delivery::callback::StatusReport;
use super::{SqlValue, Statement, PURGE_BATCH};

/// The columns a listing or fetch reads.
pub const COLUMNS: &str = "sid, account_sid, service_sid, verification_sid, channel, destination, country, conversion_status, price_value, price_currency, code_length, locale, date_created, date_updated";
/// What a listing or fetch reads: the columns written at a send, and the delivery status that
/// Twilio's status callbacks record later (migrations/0002_delivery_status.sql).
pub const READ_COLUMNS: &str = "sid, account_sid, service_sid, verification_sid, channel, destination, country, conversion_status, price_value, price_currency, code_length, locale, date_created, date_updated, message_status, error_code";

/// A new attempt, as recorded after a send.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttempt {
    pub sid: String,
    pub account_sid: String,
    pub service_sid: String,
    pub verification_sid: String,
    pub channel: String,
    pub to: String,
    pub country: Option<String>,
    pub price_value: Option<String>,
    pub price_currency: Option<String>,
    pub code_length: Option<u64>,
    pub locale: Option<String>,
    pub now: u64,
}

/// Records an attempt (a retried write changes nothing: the SID is the key), converted if its
/// verification's approval was recorded first (migrations/0004_conversions.sql).
pub fn insert(a: NewAttempt) -> Statement {
    let converted = "CASE WHEN EXISTS (SELECT 1 FROM conversions WHERE account_sid = ? AND verification_sid = ?) THEN 'converted' ELSE 'unconverted' END";
    Statement {
        sql: format!("INSERT OR IGNORE INTO attempts ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, {converted}, ?, ?, ?, ?, ?, ?)"),
        params: vec![
            a.sid.into(),
            a.account_sid.clone().into(),
            a.service_sid.into(),
            a.verification_sid.clone().into(),
            a.channel.into(),
            a.to.into(),
            a.country.into(),
            a.account_sid.into(),
            a.verification_sid.into(),
            a.price_value.into(),
            a.price_currency.into(),
            a.code_length.into(),
            a.locale.into(),
            a.now.into(),
            a.now.into(),
        ],
    }
}

/// Deletes at most [`PURGE_BATCH`] attempts created before `cutoff` (any account's), and as
/// many approval markers older than [`CONVERSION_SECONDS`].
pub fn purge(cutoff: u64, now: u64) -> [Statement; 2] {
    [
        Statement {
            sql: format!("DELETE FROM attempts WHERE sid IN (SELECT sid FROM attempts WHERE date_created < ? LIMIT {PURGE_BATCH})"),
            params: vec![cutoff.into()],
        },
        Statement {
            sql: format!("DELETE FROM conversions WHERE rowid IN (SELECT rowid FROM conversions WHERE date_created < ? LIMIT {PURGE_BATCH})"),
            params: vec![now.saturating_sub(CONVERSION_SECONDS).into()],
        },
    ]
}

/// How long an approval's marker is kept: the longest a verification lives
/// (`VERIFICATION_LIFETIME_SECONDS` is at most a day), so no attempt of it can come later.
pub const CONVERSION_SECONDS: u64 = 86_400;

/// Marks a verification's attempts converted, and leaves a marker that converts an attempt
/// recorded after this (the writes run after their responses, in no set order).
pub fn convert(account: &str, verification: &str, now: u64) -> [Statement; 2] {
    [
        Statement {
            sql: "UPDATE attempts SET conversion_status = 'converted', date_updated = ? WHERE account_sid = ? AND verification_sid = ? AND conversion_status = 'unconverted'".into(),
            params: vec![now.into(), account.into(), verification.into()],
        },
        Statement {
            sql: "INSERT OR IGNORE INTO conversions (account_sid, verification_sid, date_created) VALUES (?, ?, ?)".into(),
            params: vec![account.into(), verification.into(), now.into()],
        },
    ]
}

/// Records a send's status on its attempt row, in one statement that never moves it back: a
/// final status (rank 3 and up) stays, a lower rank never replaces a higher one
/// (migrations/0002_delivery_status.sql).
pub fn delivery_status(account: &str, sid: &str, report: &StatusReport, now: u64) -> Statement {
    let rank = report.status.rank();
    Statement {
        sql: "UPDATE attempts SET message_status = ?, message_rank = ?, error_code = COALESCE(?, error_code), date_updated = ? \
              WHERE account_sid = ? AND sid = ? AND (message_rank IS NULL OR (message_rank < 3 AND message_rank <= ?))"
            .into(),
        params: vec![report.status.as_str().into(), rank.into(), report.error_code.map(u64::from).into(), now.into(), account.into(), sid.into(), rank.into()],
    }
}

/// One attempt of the account, if it is still kept.
pub fn fetch(account: &str, sid: &str, cutoff: u64) -> Statement {
    Statement {
        sql: format!("SELECT {READ_COLUMNS} FROM attempts WHERE account_sid = ? AND sid = ? AND date_created >= ?"),
        params: vec![account.into(), sid.into(), cutoff.into()],
    }
}

/// `WHERE` for the account's kept rows that pass `filter`.
pub fn conditions(account: &str, cutoff: u64, filter: &AttemptFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("account_sid = ? AND date_created >= ?");
    let mut params: Vec<SqlValue> = vec![account.into(), cutoff.into()];
    let mut and = |clause: &str, values: Vec<SqlValue>| {
        sql.push_str(" AND ");
        sql.push_str(clause);
        params.extend(values);
    };
    if let Some(after) = filter.after {
        and("date_created >= ?", vec![after.unix_seconds().into()]);
    }
    if let Some(before) = filter.before {
        and("date_created <= ?", vec![before.unix_seconds().into()]);
    }
    if let Some(to) = &filter.to {
        and("destination = ?", vec![to.as_str().into()]);
    }
    if let Some(prefix) = &filter.prefix {
        // A range, so the (account_sid, destination) index serves it: '+44' <= d < '+44~'.
        and("destination >= ? AND destination < ?", vec![prefix.as_str().into(), format!("{prefix}~").into()]);
    }
    if let Some(country) = &filter.country {
        and("country = ?", vec![country.as_str().into()]);
    }
    if let Some(channel) = filter.channel {
        and("channel = ?", vec![channel.into()]);
    }
    if let Some(service) = &filter.service {
        and("service_sid = ?", vec![service.as_str().into()]);
    }
    if let Some(verification) = &filter.verification {
        and("verification_sid = ?", vec![verification.as_str().into()]);
    }
    if let Some(status) = filter.status {
        and("conversion_status = ?", vec![status.into()]);
    }
    (sql, params)
}

/// Where a page starts: after (older than) or before (newer than) a row, by creation time then
/// SID, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor<'a> {
    First,
    After(u64, &'a str),
    Before(u64, &'a str),
}

/// One page of `limit` rows (the caller asks one more than it shows, to know if more follow).
/// `Before` pages are read oldest first; the caller reverses them.
pub fn page(account: &str, cutoff: u64, filter: &AttemptFilter, cursor: Cursor<'_>, limit: usize) -> Statement {
    // A `Before` cursor is a lower bound too: the retention cutoff moves up to its time, so
    // whichever bound the index range takes starts at the cursor, not a month back.
    let cutoff = match cursor {
        Cursor::Before(date, _) => cutoff.max(date),
        _ => cutoff,
    };
    let (mut sql, mut params) = conditions(account, cutoff, filter);
    let order = match cursor {
        Cursor::First => "DESC",
        // Row values, so the index's (date_created, sid) range starts at the cursor: a deep
        // page reads no row of the pages before it.
        Cursor::After(date, sid) => {
            sql.push_str(" AND (date_created, sid) < (?, ?)");
            params.extend([date.into(), sid.into()]);
            "DESC"
        }
        Cursor::Before(date, sid) => {
            sql.push_str(" AND (date_created, sid) > (?, ?)");
            params.extend([date.into(), sid.into()]);
            "ASC"
        }
    };
    params.push((limit as u64).into());
    let from = match index_for(filter) {
        Some(index) => format!("attempts INDEXED BY {index}"),
        None => "attempts".to_owned(),
    };
    Statement { sql: format!("SELECT {READ_COLUMNS} FROM {from} WHERE {sql} ORDER BY date_created {order}, sid {order} LIMIT ?"), params }
}

/// The index a page reads, named, as D1 keeps no statistics for the planner to weigh an
/// equality against a date range with: the most selective filter's (a verification's rows are
/// at most five), each ending with `(date_created, sid)`, so a page reads only matching rows,
/// in its order, from its cursor on (migrations/0003_filter_indexes.sql). A destination prefix
/// is a range on its own column, which cannot give the order: the planner chooses.
fn index_for(filter: &AttemptFilter) -> Option<&'static str> {
    if filter.verification.is_some() {
        Some("attempts_account_verification")
    } else if filter.to.is_some() {
        Some("attempts_account_to")
    } else if filter.service.is_some() {
        Some("attempts_account_service")
    } else if filter.country.is_some() {
        Some("attempts_account_country")
    } else if filter.prefix.is_some() {
        None
    } else {
        Some("attempts_account_date")
    }
}

/// The counts behind a summary, in one query.
pub fn summary(account: &str, cutoff: u64, filter: &AttemptFilter) -> Statement {
    let (sql, params) = conditions(account, cutoff, filter);
    Statement {
        sql: format!("SELECT COUNT(*) AS total, COALESCE(SUM(conversion_status = 'converted'), 0) AS converted FROM attempts WHERE {sql}"),
        params,
    }
}

//! History: Twilio's Verification Attempts (`GET /v2/Attempts`, `/v2/Attempts/{VL}`,
//! `/v2/Attempts/Summary`) in a SQL database (Cloudflare D1 in the worker, bound as `HISTORY`;
//! real SQLite in the host tests). One row per code sent, written after the response; an
//! approval marks the verification's rows converted, also after the response. Rows are kept
//! [`RETENTION_SECONDS`]: reads never show older ones, and every write purges at most
//! [`PURGE_BATCH`] of them in the same batch (see `docs/history.md`).
//!
//! - `sql`: every statement, and the filters as `WHERE` clauses (tested on SQLite).
//! - `params`: the query parameters and their parsing.
//! - `attempts`: the engine's operations; `resource`: the JSON shapes.

pub mod attempts;
pub mod params;
pub mod resource;
pub mod sql;

use crate::ports::StoreError;

/// How long attempts are kept: 30 days, as Twilio keeps them.
pub const RETENTION_SECONDS: u64 = 30 * 86_400;
/// Most expired rows one write deletes. Each recorded attempt purges up to this many, so a
/// backlog drains a hundred times faster than rows are added, and no statement runs long.
pub const PURGE_BATCH: u32 = 100;
/// The name of the worker's D1 binding.
pub const BINDING: &str = "HISTORY";

/// One SQL parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<u64> for SqlValue {
    fn from(n: u64) -> Self {
        Self::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One row: column name to value, as D1's `all()` returns it.
pub type Row = serde_json::Map<String, serde_json::Value>;

/// One statement with its `?` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// The SQL port: a D1 database in the worker, SQLite in tests.
#[allow(async_fn_in_trait)]
pub trait Database {
    /// Whether a database is bound. Without one the Attempts routes answer 500 naming the
    /// binding, and writes are skipped (verifications never depend on history).
    fn bound(&self) -> bool;
    /// Runs one statement and returns its rows.
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError>;
    /// Runs statements in order, in one batch, after the response (`ctx.waitUntil` in the
    /// worker). A failure is logged, never returned.
    fn run_later(&self, statements: Vec<Statement>);
}

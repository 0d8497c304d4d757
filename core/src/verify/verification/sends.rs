//! A target's sends in the last day, kept beside its verification (they outlive it): what
//! bounds sends per `To` per hour and per day across cancel-and-start-again cycles.

use serde::{Deserialize, Serialize};

use super::model::SendLimits;
use crate::time::Timestamp;

/// No send fits: seconds until one does, and whether the day's limit (not the hour's) is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    pub retry_after: u64,
    pub per_day: bool,
}

/// When this target's sends happened in the last day (Unix seconds, oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sends(Vec<u64>);

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

impl Sends {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// When the last send leaves the day's window.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.0.last().map(|t| Timestamp::from_unix_seconds(t + DAY))
    }

    /// Forgets sends older than a day.
    pub fn prune(&mut self, now: Timestamp) {
        let t = now.unix_seconds();
        self.0.retain(|s| s + DAY > t);
    }

    /// Whether one more send fits in the hour and the day; if not, when it would.
    pub fn admit(&mut self, limits: SendLimits, now: Timestamp) -> Result<(), Full> {
        self.prune(now);
        let t = now.unix_seconds();
        for (window, max, per_day) in [(HOUR, limits.per_hour, false), (DAY, limits.per_day, true)]
        {
            let inside: Vec<u64> = self.0.iter().copied().filter(|s| s + window > t).collect();
            if inside.len() >= max as usize {
                // The send that must leave the window before another fits.
                let freeing = inside.len() + 1 - (max as usize).max(1);
                let leaves = inside
                    .get(freeing.saturating_sub(1))
                    .map_or(t + window, |s| s + window);
                return Err(Full { retry_after: leaves.saturating_sub(t).max(1), per_day });
            }
        }
        Ok(())
    }

    pub fn record(&mut self, now: Timestamp) {
        self.0.push(now.unix_seconds());
    }

    pub fn forget(&mut self, at: Timestamp) {
        if let Some(i) = self.0.iter().rposition(|s| *s == at.unix_seconds()) {
            self.0.remove(i);
        }
    }
}

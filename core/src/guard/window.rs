//! A count over a sliding window, kept in a bounded number of bins.

use serde::{Deserialize, Serialize};

/// Bins per window: a window of `interval` seconds keeps counts in bins of `interval / 60`
/// seconds (at least one), so its state stays small whatever the traffic.
const BINS: u64 = 60;

/// A count over a sliding window of `interval` seconds, in bins. A bin counts until its last
/// second has left the window, so the window never holds more than it admitted: the count can
/// refuse up to one bin (1/60 of the interval) early, never late.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// What it counts (the limit's name).
    #[serde(rename = "n")]
    pub(super) name: String,
    #[serde(rename = "i")]
    pub(super) interval: u32,
    /// `(bin start, count)`, oldest first.
    #[serde(rename = "b")]
    pub(super) bins: Vec<(u64, u64)>,
}

impl Window {
    pub(super) fn bin_seconds(&self) -> u64 {
        u64::from(self.interval).div_ceil(BINS).max(1)
    }

    /// When the bin starting at `start` leaves the window.
    pub(super) fn leaves(&self, start: u64) -> u64 {
        start + self.bin_seconds() + u64::from(self.interval)
    }

    pub(super) fn prune(&mut self, now: u64) {
        let g = self.bin_seconds() + u64::from(self.interval);
        self.bins.retain(|(start, _)| start + g > now);
    }

    pub(super) fn count(&self) -> u64 {
        self.bins.iter().map(|(_, n)| n).sum()
    }

    /// Seconds until `weight` more fit under `max` (at least 1).
    pub(super) fn retry_after(&self, now: u64, max: u64, weight: u64) -> u64 {
        let mut excess = (self.count() + weight).saturating_sub(max);
        for (start, n) in &self.bins {
            excess = excess.saturating_sub(*n);
            if excess == 0 {
                return self.leaves(*start).saturating_sub(now).max(1);
            }
        }
        u64::from(self.interval).max(1)
    }

    pub(super) fn add(&mut self, now: u64, weight: u64) {
        let start = now - now % self.bin_seconds();
        match self.bins.last_mut() {
            Some((last, n)) if *last == start => *n += weight,
            _ => self.bins.push((start, weight)),
        }
    }

    pub(super) fn remove(&mut self, at: u64, weight: u64) {
        let start = at - at % self.bin_seconds();
        if let Some((_, n)) = self.bins.iter_mut().find(|(s, _)| *s == start) {
            *n = n.saturating_sub(weight);
        }
        self.bins.retain(|(_, n)| *n > 0);
    }
}


//! When a failed delivery is tried again: after 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h and
//! 12 h (nine tries over about 22 hours), then it is given up and recorded as a failure. With
//! `DEV_MODE=true`, `EVENT_RETRY_SCHEDULE_MS` (comma-separated milliseconds) replaces the
//! schedule, for tests; outside dev mode it is ignored.

/// The default waits before each retry, in seconds.
pub const DEFAULT_SECONDS: [u64; 8] = [10, 30, 120, 600, 3_600, 10_800, 21_600, 43_200];

/// Most retries a custom schedule may have, and its longest wait (a day).
const MAX_RETRIES: usize = 20;
const MAX_WAIT_MS: u64 = 86_400_000;

/// The waits before each retry, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(pub Vec<u64>);

impl Default for Schedule {
    fn default() -> Self {
        Self(DEFAULT_SECONDS.iter().map(|s| s * 1000).collect())
    }
}

impl Schedule {
    /// The schedule for this deployment: `EVENT_RETRY_SCHEDULE_MS` in dev mode when it is a valid
    /// list (1 to 20 waits of 1 ms to a day), else the default.
    pub fn from_env(text: Option<&str>, dev_mode: bool) -> Self {
        let custom = text.filter(|_| dev_mode).and_then(|t| {
            let waits: Option<Vec<u64>> = t.split(',').map(|w| w.trim().parse::<u64>().ok().filter(|ms| (1..=MAX_WAIT_MS).contains(ms))).collect();
            waits.filter(|w| !w.is_empty() && w.len() <= MAX_RETRIES)
        });
        custom.map_or_else(Self::default, Self)
    }

    /// The wait after the `tries`-th failed try (1 for the first), or `None`: give up.
    pub fn wait_after(&self, tries: u32) -> Option<u64> {
        let index = usize::try_from(tries).ok()?.checked_sub(1)?;
        self.0.get(index).copied()
    }

    /// How long after the first try the last one happens.
    pub fn total_ms(&self) -> u64 {
        self.0.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_backs_off_and_gives_up_within_a_day() {
        let s = Schedule::default();
        let waits: Vec<u64> = (1..=9).map_while(|n| s.wait_after(n)).collect();
        assert_eq!(waits, [10_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000]);
        assert!(waits.windows(2).all(|w| w[0] < w[1]), "each wait longer than the last");
        assert_eq!(s.wait_after(9), None, "nine tries, then a recorded failure");
        assert_eq!(s.wait_after(0), None);
        assert!(s.total_ms() <= 24 * 3_600_000 && s.total_ms() > 20 * 3_600_000);
    }

    #[test]
    fn a_custom_schedule_only_in_dev_mode() {
        assert_eq!(Schedule::from_env(Some("300, 600,1200"), true).0, [300, 600, 1200]);
        assert_eq!(Schedule::from_env(Some("300,600"), false), Schedule::default());
        for bad in ["", "0", "x", "1,,2", "86400001"] {
            assert_eq!(Schedule::from_env(Some(bad), true), Schedule::default(), "{bad}");
        }
        assert_eq!(Schedule::from_env(None, true), Schedule::default());
    }
}

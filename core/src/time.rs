//! Time as a value: timestamps in whole seconds, the two wire formats Twilio uses, and the clock port.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

/// The source of the current time. The worker reads `Date.now()`; tests move a fake by hand.
pub trait Clock {
    /// The current time.
    fn now(&self) -> Timestamp;
}

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    weekday: usize,
}

impl Timestamp {
    /// A timestamp from seconds since the Unix epoch.
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    /// This time plus `seconds`.
    pub const fn plus_seconds(self, seconds: u64) -> Self {
        Self(self.0.saturating_add(seconds))
    }

    /// Seconds from `self` until `later`, zero if `later` is not later.
    pub const fn seconds_until(self, later: Timestamp) -> u64 {
        later.0.saturating_sub(self.0)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the format of every Verify v2 date.
    pub fn iso8601(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// RFC 2822 (`Thu, 24 Aug 2023 05:01:45 +0000`), the format of the 2010-04-01 API.
    pub fn rfc2822(self) -> String {
        let c = self.civil();
        let day = DAY_NAMES.get(c.weekday).copied().unwrap_or("Thu");
        let month = MONTH_NAMES.get(c.month as usize - 1).copied().unwrap_or("Jan");
        format!(
            "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} +0000",
            c.day, c.year, c.hour, c.minute, c.second
        )
    }

    /// Howard Hinnant's days-to-civil algorithm.
    fn civil(self) -> Civil {
        let days = (self.0 / 86_400) as i64;
        let rem = self.0 % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: rem / 3_600,
            minute: rem % 3_600 / 60,
            second: rem % 60,
            weekday: (days % 7) as usize,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso8601())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_and_known_dates() {
        assert_eq!(Timestamp(0).iso8601(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(0).rfc2822(), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(Timestamp(1_438_286_400).iso8601(), "2015-07-30T20:00:00Z");
        assert_eq!(Timestamp(1_692_853_305).rfc2822(), "Thu, 24 Aug 2023 05:01:45 +0000");
        assert_eq!(Timestamp(951_782_400).iso8601(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(4_102_444_799).iso8601(), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp(10).seconds_until(Timestamp(4)), 0);
        assert_eq!(Timestamp(10).seconds_until(Timestamp(70)), 60);
        assert_eq!(Timestamp(u64::MAX).plus_seconds(5), Timestamp(u64::MAX));
    }
}

//! Time as a value: timestamps in whole seconds, the clock port, and the two wire formats Twilio
//! uses (ISO 8601 in Verify v2, RFC 2822 in the 2010-04-01 API), written without allocating.

use std::fmt;

/// Seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

/// The time every example uses (Twilio's own examples use it too).
pub const EXAMPLE_TIME: Timestamp = Timestamp::from_unix_seconds(1_438_286_400);

/// The clock port. Time is a parameter: `SystemTime::now` panics on wasm32 (and clippy.toml
/// forbids it), so the worker passes `Date.now()` and tests pass a fixed clock.
pub trait Clock {
    fn now(&self) -> Timestamp;

    /// Milliseconds since the epoch, for measuring latency (whole seconds unless the port says
    /// better; the worker's `Date.now()` does).
    fn now_millis(&self) -> u64 {
        self.now().unix_seconds().saturating_mul(1000)
    }
}

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTH_NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

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
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    pub const fn plus_seconds(self, seconds: u64) -> Self {
        Self(self.0.saturating_add(seconds))
    }

    /// Seconds from `self` to `later`, 0 if `later` is not later.
    pub const fn seconds_until(self, later: Timestamp) -> u64 {
        later.0.saturating_sub(self.0)
    }

    /// Midnight UTC of a `YYYY-MM-DD` date (Howard Hinnant's days-from-civil), if it is one.
    pub fn parse_date(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let ts = Self(u64::try_from(days).ok()? * 86_400);
        // Reject dates that roll over (2026-02-30).
        (ts.iso8601().to_string().get(..10) == Some(text)).then_some(ts)
    }

    /// `2015-07-30T20:00:00Z`, as Verify v2 writes dates.
    pub fn iso8601(self) -> IsoTime {
        IsoTime(self)
    }

    /// `Thu, 30 Jul 2015 20:00:00 +0000`, as the 2010-04-01 API writes dates.
    pub fn rfc2822(self) -> Rfc2822Time {
        Rfc2822Time(self)
    }

    fn civil(self) -> Civil {
        // Howard Hinnant's days-from-civil inverse.
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
        Civil { year, month, day, hour: rem / 3_600, minute: rem % 3_600 / 60, second: rem % 60, weekday: (days % 7) as usize }
    }
}

/// A timestamp shown as ISO 8601 (`Display` and `Serialize` as text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IsoTime(pub Timestamp);

/// A timestamp shown as RFC 2822 (`Display` and `Serialize` as text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rfc2822Time(pub Timestamp);

/// Appends `value` as exactly `width` decimal digits (dates are written often: no `fmt` padding).
fn digits(out: &mut [u8], at: usize, width: usize, value: u64) {
    let mut v = value;
    for i in (at..at + width).rev() {
        if let Some(slot) = out.get_mut(i) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
    }
}

impl fmt::Display for IsoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0.civil();
        let mut out = *b"0000-00-00T00:00:00Z";
        for (at, width, value) in [(0, 4, c.year.max(0) as u64), (5, 2, u64::from(c.month)), (8, 2, u64::from(c.day)), (11, 2, c.hour), (14, 2, c.minute), (17, 2, c.second)] {
            digits(&mut out, at, width, value);
        }
        f.write_str(std::str::from_utf8(&out).unwrap_or("1970-01-01T00:00:00Z"))
    }
}

impl fmt::Display for Rfc2822Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0.civil();
        let day = DAY_NAMES.get(c.weekday).copied().unwrap_or("Thu");
        let month = MONTH_NAMES.get((c.month as usize).saturating_sub(1)).copied().unwrap_or("Jan");
        write!(f, "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} +0000", c.day, c.year, c.hour, c.minute, c.second)
    }
}

impl serde::Serialize for IsoTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Rfc2822Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "schema")]
mod schema {
    //! Schemas for the connector, and parsing back for its checks of the spec's examples.
    use super::*;
    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
    use std::borrow::Cow;

    impl JsonSchema for IsoTime {
        fn schema_name() -> Cow<'static, str> {
            "IsoTime".into()
        }
        fn inline_schema() -> bool {
            true
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "format": "date-time", "example": "2015-07-30T20:00:00Z" })
        }
    }

    impl JsonSchema for Rfc2822Time {
        fn schema_name() -> Cow<'static, str> {
            "Rfc2822Time".into()
        }
        fn inline_schema() -> bool {
            true
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "description": "RFC 2822", "example": "Thu, 30 Jul 2015 20:00:00 +0000" })
        }
    }

    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    fn number(text: &str) -> Option<i64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
    }

    /// Parses what we write, and checks it by writing it again.
    fn parse(text: &str) -> Option<Timestamp> {
        let iso = text.strip_suffix('Z').map(|t| t.split(['-', 'T', ':']).collect::<Vec<_>>());
        let fields: Vec<i64> = match iso {
            Some(parts) => parts.iter().map(|p| number(p)).collect::<Option<_>>()?,
            None => {
                let parts: Vec<&str> = text.split([' ', ':', ',']).filter(|p| !p.is_empty()).collect();
                let month = MONTH_NAMES.iter().position(|m| Some(m) == parts.get(2))? as i64 + 1;
                let n = |i: usize| parts.get(i).and_then(|p| number(p));
                vec![n(3)?, month, n(1)?, n(4)?, n(5)?, n(6)?]
            }
        };
        let [y, mo, d, h, mi, s] = fields.as_slice() else { return None };
        let seconds = days_from_civil(*y, *mo, *d) * 86_400 + h * 3_600 + mi * 60 + s;
        let t = Timestamp(u64::try_from(seconds).ok()?);
        (t.iso8601().to_string() == text || t.rfc2822().to_string() == text).then_some(t)
    }

    fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("not a date in the expected format"))
    }

    impl<'de> serde::Deserialize<'de> for IsoTime {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(IsoTime)
        }
    }

    impl<'de> serde::Deserialize<'de> for Rfc2822Time {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(Rfc2822Time)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_refuses_others() {
        assert_eq!(Timestamp::parse_date("1970-01-01"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::parse_date("2015-07-30"),
            Some(Timestamp(1_438_214_400))
        );
        assert_eq!(
            Timestamp::parse_date("2024-02-29")
                .map(|t| t.iso8601().to_string())
                .as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-01-01",
            "2026-1-1",
            "2026-01-01-01",
            "x",
        ] {
            assert_eq!(Timestamp::parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_epoch_and_known_dates() {
        assert_eq!(Timestamp(0).iso8601().to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(0).rfc2822().to_string(), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(Timestamp(1_438_286_400).iso8601().to_string(), "2015-07-30T20:00:00Z");
        assert_eq!(Timestamp(1_692_853_305).rfc2822().to_string(), "Thu, 24 Aug 2023 05:01:45 +0000");
        assert_eq!(Timestamp(951_782_400).iso8601().to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(4_102_444_799).iso8601().to_string(), "2099-12-31T23:59:59Z");
        assert_eq!(serde_json::to_string(&Timestamp(0).iso8601()).unwrap(), "\"1970-01-01T00:00:00Z\"");
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Timestamp(10).seconds_until(Timestamp(4)), 0);
        assert_eq!(Timestamp(10).seconds_until(Timestamp(70)), 60);
        assert_eq!(Timestamp(u64::MAX).plus_seconds(5), Timestamp(u64::MAX));
    }
}

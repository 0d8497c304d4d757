//! The Attempts filters (Twilio's query parameters) and their parsing: a bad value is a 400
//! naming the parameter.

use crate::channel::plus_restored;
use crate::error::ApiError;
use crate::input::Input;
use crate::sid::{ServiceSid, VerificationSid};
use crate::spec::{Kind, ParamSpec};
use crate::time::Timestamp;

const fn p(wire: &'static str, field: &'static str, label: &'static str, kind: Kind, help: &'static str) -> ParamSpec {
    ParamSpec { clearable: false, wire, field, label, kind, help, default: None }
}

/// A filter whose empty value is no filter, as for the text filters (a no-code platform may send
/// an emptied field): its spec takes `""` too.
const fn e(spec: ParamSpec) -> ParamSpec {
    ParamSpec { clearable: true, ..spec }
}

/// `DateCreatedAfter`
pub const DATE_CREATED_AFTER: ParamSpec = p("DateCreatedAfter", "date_created_after", "Created after", Kind::Text { max: 32 }, "Only attempts created at or after this time (ISO 8601, e.g. 2026-11-01T00:00:00Z, or a date).");
/// `DateCreatedBefore`
pub const DATE_CREATED_BEFORE: ParamSpec = p("DateCreatedBefore", "date_created_before", "Created before", Kind::Text { max: 32 }, "Only attempts created at or before this time (ISO 8601, e.g. 2026-11-30T23:59:59Z, or a date).");
/// `ChannelData.To`
pub const TO: ParamSpec = p("ChannelData.To", "to", "To", Kind::Text { max: 254 }, "Only attempts sent to this phone number (E.164) or email address.");
/// `Country`
pub const COUNTRY: ParamSpec = p("Country", "country", "Country", Kind::Text { max: 2 }, "Only attempts to numbers of this country (ISO 3166-1 alpha-2, e.g. GB).");
/// `Channel`
pub const CHANNEL: ParamSpec = e(p("Channel", "channel", "Channel", Kind::Choice(&["sms", "call", "email", "whatsapp", "rbm"]), "Only attempts sent on this channel."));
/// `VerifyServiceSid` (`service_sid` in actions, which offer the service picker)
pub const SERVICE: ParamSpec = e(p("VerifyServiceSid", "service_sid", "Verification service", Kind::Sid("VA"), "Only attempts of this verification service."));
/// `VerificationSid`
pub const VERIFICATION: ParamSpec = e(p("VerificationSid", "verification_sid", "Verification SID", Kind::Sid("VE"), "Only attempts of this verification."));
/// `Status`
pub const STATUS: ParamSpec = e(p("Status", "status", "Conversion status", Kind::Choice(&["converted", "unconverted"]), "converted: the verification was approved; unconverted: not (yet)."));
/// `DestinationPrefix` (Summary only, as in Twilio)
pub const DESTINATION_PREFIX: ParamSpec = p("DestinationPrefix", "destination_prefix", "Destination prefix", Kind::Text { max: 16 }, "Only attempts to numbers starting with this E.164 prefix, e.g. +4477.");

/// `PageToken` of the Attempts list: `PA` or `PB`, the seconds and the SID of an attempt (its own
/// spec, so that the connector spec gives its form).
pub const PAGE_TOKEN: ParamSpec = p("PageToken", "page_token", "Page token", Kind::Text { max: 66 }, "From a previous page's URLs (PA or PB, then the time and SID of an attempt).");

/// The filters of `GET /v2/Attempts`.
pub const LIST: [ParamSpec; 8] = [DATE_CREATED_AFTER, DATE_CREATED_BEFORE, TO, COUNTRY, CHANNEL, SERVICE, VERIFICATION, STATUS];
/// The filters of `GET /v2/Attempts/Summary`: Twilio's six, and the list's others.
pub const SUMMARY: [ParamSpec; 9] = [SERVICE, DATE_CREATED_AFTER, DATE_CREATED_BEFORE, COUNTRY, CHANNEL, DESTINATION_PREFIX, TO, VERIFICATION, STATUS];

/// What a listing or a summary is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
    pub to: Option<String>,
    pub country: Option<String>,
    pub channel: Option<&'static str>,
    pub service: Option<ServiceSid>,
    pub verification: Option<VerificationSid>,
    pub status: Option<&'static str>,
    pub prefix: Option<String>,
}

/// `2026-11-23T20:00:00Z` (optionally with fractions of a second, or `+00:00`), or a date
/// (`2026-11-23`, midnight UTC).
pub fn parse_datetime(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let date = Timestamp::parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(date);
    }
    let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let time = time.strip_suffix('Z').or_else(|| time.strip_suffix("+00:00")).or_else(|| time.strip_suffix("+0000"))?;
    let time = time.split_once('.').map_or(time, |(whole, fraction)| if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) { whole } else { "" });
    let mut parts = time.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next().unwrap_or("00"));
    if parts.next().is_some() || [h, m, s].iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (h, m, s): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    (h < 24 && m < 60 && s < 60).then(|| date.plus_seconds(h * 3600 + m * 60 + s))
}

impl AttemptFilter {
    /// Reads the filters in `specs` (those the route takes) from the query; an empty value is no
    /// filter.
    pub fn parse(input: &Input<'_>, specs: &[ParamSpec]) -> Result<Self, ApiError> {
        let takes = |spec: &ParamSpec| specs.iter().any(|s| s.wire == spec.wire);
        // A filter the route takes, given and not empty.
        let given = |spec: &ParamSpec| -> Result<Option<&str>, ApiError> { Ok(input.raw_text(spec)?.filter(|t| takes(spec) && !t.is_empty())) };
        let mut filter = Self::default();
        for (spec, slot) in [(&DATE_CREATED_AFTER, &mut filter.after), (&DATE_CREATED_BEFORE, &mut filter.before)] {
            if let Some(text) = input.text(spec)?.filter(|t| takes(spec) && !t.is_empty()) {
                *slot = Some(parse_datetime(&text).ok_or_else(|| input.invalid(spec, "must be an ISO 8601 date-time such as 2026-11-23T20:00:00Z"))?);
            }
        }
        // DateCreatedBefore earlier than DateCreatedAfter is an empty range: no attempt, not an
        // error (each value is right on its own, and no spec can compare two of them).
        if takes(&TO) {
            filter.to = input.text(&TO)?.map(|t| plus_restored(&t)).filter(|t| !t.is_empty());
        }
        if let Some(text) = input.text(&COUNTRY)?.filter(|t| takes(&COUNTRY) && !t.is_empty()) {
            if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(input.invalid(&COUNTRY, "must be an ISO 3166-1 alpha-2 country code such as GB"));
            }
            filter.country = Some(text.to_ascii_uppercase());
        }
        if given(&CHANNEL)?.is_some() {
            filter.channel = input.choice(&CHANNEL)?;
        }
        if let Some(text) = given(&SERVICE)? {
            filter.service = Some(ServiceSid::parse(text).ok_or_else(|| input.invalid(&SERVICE, "must be a VA SID (VA and 32 hex digits)"))?);
        }
        if let Some(text) = given(&VERIFICATION)? {
            filter.verification = Some(VerificationSid::parse(text).ok_or_else(|| input.invalid(&VERIFICATION, "must be a VE SID (VE and 32 hex digits)"))?);
        }
        if let Some(text) = given(&STATUS)? {
            // Twilio documents UNCONVERTED and CONVERTED; its helpers send lower case.
            let lower = text.to_ascii_lowercase();
            filter.status = Some(STATUS.choices().iter().find(|c| **c == lower).copied().ok_or_else(|| input.invalid(&STATUS, "must be converted or unconverted"))?);
        }
        if let Some(text) = input.text(&DESTINATION_PREFIX)?.map(|t| plus_restored(&t)).filter(|t| takes(&DESTINATION_PREFIX) && !t.is_empty()) {
            let digits = text.strip_prefix('+').unwrap_or(&text);
            if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(input.invalid(&DESTINATION_PREFIX, "must be + and 1 to 15 digits, e.g. +4477"));
            }
            filter.prefix = Some(format!("+{digits}"));
        }
        Ok(filter)
    }

    /// The filters as query parameters, for the page URLs (so the next page keeps them).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |spec: &ParamSpec, value: Option<String>| {
            if let Some(v) = value {
                out.push((spec.wire, v));
            }
        };
        push(&DATE_CREATED_AFTER, self.after.map(|t| t.iso8601().to_string()));
        push(&DATE_CREATED_BEFORE, self.before.map(|t| t.iso8601().to_string()));
        push(&TO, self.to.clone());
        push(&COUNTRY, self.country.clone());
        push(&CHANNEL, self.channel.map(str::to_owned));
        push(&SERVICE, self.service.as_ref().map(ToString::to_string));
        push(&VERIFICATION, self.verification.as_ref().map(ToString::to_string));
        push(&STATUS, self.status.map(str::to_owned));
        push(&DESTINATION_PREFIX, self.prefix.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    #[test]
    fn reads_iso_dates_as_twilio_helpers_send_them() {
        let t = |s: &str| parse_datetime(s).map(|t| t.iso8601().to_string());
        assert_eq!(t("2026-11-23T20:01:02Z").as_deref(), Some("2026-11-23T20:01:02Z"));
        assert_eq!(t("2026-11-23T20:01:02.123Z").as_deref(), Some("2026-11-23T20:01:02Z"));
        assert_eq!(t("2026-11-23T20:01:02+00:00").as_deref(), Some("2026-11-23T20:01:02Z"));
        assert_eq!(t("2026-11-23").as_deref(), Some("2026-11-23T00:00:00Z"));
        assert_eq!(t("2028-02-29").as_deref(), Some("2028-02-29T00:00:00Z"), "a leap day (the spec's pattern takes it too)");
        for bad in ["", "2026-11-23T25:00:00Z", "2026-11-23T20:01:02", "2026-02-30T00:00:00Z", "2026-02-29", "yesterday", "2026-11-23T20:01:02.Z"] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_bad_filter_is_a_400_naming_it() {
        for (k, v) in [
            ("DateCreatedAfter", "nope"),
            ("DateCreatedBefore", "2026-13-01T00:00:00Z"),
            ("Country", "GBR"),
            ("Country", "1A"),
            ("Channel", "fax"),
            ("VerifyServiceSid", "VA1"),
            ("VerificationSid", "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Status", "approved"),
            ("DestinationPrefix", "44a"),
            ("ChannelData.To", "a\u{7}b"),
        ] {
            let body = Body::Form(vec![(k.into(), v.into())]);
            let err = AttemptFilter::parse(&body.input(Naming::Wire), &SUMMARY).unwrap_err();
            assert_eq!((err.status(), err.parameter()), (400, Some(k)), "{k}={v}");
        }
        let body = Body::from_query("DateCreatedAfter=2026-11-02T00:00:00Z&DateCreatedBefore=2026-11-01T00:00:00Z").unwrap();
        assert!(AttemptFilter::parse(&body.input(Naming::Wire), &LIST).is_ok(), "an empty range is no error: it lists nothing");
    }

    #[test]
    fn parses_and_writes_back_every_filter() {
        let q = "DateCreatedAfter=2026-11-01T00:00:00Z&ChannelData.To=%2B447700900123&Country=gb&Channel=sms&VerifyServiceSid=VAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&Status=CONVERTED";
        let body = Body::from_query(q).unwrap();
        let f = AttemptFilter::parse(&body.input(Naming::Wire), &LIST).unwrap();
        assert_eq!(f.country.as_deref(), Some("GB"));
        assert_eq!(f.status, Some("converted"));
        assert_eq!(f.to.as_deref(), Some("+447700900123"));
        assert_eq!(f.service.as_ref().map(|s| s.as_str().to_owned()), Some(format!("VA{}", "a".repeat(32))));
        let back: Vec<&str> = f.query_pairs().iter().map(|(k, _)| *k).collect();
        assert_eq!(back, ["DateCreatedAfter", "ChannelData.To", "Country", "Channel", "VerifyServiceSid", "Status"]);
        // The list ignores the Summary's own filter.
        let body = Body::from_query("DestinationPrefix=%2B44").unwrap();
        assert_eq!(AttemptFilter::parse(&body.input(Naming::Wire), &LIST).unwrap().prefix, None);
    }
}

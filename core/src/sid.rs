//! Twilio resource identifiers: a two-letter prefix and 32 hex digits, one newtype per resource,
//! and the randomness port they are made from.

use std::fmt;

/// The CSPRNG port (`crypto.getRandomValues` in the worker).
pub trait Rng {
    fn fill(&self, buf: &mut [u8]);
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// The bytes of lower- or upper-case hex text, if it is hex of exactly `N` bytes.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let value = |c: u8| char::from(c).to_digit(16);
        let (hi, lo) = (value(*pair.first()?)?, value(*pair.get(1)?)?);
        *byte = (hi * 16 + lo) as u8;
    }
    Some(out)
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// The prefix and 32 hex digits (normalised to lower case), or `None`.
            pub fn parse(text: &str) -> Option<Self> {
                let hex = text.strip_prefix($prefix)?;
                (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| Self(format!("{}{}", $prefix, hex.to_ascii_lowercase())))
            }

            pub fn generate(rng: &impl Rng) -> Self {
                let mut bytes = [0u8; 16];
                rng.fill(&mut bytes);
                Self::from_bytes(&bytes)
            }

            pub fn from_bytes(bytes: &[u8; 16]) -> Self {
                let mut text = String::with_capacity(34);
                text.push_str($prefix);
                text.push_str(&to_hex(bytes));
                Self(text)
            }

            /// The 16 bytes behind the hex digits.
            pub fn bytes(&self) -> [u8; 16] {
                self.0.get(2..).and_then(from_hex::<16>).unwrap_or([0; 16])
            }

            /// The SID Twilio's documentation uses: the prefix and 32 `a`s.
            pub fn example() -> Self {
                Self(format!("{}{}", $prefix, "a".repeat(32)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                Self::parse(&text).ok_or_else(|| format!("not a {} SID", $prefix))
            }
        }

        impl From<$name> for String {
            fn from(sid: $name) -> String {
                sid.0
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": concat!("^", $prefix, "[0-9a-fA-F]{32}$"),
                    "minLength": 34,
                    "maxLength": 34,
                })
            }
        }
    };
}

sid_type!(/// An account (`AC...`), the main account or a subaccount.
    AccountSid, "AC");
sid_type!(/// An API key (`SK...`).
    ApiKeySid, "SK");
sid_type!(/// A verification service (`VA...`).
    ServiceSid, "VA");
sid_type!(/// A verification (`VE...`); it names its target (see `verify::verification::target`).
    VerificationSid, "VE");
sid_type!(/// A verification send attempt (`VL...`).
    AttemptSid, "VL");
sid_type!(/// A Notify push credential (`CR...`).
    CredentialSid, "CR");
sid_type!(/// A verification message template (`HJ...`).
    TemplateSid, "HJ");
sid_type!(/// A Messaging Service (`MG...`).
    MessagingServiceSid, "MG");
sid_type!(/// A message sent through the Messages API (`SM...`); its first four bytes count down
    /// from the end of time, so SIDs of newer messages sort first (see `messaging::record`).
    MessageSid, "SM");
sid_type!(/// A service rate limit (`RK...`): a keyed name of its service and unique name.
    RateLimitSid, "RK");
sid_type!(/// A rate limit's bucket (`BL...`).
    BucketSid, "BL");
sid_type!(/// A safe list entry (`GN...`).
    SafeListSid, "GN");
sid_type!(/// A fraud guard block (`FB...`), edge-verify's own.
    FraudBlockSid, "FB");
sid_type!(/// A service's event webhook (`YW...`).
    WebhookSid, "YW");
sid_type!(/// An event delivered to webhooks (`EV...`), edge-verify's own: receivers dedupe by it.
    EventSid, "EV");

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    pub struct CountingRng(pub Cell<u8>);

    impl Rng for CountingRng {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                *b = self.0.get();
                self.0.set(self.0.get().wrapping_add(1));
            }
        }
    }

    #[test]
    fn parses_and_normalises() {
        let sid = ServiceSid::parse("VAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(sid.as_str(), "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert!(ServiceSid::parse("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_none(), "31 hex digits");
        assert!(ServiceSid::parse("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_none(), "33 hex digits");
        assert!(ServiceSid::parse("VAgggggggggggggggggggggggggggggggg").is_none(), "not hex");
        assert!(ServiceSid::parse("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_none(), "wrong prefix");
        assert!(ServiceSid::parse("vaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_none(), "prefix is case sensitive");
        assert!(ServiceSid::parse("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u{e9}").is_none(), "non-ascii");
    }

    #[test]
    fn generates_prefix_and_32_hex_and_round_trips_bytes() {
        let rng = CountingRng(Cell::new(0xf0));
        let sid = ApiKeySid::generate(&rng);
        assert_eq!(sid.as_str(), "SKf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        assert_eq!(ApiKeySid::parse(sid.as_str()), Some(sid.clone()));
        assert_eq!(ApiKeySid::from_bytes(&sid.bytes()), sid);
        assert_eq!(from_hex::<2>("0aFf"), Some([0x0a, 0xff]));
        assert_eq!(from_hex::<2>("0aF"), None);
        assert_eq!(from_hex::<1>("zz"), None);
    }

    #[test]
    fn serde_round_trip_rejects_bad_sids() {
        let sid: AccountSid = serde_json::from_str("\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"").unwrap();
        assert_eq!(serde_json::to_string(&sid).unwrap(), "\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
        assert!(serde_json::from_str::<AccountSid>("\"AC12\"").is_err());
    }
}

//! Twilio resource identifiers: a two-letter prefix and 32 hex digits, one newtype per resource.

use std::fmt;

/// The source of randomness. The worker uses the platform CSPRNG; tests may use a fixed sequence.
pub trait Rng {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The two-letter prefix of this kind of SID.
            pub const PREFIX: &'static str = $prefix;

            /// Parses `XX` + 32 hex digits; hex is normalised to lower case.
            pub fn parse(text: &str) -> Option<Self> {
                let hex = text.strip_prefix($prefix)?;
                (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| Self(format!("{}{}", $prefix, hex.to_ascii_lowercase())))
            }

            /// A new random SID.
            pub fn generate(rng: &impl Rng) -> Self {
                let mut bytes = [0u8; 16];
                rng.fill(&mut bytes);
                Self(format!("{}{}", $prefix, to_hex(&bytes)))
            }

            /// The SID Twilio's examples use: the prefix and 32 `a`s.
            pub fn example() -> Self {
                Self(format!("{}{}", $prefix, "a".repeat(32)))
            }

            /// The SID as text.
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
                Self::parse(&text).ok_or_else(|| format!("not a {} SID: {text}", $prefix))
            }
        }

        impl From<$name> for String {
            fn from(sid: $name) -> String {
                sid.0
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
sid_type!(/// A verification (`VE...`).
    VerificationSid, "VE");
sid_type!(/// A verification send attempt (`VL...`).
    AttemptSid, "VL");
sid_type!(/// A Notify push credential (`CR...`).
    CredentialSid, "CR");
sid_type!(/// A verification message template (`HJ...`).
    TemplateSid, "HJ");
sid_type!(/// A Messaging Service (`MG...`).
    MessagingServiceSid, "MG");

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    /// A deterministic counter "RNG" for tests.
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
        assert!(ServiceSid::parse("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u{e9}").is_none(), "non-ascii");
    }

    #[test]
    fn generates_prefix_and_32_hex() {
        let rng = CountingRng(Cell::new(0xf0));
        let sid = ApiKeySid::generate(&rng);
        assert_eq!(sid.as_str(), "SKf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        assert_eq!(ApiKeySid::parse(sid.as_str()), Some(sid));
    }

    #[test]
    fn serde_round_trip_rejects_bad_sids() {
        let sid: AccountSid = serde_json::from_str("\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"").unwrap();
        assert_eq!(serde_json::to_string(&sid).unwrap(), "\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
        assert!(serde_json::from_str::<AccountSid>("\"AC12\"").is_err());
    }
}

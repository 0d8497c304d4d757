//! Phone numbers in E.164 form.

use std::fmt;

/// A phone number in E.164 form: `+`, then 8 to 15 digits, not starting with 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(String);

impl E164 {
    /// Parses `+` followed by 8 to 15 digits, the first not 0.
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('+')?;
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        ok.then(|| Self(text.to_owned()))
    }

    /// The number with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for E164 {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| "not an E.164 phone number".to_owned())
    }
}

impl From<E164> for String {
    fn from(n: E164) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_e164() {
        assert!(E164::parse("+14155550100").is_some());
        assert!(E164::parse("+919876543210").is_some());
        for bad in ["14155550100", "+1415555", "+1234567890123456", "+0123456789", "+1 415 555 0100", "+1415555010a", ""] {
            assert!(E164::parse(bad).is_none(), "{bad}");
        }
    }
}

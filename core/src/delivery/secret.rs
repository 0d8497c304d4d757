//! A credential in the delivery configuration: readable by the provider code, invisible to
//! `Debug`, never returned by any API.

use serde::Deserialize;

/// A credential: readable by the provider code, invisible to `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret text, for building an outbound request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

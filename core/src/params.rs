//! Request parameters as Twilio sends them (form fields, or a JSON object), with typed readers
//! that turn raw text into values or a 60200 error naming the parameter.

use std::ops::RangeInclusive;

use crate::error::ApiError;

/// Name/value pairs from a query string or a body, in order, repeated keys kept. A JSON body
/// also keeps its object, so values can be type-checked against their parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    json: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A parameter that may be absent, set to a value, or explicitly emptied to clear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not sent: keep what is there.
    Keep,
    /// Sent empty: clear it.
    Clear,
    /// Sent with a value.
    Set(T),
}

impl<T> Patch<T> {
    /// Applies this patch to an optional field.
    pub fn apply(self, field: &mut Option<T>) {
        match self {
            Self::Keep => {}
            Self::Clear => *field = None,
            Self::Set(value) => *field = Some(value),
        }
    }
}

impl Params {
    /// Pairs given directly (tests, internal dispatch).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { pairs: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), json: None }
    }

    /// Parses a URL query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, ApiError> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map(|pairs| Self { pairs, json: None })
            .map_err(|_| ApiError::MalformedBody("the query string is not valid".into()))
    }

    /// Decodes a request body by its content type: a form, or a JSON object whose values are
    /// strings, numbers, booleans, arrays (repeated keys) or objects (kept as JSON text).
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        let media_type = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|ct| ct.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let trimmed = body
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .and_then(|i| body.get(i..))
            .unwrap_or(&[]);
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        let looks_json = trimmed.first() == Some(&b'{');
        match media_type.as_str() {
            "application/json" => Self::from_json(body),
            "" if looks_json => Self::from_json(body),
            t if t.starts_with("multipart/") => Err(ApiError::MalformedBody(
                "multipart bodies are not supported; send application/x-www-form-urlencoded or application/json".into(),
            )),
            _ => Self::from_form(body),
        }
    }

    fn from_form(body: &[u8]) -> Result<Self, ApiError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::MalformedBody("the form body is not valid UTF-8".into()))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
            .map_err(|_| ApiError::MalformedBody("the form body could not be decoded".into()))?;
        if pairs.iter().any(|(k, v)| k.contains('\u{fffd}') || v.contains('\u{fffd}')) {
            return Err(ApiError::MalformedBody("the form body has invalid percent-encoded UTF-8".into()));
        }
        Ok(Self { pairs, json: None })
    }

    fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::MalformedBody(format!("not valid JSON ({e})")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(ApiError::MalformedBody("a JSON body must be an object".into()));
        };
        let mut pairs = Vec::with_capacity(map.len());
        for (key, value) in &map {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => {
                    pairs.extend(items.iter().map(|item| (key.clone(), json_text(item))));
                }
                other => pairs.push((key.clone(), json_text(other))),
            }
        }
        Ok(Self { pairs, json: Some(map) })
    }

    /// For a JSON body, checks each value's JSON type against its parameter (strings for text,
    /// numbers for integers, booleans, objects; never arrays). Form bodies carry no types.
    pub fn check_json_types(&self, specs: &[crate::spec::ParamSpec]) -> Result<(), ApiError> {
        let Some(json) = &self.json else { return Ok(()) };
        for spec in specs {
            if let Some(value) = json.get(spec.wire) {
                spec.check_json(value)?;
            }
        }
        Ok(())
    }

    /// The first value of `name`, raw.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether `name` was sent at all.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A text value of at most `max_chars` characters, without control characters.
    pub fn text(&self, name: &str, max_chars: usize) -> Result<Option<String>, ApiError> {
        self.get(name).map(|v| check_text(name, v, max_chars)).transpose()
    }

    /// Like [`Params::text`], but the parameter must be present and non-empty.
    pub fn required_text(&self, name: &str, max_chars: usize) -> Result<String, ApiError> {
        match self.text(name, max_chars)? {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(ApiError::invalid(name, "must not be empty")),
            None => Err(ApiError::invalid(name, "is required")),
        }
    }

    /// An optional text value where an empty value clears the field.
    pub fn text_patch(&self, name: &str, max_chars: usize) -> Result<Patch<String>, ApiError> {
        Ok(match self.text(name, max_chars)? {
            None => Patch::Keep,
            Some(v) if v.is_empty() => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }

    /// A boolean: `true` or `false` in any letter case.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::invalid(name, "must be true or false")),
            })
            .transpose()
    }

    /// A whole number inside `range`.
    pub fn integer(&self, name: &str, range: RangeInclusive<i64>) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            name,
                            format!("must be an integer from {} to {}", range.start(), range.end()),
                        )
                    })
            })
            .transpose()
    }

    /// One of a fixed set of words, compared exactly.
    pub fn one_of(&self, name: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, ApiError> {
        self.get(name)
            .map(|v| {
                allowed
                    .iter()
                    .find(|a| **a == v)
                    .copied()
                    .ok_or_else(|| ApiError::invalid(name, format!("must be one of: {}", allowed.join(", "))))
            })
            .transpose()
    }

    /// A SID parsed by `parse`; an empty value clears the field.
    pub fn sid_patch<T>(&self, name: &str, parse: fn(&str) -> Option<T>, prefix: &str) -> Result<Patch<T>, ApiError> {
        match self.get(name) {
            None => Ok(Patch::Keep),
            Some("") => Ok(Patch::Clear),
            Some(v) => parse(v)
                .map(Patch::Set)
                .ok_or_else(|| ApiError::invalid(name, format!("must be a SID: {prefix} followed by 32 hex digits"))),
        }
    }
}

/// A JSON value as parameter text: strings as they are, anything else as its JSON text.
pub fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_text(name: &str, value: &str, max_chars: usize) -> Result<String, ApiError> {
    if value.chars().count() > max_chars {
        return Err(ApiError::invalid(name, format!("must be at most {max_chars} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(name, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_with_repeated_and_dotted_keys() {
        let p = Params::from_body(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"FriendlyName=My+Service&Push.IncludeDate=false&EventTypes=a&EventTypes=b",
        )
        .unwrap();
        assert_eq!(p.get("FriendlyName"), Some("My Service"));
        assert_eq!(p.boolean("Push.IncludeDate").unwrap(), Some(false));
        assert_eq!(p.all("EventTypes").collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn decodes_json_objects() {
        let p = Params::from_body(
            Some("application/json"),
            br#"{"FriendlyName":"x","CodeLength":6,"LookupEnabled":true,"RateLimits":{"k":"v"},"Tags":["a",1],"Nope":null}"#,
        )
        .unwrap();
        assert_eq!(p.integer("CodeLength", 4..=10).unwrap(), Some(6));
        assert_eq!(p.boolean("LookupEnabled").unwrap(), Some(true));
        assert_eq!(p.get("RateLimits"), Some(r#"{"k":"v"}"#));
        assert_eq!(p.all("Tags").collect::<Vec<_>>(), ["a", "1"]);
        assert!(!p.has("Nope"));
        assert!(Params::from_body(None, br#" {"a":"b"}"#).unwrap().has("a"), "sniffed JSON");
    }

    #[test]
    fn rejects_bodies_that_cannot_be_decoded() {
        for (ct, body) in [
            (Some("application/json"), &b"{not json"[..]),
            (Some("application/json"), b"[1,2]"),
            (Some("application/x-www-form-urlencoded"), b"a=%FF%FE"),
            (Some("application/x-www-form-urlencoded"), b"a=\xff"),
            (Some("multipart/form-data; boundary=x"), b"--x"),
        ] {
            let err = Params::from_body(ct, body).unwrap_err();
            assert_eq!(err.status(), 400, "{ct:?} {body:?}");
        }
        assert_eq!(Params::from_body(Some("application/json"), b"  ").unwrap(), Params::default());
    }

    #[test]
    fn typed_readers_name_the_parameter() {
        let p = Params::from_pairs([("B", "yes"), ("N", "3"), ("T", "a\u{7}b"), ("S", "VA12"), ("E", "")]);
        assert_eq!(p.boolean("B").unwrap_err().parameter(), Some("B"));
        assert_eq!(p.integer("N", 4..=10).unwrap_err().parameter(), Some("N"));
        assert_eq!(p.text("T", 10).unwrap_err().parameter(), Some("T"));
        assert_eq!(
            p.sid_patch("S", crate::sid::ServiceSid::parse, "VA").unwrap_err().parameter(),
            Some("S")
        );
        assert_eq!(p.sid_patch("E", crate::sid::ServiceSid::parse, "VA").unwrap(), Patch::Clear);
        assert_eq!(p.required_text("Missing", 5).unwrap_err().parameter(), Some("Missing"));
        assert_eq!(p.required_text("E", 5).unwrap_err().parameter(), Some("E"));
        assert_eq!(Params::from_pairs([("B", "TRUE")]).boolean("B").unwrap(), Some(true));
        assert_eq!(Params::from_pairs([("N", "1e3")]).integer("N", 0..=9999).unwrap_err().parameter(), Some("N"));
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let p = Params::from_pairs([("F", "é".repeat(32))]);
        assert!(p.text("F", 32).is_ok());
        assert!(p.text("F", 31).is_err());
    }
}

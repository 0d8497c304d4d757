//! Request input as the two faces give it: form fields or a JSON object named by Twilio's wire
//! names (the REST face), or a JSON object named by snake_case fields (the actions face). The
//! request parsers read every value through a [`ParamSpec`], so one parser serves both faces,
//! JSON values keep their types (no flattening to text and parsing again), and every error names
//! the parameter the way its caller spelled it.

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::spec::{Kind, ParamSpec};

/// A decoded query string or body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    /// No body, or an empty one.
    #[default]
    Empty,
    /// `application/x-www-form-urlencoded` (or a query string), repeated keys kept in order.
    Form(Vec<(String, String)>),
    /// A JSON object.
    Json(Map<String, Value>),
}

/// How the caller names parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `CodeLength`: the REST face.
    Wire,
    /// `code_length`: the actions face.
    Field,
}

/// A parameter that may be absent, set to a value, or explicitly emptied to clear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn apply(self, field: &mut Option<T>) {
        match self {
            Self::Keep => {}
            Self::Clear => *field = None,
            Self::Set(value) => *field = Some(value),
        }
    }
}

fn form_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ()> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    if pairs.iter().any(|(k, v)| k.contains('\u{fffd}') || v.contains('\u{fffd}')) {
        return Err(());
    }
    Ok(pairs)
}

impl Body {
    /// Parses a URL query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, ApiError> {
        if query.is_empty() {
            return Ok(Self::Empty);
        }
        form_pairs(query.as_bytes())
            .map(Self::Form)
            .map_err(|()| ApiError::MalformedBody("the query string has invalid percent-encoded UTF-8".into()))
    }

    /// Decodes a request body by its content type: a form, or a JSON object (sniffed when there
    /// is no content type).
    pub fn from_request(content_type: Option<&str>, body: &[u8]) -> Result<Self, ApiError> {
        let media_type = content_type.and_then(|ct| ct.split(';').next()).map(str::trim).unwrap_or_default();
        let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else { return Ok(Self::Empty) };
        let looks_json = body.get(first) == Some(&b'{');
        if media_type.eq_ignore_ascii_case("application/json") || (media_type.is_empty() && looks_json) {
            return Self::from_json(body);
        }
        if media_type.len() >= 10 && media_type.get(..10).is_some_and(|m| m.eq_ignore_ascii_case("multipart/")) {
            return Err(ApiError::MalformedBody(
                "multipart bodies are not supported; send application/x-www-form-urlencoded or application/json".into(),
            ));
        }
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::MalformedBody("the form body is not valid UTF-8".into()));
        }
        form_pairs(body)
            .map(Self::Form)
            .map_err(|()| ApiError::MalformedBody("the form body has invalid percent-encoded UTF-8".into()))
    }

    /// A JSON object body; anything else is a 400.
    pub fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::Empty);
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self::Json(map)),
            Ok(_) => Err(ApiError::MalformedBody("a JSON body must be an object".into())),
            Err(e) => Err(ApiError::MalformedBody(format!("not valid JSON ({e})"))),
        }
    }

    pub fn input(&self, naming: Naming) -> Input<'_> {
        Input { body: self, naming }
    }
}

/// What is wrong with `value` as text for `spec`, if anything.
fn text_problem(spec: &ParamSpec, value: &str) -> Option<String> {
    let max = spec.max_chars();
    if value.chars().count() > max {
        Some(format!("must be at most {max} characters"))
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters".to_owned())
    } else {
        None
    }
}

/// [`Input::text`]'s rules for a value read earlier, naming the parameter by its wire name (the
/// actions face renames it to the field).
pub fn check_text(spec: &ParamSpec, value: &str) -> Result<String, ApiError> {
    text_problem(spec, value).map_or_else(|| Ok(value.to_owned()), |why| Err(ApiError::invalid(spec.wire, why)))
}

/// One value as given: text from a form, or a non-null JSON value.
#[derive(Debug, Clone, Copy)]
enum Raw<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// A view of a body through which typed values are read.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    body: &'a Body,
    naming: Naming,
}

impl<'a> Input<'a> {
    pub fn naming(&self) -> Naming {
        self.naming
    }

    /// The parameter's name as this caller spells it.
    pub fn name(&self, spec: &ParamSpec) -> &'static str {
        match self.naming {
            Naming::Wire => spec.wire,
            Naming::Field => spec.field,
        }
    }

    pub fn invalid(&self, spec: &ParamSpec, detail: impl Into<String>) -> ApiError {
        ApiError::invalid(self.name(spec), detail)
    }

    fn raw(&self, spec: &ParamSpec) -> Option<Raw<'a>> {
        let name = self.name(spec);
        match self.body {
            Body::Empty => None,
            Body::Form(pairs) => pairs.iter().find(|(k, _)| k == name).map(|(_, v)| Raw::Text(v.as_str())),
            Body::Json(map) => map.get(name).filter(|v| !v.is_null()).map(Raw::Json),
        }
    }

    /// Whether the parameter was given (JSON `null` means not given).
    pub fn has(&self, spec: &ParamSpec) -> bool {
        self.raw(spec).is_some()
    }

    fn wrong_type(&self, spec: &ParamSpec) -> ApiError {
        let expected = match spec.kind {
            Kind::Text { .. } | Kind::Sid(_) | Kind::Choice(_) => "a string",
            Kind::Integer { .. } => "an integer",
            Kind::Boolean => "true or false",
            Kind::Object => "a JSON object",
            Kind::Pairs => "a list of {key, value} pairs",
            Kind::TextOrObject => "text or a JSON object",
        };
        self.invalid(spec, format!("must be {expected}"))
    }

    /// The text as given, unchecked (for values the caller parses itself, such as `To`).
    pub fn raw_text(&self, spec: &ParamSpec) -> Result<Option<&'a str>, ApiError> {
        match self.raw(spec) {
            None => Ok(None),
            Some(Raw::Text(t)) => Ok(Some(t)),
            Some(Raw::Json(Value::String(s))) => Ok(Some(s.as_str())),
            Some(Raw::Json(_)) => Err(self.wrong_type(spec)),
        }
    }

    /// Text of at most the spec's length, without control characters.
    pub fn text(&self, spec: &ParamSpec) -> Result<Option<String>, ApiError> {
        let Some(value) = self.raw_text(spec)? else { return Ok(None) };
        text_problem(spec, value).map_or_else(|| Ok(Some(value.to_owned())), |why| Err(self.invalid(spec, why)))
    }

    /// Like [`Input::text`], but an empty value clears the field.
    pub fn text_patch(&self, spec: &ParamSpec) -> Result<Patch<String>, ApiError> {
        Ok(match self.text(spec)? {
            None => Patch::Keep,
            Some(v) if v.is_empty() => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }

    /// A whole number inside the spec's bounds.
    pub fn integer(&self, spec: &ParamSpec) -> Result<Option<i64>, ApiError> {
        let range = spec.range();
        let number = match self.raw(spec) {
            None => return Ok(None),
            Some(Raw::Text(t)) => t.trim().parse::<i64>().ok(),
            Some(Raw::Json(Value::Number(n))) => Some(n.as_i64().ok_or_else(|| self.wrong_type(spec))?),
            Some(Raw::Json(_)) => return Err(self.wrong_type(spec)),
        };
        number
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| self.invalid(spec, format!("must be an integer from {} to {}", range.start(), range.end())))
    }

    /// Like [`Input::integer`], but an empty value clears the field.
    pub fn integer_patch(&self, spec: &ParamSpec) -> Result<Patch<i64>, ApiError> {
        if self.raw_text(spec).ok().flatten() == Some("") {
            return Ok(Patch::Clear);
        }
        Ok(self.integer(spec)?.map_or(Patch::Keep, Patch::Set))
    }

    /// `true` or `false` (in any letter case in forms).
    pub fn boolean(&self, spec: &ParamSpec) -> Result<Option<bool>, ApiError> {
        match self.raw(spec) {
            None => Ok(None),
            Some(Raw::Json(Value::Bool(b))) => Ok(Some(*b)),
            Some(Raw::Text(t)) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Raw::Text(t)) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(Raw::Text(_)) => Err(self.invalid(spec, "must be true or false")),
            Some(Raw::Json(_)) => Err(self.wrong_type(spec)),
        }
    }

    /// One of the spec's choices, compared exactly.
    pub fn choice(&self, spec: &ParamSpec) -> Result<Option<&'static str>, ApiError> {
        let Some(value) = self.raw_text(spec)? else { return Ok(None) };
        let allowed = spec.choices();
        allowed
            .iter()
            .find(|a| **a == value)
            .copied()
            .map(Some)
            .ok_or_else(|| self.invalid(spec, format!("must be one of: {}", allowed.join(", "))))
    }

    /// A SID parsed by `parse`; an empty value clears the field.
    pub fn sid_patch<T>(&self, spec: &ParamSpec, parse: fn(&str) -> Option<T>) -> Result<Patch<T>, ApiError> {
        match self.raw_text(spec)? {
            None => Ok(Patch::Keep),
            Some("") => Ok(Patch::Clear),
            Some(v) => parse(v).map(Patch::Set).ok_or_else(|| {
                let prefix = match spec.kind {
                    Kind::Sid(prefix) => prefix,
                    _ => "",
                };
                self.invalid(spec, format!("must be a SID: {prefix} followed by 32 hex digits"))
            }),
        }
    }

    /// A JSON object: given as one in JSON, or as JSON text in a form. Empty text is "not given".
    pub fn object(&self, spec: &ParamSpec) -> Result<Option<Map<String, Value>>, ApiError> {
        match self.raw(spec) {
            None | Some(Raw::Text("")) => Ok(None),
            Some(Raw::Json(Value::Object(map))) => Ok(Some(map.clone())),
            Some(Raw::Text(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Ok(Some(map)),
                _ => Err(self.invalid(spec, "must be a JSON object")),
            },
            Some(Raw::Json(_)) => Err(self.wrong_type(spec)),
        }
    }

    /// The raw JSON value (for `make_api_call`'s free-form body), after a type check.
    pub fn json(&self, spec: &ParamSpec) -> Result<Option<&'a Value>, ApiError> {
        match self.raw(spec) {
            None => Ok(None),
            Some(Raw::Json(v)) => {
                let ok = match spec.kind {
                    Kind::TextOrObject => v.is_string() || v.is_object(),
                    Kind::Pairs => v.as_array().is_some_and(|items| {
                        items.iter().all(|i| {
                            i.as_object().is_some_and(|pair| {
                                pair.get("key").and_then(Value::as_str).is_some_and(|k| !k.is_empty())
                                    && pair.get("value").is_none_or(Value::is_string)
                            })
                        })
                    }),
                    _ => true,
                };
                if ok {
                    Ok(Some(v))
                } else {
                    Err(self.wrong_type(spec))
                }
            }
            Some(Raw::Text(_)) => Err(self.wrong_type(spec)),
        }
    }

    /// A `{key, value}` list as pairs.
    pub fn pairs(&self, spec: &ParamSpec) -> Result<Vec<(String, String)>, ApiError> {
        let Some(Value::Array(items)) = self.json(spec)? else { return Ok(Vec::new()) };
        Ok(items
            .iter()
            .filter_map(|item| {
                let key = item.get("key")?.as_str()?;
                let value = item.get("value").and_then(Value::as_str).unwrap_or_default();
                Some((key.to_owned(), value.to_owned()))
            })
            .collect())
    }

    /// Every value of a list parameter: repeated form keys (as Twilio's libraries send lists),
    /// each possibly comma-separated, or a JSON string or array of strings. `None`: not given.
    pub fn list(&self, spec: &ParamSpec) -> Result<Option<Vec<String>>, ApiError> {
        let name = self.name(spec);
        let texts: Vec<&str> = match self.body {
            Body::Empty => Vec::new(),
            Body::Form(pairs) => pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect(),
            Body::Json(map) => match map.get(name) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().map(|i| i.as_str().ok_or_else(|| self.invalid(spec, "must be a list of strings"))).collect::<Result<_, _>>()?,
                Some(_) => return Err(self.invalid(spec, "must be a list of strings")),
            },
        };
        if texts.is_empty() && !self.has(spec) {
            return Ok(None);
        }
        let mut out = Vec::new();
        for text in texts {
            if let Some(why) = text_problem(spec, text) {
                return Err(self.invalid(spec, why));
            }
            out.extend(text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned));
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{paging, service, verification};

    fn form(text: &str) -> Body {
        Body::from_request(Some("application/x-www-form-urlencoded; charset=utf-8"), text.as_bytes()).unwrap()
    }

    fn json(text: &str) -> Body {
        Body::from_request(Some("application/json"), text.as_bytes()).unwrap()
    }

    #[test]
    fn reads_forms_by_wire_name() {
        let body = form("FriendlyName=My+Service&Push.IncludeDate=FALSE&CodeLength=8");
        let input = body.input(Naming::Wire);
        assert_eq!(input.text(&service::FRIENDLY_NAME).unwrap().as_deref(), Some("My Service"));
        assert_eq!(input.boolean(&service::BOOLEANS[6]).unwrap(), Some(false));
        assert_eq!(input.integer(&service::CODE_LENGTH).unwrap(), Some(8));
        assert!(!input.has(&service::TTS_NAME));
    }

    #[test]
    fn reads_typed_json_and_names_fields_by_face() {
        let rest = json(r#"{"FriendlyName":"x","CodeLength":6,"LookupEnabled":true,"RateLimits":{"k":"v"},"TtsName":null}"#);
        let input = rest.input(Naming::Wire);
        assert_eq!(input.integer(&service::CODE_LENGTH).unwrap(), Some(6));
        assert_eq!(input.boolean(&service::BOOLEANS[0]).unwrap(), Some(true));
        assert_eq!(input.object(&verification::RATE_LIMITS).unwrap().unwrap()["k"], "v");
        assert!(!input.has(&service::TTS_NAME), "null means not given");
        let action = json(r#"{"code_length":"6","friendly_name":7}"#);
        let input = action.input(Naming::Field);
        assert_eq!(input.integer(&service::CODE_LENGTH).unwrap_err().to_string(), "Invalid parameter: code_length: must be an integer");
        assert_eq!(input.text(&service::FRIENDLY_NAME).unwrap_err().parameter(), Some("friendly_name"));
        assert!(Body::from_request(None, br#" {"a":"b"}"#).unwrap() != Body::Empty, "sniffed JSON");
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
            let err = Body::from_request(ct, body).unwrap_err();
            assert_eq!(err.status(), 400, "{ct:?} {body:?}");
        }
        assert_eq!(Body::from_request(Some("application/json"), b"  ").unwrap(), Body::Empty);
    }

    #[test]
    fn typed_readers_name_the_parameter() {
        let body = form("LookupEnabled=yes&CodeLength=3&FriendlyName=a%07b&Push.ApnCredentialSid=CR12&TtsName=&PageSize=1e3");
        let input = body.input(Naming::Wire);
        assert_eq!(input.boolean(&service::BOOLEANS[0]).unwrap_err().parameter(), Some("LookupEnabled"));
        assert_eq!(input.integer(&service::CODE_LENGTH).unwrap_err().parameter(), Some("CodeLength"));
        assert_eq!(input.text(&service::FRIENDLY_NAME).unwrap_err().parameter(), Some("FriendlyName"));
        let apn = input.sid_patch(&service::PUSH_APN, crate::sid::CredentialSid::parse).unwrap_err();
        assert_eq!(apn.to_string(), "Invalid parameter: Push.ApnCredentialSid: must be a SID: CR followed by 32 hex digits");
        assert_eq!(input.text_patch(&service::TTS_NAME).unwrap(), Patch::Clear);
        assert_eq!(input.integer(&paging::PAGE_SIZE).unwrap_err().parameter(), Some("PageSize"));
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let body = Body::Form(vec![("FriendlyName".into(), "é".repeat(30))]);
        assert!(body.input(Naming::Wire).text(&service::FRIENDLY_NAME).is_ok());
        let body = Body::Form(vec![("FriendlyName".into(), "é".repeat(31))]);
        assert!(body.input(Naming::Wire).text(&service::FRIENDLY_NAME).is_err());
    }
}

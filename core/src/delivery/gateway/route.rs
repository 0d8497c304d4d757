//! One generic SMS gateway (`gateways` in `DELIVERY_CONFIG`): where and how to send, the body
//! template with its placeholders, and which answer means "accepted". Checked once at parse
//! time. The URL, the header values and the template's values may hold credentials: `Debug`
//! hides them, and errors name the setting, never its text.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::delivery::secret::Secret;

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["message", "code", "to", "to_digits", "from", "verification_sid"];

/// The HTTP method (`POST` unless set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Method {
    #[serde(rename = "GET", alias = "get")]
    Get,
    #[default]
    #[serde(rename = "POST", alias = "post")]
    Post,
    #[serde(rename = "PUT", alias = "put")]
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }
}

/// How the template is encoded: a form (the default; with GET, the query string) or JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Form,
    Json,
}

/// The body (with GET, the query) as a JSON object whose strings may hold placeholders.
/// `Debug` shows only its keys: values such as `api_secret` are credentials.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Template(pub(super) Map<String, Value>);

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// `Authorization: Basic` from a user name and a password.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password: Secret,
}

/// An accepted HTTP status: `202`, or `"2xx"`, or `"200-204"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StatusRule {
    Code(u16),
    Text(String),
}

impl StatusRule {
    fn range(&self) -> Option<(u16, u16)> {
        let (low, high) = match self {
            Self::Code(code) => (*code, *code),
            Self::Text(text) => match (text.strip_suffix("xx"), text.split_once('-')) {
                (Some(hundreds), _) if hundreds.len() == 1 => {
                    let h: u16 = hundreds.parse().ok()?;
                    (h * 100, h * 100 + 99)
                }
                (_, Some((low, high))) => (low.trim().parse().ok()?, high.trim().parse().ok()?),
                _ => return None,
            },
        };
        (100 <= low && low <= high && high <= 599).then_some((low, high))
    }
}

/// What answer means the gateway took the message: a status in `status` (any 2xx when empty)
/// and, when `field` is set, the JSON answer's value at that dotted path (`messages.0.status`)
/// equal to `equals` (or to one of them, when it is a list). `error_field` points at the
/// gateway's own error text, quoted in the 502 when it refuses.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    #[serde(default)]
    pub status: Vec<StatusRule>,
    pub field: Option<String>,
    pub equals: Option<Value>,
    pub error_field: Option<String>,
}

impl Accepted {
    /// Whether `status` is one of the accepted ones.
    pub fn status_ok(&self, status: u16) -> bool {
        if self.status.is_empty() {
            return (200..300).contains(&status);
        }
        self.status.iter().filter_map(StatusRule::range).any(|(low, high)| (low..=high).contains(&status))
    }

    /// Whether `found` (the answer's `field`) is what `equals` asks for: the same JSON value, or
    /// the same text (`"0"` matches `0`).
    pub fn field_ok(&self, found: &Value) -> bool {
        let same = |want: &Value| want == found || matches!((scalar_text(want), scalar_text(found)), (Some(a), Some(b)) if a == b);
        match &self.equals {
            Some(Value::Array(any)) => any.iter().any(same),
            Some(want) => same(want),
            None => true,
        }
    }
}

/// A string as it is, a number or boolean as its JSON text; `None` for the rest.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// The value at a dotted path (`messages.0.status`: numbers index arrays).
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |here, step| match here {
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Object(map) => map.get(step),
        _ => None,
    })
}

/// A piece of template text.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// `{name}`: lowercase letters and `_` between braces. Any other brace is text.
    Slot(&'a str),
}

/// Splits `text` into literal text and placeholders.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('{') {
        out.push(Piece::Text(before));
        let end = after.find(|c: char| !(c.is_ascii_lowercase() || c == '_')).unwrap_or(after.len());
        match after.split_at_checked(end) {
            Some((name, tail)) if !name.is_empty() && tail.starts_with('}') => {
                out.push(Piece::Slot(name));
                rest = tail.strip_prefix('}').unwrap_or(tail);
            }
            _ => {
                out.push(Piece::Text("{"));
                rest = after;
            }
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// One gateway, for destinations starting with `prefix` (`*`: every other one).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GatewayRoute {
    pub prefix: String,
    /// `https://...`; placeholders in it are percent-encoded.
    pub url: Secret,
    #[serde(default)]
    pub method: Method,
    /// Sent as they are (write-only: they usually hold the credentials).
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    pub basic_auth: Option<BasicAuth>,
    #[serde(default)]
    pub format: Format,
    #[serde(default)]
    pub body: Template,
    /// The sender (`{from}`): a number or an alphanumeric sender ID.
    pub from: Option<String>,
    #[serde(default)]
    pub accepted: Accepted,
}

/// Checks a gateway URL as a webhook receiver's is checked (`events::url`: https to a public
/// host, in any form a URL parser reads; in dev mode also http to loopback), with a hint for
/// credentials in it.
fn check_url(url: &str, dev_mode: bool) -> Result<(), &'static str> {
    let authority = url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?', '\\']).next().unwrap_or_default());
    if authority.contains('@') {
        return Err("must not carry a user and password: use basic_auth");
    }
    crate::events::url::check(url, dev_mode)
}

fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl GatewayRoute {
    /// Checks the route at `gateways[i]`. The error names the setting and never quotes a value.
    pub fn check(&self, i: usize, dev_mode: bool) -> Result<(), String> {
        let at = format!("gateways[{i}]");
        let prefix_ok = self.prefix == "*" || self.prefix.strip_prefix('+').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if !prefix_ok {
            return Err(format!("{at}.prefix must be + and digits, or *"));
        }
        check_url(self.url.expose(), dev_mode).map_err(|why| format!("{at}.url {why}"))?;
        for (name, value) in &self.headers {
            if !is_token(name) {
                return Err(format!("{at}.headers: a header name is not a valid HTTP token"));
            }
            if value.expose().chars().any(|c| c.is_control() || !c.is_ascii()) {
                return Err(format!("{at}.headers.{name} has a control or non-ASCII character"));
            }
            if self.basic_auth.is_some() && name.eq_ignore_ascii_case("authorization") {
                return Err(format!("{at} sets both basic_auth and headers.{name}: keep one"));
            }
        }
        if self.basic_auth.as_ref().is_some_and(|b| b.username.contains(':') || b.username.chars().any(char::is_control)) {
            return Err(format!("{at}.basic_auth.username must not hold a colon or a control character"));
        }
        if self.from.as_deref().is_some_and(|f| f.is_empty() || f.chars().any(char::is_control)) {
            return Err(format!("{at}.from must be a non-empty sender without control characters"));
        }
        if self.method == Method::Get && self.format == Format::Json {
            return Err(format!("{at}.format json needs method POST or PUT (GET sends the template as the query)"));
        }
        // Every placeholder is known, and the message reaches its recipient.
        let mut used = Vec::new();
        let mut strings = vec![(format!("{at}.url"), self.url.expose())];
        for (key, value) in &self.body.0 {
            let setting = format!("{at}.body.{key}");
            if self.format == Format::Form && scalar_text(value).is_none() {
                return Err(format!("{setting} must be text, a number or a boolean in a form or query template"));
            }
            collect(value, &setting, &mut strings);
        }
        for (setting, text) in strings {
            for piece in pieces(text) {
                if let Piece::Slot(name) = piece {
                    if !PLACEHOLDERS.contains(&name) {
                        return Err(format!("{setting} has an unknown placeholder; the known ones are {{{}}}", PLACEHOLDERS.join("}, {")));
                    }
                    used.push(name);
                }
            }
        }
        if !used.iter().any(|n| *n == "message" || *n == "code") {
            return Err(format!("{at} never sends {{message}} or {{code}}: put one in body (or url)"));
        }
        if !used.iter().any(|n| *n == "to" || *n == "to_digits") {
            return Err(format!("{at} never sends {{to}} or {{to_digits}}: put one in body (or url)"));
        }
        if used.contains(&"from") && self.from.is_none() {
            return Err(format!("{at} uses {{from}} but sets no from"));
        }
        self.check_accepted(&at)
    }

    fn check_accepted(&self, at: &str) -> Result<(), String> {
        let rule = &self.accepted;
        if rule.status.iter().any(|s| s.range().is_none()) {
            return Err(format!("{at}.accepted.status must list statuses (202), classes (\"2xx\") or ranges (\"200-204\") within 100-599"));
        }
        let path_ok = |p: &String| !p.is_empty() && p.split('.').all(|s| !s.is_empty()) && !p.chars().any(char::is_control);
        match (&rule.field, &rule.equals) {
            (Some(field), Some(equals)) if path_ok(field) => {
                let scalars = match equals {
                    Value::Array(any) => !any.is_empty() && any.iter().all(|v| scalar_text(v).is_some()),
                    other => scalar_text(other).is_some(),
                };
                if !scalars {
                    return Err(format!("{at}.accepted.equals must be text, a number, a boolean or a list of them"));
                }
            }
            (Some(_), Some(_)) => return Err(format!("{at}.accepted.field must be a dotted path such as messages.0.status")),
            (None, None) => {}
            _ => return Err(format!("{at}.accepted needs field and equals together")),
        }
        if rule.error_field.as_ref().is_some_and(|p| !path_ok(p)) {
            return Err(format!("{at}.accepted.error_field must be a dotted path such as messages.0.error-text"));
        }
        Ok(())
    }
}

/// Every string in `value`, with the setting that holds it.
fn collect<'v>(value: &'v Value, setting: &str, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(s) => out.push((setting.to_owned(), s)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| collect(v, &format!("{setting}.{i}"), out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| collect(v, &format!("{setting}.{k}"), out)),
        _ => {}
    }
}

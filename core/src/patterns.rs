//! The form of each text parameter, as a regular expression (ECMA-262, which JSON Schema and
//! OpenAPI use): exactly what the parsers accept beyond the length limit, written down for the
//! spec so that a client (or a property-based tester) that follows the spec is never refused. A
//! text parameter with no entry here takes any characters but control characters
//! (`Input::text`). The parsers stay the authority: the connector's tests run every documented
//! example through them, the spec linters check that each example matches its pattern, and
//! schemathesis (tests/e2e/schemathesis.test.mjs) sends what the patterns allow and forbid.

use crate::history::params as history;
use crate::spec::{api_call, client_token, ids, paging, rate_limit, safe_list, service, verification, Kind, ParamSpec};

/// Any text without control characters (Unicode category Cc), as `Input::text` checks.
pub const TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// Non-empty text without control characters.
const NON_EMPTY_TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]+$";
/// A phone number in E.164 form (`channel::is_e164`).
pub const E164: &str = r"^\+[1-9][0-9]{7,14}$";
/// An email address (`channel::normalise_email`; stricter: no empty domain label).
pub const EMAIL: &str = r#"^[^\s<>()\[\]\\,;:"@\u0000-\u001F\u007F-\u009F]{1,64}@[^\s<>()\[\]\\,;:"@.\u0000-\u001F\u007F-\u009F]+(?:\.[^\s<>()\[\]\\,;:"@.\u0000-\u001F\u007F-\u009F]+)+$"#;
/// A phone number in E.164 form or an email address (`channel::parse_any_recipient`).
pub const RECIPIENT: &str = r#"^(?:\+[1-9][0-9]{7,14}|[^\s<>()\[\]\\,;:"@\u0000-\u001F\u007F-\u009F]{1,64}@[^\s<>()\[\]\\,;:"@.\u0000-\u001F\u007F-\u009F]+(?:\.[^\s<>()\[\]\\,;:"@.\u0000-\u001F\u007F-\u009F]+)+)$"#;
/// A friendly name (`check_friendly_name`): not blank, at most 4 digits, no control characters
/// and none of `<>/\@:{}|#%=[]` backtick and double quote.
const FRIENDLY_NAME: &str = r#"^[^\S\u0000-\u001F\u007F-\u009F]*(?:[^\s0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*(?:[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*){0,4}|[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*(?:[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*){0,3})$"#;
/// The same, or empty (`CustomFriendlyName`: empty means not given).
const FRIENDLY_NAME_OR_EMPTY: &str = r#"^(?:[^\S\u0000-\u001F\u007F-\u009F]*(?:[^\s0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*(?:[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*){0,4}|[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*(?:[0-9][^0-9<>/\\@:{}|#%=\[\]`"\u0000-\u001F\u007F-\u009F]*){0,3}))?$"#;
/// A code: 4 to 10 ASCII letters or digits.
pub const CODE: &str = r"^[0-9A-Za-z]{4,10}$";
/// A language tag: a 2 or 3 letter language, then `-` or `_` and letters, digits, `-`, `_`.
const LOCALE: &str = r"^[A-Za-z]{2,3}(?:[-_][0-9A-Za-z_-]*)?$";
/// DTMF digits.
const SEND_DIGITS: &str = r"^[0-9wW#*]+$";
/// The 11-character Android SMS Retriever hash, or empty.
const APP_HASH: &str = r"^(?:[0-9A-Za-z+/]{11})?$";
/// An IPv4 address, an IPv6 address (without an embedded IPv4 part), or empty.
const IP: &str = r"^(?:(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])|(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,7}:|(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,5}(?::[0-9a-fA-F]{1,4}){1,2}|(?:[0-9a-fA-F]{1,4}:){1,4}(?::[0-9a-fA-F]{1,4}){1,3}|(?:[0-9a-fA-F]{1,4}:){1,3}(?::[0-9a-fA-F]{1,4}){1,4}|(?:[0-9a-fA-F]{1,4}:){1,2}(?::[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:(?::[0-9a-fA-F]{1,4}){1,6}|:(?::[0-9a-fA-F]{1,4}){1,7}|::)?$";
/// A message with the `{{code}}` (or `{code}`) placeholder (two whole branches: schemathesis
/// rewrites a pattern of one branch to fold maxLength in, and loses the escape of `}`).
const CUSTOM_MESSAGE: &str = r"^(?:[^\u0000-\u001F\u007F-\u009F]*\{\{code\}\}[^\u0000-\u001F\u007F-\u009F]*|[^\u0000-\u001F\u007F-\u009F]*\{code\}[^\u0000-\u001F\u007F-\u009F]*)$";
/// A WhatsApp sender: an E.164 number, optionally prefixed with `whatsapp:`; empty clears it.
const WHATSAPP_FROM: &str = r"^(?:(?:whatsapp:)?\+[1-9][0-9]{7,14})?$";
/// Up to 20 comma-separated origins without spaces; empty clears them.
const RP_ORIGINS: &str = r"^(?:[^\s,\u0000-\u001F\u007F-\u009F]{1,253}(?:,[^\s,\u0000-\u001F\u007F-\u009F]{1,253}){0,19})?$";
/// Up to 20 comma-separated exact origins (scheme, lower-case host, optional port); empty
/// clears them.
const ALLOWED_ORIGINS: &str = r"^(?:https?://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){0,3}(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(?:,https?://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){0,3}(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?){0,19})?$";
/// Letters, digits, `-`, `_` and `.` (Turnstile keys); empty clears.
const KEY: &str = r"^[0-9A-Za-z_.-]*$";
/// A lower-case host name; empty clears it.
const HOST: &str = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){0,3})?$";
/// Comma-separated two-letter country codes; empty clears them.
const COUNTRIES: &str = r"^(?:[A-Za-z]{2}(?:,[A-Za-z]{2}){0,249})?$";
/// Up to 20 comma-separated `number:code` or `number:code:YYYY-MM-DD` entries; empty clears.
const TEST_NUMBERS: &str = r"^(?:\+[1-9][0-9]{7,14}:[0-9A-Za-z]{4,10}(?::20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?(?:,\+[1-9][0-9]{7,14}:[0-9A-Za-z]{4,10}(?::20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8]))?){0,19})?$";
/// `start`, `check` or both, comma-separated.
const SCOPES: &str = r"^[^\S\u0000-\u001F\u007F-\u009F]*(?:start|check)[^\S\u0000-\u001F\u007F-\u009F]*(?:,[^\S\u0000-\u001F\u007F-\u009F]*(?:start|check)[^\S\u0000-\u001F\u007F-\u009F]*)*$";
/// A rate limit's unique name.
const UNIQUE_NAME: &str = r"^[0-9A-Za-z_.-]{1,64}$";
/// A page token from a previous page's URLs, or empty for the first page.
const PAGE_TOKEN: &str = r"^(?:P[AB][0-9A-Za-z]{1,64})?$";
/// A path of this API (`actions::api_call::checked_api_path`): under /v2/, /2010-04-01/ or
/// /dev/, no backslash, percent sign, control character, fragment, or segment starting with a dot.
const API_PATH: &str = r"^/(?:v2|2010-04-01|dev)/(?:[^\\#%/?.\u0000-\u001F\u007F-\u009F][^\\#%/?\u0000-\u001F\u007F-\u009F]*(?:/[^\\#%/?.\u0000-\u001F\u007F-\u009F][^\\#%/?\u0000-\u001F\u007F-\u009F]*)*)?(?:\?[^\\#\u0000-\u001F\u007F-\u009F]*)?$";

/// A messaging configuration's country (`verify::routing::config::parse_country`).
const COUNTRY_OR_ALL: &str = r"^(?:[A-Za-z]{2}|[Aa][Ll][Ll])$";

/// Text that is not blank (`events::webhook`'s `FriendlyName`): some character that is neither
/// white space nor U+FEFF (spelt out: ECMAScript's and Python's `\s` differ).
const NOT_BLANK_TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// Comma-separated event types (`events::webhook`): `*`, edge-verify's and Twilio's names,
/// around them the white space `str::trim` removes that is not a control character.
const EVENT_TYPES: &str = r"^(?:[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*,)*[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:\*|verification\.(?:started|approved|canceled|expired|max_attempts_reached|delivery_status)|factor\.(?:created|deleted|verified)|challenge\.(?:approved|denied))[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:,(?:[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*,)*[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:\*|verification\.(?:started|approved|canceled|expired|max_attempts_reached|delivery_status)|factor\.(?:created|deleted|verified)|challenge\.(?:approved|denied))[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)*(?:,[ \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)*$";
/// An https URL to a host name of two labels or more whose last starts with a letter
/// (`events::url::check` also refuses `*.localhost`; IP literals, which it judges, and dev
/// mode's loopback URLs are left out of the spec).
const WEBHOOK_URL: &str = r"^[Hh][Tt][Tt][Pp][Ss]://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(?:[/?][!-\x22$-~]*)?$";

/// A date (`YYYY-MM-DD`, 2000 to 2099, leap days included) or a UTC date-time
/// (`history::params::parse_datetime`), or empty.
const DATE_TIME: &str = r"^(?:(?:20[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29)(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?(?:\.[0-9]{1,6})?(?:Z|\+00:00|\+0000))?)?$";
/// Two letters, or empty.
const COUNTRY: &str = r"^(?:[A-Za-z]{2})?$";
/// Up to 15 digits after an optional `+`, or empty.
const PREFIX: &str = r"^(?:\+?[0-9]{1,15})?$";
/// An Attempts page token, or empty for the first page.
const ATTEMPT_PAGE_TOKEN: &str = r"^(?:P[AB][0-9]{1,20}VL[0-9a-fA-F]{32})?$";

/// The parameters whose parsers accept less than [`TEXT`].
const PATTERNS: &[(ParamSpec, &str)] = &[
    (service::FRIENDLY_NAME, FRIENDLY_NAME),
    (service::WHATSAPP_FROM, WHATSAPP_FROM),
    (service::PASSKEYS_RP_ORIGINS, RP_ORIGINS),
    (service::GEO_SMS, COUNTRIES),
    (service::GEO_CALL, COUNTRIES),
    (service::TEST_NUMBERS, TEST_NUMBERS),
    (service::ALLOWED_ORIGINS, ALLOWED_ORIGINS),
    (service::TURNSTILE_SITE_KEY, KEY),
    (service::TURNSTILE_SECRET_KEY, KEY),
    (service::WEB_OTP_DOMAIN, HOST),
    (verification::TO, RECIPIENT),
    (verification::CUSTOM_FRIENDLY_NAME, FRIENDLY_NAME_OR_EMPTY),
    (verification::CUSTOM_MESSAGE, CUSTOM_MESSAGE),
    (verification::SEND_DIGITS, SEND_DIGITS),
    (verification::LOCALE, LOCALE),
    (verification::CUSTOM_CODE, CODE),
    (verification::APP_HASH, APP_HASH),
    (verification::DEVICE_IP, IP),
    (verification::CODE, CODE),
    (client_token::SCOPES, SCOPES),
    (client_token::TO, RECIPIENT),
    (client_token::RESULT_TOKEN, NON_EMPTY_TEXT),
    (rate_limit::UNIQUE_NAME, UNIQUE_NAME),
    (safe_list::PHONE_NUMBER, E164),
    (paging::PAGE_TOKEN, PAGE_TOKEN),
    (api_call::URL, API_PATH),
    (ids::VERIFICATION, NON_EMPTY_TEXT),
    // verify::routing (messaging configurations, test messages): named by path, not `use`d.
    (crate::verify::routing::params::TO, E164),
    (crate::verify::routing::params::COUNTRY, COUNTRY_OR_ALL),
    (crate::spec::webhook::FRIENDLY_NAME, NOT_BLANK_TEXT),
    (crate::spec::webhook::EVENT_TYPES, EVENT_TYPES),
    (crate::spec::webhook::WEBHOOK_URL, WEBHOOK_URL),
    (history::DATE_CREATED_AFTER, DATE_TIME),
    (history::DATE_CREATED_BEFORE, DATE_TIME),
    (history::COUNTRY, COUNTRY),
    (history::DESTINATION_PREFIX, PREFIX),
    (history::PAGE_TOKEN, ATTEMPT_PAGE_TOKEN),
];

impl ParamSpec {
    /// The regular expression a text value of this parameter matches, if it is text.
    pub fn pattern(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Text { .. } => Some(PATTERNS.iter().find(|(spec, _)| spec == self).map_or(TEXT, |(_, pattern)| *pattern)),
            _ => None,
        }
    }
}

/// A tag key or value in form text: a simple JSON string.
const TAGS_TEXT: &str = r#"^(?:\{\}|\{"[0-9A-Za-z_ .-]{0,32}":"[0-9A-Za-z_ .-]{0,32}"(?:,"[0-9A-Za-z_ .-]{0,32}":"[0-9A-Za-z_ .-]{0,32}"){0,9}\})?$"#;
/// Up to 10 rate limit keys (a service has at most 10) valued simple strings or whole numbers,
/// in form text.
const RATE_LIMITS_TEXT: &str = r#"^(?:\{\}|\{"[0-9A-Za-z_.-]{1,32}":(?:"[0-9A-Za-z_ .:-]{0,64}"|-?(?:0|[1-9][0-9]{0,14}))(?:,"[0-9A-Za-z_.-]{1,32}":(?:"[0-9A-Za-z_ .:-]{0,64}"|-?(?:0|[1-9][0-9]{0,14}))){0,9}\})?$"#;
/// Email options in form text: a sender and its name, a SendGrid template, or simple
/// substitutions (the operator's POLICY decides which senders and templates an account may use:
/// others are 403).
const CHANNEL_CONFIGURATION_TEXT: &str = r#"^(?:\{\}|\{"from":"[0-9a-z._-]{1,32}@[0-9a-z-]{1,32}\.[a-z]{2,8}"(?:,"from_name":"[0-9A-Za-z][0-9A-Za-z ]{0,31}")?\}|\{"template_id":"d-[0-9a-f]{1,32}"\}|\{"substitutions":\{(?:"[0-9A-Za-z_]{1,32}":"[0-9A-Za-z_ .-]{0,32}")?\}\})?$"#;

impl ParamSpec {
    /// The form of a JSON object given as form text (what `Input::object` parses and its
    /// parser checks), written for the spec as a subset of JSON that regular expressions can
    /// state; `None` for other kinds.
    pub fn object_text_pattern(&self) -> Option<&'static str> {
        match *self {
            verification::TAGS => Some(TAGS_TEXT),
            verification::RATE_LIMITS => Some(RATE_LIMITS_TEXT),
            verification::CHANNEL_CONFIGURATION => Some(CHANNEL_CONFIGURATION_TEXT),
            _ => None,
        }
    }

    /// The JSON Schema of a JSON object parameter, with what its parser checks (for the
    /// OpenAPI document; `schema` shows any object).
    pub fn object_schema(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        const SAFE: i64 = (1 << 53) - 1;
        match *self {
            verification::TAGS => Some(json!({ "type": "object", "maxProperties": 10, "additionalProperties": { "type": "string", "maxLength": 128 } })),
            verification::RATE_LIMITS => Some(json!({ "type": "object", "maxProperties": 10, "additionalProperties": { "oneOf": [
                { "type": "string", "maxLength": 256 },
                { "type": "integer", "minimum": -SAFE, "maximum": SAFE },
            ] } })),
            _ => None,
        }
    }
}

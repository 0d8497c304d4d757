//! Example values for every parameter and body field, chosen so that importers which build
//! requests from examples (Postman's converter with "Example" parameter generation, Workato,
//! Retool) send requests the worker accepts as they are: E.164 numbers, real choices, a first
//! page. Path parameters name resources by role, so that a collection run in the document's
//! order stays coherent once these SIDs are replaced by real ones: the service the run works in
//! is never the one it deletes.

use edge_verify_core::http::routes::{Operation, Route};
use edge_verify_core::spec::{Kind, ParamSpec};
use serde_json::{json, Value};

/// Your account (the Basic user name when you authenticate with the auth token).
pub const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// A subaccount of yours (fetched, suspended).
pub const SUBACCOUNT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// The verification service every other example works in.
pub const SERVICE: &str = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The service `DeleteService` deletes.
pub const SERVICE_TO_DELETE: &str = "VAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// The service the `delete_service` action deletes.
pub const SERVICE_TO_DELETE_BY_ACTION: &str = "VAcccccccccccccccccccccccccccccccc";
/// A pending verification (fetched; approved last, by the `update_verification_status` action).
pub const VERIFICATION: &str = "VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The verification `UpdateVerification` approves.
pub const VERIFICATION_TO_APPROVE: &str = "VEbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// A rate limit of `SERVICE` (fetched, updated, holding the buckets).
pub const RATE_LIMIT: &str = "RKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The rate limit `DeleteRateLimit` deletes.
pub const RATE_LIMIT_TO_DELETE: &str = "RKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// A bucket of `RATE_LIMIT`.
pub const BUCKET: &str = "BLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The bucket `DeleteBucket` deletes.
pub const BUCKET_TO_DELETE: &str = "BLbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// An API key of `ACCOUNT` (fetched, renamed, then deleted).
pub const KEY: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// A webhook of `SERVICE` (fetched, updated).
pub const WEBHOOK: &str = "YWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The webhook `DeleteWebhook` deletes.
pub const WEBHOOK_TO_DELETE: &str = "YWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// A fraud guard block.
pub const FRAUD_BLOCK: &str = "FBaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// A verification attempt (`GET /v2/Attempts/{Sid}`).
pub const ATTEMPT: &str = "VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The number the examples verify.
pub const TO: &str = "+14155550100";
/// The number the safe list examples add, fetch and remove.
pub const SAFE_NUMBER: &str = "+18001234567";

/// One path parameter: schema, example and description.
pub struct PathParam {
    pub schema: Value,
    pub example: &'static str,
    pub description: &'static str,
}

/// The path parameter `name` of `route`; `sid_schema` gives the schema of a SID type by prefix.
pub fn path_param(route: &Route, name: &str, sid_schema: impl Fn(&str) -> Value) -> PathParam {
    use Operation as Op;
    let text = || json!({ "type": "string", "minLength": 1, "maxLength": 254 });
    let op = route.operation;
    let (schema, example, description) = match (name, route.path) {
        ("AccountSid", _) if matches!(op, Op::FetchAccount | Op::UpdateAccount) => (sid_schema("AC"), SUBACCOUNT, "The account: yours (the SID you authenticate with) or one of its subaccounts"),
        ("AccountSid", _) => (sid_schema("AC"), ACCOUNT, "The account: yours (the SID you authenticate with) or one of its subaccounts"),
        ("ServiceSid", _) => (sid_schema("VA"), SERVICE, "The verification service"),
        ("Sid", p) if p.starts_with("/v2/Services/{Sid}") && op == Op::DeleteService => (sid_schema("VA"), SERVICE_TO_DELETE, "The verification service"),
        ("Sid", p) if p.starts_with("/v2/Services/{Sid}") => (sid_schema("VA"), SERVICE, "The verification service"),
        ("Sid", p) if p.contains("/Keys/") => (sid_schema("SK"), KEY, "The API key"),
        ("Sid", _) if op == Op::UpdateVerification => (text(), VERIFICATION_TO_APPROVE, "The verification's SID (VE...), or the To it was sent to"),
        ("Sid", p) if p.contains("/Verifications/") => (text(), VERIFICATION, "The verification's SID (VE...), or the To it was sent to"),
        ("Sid", _) if op == Op::DeleteRateLimit => (text(), RATE_LIMIT_TO_DELETE, "The rate limit's SID (RK...) or unique name"),
        ("RateLimitSid", _) => (text(), RATE_LIMIT, "The rate limit's SID (RK...) or unique name"),
        ("Sid", _) if op == Op::DeleteBucket => (text(), BUCKET_TO_DELETE, "The bucket's SID (BL...)"),
        ("Sid", p) if p.contains("/Buckets/") => (text(), BUCKET, "The bucket's SID (BL...)"),
        ("Sid", p) if p.contains("/RateLimits/") => (text(), RATE_LIMIT, "The rate limit's SID (RK...) or unique name"),
        ("Sid", p) if p.contains("/Webhooks/") => (
            json!({ "type": "string", "pattern": "^YW[0-9a-fA-F]{32}$", "minLength": 34, "maxLength": 34 }),
            if op == Op::DeleteWebhook { WEBHOOK_TO_DELETE } else { WEBHOOK },
            "The webhook's SID (YW...)",
        ),
        ("PhoneNumber", _) => (text(), SAFE_NUMBER, "The number, in E.164 form"),
        ("Country", _) => (json!({ "type": "string", "pattern": "^([A-Za-z]{2}|[Aa][Ll][Ll])$", "minLength": 2, "maxLength": 3 }), "US", "The destination country (ISO 3166-1 alpha-2), or all"),
        ("Sid", p) if p.starts_with("/v2/Attempts/") => (json!({ "type": "string", "pattern": "^VL[0-9a-fA-F]{32}$", "minLength": 34, "maxLength": 34 }), ATTEMPT, "The attempt's SID (VL...), from the list of attempts"),
        ("Sid", p) if p.contains("/FraudGuard/") => (text(), FRAUD_BLOCK, "The block's SID (FB...), from the list of blocks"),
        _ => (text(), "", ""),
    };
    PathParam { schema, example, description }
}

fn sid(prefix: &str) -> Value {
    json!(format!("{prefix}{}", "a".repeat(32)))
}

/// A realistic value of `spec` that the worker accepts, as a JSON body carries it (objects as
/// objects; a form carries them as JSON text).
pub fn example(spec: &ParamSpec) -> Value {
    let by_name = match spec.wire {
        "FriendlyName" if matches!(spec.kind, Kind::Text { max: 30 }) => json!("My Service"),
        "FriendlyName" => json!("Tenant A"),
        "CodeLength" | "Totp.CodeLength" => json!(6),
        "TtsName" => json!("My Service"),
        "Totp.Issuer" | "Passkeys.RelyingParty.Name" | "CustomFriendlyName" => json!("Acme"),
        "Totp.TimeStep" => json!(30),
        "Totp.Skew" => json!(1),
        "Whatsapp.From" | "To" => json!(TO),
        "Passkeys.RelyingParty.Id" => json!("example.com"),
        "Passkeys.RelyingParty.Origins" => json!("https://example.com"),
        "Passkeys.AuthenticatorAttachment" => json!("platform"),
        "Passkeys.DiscoverableCredentials" | "Passkeys.UserVerification" => json!("preferred"),
        "FraudGuard" => json!("block"),
        "GeoPermissions.Sms" => json!("US,CA"),
        "GeoPermissions.Call" => json!("US"),
        "TestNumbers" => json!("+15005550006:123456"),
        "Limits.SendsPerToPerHour" => json!(8),
        "Limits.SendsPerToPerDay" => json!(15),
        "Limits.StartsPerClientPerHour" => json!(20),
        "Limits.StartsPerIpPerHour" | "Limits.SendsPerDay" => json!(1000),
        "Limits.StartsPerPrefixPerHour" => json!(30),
        "DoNotShareWarningEnabled" => json!(true),
        "AllowedOrigins" => json!("https://app.example.com"),
        "Turnstile.SiteKey" => json!("1x00000000000000000000AA"),
        "Turnstile.SecretKey" => json!("1x0000000000000000000000000000000AA"),
        "WebOtpDomain" => json!("verify.example.org"),
        "TurnstileToken" => json!("XXXX.DUMMY.TOKEN.XXXX"),
        "Scopes" => json!("start,check"),
        "MaxStarts" => json!(5),
        "Token" => json!(edge_verify_core::examples::result_token()),
        "Channel" => json!("sms"),
        "CustomMessage" => json!("Your Acme code is {{code}}"),
        "SendDigits" => json!("ww1234"),
        "Locale" => json!("en"),
        "CustomCode" => json!("867530"),
        "Amount" => json!("€39.99"),
        "Payee" => json!("Acme Ltd"),
        "ChannelConfiguration" => json!({ "from": "otp@acme.test", "from_name": "Acme" }),
        "AppHash" => json!("FA+9qCX9VSu"),
        "RateLimits" => json!({ "end_user_ip": "203.0.113.7" }),
        "DeviceIp" => json!("203.0.113.7"),
        "Tags" => json!({ "campaign": "signup" }),
        "Code" => json!("123456"),
        "Body" => json!("Test message from edge-verify"),
        "VerificationSid" => json!(VERIFICATION),
        "ServiceSid" => json!(SERVICE),
        "Sid" => json!(VERIFICATION),
        "Status" if spec.choices().contains(&"approved") => json!("approved"),
        "Status" if spec.choices().contains(&"converted") => json!("converted"),
        "DateCreatedAfter" => json!("2026-11-01T00:00:00Z"),
        "DateCreatedBefore" => json!("2026-11-30T23:59:59Z"),
        "ChannelData.To" => json!(TO),
        "Country" => json!("US"),
        "VerifyServiceSid" => json!(SERVICE),
        "DestinationPrefix" => json!("+1415"),
        "Status" if spec.choices().contains(&"enabled") => json!("enabled"),
        "Status" => json!("active"),
        "EventTypes" => json!("verification.approved"),
        "WebhookUrl" => json!("https://hooks.example.com/edge-verify"),
        "Version" => json!("v2"),
        "UniqueName" => json!("end_user_ip"),
        "Description" => json!("Starts per end user IP"),
        "Max" => json!(5),
        "Interval" => json!(3600),
        "PhoneNumber" => json!(SAFE_NUMBER),
        "PageSize" => json!(20),
        "Page" => json!(0),
        // The first page: a token comes from a previous page's URLs.
        "PageToken" => json!(""),
        "url" => json!("/v2/Services"),
        "method" => json!("GET"),
        "headers" => json!([{ "key": "Accept", "value": "application/json" }]),
        "query" => json!([{ "key": "PageSize", "value": "20" }]),
        "body" => json!({ "FriendlyName": "My Service" }),
        _ => Value::Null,
    };
    if !by_name.is_null() {
        return by_name;
    }
    match spec.kind {
        Kind::Boolean => json!(spec.default == Some("true")),
        Kind::Sid(prefix) => sid(prefix),
        Kind::Choice(choices) => choices.first().map_or(Value::Null, |c| json!(c)),
        Kind::Integer { min, .. } => spec.default.and_then(|d| d.parse::<i64>().ok()).map_or(json!(min), Value::from),
        _ => Value::Null,
    }
}

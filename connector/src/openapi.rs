//! The OpenAPI 3.0.3 document of both faces: every route of the REST face (from the route
//! table) and one path per JSON action (from the action catalog), with schemas, parameters from
//! the `ParamSpec`s, realistic examples built from the real types, and the Twilio error schema.
//! Every parameter and body field has an example the worker accepts (`examples`), so that
//! importers that build requests from examples send working requests as they are.

pub mod examples;
pub mod links;
pub mod rules;

use edge_verify_core::actions::api_call::ApiCallResult;
use edge_verify_core::actions::catalog::{catalog, Action, ActionDescription, Catalog};
use edge_verify_core::browser::resource::{ClientTokenResource, VerificationResultResource};
use edge_verify_core::error::ErrorBody;
use edge_verify_core::events::event::{Event, EventType};
use edge_verify_core::events::resource::{WebhookList, WebhookResource};
use edge_verify_core::examples::{self as ex, action_output};
use edge_verify_core::guard::blocks::BlockList;
use edge_verify_core::guard::safe_list::SafeListResource;
use edge_verify_core::history::params as history_params;
use edge_verify_core::history::resource::{AttemptList, AttemptResource, AttemptsSummary};
use edge_verify_core::http::routes::{body_params, query_params, Operation, Route, ROUTES};
use edge_verify_core::identity::accounts::{AccountList, AccountResource};
use edge_verify_core::identity::keys::{KeyList, KeyResource};
use edge_verify_core::sid::{AccountSid, ApiKeySid, ServiceSid};
use edge_verify_core::spec::{paging, Kind, ParamSpec};
use edge_verify_core::verify::rate_limit::resource::{
    BucketList, BucketResource, RateLimitList, RateLimitResource,
};
use edge_verify_core::verify::routing::resource::{MessagingConfigurationList, MessagingConfigurationResource, TestMessageResource};
use edge_verify_core::verify::service::resource::{ServiceList, ServiceResource};
use edge_verify_core::verify::verification::resource::{VerificationCheckResource, VerificationResource};
use edge_verify_core::ApiError;
use schemars::generate::{Contract, SchemaSettings};
use serde::Serialize;
use serde_json::{json, Map, Value};

use examples as eg;

/// The origin the examples use.
pub const ORIGIN: &str = "https://verify.example.org";

/// Routes that exist only for development and are not part of either face.
pub const DEV_ROUTES: &[Operation] = &[Operation::ListDevOutbox];

/// Twilio Messaging's routes (the Messages API for systems that send their own codes by SMS:
/// README, "Point an existing Twilio SMS integration at edge-verify"). They belong to Twilio's
/// 2010-04-01 Messaging API, not to Verify, so the connector (a Verify connector) leaves them out.
pub const MESSAGING_ROUTES: &[Operation] = &[
    Operation::CreateMessage,
    Operation::ListMessage,
    Operation::FetchMessage,
    Operation::DeleteMessage,
    Operation::CreateMessageFeedback,
    Operation::CreateSmsMessage,
    Operation::ListSmsMessage,
    Operation::FetchSmsMessage,
];

/// What the worker serves to browsers besides the API, left out of the spec on purpose: the
/// hosted verification page and its assets (`text/html`, `text/css`, `text/javascript`), the
/// page's settings read with its client token, `client.js`, and `GET /dev/demo` (DEV_MODE only).
/// None is a Twilio resource or takes the connector's credentials, so no connector calls them
/// (docs/browser.md documents them). They are outside the router's table (`edge_verify_core::web`
/// answers them first); the connector's tests check that none collides with a spec path.
pub const PAGE_ROUTES: [&str; 6] = edge_verify_core::web::PATHS;

fn error_example(err: ApiError) -> Value {
    value(&err.body())
}

fn value(resource: &impl Serialize) -> Value {
    serde_json::to_value(resource).unwrap_or(Value::Null)
}

/// Error responses: status -> (description, example).
fn error_responses() -> Vec<(u16, &'static str, Value)> {
    vec![
        (400, "Invalid parameter (60200), PSD2 parameters missing (60206), no target (60221) or channel disabled (60223)", error_example(ApiError::invalid("CodeLength", "must be an integer from 4 to 10"))),
        (401, "Missing or wrong credentials (20003)", error_example(ApiError::Unauthenticated)),
        (403, "Not allowed for this credential or service (20403, 60204)", error_example(ApiError::Forbidden("API keys cannot manage accounts or keys; use the account's auth token".into()))),
        (404, "No such resource for this account (20404)", error_example(ApiError::NotFound("/v2/Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()))),
        (405, "Method not allowed (20004)", error_example(ApiError::MethodNotAllowed { method: "PUT".into(), path: "/v2/Services".into() })),
        (413, "Body over 64 KiB (20413)", error_example(ApiError::PayloadTooLarge { limit: 65_536 })),
        (429, "Too many checks (60202) or sends (60203)", error_example(ApiError::MaxSendAttempts)),
        (502, "The delivery provider failed (30008)", error_example(ApiError::DeliveryFailed { provider: "twilio".into(), detail: "the provider answered HTTP 503".into() })),
    ]
}

fn response_name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        _ => "BadGateway",
    }
}

fn nullable(mut schema: Value) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("nullable".into(), json!(true));
    }
    schema
}

/// The inline schema of a SID type, from the core.
fn schema_of<T: schemars::JsonSchema>() -> Value {
    schemars::SchemaGenerator::new(SchemaSettings::openapi3()).subschema_for::<T>().to_value()
}

/// The response schemas, derived from the core's response types (the same types the worker
/// serializes), with OpenAPI 3.0 conventions (`nullable`, `#/components/schemas/...`).
pub fn schemas() -> Map<String, Value> {
    let settings = SchemaSettings::openapi3().with(|s| {
        s.contract = Contract::Serialize;
        s.meta_schema = None;
    });
    let mut generator = settings.into_generator();
    generator.subschema_for::<ErrorBody>();
    generator.subschema_for::<ServiceResource>();
    generator.subschema_for::<ServiceList>();
    generator.subschema_for::<VerificationResource>();
    generator.subschema_for::<VerificationCheckResource>();
    generator.subschema_for::<AccountResource>();
    generator.subschema_for::<AccountList>();
    generator.subschema_for::<KeyResource>();
    generator.subschema_for::<KeyList>();
    generator.subschema_for::<Catalog>();
    generator.subschema_for::<ApiCallResult>();
    generator.subschema_for::<RateLimitResource>();
    generator.subschema_for::<RateLimitList>();
    generator.subschema_for::<BucketResource>();
    generator.subschema_for::<BucketList>();
    generator.subschema_for::<SafeListResource>();
    generator.subschema_for::<BlockList>();
    generator.subschema_for::<ClientTokenResource>();
    generator.subschema_for::<VerificationResultResource>();
    generator.subschema_for::<AttemptResource>();
    generator.subschema_for::<AttemptList>();
    generator.subschema_for::<AttemptsSummary>();
    generator.subschema_for::<MessagingConfigurationResource>();
    generator.subschema_for::<MessagingConfigurationList>();
    generator.subschema_for::<TestMessageResource>();
    generator.subschema_for::<WebhookResource>();
    generator.subschema_for::<WebhookList>();
    generator.subschema_for::<Event>();
    let definitions: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    let inlined: Map<String, Value> = definitions
        .iter()
        .map(|(name, schema)| {
            let mut schema = schema.clone();
            nullable_refs(&mut schema, &definitions);
            (name.clone(), schema)
        })
        .collect();
    // Keep what the paths name and what those refer to.
    let roots = [
        "Error",
        "Service",
        "ServiceList",
        "Verification",
        "VerificationCheck",
        "Account",
        "AccountList",
        "Key",
        "KeyList",
        "ActionCatalog",
        "ApiCallResult",
        "RateLimit",
        "RateLimitList",
        "Bucket",
        "BucketList",
        "SafeListNumber",
        "FraudGuardBlockList",
        "ClientToken",
        "VerificationResult",
        "VerificationAttempt",
        "VerificationAttemptList",
        "VerificationAttemptsSummary",
        "MessagingConfiguration",
        "MessagingConfigurationList",
        "TestMessage",
        "Webhook",
        "WebhookList",
        "VerificationEvent",
    ];
    let text = Value::Object(inlined.clone()).to_string();
    inlined.into_iter().filter(|(name, _)| roots.contains(&name.as_str()) || text.contains(&format!("\"#/components/schemas/{name}\""))).collect()
}

/// schemars writes an optional object or enum as `anyOf: [{$ref}, {nullable: true, enum: [null]}]`,
/// which OpenAPI 3.0 validators refuse ("nullable" without "type"), and `allOf` with `nullable`
/// does not admit null either; so such a field gets the definition inline, nullable.
fn nullable_refs(schema: &mut Value, definitions: &Map<String, Value>) {
    match schema {
        Value::Object(map) => {
            let null_branch = |v: &Value| v.get("nullable") == Some(&json!(true)) && v.get("enum") == Some(&json!([null]));
            let target = match map.get("anyOf").and_then(Value::as_array).map(Vec::as_slice) {
                Some([first, second]) if null_branch(second) => first.get("$ref").and_then(Value::as_str),
                Some([first, second]) if null_branch(first) => second.get("$ref").and_then(Value::as_str),
                _ => None,
            };
            let inlined = target.and_then(|r| r.rsplit('/').next()).and_then(|name| definitions.get(name));
            if let Some(Value::Object(definition)) = inlined {
                let mut replacement = definition.clone();
                replacement.insert("nullable".into(), json!(true));
                // OpenAPI 3.0: a nullable enum must list null among its values.
                if let Some(Value::Array(values)) = replacement.get_mut("enum") {
                    values.push(Value::Null);
                }
                *map = replacement;
            }
            map.values_mut().for_each(|v| nullable_refs(v, definitions));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| nullable_refs(v, definitions)),
        _ => {}
    }
}

/// How one REST operation is described.
struct OpDoc {
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    form: Vec<ParamSpec>,
    required: Vec<&'static str>,
    query: Vec<ParamSpec>,
    request_example: Value,
    status: u16,
    schema: &'static str,
    example: Value,
    errors: Vec<u16>,
}

fn service_example_request() -> Value {
    json!({ "FriendlyName": "My Service", "CodeLength": 6, "DoNotShareWarningEnabled": true })
}

fn op_doc(op: Operation) -> Option<OpDoc> {
    let common = vec![400, 401, 404, 405, 413];
    let doc = |tag, summary, description, status, schema, example: Value| OpDoc {
        tag,
        summary,
        description,
        form: body_params(op),
        required: vec![],
        query: vec![],
        request_example: Value::Null,
        status,
        schema,
        example,
        errors: common.clone(),
    };
    let list_query = vec![paging::PAGE_SIZE, paging::PAGE, paging::PAGE_TOKEN];
    Some(match op {
        Operation::ListService => OpDoc { query: list_query, ..doc("Services", "List verification services", "Lists the account's verification services, 50 a page unless PageSize says otherwise.", 200, "ServiceList", value(&ex::service_list(ORIGIN))) },
        Operation::CreateService => OpDoc {
            required: vec!["FriendlyName"],
            request_example: service_example_request(),
            ..doc("Services", "Create a verification service", "Creates a verification service. Only FriendlyName is required.", 201, "Service", value(&ex::service(ORIGIN)))
        },
        Operation::FetchService => doc("Services", "Fetch a verification service", "Fetches one verification service.", 200, "Service", value(&ex::service(ORIGIN))),
        Operation::UpdateService => OpDoc {
            request_example: json!({ "CodeLength": 8 }),
            ..doc("Services", "Update a verification service", "Changes the settings sent; an empty value clears an optional one.", 200, "Service", value(&ex::service(ORIGIN)))
        },
        Operation::DeleteService => doc("Services", "Delete a verification service", "Deletes a verification service.", 204, "", Value::Null),
        Operation::CreateVerification => OpDoc {
            required: vec!["To", "Channel"],
            request_example: json!({ "To": "+14155550100", "Channel": "sms", "Locale": "en" }),
            errors: vec![400, 401, 403, 404, 405, 413, 429, 502],
            ..doc("Verifications", "Start a verification", "Sends a code. Starting again for the same To within the lifetime re-sends the same code on the same verification; the sixth send is 429 60203.", 201, "Verification", value(&ex::verification(ORIGIN)))
        },
        Operation::FetchVerification => doc("Verifications", "Fetch a verification", "Fetches a pending verification by its SID or by its To.", 200, "Verification", value(&ex::verification(ORIGIN))),
        Operation::UpdateVerification => OpDoc {
            required: vec!["Status"],
            request_example: json!({ "Status": "approved" }),
            ..doc("Verifications", "Approve or cancel a verification", "Sets a pending verification's status to approved or canceled.", 200, "Verification", value(&ex::approved_verification(ORIGIN)))
        },
        Operation::CreateVerificationCheck => OpDoc {
            required: vec!["Code"],
            request_example: json!({ "To": "+14155550100", "Code": "123456" }),
            errors: vec![400, 401, 404, 405, 413, 429],
            ..doc("Verifications", "Check a verification code", "Checks a code: approved when right, pending when wrong; the sixth check is 429 60202.", 200, "VerificationCheck", value(&ex::approved_check()))
        },
        Operation::ListAccount => OpDoc { query: list_query, ..doc("Accounts", "List accounts", "The caller's account and, for the main account, its subaccounts.", 200, "AccountList", value(&ex::account_list())) },
        Operation::CreateAccount => OpDoc {
            request_example: json!({ "FriendlyName": "Tenant A" }),
            errors: vec![400, 401, 403, 405, 413],
            ..doc("Accounts", "Create a subaccount", "The main account creates a subaccount; its auth_token is shown only in this response.", 201, "Account", value(&ex::account(true)))
        },
        Operation::FetchAccount => doc("Accounts", "Fetch an account", "Fetches the caller's account or one of its subaccounts.", 200, "Account", value(&ex::account(false))),
        Operation::UpdateAccount => OpDoc {
            request_example: json!({ "Status": "suspended" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Accounts", "Update an account", "Renames an account, or suspends, reactivates or closes a subaccount.", 200, "Account", value(&ex::account(false)))
        },
        Operation::ListKey => OpDoc { query: list_query, errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "List API keys", "Lists an account's API keys (never their secrets).", 200, "KeyList", value(&ex::key_list())) },
        Operation::CreateNewKey => OpDoc {
            request_example: json!({ "FriendlyName": "CI key" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Keys", "Create an API key", "Creates an API key; its secret is shown only in this response.", 201, "Key", value(&ex::key(true)))
        },
        Operation::FetchKey => OpDoc { errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "Fetch an API key", "Fetches an API key (never its secret).", 200, "Key", value(&ex::key(false))) },
        Operation::UpdateKey => OpDoc {
            request_example: json!({ "FriendlyName": "renamed" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Keys", "Update an API key", "Renames an API key.", 200, "Key", value(&ex::key(false)))
        },
        Operation::DeleteKey => OpDoc { errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "Delete an API key", "Revokes an API key at once.", 204, "", Value::Null) },
        Operation::ListActions => doc("Actions", "List the JSON actions", "The module catalog: every action with its input fields and an output sample.", 200, "ActionCatalog", json!({ "actions": [catalog().get(1).map(|a| value(&ActionDescription::new(a, ORIGIN))).unwrap_or_default()] })),
        Operation::ListRateLimit => OpDoc { query: list_query, ..doc("Rate limits", "List rate limits", "Lists a service's rate limits.", 200, "RateLimitList", value(&ex::rate_limit_list(ORIGIN))) },
        Operation::CreateRateLimit => OpDoc {
            required: vec!["UniqueName"],
            request_example: json!({ "UniqueName": "end_user_ip", "Description": "Starts per end user IP" }),
            ..doc("Rate limits", "Create a rate limit", "Creates a rate limit: a key that starts name in RateLimits (e.g. {\"end_user_ip\": \"203.0.113.7\"}), limited by its buckets. Errors: 60207 (10 per service), 60208 (the name exists), 60209 (bad name).", 201, "RateLimit", value(&ex::rate_limit(ORIGIN)))
        },
        Operation::FetchRateLimit => doc("Rate limits", "Fetch a rate limit", "Fetches a rate limit by its SID or unique name.", 200, "RateLimit", value(&ex::rate_limit(ORIGIN))),
        Operation::UpdateRateLimit => OpDoc {
            request_example: json!({ "Description": "Starts per end user IP address" }),
            ..doc("Rate limits", "Update a rate limit", "Changes a rate limit's description.", 200, "RateLimit", value(&ex::rate_limit(ORIGIN)))
        },
        Operation::DeleteRateLimit => doc("Rate limits", "Delete a rate limit", "Deletes a rate limit and its buckets; starts naming it are then refused.", 204, "", Value::Null),
        Operation::ListBucket => OpDoc { query: list_query, ..doc("Rate limits", "List buckets", "Lists a rate limit's buckets.", 200, "BucketList", value(&ex::bucket_list(ORIGIN))) },
        Operation::CreateBucket => OpDoc {
            required: vec!["Max", "Interval"],
            request_example: json!({ "Max": 5, "Interval": 3600 }),
            ..doc("Rate limits", "Create a bucket", "Allows at most Max starts per key value in any Interval seconds; over it a start is 429 20429 with Retry-After, and nothing is sent or counted. Errors: 60210 (5 per rate limit), 60211 (the interval exists).", 201, "Bucket", value(&ex::bucket(ORIGIN)))
        },
        Operation::FetchBucket => doc("Rate limits", "Fetch a bucket", "Fetches a bucket.", 200, "Bucket", value(&ex::bucket(ORIGIN))),
        Operation::UpdateBucket => OpDoc {
            request_example: json!({ "Max": 10 }),
            ..doc("Rate limits", "Update a bucket", "Changes a bucket's Max or Interval.", 200, "Bucket", value(&ex::bucket(ORIGIN)))
        },
        Operation::DeleteBucket => doc("Rate limits", "Delete a bucket", "Deletes a bucket.", 204, "", Value::Null),
        Operation::CreateSafelist => OpDoc {
            required: vec!["PhoneNumber"],
            request_example: json!({ "PhoneNumber": "+18001234567" }),
            ..doc("Safe list", "Add a number to the safe list", "Geo permissions by country and the fraud guard let the number through (never the block on premium-rate and satellite numbers, nor any rate limit or cap).", 201, "SafeListNumber", value(&ex::safe_list_number(ORIGIN)))
        },
        Operation::FetchSafelist => doc("Safe list", "Fetch a safe list number", "Whether a number is on the safe list (404 if not).", 200, "SafeListNumber", value(&ex::safe_list_number(ORIGIN))),
        Operation::DeleteSafelist => doc("Safe list", "Remove a number from the safe list", "Removes a number from the safe list.", 204, "", Value::Null),
        Operation::ListFraudGuardBlock => OpDoc {
            query: list_query,
            ..doc("Fraud guard", "List fraud guard blocks", "What the fraud guard blocks now (destination prefixes, end users' IPs), or in monitor mode would block, with why and until when.", 200, "FraudGuardBlockList", value(&ex::fraud_block_list(ORIGIN)))
        },
        Operation::DeleteFraudGuardBlock => doc("Fraud guard", "Lift a fraud guard block", "Lifts a block at once (a false alarm): the guard forgets what led to it.", 204, "", Value::Null),
        Operation::CreateClientToken => OpDoc {
            request_example: json!({ "Ttl": 300, "Scopes": "start,check" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Browser", "Mint a client token", "Mints a short-lived token for one service that a web page sends as Authorization: Bearer to the start and check routes (and their JSON actions) only. Call it from your backend with your credentials; the token is shown only in this response. Optionally bound to one To and to a number of starts. Rotate the service's key (RotateClientTokenKey=true) to revoke every token at once.", 201, "ClientToken", value(&ex::client_token(ORIGIN)))
        },
        Operation::CreateVerificationResult => OpDoc {
            required: vec!["Token"],
            request_example: json!({ "Token": ex::result_token() }),
            errors: vec![400, 401, 404, 405, 413],
            ..doc("Browser", "Verify a result token", "Checks the result_token an approved check made with a client token returned (the hosted page hands it to your app): 200 with what was approved, or 404 when it is invalid, expired, or another service's.", 200, "VerificationResult", value(&ex::verification_result()))
        },
        Operation::ListVerificationAttempt => OpDoc {
            query: [history_params::LIST.as_slice(), list_query.as_slice()].concat(),
            errors: vec![400, 401, 405, 413],
            ..doc("Attempts", "List verification attempts", "The account's verification attempts (one per code sent) of the last 30 days, newest first, narrowed by the filters given; next_page_url keeps them. Each account sees only its own.", 200, "VerificationAttemptList", value(&ex::attempt_list(ORIGIN)))
        },
        Operation::FetchVerificationAttempt => OpDoc { errors: vec![400, 401, 404, 405, 413], ..doc("Attempts", "Fetch a verification attempt", "One attempt of the account (404 20404 when unknown, another account's, or older than 30 days).", 200, "VerificationAttempt", value(&ex::attempt(ORIGIN))) },
        Operation::FetchVerificationAttemptsSummary => OpDoc {
            query: history_params::SUMMARY.to_vec(),
            errors: vec![400, 401, 405, 413],
            ..doc("Attempts", "Summarise verification attempts", "Attempts, conversions (approved verifications) and the conversion rate of the last 30 days, narrowed by the filters given (one query).", 200, "VerificationAttemptsSummary", value(&ex::attempts_summary(ORIGIN)))
        },
        Operation::ListMessagingConfiguration => OpDoc { query: list_query, ..doc("Routing", "List messaging configurations", "Lists a service's messaging configurations: which Messaging Service sends to each destination country.", 200, "MessagingConfigurationList", value(&MessagingConfigurationList::example(ORIGIN))) },
        Operation::CreateMessagingConfiguration => OpDoc {
            required: vec!["Country", "MessagingServiceSid"],
            request_example: json!({ "Country": "US", "MessagingServiceSid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
            ..doc("Routing", "Create a messaging configuration", "SMS and WhatsApp codes to numbers of Country (or of every other country: all) are sent through this Twilio Messaging Service, with the credentials of the number's delivery route. Error 409 60213: the country has one already.", 201, "MessagingConfiguration", value(&MessagingConfigurationResource::example(ORIGIN)))
        },
        Operation::FetchMessagingConfiguration => doc("Routing", "Fetch a messaging configuration", "Fetches the configuration of one country (or all).", 200, "MessagingConfiguration", value(&MessagingConfigurationResource::example(ORIGIN))),
        Operation::UpdateMessagingConfiguration => OpDoc {
            required: vec!["MessagingServiceSid"],
            request_example: json!({ "MessagingServiceSid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
            ..doc("Routing", "Update a messaging configuration", "Changes the Messaging Service of a country.", 200, "MessagingConfiguration", value(&MessagingConfigurationResource::example(ORIGIN)))
        },
        Operation::DeleteMessagingConfiguration => doc("Routing", "Delete a messaging configuration", "Deletes a country's configuration: its codes go through the delivery route's own sender again.", 204, "", Value::Null),
        Operation::CreateTestMessage => OpDoc {
            required: vec!["To"],
            request_example: json!({ "To": "+14155550100", "Channel": "sms" }),
            errors: vec![400, 401, 403, 404, 405, 413, 429],
            ..doc("Routing", "Send a test message", "edge-verify's own: sends a fixed text (never a code) to To through exactly the delivery route and provider a verification to it would use, and reports the provider, the route's prefix and account, the provider's HTTP status, message SID or error, and the latency; never a credential. 200 when the provider accepted it, 502 with the same report when not. Only the main account's auth token (403 for API keys and subaccounts); geo permissions apply (403 60605) and it counts as a send to To (429 60203).", 200, "TestMessage", value(&TestMessageResource::example()))
        },
        Operation::ListWebhook => OpDoc { query: list_query, ..doc("Webhooks", "List webhooks", "Lists a service's event webhooks (never their secrets), with the deliveries each gave up lately.", 200, "WebhookList", value(&WebhookList::example(ORIGIN))) },
        Operation::CreateWebhook => OpDoc {
            required: vec!["FriendlyName", "EventTypes", "WebhookUrl"],
            request_example: json!({ "FriendlyName": "CRM", "EventTypes": "verification.approved", "WebhookUrl": "https://hooks.example.com/edge-verify" }),
            ..doc("Webhooks", "Create a webhook", "Subscribes an https URL to a service's events (EventTypes repeated or comma-separated; * for all). Each event is POSTed as JSON, signed with X-Edge-Verify-Signature (t=<unix>,v1=<hex HMAC-SHA256 of t.body>) under the secret shown only in this response, at least once, retried with backoff for about 22 hours (docs/events.md). At most 10 per service (409 60207).", 201, "Webhook", value(&WebhookResource::example(ORIGIN, true)))
        },
        Operation::FetchWebhook => doc("Webhooks", "Fetch a webhook", "Fetches a webhook (never its secret), with the deliveries it gave up lately.", 200, "Webhook", value(&WebhookResource::example(ORIGIN, false))),
        Operation::UpdateWebhook => OpDoc {
            request_example: json!({ "Status": "disabled" }),
            ..doc("Webhooks", "Update a webhook", "Changes the parameters sent; a disabled webhook receives nothing and the deliveries owed to it are dropped.", 200, "Webhook", value(&WebhookResource::example(ORIGIN, false)))
        },
        Operation::DeleteWebhook => doc("Webhooks", "Delete a webhook", "Deletes a webhook and the deliveries owed to it.", 204, "", Value::Null),
        Operation::RunAction | Operation::ListDevOutbox => return None,
        Operation::CreateMessage
        | Operation::ListMessage
        | Operation::FetchMessage
        | Operation::DeleteMessage
        | Operation::CreateMessageFeedback
        | Operation::CreateSmsMessage
        | Operation::ListSmsMessage
        | Operation::FetchSmsMessage => return None,
    })
}


/// A form-field schema: JSON objects travel as JSON text in forms.
fn form_schema(spec: &ParamSpec) -> Value {
    let mut schema = match spec.kind {
        Kind::Object => match spec.object_text_pattern() {
            Some(pattern) => json!({ "type": "string", "description": "A JSON object, as text", "pattern": pattern }),
            None => json!({ "type": "string", "description": "A JSON object, as text" }),
        },
        _ => spec.schema(),
    };
    if let Some(obj) = schema.as_object_mut() {
        let text = match obj.get("description").and_then(Value::as_str) {
            Some(d) => format!("{} {d}", spec.help),
            None => spec.help.to_owned(),
        };
        obj.insert("description".into(), json!(text));
    }
    schema
}

fn path_parameters(route: &Route) -> Vec<Value> {
    let sid_schema = |prefix: &str| match prefix {
        "AC" => schema_of::<AccountSid>(),
        "SK" => schema_of::<ApiKeySid>(),
        _ => schema_of::<ServiceSid>(),
    };
    route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|rest| rest.split_once('}')).map(|(name, _)| name))
        .map(|name| {
            let p = eg::path_param(route, name, sid_schema);
            json!({ "name": name, "in": "path", "required": true, "description": p.description, "schema": p.schema, "example": p.example })
        })
        .collect()
}

/// A parameter's schema with the value the server takes when it is absent, also where the core
/// shows none: the first page is `Page` 0 with no `PageToken`. Converters that fill parameters
/// from schemas (Postman's default) then send that instead of a `<integer>` placeholder.
fn param_schema(spec: &ParamSpec, schema: Value) -> Value {
    let absent = match spec.field {
        "page" => json!(0),
        "page_token" => json!(""),
        _ => return schema,
    };
    let mut schema = schema;
    if let Some(obj) = schema.as_object_mut() {
        obj.entry("default").or_insert(absent);
    }
    schema
}

fn query_parameters(specs: &[ParamSpec]) -> Vec<Value> {
    specs
        .iter()
        .map(|s| json!({ "name": s.wire, "in": "query", "required": false, "description": s.help, "schema": param_schema(s, s.schema()), "example": eg::example(s) }))
        .collect()
}

fn responses(success: u16, schema: &str, example: Value, errors: &[u16], description: &str) -> Value {
    let mut out = Map::new();
    if success == 204 {
        out.insert("204".into(), json!({ "description": description }));
    } else {
        out.insert(
            success.to_string(),
            json!({ "description": description, "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{schema}") },
                "example": example,
            } } }),
        );
    }
    for status in errors {
        out.insert(status.to_string(), json!({ "$ref": format!("#/components/responses/{}", response_name(*status)) }));
    }
    out.insert("default".into(), json!({ "$ref": "#/components/responses/ServerError" }));
    Value::Object(out)
}

fn rest_operation(route: &Route, doc: OpDoc) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), json!(route.operation.id()));
    op.insert("summary".into(), json!(doc.summary));
    op.insert("description".into(), json!(doc.description));
    op.insert("tags".into(), json!([doc.tag]));
    let mut parameters = path_parameters(route);
    // The router refuses other query parameters of the operations it lists (`query_params`).
    parameters.extend(query_parameters(&query_params(route.operation).unwrap_or(doc.query)));
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if !doc.form.is_empty() {
        // A field's example is the request example's value where it has one.
        let given = |s: &ParamSpec| doc.request_example.get(s.wire).cloned();
        let properties: Map<String, Value> = doc
            .form
            .iter()
            .map(|s| (s.wire.to_owned(), with_example(form_schema(s), text_if_object(&given(s).unwrap_or_else(|| eg::example(s))))))
            .collect();
        let json_properties: Map<String, Value> = doc
            .form
            .iter()
            .map(|s| (s.wire.to_owned(), with_example(json_schema_of(s, doc.required.contains(&s.wire)), given(s).unwrap_or_else(|| eg::example(s)))))
            .collect();
        let mut form = json!({ "type": "object", "properties": properties });
        let mut json_schema = json!({ "type": "object", "properties": json_properties });
        if !doc.required.is_empty() {
            for schema in [&mut form, &mut json_schema] {
                if let Some(obj) = schema.as_object_mut() {
                    obj.insert("required".into(), json!(doc.required));
                }
            }
        }
        let json_example = doc.request_example.clone();
        let form_example: Map<String, Value> = doc.request_example.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), text_if_object(v))).collect()).unwrap_or_default();
        // The example also on the body schema: converters read it there (openapi-to-postmanv2
        // does for form bodies), and then send only its fields, not every optional one.
        let form = with_example(rules::with_rules(form, rules::body_rules(route.operation, |s| s.wire)), Value::Object(form_example.clone()));
        let json_schema = with_example(rules::with_rules(json_schema, rules::body_rules(route.operation, |s| s.wire)), json_example.clone());
        op.insert(
            "requestBody".into(),
            json!({ "required": !doc.required.is_empty(), "content": {
                "application/x-www-form-urlencoded": { "schema": form, "example": Value::Object(form_example) },
                "application/json": { "schema": json_schema, "example": json_example },
            } }),
        );
    }
    if matches!(route.operation, Operation::CreateVerification | Operation::CreateVerificationCheck) {
        op.insert("security".into(), browser_security());
    }
    let description = if doc.status == 204 { "Deleted" } else if doc.status == 201 { "Created" } else { "OK" };
    op.insert("responses".into(), responses(doc.status, doc.schema, doc.example, &doc.errors, description));
    if route.operation == Operation::CreateTestMessage {
        // A refused or unanswered test message is a 502 with the same report, not an error body.
        if let Some(out) = op.get_mut("responses").and_then(Value::as_object_mut) {
            out.insert("502".into(), json!({ "description": "The provider refused the message or did not answer: the same report", "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/TestMessage" },
                "example": value(&TestMessageResource::failed_example()),
            } } }));
        }
    }
    if route.operation == Operation::CreateWebhook {
        op.insert("callbacks".into(), event_callbacks());
        // Where the new webhook is (its `url`): Power Automate's trigger unsubscribes there.
        if let Some(created) = op.get_mut("responses").and_then(|r| r.get_mut("201")).and_then(Value::as_object_mut) {
            created.insert("headers".into(), json!({ "Location": {
                "description": "The new webhook's URL (the `url` field): DELETE it to unsubscribe.",
                "schema": { "type": "string", "format": "uri" },
            } }));
        }
    }
    Value::Object(op)
}

/// What a webhook receives, as a callback of `CreateWebhook` (OpenAPI 3.0 has no top-level
/// `webhooks`): one signed JSON POST per event (docs/events.md).
fn event_callbacks() -> Value {
    let header = |name: &str, description: &str, example: &str| json!({ "name": name, "in": "header", "required": true, "description": description, "schema": { "type": "string" }, "example": example });
    let types: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
    json!({ "verificationEvent": { "{$request.body#/WebhookUrl}": { "post": {
        "operationId": "ReceiveVerificationEvent",
        "summary": "Receive a verification event",
        "description": format!("edge-verify POSTs each event the webhook subscribes to ({}), at least once: any 2xx answer ends the delivery, anything else (or no answer in 10 s) is retried after 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h and 12 h, then given up and listed in the webhook's delivery_failures. Dedupe by the event id; check X-Edge-Verify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the webhook's secret over \"<t>.<raw body>\">, compared in constant time, with t within 5 minutes.", types.join(", ")),
        "tags": ["Webhooks"],
        "parameters": [
            header("X-Edge-Verify-Signature", "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" under the webhook's secret>", "t=1438286400,v1=5f0c4fd4b7ac0a09f1d8e1b35c4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4"),
            header("X-Edge-Verify-Event-Id", "The event's id, the same on every retry", "EVaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            header("X-Edge-Verify-Event-Type", "The event's type", "verification.approved"),
            header("X-Edge-Verify-Timestamp", "When this try was signed (Unix seconds)", "1438286400"),
        ],
        "requestBody": { "required": true, "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/VerificationEvent" },
            "example": value(&Event::example(EventType::Approved)),
        } } },
        "responses": {
            "200": { "description": "Received (any 2xx ends the delivery)" },
            "400": { "description": "Refused, e.g. for a bad signature: like any other non-2xx answer, the delivery is retried" },
        },
    } } } })
}

fn with_example(mut schema: Value, example: Value) -> Value {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("example".into(), example);
    }
    schema
}

/// A form carries JSON objects as JSON text.
fn text_if_object(value: &Value) -> Value {
    match value {
        Value::Object(_) => json!(value.to_string()),
        other => other.clone(),
    }
}

fn pascal(id: &str) -> String {
    id.split('_').map(|w| {
        let mut c = w.chars();
        c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
    }).collect()
}

fn action_example_input(action: &Action) -> Value {
    let (svc, ve) = (eg::SERVICE, eg::VERIFICATION);
    match action.id {
        "list_services" => json!({ "page_size": 20 }),
        "get_service" => json!({ "service_sid": svc }),
        "delete_service" => json!({ "service_sid": eg::SERVICE_TO_DELETE_BY_ACTION }),
        "create_service" => json!({ "friendly_name": "My Service", "code_length": 6, "do_not_share_warning_enabled": true }),
        "update_service" => json!({ "service_sid": svc, "code_length": 8 }),
        "start_verification" => json!({ "service_sid": svc, "to": eg::TO, "channel": "sms", "locale": "en" }),
        "get_verification" => json!({ "service_sid": svc, "verification_sid": ve }),
        "check_verification" => json!({ "service_sid": svc, "to": eg::TO, "code": "123456" }),
        "update_verification_status" => json!({ "service_sid": svc, "verification_sid": ve, "status": "approved" }),
        "create_client_token" => json!({ "service_sid": svc, "ttl": 300, "scopes": "start,check" }),
        "list_attempts" => json!({ "service_sid": svc, "channel": "sms", "status": "converted", "page_size": 20 }),
        "attempts_summary" => json!({ "service_sid": svc, "country": "US", "date_created_after": "2026-11-01T00:00:00Z" }),
        _ => json!({ "url": "/v2/Services", "method": "GET", "query": [{ "key": "PageSize", "value": "20" }] }),
    }
}

/// A JSON-body field: optional ones may be `null`, which means "not given".
fn json_schema_of(spec: &ParamSpec, required: bool) -> Value {
    // A JSON object parameter with what its parser checks (the catalog shows any object).
    let mut schema = spec.object_schema().unwrap_or_else(|| spec.schema());
    if required {
        return schema;
    }
    if let Some(branches) = schema.get_mut("oneOf").and_then(Value::as_array_mut) {
        if let Some(first) = branches.first_mut() {
            *first = nullable(first.clone());
        }
        return schema;
    }
    // OpenAPI 3.0: a nullable enum must list null among its values.
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    nullable(schema)
}

fn action_field_schema(spec: &ParamSpec, required: bool) -> Value {
    let mut schema = param_schema(spec, json_schema_of(spec, required));
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("description".into(), json!(spec.help));
    }
    schema
}

fn action_operation(action: &Action) -> Value {
    let input = action_example_input(action);
    let properties: Map<String, Value> = action
        .fields
        .iter()
        .map(|f| {
            let example = input.get(f.spec.field).cloned().unwrap_or_else(|| eg::example(&f.spec));
            (f.spec.field.to_owned(), with_example(action_field_schema(&f.spec, f.required), example))
        })
        .collect();
    let required: Vec<&str> = action.fields.iter().filter(|f| f.required).map(|f| f.spec.field).collect();
    let mut body_schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        if let Some(obj) = body_schema.as_object_mut() {
            obj.insert("required".into(), json!(required));
        }
    }
    let (status, schema) = match action.operation {
        None => (200, "ApiCallResult"),
        Some(op) => match op_doc(op) {
            Some(doc) => (doc.status, doc.schema),
            None => (200, "ApiCallResult"),
        },
    };
    let errors = match action.operation.and_then(op_doc) {
        Some(doc) => doc.errors,
        None => vec![400, 401, 405, 413],
    };
    let mut op = Map::new();
    op.insert("operationId".into(), json!(format!("Action{}", pascal(action.id))));
    op.insert("summary".into(), json!(action.label));
    op.insert("description".into(), json!(action.description));
    op.insert("tags".into(), json!(["Actions"]));
    if matches!(action.id, "start_verification" | "check_verification") {
        op.insert("security".into(), browser_security());
    }
    let rules = action.operation.map(|op| rules::body_rules(op, |s| s.field)).unwrap_or_default();
    let body_schema = with_example(rules::with_rules(body_schema, rules), input.clone());
    op.insert(
        "requestBody".into(),
        json!({ "required": !required.is_empty(), "content": { "application/json": { "schema": body_schema, "example": input } } }),
    );
    op.insert("responses".into(), responses(status, schema, action_output(action.id, ORIGIN), &errors, if status == 201 { "Created" } else if status == 204 { "Deleted" } else { "OK" }));
    Value::Object(op)
}

/// Basic credentials, or a client token (the four routes a web page may call).
fn browser_security() -> Value {
    json!([{ "basicAuth": [] }, { "bearerAuth": [] }])
}

/// The whole OpenAPI document.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let Some(doc) = op_doc(route.operation) else { continue };
        let entry = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(route.method.as_str().to_ascii_lowercase(), rest_operation(route, doc));
        }
    }
    for action in catalog() {
        paths.insert(format!("/v1/actions/{}", action.id), json!({ "post": action_operation(&action) }));
    }
    links::add(&mut paths);
    let mut responses_c = Map::new();
    for (status, description, example) in error_responses() {
        responses_c.insert(
            response_name(status).into(),
            json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": example } } }),
        );
    }
    responses_c.insert(
        "ServerError".into(),
        json!({ "description": "Unexpected error (20500); never caused by input", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": error_example(ApiError::Internal(String::new())) } } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "edge-verify",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A self-hosted, Twilio Verify v2 compatible phone and email verification service on Cloudflare Workers. Two faces: the Twilio-compatible REST API (form or JSON bodies) and JSON actions for no-code platforms. Authenticate with HTTP Basic: Account SID and auth token, or API key SID and secret.",
            "license": { "name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0" },
            "contact": { "name": "edge-verify maintainers", "url": "https://github.com/edge-verify/edge-verify" },
        },
        "servers": [{
            "url": "{scheme}://{host}",
            "description": "Your edge-verify deployment",
            "variables": {
                "scheme": { "default": "https", "enum": ["https", "http"], "description": "http only for local development" },
                "host": { "default": "verify.example.org", "description": "Your worker's host, e.g. edge-verify.<account>.workers.dev or 127.0.0.1:8787" },
            },
        }],
        "security": [{ "basicAuth": [] }],
        "tags": [
            { "name": "Services", "description": "Verification services: code length, name, features." },
            { "name": "Verifications", "description": "Send codes and check them." },
            { "name": "Accounts", "description": "The main account and its subaccounts (Twilio 2010-04-01 API)." },
            { "name": "Keys", "description": "API keys (Twilio 2010-04-01 API)." },
            { "name": "Rate limits", "description": "Programmable rate limits and their buckets, enforced on start from its RateLimits parameter." },
            { "name": "Safe list", "description": "Numbers the geo permissions and the fraud guard let through." },
            { "name": "Fraud guard", "description": "What the fraud guard blocks now, and lifting a block." },
            { "name": "Attempts", "description": "Verification attempts (one per code sent) of the last 30 days, and their conversion summary." },
            { "name": "Routing", "description": "Which Twilio Messaging Service sends to each country (Twilio's MessagingConfigurations), and test messages through the operator's delivery routes." },
            { "name": "Webhooks", "description": "Event webhooks: signed, retried deliveries of verification events (started, approved, canceled, expired, max attempts reached, delivery status changed) to your https endpoint." },
            { "name": "Browser", "description": "Client tokens that let a web page start and check verifications, and the result tokens its approvals return." },
            { "name": "Actions", "description": "The same operations as JSON actions, plus make_api_call." },
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basicAuth": { "type": "http", "scheme": "basic", "description": "Account SID and auth token, or API key SID (SK...) and secret." },
                "bearerAuth": { "type": "http", "scheme": "bearer", "bearerFormat": "evt1 client token", "description": "A client token from POST /v2/Services/{ServiceSid}/ClientTokens: only on the start and check routes and their JSON actions, for the token's service and scopes." },
            },
            "schemas": schemas(),
            "responses": responses_c,
        },
    })
}

//! The OpenAPI 3.0.3 document of both faces: every route of the REST face (from the route
//! table) and one path per JSON action (from the action catalog), with schemas, parameters from
//! the `ParamSpec`s, realistic examples built from the real types, and the Twilio error schema.

use edge_verify_core::accounts::examples as account_examples;
use edge_verify_core::actions::{catalog, Action};
use edge_verify_core::examples::{action_output, approved_verification, service_list, verification};
use edge_verify_core::routes::{Operation, Route, ROUTES};
use edge_verify_core::services::example_json as service_example;
use edge_verify_core::spec::{body_params, paging, Kind, ParamSpec};
use edge_verify_core::ApiError;
use serde_json::{json, Map, Value};

/// The origin the examples use.
pub const ORIGIN: &str = "https://verify.example.org";

/// Routes that exist only for development and are not part of either face.
pub const DEV_ROUTES: &[Operation] = &[Operation::ListDevOutbox];

fn error_example(err: ApiError) -> Value {
    err.body()
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

fn string() -> Value {
    json!({ "type": "string" })
}

fn sid(prefix: &str) -> Value {
    json!({ "type": "string", "pattern": format!("^{prefix}[0-9a-fA-F]{{32}}$"), "minLength": 34, "maxLength": 34 })
}

fn uri() -> Value {
    json!({ "type": "string", "format": "uri" })
}

fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time", "example": "2015-07-30T20:00:00Z" })
}

fn object(required: &[&str], properties: Vec<(&str, Value)>) -> Value {
    let props: Map<String, Value> = properties.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let mut schema = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn schemas() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "Error".into(),
        object(&["code", "message", "more_info", "status"], vec![
            ("code", json!({ "type": "integer", "description": "Twilio error code" })),
            ("message", string()),
            ("more_info", uri()),
            ("status", json!({ "type": "integer", "description": "The HTTP status" })),
        ]),
    );
    let links = ["verification_checks", "verifications", "rate_limits", "messaging_configurations", "entities", "webhooks", "access_tokens"];
    s.insert(
        "Service".into(),
        object(&["sid", "account_sid", "friendly_name", "code_length", "url"], vec![
            ("sid", sid("VA")),
            ("account_sid", sid("AC")),
            ("friendly_name", string()),
            ("code_length", json!({ "type": "integer", "minimum": 4, "maximum": 10 })),
            ("lookup_enabled", json!({ "type": "boolean" })),
            ("psd2_enabled", json!({ "type": "boolean" })),
            ("skip_sms_to_landlines", json!({ "type": "boolean" })),
            ("dtmf_input_required", json!({ "type": "boolean" })),
            ("tts_name", nullable(string())),
            ("do_not_share_warning_enabled", json!({ "type": "boolean" })),
            ("custom_code_enabled", json!({ "type": "boolean" })),
            ("push", object(&[], vec![("include_date", json!({ "type": "boolean" })), ("apn_credential_sid", nullable(sid("CR"))), ("fcm_credential_sid", nullable(sid("CR")))])),
            ("totp", object(&[], vec![("issuer", string()), ("time_step", json!({ "type": "integer" })), ("code_length", json!({ "type": "integer" })), ("skew", json!({ "type": "integer" }))])),
            ("default_template_sid", nullable(sid("HJ"))),
            ("whatsapp", object(&[], vec![("msg_service_sid", nullable(sid("MG"))), ("from", nullable(string()))])),
            (
                "passkeys",
                object(&[], vec![
                    ("relying_party", object(&[], vec![("id", nullable(string())), ("name", nullable(string())), ("origins", json!({ "type": "array", "items": string() }))])),
                    ("authenticator_attachment", nullable(string())),
                    ("discoverable_credentials", nullable(string())),
                    ("user_verification", nullable(string())),
                ]),
            ),
            ("verify_event_subscription_enabled", json!({ "type": "boolean" })),
            ("date_created", date_time()),
            ("date_updated", date_time()),
            ("url", uri()),
            ("links", object(&[], links.iter().map(|l| (*l, uri())).collect())),
        ]),
    );
    s.insert(
        "Meta".into(),
        object(&["page", "page_size", "first_page_url", "url", "key"], vec![
            ("page", json!({ "type": "integer" })),
            ("page_size", json!({ "type": "integer" })),
            ("first_page_url", uri()),
            ("previous_page_url", nullable(uri())),
            ("next_page_url", nullable(uri())),
            ("url", uri()),
            ("key", string()),
        ]),
    );
    s.insert("ServiceList".into(), object(&["services", "meta"], vec![("services", json!({ "type": "array", "items": { "$ref": "#/components/schemas/Service" } })), ("meta", json!({ "$ref": "#/components/schemas/Meta" }))]));
    let channel = json!({ "type": "string", "enum": ["sms", "call", "email", "whatsapp", "sna"] });
    s.insert(
        "Verification".into(),
        object(&["sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "url"], vec![
            ("sid", sid("VE")),
            ("service_sid", sid("VA")),
            ("account_sid", sid("AC")),
            ("to", string()),
            ("channel", channel.clone()),
            ("status", json!({ "type": "string", "enum": ["pending", "approved", "canceled", "max_attempts_reached", "deleted", "failed", "expired"] })),
            ("valid", json!({ "type": "boolean" })),
            ("lookup", json!({ "type": "object" })),
            ("amount", nullable(string())),
            ("payee", nullable(string())),
            ("send_code_attempts", json!({ "type": "array", "items": object(&["attempt_sid", "channel", "time"], vec![("attempt_sid", sid("VL")), ("channel", string()), ("time", date_time())]) })),
            ("date_created", date_time()),
            ("date_updated", date_time()),
            ("sna", nullable(json!({ "type": "object" }))),
            ("url", uri()),
        ]),
    );
    s.insert(
        "VerificationCheck".into(),
        object(&["sid", "service_sid", "account_sid", "to", "channel", "status", "valid"], vec![
            ("sid", sid("VE")),
            ("service_sid", sid("VA")),
            ("account_sid", sid("AC")),
            ("to", string()),
            ("channel", channel),
            ("status", json!({ "type": "string", "enum": ["pending", "approved", "canceled", "max_attempts_reached", "deleted", "failed", "expired"] })),
            ("valid", json!({ "type": "boolean" })),
            ("amount", nullable(string())),
            ("payee", nullable(string())),
            ("date_created", date_time()),
            ("date_updated", date_time()),
            ("sna_attempts_error_codes", nullable(json!({ "type": "array", "items": { "type": "object" } }))),
        ]),
    );
    let rfc2822 = json!({ "type": "string", "description": "RFC 2822", "example": "Thu, 30 Jul 2015 20:00:00 +0000" });
    s.insert(
        "Account".into(),
        object(&["sid", "owner_account_sid", "friendly_name", "status", "uri"], vec![
            ("sid", sid("AC")),
            ("owner_account_sid", sid("AC")),
            ("friendly_name", string()),
            ("status", json!({ "type": "string", "enum": ["active", "suspended", "closed"] })),
            ("type", string()),
            ("auth_token", nullable(json!({ "type": "string", "description": "Only in the creation response" }))),
            ("date_created", rfc2822.clone()),
            ("date_updated", rfc2822.clone()),
            ("subresource_uris", json!({ "type": "object", "additionalProperties": { "type": "string" } })),
            ("uri", string()),
        ]),
    );
    s.insert(
        "Key".into(),
        object(&["sid", "friendly_name"], vec![
            ("sid", sid("SK")),
            ("friendly_name", string()),
            ("secret", json!({ "type": "string", "description": "Only in the creation response" })),
            ("date_created", rfc2822.clone()),
            ("date_updated", rfc2822),
        ]),
    );
    let page_2010 = |key: &str, item: &str| {
        object(&[key, "page", "page_size", "uri", "first_page_uri"], vec![
            (key, json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } })),
            ("uri", string()),
            ("first_page_uri", string()),
            ("next_page_uri", nullable(string())),
            ("previous_page_uri", nullable(string())),
            ("page", json!({ "type": "integer" })),
            ("page_size", json!({ "type": "integer" })),
            ("start", json!({ "type": "integer" })),
            ("end", json!({ "type": "integer" })),
        ])
    };
    s.insert("AccountList".into(), page_2010("accounts", "Account"));
    s.insert("KeyList".into(), page_2010("keys", "Key"));
    s.insert(
        "ActionCatalog".into(),
        object(&["actions"], vec![(
            "actions",
            json!({ "type": "array", "items": object(&["id", "label", "description", "url", "fields"], vec![
                ("id", string()),
                ("label", string()),
                ("description", string()),
                ("url", uri()),
                ("rest", object(&["method", "path"], vec![("method", string()), ("path", string())])),
                ("fields", json!({ "type": "array", "items": object(&["name", "label", "type", "required", "help"], vec![
                    ("name", string()),
                    ("label", string()),
                    ("type", json!({ "type": "string", "enum": ["text", "integer", "boolean", "select", "object", "array", "any"] })),
                    ("required", json!({ "type": "boolean" })),
                    ("help", string()),
                    ("max_length", json!({ "type": "integer" })),
                    ("min", json!({ "type": "integer" })),
                    ("max", json!({ "type": "integer" })),
                    ("pattern", string()),
                    ("options", json!({ "type": "array", "items": string() })),
                    ("default", json!({})),
                    ("options_from", json!({ "type": "object" })),
                ]) })),
                ("output_sample", json!({})),
            ]) }),
        )]),
    );
    s.insert(
        "ApiCallResult".into(),
        object(&["status", "headers", "body"], vec![
            ("status", json!({ "type": "integer" })),
            ("headers", json!({ "type": "object", "additionalProperties": { "type": "string" } })),
            ("body", json!({ "description": "The JSON body, text, or null" })),
        ]),
    );
    s
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
        Operation::ListService => OpDoc { query: list_query, ..doc("Services", "List verification services", "Lists the account's verification services, 50 a page unless PageSize says otherwise.", 200, "ServiceList", service_list(ORIGIN)) },
        Operation::CreateService => OpDoc {
            required: vec!["FriendlyName"],
            request_example: service_example_request(),
            ..doc("Services", "Create a verification service", "Creates a verification service. Only FriendlyName is required.", 201, "Service", service_example(ORIGIN))
        },
        Operation::FetchService => doc("Services", "Fetch a verification service", "Fetches one verification service.", 200, "Service", service_example(ORIGIN)),
        Operation::UpdateService => OpDoc {
            request_example: json!({ "CodeLength": 8 }),
            ..doc("Services", "Update a verification service", "Changes the settings sent; an empty value clears an optional one.", 200, "Service", service_example(ORIGIN))
        },
        Operation::DeleteService => doc("Services", "Delete a verification service", "Deletes a verification service.", 204, "", Value::Null),
        Operation::CreateVerification => OpDoc {
            required: vec!["To", "Channel"],
            request_example: json!({ "To": "+14155550100", "Channel": "sms", "Locale": "en" }),
            errors: vec![400, 401, 403, 404, 405, 413, 429, 502],
            ..doc("Verifications", "Start a verification", "Sends a code. Starting again for the same To within the lifetime re-sends the same code on the same verification; the sixth send is 429 60203.", 201, "Verification", verification().to_json(ORIGIN))
        },
        Operation::FetchVerification => doc("Verifications", "Fetch a verification", "Fetches a pending verification by its SID or by its To.", 200, "Verification", verification().to_json(ORIGIN)),
        Operation::UpdateVerification => OpDoc {
            required: vec!["Status"],
            request_example: json!({ "Status": "approved" }),
            ..doc("Verifications", "Approve or cancel a verification", "Sets a pending verification's status to approved or canceled.", 200, "Verification", approved_verification().to_json(ORIGIN))
        },
        Operation::CreateVerificationCheck => OpDoc {
            required: vec!["Code"],
            request_example: json!({ "To": "+14155550100", "Code": "123456" }),
            errors: vec![400, 401, 404, 405, 413, 429],
            ..doc("Verifications", "Check a verification code", "Checks a code: approved when right, pending when wrong; the sixth check is 429 60202.", 200, "VerificationCheck", approved_verification().check_json())
        },
        Operation::ListAccount => OpDoc { query: list_query, ..doc("Accounts", "List accounts", "The caller's account and, for the main account, its subaccounts.", 200, "AccountList", account_examples::list_json("accounts", account_examples::account_json(false), "/2010-04-01/Accounts.json")) },
        Operation::CreateAccount => OpDoc {
            request_example: json!({ "FriendlyName": "Tenant A" }),
            errors: vec![400, 401, 403, 405, 413],
            ..doc("Accounts", "Create a subaccount", "The main account creates a subaccount; its auth_token is shown only in this response.", 201, "Account", account_examples::account_json(true))
        },
        Operation::FetchAccount => doc("Accounts", "Fetch an account", "Fetches the caller's account or one of its subaccounts.", 200, "Account", account_examples::account_json(false)),
        Operation::UpdateAccount => OpDoc {
            request_example: json!({ "Status": "suspended" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Accounts", "Update an account", "Renames an account, or suspends, reactivates or closes a subaccount.", 200, "Account", account_examples::account_json(false))
        },
        Operation::ListKey => OpDoc { query: list_query, errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "List API keys", "Lists an account's API keys (never their secrets).", 200, "KeyList", account_examples::list_json("keys", account_examples::key_json(false), "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json")) },
        Operation::CreateNewKey => OpDoc {
            request_example: json!({ "FriendlyName": "CI key" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Keys", "Create an API key", "Creates an API key; its secret is shown only in this response.", 201, "Key", account_examples::key_json(true))
        },
        Operation::FetchKey => OpDoc { errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "Fetch an API key", "Fetches an API key (never its secret).", 200, "Key", account_examples::key_json(false)) },
        Operation::UpdateKey => OpDoc {
            request_example: json!({ "FriendlyName": "renamed" }),
            errors: vec![400, 401, 403, 404, 405, 413],
            ..doc("Keys", "Update an API key", "Renames an API key.", 200, "Key", account_examples::key_json(false))
        },
        Operation::DeleteKey => OpDoc { errors: vec![400, 401, 403, 404, 405, 413], ..doc("Keys", "Delete an API key", "Revokes an API key at once.", 204, "", Value::Null) },
        Operation::ListActions => doc("Actions", "List the JSON actions", "The module catalog: every action with its input fields and an output sample.", 200, "ActionCatalog", json!({ "actions": [catalog()[1].describe(ORIGIN)] })),
        Operation::RunAction | Operation::ListDevOutbox => return None,
    })
}


/// A form-field schema: JSON objects travel as JSON text in forms.
fn form_schema(spec: &ParamSpec) -> Value {
    let mut schema = match spec.kind {
        Kind::Object => json!({ "type": "string", "description": "A JSON object, as text" }),
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
    route
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|rest| rest.split_once('}')).map(|(name, _)| name))
        .map(|name| {
            let (schema, example, description) = match (name, route.path) {
                ("AccountSid", _) => (sid("AC"), json!("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "The account"),
                ("ServiceSid", _) => (sid("VA"), json!("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "The verification service"),
                ("Sid", p) if p.starts_with("/v2/Services/{Sid}") => (sid("VA"), json!("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "The verification service"),
                ("Sid", p) if p.contains("/Keys/") => (sid("SK"), json!("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "The API key"),
                _ => (json!({ "type": "string", "minLength": 1, "maxLength": 254 }), json!("VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "The verification SID (VE...), or its To"),
            };
            json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema, "example": example })
        })
        .collect()
}

fn query_parameters(specs: &[ParamSpec]) -> Vec<Value> {
    specs
        .iter()
        .map(|s| json!({ "name": s.wire, "in": "query", "required": false, "description": s.help, "schema": s.schema() }))
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
    parameters.extend(query_parameters(&doc.query));
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if !doc.form.is_empty() {
        let properties: Map<String, Value> = doc.form.iter().map(|s| (s.wire.to_owned(), form_schema(s))).collect();
        let json_properties: Map<String, Value> = doc.form.iter().map(|s| (s.wire.to_owned(), json_schema_of(s, doc.required.contains(&s.wire)))).collect();
        let mut form = json!({ "type": "object", "properties": properties });
        let mut json_schema = json!({ "type": "object", "properties": json_properties });
        if !doc.required.is_empty() {
            form["required"] = json!(doc.required);
            json_schema["required"] = json!(doc.required);
        }
        let json_example = doc.request_example.clone();
        let form_example: Map<String, Value> = doc
            .request_example
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), match v { Value::String(s) => json!(s), other => other.clone() })).collect())
            .unwrap_or_default();
        op.insert(
            "requestBody".into(),
            json!({ "required": !doc.required.is_empty(), "content": {
                "application/x-www-form-urlencoded": { "schema": form, "example": Value::Object(form_example) },
                "application/json": { "schema": json_schema, "example": json_example },
            } }),
        );
    }
    let description = if doc.status == 204 { "Deleted" } else if doc.status == 201 { "Created" } else { "OK" };
    op.insert("responses".into(), responses(doc.status, doc.schema, doc.example, &doc.errors, description));
    Value::Object(op)
}

fn pascal(id: &str) -> String {
    id.split('_').map(|w| {
        let mut c = w.chars();
        c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
    }).collect()
}

fn action_example_input(action: &Action) -> Value {
    let svc = "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    match action.id {
        "list_services" => json!({ "page_size": 20 }),
        "get_service" | "delete_service" => json!({ "service_sid": svc }),
        "create_service" => json!({ "friendly_name": "My Service", "code_length": 6, "do_not_share_warning_enabled": true }),
        "update_service" => json!({ "service_sid": svc, "code_length": 8 }),
        "start_verification" => json!({ "service_sid": svc, "to": "+14155550100", "channel": "sms", "locale": "en" }),
        "get_verification" => json!({ "service_sid": svc, "verification_sid": "VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
        "check_verification" => json!({ "service_sid": svc, "to": "+14155550100", "code": "123456" }),
        "update_verification_status" => json!({ "service_sid": svc, "verification_sid": "VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "approved" }),
        _ => json!({ "url": "/v2/Services", "method": "GET", "query": [{ "key": "PageSize", "value": "20" }] }),
    }
}

/// A JSON-body field: optional ones may be `null`, which means "not given".
fn json_schema_of(spec: &ParamSpec, required: bool) -> Value {
    let mut schema = spec.schema();
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
    let mut schema = json_schema_of(spec, required);
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("description".into(), json!(spec.help));
    }
    schema
}

fn action_operation(action: &Action) -> Value {
    let properties: Map<String, Value> = action.fields.iter().map(|f| (f.spec.field.to_owned(), action_field_schema(&f.spec, f.required))).collect();
    let required: Vec<&str> = action.fields.iter().filter(|f| f.required).map(|f| f.spec.field).collect();
    let mut body_schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        body_schema["required"] = json!(required);
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
    op.insert(
        "requestBody".into(),
        json!({ "required": !required.is_empty(), "content": { "application/json": { "schema": body_schema, "example": action_example_input(action) } } }),
    );
    op.insert("responses".into(), responses(status, schema, action_output(action.id, ORIGIN), &errors, if status == 201 { "Created" } else if status == 204 { "Deleted" } else { "OK" }));
    Value::Object(op)
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
    let mut responses_c = Map::new();
    for (status, description, example) in error_responses() {
        responses_c.insert(
            response_name(status).into(),
            json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": example } } }),
        );
    }
    responses_c.insert(
        "ServerError".into(),
        json!({ "description": "Unexpected error (20500); never caused by input", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" }, "example": ApiError::Internal(String::new()).body() } } }),
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
            { "name": "Actions", "description": "The same operations as JSON actions, plus make_api_call." },
        ],
        "paths": paths,
        "components": {
            "securitySchemes": { "basicAuth": { "type": "http", "scheme": "basic", "description": "Account SID and auth token, or API key SID (SK...) and secret." } },
            "schemas": schemas(),
            "responses": responses_c,
        },
    })
}

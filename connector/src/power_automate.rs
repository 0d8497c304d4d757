//! A Power Automate / Power Apps custom connector: `apiDefinition.swagger.json` (Swagger 2.0,
//! JSON bodies: one operation per JSON action, the catalog, and `GET /v2/Services` for the service
//! pickers and the connection test), `apiProperties.json` (the deployment's URL and Basic
//! credentials as connection parameters) and `readme.md`. Derived from the OpenAPI document and
//! shaped by Microsoft's rules for custom and certified connectors (the Swagger validator's
//! rules, the certification requirements and the OpenAPI extensions; see
//! `connector/tests/connector/power_automate_rules.rs`): one schema per operation, on the success
//! response; self-contained schemas (no `$ref`, which forbids siblings such as `x-ms-summary`)
//! with an `x-ms-summary` and a description on every property; typed enums without `null` or `""`; no empty schemas;
//! visibility on operations and fields; no defaults on optional fields. The webhook trigger
//! "When a verification event occurs" subscribes with `CreateWebhook` (`power_automate/trigger.rs`).

mod describe;
mod readme;
mod trigger;

pub use readme::readme;

use edge_verify_core::actions::catalog::{catalog, Action};
use edge_verify_core::spec::paging;
use serde_json::{json, Map, Value};

use describe::{describe, humanize, plain, sentence, sentence_case, title_case};

/// The project's site (`x-ms-connector-metadata` Website, contact URL).
pub const WEBSITE: &str = "https://github.com/edge-verify/edge-verify";
/// The data-handling statement (`x-ms-connector-metadata` Privacy policy): the readme's Privacy
/// section.
pub const PRIVACY_POLICY: &str = "https://github.com/edge-verify/edge-verify/blob/main/connector-spec/power-automate/readme.md#privacy";
/// The support address in `info.contact`. A placeholder until the project has a support mailbox:
/// replace it before submitting the connector for certification.
pub const CONTACT_EMAIL: &str = "support@edge-verify.invalid";
/// At most two of Microsoft's connector categories.
pub const CATEGORIES: &str = "Security;Communication";
/// `GET /v2/Services` (Twilio's `ListService`): the service pickers' source and the connection test.
pub const SERVICE_LIST: &str = "ListService";
/// The connection parameter holding the deployment's URL, e.g. `https://edge-verify.example.workers.dev`.
pub const BASE_URL: &str = "baseUrl";
/// Operations shown first.
const IMPORTANT: &[&str] = &["ActionStartVerification", "ActionCheckVerification"];
/// Operations never shown: plumbing for pickers, the connection test and code generators.
const INTERNAL: &[&str] = &["ListActions", SERVICE_LIST];
/// Swagger 2.0 formats Power Automate knows.
const FORMATS: &[&str] = &["int32", "int64", "float", "double", "byte", "binary", "date", "date-time", "password", "email", "uri"];
/// Services a picker lists: the largest page.
const PICKER_PAGE_SIZE: i64 = 1000;

/// The value at a JSON pointer, or null.
fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

/// OpenAPI 3 schema to a self-contained Swagger 2 schema: `$ref`s inlined, `allOf` of one merged,
/// `oneOf`/`anyOf` collapsed to one type (string enums merged; text wins over object, since a JSON
/// text is text), `nullable` to `x-nullable`, examples dropped, `null` and `""` out of enums, and
/// formats Power Automate does not know mapped to one it does or dropped.
fn convert(schema: &Value, components: &Map<String, Value>, depth: usize) -> Value {
    let Value::Object(map) = schema else { return schema.clone() };
    if depth > 24 {
        return json!({ "type": "object", "additionalProperties": true });
    }
    if let Some(target) = map.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).and_then(|name| components.get(name)) {
        return convert(target, components, depth + 1);
    }
    let mut out = Map::new();
    if let Some([only]) = map.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        if let Value::Object(inner) = convert(only, components, depth + 1) {
            out.extend(inner);
        }
    }
    if let Some(branches) = map.get("oneOf").or_else(|| map.get("anyOf")).and_then(Value::as_array) {
        let converted: Vec<Value> = branches.iter().map(|b| convert(b, components, depth + 1)).collect();
        let is_string = |b: &Value| b.get("type") == Some(&json!("string"));
        if !converted.is_empty() && converted.iter().all(|b| is_string(b) && b.get("enum").is_some()) {
            let values: Vec<Value> = converted.iter().flat_map(|b| b["enum"].as_array().cloned().unwrap_or_default()).collect();
            out.insert("type".into(), json!("string"));
            out.insert("enum".into(), Value::Array(values));
        } else if converted.iter().any(is_string) {
            out.insert("type".into(), json!("string"));
        } else if let Some(Value::Object(first)) = converted.into_iter().next() {
            out.extend(first);
        }
    }
    for (k, v) in map {
        match k.as_str() {
            "$ref" | "allOf" | "oneOf" | "anyOf" | "example" | "examples" => {}
            "nullable" => {
                out.insert("x-nullable".into(), v.clone());
            }
            "properties" => {
                let props = v.as_object().into_iter().flatten().map(|(n, p)| (n.clone(), convert(p, components, depth + 1))).collect();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" | "additionalProperties" if v.is_object() => {
                out.insert(k.clone(), convert(v, components, depth + 1));
            }
            "enum" => {
                let values: Vec<Value> = v.as_array().into_iter().flatten().filter(|x| !x.is_null() && x.as_str() != Some("")).cloned().collect();
                if !values.is_empty() {
                    out.insert(k.clone(), Value::Array(values));
                }
            }
            "format" => {
                let format = match v.as_str().unwrap_or("") {
                    "int8" | "int16" | "uint8" | "uint16" | "int32" => Some("int32"),
                    "uint32" | "uint" | "uint64" | "int64" => Some("int64"),
                    f if FORMATS.contains(&f) => Some(f),
                    _ => None,
                };
                if let Some(f) = format {
                    out.insert(k.clone(), json!(f));
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A schema that can hold nothing useful: no type, or an object without properties that admits
/// no others, or an array of such.
fn is_empty(schema: &Value) -> bool {
    let typed = ["type", "properties", "items"].iter().any(|k| schema.get(*k).is_some());
    if !typed {
        return true;
    }
    match schema["type"].as_str() {
        Some("object") => {
            let has_props = schema["properties"].as_object().is_some_and(|p| !p.is_empty());
            let open = schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
            !has_props && !open
        }
        Some("array") => is_empty(&schema["items"]),
        _ => false,
    }
}

/// Titles and descriptions on every property of a response schema, at any depth; empty
/// properties removed (and dropped from `required`). `parent` is the enclosing property's name.
fn annotate_response(schema: &mut Value, parent: &str) {
    if let Some(items) = schema.get_mut("items") {
        annotate_response(items, parent);
    }
    let Some(obj) = schema.as_object_mut() else { return };
    let mut dropped = Vec::new();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            // Any-typed values that are JSON objects in this API: the inner call's body, a sample.
            if (name == "body" || name == "output_sample") && prop.get("type").is_none() {
                if let Some(p) = prop.as_object_mut() {
                    p.insert("type".into(), json!("object"));
                    p.insert("additionalProperties".into(), json!(true));
                    p.insert("x-nullable".into(), json!(true));
                }
            }
            if is_empty(prop) {
                dropped.push(name.clone());
                continue;
            }
            annotate_response(prop, name);
            let (title, description) = describe(parent, name);
            if let Some(p) = prop.as_object_mut() {
                p.insert("description".into(), json!(sentence(&description)));
                p.insert("x-ms-summary".into(), json!(plain(&title)));
            }
        }
        props.retain(|k, _| !dropped.contains(k));
    }
    prune_required(obj, &dropped);
    if let Some(d) = obj.get("description").and_then(Value::as_str).map(|d| sentence(&d.replace('`', "").replace('\n', " "))) {
        obj.insert("description".into(), json!(d));
    }
}

fn prune_required(obj: &mut Map<String, Value>, dropped: &[String]) {
    let required: Vec<Value> = obj.get("required").and_then(Value::as_array).into_iter().flatten().filter(|r| !r.as_str().is_some_and(|s| dropped.iter().any(|d| d == s))).cloned().collect();
    if required.is_empty() {
        obj.shift_remove("required");
    } else {
        obj.insert("required".into(), Value::Array(required));
    }
}

/// The service picker on a `service_sid` field: both extensions, since the field is a property
/// inside the body parameter.
fn service_picker() -> (Value, Value) {
    (
        json!({ "operationId": SERVICE_LIST, "parameters": { "PageSize": PICKER_PAGE_SIZE }, "value-collection": "services", "value-path": "sid", "value-title": "friendly_name" }),
        json!({ "operationId": SERVICE_LIST, "parameters": { "PageSize": { "value": PICKER_PAGE_SIZE } }, "itemsPath": "services", "itemValuePath": "sid", "itemTitlePath": "friendly_name" }),
    )
}

/// Whether a field is shown on the default card: what the action requires, and for a check the
/// two ways of naming the verification (one of them is needed).
fn important_field(action: &Action, name: &str, required: bool) -> bool {
    required || (action.id == "check_verification" && (name == "to" || name == "verification_sid"))
}

/// The body parameter of an action: the JSON fields with titles, visibility and help from the
/// catalog, no defaults on optional fields (so an update changes only what the maker fills in).
fn action_body(action: &Action, op: &Value, components: &Map<String, Value>) -> Value {
    let source = op.pointer("/requestBody/content").and_then(|c| c.get("application/json")).map(|m| at(m, "/schema")).unwrap_or(&Value::Null);
    let mut schema = convert(source, components, 0);
    let required: Vec<String> = schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(|r| r.as_str().map(str::to_owned)).collect();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            let field = action.fields.iter().find(|f| f.spec.field == name);
            let is_required = required.contains(name);
            let Some(p) = prop.as_object_mut() else { continue };
            if !p.contains_key("type") {
                p.insert("type".into(), json!("string"));
            }
            let mut description = sentence(field.map_or("", |f| f.spec.help));
            if description.is_empty() {
                description = sentence(p.get("description").and_then(Value::as_str).unwrap_or(""));
            }
            if let Some(default) = p.shift_remove("default") {
                let shown = default.as_str().map_or_else(|| default.to_string(), str::to_owned);
                if !is_required && !action.id.starts_with("update") && !shown.is_empty() {
                    description = format!("{description} Default: {shown}.");
                }
            }
            if action.id == "check_verification" && (name == "to" || name == "verification_sid") {
                description = format!("{description} Give the verification SID or the To it was sent to.");
            }
            if name == "body" && action.id == "make_api_call" {
                description = "The request body as text: form-encoded, or JSON text with a content-type header of application/json.".to_owned();
            }
            p.insert("description".into(), json!(description));
            p.insert("x-ms-summary".into(), json!(title_case(&plain(field.map_or(&humanize(name), |f| f.spec.label)))));
            p.insert("x-ms-visibility".into(), json!(if important_field(action, name, is_required) { "important" } else { "advanced" }));
            if name == "service_sid" {
                let (values, list) = service_picker();
                p.insert("x-ms-dynamic-values".into(), values);
                p.insert("x-ms-dynamic-list".into(), list);
            }
            if let Some(Value::Object(item_props)) = p.get_mut("items").and_then(|i| i.get_mut("properties")) {
                for (item_name, item) in item_props.iter_mut() {
                    let (title, text) = describe(name, item_name);
                    if let Some(i) = item.as_object_mut() {
                        i.insert("description".into(), json!(sentence(&text)));
                        i.insert("x-ms-summary".into(), json!(plain(&title)));
                    }
                }
            }
        }
    }
    json!({
        "name": "body",
        "in": "body",
        "required": !required.is_empty(),
        "description": "The action's input.",
        "x-ms-summary": "Input",
        "schema": schema,
    })
}

/// The paging query parameters of a list, as Swagger 2 non-body parameters (no defaults, no
/// examples; `Page` is Twilio's client-side page number, which a picker never needs).
fn query_parameters(op: &Value) -> Vec<Value> {
    let specs = [paging::PAGE_SIZE, paging::PAGE_TOKEN];
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && specs.iter().any(|s| p["name"] == s.wire))
        .map(|p| {
            let name = p["name"].as_str().unwrap_or("");
            let label = specs.iter().find(|s| s.wire == name).map_or_else(|| humanize(name), |s| s.label.to_owned());
            let mut out = Map::new();
            out.insert("name".into(), json!(name));
            out.insert("in".into(), json!("query"));
            out.insert("required".into(), json!(p["required"] == true));
            for key in ["type", "format", "minimum", "maximum", "maxLength", "pattern"] {
                if let Some(v) = p["schema"].get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            out.insert("description".into(), json!(sentence(p["description"].as_str().unwrap_or(""))));
            out.insert("x-ms-summary".into(), json!(title_case(&plain(&label))));
            out.insert("x-ms-visibility".into(), json!("advanced"));
            Value::Object(out)
        })
        .collect()
}

/// The responses: every status with its description, and the success one (only) with the
/// schema, so the designer has one output shape.
fn responses(op: &Value, openapi: &Value, components: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        if status == "default" {
            continue;
        }
        let r = match r["$ref"].as_str() {
            Some(name) => at(openapi, &format!("/components/responses/{}", name.rsplit('/').next().unwrap_or(""))),
            None => r,
        };
        let mut resp = Map::new();
        resp.insert("description".into(), json!(r["description"].as_str().unwrap_or("OK")));
        if status.starts_with('2') {
            if let Some(media) = r.get("content").and_then(|c| c.get("application/json")) {
                let mut schema = convert(at(media, "/schema"), components, 0);
                // The root's properties are looked up under the schema's name, e.g. `ApiCallResult/status`.
                let root = at(media, "/schema/$ref").as_str().and_then(|r| r.rsplit('/').next()).unwrap_or("");
                annotate_response(&mut schema, root);
                if !is_empty(&schema) {
                    resp.insert("schema".into(), schema);
                }
            }
        }
        out.insert(status.clone(), Value::Object(resp));
    }
    Value::Object(out)
}

fn operation(id: &str, summary: &str, description: &str, tag: &str, parameters: Vec<Value>, responses: Value) -> Value {
    let visibility = if IMPORTANT.contains(&id) {
        "important"
    } else if INTERNAL.contains(&id) {
        "internal"
    } else {
        "advanced"
    };
    json!({
        "operationId": id,
        "summary": sentence_case(&plain(summary)),
        "description": sentence(description),
        "tags": [tag],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "parameters": parameters,
        "responses": responses,
        "x-ms-visibility": visibility,
    })
}

/// `apiDefinition.swagger.json`.
pub fn api_definition(openapi: &Value) -> Value {
    let components = at(openapi, "/components/schemas").as_object().cloned().unwrap_or_default();
    let actions = catalog();
    let mut paths = Map::new();
    for (path, item) in openapi["paths"].as_object().into_iter().flatten() {
        if path == "/v1/actions" {
            let op = &item["get"];
            let built = operation("ListActions", "List the JSON actions", op["description"].as_str().unwrap_or(""), "Actions", vec![], responses(op, openapi, &components));
            paths.insert(path.clone(), json!({ "get": built }));
        } else if path == "/v2/Services" {
            let op = &item["get"];
            let built = operation(SERVICE_LIST, "List services for pickers", "Lists the account's verification services for the service pickers and the connection test.", "Services", query_parameters(op), responses(op, openapi, &components));
            paths.insert(path.clone(), json!({ "get": built }));
        } else if let Some(action) = path.strip_prefix("/v1/actions/").and_then(|id| actions.iter().find(|a| a.id == id)) {
            let op = &item["post"];
            let id = op["operationId"].as_str().unwrap_or("");
            let built = operation(id, action.label, action.description, "Actions", vec![action_body(action, op, &components)], responses(op, openapi, &components));
            paths.insert(path.clone(), json!({ "post": built }));
        }
    }
    paths.extend(trigger::paths(openapi, &components));
    let mut contact = at(openapi, "/info/contact").as_object().cloned().unwrap_or_default();
    contact.entry("name").or_insert_with(|| json!("edge-verify maintainers"));
    contact.entry("url").or_insert_with(|| json!(WEBSITE));
    contact.insert("email".into(), json!(CONTACT_EMAIL));
    let tags: Vec<Value> = openapi["tags"].as_array().into_iter().flatten().filter(|t| ["Actions", "Services", "Webhooks"].iter().any(|n| t["name"] == *n)).cloned().collect();
    json!({
        "swagger": "2.0",
        "info": {
            "title": "edge-verify",
            "description": "Phone and email verification (one-time passcodes) on your own edge-verify deployment, compatible with Twilio Verify: send a code by SMS, voice call, email or WhatsApp, then check the code the user typed.",
            "version": at(openapi, "/info/version"),
            "contact": contact,
        },
        "host": "verify.example.org",
        "basePath": "/",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": { "basic_auth": { "type": "basic" } },
        "security": [{ "basic_auth": [] }],
        "tags": tags,
        "paths": paths,
        "x-ms-connector-metadata": [
            { "propertyName": "Website", "propertyValue": WEBSITE },
            { "propertyName": "Privacy policy", "propertyValue": PRIVACY_POLICY },
            { "propertyName": "Categories", "propertyValue": CATEGORIES },
        ],
        "x-ms-capabilities": { "testConnection": { "operationId": SERVICE_LIST, "parameters": { "PageSize": 1 } } },
    })
}

/// `apiProperties.json`: the deployment's URL and Basic credentials. The URL goes to the
/// `dynamichosturl` policy as typed, so a URL pasted with its `https://` works (a template of
/// `https://` + a host doubled the scheme).
pub fn api_properties() -> Value {
    json!({
        "properties": {
            "connectionParameters": {
                BASE_URL: {
                    "type": "string",
                    "uiDefinition": {
                        "displayName": "Deployment URL",
                        "description": "Your edge-verify URL with https:// and no trailing slash, e.g. https://edge-verify.example.workers.dev",
                        "tooltip": "The URL of your deployment as the Cloudflare dashboard shows it, starting with https://",
                        "constraints": { "tabIndex": 1, "clearText": true, "required": "true" },
                    },
                },
                "username": {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "Account SID or API key SID",
                        "description": "AC... or SK...",
                        "tooltip": "Use an API key for automations",
                        "constraints": { "tabIndex": 2, "clearText": true, "required": "true" },
                    },
                },
                "password": {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "Auth token or API key secret",
                        "description": "Shown once when the key was created",
                        "tooltip": "Never shared with anyone but your deployment",
                        "constraints": { "tabIndex": 3, "clearText": false, "required": "true" },
                    },
                },
            },
            "iconBrandColor": "#0B5CAD",
            "capabilities": [],
            "publisher": "edge-verify",
            "stackOwner": "edge-verify",
            "policyTemplateInstances": [{
                "templateId": "dynamichosturl",
                "title": "Use the deployment URL of the connection",
                "parameters": { "x-ms-apimTemplateParameter.urlTemplate": format!("@connectionParameters('{BASE_URL}')") },
            }],
        },
    })
}

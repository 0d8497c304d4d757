//! A custom app for Make and Boost.space in the Make Apps Editor's local-development layout
//! (`makecomapp.json` and `.iml.json` code files), generated from the action catalog, the
//! `ParamSpec`s, the OpenAPI schemas and the core's examples. Each of Make's rules is encoded
//! here once (and checked by `connector/tests/connector/make_rules.rs`):
//!
//! - the `makecomapp.json` format the editor opens: `origins`, `generalCodeFiles` (base, common,
//!   groups, readme) and every component type (integromat/vscode-apps-sdk, local development);
//! - module and RPC names match `^[a-zA-Z][0-9a-zA-Z]+[0-9a-zA-Z]$` ("Modules names");
//! - labels in sentence case, "Verb an entity"; descriptions in the third person;
//! - search modules iterate, follow the next page and take a limit; actions never do;
//! - update modules carry no defaults, so only what the user fills is sent;
//! - the universal "Make an API call" calls the API itself through the base URL;
//! - base and connection handle errors from Twilio's `{code, message, more_info, status}` body,
//!   sanitize the authorization header, and the connection stores metadata;
//! - RPCs have a limit; pickers of get, update and delete modules open in `mode: edit`;
//! - objects are collections or key/value arrays (never `any`); dates are dates;
//! - search modules send their filters and follow `meta.next_page_url` (Verify lists) or
//!   `next_page_uri` (2010 lists);
//! - the instant trigger sits on a dedicated webhook that attaches and detaches itself
//!   (`make_app/trigger.rs`).

mod trigger;

use std::path::PathBuf;

use edge_verify_core::actions::catalog::{catalog, Action, Field, Place};
use edge_verify_core::spec::{ids, paging, Kind, ParamSpec};
use serde_json::{json, Map, Value};

/// The directory the app is written to.
const DIR: &str = "connector-spec/make";
/// The app's manifest, relative to the repository root.
pub const MAKECOMAPP: &str = "connector-spec/make/makecomapp.json";
/// The connection's local id (connection ids may hold dashes; Make names the remote one).
const CONNECTION: &str = "edgeVerify";
/// Header sanitized from every log.
const SANITIZE: &str = "request.headers.authorization";
/// The examples' origin.
const ORIGIN: &str = "https://verify.example.org";
/// Make's fixed description of REST universal modules.
const UNIVERSAL_DESCRIPTION: &str = "Performs an arbitrary authorized API call.";
/// Items an RPC lists at most ("a sample of the last 100 or so items").
const RPC_LIMIT: u64 = 300;
/// Words kept capitalized inside sentence-case labels: Twilio's parameter `To` and names.
const NAMES: &[&str] = &["To", "Verify", "Twilio"];
/// Lower-case words written otherwise in labels.
const WORDS: &[(&str, &str)] = &[
    ("api", "API"),
    ("apn", "APN"),
    ("dtmf", "DTMF"),
    ("fcm", "FCM"),
    ("id", "ID"),
    ("ip", "IP"),
    ("psd2", "PSD2"),
    ("sid", "SID"),
    ("sms", "SMS"),
    ("sna", "SNA"),
    ("totp", "TOTP"),
    ("tts", "TTS"),
    ("uri", "URI"),
    ("url", "URL"),
    ("whatsapp", "WhatsApp"),
    ("msg", "messaging"),
];

/// `list_services` -> `listServices`: Make's module and RPC name pattern.
pub fn component_id(action_id: &str) -> String {
    let mut out = String::new();
    for (i, word) in action_id.split('_').enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.push(first);
            } else {
                out.extend(first.to_uppercase());
            }
            out.extend(chars);
        }
    }
    out
}

/// `listServices` -> `list-services`: the editor's directory and file prefix for a component.
fn file_prefix(id: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in id.chars() {
        if c.is_uppercase() && previous_lower {
            out.push('-');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

/// Sentence case: the first word as written, later words lower case unless they are acronyms
/// or names ("List Verification Services" -> "List verification services").
pub fn sentence_case(label: &str) -> String {
    label
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            let capitals = word.chars().filter(|c| c.is_uppercase()).count();
            if i == 0 || capitals != 1 || !word.starts_with(char::is_uppercase) || NAMES.contains(&word) {
                word.to_owned()
            } else {
                word.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A plain label for an API key or choice: `account_sid` -> "Account SID".
pub fn humanize(key: &str) -> String {
    let words: Vec<String> = key
        .split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| match WORDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(w)) {
            Some((_, written)) => (*written).to_owned(),
            // Already upper case (an HTTP method, an acronym): as written.
            None if w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) => w.to_owned(),
            None => w.to_lowercase(),
        })
        .collect();
    let label = words.join(" ");
    let mut chars = label.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What a module does to its record, as Make's `actionCrud` says.
fn crud(action: &Action) -> Option<&'static str> {
    match action.id.split('_').next() {
        Some("get") => Some("read"),
        _ if action.id.ends_with("_summary") => Some("read"),
        Some("create" | "start" | "check") => Some("create"),
        Some("update") => Some("update"),
        Some("delete") => Some("delete"),
        _ => None,
    }
}

fn module_type(action: &Action) -> &'static str {
    match (action.operation, action.id.split('_').next()) {
        (None, _) => "universal",
        (Some(_), Some("list" | "search")) => "search",
        _ => "action",
    }
}

/// How a parameter is shaped for Make, beyond its `Kind`.
enum Shape {
    /// An object with these fields (name, Make type, label, help); `substitutions`-like maps as
    /// key/value arrays.
    Collection(&'static [(&'static str, &'static str, &'static str, &'static str)]),
    /// An object whose keys are the user's: a key/value array, at most this many items.
    Pairs(Option<u64>),
    Plain,
}

/// The fields the API accepts in its objects (`ChannelConfiguration` in core/src/delivery, and
/// the limits core/src/verify/verification/request.rs checks).
fn shape(spec: &ParamSpec) -> Shape {
    match (spec.kind, spec.field) {
        (Kind::Object, "channel_configuration") => Shape::Collection(&[
            ("from", "email", "From", "The sender address; one the account allows."),
            ("from_name", "text", "From name", "The sender name."),
            ("template_id", "text", "Template ID", "A SendGrid dynamic template (d-...)."),
            ("substitutions", "pairs", "Substitutions", "Values for the template's placeholders."),
        ]),
        (Kind::Object, "rate_limits") => Shape::Pairs(Some(20)),
        (Kind::Object, "tags") => Shape::Pairs(Some(10)),
        (Kind::Object | Kind::Pairs, _) => Shape::Pairs(None),
        _ => Shape::Plain,
    }
}

fn pairs_spec() -> Value {
    json!([
        { "name": "key", "type": "text", "label": "Key", "required": true },
        { "name": "value", "type": "text", "label": "Value" },
    ])
}

/// What a module lets its parameters carry.
#[derive(Clone, Copy)]
struct Rules {
    /// Defaults are allowed (never on update modules: they would overwrite what the user did
    /// not touch).
    defaults: bool,
    /// Pickers open in `mode: edit` (get, update and delete modules).
    edit_pickers: bool,
}

impl Rules {
    fn of(action: &Action) -> Self {
        let crud = crud(action);
        Self { defaults: crud != Some("update"), edit_pickers: matches!(crud, Some("read" | "update" | "delete")) }
    }
}

/// One mappable parameter from its `ParamSpec`.
fn parameter(spec: &ParamSpec, required: bool, rules: Rules) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), json!(spec.field));
    p.insert("label".into(), json!(sentence_case(spec.label)));
    p.insert("help".into(), json!(spec.help));
    p.insert("required".into(), json!(required));
    let schema = spec.schema();
    let mut set = |key: &str, value: Value| {
        p.insert(key.to_owned(), value);
    };
    match (spec.kind, shape(spec)) {
        (_, Shape::Collection(fields)) => {
            set("type", json!("collection"));
            let spec: Vec<Value> = fields
                .iter()
                .map(|(name, kind, label, help)| match *kind {
                    "pairs" => json!({ "name": name, "type": "array", "label": label, "help": help, "spec": pairs_spec() }),
                    kind => json!({ "name": name, "type": kind, "label": label, "help": help }),
                })
                .collect();
            set("spec", Value::Array(spec));
        }
        (_, Shape::Pairs(max)) => {
            set("type", json!("array"));
            set("spec", pairs_spec());
            if let Some(max) = max {
                set("validate", json!({ "maxItems": max }));
            }
        }
        (Kind::Text { max }, _) => {
            set("type", json!("text"));
            set("validate", json!({ "max": max }));
        }
        (Kind::Sid(_), _) => {
            set("type", json!("text"));
            if let Some(pattern) = schema.get("pattern") {
                set("validate", json!({ "pattern": pattern }));
            }
        }
        (Kind::Integer { min, max }, _) => {
            set("type", json!(if min >= 0 { "uinteger" } else { "integer" }));
            set("validate", json!({ "min": min, "max": max }));
        }
        (Kind::Boolean, _) => set("type", json!("boolean")),
        (Kind::Choice(choices), _) => {
            set("type", json!("select"));
            set("options", json!(choices.iter().map(|c| json!({ "label": humanize(c), "value": c })).collect::<Vec<_>>()));
        }
        (Kind::TextOrObject, _) => {
            set("type", json!("text"));
            set("multiline", json!(true));
        }
        (Kind::Object | Kind::Pairs, _) => {}
    }
    if spec.field == ids::SERVICE_SID.field {
        p.remove("validate");
        p.insert("type".into(), json!("select"));
        p.insert("options".into(), json!(format!("rpc://{}", component_id("list_services"))));
        if rules.edit_pickers {
            p.insert("mode".into(), json!("edit"));
        }
    }
    if spec.field == "custom_message" {
        p.insert("multiline".into(), json!(true));
    }
    if rules.defaults {
        if let Some(default) = schema.get("default") {
            p.insert("default".into(), default.clone());
        }
    }
    Value::Object(p)
}

/// The JSON body of an action: the parameters as filled, objects built from their Make shape.
fn action_body(action: &Action) -> Value {
    if action.fields.iter().all(|f| matches!(shape(&f.spec), Shape::Plain)) {
        return json!("{{parameters}}");
    }
    let mut body = Map::new();
    for f in &action.fields {
        let name = f.spec.field;
        let value = match shape(&f.spec) {
            Shape::Plain => json!(format!("{{{{parameters.{name}}}}}")),
            Shape::Pairs(_) => json!(format!("{{{{toCollection(parameters.{name}, 'key', 'value')}}}}")),
            Shape::Collection(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(field, kind, _, _)| {
                        let path = format!("parameters.{name}.{field}");
                        let value = if *kind == "pairs" { format!("{{{{toCollection({path}, 'key', 'value')}}}}") } else { format!("{{{{{path}}}}}") };
                        ((*field).to_owned(), Value::String(value))
                    })
                    .collect(),
            ),
        };
        body.insert(name.to_owned(), value);
    }
    Value::Object(body)
}

/// Make's error directive for Twilio's error body `{code, message, more_info, status}`, with an
/// error type per status.
fn error_directive() -> Value {
    let message = "[{{statusCode}}] {{body.message}} (error {{body.code}})";
    let mut error = Map::new();
    error.insert("message".into(), json!(message));
    error.insert("type".into(), json!("RuntimeError"));
    for (status, kind) in [
        ("400", "DataError"),
        ("401", "InvalidAccessTokenError"),
        ("403", "InvalidConfigurationError"),
        ("404", "DataError"),
        ("409", "DuplicateDataError"),
        ("413", "DataError"),
        ("429", "RateLimitError"),
        ("500", "ConnectionError"),
        ("502", "ConnectionError"),
        ("503", "ConnectionError"),
    ] {
        error.insert(status.into(), json!({ "message": message, "type": kind }));
    }
    Value::Object(error)
}

/// Follows `$ref`s to `#/components/schemas/...` and picks the first non-null alternative.
fn resolve<'a>(schema: &'a Value, spec: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        if let Some(name) = current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
            match spec.pointer(&format!("/components/schemas/{name}")) {
                Some(target) => current = target,
                None => return current,
            }
        } else if let Some(first) = ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|k| current.get(*k).and_then(Value::as_array))
            .and_then(|alternatives| alternatives.iter().find(|a| a.get("type").and_then(Value::as_str) != Some("null")))
        {
            current = first;
        } else {
            return current;
        }
    }
    current
}

/// A Make interface field for a JSON schema (`label` given for top-level fields).
fn interface_field(name: &str, label: String, schema: &Value, spec: &Value) -> Value {
    let schema = resolve(schema, spec);
    let mut field = json!({ "name": name, "label": label });
    let kind = schema.get("type").and_then(|t| t.as_str().or_else(|| t.as_array().and_then(|a| a.iter().filter_map(Value::as_str).find(|t| *t != "null"))));
    let (make_type, nested) = match kind {
        Some("object") => ("collection", schema.get("properties").map(|p| interface_fields(p, spec, &|k| humanize(k)))),
        Some("array") => {
            let items = resolve(schema.get("items").unwrap_or(&Value::Null), spec);
            let item = interface_field("", String::new(), items, spec);
            let mut item_spec = Map::new();
            if let Some(t) = item.get("type") {
                item_spec.insert("type".into(), t.clone());
            }
            if let Some(s) = item.get("spec") {
                item_spec.insert("spec".into(), s.clone());
            }
            ("array", Some(Value::Object(item_spec)))
        }
        Some("string") if matches!(schema.get("format").and_then(Value::as_str), Some("date-time" | "date")) => ("date", None),
        Some("string") => ("text", None),
        Some("integer" | "number") => ("number", None),
        Some("boolean") => ("boolean", None),
        _ => ("any", None),
    };
    if let Some(obj) = field.as_object_mut() {
        if name.is_empty() {
            obj.remove("name");
            obj.remove("label");
        }
        obj.insert("type".into(), json!(make_type));
        if let Some(nested) = nested.filter(|n| !n.as_array().is_some_and(Vec::is_empty) && !n.as_object().is_some_and(Map::is_empty)) {
            obj.insert("spec".into(), nested);
        }
    }
    field
}

fn interface_fields(properties: &Value, spec: &Value, label: &dyn Fn(&str) -> String) -> Value {
    Value::Array(properties.as_object().into_iter().flatten().map(|(k, s)| interface_field(k, label(k), s, spec)).collect())
}

/// The output schema of an action, from its OpenAPI path.
fn output_schema<'a>(action: &Action, spec: &'a Value) -> Option<&'a Value> {
    let responses = spec.pointer(&format!("/paths/~1v1~1actions~1{}/post/responses", action.id))?;
    let success = responses.as_object()?.iter().find(|(status, _)| status.starts_with('2'))?.1;
    success.pointer("/content/application~1json/schema").map(|s| resolve(s, spec))
}

/// Labels of top-level outputs: the label of the parameter with that name when there is one
/// (Make: "The output label must be identical to the corresponding mappable parameter").
fn output_label(key: &str, params: &[Value]) -> String {
    params.iter().find(|p| p["name"] == key).and_then(|p| p["label"].as_str()).map_or_else(|| humanize(key), str::to_owned)
}

struct Module {
    id: String,
    label: String,
    description: String,
    kind: &'static str,
    crud: Option<&'static str>,
    /// The webhook of an instant trigger.
    webhook: Option<&'static str>,
    communication: Value,
    params: Vec<Value>,
    interface: Value,
    samples: Value,
}

/// `{"PageSize": n}`.
fn page_size_query(n: u64) -> Value {
    let mut qs = Map::new();
    qs.insert(paging::PAGE_SIZE.wire.to_owned(), json!(n));
    Value::Object(qs)
}

/// The next page of a list: Verify lists (`/v2/...`) give an absolute `meta.next_page_url`, 2010
/// lists (`/2010-04-01/...`) a `next_page_uri` relative to the origin, which Make joins to the
/// base URL. Each next URL carries the query of the first, so nothing is merged.
fn pagination(route: &str) -> Value {
    let next = if route.starts_with("/2010-04-01/") { "{{body.next_page_uri}}" } else { "{{body.meta.next_page_url}}" };
    json!({ "mergeWithParent": false, "url": next, "condition": next })
}

fn rest_route(action: &Action) -> String {
    action.route().map(|(_, path)| path.to_owned()).unwrap_or_default()
}

/// A search module: the REST list, one bundle per item, following `meta.next_page_url` until
/// the limit.
fn search_module(action: &Action, spec: &Value) -> Module {
    let sample = edge_verify_core::examples::action_output(action.id, ORIGIN);
    let key = sample.pointer("/meta/key").and_then(Value::as_str).unwrap_or("items").to_owned();
    let page_size = paging::PAGE_SIZE.default.and_then(|d| d.parse::<u64>().ok()).unwrap_or(50);
    let paging_fields = [paging::PAGE_SIZE.field, paging::PAGE_TOKEN.field, paging::PAGE.field];
    // The filters, by their wire names (Make leaves out those the user left empty).
    let mut qs = page_size_query(page_size);
    if let Some(qs) = qs.as_object_mut() {
        for f in action.fields.iter().filter(|f| !paging_fields.contains(&f.spec.field) && matches!(f.place, Place::Query)) {
            qs.insert(f.spec.wire.to_owned(), json!(format!("{{{{parameters.{}}}}}", f.spec.field)));
        }
    }
    let route = rest_route(action);
    let communication = json!({
        "url": route,
        "method": "GET",
        "qs": qs,
        "response": { "iterate": format!("{{{{body.{key}}}}}"), "output": "{{item}}", "limit": "{{parameters.limit}}" },
        "pagination": pagination(&route),
    });
    let rules = Rules::of(action);
    let mut params: Vec<Value> = action.fields.iter().filter(|f| !paging_fields.contains(&f.spec.field)).map(|f| parameter(&f.spec, f.required, rules)).collect();
    let help = format!("The maximum number of {} Make returns during one execution cycle.", humanize(&key).to_lowercase());
    params.push(json!({ "name": "limit", "type": "uinteger", "label": "Limit", "help": help, "required": true, "default": 10, "validate": { "min": 1 } }));
    let item_schema = output_schema(action, spec).and_then(|s| s.pointer(&format!("/properties/{key}/items"))).map(|s| resolve(s, spec));
    let interface = item_schema.and_then(|s| s.get("properties")).map_or_else(|| json!([]), |p| interface_fields(p, spec, &|k| output_label(k, &params)));
    let samples = sample.get(&key).and_then(|items| items.get(0)).cloned().unwrap_or_else(|| json!({}));
    Module {
        id: component_id(action.id),
        label: sentence_case(action.label),
        description: action.description.to_owned(),
        kind: "search",
        crud: None,
        webhook: None,
        communication,
        params,
        interface,
        samples,
    }
}

/// The universal module: the URL on the worker itself, relative to the connection's base URL, so
/// the base's error handling turns a 4xx or 5xx into a module error.
fn universal_module(action: &Action) -> Module {
    let field = |name: &str| action.fields.iter().find(|f| f.spec.field == name);
    let spread = |f: Option<&Field>| f.map(|f| json!({ "{{...}}": format!("{{{{toCollection(parameters.{}, 'key', 'value')}}}}", f.spec.field) }));
    let headers = spread(field("headers"));
    let query = spread(field("query"));
    let mut communication = json!({
        "url": "/{{parameters.url}}",
        "method": "{{parameters.method}}",
        "body": "{{parameters.body}}",
        "type": "text",
        "response": { "output": { "statusCode": "{{statusCode}}", "headers": "{{headers}}", "body": "{{body}}" } },
    });
    if let Some(obj) = communication.as_object_mut() {
        obj.insert("headers".into(), headers.unwrap_or_else(|| json!({})));
        obj.insert("qs".into(), query.unwrap_or_else(|| json!({})));
    }
    let rules = Rules::of(action);
    let params: Vec<Value> = action
        .fields
        .iter()
        .map(|f| {
            let mut p = parameter(&f.spec, f.required, rules);
            if f.spec.field == "url" {
                if let Some(obj) = p.as_object_mut() {
                    obj.insert("help".into(), json!("Enter a path relative to the base URL of your connection, for example /v2/Services. Authorization is added for you."));
                    obj.insert("validate".into(), json!({ "pattern": "^/(v2|2010-04-01)/" }));
                }
            }
            if f.spec.field == "method" {
                // Make's universal module template: the method is required, GET by default.
                if let Some(obj) = p.as_object_mut() {
                    obj.insert("required".into(), json!(true));
                }
            }
            if f.spec.field == "body" {
                if let Some(obj) = p.as_object_mut() {
                    obj.insert("help".into(), json!("Form-encoded, e.g. FriendlyName=My%20Service (the API's own format); for JSON, add the header Content-Type: application/json."));
                }
            }
            p
        })
        .collect();
    let inner = edge_verify_core::examples::action_output(action.id, ORIGIN);
    let samples = json!({ "statusCode": inner.get("status").cloned().unwrap_or(json!(200)), "headers": inner.get("headers").cloned().unwrap_or(json!({})), "body": inner.get("body").cloned().unwrap_or(Value::Null) });
    Module {
        id: component_id(action.id),
        label: sentence_case(action.label),
        description: UNIVERSAL_DESCRIPTION.to_owned(),
        kind: "universal",
        crud: None,
        webhook: None,
        communication,
        params,
        interface: json!([
            { "name": "statusCode", "type": "number", "label": "Status code" },
            { "name": "headers", "type": "collection", "label": "Headers" },
            { "name": "body", "type": "any", "label": "Body" },
        ]),
        samples,
    }
}

/// An action module: `POST /v1/actions/{id}` with the parameters the user filled.
fn action_module(action: &Action, spec: &Value) -> Module {
    let rules = Rules::of(action);
    let params: Vec<Value> = action.fields.iter().map(|f| parameter(&f.spec, f.required, rules)).collect();
    let sample = edge_verify_core::examples::action_output(action.id, ORIGIN);
    let (output, interface, samples) = if sample.is_object() {
        let interface = output_schema(action, spec).and_then(|s| s.get("properties")).map_or_else(|| json!([]), |p| interface_fields(p, spec, &|k| output_label(k, &params)));
        (json!("{{body}}"), interface, sample)
    } else {
        // No body (204): output the ids of what was acted on.
        let ids: Vec<&Field> = action.fields.iter().filter(|f| matches!(f.place, Place::Path(_))).collect();
        let output: Map<String, Value> = ids.iter().map(|f| (f.spec.field.to_owned(), json!(format!("{{{{parameters.{}}}}}", f.spec.field)))).collect();
        let interface: Vec<Value> = ids.iter().map(|f| json!({ "name": f.spec.field, "label": output_label(f.spec.field, &params), "type": "text" })).collect();
        let samples: Map<String, Value> = ids.iter().map(|f| (f.spec.field.to_owned(), json!("VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))).collect();
        (Value::Object(output), Value::Array(interface), Value::Object(samples))
    };
    Module {
        id: component_id(action.id),
        label: sentence_case(action.label),
        description: action.description.to_owned(),
        kind: "action",
        crud: crud(action),
        webhook: None,
        communication: json!({
            "url": format!("/v1/actions/{}", action.id),
            "method": "POST",
            "type": "json",
            "body": action_body(action),
            "response": { "output": output },
        }),
        params,
        interface,
        samples,
    }
}

fn modules(spec: &Value) -> Vec<Module> {
    let mut modules: Vec<Module> = catalog()
        .iter()
        .map(|action| match module_type(action) {
            "search" => search_module(action, spec),
            "universal" => universal_module(action),
            _ => action_module(action, spec),
        })
        .collect();
    modules.push(trigger::module(spec));
    modules
}

fn connection_files(prefix: &str) -> Vec<(String, Value)> {
    let auth = "Basic {{base64(parameters.apiKeySid + ':' + parameters.apiKeySecret)}}";
    vec![
        (
            format!("{prefix}.params.iml.json"),
            json!([
                { "name": "baseUrl", "type": "url", "label": "Base URL", "help": "Your deployment's origin, e.g. https://edge-verify.example.workers.dev (https, no path, no trailing slash).", "required": true, "validate": { "pattern": "^https://[^/?#\\s]+$" } },
                { "name": "apiKeySid", "type": "text", "label": "API key SID", "help": "An API key SID (SK...), or the account SID (AC...) to use the auth token.", "required": true, "validate": { "pattern": "^(SK|AC)[0-9a-fA-F]{32}$" } },
                { "name": "apiKeySecret", "type": "password", "label": "API key secret", "help": "The key's secret, shown once when the key was created (or the auth token).", "required": true },
            ]),
        ),
        (
            format!("{prefix}.communication.iml.json"),
            json!({
                "url": "{{parameters.baseUrl}}/2010-04-01/Accounts.json",
                "method": "GET",
                "qs": { "PageSize": 2 },
                "headers": { "authorization": auth },
                "response": {
                    "metadata": { "type": "text", "value": "{{if(length(body.accounts) = 1, body.accounts[1].sid, body.accounts[1].owner_account_sid)}}" },
                    "error": error_directive(),
                },
                "log": { "sanitize": [SANITIZE] },
            }),
        ),
    ]
}

/// Every file of the app: path under `connector-spec/make/`, JSON content.
pub fn files() -> Vec<(PathBuf, Value)> {
    let spec = crate::openapi::openapi();
    let mut files: Vec<(String, Value)> = vec![
        (
            "general/base.iml.json".into(),
            json!({
                "baseUrl": "{{connection.baseUrl}}",
                "headers": { "authorization": "Basic {{base64(connection.apiKeySid + ':' + connection.apiKeySecret)}}" },
                "response": { "error": error_directive() },
                "log": { "sanitize": [SANITIZE] },
            }),
        ),
        ("general/common.json".into(), json!({})),
    ];

    let connection_prefix = format!("connections/{0}/{0}", file_prefix(CONNECTION));
    files.extend(connection_files(&connection_prefix));
    let mut connections = Map::new();
    connections.insert(
        CONNECTION.into(),
        json!({
            "label": "Edge Verify",
            "connectionType": "basic",
            "codeFiles": {
                "communication": format!("{connection_prefix}.communication.iml.json"),
                "params": format!("{connection_prefix}.params.iml.json"),
            },
        }),
    );

    let mut module_entries = Map::new();
    let mut groups: Vec<(&str, Vec<String>)> = vec![("Verification services", Vec::new()), ("Verifications", Vec::new()), ("Other", Vec::new())];
    for m in modules(&spec) {
        let prefix = format!("modules/{0}/{0}", file_prefix(&m.id));
        let mut code_files = Map::new();
        for (code, suffix, content) in [
            ("communication", "communication", m.communication),
            ("staticParams", "static-params", json!([])),
            ("mappableParams", "mappable-params", Value::Array(m.params)),
            ("interface", "interface", m.interface),
            ("samples", "samples", m.samples),
            ("scope", "scope", json!([])),
        ] {
            let path = format!("{prefix}.{suffix}.iml.json");
            code_files.insert(code.into(), json!(path));
            files.push((path, content));
        }
        let mut entry = Map::new();
        entry.insert("label".into(), json!(m.label));
        entry.insert("description".into(), json!(m.description));
        entry.insert("moduleType".into(), json!(m.kind));
        if let Some(crud) = m.crud {
            entry.insert("actionCrud".into(), json!(crud));
        }
        // An instant trigger takes its connection from its webhook.
        match m.webhook {
            Some(webhook) => {
                entry.insert("connection".into(), Value::Null);
                entry.insert("webhook".into(), json!(webhook));
            }
            None => {
                entry.insert("connection".into(), json!(CONNECTION));
            }
        }
        entry.insert("codeFiles".into(), Value::Object(code_files));
        let group = if m.kind == "universal" {
            2
        } else if m.id.contains("Verification") {
            1
        } else {
            0
        };
        if let Some((_, members)) = groups.get_mut(group) {
            members.push(m.id.clone());
        }
        module_entries.insert(m.id, Value::Object(entry));
    }
    files.push(("modules/groups.json".into(), json!(groups.iter().map(|(label, modules)| json!({ "label": label, "modules": modules })).collect::<Vec<_>>())));

    let webhook_prefix = format!("webhooks/{0}/{0}", file_prefix(trigger::WEBHOOK));
    let mut webhook_files = Map::new();
    for (code, suffix, content) in [
        ("communication", "communication", trigger::communication()),
        ("params", "params", trigger::webhook_params()),
        ("attach", "attach", trigger::attach()),
        ("detach", "detach", trigger::detach()),
        ("requiredScope", "required-scope", json!([])),
    ] {
        let path = format!("{webhook_prefix}.{suffix}.iml.json");
        webhook_files.insert(code.into(), json!(path));
        files.push((path, content));
    }
    let mut webhooks = Map::new();
    webhooks.insert(
        trigger::WEBHOOK.into(),
        json!({ "label": "Verification events", "webhookType": "web", "connection": CONNECTION, "codeFiles": webhook_files }),
    );

    let rpc_id = component_id("list_services");
    let rpc_prefix = format!("rpcs/{0}/{0}", file_prefix(&rpc_id));
    let list = catalog().into_iter().find(|a| module_type(a) == "search");
    files.push((
        format!("{rpc_prefix}.communication.iml.json"),
        json!({
            "url": list.as_ref().map(rest_route).unwrap_or_default(),
            "method": "GET",
            "qs": page_size_query(100),
            "response": {
                "iterate": "{{body.services}}",
                "limit": RPC_LIMIT,
                "output": { "label": "{{item.friendly_name}} ({{item.sid}})", "value": "{{item.sid}}" },
            },
            "pagination": pagination(&list.as_ref().map(rest_route).unwrap_or_default()),
        }),
    ));
    files.push((format!("{rpc_prefix}.params.iml.json"), json!([])));
    let mut rpcs = Map::new();
    rpcs.insert(
        rpc_id,
        json!({
            "label": "List services",
            "connection": CONNECTION,
            "codeFiles": { "communication": format!("{rpc_prefix}.communication.iml.json"), "params": format!("{rpc_prefix}.params.iml.json") },
        }),
    );

    files.push((
        "makecomapp.json".into(),
        json!({
            "fileVersion": 1,
            "generalCodeFiles": { "base": "general/base.iml.json", "common": "general/common.json", "groups": "modules/groups.json", "readme": null },
            "components": {
                "connection": connections,
                "webhook": webhooks,
                "module": module_entries,
                "rpc": rpcs,
                "function": {},
                "endpoint": {},
            },
            "origins": [{
                "label": "Edge Verify on Make (set appId and baseUrl to your app and zone)",
                "baseUrl": "https://eu1.make.com/api",
                "appId": "edge-verify",
                "appVersion": 1,
                "apikeyFile": "../../.secrets/make-apikey",
            }],
        }),
    ));
    files.into_iter().map(|(p, v)| (PathBuf::from(DIR).join(p), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels() {
        assert_eq!(component_id("update_verification_status"), "updateVerificationStatus");
        assert_eq!(file_prefix("updateVerificationStatus"), "update-verification-status");
        assert_eq!(file_prefix("edgeVerify"), "edge-verify");
        assert_eq!(sentence_case("Make an API Call"), "Make an API call");
        assert_eq!(sentence_case("Verification SID or To"), "Verification SID or To");
        assert_eq!(humanize("account_sid"), "Account SID");
        assert_eq!(humanize("cross-platform"), "Cross platform");
        assert_eq!(humanize("whatsapp"), "WhatsApp");
        assert_eq!(humanize("GET"), "GET");
        assert_eq!(humanize("msg_service_sid"), "Messaging service SID");
        assert_eq!(pagination("/2010-04-01/Accounts.json")["url"], "{{body.next_page_uri}}");
        assert_eq!(pagination("/v2/Attempts")["condition"], "{{body.meta.next_page_url}}");
    }
}

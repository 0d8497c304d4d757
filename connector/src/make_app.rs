//! A custom app for Make and Boost.space in Make's local-development layout (`makecomapp.json`
//! and `.iml.json` component files): the base with Basic authorization and log sanitizing, a
//! connection tested with a cheap authenticated GET, one module per JSON action (the universal
//! "Make an API call" included), and an RPC listing services for dropdowns.

use std::path::PathBuf;

use edge_verify_core::actions::catalog::{catalog, Action};
use edge_verify_core::spec::{Kind, ParamSpec};
use serde_json::{json, Map, Value};

/// Header sanitizing every module's and the connection's logs.
const SANITIZE: &str = "request.headers.authorization";
const AUTH: &str = "Basic {{base64(connection.username + ':' + connection.password)}}";

fn kebab(id: &str) -> String {
    id.replace('_', "-")
}

fn parameter(spec: &ParamSpec, required: bool) -> Value {
    let mut p = Map::new();
    let mut set = |key: &str, value: Value| {
        p.insert(key.to_owned(), value);
    };
    set("name", json!(spec.field));
    set("label", json!(spec.label));
    set("help", json!(spec.help));
    set("required", json!(required));
    match spec.kind {
        Kind::Text { .. } | Kind::Sid(_) => set("type", json!("text")),
        Kind::Integer { min, max } => {
            set("type", json!("uinteger"));
            set("validate", json!({ "min": min, "max": max }));
        }
        Kind::Boolean => set("type", json!("boolean")),
        Kind::Choice(choices) => {
            set("type", json!("select"));
            set("options", json!(choices.iter().map(|c| json!({ "label": c, "value": c })).collect::<Vec<_>>()));
        }
        Kind::Object | Kind::TextOrObject => set("type", json!("any")),
        Kind::Pairs => {
            set("type", json!("array"));
            set("spec", json!([{ "name": "key", "type": "text", "label": "Key", "required": true }, { "name": "value", "type": "text", "label": "Value" }]));
        }
    }
    if spec.field == "service_sid" {
        set("type", json!("select"));
        set("options", json!("rpc://list-services"));
        set("mappable", json!(true));
    }
    if spec.field == "url" {
        set("validate", json!({ "pattern": "^/(v2|2010-04-01)/" }));
    }
    if let Some(default) = spec.schema().get("default") {
        set("default", default.clone());
    }
    Value::Object(p)
}

fn interface(sample: &Value) -> Value {
    let fields: Vec<Value> = sample
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let kind = match v {
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::Array(_) => "array",
                Value::Object(_) => "collection",
                _ => "text",
            };
            json!({ "name": k, "label": k.replace('_', " "), "type": kind })
        })
        .collect();
    Value::Array(fields)
}

fn module(action: &Action) -> Vec<(String, Value)> {
    let name = kebab(action.id);
    let sample = edge_verify_core::examples::action_output(action.id, "https://verify.example.org");
    let communication = json!({
        "url": format!("/v1/actions/{}", action.id),
        "method": "POST",
        "type": "json",
        "body": "{{parameters}}",
        "response": { "output": "{{body}}" },
    });
    let params: Vec<Value> = action.fields.iter().map(|f| parameter(&f.spec, f.required)).collect();
    vec![
        (format!("modules/{name}/{name}.communication.iml.json"), communication),
        (format!("modules/{name}/{name}.mappable-params.iml.json"), Value::Array(params)),
        (format!("modules/{name}/{name}.static-params.iml.json"), json!([])),
        (format!("modules/{name}/{name}.interface.iml.json"), interface(&sample)),
        (format!("modules/{name}/{name}.samples.iml.json"), if sample.is_object() { sample } else { json!({}) }),
        (format!("modules/{name}/{name}.scope.iml.json"), json!([])),
    ]
}

fn module_type(action: &Action) -> &'static str {
    match action.id {
        "list_services" => "search",
        "make_api_call" => "universal",
        _ => "action",
    }
}

/// Every file of the app: path under `connector-spec/make/`, JSON content.
pub fn files() -> Vec<(PathBuf, Value)> {
    let mut files: Vec<(String, Value)> = vec![
        (
            "general/base.iml.json".into(),
            json!({
                "baseUrl": "{{connection.baseUrl}}",
                "headers": { "authorization": AUTH },
                "response": { "error": { "message": "[{{statusCode}}] {{body.message}} (Twilio error {{body.code}})" } },
                "log": { "sanitize": [SANITIZE] },
            }),
        ),
        ("general/common.json".into(), json!({})),
        ("general/groups.json".into(), json!([
            { "label": "Verification services", "modules": ["list-services", "get-service", "create-service", "update-service", "delete-service"] },
            { "label": "Verifications", "modules": ["start-verification", "get-verification", "check-verification", "update-verification-status"] },
            { "label": "Other", "modules": ["make-api-call"] },
        ])),
        (
            "connections/edge-verify/edge-verify.params.iml.json".into(),
            json!([
                { "name": "baseUrl", "type": "url", "label": "Base URL", "help": "Your deployment, e.g. https://edge-verify.example.workers.dev (no trailing slash)", "required": true },
                { "name": "username", "type": "text", "label": "Account SID or API key SID", "required": true },
                { "name": "password", "type": "password", "label": "Auth token or API key secret", "required": true },
            ]),
        ),
        (
            "connections/edge-verify/edge-verify.communication.iml.json".into(),
            json!({
                "url": "{{parameters.baseUrl}}/v2/Services",
                "method": "GET",
                "qs": { "PageSize": 1 },
                "headers": { "authorization": "Basic {{base64(parameters.username + ':' + parameters.password)}}" },
                "log": { "sanitize": [SANITIZE] },
            }),
        ),
        (
            "rpcs/list-services/list-services.communication.iml.json".into(),
            json!({
                "url": "/v2/Services",
                "method": "GET",
                "qs": { "PageSize": 1000 },
                "response": { "iterate": "{{body.services}}", "output": { "label": "{{item.friendly_name}}", "value": "{{item.sid}}" } },
            }),
        ),
        ("rpcs/list-services/list-services.params.iml.json".into(), json!([])),
    ];
    let mut modules = serde_json::Map::new();
    for action in catalog() {
        files.extend(module(&action));
        let name = kebab(action.id);
        let prefix = format!("modules/{name}/{name}");
        modules.insert(
            name.clone(),
            json!({
                "label": action.label,
                "description": action.description,
                "moduleType": module_type(&action),
                "connection": "edge-verify",
                "codeFiles": {
                    "communication": format!("{prefix}.communication.iml.json"),
                    "mappableParams": format!("{prefix}.mappable-params.iml.json"),
                    "staticParams": format!("{prefix}.static-params.iml.json"),
                    "interface": format!("{prefix}.interface.iml.json"),
                    "samples": format!("{prefix}.samples.iml.json"),
                    "scope": format!("{prefix}.scope.iml.json"),
                },
            }),
        );
    }
    files.push((
        "makecomapp.json".into(),
        json!({
            "fileVersion": 1,
            "generalCodeFiles": { "base": "general/base.iml.json", "common": "general/common.json", "groups": "general/groups.json" },
            "components": {
                "connection": { "edge-verify": { "label": "edge-verify", "connectionType": "basic", "codeFiles": {
                    "communication": "connections/edge-verify/edge-verify.communication.iml.json",
                    "params": "connections/edge-verify/edge-verify.params.iml.json",
                } } },
                "module": modules,
                "rpc": { "list-services": { "label": "List services", "connection": "edge-verify", "codeFiles": {
                    "communication": "rpcs/list-services/list-services.communication.iml.json",
                    "params": "rpcs/list-services/list-services.params.iml.json",
                } } },
            },
        }),
    ));
    files.into_iter().map(|(p, v)| (PathBuf::from("connector-spec/make").join(p), v)).collect()
}

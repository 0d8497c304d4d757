//! A Power Automate / Power Apps custom connector: `apiDefinition.swagger.json` (Swagger 2.0,
//! JSON bodies: one operation per JSON action plus the catalog) and `apiProperties.json` (Basic
//! credentials and the host as connection parameters). Derived from the OpenAPI document.

use serde_json::{json, Map, Value};

/// OpenAPI 3 schema to Swagger 2: `nullable` becomes `x-nullable`, `oneOf` becomes untyped,
/// The value at a JSON pointer, or null.
fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

/// `$ref`s move from components to definitions.
fn schema_v2(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "nullable" => {
                        out.insert("x-nullable".into(), v.clone());
                    }
                    "oneOf" => {}
                    "$ref" => {
                        out.insert(k.clone(), json!(v.as_str().unwrap_or("").replace("#/components/schemas/", "#/definitions/")));
                    }
                    "example" => {}
                    _ => {
                        out.insert(k.clone(), schema_v2(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(schema_v2).collect()),
        other => other.clone(),
    }
}

fn summarize_properties(schema: &mut Value, labels: &Map<String, Value>) {
    let required: Vec<String> = schema["required"].as_array().map(|r| r.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            if let Some(obj) = prop.as_object_mut() {
                let label = labels.get(name).cloned().unwrap_or_else(|| json!(name));
                obj.insert("x-ms-summary".into(), label);
                obj.insert("x-ms-visibility".into(), json!(if required.contains(name) { "important" } else { "advanced" }));
                if name == "service_sid" {
                    obj.insert(
                        "x-ms-dynamic-values".into(),
                        json!({ "operationId": "ActionListServices", "value-collection": "services", "value-path": "sid", "value-title": "friendly_name", "parameters": {} }),
                    );
                }
            }
        }
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The definitions `root` refers to, directly or through other definitions.
fn referenced(root: &Value, all: &Map<String, Value>) -> Map<String, Value> {
    let mut pending = Vec::new();
    collect_refs(root, &mut pending);
    let mut kept = Map::new();
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(def) = all.get(&name) {
            collect_refs(def, &mut pending);
            kept.insert(name, def.clone());
        }
    }
    all.iter().filter(|(k, _)| kept.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `apiDefinition.swagger.json`.
pub fn api_definition(openapi: &Value) -> Value {
    let labels: Map<String, Value> = edge_verify_core::actions::catalog::catalog()
        .iter()
        .flat_map(|a| a.fields.iter().map(|f| (f.spec.field.to_owned(), json!(f.spec.label))).collect::<Vec<_>>())
        .collect();
    let mut paths = Map::new();
    for (path, item) in openapi["paths"].as_object().into_iter().flatten() {
        if !path.starts_with("/v1/actions") {
            continue;
        }
        let mut ops = Map::new();
        for (method, op) in item.as_object().into_iter().flatten() {
            let mut out = Map::new();
            for key in ["operationId", "summary", "description", "tags"] {
                out.insert(key.into(), op[key].clone());
            }
            out.insert("consumes".into(), json!(["application/json"]));
            out.insert("produces".into(), json!(["application/json"]));
            let mut parameters = Vec::new();
            if let Some(media) = at(op, "/requestBody/content").get("application/json") {
                let mut schema = schema_v2(at(media, "/schema"));
                summarize_properties(&mut schema, &labels);
                parameters.push(json!({ "name": "body", "in": "body", "required": true, "x-ms-summary": "Input", "schema": schema }));
            }
            out.insert("parameters".into(), Value::Array(parameters));
            let mut responses = Map::new();
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                if status == "default" {
                    continue;
                }
                let r = match r["$ref"].as_str() {
                    Some(name) => at(openapi, &format!("/components/responses/{}", name.rsplit('/').next().unwrap_or(""))),
                    None => r,
                };
                let mut resp = Map::new();
                resp.insert("description".into(), at(r, "/description").clone());
                if let Some(media) = at(r, "/content").get("application/json") {
                    resp.insert("schema".into(), schema_v2(at(media, "/schema")));
                }
                let resp = Value::Object(resp);
                responses.insert(status.clone(), resp);
            }
            out.insert("responses".into(), Value::Object(responses));
            ops.insert(method.clone(), Value::Object(out));
        }
        paths.insert(path.clone(), Value::Object(ops));
    }
    let all: Map<String, Value> = at(openapi, "/components/schemas").as_object().into_iter().flatten().map(|(k, v)| (k.clone(), schema_v2(v))).collect();
    let definitions = referenced(&Value::Object(paths.clone()), &all);
    json!({
        "swagger": "2.0",
        "info": {
            "title": "edge-verify",
            "description": "Phone and email verification (one-time passcodes) on your own edge-verify deployment: Twilio Verify compatible.",
            "version": at(openapi, "/info/version"),
            "contact": at(openapi, "/info/contact"),
        },
        "host": "verify.example.org",
        "basePath": "/",
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": { "basic_auth": { "type": "basic" } },
        "security": [{ "basic_auth": [] }],
        "tags": openapi["tags"],
        "paths": paths,
        "definitions": definitions,
    })
}

/// `apiProperties.json`: Basic credentials and the deployment's host.
pub fn api_properties() -> Value {
    json!({
        "properties": {
            "connectionParameters": {
                "host": {
                    "type": "string",
                    "uiDefinition": {
                        "displayName": "Host",
                        "description": "Your edge-verify host, e.g. edge-verify.example.workers.dev",
                        "tooltip": "The host of your deployment, without https://",
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
                "title": "Use the connection's host",
                "parameters": { "x-ms-apimTemplateParameter.urlTemplate": "https://@connectionParameters('host')" },
            }],
        },
    })
}

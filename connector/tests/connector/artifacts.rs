//! The Make app and the Power Automate connector, checked against the OpenAPI document:
//! every module's URL and fields exist in the spec, authorization is sanitized from logs, no
//! module calls an absolute URL, and the Swagger 2.0 definition covers every action.

use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))).unwrap()
}

fn openapi() -> Value {
    serde_norway::from_str(&std::fs::read_to_string(root().join("connector-spec/openapi.yaml")).unwrap()).unwrap()
}

#[test]
fn every_make_module_calls_a_spec_path_with_fields_the_spec_has() {
    let spec = openapi();
    let app = read_json("connector-spec/make/makecomapp.json");
    let modules = app["components"]["module"].as_object().unwrap();
    assert_eq!(modules.len(), 10);
    for (name, module) in modules {
        let files = &module["codeFiles"];
        let comm = read_json(&format!("connector-spec/make/{}", files["communication"].as_str().unwrap()));
        let url = comm["url"].as_str().unwrap();
        assert!(url.starts_with('/'), "{name}: {url} is not relative");
        let method = comm["method"].as_str().unwrap().to_ascii_lowercase();
        let op = &spec["paths"][url][&method];
        assert!(op.is_object(), "{name}: {method} {url} is not in the spec");
        let props = op["requestBody"]["content"]["application/json"]["schema"]["properties"].as_object().unwrap();
        let params = read_json(&format!("connector-spec/make/{}", files["mappableParams"].as_str().unwrap()));
        for p in params.as_array().unwrap() {
            let field = p["name"].as_str().unwrap();
            assert!(props.contains_key(field), "{name}: field {field} is not in the spec");
        }
        let required: Vec<&str> = op["requestBody"]["content"]["application/json"]["schema"]["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for r in required {
            assert!(params.as_array().unwrap().iter().any(|p| p["name"] == r && p["required"] == true), "{name}: {r} must be required");
        }
        assert!(read_json(&format!("connector-spec/make/{}", files["samples"].as_str().unwrap())).is_object());
    }
    let api_call = read_json("connector-spec/make/modules/make-api-call/make-api-call.mappable-params.iml.json");
    let url = api_call.as_array().unwrap().iter().find(|p| p["name"] == "url").unwrap();
    assert!(url["validate"]["pattern"].as_str().unwrap().starts_with("^/"), "relative URLs only");
    assert_eq!(app["components"]["module"]["make-api-call"]["moduleType"], "universal");
}

#[test]
fn authorization_is_sent_once_and_sanitized_from_logs() {
    let base = read_json("connector-spec/make/general/base.iml.json");
    assert!(base["headers"]["authorization"].as_str().unwrap().starts_with("Basic {{base64("));
    assert!(base["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")));
    let conn = read_json("connector-spec/make/connections/edge-verify/edge-verify.communication.iml.json");
    assert!(conn["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")));
    assert_eq!(conn["method"], "GET", "the connection test is a cheap authenticated GET");
    assert!(conn["url"].as_str().unwrap().starts_with("{{parameters.baseUrl}}/v2/"));
    let params = read_json("connector-spec/make/connections/edge-verify/edge-verify.params.iml.json");
    assert_eq!(params.as_array().unwrap().iter().find(|p| p["name"] == "password").unwrap()["type"], "password");
}

#[test]
fn no_make_component_calls_an_absolute_url() {
    let spec = openapi();
    for entry in walk(&root().join("connector-spec/make")) {
        if !entry.ends_with(".communication.iml.json") {
            continue;
        }
        let comm: Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        let url = comm["url"].as_str().unwrap();
        assert!(!url.starts_with("http") && !url.starts_with("//"), "{entry}: {url}");
        if url.starts_with('/') {
            let method = comm["method"].as_str().unwrap_or("GET").to_ascii_lowercase();
            assert!(spec["paths"][url][&method].is_object(), "{entry}: {url} not in spec");
        }
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn the_power_automate_definition_covers_every_action_with_summaries() {
    let spec = openapi();
    let swagger = read_json("connector-spec/power-automate/apiDefinition.swagger.json");
    assert_eq!(swagger["swagger"], "2.0");
    assert_eq!(swagger["securityDefinitions"]["basic_auth"]["type"], "basic");
    let spec_actions: Vec<&String> = spec["paths"].as_object().unwrap().keys().filter(|p| p.starts_with("/v1/actions")).collect();
    let swagger_paths: Vec<&String> = swagger["paths"].as_object().unwrap().keys().collect();
    assert_eq!(spec_actions, swagger_paths);
    for (path, item) in swagger["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["operationId"], spec["paths"][path][method]["operationId"], "{path}");
            for param in op["parameters"].as_array().unwrap() {
                assert!(param["x-ms-summary"].is_string(), "{path} parameter lacks x-ms-summary");
                for (name, prop) in param["schema"]["properties"].as_object().into_iter().flatten() {
                    assert!(prop["x-ms-summary"].is_string(), "{path}.{name} lacks x-ms-summary");
                }
            }
        }
    }
    let start = &swagger["paths"]["/v1/actions/start_verification"]["post"]["parameters"][0]["schema"]["properties"]["service_sid"];
    assert_eq!(start["x-ms-dynamic-values"]["operationId"], "ActionListServices");
    let props = read_json("connector-spec/power-automate/apiProperties.json");
    for p in ["host", "username", "password"] {
        assert!(props["properties"]["connectionParameters"][p].is_object(), "{p}");
    }
    assert!(!std::fs::read_to_string(root().join("connector-spec/power-automate/apiDefinition.swagger.json")).unwrap().contains("\"nullable\""));
}

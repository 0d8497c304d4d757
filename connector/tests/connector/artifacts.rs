//! The Make app and the Power Automate connector, checked against the OpenAPI document:
//! every module's URL and fields exist in the spec (the universal module calls the path its user
//! gives, on the connection's base URL), authorization is sanitized from logs, no module calls an
//! absolute URL, and the Swagger 2.0 definition covers every action.

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
    assert_eq!(modules.len(), 14);
    for (name, module) in modules {
        let files = &module["codeFiles"];
        let comm = read_json(&format!("connector-spec/make/{}", files["communication"].as_str().unwrap()));
        // An instant trigger calls nothing: its webhook's attach and detach do, on the spec's
        // webhook routes.
        if module["moduleType"] == "instant_trigger" {
            let webhook = &app["components"]["webhook"][module["webhook"].as_str().unwrap()]["codeFiles"];
            for (code, method, path) in [("attach", "post", "/v2/Services/{ServiceSid}/Webhooks"), ("detach", "delete", "/v2/Services/{ServiceSid}/Webhooks/{Sid}")] {
                let rpc = read_json(&format!("connector-spec/make/{}", webhook[code].as_str().unwrap()));
                assert_eq!(rpc["method"].as_str().unwrap().to_ascii_lowercase(), method, "{name} {code}");
                let template: String = rpc["url"].as_str().unwrap().split('/').map(|s| if s.starts_with("{{") { "{}" } else { s }).collect::<Vec<_>>().join("/");
                assert_eq!(template, path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/"), "{name} {code}");
                let op = &spec["paths"][path][method];
                assert!(op.is_object(), "{name}: {method} {path} is not in the spec");
                if let Some(body) = rpc["body"].as_object() {
                    let props = op["requestBody"]["content"]["application/json"]["schema"]["properties"].as_object().unwrap();
                    for field in body.keys() {
                        assert!(props.contains_key(field), "{name} {code}: body field {field} is not in the spec");
                    }
                }
            }
            continue;
        }
        let url = comm["url"].as_str().unwrap();
        assert!(url.starts_with('/'), "{name}: {url} is not relative");
        let params = read_json(&format!("connector-spec/make/{}", files["mappableParams"].as_str().unwrap()));
        assert!(read_json(&format!("connector-spec/make/{}", files["samples"].as_str().unwrap())).is_object());
        match module["moduleType"].as_str().unwrap() {
            // The universal module calls the path the user gives, on the connection's base URL.
            "universal" => {
                assert_eq!(url, "/{{parameters.url}}", "{name}");
                let url_param = params.as_array().unwrap().iter().find(|p| p["name"] == "url").unwrap();
                assert!(url_param["validate"]["pattern"].as_str().unwrap().starts_with("^/"), "relative URLs only");
                continue;
            }
            // Search modules read the REST list and page with its query parameters.
            "search" => {
                let op = &spec["paths"][url]["get"];
                assert!(op.is_object(), "{name}: GET {url} is not in the spec");
                let query: Vec<&str> = op["parameters"].as_array().unwrap().iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect();
                for q in comm["qs"].as_object().unwrap().keys() {
                    assert!(query.contains(&q.as_str()), "{name}: {q} is not a query parameter of GET {url}");
                }
                let key = comm["response"]["iterate"].as_str().unwrap().trim_start_matches("{{body.").trim_end_matches("}}");
                let list = &op["responses"]["200"]["content"]["application/json"];
                assert!(list["example"][key].is_array() && list["example"]["meta"].as_object().unwrap().contains_key("next_page_url"), "{name}: {key} and meta.next_page_url");
                continue;
            }
            _ => {}
        }
        let method = comm["method"].as_str().unwrap().to_ascii_lowercase();
        let op = &spec["paths"][url][&method];
        assert!(op.is_object(), "{name}: {method} {url} is not in the spec");
        let props = op["requestBody"]["content"]["application/json"]["schema"]["properties"].as_object().unwrap();
        for p in params.as_array().unwrap() {
            let field = p["name"].as_str().unwrap();
            assert!(props.contains_key(field), "{name}: field {field} is not in the spec");
        }
        if let Some(body) = comm["body"].as_object() {
            for field in body.keys() {
                assert!(props.contains_key(field), "{name}: body field {field} is not in the spec");
            }
        }
        let required: Vec<&str> = op["requestBody"]["content"]["application/json"]["schema"]["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for r in required {
            assert!(params.as_array().unwrap().iter().any(|p| p["name"] == r && p["required"] == true), "{name}: {r} must be required");
        }
    }
}

#[test]
fn authorization_is_sent_once_and_sanitized_from_logs() {
    let spec = openapi();
    let base = read_json("connector-spec/make/general/base.iml.json");
    assert!(base["headers"]["authorization"].as_str().unwrap().starts_with("Basic {{base64("));
    assert!(base["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")));
    let app = read_json("connector-spec/make/makecomapp.json");
    for (id, connection) in app["components"]["connection"].as_object().unwrap() {
        let conn = read_json(&format!("connector-spec/make/{}", connection["codeFiles"]["communication"].as_str().unwrap()));
        assert!(conn["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")), "{id}");
        assert_eq!(conn["method"], "GET", "the connection test is a cheap authenticated GET");
        let path = conn["url"].as_str().unwrap().strip_prefix("{{parameters.baseUrl}}").unwrap();
        assert!(spec["paths"][path]["get"].is_object(), "{id}: GET {path} is not in the spec");
        let params = read_json(&format!("connector-spec/make/{}", connection["codeFiles"]["params"].as_str().unwrap()));
        let secret = params.as_array().unwrap().iter().find(|p| p["type"] == "password").unwrap();
        assert!(conn["headers"]["authorization"].as_str().unwrap().contains(&format!("parameters.{}", secret["name"].as_str().unwrap())), "{id}");
        assert!(base["headers"]["authorization"].as_str().unwrap().contains(&format!("connection.{}", secret["name"].as_str().unwrap())), "base uses {id}'s secret");
    }
}

#[test]
fn no_make_component_calls_an_absolute_url() {
    let spec = openapi();
    for entry in walk(&root().join("connector-spec/make")) {
        if ![".communication.iml.json", ".attach.iml.json", ".detach.iml.json"].iter().any(|s| entry.ends_with(s)) {
            continue;
        }
        let comm: Value = serde_json::from_str(&std::fs::read_to_string(&entry).unwrap()).unwrap();
        // A webhook's communication and an instant trigger's describe what arrives: no request.
        if comm.get("url").is_none() && (entry.contains("/webhooks/") || entry.contains("/watch-")) {
            continue;
        }
        let url = comm["url"].as_str().unwrap();
        assert!(!url.starts_with("http") && !url.starts_with("//"), "{entry}: {url}");
        let path = url.strip_prefix("{{parameters.baseUrl}}").unwrap_or(url);
        assert!(path.starts_with('/'), "{entry}: {url} is neither relative nor on the connection's base URL");
        if !path.contains("{{") {
            let method = comm["method"].as_str().unwrap_or("GET").to_ascii_lowercase();
            assert!(spec["paths"][path][&method].is_object(), "{entry}: {url} not in spec");
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
    // Every action, plus `GET /v2/Services` for the service pickers and the connection test, and
    // the webhook trigger's subscribe and unsubscribe.
    let trigger = ["/v2/Services", "/v2/Services/{ServiceSid}/Webhooks", "/v2/Services/{ServiceSid}/Webhooks/{Sid}"];
    let mut expected: Vec<&String> = spec["paths"].as_object().unwrap().keys().filter(|p| p.starts_with("/v1/actions") || trigger.contains(&p.as_str())).collect();
    let mut swagger_paths: Vec<&String> = swagger["paths"].as_object().unwrap().keys().collect();
    expected.sort();
    swagger_paths.sort();
    assert_eq!(expected, swagger_paths);
    for (path, item) in swagger["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["operationId"], spec["paths"][path][method]["operationId"], "{path}");
            for param in op["parameters"].as_array().unwrap() {
                assert!(param["x-ms-summary"].is_string(), "{path} parameter lacks x-ms-summary");
                for (name, prop) in param["schema"]["properties"].as_object().into_iter().flatten() {
                    assert!(prop["x-ms-summary"].is_string(), "{path}.{name} lacks x-ms-summary");
                    let spec_props = &spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["properties"];
                    assert!(spec_props[name].is_object(), "{path}.{name} is not in the spec");
                }
            }
        }
    }
    let start = &swagger["paths"]["/v1/actions/start_verification"]["post"]["parameters"][0]["schema"]["properties"]["service_sid"];
    assert_eq!(start["x-ms-dynamic-values"]["operationId"], "ListService");
    assert_eq!(swagger["paths"]["/v2/Services"]["get"]["operationId"], "ListService");
    let props = read_json("connector-spec/power-automate/apiProperties.json");
    for p in ["baseUrl", "username", "password"] {
        assert!(props["properties"]["connectionParameters"][p].is_object(), "{p}");
    }
    let text = std::fs::read_to_string(root().join("connector-spec/power-automate/apiDefinition.swagger.json")).unwrap();
    assert!(!text.contains("\"nullable\"") && !text.contains("\"$ref\"") && !text.contains("\"oneOf\""), "Swagger 2.0 for Power Automate: x-nullable, inline schemas, no oneOf");
}

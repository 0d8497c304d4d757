//! connector-spec/openapi.yaml against the code: the file is what the generator writes, its
//! (method, path) set is the router's, and every example parses with the real parsers (requests)
//! and into strict resource types (responses).

use std::collections::BTreeSet;
use std::path::Path;

use edge_verify_core::actions::catalog;
use edge_verify_core::params::Params;
use edge_verify_core::routes::ROUTES;
use edge_verify_core::services::ServiceRecord;
use edge_verify_core::sid::{AccountSid, ServiceSid};
use edge_verify_core::verifications::{parse_status_update, CheckRequest, StartRequest};
use edge_verify_connector::openapi::DEV_ROUTES;
use serde::Deserialize;
use serde_json::{Map, Value};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn spec() -> Value {
    let text = std::fs::read_to_string(root().join("connector-spec/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

#[test]
fn checked_in_files_are_what_the_generator_writes() {
    for (path, content) in edge_verify_connector::files() {
        let on_disk = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
        assert!(on_disk == content, "{} is stale: run `cargo run -p edge-verify-connector`", path.display());
    }
}

#[test]
fn the_spec_has_exactly_the_routes_of_the_router() {
    let spec = spec();
    let ids: BTreeSet<&str> = catalog().iter().map(|a| a.id).collect();
    let mut from_spec = BTreeSet::new();
    let mut actions_seen = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_ascii_uppercase();
            match path.strip_prefix("/v1/actions/") {
                Some(id) => {
                    assert!(ids.contains(id), "the spec has an action the catalog lacks: {id}");
                    actions_seen.insert(id.to_owned());
                    from_spec.insert((method, "/v1/actions/{ActionId}".to_owned()));
                }
                None => {
                    from_spec.insert((method, path.clone()));
                }
            }
        }
    }
    let from_router: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| !DEV_ROUTES.contains(&r.operation))
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(from_spec, from_router, "router and spec differ");
    assert_eq!(actions_seen.len(), ids.len(), "every action has its path");
}

#[test]
fn operation_ids_are_stable_pascal_case_and_match_twilio_where_it_has_them() {
    let spec = spec();
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            assert!(id.chars().next().unwrap().is_ascii_uppercase() && id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert!(ids.insert(id.clone()), "duplicate {id}");
        }
    }
    for twilio in ["CreateService", "ListService", "FetchService", "UpdateService", "DeleteService", "CreateVerification", "FetchVerification", "UpdateVerification", "CreateVerificationCheck", "CreateAccount", "FetchAccount", "ListAccount", "UpdateAccount", "CreateNewKey", "FetchKey", "ListKey", "UpdateKey", "DeleteKey"] {
        assert!(ids.contains(twilio), "missing {twilio}");
    }
}

fn as_params(example: &Value) -> Params {
    let pairs = example.as_object().unwrap().iter().map(|(k, v)| (k.clone(), match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }));
    Params::from_pairs(pairs)
}

fn service() -> ServiceRecord {
    ServiceRecord::example()
}

/// Parses request params with the parser of `operation`.
fn parse_request(operation: &str, p: &Params) {
    let ok = match operation {
        "CreateService" | "UpdateService" => service().apply(p).map(|_| ()),
        "CreateVerification" => StartRequest::parse(p, &service()).map(|_| ()),
        "CreateVerificationCheck" => CheckRequest::parse(p).map(|_| ()),
        "UpdateVerification" => parse_status_update(p).map(|_| ()),
        "CreateAccount" | "UpdateAccount" | "CreateNewKey" | "UpdateKey" => p.text("FriendlyName", 64).map(|_| ()),
        "ListService" | "ListAccount" | "ListKey" => edge_verify_core::page::PageQuery::from_params(p).map(|_| ()),
        _ => Ok(()),
    };
    assert!(ok.is_ok(), "{operation}: {ok:?}");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ErrorBody {
    code: u32,
    message: String,
    more_info: String,
    status: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceResource {
    sid: ServiceSid,
    account_sid: AccountSid,
    friendly_name: String,
    code_length: u8,
    lookup_enabled: bool,
    psd2_enabled: bool,
    skip_sms_to_landlines: bool,
    dtmf_input_required: bool,
    tts_name: Option<String>,
    do_not_share_warning_enabled: bool,
    custom_code_enabled: bool,
    push: Value,
    totp: Value,
    default_template_sid: Option<String>,
    whatsapp: Value,
    passkeys: Value,
    verify_event_subscription_enabled: bool,
    date_created: String,
    date_updated: String,
    url: String,
    links: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct VerificationResource {
    sid: edge_verify_core::sid::VerificationSid,
    service_sid: ServiceSid,
    account_sid: AccountSid,
    to: String,
    channel: edge_verify_core::verification::Channel,
    status: String,
    valid: bool,
    lookup: Value,
    amount: Option<String>,
    payee: Option<String>,
    send_code_attempts: Vec<Value>,
    date_created: String,
    date_updated: String,
    sna: Option<Value>,
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CheckResource {
    sid: edge_verify_core::sid::VerificationSid,
    service_sid: ServiceSid,
    account_sid: AccountSid,
    to: String,
    channel: edge_verify_core::verification::Channel,
    status: String,
    valid: bool,
    amount: Option<String>,
    payee: Option<String>,
    date_created: String,
    date_updated: String,
    sna_attempts_error_codes: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceList {
    services: Vec<ServiceResource>,
    meta: Value,
}

/// Deserializes a response example into the type its schema names.
fn parse_response(schema: &str, example: &Value) {
    let v = example.clone();
    let result = match schema {
        "Error" => serde_json::from_value::<ErrorBody>(v).map(|_| ()),
        "Service" => serde_json::from_value::<ServiceResource>(v).map(|_| ()),
        "ServiceList" => serde_json::from_value::<ServiceList>(v).map(|_| ()),
        "Verification" => serde_json::from_value::<VerificationResource>(v).map(|_| ()),
        "VerificationCheck" => serde_json::from_value::<CheckResource>(v).map(|_| ()),
        "Account" | "Key" | "AccountList" | "KeyList" | "ActionCatalog" | "ApiCallResult" => serde_json::from_value::<Map<String, Value>>(v).map(|_| ()),
        other => panic!("no type for schema {other}"),
    };
    assert!(result.is_ok(), "{schema}: {result:?}");
}

fn schema_name(media: &Value) -> Option<String> {
    media["schema"]["$ref"].as_str().and_then(|r| r.rsplit('/').next()).map(str::to_owned)
}

#[test]
fn every_example_parses_into_the_matching_types() {
    let spec = spec();
    let actions = catalog();
    let mut requests = 0;
    let mut responses = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let operation = op["operationId"].as_str().unwrap();
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for (media, body) in content {
                    let example = &body["example"];
                    assert!(example.is_object(), "{operation} {media} has no example");
                    match path.strip_prefix("/v1/actions/") {
                        Some(id) => {
                            let action = actions.iter().find(|a| a.id == id).unwrap();
                            let (_, query, params) = action.inputs(example.as_object().unwrap()).unwrap();
                            let rest_op = action.operation.map(|o| o.id()).unwrap_or("");
                            parse_request(rest_op, if rest_op.starts_with("List") { &query } else { &params });
                        }
                        None => parse_request(operation, &as_params(example)),
                    }
                    requests += 1;
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = match response["$ref"].as_str() {
                    Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap()],
                    None => response,
                };
                let Some(media) = response["content"].get("application/json") else {
                    assert_eq!(status, "204", "{operation} {status} has no content");
                    continue;
                };
                let schema = schema_name(media).unwrap_or_else(|| panic!("{operation} {status}: no schema"));
                assert!(!media["example"].is_null() || schema == "ApiCallResult", "{operation} {status}: no example");
                parse_response(&schema, &media["example"]);
                responses += 1;
            }
        }
    }
    assert!(requests >= 20 && responses >= 100, "{requests} request and {responses} response examples");
}

#[test]
fn every_operation_documents_its_errors_with_the_twilio_schema() {
    let spec = spec();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let responses = op["responses"].as_object().unwrap();
            for code in ["400", "401"] {
                assert!(responses.contains_key(code), "{} lacks {code}", op["operationId"]);
            }
            for (status, r) in responses {
                if status.starts_with('4') {
                    assert!(r["$ref"].as_str().is_some_and(|x| x.starts_with("#/components/responses/")), "{} {status}", op["operationId"]);
                }
            }
        }
    }
    for (_, r) in spec["components"]["responses"].as_object().unwrap() {
        assert_eq!(r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error");
    }
}

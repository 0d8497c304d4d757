//! connector-spec/openapi.yaml against the code: the file is what the generator writes, its
//! (method, path) set is the router's, and every example parses with the real parsers (requests)
//! and into strict resource types (responses).

use edge_verify_core::guard::blocks::BlockList;
use edge_verify_core::guard::safe_list::{parse_number, SafeListResource};
use edge_verify_core::verify::rate_limit::record::{BucketInput, RateLimitInput};
use edge_verify_core::verify::rate_limit::resource::{
    BucketList, BucketResource, RateLimitList, RateLimitResource,
};
use std::collections::BTreeSet;
use std::path::Path;

use edge_verify_core::actions::catalog::{catalog, Place};
use edge_verify_core::error::ErrorBody;
use edge_verify_core::http::routes::ROUTES;
use edge_verify_core::identity::accounts::{AccountList, AccountResource, AccountUpdate, NewAccount};
use edge_verify_core::identity::keys::{KeyList, KeyName, KeyResource};
use edge_verify_core::input::{Body, Input, Naming};
use edge_verify_core::page::PageQuery;
use edge_verify_core::verify::service::record::ServiceUpdate;
use edge_verify_core::verify::service::resource::{ServiceList, ServiceResource};
use edge_verify_core::verify::verification::request::{parse_status_update, CheckRequest, StartRequest};
use edge_verify_core::verify::verification::resource::{VerificationCheckResource, VerificationResource};
use edge_verify_connector::openapi::{DEV_ROUTES, MESSAGING_ROUTES, PAGE_ROUTES};
use edge_verify_core::history::params::{self as history_params, AttemptFilter};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

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
        let content = edge_verify_connector::with_local_state(&path, content, Some(&on_disk));
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
        .filter(|r| !DEV_ROUTES.contains(&r.operation) && !MESSAGING_ROUTES.contains(&r.operation))
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(from_spec, from_router, "router and spec differ");
    assert_eq!(actions_seen.len(), ids.len(), "every action has its path");
}

#[test]
fn page_routes_are_outside_the_spec_and_the_router() {
    use edge_verify_core::http::routes::{match_route, NoRoute};
    use edge_verify_core::http::Method;
    let spec = spec();
    let paths = spec["paths"].as_object().unwrap();
    for page in PAGE_ROUTES {
        assert!(!paths.contains_key(page), "{page} is a documented exception, not a spec path");
        let concrete = page.replace("{ServiceSid}", "VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(match_route(Some(Method::Get), &concrete), Err(NoRoute::NotFound), "{page} collides with an API route");
    }
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

/// Parses a request example with the parser of `operation`, as the face reads it.
fn parse_request(operation: &str, input: &Input<'_>) {
    let ok = match operation {
        "CreateService" => ServiceUpdate::parse_new(input).map(|_| ()),
        "UpdateService" => ServiceUpdate::parse(input).map(|_| ()),
        "CreateVerification" => StartRequest::parse(input).map(|_| ()),
        "CreateVerificationCheck" => CheckRequest::parse(input).map(|_| ()),
        "UpdateVerification" => parse_status_update(input).map(|_| ()),
        "CreateAccount" => NewAccount::parse(input).map(|_| ()),
        "UpdateAccount" => AccountUpdate::parse(input).map(|_| ()),
        "CreateNewKey" | "UpdateKey" => KeyName::parse(input).map(|_| ()),
        "ListService"
        | "ListAccount"
        | "ListKey"
        | "ListRateLimit"
        | "ListBucket"
        | "ListFraudGuardBlock" => PageQuery::parse(input).map(|_| ()),
        "CreateRateLimit" => RateLimitInput::parse_new(input).map(|_| ()),
        "UpdateRateLimit" => RateLimitInput::parse_update(input).map(|_| ()),
        "CreateBucket" => BucketInput::parse(input, true).map(|_| ()),
        "UpdateBucket" => BucketInput::parse(input, false).map(|_| ()),
        "CreateSafelist" => parse_number(input).map(|_| ()),
        "CreateClientToken" => edge_verify_core::browser::ops::TokenRequest::parse(input).map(|_| ()),
        "CreateVerificationResult" => edge_verify_core::browser::ops::parse_result_token(input).map(|_| ()),
        "ListVerificationAttempt" => AttemptFilter::parse(input, &history_params::LIST).and_then(|_| PageQuery::parse(input)).map(|_| ()),
        "FetchVerificationAttemptsSummary" => AttemptFilter::parse(input, &history_params::SUMMARY).map(|_| ()),
        "CreateMessagingConfiguration" => edge_verify_core::verify::routing::ops::parse_new(input).map(|_| ()),
        "UpdateMessagingConfiguration" => edge_verify_core::verify::routing::ops::parse_update(input).map(|_| ()),
        "ListMessagingConfiguration" => PageQuery::parse(input).map(|_| ()),
        "CreateTestMessage" => edge_verify_core::verify::routing::test_message::TestRequest::parse(input).map(|_| ()),
        _ => Ok(()),
    };
    assert!(ok.is_ok(), "{operation}: {ok:?}");
}

/// Deserializes `example` into `T` (strictly: unknown fields are refused) and checks that `T`
/// writes it back unchanged.
fn round_trip<T: DeserializeOwned + Serialize>(schema: &str, example: &Value) {
    let parsed: T = serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{schema}: {e}: {example}"));
    assert_eq!(&serde_json::to_value(&parsed).unwrap(), example, "{schema} does not round-trip");
}

/// Deserializes a response example into the core type its schema was derived from.
fn parse_response(schema: &str, example: &Value) {
    match schema {
        "Error" => round_trip::<ErrorBody>(schema, example),
        "Service" => round_trip::<ServiceResource>(schema, example),
        "ServiceList" => round_trip::<ServiceList>(schema, example),
        "Verification" => round_trip::<VerificationResource>(schema, example),
        "VerificationCheck" => round_trip::<VerificationCheckResource>(schema, example),
        "Account" => round_trip::<AccountResource>(schema, example),
        "AccountList" => round_trip::<AccountList>(schema, example),
        "Key" => round_trip::<KeyResource>(schema, example),
        "KeyList" => round_trip::<KeyList>(schema, example),
        "RateLimit" => round_trip::<RateLimitResource>(schema, example),
        "RateLimitList" => round_trip::<RateLimitList>(schema, example),
        "Bucket" => round_trip::<BucketResource>(schema, example),
        "BucketList" => round_trip::<BucketList>(schema, example),
        "SafeListNumber" => round_trip::<SafeListResource>(schema, example),
        "FraudGuardBlockList" => round_trip::<BlockList>(schema, example),
        "ClientToken" => round_trip::<edge_verify_core::browser::resource::ClientTokenResource>(schema, example),
        "VerificationResult" => round_trip::<edge_verify_core::browser::resource::VerificationResultResource>(schema, example),
        "VerificationAttempt" => round_trip::<edge_verify_core::history::resource::AttemptResource>(schema, example),
        "VerificationAttemptList" => round_trip::<edge_verify_core::history::resource::AttemptList>(schema, example),
        "VerificationAttemptsSummary" => round_trip::<edge_verify_core::history::resource::AttemptsSummary>(schema, example),
        "Webhook" => round_trip::<edge_verify_core::events::resource::WebhookResource>(schema, example),
        "WebhookList" => round_trip::<edge_verify_core::events::resource::WebhookList>(schema, example),
        "MessagingConfiguration" => round_trip::<edge_verify_core::verify::routing::resource::MessagingConfigurationResource>(schema, example),
        "MessagingConfigurationList" => round_trip::<edge_verify_core::verify::routing::resource::MessagingConfigurationList>(schema, example),
        "TestMessage" => round_trip::<edge_verify_core::verify::routing::resource::TestMessageResource>(schema, example),
        "ActionCatalog" | "ApiCallResult" => assert!(example.is_object(), "{schema}"),
        other => panic!("no type for schema {other}"),
    }
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
                    let object = example.as_object().unwrap();
                    let body = if media.contains("form") {
                        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        Body::Form(object.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                    } else {
                        Body::Json(object.clone())
                    };
                    match path.strip_prefix("/v1/actions/") {
                        Some(id) => {
                            let action = actions.iter().find(|a| a.id == id).unwrap();
                            for f in action.fields.iter().filter(|f| f.required || matches!(f.place, Place::Path(_))) {
                                assert!(example.get(f.spec.field).is_some(), "{id}: the example lacks {}", f.spec.field);
                            }
                            parse_request(action.operation.map(|o| o.id()).unwrap_or(""), &body.input(Naming::Field));
                        }
                        None => parse_request(operation, &body.input(Naming::Wire)),
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

/// Importers build requests from examples (Postman's converter with "Example" parameter
/// generation, Workato, Retool): every parameter and every body field has one, and a body of
/// every field's example at once parses with the real parser too.
#[test]
fn every_parameter_and_body_field_has_an_example_the_parsers_accept() {
    let spec = spec();
    let actions = catalog();
    let mut fields = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let operation = op["operationId"].as_str().unwrap();
            let mut query = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(!p["example"].is_null(), "{operation}: parameter {} has no example", p["name"]);
                if p["in"] == "path" {
                    assert!(!p["description"].as_str().unwrap_or("").is_empty(), "{operation}: {} is not described", p["name"]);
                }
                if p["in"] == "query" {
                    let v = &p["example"];
                    query.push((p["name"].as_str().unwrap().to_owned(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)));
                }
                fields += 1;
            }
            if operation.contains("VerificationAttempt") {
                parse_request(operation, &Body::Form(query.clone()).input(Naming::Wire));
            }
            if operation.starts_with("List") {
                PageQuery::parse(&Body::Form(query).input(Naming::Wire)).unwrap_or_else(|e| panic!("{operation}: its query examples: {e:?}"));
            }
            let Some(content) = op["requestBody"]["content"].as_object() else { continue };
            for (media, body) in content {
                assert_eq!(body["schema"]["example"], body["example"], "{operation} {media}: the body schema carries the example too");
                let properties = body["schema"]["properties"].as_object().unwrap();
                let mut all = serde_json::Map::new();
                for (name, schema) in properties {
                    assert!(!schema["example"].is_null(), "{operation} {media}: {name} has no example");
                    all.insert(name.clone(), schema["example"].clone());
                    fields += 1;
                }
                let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                let parsed = if media.contains("form") {
                    Body::Form(all.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                } else {
                    Body::Json(all.clone())
                };
                match path.strip_prefix("/v1/actions/") {
                    Some("make_api_call") => {
                        edge_verify_core::actions::api_call::request(&parsed.input(Naming::Field), "https://verify.example.org").unwrap_or_else(|e| panic!("make_api_call: {e:?}"));
                    }
                    Some(id) => {
                        let action = actions.iter().find(|a| a.id == id).unwrap();
                        parse_request(action.operation.map(|o| o.id()).unwrap_or(""), &parsed.input(Naming::Field));
                    }
                    None => parse_request(operation, &parsed.input(Naming::Wire)),
                }
            }
        }
    }
    assert!(fields > 300, "{fields} fields");
}

#[test]
fn a_regeneration_keeps_the_makers_make_origins_and_nothing_else() {
    let path = Path::new(edge_verify_connector::make_app::MAKECOMAPP);
    let (_, generated) = edge_verify_connector::files().into_iter().find(|(p, _)| p == path).unwrap();
    let mut deployed: Value = serde_json::from_str(&generated).unwrap();
    deployed["origins"] = serde_json::json!([{ "label": "Mine", "baseUrl": "https://us1.make.com/api", "appId": "edge-verify-42", "appVersion": 1, "idMapping": { "module": [{ "local": "startVerification", "remote": "startVerification" }] } }]);
    deployed["components"]["module"]["stale"] = serde_json::json!({});
    let kept: Value = serde_json::from_str(&edge_verify_connector::with_local_state(path, generated.clone(), Some(&deployed.to_string()))).unwrap();
    assert_eq!(kept["origins"], deployed["origins"], "the maker's deploy targets are kept");
    assert!(kept["components"]["module"].get("stale").is_none(), "everything else is generated");
    let fresh = edge_verify_connector::with_local_state(path, generated.clone(), None);
    assert_eq!(fresh, generated, "a fresh checkout gets the template origin");
}

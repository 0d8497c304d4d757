//! The Power Automate connector (`connector-spec/power-automate/`) against Microsoft's published
//! rules for custom and certified connectors. Each test names its source:
//!
//! - [validator]: "Fix Swagger Validator errors", the rules `paconn validate` and the certification
//!   pipeline apply, <https://learn.microsoft.com/en-us/connectors/custom-connectors/certification-swagger-validator-rules>
//! - [submission]: "Verified publisher certification process" (the requirements the independent
//!   publisher process shares), <https://learn.microsoft.com/en-us/connectors/custom-connectors/certification-submission>
//! - [extensions]: "Create a custom connector with an OpenAPI extension",
//!   <https://learn.microsoft.com/en-us/connectors/custom-connectors/openapi-extensions>
//! - [test-connection]: "Implement test connection",
//!   <https://learn.microsoft.com/en-us/connectors/custom-connectors/test-connection>
//! - [dynamichosturl]: the "Set host URL" policy template,
//!   <https://learn.microsoft.com/en-us/connectors/custom-connectors/policy-templates/dynamichosturl/dynamichosturl>
//! - [readme-template]: `templates/certified-connectors/readme.md` and
//!   `templates/Independent Publisher/readme.md` in github.com/microsoft/PowerPlatformConnectors

use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn swagger() -> Value {
    serde_json::from_str(&read("connector-spec/power-automate/apiDefinition.swagger.json")).unwrap()
}

fn properties() -> Value {
    serde_json::from_str(&read("connector-spec/power-automate/apiProperties.json")).unwrap()
}

/// Every operation: (operationId, method, path, operation).
fn operations(swagger: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in swagger["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((op["operationId"].as_str().unwrap_or("").to_owned(), method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

fn operation<'a>(ops: &'a [(String, String, String, Value)], id: &str) -> &'a Value {
    &ops.iter().find(|(op_id, ..)| op_id == id).unwrap_or_else(|| panic!("no operation {id}")).3
}

/// A schema with its `$ref` (to `#/definitions/...`) followed.
fn resolve<'a>(swagger: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/definitions/")) {
        Some(name) => resolve(swagger, &swagger["definitions"][name]),
        None => schema,
    }
}

/// Every schema under `schema` (itself, properties, items, additionalProperties objects), with a
/// path, `$ref`s followed.
fn walk<'a>(swagger: &'a Value, schema: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    if out.len() > 20_000 {
        return;
    }
    let schema = resolve(swagger, schema);
    out.push((path.clone(), schema));
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        walk(swagger, prop, format!("{path}/{name}"), out);
    }
    if schema["items"].is_object() {
        walk(swagger, &schema["items"], format!("{path}[]"), out);
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        walk(swagger, extra, format!("{path}{{}}"), out);
    }
    for branch in ["allOf", "anyOf", "oneOf"] {
        for (i, s) in schema[branch].as_array().into_iter().flatten().enumerate() {
            walk(swagger, s, format!("{path}/{branch}{i}"), out);
        }
    }
}

/// Every request schema (body parameters) and non-body parameter, with a path.
fn request_schemas(swagger: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, _, _, op) in operations(swagger) {
        for param in op["parameters"].as_array().into_iter().flatten() {
            let name = param["name"].as_str().unwrap_or("");
            if param["in"] == "body" {
                let mut found = Vec::new();
                walk(swagger, &param["schema"], format!("{id}.{name}"), &mut found);
                out.extend(found.into_iter().map(|(p, s)| (p, s.clone())));
            } else {
                out.push((format!("{id}.{name}"), param.clone()));
            }
        }
    }
    out
}

/// Every response schema, with a path.
fn response_schemas(swagger: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, _, _, op) in operations(swagger) {
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            if response["schema"].is_object() {
                let mut found = Vec::new();
                walk(swagger, &response["schema"], format!("{id}.{status}"), &mut found);
                out.extend(found.into_iter().map(|(p, s)| (p, s.clone())));
            }
        }
    }
    out
}

/// The properties of every object schema in `schemas`: (path, property schema).
fn properties_of(swagger: &Value, schemas: &[(String, Value)]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, schema) in schemas {
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            out.push((format!("{path}/{name}"), resolve(swagger, prop).clone()));
        }
    }
    out
}

/// [validator] `OperationHasManyResponsesWithSchema` ("only one schema will be used in the
/// designer"), `DefaultResponseHasSchema`, and `SchemaDefinitionSetIncorrectly` (the output schema
/// belongs on the 200 or 201 response); [submission] "Define exact operation responses".
#[test]
fn each_operation_has_at_most_one_response_schema_and_it_is_the_success() {
    let swagger = swagger();
    for (id, _, _, op) in operations(&swagger) {
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.keys().any(|s| s.starts_with('2')), "{id}: no success response (OperationShouldHaveSuccessfulResponse)");
        let with_schema: Vec<&String> = responses.iter().filter(|(_, r)| r.get("schema").is_some()).map(|(s, _)| s).collect();
        assert!(with_schema.len() <= 1, "{id}: responses {with_schema:?} all have a schema (OperationHasManyResponsesWithSchema)");
        for status in with_schema {
            assert!(status == "200" || status == "201", "{id}: the schema is on {status}, not on the 200/201 success");
        }
        for (status, r) in responses {
            assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()), "{id}: response {status} lacks a description");
        }
    }
}

/// [validator] `InvalidEnumValue` ("The type of the enum value is '{0}' but it should be '{1}' as
/// specified in the schema") and `EnumMustContainAtLeastOneElement`: every enum is typed, its values
/// have that type, and neither `null` nor `""` is a value (nullable fields say `x-nullable`).
#[test]
fn enums_are_typed_and_hold_neither_null_nor_empty_strings() {
    let swagger = swagger();
    let mut all = request_schemas(&swagger);
    all.extend(response_schemas(&swagger));
    let mut enums = 0;
    for (path, schema) in all {
        let Some(values) = schema.get("enum") else { continue };
        enums += 1;
        let values = values.as_array().unwrap_or_else(|| panic!("{path}: enum is not an array"));
        assert!(!values.is_empty(), "{path}: empty enum");
        let ty = schema["type"].as_str().unwrap_or_else(|| panic!("{path}: enum without a type"));
        for v in values {
            let ok = match ty {
                "string" => v.as_str().is_some_and(|s| !s.is_empty()),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => false,
            };
            assert!(ok, "{path}: enum value {v} does not fit type {ty} (InvalidEnumValue)");
        }
    }
    assert!(enums >= 3, "the channel, status and fraud guard enums are there");
}

/// [submission] Step 3b: `x-ms-connector-metadata` with Website, Privacy policy and Categories (at
/// most two of the listed categories, semicolon-separated); [validator]
/// `ConnectorMetadataPropertiesMissing`, `InvalidConnectorCategory`, `TooManyConnectorCategories`,
/// `UrlNotValid`.
#[test]
fn connector_metadata_names_website_privacy_policy_and_categories() {
    const CATEGORIES: [&str; 19] = [
        "AI", "Business Management", "Business Intelligence", "Collaboration", "Commerce", "Communication", "Content and Files", "Finance", "Data", "Human Resources",
        "Internet of Things", "IT Operations", "Lifestyle and Entertainment", "Marketing", "Productivity", "Sales and CRM", "Security", "Social Media", "Website",
    ];
    let swagger = swagger();
    let metadata = swagger["x-ms-connector-metadata"].as_array().expect("x-ms-connector-metadata is an array at the top level");
    let value = |name: &str| -> String {
        metadata.iter().find(|m| m["propertyName"] == name).and_then(|m| m["propertyValue"].as_str()).unwrap_or_else(|| panic!("metadata {name} missing")).to_owned()
    };
    for name in ["Website", "Privacy policy"] {
        let url = value(name);
        assert!(url.starts_with("https://") && !url.contains(' '), "{name}: {url} is not an absolute URL");
    }
    let categories = value("Categories");
    let list: Vec<&str> = categories.split(';').collect();
    assert!(!list.is_empty() && list.len() <= 2, "one or two categories: {categories}");
    for c in list {
        assert!(CATEGORIES.contains(&c), "{c} is not one of Microsoft's categories");
    }
}

/// [submission] Step 3b: `info.contact` with the support team's name, URL and email; [validator]
/// `ContactEmailNotValid`.
#[test]
fn contact_has_a_name_a_url_and_a_valid_email() {
    let swagger = swagger();
    let contact = &swagger["info"]["contact"];
    assert!(contact["name"].as_str().is_some_and(|n| !n.is_empty()), "contact name");
    assert!(contact["url"].as_str().is_some_and(|u| u.starts_with("https://")), "contact url");
    let email = contact["email"].as_str().expect("contact email");
    let (local, domain) = email.split_once('@').expect("an @ in the email");
    assert!(email.is_ascii() && !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !email.contains(' '), "{email} is not a valid email");
}

/// [submission] "Give your connector a title" (at most 30 characters, no "API" or "Connector",
/// ends alphanumeric) and "Write a description" (30 to 500 characters, no Power Platform product
/// names); [validator] `ValueMustEndWithAlphanumeric`, `FieldLengthNotInRange`.
#[test]
fn title_and_description_follow_the_certification_rules() {
    let swagger = swagger();
    let title = swagger["info"]["title"].as_str().unwrap();
    assert!(!title.is_empty() && title.chars().count() <= 30, "{title}: 1 to 30 characters");
    let words: Vec<String> = title.split(|c: char| !c.is_alphanumeric()).map(str::to_ascii_lowercase).collect();
    assert!(!words.iter().any(|w| w == "api" || w == "connector"), "{title} names API or Connector");
    assert!(title.chars().last().is_some_and(char::is_alphanumeric), "{title} ends in a non-alphanumeric character");
    let description = swagger["info"]["description"].as_str().unwrap();
    let n = description.chars().count();
    assert!((30..=500).contains(&n), "description has {n} characters, not 30 to 500");
    for product in ["Power Apps", "Power Automate", "Power BI", "Power Pages", "Copilot Studio", "Power Platform"] {
        assert!(!description.contains(product) && !title.contains(product), "{product} named in the title or description");
    }
}

/// [submission] "Checklist before submitting": no operation misses a summary, a description or
/// visibility information; [extensions] `x-ms-visibility` is `important`, `advanced` or
/// `internal`. Starting and checking a verification are the connector's point (`important`); the
/// catalog and the service picker's list are plumbing (`internal`).
#[test]
fn every_operation_has_summary_description_and_visibility() {
    let swagger = swagger();
    let ops = operations(&swagger);
    for (id, _, _, op) in &ops {
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{id}: summary");
        let description = op["description"].as_str().unwrap_or("");
        assert!(description.ends_with(['.', '!', '?', ')']), "{id}: the description is a sentence ending in punctuation");
        let visibility = op["x-ms-visibility"].as_str().unwrap_or_else(|| panic!("{id}: no x-ms-visibility"));
        assert!(["important", "advanced", "internal"].contains(&visibility), "{id}: x-ms-visibility {visibility}");
    }
    assert_eq!(operation(&ops, "ActionStartVerification")["x-ms-visibility"], "important");
    assert_eq!(operation(&ops, "ActionCheckVerification")["x-ms-visibility"], "important");
    assert_eq!(operation(&ops, "ListActions")["x-ms-visibility"], "internal");
    assert!(ops.iter().filter(|(.., op)| op["x-ms-visibility"] != "internal").count() >= 10, "every action stays visible");
}

/// [submission] "Define operation and parameter summaries and descriptions": summaries are
/// phrases of 80 characters or fewer with only alphanumeric characters or parentheses, and
/// descriptions are sentences ending in punctuation; [validator] `OperationSummaryTooLong`,
/// `RestrictedCharactersInSummary`.
#[test]
fn summaries_are_short_plain_phrases_and_descriptions_are_sentences() {
    let swagger = swagger();
    let plain = |s: &str| !s.is_empty() && s.chars().count() <= 80 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '(' || c == ')');
    for (id, _, _, op) in operations(&swagger) {
        let summary = op["summary"].as_str().unwrap_or("");
        assert!(plain(summary), "{id}: summary {summary:?}");
        for param in op["parameters"].as_array().into_iter().flatten() {
            let s = param["x-ms-summary"].as_str().unwrap_or("");
            assert!(plain(s), "{id}.{}: x-ms-summary {s:?}", param["name"]);
            assert!(param["description"].as_str().is_some_and(|d| d.ends_with(['.', '!', '?', ')'])), "{id}.{}: description", param["name"]);
        }
    }
    let request = request_schemas(&swagger);
    let responses = response_schemas(&swagger);
    for (path, prop) in properties_of(&swagger, &request).into_iter().chain(properties_of(&swagger, &responses)) {
        let s = prop["x-ms-summary"].as_str().unwrap_or("");
        assert!(plain(s), "{path}: x-ms-summary {s:?}");
        let d = prop["description"].as_str().unwrap_or("");
        assert!(d.ends_with(['.', '!', '?', ')']), "{path}: description {d:?} is not a sentence");
    }
}

/// [extensions] `x-ms-visibility`: `advanced` parameters are hidden under "Show advanced
/// options", and `internal` ones are never shown. A check needs the code and one of `to` or
/// `verification_sid`, so all of them stay on the default card; every required field does too.
#[test]
fn what_a_call_needs_is_on_the_default_card() {
    let swagger = swagger();
    let ops = operations(&swagger);
    let check = operation(&ops, "ActionCheckVerification");
    let props = &check["parameters"][0]["schema"]["properties"];
    for field in ["service_sid", "code", "to", "verification_sid"] {
        let visibility = props[field]["x-ms-visibility"].as_str().unwrap_or("");
        assert!(props[field].is_object(), "check has {field}");
        assert!(visibility != "advanced" && visibility != "internal", "check: {field} is {visibility}, so the default card cannot check a code");
    }
    let start = &operation(&ops, "ActionStartVerification")["parameters"][0]["schema"]["properties"];
    for field in ["service_sid", "to", "channel"] {
        assert_eq!(start[field]["x-ms-visibility"], "important", "start: {field}");
    }
    for (id, _, _, op) in &ops {
        for param in op["parameters"].as_array().into_iter().flatten() {
            let schema = resolve(&swagger, &param["schema"]);
            let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for name in required {
                let prop = &schema["properties"][name];
                let visibility = prop["x-ms-visibility"].as_str().unwrap_or("");
                // A hidden required field is filled for the maker: by its default, or (the
                // callback URL of a webhook trigger) by Power Automate itself.
                if visibility == "internal" && (prop.get("default").is_some() || prop["x-ms-notification-url"] == true) {
                    continue;
                }
                assert!(visibility != "advanced" && visibility != "internal", "{id}: required field {name} is {visibility}");
            }
            // The unsubscribe of a webhook trigger is Power Automate's to call, never the maker's.
            if param["required"] == true && param["in"] != "body" && op["x-ms-visibility"] != "internal" {
                assert!(param["x-ms-visibility"] != "advanced" && param["x-ms-visibility"] != "internal", "{id}: required {}", param["name"]);
            }
        }
    }
}

/// [extensions] `x-ms-summary` ("Applies to: Parameters, response schema") and `description`
/// ("Applies to: Operations, parameters, response schema"): every response property, at any
/// depth, has both, so the dynamic content list shows names and hints rather than raw keys.
#[test]
fn every_response_property_has_a_summary_and_a_description() {
    let swagger = swagger();
    let responses = response_schemas(&swagger);
    let props = properties_of(&swagger, &responses);
    assert!(props.len() > 50, "the responses describe their properties");
    let missing: Vec<&String> = props.iter().filter(|(_, p)| !p["x-ms-summary"].is_string() || !p["description"].is_string()).map(|(path, _)| path).collect();
    assert!(missing.is_empty(), "{} response properties lack x-ms-summary or description, e.g. {:?}", missing.len(), missing.iter().take(12).collect::<Vec<_>>());
}

/// [submission] "Define exact operation responses": empty response schemas are not allowed
/// (except for dynamic schemas, which this connector has none of), and empty properties are
/// removed. A schema is empty when it has no type, reference, properties or items, or is an object
/// that can hold nothing; request fields obey the same so every field gets an editor.
#[test]
fn no_schema_is_empty() {
    let swagger = swagger();
    let mut all = request_schemas(&swagger);
    all.extend(response_schemas(&swagger));
    for (path, schema) in all {
        if schema.get("in").is_some_and(|i| i != "body") {
            assert!(schema["type"].is_string(), "{path}: parameter without a type");
            continue;
        }
        let obj = schema.as_object().unwrap();
        let typed = ["type", "$ref", "properties", "items", "x-ms-dynamic-schema"].iter().any(|k| obj.contains_key(*k));
        assert!(typed, "{path}: empty schema {schema}");
        if schema["type"] == "object" {
            let holds = schema["properties"].as_object().is_some_and(|p| !p.is_empty()) || schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
            assert!(holds, "{path}: an object that can hold nothing {schema}");
        }
    }
}

/// [validator] `RequiredPropertyArrayEmpty`, `RequiredPropertyDefinitionMissing`,
/// `RequiredPropertyNotOnObject`: a `required` list is non-empty, on an object, and names defined
/// properties.
#[test]
fn required_lists_name_defined_properties() {
    let swagger = swagger();
    let mut all = request_schemas(&swagger);
    all.extend(response_schemas(&swagger));
    for (path, schema) in all {
        let Some(required) = schema.get("required").and_then(Value::as_array) else { continue };
        assert!(!required.is_empty(), "{path}: empty required list");
        assert_eq!(schema["type"], "object", "{path}: required on a non-object");
        for name in required {
            assert!(schema["properties"][name.as_str().unwrap()].is_object(), "{path}: required {name} is not a property");
        }
    }
}

/// [test-connection] `x-ms-capabilities.testConnection` names an operation of this definition
/// that is a `get` callable with no parameters or hard-coded ones, so a wrong host or secret is
/// refused when the connection is created rather than in the first run.
#[test]
fn the_connection_is_tested_with_an_existing_parameterless_get() {
    let swagger = swagger();
    let test = &swagger["x-ms-capabilities"]["testConnection"];
    let id = test["operationId"].as_str().expect("x-ms-capabilities.testConnection.operationId");
    let ops = operations(&swagger);
    let (_, method, path, op) = ops.iter().find(|(op_id, ..)| op_id == id).unwrap_or_else(|| panic!("testConnection names {id}, which is not an operation"));
    assert_eq!(method, "get", "{id} ({path}) is not a GET");
    let given: Vec<&String> = test["parameters"].as_object().map(|p| p.keys().collect()).unwrap_or_default();
    for param in op["parameters"].as_array().into_iter().flatten() {
        assert!(param["in"] != "body", "{id} takes a body");
        if param["required"] == true {
            assert!(given.contains(&&param["name"].as_str().unwrap().to_owned()), "{id} requires {}, which testConnection does not give", param["name"]);
        }
    }
    for name in given {
        assert!(op["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == name.as_str()), "testConnection passes {name}, which {id} does not take");
    }
    assert_eq!(op["x-ms-visibility"], "internal", "[test-connection] encourages hiding the operation used");
}

/// [extensions] "Use dynamic values" (`x-ms-dynamic-values` and `x-ms-dynamic-list`): the
/// operation a dropdown calls exists, needs no body (it is called with the listed parameters
/// only), takes the parameters given, and returns the collection and value paths named;
/// [validator] `OperationIdNotFound`, `OperationParameterNameNotFound`,
/// `InvokedOperationShouldProduceArray`, `InvokedOperationShouldProduceProperty`,
/// `DynamicExtensionDefinitionNotAllowedInParameter`, `BodyOrFormDataParameterInFetchOperationNotAllowed`.
#[test]
fn every_dropdown_calls_an_operation_that_needs_no_body() {
    let swagger = swagger();
    let ops = operations(&swagger);
    let mut dropdowns = 0;
    for (id, _, _, op) in &ops {
        for param in op["parameters"].as_array().into_iter().flatten() {
            // A path or query parameter carries its dropdown itself; a body's properties do.
            let fields: Vec<(String, Value)> = if param["in"] == "body" {
                assert!(param.get("x-ms-dynamic-values").is_none() && param.get("x-ms-dynamic-list").is_none(), "{id}: dynamic extension on the body parameter itself");
                let schema = resolve(&swagger, &param["schema"]);
                schema["properties"].as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect()
            } else {
                vec![(param["name"].as_str().unwrap_or("").to_owned(), param.clone())]
            };
            for (field, prop) in &fields {
                let values = prop.get("x-ms-dynamic-values");
                let list = prop.get("x-ms-dynamic-list");
                if values.is_none() && list.is_none() {
                    continue;
                }
                dropdowns += 1;
                let values = values.unwrap_or_else(|| panic!("{id}.{field}: x-ms-dynamic-list without x-ms-dynamic-values"));
                let list = list.unwrap_or_else(|| panic!("{id}.{field}: a body property's dropdown needs x-ms-dynamic-list too"));
                for (ext, source, collection, value_path, title_path) in [
                    ("x-ms-dynamic-values", values, "value-collection", "value-path", "value-title"),
                    ("x-ms-dynamic-list", list, "itemsPath", "itemValuePath", "itemTitlePath"),
                ] {
                    let source_id = source["operationId"].as_str().unwrap_or_else(|| panic!("{id}.{field}: {ext} without operationId"));
                    let (_, method, _, source_op) = ops.iter().find(|(op_id, ..)| op_id == source_id).unwrap_or_else(|| panic!("{id}.{field}: {ext} calls {source_id}, which is not an operation"));
                    let source_params = source_op["parameters"].as_array().cloned().unwrap_or_default();
                    for p in &source_params {
                        assert!(!(p["in"] == "body" && p["required"] == true), "{id}.{field}: {source_id} has a required body");
                        if p["required"] == true {
                            assert!(source["parameters"].get(p["name"].as_str().unwrap()).is_some(), "{id}.{field}: {source_id} requires {}", p["name"]);
                        }
                    }
                    assert_eq!(method, "get", "{id}.{field}: {source_id} should be a plain GET");
                    for name in source["parameters"].as_object().unwrap_or_else(|| panic!("{id}.{field}: {ext} needs parameters")).keys() {
                        assert!(source_params.iter().any(|p| p["name"] == name.as_str()), "{id}.{field}: {ext} passes {name}, which {source_id} does not take");
                    }
                    let success = source_op["responses"].as_object().unwrap().iter().find(|(s, _)| s.starts_with('2')).map(|(_, r)| r).unwrap();
                    let mut node = resolve(&swagger, &success["schema"]);
                    for segment in source[collection].as_str().unwrap_or("").split('/').filter(|s| !s.is_empty()) {
                        node = resolve(&swagger, &node["properties"][segment]);
                    }
                    assert_eq!(node["type"], "array", "{id}.{field}: {ext} {collection} is not an array of {source_id}");
                    let item = resolve(&swagger, &node["items"]);
                    for path in [value_path, title_path] {
                        let name = source[path].as_str().unwrap_or_else(|| panic!("{id}.{field}: {ext} without {path}"));
                        assert!(item["properties"][name].is_object(), "{id}.{field}: {source_id}'s items have no {name}");
                    }
                }
            }
        }
    }
    assert!(dropdowns >= 6, "the service pickers are there ({dropdowns})");
}

/// The issue this work fixes: update-service pre-filled the defaults (code length 6, booleans
/// false), so running it reset settings the user never touched. An optional field carries no
/// `default`; [validator] `InternalPropertyWithDefaultOptional` adds that only required fields are
/// guaranteed to be sent, so a default on an optional field is at best decoration.
#[test]
fn optional_fields_carry_no_default() {
    let swagger = swagger();
    for (id, _, _, op) in operations(&swagger) {
        for param in op["parameters"].as_array().into_iter().flatten() {
            if param["in"] != "body" {
                if param["required"] != true {
                    assert!(param.get("default").is_none(), "{id}.{}: optional parameter with a default", param["name"]);
                }
                continue;
            }
            let schema = resolve(&swagger, &param["schema"]);
            let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                if !required.contains(&name.as_str()) {
                    assert!(prop.get("default").is_none(), "{id}.{name}: optional field with default {}", prop["default"]);
                }
            }
        }
    }
}

/// [dynamichosturl] The URL template builds the host from connection parameters; [validator]
/// `HostNameNotValid` (the swagger `host` has no scheme or path). The connection takes the
/// deployment's full URL (as the workers.dev dashboard shows it), so the template must not add a
/// scheme of its own: `https://` + `https://x` was the doubled scheme of the issue.
#[test]
fn the_connection_takes_the_deployment_url_as_shown() {
    let swagger = swagger();
    let host = swagger["host"].as_str().unwrap();
    assert!(!host.contains("://") && !host.contains('/'), "host {host} has a scheme or a path");
    let props = properties();
    let policies = props["properties"]["policyTemplateInstances"].as_array().unwrap();
    let dynamic = policies.iter().find(|p| p["templateId"] == "dynamichosturl").expect("a dynamichosturl policy");
    let template = dynamic["parameters"]["x-ms-apimTemplateParameter.urlTemplate"].as_str().unwrap();
    let params = props["properties"]["connectionParameters"].as_object().unwrap();
    let start = template.find("@connectionParameters('").expect("the template reads a connection parameter");
    assert_eq!(start, 0, "{template}: a scheme before the parameter doubles the one a pasted URL has");
    let name = template["@connectionParameters('".len()..].split('\'').next().unwrap();
    let param = &params[name];
    assert!(param.is_object(), "{template} reads {name}, which is not a connection parameter");
    let ui = &param["uiDefinition"];
    let text = format!("{} {}", ui["description"].as_str().unwrap_or(""), ui["tooltip"].as_str().unwrap_or(""));
    assert!(text.contains("https://"), "the {name} prompt shows a full URL: {text}");
    assert_eq!(ui["constraints"]["required"], "true");
    for p in ["username", "password"] {
        assert!(params[p].is_object(), "{p}");
    }
    assert_eq!(params["password"]["type"], "securestring");
    assert_eq!(swagger["securityDefinitions"]["basic_auth"]["type"], "basic");
}

/// [submission] Step 3a: `publisher` and `stackOwner` in apiProperties.json.
#[test]
fn api_properties_name_publisher_and_stack_owner() {
    let props = properties();
    for key in ["publisher", "stackOwner"] {
        let v = props["properties"][key].as_str().unwrap_or("");
        assert!(!v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'), "{key}: {v:?}");
    }
    assert!(props["properties"]["iconBrandColor"].as_str().is_some_and(|c| c.starts_with('#') && c.len() == 7), "iconBrandColor");
}

/// [submission] "Create a Readme file artifact" and [readme-template]: readme.md with the required
/// sections (title paragraph, Publisher, Prerequisites, Supported Operations, Obtaining
/// Credentials, Known Issues and Limitations; Deployment Instructions for certified connectors),
/// listing every visible operation, and telling makers to turn retries off on start and check (a
/// retried start sends another code).
#[test]
fn the_readme_has_the_required_sections() {
    let readme = read("connector-spec/power-automate/readme.md");
    assert!(readme.starts_with("# "), "a title first");
    let headings: Vec<&str> = readme.lines().filter(|l| l.starts_with("## ")).collect();
    for section in ["## Publisher: ", "## Prerequisites", "## Supported Operations", "## Obtaining Credentials", "## Known Issues and Limitations", "## Deployment Instructions"] {
        assert!(headings.iter().any(|h| h.starts_with(section)), "readme lacks {section}");
    }
    let swagger = swagger();
    for (id, _, _, op) in operations(&swagger) {
        if op["x-ms-visibility"] == "internal" {
            continue;
        }
        let summary = op["summary"].as_str().unwrap();
        assert!(readme.contains(&format!("### {summary}")), "readme does not describe {id} ({summary})");
    }
    let lower = readme.to_ascii_lowercase();
    assert!(lower.contains("retry policy") && lower.contains("none"), "readme tells makers to set the retry policy to none");
}

/// [validator] `UnrecognizedTypeFormat` ("The type/format '{0}' is not recognized"): only Swagger
/// 2.0 formats Power Automate knows (`uint32` and friends from the Rust types are mapped or
/// dropped).
#[test]
fn formats_are_ones_power_automate_knows() {
    const KNOWN: [&str; 11] = ["int32", "int64", "float", "double", "byte", "binary", "date", "date-time", "password", "email", "uri"];
    let swagger = swagger();
    let mut all = request_schemas(&swagger);
    all.extend(response_schemas(&swagger));
    for (path, schema) in all {
        if let Some(format) = schema.get("format") {
            assert!(format.as_str().is_some_and(|f| KNOWN.contains(&f)), "{path}: format {format}");
        }
    }
}

/// [validator] `BodySchemaCountExceedsMaxAllowed` / `OperationSchemaCountExceedsMaxAllowed` (the
/// limit is 512 schemas, as the designer reports it in microsoft/PowerPlatformConnectors#1088)
/// and [submission] Step 3d: the definition stays under 1 MB.
#[test]
fn schemas_and_the_file_stay_within_the_platform_limits() {
    let text = read("connector-spec/power-automate/apiDefinition.swagger.json");
    assert!(text.len() < 1_000_000, "apiDefinition.swagger.json is {} bytes", text.len());
    let swagger = swagger();
    for (id, _, _, op) in operations(&swagger) {
        let mut count = 0;
        for param in op["parameters"].as_array().into_iter().flatten().filter(|p| p["schema"].is_object()) {
            let mut found = Vec::new();
            walk(&swagger, &param["schema"], String::new(), &mut found);
            count += found.len();
        }
        for response in op["responses"].as_object().into_iter().flatten().map(|(_, r)| r).filter(|r| r["schema"].is_object()) {
            let mut found = Vec::new();
            walk(&swagger, &response["schema"], String::new(), &mut found);
            count += found.len();
        }
        assert!(count <= 512, "{id} has {count} schemas");
    }
}

/// [submission] "Descriptions ... should be meaningful": no description anywhere in the
/// definition carries an empty or placeholder sentence (such as "Default: ." from an empty
/// default, or a "<string>" placeholder).
#[test]
fn no_description_holds_an_empty_or_placeholder_sentence() {
    fn visit(v: &Value, path: &str, bad: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if let (true, Some(text)) = (k == "description" || k == "x-ms-summary", child.as_str()) {
                        if text.trim().is_empty() || text.contains(": .") || text.contains("<string>") || text.contains("..") && !text.contains("...") {
                            bad.push(format!("{path}/{k}: {text:?}"));
                        }
                    }
                    visit(child, &format!("{path}/{k}"), bad);
                }
            }
            Value::Array(items) => items.iter().enumerate().for_each(|(i, c)| visit(c, &format!("{path}/{i}"), bad)),
            _ => {}
        }
    }
    let mut bad = Vec::new();
    visit(&swagger(), "", &mut bad);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// [webhook-trigger] "Create a webhook trigger" for custom connectors
/// (<https://learn.microsoft.com/en-us/connectors/custom-connectors/create-webhook-trigger>) and
/// [extensions]: a webhook trigger is a `POST` marked `x-ms-trigger: single` whose body holds the
/// callback URL in a property marked `x-ms-notification-url: true` (internal: Power Automate
/// fills it); the subscription answers 201 with a `Location` header, which Power Automate DELETEs
/// to unsubscribe, so that DELETE must be an operation of the definition; and
/// `x-ms-notification-content` gives the schema of what each notification carries (the trigger's
/// outputs, each with a summary and a description).
#[test]
fn the_webhook_trigger_subscribes_its_callback_and_unsubscribes_at_its_location() {
    let swagger = swagger();
    let ops = operations(&swagger);
    let triggers: Vec<_> = ops.iter().filter(|(.., op)| op.get("x-ms-trigger").is_some()).collect();
    assert_eq!(triggers.len(), 1, "one webhook trigger");
    let (id, method, path, op) = triggers[0];
    assert_eq!(op["x-ms-trigger"], "single", "{id}");
    assert_eq!(method, "post", "{id}: a webhook subscription is a POST");
    let body = op["parameters"].as_array().unwrap().iter().find(|p| p["in"] == "body").expect("a body");
    let schema = resolve(&swagger, &body["schema"]);
    let callbacks: Vec<_> = schema["properties"].as_object().unwrap().iter().filter(|(_, p)| p["x-ms-notification-url"] == true).collect();
    assert_eq!(callbacks.len(), 1, "{id}: one callback URL property");
    let (callback, prop) = callbacks[0];
    assert_eq!(prop["type"], "string");
    assert_eq!(prop["x-ms-visibility"], "internal", "{id}: the maker never types the callback URL");
    assert!(schema["required"].as_array().unwrap().iter().any(|r| r == callback.as_str()), "{id}: the callback URL is required");
    let created = &op["responses"]["201"];
    assert!(created["headers"]["Location"]["type"] == "string", "{id}: 201 with a Location header");
    // The Location is the created webhook: `{path}/{Sid}`, which the definition can DELETE.
    let (delete_id, _, _, delete) = ops.iter().find(|(_, m, p, _)| m == "delete" && p.starts_with(&format!("{path}/{{"))).unwrap_or_else(|| panic!("{id}: no DELETE under {path}"));
    assert_eq!(delete["x-ms-visibility"], "internal", "{delete_id}: only Power Automate unsubscribes");
    let content = &op["x-ms-notification-content"];
    assert!(content["description"].as_str().is_some_and(|d| !d.is_empty()), "{id}: x-ms-notification-content has a description");
    let outputs = resolve(&swagger, &content["schema"]);
    assert_eq!(outputs["type"], "object");
    for field in ["id", "type", "date_created", "service_sid", "verification_sid", "to", "status", "channel"] {
        let p = &outputs["properties"][field];
        assert!(p.is_object(), "{id}: the notification lacks {field}");
        assert!(p["x-ms-summary"].is_string() && p["description"].is_string(), "{id}: output {field} lacks a summary or description");
    }
    let events: Vec<&str> = schema["properties"]["EventTypes"]["enum"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for event in ["verification.started", "verification.approved", "verification.canceled", "verification.expired", "verification.max_attempts_reached"] {
        assert!(events.contains(&event), "{id}: {event} cannot be chosen");
    }
}

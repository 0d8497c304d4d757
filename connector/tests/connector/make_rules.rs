//! The Make app (`connector-spec/make/`) against Make's published rules: the local-development
//! format the Make Apps Editor for VS Code opens (`makecomapp.json`, as its JSON schema and loader
//! in github.com/integromat/vscode-apps-sdk define it), and the best practices Make's app review
//! checks (developers.make.com/custom-apps-documentation). Each test names the page it encodes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};


fn dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../connector-spec/make")).to_path_buf()
}

fn read(rel: &str) -> Value {
    let path = dir().join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn app() -> Value {
    read("makecomapp.json")
}

fn components(kind: &str) -> Map<String, Value> {
    app()["components"][kind].as_object().cloned().unwrap_or_default()
}

/// One code file of a component, read (`Null` when the component has no such code).
fn code(component: &Value, code: &str) -> Value {
    component["codeFiles"][code].as_str().map(read).unwrap_or(Value::Null)
}

fn modules() -> Vec<(String, Value)> {
    components("module").into_iter().collect()
}

fn params(module: &Value) -> Vec<Value> {
    let mut all = code(module, "mappableParams").as_array().cloned().unwrap_or_default();
    all.extend(code(module, "staticParams").as_array().cloned().unwrap_or_default());
    all
}

/// Every parameter, nested ones (collection and array specs, select options' nested) included.
fn walk_params(params: &[Value], out: &mut Vec<Value>) {
    for p in params {
        out.push(p.clone());
        match &p["spec"] {
            Value::Array(spec) => walk_params(spec, out),
            Value::Object(_) => walk_params(std::slice::from_ref(&p["spec"]), out),
            _ => {}
        }
        for option in p["options"].as_array().into_iter().flatten() {
            walk_params(option["nested"].as_array().map(Vec::as_slice).unwrap_or_default(), out);
        }
    }
}

fn all_params(module: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    walk_params(&params(module), &mut out);
    out
}

fn files_under(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.insert(path);
        }
    }
}

/// The editor's loader refuses a `makecomapp.json` without an `origins` array
/// (vscode-apps-sdk `src/local-development/makecomappjson.ts`: "Missing origins"), and its JSON
/// schema (`syntaxes/local-development/schemas/makecomapp.schema.json`) requires `fileVersion`,
/// `generalCodeFiles` with `base`, `common`, `groups` and `readme` (a path, or null to leave it
/// out), `components` with every component type (`connection`, `webhook`, `module`, `rpc`,
/// `function`, `endpoint`; its migration backfills missing ones), and origins with `baseUrl`
/// (`^https://(.*)/api$`), `appId` (`^[a-z][0-9a-z-]+[0-9a-z]$`), `appVersion` and `apikeyFile`.
/// Every code file it names must exist, and every file of the app must be named by it
/// ("Local development for Apps": makecomapp.json "contains the list of all components ... and
/// links to all component code files").
#[test]
fn makecomapp_json_is_the_format_the_apps_editor_opens() {
    let app = app();
    let keys: BTreeSet<&str> = app.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["fileVersion", "generalCodeFiles", "components", "origins"]), "the schema allows exactly these keys");
    assert!(app["fileVersion"].is_number());
    let origins = app["origins"].as_array().expect("origins must be an array");
    assert!(!origins.is_empty(), "deploying needs an origin to fill in");
    let app_id = regex_lite(r"^[a-z][0-9a-z-]+[0-9a-z]$");
    for origin in origins {
        let url = origin["baseUrl"].as_str().unwrap();
        assert!(url.starts_with("https://") && url.ends_with("/api"), "{url}");
        assert!(app_id(origin["appId"].as_str().unwrap()));
        assert!(origin["appVersion"].is_number());
        assert!(origin["apikeyFile"].is_string());
        assert!(!origin["label"].as_str().unwrap_or_default().starts_with("-FILL-ME-"));
    }
    let general = app["generalCodeFiles"].as_object().unwrap();
    let general_keys: BTreeSet<&str> = general.keys().map(String::as_str).collect();
    assert_eq!(general_keys, BTreeSet::from(["base", "common", "groups", "readme"]));
    let kinds: BTreeSet<&str> = app["components"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(kinds, BTreeSet::from(["connection", "webhook", "module", "rpc", "function", "endpoint"]));

    let mut named = BTreeSet::new();
    for path in general.values().filter_map(Value::as_str) {
        named.insert(dir().join(path));
    }
    for kind in app["components"].as_object().unwrap().values() {
        for (id, component) in kind.as_object().unwrap() {
            assert!(component["codeFiles"].is_object(), "{id} has no codeFiles");
            for path in component["codeFiles"].as_object().unwrap().values().filter_map(Value::as_str) {
                assert!(dir().join(path).is_file(), "{id}: {path} is missing");
                named.insert(dir().join(path));
            }
        }
    }
    let mut present = BTreeSet::new();
    files_under(&dir(), &mut present);
    present.remove(&dir().join("makecomapp.json"));
    let stray: Vec<_> = present.difference(&named).collect();
    assert!(stray.is_empty(), "files makecomapp.json does not name: {stray:?}");
}

/// A tiny matcher for the few anchored patterns these tests need, without a regex dependency:
/// `^[first-class][rest-class]+[last-class]$` style patterns are checked character by character.
fn regex_lite(pattern: &'static str) -> impl Fn(&str) -> bool {
    move |s: &str| match pattern {
        r"^[a-z][0-9a-z-]+[0-9a-z]$" => {
            s.len() >= 3
                && s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }
        _ => panic!("unknown pattern {pattern}"),
    }
}

/// Module and RPC names "must be between 3 and 48 characters long" and "must match pattern
/// `/^[a-zA-Z][0-9a-zA-Z]+[0-9a-zA-Z]$/`", and must not be a JavaScript reserved word
/// (https://developers.make.com/custom-apps-documentation/best-practices/naming-conventions/modules/modules-names; the editor checks the same
/// before opening an app: vscode-apps-sdk `src/local-development/helpers/validate-id.ts`).
/// Connection ids follow that file's rule for connections (letters, digits and dashes). Every
/// `rpc://` reference and every module of `groups.json` must name an existing component.
#[test]
fn component_ids_follow_makes_name_pattern() {
    const RESERVED: &[&str] = &["break", "case", "catch", "class", "const", "continue", "default", "delete", "do", "else", "export", "extends", "function", "import", "in", "instanceof", "new", "return", "switch", "this", "throw", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static", "enum", "await"];
    let name_ok = |id: &str| {
        (3..=48).contains(&id.len())
            && id.starts_with(|c: char| c.is_ascii_alphabetic())
            && id.chars().all(|c| c.is_ascii_alphanumeric())
            && !RESERVED.contains(&id)
    };
    let modules = components("module");
    let rpcs = components("rpc");
    assert!(!modules.is_empty() && !rpcs.is_empty());
    for id in modules.keys().chain(rpcs.keys()) {
        assert!(name_ok(id), "{id} breaks /^[a-zA-Z][0-9a-zA-Z]+[0-9a-zA-Z]$/ (3-48 characters)");
    }
    for id in components("connection").keys() {
        let ok = (3..=35).contains(&id.len())
            && id.starts_with(|c: char| c.is_ascii_alphabetic())
            && !id.ends_with('-')
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        assert!(ok, "connection id {id}");
    }
    let webhooks = components("webhook");
    for id in webhooks.keys() {
        assert!(name_ok(id), "webhook {id}");
    }
    for (id, module) in &modules {
        // An instant trigger names its webhook, which holds the connection.
        let connection = match module["webhook"].as_str() {
            Some(webhook) => {
                assert_eq!(module["moduleType"], "instant_trigger", "{id}: only instant triggers have webhooks");
                assert!(module["connection"].is_null(), "{id}: the connection is its webhook's");
                webhooks.get(webhook).unwrap_or_else(|| panic!("{id}: unknown webhook {webhook}"))["connection"].as_str().unwrap()
            }
            None => module["connection"].as_str().unwrap(),
        };
        assert!(components("connection").contains_key(connection), "{id}: unknown connection");
        for p in all_params(module) {
            if let Some(rpc) = p["options"].as_str().and_then(|o| o.strip_prefix("rpc://")) {
                assert!(rpcs.contains_key(rpc), "{id}.{}: rpc://{rpc} does not exist", p["name"]);
            }
        }
    }
    let groups = read(app()["generalCodeFiles"]["groups"].as_str().unwrap());
    let grouped: BTreeSet<&str> = groups.as_array().unwrap().iter().flat_map(|g| g["modules"].as_array().unwrap()).filter_map(Value::as_str).collect();
    assert_eq!(grouped, modules.keys().map(String::as_str).collect(), "groups.json must list every module once");
}

/// Update modules must not overwrite what the user did not touch: APIs that update partially get
/// only the fields given (https://developers.make.com/custom-apps-documentation/best-practices/update-modules), and Make leaves out a field the
/// user left empty (https://developers.make.com/custom-apps-documentation/other/processing-of-empty-values) — so no update parameter may carry
/// a `default` (a default is a value the user never chose), and nothing but the record's id is
/// required.
#[test]
fn update_modules_send_only_what_the_user_fills() {
    let updates: Vec<_> = modules().into_iter().filter(|(_, m)| m["actionCrud"] == "update" || m["label"].as_str().is_some_and(|l| l.starts_with("Update"))).collect();
    assert!(!updates.is_empty());
    for (id, module) in updates {
        for p in all_params(&module) {
            assert!(p.get("default").is_none(), "{id}.{} has a default ({})", p["name"], p["default"]);
        }
        let required: Vec<_> = params(&module).into_iter().filter(|p| p["required"] == true).map(|p| p["name"].as_str().unwrap().to_owned()).collect();
        assert!(required.iter().all(|r| r.ends_with("sid") || r == "status"), "{id} requires {required:?}");
    }
}

/// Search modules return many items: they "should contain pagination and iterative directives"
/// and a limit (https://developers.make.com/custom-apps-documentation/best-practices/modules/search-modules; the `limit` directive,
/// https://developers.make.com/custom-apps-documentation/component-blocks/api/handling-responses/limit, also stops pagination), follow the next
/// page (https://developers.make.com/custom-apps-documentation/component-blocks/api/pagination), and take a `limit` parameter, the last one
/// (https://developers.make.com/custom-apps-documentation/best-practices/input-parameters/mappable-parameters: "Limit should be the last
/// variable"). Action modules never iterate nor paginate.
#[test]
fn search_modules_iterate_paginate_and_take_a_limit() {
    let mut searches = 0;
    for (id, module) in modules() {
        let comm = code(&module, "communication");
        if module["moduleType"] != "search" {
            assert!(comm.get("pagination").is_none() && comm["response"].get("iterate").is_none(), "{id} is not a search module");
            continue;
        }
        searches += 1;
        assert_eq!(comm["method"], "GET", "{id}");
        assert!(comm["response"]["iterate"].as_str().is_some_and(|i| i.starts_with("{{body.")), "{id} must iterate the list");
        assert_eq!(comm["response"]["output"], "{{item}}", "{id} outputs one bundle per item");
        assert_eq!(comm["response"]["limit"], "{{parameters.limit}}", "{id}");
        let pagination = &comm["pagination"];
        // Verify lists give `meta.next_page_url`; 2010 lists `next_page_uri` (shared/reference/).
        let next = if comm["url"].as_str().unwrap().starts_with("/2010-04-01/") { "{{body.next_page_uri}}" } else { "{{body.meta.next_page_url}}" };
        assert_eq!(pagination["url"], next, "{id} follows the next page");
        assert_eq!(pagination["condition"], next, "{id} stops on the last page");
        assert_eq!(pagination["mergeWithParent"], false, "{id}: the next URL carries its own query");
        let params = params(&module);
        // Every filter the user fills reaches the API (a search that drops its filters lists
        // everything).
        let sent: Vec<&str> = comm["qs"].as_object().unwrap().values().filter_map(Value::as_str).collect();
        for p in params.iter().filter(|p| p["name"] != "limit") {
            let template = format!("{{{{parameters.{}}}}}", p["name"].as_str().unwrap());
            assert!(sent.contains(&template.as_str()), "{id}: filter {} is never sent", p["name"]);
        }
        let limit = params.last().unwrap_or_else(|| panic!("{id} has no parameters"));
        assert_eq!(limit["name"], "limit", "{id}: limit is the last parameter");
        assert_eq!(limit["type"], "uinteger");
        assert_eq!(limit["required"], true);
        assert!(limit["default"].is_number());
        assert!(!params.iter().any(|p| ["page_size", "page_token", "page"].contains(&p["name"].as_str().unwrap_or_default())), "{id} exposes paging internals");
    }
    assert!(searches > 0);
}

/// The REST universal module: label "Make an API call" and description "Performs an arbitrary
/// authorized API call.", a URL "relative to" the base URL that "should start with /", the
/// method, headers and query string as key/value arrays spread with `toCollection`, the body,
/// and output `statusCode`, `headers` and `body`
/// (https://developers.make.com/custom-apps-documentation/app-components/modules/universal-module/rest). It calls the API itself through the
/// connection's base URL, so a 4xx or 5xx is a module error (never `/v1/actions/make_api_call`,
/// which answers 200 with the inner status inside).
#[test]
fn the_universal_module_is_makes_make_an_api_call() {
    let universal: Vec<_> = modules().into_iter().filter(|(_, m)| m["moduleType"] == "universal").collect();
    assert_eq!(universal.len(), 1);
    let (id, module) = &universal[0];
    assert_eq!(module["label"], "Make an API call");
    assert_eq!(module["description"], "Performs an arbitrary authorized API call.");
    let comm = code(module, "communication");
    let url = comm["url"].as_str().unwrap();
    assert!(url.starts_with('/') && url.contains("{{parameters.url}}"), "{id}: {url} must be relative to the base URL");
    assert!(!url.contains("/v1/actions"), "{id} must call the API directly");
    assert_eq!(comm["method"], "{{parameters.method}}");
    let spread = |name: &str| comm[name]["{{...}}"].as_str().unwrap_or_default().to_owned();
    assert!(spread("headers").starts_with("{{toCollection(parameters.headers, 'key', 'value')"), "{}", spread("headers"));
    assert!(spread("qs").starts_with("{{toCollection(parameters."), "{}", spread("qs"));
    assert_eq!(comm["body"], "{{parameters.body}}");
    let output = comm["response"]["output"].as_object().unwrap();
    assert_eq!(output.keys().map(String::as_str).collect::<BTreeSet<_>>(), BTreeSet::from(["statusCode", "headers", "body"]));
    assert_eq!(output["statusCode"], "{{statusCode}}");
    assert!(comm["response"].get("error").is_none() && comm["response"].get("valid").is_none(), "4xx and 5xx must stay errors (base error handling)");

    let params = params(module);
    let by_name = |n: &str| params.iter().find(|p| p["name"] == n).cloned().unwrap_or_else(|| panic!("{id} lacks {n}"));
    let url = by_name("url");
    assert_eq!((url["type"].as_str(), url["required"].as_bool()), (Some("text"), Some(true)));
    assert!(url["help"].as_str().unwrap().contains("relative to"), "help says what the URL is relative to");
    assert!(url["validate"]["pattern"].as_str().unwrap().starts_with("^/"));
    let method = by_name("method");
    assert_eq!((method["type"].as_str(), method["default"].as_str(), method["required"].as_bool()), (Some("select"), Some("GET"), Some(true)));
    for name in ["headers", comm["qs"]["{{...}}"].as_str().unwrap().trim_start_matches("{{toCollection(parameters.").split(',').next().unwrap()] {
        let p = by_name(name);
        assert_eq!(p["type"], "array", "{name}");
        let spec: Vec<&str> = p["spec"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(spec, ["key", "value"], "{name}");
    }
    by_name("body");
    let interface = code(module, "interface");
    let names: Vec<&str> = interface.as_array().unwrap().iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["statusCode", "headers", "body"]);
    assert!(code(module, "samples")["statusCode"].is_number());
}

/// "The base and connection have sanitization of sensitive data" and "have error handling"
/// (https://developers.make.com/custom-apps-documentation/app-review/prerequisites); the error message shows the status code and the service's
/// own message and code (https://developers.make.com/custom-apps-documentation/best-practices/base/error-handling: `[{{statusCode}}]
/// {{body.error.message}} (error code: ...)`, here Twilio's `{code, message, more_info,
/// status}`), with error types per status (https://developers.make.com/custom-apps-documentation/app-components/base/error-handling); the
/// connection stores metadata naming the account (https://developers.make.com/custom-apps-documentation/best-practices/connections/connection-metadata).
#[test]
fn base_and_connection_handle_errors_sanitize_and_name_the_account() {
    let check_error = |what: &str, error: &Value| {
        let message = error["message"].as_str().unwrap_or_else(|| panic!("{what} has no error message"));
        for part in ["{{statusCode}}", "{{body.message}}", "{{body.code}}"] {
            assert!(message.contains(part), "{what}: {message} lacks {part}");
        }
        assert_eq!(error["401"]["type"], "InvalidAccessTokenError", "{what}");
        assert_eq!(error["429"]["type"], "RateLimitError", "{what}");
        assert_eq!(error["400"]["type"], "DataError", "{what}");
    };
    let base = read(app()["generalCodeFiles"]["base"].as_str().unwrap());
    check_error("base", &base["response"]["error"]);
    assert!(base["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")));
    assert_eq!(base["baseUrl"], "{{connection.baseUrl}}");
    for (id, connection) in components("connection") {
        assert_eq!(connection["connectionType"], "basic");
        let comm = code(&connection, "communication");
        check_error(&id, &comm["response"]["error"]);
        assert!(comm["log"]["sanitize"].as_array().unwrap().contains(&Value::from("request.headers.authorization")), "{id}");
        let metadata = &comm["response"]["metadata"];
        assert!(["text", "email"].contains(&metadata["type"].as_str().unwrap_or_default()), "{id} stores no metadata");
        assert!(metadata["value"].as_str().is_some_and(|v| v.contains("{{") && v.contains("body.")), "{id}: metadata comes from the response");
        let secret = code(&connection, "params").as_array().unwrap().iter().filter(|p| p["type"] == "password").count();
        assert_eq!(secret, 1, "{id}: the secret is a password field");
    }
}

/// Dynamic options RPCs output `label` and `value`, and "you must define a limit" when the list
/// can be long (https://developers.make.com/custom-apps-documentation/app-components/rpcs/dynamic-options-rpc; "a sample of the last 100 or so
/// items", https://developers.make.com/custom-apps-documentation/best-practices/remote-procedure-calls).
#[test]
fn rpcs_limit_their_output() {
    for (id, rpc) in components("rpc") {
        let comm = code(&rpc, "communication");
        let limit = comm["response"]["limit"].as_u64().unwrap_or_else(|| panic!("{id} has no limit"));
        assert!((1..=500).contains(&limit), "{id}: {limit}");
        let output = comm["response"]["output"].as_object().unwrap();
        assert!(output.contains_key("label") && output.contains_key("value"), "{id}");
        assert!(comm["response"]["iterate"].is_string(), "{id}");
    }
}

/// "When adding an RPC to a Get, Update, or Delete module, it is required to add `"mode":
/// "edit"`", and Create modules should not have it
/// (https://developers.make.com/custom-apps-documentation/best-practices/remote-procedure-calls, "Mode edit").
#[test]
fn pickers_of_get_update_and_delete_modules_open_in_edit_mode() {
    let mut edit = 0;
    for (id, module) in modules() {
        if module["moduleType"] == "action" {
            assert!(["create", "read", "update", "delete"].contains(&module["actionCrud"].as_str().unwrap_or_default()), "{id} declares no actionCrud");
        }
        let crud = module["actionCrud"].as_str().unwrap_or_default();
        for p in all_params(&module).iter().filter(|p| p["options"].as_str().is_some_and(|o| o.starts_with("rpc://"))) {
            match crud {
                "read" | "update" | "delete" => {
                    assert_eq!(p["mode"], "edit", "{id}.{}", p["name"]);
                    edit += 1;
                }
                _ => assert!(p.get("mode").is_none(), "{id}.{}: a create module's picker loads its choices", p["name"]),
            }
        }
    }
    assert!(edit > 0);
}

/// Parameters use Make's types (https://developers.make.com/custom-apps-documentation/block-elements/parameters): an object the API takes is a
/// `collection` with its fields, or an `array` of key/value pairs when its keys are the user's,
/// never `any` (text typed into `any` reaches the API as a string, which it refuses). Arrays and
/// collections declare their `spec`.
#[test]
fn no_parameter_is_typed_any_and_objects_are_structured() {
    let catalog: Value = serde_json::from_str(include_str!("../../../core/src/actions/catalog.json")).unwrap();
    let mut objects = 0;
    for (id, module) in modules() {
        for p in all_params(&module) {
            assert_ne!(p["type"], "any", "{id}.{}", p["name"]);
            if p["type"] == "collection" || p["type"] == "array" {
                assert!(p["spec"].is_array() || p["spec"].is_object(), "{id}.{} has no spec", p["name"]);
            }
        }
        for action in catalog["actions"].as_array().unwrap() {
            for field in action["fields"].as_array().unwrap().iter().filter(|f| f["type"] == "object") {
                if let Some(p) = params(&module).iter().find(|p| p["name"] == field["name"] && module["label"].as_str().unwrap().eq_ignore_ascii_case(action["label"].as_str().unwrap())) {
                    objects += 1;
                    assert!(p["type"] == "collection" || p["type"] == "array", "{id}.{} is {}", p["name"], p["type"]);
                }
            }
        }
    }
    assert!(objects >= 3, "channel_configuration, rate_limits and tags");
}

/// Every word of a label but the first is lower case unless it is an acronym or a name (more
/// than one capital, or one of these names).
fn sentence_case(label: &str) -> bool {
    const NAMES: &[&str] = &["To", "Verify", "Twilio"];
    label.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        && label.split([' ', '-', '/', '(']).skip(1).all(|word| {
            let capitals = word.chars().filter(|c| c.is_uppercase()).count();
            !word.starts_with(char::is_uppercase) || capitals > 1 || NAMES.contains(&word)
        })
}

/// Module labels are "composed of the verb ... and the name of the entity" in sentence case, with
/// search modules labelled "Search ..." or "List ..."
/// (https://developers.make.com/custom-apps-documentation/best-practices/naming-conventions/modules/module-labels); descriptions are "in the
/// third person" and capitalize "only the first letter of the first word"
/// (https://developers.make.com/custom-apps-documentation/best-practices/names-labels-and-descriptions); parameter and output labels use
/// sentence case, plain terms rather than API keys, and an output label equals the matching
/// parameter's label (https://developers.make.com/custom-apps-documentation/best-practices/naming-conventions/output-labels).
#[test]
fn labels_are_sentence_case_and_descriptions_start_with_a_verb() {
    for (id, module) in modules() {
        let label = module["label"].as_str().unwrap();
        assert!(sentence_case(label), "{id}: {label}");
        let verb = label.split(' ').next().unwrap();
        match module["moduleType"].as_str().unwrap() {
            "search" => assert!(["Search", "List"].contains(&verb), "{id}: {label}"),
            "universal" => {}
            "instant_trigger" => assert_eq!(verb, "Watch", "{id}: {label}"),
            _ => assert!(["Create", "Get", "Update", "Delete", "Start", "Check", "Add", "Remove", "Send"].contains(&verb), "{id}: {label}"),
        }
        let description = module["description"].as_str().unwrap();
        let first = description.split(' ').next().unwrap();
        assert!(first.starts_with(char::is_uppercase) && first.ends_with('s') && description.ends_with('.'), "{id}: {description}");
        let params = params(&module);
        let mut labels = std::collections::BTreeMap::new();
        for p in all_params(&module) {
            if let Some(l) = p["label"].as_str() {
                assert!(sentence_case(l), "{id}.{}: {l}", p["name"]);
                assert_ne!(l, p["name"].as_str().unwrap_or_default().replace('_', " "), "{id}.{}: the label is the raw key", p["name"]);
            }
            for option in p["options"].as_array().into_iter().flatten() {
                let l = option["label"].as_str().unwrap();
                assert!(sentence_case(l), "{id}.{} option {l}", p["name"]);
            }
        }
        for p in &params {
            labels.insert(p["name"].as_str().unwrap().to_owned(), p["label"].clone());
        }
        let mut fields = Vec::new();
        walk_params(code(&module, "interface").as_array().unwrap(), &mut fields);
        for f in &fields {
            let Some(l) = f["label"].as_str() else { continue };
            assert!(sentence_case(l), "{id} output {}: {l}", f["name"]);
            assert!(!l.contains('_'), "{id} output {}: {l} is a raw key", f["name"]);
        }
        for f in code(&module, "interface").as_array().unwrap() {
            if let Some(param_label) = labels.get(f["name"].as_str().unwrap()) {
                assert_eq!(&f["label"], param_label, "{id}: output {} is labelled as its parameter", f["name"]);
            }
        }
    }
    for (id, rpc) in components("rpc") {
        assert!(sentence_case(rpc["label"].as_str().unwrap()), "{id}");
    }
}

fn looks_like_a_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') && b.get(10) == Some(&b'T') && s.ends_with('Z')
}

/// Output interfaces describe every field the module returns, with Make types: dates and times as
/// `date` (https://developers.make.com/custom-apps-documentation/block-elements/parameters/date; "Use the date and time type parameters",
/// https://developers.make.com/custom-apps-documentation/best-practices/input-parameters/mappable-parameters), nested objects as collections
/// with their fields (https://developers.make.com/custom-apps-documentation/component-blocks/interface), and samples for every module
/// (https://developers.make.com/custom-apps-documentation/component-blocks/samples).
#[test]
fn interfaces_cover_their_samples_and_type_dates_as_dates() {
    fn check(id: &str, path: &str, fields: &[Value], sample: &Value) {
        let Some(sample) = sample.as_object() else { return };
        for (key, value) in sample {
            let here = format!("{path}.{key}");
            let field = fields.iter().find(|f| f["name"] == key.as_str()).unwrap_or_else(|| panic!("{id}: {here} is not in the interface"));
            match value {
                Value::String(s) if looks_like_a_timestamp(s) => assert_eq!(field["type"], "date", "{id}: {here}"),
                Value::Object(_) if field["type"] == "collection" => {
                    if let Some(spec) = field["spec"].as_array() {
                        check(id, &here, spec, value);
                    }
                }
                Value::Array(items) if field["type"] == "array" => {
                    if let (Some(first), Some(spec)) = (items.first(), field["spec"]["spec"].as_array()) {
                        check(id, &here, spec, first);
                    }
                }
                Value::Object(_) | Value::Array(_) => assert!(field["type"] == "any" || field["type"] == "collection", "{id}: {here} is {}", field["type"]),
                _ => {}
            }
        }
    }
    let mut dates = 0;
    for (id, module) in modules() {
        let sample = code(&module, "samples");
        assert!(sample.is_object() && !sample.as_object().unwrap().is_empty(), "{id} has no sample");
        let interface = code(&module, "interface");
        check(&id, "", interface.as_array().unwrap(), &sample);
        let mut fields = Vec::new();
        walk_params(interface.as_array().unwrap(), &mut fields);
        dates += fields.iter().filter(|f| f["type"] == "date").count();
    }
    assert!(dates > 0);
}

/// Instant triggers: "To use webhooks, you must always create an instant trigger and link it to a
/// webhook" (https://developers.make.com/custom-apps-documentation/app-structure/webhooks); an
/// attached webhook registers Make's URL (`{{webhook.url}}`) with `attach`, keeps the remote id in
/// `response.data`, which `detach` reads as `webhook.<key>` to unregister it
/// (https://developers.make.com/custom-apps-documentation/app-components/webhooks/dedicated/attached);
/// "The Instant Trigger module can only have static parameters" and "exactly one bundle is
/// generated with each incoming webhook", without iterate or pagination
/// (https://docs.make.com/apps/app-structure/modules/instant-trigger). Here: the trigger covers every
/// event edge-verify emits (docs/events.md), its interface every field of the event, and the
/// webhook's signing secret is never kept and is sanitized from the logs.
#[test]
fn instant_triggers_attach_and_detach_their_webhooks() {
    let triggers: Vec<_> = modules().into_iter().filter(|(_, m)| m["moduleType"] == "instant_trigger").collect();
    assert!(!triggers.is_empty(), "no instant trigger");
    for (id, module) in triggers {
        let webhook = &components("webhook")[module["webhook"].as_str().unwrap()];
        assert_eq!(webhook["webhookType"], "web", "{id}: a dedicated webhook");
        assert!(code(&module, "mappableParams").as_array().unwrap().is_empty(), "{id}: instant triggers have no mappable parameters");
        let comm = code(&module, "communication");
        assert!(comm.get("iterate").is_none() && comm.get("pagination").is_none(), "{id}");

        let attach = code(webhook, "attach");
        assert_eq!(attach["method"], "POST", "{id}: attach creates");
        let url = attach["url"].as_str().unwrap();
        assert!(url.starts_with("/v2/Services/{{parameters.") && url.ends_with("/Webhooks"), "{id}: attach posts to the service's webhooks: {url}");
        assert_eq!(attach["body"]["WebhookUrl"], "{{webhook.url}}", "{id}: attach registers Make's URL");
        let event_types = attach["body"]["EventTypes"].as_str().unwrap();
        let data = attach["response"]["data"].as_object().expect("attach keeps the remote ids in response.data");
        assert!(data.values().any(|v| v == "{{body.sid}}"), "{id}: attach keeps the webhook SID");
        assert!(!data.values().any(|v| v.as_str().is_some_and(|t| t.contains("secret"))), "{id}: the signing secret is not kept");
        let sanitized: Vec<&str> = attach["log"]["sanitize"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(sanitized.contains(&"response.body.secret") && sanitized.contains(&"request.headers.authorization"), "{id}: {sanitized:?}");

        let detach = code(webhook, "detach");
        assert_eq!(detach["method"], "DELETE", "{id}: detach deletes");
        let detach_url = detach["url"].as_str().unwrap();
        for key in data.keys() {
            assert!(detach_url.contains(&format!("{{{{webhook.{key}}}}}")), "{id}: detach must use webhook.{key}: {detach_url}");
        }

        // The webhook's parameters fill attach: a service picker and the event types.
        let params = code(webhook, "params");
        let params = params.as_array().unwrap();
        for p in params {
            assert!(url.contains(&format!("{{{{parameters.{}}}}}", p["name"].as_str().unwrap())) || event_types == format!("{{{{parameters.{}}}}}", p["name"].as_str().unwrap()), "{id}: {} is never sent", p["name"]);
            assert_eq!(p["required"], true);
        }
        let types = params.iter().find(|p| p["name"] == "event_types").expect("event types parameter");
        assert_eq!(types["multiple"], true, "{id}: several event types");
        let offered: BTreeSet<&str> = types["options"].as_array().unwrap().iter().filter_map(|o| o["value"].as_str()).collect();
        for event in ["verification.started", "verification.approved", "verification.canceled", "verification.expired", "verification.max_attempts_reached", "verification.delivery_status"] {
            assert!(offered.contains(event), "{id}: {event} is not offered");
        }
        assert!(params.iter().any(|p| p["options"].as_str().is_some_and(|o| o.starts_with("rpc://"))), "{id}: the service is picked from a list");

        let interface = code(&module, "interface");
        let names: BTreeSet<&str> = interface.as_array().unwrap().iter().filter_map(|f| f["name"].as_str()).collect();
        for field in ["id", "type", "date_created", "service_sid", "verification_sid", "to", "status", "channel"] {
            assert!(names.contains(field), "{id}: the interface lacks {field}");
        }
    }
}

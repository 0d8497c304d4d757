//! The module set no-code platforms show (list/get/create/update/delete a service, start/get/
//! check a verification, update its status, make an API call), described from the same
//! `ParamSpec`s the parsers read: `GET /v1/actions`.

use serde::Serialize;
use serde_json::Value;

use crate::history::params as history;
use crate::http::routes::{Operation, ROUTES};
use crate::http::Method;
use crate::spec::{api_call, client_token, ids, paging, service, verification, Kind, ParamSpec};

/// Where an action field goes in the operation it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A path id with this template name.
    Path(&'static str),
    Query,
    Body,
}

/// One input of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub spec: ParamSpec,
    pub place: Place,
    pub required: bool,
}

/// One module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Stable id, used in `POST /v1/actions/{id}`.
    pub id: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    /// The operation it runs (`None`: make_api_call).
    pub operation: Option<Operation>,
    pub fields: Vec<Field>,
}

const fn field(spec: ParamSpec, place: Place, required: bool) -> Field {
    Field { spec, place, required }
}

/// The Attempts filters as query fields (`service_sid` gets the service picker), and paging.
fn attempt_filters(specs: &[ParamSpec], paged: bool) -> Vec<Field> {
    let mut fields: Vec<Field> = specs.iter().map(|s| field(*s, Place::Query, false)).collect();
    if paged {
        fields.extend([field(paging::PAGE_SIZE, Place::Query, false), field(history::PAGE_TOKEN, Place::Query, false)]);
    }
    fields
}

fn body(specs: &[ParamSpec], required: &[&str]) -> Vec<Field> {
    specs.iter().map(|s| field(*s, Place::Body, required.contains(&s.wire))).collect()
}

/// Every action, in catalog order.
pub fn catalog() -> Vec<Action> {
    use ids::{SERVICE_SID, VERIFICATION};
    let with = |first: Vec<Field>, rest: Vec<Field>| -> Vec<Field> { first.into_iter().chain(rest).collect() };
    let service_path = |name| vec![field(SERVICE_SID, Place::Path(name), true)];
    let action = |id, label, description, operation, fields| Action { id, label, description, operation, fields };
    vec![
        action("list_services", "List Verification Services", "Lists the verification services of the account.", Some(Operation::ListService), vec![field(paging::PAGE_SIZE, Place::Query, false), field(paging::PAGE_TOKEN, Place::Query, false)]),
        action("get_service", "Get a Verification Service", "Fetches one verification service.", Some(Operation::FetchService), service_path("Sid")),
        action("create_service", "Create a Verification Service", "Creates a verification service with its code length, messages and features.", Some(Operation::CreateService), body(&service::all(), &["FriendlyName"])),
        action("update_service", "Update a Verification Service", "Changes the settings given; the others are kept.", Some(Operation::UpdateService), with(service_path("Sid"), body(&service::all(), &[]))),
        action("delete_service", "Delete a Verification Service", "Deletes a verification service.", Some(Operation::DeleteService), service_path("Sid")),
        action(
            "start_verification",
            "Start a Verification",
            "Sends a code by SMS, voice call, email or WhatsApp. Starting again within 10 minutes re-sends the same code.",
            Some(Operation::CreateVerification),
            with(service_path("ServiceSid"), body(&verification::START, &["To", "Channel"])),
        ),
        action("get_verification", "Get a Verification", "Fetches a pending verification by SID or by the number or email it was sent to.", Some(Operation::FetchVerification), with(service_path("ServiceSid"), vec![field(VERIFICATION, Place::Path("Sid"), true)])),
        action(
            "check_verification",
            "Check a Verification",
            "Checks the code a user entered: status approved when it is right, pending when it is not.",
            Some(Operation::CreateVerificationCheck),
            with(service_path("ServiceSid"), body(&verification::CHECK, &["Code"])),
        ),
        action(
            "update_verification_status",
            "Update a Verification Status",
            "Approves or cancels a pending verification.",
            Some(Operation::UpdateVerification),
            with(service_path("ServiceSid"), vec![field(VERIFICATION, Place::Path("Sid"), true), field(verification::STATUS, Place::Body, true)]),
        ),
        action(
            "create_client_token",
            "Create a Client Token",
            "Mints a short-lived token a web page sends as Bearer to start and check verifications of this service, and nothing else.",
            Some(Operation::CreateClientToken),
            with(service_path("ServiceSid"), body(&client_token::ALL, &[])),
        ),
        action("list_attempts", "List Verification Attempts", "Lists the account's verification attempts of the last 30 days (one per code sent), newest first, narrowed by the filters given.", Some(Operation::ListVerificationAttempt), attempt_filters(&history::LIST, true)),
        action("attempts_summary", "Get Verification Attempts Summary", "Counts attempts and conversions (approved verifications) of the last 30 days, narrowed by the filters given, with the conversion rate.", Some(Operation::FetchVerificationAttemptsSummary), attempt_filters(&history::SUMMARY, false)),
        action(
            "make_api_call",
            "Make an API Call",
            "Performs an arbitrary authorized call to this API, with your credentials.",
            None,
            vec![
                field(api_call::URL, Place::Body, true),
                field(api_call::METHOD, Place::Body, false),
                field(api_call::HEADERS, Place::Body, false),
                field(api_call::QUERY, Place::Body, false),
                field(api_call::BODY, Place::Body, false),
            ],
        ),
    ]
}

impl Action {
    /// The REST method and path template it runs.
    pub fn route(&self) -> Option<(Method, &'static str)> {
        let op = self.operation?;
        ROUTES.iter().find(|r| r.operation == op).map(|r| (r.method, r.path))
    }
}

/// `GET /v1/actions`
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ActionCatalog"))]
pub struct Catalog {
    pub actions: Vec<ActionDescription>,
}

/// A catalog entry: fields with types, bounds, choices and help, and an output sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ActionDescription {
    pub id: String,
    pub label: String,
    pub description: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest: Option<RestRoute>,
    pub fields: Vec<FieldDescription>,
    pub output_sample: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RestRoute {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldDescription {
    pub name: String,
    pub label: String,
    /// `text`, `integer`, `boolean`, `select`, `object`, `array` or `any`.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    pub help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Where a picker gets its choices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options_from: Option<OptionsFrom>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OptionsFrom {
    pub action: String,
    pub items: String,
    pub value: String,
    pub label: String,
}

/// The catalog as served: generated from [`Catalog::new`] by the connector generator (and
/// checked to be current by its tests), with [`CATALOG_ORIGIN`] where the deployment's origin
/// goes. Serving the text keeps the code that describes actions out of the worker's wasm.
pub const CATALOG_JSON: &str = include_str!("catalog.json");
/// The origin the generated catalog is written for.
pub const CATALOG_ORIGIN: &str = "https://edge-verify.invalid";

/// The catalog's JSON text with object keys in sorted order, the same whatever serde_json
/// features a build enables (the connector's `preserve_order` keeps insertion order).
pub fn catalog_text() -> String {
    fn sorted(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    serde_json::to_value(Catalog::new(CATALOG_ORIGIN)).map(sorted).map(|v| v.to_string()).unwrap_or_default()
}

/// The catalog for a deployment at `origin`.
pub fn catalog_json(origin: &str) -> String {
    CATALOG_JSON.replace(CATALOG_ORIGIN, origin)
}

impl Catalog {
    pub fn new(origin: &str) -> Self {
        Self { actions: catalog().iter().map(|a| ActionDescription::new(a, origin)).collect() }
    }
}

impl ActionDescription {
    pub fn new(action: &Action, origin: &str) -> Self {
        Self {
            id: action.id.into(),
            label: action.label.into(),
            description: action.description.into(),
            url: format!("{origin}/v1/actions/{}", action.id),
            rest: action.route().map(|(method, path)| RestRoute { method: method.as_str().into(), path: path.into() }),
            fields: action.fields.iter().map(|f| FieldDescription::new(f, action.id)).collect(),
            output_sample: crate::examples::action_output(action.id, origin),
        }
    }
}

impl FieldDescription {
    fn new(f: &Field, action: &str) -> Self {
        let spec = f.spec;
        let (mut max_length, mut min, mut max, mut pattern, mut options) = (None, None, None, None, None);
        match spec.kind {
            Kind::Text { max: m } => max_length = Some(m),
            Kind::Integer { min: lo, max: hi } => (min, max) = (Some(lo), Some(hi)),
            Kind::Choice(choices) => options = Some(choices.iter().map(|c| (*c).to_owned()).collect()),
            Kind::Sid(prefix) => pattern = Some(format!("^{prefix}[0-9a-fA-F]{{32}}$")),
            Kind::Boolean | Kind::Object | Kind::Pairs | Kind::TextOrObject => {}
        }
        let picks_service = spec.field == ids::SERVICE_SID.field && action != "list_services";
        Self {
            name: spec.field.into(),
            label: spec.label.into(),
            kind: spec.type_name().into(),
            required: f.required,
            help: spec.help.into(),
            max_length,
            min,
            max,
            pattern,
            options,
            default: spec.schema().get("default").cloned(),
            options_from: picks_service.then(|| OptionsFrom { action: "list_services".into(), items: "services".into(), value: "sid".into(), label: "friendly_name".into() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_routes_and_the_seed_module_set() {
        let ids: Vec<&str> = catalog().iter().map(|a| a.id).collect();
        assert_eq!(
            ids,
            ["list_services", "get_service", "create_service", "update_service", "delete_service", "start_verification", "get_verification", "check_verification", "update_verification_status", "create_client_token", "list_attempts", "attempts_summary", "make_api_call"]
        );
        for action in catalog() {
            match action.route() {
                Some((_, path)) => {
                    for f in &action.fields {
                        if let Place::Path(name) = f.place {
                            assert!(path.contains(&format!("{{{name}}}")), "{} fills {name} not in {path}", action.id);
                        }
                    }
                }
                None => assert_eq!(action.id, "make_api_call"),
            }
        }
    }

    #[test]
    fn the_served_catalog_is_the_current_one() {
        assert!(CATALOG_JSON == catalog_text(), "core/src/actions/catalog.json is stale: run `cargo run -p edge-verify-connector`");
        assert!(catalog_json("http://127.0.0.1:8787").contains("\"url\":\"http://127.0.0.1:8787/v1/actions/make_api_call\""));
    }

    #[test]
    fn catalog_fields_carry_bounds_choices_and_pickers() {
        let catalog = Catalog::new("https://h");
        let entry = |id: &str| catalog.actions.iter().find(|a| a.id == id).unwrap().clone();
        let field = |a: &ActionDescription, name: &str| a.fields.iter().find(|f| f.name == name).unwrap().clone();
        let code_length = field(&entry("create_service"), "code_length");
        assert_eq!((code_length.min, code_length.max, code_length.default), (Some(4), Some(10), Some(Value::from(6))));
        assert!(field(&entry("create_service"), "friendly_name").required);
        let start = entry("start_verification");
        assert_eq!(field(&start, "service_sid").options_from.unwrap().action, "list_services");
        assert_eq!(field(&start, "channel").options.unwrap(), ["sms", "call", "email", "whatsapp", "auto"]);
        assert_eq!(start.rest, Some(RestRoute { method: "POST".into(), path: "/v2/Services/{ServiceSid}/Verifications".into() }));
    }
}

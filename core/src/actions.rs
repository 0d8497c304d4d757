//! JSON actions: the module set no-code platforms show (list/get/create/update/delete a service,
//! start/get/check a verification, update its status, make an API call). The catalog and the
//! runner both read the `ParamSpec`s the REST parsers use; running an action maps its
//! snake_case fields to wire parameters and runs the same operation the REST face runs.

use serde_json::{json, Map, Value};

use crate::app::{App, Call, Platform};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};
use crate::params::{json_text, Params};
use crate::routes::{Operation, ROUTES};
use crate::spec::{api_call, ids, paging, service, verification, Kind, ParamSpec};

/// Where an action field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Into a path parameter with this name.
    Path(&'static str),
    /// Into the query string.
    Query,
    /// Into the body.
    Body,
}

/// One input of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// What it is.
    pub spec: ParamSpec,
    /// Where it goes.
    pub place: Place,
    /// Whether it must be given.
    pub required: bool,
}

/// One module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Stable id, used in `POST /v1/actions/{id}`.
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// What it does.
    pub description: &'static str,
    /// The REST operation it runs (`None`: make_api_call).
    pub operation: Option<Operation>,
    /// Its inputs.
    pub fields: Vec<Field>,
}

const fn field(spec: ParamSpec, place: Place, required: bool) -> Field {
    Field { spec, place, required }
}

fn body(specs: &[ParamSpec]) -> impl Iterator<Item = Field> + '_ {
    specs.iter().map(|s| field(*s, Place::Body, false))
}

/// Every action, in catalog order.
pub fn catalog() -> Vec<Action> {
    use ids::{SERVICE_SID, VERIFICATION};
    let service_fields = |required_name: bool| -> Vec<Field> {
        service::all().into_iter().map(|s| field(s, Place::Body, required_name && s.wire == service::FRIENDLY_NAME.wire)).collect()
    };
    let mut update_service = vec![field(SERVICE_SID, Place::Path("Sid"), true)];
    update_service.extend(service_fields(false));
    let mut start = vec![field(SERVICE_SID, Place::Path("ServiceSid"), true)];
    start.extend(body(&verification::START).map(|f| Field { required: matches!(f.spec.wire, "To" | "Channel"), ..f }));
    let mut check = vec![field(SERVICE_SID, Place::Path("ServiceSid"), true)];
    check.extend(body(&verification::CHECK).map(|f| Field { required: f.spec.wire == "Code", ..f }));
    vec![
        Action {
            id: "list_services",
            label: "List Verification Services",
            description: "Lists the verification services of the account.",
            operation: Some(Operation::ListService),
            fields: vec![field(paging::PAGE_SIZE, Place::Query, false), field(paging::PAGE_TOKEN, Place::Query, false)],
        },
        Action {
            id: "get_service",
            label: "Get a Verification Service",
            description: "Fetches one verification service.",
            operation: Some(Operation::FetchService),
            fields: vec![field(SERVICE_SID, Place::Path("Sid"), true)],
        },
        Action {
            id: "create_service",
            label: "Create a Verification Service",
            description: "Creates a verification service with its code length, messages and features.",
            operation: Some(Operation::CreateService),
            fields: service_fields(true),
        },
        Action {
            id: "update_service",
            label: "Update a Verification Service",
            description: "Changes the settings given; the others are kept.",
            operation: Some(Operation::UpdateService),
            fields: update_service,
        },
        Action {
            id: "delete_service",
            label: "Delete a Verification Service",
            description: "Deletes a verification service.",
            operation: Some(Operation::DeleteService),
            fields: vec![field(SERVICE_SID, Place::Path("Sid"), true)],
        },
        Action {
            id: "start_verification",
            label: "Start a Verification",
            description: "Sends a code by SMS, voice call, email or WhatsApp. Starting again within 10 minutes re-sends the same code.",
            operation: Some(Operation::CreateVerification),
            fields: start,
        },
        Action {
            id: "get_verification",
            label: "Get a Verification",
            description: "Fetches a pending verification by SID or by the number or email it was sent to.",
            operation: Some(Operation::FetchVerification),
            fields: vec![field(SERVICE_SID, Place::Path("ServiceSid"), true), field(VERIFICATION, Place::Path("Sid"), true)],
        },
        Action {
            id: "check_verification",
            label: "Check a Verification",
            description: "Checks the code a user entered: status approved when it is right, pending when it is not.",
            operation: Some(Operation::CreateVerificationCheck),
            fields: check,
        },
        Action {
            id: "update_verification_status",
            label: "Update a Verification Status",
            description: "Approves or cancels a pending verification.",
            operation: Some(Operation::UpdateVerification),
            fields: vec![
                field(SERVICE_SID, Place::Path("ServiceSid"), true),
                field(VERIFICATION, Place::Path("Sid"), true),
                field(verification::STATUS, Place::Body, true),
            ],
        },
        Action {
            id: "make_api_call",
            label: "Make an API Call",
            description: "Performs an arbitrary authorized call to this API, with your credentials.",
            operation: None,
            fields: vec![
                field(api_call::URL, Place::Body, true),
                field(api_call::METHOD, Place::Body, false),
                field(api_call::HEADERS, Place::Body, false),
                field(api_call::QUERY, Place::Body, false),
                field(api_call::BODY, Place::Body, false),
            ],
        },
    ]
}

/// An action's input split the way its REST operation takes it.
pub type Inputs = (Vec<(&'static str, String)>, Params, Params);

impl Action {
    /// Maps snake_case input fields onto path parameters, query and body (wire names); fails
    /// naming the field when a required one is missing or a path field is not a string.
    pub fn inputs(&self, input: &Map<String, Value>) -> Result<Inputs, ApiError> {
        let mut path_params = Vec::new();
        let mut query = Vec::new();
        let mut params = Vec::new();
        for f in &self.fields {
            let Some(value) = input.get(f.spec.field).filter(|v| !v.is_null()) else {
                if f.required {
                    return Err(ApiError::invalid(f.spec.field, "is required"));
                }
                continue;
            };
            f.spec.check_json(value).map_err(|e| rename(e, self))?;
            match f.place {
                Place::Path(name) => match value.as_str().filter(|v| !v.is_empty()) {
                    Some(v) => path_params.push((name, v.to_owned())),
                    None => return Err(ApiError::invalid(f.spec.field, "must be a non-empty string")),
                },
                Place::Query => query.push((f.spec.wire.to_owned(), json_text(value))),
                Place::Body => match value {
                    Value::Array(items) => params.extend(items.iter().map(|i| (f.spec.wire.to_owned(), json_text(i)))),
                    other => params.push((f.spec.wire.to_owned(), json_text(other))),
                },
            }
        }
        Ok((path_params, Params::from_pairs(query), Params::from_pairs(params)))
    }

    /// The REST method and path template it runs.
    pub fn route(&self) -> Option<(Method, &'static str)> {
        let op = self.operation?;
        ROUTES.iter().find(|r| r.operation == op).map(|r| (r.method, r.path))
    }

    /// The catalog entry: fields with types, bounds, choices and help, and an output sample.
    pub fn describe(&self, origin: &str) -> Value {
        let fields: Vec<Value> = self.fields.iter().map(|f| describe_field(f, self.id)).collect();
        let mut entry = json!({
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "url": format!("{origin}/v1/actions/{}", self.id),
            "fields": fields,
            "output_sample": crate::examples::action_output(self.id, origin),
        });
        if let (Some((method, path)), Some(obj)) = (self.route(), entry.as_object_mut()) {
            obj.insert("rest".into(), json!({ "method": method.as_str(), "path": path }));
        }
        entry
    }
}

fn describe_field(f: &Field, action: &str) -> Value {
    let spec = f.spec;
    let mut out = Map::new();
    out.insert("name".into(), json!(spec.field));
    out.insert("label".into(), json!(spec.label));
    out.insert("type".into(), json!(spec.type_name()));
    out.insert("required".into(), json!(f.required));
    out.insert("help".into(), json!(spec.help));
    match spec.kind {
        Kind::Text { max } => {
            out.insert("max_length".into(), json!(max));
        }
        Kind::Integer { min, max } => {
            out.insert("min".into(), json!(min));
            out.insert("max".into(), json!(max));
        }
        Kind::Choice(choices) => {
            out.insert("options".into(), json!(choices));
        }
        Kind::Sid(prefix) => {
            out.insert("pattern".into(), json!(format!("^{prefix}[0-9a-fA-F]{{32}}$")));
        }
        Kind::Boolean | Kind::Object | Kind::Pairs | Kind::TextOrObject => {}
    }
    if let Some(default) = spec.schema().get("default") {
        out.insert("default".into(), default.clone());
    }
    if spec.field == ids::SERVICE_SID.field && action != "list_services" {
        out.insert("options_from".into(), json!({ "action": "list_services", "items": "services", "value": "sid", "label": "friendly_name" }));
    }
    Value::Object(out)
}

/// Renames a wire parameter in an error to the action's field name.
fn rename(err: ApiError, action: &Action) -> ApiError {
    match err {
        ApiError::InvalidParameter { name, detail } => {
            let field = action.fields.iter().find(|f| f.spec.wire == name).map_or(name, |f| f.spec.field.to_owned());
            ApiError::InvalidParameter { name: field, detail }
        }
        other => other,
    }
}

/// The JSON object body of an action call.
pub fn object_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::MalformedBody("an action body must be a JSON object".into())),
        Err(e) => Err(ApiError::MalformedBody(format!("not valid JSON ({e})"))),
    }
}

impl<P: Platform> App<P> {
    /// `GET /v1/actions`
    pub(crate) async fn list_actions(&self, call: &Call) -> Result<ApiResponse, ApiError> {
        let actions: Vec<Value> = catalog().iter().map(|a| a.describe(&call.origin)).collect();
        Ok(ApiResponse::json(200, &json!({ "actions": actions })))
    }

    /// `POST /v1/actions/{ActionId}`
    pub(crate) async fn run_action(&self, call: &Call, raw_body: &[u8]) -> Result<ApiResponse, ApiError> {
        let id = call.path_param("ActionId");
        let action = catalog().into_iter().find(|a| a.id == id).ok_or_else(|| ApiError::NotFound(call.path.clone()))?;
        let input = object_body(raw_body)?;
        let (path_params, query, params) = action.inputs(&input)?;
        let Some(operation) = action.operation else {
            return self.make_api_call(call, &input).await;
        };
        let inner = Call {
            principal: call.principal.clone(),
            origin: call.origin.clone(),
            path: call.path.clone(),
            path_params,
            query,
            params,
        };
        self.run(operation, &inner).await.map_err(|e| rename(e, &action))
    }

    /// `make_api_call`: dispatches a request to this API's own router as the caller.
    async fn make_api_call(&self, call: &Call, input: &Map<String, Value>) -> Result<ApiResponse, ApiError> {
        let url = input.get("url").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("url", "is required"))?;
        let (path, url_query) = checked_api_path(url)?;
        let method_name = match input.get("method") {
            None | Some(Value::Null) => "GET".to_owned(),
            Some(Value::String(m)) => m.to_ascii_uppercase(),
            Some(_) => return Err(ApiError::invalid("method", "must be one of GET, POST, PUT, PATCH, DELETE")),
        };
        if !api_call::METHOD.choices().contains(&method_name.as_str()) {
            return Err(ApiError::invalid("method", "must be one of GET, POST, PUT, PATCH, DELETE"));
        }
        let mut headers = key_values(input.get("headers"), "headers")?
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .filter(|(k, _)| k != "authorization" && k != "content-length")
            .collect::<Vec<_>>();
        let mut query: Vec<String> = url_query.into_iter().collect();
        for (k, v) in key_values(input.get("query"), "query")? {
            query.push(serde_urlencoded::to_string([(k, v)]).unwrap_or_default());
        }
        let body = match input.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(text)) => text.clone().into_bytes(),
            Some(json @ Value::Object(_)) => {
                if !headers.iter().any(|(k, _)| k == "content-type") {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                json.to_string().into_bytes()
            }
            Some(_) => return Err(ApiError::invalid("body", "must be text or a JSON object")),
        };
        if !headers.iter().any(|(k, _)| k == "content-type") && !body.is_empty() {
            headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
        }
        let request = ApiRequest {
            method: Method::parse(&method_name),
            method_name,
            origin: call.origin.clone(),
            path,
            query: query.join("&"),
            headers,
            body,
        };
        // Boxed: serve -> run_action -> make_api_call -> serve is recursion in type (not in
        // practice: checked_api_path refuses /v1/actions).
        let inner = match Box::pin(self.serve(&request, call.principal.clone())).await {
            Ok(response) => response,
            Err(err) => self.error_response(&request, &err),
        };
        let body_value = if inner.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&inner.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&inner.body).into_owned()))
        };
        let headers: Map<String, Value> = inner.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        Ok(ApiResponse::json(200, &json!({ "status": inner.status, "headers": headers, "body": body_value })))
    }
}

/// `headers` / `query`: a list of `{key, value}` pairs (types were checked by the spec).
fn key_values(value: Option<&Value>, name: &str) -> Result<Vec<(String, String)>, ApiError> {
    let bad = || ApiError::invalid(name, "must be a list of {key, value} pairs");
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let key = item.get("key").and_then(Value::as_str).filter(|k| !k.is_empty()).ok_or_else(bad)?;
                let value = item.get("value").map(json_text).unwrap_or_default();
                Ok((key.to_owned(), value))
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// Checks a `make_api_call` URL: a path of this API, relative, without `..`, never the
/// actions themselves. Returns the path and the query string it carried.
pub fn checked_api_path(url: &str) -> Result<(String, Option<String>), ApiError> {
    let refuse = |why: &str| ApiError::invalid("url", why.to_owned());
    if url.contains("://") || url.starts_with("//") || !url.starts_with('/') {
        return Err(refuse("must be a path of this API such as /v2/Services, not an absolute URL"));
    }
    if url.contains('\\') || url.chars().any(char::is_control) || url.contains('#') {
        return Err(refuse("must not contain backslashes, control characters or fragments"));
    }
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned()).filter(|q| !q.is_empty())),
        None => (url, None),
    };
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().map_err(|_| refuse("is not valid UTF-8"))?;
    if decoded.split('/').any(|seg| seg == "." || seg == "..") || decoded.contains("//") {
        return Err(refuse("must not contain . or .. segments"));
    }
    let allowed = ["/v2/", "/2010-04-01/", "/dev/"].iter().any(|p| decoded.starts_with(p));
    if !allowed {
        return Err(refuse("must be a path of this API (/v2/..., /2010-04-01/...); actions cannot call themselves"));
    }
    Ok((path.to_owned(), query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_routes_and_the_seed_module_set() {
        let ids: Vec<&str> = catalog().iter().map(|a| a.id).collect();
        assert_eq!(
            ids,
            ["list_services", "get_service", "create_service", "update_service", "delete_service", "start_verification", "get_verification", "check_verification", "update_verification_status", "make_api_call"]
        );
        for action in catalog() {
            if let Some((_, path)) = action.route() {
                for f in &action.fields {
                    if let Place::Path(name) = f.place {
                        assert!(path.contains(&format!("{{{name}}}")), "{} fills {name} not in {path}", action.id);
                    }
                }
            } else {
                assert_eq!(action.id, "make_api_call");
            }
        }
    }

    #[test]
    fn catalog_fields_carry_bounds_choices_and_pickers() {
        let create = catalog().into_iter().find(|a| a.id == "create_service").unwrap().describe("https://h");
        let code_length = create["fields"].as_array().unwrap().iter().find(|f| f["name"] == "code_length").unwrap();
        assert_eq!((code_length["min"].as_i64(), code_length["max"].as_i64(), code_length["default"].as_i64()), (Some(4), Some(10), Some(6)));
        let name = create["fields"].as_array().unwrap().iter().find(|f| f["name"] == "friendly_name").unwrap();
        assert_eq!(name["required"], true);
        let start = catalog().into_iter().find(|a| a.id == "start_verification").unwrap().describe("https://h");
        let sid = start["fields"].as_array().unwrap().iter().find(|f| f["name"] == "service_sid").unwrap();
        assert_eq!(sid["options_from"]["action"], "list_services");
        let channel = start["fields"].as_array().unwrap().iter().find(|f| f["name"] == "channel").unwrap();
        assert_eq!(channel["options"], json!(["sms", "call", "email", "whatsapp", "auto"]));
        assert_eq!(start["rest"], json!({"method": "POST", "path": "/v2/Services/{ServiceSid}/Verifications"}));
    }

    #[test]
    fn api_call_urls_stay_inside_the_api() {
        assert_eq!(checked_api_path("/v2/Services?PageSize=5").unwrap(), ("/v2/Services".into(), Some("PageSize=5".into())));
        assert!(checked_api_path("/2010-04-01/Accounts.json").is_ok());
        for bad in [
            "https://evil.example/v2/Services",
            "http://127.0.0.1/v2/Services",
            "//evil.example/v2",
            "v2/Services",
            "/v2/../v1/actions",
            "/v2/%2e%2e/v1/actions/make_api_call",
            "/v1/actions/make_api_call",
            "/v1/actions",
            "/v2\\Services",
            "/elsewhere",
            "javascript:alert(1)",
            "/v2//Services",
        ] {
            assert_eq!(checked_api_path(bad).unwrap_err().parameter(), Some("url"), "{bad}");
        }
    }
}

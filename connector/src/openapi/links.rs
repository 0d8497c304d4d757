//! OpenAPI links: what a create answers (its `sid`) fills the path of the operations on the
//! resource it made and on the resources under it (create a service, then fetch, update, delete
//! it, start a verification on it, ...). Stateful testers (schemathesis) and API clients follow
//! them. Derived from the paths alone: a `201` of `POST {P}` links to every operation on
//! `{P}/{Name}...` with exactly one path parameter more than `{P}`, that parameter taken from
//! the response (`sid`, `phone_number` for a safe list number, `country` for a messaging
//! configuration) and the others from the
//! request's path.

use serde_json::{json, Map, Value};

/// The path without a `.json` suffix (Twilio's 2010-04-01 paths end in it).
fn bare(path: &str) -> &str {
    path.strip_suffix(".json").unwrap_or(path)
}

fn params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|rest| rest.split_once('}')).map(|(name, _)| name)).collect()
}

/// Adds `links` to the `201` response of every create in `paths`.
pub fn add(paths: &mut Map<String, Value>) {
    let targets: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().into_iter().flatten().filter_map(move |(_, op)| op.get("operationId").and_then(Value::as_str).map(|id| (path.clone(), id.to_owned()))))
        .collect();
    for (source, item) in paths.iter_mut() {
        let Some(created) = item.get_mut("post").and_then(|op| op.pointer_mut("/responses/201")).and_then(Value::as_object_mut) else { continue };
        let prefix = format!("{}/", bare(source));
        let given = params(source);
        let mut links = Map::new();
        for (target, id) in &targets {
            let Some(rest) = bare(target).strip_prefix(&prefix).filter(|rest| rest.starts_with('{')) else { continue };
            let new = params(rest);
            let [name] = new.as_slice() else { continue };
            let mut parameters = Map::new();
            for p in &given {
                parameters.insert((*p).to_owned(), json!(format!("$request.path.{p}")));
            }
            let field = match *name {
                "PhoneNumber" => "phone_number",
                "Country" => "country",
                _ => "sid",
            };
            parameters.insert((*name).to_owned(), json!(format!("$response.body#/{field}")));
            links.insert(id.clone(), json!({ "operationId": id, "parameters": parameters }));
        }
        if !links.is_empty() {
            created.insert("links".into(), Value::Object(links));
        }
    }
}

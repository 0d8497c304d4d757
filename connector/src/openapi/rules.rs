//! Rules between body fields that no single field's schema states, written as `allOf` entries on
//! the body schema so that a client that follows the spec is never refused for a combination
//! (the parsers stay the authority: `StartRequest::parse`, `CheckRequest::parse`,
//! `ServiceRecord::apply`).

use edge_verify_core::http::routes::Operation;
use edge_verify_core::patterns::{E164, EMAIL};
use edge_verify_core::spec::{service, verification, ParamSpec};
use serde_json::{json, Value};

/// The `allOf` entries of `op`'s body, naming fields with `name` (wire names for the REST face,
/// fields for actions).
pub fn body_rules(op: Operation, name: fn(&ParamSpec) -> &'static str) -> Vec<Value> {
    match op {
        // `To` is an email address for Channel=email, an E.164 number otherwise.
        Operation::CreateVerification => {
            let (channel, to) = (name(&verification::CHANNEL), name(&verification::TO));
            let phone_channels: Vec<&str> = verification::CHANNEL.choices().iter().copied().filter(|c| *c != "email").collect();
            vec![json!({ "anyOf": [
                { "properties": { channel: { "enum": ["email"] }, to: { "type": "string", "pattern": EMAIL } } },
                { "properties": { channel: { "enum": phone_channels }, to: { "type": "string", "pattern": E164 } } },
            ] })]
        }
        // A check names its verification by To or by VerificationSid.
        Operation::CreateVerificationCheck => {
            let (to, sid) = (name(&verification::TO), name(&verification::VERIFICATION_SID));
            vec![json!({ "anyOf": [
                { "required": [to], "properties": { to: { "type": "string" } } },
                { "required": [sid], "properties": { sid: { "type": "string" } } },
            ] })]
        }
        // SkipSmsToLandlines=true needs LookupEnabled=true.
        Operation::CreateService | Operation::UpdateService => {
            let [lookup, skip, ..] = service::BOOLEANS;
            let (lookup, skip) = (name(&lookup), name(&skip));
            vec![json!({ "anyOf": [
                { "properties": { skip: { "not": { "enum": [true] } } } },
                { "required": [lookup], "properties": { lookup: { "enum": [true] } } },
            ] })]
        }
        _ => Vec::new(),
    }
}

/// `schema` with `rules` added as its `allOf`.
pub fn with_rules(mut schema: Value, rules: Vec<Value>) -> Value {
    if let (Some(obj), false) = (schema.as_object_mut(), rules.is_empty()) {
        obj.insert("allOf".into(), Value::Array(rules));
    }
    schema
}

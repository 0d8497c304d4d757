//! Realistic example resources, built from the real types, for the action catalog's output
//! samples and the connector spec's examples.

use serde_json::{json, Value};

use crate::page::{v2_list, window, PageQuery};
use crate::sid::{AccountSid, AttemptSid, ServiceSid, VerificationSid};
use crate::time::Timestamp;
use crate::verification::{Channel, SendAttempt, Status, Verification};

/// The time every example uses (Twilio's own examples use it too).
pub const EXAMPLE_TIME: Timestamp = Timestamp::from_unix_seconds(1_438_286_400);

/// A pending SMS verification.
pub fn verification() -> Verification {
    Verification {
        sid: VerificationSid::example(),
        service_sid: ServiceSid::example(),
        account_sid: AccountSid::example(),
        to: "+14155550100".into(),
        channel: Channel::Sms,
        status: Status::Pending,
        seed: String::new(),
        code_digest: String::new(),
        code_length: 6,
        custom_code: false,
        amount: None,
        payee: None,
        send_attempts: vec![SendAttempt { attempt_sid: AttemptSid::example(), channel: Channel::Sms, time: EXAMPLE_TIME }],
        checks: 0,
        locale: None,
        rate_limits: None,
        tags: None,
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
        expires_at: EXAMPLE_TIME.plus_seconds(600),
    }
}

/// The same verification, approved.
pub fn approved_verification() -> Verification {
    Verification { status: Status::Approved, ..verification() }
}

/// A one-service page of `GET /v2/Services`.
pub fn service_list(origin: &str) -> Value {
    let ids = vec![ServiceSid::example().to_string()];
    let query = PageQuery { size: 50, page: 0, token: None };
    let page = window(&ids, &query);
    v2_list("services", vec![crate::services::example_json(origin)], &format!("{origin}/v2/Services"), &query, &page)
}

/// The output sample of an action.
pub fn action_output(action: &str, origin: &str) -> Value {
    match action {
        "list_services" => service_list(origin),
        "get_service" | "create_service" | "update_service" => crate::services::example_json(origin),
        "delete_service" => Value::Null,
        "start_verification" | "get_verification" => verification().to_json(origin),
        "update_verification_status" => approved_verification().to_json(origin),
        "check_verification" => approved_verification().check_json(),
        "make_api_call" => json!({ "status": 200, "headers": { "content-type": "application/json; charset=utf-8" }, "body": service_list(origin) }),
        _ => Value::Null,
    }
}

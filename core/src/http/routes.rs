//! The route table: every (method, path) the API answers and the operation behind it. The
//! router, the action catalog and the connector's spec-sync test all read this one table.

use super::Method;
use crate::spec::ParamSpec;

/// Every operation the API performs. Names follow Twilio's operationIds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /v2/Services`
    ListService,
    /// `POST /v2/Services`
    CreateService,
    /// `GET /v2/Services/{Sid}`
    FetchService,
    /// `POST /v2/Services/{Sid}`
    UpdateService,
    /// `DELETE /v2/Services/{Sid}`
    DeleteService,
    /// `GET /2010-04-01/Accounts.json`
    ListAccount,
    /// `POST /2010-04-01/Accounts.json`
    CreateAccount,
    /// `GET /2010-04-01/Accounts/{AccountSid}.json`
    FetchAccount,
    /// `POST /2010-04-01/Accounts/{AccountSid}.json`
    UpdateAccount,
    /// `GET /2010-04-01/Accounts/{AccountSid}/Keys.json`
    ListKey,
    /// `POST /2010-04-01/Accounts/{AccountSid}/Keys.json`
    CreateNewKey,
    /// `GET /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`
    FetchKey,
    /// `POST /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`
    UpdateKey,
    /// `DELETE /2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`
    DeleteKey,
    /// `POST /v2/Services/{ServiceSid}/Verifications`
    CreateVerification,
    /// `GET /v2/Services/{ServiceSid}/Verifications/{Sid}`
    FetchVerification,
    /// `POST /v2/Services/{ServiceSid}/Verifications/{Sid}`
    UpdateVerification,
    /// `POST /v2/Services/{ServiceSid}/VerificationCheck`
    CreateVerificationCheck,
    /// `POST /v2/Services/{ServiceSid}/ClientTokens` (edge-verify's own)
    CreateClientToken,
    /// `POST /v2/Services/{ServiceSid}/VerificationResults` (edge-verify's own)
    CreateVerificationResult,
    /// `GET /v2/Services/{ServiceSid}/RateLimits`
    ListRateLimit,
    /// `POST /v2/Services/{ServiceSid}/RateLimits`
    CreateRateLimit,
    /// `GET /v2/Services/{ServiceSid}/RateLimits/{Sid}`
    FetchRateLimit,
    /// `POST /v2/Services/{ServiceSid}/RateLimits/{Sid}`
    UpdateRateLimit,
    /// `DELETE /v2/Services/{ServiceSid}/RateLimits/{Sid}`
    DeleteRateLimit,
    /// `GET .../RateLimits/{RateLimitSid}/Buckets`
    ListBucket,
    /// `POST .../RateLimits/{RateLimitSid}/Buckets`
    CreateBucket,
    /// `GET .../RateLimits/{RateLimitSid}/Buckets/{Sid}`
    FetchBucket,
    /// `POST .../RateLimits/{RateLimitSid}/Buckets/{Sid}`
    UpdateBucket,
    /// `DELETE .../RateLimits/{RateLimitSid}/Buckets/{Sid}`
    DeleteBucket,
    /// `GET` and `POST /v2/Services/{ServiceSid}/Webhooks`; `GET`, `POST` and `DELETE .../{Sid}`
    ListWebhook, CreateWebhook, FetchWebhook, UpdateWebhook, DeleteWebhook,
    /// `POST /v2/SafeList/Numbers`
    CreateSafelist,
    /// `GET /v2/SafeList/Numbers/{PhoneNumber}`
    FetchSafelist,
    /// `DELETE /v2/SafeList/Numbers/{PhoneNumber}`
    DeleteSafelist,
    /// `GET /v2/FraudGuard/Blocks` (edge-verify's own)
    ListFraudGuardBlock,
    /// `DELETE /v2/FraudGuard/Blocks/{Sid}` (edge-verify's own)
    DeleteFraudGuardBlock,
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (Twilio Messaging)
    CreateMessage,
    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages.json`
    ListMessage,
    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`
    FetchMessage,
    /// `DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`
    DeleteMessage,
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Feedback.json`
    CreateMessageFeedback,
    /// `POST /2010-04-01/Accounts/{AccountSid}/SMS/Messages.json` (the older path WSO2 shows)
    CreateSmsMessage,
    /// `GET /2010-04-01/Accounts/{AccountSid}/SMS/Messages.json`
    ListSmsMessage,
    /// `GET /2010-04-01/Accounts/{AccountSid}/SMS/Messages/{Sid}.json`
    FetchSmsMessage,
    /// `GET /v2/Attempts`
    ListVerificationAttempt,
    /// `GET /v2/Attempts/{Sid}`
    FetchVerificationAttempt,
    /// `GET /v2/Attempts/Summary`
    FetchVerificationAttemptsSummary,
    /// `GET /v2/Services/{ServiceSid}/MessagingConfigurations`
    ListMessagingConfiguration,
    /// `POST /v2/Services/{ServiceSid}/MessagingConfigurations`
    CreateMessagingConfiguration,
    /// `GET /v2/Services/{ServiceSid}/MessagingConfigurations/{Country}`
    FetchMessagingConfiguration,
    /// `POST /v2/Services/{ServiceSid}/MessagingConfigurations/{Country}`
    UpdateMessagingConfiguration,
    /// `DELETE /v2/Services/{ServiceSid}/MessagingConfigurations/{Country}`
    DeleteMessagingConfiguration,
    /// `POST /v2/DeliveryRoutes/TestMessage` (edge-verify's own)
    CreateTestMessage,
    /// `GET /dev/outbox` (only with `DEV_MODE=true`)
    ListDevOutbox,
    /// `GET /v1/actions`
    ListActions,
    /// `POST /v1/actions/{ActionId}`
    RunAction,
}

impl Operation {
    /// The operationId, as in Twilio's OpenAPI documents.
    pub fn id(self) -> &'static str {
        match self {
            Self::ListService => "ListService",
            Self::CreateService => "CreateService",
            Self::FetchService => "FetchService",
            Self::UpdateService => "UpdateService",
            Self::DeleteService => "DeleteService",
            Self::ListAccount => "ListAccount",
            Self::CreateAccount => "CreateAccount",
            Self::FetchAccount => "FetchAccount",
            Self::UpdateAccount => "UpdateAccount",
            Self::ListKey => "ListKey",
            Self::CreateNewKey => "CreateNewKey",
            Self::FetchKey => "FetchKey",
            Self::UpdateKey => "UpdateKey",
            Self::DeleteKey => "DeleteKey",
            Self::CreateVerification => "CreateVerification",
            Self::FetchVerification => "FetchVerification",
            Self::UpdateVerification => "UpdateVerification",
            Self::CreateVerificationCheck => "CreateVerificationCheck",
            Self::CreateClientToken => "CreateClientToken",
            Self::CreateVerificationResult => "CreateVerificationResult",
            Self::ListRateLimit => "ListRateLimit",
            Self::CreateRateLimit => "CreateRateLimit",
            Self::FetchRateLimit => "FetchRateLimit",
            Self::UpdateRateLimit => "UpdateRateLimit",
            Self::DeleteRateLimit => "DeleteRateLimit",
            Self::ListBucket => "ListBucket",
            Self::CreateBucket => "CreateBucket",
            Self::FetchBucket => "FetchBucket",
            Self::UpdateBucket => "UpdateBucket",
            Self::DeleteBucket => "DeleteBucket",
            Self::ListWebhook => "ListWebhook", Self::CreateWebhook => "CreateWebhook", Self::FetchWebhook => "FetchWebhook",
            Self::UpdateWebhook => "UpdateWebhook", Self::DeleteWebhook => "DeleteWebhook",
            Self::CreateSafelist => "CreateSafelist",
            Self::FetchSafelist => "FetchSafelist",
            Self::DeleteSafelist => "DeleteSafelist",
            Self::ListFraudGuardBlock => "ListFraudGuardBlock",
            Self::DeleteFraudGuardBlock => "DeleteFraudGuardBlock",
            Self::CreateMessage => "CreateMessage",
            Self::ListMessage => "ListMessage",
            Self::FetchMessage => "FetchMessage",
            Self::DeleteMessage => "DeleteMessage",
            Self::CreateMessageFeedback => "CreateMessageFeedback",
            Self::CreateSmsMessage => "CreateSmsMessage",
            Self::ListSmsMessage => "ListSmsMessage",
            Self::FetchSmsMessage => "FetchSmsMessage",
            Self::ListVerificationAttempt => "ListVerificationAttempt",
            Self::FetchVerificationAttempt => "FetchVerificationAttempt",
            Self::FetchVerificationAttemptsSummary => "FetchVerificationAttemptsSummary",
            Self::ListMessagingConfiguration => "ListMessagingConfiguration",
            Self::CreateMessagingConfiguration => "CreateMessagingConfiguration",
            Self::FetchMessagingConfiguration => "FetchMessagingConfiguration",
            Self::UpdateMessagingConfiguration => "UpdateMessagingConfiguration",
            Self::DeleteMessagingConfiguration => "DeleteMessagingConfiguration",
            Self::CreateTestMessage => "CreateTestMessage",
            Self::ListDevOutbox => "ListDevOutbox",
            Self::ListActions => "ListActions",
            Self::RunAction => "RunAction",
        }
    }
}

/// One row of the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path template; `{Name}` captures one segment (a literal suffix such as `.json` may follow).
    pub path: &'static str,
    /// What it does.
    pub operation: Operation,
}

const fn route(method: Method, path: &'static str, operation: Operation) -> Route {
    Route { method, path, operation }
}

/// What a path segment may hold unencoded (RFC 3986 pchar, less `+` so that `+1415...` reads
/// back as itself).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

impl Operation {
    /// The REST path of this operation with `ids` in its `{Name}` segments (percent-encoded),
    /// as the REST face would have been called: the actions face names resources by it.
    pub fn path_with(self, ids: &[(&'static str, String)]) -> Option<String> {
        let route = ROUTES.iter().find(|r| r.operation == self)?;
        let segments: Vec<String> = route
            .path
            .split('/')
            .map(|segment| match segment.strip_prefix('{').and_then(|rest| rest.split_once('}')) {
                Some((name, suffix)) => {
                    let value = ids.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str());
                    format!("{}{suffix}", percent_encoding::utf8_percent_encode(value, SEGMENT))
                }
                None => segment.to_owned(),
            })
            .collect();
        Some(segments.join("/"))
    }
}

/// Every route the API answers.
pub const ROUTES: &[Route] = &[
    route(Method::Get, "/v2/Services", Operation::ListService),
    route(Method::Post, "/v2/Services", Operation::CreateService),
    route(Method::Get, "/v2/Services/{Sid}", Operation::FetchService),
    route(Method::Post, "/v2/Services/{Sid}", Operation::UpdateService),
    route(Method::Delete, "/v2/Services/{Sid}", Operation::DeleteService),
    route(Method::Get, "/2010-04-01/Accounts.json", Operation::ListAccount),
    route(Method::Post, "/2010-04-01/Accounts.json", Operation::CreateAccount),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}.json", Operation::FetchAccount),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}.json", Operation::UpdateAccount),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/Keys.json", Operation::ListKey),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}/Keys.json", Operation::CreateNewKey),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json", Operation::FetchKey),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json", Operation::UpdateKey),
    route(Method::Delete, "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json", Operation::DeleteKey),
    route(Method::Post, "/v2/Services/{ServiceSid}/Verifications", Operation::CreateVerification),
    route(Method::Get, "/v2/Services/{ServiceSid}/Verifications/{Sid}", Operation::FetchVerification),
    route(Method::Post, "/v2/Services/{ServiceSid}/Verifications/{Sid}", Operation::UpdateVerification),
    route(Method::Post, "/v2/Services/{ServiceSid}/VerificationCheck", Operation::CreateVerificationCheck),
    route(Method::Post, "/v2/Services/{ServiceSid}/ClientTokens", Operation::CreateClientToken),
    route(Method::Post, "/v2/Services/{ServiceSid}/VerificationResults", Operation::CreateVerificationResult),
    route(Method::Get, "/v2/Services/{ServiceSid}/RateLimits", Operation::ListRateLimit),
    route(Method::Post, "/v2/Services/{ServiceSid}/RateLimits", Operation::CreateRateLimit),
    route(Method::Get, "/v2/Services/{ServiceSid}/RateLimits/{Sid}", Operation::FetchRateLimit),
    route(Method::Post, "/v2/Services/{ServiceSid}/RateLimits/{Sid}", Operation::UpdateRateLimit),
    route(Method::Delete, "/v2/Services/{ServiceSid}/RateLimits/{Sid}", Operation::DeleteRateLimit),
    route(Method::Get, "/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets", Operation::ListBucket),
    route(Method::Post, "/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets", Operation::CreateBucket),
    route(Method::Get, "/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}", Operation::FetchBucket),
    route(Method::Post, "/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}", Operation::UpdateBucket),
    route(Method::Delete, "/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}", Operation::DeleteBucket),
    route(Method::Get, "/v2/Services/{ServiceSid}/Webhooks", Operation::ListWebhook),
    route(Method::Post, "/v2/Services/{ServiceSid}/Webhooks", Operation::CreateWebhook),
    route(Method::Get, "/v2/Services/{ServiceSid}/Webhooks/{Sid}", Operation::FetchWebhook),
    route(Method::Post, "/v2/Services/{ServiceSid}/Webhooks/{Sid}", Operation::UpdateWebhook),
    route(Method::Delete, "/v2/Services/{ServiceSid}/Webhooks/{Sid}", Operation::DeleteWebhook),
    route(Method::Post, "/v2/SafeList/Numbers", Operation::CreateSafelist),
    route(Method::Get, "/v2/SafeList/Numbers/{PhoneNumber}", Operation::FetchSafelist),
    route(Method::Delete, "/v2/SafeList/Numbers/{PhoneNumber}", Operation::DeleteSafelist),
    route(Method::Get, "/v2/FraudGuard/Blocks", Operation::ListFraudGuardBlock),
    route(Method::Delete, "/v2/FraudGuard/Blocks/{Sid}", Operation::DeleteFraudGuardBlock),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}/Messages.json", Operation::CreateMessage),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/Messages.json", Operation::ListMessage),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json", Operation::FetchMessage),
    route(Method::Delete, "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json", Operation::DeleteMessage),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Feedback.json", Operation::CreateMessageFeedback),
    route(Method::Post, "/2010-04-01/Accounts/{AccountSid}/SMS/Messages.json", Operation::CreateSmsMessage),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/SMS/Messages.json", Operation::ListSmsMessage),
    route(Method::Get, "/2010-04-01/Accounts/{AccountSid}/SMS/Messages/{Sid}.json", Operation::FetchSmsMessage),
    route(Method::Get, "/v2/Attempts", Operation::ListVerificationAttempt),
    route(Method::Get, "/v2/Attempts/Summary", Operation::FetchVerificationAttemptsSummary),
    route(Method::Get, "/v2/Attempts/{Sid}", Operation::FetchVerificationAttempt),
    route(Method::Get, "/v2/Services/{ServiceSid}/MessagingConfigurations", Operation::ListMessagingConfiguration),
    route(Method::Post, "/v2/Services/{ServiceSid}/MessagingConfigurations", Operation::CreateMessagingConfiguration),
    route(Method::Get, "/v2/Services/{ServiceSid}/MessagingConfigurations/{Country}", Operation::FetchMessagingConfiguration),
    route(Method::Post, "/v2/Services/{ServiceSid}/MessagingConfigurations/{Country}", Operation::UpdateMessagingConfiguration),
    route(Method::Delete, "/v2/Services/{ServiceSid}/MessagingConfigurations/{Country}", Operation::DeleteMessagingConfiguration),
    route(Method::Post, "/v2/DeliveryRoutes/TestMessage", Operation::CreateTestMessage),
    route(Method::Get, "/dev/outbox", Operation::ListDevOutbox),
    route(Method::Get, "/v1/actions", Operation::ListActions),
    route(Method::Post, "/v1/actions/{ActionId}", Operation::RunAction),
];

/// A route that matched, with its captured path parameters (percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The route.
    pub route: Route,
    /// `(name, value)` for each `{Name}` in the template.
    pub params: Vec<(&'static str, String)>,
}

/// Why no route matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRoute {
    /// No template fits the path.
    NotFound,
    /// Templates fit the path, with these other methods.
    MethodNotAllowed(Vec<Method>),
}

fn match_template(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    let mut params = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(rest) = w.strip_prefix('{') {
                    let (name, suffix) = rest.split_once('}')?;
                    let raw = g.strip_suffix(suffix)?;
                    let value = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
                    if value.is_empty() || value.contains('/') {
                        return None;
                    }
                    params.push((name, value.into_owned()));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Finds the route for `method` and `path` (percent-encoded, no query).
pub fn match_route(method: Option<Method>, path: &str) -> Result<Matched, NoRoute> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let mut allowed = Vec::new();
    for route in ROUTES {
        if let Some(params) = match_template(route.path, path) {
            if Some(route.method) == method {
                return Ok(Matched { route: *route, params });
            }
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        Err(NoRoute::NotFound)
    } else {
        Err(NoRoute::MethodNotAllowed(allowed))
    }
}

/// The query parameters of the operations that read a query; any other name there is refused
/// (a misspelt filter must not silently widen a listing). `None`: the operation reads no query,
/// and one is ignored.
pub fn query_params(operation: Operation) -> Option<Vec<ParamSpec>> {
    use crate::spec::account::{FRIENDLY_NAME, STATUS};
    use crate::spec::paging::{PAGE, PAGE_SIZE, PAGE_TOKEN};
    use Operation as Op;
    match operation {
        Op::ListAccount => Some(vec![FRIENDLY_NAME, STATUS, PAGE_SIZE, PAGE, PAGE_TOKEN]),
        Op::ListService | Op::ListKey | Op::ListRateLimit | Op::ListBucket | Op::ListFraudGuardBlock | Op::ListWebhook => Some(vec![PAGE_SIZE, PAGE, PAGE_TOKEN]),
        Op::ListVerificationAttempt => Some([crate::history::params::LIST.as_slice(), &[PAGE_SIZE, PAGE, crate::history::params::PAGE_TOKEN]].concat()),
        Op::FetchVerificationAttemptsSummary => Some(crate::history::params::SUMMARY.to_vec()),
        _ => None,
    }
}

/// The body parameters of each REST operation, as the connector spec documents them (the
/// connector's tests parse every documented example with the real parsers).
pub fn body_params(operation: Operation) -> Vec<ParamSpec> {
    use crate::spec::{account, client_token, rate_limit, safe_list, service, verification};
    use Operation as Op;
    match operation {
        Op::CreateService | Op::UpdateService => service::all(),
        Op::CreateVerification => verification::START.to_vec(),
        Op::CreateVerificationCheck => verification::CHECK.to_vec(),
        Op::UpdateVerification => vec![verification::STATUS],
        Op::CreateAccount | Op::CreateNewKey | Op::UpdateKey => vec![account::FRIENDLY_NAME],
        Op::UpdateAccount => vec![account::FRIENDLY_NAME, account::STATUS],
        Op::CreateRateLimit => vec![rate_limit::UNIQUE_NAME, rate_limit::DESCRIPTION],
        Op::UpdateRateLimit => vec![rate_limit::DESCRIPTION],
        Op::CreateBucket | Op::UpdateBucket => vec![rate_limit::MAX, rate_limit::INTERVAL],
        Op::CreateSafelist => vec![safe_list::PHONE_NUMBER],
        Op::CreateWebhook | Op::UpdateWebhook => crate::spec::webhook::ALL.to_vec(),
        Op::CreateClientToken => client_token::ALL.to_vec(),
        Op::CreateVerificationResult => vec![client_token::RESULT_TOKEN],
        Op::CreateMessagingConfiguration => vec![crate::verify::routing::params::COUNTRY, crate::verify::routing::params::MESSAGING_SERVICE_SID],
        Op::UpdateMessagingConfiguration => vec![crate::verify::routing::params::MESSAGING_SERVICE_SID],
        Op::CreateTestMessage => crate::verify::routing::params::TEST_MESSAGE.to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_literal_and_captured_segments() {
        let m = match_route(Some(Method::Get), "/v2/Services/VAabc").unwrap();
        assert_eq!(m.route.operation, Operation::FetchService);
        assert_eq!(m.params, [("Sid", "VAabc".to_owned())]);
        let m = match_route(Some(Method::Delete), "/2010-04-01/Accounts/AC1/Keys/SK2.json").unwrap();
        assert_eq!(m.route.operation, Operation::DeleteKey);
        assert_eq!(m.params, [("AccountSid", "AC1".to_owned()), ("Sid", "SK2".to_owned())]);
        assert_eq!(match_route(Some(Method::Get), "/v2/Services/").unwrap().route.operation, Operation::ListService);
    }

    #[test]
    fn decodes_percent_encoded_segments() {
        let m = match_route(Some(Method::Get), "/v2/Services/%56A1").unwrap();
        assert_eq!(m.params, [("Sid", "VA1".to_owned())]);
        assert_eq!(match_route(Some(Method::Get), "/v2/Services/a%2Fb"), Err(NoRoute::NotFound));
        assert_eq!(match_route(Some(Method::Get), "/v2/Services/%FF"), Err(NoRoute::NotFound));
    }

    #[test]
    fn distinguishes_not_found_from_wrong_method() {
        assert_eq!(match_route(Some(Method::Get), "/v2/Nope"), Err(NoRoute::NotFound));
        assert_eq!(match_route(Some(Method::Get), "/2010-04-01/Accounts/AC1"), Err(NoRoute::NotFound));
        assert_eq!(
            match_route(Some(Method::Put), "/v2/Services"),
            Err(NoRoute::MethodNotAllowed(vec![Method::Get, Method::Post]))
        );
        assert!(matches!(match_route(None, "/v2/Services"), Err(NoRoute::MethodNotAllowed(_))));
    }

    #[test]
    fn fills_a_route_with_ids_as_the_rest_face_is_called() {
        let ids = [("ServiceSid", "VA1".to_owned()), ("Sid", "+14155550100".to_owned())];
        assert_eq!(Operation::FetchVerification.path_with(&ids).as_deref(), Some("/v2/Services/VA1/Verifications/%2B14155550100"));
        assert_eq!(Operation::FetchKey.path_with(&[("AccountSid", "AC1".to_owned()), ("Sid", "SK2".to_owned())]).as_deref(), Some("/2010-04-01/Accounts/AC1/Keys/SK2.json"));
        let m = match_route(Some(Method::Get), &Operation::FetchVerification.path_with(&ids).unwrap()).unwrap();
        assert_eq!(m.params, ids, "the path reads back as the same ids");
    }

    #[test]
    fn the_attempts_summary_is_not_taken_for_a_sid() {
        // Its row comes before `{Sid}`'s: the first matching row wins.
        assert_eq!(match_route(Some(Method::Get), "/v2/Attempts/Summary").unwrap().route.operation, Operation::FetchVerificationAttemptsSummary);
        assert_eq!(match_route(Some(Method::Get), "/v2/Attempts/Summary/").unwrap().route.operation, Operation::FetchVerificationAttemptsSummary);
        let m = match_route(Some(Method::Get), "/v2/Attempts/VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        assert_eq!((m.route.operation, m.params), (Operation::FetchVerificationAttempt, vec![("Sid", "VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned())]));
    }

    #[test]
    fn every_operation_has_one_route() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "duplicate {:?} {}", r.method, r.path);
        }
    }
}

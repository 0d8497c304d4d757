//! CORS for the browser face. Only the four routes a client token may call are CORS-enabled:
//! `POST /v2/Services/{VA}/Verifications`, `POST /v2/Services/{VA}/VerificationCheck`, and the
//! actions `start_verification` and `check_verification` when the service is also named in the
//! query (`?service_sid=VA...`: a preflight carries no body). An origin on the service's
//! `AllowedOrigins` gets its own origin back (never `*`, never credentials) with `Vary: Origin`;
//! any other origin gets 403 and no CORS header, and nothing runs. Pure.

use crate::http::routes::{Matched, Operation};

/// What CORS makes of a routed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsRoute {
    /// A CORS-enabled route for this service (its SID as given).
    Service(String),
    /// A CORS-enabled action without `?service_sid=`: no cross-origin call is admitted.
    NoService,
}

/// The value of `name` in a query string.
pub fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The action a matched `POST /v1/actions/{ActionId}` runs.
pub fn action_id(matched: &Matched) -> Option<&str> {
    (matched.route.operation == Operation::RunAction).then(|| matched.params.first().map(|(_, v)| v.as_str())).flatten()
}

/// Whether `matched` (a POST) is CORS-enabled, and for which service.
pub fn cors_route(matched: &Matched, query: &str) -> Option<CorsRoute> {
    match matched.route.operation {
        Operation::CreateVerification | Operation::CreateVerificationCheck => {
            matched.params.iter().find(|(n, _)| *n == "ServiceSid").map(|(_, v)| CorsRoute::Service(v.clone()))
        }
        Operation::RunAction if matches!(action_id(matched), Some("start_verification" | "check_verification")) => {
            Some(query_value(query, "service_sid").map_or(CorsRoute::NoService, CorsRoute::Service))
        }
        _ => None,
    }
}

/// Whether `origin` is on `allowed` (exact match).
pub fn allowed(allowed: &[String], origin: &str) -> bool {
    allowed.iter().any(|o| o == origin)
}

/// The headers of an admitted actual request (also on its errors).
pub fn response_headers(origin: &str) -> Vec<(String, String)> {
    vec![
        ("access-control-allow-origin".into(), origin.to_owned()),
        ("access-control-expose-headers".into(), "retry-after".into()),
        ("vary".into(), "Origin".into()),
    ]
}

/// The headers of an admitted preflight (204).
pub fn preflight_headers(origin: &str) -> Vec<(String, String)> {
    vec![
        ("access-control-allow-origin".into(), origin.to_owned()),
        ("access-control-allow-methods".into(), "POST".into()),
        ("access-control-allow-headers".into(), "authorization, content-type".into()),
        ("access-control-max-age".into(), "600".into()),
        ("vary".into(), "Origin".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::routes::match_route;
    use crate::http::Method;

    #[test]
    fn only_the_four_routes_are_cors_enabled() {
        let m = |path: &str| match_route(Some(Method::Post), path).unwrap();
        assert_eq!(cors_route(&m("/v2/Services/VA1/Verifications"), ""), Some(CorsRoute::Service("VA1".into())));
        assert_eq!(cors_route(&m("/v2/Services/VA1/VerificationCheck"), ""), Some(CorsRoute::Service("VA1".into())));
        assert_eq!(cors_route(&m("/v1/actions/start_verification"), "service_sid=VA2"), Some(CorsRoute::Service("VA2".into())));
        assert_eq!(cors_route(&m("/v1/actions/check_verification"), ""), Some(CorsRoute::NoService));
        assert_eq!(cors_route(&m("/v1/actions/list_services"), "service_sid=VA2"), None);
        assert_eq!(cors_route(&m("/v2/Services/VA1/ClientTokens"), ""), None);
        assert_eq!(cors_route(&m("/v2/Services"), ""), None);
        assert!(allowed(&["https://a.test".into()], "https://a.test"));
        assert!(!allowed(&["https://a.test".into()], "https://a.test:443"));
        let h = preflight_headers("https://a.test");
        assert!(h.iter().all(|(k, v)| k != "access-control-allow-credentials" && v != "*"));
    }
}

//! What the hosted page asks the worker besides the start and check routes: its settings for a
//! client token (`GET /verify/{VA}/config`: the service's name, whether the page's
//! `redirect_uri` is one of the service's allowed origins, the recipient the token is bound to),
//! and in dev mode `GET /dev/demo`, which makes a demo service and sends the browser to its page.

use serde::Serialize;

use crate::browser::bearer::bearer;
use crate::browser::ops::TokenRequest;
use crate::browser::settings::{public_key, PublicService};
use crate::browser::token::Scope;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse};
use crate::identity::principal::{Credential, Principal};
use crate::input::{Body, Naming};
use crate::sid::ServiceSid;
use crate::verify::service::record::ServiceUpdate;
use crate::verify::service::store::ServiceStore;
use crate::verify::verification::model::MAX_CHECKS;

/// `GET /verify/{VA}/config`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageConfig {
    pub service_sid: String,
    pub friendly_name: String,
    /// Whether `redirect_uri`'s origin is on the service's AllowedOrigins (false when absent).
    pub redirect_allowed: bool,
    /// The recipient the token is bound to.
    pub to: Option<String>,
    pub max_checks: u8,
    pub turnstile_site_key: Option<String>,
}

/// The origin of an absolute `http(s)` URL (`scheme://host[:port]`), lower-cased as browsers
/// serialize it; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

fn no_store(mut response: ApiResponse) -> ApiResponse {
    response.headers.push(("cache-control".into(), "no-store".into()));
    response.headers.push(("x-content-type-options".into(), "nosniff".into()));
    response.headers.push(("referrer-policy".into(), "no-referrer".into()));
    response
}

fn decoded_query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `GET /verify/{VA}/config` with the page's client token.
pub async fn config<P: Platform>(engine: &Engine<P>, req: &ApiRequest, sid: &str) -> Result<ApiResponse, ApiError> {
    // Whatever is wrong with the token (expired, tampered, another service's) is 401 20003.
    let (claims, _) = engine.open_client_token(bearer(req).ok_or(ApiError::InvalidToken)?).await?;
    let sid = ServiceSid::parse(sid).filter(|sid| sid.as_str() == claims.service).ok_or(ApiError::InvalidToken)?;
    let public: PublicService = engine.records().get_cached(&public_key(&sid)).await?.ok_or(ApiError::InvalidToken)?;
    let redirect_allowed = decoded_query_value(&req.query, "redirect_uri")
        .and_then(|uri| origin_of(&uri))
        .is_some_and(|origin| public.allowed_origins.contains(&origin));
    let config = PageConfig {
        service_sid: sid.to_string(),
        friendly_name: public.friendly_name,
        redirect_allowed,
        to: claims.to,
        max_checks: MAX_CHECKS,
        turnstile_site_key: public.turnstile_site_key,
    };
    Ok(no_store(ApiResponse::json(200, &config)))
}

/// The demo service's name: `GET /dev/demo` reuses the main account's service of this name.
pub const DEMO_NAME: &str = "edge-verify demo";

/// `GET /dev/demo` (DEV_MODE only): the main account's demo service (made on first use, its
/// AllowedOrigins the request's own origin), a client token for it (10 minutes), and a redirect
/// to its hosted page with the token in the fragment. The dev log sink prints the code.
pub async fn demo<P: Platform>(engine: &Engine<P>, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    // Unauthenticated by design (a newcomer's first click), so only for a worker on this machine:
    // a dev-mode copy reachable from elsewhere must not hand out tokens.
    let host = req.origin.split_once("://").map_or("", |(_, h)| h);
    let host = host.strip_prefix('[').and_then(|h| h.split_once(']')).map_or_else(|| host.rsplit_once(':').map_or(host, |(h, _)| h), |(h, _)| h);
    if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
        return Err(ApiError::Forbidden("/dev/demo answers on 127.0.0.1 or localhost only".into()));
    }
    let main = Principal { account: engine.settings.main.sid.clone(), is_main: true, credential: Credential::AuthToken, client: Default::default(), origin: req.origin.clone() };
    let records = engine.records();
    let sids = records.service_sids(&main.account).await?;
    let found = records.services(&main.account, &sids).await?.into_iter().find(|s| s.friendly_name == DEMO_NAME);
    let settings = form_urlencoded::Serializer::new(String::new()).append_pair("FriendlyName", DEMO_NAME).append_pair("AllowedOrigins", &req.origin).finish();
    let query = Body::from_query(&settings)?;
    let service = match found {
        Some(service) if service.browser.allowed_origins.contains(&req.origin) => service,
        Some(service) => engine.update_service(&main, &service.sid, ServiceUpdate::parse(&query.input(Naming::Wire))?).await?,
        None => engine.create_service(&main, ServiceUpdate::parse_new(&query.input(Naming::Wire))?).await?,
    };
    let request = TokenRequest { ttl: 600, scopes: vec![Scope::Start, Scope::Check], to: None, max_starts: Some(5) };
    let (token, _) = engine.create_client_token(&main, &service.sid, request).await?;
    let location = format!("/verify/{}#token={token}&channel=sms", service.sid);
    Ok(no_store(ApiResponse { status: 302, headers: vec![("location".into(), location)], body: Vec::new() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_redirects() {
        assert_eq!(origin_of("https://App.example.com/done?x=1").as_deref(), Some("https://app.example.com"));
        assert_eq!(origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin_of("https://a.test:443/x").as_deref(), Some("https://a.test"));
        for bad in ["javascript:alert(1)", "//a.test/x", "https://user@a.test/", "data:text/html,x", "https:///x"] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}

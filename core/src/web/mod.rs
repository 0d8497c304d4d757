//! The browser face's pages and scripts, embedded at build time from `web/`: the hosted
//! verification page (`GET /verify/{VA}`, with its script and style under `/verify/assets/`),
//! the page's settings (`GET /verify/{VA}/config`, client token), the script for any site
//! (`GET /v1/client.js`) and, with `DEV_MODE=true`, `GET /dev/demo`.
//!
//! These are not API operations (no Twilio resource, no Basic credentials), so they are not in
//! the route table; the connector spec lists them as documented exceptions
//! (`edge_verify_connector::openapi::PAGE_ROUTES`, checked against [`PATHS`]).

mod session;

use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, Method};

const PAGE: &str = include_str!("../../../web/verify.html");
const PAGE_JS: &str = include_str!("../../../web/verify.js");
const PAGE_CSS: &str = include_str!("../../../web/verify.css");
const CLIENT_JS: &str = include_str!("../../../web/client.js");

/// The paths served here (`{VA}` is one segment), for the connector's spec check.
pub const PATHS: [&str; 6] = ["/verify/{ServiceSid}", "/verify/{ServiceSid}/config", "/verify/assets/verify.js", "/verify/assets/verify.css", "/v1/client.js", "/dev/demo"];

/// The page languages (the page's own strings live in `web/verify.js`).
pub const LANGUAGES: [&str; 4] = ["en", "es", "fr", "de"];

/// Only this origin's scripts, styles and fetches; never framed, never a referrer.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What a request under one of [`PATHS`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asset {
    Page(String),
    Config(String),
    PageScript,
    PageStyle,
    ClientScript,
    Demo,
}

fn asset(path: &str) -> Option<Asset> {
    Some(match path.trim_end_matches('/') {
        "/v1/client.js" => Asset::ClientScript,
        "/verify/assets/verify.js" => Asset::PageScript,
        "/verify/assets/verify.css" => Asset::PageStyle,
        "/dev/demo" => Asset::Demo,
        other => {
            let rest = other.strip_prefix("/verify/")?;
            match rest.split_once('/') {
                None => Asset::Page(rest.to_owned()),
                Some((sid, "config")) => Asset::Config(sid.to_owned()),
                Some(_) => return None,
            }
        }
    })
}

/// The value of `name` in a query string (not decoded: callers want plain tokens).
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

/// The page language for `?locale=`: its first two letters when the page speaks it, else English.
pub fn page_language(query: &str) -> &'static str {
    let wanted = query_value(query, "locale").unwrap_or("en").to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| wanted.starts_with(l)).unwrap_or("en")
}

/// A static body with the strict headers every page and script carries.
fn file(content_type: &str, cache: &str, body: String) -> ApiResponse {
    ApiResponse {
        status: 200,
        headers: vec![
            ("content-type".into(), content_type.into()),
            ("cache-control".into(), cache.into()),
            ("content-security-policy".into(), CSP.into()),
            ("x-content-type-options".into(), "nosniff".into()),
            ("referrer-policy".into(), "no-referrer".into()),
            ("x-frame-options".into(), "DENY".into()),
        ],
        body: body.into_bytes(),
    }
}

/// `client.js` for pages of any origin: the worker's origin filled in; `?module` adds ES module
/// exports. Public and credential-free, so any origin may load it (a module script needs CORS).
fn client_script(origin: &str, query: &str) -> ApiResponse {
    let mut text = CLIENT_JS.replace("__EDGE_VERIFY_ORIGIN__", origin);
    if query_value(query, "module").is_some() || query == "module" {
        text.push_str("export const { client, EdgeVerifyError } = globalThis.EdgeVerify;\nexport default globalThis.EdgeVerify;\n");
    }
    let mut response = file("text/javascript; charset=utf-8", "public, max-age=300", text);
    response.headers.push(("access-control-allow-origin".into(), "*".into()));
    response.headers.push(("cross-origin-resource-policy".into(), "cross-origin".into()));
    response
}

/// Answers a request for a page, a script or the demo, or `None` when the path is not one of
/// [`PATHS`] (the API routes it).
pub async fn serve<P: Platform>(engine: &Engine<P>, req: &ApiRequest) -> Option<ApiResponse> {
    let asset = asset(&req.path)?;
    if asset == Asset::Demo && !engine.settings.dev_mode {
        return None;
    }
    if !matches!(req.method, Some(Method::Get | Method::Head)) {
        let mut response = ApiResponse::error(&ApiError::MethodNotAllowed { method: req.method_name.clone(), path: req.path.clone() });
        response.headers.push(("allow".into(), "GET, HEAD".into()));
        return Some(response);
    }
    let response = match asset {
        Asset::ClientScript => client_script(&req.origin, &req.query),
        Asset::PageScript => file("text/javascript; charset=utf-8", "public, max-age=300", PAGE_JS.to_owned()),
        Asset::PageStyle => file("text/css; charset=utf-8", "public, max-age=300", PAGE_CSS.to_owned()),
        Asset::Page(sid) => match crate::sid::ServiceSid::parse(&sid) {
            Some(_) => file("text/html; charset=utf-8", "public, max-age=300", PAGE.replace("__LANG__", page_language(&req.query))),
            None => ApiResponse::error(&ApiError::NotFound(req.path.clone())),
        },
        Asset::Config(sid) => session::config(engine, req, &sid).await.unwrap_or_else(|e| ApiResponse::error(&e)),
        Asset::Demo => session::demo(engine, req).await.unwrap_or_else(|e| ApiResponse::error(&e)),
    };
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_assets() {
        assert_eq!(asset("/v1/client.js"), Some(Asset::ClientScript));
        assert_eq!(asset("/verify/VA1"), Some(Asset::Page("VA1".into())));
        assert_eq!(asset("/verify/VA1/config"), Some(Asset::Config("VA1".into())));
        assert_eq!(asset("/verify/VA1/other"), None);
        assert_eq!(asset("/v2/Services"), None);
    }

    #[test]
    fn the_page_speaks_four_languages_and_english_otherwise() {
        assert_eq!(page_language("locale=fr-CA"), "fr");
        assert_eq!(page_language("a=b&locale=DE"), "de");
        assert_eq!(page_language("locale=ja"), "en");
        assert_eq!(page_language(""), "en");
        for lang in LANGUAGES {
            assert!(PAGE_JS.contains(&format!("\n  {lang}: {{")), "verify.js has no {lang} strings");
        }
    }

    #[test]
    fn the_page_is_accessible_and_self_contained() {
        for needle in ["autocomplete=\"one-time-code\"", "inputmode=\"numeric\"", "aria-live=\"polite\"", "role=\"alert\"", "<label for=\"code\"", "<label for=\"to\""] {
            assert!(PAGE.contains(needle), "the page lacks {needle}");
        }
        for text in [PAGE, PAGE_JS, PAGE_CSS, CLIENT_JS] {
            assert!(!text.contains("http://") && !text.contains("https://"), "a third-party address in a page asset");
        }
        assert!(PAGE_JS.contains("OTPCredential") && PAGE_JS.contains("transport: [\"sms\"]"));
        // Small on purpose (gzip: client.js ~1.3 KB, the page's script ~4.3 KB).
        assert!(CLIENT_JS.len() < 4096 && PAGE.len() + PAGE_JS.len() + PAGE_CSS.len() < 20_000);
    }

    #[test]
    fn client_script_names_its_origin_and_exports_as_a_module() {
        let classic = client_script("https://v.example", "");
        let text = String::from_utf8(classic.body).unwrap();
        assert!(text.contains("\"https://v.example\"") && !text.contains("export "));
        let module = String::from_utf8(client_script("https://v.example", "module").body).unwrap();
        assert!(module.contains("export default"));
        assert_eq!(classic.headers.iter().find(|(k, _)| k == "x-content-type-options").map(|(_, v)| v.as_str()), Some("nosniff"));
    }
}

//! Paging over lists kept in key order: `PageSize`, `Page` and `PageToken` in, a window of ids
//! and Twilio's `meta` (Verify v2) or page URIs (2010-04-01 API) out.

use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::params::Params;

/// Page size when the caller gives none.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// The largest page size accepted.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Where a page starts: after an id (next pages) or before one (previous pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageToken {
    /// The page holds the ids after this one.
    After(String),
    /// The page holds the ids before this one.
    Before(String),
}

impl PageToken {
    /// `PA<id>` or `PB<id>`, as Twilio's tokens look.
    pub fn encode(&self) -> String {
        match self {
            Self::After(id) => format!("PA{id}"),
            Self::Before(id) => format!("PB{id}"),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let valid = |id: &str| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if let Some(id) = text.strip_prefix("PA").filter(|id| valid(id)) {
            Some(Self::After(id.to_owned()))
        } else {
            text.strip_prefix("PB").filter(|id| valid(id)).map(|id| Self::Before(id.to_owned()))
        }
    }
}

/// The paging parameters of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// Items per page, 1 to 1000.
    pub size: usize,
    /// The page number the client says it is on (client state only).
    pub page: u32,
    /// Where the page starts, if not at the beginning.
    pub token: Option<PageToken>,
}

impl PageQuery {
    /// Reads `PageSize`, `Page` and `PageToken` from the query string.
    pub fn from_params(query: &Params) -> Result<Self, ApiError> {
        use crate::spec::paging::{PAGE, PAGE_SIZE, PAGE_TOKEN};
        let size = query.integer(PAGE_SIZE.wire, PAGE_SIZE.range())?.map_or(DEFAULT_PAGE_SIZE, |n| n as usize);
        let page = query.integer(PAGE.wire, PAGE.range())?.map_or(0, |n| n as u32);
        let token = match query.get(PAGE_TOKEN.wire) {
            None | Some("") => None,
            Some(t) => Some(PageToken::decode(t).ok_or_else(|| ApiError::invalid("PageToken", "is not a token from a previous page"))?),
        };
        Ok(Self { size, page, token })
    }
}

/// One page cut from a sorted list of ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<'a> {
    /// The ids on this page.
    pub items: &'a [String],
    /// The token of the next page, if there is one.
    pub next: Option<PageToken>,
    /// The token of the previous page, if there is one.
    pub previous: Option<PageToken>,
}

/// Cuts the page `query` asks for out of `sorted` (ascending, unique).
pub fn window<'a>(sorted: &'a [String], query: &PageQuery) -> Window<'a> {
    let (start, end) = match &query.token {
        None => (0, query.size.min(sorted.len())),
        Some(PageToken::After(id)) => {
            let start = sorted.partition_point(|x| x.as_str() <= id.as_str());
            (start, start.saturating_add(query.size).min(sorted.len()))
        }
        Some(PageToken::Before(id)) => {
            let end = sorted.partition_point(|x| x.as_str() < id.as_str());
            (end.saturating_sub(query.size), end)
        }
    };
    let items = sorted.get(start..end).unwrap_or(&[]);
    Window {
        items,
        next: (end < sorted.len()).then(|| items.last().map(|id| PageToken::After(id.clone()))).flatten(),
        previous: (start > 0).then(|| items.first().map(|id| PageToken::Before(id.clone()))).flatten(),
    }
}

fn page_url(base: &str, size: usize, page: u32, token: Option<&PageToken>) -> String {
    match token {
        Some(t) => format!("{base}?PageSize={size}&Page={page}&PageToken={}", t.encode()),
        None => format!("{base}?PageSize={size}&Page={page}"),
    }
}

/// A Verify v2 list body: `{<key>: records, meta: {...}}` with absolute URLs under `list_url`.
pub fn v2_list(key: &str, records: Vec<Value>, list_url: &str, query: &PageQuery, window: &Window<'_>) -> Value {
    let (size, page) = (query.size, query.page);
    let mut body = Map::new();
    body.insert(key.to_owned(), Value::Array(records));
    body.insert(
        "meta".into(),
        json!({
            "page": page,
            "page_size": size,
            "first_page_url": page_url(list_url, size, 0, None),
            "previous_page_url": window.previous.as_ref().map(|t| page_url(list_url, size, page.saturating_sub(1), Some(t))),
            "url": page_url(list_url, size, page, query.token.as_ref()),
            "next_page_url": window.next.as_ref().map(|t| page_url(list_url, size, page.saturating_add(1), Some(t))),
            "key": key,
        }),
    );
    Value::Object(body)
}

/// A 2010-04-01 list body: `{<key>: records, uri, first_page_uri, next_page_uri, ...}` with
/// URIs relative to the host, as the 2010 API gives them.
pub fn v2010_list(key: &str, records: Vec<Value>, list_path: &str, query: &PageQuery, window: &Window<'_>) -> Value {
    let (size, page) = (query.size, query.page);
    let start = (page as usize).saturating_mul(size);
    let mut body = Map::new();
    body.insert(key.to_owned(), Value::Array(records));
    for (name, value) in [
        ("uri", json!(page_url(list_path, size, page, query.token.as_ref()))),
        ("first_page_uri", json!(page_url(list_path, size, 0, None))),
        ("next_page_uri", json!(window.next.as_ref().map(|t| page_url(list_path, size, page.saturating_add(1), Some(t))))),
        ("previous_page_uri", json!(window.previous.as_ref().map(|t| page_url(list_path, size, page.saturating_sub(1), Some(t))))),
        ("page", json!(page)),
        ("page_size", json!(size)),
        ("start", json!(start)),
        ("end", json!(start.saturating_add(window.items.len()).saturating_sub(1))),
    ] {
        body.insert(name.into(), value);
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("ID{i:03}")).collect()
    }

    fn query(size: usize, token: Option<PageToken>) -> PageQuery {
        PageQuery { size, page: 0, token }
    }

    #[test]
    fn walks_forward_and_back_over_every_id_once() {
        let all = ids(120);
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let w = window(&all, &query(50, token.clone()));
            seen.extend(w.items.iter().cloned());
            match w.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, all);
        let last = window(&all, &query(50, Some(PageToken::After("ID099".into()))));
        assert_eq!(last.items.len(), 20);
        let back = window(&all, &query(50, last.previous.clone()));
        assert_eq!(back.items.first().map(String::as_str), Some("ID050"));
        assert_eq!(back.items.last().map(String::as_str), Some("ID099"));
        assert_eq!(back.previous, Some(PageToken::Before("ID050".into())));
        let first = window(&all, &query(50, back.previous));
        assert_eq!(first.items.first().map(String::as_str), Some("ID000"));
        assert_eq!(first.previous, None);
    }

    #[test]
    fn tokens_survive_deletions() {
        let mut all = ids(10);
        let next_token = window(&all, &query(3, None)).next;
        all.retain(|id| id != "ID003");
        let next = window(&all, &query(3, next_token));
        assert_eq!(next.items, ["ID004", "ID005", "ID006"]);
    }

    #[test]
    fn empty_and_exact_lists() {
        let w = window(&[], &query(50, None));
        assert!(w.items.is_empty() && w.next.is_none() && w.previous.is_none());
        let all = ids(50);
        assert_eq!(window(&all, &query(50, None)).next, None);
    }

    #[test]
    fn parses_and_validates_paging_parameters() {
        let q = PageQuery::from_params(&Params::from_pairs([("PageSize", "20"), ("Page", "2"), ("PageToken", "PAVA01")])).unwrap();
        assert_eq!(q, PageQuery { size: 20, page: 2, token: Some(PageToken::After("VA01".into())) });
        assert_eq!(PageQuery::from_params(&Params::default()).unwrap().size, 50);
        for (k, v) in [("PageSize", "0"), ("PageSize", "1001"), ("PageSize", "x"), ("Page", "-1"), ("PageToken", "zz"), ("PageToken", "PA../x")] {
            assert_eq!(PageQuery::from_params(&Params::from_pairs([(k, v)])).unwrap_err().parameter(), Some(k));
        }
    }

    #[test]
    fn v2_meta_has_absolute_urls() {
        let all = ids(3);
        let q = query(2, None);
        let w = window(&all, &q);
        let body = v2_list("services", vec![], "http://h/v2/Services", &q, &w);
        assert_eq!(body["meta"]["key"], "services");
        assert_eq!(body["meta"]["first_page_url"], "http://h/v2/Services?PageSize=2&Page=0");
        assert_eq!(body["meta"]["next_page_url"], "http://h/v2/Services?PageSize=2&Page=1&PageToken=PAID001");
        assert_eq!(body["meta"]["previous_page_url"], Value::Null);
    }
}

//! Paging over lists kept in key order: `PageSize`, `Page` and `PageToken` in, a window of ids
//! and Twilio's paging fields (`meta` in Verify v2, page URIs in the 2010-04-01 API) out.
//! Tokens are `PA<id>` / `PB<id>` (after / before an id), so they stay valid when items are
//! added or deleted.

use serde::Serialize;

use crate::error::ApiError;
use crate::input::Input;

pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Most records one page reads. A page may ask for up to 1000 (Twilio's bound), but a Worker
/// invocation may make at most 1,000 storage operations: a larger page is served in parts, each
/// with a `next_page_url`, as Twilio's helper libraries expect.
pub const MAX_RECORDS_PER_PAGE: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageToken {
    After(String),
    Before(String),
}

impl PageToken {
    fn decode(text: &str) -> Option<Self> {
        let valid = |id: &str| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if let Some(id) = text.strip_prefix("PA").filter(|id| valid(id)) {
            Some(Self::After(id.to_owned()))
        } else {
            text.strip_prefix("PB").filter(|id| valid(id)).map(|id| Self::Before(id.to_owned()))
        }
    }
}

impl std::fmt::Display for PageToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::After(id) => write!(f, "PA{id}"),
            Self::Before(id) => write!(f, "PB{id}"),
        }
    }
}

/// A parsed page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub size: usize,
    /// Client-side page number, echoed in URLs.
    pub page: u32,
    pub token: Option<PageToken>,
}

impl Default for PageQuery {
    fn default() -> Self {
        Self { size: DEFAULT_PAGE_SIZE, page: 0, token: None }
    }
}

impl PageQuery {
    pub fn parse(input: &Input<'_>) -> Result<Self, ApiError> {
        use crate::spec::paging::{PAGE, PAGE_SIZE, PAGE_TOKEN};
        let size = input.integer(&PAGE_SIZE)?.map_or(DEFAULT_PAGE_SIZE, |n| n as usize);
        let page = input.integer(&PAGE)?.map_or(0, |n| n as u32);
        let token = match input.raw_text(&PAGE_TOKEN)? {
            None | Some("") => None,
            Some(t) => Some(PageToken::decode(t).ok_or_else(|| input.invalid(&PAGE_TOKEN, "is not a token from a previous page"))?),
        };
        Ok(Self { size, page, token })
    }
}

/// The ids of one page, and the tokens of its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window<'a> {
    pub items: &'a [String],
    pub next: Option<PageToken>,
    pub previous: Option<PageToken>,
}

/// Cuts the page `query` asks for out of `sorted` ids.
pub fn window<'a>(sorted: &'a [String], query: &PageQuery) -> Window<'a> {
    let size = query.size.min(MAX_RECORDS_PER_PAGE);
    let (start, end) = match &query.token {
        None => (0, size.min(sorted.len())),
        Some(PageToken::After(id)) => {
            let start = sorted.partition_point(|x| x.as_str() <= id.as_str());
            (start, start.saturating_add(size).min(sorted.len()))
        }
        Some(PageToken::Before(id)) => {
            let end = sorted.partition_point(|x| x.as_str() < id.as_str());
            (end.saturating_sub(size), end)
        }
    };
    let items = sorted.get(start..end).unwrap_or(&[]);
    Window {
        items,
        next: (end < sorted.len()).then(|| items.last().map(|id| PageToken::After(id.clone()))).flatten(),
        previous: (start > 0).then(|| items.first().map(|id| PageToken::Before(id.clone()))).flatten(),
    }
}

/// One page of records, as the engine returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next: Option<PageToken>,
    pub previous: Option<PageToken>,
}

impl<T> Listing<T> {
    pub fn new(items: Vec<T>, window: &Window<'_>) -> Self {
        Self { items, next: window.next.clone(), previous: window.previous.clone() }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listing<U> {
        Listing { items: self.items.into_iter().map(f).collect(), next: self.next, previous: self.previous }
    }
}

fn page_url(base: &str, size: usize, page: u32, token: Option<&PageToken>) -> String {
    match token {
        Some(t) => format!("{base}?PageSize={size}&Page={page}&PageToken={t}"),
        None => format!("{base}?PageSize={size}&Page={page}"),
    }
}

/// Verify v2's `meta`, with absolute URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct Meta {
    pub page: u32,
    pub page_size: usize,
    pub first_page_url: String,
    pub previous_page_url: Option<String>,
    pub url: String,
    pub next_page_url: Option<String>,
    /// The name of the list in the body.
    pub key: String,
}

impl Meta {
    pub fn new<T>(key: &str, list_url: &str, query: &PageQuery, listing: &Listing<T>) -> Self {
        let (size, page) = (query.size, query.page);
        Self {
            page,
            page_size: size,
            first_page_url: page_url(list_url, size, 0, None),
            previous_page_url: listing.previous.as_ref().map(|t| page_url(list_url, size, page.saturating_sub(1), Some(t))),
            url: page_url(list_url, size, page, query.token.as_ref()),
            next_page_url: listing.next.as_ref().map(|t| page_url(list_url, size, page.saturating_add(1), Some(t))),
            key: key.to_owned(),
        }
    }
}

/// The 2010-04-01 API's paging fields, with relative URIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, serde::Deserialize), serde(deny_unknown_fields))]
pub struct Paging2010 {
    pub uri: String,
    pub first_page_uri: String,
    pub next_page_uri: Option<String>,
    pub previous_page_uri: Option<String>,
    pub page: u32,
    pub page_size: usize,
    pub start: usize,
    pub end: usize,
}

impl Paging2010 {
    pub fn new<T>(list_path: &str, query: &PageQuery, listing: &Listing<T>) -> Self {
        let (size, page) = (query.size, query.page);
        let start = (page as usize).saturating_mul(size);
        Self {
            uri: page_url(list_path, size, page, query.token.as_ref()),
            first_page_uri: page_url(list_path, size, 0, None),
            next_page_uri: listing.next.as_ref().map(|t| page_url(list_path, size, page.saturating_add(1), Some(t))),
            previous_page_uri: listing.previous.as_ref().map(|t| page_url(list_path, size, page.saturating_sub(1), Some(t))),
            page,
            page_size: size,
            start,
            end: start.saturating_add(listing.items.len()).saturating_sub(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Body, Naming};

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("ID{i:04}")).collect()
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
        let last = window(&all, &query(50, Some(PageToken::After("ID0099".into()))));
        assert_eq!(last.items.len(), 20);
        let back = window(&all, &query(50, last.previous.clone()));
        assert_eq!(back.items.first().map(String::as_str), Some("ID0050"));
        assert_eq!(back.items.last().map(String::as_str), Some("ID0099"));
        let first = window(&all, &query(50, back.previous));
        assert_eq!(first.items.first().map(String::as_str), Some("ID0000"));
        assert_eq!(first.previous, None);
    }

    #[test]
    fn a_page_reads_at_most_the_record_budget() {
        let all = ids(1200);
        let w = window(&all, &query(1000, None));
        assert_eq!(w.items.len(), MAX_RECORDS_PER_PAGE);
        let rest = window(&all, &query(1000, w.next));
        assert_eq!(rest.items.first().map(String::as_str), Some("ID0500"));
    }

    #[test]
    fn tokens_survive_deletions() {
        let mut all = ids(10);
        let next_token = window(&all, &query(3, None)).next;
        all.retain(|id| id != "ID0003");
        assert_eq!(window(&all, &query(3, next_token)).items, ["ID0004", "ID0005", "ID0006"]);
    }

    #[test]
    fn parses_and_validates_paging_parameters() {
        let body = Body::from_query("PageSize=20&Page=2&PageToken=PAVA01").unwrap();
        assert_eq!(PageQuery::parse(&body.input(Naming::Wire)).unwrap(), PageQuery { size: 20, page: 2, token: Some(PageToken::After("VA01".into())) });
        assert_eq!(PageQuery::parse(&Body::Empty.input(Naming::Wire)).unwrap().size, 50);
        for (k, v) in [("PageSize", "0"), ("PageSize", "1001"), ("PageSize", "x"), ("Page", "-1"), ("PageToken", "zz"), ("PageToken", "PA../x")] {
            let body = Body::Form(vec![(k.into(), v.into())]);
            assert_eq!(PageQuery::parse(&body.input(Naming::Wire)).unwrap_err().parameter(), Some(k));
        }
    }

    #[test]
    fn meta_has_absolute_urls() {
        let all = ids(3);
        let q = query(2, None);
        let listing = Listing::new(vec![(); 2], &window(&all, &q));
        let meta = Meta::new("services", "http://h/v2/Services", &q, &listing);
        assert_eq!(meta.first_page_url, "http://h/v2/Services?PageSize=2&Page=0");
        assert_eq!(meta.next_page_url.as_deref(), Some("http://h/v2/Services?PageSize=2&Page=1&PageToken=PAID0001"));
        assert_eq!(meta.previous_page_url, None);
    }
}

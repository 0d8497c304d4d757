//! Verification Attempts on the host against real SQLite (rusqlite, bundled), with the same
//! migration the worker's D1 database gets: starts record attempts, approvals convert them, and
//! the list, fetch and summary routes filter, page, isolate accounts and keep 30 days.

use edge_verify_core::history::{Database, Row, SqlValue, Statement, PURGE_BATCH};
use edge_verify_core::ports::StoreError;
use rusqlite::types::{Value as Sqlite, ValueRef};

use super::*;

const MIGRATION: &str = concat!(
    include_str!("../../../migrations/0001_attempts.sql"),
    include_str!("../../../migrations/0002_delivery_status.sql"),
    include_str!("../../../migrations/0003_filter_indexes.sql"),
    include_str!("../../../migrations/0004_conversions.sql"),
);

/// SQLite behind the `Database` port; deferred writes run at once. Counts queries.
pub struct SqliteDb {
    conn: Option<rusqlite::Connection>,
    pub queries: Cell<usize>,
    pub writes: Cell<usize>,
}

impl SqliteDb {
    pub fn new() -> Self {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATION).unwrap();
        Self { conn: Some(conn), queries: Cell::new(0), writes: Cell::new(0) }
    }

    pub fn unbound() -> Self {
        Self { conn: None, queries: Cell::new(0), writes: Cell::new(0) }
    }

    fn conn(&self) -> &rusqlite::Connection {
        self.conn.as_ref().unwrap()
    }

    fn count(&self) -> i64 {
        self.conn().query_row("SELECT COUNT(*) FROM attempts", [], |r| r.get(0)).unwrap()
    }
}

fn values(params: &[SqlValue]) -> Vec<Sqlite> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Sqlite::Null,
            SqlValue::Int(n) => Sqlite::Integer(*n),
            SqlValue::Real(f) => Sqlite::Real(*f),
            SqlValue::Text(t) => Sqlite::Text(t.clone()),
        })
        .collect()
}

impl Database for SqliteDb {
    fn bound(&self) -> bool {
        self.conn.is_some()
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        self.queries.set(self.queries.get() + 1);
        let conn = self.conn.as_ref().ok_or_else(|| StoreError("unbound".into()))?;
        let mut stmt = conn.prepare(sql).map_err(|e| StoreError(e.to_string()))?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(values(params)), |row| {
                let mut out = Row::new();
                for (i, name) in names.iter().enumerate() {
                    let value = match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(n) => Value::from(n),
                        ValueRef::Real(f) => Value::from(f),
                        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(_) => Value::Null,
                    };
                    out.insert(name.clone(), value);
                }
                Ok(out)
            })
            .map_err(|e| StoreError(e.to_string()))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| StoreError(e.to_string()))
    }

    fn run_later(&self, statements: Vec<Statement>) {
        let Some(conn) = &self.conn else { return };
        for s in statements {
            self.writes.set(self.writes.get() + 1);
            conn.execute(&s.sql, rusqlite::params_from_iter(values(&s.params))).unwrap();
        }
    }
}

fn get(e: &Engine<Host>, path: &str) -> (u16, Value) {
    call(e, "GET", path, "")
}

fn start(e: &Engine<Host>, base: &str, to: &str, channel: &str) -> Value {
    let form = format!("To={}&Channel={channel}", to.replace('+', "%2B"));
    let (status, v) = call(e, "POST", &format!("{base}/Verifications"), &form);
    assert_eq!(status, 201, "{v}");
    v
}

fn sids(list: &Value) -> Vec<String> {
    list["attempts"].as_array().unwrap().iter().map(|a| a["sid"].as_str().unwrap().to_owned()).collect()
}

fn total(e: &Engine<Host>, query: &str) -> (u64, u64, Value) {
    let (status, s) = get(e, &format!("/v2/Attempts/Summary{query}"));
    assert_eq!(status, 200, "{s}");
    (s["total_attempts"].as_u64().unwrap(), s["total_converted"].as_u64().unwrap(), s["conversion_rate_percentage"].clone())
}

/// Two services, three numbers in three countries, sms and call; two verifications approved
/// (one by the right code, one by Status=approved).
fn seeded() -> (Engine<Host>, String, String, Vec<Value>) {
    let e = engine(MemoryKv::default());
    let (a, b) = (service(&e, "FriendlyName=Alpha"), service(&e, "FriendlyName=Beta"));
    let clock = e.clock.0.clone();
    let (mut out, mut code) = (Vec::new(), String::new());
    for (base, to, channel) in [(&a, "+14155550100", "sms"), (&a, "+447700900123", "sms"), (&b, "+33612345678", "call"), (&b, "+14155550199", "sms")] {
        clock.set(clock.get() + 60);
        out.push(start(&e, base, to, channel));
        if code.is_empty() {
            code = last_code(&e);
        }
    }
    clock.set(clock.get() + 60);
    let resend = start(&e, &a, "+14155550100", "call");
    assert_eq!(resend["sid"], out[0]["sid"], "a resend is a second attempt of the same verification");
    assert_eq!(call(&e, "POST", &format!("{a}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")).1["status"], "approved");
    let uk = out[1]["sid"].as_str().unwrap();
    assert_eq!(call(&e, "POST", &format!("{a}/Verifications/{uk}"), "Status=approved").1["status"], "approved");
    (e, a, b, out)
}

#[test]
fn starts_record_attempts_and_approvals_convert_them() {
    let (e, a, _, started) = seeded();
    assert_eq!(e.history.count(), 5);
    let (status, list) = get(&e, "/v2/Attempts");
    assert_eq!(status, 200, "{list}");
    let attempts = list["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 5);
    let first = &attempts[0];
    assert_eq!((first["channel"].as_str(), first["conversion_status"].as_str()), (Some("call"), Some("converted")), "newest first: the resend");
    assert_eq!(first["verification_sid"], started[0]["sid"]);
    assert_eq!(first["service_sid"].as_str(), a.strip_prefix("/v2/Services/"));
    assert_eq!(first["account_sid"], MAIN);
    assert_eq!(first["date_created"], "2023-11-14T22:18:20Z");
    assert_eq!(first["channel_data"]["to"], "+14155550100");
    assert_eq!(first["channel_data"]["status"], "confirmed");
    assert_eq!(first["channel_data"]["country"], "US");
    assert_eq!(first["channel_data"]["code_length"], 6);
    assert_eq!(first["price"], Value::Null);
    let sid = first["sid"].as_str().unwrap();
    assert!(sid.starts_with("VL") && sid.len() == 34);
    assert_eq!(first["url"], format!("https://verify.example/v2/Attempts/{sid}"));
    assert_eq!(list["meta"]["key"], "attempts");
    assert_eq!(list["meta"]["url"], "https://verify.example/v2/Attempts?PageSize=50&Page=0");
    let (status, one) = get(&e, &format!("/v2/Attempts/{sid}"));
    assert_eq!((status, &one), (200, first));
    let (status, missing) = get(&e, &format!("/v2/Attempts/VL{}", "0".repeat(32)));
    assert_eq!((status, missing["code"].as_u64()), (404, Some(20404)));
    assert_eq!(get(&e, "/v2/Attempts/VLnope").0, 404);
    let (t, c, rate) = total(&e, "");
    assert_eq!((t, c, rate.as_str()), (5, 3, Some("60")));
}

#[test]
fn every_filter_narrows_the_list_and_the_summary() {
    let (e, a, b, started) = seeded();
    let (va, vb) = (a.trim_start_matches("/v2/Services/"), b.trim_start_matches("/v2/Services/"));
    let ve = started[2]["sid"].as_str().unwrap();
    let cases: Vec<(String, usize, u64)> = vec![
        ("Channel=call".into(), 2, 1),
        ("Channel=sms".into(), 3, 2),
        ("Country=GB".into(), 1, 1),
        ("Country=us".into(), 3, 2),
        ("ChannelData.To=%2B14155550100".into(), 2, 2),
        (format!("VerifyServiceSid={va}"), 3, 3),
        (format!("VerifyServiceSid={vb}"), 2, 0),
        (format!("VerificationSid={ve}"), 1, 0),
        ("Status=converted".into(), 3, 3),
        ("Status=UNCONVERTED".into(), 2, 0),
        ("DateCreatedAfter=2023-11-14T22:17:20Z".into(), 2, 1),
        ("DateCreatedBefore=2023-11-14T22:15:20Z".into(), 2, 2),
        ("DateCreatedAfter=2023-11-14T22:15:00Z&DateCreatedBefore=2023-11-14T22:16:30Z".into(), 2, 1),
        ("Channel=sms&Country=US".into(), 2, 1),
        ("Country=DE".into(), 0, 0),
        // An emptied field (a no-code platform's) is no filter, whichever it is.
        ("Channel=&VerifyServiceSid=&VerificationSid=&Status=&Country=&ChannelData.To=&DateCreatedAfter=".into(), 5, 3),
    ];
    for (query, listed, converted) in cases {
        let (status, list) = get(&e, &format!("/v2/Attempts?{query}"));
        assert_eq!((status, sids(&list).len()), (200, listed), "{query}: {list}");
        let (t, c, _) = total(&e, &format!("?{query}"));
        assert_eq!((t, c), (listed as u64, converted), "summary {query}");
    }
    let (t, _, _) = total(&e, "?DestinationPrefix=%2B44");
    assert_eq!(t, 1);
    let (_, empty) = get(&e, "/v2/Attempts/Summary?Country=DE");
    assert_eq!((empty["total_attempts"].as_u64(), &empty["conversion_rate_percentage"]), (Some(0), &Value::Null));
    for (query, name) in [("Channel=fax", "Channel"), ("Country=GBR", "Country"), ("DateCreatedAfter=yesterday", "DateCreatedAfter"), ("VerifyServiceSid=VA1", "VerifyServiceSid"), ("Status=approved", "Status"), ("PageToken=PAxyz", "PageToken"), ("PageSize=0", "PageSize"), ("DestinationPrefix=%2B44", "DestinationPrefix"), ("Sid=VL1", "Sid")] {
        let (status, err) = get(&e, &format!("/v2/Attempts?{query}"));
        assert_eq!((status, err["code"].as_u64()), (400, Some(60200)), "{query}: {err}");
        assert!(err["message"].as_str().unwrap().contains(name), "{query}: {err}");
    }
    assert_eq!(get(&e, "/v2/Attempts/Summary?DestinationPrefix=abc").0, 400);
}

#[test]
fn pages_walk_forward_and_back_and_keep_the_filters() {
    let (e, ..) = seeded();
    let (_, all) = get(&e, "/v2/Attempts");
    let all = sids(&all);
    let (mut seen, mut url) = (Vec::new(), Some("/v2/Attempts?PageSize=2".to_owned()));
    let mut last = Value::Null;
    while let Some(u) = url {
        let (status, page) = get(&e, u.trim_start_matches("https://verify.example"));
        assert_eq!(status, 200, "{page}");
        seen.extend(sids(&page));
        url = page["meta"]["next_page_url"].as_str().map(str::to_owned);
        last = page;
    }
    assert_eq!(seen, all);
    let back = last["meta"]["previous_page_url"].as_str().unwrap().trim_start_matches("https://verify.example").to_owned();
    let (_, previous) = get(&e, &back);
    assert_eq!(sids(&previous), all[2..4]);
    assert!(previous["meta"]["next_page_url"].is_string());
    let (_, filtered) = get(&e, "/v2/Attempts?Channel=sms&PageSize=1");
    let next = filtered["meta"]["next_page_url"].as_str().unwrap();
    assert!(next.contains("Channel=sms") && next.contains("PageToken=PA"), "{next}");
    let (_, second) = get(&e, next.trim_start_matches("https://verify.example"));
    assert_eq!(second["attempts"][0]["channel"], "sms");
}

#[test]
fn a_token_written_with_upper_case_hex_reads_as_the_one_given() {
    // Three attempts in one second, so the page boundary falls between equal times.
    let e = engine(MemoryKv::default());
    let insert = "INSERT INTO attempts (sid, account_sid, service_sid, verification_sid, channel, destination, date_created, date_updated) VALUES (?1, ?2, ?3, ?4, 'sms', '+14155550100', ?5, ?5)";
    for sid in ["VLa0000000000000000000000000000001", "VLb0000000000000000000000000000002", "VLc0000000000000000000000000000003"] {
        e.history.conn().execute(insert, rusqlite::params![sid, MAIN, format!("VA{:032}", 0), format!("VE{:032}", 0), e.clock.0.get() as i64]).unwrap();
    }
    let (_, first) = get(&e, "/v2/Attempts?PageSize=1");
    assert_eq!(sids(&first), ["VLc0000000000000000000000000000003"]);
    let next = first["meta"]["next_page_url"].as_str().unwrap().trim_start_matches("https://verify.example").to_owned();
    let shouted = next.replace("VLc", "VLC");
    assert_ne!(shouted, next);
    assert_eq!(sids(&get(&e, &shouted).1), ["VLb0000000000000000000000000000002"], "{shouted}");
}

#[test]
fn each_account_sees_only_its_own_attempts() {
    let (e, ..) = seeded();
    let (_, sub) = call(&e, "POST", "/2010-04-01/Accounts.json", "FriendlyName=T");
    let (sid, token) = (sub["sid"].as_str().unwrap().to_owned(), sub["auth_token"].as_str().unwrap().to_owned());
    let as_sub = |method: &str, path: &str, form: &str| {
        let r = raw(&e, &request(method, path, &sid, &token, "application/x-www-form-urlencoded", form));
        (r.status, json(&r))
    };
    let (_, main_list) = get(&e, "/v2/Attempts");
    let (status, list) = as_sub("GET", "/v2/Attempts", "");
    assert_eq!((status, sids(&list).len()), (200, 0), "{list}");
    let foreign = sids(&main_list)[0].clone();
    assert_eq!(as_sub("GET", &format!("/v2/Attempts/{foreign}"), "").0, 404);
    assert_eq!(as_sub("GET", "/v2/Attempts/Summary", "").1["total_attempts"], 0);
    let (_, svc) = as_sub("POST", "/v2/Services", "FriendlyName=Sub");
    let (status, _) = as_sub("POST", &format!("/v2/Services/{}/Verifications", svc["sid"].as_str().unwrap()), "To=%2B14155550111&Channel=sms");
    assert_eq!(status, 201);
    assert_eq!(sids(&as_sub("GET", "/v2/Attempts", "").1).len(), 1);
    assert_eq!(sids(&get(&e, "/v2/Attempts").1).len(), 5, "the main account does not see its subaccount's");
}

#[test]
fn a_summary_costs_one_query_and_a_page_one() {
    let (e, ..) = seeded();
    let before = e.history.queries.get();
    total(&e, "?Channel=sms&Country=US");
    assert_eq!(e.history.queries.get() - before, 1, "one aggregate query");
    get(&e, "/v2/Attempts?PageSize=2");
    assert_eq!(e.history.queries.get() - before, 2);
    let writes = e.history.writes.get();
    let (_, svc) = call(&e, "POST", "/v2/Services", "FriendlyName=Gamma");
    start(&e, &format!("/v2/Services/{}", svc["sid"].as_str().unwrap()), "+14155550142", "sms");
    assert_eq!(e.history.writes.get() - writes, 3, "a send: the insert and two bounded purges (attempts, approval markers), deferred");
    assert_eq!(e.history.queries.get() - before, 2, "a start reads nothing from the history");
}

#[test]
fn attempts_older_than_30_days_are_hidden_and_purged_in_batches() {
    let (e, ..) = seeded();
    let insert = "INSERT INTO attempts (sid, account_sid, service_sid, verification_sid, channel, destination, date_created, date_updated) VALUES (?1, ?2, ?3, ?4, 'sms', '+14155550100', ?5, ?5)";
    let old = (e.clock.0.get() - 40 * 86_400) as i64;
    for i in 0..250u32 {
        let sid = format!("VL{i:032x}");
        e.history.conn().execute(insert, rusqlite::params![sid, MAIN, format!("VA{:032}", 0), format!("VE{:032}", 0), old]).unwrap();
    }
    assert_eq!(e.history.count(), 255);
    assert_eq!(sids(&get(&e, "/v2/Attempts").1).len(), 5, "expired rows are never shown");
    assert_eq!(total(&e, "").0, 5);
    assert_eq!(get(&e, &format!("/v2/Attempts/VL{:032x}", 1)).0, 404);
    let (_, svc) = call(&e, "POST", "/v2/Services", "FriendlyName=Gamma");
    let base = format!("/v2/Services/{}", svc["sid"].as_str().unwrap());
    start(&e, &base, "+12125550142", "sms");
    assert_eq!(e.history.count(), 256 - i64::from(PURGE_BATCH), "one batch purged with the write");
    start(&e, &base, "+13125550143", "sms");
    start(&e, &base, "+16175550144", "sms");
    assert_eq!(e.history.count(), 8, "every expired row gone, the 8 kept");
    // Thirty days on, the seeded rows expire too.
    e.clock.0.set(e.clock.0.get() + 30 * 86_400 + 1);
    assert_eq!(total(&e, "").0, 0);
}

#[test]
fn without_a_database_verifications_work_and_attempts_say_what_is_missing() {
    let mut e = engine_with(MemoryKv::default(), settings(&[("DEV_MODE", "true")]));
    e.history = SqliteDb::unbound();
    let base = service(&e, "FriendlyName=Acme");
    start(&e, &base, "+14155550100", "sms");
    let code = last_code(&e);
    assert_eq!(call(&e, "POST", &format!("{base}/VerificationCheck"), &format!("To=%2B14155550100&Code={code}")).1["status"], "approved");
    for path in ["/v2/Attempts", "/v2/Attempts/Summary", "/v2/Attempts/VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] {
        let (status, err) = get(&e, path);
        assert_eq!(status, 500, "{path}");
        assert!(err["message"].as_str().unwrap().contains("HISTORY binding"), "{err}");
    }
    let quiet = engine_with(MemoryKv::default(), settings(&[]));
    let quiet = Engine { history: SqliteDb::unbound(), ..quiet };
    let (status, err) = get(&quiet, "/v2/Attempts");
    assert_eq!((status, err["message"].as_str()), (500, Some("Internal server error")));
}

#[test]
fn the_actions_face_lists_and_summarises() {
    let (e, a, ..) = seeded();
    let va = a.trim_start_matches("/v2/Services/");
    let (status, list) = action(&e, "list_attempts", serde_json::json!({ "service_sid": va, "channel": "sms", "page_size": 1 }));
    assert_eq!((status, sids(&list).len()), (200, 1), "{list}");
    assert!(list["meta"]["next_page_url"].as_str().unwrap().contains("VerifyServiceSid="));
    let (status, summary) = action(&e, "attempts_summary", serde_json::json!({ "country": "GB" }));
    assert_eq!((status, summary["total_attempts"].as_u64(), summary["conversion_rate_percentage"].as_str()), (200, Some(1), Some("100")));
    let (status, err) = action(&e, "attempts_summary", serde_json::json!({ "country": "GBR" }));
    assert_eq!((status, err["message"].as_str().map(|m| m.contains("country"))), (400, Some(true)), "{err}");
}

/// A statement's query plan, one line per step.
fn plan(db: &SqliteDb, statement: &Statement) -> String {
    let mut stmt = db.conn().prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql)).unwrap();
    let rows = stmt.query_map(rusqlite::params_from_iter(values(&statement.params)), |r| r.get::<_, String>(3)).unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_filtered_page_reads_its_own_index_from_the_cursor_on() {
    use edge_verify_core::history::params::AttemptFilter;
    use edge_verify_core::history::sql::{self, Cursor};
    use edge_verify_core::sid::{ServiceSid, VerificationSid};
    let db = SqliteDb::new();
    let filters = [
        (AttemptFilter::default(), "attempts_account_date"),
        (AttemptFilter { verification: VerificationSid::parse(&format!("VE{}", "a".repeat(32))), ..AttemptFilter::default() }, "attempts_account_verification"),
        (AttemptFilter { service: ServiceSid::parse(&format!("VA{}", "b".repeat(32))), ..AttemptFilter::default() }, "attempts_account_service"),
        (AttemptFilter { to: Some("+14155550100".into()), ..AttemptFilter::default() }, "attempts_account_to"),
        (AttemptFilter { country: Some("GB".into()), ..AttemptFilter::default() }, "attempts_account_country"),
    ];
    for (filter, index) in filters {
        for cursor in [Cursor::First, Cursor::After(1_800_000_000, "VLx"), Cursor::Before(1_800_000_000, "VLx")] {
            let statement = sql::page(MAIN, 1_790_000_000, &filter, cursor, 51);
            let plan = plan(&db, &statement);
            assert!(plan.contains(&format!("INDEX {index} ")), "{index} for {cursor:?}:\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "no sort: the index gives the page's order ({cursor:?}):\n{plan}");
            match cursor {
                Cursor::First => {}
                // Newest first: the range ends at the cursor.
                Cursor::After(..) => assert!(plan.contains("(date_created,sid)<"), "the cursor bounds the index range ({cursor:?}):\n{plan}"),
                // Oldest first: the range starts at the cursor's time, not at the retention cutoff.
                Cursor::Before(date, _) => {
                    assert!(plan.contains("date_created>?") || plan.contains("(date_created,sid)>"), "{plan}");
                    let at_cursor = statement.params.iter().filter(|p| matches!(p, SqlValue::Int(n) if *n == date as i64)).count();
                    assert_eq!(at_cursor, 2, "the lower bound is the cursor's time: {:?}", statement.params);
                }
            }
        }
    }
}

#[test]
fn an_attempt_recorded_after_its_approval_is_converted() {
    use edge_verify_core::history::sql::{self, NewAttempt};
    // The approval's writes reach the database first, the start's insert after them.
    let db = SqliteDb::new();
    let run = |statements: Vec<Statement>| db.run_later(statements);
    let attempt = |sid: &str, verification: &str| NewAttempt {
        sid: sid.into(),
        account_sid: MAIN.into(),
        service_sid: format!("VA{}", "b".repeat(32)),
        verification_sid: verification.into(),
        channel: "sms".into(),
        to: "+14155550100".into(),
        country: Some("US".into()),
        price_value: None,
        price_currency: None,
        code_length: Some(6),
        locale: None,
        now: 1_800_000_000,
    };
    let (approved, pending) = (format!("VE{}", "a".repeat(32)), format!("VE{}", "c".repeat(32)));
    run(sql::convert(MAIN, &approved, 1_800_000_000).into());
    run(vec![sql::insert(attempt("VL1", &approved)), sql::insert(attempt("VL2", &pending))]);
    let status = |sid: &str| db.conn().query_row("SELECT conversion_status FROM attempts WHERE sid = ?", [sid], |r| r.get::<_, String>(0)).unwrap();
    assert_eq!((status("VL1").as_str(), status("VL2").as_str()), ("converted", "unconverted"));
    // Another account's verification of the same SID is not converted by it.
    run(vec![sql::insert(NewAttempt { account_sid: format!("AC{}", "d".repeat(32)), ..attempt("VL3", &approved) })]);
    assert_eq!(status("VL3"), "unconverted");
    // Markers are purged after a day, attempts after 30.
    let markers = || db.conn().query_row("SELECT COUNT(*) FROM conversions", [], |r| r.get::<_, i64>(0)).unwrap();
    run(sql::purge(0, 1_800_000_000 + sql::CONVERSION_SECONDS).into());
    assert_eq!(markers(), 1, "a day old: kept");
    run(sql::purge(0, 1_800_000_001 + sql::CONVERSION_SECONDS).into());
    assert_eq!(markers(), 0);
}

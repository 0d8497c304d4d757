//! Realistic example resources, built from the real types, for the action catalog's output
//! samples and the connector spec's examples.

use serde::Serialize;
use serde_json::Value;

use crate::channel::Channel;
use crate::guard::blocks::{BlockList, BlockRecord};
use crate::guard::safe_list::{SafeListRecord, SafeListResource};
use crate::identity::accounts::{AccountList, AccountResource};
use crate::identity::keys::{KeyList, KeyResource};
use crate::identity::records::{AccountRecord, AccountStatus, ApiKeyRecord};
use crate::page::{Listing, PageQuery};
use crate::sid::{
    AccountSid, ApiKeySid, AttemptSid, BucketSid, FraudBlockSid, RateLimitSid, SafeListSid,
    ServiceSid, VerificationSid,
};
pub use crate::time::EXAMPLE_TIME;
use crate::verify::rate_limit::record::{BucketRecord, RateLimitRecord};
use crate::verify::rate_limit::resource::{
    BucketList, BucketResource, RateLimitList, RateLimitResource,
};
use crate::verify::service::record::ServiceRecord;
use crate::verify::service::resource::{ServiceList, ServiceResource};
use crate::verify::verification::model::{SendAttempt, Status, VerificationView};
use crate::verify::verification::resource::{VerificationCheckResource, VerificationResource};

/// A pending SMS verification.
pub fn verification_view() -> VerificationView {
    VerificationView {
        sid: VerificationSid::example(),
        service_sid: ServiceSid::example(),
        account_sid: AccountSid::example(),
        to: "+14155550100".into(),
        channel: Channel::Sms,
        status: Status::Pending,
        amount: None,
        payee: None,
        send_attempts: vec![SendAttempt { attempt_sid: AttemptSid::example(), channel: Channel::Sms, time: EXAMPLE_TIME }],
        checks: 0,
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
        expires_at: EXAMPLE_TIME.plus_seconds(600),
        guard: None,
        events: false,
    }
}

pub fn verification(origin: &str) -> VerificationResource {
    VerificationResource::new(verification_view(), origin)
}

pub fn approved_verification(origin: &str) -> VerificationResource {
    VerificationResource::new(VerificationView { status: Status::Approved, ..verification_view() }, origin)
}

pub fn approved_check() -> VerificationCheckResource {
    VerificationCheckResource::new(VerificationView { status: Status::Approved, ..verification_view() })
}

pub fn service(origin: &str) -> ServiceResource {
    let mut record = ServiceRecord::example();
    record.friendly_name = "My Service".into();
    record.do_not_share_warning_enabled = true;
    ServiceResource::new(record, origin)
}

fn one_page<T>(item: T) -> (Listing<T>, PageQuery) {
    (Listing { items: vec![item], next: None, previous: None }, PageQuery::default())
}

pub fn service_list(origin: &str) -> ServiceList {
    let mut record = ServiceRecord::example();
    record.friendly_name = "My Service".into();
    record.do_not_share_warning_enabled = true;
    let (listing, query) = one_page(record);
    ServiceList::new(listing, &query, origin)
}

fn account_record() -> AccountRecord {
    AccountRecord {
        sid: AccountSid::example(),
        owner_account_sid: AccountSid::example(),
        friendly_name: "Tenant A".into(),
        status: AccountStatus::Active,
        token_digest: String::new(),
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
    }
}

fn key_record() -> ApiKeyRecord {
    ApiKeyRecord {
        sid: ApiKeySid::example(),
        account_sid: AccountSid::example(),
        friendly_name: "CI key".into(),
        secret_digest: String::new(),
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
    }
}

const EXAMPLE_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// An account; with its auth token as creation shows it.
pub fn account(created: bool) -> AccountResource {
    AccountResource::new(account_record(), created.then(|| EXAMPLE_SECRET.to_owned()))
}

/// An API key; with its secret as creation shows it.
pub fn key(created: bool) -> KeyResource {
    KeyResource::new(key_record(), created.then(|| EXAMPLE_SECRET.to_owned()))
}

pub fn account_list() -> AccountList {
    let (listing, query) = one_page(account_record());
    AccountList::new(listing, &query)
}

pub fn key_list() -> KeyList {
    let (listing, query) = one_page(key_record());
    KeyList::new(&AccountSid::example(), listing, &query)
}

fn rate_limit_record() -> RateLimitRecord {
    let bucket = BucketRecord {
        sid: BucketSid::example(),
        max: 5,
        interval: 3600,
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
    };
    RateLimitRecord {
        sid: RateLimitSid::example(),
        service_sid: ServiceSid::example(),
        account_sid: AccountSid::example(),
        unique_name: "end_user_ip".into(),
        description: Some("Starts per end user IP".into()),
        buckets: vec![bucket],
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME,
    }
}

pub fn rate_limit(origin: &str) -> RateLimitResource {
    RateLimitResource::new(rate_limit_record(), origin)
}

pub fn rate_limit_list(origin: &str) -> RateLimitList {
    let (listing, query) = one_page(rate_limit_record());
    RateLimitList::new(&ServiceSid::example(), listing, &query, origin)
}

pub fn bucket(origin: &str) -> BucketResource {
    let record = rate_limit_record();
    let bucket = record
        .buckets
        .first()
        .cloned()
        .unwrap_or_else(|| BucketRecord {
            sid: BucketSid::example(),
            max: 5,
            interval: 3600,
            date_created: EXAMPLE_TIME,
            date_updated: EXAMPLE_TIME,
        });
    BucketResource::new(&record, bucket, origin)
}

pub fn bucket_list(origin: &str) -> BucketList {
    let record = rate_limit_record();
    let listing = Listing {
        items: record.buckets.clone(),
        next: None,
        previous: None,
    };
    BucketList::new(&record, listing, &PageQuery::default(), origin)
}

pub fn safe_list_number(origin: &str) -> SafeListResource {
    SafeListResource::new(
        SafeListRecord {
            sid: SafeListSid::example(),
            phone_number: "+18001234567".into(),
            date_created: EXAMPLE_TIME,
        },
        origin,
    )
}

pub fn fraud_block_list(origin: &str) -> BlockList {
    let record = BlockRecord {
        sid: FraudBlockSid::example(),
        shard: String::new(),
        kind: "prefix".into(),
        target: "+88216XXXX".into(),
        reason: "3 unapproved numbers in one thousand".into(),
        mode: "block".into(),
        date_created: EXAMPLE_TIME,
        date_expires: EXAMPLE_TIME.plus_seconds(43_200),
    };
    let (listing, query) = one_page(record);
    BlockList::new(&AccountSid::example(), listing, &query, origin)
}

/// A converted SMS attempt to a UK number.
fn attempt_row() -> crate::history::resource::AttemptRow {
    crate::history::resource::AttemptRow {
        sid: AttemptSid::example(),
        account_sid: AccountSid::example(),
        service_sid: ServiceSid::example(),
        verification_sid: VerificationSid::example(),
        channel: "sms".into(),
        destination: "+447700900123".into(),
        country: Some("GB".into()),
        conversion_status: "converted".into(),
        price_value: Some("0.04".into()),
        price_currency: None,
        code_length: Some(6),
        locale: Some("en".into()),
        date_created: EXAMPLE_TIME,
        date_updated: EXAMPLE_TIME.plus_seconds(20),
        message_status: Some("delivered".into()),
        error_code: None,
    }
}

pub fn attempt(origin: &str) -> crate::history::resource::AttemptResource {
    crate::history::resource::AttemptResource::new(attempt_row(), origin)
}

pub fn attempt_list(origin: &str) -> crate::history::resource::AttemptList {
    let (listing, query) = one_page(attempt_row());
    crate::history::resource::AttemptList::new(listing, &crate::history::params::AttemptFilter::default(), &query, origin)
}

pub fn attempts_summary(origin: &str) -> crate::history::resource::AttemptsSummary {
    crate::history::resource::AttemptsSummary::new(11, 9, origin)
}

fn value(resource: &impl Serialize) -> Value {
    serde_json::to_value(resource).unwrap_or(Value::Null)
}

/// The output sample of an action.
/// The key the example tokens are signed with (an example, not a deployment's).
fn example_token_key() -> Option<crate::browser::token::TokenKey> {
    crate::code::CodeKey::new("edge-verify-example-key").as_ref().and_then(crate::browser::token::TokenKey::new)
}

/// A minted client token with both scopes, unbound, for 5 minutes.
pub fn client_token(origin: &str) -> crate::browser::resource::ClientTokenResource {
    use crate::browser::token::{ClientClaims, Scope, CLIENT_PREFIX};
    let issued = EXAMPLE_TIME.unix_seconds();
    let claims = ClientClaims { account: AccountSid::example().to_string(), service: ServiceSid::example().to_string(), scopes: vec![Scope::Start, Scope::Check], to: None, max_starts: None, issued, expires: issued + 300, id: "0123456789abcdef01234567".into() };
    let token = example_token_key().map(|k| k.sign(CLIENT_PREFIX, "example", &claims)).unwrap_or_default();
    crate::browser::resource::ClientTokenResource::new(token, &claims, AccountSid::example(), ServiceSid::example(), origin)
}

/// A result token of an approval, as its verification shows it.
pub fn verification_result() -> crate::browser::resource::VerificationResultResource {
    use crate::browser::token::{ResultClaims, RESULT_TTL_SECONDS};
    let approved = EXAMPLE_TIME.unix_seconds();
    let claims = ResultClaims { account: AccountSid::example().to_string(), service: ServiceSid::example().to_string(), to: "+14155550100".into(), verification: VerificationSid::example().to_string(), approved, expires: approved + RESULT_TTL_SECONDS };
    crate::browser::resource::VerificationResultResource::new(&claims, ServiceSid::example(), VerificationSid::example())
}

/// A result token, as an approved check made with a client token returns it.
pub fn result_token() -> String {
    use crate::browser::token::{ResultClaims, RESULT_PREFIX, RESULT_TTL_SECONDS};
    let approved = EXAMPLE_TIME.unix_seconds();
    let claims = ResultClaims { account: AccountSid::example().to_string(), service: ServiceSid::example().to_string(), to: "+14155550100".into(), verification: VerificationSid::example().to_string(), approved, expires: approved + RESULT_TTL_SECONDS };
    example_token_key().map(|k| k.sign(RESULT_PREFIX, "example", &claims)).unwrap_or_default()
}

pub fn action_output(action: &str, origin: &str) -> Value {
    match action {
        "list_services" => value(&service_list(origin)),
        "get_service" | "create_service" | "update_service" => value(&service(origin)),
        "start_verification" | "get_verification" => value(&verification(origin)),
        "update_verification_status" => value(&approved_verification(origin)),
        "check_verification" => value(&approved_check()),
        "create_client_token" => value(&client_token(origin)),
        "list_attempts" => value(&attempt_list(origin)),
        "attempts_summary" => value(&attempts_summary(origin)),
        "make_api_call" => value(&crate::actions::api_call::ApiCallResult {
            status: 200,
            headers: [("content-type".to_owned(), Value::from("application/json; charset=utf-8"))].into_iter().collect(),
            body: value(&service_list(origin)),
        }),
        _ => Value::Null,
    }
}

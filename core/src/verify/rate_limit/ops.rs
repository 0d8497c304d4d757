//! The rate limit and bucket operations, as one: every one of them but list and create reads the
//! rate limit's record (404 before any parameter is judged, as Twilio answers), changes it or
//! not, and writes it back or deletes it.

use super::record::{
    rate_limit_sid, valid_unique_name, BucketInput, BucketRecord, RateLimitInput, RateLimitRecord,
};
use super::store::RateLimitStore;
use super::{MAX_BUCKETS, MAX_RATE_LIMITS};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::page::{window, Listing, PageQuery};
use crate::sid::{BucketSid, RateLimitSid, ServiceSid};
use crate::time::Clock;

/// What to do. Inputs are parsed only once the rate limit is found.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    List(&'a PageQuery),
    Create(Input<'a>),
    Fetch,
    Update(Input<'a>),
    Delete,
    ListBuckets(&'a PageQuery),
    CreateBucket(Input<'a>),
    FetchBucket(&'a str),
    UpdateBucket(&'a str, Input<'a>),
    DeleteBucket(&'a str),
}

/// What came of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    List(Listing<RateLimitRecord>),
    Created(RateLimitRecord),
    One(RateLimitRecord),
    Buckets(RateLimitRecord, Listing<BucketRecord>),
    BucketCreated(RateLimitRecord, BucketRecord),
    Bucket(RateLimitRecord, BucketRecord),
    Deleted,
}

fn path(service: &ServiceSid, reference: &str) -> String {
    format!("/v2/Services/{service}/RateLimits/{reference}")
}

/// A rate limit's `{Sid}` in a path: its `RK` SID, or its unique name.
pub fn rate_limit_ref(service: &ServiceSid, reference: &str) -> Option<RateLimitSid> {
    RateLimitSid::parse(reference)
        .or_else(|| valid_unique_name(reference).then(|| rate_limit_sid(service, reference)))
}

fn refused(code: u32, detail: String) -> ApiError {
    ApiError::Refused { code, detail }
}

fn duplicate_interval(interval: u32) -> ApiError {
    refused(
        60211,
        format!("Bucket with the same interval already exists: {interval} seconds"),
    )
}

/// What a change does to the stored record.
enum Write {
    Keep,
    Put,
    Remove,
}

impl<P: Platform> Engine<P> {
    /// Runs one rate limit or bucket operation on `service`'s rate limit `reference` (unused by
    /// list and create).
    pub async fn rate_limit_action(
        &self,
        who: &Principal,
        service: &ServiceSid,
        reference: &str,
        action: Action<'_>,
    ) -> Result<Outcome, ApiError> {
        self.fetch_service(who, service).await?;
        let records = self.records();
        match action {
            Action::List(query) => {
                let sids = records.rate_limit_sids(&who.account, service).await?;
                let page = window(&sids, query);
                return Ok(Outcome::List(Listing::new(
                    records
                        .rate_limits(&who.account, service, page.items)
                        .await?,
                    &page,
                )));
            }
            Action::Create(input) => {
                return self
                    .create_rate_limit(who, service, RateLimitInput::parse_new(&input)?)
                    .await
                    .map(Outcome::Created)
            }
            _ => {}
        }
        let found = match rate_limit_ref(service, reference) {
            Some(sid) => {
                records
                    .rate_limit_for_update(&who.account, service, &sid)
                    .await?
            }
            None => None,
        };
        let mut record = found.ok_or_else(|| ApiError::NotFound(path(service, reference)))?;
        let (outcome, write) = self.change(&mut record, service, reference, action)?;
        match write {
            Write::Keep => {}
            Write::Put => records.put_rate_limit(&record).await?,
            Write::Remove => records.delete_rate_limit(&record).await?,
        }
        Ok(outcome.unwrap_or(Outcome::One(record)))
    }

    async fn create_rate_limit(
        &self,
        who: &Principal,
        service: &ServiceSid,
        input: RateLimitInput,
    ) -> Result<RateLimitRecord, ApiError> {
        let name = input.unique_name.unwrap_or_default();
        let sid = rate_limit_sid(service, &name);
        let records = self.records();
        if records
            .rate_limit_for_update(&who.account, service, &sid)
            .await?
            .is_some()
        {
            return Err(refused(
                60208,
                format!("Rate limit with the same unique name already exists: {name}"),
            ));
        }
        if records.rate_limit_sids(&who.account, service).await?.len() >= MAX_RATE_LIMITS {
            return Err(refused(60207, format!("Max rate limits per service reached: a service holds at most {MAX_RATE_LIMITS}")));
        }
        let now = self.clock.now();
        let record = RateLimitRecord {
            sid,
            service_sid: service.clone(),
            account_sid: who.account.clone(),
            unique_name: name,
            description: input.description,
            buckets: Vec::new(),
            date_created: now,
            date_updated: now,
        };
        records.put_rate_limit(&record).await?;
        Ok(record)
    }

    /// The synchronous part of an operation on a found rate limit. `None`: the outcome is the
    /// rate limit itself.
    fn change(
        &self,
        record: &mut RateLimitRecord,
        service: &ServiceSid,
        reference: &str,
        action: Action<'_>,
    ) -> Result<(Option<Outcome>, Write), ApiError> {
        let now = self.clock.now();
        let bucket_at = |record: &RateLimitRecord, bucket: &str| {
            let sid = BucketSid::parse(bucket);
            let index = record
                .buckets
                .iter()
                .position(|b| Some(&b.sid) == sid.as_ref());
            index.ok_or_else(|| {
                ApiError::NotFound(format!("{}/Buckets/{bucket}", path(service, reference)))
            })
        };
        let bucket = |record: &RateLimitRecord, index: usize| {
            record
                .buckets
                .get(index)
                .cloned()
                .ok_or_else(|| ApiError::NotFound(path(service, reference)))
        };
        Ok(match action {
            Action::List(_) | Action::Create(_) | Action::Fetch => (None, Write::Keep),
            Action::Update(input) => {
                if let Some(description) = RateLimitInput::parse_update(&input)?.description {
                    record.description = Some(description);
                }
                record.date_updated = now;
                (None, Write::Put)
            }
            Action::Delete => (Some(Outcome::Deleted), Write::Remove),
            Action::ListBuckets(query) => {
                let sids: Vec<String> = record.buckets.iter().map(|b| b.sid.to_string()).collect();
                let page = window(&sids, query);
                let items = record
                    .buckets
                    .iter()
                    .filter(|b| page.items.iter().any(|s| s == b.sid.as_str()))
                    .cloned()
                    .collect();
                (
                    Some(Outcome::Buckets(record.clone(), Listing::new(items, &page))),
                    Write::Keep,
                )
            }
            Action::CreateBucket(input) => {
                let input = BucketInput::parse(&input, true)?;
                let (Some(max), Some(interval)) = (input.max, input.interval) else {
                    return Err(ApiError::Internal(
                        "a bucket without max or interval".into(),
                    ));
                };
                if record.buckets.len() >= MAX_BUCKETS {
                    return Err(refused(60210, format!("Max buckets per rate limit reached: a rate limit holds at most {MAX_BUCKETS}")));
                }
                if record.buckets.iter().any(|b| b.interval == interval) {
                    return Err(duplicate_interval(interval));
                }
                let new = BucketRecord {
                    sid: BucketSid::generate(&self.rng),
                    max,
                    interval,
                    date_created: now,
                    date_updated: now,
                };
                // Kept in SID order, as pages are.
                let at = record.buckets.partition_point(|b| b.sid < new.sid);
                record.buckets.insert(at, new.clone());
                record.date_updated = now;
                (
                    Some(Outcome::BucketCreated(record.clone(), new)),
                    Write::Put,
                )
            }
            Action::FetchBucket(sid) => {
                let found = bucket(record, bucket_at(record, sid)?)?;
                (Some(Outcome::Bucket(record.clone(), found)), Write::Keep)
            }
            Action::UpdateBucket(sid, input) => {
                let index = bucket_at(record, sid)?;
                let input = BucketInput::parse(&input, false)?;
                if let Some(interval) = input.interval.filter(|i| {
                    record
                        .buckets
                        .iter()
                        .enumerate()
                        .any(|(n, b)| n != index && b.interval == *i)
                }) {
                    return Err(duplicate_interval(interval));
                }
                if let Some(b) = record.buckets.get_mut(index) {
                    b.max = input.max.unwrap_or(b.max);
                    b.interval = input.interval.unwrap_or(b.interval);
                    b.date_updated = now;
                }
                record.date_updated = now;
                (
                    Some(Outcome::Bucket(record.clone(), bucket(record, index)?)),
                    Write::Put,
                )
            }
            Action::DeleteBucket(sid) => {
                let index = bucket_at(record, sid)?;
                record.buckets.remove(index);
                record.date_updated = now;
                (Some(Outcome::Deleted), Write::Put)
            }
        })
    }

    /// Deletes every rate limit of a service being deleted (at most [`MAX_RATE_LIMITS`]).
    pub(crate) async fn delete_rate_limits_of(
        &self,
        who: &Principal,
        service: &ServiceSid,
    ) -> Result<(), ApiError> {
        let records = self.records();
        let sids = records.rate_limit_sids(&who.account, service).await?;
        for record in records.rate_limits(&who.account, service, &sids).await? {
            records.delete_rate_limit(&record).await?;
        }
        Ok(())
    }
}

//! Each operation once, for both faces: read the path ids and the input (named as the face
//! names them), call the engine, encode the resource. The REST face fills a [`Call`] from the
//! URL and body; the actions face from a JSON object.

use super::ApiResponse;
use super::routes::Operation;
use crate::browser::ops::{parse_result_token, TokenRequest};
use crate::browser::resource::{ClientTokenResource, VerificationResultResource};
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::guard::blocks::BlockList;
use crate::guard::safe_list::{parse_number, SafeListResource};
use crate::identity::accounts::{
    AccountFilter, AccountList, AccountResource, AccountUpdate, NewAccount,
};
use crate::history::attempts::missing_binding;
use crate::history::resource::{AttemptList, AttemptResource, AttemptsSummary};
use crate::identity::keys::{KeyList, KeyName, KeyResource};
use crate::identity::principal::Principal;
use crate::input::Input;
use crate::messaging::ops::message_filter;
use crate::messaging::request::{outcome as feedback_outcome, MessageRequest};
use crate::messaging::resource::{FeedbackResource, MessageList, MessageResource};
use crate::page::PageQuery;
use crate::sid::{AccountSid, ApiKeySid, ServiceSid};
use crate::verify::outbox::OutboxFilter;
use crate::verify::rate_limit::ops::{Action, Outcome as RateLimitOutcome};
use crate::verify::rate_limit::resource::{
    BucketList, BucketResource, RateLimitList, RateLimitResource,
};
use crate::verify::service::record::ServiceUpdate;
use crate::verify::service::resource::{ServiceList, ServiceResource};
use crate::verify::verification::request::{parse_status_update, CheckRequest, StartRequest, VerificationRef};
use crate::verify::verification::resource::{VerificationCheckResource, VerificationResource};

/// One authenticated call to an operation.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub principal: &'a Principal,
    /// Scheme and host of the request, for absolute URLs.
    pub origin: &'a str,
    /// The request path, for messages.
    pub path: &'a str,
    /// Ids captured from the path (percent-decoded), by template name.
    pub ids: &'a [(&'static str, String)],
    pub query: Input<'a>,
    pub body: Input<'a>,
}

impl Call<'_> {
    fn id(&self, name: &str) -> &str {
        self.ids.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }

    fn not_found(&self) -> ApiError {
        ApiError::NotFound(self.path.to_owned())
    }

    fn sid<T>(&self, name: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
        parse(self.id(name)).ok_or_else(|| self.not_found())
    }

    /// The service of `/v2/Services/{Sid}` or `/v2/Services/{ServiceSid}/...`.
    fn service(&self) -> Result<ServiceSid, ApiError> {
        let name = if self.ids.iter().any(|(n, _)| *n == "ServiceSid") { "ServiceSid" } else { "Sid" };
        self.sid(name, ServiceSid::parse)
    }

    fn verification(&self) -> Result<VerificationRef, ApiError> {
        VerificationRef::from_path(self.id("Sid")).ok_or_else(|| self.not_found())
    }
}

/// The rate limit and bucket operations (one engine operation behind them all).
async fn rate_limits<P: Platform>(
    engine: &Engine<P>,
    operation: Operation,
    call: &Call<'_>,
) -> Result<ApiResponse, ApiError> {
    use Operation as Op;
    let service = call.service()?;
    let query = PageQuery::parse(&call.query)?;
    let (limit, bucket) = match operation {
        Op::ListBucket
        | Op::CreateBucket
        | Op::FetchBucket
        | Op::UpdateBucket
        | Op::DeleteBucket => (call.id("RateLimitSid"), call.id("Sid")),
        _ => (call.id("Sid"), ""),
    };
    let action = match operation {
        Op::ListRateLimit => Action::List(&query),
        Op::CreateRateLimit => Action::Create(call.body),
        Op::FetchRateLimit => Action::Fetch,
        Op::UpdateRateLimit => Action::Update(call.body),
        Op::DeleteRateLimit => Action::Delete,
        Op::ListBucket => Action::ListBuckets(&query),
        Op::CreateBucket => Action::CreateBucket(call.body),
        Op::FetchBucket => Action::FetchBucket(bucket),
        Op::UpdateBucket => Action::UpdateBucket(bucket, call.body),
        _ => Action::DeleteBucket(bucket),
    };
    let origin = call.origin;
    Ok(
        match engine
            .rate_limit_action(call.principal, &service, limit, action)
            .await?
        {
            RateLimitOutcome::List(listing) => {
                ApiResponse::json(200, &RateLimitList::new(&service, listing, &query, origin))
            }
            RateLimitOutcome::Created(record) => {
                ApiResponse::json(201, &RateLimitResource::new(record, origin))
            }
            RateLimitOutcome::One(record) => {
                ApiResponse::json(200, &RateLimitResource::new(record, origin))
            }
            RateLimitOutcome::Buckets(record, listing) => {
                ApiResponse::json(200, &BucketList::new(&record, listing, &query, origin))
            }
            RateLimitOutcome::BucketCreated(record, bucket) => {
                ApiResponse::json(201, &BucketResource::new(&record, bucket, origin))
            }
            RateLimitOutcome::Bucket(record, bucket) => {
                ApiResponse::json(200, &BucketResource::new(&record, bucket, origin))
            }
            RateLimitOutcome::Deleted => ApiResponse::empty(204),
        },
    )
}

/// The webhook operations (one engine operation behind them all).
async fn webhooks<P: Platform>(engine: &Engine<P>, operation: Operation, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use crate::events::ops::{WebhookAction as Action, WebhookOutcome as Outcome};
    use crate::events::resource::{WebhookList, WebhookResource};
    let (service, query, sid, origin) = (call.service()?, PageQuery::parse(&call.query)?, call.id("Sid"), call.origin);
    let action = match operation {
        Operation::ListWebhook => Action::List(&query),
        Operation::CreateWebhook => Action::Create(call.body),
        Operation::FetchWebhook => Action::Fetch(sid),
        Operation::UpdateWebhook => Action::Update(sid, call.body),
        _ => Action::Delete(sid),
    };
    Ok(match engine.webhook_action(call.principal, &service, action).await? {
        Outcome::List(listing) => ApiResponse::json(200, &WebhookList::new(&service, listing, &query, origin)),
        Outcome::Created(record, secret) => {
            let resource = WebhookResource::new(record, Some(secret), origin);
            let mut response = ApiResponse::json(201, &resource);
            // Webhook triggers (Power Automate, Logic Apps) unsubscribe with a DELETE on the
            // Location of the 201 that subscribed them.
            response.headers.push(("location".into(), resource.url.clone()));
            response
        }
        Outcome::One(record) => ApiResponse::json(200, &WebhookResource::new(record, None, origin)),
        Outcome::Deleted => ApiResponse::empty(204),
    })
}

/// The Messages API (2010-04-01), at its current and its older `SMS/` paths.
async fn messages<P: Platform>(engine: &Engine<P>, operation: Operation, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use Operation as Op;
    let (who, account) = (call.principal, call.sid("AccountSid", AccountSid::parse)?);
    Ok(match operation {
        Op::CreateMessage | Op::CreateSmsMessage => {
            let request = MessageRequest::parse(&call.body, engine.settings.dev_mode)?;
            ApiResponse::json(201, &MessageResource::new(engine.send_message(who, &account, request).await?))
        }
        Op::ListMessage | Op::ListSmsMessage => {
            let (filter, query) = (message_filter(&call.query)?, PageQuery::parse(&call.query)?);
            let list_path = call.path.trim_end_matches('/');
            ApiResponse::json(200, &MessageList::new(list_path, engine.list_messages(who, &account, &filter, &query).await?, &query))
        }
        Op::DeleteMessage => {
            engine.delete_message(who, &account, call.id("Sid")).await?;
            ApiResponse::empty(204)
        }
        Op::CreateMessageFeedback => {
            let confirmed = feedback_outcome(&call.body)?;
            ApiResponse::json(201, &FeedbackResource::new(&engine.message_feedback(who, &account, call.id("MessageSid"), confirmed).await?))
        }
        _ => ApiResponse::json(200, &MessageResource::new(engine.fetch_message(who, &account, call.id("Sid")).await?)),
    })
}

/// Verification Attempts (history in D1): a 500 naming the binding when it is missing.
async fn attempts<P: Platform>(engine: &Engine<P>, operation: Operation, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use crate::history::params::{AttemptFilter, LIST, SUMMARY};
    use crate::history::Database;
    let (who, origin) = (call.principal, call.origin);
    if !engine.history.bound() {
        return Ok(missing_binding::<P>(engine.settings.dev_mode));
    }
    Ok(match operation {
        Operation::ListVerificationAttempt => {
            let (filter, query) = (AttemptFilter::parse(&call.query, &LIST)?, PageQuery::parse(&call.query)?);
            ApiResponse::json(200, &AttemptList::new(engine.list_attempts(who, &filter, &query).await?, &filter, &query, origin))
        }
        Operation::FetchVerificationAttemptsSummary => {
            let (total, converted) = engine.summarise_attempts(who, &AttemptFilter::parse(&call.query, &SUMMARY)?).await?;
            ApiResponse::json(200, &AttemptsSummary::new(total, converted, origin))
        }
        _ => ApiResponse::json(200, &AttemptResource::new(engine.fetch_attempt(who, call.id("Sid")).await?, origin)),
    })
}

/// Runs `operation` for an authenticated call.
pub async fn run<P: Platform>(engine: &Engine<P>, operation: Operation, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use Operation as Op;
    let who = call.principal;
    Ok(match operation {
        Op::ListService => {
            let query = PageQuery::parse(&call.query)?;
            ApiResponse::json(200, &ServiceList::new(engine.list_services(who, &query).await?, &query, call.origin))
        }
        Op::CreateService => ApiResponse::json(201, &ServiceResource::new(engine.create_service(who, ServiceUpdate::parse_new(&call.body)?).await?, call.origin)),
        Op::FetchService => ApiResponse::json(200, &ServiceResource::new(engine.fetch_service(who, &call.service()?).await?, call.origin)),
        Op::UpdateService => {
            // An unknown service is a 404 before any parameter is judged, as Twilio answers.
            let sid = call.service()?;
            engine.fetch_service(who, &sid).await?;
            let update = ServiceUpdate::parse(&call.body)?;
            ApiResponse::json(200, &ServiceResource::new(engine.update_service(who, &sid, update).await?, call.origin))
        }
        Op::DeleteService => {
            engine.delete_service(who, &call.service()?).await?;
            ApiResponse::empty(204)
        }
        Op::CreateVerification => {
            let sid = call.service()?;
            engine.fetch_service(who, &sid).await?;
            let request = StartRequest::parse(&call.body)?;
            ApiResponse::json(201, &VerificationResource::new(engine.start_verification(who, &sid, request).await?, call.origin))
        }
        Op::FetchVerification => {
            let (sid, reference) = (call.service()?, call.verification()?);
            ApiResponse::json(200, &VerificationResource::new(engine.fetch_verification(who, &sid, &reference).await?, call.origin))
        }
        Op::UpdateVerification => {
            let (sid, reference, status) = (call.service()?, call.verification()?, parse_status_update(&call.body)?);
            ApiResponse::json(200, &VerificationResource::new(engine.update_verification(who, &sid, &reference, status).await?, call.origin))
        }
        Op::CreateVerificationCheck => {
            let (sid, request) = (call.service()?, CheckRequest::parse(&call.body)?);
            ApiResponse::json(200, &VerificationCheckResource::new(engine.check_verification(who, &sid, request).await?))
        }
        Op::CreateClientToken => {
            let sid = call.service()?;
            engine.fetch_service(who, &sid).await?;
            let request = TokenRequest::parse(&call.body)?;
            let (token, claims) = engine.create_client_token(who, &sid, request).await?;
            ApiResponse::json(201, &ClientTokenResource::new(token, &claims, who.account.clone(), sid, call.origin))
        }
        Op::CreateVerificationResult => {
            let sid = call.service()?;
            engine.fetch_service(who, &sid).await?;
            let text = parse_result_token(&call.body)?;
            let (claims, verification) = engine.verify_result_token(who, &sid, &text).await?;
            ApiResponse::json(200, &VerificationResultResource::new(&claims, sid, verification))
        }
        Op::ListAccount => {
            let (filter, query) = (AccountFilter::parse(&call.query)?, PageQuery::parse(&call.query)?);
            ApiResponse::json(200, &AccountList::new(engine.list_accounts(who, &filter, &query).await?, &query))
        }
        Op::CreateAccount => {
            let (record, token) = engine.create_account(who, NewAccount::parse(&call.body)?).await?;
            ApiResponse::json(201, &AccountResource::new(record, Some(token)))
        }
        Op::FetchAccount => ApiResponse::json(200, &AccountResource::new(engine.fetch_account(who, &call.sid("AccountSid", AccountSid::parse)?).await?, None)),
        Op::UpdateAccount => {
            let (sid, update) = (call.sid("AccountSid", AccountSid::parse)?, AccountUpdate::parse(&call.body)?);
            ApiResponse::json(200, &AccountResource::new(engine.update_account(who, &sid, update).await?, None))
        }
        Op::ListKey => {
            let (account, query) = (call.sid("AccountSid", AccountSid::parse)?, PageQuery::parse(&call.query)?);
            ApiResponse::json(200, &KeyList::new(&account, engine.list_keys(who, &account, &query).await?, &query))
        }
        Op::CreateNewKey => {
            let (account, name) = (call.sid("AccountSid", AccountSid::parse)?, KeyName::parse(&call.body)?);
            let (record, secret) = engine.create_key(who, &account, name).await?;
            ApiResponse::json(201, &KeyResource::new(record, Some(secret)))
        }
        Op::FetchKey => {
            let (account, sid) = (call.sid("AccountSid", AccountSid::parse)?, call.sid("Sid", ApiKeySid::parse)?);
            ApiResponse::json(200, &KeyResource::new(engine.fetch_key(who, &account, &sid).await?, None))
        }
        Op::UpdateKey => {
            let (account, sid, name) = (call.sid("AccountSid", AccountSid::parse)?, call.sid("Sid", ApiKeySid::parse)?, KeyName::parse(&call.body)?);
            ApiResponse::json(200, &KeyResource::new(engine.update_key(who, &account, &sid, name).await?, None))
        }
        Op::DeleteKey => {
            let (account, sid) = (call.sid("AccountSid", AccountSid::parse)?, call.sid("Sid", ApiKeySid::parse)?);
            engine.delete_key(who, &account, &sid).await?;
            ApiResponse::empty(204)
        }
        Op::ListRateLimit
        | Op::CreateRateLimit
        | Op::FetchRateLimit
        | Op::UpdateRateLimit
        | Op::DeleteRateLimit
        | Op::ListBucket
        | Op::CreateBucket
        | Op::FetchBucket
        | Op::UpdateBucket
        | Op::DeleteBucket => return rate_limits(engine, operation, call).await,
        Op::ListWebhook | Op::CreateWebhook | Op::FetchWebhook | Op::UpdateWebhook | Op::DeleteWebhook => return webhooks(engine, operation, call).await,
        Op::CreateSafelist => ApiResponse::json(
            201,
            &SafeListResource::new(
                engine
                    .add_safe_number(who, parse_number(&call.body)?)
                    .await?,
                call.origin,
            ),
        ),
        Op::FetchSafelist => ApiResponse::json(
            200,
            &SafeListResource::new(
                engine
                    .fetch_safe_number(who, call.id("PhoneNumber"))
                    .await?,
                call.origin,
            ),
        ),
        Op::DeleteSafelist => {
            engine
                .remove_safe_number(who, call.id("PhoneNumber"))
                .await?;
            ApiResponse::empty(204)
        }
        Op::ListFraudGuardBlock => {
            let query = PageQuery::parse(&call.query)?;
            ApiResponse::json(
                200,
                &BlockList::new(
                    &who.account,
                    engine.list_fraud_blocks(who, &query).await?,
                    &query,
                    call.origin,
                ),
            )
        }
        Op::DeleteFraudGuardBlock => {
            engine.lift_fraud_block(who, call.id("Sid")).await?;
            ApiResponse::empty(204)
        }
        Op::CreateMessage
        | Op::ListMessage
        | Op::FetchMessage
        | Op::DeleteMessage
        | Op::CreateMessageFeedback
        | Op::CreateSmsMessage
        | Op::ListSmsMessage
        | Op::FetchSmsMessage => messages(engine, operation, call).await?,
        Op::ListVerificationAttempt | Op::FetchVerificationAttempt | Op::FetchVerificationAttemptsSummary => return attempts(engine, operation, call).await,
        Op::ListMessagingConfiguration
        | Op::CreateMessagingConfiguration
        | Op::FetchMessagingConfiguration
        | Op::UpdateMessagingConfiguration
        | Op::DeleteMessagingConfiguration
        | Op::CreateTestMessage => return super::routing::run(engine, operation, call).await,
        Op::ListDevOutbox => ApiResponse::json(200, &engine.dev_outbox(who, &OutboxFilter::parse(&call.query)?, call.path).await?),
        // The REST face serves the catalog and runs actions itself (they need their raw body).
        Op::ListActions | Op::RunAction => return Err(call.not_found()),
    })
}

//! The routing operations for both faces: a service's messaging configurations and the
//! operator's test message (see `verify::routing`).

use super::operations::Call;
use super::routes::Operation;
use super::ApiResponse;
use crate::engine::{Engine, Platform};
use crate::error::ApiError;
use crate::page::PageQuery;
use crate::sid::ServiceSid;
use crate::verify::routing::ops::{Action, Outcome};
use crate::verify::routing::resource::{MessagingConfigurationList, MessagingConfigurationResource};
use crate::verify::routing::test_message::TestRequest;

fn id<'a>(call: &'a Call<'_>, name: &str) -> &'a str {
    call.ids.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
}

/// Runs a messaging configuration operation or the test message.
pub async fn run<P: Platform>(engine: &Engine<P>, operation: Operation, call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    use Operation as Op;
    let who = call.principal;
    if operation == Op::CreateTestMessage {
        let report = engine.send_test_message(who, TestRequest::parse(&call.body)?).await?;
        return Ok(ApiResponse::json(if report.accepted { 200 } else { 502 }, &report));
    }
    let service = ServiceSid::parse(id(call, "ServiceSid")).ok_or_else(|| ApiError::NotFound(call.path.to_owned()))?;
    let query = PageQuery::parse(&call.query)?;
    let action = match operation {
        Op::ListMessagingConfiguration => Action::List(&query),
        Op::CreateMessagingConfiguration => Action::Create(call.body),
        Op::UpdateMessagingConfiguration => Action::Update(call.body),
        Op::DeleteMessagingConfiguration => Action::Delete,
        _ => Action::Fetch,
    };
    let (account, origin) = (&who.account, call.origin);
    Ok(match engine.messaging_config_action(who, &service, id(call, "Country"), action).await? {
        Outcome::List(listing) => ApiResponse::json(200, &MessagingConfigurationList::new(account, &service, listing, &query, origin)),
        Outcome::Created(config) => ApiResponse::json(201, &MessagingConfigurationResource::new(account, &service, config, origin)),
        Outcome::One(config) => ApiResponse::json(200, &MessagingConfigurationResource::new(account, &service, config, origin)),
        Outcome::Deleted => ApiResponse::empty(204),
    })
}

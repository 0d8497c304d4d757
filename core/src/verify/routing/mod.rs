//! Routing as an API: a service's messaging configurations (Twilio's
//! `/v2/Services/{VA}/MessagingConfigurations/{Country}`: which Messaging Service sends to a
//! destination country), on top of the operator's prefix routes in `DELIVERY_CONFIG`, and the
//! operator's test message through the route a number would use (`/v2/DeliveryRoutes/TestMessage`).
//!
//! The configurations are kept inside the service record, not beside it: a start already reads
//! the service (from the isolate's cache, see `verify::service::store`), so the country's sender
//! costs no storage read on the start's critical path; a service holds at most
//! [`config::MAX_CONFIGURATIONS`] of them (every ISO country and `all`, ~20 KB at most). Their
//! writes read the service afresh and write it back whole, as service updates do.

pub mod config;
pub mod ops;
pub mod params;
pub mod resource;
pub mod test_message;

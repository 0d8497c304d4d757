//! Twilio Verify: services, verifications, and the development outbox.

pub mod outbox;
pub mod rate_limit;
pub mod routing;
pub mod service;
pub mod verification;

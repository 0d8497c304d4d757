//! Twilio Verify: services, verifications, and the development outbox.

pub mod outbox;
pub mod service;
pub mod verification;

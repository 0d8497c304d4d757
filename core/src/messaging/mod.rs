//! The Twilio Messaging-compatible endpoint, for systems that make their own one-time passwords
//! and send them as text messages through Twilio's Messages API (IdentityIQ, WSO2, NetIQ in
//! shared/seeds): `POST /2010-04-01/Accounts/{AC}/Messages.json` (and the older
//! `SMS/Messages.json`), fetch, list, delete and feedback. Each message passes the same guard as
//! a verification start (geo permissions, fraud guard, limits per recipient, IP, prefix, service
//! and account, spend caps, safe list) and goes out through the configured routes. A message's
//! body carries the caller's code: it is never stored, logged or returned; only its metadata is
//! kept (30 days).

pub mod ops;
pub mod record;
pub mod request;
pub mod resource;
mod store;

//! edge-verify's core: the domain of a Twilio Verify v2 compatible OTP service, with no
//! dependency on the Workers runtime. Storage, time and randomness come in through ports
//! ([`store::KeyValue`], [`time::Clock`], [`sid::Rng`]) so everything here runs under plain
//! `cargo test`.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

pub mod accounts;
pub mod actions;
pub mod app;
pub mod auth;
pub mod code;
pub mod delivery;
pub mod error;
pub mod examples;
pub mod http;
pub mod page;
pub mod params;
pub mod phone;
pub mod routes;
pub mod services;
pub mod sid;
pub mod spec;
pub mod store;
pub mod target;
pub mod time;
pub mod verification;
pub mod verifications;

pub use app::App;
pub use error::ApiError;

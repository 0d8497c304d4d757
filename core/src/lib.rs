//! edge-verify's engine: a Twilio Verify v2 compatible OTP service with no dependency on the
//! Workers runtime. Storage, time, randomness, coordination and outbound HTTP come in through
//! ports (`ports`, `time::Clock`, `sid::Rng`, `verify::verification::coordinator`,
//! `delivery::HttpClient`), so everything here runs under plain `cargo test`.
//!
//! - `identity/`: the main account, subaccounts, API keys, authentication.
//! - `verify/`: services, verifications (state machine, coordinator port, requests, resources),
//!   the dev outbox.
//! - `delivery/`: providers (one file each), messages, configuration.
//! - `browser/`: the browser face: client tokens, CORS, the Turnstile bot check.
//! - `http/`: request and response shapes, the route table, and each operation once for both
//!   faces; `rest` is the REST face, `actions/` the JSON actions face.
//! - `history/`: Verification Attempts in a SQL database (D1), behind the `Database` port.
//! - `web/`: the hosted verification page, its assets, `client.js` and `/dev/demo` (embedded
//!   from `web/` at build time).

pub mod actions;
pub mod browser;
pub mod cache;
pub mod callbacks;
pub mod channel;
pub mod code;
pub mod delivery;
pub mod engine;
pub mod error;
pub mod events;
pub mod examples;
pub mod guard;
pub mod history;
pub mod http;
pub mod identity;
pub mod input;
pub mod memory;
pub mod messaging;
pub mod page;
pub mod patterns;
pub mod ports;
pub mod rest;
pub mod sid;
pub mod spec;
pub mod time;
pub mod verify;
pub mod web;

pub use engine::{Engine, Platform, Settings};
pub use error::ApiError;

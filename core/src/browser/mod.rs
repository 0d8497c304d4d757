//! The browser face: what lets a web page start and check verifications without an account's
//! credentials (docs/browser.md).
//!
//! - `settings`: a service's browser settings (allowed origins, Turnstile, Web OTP, the token
//!   key) and the public view of a service that preflights read.
//! - `token`: client tokens and result tokens, signed and checked statelessly (pure).
//! - `cors`: which routes are CORS-enabled and the headers they answer with (pure).
//! - `turnstile`: the siteverify request and the judgement of its answer (pure).
//! - `ops`: minting client tokens and verifying result tokens (Basic auth); `resource`: their
//!   wire shapes.
//! - `bearer`: serving the four routes a client token may call, and the CORS door in front.

pub mod bearer;
pub mod cors;
pub mod ops;
pub mod resource;
pub mod settings;
pub mod token;
pub mod turnstile;

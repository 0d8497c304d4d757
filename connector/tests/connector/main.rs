//! The generated connector-spec/ against the code, in one test binary: the OpenAPI document
//! (`spec`), the platform artifacts built from it (`artifacts`), and each platform's own
//! published rules (`make_rules`, `power_automate_rules`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod artifacts;
mod make_rules;
mod power_automate_rules;
mod spec;
